/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_msg - per-message state of postmask-milter; see milter.h.
 *
 * Every string and array of a message is carved from the message's pool
 * (mempool.h), so collecting a message's headers costs a few block
 * allocations at most, not two malloc() per header, and milter_msg_reset()
 * releases it all at once.  Arrays grow by doubling inside the pool: the
 * outgrown copies stay in the pool until the reset, at most as many bytes
 * as the final array.
 *
 * milter_msg_reset() leaves the state empty for the next message and is
 * safe on an already empty state; the pool and its first block survive it.
 * milter_msg_free() releases the pool too.
 */
#include <stdlib.h>
#include <string.h>

#include "milter.h"
#include "xalloc.h"

/* One block holds the headers of most mail (a few DKIM-Signature and
 * Received headers); longer header sections take more blocks. */
#define MSG_POOL_BLOCK  8192

static struct mempool *pool_of(struct milter_msg *msg)
{
    if (msg->pool == NULL)
        msg->pool = mempool_create(MSG_POOL_BLOCK);
    return msg->pool;
}

/* Makes room for one more element of size elem in *array (count used,
 * *cap allocated), copying into a doubled array from the pool. */
static void *grow(struct milter_msg *msg, void *array, size_t count,
                  size_t *cap, size_t elem)
{
    void *bigger;

    if (count < *cap)
        return array;
    *cap = *cap ? 2 * *cap : 16;
    bigger = mempool_alloc(pool_of(msg), *cap * elem);
    if (count > 0)
        memcpy(bigger, array, count * elem);
    return bigger;
}

void milter_msg_reset(struct milter_msg *msg)
{
    struct mempool *pool = msg->pool;

    buf_free(msg->raw);
    mempool_clear(pool);
    memset(msg, 0, sizeof(*msg));
    msg->pool = pool;
}

void milter_msg_free(struct milter_msg *msg)
{
    milter_msg_reset(msg);
    mempool_free(msg->pool);
    msg->pool = NULL;
}

void milter_msg_set_sender(struct milter_msg *msg, const char *arg)
{
    size_t len = strlen(arg);

    /* Without one pair of angle brackets. */
    if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        msg->sender = mempool_strndup(pool_of(msg), arg + 1, len - 2);
    else
        msg->sender = mempool_strndup(pool_of(msg), arg, len);
}

void milter_msg_add_proxy(struct milter_msg *msg, const char *arg,
                          const char *address, const char *sid)
{
    struct milter_rcpt *r;

    msg->proxies = grow(msg, msg->proxies, msg->proxy_count, &msg->proxy_cap,
                        sizeof(*msg->proxies));
    r = &msg->proxies[msg->proxy_count++];
    memset(r, 0, sizeof(*r));
    r->arg = mempool_strdup(pool_of(msg), arg);
    r->address = mempool_strdup(pool_of(msg), address);
    memcpy(r->sid, sid, sizeof(r->sid));
}

void milter_msg_add_internal(struct milter_msg *msg, const char *name)
{
    msg->internal_headers = grow(msg, msg->internal_headers,
                                 msg->internal_count, &msg->internal_cap,
                                 sizeof(*msg->internal_headers));
    msg->internal_headers[msg->internal_count++] =
        mempool_strdup(pool_of(msg), name);
}

void milter_msg_add_header(struct milter_msg *msg, const char *name,
                           const char *value)
{
    struct mask_header *h;

    msg->headers = grow(msg, msg->headers, msg->header_count,
                        &msg->header_cap, sizeof(*msg->headers));
    h = &msg->headers[msg->header_count++];
    h->name = mempool_strdup(pool_of(msg), name);
    h->value = mempool_strdup(pool_of(msg), value);
}
