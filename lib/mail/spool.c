/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool - postmask's durable job queue; see spool.h for the layout and the
 * contract.
 *
 * Every job file is written once, under a name nobody else uses, in
 * incoming/, made durable there, and then moved into place with one rename:
 * readers only ever look in the state directories, so they never see a file
 * that is still being written.  Moves between states use
 * renameat2(RENAME_NOREPLACE), so a job can never overwrite another copy of
 * itself, and metadata rewrites use renameat2(RENAME_EXCHANGE), so a rewrite
 * never resurrects a job that an admin moved or deleted meanwhile.  Where
 * the file system lacks those flags (EINVAL) a check followed by a plain
 * rename() stands in; that keeps crash safety and loses only the guard
 * against a concurrent admin action in the same instant.
 *
 * Temporary files in incoming/ are named ID.RRRRRRRR.upd (a metadata
 * rewrite; ID.mark, a dedupe marker being made, in spools from before
 * markers were symbolic links); only a file named exactly by an ID can be
 * an interrupted enqueue.  spool_recover() removes the rest
 * once they are old enough that no live process can still be writing them.
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

#include <openssl/evp.h>

#include "fsutil.h"
#include "msg.h"
#include "spool.h"
#include "spool_job.h"
#include "xalloc.h"

#define SPOOL_INCOMING      "incoming"
#define SPOOL_DEDUPE        "dedupe"
#define SPOOL_DIR_MODE      0700
#define SPOOL_FILE_MODE     0600
#define SPOOL_MARKER_LEN    64          /* hex SHA-256 */
#define SPOOL_DIR_MAX       (PATH_MAX - 128)
#define SPOOL_FILE_MAX      (SPOOL_JOB_HEAD_MAX + SPOOL_PAYLOAD_MAX)
#define SPOOL_ID_TRIES      16
#define SPOOL_TIME_MAX      253402300799LL  /* as in spool_job.c */

/* Postfix's defaults for its own queue. */
#define SPOOL_DEF_MIN_BACKOFF   300
#define SPOOL_DEF_MAX_BACKOFF   4000
#define SPOOL_DEF_LIFETIME      (5 * 86400)

/*
 * A spool_enqueue() call waiting for its batch (see spool_enqueue()): on
 * its caller's stack, in the group's queue under group_lock.
 */
struct spool_waiter {
    struct spool_entry entry;
    int done;
    struct spool_waiter *next;
};

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

static const char *const spool_state_names[SPOOL_NSTATES] = {
    "active", "deferred", "hold", "dead",
};

/* Utilities. */

const char *spool_state_name(enum spool_state state)
{
    if ((unsigned) state >= SPOOL_NSTATES)
        msg_panic("spool_state_name: bad state %d", (int) state);
    return spool_state_names[state];
}

/* Builds dir/sub[/name[suffix]] into path (PATH_MAX bytes). */
static char *spool_path(const struct spool *sp, char *path, const char *sub,
                        const char *name, const char *suffix)
{
    int n;

    if (name == NULL)
        n = snprintf(path, PATH_MAX, "%s/%s", sp->dir, sub);
    else
        n = snprintf(path, PATH_MAX, "%s/%s/%s%s", sp->dir, sub, name,
                     suffix ? suffix : "");
    if (n < 0 || n >= PATH_MAX)
        msg_panic("spool_path: path too long");
    return path;
}

static char *spool_state_path(const struct spool *sp, char *path,
                              enum spool_state state, const char *id)
{
    return spool_path(sp, path, spool_state_names[state], id, NULL);
}

/* Appends s to why, at most 64 bytes, with anything unprintable escaped. */
static void spool_quote(struct buf *why, const char *s)
{
    size_t i;

    buf_append_char(why, '"');
    for (i = 0; s[i] && i < 64; i++) {
        unsigned char ch = (unsigned char) s[i];

        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            buf_printf(why, "\\x%02x", ch);
        else
            buf_append_char(why, ch);
    }
    if (s[i])
        buf_append_str(why, "...");
    buf_append_char(why, '"');
}

static int spool_check_id(const char *id, struct buf *why)
{
    if (id != NULL && spool_id_valid(id))
        return 0;
    buf_append_str(why, "invalid job ID ");
    spool_quote(why, id ? id : "(null)");
    return -1;
}

