/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_writer - the bridge's spool writes, off the event loop: jobs are
 * appended to the intake journal (spool_journal.h), a whole queue at a
 * time with one fdatasync, and made into job files in the background.
 *
 * While the appender thread waits for the disk, the loop keeps accepting,
 * reading and verifying requests; the jobs they queue meanwhile form the
 * next batch.  A lone job is appended at once: nothing waits for company.
 * Results come in the order of submission.
 *
 * spool_writer_submit() queues one job and returns at once.  Once the
 * batch holding it is durable in the journal, done is called from the
 * event loop with spool_enqueue()'s result: SPOOL_ACCEPTED with the new
 * job's ID, SPOOL_DUPLICATE with the ID of the job (or journal record)
 * that holds the key, or -1 with the reason.  So whoever answers from
 * done (a webhook's 200) answers only for what would survive a power
 * cut.  The job file appears in active/ shortly after, made by the
 * drainer thread; spool_writer_backlog() is how many journal bytes still
 * wait for that.  Every job needs a dedupe key (it makes the journal safe
 * to replay).
 *
 * Ownership: the writer is created on a loop (after the daemon forked: it
 * starts threads) with the spool and its directory; creating it first
 * drains what an earlier run left in the journal.  spool_writer_free()
 * appends every job still queued and calls done for each before it
 * returns (free it before whatever done uses), then makes the whole
 * journal into job files, unless the disk refuses (then the next start
 * does).  submit copies kind and key and takes over payload, a malloc'd
 * buffer the writer frees.
 */
#ifndef POSTMASK_SPOOL_WRITER_H
#define POSTMASK_SPOOL_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "buf.h"
#include "spool.h"

typedef void spool_written(int rc, const char *id, const char *why,
                           void *arg);

struct spool_writer;

/* Opens the journal and starts the threads; NULL with why on failure. */
struct spool_writer *spool_writer_create(struct event_base *base,
                                         struct spool *spool,
                                         const char *spool_dir,
                                         struct buf *why);
void spool_writer_free(struct spool_writer *sw);
uint64_t spool_writer_backlog(struct spool_writer *sw);

/* payload is a malloc'd buffer of len bytes that the writer takes over. */
void spool_writer_submit(struct spool_writer *sw, const char *kind,
                         const char *dedupe_key, char *payload, size_t len,
                         spool_written *done, void *arg);

#endif
