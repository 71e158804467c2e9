/*
 * milter_msg - per-message state of postmask-milter; see milter.h.
 *
 * milter_msg_reset() frees everything a message collected and leaves the
 * state empty for the next one; it is safe on an already empty state.
 */
#include <stdlib.h>
#include <string.h>

#include "milter.h"
#include "xalloc.h"

void milter_msg_reset(struct milter_msg *msg)
{
    size_t i;

    free(msg->sender);
    for (i = 0; i < msg->proxy_count; i++) {
        free(msg->proxies[i].arg);
        free(msg->proxies[i].address);
    }
    free(msg->proxies);
    buf_free(msg->raw);
    for (i = 0; i < msg->internal_count; i++)
        free(msg->internal_headers[i]);
    free(msg->internal_headers);
    for (i = 0; i < msg->header_count; i++) {
        free((char *) msg->headers[i].name);
        free((char *) msg->headers[i].value);
    }
    free(msg->headers);
    memset(msg, 0, sizeof(*msg));
}

void milter_msg_add_proxy(struct milter_msg *msg, const char *arg,
                          const char *address, const char *sid)
{
    struct milter_rcpt *r;

    msg->proxies = xrealloc(msg->proxies,
                            (msg->proxy_count + 1) * sizeof(*msg->proxies));
    r = &msg->proxies[msg->proxy_count++];
    r->arg = xstrdup(arg);
    r->address = xstrdup(address);
    memcpy(r->sid, sid, sizeof(r->sid));
}

void milter_msg_add_internal(struct milter_msg *msg, const char *name)
{
    msg->internal_headers = xrealloc(msg->internal_headers,
                                     (msg->internal_count + 1)
                                     * sizeof(*msg->internal_headers));
    msg->internal_headers[msg->internal_count++] = xstrdup(name);
}

void milter_msg_add_header(struct milter_msg *msg, const char *name,
                          const char *value)
{
    msg->headers = xrealloc(msg->headers,
                            (msg->header_count + 1) * sizeof(*msg->headers));
    msg->headers[msg->header_count].name = xstrdup(name);
    msg->headers[msg->header_count].value = xstrdup(value);
    msg->header_count++;
}
