/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_state - the state changes of one job (spool.h): a worker's
 * results (finish, defer, bury, hold) and an admin's actions (requeue,
 * release, delete).  A change is a move between state directories
 * (renameat2 RENAME_NOREPLACE) and, when the metadata changes, a rewrite
 * that swaps the new file in (RENAME_EXCHANGE), so that it never
 * resurrects a job an admin moved or deleted meanwhile.  Shares
 * spool_int.h with the other spool files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "msg.h"
#include "spool.h"
#include "spool_int.h"
#include "spool_job.h"
#include "xalloc.h"

#define SPOOL_TIME_MAX      253402300799LL  /* as in spool_job.c */


/* State changes. */

/*
 * Writes job's image over its file in job->state through a temporary file
 * in incoming/: 0, SPOOL_NOTFOUND (the job moved away meanwhile), or -1.
 */
static int spool_rewrite(struct spool *sp, struct spool_job *job,
                         struct buf *why)
{
    char tmp[PATH_MAX];
    char path[PATH_MAX];
    char suffix[16];
    unsigned char rnd[4];
    struct buf *image;

    if (spool_random(rnd, sizeof(rnd), why) < 0)
        return -1;
    snprintf(suffix, sizeof(suffix), ".%02X%02X%02X%02X.upd",
             rnd[0], rnd[1], rnd[2], rnd[3]);
    spool_path(sp, tmp, SPOOL_INCOMING, job->id, suffix);
    spool_state_path(sp, path, job->state, job->id);
    image = buf_create(job->payload_len + 512);
    spool_job_format(job, image);
    if (spool_write_new(tmp, image->data, image->len) < 0) {
        buf_printf(why, "write %s: %s", tmp, strerror(errno));
        buf_free(image);
        return -1;
    }
    buf_free(image);
    if (spool_rename_exchange(tmp, path) < 0) {
        int saved = errno;

        unlink(tmp);
        if (saved == ENOENT)
            return SPOOL_NOTFOUND;
        buf_printf(why, "rename %s to %s: %s", tmp, path, strerror(saved));
        return -1;
    }
    unlink(tmp);                        /* now the old image */
    return spool_fsync_dir(sp, spool_state_name(job->state), why);
}

/*
 * Moves job from job->state to state to (a rename), then, when rewrite is
 * set, writes its new metadata: 0, SPOOL_NOTFOUND, or -1.
 */
int spool_move(struct spool *sp, struct spool_job *job,
               enum spool_state to, int rewrite, struct buf *why)
{
    char from_path[PATH_MAX];
    char to_path[PATH_MAX];
    enum spool_state from = job->state;

    /*
     * Into active/, a worker may take the job the moment it is there: its
     * metadata is rewritten first, where nobody works on it.
     */
    if (rewrite && to == SPOOL_ACTIVE && from != to) {
        int rc = spool_rewrite(sp, job, why);

        if (rc != 0)
            return rc;
        rewrite = 0;
    }
    if (from != to) {
        spool_state_path(sp, from_path, from, job->id);
        spool_state_path(sp, to_path, to, job->id);
        if (spool_rename_noreplace(from_path, to_path) < 0) {
            if (errno == ENOENT)
                return SPOOL_NOTFOUND;
            buf_printf(why, "rename %s to %s: %s", from_path, to_path,
                       strerror(errno));
            return -1;
        }
        job->state = to;
        if (spool_fsync_dir(sp, spool_state_name(to), why) < 0
            || spool_fsync_dir(sp, spool_state_name(from), why) < 0)
            return -1;
    }
    return rewrite ? spool_rewrite(sp, job, why) : 0;
}

static void spool_set_error(struct spool_job *job, const char *text)
{
    free(job->last_error);
    job->last_error = text ? xstrndup(text, SPOOL_ERROR_MAX) : NULL;
}

/*
 * The two ends of every state change of one job.  spool_take() finds job
 * id in the states of mask (with its payload when the change rewrites the
 * metadata): 0 with *job, SPOOL_NOTFOUND, or -1.  spool_put() moves it to
 * state to (rewriting it when rewrite is set) and frees it, whatever the
 * result.
 */
static int spool_take(struct spool *sp, const char *id, unsigned mask,
                      int want_payload, struct spool_job **job,
                      struct buf *why)
{
    if (spool_check_id(id, why) < 0)
        return -1;
    return spool_find(sp, id, mask, want_payload, job, why);
}

static int spool_put(struct spool *sp, struct spool_job *job,
                     enum spool_state to, int rewrite, struct buf *why)
{
    int rc = spool_move(sp, job, to, rewrite, why);

    spool_job_free(job);
    return rc;
}

/* A job that will not be tried again: to dead/, with reason when given. */
static int spool_put_dead(struct spool *sp, struct spool_job *job,
                          const char *reason, struct buf *why)
{
    if (reason)
        spool_set_error(job, reason);
    job->next_attempt = 0;
    return spool_put(sp, job, SPOOL_DEAD, 1, why);
}

int spool_finish(struct spool *spool, const char *id, struct buf *why)
{
    char path[PATH_MAX];

    if (spool_check_id(id, why) < 0)
        return -1;
    if (unlink(spool_state_path(spool, path, SPOOL_ACTIVE, id)) < 0) {
        if (errno == ENOENT)
            return SPOOL_NOTFOUND;
        buf_printf(why, "remove %s: %s", path, strerror(errno));
        return -1;
    }
    return spool_fsync_dir(spool, "active", why);
}

