/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_writer - the bridge's spool writes, off the event loop: a few
 * threads, each committing whatever jobs are queued when it is free as one
 * batch (spool_enqueue_batch(), group commit), and each result reported
 * back on the loop's thread.
 *
 * While the writer's threads wait for the disk, the loop keeps accepting,
 * reading and verifying requests; the jobs they queue meanwhile form the
 * next batches (up to SPOOL_BATCH_MAX jobs each).  A lone job is committed
 * at once: nothing waits for company.  Results come in the order their
 * batches finish, not necessarily the order of submission.
 *
 * spool_writer_submit() queues one job and returns at once.  Once the batch
 * holding it is durable, done is called from the event loop with
 * spool_enqueue()'s result: SPOOL_ACCEPTED or SPOOL_DUPLICATE with the job
 * ID, or -1 with the reason.  So whoever answers from done (a webhook's
 * 200) answers only for what would survive a power cut.
 *
 * Ownership: the writer is created on a loop (after the daemon forked: it
 * starts threads) and freed with spool_writer_free(), which lets the
 * threads commit every job still queued and calls done for each of them
 * before it returns: free it before whatever done uses.  submit copies kind
 * and key and takes over payload, a malloc'd buffer the writer frees.
 */
#ifndef POSTMASK_SPOOL_WRITER_H
#define POSTMASK_SPOOL_WRITER_H

#include <stddef.h>

#include <event2/event.h>

#include "buf.h"
#include "spool.h"

typedef void spool_written(int rc, const char *id, const char *why,
                           void *arg);

struct spool_writer;

/* Starts the threads; NULL with why when none can start. */
struct spool_writer *spool_writer_create(struct event_base *base,
                                         struct spool *spool, struct buf *why);
void spool_writer_free(struct spool_writer *sw);

/* payload is a malloc'd buffer of len bytes that the writer takes over. */
void spool_writer_submit(struct spool_writer *sw, const char *kind,
                         const char *dedupe_key, char *payload, size_t len,
                         spool_written *done, void *arg);

#endif
