/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base32 - RFC 4648 base32, lowercase, unpadded; see base32.h.
 *
 * Every 5 input bytes become 8 characters.  A final group of 1, 2, 3 or 4
 * bytes becomes 2, 4, 5 or 7 characters, so an encoded length whose
 * remainder modulo 8 is 1, 3 or 6 cannot occur and is refused.  The decoder
 * is canonical: the bits the last character carries beyond the last whole
 * byte must be zero, so each byte string has exactly one encoding (up to
 * letter case), which proxy addresses rely on.
 */
#include <limits.h>
#include <stdint.h>

#include "base32.h"

static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* The value of one character, either case, or -1. */
static int base32_value(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

void base32_encode(const unsigned char *src, size_t len, struct buf *out)
{
    uint32_t acc = 0;           /* holds at most 12 pending bits */
    int bits = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        acc = (acc << 8) | src[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            buf_append_char(out, base32_alphabet[(acc >> bits) & 31]);
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0)
        buf_append_char(out, base32_alphabet[(acc << (5 - bits)) & 31]);
}

ssize_t base32_decode(const char *src, size_t srclen, unsigned char *dst,
                      size_t dstmax)
{
    uint32_t acc = 0;           /* holds at most 12 pending bits */
    int bits = 0;
    size_t rem = srclen % 8;
    size_t nbytes;
    size_t n = 0;
    size_t i;
    int v;

    if (rem == 1 || rem == 3 || rem == 6)
        return -1;
    nbytes = srclen / 8 * 5 + rem * 5 / 8;
    if (nbytes > dstmax || nbytes > (size_t) SSIZE_MAX)
        return -1;
    for (i = 0; i < srclen; i++) {
        if ((v = base32_value((unsigned char) src[i])) < 0)
            return -1;
        acc = (acc << 5) | (uint32_t) v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            dst[n++] = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits (fewer than 5) must be zero padding. */
    if (acc != 0)
        return -1;
    return (ssize_t) n;
}
