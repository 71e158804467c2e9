/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_enqueue - new jobs (spool.h): one, a batch, and the group commit
 * of concurrent threads.  A job is written under its own name in
 * incoming/, made durable, its dedupe marker made, and then moved into
 * active/ with one rename; a batch shares each fsync.  Shares
 * spool_int.h with the other spool files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fsutil.h"
#include "msg.h"
#include "spool.h"
#include "spool_int.h"
#include "spool_job.h"
#include "xalloc.h"

#define SPOOL_ID_TRIES      16

/*
 * A spool_enqueue() call waiting for its batch (see spool_enqueue()): on
 * its caller's stack, in the group's queue under group_lock.
 */
struct spool_waiter {
    struct spool_entry entry;
    int done;
    struct spool_waiter *next;
};


/* Enqueue. */

static void spool_new_id(char id[SPOOL_ID_LEN + 1], const unsigned char rnd[4])
{
    snprintf(id, SPOOL_ID_LEN + 1, "%08X%02X%02X%02X%02X",
             (unsigned) ((uint64_t) time(NULL) & 0xffffffffu),
             rnd[0], rnd[1], rnd[2], rnd[3]);
}

/*
 * The image of a new job: its header (formatted into head, with
 * job->payload_len the size of both pieces) and e's payload and tail as
 * they are, uncopied.  Fills iov[3]; returns how many pieces it used.
 */
static int spool_new_image(const struct spool_job *job,
                           const struct spool_entry *e, struct buf *head,
                           struct iovec iov[3])
{
    int n = 1;

    buf_reset(head);
    spool_job_format_head(job, head);
    iov[0].iov_base = head->data;
    iov[0].iov_len = head->len;
    if (e->payload_len > 0) {
        iov[n].iov_base = (void *) e->payload;
        iov[n++].iov_len = e->payload_len;
    }
    if (e->payload_tail_len > 0) {
        iov[n].iov_base = (void *) e->payload_tail;
        iov[n++].iov_len = e->payload_tail_len;
    }
    return n;
}

/*
 * Writes the new job (e's payload) into incoming/ under a fresh, unused
 * ID, without syncing it: returns the open descriptor, or -1.
 */
static int spool_create_incoming(struct spool *sp, struct spool_job *job,
                                 const struct spool_entry *e, struct buf *why)
{
    char path[PATH_MAX];
    unsigned char rnd[4];
    struct buf *head = buf_create(512);
    struct iovec iov[3];
    int tries;
    int fd;

    for (tries = 0; tries < SPOOL_ID_TRIES; tries++) {
        if (spool_random(rnd, sizeof(rnd), why) < 0)
            break;
        spool_new_id(job->id, rnd);
        spool_path(sp, path, SPOOL_INCOMING, job->id, NULL);
        if ((fd = spool_write_open(path, iov,
                                   spool_new_image(job, e, head, iov))) < 0) {
            if (errno == EEXIST)
                continue;
            buf_printf(why, "write %s: %s", path, strerror(errno));
            break;
        }
        if (!spool_id_in_states(sp, job->id)) {
            buf_free(head);
            return fd;
        }
        close(fd);
        unlink(path);                   /* the ID is taken: draw again */
    }
    if (tries == SPOOL_ID_TRIES)
        buf_printf(why, "cannot find an unused job ID in %s", sp->dir);
    buf_free(head);
    return -1;
}

/*
 * Writes a job whose ID its caller gave (from the intake journal) into
 * incoming/, without syncing it: the open descriptor, or -1.  The name is
 * taken exclusively, as every writer of incoming/ does: if a file of that
 * name is there (another writer's job that drew the same ID, or what an
 * interrupted earlier attempt left, which spool_recover() cleans up), or
 * a job holds the ID once the file is made, the job gets a fresh ID, and
 * job->id says which.
 */
