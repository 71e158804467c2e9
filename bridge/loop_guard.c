/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop_guard - the signs of a mail loop in a captured reply (loop_guard.h).
 */
#include <string.h>
#include <strings.h>

#include "loop_guard.h"

#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
#define SID_LEN     34          /* "CH" or "IM" and 32 hex digits */

struct own_id {
    const char *ptr;            /* the inside, white space left out */
    size_t len;
    const char *raw;            /* from its '<' */
    size_t raw_len;             /* to its '>' */
};

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
        || (c >= 'A' && c <= 'F');
}

/* 1 when the msg-id's inside, id[0..len), is one of postmask's own. */
static int is_own(const char *id, size_t len, char *const *domains,
                  size_t ndomains)
{
    size_t i, dlen;

    if (len <= SID_LEN + 1 || id[SID_LEN] != '@'
        || !((id[0] == 'C' && id[1] == 'H') || (id[0] == 'I' && id[1] == 'M')))
        return 0;
    for (i = 2; i < SID_LEN; i++)
        if (!is_hex((unsigned char) id[i]))
            return 0;
    dlen = len - SID_LEN - 1;
    for (i = 0; i < ndomains; i++)
        if (domains[i] != NULL && strlen(domains[i]) == dlen
            && strncasecmp(id + SID_LEN + 1, domains[i], dlen) == 0)
            return 1;
    return 0;
}

/* Past a comment that starts at s ('('), nested, with \ escapes. */
static const char *skip_comment(const char *s)
{
    int depth = 0;

    for (; *s; s++) {
        if (*s == '\\' && s[1] != '\0')
            s++;
        else if (*s == '(')
            depth++;
        else if (*s == ')' && --depth == 0)
            return s + 1;
    }
    return s;
}

int loop_guard_references(const char *references,
                          char *const *domains, size_t ndomains,
                          const char **id, size_t *len)
{
    struct own_id own[LOOP_GUARD_IDS_MAX];
    size_t nown = 0, i, n;
    const char *s = references, *raw, *start, *end;

    if (s == NULL)
        return 0;
    while (*s) {
        if (*s == '(') {
            s = skip_comment(s);
            continue;
        }
        if (*s != '<') {
            s++;
            continue;
        }
        raw = s;
        start = s + 1;
        end = start + strcspn(start, "<>");
        if (*end != '>') {          /* unclosed: read on from the '<' */
            s = end;
            continue;
        }
        s = end + 1;
        while (start < end && IS_SPACE(*start))
            start++;
        while (end > start && IS_SPACE(end[-1]))
            end--;
        n = (size_t) (end - start);
        if (!is_own(start, n, domains, ndomains))
            continue;
        for (i = 0; i < nown; i++) {
            if (own[i].len == n && strncasecmp(own[i].ptr, start, n) == 0) {
                *id = own[i].raw;
                *len = own[i].raw_len;
                return 1;
            }
        }
        if (nown < LOOP_GUARD_IDS_MAX) {
            own[nown].ptr = start;
            own[nown].len = n;
            own[nown].raw = raw;
            own[nown].raw_len = (size_t) (s - raw);
            nown++;
        }
    }
    return 0;
}

static const char *skip_space(const char *s)
{
    while (IS_SPACE(*s))
        s++;
    return s;
}

int loop_guard_same_text(const char *a, const char *b)
{
    a = skip_space(a ? a : "");
    b = skip_space(b ? b : "");
    for (;;) {
        if (IS_SPACE(*a) || IS_SPACE(*b)) {
            /* A run of white space on either side: the same only when it
             * is on both, or it ends its text where the other one ends. */
            int both = IS_SPACE(*a) && IS_SPACE(*b);

            a = skip_space(a);
            b = skip_space(b);
            if (*a == '\0' || *b == '\0' || !both)
                return *a == '\0' && *b == '\0';
            continue;
        }
        if (*a != *b)
            return 0;
        if (*a == '\0')
            return 1;
        a++;
        b++;
    }
}
