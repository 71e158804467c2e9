/* SPDX-License-Identifier: Apache-2.0 */
/*
 * form - application/x-www-form-urlencoded; see form.h.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "hex.h"
#include "xalloc.h"

static const char form_hex[] = "0123456789ABCDEF";

struct form *form_create(void)
{
    struct form *form = xcalloc(1, sizeof(*form));

    return form;
}

void form_free(struct form *form)
{
    size_t i;

    if (form == NULL)
        return;
    for (i = 0; i < form->count; i++) {
        free(form->pairs[i].name);
        free(form->pairs[i].value);
    }
    free(form->pairs);
    free(form);
}

/* Takes over name and value. */
static void form_add_owned(struct form *form, char *name, char *value)
{
    if (form->count == form->cap) {
        form->cap = form->cap ? form->cap * 2 : 8;
        form->pairs = xrealloc(form->pairs, form->cap * sizeof(*form->pairs));
    }
    form->pairs[form->count].name = name;
    form->pairs[form->count].value = value;
    form->count++;
}

void form_add(struct form *form, const char *name, const char *value)
{
    form_add_owned(form, xstrdup(name), xstrdup(value));
}

/*
 * Decodes text[0..len) (which starts at byte offset base of the whole
 * input, for messages).
 */
static char *form_decode(const char *text, size_t len, size_t base,
                         int plus_is_space, struct buf *why)
{
    char *out = xmalloc(len + 1);
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];

        if (c == '%') {
            int hi = len - i > 2
                ? hex_digit_value((unsigned char) text[i + 1]) : -1;
            int lo = len - i > 2
                ? hex_digit_value((unsigned char) text[i + 2]) : -1;

            if (hi < 0 || lo < 0) {
                buf_printf(why, "malformed percent-escape at byte %zu: '%%' "
                           "must be followed by two hexadecimal digits",
                           base + i);
                free(out);
                return NULL;
            }
            c = (unsigned char) (hi * 16 + lo);
            if (c == 0) {
                buf_printf(why, "NUL byte (%%00) at byte %zu", base + i);
                free(out);
                return NULL;
            }
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == 0) {
            buf_printf(why, "NUL byte at byte %zu", base + i);
            free(out);
            return NULL;
        }
        out[n++] = (char) c;
    }
    out[n] = '\0';
    return out;
}

char *form_decode_component(const char *text, size_t len, int plus_is_space,
                            struct buf *why)
{
    return form_decode(text, len, 0, plus_is_space, why);
}

struct form *form_parse(const char *text, size_t len, size_t max_pairs,
                        struct buf *why)
{
    struct form *form = form_create();
    size_t start = 0;

    while (start < len) {
        const char *seg = text + start;
        const char *amp = memchr(seg, '&', len - start);
        size_t seglen = amp ? (size_t) (amp - seg) : len - start;
        const char *eq;
        size_t namelen;
        char *name, *value;

        if (seglen > 0) {
            if (form->count >= max_pairs) {
                buf_printf(why, "more than %zu parameters", max_pairs);
                form_free(form);
                return NULL;
            }
            eq = memchr(seg, '=', seglen);
            namelen = eq ? (size_t) (eq - seg) : seglen;
            if ((name = form_decode(seg, namelen, start, 1, why)) == NULL) {
                form_free(form);
                return NULL;
            }
            if (eq == NULL) {
                value = xstrdup("");
            } else if ((value = form_decode(eq + 1, seglen - namelen - 1,
                                            start + namelen + 1, 1,
                                            why)) == NULL) {
                free(name);
                form_free(form);
                return NULL;
            }
            form_add_owned(form, name, value);
        }
        start += seglen + 1;
    }
    return form;
}

const char *form_get(const struct form *form, const char *name)
{
    size_t i = form_next(form, name, 0);

    return i < form->count ? form->pairs[i].value : NULL;
}

size_t form_count(const struct form *form, const char *name)
{
    size_t i, n = 0;

    for (i = 0; i < form->count; i++)
        if (strcmp(form->pairs[i].name, name) == 0)
            n++;
    return n;
}

size_t form_next(const struct form *form, const char *name, size_t from)
{
    size_t i;

    for (i = from; i < form->count; i++)
        if (strcmp(form->pairs[i].name, name) == 0)
            return i;
    return form->count;
}

static int form_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~';
}

void form_encode_component(const char *text, size_t len, struct buf *out)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];

        if (form_unreserved(c)) {
            buf_append_char(out, c);
        } else {
            char esc[3] = {'%', form_hex[c >> 4], form_hex[c & 15]};

            buf_append(out, esc, 3);
        }
    }
}

void form_encode_path_segment(const char *text, size_t len, struct buf *out)
{
    if ((len == 1 && text[0] == '.')
        || (len == 2 && text[0] == '.' && text[1] == '.')) {
        buf_append_str(out, len == 1 ? "%2E" : "%2E%2E");
        return;
    }
    form_encode_component(text, len, out);
}

void form_encode(const struct form *form, struct buf *out)
{
    size_t i;

    for (i = 0; i < form->count; i++) {
        if (i > 0)
            buf_append_char(out, '&');
        form_encode_component(form->pairs[i].name,
                              strlen(form->pairs[i].name), out);
        buf_append_char(out, '=');
        form_encode_component(form->pairs[i].value,
                              strlen(form->pairs[i].value), out);
    }
}
