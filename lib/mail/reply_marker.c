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

void reply_marker_key(const char *format, struct buf *out)
{
    const char *cp, *start = format, *best = format;
    size_t best_len = 0, len;

    for (cp = format;; cp++) {
        if (*cp == '\0' || (cp[0] == '%' && cp[1] != '%' && cp[1] != '\0')) {
            /* The literal run [start, cp), trimmed. */
            const char *s = start, *e = cp;

            while (s < e && (*s == ' ' || *s == '\t'))
                s++;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            len = (size_t) (e - s);
            if (len > best_len) {
                best = s;
                best_len = len;
            }
            if (*cp == '\0')
                break;
            cp++;               /* the conversion letter */
            start = cp + 1;
        } else if (cp[0] == '%' && cp[1] == '%') {
            cp++;               /* %% stays literal; see below */
        }
    }
    /* The key as written: "%%" stands for "%". */
    for (cp = best; cp < best + best_len; cp++) {
        buf_append_char(out, *cp);
        if (cp[0] == '%' && cp + 1 < best + best_len && cp[1] == '%')
            cp++;
    }
}

ssize_t reply_marker_find(const char *format, const char *text, size_t len)
{
    (void) format;
    (void) text;
    (void) len;
    return -1;                  /* FIXME(helper): recognition */
}
