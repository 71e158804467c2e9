/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8 - UTF-8 validation and repair; see utf8.h.
 */
#include "utf8.h"

size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    size_t n, i;
    unsigned long cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (n > len)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

int utf8_valid(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0, n;

    while (i < len) {
        if ((n = utf8_seq(s + i, len - i)) == 0)
            return 0;
        i += n;
    }
    return 1;
}

void utf8_sanitize_append(const char *text, size_t len, struct buf *out)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0, start = 0, n;

    /* Valid runs are appended whole: one copy, not one per character. */
    while (i < len) {
        if (s[i] != 0 && s[i] < 0x80) {
            i++;
        } else if (s[i] != 0 && (n = utf8_seq(s + i, len - i)) > 0) {
            i += n;
        } else {
            buf_append(out, s + start, i - start);
            if (s[i] != 0)
                buf_append(out, "\xef\xbf\xbd", 3);
            start = ++i;
        }
    }
    buf_append(out, s + start, len - start);
}

size_t utf8_decode(const unsigned char *s, unsigned long *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        *cp = ((unsigned long) (s[0] & 0x1f) << 6) | (s[1] & 0x3f);
        return 2;
    }
    if ((s[0] & 0xf0) == 0xe0) {
        *cp = ((unsigned long) (s[0] & 0x0f) << 12)
            | ((unsigned long) (s[1] & 0x3f) << 6) | (s[2] & 0x3f);
        return 3;
    }
    *cp = ((unsigned long) (s[0] & 0x07) << 18)
        | ((unsigned long) (s[1] & 0x3f) << 12)
        | ((unsigned long) (s[2] & 0x3f) << 6) | (s[3] & 0x3f);
    return 4;
}

size_t utf8_space_at(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *) s;

    if (len >= 1 && (u[0] == ' ' || u[0] == '\t'))
        return 1;
    if (len >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (len >= 3 && u[0] == 0xe2 && u[1] == 0x80
        && (u[2] == 0xaf || u[2] == 0x8b))
        return 3;
    if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
        return 3;
    return 0;
}
