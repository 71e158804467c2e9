/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reply_marker - reply_marker_find() and reply_marker_locate() on
 * arbitrary text, and capture_text_extract_marker() with the same format.
 *
 * Input: a first line, the format (used when reply_marker_check() accepts
 * it, else the default format), then the text, copied into a buffer of
 * exactly its length (ASan sees any read past len).  Beyond "no crash, no
 * leak, no read past len": find and locate agree; what they return is the
 * start of a line of the text; the next line lies after it; the text cut
 * before that line holds no marker (the first is the first); a marker line
 * made by reply_marker_format() from the text's first bytes as the name,
 * quoted below the text, is found at or before it, in place; and the
 * extraction keeps at most the text's bytes, valid UTF-8 when the text is,
 * with spans in order within the lines and the marker's line among them.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture_text.h"
#include "reply_marker.h"
#include "utf8.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEFAULT_FORMAT "Reply above this line to answer %s %c."

/* off is 0 or follows a line end. */
static int line_start(const char *t, size_t off)
{
    return off == 0 || t[off - 1] == '\n' || t[off - 1] == '\r';
}

static void check_find(const char *format, const char *text, size_t len)
{
    struct reply_marker_hit hit;
    ssize_t at = reply_marker_find(format, text, len);
    int rc = reply_marker_locate(format, text, len, &hit);

    if ((at < 0) != (rc != 0))
        abort();
    if (at < 0)
        return;
    if ((size_t) at != hit.line || hit.line >= len || hit.next <= hit.line
        || hit.next > len || !line_start(text, hit.line)
        || (hit.next < len && !line_start(text, hit.next))
        || hit.lead >= len - hit.line)
        abort();
    if (reply_marker_find(format, text, hit.line) != -1)
        abort();
}

/* The format's key has an ASCII byte that is not quote prefix or white
 * space (a key of white space and "> * |" alone is never found). */
static int has_text(const char *format)
{
    struct buf *key = buf_create(64);
    size_t i;
    int found = 0;

    reply_marker_key(format, key);
    for (i = 0; i < key->len && !found; i++)
        found = strchr(" \t>|*", key->data[i]) == NULL
            && !((unsigned char) key->data[i] >= 0x80);
    buf_free(key);
    return found;
}

/* A marker line for a name taken from the text, quoted below it. */
static void check_round_trip(const char *format, const char *text,
                             size_t len)
{
    char name[24];
    size_t n = 0, i;
    char *line;
    struct buf *b;
    char *copy;
    ssize_t at;

    for (i = 0; i < len && n < sizeof(name) - 1; i++)
        if ((unsigned char) text[i] >= 0x20 && (unsigned char) text[i] < 0x7f)
            name[n++] = text[i];
    name[n] = '\0';
    if ((line = reply_marker_format(format, name, "by SMS")) == NULL)
        abort();
    b = buf_create(len + strlen(line) + 8);
    buf_append(b, text, len);
    buf_append_str(b, "\n\n> ");
    buf_append_str(b, line);
    buf_append_char(b, '\n');
    copy = xmalloc(b->len);
    memcpy(copy, b->data, b->len);
    at = reply_marker_find(format, copy, b->len);
    if (at < 0 && has_text(format))
        abort();
    if (at >= 0 && (size_t) at > len + 2)
        abort();
    if (at >= 0 && (size_t) at == len + 2) {
        struct reply_marker_hit hit;

        if (reply_marker_locate(format, copy, b->len, &hit) != 0
            || !hit.in_place || !hit.quoted)
            abort();
    }
    free(copy);
    buf_free(b);
    free(line);
}

static void check_extract(const char *format, const char *text, size_t len)
{
    struct capture_text_report report = {.explain = 1};
    struct buf *out = buf_create(64);
    size_t i;
    int marker_span = 0;

    if (capture_text_extract_marker(text, len, format, out, &report) != 0
        || out->len > len
        || (utf8_valid(text, len) && !utf8_valid(out->data, out->len))
        || report.marker > report.lines)
        abort();
    for (i = 0; i < report.span_count; i++) {
        const struct capture_text_span *s = &report.spans[i];

        if (s->rule == NULL || s->first < 1 || s->last < s->first
            || s->last > report.lines
            || (i > 0 && s->first < report.spans[i - 1].first))
            abort();
        marker_span |= s->first == report.marker
            && strcmp(s->rule, "marker.reply") == 0;
    }
    if (report.marker > 0 && !marker_span)
        abort();
    capture_text_report_release(&report);
    buf_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t flen = nl ? (size_t) (nl - (const char *) data) : 0;
    char *format = xstrndup((const char *) data, flen);
    size_t len = nl ? size - flen - 1 : size;
    char *text = xmalloc(len ? len : 1);
    struct buf *why = buf_create(64);
    const char *use = format;

    memcpy(text, nl ? nl + 1 : (const char *) data, len);
    if (strlen(format) != flen || reply_marker_check(format, why) != 0
        || *format == '\0')
        use = DEFAULT_FORMAT;
    check_find(use, text, len);
    check_round_trip(use, text, len);
    check_extract(use, text, len);
    buf_free(why);
    free(text);
    free(format);
    return 0;
}