static int spool_create_given(struct spool *sp, struct spool_job *job,
                              const struct spool_entry *e, struct buf *why)
{
    char path[PATH_MAX];
    struct buf *head = buf_create(512);
    struct iovec iov[3];
    int fd;

    spool_path(sp, path, SPOOL_INCOMING, job->id, NULL);
    if ((fd = spool_write_open(path, iov,
                               spool_new_image(job, e, head, iov))) >= 0) {
        if (!spool_id_in_states(sp, job->id)) {
            buf_free(head);
            return fd;
        }
        close(fd);
        unlink(path);
    } else if (errno != EEXIST) {
        buf_printf(why, "write %s: %s", path, strerror(errno));
        buf_free(head);
        return -1;
    }
    buf_free(head);
    msg_warn("%s: job ID taken by another job: drawing another", job->id);
    return spool_create_incoming(sp, job, e, why);
}

/*
 * Creates the dedupe marker of a job already durable in incoming/: 0,
 * SPOOL_DUPLICATE (dup_id set), or -1.  The marker is a symbolic link whose
 * target is the job's ID: symlink(2) makes the name and its content in one
 * step, so whoever sees the marker can read the whole ID, and it fails with
 * EEXIST when the key is taken, even between processes.  The caller makes
 * dedupe/ durable before it trusts either answer.
 */
static int spool_create_marker(struct spool *sp, const char *id,
                               const char *marker,
                               char dup_id[SPOOL_ID_LEN + 1], struct buf *why)
{
    char path[PATH_MAX];
    int tries;
    int rc;

    spool_path(sp, path, SPOOL_DEDUPE, marker, NULL);
    for (tries = 0; tries < 3; tries++) {
        if (symlink(id, path) == 0)
            return 0;
        if (errno != EEXIST) {
            buf_printf(why, "symlink %s: %s", path, strerror(errno));
            return -1;
        }
        rc = spool_marker_read(path, dup_id, why);
        if (rc == SPOOL_NOTFOUND)       /* expired meanwhile: try again */
            continue;
        return rc < 0 ? -1 : SPOOL_DUPLICATE;
    }
    buf_printf(why, "dedupe marker %s keeps appearing and vanishing", path);
    return -1;
}

/* Where one entry of a batch stands. */
enum spool_stage {
    STAGE_FAILED = 0,           /* rc -1, why says why; nothing left behind */
    STAGE_WRITTEN,              /* in incoming/, not yet durable */
    STAGE_SYNCED,               /* durable in incoming/ */
    STAGE_MARKED,               /* its marker made (when it has a key) */
    STAGE_DUPLICATE,            /* the key is another job's: id names it */
    STAGE_MOVED                 /* renamed into active/ */
};

struct spool_slot {
    enum spool_stage stage;
    int fd;                     /* while STAGE_WRITTEN */
    char marker[SPOOL_MARKER_LEN + 1];      /* "" without a key */
};

/* Checks one entry's arguments: 0, or -1 with why. */
static int spool_entry_check(const struct spool_entry *e)
{
    size_t key_len = 0;

    if (e->kind == NULL || !spool_kind_valid(e->kind)) {
        buf_append_str(e->why, "invalid job kind ");
        spool_quote(e->why, e->kind ? e->kind : "(null)");
        return -1;
    }
    if (e->dedupe_key != NULL
        && ((key_len = strlen(e->dedupe_key)) == 0
            || key_len > SPOOL_KEY_MAX)) {
        buf_printf(e->why, "dedupe key is %s",
                   key_len ? "too long" : "empty");
        return -1;
    }
    if (e->payload_len > SPOOL_PAYLOAD_MAX
        || e->payload_tail_len > SPOOL_PAYLOAD_MAX - e->payload_len) {
        buf_printf(e->why, "payload of %zu bytes exceeds the limit of %d "
                   "bytes", e->payload_len + e->payload_tail_len,
                   SPOOL_PAYLOAD_MAX);
        return -1;
    }
    if ((e->payload == NULL && e->payload_len > 0)
        || (e->payload_tail == NULL && e->payload_tail_len > 0))
        msg_panic("spool_enqueue: NULL payload of %zu bytes",
                  e->payload_len + e->payload_tail_len);
    return 0;
}

