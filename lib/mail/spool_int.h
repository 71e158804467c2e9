/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_int - private to the files that implement spool.h: struct spool
 * itself, the directory layout, and the helpers one of them offers the
 * others.  Only those files include this header; the milter, the bridge,
 * postmaskctl, the journal (spool_journal.c) and the tests use spool.h.
 *
 *   spool.c          paths and IDs, the file-system steps every change is
 *                    made of, open, close, settings, dedupe marker names,
 *                    finding and loading jobs
 *   spool_enqueue.c  new jobs: one, a batch, and group commit of threads
 *   spool_state.c    state changes of one job: worker results, admin actions
 *   spool_maint.c    housekeeping: listing, due jobs, crash recovery,
 *                    marker expiry
 *
 * Names in incoming/: a file named exactly by an ID is a job being
 * enqueued (or an interrupted enqueue); ID.RRRRRRRR.upd is a metadata
 * rewrite (spool_state.c); ID.mark, a dedupe marker being made, exists
 * only in spools from before markers were symbolic links.  spool_recover()
 * removes all but the first kind once they are old enough that no live
 * process can still be writing them.
 *
 * Paths are built into PATH_MAX buffers the caller provides; spool_open()
 * refuses a directory name long enough to overflow one.  Every helper that
 * can fail returns -1 and appends the reason to why (or says so).
 */
#ifndef POSTMASK_SPOOL_INT_H
#define POSTMASK_SPOOL_INT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/uio.h>

#include "buf.h"
#include "spool.h"
#include "spool_job.h"

#define SPOOL_INCOMING      "incoming"
#define SPOOL_DEDUPE        "dedupe"
#define SPOOL_MARKER_LEN    64          /* hex SHA-256 */

/* A spool_enqueue() call waiting for its batch: spool_enqueue.c's. */
struct spool_waiter;

struct spool {
    char *dir;
    struct spool_policy policy;
    enum spool_sync sync;
    /* Group commit of concurrent spool_enqueue() calls; all under lock. */
    pthread_mutex_t group_lock;
    pthread_cond_t group_done;  /* a batch finished */
    struct spool_waiter *group_head;
    struct spool_waiter **group_tail;
    int group_busy;             /* a leader is committing a batch */
};

/* spool.c: paths, IDs, finding and reading jobs. */


/* Builds dir/sub[/name[suffix]] into path (PATH_MAX bytes). */
char *spool_path(const struct spool *sp, char *path, const char *sub,
                 const char *name, const char *suffix);
char *spool_state_path(const struct spool *sp, char *path,
                       enum spool_state state, const char *id);
/* Appends s to why, at most 64 bytes, with anything unprintable escaped. */
void spool_quote(struct buf *why, const char *s);
/* 0 for a valid job ID; else -1, "invalid job ID "...", in why. */
int spool_check_id(const char *id, struct buf *why);
/* Is a job named id in any state directory (checked twice, to see moves)? */
int spool_id_in_states(const struct spool *sp, const char *id);
/*
 * Reads and parses path, a job file that should hold job id: 0,
 * SPOOL_NOTFOUND (no such file), or -1.
 */
int spool_read_job(const char *path, const char *id, int want_payload,
                   struct spool_job **job_out, struct buf *why);
/* Finds job id in one of the states of mask: 0, SPOOL_NOTFOUND, or -1. */
int spool_find(struct spool *sp, const char *id, unsigned mask,
               int want_payload, struct spool_job **job_out,
               struct buf *why);

/* spool.c: file-system steps; errno tells why they failed. */

int spool_random(void *out, size_t len, struct buf *why);
/* rename(2) that never replaces to: EEXIST when it is there. */
int spool_rename_noreplace(const char *from, const char *to);
/* Swaps from and to; ENOENT when to is gone. */
int spool_rename_exchange(const char *from, const char *to);
/* Is something at path (or can it not be told)? */
int spool_exists(const char *path);
/*
 * Creates path exclusively with mode 0600 and writes the count pieces of
 * iov, without syncing: the open descriptor, or -1 with nothing left behind
 * (EEXIST: the name was taken, and that file was not touched).
 */
int spool_write_open(const char *path, const struct iovec *iov, int count);
/* Makes what fd holds durable and closes it; on failure path is removed. */
int spool_sync_close(int fd, const char *path);
/* spool_write_open() and spool_sync_close() in one. */
int spool_write_new(const char *path, const void *data, size_t len);
/* fsync(2) of the spool's subdirectory sub, with why on failure. */
int spool_fsync_dir(const struct spool *sp, const char *sub, struct buf *why);

/* spool.c: dedupe marker names and reading them. */

/* The marker name of kind and key: hex SHA-256 of kind, NUL and key. */
void spool_marker_name(const char *kind, const char *key,
                       char name[SPOOL_MARKER_LEN + 1]);
int spool_marker_name_valid(const char *name);
/* The job ID the marker at path names: 0, SPOOL_NOTFOUND, or -1. */
int spool_marker_read(const char *path, char id[SPOOL_ID_LEN + 1],
                      struct buf *why);
/* spool_state.c: moves. */

/*
 * Moves job from job->state to state to (a rename; job->state follows),
 * then, when rewrite is set, writes its new metadata (into active/, first):
 * 0, SPOOL_NOTFOUND (the job moved away meanwhile), or -1.  From a state
 * to itself without rewrite it does nothing.
 */
int spool_move(struct spool *sp, struct spool_job *job, enum spool_state to,
               int rewrite, struct buf *why);

#endif
