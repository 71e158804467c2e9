/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy_address - encode and decode stateless proxy addresses; see
 * proxy_address.h for the format.
 *
 * Decoding checks, in this order, and stops at the first failure:
 *   1. the domain (after the last '@') is one of the proxy domains, compared
 *      case-insensitively in ASCII: else PROXY_NOT_PROXY_DOMAIN, whatever the
 *      local part holds (the address is simply not ours);
 *   2. the shape of the local part: 1 to 64 characters, the whole address at
 *      most 254 (RFC 5321); an optional "+detail" of RFC 5322 atext and '.';
 *      before it KEYID "-" BASE32, the key id 1 to 8 letters or digits and
 *      the base32 part only alphabet characters.  A quoted local part, an
 *      empty one, a missing '-', a bad key id, a base32 part that is empty or
 *      longer than 42 characters: PROXY_MALFORMED.  A base32 part of 1 to 41
 *      alphabet characters: PROXY_TRUNCATED (a wrapped or cut-off address).
 *      42 characters whose last one has non-zero unused bits: PROXY_MALFORMED;
 *   3. the key id names a key: else PROXY_UNKNOWN_KEY;
 *   4. the tag verifies, compared with CRYPTO_memcmp(): else PROXY_FORGED.
 * Letter case never matters.  Nothing here allocates or keeps state.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "base32.h"
#include "hex.h"
#include "msg.h"
#include "proxy_address.h"
#include "twilio_sid.h"

#define SID_BYTES        16
#define RAW_BYTES        (SID_BYTES + PROXY_TAG_BYTES)
#define ENCODED_CHARS    BASE32_ENCODED_LEN(RAW_BYTES)     /* 42 */
#define LOCAL_PART_MAX   64         /* RFC 5321 4.5.3.1.1 */
#define ADDRESS_MAX      254        /* RFC 5321 path (256) less "<>" */
#define DOMAIN_MAX       253
#define TAG_CONTEXT      "postmask-proxy-v1"

static const char base32_chars[] =
    "abcdefghijklmnopqrstuvwxyz234567ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* RFC 5322 atext and '.', the characters a +detail may hold. */
static const char detail_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "!#$%&'*+-/=?^_`{|}~.";

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ascii_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9');
}

static int ascii_caseequal(const char *a, const char *b)
{
    while (*a && ascii_lower((unsigned char) *a)
           == ascii_lower((unsigned char) *b))
        a++, b++;
    return *a == '\0' && *b == '\0';
}

int conversation_sid_valid(const char *sid)
{
    return twilio_sid_valid(sid, "CH");
}

const char *proxy_status_text(enum proxy_status status)
{
    switch (status) {
    case PROXY_OK:
        return "ok";
    case PROXY_NOT_PROXY_DOMAIN:
        return "not an address in a proxy domain";
    case PROXY_MALFORMED:
        return "malformed proxy address";
    case PROXY_TRUNCATED:
        return "truncated proxy address";
    case PROXY_UNKNOWN_KEY:
        return "proxy address signed with an unknown key";
    case PROXY_FORGED:
        return "forged proxy address: the tag does not verify";
    }
    return "unknown proxy address status";
}

/* TAG = HMAC-SHA256(secret, TAG_CONTEXT 0x00 KEYID 0x00 SID-bytes)[0..10). */
static void proxy_tag(const struct address_key *key,
                      const unsigned char sid_bytes[SID_BYTES],
                      unsigned char tag[PROXY_TAG_BYTES])
{
    address_key_mac(key, TAG_CONTEXT, sid_bytes, SID_BYTES, tag,
                    PROXY_TAG_BYTES);
}