/* Fails an entry that got as far as incoming/: its file goes. */
static void spool_drop(struct spool *sp, struct spool_entry *e,
                       struct spool_slot *slot)
{
    char path[PATH_MAX];

    if (slot->stage == STAGE_WRITTEN)
        close(slot->fd);
    unlink(spool_path(sp, path, SPOOL_INCOMING, e->id, NULL));
    slot->stage = STAGE_FAILED;
}

/* Fails every entry at stage with reason (a directory's fsync failed). */
static void spool_drop_stage(struct spool *sp, struct spool_entry *entries,
                             struct spool_slot *slots, size_t count,
                             enum spool_stage stage, const char *reason)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (slots[i].stage != stage)
            continue;
        buf_append_str(entries[i].why, reason);
        if (stage == STAGE_DUPLICATE)
            slots[i].stage = STAGE_FAILED;
        else
            spool_drop(sp, &entries[i], &slots[i]);
    }
}

/*
 * An entry with its ID given (id_given): SPOOL_DUPLICATE when its key's
 * marker exists (the entry was made into a job before, or the key is
 * another job's: either way it is there), with that job's ID in e->id; 0
 * to go on and write it, with job->id set; -1 with why.  The caller makes
 * dedupe/ durable before it reports such a duplicate: the marker may be
 * one whose maker failed to.
 */
static int spool_batch_given(struct spool *sp, struct spool_entry *e,
                             struct spool_job *job)
{
    char marker[SPOOL_MARKER_LEN + 1];
    char path[PATH_MAX];
    char dup_id[SPOOL_ID_LEN + 1];
    int rc;

    if (e->dedupe_key == NULL)
        msg_panic("spool_enqueue_batch: an entry with its ID given and no "
                  "dedupe key");
    if (spool_check_id(e->id, e->why) < 0)
        return -1;
    spool_marker_name(e->kind, e->dedupe_key, marker);
    rc = spool_marker_read(spool_path(sp, path, SPOOL_DEDUPE, marker, NULL),
                           dup_id, e->why);
    if (rc == 0) {
        memcpy(e->id, dup_id, SPOOL_ID_LEN + 1);
        return SPOOL_DUPLICATE;
    }
    if (rc < 0)
        return -1;
    memcpy(job->id, e->id, SPOOL_ID_LEN + 1);
    return 0;
}

/* Step 1: every valid entry's job file written into incoming/. */
static int spool_batch_write(struct spool *sp, struct spool_entry *entries,
                             struct spool_slot *slots, size_t count)
{
    struct spool_job job;
    time_t now = time(NULL);
    struct buf *err;
    size_t i;
    int written = 0;
    int found = 0;

    for (i = 0; i < count; i++) {
        struct spool_entry *e = &entries[i];

        if (spool_entry_check(e) < 0)
            continue;
        memset(&job, 0, sizeof(job));
        job.kind = (char *) e->kind;
        job.dedupe_key = (char *) e->dedupe_key;
        job.created = e->created ? e->created : now;
        job.payload_len = e->payload_len + e->payload_tail_len;
        if (e->id_given) {
            int rc = spool_batch_given(sp, e, &job);

            if (rc == SPOOL_DUPLICATE) {
                slots[i].stage = STAGE_DUPLICATE;
                found = 1;
            }
            if (rc != 0)
                continue;
            slots[i].fd = spool_create_given(sp, &job, e, e->why);
        } else
            slots[i].fd = spool_create_incoming(sp, &job, e, e->why);
        if (slots[i].fd < 0)
            continue;
        memcpy(e->id, job.id, SPOOL_ID_LEN + 1);
        if (e->dedupe_key)
            spool_marker_name(e->kind, e->dedupe_key, slots[i].marker);
        slots[i].stage = STAGE_WRITTEN;
        written++;
    }
    /* Duplicates by a marker found, not made: trusted once durable. */
    if (found) {
        err = buf_create(128);
        if (spool_fsync_dir(sp, SPOOL_DEDUPE, err) < 0)
            spool_drop_stage(sp, entries, slots, count, STAGE_DUPLICATE,
                             err->data);
        buf_free(err);
    }
    return written;
}

