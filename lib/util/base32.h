/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base32 - RFC 4648 base32 in lowercase, without padding.
 *
 * Lowercase survives MTAs that fold the case of local parts; the decoder
 * accepts either case.  base32_encode() appends the encoding of len bytes to
 * out.  base32_decode() decodes exactly srclen characters into dst (room for
 * dstmax bytes); it returns the number of bytes, or -1 when a character is
 * outside the alphabet, the length is impossible, dst is too small, or the
 * unused low bits of the last character are not zero (non-canonical input).
 */
#ifndef POSTMASK_BASE32_H
#define POSTMASK_BASE32_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define BASE32_ENCODED_LEN(n)  (((n) * 8 + 4) / 5)

void base32_encode(const unsigned char *src, size_t len, struct buf *out);
ssize_t base32_decode(const char *src, size_t srclen, unsigned char *dst,
                      size_t dstmax);

#endif
