/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_fixture - the fixture of the spool tests; see spool_fixture.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "fsutil.h"
#include "spool_fixture.h"
#include "xalloc.h"
const struct spool_policy test_policy = {
    .minimal_backoff = 60,
    .maximal_backoff = 600,
    .maximal_lifetime = 86400,
};


/* snprintf into a PATH_MAX buffer; a test path never comes near it. */
__attribute__((format(printf, 2, 3)))
char *pathf(char *out, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, PATH_MAX, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= PATH_MAX)
        fail_msg("path too long");
    return out;
}

const char *test_root(void)
{
    const char *root = getenv("POSTMASK_TEST_TMP");

    root = root && *root ? root : "/tmp";
    if (mkdir_p(root, 0755) < 0)
        fail_msg("mkdir %s: %s", root, strerror(errno));
    return root;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove(path);
}

void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));

    pathf(fx->top, "%s/spool.XXXXXX", test_root());
    if (mkdtemp(fx->top) == NULL)
        fail_msg("mkdtemp %s: %s", fx->top, strerror(errno));
    pathf(fx->dir, "%s/spool", fx->top);
    fx->why = buf_create(128);
    fx->sp = spool_open(fx->dir, 1, fx->why);
    if (fx->sp == NULL)
        fail_msg("spool_open: %s", fx->why->data);
    spool_set_policy(fx->sp, &test_policy);
    *state = fx;
    return 0;
}

int teardown(void **state)
{
    struct fixture *fx = *state;

    spool_close(fx->sp);
    buf_free(fx->why);
    rm_tree(fx->top);
    free(fx);
    return 0;
}

char *path_in(const struct fixture *fx, const char *sub,
              const char *name, char *path)
{
    pathf(path, "%s/%s%s%s", fx->dir, sub, name ? "/" : "",
             name ? name : "");
    return path;
}

int exists_in(const struct fixture *fx, const char *sub,
              const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    return lstat(path_in(fx, sub, name, path), &st) == 0;
}

int count_files(const struct fixture *fx, const char *sub)
{
    char path[PATH_MAX];
    struct dirent *dp;
    DIR *dir;
    int n = 0;

    if ((dir = opendir(path_in(fx, sub, NULL, path))) == NULL)
        fail_msg("opendir %s: %s", path, strerror(errno));
    while ((dp = readdir(dir)) != NULL)
        if (strcmp(dp->d_name, ".") != 0 && strcmp(dp->d_name, "..") != 0)
            n++;
    closedir(dir);
    return n;
}

void plant(const struct fixture *fx, const char *sub, const char *name,
           const void *data, size_t len)
{
    char path[PATH_MAX];
    int fd;

    path_in(fx, sub, name, path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write_all(fd, data, len) < 0 || close(fd) < 0)
        fail_msg("write %s: %s", path, strerror(errno));
}

/* Writes a well-formed job file by hand, as a crash or an old run left it. */
void plant_job(const struct fixture *fx, const char *sub,
               const char *id, const char *kind, const char *key,
               time_t created, const char *payload)
{
    struct spool_job job;
    struct buf *image = buf_create(256);

    memset(&job, 0, sizeof(job));
    snprintf(job.id, sizeof(job.id), "%s", id);
    job.kind = (char *) kind;
    job.dedupe_key = (char *) key;
    job.created = created;
    job.payload = (unsigned char *) payload;
    job.payload_len = strlen(payload);
    spool_job_format(&job, image);
    plant(fx, sub, id, image->data, image->len);
    buf_free(image);
}

void backdate(const struct fixture *fx, const char *sub,
              const char *name, time_t seconds)
{
    char path[PATH_MAX];
    struct timespec ts[2];

    ts[0].tv_sec = ts[1].tv_sec = time(NULL) - seconds;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    if (utimensat(AT_FDCWD, path_in(fx, sub, name, path), ts,
                  AT_SYMLINK_NOFOLLOW) < 0)
        fail_msg("utimensat %s: %s", path, strerror(errno));
}

/* The marker name, computed here independently: hex SHA-256(kind NUL key). */
void marker_name(const char *kind, const char *key, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned i;

    assert_non_null(ctx);
    assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, kind, strlen(kind) + 1), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, key, strlen(key)), 1);
    assert_int_equal(EVP_DigestFinal_ex(ctx, md, &md_len), 1);
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < md_len; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

/* why must be head + something + tail. */
void assert_why(const char *why, const char *head, const char *tail)
{
    size_t len = strlen(why);

    if (strncmp(why, head, strlen(head)) != 0 || len < strlen(tail)
        || strcmp(why + len - strlen(tail), tail) != 0)
        fail_msg("why \"%s\" is not \"%s...%s\"", why, head, tail);
}

void enqueue_ok(struct fixture *fx, const char *kind, const char *key,
                const char *payload, char id[SPOOL_ID_LEN + 1])
{
    int rc = spool_enqueue(fx->sp, kind, key, payload, strlen(payload), id,
                           fx->why);

    if (rc != SPOOL_ACCEPTED)
        fail_msg("enqueue: %d %s", rc, fx->why->data);
    assert_true(spool_id_valid(id));
}

struct spool_job *load_ok(struct fixture *fx, const char *id,
                          int want_payload)
{
    struct spool_job *job = NULL;
    int rc = spool_load(fx->sp, id, want_payload, &job, fx->why);

    if (rc != 0)
        fail_msg("load %s: %d %s", id, rc, fx->why->data);
    return job;
}

void assert_state(struct fixture *fx, const char *id,
                  enum spool_state state)
{
    struct spool_job *job = load_ok(fx, id, 0);

    assert_string_equal(spool_state_name(job->state), spool_state_name(state));
    spool_job_free(job);
}

void assert_mode(const char *path, mode_t mode)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    if ((st.st_mode & 07777) != mode)
        fail_msg("%s: mode %04o, want %04o", path,
                 (unsigned) (st.st_mode & 07777), (unsigned) mode);
}
