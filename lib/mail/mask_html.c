/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_html - originals written with HTML character references in a
 * text/html part: "ann&#64;example.org", "o&#39;brien@example.org",
 * "a&amp;b@example.org", "ann&commat;example&period;org".  A browser and
 * every mail client show them as the address, so they must be masked like
 * the address itself.
 *
 * mask_html_replace() reads text as a browser would for the characters an
 * address may hold: a numeric reference (&#64; &#x40;, with or without
 * its ';') or a named one from the table below stands for its ASCII
 * character (&hyphen; and &dash;, U+2010, for '-': a reader takes them
 * for it); every other byte stands for itself.  It finds the originals
 * in that reading (mask_find(): the same matching as everywhere else) and
 * appends to out the text with each occurrence's bytes, references
 * included, replaced by proxy (an address of ASCII letters, digits and
 * "-+.@", safe in HTML as it is); every other byte is copied as it was.
 * Returns how many it replaced (0: out holds a copy of text).  Time and
 * memory are linear in len; nothing else is decoded (a reference to a
 * character outside ASCII stays as it is).
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "mask_int.h"
#include "xalloc.h"

#define REF_MAX     12      /* longest reference read: "&#x0000040;" */

/* Named references to ASCII characters an address (or the text next to
 * one) may hold: HTML's names for them. */
static const struct {
    const char *name;
    char c;
} names[] = {
    {"amp", '&'}, {"apos", '\''}, {"commat", '@'}, {"period", '.'},
    {"lowbar", '_'}, {"plus", '+'}, {"equals", '='}, {"excl", '!'},
    {"num", '#'}, {"dollar", '$'}, {"percnt", '%'}, {"ast", '*'},
    {"sol", '/'}, {"quest", '?'}, {"Hat", '^'}, {"grave", '`'},
    {"lcub", '{'}, {"verbar", '|'}, {"rcub", '}'}, {"quot", '"'},
    {"lt", '<'}, {"gt", '>'}, {"hyphen", '-'}, {"dash", '-'},
};

/*
 * The reference at text[0] ('&'): its length in bytes and the ASCII
 * character in *c, or 0 when it is none this module reads.
 */
static size_t reference(const char *text, size_t len, char *c)
{
    size_t i = 1, j, digits = 0;
    unsigned long v = 0;
    int hex = 0, d;

    if (len > REF_MAX)
        len = REF_MAX;
    if (i < len && text[i] == '#') {
        i++;
        if (i < len && (text[i] == 'x' || text[i] == 'X')) {
            hex = 1;
            i++;
        }
        for (; i < len; i++) {
            d = hex ? hex_digit_value((unsigned char) text[i])
                : (text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1);
            if (d < 0)
                break;
            v = v * (hex ? 16 : 10) + (unsigned long) d;
            if (v > 0x7f || ++digits > 8)
                return 0;
        }
        if (digits == 0 || v < 0x20 || v == 0x7f)
            return 0;
        if (i < len && text[i] == ';')
            i++;
        *c = (char) v;
        return i;
    }
    for (j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
        size_t n = strlen(names[j].name);

        if (1 + n < len && memcmp(text + 1, names[j].name, n) == 0
            && text[1 + n] == ';') {
            *c = names[j].c;
            return n + 2;
        }
    }
    return 0;
}

size_t mask_html_replace(const struct mask_matcher *m, const char *text,
                         size_t len, const char *proxy, struct buf *out)
{
    char *plain;
    size_t *from, n = 0, i = 0, k, pos = 0, s, e, count = 0;

    if (memchr(text, '&', len) == NULL)
        return mask_replace(m, text, len, proxy, out);
    /* The reading: plain[k] came from text[from[k] .. from[k + 1]). */
    plain = xmalloc(len + 1);
    from = xmalloc((len + 1) * sizeof(*from));
    while (i < len) {
        char c;
        size_t r = text[i] == '&' ? reference(text + i, len - i, &c) : 0;

        from[n] = i;
        if (r > 0) {
            plain[n++] = c;
            i += r;
        } else {
            plain[n++] = text[i++];
        }
    }
    from[n] = len;
    plain[n] = '\0';
    k = 0;
    while (mask_find(m, plain, n, k, &s, &e)) {
        buf_append(out, text + pos, from[s] - pos);
        buf_append_str(out, proxy);
        pos = from[e];
        k = e;
        count++;
    }
    buf_append(out, text + pos, len - pos);
    free(plain);
    free(from);
    return count;
}
