/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bounce_tag - sign and verify the bounce tag of an envelope sender; see
 * bounce_tag.h for the format and the rules.
 *
 * Verification checks, in this order, and stops at the first failure: the
 * "+b" detail (none: BOUNCE_TAG_NONE), the shape of the detail and of the
 * proxy local part before it (BOUNCE_TAG_MALFORMED), the key id and the MAC
 * (BOUNCE_TAG_FORGED), and only then the day (BOUNCE_TAG_EXPIRED), so an
 * old forgery reads as a forgery.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base32.h"
#include "bounce_tag.h"
#include "msg.h"
#include "proxy_address.h"

#define SID_BYTES       16
#define PROXY_CHARS     BASE32_ENCODED_LEN(SID_BYTES + PROXY_TAG_BYTES) /* 42 */
#define RAW_BYTES       (BOUNCE_TAG_DAY_BYTES + BOUNCE_TAG_MAC_BYTES)
#define LOCAL_PART_MAX  64
#define DAY_SECONDS     86400
#define MAC_CONTEXT     "postmask-bounce-v1"

const char *bounce_tag_status_name(enum bounce_tag_status status)
{
    switch (status) {
    case BOUNCE_TAG_OK:
        return "valid";
    case BOUNCE_TAG_NONE:
        return "none";
    case BOUNCE_TAG_MALFORMED:
        return "malformed";
    case BOUNCE_TAG_FORGED:
        return "forged";
    case BOUNCE_TAG_EXPIRED:
        return "expired";
    }
    return "unknown";
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ascii_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9');
}

/* Days since the epoch, floored, for any time_t. */
static long long day_of(time_t t)
{
    long long s = (long long) t;

    return s >= 0 ? s / DAY_SECONDS : -((-s + DAY_SECONDS - 1) / DAY_SECONDS);
}

/* MAC = HMAC-SHA256(secret, CONTEXT 0x00 KEYID 0x00 SID 0x00 DAY)[0..5). */
static void bounce_mac(const struct address_key *key,
                       const unsigned char sid_bytes[SID_BYTES],
                       const unsigned char day[BOUNCE_TAG_DAY_BYTES],
                       unsigned char mac[BOUNCE_TAG_MAC_BYTES])
{
    unsigned char data[SID_BYTES + 1 + BOUNCE_TAG_DAY_BYTES];

    memcpy(data, sid_bytes, SID_BYTES);
    data[SID_BYTES] = 0;
    memcpy(data + SID_BYTES + 1, day, BOUNCE_TAG_DAY_BYTES);
    address_key_mac(key, MAC_CONTEXT, data, sizeof(data), mac,
                    BOUNCE_TAG_MAC_BYTES);
}

int bounce_tag_encode(const struct address_keys *keys, const char *domain,
                      const char *sid, time_t now, struct buf *out,
                      struct buf *why)
{
    struct buf *proxy;
    unsigned char sid_bytes[SID_BYTES + PROXY_TAG_BYTES];
    unsigned char raw[RAW_BYTES];
    long long day = day_of(now);
    const char *dash, *at;

    if (keys != NULL && keys->count > 0
        && strlen(keys->keys[0].id) > BOUNCE_TAG_KEYID_MAX) {
        buf_printf(why, "key id \"%s\" is longer than %d characters: a "
                   "tagged address would pass 64 characters",
                   keys->keys[0].id, BOUNCE_TAG_KEYID_MAX);
        return -1;
    }
    proxy = buf_create(96);
    if (proxy_address_encode(keys, domain, sid, proxy, why) < 0) {
        buf_free(proxy);
        return -1;
    }
    /* Our own fresh encoding: KEYID "-" 42 base32 characters "@" domain. */
    dash = strchr(proxy->data, '-');
    at = strchr(proxy->data, '@');
    if (dash == NULL || at == NULL || at - dash - 1 != PROXY_CHARS
        || base32_decode(dash + 1, PROXY_CHARS, sid_bytes,
                         sizeof(sid_bytes)) != (ssize_t) sizeof(sid_bytes))
        msg_panic("bounce tag: unexpected proxy address %s", proxy->data);
    raw[0] = (unsigned char) ((uint64_t) day >> 8 & 0xff);
    raw[1] = (unsigned char) ((uint64_t) day & 0xff);
    bounce_mac(&keys->keys[0], sid_bytes, raw, raw + BOUNCE_TAG_DAY_BYTES);
    buf_append(out, proxy->data, (size_t) (at - proxy->data));
    buf_append_str(out, "+b");
    base32_encode(raw, sizeof(raw), out);
    buf_append_str(out, at);
    buf_free(proxy);
    return 0;
}

