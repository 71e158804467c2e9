/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_address_keys - address_keys_parse() on arbitrary bytes (NULs
 * included: the parser takes a length).
 *
 * Beyond "no crash, no leak": a refusal always says why, and a key set that
 * parses holds 1 or more keys, each with a valid id and secret length, each
 * found again by its id (so ids are unique).  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf *why = buf_create(0);
    struct address_keys *keys;
    size_t i;

    keys = address_keys_parse((const char *) data, size, "fuzz", why);
    if (keys == NULL) {
        if (why->len == 0)
            abort();
    } else {
        if (keys->count == 0 || why->len != 0)
            abort();
        for (i = 0; i < keys->count; i++) {
            const struct address_key *key = keys->keys + i;
            size_t id_len = strlen(key->id);

            if (id_len < 1 || id_len > ADDRESS_KEYID_MAX
                || strspn(key->id, "abcdefghijklmnopqrstuvwxyz0123456789")
                   != id_len
                || key->secret_len < ADDRESS_SECRET_MIN
                || key->secret_len > ADDRESS_SECRET_MAX
                || address_keys_find(keys, key->id, id_len) != key)
                abort();
        }
    }
    address_keys_free(keys);
    buf_free(why);
    return 0;
}
