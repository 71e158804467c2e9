/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64 - RFC 4648 base64 (standard alphabet, with padding), through
 * OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
 *
 * base64_encode() appends the encoding of len bytes to out (no line breaks).
 * base64_decode() decodes a NUL-free text of len characters into a new
 * buffer the caller frees with free(); it returns 0 with *data and *data_len
 * set, or -1 when the text is not canonical padded base64.
 */
#ifndef POSTMASK_BASE64_H
#define POSTMASK_BASE64_H

#include <stddef.h>

#include "buf.h"

void base64_encode(const void *data, size_t len, struct buf *out);
int base64_decode(const char *text, size_t len, unsigned char **data,
                  size_t *data_len);

#endif