static int spool_random(void *out, size_t len, struct buf *why)
{
    ssize_t n;

    while ((n = getrandom(out, len, 0)) < 0 && errno == EINTR)
         /* void */ ;
    if (n != (ssize_t) len) {
        buf_printf(why, "getrandom: %s",
                   n < 0 ? strerror(errno) : "short read");
        return -1;
    }
    return 0;
}

/* renameat2() with a fall-back for file systems without its flags. */
static int spool_rename_noreplace(const char *from, const char *to)
{
    struct stat st;

    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (lstat(to, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(from, to);
}

static int spool_rename_exchange(const char *from, const char *to)
{
    struct stat st;

    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (lstat(to, &st) < 0)
        return -1;
    return rename(from, to);
}

static int spool_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 || errno != ENOENT;
}

/* Is a job named id in any state directory (checked twice, to see moves)? */
static int spool_id_in_states(const struct spool *sp, const char *id)
{
    char path[PATH_MAX];
    int pass;
    int s;

    for (pass = 0; pass < 2; pass++)
        for (s = 0; s < SPOOL_NSTATES; s++)
            if (spool_exists(spool_state_path(sp, path, s, id)))
                return 1;
    return 0;
}

/*
 * Creates path exclusively with mode 0600 whatever the umask and writes
 * the count pieces of iov, without syncing it; returns the open
 * descriptor.  On failure nothing is left behind and errno tells why
 * (EEXIST: the name was taken, and that file was not touched).
 */
static int spool_write_open(const char *path, const struct iovec *iov,
                            int count)
{
    int fd;
    int saved;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
              SPOOL_FILE_MODE);
    if (fd < 0)
        return -1;
    if (fchmod(fd, SPOOL_FILE_MODE) < 0 || writev_all(fd, iov, count) < 0) {
        saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
        return -1;
    }
    return fd;
}

/*
 * Makes what fd holds durable and closes it; on failure path is removed
 * and errno tells why.  fdatasync() suffices: the file is new, so its size
 * is part of the data it must make durable, and the name is the
 * directory's business.
 */
static int spool_sync_close(int fd, const char *path)
{
    int saved;

    if (fdatasync(fd) < 0) {
        saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
        return -1;
    }
    if (close(fd) < 0) {
        saved = errno;
        unlink(path);
        errno = saved;
        return -1;
    }
    return 0;
}

/* spool_write_open() and spool_sync_close() in one. */
static int spool_write_new(const char *path, const void *data, size_t len)
{
    struct iovec iov = { (void *) data, len };
    int fd = spool_write_open(path, &iov, 1);

    return fd < 0 ? -1 : spool_sync_close(fd, path);
}

static int spool_fsync_dir(const struct spool *sp, const char *sub,
                           struct buf *why)
{
    char path[PATH_MAX];

