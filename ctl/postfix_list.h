/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_list - Postfix's list values (smtpd_milters, relay_domains, ...):
 * items separated by commas and/or white space, where "{ ... }" groups one
 * item that may hold both (a milter with its own settings).
 *
 * postfix_list_split() appends the items of text to l (an unterminated
 * "{" takes the rest of the text).  postfix_list_join() returns the items
 * joined by sep, in memory the caller frees with free().
 * postfix_list_find() returns the index of the first item whose name is
 * item, letter case ignored, or -1; the name of "{ name, settings }" is
 * name.  A list is freed with postfix_list_free(); the items are owned by
 * it.  Nothing here fails.
 */
#ifndef POSTMASK_POSTFIX_LIST_H
#define POSTMASK_POSTFIX_LIST_H

#include <stddef.h>

struct postfix_list {
    size_t count;
    char **items;
};

void postfix_list_split(struct postfix_list *l, const char *text);
char *postfix_list_join(const struct postfix_list *l, const char *sep);
int postfix_list_find(const struct postfix_list *l, const char *item);
void postfix_list_insert(struct postfix_list *l, size_t at, const char *item);
void postfix_list_remove(struct postfix_list *l, size_t at);
/* 1 when both hold the same items in the same order (letter case ignored). */
int postfix_list_equal(const struct postfix_list *a,
                       const struct postfix_list *b);
void postfix_list_free(struct postfix_list *l);

#endif
