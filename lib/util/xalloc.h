/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xalloc - memory allocation that cannot half-fail.
 *
 * Every function returns usable memory or ends the process with msg_fatal():
 * callers never test for NULL.  The caller owns what is returned and releases
 * it with free().
 */
#ifndef POSTMASK_XALLOC_H
#define POSTMASK_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);
void *xmemdup(const void *p, size_t len);

#endif