int proxy_address_encode(const struct address_keys *keys, const char *domain,
                         const char *sid, struct buf *out, struct buf *why)
{
    unsigned char raw[RAW_BYTES];
    const struct address_key *key;
    size_t domain_len;
    size_t i;

    if (!conversation_sid_valid(sid)) {
        buf_printf(why, "malformed conversation SID \"%.64s\": expected CH "
                   "and 32 hex digits", sid ? sid : "");
        return -1;
    }
    if (keys == NULL || keys->count == 0) {
        buf_append_str(why, "no address keys to sign with");
        return -1;
    }
    key = keys->keys;
    domain_len = domain ? strlen(domain) : 0;
    if (domain_len == 0 || domain_len > DOMAIN_MAX
        || strlen(key->id) + 1 + ENCODED_CHARS + 1 + domain_len > ADDRESS_MAX
        || strspn(domain, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789.-") != domain_len) {
        buf_printf(why, "bad proxy domain \"%.64s\"", domain ? domain : "");
        return -1;
    }
    for (i = 0; i < SID_BYTES; i++)
        raw[i] = (unsigned char)
            (hex_digit_value((unsigned char) sid[2 + 2 * i]) << 4
             | hex_digit_value((unsigned char) sid[3 + 2 * i]));
    proxy_tag(key, raw, raw + SID_BYTES);
    buf_append_str(out, key->id);
    buf_append_char(out, '-');
    base32_encode(raw, sizeof(raw), out);
    buf_append_char(out, '@');
    for (i = 0; i < domain_len; i++)
        buf_append_char(out, ascii_lower((unsigned char) domain[i]));
    return 0;
}

enum proxy_status proxy_address_decode(const struct address_keys *keys,
                                       const char *const *domains,
                                       size_t ndomains, const char *address,
                                       char sid_out[CONVERSATION_SID_LEN + 1])
{
    unsigned char raw[RAW_BYTES];
    unsigned char tag[PROXY_TAG_BYTES];
    char id[ADDRESS_KEYID_MAX + 1];
    const struct address_key *key;
    const char *at;
    const char *plus;
    const char *dash;
    const char *b32;
    size_t local_len;
    size_t base_len;
    size_t id_len;
    size_t b32_len;
    size_t i;

    sid_out[0] = '\0';

    /* 1. The domain. */
    if (address == NULL || (at = strrchr(address, '@')) == NULL)
        return PROXY_NOT_PROXY_DOMAIN;
    for (i = 0; i < ndomains; i++)
        if (domains[i] != NULL && domains[i][0] != '\0'
            && ascii_caseequal(at + 1, domains[i]))
            break;
    if (i == ndomains)
        return PROXY_NOT_PROXY_DOMAIN;

    /* 2. The shape: lengths, +detail, KEYID "-" BASE32. */
    local_len = (size_t) (at - address);
    if (local_len == 0 || local_len > LOCAL_PART_MAX
        || local_len + 1 + strlen(at + 1) > ADDRESS_MAX)
        return PROXY_MALFORMED;
    plus = memchr(address, '+', local_len);
    base_len = plus ? (size_t) (plus - address) : local_len;
    if (plus && strspn(plus + 1, detail_chars) < (size_t) (at - plus - 1))
        return PROXY_MALFORMED;
    if ((dash = memchr(address, '-', base_len)) == NULL)
        return PROXY_MALFORMED;
    id_len = (size_t) (dash - address);
    if (id_len < 1 || id_len > ADDRESS_KEYID_MAX)
        return PROXY_MALFORMED;
    for (i = 0; i < id_len; i++) {
        if (!ascii_alnum((unsigned char) address[i]))
            return PROXY_MALFORMED;
        id[i] = (char) ascii_lower((unsigned char) address[i]);
    }
    id[id_len] = '\0';
    b32 = dash + 1;
    b32_len = base_len - id_len - 1;
    if (b32_len == 0 || b32_len > ENCODED_CHARS
        || strspn(b32, base32_chars) < b32_len)
        return PROXY_MALFORMED;
    if (b32_len < ENCODED_CHARS)
        return PROXY_TRUNCATED;
    if (base32_decode(b32, b32_len, raw, sizeof(raw)) != RAW_BYTES)
        return PROXY_MALFORMED;

    /* 3. The key. */
    if (keys == NULL || (key = address_keys_find(keys, id, id_len)) == NULL)
        return PROXY_UNKNOWN_KEY;

    /* 4. The tag. */
    proxy_tag(key, raw, tag);
    if (CRYPTO_memcmp(tag, raw + SID_BYTES, PROXY_TAG_BYTES) != 0)
        return PROXY_FORGED;
    sid_out[0] = 'C';
    sid_out[1] = 'H';
    hex_encode(sid_out + 2, raw, SID_BYTES);
    sid_out[CONVERSATION_SID_LEN] = '\0';
    return PROXY_OK;
}
