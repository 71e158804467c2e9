/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job_runner - works off the spool (spool.h) inside the bridge's event loop.
 *
 * Wake-ups: an inotify watch on the spool's active/ directory (a job the
 * milter or the webhook just wrote is picked up at once, not by a slow
 * poll), plus a timer every few seconds that releases deferred jobs whose
 * time has come (spool_release_due; deferred/ is read only when the
 * earliest deferred job is due, and every five minutes in case someone
 * else deferred one), and less often recovers interrupted
 * enqueues (spool_recover, min_age one hour) and expires dedupe markers
 * (dedupe_lifetime).  job_runner_kick() wakes it directly.
 *
 * Scheduling: jobs in active/ are taken oldest first (by ID, which begins
 * with the creation time), at most job_concurrency at a time (parked
 * jobs, below, not counted); a job is
 * worked on by exactly one handler at a time (the runner remembers which
 * IDs it has in hand).  A scan of active/ reads the directory only and
 * keeps the 4 x job_concurrency oldest IDs, taken one by one before the
 * next scan: a backlog costs memory and time per job independent of its
 * length (a job written meanwhile waits at most for those IDs).  One bridge per
 * spool directory.  At start-up every job already in active/ is taken:
 * after a crash, the work resumes.
 *
 * Handlers: one per job kind, registered with job_runner_register().  The
 * handler gets a struct job whose spool job has its payload loaded, may
 * work asynchronously, and ends the job with exactly one of:
 *   job_done()   success: the job leaves the spool (spool_finish);
 *   job_retry()  a temporary failure: spool_defer with the reason (the
 *                spool's backoff; a dead letter after job_maximal_lifetime);
 *   job_hold()   policy: the job goes to hold/ with the reason, visible in
 *                postmaskctl queue, released by postmaskctl queue requeue;
 *   job_dead()   a permanent failure: dead/ with the reason;
 *   job_wait()   nothing failed, the handler wants to look again at a
 *                given time (spool_postpone: deferred/ until then, no
 *                attempt counted; the detail is what postmaskctl queue
 *                shows); the runner takes it again when it is due.
 * A handler whose job must wait in memory behind another job (sync_email:
 * one job per conversation at a time) parks it with job_park(): the job
 * stays in hand but frees its job_concurrency slot, so that other work is
 * not held up behind it; job_unpark() counts it again when its handler
 * goes on (in-hand jobs may then exceed job_concurrency for a moment; no
 * new job is taken until they fall below).  At most 4 x job_concurrency
 * jobs are parked at a time: job_park() returns -1 when that many are,
 * and the handler ends the job otherwise (job_wait, say).  A parked job
 * still ends with exactly one of the calls above.
 * Each logs one line "JOBID: done|deferred|held|dead|waiting: KIND: detail"; the
 * handler puts the conversation SID (and the message SID or Postfix queue
 * ID) in the detail so that an admin can grep one message's story.
 * A job of an unknown kind, or whose payload cannot be loaded, is dead at
 * once with the reason.  When the spool cannot record a job's end (a full
 * disk), the job stays in active/ and is not taken again for
 * job_minimal_backoff, so that its work is not redone in a tight loop.
 *
 * Ownership: the runner owns struct job; it is freed by the end call.
 * job_runner_free() abandons jobs in hand without calling anything (their
 * files stay in active/ and are taken again at the next start); handlers
 * must therefore keep nothing outside struct job that the end of the
 * process would not free, or free it through their own shutdown hooks.
 */
#ifndef POSTMASK_JOB_RUNNER_H
#define POSTMASK_JOB_RUNNER_H

#include "bridge.h"
#include "spool.h"

struct job_runner;
struct job;

typedef void job_handler(struct bridge *br, struct job *job, void *arg);

struct job_runner *job_runner_create(struct bridge *br, struct buf *why);
void job_runner_free(struct job_runner *jr);
void job_runner_register(struct job_runner *jr, const char *kind,
                         job_handler *handler, void *arg);
/* Takes what is in active/ now (after an enqueue by the bridge itself). */
void job_runner_kick(struct job_runner *jr);
/* Jobs in hand and not parked: the job_concurrency slots in use. */
unsigned job_runner_active(const struct job_runner *jr);
/* Jobs in hand and parked (job_park). */
unsigned job_runner_parked(const struct job_runner *jr);

/* The job's spool record, payload loaded; belongs to the job. */
const struct spool_job *job_spool(const struct job *job);

void job_done(struct job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void job_retry(struct job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void job_hold(struct job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void job_dead(struct job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void job_wait(struct job *job, time_t until, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 0 when the job is parked (or was), -1 when too many are. */
int job_park(struct job *job);
/* Counts a parked job in job_concurrency again; nothing when not parked. */
void job_unpark(struct job *job);

#endif