/* Is the tag of day tag_day too old or too new at now? */
static int expired(unsigned tag_day, time_t now, long lifetime)
{
    long long today = day_of(now);
    unsigned age = (unsigned) ((uint64_t) today - tag_day) & 0xffff;
    long long elapsed;

    if (age >= 0x8000)          /* ahead of us: allow one day of skew */
        return ((0x10000 - age) & 0xffff) > 1;
    /* Seconds since the start of the tag's day; it was made by its end. */
    elapsed = (long long) age * DAY_SECONDS
        + ((long long) now - today * DAY_SECONDS);
    return elapsed - DAY_SECONDS > (lifetime > 0 ? lifetime : 0);
}

enum bounce_tag_status bounce_tag_verify(const struct address_keys *keys,
                                         const char *address, time_t now,
                                         long lifetime)
{
    unsigned char sid_bytes[SID_BYTES + PROXY_TAG_BYTES];
    unsigned char raw[RAW_BYTES];
    unsigned char mac[BOUNCE_TAG_MAC_BYTES];
    char id[ADDRESS_KEYID_MAX + 1];
    const struct address_key *key;
    const char *at, *plus, *dash, *detail;
    size_t local_len, id_len, i;
    int bad;

    if (address == NULL || (at = strrchr(address, '@')) == NULL)
        return BOUNCE_TAG_NONE;
    local_len = (size_t) (at - address);
    if ((plus = memchr(address, '+', local_len)) == NULL)
        return BOUNCE_TAG_NONE;
    detail = plus + 1;
    if (*detail != 'b' && *detail != 'B')
        return BOUNCE_TAG_NONE;

    /* The shape: KEYID "-" 42 base32 "+b" 12 base32, within 64. */
    if (local_len > LOCAL_PART_MAX || at - detail - 1 != BOUNCE_TAG_CHARS
        || base32_decode(detail + 1, BOUNCE_TAG_CHARS, raw,
                         sizeof(raw)) != (ssize_t) sizeof(raw))
        return BOUNCE_TAG_MALFORMED;
    if ((dash = memchr(address, '-', (size_t) (plus - address))) == NULL)
        return BOUNCE_TAG_MALFORMED;
    id_len = (size_t) (dash - address);
    if (id_len < 1 || id_len > ADDRESS_KEYID_MAX
        || plus - dash - 1 != PROXY_CHARS
        || base32_decode(dash + 1, PROXY_CHARS, sid_bytes,
                         sizeof(sid_bytes)) != (ssize_t) sizeof(sid_bytes))
        return BOUNCE_TAG_MALFORMED;
    for (i = 0; i < id_len; i++) {
        if (!ascii_alnum((unsigned char) address[i]))
            return BOUNCE_TAG_MALFORMED;
        id[i] = (char) ascii_lower((unsigned char) address[i]);
    }
    id[id_len] = '\0';

    /* The key and the MAC. */
    if (keys == NULL || (key = address_keys_find(keys, id, id_len)) == NULL)
        return BOUNCE_TAG_FORGED;
    bounce_mac(key, sid_bytes, raw, mac);
    bad = CRYPTO_memcmp(mac, raw + BOUNCE_TAG_DAY_BYTES,
                        BOUNCE_TAG_MAC_BYTES) != 0;
    OPENSSL_cleanse(mac, sizeof(mac));
    if (bad)
        return BOUNCE_TAG_FORGED;

    /* The day. */
    if (expired((unsigned) raw[0] << 8 | raw[1], now, lifetime))
        return BOUNCE_TAG_EXPIRED;
    return BOUNCE_TAG_OK;
}