/*
 * Step 2 with SPOOL_SYNC_SYNCFS: one syncfs(2) covers the files and their
 * names in incoming/.
 */
static int spool_batch_syncfs(struct spool *sp, struct spool_entry *entries,
                              struct spool_slot *slots, size_t count)
{
    char path[PATH_MAX];
    struct buf *err = buf_create(128);
    size_t i;
    int fd = -1;
    int synced = 0;

    for (i = 0; i < count && fd < 0; i++)
        if (slots[i].stage == STAGE_WRITTEN)
            fd = slots[i].fd;
    if (fd >= 0 && syncfs(fd) < 0) {
        buf_printf(err, "syncfs %s: %s", sp->dir, strerror(errno));
        spool_drop_stage(sp, entries, slots, count, STAGE_WRITTEN, err->data);
    }
    for (i = 0; i < count; i++) {
        if (slots[i].stage != STAGE_WRITTEN)
            continue;
        if (close(slots[i].fd) < 0) {
            buf_printf(entries[i].why, "close %s: %s",
                       spool_path(sp, path, SPOOL_INCOMING, entries[i].id,
                                  NULL), strerror(errno));
            slots[i].stage = STAGE_FAILED;
            unlink(path);
            continue;
        }
        slots[i].stage = STAGE_SYNCED;
        synced++;
    }
    buf_free(err);
    return synced;
}

/* Step 2: their data durable, then their names in incoming/. */
static int spool_batch_sync(struct spool *sp, struct spool_entry *entries,
                            struct spool_slot *slots, size_t count)
{
    char path[PATH_MAX];
    struct buf *err;
    size_t i;
    int synced = 0;

    if (sp->sync == SPOOL_SYNC_SYNCFS)
        return spool_batch_syncfs(sp, entries, slots, count);
    for (i = 0; i < count; i++) {
        if (slots[i].stage != STAGE_WRITTEN)
            continue;
        spool_path(sp, path, SPOOL_INCOMING, entries[i].id, NULL);
        if (spool_sync_close(slots[i].fd, path) < 0) {
            buf_printf(entries[i].why, "fsync %s: %s", path, strerror(errno));
            slots[i].stage = STAGE_FAILED;
            continue;
        }
        slots[i].stage = STAGE_SYNCED;
        synced++;
    }
    if (synced == 0)
        return 0;
    err = buf_create(128);
    if (spool_fsync_dir(sp, SPOOL_INCOMING, err) < 0) {
        spool_drop_stage(sp, entries, slots, count, STAGE_SYNCED, err->data);
        synced = 0;
    }
    buf_free(err);
    return synced;
}

/* Step 3: the markers, made after their jobs are durable, then dedupe/. */
static void spool_batch_mark(struct spool *sp, struct spool_entry *entries,
                             struct spool_slot *slots, size_t count)
{
    char dup_id[SPOOL_ID_LEN + 1];
    struct buf *err;
    size_t i;
    int touched = 0;
    int rc;

