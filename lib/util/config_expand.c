/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_expand - $name expansion; see config_expand.h.
 */
#include <ctype.h>
#include <string.h>

#include "config_expand.h"
#include "xalloc.h"

struct expand_state {
    config_lookup_fn lookup;
    void *context;
    struct buf *why;
    size_t work;                /* bytes produced so far, tests included */
};

/* Appends to out within the work budget; -1 when the budget is spent. */
static int emit(struct expand_state *st, struct buf *out, const char *text,
                size_t len)
{
    st->work += len;
    if (st->work > CONFIG_EXPAND_MAX) {
        buf_printf(st->why, "value expands to more than %d bytes",
                   CONFIG_EXPAND_MAX);
        return -1;
    }
    buf_append(out, text, len);
    return 0;
}

static int expand(struct expand_state *st, const char *text, size_t len,
                  int depth, struct buf *out);

static int is_name_char(int c)
{
    return isascii(c) && (isalnum(c) || c == '_');
}

/* Finds the bracket that closes the one before text[0]; -1 when none. */
static long match_close(const char *text, size_t len, char open, char close)
{
    size_t i;
    int level = 1;

    for (i = 0; i < len; i++) {
        if (text[i] == open)
            level++;
        else if (text[i] == close && --level == 0)
            return (long) i;
    }
    return -1;
}

static int expand_name(struct expand_state *st, const char *name, int depth,
                       struct buf *out)
{
    const char *value = st->lookup(name, st->context);

    if (value == NULL) {
        buf_printf(st->why, "undefined parameter $%s", name);
        return -1;
    }
    return expand(st, value, strlen(value), depth + 1, out);
}

/*
 * Expands the inside of ${...}: "name", "name?text", "name:text" or
 * "name?{text}:{text}".
 */
static int expand_braced(struct expand_state *st, const char *in, size_t len,
                         int depth, struct buf *out)
{
    char name[65];
    size_t n = 0;
    const char *value;
    int set;
    long close;

    while (n < len && is_name_char((unsigned char) in[n]))
        n++;
    if (n == 0 || n >= sizeof(name)) {
        buf_printf(st->why, "bad parameter name in \"${%.*s}\"", (int) len, in);
        return -1;
    }
    memcpy(name, in, n);
    name[n] = '\0';
    if (n == len)
        return expand_name(st, name, depth, out);
    if (in[n] != '?' && in[n] != ':') {
        buf_printf(st->why, "unsupported expression \"${%.*s}\"", (int) len,
                   in);
        return -1;
    }
    value = st->lookup(name, st->context);
    set = value != NULL && *value != '\0';
    if (set && value != NULL) {
        /* "set" means set to something that expands to non-empty text. */
        struct buf *tmp = buf_create(64);

        if (expand(st, value, strlen(value), depth + 1, tmp) < 0) {
            buf_free(tmp);
            return -1;
        }
        set = tmp->len > 0;
        buf_free(tmp);
    }
    in += n;
    len -= n;
    if (in[0] == '?' && len > 1 && in[1] == '{') {
        /* ${name?{then}} or ${name?{then}:{else}} */
        const char *then_text = in + 2, *else_text = NULL;
        size_t then_len, else_len = 0;

        if ((close = match_close(then_text, len - 2, '{', '}')) < 0) {
            buf_printf(st->why, "missing '}' in \"${%s%.*s}\"", name,
                       (int) len, in);
            return -1;
        }
        then_len = (size_t) close;
        if (2 + then_len + 1 < len) {
            const char *rest = then_text + then_len + 1;
            size_t rlen = len - 2 - then_len - 1;
            long eclose;

            if (rlen < 3 || rest[0] != ':' || rest[1] != '{'
                || (eclose = match_close(rest + 2, rlen - 2, '{', '}')) < 0
                || (size_t) eclose != rlen - 3) {
                buf_printf(st->why, "bad syntax in \"${%s%.*s}\"", name,
                           (int) len, in);
                return -1;
            }
            else_text = rest + 2;
            else_len = (size_t) eclose;
        }
        if (set)
            return expand(st, then_text, then_len, depth + 1, out);
        return else_text ? expand(st, else_text, else_len, depth + 1, out) : 0;
    }
    if (in[0] == '?')
        return set ? expand(st, in + 1, len - 1, depth + 1, out) : 0;
    return set ? 0 : expand(st, in + 1, len - 1, depth + 1, out);
}

static int expand(struct expand_state *st, const char *text, size_t len,
                  int depth, struct buf *out)
{
    size_t i = 0;

    if (depth > CONFIG_EXPAND_DEPTH) {
        buf_printf(st->why, "parameter references nested deeper than %d "
                   "(a loop?)", CONFIG_EXPAND_DEPTH);
        return -1;
    }
    while (i < len) {
        const char *dollar = memchr(text + i, '$', len - i);
        size_t stop = dollar ? (size_t) (dollar - text) : len;

        if (emit(st, out, text + i, stop - i) < 0)
            return -1;
        if (dollar == NULL)
            break;
        i = stop + 1;
        if (i >= len) {
            buf_append_str(st->why, "'$' at the end of a value");
            return -1;
        }
        if (text[i] == '$') {
            if (emit(st, out, "$", 1) < 0)
                return -1;
            i++;
        } else if (text[i] == '{' || text[i] == '(') {
            char open = text[i], close_ch = open == '{' ? '}' : ')';
            long close = match_close(text + i + 1, len - i - 1, open,
                                     close_ch);

            if (close < 0) {
                buf_printf(st->why, "missing '%c' after \"$%.*s\"", close_ch,
                           (int) (len - i > 20 ? 20 : len - i), text + i);
                return -1;
            }
            if (expand_braced(st, text + i + 1, (size_t) close, depth,
                              out) < 0)
                return -1;
            i += (size_t) close + 2;
        } else {
            char name[65];
            size_t n = 0;

            while (i + n < len && is_name_char((unsigned char) text[i + n]))
                n++;
            if (n == 0 || n >= sizeof(name)) {
                buf_printf(st->why, "bad parameter name after '$' in "
                           "\"%.*s\"", (int) (len > 40 ? 40 : len), text);
                return -1;
            }
            memcpy(name, text + i, n);
            name[n] = '\0';
            if (expand_name(st, name, depth, out) < 0)
                return -1;
            i += n;
        }
    }
    return 0;
}

int config_expand(const char *text, config_lookup_fn lookup, void *context,
                  struct buf *out, struct buf *why)
{
    struct expand_state st = { lookup, context, why, 0 };
    struct buf *raw = buf_create(strlen(text) + 16);
    size_t i;
    int ret;

    ret = expand(&st, text, strlen(text), 0, raw);
    if (ret == 0) {
        for (i = 0; i < raw->len; i++) {
            int c = (unsigned char) raw->data[i];

            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                if (i + 1 < raw->len && out->len > 0
                    && out->data[out->len - 1] != ' ')
                    buf_append_char(out, ' ');
            } else {
                buf_append_char(out, c);
            }
        }
        while (out->len > 0 && out->data[out->len - 1] == ' ')
            buf_truncate(out, out->len - 1);
    }
    buf_free(raw);
    return ret;
}
