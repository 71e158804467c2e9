/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy_address - the address that stands for a seeker in one conversation.
 *
 * Local part:  KEYID "-" base32( SID-bytes[16] || TAG[10] )     (42 chars)
 * where SID-bytes are the 32 hex digits of the conversation SID (CH + 32 hex)
 * and TAG is HMAC-SHA256(secret of KEYID, "postmask-proxy-v1" 0x00 KEYID 0x00
 * SID-bytes) truncated to 80 bits.  Everything is lowercase, so MTAs that
 * fold case cannot break it; decoding accepts any case.  The longest local
 * part is 8 + 1 + 42 = 51 characters, within RFC 5321's 64.
 *
 * The address is stateless: any host with the keys can route any reply.
 * proxy_address_encode() signs with keys->keys[0] under domain and appends
 * "local@domain" (domain lowercased) to out; it returns -1 (reason in why,
 * nothing appended) for a malformed SID, an empty key list, or a domain that
 * is not letters, digits, '.' and '-' or makes the address longer than 254.
 * proxy_address_decode() takes "local[+detail]@domain" (no angle brackets),
 * checks the domain against the proxy domains (case-insensitively), finds the
 * key and compares the tag in constant time.  It writes the SID ("CH" + 32
 * lowercase hex, NUL-terminated) to sid_out and returns PROXY_OK, or one of
 * the distinct failure codes below, with sid_out set to ""; the domain is
 * checked first, so an address outside the proxy domains is
 * PROXY_NOT_PROXY_DOMAIN whatever its local part.  proxy_status_text()
 * describes each code.
 */
#ifndef POSTMASK_PROXY_ADDRESS_H
#define POSTMASK_PROXY_ADDRESS_H

#include <stddef.h>

#include "address_keys.h"
#include "buf.h"

#define CONVERSATION_SID_LEN  34    /* "CH" + 32 hex digits */
#define PROXY_TAG_BYTES       10

enum proxy_status {
    PROXY_OK = 0,
    PROXY_NOT_PROXY_DOMAIN,     /* no '@', or a domain not in proxy_domains */
    PROXY_MALFORMED,            /* bad characters, shape or non-canonical;
                                 * quoted, empty or over-long (RFC 5321) */
    PROXY_TRUNCATED,            /* KEYID "-" and 1 to 41 base32 characters */
    PROXY_UNKNOWN_KEY,          /* key id not in the keys file */
    PROXY_FORGED                /* tag does not verify */
};

int conversation_sid_valid(const char *sid);
const char *proxy_status_text(enum proxy_status status);

int proxy_address_encode(const struct address_keys *keys, const char *domain,
                         const char *sid, struct buf *out, struct buf *why);
enum proxy_status proxy_address_decode(const struct address_keys *keys,
                                       const char *const *domains,
                                       size_t ndomains, const char *address,
                                       char sid_out[CONVERSATION_SID_LEN + 1]);

#endif
