/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_rate - email_rate_limit: how many emails one conversation's
 * building contacts got in the last hour, kept across restarts.
 *
 * One small file per conversation that had an email in the last hour, in
 * <spool_directory>/email_rate/, named by the conversation SID: the unix
 * times of those emails, one per line, oldest first.  Each change is
 * written atomically (replace_file: temporary file, fsync, rename, fsync
 * of the directory), so a crash leaves the old list or the new one.  A
 * file whose times have all aged out is removed at the next email of any
 * conversation (or, when its conversation is not in memory, at the next
 * start: files not written for an hour).  A conversation's file is read
 * the first time it is asked about.  Lines
 * that are no time are ignored.  At most EMAIL_RATE_KEEP times are kept.
 *
 * email_rate_times() sets *times to the times of the conversation's emails
 * in the hour before now, oldest first, and returns how many (the array
 * lives until the next call; email_batch.h decides with it).
 * email_rate_sent() records an email at when: 0, or -1 with why when it
 * could not be written (the memory keeps it all the same).
 *
 * Ownership: email_rate_open() creates the directory when it is missing
 * and returns an object the caller frees with email_rate_free(), or NULL
 * with why.  Not thread-safe: the bridge's event loop only.
 */
#ifndef POSTMASK_EMAIL_RATE_H
#define POSTMASK_EMAIL_RATE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define EMAIL_RATE_WINDOW   3600    /* seconds */
#define EMAIL_RATE_KEEP     1000    /* times kept per conversation */

struct email_rate;

struct email_rate *email_rate_open(const char *spool_directory,
                                   struct buf *why);
void email_rate_free(struct email_rate *er);

size_t email_rate_times(struct email_rate *er, const char *conversation_sid,
                        time_t now, const time_t **times);
int email_rate_sent(struct email_rate *er, const char *conversation_sid,
                    time_t when, struct buf *why);

#endif
