/* SPDX-License-Identifier: Apache-2.0 */
/*
 * number_pool - the order of a person's proxy numbers; see number_pool.h.
 */
#include <string.h>

#include <openssl/sha.h>

#include "number_pool.h"

void number_pool_order(size_t count, const char *person_id, size_t *order)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    unsigned long start;
    size_t i;

    if (count == 0)
        return;
    SHA256((const unsigned char *) person_id, strlen(person_id), md);
    start = ((unsigned long) md[0] << 24 | (unsigned long) md[1] << 16
             | (unsigned long) md[2] << 8 | md[3]) % count;
    for (i = 0; i < count; i++)
        order[i] = (start + i) % count;
}
