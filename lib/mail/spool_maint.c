/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_maint - housekeeping of the spool (spool.h): listing jobs,
 * releasing deferred jobs that are due, recovering after a crash
 * (interrupted enqueues and rewrites in incoming/), and expiring dedupe
 * markers.  Shares spool_int.h with the other spool files.
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


/* Listing. */

static int spool_job_cmp(const void *a, const void *b)
{
    const struct spool_job *ja = *(const struct spool_job *const *) a;
    const struct spool_job *jb = *(const struct spool_job *const *) b;

    if (ja->created != jb->created)
        return ja->created < jb->created ? -1 : 1;
    return strcmp(ja->id, jb->id);
}

int spool_list(struct spool *spool, unsigned state_mask,
               struct spool_job ***jobs_out, size_t *count_out,
               struct buf *why)
{
    struct spool_job **jobs = NULL;
    struct spool_job *job;
    size_t count = 0;
    size_t cap = 0;
    struct buf *err;
    struct dirent *dp;
    char path[PATH_MAX];
    DIR *dir;
    int s;
    int rc;

    err = buf_create(128);
    for (s = 0; s < SPOOL_NSTATES; s++) {
        if (!(state_mask & SPOOL_MASK(s)))
            continue;
        spool_path(spool, path, spool_state_name((enum spool_state) s), NULL,
                   NULL);
        if ((dir = opendir(path)) == NULL) {
            buf_printf(why, "open spool directory %s: %s", path,
                       strerror(errno));
            goto fail;
        }
        while ((errno = 0, dp = readdir(dir)) != NULL) {
            if (!spool_id_valid(dp->d_name))
                continue;
            buf_reset(err);
            rc = spool_read_job(spool_state_path(spool, path, s, dp->d_name),
                                dp->d_name, 0, &job, err);
            if (rc == SPOOL_NOTFOUND)   /* moved or removed meanwhile */
                continue;
            if (rc < 0) {
                /* One bad file must not hide the rest of the queue. */
                msg_warn("%s: skipped: %s", dp->d_name, err->data);
                continue;
            }
            job->state = (enum spool_state) s;
            if (count == cap) {
                cap = cap ? cap * 2 : 32;
                jobs = xrealloc(jobs, cap * sizeof(*jobs));
            }
            jobs[count++] = job;
        }
        if (errno != 0) {
            buf_printf(why, "read spool directory %s: %s",
                       spool_path(spool, path, spool_state_name(s), NULL,
                                  NULL), strerror(errno));
            closedir(dir);
            goto fail;
        }
        closedir(dir);
    }
    buf_free(err);
    if (count > 1)
        qsort(jobs, count, sizeof(*jobs), spool_job_cmp);
    *jobs_out = jobs;
    *count_out = count;
    return 0;

fail:
    buf_free(err);
    spool_job_list_free(jobs, count);
    return -1;
}

void spool_job_list_free(struct spool_job **jobs, size_t count)
{
    size_t i;

    if (jobs == NULL)
        return;
    for (i = 0; i < count; i++)
        spool_job_free(jobs[i]);
    free(jobs);
}

/* Scheduling and housekeeping. */

int spool_release_due(struct spool *spool, time_t now, time_t *next_due,
                      struct buf *why)
{
    struct spool_job **jobs;
    size_t count;
    size_t i;
    int moved = 0;
    int rc = 0;

    if (next_due != NULL)
        *next_due = 0;
    if (spool_list(spool, SPOOL_MASK(SPOOL_DEFERRED), &jobs, &count, why) < 0)
        return -1;
    for (i = 0; i < count && rc == 0; i++) {
        if (jobs[i]->next_attempt > now) {
            if (next_due != NULL
                && (*next_due == 0 || jobs[i]->next_attempt < *next_due))
                *next_due = jobs[i]->next_attempt;
            continue;
        }
        rc = spool_move(spool, jobs[i], SPOOL_ACTIVE, 0, why);
        if (rc == 0)
            moved++;
        else if (rc == SPOOL_NOTFOUND)  /* an admin moved it */
            rc = 0;
    }
    spool_job_list_free(jobs, count);
    return rc < 0 ? -1 : moved;
}

/*
 * Is incoming/name a complete job whose dedupe marker names it, and in no
 * state directory?  Then spool_recover() must finish its enqueue.
 */
static int spool_recoverable(struct spool *sp, const char *name)
{
    struct spool_job *job;
    struct buf *err;
    char path[PATH_MAX];
    char marker[SPOOL_MARKER_LEN + 1];
    char id[SPOOL_ID_LEN + 1];
    int ok = 0;

    if (spool_id_in_states(sp, name))
        return 0;
    err = buf_create(64);
    spool_path(sp, path, SPOOL_INCOMING, name, NULL);
    if (spool_read_job(path, name, 0, &job, err) == 0) {
        if (job->dedupe_key) {
            spool_marker_name(job->kind, job->dedupe_key, marker);
            spool_path(sp, path, SPOOL_DEDUPE, marker, NULL);
            ok = (spool_marker_read(path, id, err) == 0
                  && strcmp(id, name) == 0);
        }
        spool_job_free(job);
    }
    buf_free(err);
    return ok;
}

