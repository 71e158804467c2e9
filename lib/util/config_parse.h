/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_parse - read a file in Postfix's main.cf syntax into name/value
 * entries.  It knows nothing of postmask's parameters.
 *
 * The syntax, as Postfix's readlline() and postconf(1) read it:
 *   - "name = value" starts a logical line at column 0; white space around
 *     "=" and at both ends of the value is not part of it;
 *   - a line that starts with white space continues the logical line;
 *   - a line whose first non-white-space character is "#" is a comment,
 *     also between continuation lines ("#" later in a line is text);
 *   - blank lines are ignored and do not end a logical line;
 *   - runs of white space inside a value count as one space (postconf -h
 *     prints them so);
 *   - a later entry for the same name overrides an earlier one (with a
 *     warning in the entry list, as postconf warns).
 * Names are [A-Za-z0-9_]+.  Values are not expanded here (config_expand.h).
 *
 * config_parse_text() parses len bytes of text; path is used in messages.
 * It returns 0 with *out set, or -1 with one "PATH, line N: ..." line per
 * error in why (parsing goes on after an error to report them all).  The
 * caller frees *out with config_file_free().  Input is bounded: lines of
 * CONFIG_LINE_MAX bytes and files of CONFIG_FILE_MAX bytes at most; a NUL
 * byte is an error.
 */
#ifndef POSTMASK_CONFIG_PARSE_H
#define POSTMASK_CONFIG_PARSE_H

#include <stddef.h>

#include "buf.h"

#define CONFIG_FILE_MAX  (1024 * 1024)
#define CONFIG_LINE_MAX  (64 * 1024)
#define CONFIG_NAME_MAX  64

struct config_entry {
    char *name;                 /* owned */
    char *value;                /* owned, white space normalized */
    int line;                   /* where the logical line starts */
    int overridden;             /* a later entry has the same name */
};

struct config_file {
    char *path;                 /* owned */
    size_t count;
    struct config_entry *entries;   /* owned, in file order */
};

int config_parse_text(const char *path, const char *text, size_t len,
                      struct config_file **out, struct buf *why);
int config_parse_file(const char *path, struct config_file **out,
                      struct buf *why);
/* The last entry named name, or NULL.  Belongs to file. */
const struct config_entry *config_file_lookup(const struct config_file *file,
                                              const char *name);
void config_file_free(struct config_file *file);

#endif
