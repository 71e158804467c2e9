/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8 - keep hostile bytes from breaking JSON and logs.
 *
 * utf8_valid() tells whether len bytes are well-formed UTF-8 (no overlong
 * forms, surrogates or code points above U+10FFFF).  utf8_sanitize_append()
 * appends text to out with every ill-formed sequence replaced by U+FFFD and
 * NUL bytes dropped, so the result is always valid for jansson.
 * utf8_seq() returns the length of the well-formed sequence at s (at most
 * len bytes, len > 0), or 0 when it is ill-formed.
 * utf8_decode() decodes the sequence at s of text already known to be
 * valid UTF-8: it returns its length in bytes and the code point in *cp.
 * utf8_space_at() returns the length of the white space character at s
 * (at most len bytes): space or tab (1), NO-BREAK SPACE (2), NARROW
 * NO-BREAK SPACE, ZERO WIDTH SPACE or the BOM (3), which mail clients put
 * where a space goes; 0 for anything else.
 */
#ifndef POSTMASK_UTF8_H
#define POSTMASK_UTF8_H

#include <stddef.h>

#include "buf.h"

int utf8_valid(const char *text, size_t len);
void utf8_sanitize_append(const char *text, size_t len, struct buf *out);
size_t utf8_seq(const unsigned char *s, size_t len);
size_t utf8_decode(const unsigned char *s, unsigned long *cp);
size_t utf8_space_at(const char *s, size_t len);

#endif
