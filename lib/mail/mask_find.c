/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_find - where an original address appears in text, and the address
 * tokens a text holds.
 *
 * An occurrence of an original is its bytes, ASCII case ignored, standing
 * as a whole address: the byte before it is no local-part character (RFC
 * 5322 atext and '.': A-Z a-z 0-9 !#$%&'*+/=?^_`{|}~- and '.') and the
 * byte after it no domain character (A-Z a-z 0-9 - and '.'), so
 * "bob@x.com" is not found in "jimbob@x.com" nor in "bob@x.com.evil" nor
 * in "bob@x.com-mail.net", but is in "mailto:bob@x.com?subject=Hi".  A '.'
 * next to it counts as outside when the byte beyond the '.' is no such
 * character either (or is another '.'): a sentence ending "write to
 * bob@x.com." and ".bob@x.com" are occurrences, because no address ends
 * or starts with a '.'.  Bytes 0x80 and up are neither, so an address next
 * to a non-ASCII letter or quotation mark is found.
 *
 * mask_find() gives the first occurrence whose '@' lies at or after from
 * (the longest one when two originals match there); mask_replace() appends
 * text with every occurrence replaced by the proxy address and returns how
 * many it replaced.  They only look at the originals that hold an '@'.
 * Work is bounded by (bytes of text) x (originals): only the bytes around
 * each '@' of the text are compared.
 *
 * mask_tokens() appends to out, lowercased, every address-like token of
 * text: a run of local-part characters, '@', a run of domain characters,
 * with leading and trailing dots dropped, local part at most
 * MASK_LOCAL_MAX and whole token at most MASK_ADDRESS_MAX bytes.
 *
 * The mask_list helpers keep a list of lowercased strings: add, test
 * (ASCII case ignored), and drop duplicates keeping the first of each.
 */
#include <stdlib.h>
#include <string.h>

#include "mask_int.h"
#include "xalloc.h"

int mask_addr_char(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr(".!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

int mask_domain_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

int mask_ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int mask_equal_n(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (mask_ascii_lower((unsigned char) a[i])
            != mask_ascii_lower((unsigned char) b[i]))
            return 0;
    return 1;
}

int mask_equal(const char *a, const char *b)
{
    size_t n = strlen(a);

    return strlen(b) == n && mask_equal_n(a, b, n);
}

int mask_inputs_ok(const struct mask_list *originals, const char *proxy,
                   struct buf *why)
{
    if (proxy == NULL || strchr(proxy, '@') == NULL) {
        buf_append_str(why, "no proxy address to mask with");
        return -1;
    }
    if (originals->count > MASK_MAX_ORIGINALS) {
        buf_printf(why, "%zu original sender addresses, more than the %d "
                   "postmask masks", originals->count, MASK_MAX_ORIGINALS);
        return -1;
    }
    return 0;
}

void mask_matcher_init(struct mask_matcher *m, const struct mask_list *originals)
{
    size_t i;

    m->count = 0;
    m->needles = xcalloc(originals->count + 1, sizeof(*m->needles));
    for (i = 0; i < originals->count; i++) {
        const char *addr = originals->items[i];
        const char *at = strrchr(addr, '@');

        if (at == NULL)
            continue;
        m->needles[m->count].addr = addr;
        m->needles[m->count].len = strlen(addr);
        m->needles[m->count].at = (size_t) (at - addr);
        m->count++;
    }
}

void mask_matcher_free(struct mask_matcher *m)
{
    free(m->needles);
    m->needles = NULL;
    m->count = 0;
}

/*
 * Whether the bytes beside an occurrence leave it a whole address: the
 * byte before start (left) is no local-part character, the byte at end
 * (right) no domain character, or either is a '.' with no such character
 * but '.' beyond it.
 */
static int left_ok(const char *text, size_t start)
{
    unsigned char c;

    if (start == 0)
        return 1;
    c = (unsigned char) text[start - 1];
    if (!mask_addr_char(c))
        return 1;
    if (c != '.' || start == 1)
        return c == '.';
    c = (unsigned char) text[start - 2];
    return !mask_addr_char(c) || c == '.';
}

static int right_ok(const char *text, size_t len, size_t end)
{
    unsigned char c;

    if (end >= len)
        return 1;
    c = (unsigned char) text[end];
    if (!mask_domain_char(c))
        return 1;
    if (c != '.' || end + 1 >= len)
        return c == '.';
    c = (unsigned char) text[end + 1];
    return !mask_domain_char(c) || c == '.';
}

int mask_find(const struct mask_matcher *m, const char *text, size_t len,
              size_t from, size_t *start, size_t *end)
{
    size_t p = from;

    while (p < len && m->count > 0) {
        const char *at = memchr(text + p, '@', len - p);
        size_t a, i, best_len = 0;

        if (at == NULL)
            return 0;
        a = (size_t) (at - text);
        for (i = 0; i < m->count; i++) {
            const struct mask_needle *n = &m->needles[i];
            size_t s, e;

            if (a < n->at || a - n->at < from)
                continue;
            s = a - n->at;
            e = s + n->len;
            if (e > len || n->len <= best_len
                || !mask_equal_n(text + s, n->addr, n->len)
                || !left_ok(text, s) || !right_ok(text, len, e))
                continue;
            *start = s;
            *end = e;
            best_len = n->len;
        }
        if (best_len > 0)
            return 1;
        p = a + 1;
    }
    return 0;
}

int mask_contains(const struct mask_matcher *m, const char *text, size_t len)
{
    size_t s, e;

    return mask_find(m, text, len, 0, &s, &e);
}

size_t mask_replace(const struct mask_matcher *m, const char *text,
                    size_t len, const char *proxy, struct buf *out)
{
    size_t pos = 0, s, e, count = 0;

    while (mask_find(m, text, len, pos, &s, &e)) {
        buf_append(out, text + pos, s - pos);
        buf_append_str(out, proxy);
        pos = e;
        count++;
    }
    buf_append(out, text + pos, len - pos);
    return count;
}

void mask_tokens(const char *text, size_t len, struct mask_list *out)
{
    const char *p = text, *end = text + len, *at;

    while (p < end && (at = memchr(p, '@', (size_t) (end - p))) != NULL) {
        const char *l = at, *r = at + 1;

        while (l > text && mask_addr_char((unsigned char) l[-1]))
            l--;
        while (l < at && *l == '.')
            l++;
        while (r < end && mask_domain_char((unsigned char) *r))
            r++;
        while (r > at + 1 && r[-1] == '.')
            r--;
        if (l < at && r > at + 1 && at - l <= MASK_LOCAL_MAX
            && r - l <= MASK_ADDRESS_MAX)
            mask_list_add(out, l, (size_t) (r - l));
        p = at + 1;
    }
}

void mask_list_add(struct mask_list *list, const char *item, size_t len)
{
    char *copy;
    size_t i;

    if (list->count == 0 || (list->count & (list->count - 1)) == 0)
        list->items = xrealloc(list->items, (list->count ? list->count * 2 : 1)
                               * sizeof(*list->items));
    copy = xmalloc(len + 1);
    for (i = 0; i < len; i++)
        copy[i] = (char) mask_ascii_lower((unsigned char) item[i]);
    copy[len] = '\0';
    list->items[list->count++] = copy;
}

int mask_list_has(const struct mask_list *list, const char *item)
{
    size_t i;

    for (i = 0; i < list->count; i++)
        if (mask_equal(list->items[i], item))
            return 1;
    return 0;
}

struct unique_entry {
    const char *item;
    size_t position;
};

static int unique_cmp(const void *a, const void *b)
{
    const struct unique_entry *x = a, *y = b;
    int c = strcmp(x->item, y->item);

    if (c != 0)
        return c;
    return x->position < y->position ? -1 : x->position > y->position;
}

void mask_list_unique(struct mask_list *list)
{
    struct unique_entry *e;
    char *drop;
    size_t i, n = 0;

    if (list->count < 2)
        return;
    e = xcalloc(list->count, sizeof(*e));
    drop = xcalloc(list->count, 1);
    for (i = 0; i < list->count; i++) {
        e[i].item = list->items[i];
        e[i].position = i;
    }
    qsort(e, list->count, sizeof(*e), unique_cmp);
    for (i = 1; i < list->count; i++)
        if (strcmp(e[i].item, e[i - 1].item) == 0)
            drop[e[i].position] = 1;
    for (i = 0; i < list->count; i++) {
        if (drop[i])
            free(list->items[i]);
        else
            list->items[n++] = list->items[i];
    }
    list->count = n;
    free(drop);
    free(e);
}

char *mask_string(const char *text, const struct mask_list *originals,
                  const char *proxy)
{
    struct mask_matcher m;
    struct buf *out;

    if (text == NULL)
        return NULL;
    out = buf_create(strlen(text) + 64);
    mask_matcher_init(&m, originals);
    mask_replace(&m, text, strlen(text), proxy, out);
    mask_matcher_free(&m);
    return buf_detach(out, NULL);
}
