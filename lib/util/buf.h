/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf - a growable byte buffer, always NUL-terminated (Postfix's VSTRING).
 *
 * A buf is created with buf_create() and released with buf_free(); the
 * caller that creates it owns it.  buf_detach() hands the bytes to the caller
 * (who then frees them with free()) and frees the buf itself.  Growth never
 * fails (see xalloc.h); buf_reserve() makes room for extra more bytes at
 * once (Postfix's VSTRING_SPACE), for a writer that knows how much is
 * coming.  Contents may hold NUL bytes; len counts them.
 */
#ifndef POSTMASK_BUF_H
#define POSTMASK_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;     /* always NUL-terminated at data[len] */
    size_t len;
    size_t cap;
};

struct buf *buf_create(size_t initial);
void buf_free(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_truncate(struct buf *b, size_t len);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char_grow(struct buf *b, int c);

/* One byte: the common case inline, as Postfix's VSTRING_ADDCH. */
static inline void buf_append_char(struct buf *b, int c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = (char) c;
        b->data[b->len] = '\0';
    } else {
        buf_append_char_grow(b, c);
    }
}
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
