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
#include "hex.h"
#include "msg.h"
#include "spool.h"
#include "spool_int.h"
#include "spool_job.h"
#include "xalloc.h"

#define SPOOL_DIR_MODE      0700
#define SPOOL_FILE_MODE     0600
#define SPOOL_DIR_MAX       (PATH_MAX - 128)
#define SPOOL_FILE_MAX      (SPOOL_JOB_HEAD_MAX + SPOOL_PAYLOAD_MAX)

/* Postfix's defaults for its own queue. */
#define SPOOL_DEF_MIN_BACKOFF   300
#define SPOOL_DEF_MAX_BACKOFF   4000
#define SPOOL_DEF_LIFETIME      (5 * 86400)

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
char *spool_path(const struct spool *sp, char *path, const char *sub,
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

char *spool_state_path(const struct spool *sp, char *path,
                       enum spool_state state, const char *id)
{
    return spool_path(sp, path, spool_state_names[state], id, NULL);
}

/* Appends s to why, at most 64 bytes, with anything unprintable escaped. */
void spool_quote(struct buf *why, const char *s)
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

int spool_check_id(const char *id, struct buf *why)
{
    if (id != NULL && spool_id_valid(id))
        return 0;
    buf_append_str(why, "invalid job ID ");
    spool_quote(why, id ? id : "(null)");
    return -1;
}

int spool_random(void *out, size_t len, struct buf *why)
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
int spool_rename_noreplace(const char *from, const char *to)
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

int spool_rename_exchange(const char *from, const char *to)
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

int spool_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 || errno != ENOENT;
}

/* Is a job named id in any state directory (checked twice, to see moves)? */
int spool_id_in_states(const struct spool *sp, const char *id)
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
int spool_write_open(const char *path, const struct iovec *iov,
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
int spool_sync_close(int fd, const char *path)
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
int spool_write_new(const char *path, const void *data, size_t len)
{
    struct iovec iov = { (void *) data, len };
    int fd = spool_write_open(path, &iov, 1);

    return fd < 0 ? -1 : spool_sync_close(fd, path);
}

int spool_fsync_dir(const struct spool *sp, const char *sub,
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

void spool_marker_name(const char *kind, const char *key,
                       char name[SPOOL_MARKER_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;
    EVP_MD_CTX *ctx;

    if ((ctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(ctx, kind, strlen(kind) + 1) != 1  /* with NUL */
        || EVP_DigestUpdate(ctx, key, strlen(key)) != 1
        || EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32)
        msg_fatal("spool: SHA-256 failed");
    EVP_MD_CTX_free(ctx);
    hex_encode(name, md, 32);
    name[SPOOL_MARKER_LEN] = '\0';
}

int spool_marker_name_valid(const char *name)
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
int spool_marker_read(const char *path, char id[SPOOL_ID_LEN + 1],
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
int spool_read_job(const char *path, const char *id, int want_payload,
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
int spool_find(struct spool *sp, const char *id, unsigned mask,
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
