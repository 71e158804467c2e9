/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_marker - the marker line of emails to building contacts; see
 * reply_marker.h.
 */
#include <string.h>

#include "reply_marker.h"
#include "utf8.h"
#include "xalloc.h"

int reply_marker_check(const char *format, struct buf *why)
{
    struct buf *key;
    const char *cp;
    int names = 0, channels = 0, ret = 0;

    if (*format == '\0')
        return 0;
    if (strlen(format) > REPLY_MARKER_MAX) {
        buf_printf(why, "longer than %d bytes", REPLY_MARKER_MAX);
        return -1;
    }
    if (!utf8_valid(format, strlen(format))) {
        buf_printf(why, "not valid UTF-8");
        return -1;
    }
    for (cp = format; *cp; cp++) {
        if ((unsigned char) *cp < 0x20 || *cp == 0x7f) {
            buf_printf(why, "control characters are not allowed");
            return -1;
        }
        if (*cp != '%')
            continue;
        cp++;
        if (*cp == 's')
            names++;
        else if (*cp == 'c')
            channels++;
        else if (*cp != '%') {
            buf_printf(why, "%%s (the seeker's name), %%c (the channel) and "
                       "%%%% (a percent sign) are the only conversions");
            return -1;
        }
    }
    if (names > 1 || channels > 1) {
        buf_printf(why, "%%s and %%c may each appear once");
        return -1;
    }
    key = buf_create(REPLY_MARKER_MAX);
    reply_marker_key(format, key);
    if (key->len < REPLY_MARKER_KEY_MIN) {
        buf_printf(why, "needs at least %d bytes of its own text in one "
                   "piece (\"%s\" is all there is), so that replies can be "
                   "told by it", REPLY_MARKER_KEY_MIN, key->data);
        ret = -1;
    }
    buf_free(key);
    return ret;
}

char *reply_marker_format(const char *format, const char *name,
                          const char *channel)
{
    struct buf *b;
    const char *cp;

    if (format == NULL || *format == '\0')
        return NULL;
    if (name == NULL || *name == '\0')
        name = "them";
    b = buf_create(strlen(format) + 64);
    for (cp = format; *cp; cp++) {
        if (cp[0] != '%' || cp[1] == '\0') {
            buf_append_char(b, *cp);
            continue;
        }
        cp++;
        if (*cp == 's')
            buf_append_str(b, name);
        else if (*cp == 'c' && channel != NULL && *channel != '\0')
            buf_append_str(b, channel);
        else if (*cp == 'c') {
            /* No channel: no double space where it would have been. */
            if (b->len > 0 && b->data[b->len - 1] == ' '
                && (cp[1] == ' ' || cp[1] == '.' || cp[1] == '\0'))
                buf_truncate(b, b->len - 1);
        } else
            buf_append_char(b, '%');
    }
    return buf_detach(b, NULL);
}

const char *reply_marker_channel(const char *binding_type)
{
    if (binding_type != NULL && strcmp(binding_type, "sms") == 0)
        return "by SMS";
    if (binding_type != NULL && strcmp(binding_type, "whatsapp") == 0)
        return "on WhatsApp";
    return "in chat";
}

/*
 * The key's place in format: its first byte, *len its length as written
 * (a "%%" in it is two bytes here, one in the key).
 */
static const char *key_span(const char *format, size_t *len)
{
    const char *cp, *start = format, *best = format;
    size_t best_len = 0, n;

    for (cp = format;; cp++) {
        if (*cp == '\0' || (cp[0] == '%' && cp[1] != '%' && cp[1] != '\0')) {
            /* The literal run [start, cp), trimmed. */
            const char *s = start, *e = cp;

            while (s < e && (*s == ' ' || *s == '\t'))
                s++;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            n = (size_t) (e - s);
            if (n > best_len) {
                best = s;
                best_len = n;
            }
            if (*cp == '\0')
                break;
            cp++;               /* the conversion letter */
            start = cp + 1;
        } else if (cp[0] == '%' && cp[1] == '%') {
            cp++;               /* %% stays literal; see below */
        }
    }
    *len = best_len;
    return best;
}

void reply_marker_key(const char *format, struct buf *out)
{
    const char *cp, *best;
    size_t best_len;

    best = key_span(format, &best_len);
    /* The key as written: "%%" stands for "%". */
    for (cp = best; cp < best + best_len; cp++) {
        buf_append_char(out, *cp);
        if (cp[0] == '%' && cp + 1 < best + best_len && cp[1] == '%')
            cp++;
    }
}

/*
 * Recognition.  The text is read as one stream of normalized bytes: each
 * line without its quote prefix (white space, ">", "|" and "*" before its
 * first other byte), white space runs (ASCII, NBSP, narrow NBSP, zero
 * width space, BOM) made one space, ASCII letters made lower case, and
 * consecutive non-blank lines joined by one space; a blank line (nothing
 * after its prefix) breaks the stream.  The key, normalized the same way,
 * is looked for in it with Knuth-Morris-Pratt, so the work is linear in
 * the text and the memory fixed: a ring remembers, for the last key-length
 * bytes of the stream, where each came from.
 */

/* Length of the white space at s (utf8.h). */
static size_t space_at(const unsigned char *s, size_t len)
{
    return utf8_space_at((const char *) s, len);
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char) (c - 'A' + 'a') : c;
}