    for (i = 0; i < count; i++) {
        if (slots[i].stage != STAGE_SYNCED || slots[i].marker[0] == '\0')
            continue;
        rc = spool_create_marker(sp, entries[i].id, slots[i].marker, dup_id,
                                 entries[i].why);
        if (rc < 0) {
            spool_drop(sp, &entries[i], &slots[i]);
            continue;
        }
        touched++;
        if (rc == SPOOL_DUPLICATE) {
            spool_drop(sp, &entries[i], &slots[i]);
            memcpy(entries[i].id, dup_id, SPOOL_ID_LEN + 1);
            slots[i].stage = STAGE_DUPLICATE;
        } else {
            slots[i].stage = STAGE_MARKED;
        }
    }
    if (touched == 0)
        return;
    /*
     * Whoever answers "duplicate" must know the marker is durable too.  If
     * dedupe/ cannot be synced, no entry here is answered; but a marker
     * once visible may already have answered another process's (or
     * thread's) enqueue of the same key, so the marked jobs stay,
     * complete in incoming/, for spool_recover(), as after a failed
     * rename.
     */
    err = buf_create(128);
    if (spool_fsync_dir(sp, SPOOL_DEDUPE, err) < 0) {
        for (i = 0; i < count; i++) {
            if (slots[i].stage == STAGE_MARKED) {
                buf_printf(entries[i].why, "%s (left for spool_recover)",
                           err->data);
                slots[i].stage = STAGE_FAILED;
            }
        }
        spool_drop_stage(sp, entries, slots, count, STAGE_DUPLICATE,
                         err->data);
    }
    buf_free(err);
}

/* Step 4: into active/, then active/ durable. */
static void spool_batch_move(struct spool *sp, struct spool_entry *entries,
                             struct spool_slot *slots, size_t count)
{
    char from[PATH_MAX];
    char to[PATH_MAX];
    struct buf *err;
    size_t i;
    int moved = 0;

    for (i = 0; i < count; i++) {
        struct spool_entry *e = &entries[i];
        int keyed = slots[i].stage == STAGE_MARKED;

        if (slots[i].stage != STAGE_SYNCED && !keyed)
            continue;
        spool_path(sp, from, SPOOL_INCOMING, e->id, NULL);
        spool_state_path(sp, to, SPOOL_ACTIVE, e->id);
        if (spool_rename_noreplace(from, to) == 0) {
            slots[i].stage = STAGE_MOVED;
            moved++;
        } else if (errno == ENOENT && keyed) {
            /*
             * spool_recover() moved the marked job first.  Should it be
             * nowhere (worked off already?), say so: the sender's retry is
             * then answered by the marker, and nothing is lost.
             */
            if (spool_id_in_states(sp, e->id)) {
                slots[i].stage = STAGE_MOVED;
                moved++;
            } else {
                buf_printf(e->why, "%s: job left %s/%s before it was "
                           "enqueued", e->id, sp->dir, SPOOL_INCOMING);
                slots[i].stage = STAGE_FAILED;
            }
        } else {
            buf_printf(e->why, "rename %s to %s: %s", from, to,
                       strerror(errno));
            /*
             * Once its marker is visible, another enqueue may have answered
             * "duplicate" on its strength: the job stays, complete and
             * marked, for spool_recover().  Without a key it just goes.
             */
            if (keyed)
                buf_append_str(e->why, " (left for spool_recover)");
            else
                unlink(from);
            slots[i].stage = STAGE_FAILED;
        }
    }
    if (moved == 0)
        return;
    err = buf_create(128);
    if (spool_fsync_dir(sp, "active", err) < 0)
        for (i = 0; i < count; i++)
            if (slots[i].stage == STAGE_MOVED) {
                buf_append_str(entries[i].why, err->data);
                slots[i].stage = STAGE_FAILED;
            }
    buf_free(err);
}

void spool_enqueue_batch(struct spool *spool, struct spool_entry *entries,
                         size_t count)
{
    struct spool_slot slots[SPOOL_BATCH_MAX];
    size_t i;

    if (count > SPOOL_BATCH_MAX)
        msg_panic("spool_enqueue_batch: %zu entries, at most %d", count,
                  SPOOL_BATCH_MAX);
    memset(slots, 0, sizeof(slots[0]) * count);
    for (i = 0; i < count; i++)
        if (!entries[i].id_given)
            entries[i].id[0] = '\0';
    if (spool_batch_write(spool, entries, slots, count) > 0
        && spool_batch_sync(spool, entries, slots, count) > 0) {
        spool_batch_mark(spool, entries, slots, count);
        spool_batch_move(spool, entries, slots, count);
    }
    for (i = 0; i < count; i++)
        entries[i].rc = slots[i].stage == STAGE_MOVED ? SPOOL_ACCEPTED
            : slots[i].stage == STAGE_DUPLICATE ? SPOOL_DUPLICATE : -1;
}

