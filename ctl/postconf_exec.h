/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postconf_exec - run postconf(1) or postfix(1) with an argument vector,
 * never through a shell.
 *
 * exec_capture() runs argv[0], an absolute path, with argv (NULL-terminated),
 * standard input from /dev/null and standard error inherited, so that
 * Postfix's own warnings reach the user.  With out, standard output is
 * appended to out (at most EXEC_OUTPUT_MAX bytes, more is an error); with
 * NULL it is inherited.  It returns 0 when the program exits with status 0,
 * else -1 with why saying what happened ("/usr/sbin/postconf exited with
 * status 1", "... was killed by signal 9", "cannot run ...: ...").
 *
 * exec_quote() appends argv as one line a shell would read back as the same
 * words (for display only: nothing here passes it to a shell).
 */
#ifndef POSTMASK_POSTCONF_EXEC_H
#define POSTMASK_POSTCONF_EXEC_H

#include "buf.h"

#define EXEC_OUTPUT_MAX (16 * 1024 * 1024)

int exec_capture(char *const argv[], struct buf *out, struct buf *why);
void exec_quote(struct buf *line, char *const argv[]);

#endif
