/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_index - the occurrence of each header among the headers of its
 * name, as smfi_chgheader() counts them: 1 for the first header of a name
 * (ASCII case ignored), 2 for the second, and so on.
 *
 * mask_index_create() sorts the positions of count headers by (name,
 * position) once, in O(count log count), so that a message with many
 * headers of one name costs no more than a sort; the caller frees the
 * index with mask_index_free().  mask_index_occurrence() gives the
 * occurrence of the header at position; mask_index_find() the position of
 * the given occurrence of name, or -1 when there is none.  The index keeps
 * pointers to the names: headers must outlive it.
 */
#include <stdlib.h>

#include "mask_int.h"
#include "xalloc.h"

struct mask_index {
    const struct mask_header *headers;
    size_t count;
    size_t *sorted;             /* positions by (name, position) */
    int *occurrence;            /* by position */
};

static int name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = mask_ascii_lower((unsigned char) *a);
        int y = mask_ascii_lower((unsigned char) *b);

        if (x != y || x == 0)
            return x - y;
    }
}

/* qsort() passes no context: each entry carries its header pointer. */
struct entry {
    const char *name;
    size_t position;
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = name_cmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->position < y->position ? -1 : x->position > y->position;
}

struct mask_index *mask_index_create(const struct mask_header *headers,
                                     size_t count)
{
    struct mask_index *ix = xcalloc(1, sizeof(*ix));
    struct entry *e = xcalloc(count + 1, sizeof(*e));
    size_t i;

    ix->headers = headers;
    ix->count = count;
    ix->sorted = xcalloc(count + 1, sizeof(*ix->sorted));
    ix->occurrence = xcalloc(count + 1, sizeof(*ix->occurrence));
    for (i = 0; i < count; i++) {
        e[i].name = headers[i].name;
        e[i].position = i;
    }
    qsort(e, count, sizeof(*e), entry_cmp);
    for (i = 0; i < count; i++) {
        ix->sorted[i] = e[i].position;
        if (i > 0 && name_cmp(e[i].name, e[i - 1].name) == 0)
            ix->occurrence[e[i].position] =
                ix->occurrence[e[i - 1].position] + 1;
        else
            ix->occurrence[e[i].position] = 1;
    }
    free(e);
    return ix;
}

int mask_index_occurrence(const struct mask_index *ix, size_t position)
{
    return ix->occurrence[position];
}

long mask_index_find(const struct mask_index *ix, const char *name,
                     int occurrence)
{
    size_t lo = 0, hi = ix->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t pos = ix->sorted[mid];
        int c = name_cmp(ix->headers[pos].name, name);

        if (c == 0)
            c = ix->occurrence[pos] < occurrence ? -1
                : ix->occurrence[pos] > occurrence;
        if (c == 0)
            return (long) pos;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void mask_index_free(struct mask_index *ix)
{
    if (ix == NULL)
        return;
    free(ix->sorted);
    free(ix->occurrence);
    free(ix);
}