/*
 * Leads one batch: takes up to SPOOL_BATCH_MAX waiters from the queue,
 * commits them without the lock, and marks them done.  Called and returns
 * with group_lock held.
 */
static void spool_group_lead(struct spool *sp)
{
    struct spool_waiter *batch[SPOOL_BATCH_MAX];
    struct spool_entry entries[SPOOL_BATCH_MAX];
    size_t n = 0;
    size_t i;

    while (n < SPOOL_BATCH_MAX && sp->group_head != NULL) {
        batch[n] = sp->group_head;
        if ((sp->group_head = batch[n]->next) == NULL)
            sp->group_tail = &sp->group_head;
        entries[n] = batch[n]->entry;
        n++;
    }
    sp->group_busy = 1;
    pthread_mutex_unlock(&sp->group_lock);
    spool_enqueue_batch(sp, entries, n);
    pthread_mutex_lock(&sp->group_lock);
    for (i = 0; i < n; i++) {
        batch[i]->entry = entries[i];
        batch[i]->done = 1;
    }
    sp->group_busy = 0;
    pthread_cond_broadcast(&sp->group_done);
}

/*
 * Group commit for threads.  Each call queues its entry; the first to find
 * no batch being committed leads one: it commits every queued entry (its
 * own among them) in one spool_enqueue_batch() and wakes the others.
 * Calls that arrive meanwhile queue for the next batch, which one of them
 * leads.  A lone caller is a batch of one at once: nothing waits for
 * company.
 */
int spool_enqueue(struct spool *spool, const char *kind,
                  const char *dedupe_key, const void *payload,
                  size_t payload_len, char id_out[SPOOL_ID_LEN + 1],
                  struct buf *why)
{
    return spool_enqueue_tail(spool, kind, dedupe_key, payload, payload_len,
                              NULL, 0, id_out, why);
}

int spool_enqueue_tail(struct spool *spool, const char *kind,
                       const char *dedupe_key, const void *payload,
                       size_t payload_len, const void *tail, size_t tail_len,
                       char id_out[SPOOL_ID_LEN + 1], struct buf *why)
{
    struct spool_waiter w;

    memset(&w, 0, sizeof(w));
    w.entry.kind = kind;
    w.entry.dedupe_key = dedupe_key;
    w.entry.payload = payload;
    w.entry.payload_len = payload_len;
    w.entry.payload_tail = tail;
    w.entry.payload_tail_len = tail_len;
    w.entry.why = why;
    pthread_mutex_lock(&spool->group_lock);
    *spool->group_tail = &w;
    spool->group_tail = &w.next;
    while (!w.done) {
        if (!spool->group_busy)
            spool_group_lead(spool);
        else
            pthread_cond_wait(&spool->group_done, &spool->group_lock);
    }
    pthread_mutex_unlock(&spool->group_lock);
    if (w.entry.rc != -1)
        memcpy(id_out, w.entry.id, SPOOL_ID_LEN + 1);
    return w.entry.rc;
}

int spool_dedupe_lookup(struct spool *spool, const char *kind,
                        const char *key, char id_out[SPOOL_ID_LEN + 1],
                        struct buf *why)
{
    char marker[SPOOL_MARKER_LEN + 1];
    char path[PATH_MAX];

    spool_marker_name(kind, key, marker);
    return spool_marker_read(spool_path(spool, path, SPOOL_DEDUPE, marker,
                                        NULL), id_out, why);
}