/* The key of format, normalized as a line is, in key[]; its length (0
 * when it is all quote prefix, "> * |"). */
static size_t norm_key(const char *format, unsigned char *key)
{
    const unsigned char *s;
    size_t n, i = 0, m = 0, w;
    int space = 0;

    s = (const unsigned char *) key_span(format, &n);
    /* What a line's prefix would lose, the key loses too. */
    while (i < n && (s[i] == '>' || s[i] == '|' || s[i] == '*'
                     || space_at(s + i, n - i) > 0))
        i += s[i] == '>' || s[i] == '|' || s[i] == '*'
            ? 1 : space_at(s + i, n - i);
    while (i < n) {
        if ((w = space_at(s + i, n - i)) > 0) {
            space = m > 0;
            i += w;
            continue;
        }
        if (space)
            key[m++] = ' ';
        space = 0;
        key[m++] = fold(s[i]);
        if (s[i] == '%' && i + 1 < n && s[i + 1] == '%')
            i++;
        i++;
    }
    return m;
}

/*
 * How many bytes the marker line may have before the key: the format's
 * own text there, and room for the name or channel of each conversion.
 */
static size_t lead_room(const char *format)
{
    size_t n, room = 0;
    const char *key = key_span(format, &n), *cp;

    for (cp = format; cp < key; cp++) {
        if (cp[0] == '%' && (cp[1] == 's' || cp[1] == 'c')) {
            room += REPLY_MARKER_NAME_ROOM;
            cp++;
        } else {
            room++;
            if (cp[0] == '%' && cp[1] == '%')
                cp++;
        }
    }
    return room;
}

/* The offset after the line end ("\r\n", "\r" or "\n") at end. */
static size_t line_after(const unsigned char *t, size_t end, size_t len)
{
    if (end < len && t[end] == '\r')
        return end + 1 < len && t[end + 1] == '\n' ? end + 2 : end + 1;
    return end < len ? end + 1 : end;
}

/* Where a stream byte came from. */
struct origin {
    size_t src;                 /* its offset in the text */
    size_t line;                /* the offset of its line */
    size_t body;                /* the offset after that line's prefix */
    int quoted;                 /* the prefix has ">" or "|" */
};

int reply_marker_locate(const char *format, const char *text, size_t len,
                        struct reply_marker_hit *hit)
{
    unsigned char key[REPLY_MARKER_MAX + 1];
    size_t fail[REPLY_MARKER_MAX + 1];
    struct origin ring[REPLY_MARKER_MAX + 1], o;
    const unsigned char *t = (const unsigned char *) text;
    size_t m, k, q = 0, count = 0, pos = 0, end, w;
    int space;

    if (format == NULL || *format == '\0' || text == NULL
        || strlen(format) > REPLY_MARKER_MAX)
        return -1;
    if ((m = norm_key(format, key)) == 0)
        return -1;
    fail[0] = 0;
    for (k = 1, q = 0; k < m; k++) {
        while (q > 0 && key[k] != key[q])
            q = fail[q - 1];
        if (key[k] == key[q])
            q++;
        fail[k] = q;
    }
    q = 0;
    if (len > REPLY_MARKER_SCAN_MAX)
        len = REPLY_MARKER_SCAN_MAX;
    while (pos < len) {
        /* One line: [o.line, end), its prefix, then its bytes. */
        o.line = pos;
        o.quoted = 0;
        for (end = pos; end < len && t[end] != '\n' && t[end] != '\r'; end++)
            ;
        for (;;) {
            if ((w = space_at(t + pos, end - pos)) > 0)
                pos += w;
            else if (pos < end && (t[pos] == '>' || t[pos] == '|')) {
                o.quoted = 1;
                pos++;
            } else if (pos < end && t[pos] == '*')
                pos++;
            else
                break;
        }
        o.body = pos;
        if (pos == end)
            q = 0;              /* a blank line breaks the stream */
        space = pos < end && q > 0;     /* joins a wrapped line */
        while (pos < end) {
            unsigned char c;

            if ((w = space_at(t + pos, end - pos)) > 0) {
                space = 1;
                pos += w;
                continue;
            }
            c = fold(t[pos]);
            o.src = pos++;
            for (;;) {
                /* Feeds the space before c (when there is one), then c. */
                unsigned char f = space ? ' ' : c;

                while (q > 0 && key[q] != f)
                    q = fail[q - 1];
                if (key[q] == f)
                    q++;
                ring[count++ % m] = o;
                if (q == m) {
                    const struct origin *first = &ring[count % m];

                    if (hit != NULL) {
                        hit->line = first->line;
                        hit->lead = first->src - first->body;
                        hit->quoted = first->quoted;
                        hit->in_place = hit->lead <= lead_room(format);
                        hit->next = line_after(t, end, len);
                    }
                    return 0;
                }
                if (!space)
                    break;
                space = 0;
            }
        }
        pos = line_after(t, end, len);
    }
    return -1;
}

ssize_t reply_marker_find(const char *format, const char *text, size_t len)
{
    struct reply_marker_hit hit;

    if (reply_marker_locate(format, text, len, &hit) != 0)
        return -1;
    return (ssize_t) hit.line;
}