int spool_recover(struct spool *spool, long min_age, struct buf *why)
{
    struct dirent *dp;
    struct stat st;
    char path[PATH_MAX];
    char to[PATH_MAX];
    DIR *dir;
    time_t now = time(NULL);
    int recovered = 0;
    int removed = 0;

    spool_path(spool, path, SPOOL_INCOMING, NULL, NULL);
    if ((dir = opendir(path)) == NULL) {
        buf_printf(why, "open spool directory %s: %s", path, strerror(errno));
        return -1;
    }
    while ((errno = 0, dp = readdir(dir)) != NULL) {
        if (strcmp(dp->d_name, ".") == 0 || strcmp(dp->d_name, "..") == 0)
            continue;
        spool_path(spool, path, SPOOL_INCOMING, dp->d_name, NULL);
        if (lstat(path, &st) < 0)
            continue;                   /* gone meanwhile */
        if (S_ISREG(st.st_mode) && spool_id_valid(dp->d_name)
            && spool_recoverable(spool, dp->d_name)) {
            spool_state_path(spool, to, SPOOL_ACTIVE, dp->d_name);
            if (spool_rename_noreplace(path, to) == 0) {
                msg_info("%s: recovered an interrupted enqueue", dp->d_name);
                recovered++;
                continue;
            }
            if (errno == ENOENT || errno == EEXIST)
                continue;               /* its writer finished it */
            buf_printf(why, "rename %s to %s: %s", path, to, strerror(errno));
            closedir(dir);
            return -1;
        }
        /* A file's time may run a second ahead of time(): 0 means any age. */
        if ((min_age > 0 && now - st.st_mtime < min_age)
            || S_ISDIR(st.st_mode))
            continue;
        if (unlink(path) < 0) {
            if (errno == ENOENT)
                continue;
            buf_printf(why, "remove %s: %s", path, strerror(errno));
            closedir(dir);
            return -1;
        }
        msg_info("removed stale spool file %s", path);
        removed++;
    }
    if (errno != 0) {
        buf_printf(why, "read spool directory %s/%s: %s", spool->dir,
                   SPOOL_INCOMING, strerror(errno));
        closedir(dir);
        return -1;
    }
    closedir(dir);
    if (recovered && spool_fsync_dir(spool, "active", why) < 0)
        return -1;
    if (removed && spool_fsync_dir(spool, SPOOL_INCOMING, why) < 0)
        return -1;
    return recovered;
}

int spool_expire_dedupe(struct spool *spool, time_t now, long lifetime,
                        time_t keep_since, struct buf *why)
{
    struct dirent *dp;
    struct stat st;
    struct buf *err = buf_create(64);
    char path[PATH_MAX];
    char job_path[PATH_MAX];
    char id[SPOOL_ID_LEN + 1];
    DIR *dir;
    int expired = 0;
    int rc;

    spool_path(spool, path, SPOOL_DEDUPE, NULL, NULL);
    if ((dir = opendir(path)) == NULL) {
        buf_printf(why, "open spool directory %s: %s", path, strerror(errno));
        buf_free(err);
        return -1;
    }
    while ((errno = 0, dp = readdir(dir)) != NULL) {
        if (!spool_marker_name_valid(dp->d_name))
            continue;
        spool_path(spool, path, SPOOL_DEDUPE, dp->d_name, NULL);
        if (lstat(path, &st) < 0
            || !(S_ISLNK(st.st_mode) || S_ISREG(st.st_mode))
            || (lifetime > 0 && now - st.st_mtime < lifetime)
            || (keep_since > 0 && st.st_mtime >= keep_since))
            continue;
        buf_reset(err);
        rc = spool_marker_read(path, id, err);
        if (rc == SPOOL_NOTFOUND)
            continue;
        /* A corrupt marker names no job: it goes too. */
        if (rc == 0
            && (spool_exists(spool_path(spool, job_path, SPOOL_INCOMING, id,
                                        NULL))
                || spool_id_in_states(spool, id)))
            continue;
        if (rc < 0)
            msg_warn("%s", err->data);
        if (unlink(path) < 0 && errno != ENOENT) {
            buf_printf(why, "remove %s: %s", path, strerror(errno));
            closedir(dir);
            buf_free(err);
            return -1;
        }
        expired++;
    }
    if (errno != 0) {
        buf_printf(why, "read spool directory %s/%s: %s", spool->dir,
                   SPOOL_DEDUPE, strerror(errno));
        closedir(dir);
        buf_free(err);
        return -1;
    }
    closedir(dir);
    buf_free(err);
    if (expired && spool_fsync_dir(spool, SPOOL_DEDUPE, why) < 0)
        return -1;
    return expired;
}
