/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rfc2047_join - one encoded-word for a run of B encoded-words; see
 * rfc2047_join.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "buf.h"
#include "rfc2047_join.h"

#define CHARSET_MAX 64

/* One "=?charset?B?text?=" at s: its parts, or 0 when s holds none. */
struct word {
    const char *charset, *text;
    size_t charset_len, text_len, len;  /* len: the whole word */
};

/*
 * Each scan stops at the second "?" after s, so that trying every "=?"
 * of a value stays linear in its length.
 */
static int b_word_at(const char *s, struct word *w)
{
    const char *q1, *p;

    if (s[0] != '=' || s[1] != '?')
        return 0;
    w->charset = s + 2;
    for (q1 = w->charset; *q1 != '\0' && *q1 != '?'; q1++)
        if ((size_t) (q1 - w->charset) >= CHARSET_MAX)
            return 0;
    if (*q1 != '?' || q1 == w->charset
        || (q1[1] != 'B' && q1[1] != 'b') || q1[2] != '?')
        return 0;
    w->charset_len = (size_t) (q1 - w->charset);
    w->text = q1 + 3;
    for (p = w->text; *p != '\0' && *p != '?'; p++)
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            return 0;
    if (p[0] != '?' || p[1] != '=')
        return 0;
    w->text_len = (size_t) (p - w->text);
    w->len = (size_t) (p + 2 - s);
    return 1;
}

static size_t white_at(const char *s)
{
    size_t n = 0;

    while (s[n] == ' ' || s[n] == '\t' || s[n] == '\r' || s[n] == '\n')
        n++;
    return n;
}

static int same_charset(const struct word *a, const struct word *b)
{
    return a->charset_len == b->charset_len
        && strncasecmp(a->charset, b->charset, a->charset_len) == 0;
}

/*
 * The run of words starting at s (the first is w): its length in bytes and
 * word count; *padded is set when a word but the last ends in "=".
 */
static size_t run_at(const char *s, const struct word *w, size_t *count,
                     int *padded)
{
    struct word next;
    size_t len = w->len, gap;
    int last_padded = w->text_len > 0 && w->text[w->text_len - 1] == '=';

    *count = 1;
    *padded = 0;
    for (;;) {
        gap = white_at(s + len);
        if (!b_word_at(s + len + gap, &next) || !same_charset(w, &next))
            return len;
        *padded |= last_padded;
        last_padded = next.text_len > 0 && next.text[next.text_len - 1] == '=';
        len += gap + next.len;
        (*count)++;
    }
}

/* Appends the run's words as one; 0, or -1 when a word is not base64. */
static int join_run(const char *s, size_t count, struct buf *out)
{
    struct buf *bytes = buf_create(128);
    struct word w;
    unsigned char *data;
    size_t i, off = 0, n;

    for (i = 0; i < count; i++) {
        off += white_at(s + off);
        (void) b_word_at(s + off, &w);
        if (base64_decode(w.text, w.text_len, &data, &n) < 0) {
            buf_free(bytes);
            return -1;
        }
        buf_append(bytes, data, n);
        free(data);
        off += w.len;
    }
    (void) b_word_at(s, &w);
    buf_append_str(out, "=?");
    buf_append(out, w.charset, w.charset_len);
    buf_append_str(out, "?B?");
    base64_encode(bytes->data, bytes->len, out);
    buf_append_str(out, "?=");
    buf_free(bytes);
    return 0;
}

char *rfc2047_join(const char *value)
{
    struct buf *out;
    struct word w;
    size_t i = 0, len, count, mark;
    int padded, changed = 0;

    if (value == NULL || strstr(value, "?=") == NULL)
        return NULL;
    out = buf_create(strlen(value) + 1);
    while (value[i] != '\0') {
        if (!b_word_at(value + i, &w)) {
            buf_append_char(out, value[i++]);
            continue;
        }
        len = run_at(value + i, &w, &count, &padded);
        mark = out->len;
        if (count > 1 && padded && join_run(value + i, count, out) == 0) {
            changed = 1;
        } else {
            buf_truncate(out, mark);
            buf_append(out, value + i, len);
        }
        i += len;
    }
    if (!changed) {
        buf_free(out);
        return NULL;
    }
    return buf_detach(out, NULL);
}
