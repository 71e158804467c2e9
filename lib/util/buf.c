/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf - growable byte buffer; see buf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "xalloc.h"

void buf_reserve(struct buf *b, size_t extra)
{
    size_t need;

    if (extra > ((size_t) -1) / 2 - b->len)
        msg_panic("buf_reserve: length overflow");
    need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    /* Doubling keeps appends linear; a jump past that (a reserve, one
     * large append) gets what it asked for, not the next power of two. */
    b->cap = need > b->cap * 2 ? need : b->cap * 2;
    b->data = xrealloc(b->data, b->cap);
}

struct buf *buf_create(size_t initial)
{
    struct buf *b = xmalloc(sizeof(*b));

    b->cap = initial < 16 ? 16 : initial;
    b->data = xmalloc(b->cap);
    b->len = 0;
    b->data[0] = '\0';
    return b;
}

void buf_free(struct buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    free(b);
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *data = b->data;

    if (len)
        *len = b->len;
    free(b);
    return data;
}

void buf_reset(struct buf *b)
{
    buf_truncate(b, 0);
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

void buf_append(struct buf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_append_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_append_char_grow(struct buf *b, int c)
{
    char ch = (char) c;

    buf_append(b, &ch, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        msg_panic("buf_vprintf: bad format \"%s\"", fmt);
    if ((size_t) n >= b->cap - b->len) {
        buf_reserve(b, (size_t) n);
        n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t) n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}