    if (fsync_dir(spool_path(sp, path, sub, NULL, NULL)) < 0) {
        buf_printf(why, "fsync %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Open and close. */

struct spool *spool_open(const char *dir, int create, struct buf *why)
{
    static const char *const subdirs[] = {
        SPOOL_INCOMING, "active", "deferred", "hold", "dead", SPOOL_DEDUPE,
    };
    struct spool *sp;
    char path[PATH_MAX];
    struct stat st;
    size_t i;

    if (dir == NULL || *dir == '\0') {
        buf_append_str(why, "spool directory is not set");
        return NULL;
    }
    if (strlen(dir) > SPOOL_DIR_MAX) {
        buf_printf(why, "spool directory name is longer than %d bytes",
                   SPOOL_DIR_MAX);
        return NULL;
    }
    if (create && mkdir_p(dir, SPOOL_DIR_MODE) < 0) {
        buf_printf(why, "create spool directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (stat(dir, &st) < 0) {
        buf_printf(why, "spool directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        buf_printf(why, "spool directory %s: %s", dir, strerror(ENOTDIR));
        return NULL;
    }
    sp = xcalloc(1, sizeof(*sp));
    sp->dir = xstrdup(dir);
    if (pthread_mutex_init(&sp->group_lock, NULL) != 0
        || pthread_cond_init(&sp->group_done, NULL) != 0)
        msg_fatal("spool: cannot create a mutex or condition variable");
    sp->group_tail = &sp->group_head;
    sp->policy.minimal_backoff = SPOOL_DEF_MIN_BACKOFF;
    sp->policy.maximal_backoff = SPOOL_DEF_MAX_BACKOFF;
    sp->policy.maximal_lifetime = SPOOL_DEF_LIFETIME;
    for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
        spool_path(sp, path, subdirs[i], NULL, NULL);
        if (create) {
            if (mkdir(path, SPOOL_DIR_MODE) == 0) {
                if (chmod(path, SPOOL_DIR_MODE) < 0) {
                    buf_printf(why, "chmod spool directory %s: %s", path,
                               strerror(errno));
                    goto fail;
                }
            } else if (errno != EEXIST) {
                buf_printf(why, "create spool directory %s: %s", path,
                           strerror(errno));
                goto fail;
            }
        }
        if (stat(path, &st) < 0) {
            buf_printf(why, "spool directory %s: %s%s", path, strerror(errno),
                       errno == ENOENT ? " (not a spool, or not created)" : "");
            goto fail;
        }
        if (!S_ISDIR(st.st_mode)) {
            buf_printf(why, "spool directory %s: %s", path, strerror(ENOTDIR));
            goto fail;
        }
        if (faccessat(AT_FDCWD, path, R_OK | W_OK | X_OK, AT_EACCESS) < 0) {
            buf_printf(why, "spool directory %s: %s", path, strerror(errno));
            goto fail;
        }
    }
    return sp;

fail:
    spool_close(sp);
    return NULL;
}

void spool_close(struct spool *spool)
{
    if (spool == NULL)
        return;
    pthread_cond_destroy(&spool->group_done);
    pthread_mutex_destroy(&spool->group_lock);
    free(spool->dir);
    free(spool);
}

void spool_set_sync(struct spool *spool, enum spool_sync sync)
{
    spool->sync = sync;
}

int spool_sync_parse(const char *name, enum spool_sync *sync)
{
    if (strcmp(name, "fsync") == 0)
        *sync = SPOOL_SYNC_FSYNC;
    else if (strcmp(name, "syncfs") == 0)
        *sync = SPOOL_SYNC_SYNCFS;
    else
        return -1;
    return 0;
}

void spool_set_policy(struct spool *spool, const struct spool_policy *policy)
{
    spool->policy = *policy;
    if (spool->policy.minimal_backoff < 0)
        spool->policy.minimal_backoff = 0;
    if (spool->policy.maximal_backoff < spool->policy.minimal_backoff)
        spool->policy.maximal_backoff = spool->policy.minimal_backoff;
    if (spool->policy.maximal_lifetime < 0)
        spool->policy.maximal_lifetime = 0;
}

/* Dedupe markers. */

static void spool_marker_name(const char *kind, const char *key,
                              char name[SPOOL_MARKER_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;
    EVP_MD_CTX *ctx;
    unsigned i;

    if ((ctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(ctx, kind, strlen(kind) + 1) != 1  /* with NUL */
        || EVP_DigestUpdate(ctx, key, strlen(key)) != 1
        || EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32)
        msg_fatal("spool: SHA-256 failed");
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < 32; i++) {
        name[2 * i] = hex[md[i] >> 4];
        name[2 * i + 1] = hex[md[i] & 0xf];
    }
    name[SPOOL_MARKER_LEN] = '\0';
}

static int spool_marker_name_valid(const char *name)
{
    size_t i;

    for (i = 0; i < SPOOL_MARKER_LEN; i++)
        if (!((name[i] >= '0' && name[i] <= '9')
              || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    return name[SPOOL_MARKER_LEN] == '\0';
}

/*
 * Reads the job ID a marker names: 0, SPOOL_NOTFOUND, or -1.  A marker is
 * a symbolic link whose target is the ID (never followed), or, as spools
 * before group commit made them, a file holding the ID and a newline.
 */
static int spool_marker_read(const char *path, char id[SPOOL_ID_LEN + 1],
                             struct buf *why)
{
    char target[SPOOL_ID_LEN + 2];
    char *data;
    size_t len;
    ssize_t n;

    if ((n = readlink(path, target, sizeof(target))) >= 0) {
        target[n == (ssize_t) sizeof(target) ? 0 : n] = '\0';
        if (n != SPOOL_ID_LEN || !spool_id_valid(target)) {
            buf_printf(why, "dedupe marker %s is corrupt", path);
            return -1;
        }
        memcpy(id, target, SPOOL_ID_LEN + 1);
        return 0;
    }
    if (errno == ENOENT)
        return SPOOL_NOTFOUND;
    if (errno != EINVAL) {
        buf_printf(why, "read dedupe marker %s: %s", path, strerror(errno));
        return -1;
    }
    if (read_file(path, SPOOL_ID_LEN + 1, &data, &len) < 0) {
        if (errno == ENOENT)
            return SPOOL_NOTFOUND;
        buf_printf(why, "read dedupe marker %s: %s", path,
                   errno == EFBIG ? "file too large" : strerror(errno));
        return -1;
    }
    if (len != SPOOL_ID_LEN + 1 || data[SPOOL_ID_LEN] != '\n') {
        free(data);
        buf_printf(why, "dedupe marker %s is corrupt", path);
        return -1;
    }
    data[SPOOL_ID_LEN] = '\0';
    if (!spool_id_valid(data)) {
        free(data);
        buf_printf(why, "dedupe marker %s is corrupt", path);
        return -1;
    }
    memcpy(id, data, SPOOL_ID_LEN + 1);
    free(data);
    return 0;
}

/* Loading. */

/*
 * Reads and parses path, a job file that should hold job id: 0,
 * SPOOL_NOTFOUND (no such file), or -1.
 */
static int spool_read_job(const char *path, const char *id, int want_payload,
                          struct spool_job **job_out, struct buf *why)
{
    struct spool_job *job;
    struct buf *err = buf_create(64);
    char *data;
    size_t len;
    size_t size;
    int rc;

    if (want_payload)
        rc = read_file(path, SPOOL_FILE_MAX, &data, &len);
    else
        rc = read_file_head(path, SPOOL_JOB_HEAD_MAX, &data, &len, &size);
    if (rc < 0) {
        buf_free(err);
        if (errno == ENOENT)
            return SPOOL_NOTFOUND;
        buf_printf(why, "read job file %s: %s", path,
                   errno == EFBIG ? "file too large" : strerror(errno));
        return -1;
    }
    if (want_payload)
        rc = spool_job_parse(data, len, 1, &job, err);
    else if (size > SPOOL_FILE_MAX)
        rc = -1, buf_append_str(err, "file too large");
    else
        rc = spool_job_parse_head(data, len, size, &job, err);
    free(data);
    if (rc == 0 && strcmp(job->id, id) != 0) {
        buf_printf(err, "holds job %s", job->id);
        spool_job_free(job);
        rc = -1;
    }
    if (rc < 0) {
        buf_printf(why, "job file %s: %s", path, err->data);
        buf_free(err);
        return -1;
    }
    buf_free(err);
    *job_out = job;
    return 0;
}

/* Finds job id in one of the states of mask: 0, SPOOL_NOTFOUND, or -1. */
static int spool_find(struct spool *sp, const char *id, unsigned mask,
                      int want_payload, struct spool_job **job_out,
                      struct buf *why)
{
    char path[PATH_MAX];
    int pass;
    int s;
    int rc;

    /* A second pass finds a job that moved while the first one looked. */
    for (pass = 0; pass < 2; pass++) {
        for (s = 0; s < SPOOL_NSTATES; s++) {
            if (!(mask & SPOOL_MASK(s)))
                continue;
            rc = spool_read_job(spool_state_path(sp, path, s, id), id,
                                want_payload, job_out, why);
            if (rc == 0)
                (*job_out)->state = (enum spool_state) s;
            if (rc != SPOOL_NOTFOUND)
                return rc;
        }
    }
    return SPOOL_NOTFOUND;
}

int spool_load(struct spool *spool, const char *id, int want_payload,
               struct spool_job **job_out, struct buf *why)
{
    if (spool_check_id(id, why) < 0)
        return -1;
    return spool_find(spool, id, SPOOL_MASK_ALL, want_payload, job_out, why);
}

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
    return spool_fsync_dir(sp, spool_state_names[job->state], why);
}

/*
 * Moves job from job->state to state to (a rename), then, when rewrite is
 * set, writes its new metadata: 0, SPOOL_NOTFOUND, or -1.
 */
static int spool_move(struct spool *sp, struct spool_job *job,
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
        if (spool_fsync_dir(sp, spool_state_names[to], why) < 0
            || spool_fsync_dir(sp, spool_state_names[from], why) < 0)
            return -1;
    }
    return rewrite ? spool_rewrite(sp, job, why) : 0;
}

static void spool_set_error(struct spool_job *job, const char *text)
{
    free(job->last_error);
    job->last_error = text ? xstrndup(text, SPOOL_ERROR_MAX) : NULL;
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

    if (spool_check_id(id, why) < 0)
        return -1;
    if ((rc = spool_find(spool, id, SPOOL_MASK(SPOOL_ACTIVE), 1, &job,
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
        spool_set_error(job, reason->data);
        buf_free(reason);
        job->next_attempt = 0;
        rc = spool_move(spool, job, SPOOL_DEAD, 1, why);
    } else {
        delay = spool_backoff(&spool->policy, job->attempts);
        job->next_attempt = (now > SPOOL_TIME_MAX - delay) ?
            (time_t) SPOOL_TIME_MAX : now + delay;
        if (job->next_attempt < 0)
            job->next_attempt = 0;
        rc = spool_move(spool, job, SPOOL_DEFERRED, 1, why);
    }
    spool_job_free(job);
    return rc;
}

int spool_bury(struct spool *spool, const char *id, const char *reason,
               struct buf *why)
{
    struct spool_job *job;
    int rc;

    if (spool_check_id(id, why) < 0)
        return -1;
    if ((rc = spool_find(spool, id, SPOOL_MASK(SPOOL_ACTIVE), 1, &job,
                         why)) != 0)
        return rc;
    if (reason)
        spool_set_error(job, reason);
    job->next_attempt = 0;
    rc = spool_move(spool, job, SPOOL_DEAD, 1, why);
    spool_job_free(job);
    return rc;
}

int spool_hold(struct spool *spool, const char *id, const char *reason,
               struct buf *why)
{
    struct spool_job *job;
    int rc;

    if (spool_check_id(id, why) < 0)
        return -1;
    if ((rc = spool_find(spool, id, SPOOL_MASK_ALL, reason != NULL, &job,
                         why)) != 0)
        return rc;
    if (reason)
        spool_set_error(job, reason);
    rc = spool_move(spool, job, SPOOL_HOLD, reason != NULL, why);
    spool_job_free(job);
    return rc;
}

/* Back into active/ as a new job (no attempts, lifetime from now). */
static int spool_restart(struct spool *spool, const char *id, int release,
                         struct buf *why)
{
    struct spool_job *job;
    int rc;

    if (spool_check_id(id, why) < 0)
        return -1;
    if ((rc = spool_find(spool, id, SPOOL_MASK_ALL, 1, &job, why)) != 0)
        return rc;
    if (release && job->state != SPOOL_HOLD && job->state != SPOOL_DEAD) {
        buf_printf(why, "job %s is %s, not held or dead", id,
                   spool_state_names[job->state]);
        rc = -1;
    } else if (job->state != SPOOL_ACTIVE) {
        job->created = time(NULL);
        job->attempts = 0;
        job->next_attempt = 0;
        if (release)
            job->released = 1;
        spool_set_error(job, NULL);
        rc = spool_move(spool, job, SPOOL_ACTIVE, 1, why);
    }
    spool_job_free(job);
    return rc;
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
                return spool_fsync_dir(spool, spool_state_names[s], why);
            if (errno != ENOENT) {
                buf_printf(why, "remove %s: %s", path, strerror(errno));
                return -1;
            }
        }
    }
    return SPOOL_NOTFOUND;
}

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
        spool_path(spool, path, spool_state_names[s], NULL, NULL);
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
                       spool_path(spool, path, spool_state_names[s], NULL,
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
