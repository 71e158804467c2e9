/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool - postmask's durable job queue, shared by the milter (which writes
 * captured replies) and the bridge (which writes and works off jobs).
 * Implemented by spool.c, spool_enqueue.c, spool_state.c and spool_maint.c
 * (spool_int.h says which does what).
 *
 * Layout under the spool directory, like Postfix's queue:
 *
 *   incoming/   files being written; never read as jobs
 *   active/     jobs ready to be worked on
 *   deferred/   jobs waiting for their next attempt (backoff)
 *   hold/       jobs held by an admin or by policy
 *   dead/       dead letters, with the reason in their last_error
 *   dedupe/     one marker per dedupe key (name: SHA-256 of kind and key;
 *               a symbolic link whose target is the job ID, never followed;
 *               older spools have files holding the ID, still read)
 *   journal/    the bridge's intake log: jobs not yet made into job files
 *               (spool_journal.h; not this module's)
 *
 * A job is one file named by its ID, in exactly one state directory; its
 * state is the directory it is in.  Durability: spool_enqueue() writes the
 * job into incoming/, fsyncs it and incoming/, creates the dedupe marker
 * (symlink(2), so a duplicate is detected atomically even between
 * processes), fsyncs dedupe/, renames the job into active/ and fsyncs
 * active/ before it returns SPOOL_ACCEPTED.  spool_enqueue_batch() does the
 * same for many jobs at once, each step for all of them before the next
 * (group commit): one fdatasync per job file, and one fsync per directory
 * for the whole batch.
 * A reader therefore never sees a partial job.  A crash (or a failed rename)
 * after the marker and before the rename leaves a complete job in incoming/
 * that spool_recover() moves into active/; as its marker already answers
 * retries, spool_recover() should run periodically, not only at start-up.
 * State changes rename the file first and then rewrite its metadata through
 * a temporary file, so a job is never in two directories at once; a move
 * into active/ (spool_requeue, spool_release) rewrites first, so that a
 * worker never takes a job whose metadata is still old (a released job
 * without its mark would be held again) nor has it moved away under the
 * rewrite; if that rewrite fails, the job stays where it was, unchanged.
 * spool_release_due() changes no metadata: it only moves.
 *
 * Dedupe markers outlive their jobs (a retried webhook after success is still
 * a duplicate) until spool_expire_dedupe() removes those older than a
 * lifetime whose job is gone (and younger than nothing the intake journal
 * may still replay).
 *
 * IDs: the first 8 hex digits are the enqueue time, the last 8 random; an ID
 * is never used while a job holds it.  Every call that takes an ID refuses
 * anything but SPOOL_ID_LEN uppercase hex digits (-1, "invalid job ID") before
 * it builds a path, so no ID can name a file outside the spool.
 *
 * Ownership: struct spool is created by spool_open() and freed by
 * spool_close().  spool_load() and spool_list() return jobs the caller frees
 * with spool_job_free() / spool_job_list_free().  Every call that fails
 * returns -1 (or SPOOL_NOTFOUND) and appends the reason to why.
 *
 * Concurrency: any number of processes may enqueue at once, and any number
 * of threads of one process through one struct spool: their
 * spool_enqueue() calls that overlap in time are committed together as
 * one spool_enqueue_batch() (group commit), each still answered only once
 * its job is durable.  spool_enqueue_batch() may run in several threads at
 * once, and beside the other calls in another thread: all of them only
 * read struct spool (set up by spool_open(), spool_set_policy() and
 * spool_set_sync() before any thread starts) and meet on the file system,
 * as processes do.  A job is
 * worked on by one worker at a time; admin actions (hold, requeue, delete)
 * are atomic renames, and a worker whose job was moved under it gets
 * SPOOL_NOTFOUND from the next state change and must drop the job.
 *
 * Modes: directories the spool creates are 0700 and files 0600, whatever
 * the umask; spool_open() never changes an existing directory.
 */
#ifndef POSTMASK_SPOOL_H
#define POSTMASK_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define SPOOL_ID_LEN     16     /* uppercase hex: 8 of time, 8 random */
#define SPOOL_KIND_MAX   32     /* [a-z0-9_]+ */
#define SPOOL_KEY_MAX    998    /* dedupe key, any bytes but NUL */
#define SPOOL_ERROR_MAX  512    /* last_error is truncated to this */
#define SPOOL_PAYLOAD_MAX (64 * 1024 * 1024)    /* bytes */

/* Return values besides 0 and -1. */
#define SPOOL_ACCEPTED   0
#define SPOOL_DUPLICATE  1      /* enqueue: the dedupe key is known */
#define SPOOL_NOTFOUND   2      /* no job with that ID (in that state) */

enum spool_state {
    SPOOL_ACTIVE = 0,
    SPOOL_DEFERRED,
    SPOOL_HOLD,
    SPOOL_DEAD,
    SPOOL_NSTATES
};

#define SPOOL_MASK(state)  (1u << (state))
#define SPOOL_MASK_ALL     ((1u << SPOOL_NSTATES) - 1)

struct spool_job {
    char id[SPOOL_ID_LEN + 1];
    char *kind;                 /* owned */
    char *dedupe_key;           /* owned; NULL when the job has none */
    enum spool_state state;     /* the directory the job was found in */
    time_t created;
    unsigned attempts;
    time_t next_attempt;        /* 0: as soon as possible */
    char *last_error;           /* owned; NULL when none */
    int released;               /* 1: an admin released it (spool_release);
                                   0 in files from before the field */
    unsigned char *payload;     /* owned; NULL when not loaded */
    size_t payload_len;         /* always the stored size */
};

struct spool_policy {
    long minimal_backoff;       /* seconds before the first retry */
    long maximal_backoff;       /* cap of the doubling backoff */
    long maximal_lifetime;      /* a job older than this dies on defer */
};

/* How spool_enqueue_batch() makes a batch's job files durable. */
enum spool_sync {
    SPOOL_SYNC_FSYNC = 0,       /* fdatasync(2) each file (the default) */
    SPOOL_SYNC_SYNCFS           /* one syncfs(2) of the spool's file system */
};

struct spool;

/*
 * Opens the spool in dir, creating the directory tree when create is set.
 * Without create, a missing tree is an error.  Either way every directory
 * must be one the caller may read, write and search: the error names it.
 * The policy starts as Postfix's queue defaults (300s, 4000s, 5 days).
 */
struct spool *spool_open(const char *dir, int create, struct buf *why);
void spool_close(struct spool *spool);
void spool_set_policy(struct spool *spool, const struct spool_policy *policy);

/*
 * SPOOL_SYNC_SYNCFS makes a batch durable with one syncfs(2) instead of
 * one fdatasync(2) per job file and one fsync(2) of incoming/: far fewer
 * disk flushes, but it also waits for whatever else is dirty on that file
 * system, so it is for a spool on a file system of its own.  A name
 * (main.cf's spool_sync_method) maps to it with spool_sync_parse(): 0, or
 * -1 for an unknown name.
 */
void spool_set_sync(struct spool *spool, enum spool_sync sync);
int spool_sync_parse(const char *name, enum spool_sync *sync);
const char *spool_state_name(enum spool_state state);

/*
 * Durably stores a new job of kind with payload.  dedupe_key may be NULL.
 * Returns SPOOL_ACCEPTED with the new ID in id_out, SPOOL_DUPLICATE with the
 * ID of the job that holds the key in id_out, or -1.  The key is per kind:
 * the same key under another kind is another job.  -1 means "not known to
 * be stored" (in rare cases, such as a failing fsync after the rename, the
 * job is there all the same): the caller tempfails, and the retry is
 * answered by the dedupe key.
 */
int spool_enqueue(struct spool *spool, const char *kind,
                  const char *dedupe_key, const void *payload,
                  size_t payload_len, char id_out[SPOOL_ID_LEN + 1],
                  struct buf *why);

/*
 * spool_enqueue() of a payload in two pieces, payload then tail, written
 * one after the other without being copied into one buffer (a capture's
 * JSON and the raw message it came from).
 */
int spool_enqueue_tail(struct spool *spool, const char *kind,
                       const char *dedupe_key, const void *payload,
                       size_t payload_len, const void *tail, size_t tail_len,
                       char id_out[SPOOL_ID_LEN + 1], struct buf *why);

/*
 * One job of a batch: the arguments of spool_enqueue(), and its result.
 * A job from the intake journal (spool_journal.h) comes with its ID and
 * time: id_given set, id and created filled in, and a dedupe key.  If the
 * key's marker exists, the entry is SPOOL_DUPLICATE and nothing is
 * written (the journal's job was made before, or the key was taken): so
 * the journal can be replayed any number of times.  If a job without
 * that marker holds the ID, the entry gets a fresh one (logged).
 */
struct spool_entry {
    const char *kind;
    const char *dedupe_key;     /* or NULL; required with id_given */
    const void *payload;        /* not owned */
    size_t payload_len;
    const void *payload_tail;   /* not owned; or NULL: the rest of the */
    size_t payload_tail_len;    /* payload, stored right after it */
    struct buf *why;            /* the caller's: the reason when rc is -1 */
    int id_given;               /* id is an input too */
    time_t created;             /* 0: now */
    int rc;                     /* out: SPOOL_ACCEPTED, SPOOL_DUPLICATE, -1 */
    char id[SPOOL_ID_LEN + 1];  /* out: the new job, or the key's holder */
};

#define SPOOL_BATCH_MAX  64     /* entries per batch: one open file each */

/*
 * Group commit: stores count (at most SPOOL_BATCH_MAX) jobs as count calls
 * of spool_enqueue() would, with each entry's own result, but makes them
 * durable together: every job file is written, then each is fdatasync'd
 * and incoming/ fsync'd once; then every marker is made and dedupe/
 * fsync'd once; then every job is renamed into active/ and active/ fsync'd
 * once.  Nothing is reported accepted or duplicate before all of that is
 * done, so an entry's rc means what spool_enqueue()'s does, and one that
 * fails (its own reason in its why; a directory's failed fsync fails every
 * entry that needed it) takes no other down.  Two entries with one key
 * are one job: the later one is the duplicate.  Not for the event loop's
 * thread: it blocks for as long as the disk takes.
 */
void spool_enqueue_batch(struct spool *spool, struct spool_entry *entries,
                         size_t count);

/*
 * The job ID that kind and key's dedupe marker names: 0 with id_out,
 * SPOOL_NOTFOUND when there is none, or -1.
 */
int spool_dedupe_lookup(struct spool *spool, const char *kind,
                        const char *key, char id_out[SPOOL_ID_LEN + 1],
                        struct buf *why);

/* Loads one job (with its payload when want_payload). 0, SPOOL_NOTFOUND, -1. */
int spool_load(struct spool *spool, const char *id, int want_payload,
               struct spool_job **job_out, struct buf *why);
void spool_job_free(struct spool_job *job);

/*
 * Lists the jobs in the states of state_mask, oldest first (ties by ID),
 * without payload; only the headers are read.  A job file that cannot be
 * read or parsed is skipped with a warning, so that it cannot hide the rest
 * of the queue; spool_load() reports it.
 */
int spool_list(struct spool *spool, unsigned state_mask,
               struct spool_job ***jobs_out, size_t *count_out,
               struct buf *why);
void spool_job_list_free(struct spool_job **jobs, size_t count);

/*
 * Worker results, for a job in active/; a job in any other state (an admin
 * moved it) gives SPOOL_NOTFOUND.  Each returns 0, SPOOL_NOTFOUND or -1.
 *
 * spool_finish() removes the job.  spool_defer() counts an attempt, records
 * error, and moves the job to deferred/ until now plus minimal_backoff
 * doubled per earlier attempt, capped at maximal_backoff (no jitter) -- or,
 * when now - created exceeds maximal_lifetime, to dead/ with a last_error
 * naming job_maximal_lifetime, the attempts and the last error.
 * spool_bury() moves the job to dead/ with reason as its last_error.
 * spool_postpone() moves the job to deferred/ until the given time without
 * counting an attempt or looking at its lifetime: the worker chose to wait
 * (the bridge's email coalescing), nothing failed; note, when not NULL,
 * becomes its last_error, so that postmaskctl queue shows why it waits.
 */
int spool_finish(struct spool *spool, const char *id, struct buf *why);
int spool_defer(struct spool *spool, const char *id, const char *error,
                time_t now, struct buf *why);
int spool_bury(struct spool *spool, const char *id, const char *reason,
               struct buf *why);
int spool_postpone(struct spool *spool, const char *id, const char *note,
                   time_t until, struct buf *why);

/*
 * Admin actions (postmaskctl queue ...), for a job in any state.  Each
 * returns 0, SPOOL_NOTFOUND or -1.
 *
 * spool_hold() moves the job to hold/; a reason, when not NULL, becomes its
 * last_error.  spool_requeue() moves a job that is not active into active/
 * as a new one: no attempts, no last error, created now (its lifetime starts
 * over); an active job is left as it is.  spool_delete() removes the job;
 * its dedupe marker stays until it expires.
 *
 * spool_release() is spool_requeue() for a job that a policy stopped, and
 * sets its released mark (struct spool_job's released).  It takes only a
 * job in hold/ or dead/: a policy holds (unauthenticated_sender_action =
 * hold) or buries (= reject) what it stops.  A job in any other state is
 * left alone: -1, "job ID is active, not held or dead" (or "deferred").
 * The mark is written with the rest of the metadata before the move into
 * active/, so a worker never takes a released job unmarked.  It stays
 * through every later state change (defer, retries, death by lifetime,
 * hold, requeue) until the job is gone; nothing clears it (to take a
 * release back, delete the job).  The worker reads it as "an admin looked
 * at this and lets it through": the bridge posts a held reply that is not
 * authenticated as the building contact's (bridge/sync_reply.c).
 */
int spool_hold(struct spool *spool, const char *id, const char *reason,
               struct buf *why);
int spool_requeue(struct spool *spool, const char *id, struct buf *why);
int spool_release(struct spool *spool, const char *id, struct buf *why);
int spool_delete(struct spool *spool, const char *id, struct buf *why);

/*
 * Moves deferred jobs whose time has come (next_attempt <= now) into
 * active/, keeping their attempts, last error and released mark; returns
 * how many, or -1.  next_due, when not NULL, is set to the earliest
 * next_attempt of the jobs left deferred (0: none), so that a caller need
 * not read every deferred job again before then.
 */
int spool_release_due(struct spool *spool, time_t now, time_t *next_due,
                      struct buf *why);

/*
 * Finishes what a crash interrupted: complete jobs in incoming/ whose dedupe
 * marker names them (and which are in no state directory) go to active/,
 * whatever their age; other files in incoming/ at least min_age seconds old
 * (any, when min_age is 0) are removed.  Safe while other processes enqueue, as long as min_age is
 * longer than any enqueue takes (minutes, not seconds).  Returns the number
 * of jobs recovered, or -1.
 */
int spool_recover(struct spool *spool, long min_age, struct buf *why);

/*
 * Removes dedupe markers at least lifetime seconds old (at now) whose job is
 * gone, and corrupt ones; returns how many, or -1.  A marker made at or
 * after keep_since (its mtime) stays whatever its age: the bridge passes
 * the time of the oldest record still in its intake journal, whose replay
 * relies on those markers (spool_journal_oldest()); 0 keeps none for that.
 */
int spool_expire_dedupe(struct spool *spool, time_t now, long lifetime,
                        time_t keep_since, struct buf *why);

#endif
