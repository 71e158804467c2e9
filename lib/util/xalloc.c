/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xalloc - allocation wrappers that never return NULL; see xalloc.h.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "xalloc.h"

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (p == NULL)
        msg_fatal("out of memory allocating %zu bytes", size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);

    if (p == NULL)
        msg_fatal("out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);

    if (p == NULL)
        msg_fatal("out of memory reallocating to %zu bytes", size);
    return p;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s) + 1);
}

char *xstrndup(const char *s, size_t len)
{
    size_t n = strnlen(s, len);
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *xmemdup(const void *p, size_t len)
{
    void *q = xmalloc(len);

    memcpy(q, p, len);
    return q;
}
