/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_address_decode - proxy_address_decode() on arbitrary bytes.
 *
 * The input, cut at its first NUL as a C caller would see it, is decoded
 * against a fixed key set and two proxy domains.  Beyond "no crash, no
 * leak", when decoding succeeds: the SID is "CH" + 32 lowercase hex, and
 * re-encoding it under the key that verified it gives the input's local part
 * (less any +detail, up to case) -- each SID has one address per key -- and
 * that address decodes to the same SID.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_address.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char keys_text[] =
    "k1 fuzz-key-one-0123456789abcdef\n"
    "k2 fuzz-key-two-fedcba9876543210\n";

static const char *const domains[] = { "reply.example.com",
                                       "other.example.net" };

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

static void check_reencode(const struct address_keys *keys,
                           const char *address, const char *sid)
{
    struct address_keys one;
    const struct address_key *key;
    const char *dash = strchr(address, '-');
    struct buf *out = buf_create(0);
    struct buf *why = buf_create(0);
    char id[ADDRESS_KEYID_MAX + 1];
    char again[CONVERSATION_SID_LEN + 1];
    size_t id_len;
    size_t i;

    if (!conversation_sid_valid(sid)
        || strspn(sid + 2, "0123456789abcdef") != CONVERSATION_SID_LEN - 2)
        abort();
    if (dash == NULL)
        abort();
    if ((id_len = (size_t) (dash - address)) > ADDRESS_KEYID_MAX)
        abort();
    for (i = 0; i < id_len; i++)
        id[i] = (char) lower((unsigned char) address[i]);
    if ((key = address_keys_find(keys, id, id_len)) == NULL)
        abort();
    one.count = 1;
    one.keys = (struct address_key *) key;
    if (proxy_address_encode(&one, domains[0], sid, out, why) != 0)
        abort();
    /* Same local part as the input's, up to case and less the +detail. */
    for (i = 0; out->data[i] != '@'; i++)
        if (out->data[i] != lower((unsigned char) address[i]))
            abort();
    if (address[i] != '+' && address[i] != '@')
        abort();
    if (proxy_address_decode(keys, domains, 2, out->data, again) != PROXY_OK
        || strcmp(again, sid) != 0)
        abort();
    buf_free(out);
    buf_free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct address_keys *keys = fuzz_keys();
    char sid[CONVERSATION_SID_LEN + 1];
    char *address = xstrndup((const char *) data, size);
    enum proxy_status status;

    status = proxy_address_decode(keys, domains, 2, address, sid);
    if (status == PROXY_OK)
        check_reencode(keys, address, sid);
    else if (sid[0] != '\0' || status > PROXY_FORGED)
        abort();
    free(address);
    return 0;
}
