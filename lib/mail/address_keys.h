/* SPDX-License-Identifier: Apache-2.0 */
/*
 * address_keys - the HMAC keys of proxy addresses.
 *
 * The keys file (address_keys_file) holds one key per line: "KEYID SECRET".
 * KEYID is 1 to 8 characters of [a-z0-9]; SECRET is at least 16 and at most
 * 256 printable characters without white space (e.g. `openssl rand -hex 32`).
 * Fields are separated by spaces or tabs; lines end in LF or CRLF.  Blank
 * lines and lines whose first non-blank character is '#' are ignored.  The
 * first key signs new addresses; every listed key verifies.  Key IDs must be
 * unique.  address_keys_find() matches id (idlen bytes, not necessarily
 * NUL-terminated) exactly, so callers lowercase it first.
 *
 * address_keys_load() reads the file through secret_file_read() (so a file
 * readable by "other" is refused); address_keys_parse() parses text already
 * in memory, naming origin in errors ("FILE, line N: ...").  Both return NULL
 * with the reason in why on any error.  The caller frees the result with
 * address_keys_free(), which wipes the secrets.
 */
#ifndef POSTMASK_ADDRESS_KEYS_H
#define POSTMASK_ADDRESS_KEYS_H

#include <stddef.h>

#include "buf.h"

#define ADDRESS_KEYID_MAX    8
#define ADDRESS_SECRET_MIN   16
#define ADDRESS_SECRET_MAX   256

struct address_key {
    char id[ADDRESS_KEYID_MAX + 1];
    unsigned char secret[ADDRESS_SECRET_MAX];
    size_t secret_len;
};

struct address_keys {
    size_t count;
    struct address_key *keys;   /* keys[0] signs */
};

struct address_keys *address_keys_load(const char *path, struct buf *why);
struct address_keys *address_keys_parse(const char *text, size_t len,
                                        const char *origin, struct buf *why);
const struct address_key *address_keys_find(const struct address_keys *keys,
                                            const char *id, size_t idlen);
void address_keys_free(struct address_keys *keys);
/* Is id[0..len) a valid key id: 1 to 8 characters of [a-z0-9]? */
int address_keyid_valid(const char *id, size_t len);

/*
 * The MACs of proxy addresses and bounce tags: the first out_len (at most
 * 32) bytes of HMAC-SHA256(key's secret, context 0x00 KEYID 0x00 data).
 * context names what is signed ("postmask-proxy-v1"), so that one kind
 * of MAC can never stand for another.  Exits (msg_fatal) if OpenSSL fails.
 */
#define ADDRESS_MAC_DATA_MAX 64
void address_key_mac(const struct address_key *key, const char *context,
                     const unsigned char *data, size_t data_len,
                     unsigned char *out, size_t out_len);

#endif
