/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_records - the bridge's durable record of the conversations it
 * started or heard of, for catch-up (catchup.h): one small file per
 * conversation in <spool_directory>/conversations/, named by the
 * conversation SID, holding {"index": N, "updated": <unix time>} -- the
 * highest message Index catch-up has handled (-1: none yet) and when the
 * record last changed (the conversation's last known activity).
 *
 * Every change is written atomically (a temporary file in the same
 * directory, fsync'd, renamed over the record, the directory fsync'd), so
 * a crash leaves the old record or the new one.  The records are read
 * once at open and kept in memory; a write that fails (a full disk) keeps
 * the memory unchanged and returns -1 with why, so that the next catch-up
 * looks at the same messages again (the spool's dedupe keeps that
 * harmless).
 *
 * conv_records_open() creates the directory when it is missing and says so
 * in *created (the first catch-up after an upgrade takes the conversations
 * as they are instead of emailing their history; catchup.c).  Files whose
 * name is no conversation SID, or whose content cannot be read, are
 * skipped with a warning.  conv_records_heard() adds a record with index
 * -1 when there is none (0 when added, 1 when known, -1 on error);
 * conv_records_set() records a higher index (a lower one is ignored);
 * conv_records_forget() removes a record (a conversation gone at Twilio, or
 * idle for longer than catchup_window).
 *
 * Ownership: the caller frees the set with conv_records_free(); the
 * records returned by conv_records_at() live until the next change.
 */
#ifndef POSTMASK_CONV_RECORDS_H
#define POSTMASK_CONV_RECORDS_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "twilio_sid.h"

struct conv_record {
    char sid[TWILIO_SID_LEN + 1];
    long long index;            /* -1: no message handled yet */
    time_t updated;
};

struct conv_records;

struct conv_records *conv_records_open(const char *spool_directory,
                                       int *created, struct buf *why);
void conv_records_free(struct conv_records *cr);

size_t conv_records_count(const struct conv_records *cr);
const struct conv_record *conv_records_at(const struct conv_records *cr,
                                          size_t i);
/* The record of sid, or NULL. */
const struct conv_record *conv_records_find(const struct conv_records *cr,
                                            const char *sid);

int conv_records_heard(struct conv_records *cr, const char *sid,
                       struct buf *why);
int conv_records_set(struct conv_records *cr, const char *sid,
                     long long index, struct buf *why);
int conv_records_forget(struct conv_records *cr, const char *sid,
                        struct buf *why);

#endif
