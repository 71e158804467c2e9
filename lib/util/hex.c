/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hex - hexadecimal digits; see hex.h.
 */
#include "hex.h"

int hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void hex_encode(char *out, const unsigned char *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
}

void hex_append(struct buf *out, const unsigned char *data, size_t len)
{
    char two[2];
    size_t i;

    for (i = 0; i < len; i++) {
        hex_encode(two, &data[i], 1);
        buf_append(out, two, 2);
    }
}