/* The delay before retry number attempts (1 = the first retry). */
static long spool_backoff(const struct spool_policy *policy, unsigned attempts)
{
    long delay = policy->minimal_backoff;
    unsigned n;

    for (n = 1; n < attempts && delay > 0 && delay < policy->maximal_backoff;
         n++)
        delay = delay > policy->maximal_backoff / 2 ?
            policy->maximal_backoff : delay * 2;
    return delay < policy->maximal_backoff ? delay : policy->maximal_backoff;
}

int spool_defer(struct spool *spool, const char *id, const char *error,
                time_t now, struct buf *why)
{
    struct spool_job *job;
    struct buf *reason;
    long delay;
    int rc;

    if ((rc = spool_take(spool, id, SPOOL_MASK(SPOOL_ACTIVE), 1, &job,
                         why)) != 0)
        return rc;
    if (job->attempts < UINT_MAX)
        job->attempts++;
    if (error)
        spool_set_error(job, error);
    if (now - job->created > spool->policy.maximal_lifetime) {
        reason = buf_create(SPOOL_ERROR_MAX);
        buf_printf(reason, "job_maximal_lifetime of %lds exceeded after %u "
                   "attempts; last error: %s",
                   spool->policy.maximal_lifetime, job->attempts,
                   job->last_error ? job->last_error : "(none)");
        rc = spool_put_dead(spool, job, reason->data, why);
        buf_free(reason);
        return rc;
    }
    delay = spool_backoff(&spool->policy, job->attempts);
    job->next_attempt = (now > SPOOL_TIME_MAX - delay) ?
        (time_t) SPOOL_TIME_MAX : now + delay;
    if (job->next_attempt < 0)
        job->next_attempt = 0;
    return spool_put(spool, job, SPOOL_DEFERRED, 1, why);
}

int spool_postpone(struct spool *spool, const char *id, const char *note,
                   time_t until, struct buf *why)
{
    struct spool_job *job;
    int rc;

    if ((rc = spool_take(spool, id, SPOOL_MASK(SPOOL_ACTIVE), 1, &job,
                         why)) != 0)
        return rc;
    if (note)
        spool_set_error(job, note);
    job->next_attempt = until < 0 ? 0 : until > SPOOL_TIME_MAX
        ? (time_t) SPOOL_TIME_MAX : until;
    return spool_put(spool, job, SPOOL_DEFERRED, 1, why);
}

int spool_bury(struct spool *spool, const char *id, const char *reason,
               struct buf *why)
{
    struct spool_job *job;
    int rc;

    if ((rc = spool_take(spool, id, SPOOL_MASK(SPOOL_ACTIVE), 1, &job,
                         why)) != 0)
        return rc;
    return spool_put_dead(spool, job, reason, why);
}

int spool_hold(struct spool *spool, const char *id, const char *reason,
               struct buf *why)
{
    struct spool_job *job;
    int rc;

    if ((rc = spool_take(spool, id, SPOOL_MASK_ALL, reason != NULL, &job,
                         why)) != 0)
        return rc;
    if (reason)
        spool_set_error(job, reason);
    return spool_put(spool, job, SPOOL_HOLD, reason != NULL, why);
}

/* Back into active/ as a new job (no attempts, lifetime from now). */
static int spool_restart(struct spool *spool, const char *id, int release,
                         struct buf *why)
{
    struct spool_job *job;
    int rc;

    if ((rc = spool_take(spool, id, SPOOL_MASK_ALL, 1, &job, why)) != 0)
        return rc;
    if (release && job->state != SPOOL_HOLD && job->state != SPOOL_DEAD) {
        buf_printf(why, "job %s is %s, not held or dead", id,
                   spool_state_name(job->state));
        spool_job_free(job);
        return -1;
    }
    if (job->state != SPOOL_ACTIVE) {
        job->created = time(NULL);
        job->attempts = 0;
        job->next_attempt = 0;
        if (release)
            job->released = 1;
        spool_set_error(job, NULL);
    }
    /* Already active: a move to itself without rewrite does nothing. */
    return spool_put(spool, job, SPOOL_ACTIVE, job->state != SPOOL_ACTIVE,
                     why);
}

int spool_requeue(struct spool *spool, const char *id, struct buf *why)
{
    return spool_restart(spool, id, 0, why);
}

int spool_release(struct spool *spool, const char *id, struct buf *why)
{
    return spool_restart(spool, id, 1, why);
}

int spool_delete(struct spool *spool, const char *id, struct buf *why)
{
    char path[PATH_MAX];
    int pass;
    int s;

    if (spool_check_id(id, why) < 0)
        return -1;
    for (pass = 0; pass < 2; pass++) {
        for (s = 0; s < SPOOL_NSTATES; s++) {
            if (unlink(spool_state_path(spool, path, s, id)) == 0)
                return spool_fsync_dir(spool, spool_state_name(s), why);
            if (errno != ENOENT) {
                buf_printf(why, "remove %s: %s", path, strerror(errno));
                return -1;
            }
        }
    }
    return SPOOL_NOTFOUND;
}
