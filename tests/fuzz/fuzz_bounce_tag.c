/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_bounce_tag - bounce_tag_verify() on arbitrary bytes.
 *
 * The input, cut at its first NUL as a C caller would see it, is verified
 * against a fixed key set at a fixed time with a week's lifetime.  Beyond
 * "no crash, no leak": the status is one of the enum's; and when the tag
 * verifies, signing the same conversation again under the key that verified
 * it, on one of the days a valid tag can come from (a week and a day back
 * to a day ahead), gives the input's local part up to case -- a verified tag
 * is one we could have made.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_tag.h"
#include "proxy_address.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW      ((time_t) 1700000000)
#define FUZZ_LIFETIME (7L * 86400)

static const char keys_text[] =
    "k1 fuzz-key-one-0123456789abcdef\n"
    "k2 fuzz-key-two-fedcba9876543210\n";

static const char *const domains[] = { "reply.example.com" };

static struct address_keys *fuzz_keys(void)
{
    static struct address_keys *keys;
    struct buf *why;

    if (keys == NULL) {
        why = buf_create(0);
        keys = address_keys_parse(keys_text, sizeof(keys_text) - 1, "fuzz",
                                  why);
        if (keys == NULL)
            abort();
        buf_free(why);
    }
    return keys;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Does out's local part equal address's, up to case? */
static int same_local(const char *out, const char *address)
{
    size_t i;

    for (i = 0; out[i] != '@'; i++)
        if (out[i] != lower((unsigned char) address[i]))
            return 0;
    return address[i] == '@';
}

static void check_resign(const struct address_keys *keys, const char *address)
{
    struct address_keys one;
    const struct address_key *key;
    const char *dash = strchr(address, '-');
    char id[ADDRESS_KEYID_MAX + 1];
    char sid[CONVERSATION_SID_LEN + 1];
    struct buf *plain = buf_create(96);
    size_t id_len, i;
    int day, found = 0;

    if (dash == NULL || (id_len = (size_t) (dash - address)) == 0
        || id_len > ADDRESS_KEYID_MAX)
        abort();
    for (i = 0; i < id_len; i++)
        id[i] = (char) lower((unsigned char) address[i]);
    if ((key = address_keys_find(keys, id, id_len)) == NULL)
        abort();
    /* The SID, from the proxy part (its own MAC is not ours to check). */
    buf_append(plain, address, (size_t) (strchr(address, '+') - address));
    buf_append_str(plain, "@reply.example.com");
    if (proxy_address_decode(keys, domains, 1, plain->data, sid) != PROXY_OK) {
        buf_free(plain);
        return;                 /* a proxy part whose own tag is forged */
    }
    buf_free(plain);
    one.count = 1;
    one.keys = (struct address_key *) key;
    for (day = -8; day <= 1 && !found; day++) {
        struct buf *out = buf_create(0), *why = buf_create(0);

        if (bounce_tag_encode(&one, "reply.example.com", sid,
                              FUZZ_NOW + (time_t) day * 86400, out, why) != 0)
            abort();
        found = same_local(out->data, address);
        buf_free(out);
        buf_free(why);
    }
    if (!found)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct address_keys *keys = fuzz_keys();
    char *address = xstrndup((const char *) data, size);
    enum bounce_tag_status status;

    status = bounce_tag_verify(keys, address, FUZZ_NOW, FUZZ_LIFETIME);
    if (status == BOUNCE_TAG_OK)
        check_resign(keys, address);
    else if (status > BOUNCE_TAG_EXPIRED)
        abort();
    free(address);
    return 0;
}
