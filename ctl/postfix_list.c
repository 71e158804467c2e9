/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_list - Postfix's list values; see postfix_list.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "postfix_list.h"
#include "xalloc.h"

#define LIST_SEPARATORS " \t\r\n,"

void postfix_list_insert(struct postfix_list *l, size_t at, const char *item)
{
    if (at > l->count)
        at = l->count;
    l->items = xrealloc(l->items, (l->count + 1) * sizeof(*l->items));
    memmove(l->items + at + 1, l->items + at,
            (l->count - at) * sizeof(*l->items));
    l->items[at] = xstrdup(item);
    l->count++;
}

void postfix_list_remove(struct postfix_list *l, size_t at)
{
    if (at >= l->count)
        return;
    free(l->items[at]);
    memmove(l->items + at, l->items + at + 1,
            (l->count - at - 1) * sizeof(*l->items));
    l->count--;
}

void postfix_list_split(struct postfix_list *l, const char *text)
{
    const char *cp = text, *start;
    int depth;

    for (;;) {
        cp += strspn(cp, LIST_SEPARATORS);
        if (*cp == '\0')
            return;
        start = cp;
        if (*cp == '{') {
            for (depth = 0; *cp; cp++) {
                if (*cp == '{')
                    depth++;
                else if (*cp == '}' && --depth == 0) {
                    cp++;
                    break;
                }
            }
        } else {
            cp += strcspn(cp, LIST_SEPARATORS);
        }
        {
            char *item = xstrndup(start, (size_t) (cp - start));

            postfix_list_insert(l, l->count, item);
            free(item);
        }
    }
}

char *postfix_list_join(const struct postfix_list *l, const char *sep)
{
    struct buf *b = buf_create(64);
    size_t i;

    for (i = 0; i < l->count; i++) {
        if (i > 0)
            buf_append_str(b, sep);
        buf_append_str(b, l->items[i]);
    }
    return buf_detach(b, NULL);
}

/* The name of an item: the item, or the first word inside "{ }". */
static void item_name(const char *item, const char **name, size_t *len)
{
    if (*item == '{') {
        item++;
        item += strspn(item, LIST_SEPARATORS);
        *name = item;
        *len = strcspn(item, LIST_SEPARATORS "}");
    } else {
        *name = item;
        *len = strlen(item);
    }
}

int postfix_list_find(const struct postfix_list *l, const char *item)
{
    const char *name;
    size_t i, len;

    for (i = 0; i < l->count; i++) {
        item_name(l->items[i], &name, &len);
        if (len == strlen(item) && strncasecmp(name, item, len) == 0)
            return (int) i;
    }
    return -1;
}

int postfix_list_equal(const struct postfix_list *a,
                       const struct postfix_list *b)
{
    size_t i;

    if (a->count != b->count)
        return 0;
    for (i = 0; i < a->count; i++)
        if (strcasecmp(a->items[i], b->items[i]) != 0)
            return 0;
    return 1;
}

void postfix_list_free(struct postfix_list *l)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}
