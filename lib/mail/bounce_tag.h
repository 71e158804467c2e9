/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bounce_tag - a signed, time-limited tag in the envelope sender of the mail
 * postmask sends, in the spirit of BATV, so that only delivery reports of
 * mail we really sent are believed.
 *
 * The envelope sender of outbound mail is the conversation's proxy address
 * (proxy_address.h) with a "+detail":
 *
 *     KEYID "-" base32(SID-bytes || proxy-tag) "+b" TAG "@" proxy-domain
 *     TAG = base32( DAY[2] || MAC[5] )                       (12 characters)
 *     DAY = days since the epoch modulo 65536, big-endian
 *     MAC = HMAC-SHA256(secret of KEYID, "postmask-bounce-v1" 0x00 KEYID 0x00
 *                       SID-bytes 0x00 DAY)[0..5)
 *
 * all lowercase (base32.h); the verifier accepts any case.  The local part
 * is len(KEYID) + 1 + 42 + 2 + 12 characters: within RFC 5321's 64 for key
 * ids of up to BOUNCE_TAG_KEYID_MAX (7) characters.  A signing key with an
 * 8-character id cannot tag: bounce_tag_encode() refuses it.
 *
 * bounce_tag_encode() signs with keys->keys[0] (like proxy_address_encode(),
 * whose checks it shares) for the day of now, and appends the whole tagged
 * address to out; it returns -1 with the reason in why (nothing appended).
 *
 * bounce_tag_verify() takes "local@domain" (no angle brackets) whose domain
 * the caller has already matched with proxy_address_decode(): it looks only
 * at the local part.  With no '@', no "+" detail, or one that does not
 * start with "b" or "B", it returns BOUNCE_TAG_NONE.  A "+b" detail that is
 * not exactly 12 canonical base32 characters, a local part before it that
 * is not KEYID "-" and 42 base32 characters, or a local part longer than 64
 * characters, is BOUNCE_TAG_MALFORMED.  A key id not
 * in keys, or a MAC that does not verify (compared with CRYPTO_memcmp()), is
 * BOUNCE_TAG_FORGED.  A tag is BOUNCE_TAG_EXPIRED when it is older than
 * lifetime seconds counted from the end of its day (so it lives at least
 * lifetime and at most a day more), or when its day is more than one day
 * ahead of now's (clock skew between hosts is allowed a day).  Day
 * arithmetic is modulo 65536, so the wrap (in 2149) is harmless.
 * Nothing here allocates state or logs.
 */
#ifndef POSTMASK_BOUNCE_TAG_H
#define POSTMASK_BOUNCE_TAG_H

#include <time.h>

#include "address_keys.h"
#include "buf.h"

#define BOUNCE_TAG_DAY_BYTES  2
#define BOUNCE_TAG_MAC_BYTES  5
#define BOUNCE_TAG_CHARS      12    /* base32 of DAY || MAC */
#define BOUNCE_TAG_KEYID_MAX  7     /* keeps the local part within 64 */

enum bounce_tag_status {
    BOUNCE_TAG_OK = 0,
    BOUNCE_TAG_NONE,            /* no "+b" detail */
    BOUNCE_TAG_MALFORMED,       /* a "+b" detail of the wrong shape */
    BOUNCE_TAG_FORGED,          /* unknown key id, or the MAC is wrong */
    BOUNCE_TAG_EXPIRED          /* too old, or too far in the future */
};

/* "valid", "none", "malformed", "forged", "expired". */
const char *bounce_tag_status_name(enum bounce_tag_status status);

int bounce_tag_encode(const struct address_keys *keys, const char *domain,
                      const char *sid, time_t now, struct buf *out,
                      struct buf *why);
enum bounce_tag_status bounce_tag_verify(const struct address_keys *keys,
                                         const char *address, time_t now,
                                         long lifetime);

#endif
