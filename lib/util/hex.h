/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hex - hexadecimal digits.
 *
 * hex_digit_value() returns the value (0 to 15) of the ASCII hex digit c,
 * either case, or -1 for anything else (any int, EOF included).
 * hex_encode() writes the len bytes at data as 2 x len lowercase hex
 * digits to out (no NUL added); hex_append() appends them to a buf (a
 * digest, say).  No state.
 */
#ifndef POSTMASK_HEX_H
#define POSTMASK_HEX_H

#include <stddef.h>

#include "buf.h"

int hex_digit_value(int c);
void hex_encode(char *out, const unsigned char *data, size_t len);
void hex_append(struct buf *out, const unsigned char *data, size_t len);

#endif
