/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool - the durable spool: enqueue and load, dedupe, the worker's and
 * the admin's state changes, listing, crash recovery, dedupe expiry, modes,
 * and refusal of anything that is not a job ID.  Each test gets a fresh spool
 * in its own directory under $POSTMASK_TEST_TMP.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "buf.h"
#include "fsutil.h"
#include "spool.h"
#include "spool_job.h"
#include "xalloc.h"

struct fixture {
    char top[PATH_MAX];         /* the test's own directory */
    char dir[PATH_MAX];         /* top/spool */
    struct spool *sp;
    struct buf *why;
};

static const struct spool_policy test_policy = {
    .minimal_backoff = 60,
    .maximal_backoff = 600,
    .maximal_lifetime = 86400,
};

/* Helpers. */

/* snprintf into a PATH_MAX buffer; a test path never comes near it. */
__attribute__((format(printf, 2, 3)))
static char *pathf(char *out, const char *fmt, ...)
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

static const char *test_root(void)
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

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
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

static int teardown(void **state)
{
    struct fixture *fx = *state;

    spool_close(fx->sp);
    buf_free(fx->why);
    rm_tree(fx->top);
    free(fx);
    return 0;
}

static char *path_in(const struct fixture *fx, const char *sub,
                     const char *name, char *path)
{
    pathf(path, "%s/%s%s%s", fx->dir, sub, name ? "/" : "",
             name ? name : "");
    return path;
}

static int exists_in(const struct fixture *fx, const char *sub,
                     const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    return lstat(path_in(fx, sub, name, path), &st) == 0;
}

static int count_files(const struct fixture *fx, const char *sub)
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

static void plant(const struct fixture *fx, const char *sub, const char *name,
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
static void plant_job(const struct fixture *fx, const char *sub,
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

static void backdate(const struct fixture *fx, const char *sub,
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
static void marker_name(const char *kind, const char *key, char out[65])
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
static void assert_why(const char *why, const char *head, const char *tail)
{
    size_t len = strlen(why);

    if (strncmp(why, head, strlen(head)) != 0 || len < strlen(tail)
        || strcmp(why + len - strlen(tail), tail) != 0)
        fail_msg("why \"%s\" is not \"%s...%s\"", why, head, tail);
}

static void enqueue_ok(struct fixture *fx, const char *kind, const char *key,
                       const char *payload, char id[SPOOL_ID_LEN + 1])
{
    int rc = spool_enqueue(fx->sp, kind, key, payload, strlen(payload), id,
                           fx->why);

    if (rc != SPOOL_ACCEPTED)
        fail_msg("enqueue: %d %s", rc, fx->why->data);
    assert_true(spool_id_valid(id));
}

static struct spool_job *load_ok(struct fixture *fx, const char *id,
                                 int want_payload)
{
    struct spool_job *job = NULL;
    int rc = spool_load(fx->sp, id, want_payload, &job, fx->why);

    if (rc != 0)
        fail_msg("load %s: %d %s", id, rc, fx->why->data);
    return job;
}

static void assert_state(struct fixture *fx, const char *id,
                         enum spool_state state)
{
    struct spool_job *job = load_ok(fx, id, 0);

    assert_string_equal(spool_state_name(job->state), spool_state_name(state));
    spool_job_free(job);
}

static void assert_mode(const char *path, mode_t mode)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    if ((st.st_mode & 07777) != mode)
        fail_msg("%s: mode %04o, want %04o", path,
                 (unsigned) (st.st_mode & 07777), (unsigned) mode);
}

/* Opening. */

static const char *const spool_subdirs[] = {
    "incoming", "active", "deferred", "hold", "dead", "dedupe",
};

static void test_open_layout_and_modes(void **state)
{
    struct fixture *fx = *state;
    static const mode_t umasks[] = {0, 022, 077, 0777};
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char id[SPOOL_ID_LEN + 1];
    struct spool *sp;
    mode_t old;
    size_t u;
    size_t i;

    /* Whatever the umask: directories 0700, files 0600. */
    for (u = 0; u < sizeof(umasks) / sizeof(umasks[0]); u++) {
        pathf(dir, "%s/umask%03o/a/b", fx->top,
                 (unsigned) umasks[u]);
        old = umask(umasks[u]);
        sp = spool_open(dir, 1, fx->why);
        if (sp == NULL) {
            umask(old);
            fail_msg("spool_open: %s", fx->why->data);
        }
        assert_int_equal(spool_enqueue(sp, "capture", "k", "x", 1, id,
                                       fx->why), SPOOL_ACCEPTED);
        umask(old);
        assert_mode(dir, 0700);
        for (i = 0; i < sizeof(spool_subdirs) / sizeof(spool_subdirs[0]); i++) {
            pathf(path, "%s/%s", dir, spool_subdirs[i]);
            assert_mode(path, 0700);
        }
        pathf(path, "%s/active/%s", dir, id);
        assert_mode(path, 0600);
        spool_close(sp);
        /* Opening an existing spool does not need create. */
        assert_non_null(sp = spool_open(dir, 0, fx->why));
        spool_close(sp);
    }
    assert_string_equal(fx->why->data, "");
}

struct open_case {
    const char *name;
    const char *sub;            /* under top; NULL: the empty string */
    int create;
    const char *why_head;       /* the message is why_head TOP why_tail, */
    const char *why_tail;       /* or why_head alone when why_tail is NULL */
};

static void test_open_errors(void **state)
{
    struct fixture *fx = *state;
    static const struct open_case cases[] = {
        {"no directory", "missing", 0, "spool directory ",
         "/missing: No such file or directory"},
        {"not a spool", "empty", 0, "spool directory ", "/empty/incoming: "
         "No such file or directory (not a spool, or not created)"},
        {"a file", "file", 0, "spool directory ", "/file: Not a directory"},
        {"a file, create", "file", 1, "create spool directory ",
         "/file: Not a directory"},
        {"under a file", "file/spool", 1, "create spool directory ",
         "/file/spool: Not a directory"},
        {"subdirectory is a file", "badsub", 0, "spool directory ",
         "/badsub/active: Not a directory"},
        {"empty name", NULL, 1, "spool directory is not set", NULL},
    };
    char dir[PATH_MAX];
    char want[PATH_MAX * 2];
    char path[PATH_MAX];
    size_t i;

    pathf(path, "%s/empty", fx->top);
    assert_int_equal(mkdir(path, 0700), 0);
    pathf(path, "%s/file", fx->top);
    assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
    for (i = 0; i < 6; i++) {
        pathf(path, "%s/badsub/%s", fx->top, spool_subdirs[i]);
        assert_int_equal(mkdir_p(path, 0700), 0);
    }
    pathf(path, "%s/badsub/active", fx->top);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        if (cases[i].sub)
            pathf(dir, "%s/%s", fx->top, cases[i].sub);
        else
            dir[0] = '\0';
        buf_reset(fx->why);
        assert_null(spool_open(dir, cases[i].create, fx->why));
        if (cases[i].why_tail)
            pathf(want, "%s%s%s", cases[i].why_head, fx->top,
                  cases[i].why_tail);
        else
            pathf(want, "%s", cases[i].why_head);
        assert_string_equal(fx->why->data, want);
    }
}

/*
 * A spool the caller may not write: as root, a child that became "nobody"
 * tries; otherwise the directories are made read-only.
 */
static void open_unwritable(const char *dir, int create, char *out, size_t len)
{
    struct buf *why = buf_create(128);
    struct spool *sp;
    int fds[2];
    pid_t pid;
    ssize_t n;
    int status;

    if (geteuid() != 0) {
        sp = spool_open(dir, create, why);
        spool_close(sp);
        snprintf(out, len, "%s%s", sp ? "opened " : "", why->data);
        buf_free(why);
        return;
    }
    assert_int_equal(pipe(fds), 0);
    if ((pid = fork()) == 0) {
        close(fds[0]);
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(3);
        sp = spool_open(dir, create, why);
        if (sp)
            buf_append_str(why, "opened ");
        write_all(fds[1], why->data, why->len);
        _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], out, len - 1);
    out[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    buf_free(why);
}

static void test_open_unwritable(void **state)
{
    struct fixture *fx = *state;
    char top[] = "/tmp/pm-spool-test-XXXXXX";
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char got[1024];
    char want[PATH_MAX + 64];
    struct spool *sp;
    size_t i;

    /* Under /tmp, so that "nobody" can reach it. */
    assert_non_null(mkdtemp(top));
    assert_int_equal(chmod(top, 0755), 0);

    /* Create in a directory we may not write. */
    pathf(dir, "%s/ro", top);
    assert_int_equal(mkdir(dir, 0555), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    open_unwritable(dir, 1, got, sizeof(got));
    pathf(want, "create spool directory %s/incoming: Permission denied", dir);
    assert_string_equal(got, want);

    /* Open an existing spool we may not write. */
    pathf(dir, "%s/spool", top);
    assert_non_null(sp = spool_open(dir, 1, fx->why));
    spool_close(sp);
    assert_int_equal(chmod(dir, 0755), 0);
    if (geteuid() != 0) {
        for (i = 0; i < 6; i++) {
            pathf(path, "%s/%s", dir, spool_subdirs[i]);
            assert_int_equal(chmod(path, 0500), 0);
        }
    }
    open_unwritable(dir, 0, got, sizeof(got));
    pathf(want, "spool directory %s/incoming: "
             "Permission denied", dir);
    assert_string_equal(got, want);
    for (i = 0; i < 6; i++) {
        pathf(path, "%s/%s", dir, spool_subdirs[i]);
        chmod(path, 0700);
    }
    pathf(dir, "%s/ro", top);
    chmod(dir, 0755);
    rm_tree(top);
}

/* Enqueue and load. */

static void test_enqueue_load_roundtrip(void **state)
{
    struct fixture *fx = *state;
    static const unsigned char binary[] = {
        0, 'a', 0xff, 0x80, '\n', 0, '\r', 0xc3, 0xa9, 0, 0x7f, 0,
    };
    struct {
        const char *name;
        const void *data;
        size_t len;
        const char *key;
    } cases[] = {
        {"binary with NUL and 8-bit", binary, sizeof(binary), NULL},
        {"empty", "", 0, "empty-payload"},
        {"key with odd bytes", "text", 4, "IM00 %\xc3\xa9\t\x7f"},
        {"large", NULL, 3 * 1024 * 1024 + 17, "large"},
    };
    unsigned char *large;
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t before = time(NULL);
    size_t i;
    size_t j;

    large = xmalloc(cases[3].len);
    for (j = 0; j < cases[3].len; j++)
        large[j] = (unsigned char) (j * 7 + j / 251);
    cases[3].data = large;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        assert_int_equal(spool_enqueue(fx->sp, "capture", cases[i].key,
                                       cases[i].data, cases[i].len, id,
                                       fx->why), SPOOL_ACCEPTED);
        assert_true(exists_in(fx, "active", id));
        job = load_ok(fx, id, 1);
        assert_string_equal(job->id, id);
        assert_string_equal(job->kind, "capture");
        if (cases[i].key)
            assert_string_equal(job->dedupe_key, cases[i].key);
        else
            assert_null(job->dedupe_key);
        assert_int_equal(job->state, SPOOL_ACTIVE);
        assert_true(job->created >= before && job->created <= time(NULL));
        assert_int_equal(job->attempts, 0);
        assert_int_equal(job->next_attempt, 0);
        assert_null(job->last_error);
        assert_int_equal(job->payload_len, cases[i].len);
        assert_non_null(job->payload);
        if (cases[i].len)
            assert_memory_equal(job->payload, cases[i].data, cases[i].len);
        spool_job_free(job);

        /* Without the payload: its size, no bytes. */
        job = load_ok(fx, id, 0);
        assert_null(job->payload);
        assert_int_equal(job->payload_len, cases[i].len);
        spool_job_free(job);
    }
    free(large);
    /* Nothing is left behind in incoming/. */
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 4);
    assert_int_equal(count_files(fx, "dedupe"), 3);
}

static void test_enqueue_refused(void **state)
{
    struct fixture *fx = *state;
    char long_key[SPOOL_KEY_MAX + 2];
    static const char one = 'x';
    struct {
        const char *name;
        const char *kind;
        const char *key;
        size_t len;
        const char *why;
    } cases[] = {
        {"uppercase kind", "Capture", NULL, 1,
         "invalid job kind \"Capture\""},
        {"empty kind", "", NULL, 1, "invalid job kind \"\""},
        {"NULL kind", NULL, NULL, 1, "invalid job kind \"(null)\""},
        {"kind with a path", "../x", NULL, 1, "invalid job kind \"../x\""},
        {"kind with a newline", "a\nb", NULL, 1,
         "invalid job kind \"a\\x0ab\""},
        {"empty key", "capture", "", 1, "dedupe key is empty"},
        {"key too long", "capture", long_key, 1, "dedupe key is too long"},
        {"payload too large", "capture", NULL, SPOOL_PAYLOAD_MAX + 1,
         "payload of 67108865 bytes exceeds the limit of 67108864 bytes"},
    };
    char id[SPOOL_ID_LEN + 1];
    size_t i;

    memset(long_key, 'k', SPOOL_KEY_MAX + 1);
    long_key[SPOOL_KEY_MAX + 1] = '\0';
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        buf_reset(fx->why);
        /* The length is checked before the payload is touched. */
        assert_int_equal(spool_enqueue(fx->sp, cases[i].kind, cases[i].key,
                                       &one, cases[i].len, id, fx->why), -1);
        assert_string_equal(fx->why->data, cases[i].why);
    }
    /* The limit holds for a payload in two pieces, together. */
    buf_reset(fx->why);
    assert_int_equal(spool_enqueue_tail(fx->sp, "capture", NULL, &one,
                                        SPOOL_PAYLOAD_MAX / 2 + 1, &one,
                                        SPOOL_PAYLOAD_MAX / 2, id, fx->why),
                     -1);
    assert_string_equal(fx->why->data, "payload of 67108865 bytes exceeds "
                        "the limit of 67108864 bytes");
    /* A key of exactly SPOOL_KEY_MAX bytes is fine. */
    long_key[SPOOL_KEY_MAX] = '\0';
    assert_int_equal(spool_enqueue(fx->sp, "capture", long_key, &one, 1, id,
                                   fx->why), SPOOL_ACCEPTED);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 1);
}

/* A payload in two pieces is stored as one: the head, then the tail. */
static void test_enqueue_tail(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1], again[SPOOL_ID_LEN + 1];
    struct spool_job *job;

    assert_int_equal(spool_enqueue_tail(fx->sp, "capture", "k-tail",
                                        "{\"json\":1}\n", 11, "raw message",
                                        11, id, fx->why), SPOOL_ACCEPTED);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->payload_len, 22);
    assert_memory_equal(job->payload, "{\"json\":1}\nraw message", 22);
    spool_job_free(job);
    /* Either piece may be empty. */
    assert_int_equal(spool_enqueue_tail(fx->sp, "capture", NULL, "", 0,
                                        "only the tail", 13, again, fx->why),
                     SPOOL_ACCEPTED);
    job = load_ok(fx, again, 1);
    assert_int_equal(job->payload_len, 13);
    assert_memory_equal(job->payload, "only the tail", 13);
    spool_job_free(job);
    /* The key is the key, however the payload came. */
    assert_int_equal(spool_enqueue(fx->sp, "capture", "k-tail", "x", 1, again,
                                   fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, id);
}

static void test_duplicates(void **state)
{
    struct fixture *fx = *state;
    char first[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char other[SPOOL_ID_LEN + 1];
    char marker[65];

    enqueue_ok(fx, "twilio_message", "IM0001", "hello", first);
    marker_name("twilio_message", "IM0001", marker);
    assert_true(exists_in(fx, "dedupe", marker));

    /* The same key again: refused, and the holder's ID comes back. */
    memset(again, 0, sizeof(again));
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM0001",
                                   "hello again", 11, again, fx->why),
                     SPOOL_DUPLICATE);
    assert_string_equal(again, first);
    assert_int_equal(count_files(fx, "active"), 1);
    assert_int_equal(count_files(fx, "incoming"), 0);

    /* The same key for another kind is another job. */
    enqueue_ok(fx, "capture", "IM0001", "hello", other);
    assert_string_not_equal(other, first);

    /* A job without a key is never a duplicate. */
    enqueue_ok(fx, "capture", NULL, "hello", other);
    enqueue_ok(fx, "capture", NULL, "hello", again);
    assert_string_not_equal(other, again);

    /* After the job finished, its key is still known. */
    assert_int_equal(spool_finish(fx->sp, first, fx->why), 0);
    assert_int_equal(spool_load(fx->sp, first, 0, &(struct spool_job *) {0},
                                fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM0001", "x", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, first);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

/* The marker is a symbolic link naming the job, and is never followed. */
static void test_marker_is_symlink(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char marker[65];
    char path[PATH_MAX];
    char target[64];
    ssize_t n;

    enqueue_ok(fx, "twilio_message", "IM0002", "hello", id);
    marker_name("twilio_message", "IM0002", marker);
    n = readlink(path_in(fx, "dedupe", marker, path), target,
                 sizeof(target) - 1);
    assert_int_equal(n, SPOOL_ID_LEN);
    target[n] = '\0';
    assert_string_equal(target, id);

    /* A marker of an older spool (a file holding the ID) still answers. */
    marker_name("twilio_message", "IM-old", marker);
    plant(fx, "dedupe", marker, "0123456789ABCDEF\n", 17);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM-old", "x", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, "0123456789ABCDEF");

    /* A link whose target is no ID is corrupt: refused, named, kept. */
    marker_name("twilio_message", "IM-bad", marker);
    assert_int_equal(symlink("../active/0123456789ABCDEF",
                             path_in(fx, "dedupe", marker, path)), 0);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM-bad", "x", 1,
                                   again, fx->why), -1);
    assert_why(fx->why->data, "dedupe marker ", " is corrupt");
    assert_int_equal(count_files(fx, "incoming"), 0);
    buf_reset(fx->why);
    /* ... and expiry takes it away, as it does a corrupt file. */
    assert_int_equal(spool_expire_dedupe(fx->sp, time(NULL) + 7200, 3600, 0,
                                         fx->why), 2);
    assert_false(exists_in(fx, "dedupe", marker));
    marker_name("twilio_message", "IM0002", marker);
    assert_true(exists_in(fx, "dedupe", marker));   /* its job is live */
}

/*
 * Group commit: one call, many jobs, each with its own answer, as if each
 * had been enqueued alone.
 */
static void check_enqueue_batch(struct fixture *fx)
{
    char held[SPOOL_ID_LEN + 1];
    char marker[65];
    struct spool_entry e[7];
    struct spool_job *job;
    static const char *const payloads[7] = {
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
    };
    size_t i;

    enqueue_ok(fx, "twilio_message", "IM-known", "earlier", held);
    memset(e, 0, sizeof(e));
    for (i = 0; i < 7; i++) {
        e[i].kind = "twilio_message";
        e[i].payload = payloads[i];
        e[i].payload_len = strlen(payloads[i]);
        e[i].why = buf_create(64);
    }
    e[0].dedupe_key = "IM-a";
    e[1].dedupe_key = "IM-known";       /* held by an earlier job */
    e[2].dedupe_key = "IM-a";           /* the same key as entry 0 */
    e[3].dedupe_key = NULL;             /* no key */
    e[4].kind = "Not A Kind";           /* refused alone */
    e[5].dedupe_key = "IM-b";
    e[6].payload_len = (size_t) SPOOL_PAYLOAD_MAX + 1;  /* refused alone */
    e[6].payload = "x";
    spool_enqueue_batch(fx->sp, e, 7);

    assert_int_equal(e[0].rc, SPOOL_ACCEPTED);
    assert_int_equal(e[1].rc, SPOOL_DUPLICATE);
    assert_string_equal(e[1].id, held);
    assert_int_equal(e[2].rc, SPOOL_DUPLICATE);
    assert_string_equal(e[2].id, e[0].id);
    assert_int_equal(e[3].rc, SPOOL_ACCEPTED);
    assert_int_equal(e[4].rc, -1);
    assert_why(e[4].why->data, "invalid job kind ", "\"Not A Kind\"");
    assert_int_equal(e[5].rc, SPOOL_ACCEPTED);
    assert_int_equal(e[6].rc, -1);
    assert_why(e[6].why->data, "payload of ", "bytes");

    /* Exactly the accepted ones are jobs, whole, with their keys. */
    assert_int_equal(count_files(fx, "active"), 4);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "dedupe"), 3);
    for (i = 0; i < 7; i++) {
        if (e[i].rc != SPOOL_ACCEPTED)
            continue;
        job = load_ok(fx, e[i].id, 1);
        assert_int_equal(job->payload_len, strlen(payloads[i]));
        assert_memory_equal(job->payload, payloads[i], job->payload_len);
        if (e[i].dedupe_key)
            assert_string_equal(job->dedupe_key, e[i].dedupe_key);
        else
            assert_null(job->dedupe_key);
        spool_job_free(job);
        assert_string_equal(e[i].why->data, "");
    }
    marker_name("twilio_message", "IM-b", marker);
    assert_true(exists_in(fx, "dedupe", marker));
    for (i = 0; i < 7; i++)
        buf_free(e[i].why);
}

static void test_enqueue_batch(void **state)
{
    check_enqueue_batch(*state);
}

/* The same with one syncfs(2) per batch (spool_sync_method = syncfs). */
static void test_enqueue_batch_syncfs(void **state)
{
    struct fixture *fx = *state;
    enum spool_sync sync;

    assert_int_equal(spool_sync_parse("syncfs", &sync), 0);
    assert_int_equal(sync, SPOOL_SYNC_SYNCFS);
    assert_int_equal(spool_sync_parse("fsync", &sync), 0);
    assert_int_equal(sync, SPOOL_SYNC_FSYNC);
    assert_int_equal(spool_sync_parse("sync", &sync), -1);
    spool_set_sync(fx->sp, SPOOL_SYNC_SYNCFS);
    check_enqueue_batch(fx);
}

/* One thread of test_group_commit: its spool_enqueue() calls. */
struct group_thread {
    struct fixture *fx;
    int t;
    int rc[16];
    char id[16][SPOOL_ID_LEN + 1];
    char key[16][32];
    char payload[16][32];
};

static void *group_thread_main(void *arg)
{
    struct group_thread *gt = arg;
    struct buf *why = buf_create(64);
    int i;

    for (i = 0; i < 16; i++) {
        /* Every third call shares a key with the other threads. */
        snprintf(gt->key[i], sizeof(gt->key[i]), i % 3 == 0 ? "shared-%d"
                 : "t%d-%d", i % 3 == 0 ? i : gt->t, i);
        snprintf(gt->payload[i], sizeof(gt->payload[i]), "thread %d call %d",
                 gt->t, i);
        gt->rc[i] = spool_enqueue(gt->fx->sp, "capture", gt->key[i],
                                  gt->payload[i], strlen(gt->payload[i]),
                                  gt->id[i], why);
        if (gt->rc[i] < 0)
            fprintf(stderr, "thread %d call %d: %s\n", gt->t, i, why->data);
    }
    buf_free(why);
    return NULL;
}

/*
 * Threads that enqueue at once share batches (group commit), and each gets
 * the answer it would have got alone: one job per key, whole, and every
 * duplicate names it.
 */
static void test_group_commit(void **state)
{
    struct fixture *fx = *state;
    enum { NTHREAD = 8 };
    struct group_thread gt[NTHREAD];
    pthread_t th[NTHREAD];
    struct spool_job *job;
    const char *holder[16];
    int accepted = 0;
    int t, i;

    memset(gt, 0, sizeof(gt));
    memset(holder, 0, sizeof(holder));
    for (t = 0; t < NTHREAD; t++) {
        gt[t].fx = fx;
        gt[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, group_thread_main,
                                        &gt[t]), 0);
    }
    for (t = 0; t < NTHREAD; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (t = 0; t < NTHREAD; t++)
        for (i = 0; i < 16; i++) {
            assert_true(gt[t].rc[i] == SPOOL_ACCEPTED
                        || gt[t].rc[i] == SPOOL_DUPLICATE);
            if (gt[t].rc[i] == SPOOL_ACCEPTED) {
                accepted++;
                job = load_ok(fx, gt[t].id[i], 1);
                assert_string_equal(job->dedupe_key, gt[t].key[i]);
                assert_int_equal(job->payload_len, strlen(gt[t].payload[i]));
                assert_memory_equal(job->payload, gt[t].payload[i],
                                    job->payload_len);
                spool_job_free(job);
            }
            if (i % 3 != 0) {
                assert_int_equal(gt[t].rc[i], SPOOL_ACCEPTED);
                continue;
            }
            /* A shared key: the same holder for every thread. */
            if (holder[i] == NULL)
                holder[i] = gt[t].id[i];
            assert_string_equal(gt[t].id[i], holder[i]);
        }
    /* 6 shared keys, once each; 10 own keys per thread. */
    assert_int_equal(accepted, 6 + NTHREAD * 10);
    assert_int_equal(count_files(fx, "active"), accepted);
    assert_int_equal(count_files(fx, "dedupe"), accepted);
    assert_int_equal(count_files(fx, "incoming"), 0);
}

/* Many processes race to enqueue one key: exactly one wins. */
static void test_duplicates_across_processes(void **state)
{
    struct fixture *fx = *state;
    enum { NPROC = 8 };
    char id[SPOOL_ID_LEN + 1];
    char line[64];
    char winner[SPOOL_ID_LEN + 1] = "";
    int fds[2];
    int accepted = 0;
    int duplicates = 0;
    pid_t pids[NPROC];
    FILE *fp;
    int status;
    int i;
    int rc;

    assert_int_equal(pipe(fds), 0);
    for (i = 0; i < NPROC; i++) {
        if ((pids[i] = fork()) == 0) {
            close(fds[0]);
            rc = spool_enqueue(fx->sp, "capture", "race", "payload", 7, id,
                               fx->why);
            snprintf(line, sizeof(line), "%d %s\n", rc, rc >= 0 ? id : "-");
            write_all(fds[1], line, strlen(line));
            _exit(0);
        }
    }
    close(fds[1]);
    assert_non_null(fp = fdopen(fds[0], "r"));
    while (fgets(line, sizeof(line), fp)) {
        rc = atoi(line);
        assert_int_equal(strlen(line), 2 + SPOOL_ID_LEN + 1);
        line[2 + SPOOL_ID_LEN] = '\0';
        if (rc == SPOOL_ACCEPTED) {
            accepted++;
            memcpy(winner, line + 2, SPOOL_ID_LEN + 1);
        } else {
            assert_int_equal(rc, SPOOL_DUPLICATE);
            duplicates++;
        }
    }
    fclose(fp);
    for (i = 0; i < NPROC; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
    }
    assert_int_equal(accepted, 1);
    assert_int_equal(duplicates, NPROC - 1);
    assert_int_equal(count_files(fx, "active"), 1);
    assert_true(exists_in(fx, "active", winner));
    assert_int_equal(count_files(fx, "incoming"), 0);
}

/* Worker results. */

static void test_defer_backoff(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        struct spool_policy policy;
        long delays[8];         /* after attempt 1, 2, ... */
    } cases[] = {
        {{60, 600, 1000000}, {60, 120, 240, 480, 600, 600, 600, 600}},
        {{300, 4000, 1000000}, {300, 600, 1200, 2400, 4000, 4000, 4000, 4000}},
        {{100, 100, 1000000}, {100, 100, 100, 100, 100, 100, 100, 100}},
        {{0, 50, 1000000}, {0, 0, 0, 0, 0, 0, 0, 0}},
        {{1, 1L << 40, 1000000}, {1, 2, 4, 8, 16, 32, 64, 128}},
    };
    char id[SPOOL_ID_LEN + 1];
    char error[64];
    struct spool_job *job;
    time_t now;
    size_t c;
    unsigned n;

    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        spool_set_policy(fx->sp, &cases[c].policy);
        enqueue_ok(fx, "capture", NULL, "payload", id);
        now = time(NULL);
        for (n = 1; n <= 8; n++) {
            snprintf(error, sizeof(error), "451 try %u", n);
            assert_int_equal(spool_defer(fx->sp, id, error, now, fx->why), 0);
            job = load_ok(fx, id, 1);
            assert_int_equal(job->state, SPOOL_DEFERRED);
            assert_int_equal(job->attempts, n);
            assert_int_equal(job->next_attempt - now, cases[c].delays[n - 1]);
            assert_string_equal(job->last_error, error);
            assert_memory_equal(job->payload, "payload", 7);
            spool_job_free(job);
            /* Not due a second early; due on time. */
            if (cases[c].delays[n - 1] > 0)
                assert_int_equal(spool_release_due(fx->sp, now
                                                   + cases[c].delays[n - 1] - 1,
                                                   NULL, fx->why), 0);
            assert_int_equal(spool_release_due(fx->sp, now
                                               + cases[c].delays[n - 1],
                                               NULL, fx->why), 1);
            assert_state(fx, id, SPOOL_ACTIVE);
        }
        assert_int_equal(spool_finish(fx->sp, id, fx->why), 0);
    }
    /* No rewrite left a temporary file behind. */
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 0);
}

static void test_defer_dead_after_lifetime(void **state)
{
    struct fixture *fx = *state;
    static const struct spool_policy policy = {60, 600, 3600};
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t created;

    spool_set_policy(fx->sp, &policy);
    enqueue_ok(fx, "capture", "k", "payload", id);
    job = load_ok(fx, id, 0);
    created = job->created;
    spool_job_free(job);

    /* At exactly the lifetime it is still deferred. */
    assert_int_equal(spool_defer(fx->sp, id, "451 first", created + 3600,
                                 fx->why), 0);
    assert_state(fx, id, SPOOL_DEFERRED);
    assert_int_equal(spool_release_due(fx->sp, created + 7200, NULL, fx->why), 1);

    /* Beyond it, the next failure buries it with the reason. */
    assert_int_equal(spool_defer(fx->sp, id, "451 mailbox busy\nretry",
                                 created + 3601, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_DEAD);
    assert_int_equal(job->attempts, 2);
    assert_string_equal(job->last_error, "job_maximal_lifetime of 3600s "
                        "exceeded after 2 attempts; last error: 451 mailbox "
                        "busy retry");
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    assert_false(exists_in(fx, "active", id));
    assert_false(exists_in(fx, "deferred", id));
    /* A dead job is no worker's job. */
    assert_int_equal(spool_defer(fx->sp, id, "x", created + 9999, fx->why),
                     SPOOL_NOTFOUND);
    assert_int_equal(spool_release_due(fx->sp, created + 99999, NULL, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

static void test_bury_and_finish(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    char id2[SPOOL_ID_LEN + 1];
    struct spool_job *job;

    enqueue_ok(fx, "capture", NULL, "payload", id);
    assert_int_equal(spool_bury(fx->sp, id, "550 no such conversation",
                                fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_DEAD);
    assert_string_equal(job->last_error, "550 no such conversation");
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    assert_int_equal(spool_bury(fx->sp, id, "again", fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_finish(fx->sp, id, fx->why), SPOOL_NOTFOUND);

    enqueue_ok(fx, "capture", NULL, "payload", id2);
    assert_int_equal(spool_finish(fx->sp, id2, fx->why), 0);
    assert_int_equal(spool_finish(fx->sp, id2, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(count_files(fx, "active"), 0);
    assert_int_equal(count_files(fx, "dead"), 1);
    assert_string_equal(fx->why->data, "");
}

/* Admin actions. */

static void test_hold_requeue_delete(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t now = time(NULL);

    enqueue_ok(fx, "capture", "k", "payload", id);
    assert_int_equal(spool_defer(fx->sp, id, "451 busy", now, fx->why), 0);

    /* Hold with a reason; hold again without one keeps it. */
    assert_int_equal(spool_hold(fx->sp, id, "held by postmaskctl", fx->why), 0);
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_string_equal(job->last_error, "held by postmaskctl");
    assert_int_equal(job->attempts, 1);
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "deferred"), 0);

    /* A held job is not due and is no worker's job any more. */
    assert_int_equal(spool_release_due(fx->sp, now + 99999, NULL, fx->why), 0);
    assert_int_equal(spool_finish(fx->sp, id, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_defer(fx->sp, id, "x", now, fx->why),
                     SPOOL_NOTFOUND);
    assert_int_equal(spool_bury(fx->sp, id, "x", fx->why), SPOOL_NOTFOUND);

    /* Requeue: active again, as new. */
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->attempts, 0);
    assert_int_equal(job->next_attempt, 0);
    assert_null(job->last_error);
    assert_true(job->created >= now);
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    /* Requeueing an active job changes nothing. */
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    assert_state(fx, id, SPOOL_ACTIVE);

    /* A dead letter comes back with a fresh lifetime. */
    assert_int_equal(spool_bury(fx->sp, id, "gave up", fx->why), 0);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    assert_state(fx, id, SPOOL_ACTIVE);
    /* Hold without a reason from active: the file just moves. */
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), 0);
    assert_state(fx, id, SPOOL_HOLD);

    /* Delete, from any state. */
    assert_int_equal(spool_delete(fx->sp, id, fx->why), 0);
    assert_int_equal(spool_load(fx->sp, id, 0, &job, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_delete(fx->sp, id, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

enum op { OP_LOAD, OP_FINISH, OP_DEFER, OP_BURY, OP_HOLD, OP_REQUEUE,
    OP_RELEASE, OP_DELETE, OP_COUNT };

static int run_op(struct fixture *fx, enum op op, const char *id)
{
    struct spool_job *job = NULL;
    int rc = -99;

    switch (op) {
    case OP_LOAD:
        rc = spool_load(fx->sp, id, 1, &job, fx->why);
        spool_job_free(job);
        break;
    case OP_FINISH:
        rc = spool_finish(fx->sp, id, fx->why);
        break;
    case OP_DEFER:
        rc = spool_defer(fx->sp, id, "x", time(NULL), fx->why);
        break;
    case OP_BURY:
        rc = spool_bury(fx->sp, id, "x", fx->why);
        break;
    case OP_HOLD:
        rc = spool_hold(fx->sp, id, "x", fx->why);
        break;
    case OP_REQUEUE:
        rc = spool_requeue(fx->sp, id, fx->why);
        break;
    case OP_RELEASE:
        rc = spool_release(fx->sp, id, fx->why);
        break;
    case OP_DELETE:
        rc = spool_delete(fx->sp, id, fx->why);
        break;
    default:
        fail();
    }
    return rc;
}

/* Release: held or dead jobs only, and the mark stays with the job. */
static void test_release(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t now = time(NULL);

    char want[128];
    struct spool_job **jobs;
    size_t count;
    static const char old_image[] =
        "postmask-job 1\n"
        "id: 00000001AAAAAAAA\n"
        "kind: capture\n"
        "created: 1700000000\n"
        "attempts: 3\n"
        "next-attempt: 0\n"
        "last-error: reply not posted: the sender is not authenticated\n"
        "payload-size: 2\n"
        "\n"
        "{}";

    enqueue_ok(fx, "capture", "rel", "payload", id);
    /* Active, then deferred: refused, and nothing changes. */
    assert_int_equal(spool_release(fx->sp, id, fx->why), -1);
    snprintf(want, sizeof(want), "job %s is active, not held or dead", id);
    assert_string_equal(fx->why->data, want);
    buf_reset(fx->why);
    assert_int_equal(spool_defer(fx->sp, id, "451 busy", now, fx->why), 0);
    assert_int_equal(spool_release(fx->sp, id, fx->why), -1);
    snprintf(want, sizeof(want), "job %s is deferred, not held or dead", id);
    assert_string_equal(fx->why->data, want);
    buf_reset(fx->why);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_DEFERRED);
    assert_int_equal(job->released, 0);
    spool_job_free(job);

    /* Held by policy: released into active/, as new, marked. */
    assert_int_equal(spool_hold(fx->sp, id, "not authenticated", fx->why), 0);
    assert_int_equal(spool_release(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    assert_int_equal(job->attempts, 0);
    assert_null(job->last_error);
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);

    /*
     * The mark survives a failed attempt (the bridge retries a released
     * reply that Twilio refused for now), a reopened spool, the listing
     * (which reads headers only), a hold and a requeue.
     */
    assert_int_equal(spool_defer(fx->sp, id, "twilio 503", now, fx->why), 0);
    spool_close(fx->sp);
    fx->sp = spool_open(fx->dir, 0, fx->why);
    assert_non_null(fx->sp);
    spool_set_policy(fx->sp, &test_policy);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_DEFERRED);
    assert_int_equal(job->attempts, 1);
    assert_string_equal(job->last_error, "twilio 503");
    assert_int_equal(job->released, 1);
    spool_job_free(job);
    assert_int_equal(spool_list(fx->sp, SPOOL_MASK(SPOOL_DEFERRED), &jobs,
                                &count, fx->why), 0);
    assert_int_equal(count, 1);
    assert_int_equal(jobs[0]->released, 1);
    spool_job_list_free(jobs, count);
    assert_int_equal(spool_release_due(fx->sp, now + 99999, NULL, fx->why), 1);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    spool_job_free(job);
    assert_int_equal(spool_hold(fx->sp, id, "again", fx->why), 0);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->released, 1);
    spool_job_free(job);

    /* A dead letter may be released too; a requeue alone marks nothing. */
    enqueue_ok(fx, "capture", "rel2", "p2", id);
    assert_int_equal(spool_bury(fx->sp, id, "rejected", fx->why), 0);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(spool_bury(fx->sp, id, "rejected", fx->why), 0);
    assert_int_equal(spool_release(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    spool_job_free(job);

    /* A job file written before the field existed: held, not released. */
    plant(fx, "hold", "00000001AAAAAAAA", old_image, sizeof(old_image) - 1);
    job = load_ok(fx, "00000001AAAAAAAA", 1);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(spool_release(fx->sp, "00000001AAAAAAAA", fx->why), 0);
    job = load_ok(fx, "00000001AAAAAAAA", 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    assert_int_equal(job->attempts, 0);
    assert_null(job->last_error);
    assert_memory_equal(job->payload, "{}", 2);
    spool_job_free(job);

    assert_int_equal(spool_release(fx->sp, "0123456789ABCDEF", fx->why),
                     SPOOL_NOTFOUND);
    assert_string_equal(fx->why->data, "");
    assert_int_equal(spool_release(fx->sp, "../x", fx->why), -1);
}

/* Unknown IDs are "not found"; malformed ones never reach a path. */
static void test_unknown_and_invalid_ids(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *id;
        const char *why;
    } invalid[] = {
        {"../x", "invalid job ID \"../x\""},
        {"../../victim", "invalid job ID \"../../victim\""},
        {"../active/6745A", "invalid job ID \"../active/6745A\""},
        {"6745a1b2c3d4e5f6", "invalid job ID \"6745a1b2c3d4e5f6\""},
        {"6745A1B2C3D4E5F", "invalid job ID \"6745A1B2C3D4E5F\""},
        {"6745A1B2C3D4E5F67", "invalid job ID \"6745A1B2C3D4E5F67\""},
        {"", "invalid job ID \"\""},
        {"6745A1B2C3D4\nE5F", "invalid job ID \"6745A1B2C3D4\\x0aE5F\""},
        {NULL, "invalid job ID \"(null)\""},
    };
    char victim[PATH_MAX];
    char id[SPOOL_ID_LEN + 1];
    struct stat st;
    size_t i;
    int op;

    /* A file outside the spool that "../../victim" would name. */
    pathf(victim, "%s/victim", fx->top);
    assert_int_equal(close(open(victim, O_CREAT | O_WRONLY, 0600)), 0);
    enqueue_ok(fx, "capture", NULL, "keep me", id);

    for (op = 0; op < OP_COUNT; op++) {
        buf_reset(fx->why);
        print_message("op %d, unknown ID\n", op);
        assert_int_equal(run_op(fx, op, "0123456789ABCDEF"), SPOOL_NOTFOUND);
        assert_string_equal(fx->why->data, "");
        for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
            buf_reset(fx->why);
            print_message("op %d, ID %s\n", op, invalid[i].why);
            assert_int_equal(run_op(fx, op, invalid[i].id), -1);
            assert_string_equal(fx->why->data, invalid[i].why);
        }
    }
    assert_int_equal(stat(victim, &st), 0);
    assert_state(fx, id, SPOOL_ACTIVE);
}

static void test_release_due(void **state)
{
    struct fixture *fx = *state;
    static const struct spool_policy policy = {100, 100, 1000000};
    char ids[3][SPOOL_ID_LEN + 1];
    time_t now = time(NULL);
    time_t next;
    int i;

    spool_set_policy(fx->sp, &policy);
    for (i = 0; i < 3; i++) {
        enqueue_ok(fx, "capture", NULL, "p", ids[i]);
        /* Due at now + 100, + 110, + 120. */
        assert_int_equal(spool_defer(fx->sp, ids[i], "451", now + 10 * i,
                                     fx->why), 0);
    }
    assert_int_equal(spool_release_due(fx->sp, now + 99, &next, fx->why), 0);
    assert_int_equal(next, now + 100);          /* the earliest left */
    assert_int_equal(spool_release_due(fx->sp, now + 110, &next, fx->why), 2);
    assert_int_equal(next, now + 120);
    assert_state(fx, ids[0], SPOOL_ACTIVE);
    assert_state(fx, ids[1], SPOOL_ACTIVE);
    assert_state(fx, ids[2], SPOOL_DEFERRED);
    assert_int_equal(spool_release_due(fx->sp, now + 110, NULL, fx->why), 0);
    assert_int_equal(spool_release_due(fx->sp, now + 1000, &next, fx->why), 1);
    assert_int_equal(next, 0);                  /* none left */
    assert_int_equal(count_files(fx, "deferred"), 0);
    /* A released job keeps its count and last error. */
    {
        struct spool_job *job = load_ok(fx, ids[2], 0);

        assert_int_equal(job->attempts, 1);
        assert_string_equal(job->last_error, "451");
        spool_job_free(job);
    }
}

static void test_list_order_and_masks(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *state;
        const char *id;
        time_t created;
    } jobs[] = {
        {"active", "00000003AAAAAAAA", 3000},
        {"deferred", "00000001BBBBBBBB", 1000},
        {"hold", "00000005CCCCCCCC", 5000},
        {"dead", "00000002DDDDDDDD", 2000},
        {"active", "00000004EEEEEEEE", 4000},
        {"active", "00000004AAAAAAAA", 4000},   /* same second: by ID */
    };
    static const struct {
        unsigned mask;
        const char *order;
    } cases[] = {
        {SPOOL_MASK_ALL, "00000001BBBBBBBB 00000002DDDDDDDD 00000003AAAAAAAA "
         "00000004AAAAAAAA 00000004EEEEEEEE 00000005CCCCCCCC "},
        {SPOOL_MASK(SPOOL_ACTIVE), "00000003AAAAAAAA 00000004AAAAAAAA "
         "00000004EEEEEEEE "},
        {SPOOL_MASK(SPOOL_HOLD) | SPOOL_MASK(SPOOL_DEAD),
         "00000002DDDDDDDD 00000005CCCCCCCC "},
        {SPOOL_MASK(SPOOL_DEFERRED), "00000001BBBBBBBB "},
        {0, ""},
    };
    struct spool_job **list;
    struct buf *order = buf_create(256);
    size_t count;
    size_t i;
    size_t j;

    for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
        plant_job(fx, jobs[i].state, jobs[i].id, "capture", NULL,
                  jobs[i].created, "payload");
    /* Not jobs: ignored, or skipped with a warning. */
    plant(fx, "active", "README", "hi", 2);
    plant(fx, "active", "00000009AAAAAAAA.upd", "x", 1);
    plant(fx, "active", "00000009BBBBBBBB", "postmask-job 1\n", 15);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(spool_list(fx->sp, cases[i].mask, &list, &count,
                                    fx->why), 0);
        buf_reset(order);
        for (j = 0; j < count; j++) {
            buf_printf(order, "%s ", list[j]->id);
            assert_null(list[j]->payload);
            assert_int_equal(list[j]->payload_len, 7);
            /* Its state is the directory it was found in. */
            for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++)
                if (strcmp(jobs[k].id, list[j]->id) == 0)
                    assert_string_equal(spool_state_name(list[j]->state),
                                        jobs[k].state);
        }
        assert_string_equal(order->data, cases[i].order);
        spool_job_list_free(list, count);
    }
    buf_free(order);
    assert_string_equal(fx->why->data, "");
}

static void test_load_corrupt(void **state)
{
    struct fixture *fx = *state;
    struct spool_job *job = NULL;
    char want[PATH_MAX * 2];

    /* Cut short, in its payload. */
    plant_job(fx, "active", "00000001AAAAAAAA", "capture", NULL, 1000,
              "payload");
    {
        static const char head[] = "postmask-job 1\nid: 00000001AAAAAAAA\n"
            "kind: capture\ncreated: 1000\nattempts: 0\nnext-attempt: 0\n"
            "payload-size: 7\n\n";
        char path[PATH_MAX];

        assert_int_equal(truncate(path_in(fx, "active", "00000001AAAAAAAA",
                                          path), sizeof(head) - 1 + 3), 0);
    }
    assert_int_equal(spool_load(fx->sp, "00000001AAAAAAAA", 1, &job, fx->why),
                     -1);
    pathf(want, "job file %s/active/00000001AAAAAAAA: "
          "truncated payload: 3 of 7 bytes", fx->dir);
    assert_string_equal(fx->why->data, want);
    /* The header-only reader sees it too, by the file's size. */
    buf_reset(fx->why);
    assert_int_equal(spool_load(fx->sp, "00000001AAAAAAAA", 0, &job, fx->why),
                     -1);
    assert_string_equal(fx->why->data, want);

    /* A file whose content is another job. */
    plant_job(fx, "hold", "00000002AAAAAAAA", "capture", NULL, 1000, "p");
    {
        char from[PATH_MAX];
        char to[PATH_MAX];

        assert_int_equal(rename(path_in(fx, "hold", "00000002AAAAAAAA", from),
                                path_in(fx, "hold", "00000003AAAAAAAA", to)),
                         0);
    }
    buf_reset(fx->why);
    assert_int_equal(spool_load(fx->sp, "00000003AAAAAAAA", 0, &job, fx->why),
                     -1);
    pathf(want, "job file %s/hold/00000003AAAAAAAA: "
             "holds job 00000002AAAAAAAA", fx->dir);
    assert_string_equal(fx->why->data, want);

    /* A directory where a job should be. */
    {
        char path[PATH_MAX];

        assert_int_equal(mkdir(path_in(fx, "dead", "00000004AAAAAAAA", path),
                               0700), 0);
    }
    buf_reset(fx->why);
    assert_int_equal(spool_load(fx->sp, "00000004AAAAAAAA", 1, &job, fx->why),
                     -1);
    pathf(want, "read job file %s/dead/00000004AAAAAAAA: "
             "Invalid argument", fx->dir);
    assert_string_equal(fx->why->data, want);

    /* A state change of a corrupt job fails and leaves it where it is. */
    buf_reset(fx->why);
    assert_int_equal(spool_requeue(fx->sp, "00000003AAAAAAAA", fx->why), -1);
    assert_true(exists_in(fx, "hold", "00000003AAAAAAAA"));
}

/* Recovery. */

static void test_recover_crash_state(void **state)
{
    struct fixture *fx = *state;
    static const char *const id = "6745A1B2C3D4E5F6";
    char marker[65];
    char moved[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char from[PATH_MAX];
    char to[PATH_MAX];
    struct spool_job *job;

    /*
     * By hand: the state a crash between "marker linked" and "renamed into
     * active/" leaves: a complete job in incoming/ and its marker.
     */
    plant_job(fx, "incoming", id, "capture", "<msg-1@example.com>", 1000,
              "captured reply");
    marker_name("capture", "<msg-1@example.com>", marker);
    plant(fx, "dedupe", marker, "6745A1B2C3D4E5F6\n", 17);

    /* Invisible to readers until recovered... */
    assert_int_equal(spool_load(fx->sp, id, 0, &job, fx->why), SPOOL_NOTFOUND);
    /* ...but already a duplicate for a retrying sender. */
    assert_int_equal(spool_enqueue(fx->sp, "capture", "<msg-1@example.com>",
                                   "x", 1, again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, id);

    /* Young or old, it comes back. */
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 1);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->payload_len, 14);
    assert_memory_equal(job->payload, "captured reply", 14);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 0);

    /* The same state made by the spool itself, then moved back. */
    enqueue_ok(fx, "capture", "k2", "second", moved);
    assert_int_equal(rename(path_in(fx, "active", moved, from),
                            path_in(fx, "incoming", moved, to)), 0);
    assert_int_equal(spool_recover(fx->sp, 0, fx->why), 1);
    assert_state(fx, moved, SPOOL_ACTIVE);
    assert_string_equal(fx->why->data, "");
}

static void test_recover_leftovers(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *name;
        const char *file;       /* in incoming/ */
        int job;                /* plant a complete job (else: raw text) */
        const char *key;        /* the job's key, with a marker naming ... */
        const char *marker_id;  /* ... this ID (NULL: no marker) */
    } cases[] = {
        {"partial job", "1111111111111111", 0, NULL, NULL},
        {"complete job, no key", "2222222222222222", 1, NULL, NULL},
        {"complete job, no marker", "3333333333333333", 1, "k3", NULL},
        {"marker names another job", "4444444444444444", 1, "k4",
         "4444444444444445"},
        {"dedupe temp file", "5555555555555555.mark", 0, NULL, NULL},
        {"rewrite temp file", "6666666666666666.0A0B0C0D.upd", 0, NULL, NULL},
        {"stray name", "core", 0, NULL, NULL},
        {"partial job with marker", "7777777777777777", 0, NULL, NULL},
    };
    char marker[65];
    char line[32];
    size_t n = sizeof(cases) / sizeof(cases[0]);
    size_t i;

    for (i = 0; i < n; i++) {
        if (cases[i].job)
            plant_job(fx, "incoming", cases[i].file, "capture", cases[i].key,
                      1000, "payload");
        else
            plant(fx, "incoming", cases[i].file,
                  "postmask-job 1\nid: 1111111111111111\nkind: cap", 44);
        if (cases[i].marker_id) {
            marker_name("capture", cases[i].key, marker);
            snprintf(line, sizeof(line), "%s\n", cases[i].marker_id);
            plant(fx, "dedupe", marker, line, 17);
        }
    }
    /* A job file in incoming/ that is also in a state directory already. */
    plant_job(fx, "deferred", "8888888888888888", "capture", "k8", 1000, "p");
    plant_job(fx, "incoming", "8888888888888888", "capture", "k8", 1000, "p");
    marker_name("capture", "k8", marker);
    plant(fx, "dedupe", marker, "8888888888888888\n", 17);

    /* Young: nothing is recovered, nothing removed. */
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), (int) n + 1);
    assert_int_equal(count_files(fx, "active"), 0);

    /* Old: all removed; the job in deferred/ stays. */
    for (i = 0; i < n; i++)
        backdate(fx, "incoming", cases[i].file, 7200);
    backdate(fx, "incoming", "8888888888888888", 7200);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 0);
    assert_state(fx, "8888888888888888", SPOOL_DEFERRED);

    /* min_age 0 removes what was just written. */
    plant(fx, "incoming", "9999999999999999", "junk", 4);
    assert_int_equal(spool_recover(fx->sp, 0, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

static void test_expire_dedupe(void **state)
{
    struct fixture *fx = *state;
    char done[SPOOL_ID_LEN + 1];
    char live[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char marker_done[65];
    char marker_live[65];
    time_t now = time(NULL);

    enqueue_ok(fx, "twilio_message", "IM-done", "p", done);
    enqueue_ok(fx, "twilio_message", "IM-live", "p", live);
    assert_int_equal(spool_finish(fx->sp, done, fx->why), 0);
    assert_int_equal(spool_hold(fx->sp, live, NULL, fx->why), 0);
    marker_name("twilio_message", "IM-done", marker_done);
    marker_name("twilio_message", "IM-live", marker_live);
    /* Not a marker name: never touched. */
    plant(fx, "dedupe", "notes.txt", "x", 1);
    /* A corrupt marker. */
    plant(fx, "dedupe", "00000000000000000000000000000000000000000000000000000"
          "00000000000", "garbage", 7);

    /* Young markers stay. */
    assert_int_equal(spool_expire_dedupe(fx->sp, now, 3600, 0, fx->why), 0);
    assert_int_equal(count_files(fx, "dedupe"), 4);
    /* Old, but made since keep_since (the intake journal's oldest record
     * may be replayed against them): they stay too. */
    assert_int_equal(spool_expire_dedupe(fx->sp, now + 7200, 3600, now - 10,
                                         fx->why), 0);
    assert_int_equal(count_files(fx, "dedupe"), 4);

    /* Old: the finished job's marker and the corrupt one go. */
    assert_int_equal(spool_expire_dedupe(fx->sp, now + 7200, 3600, 0, fx->why),
                     2);
    assert_false(exists_in(fx, "dedupe", marker_done));
    assert_true(exists_in(fx, "dedupe", marker_live));
    assert_true(exists_in(fx, "dedupe", "notes.txt"));

    /* The key is free again; the live one is still a duplicate. */
    enqueue_ok(fx, "twilio_message", "IM-done", "p", again);
    assert_string_not_equal(again, done);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM-live", "p", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, live);
    assert_string_equal(fx->why->data, "");
}

/*
 * Failures half-way: one spool directory the process may not write.  As
 * root the operation runs in a child that became "nobody" (root writes
 * anyway); the child reports "rc why" through a pipe.
 */
enum locked_op { LOCKED_ENQUEUE_KEY, LOCKED_ENQUEUE, LOCKED_DEFER,
    LOCKED_HOLD_REASON, LOCKED_RELEASE };

static void run_locked(struct fixture *fx, const char *locked,
                       enum locked_op op, const char *id, int *rc_out,
                       char *why_out, size_t why_len)
{
    char path[PATH_MAX];
    char out[SPOOL_ID_LEN + 1];
    struct spool *sp;
    int fds[2];
    pid_t pid = 0;
    int status;
    ssize_t n;
    int rc = -99;
    int root = geteuid() == 0;

    assert_int_equal(pipe(fds), 0);
    if (root && (pid = fork()) < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        struct buf *why = buf_create(128);

        if (root && (setgroups(0, NULL) < 0 || setgid(65534) < 0
                     || setuid(65534) < 0))
            _exit(3);
        if ((sp = spool_open(fx->dir, 0, why)) == NULL) {
            rc = -98;
        } else {
            chmod(path_in(fx, locked, NULL, path), 0500);
            switch (op) {
            case LOCKED_ENQUEUE_KEY:
                rc = spool_enqueue(sp, "capture", "locked-key", "p", 1, out,
                                   why);
                break;
            case LOCKED_ENQUEUE:
                rc = spool_enqueue(sp, "capture", NULL, "p", 1, out, why);
                break;
            case LOCKED_DEFER:
                rc = spool_defer(sp, id, "451", time(NULL), why);
                break;
            case LOCKED_HOLD_REASON:
                rc = spool_hold(sp, id, "held", why);
                break;
            case LOCKED_RELEASE:
                rc = spool_release(sp, id, why);
                break;
            }
            chmod(path, 0700);
            spool_close(sp);
        }
        dprintf(fds[1], "%d %s", rc, why->data);
        buf_free(why);
        if (root)
            _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], why_out, why_len - 1);
    why_out[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    if (root) {
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    *rc_out = atoi(why_out);
    memmove(why_out, strchr(why_out, ' ') + 1, strlen(strchr(why_out, ' ')));
}

static int chown_entry(const char *path, const struct stat *st, int flag,
                       struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return lchown(path, 65534, 65534);
}

/*
 * spool_enqueue_batch() of three capture jobs (keys "k0", none, "k2") with
 * the directory locked read-only, as run_locked() does: rc and why of each
 * entry come back in rc[] and why[].
 */
static void run_batch_locked(struct fixture *fx, const char *locked,
                             int rc[3], char why[3][512])
{
    static const char *const keys[3] = {"k0", NULL, "k2"};
    char path[PATH_MAX];
    char text[2048];
    char *line, *save = NULL;
    struct spool_entry e[3];
    struct spool *sp;
    pid_t pid = 0;
    int fds[2];
    int status;
    ssize_t n;
    size_t i;
    int root = geteuid() == 0;

    if (root)
        assert_int_equal(nftw(fx->dir, chown_entry, 16, FTW_PHYS), 0);
    assert_int_equal(pipe(fds), 0);
    if (root && (pid = fork()) < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        struct buf *out = buf_create(256);

        if (root && (setgroups(0, NULL) < 0 || setgid(65534) < 0
                     || setuid(65534) < 0))
            _exit(3);
        memset(e, 0, sizeof(e));
        for (i = 0; i < 3; i++) {
            e[i].kind = "capture";
            e[i].dedupe_key = keys[i];
            e[i].payload = "p";
            e[i].payload_len = 1;
            e[i].why = buf_create(64);
        }
        if ((sp = spool_open(fx->dir, 0, e[0].why)) != NULL) {
            chmod(path_in(fx, locked, NULL, path), 0500);
            spool_enqueue_batch(sp, e, 3);
            chmod(path, 0700);
            spool_close(sp);
        }
        for (i = 0; i < 3; i++) {
            buf_printf(out, "%d %s\n", sp ? e[i].rc : -98, e[i].why->data);
            buf_free(e[i].why);
        }
        assert_int_equal(write_all(fds[1], out->data, out->len), 0);
        buf_free(out);
        if (root)
            _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], text, sizeof(text) - 1);
    text[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    if (root) {
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    for (i = 0, line = strtok_r(text, "\n", &save); i < 3;
         i++, line = strtok_r(NULL, "\n", &save)) {
        assert_non_null(line);
        rc[i] = atoi(line);
        snprintf(why[i], 512, "%s", strchr(line, ' ') + 1);
    }
}

/* A directory that cannot be written fails every entry that needed it. */
static void test_enqueue_batch_failures(void **state)
{
    struct fixture *fx = *state;
    char why[3][512];
    int rc[3];
    int i;

    if (geteuid() == 0)
        assert_int_equal(chmod(fx->top, 0755), 0);
    /* dedupe/: the keyed ones fail with the marker's reason; the other one
     * lands. */
    run_batch_locked(fx, "dedupe", rc, why);
    assert_int_equal(rc[0], -1);
    assert_why(why[0], "symlink ", ": Permission denied");
    assert_int_equal(rc[1], SPOOL_ACCEPTED);
    assert_int_equal(rc[2], -1);
    assert_int_equal(count_files(fx, "active"), 1);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "dedupe"), 0);

    /* active/: nothing is accepted; the keyed jobs (their markers may have
     * answered someone) wait for spool_recover(), the other one is gone. */
    run_batch_locked(fx, "active", rc, why);
    for (i = 0; i < 3; i++) {
        assert_int_equal(rc[i], -1);
        assert_why(why[i], "rename ", i == 1 ? ": Permission denied"
                   : ": Permission denied (left for spool_recover)");
    }
    assert_int_equal(count_files(fx, "incoming"), 2);
    assert_int_equal(count_files(fx, "dedupe"), 2);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 2);
    assert_int_equal(count_files(fx, "active"), 3);

    /* incoming/: nothing is written at all. */
    run_batch_locked(fx, "incoming", rc, why);
    for (i = 0; i < 3; i++) {
        assert_int_equal(rc[i], -1);
        assert_why(why[i], "write ", ": Permission denied");
    }
    assert_int_equal(count_files(fx, "active"), 3);
    assert_int_equal(count_files(fx, "dedupe"), 2);
}

static void test_write_failures(void **state)
{
    struct fixture *fx = *state;
    char head[PATH_MAX];
    char why[1024];
    char id[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    int rc;

    if (geteuid() == 0)
        assert_int_equal(chmod(fx->top, 0755), 0);
#define OWN() do { if (geteuid() == 0) \
        assert_int_equal(nftw(fx->dir, chown_entry, 16, FTW_PHYS), 0); \
    } while (0)

    /* incoming/ unwritable: nothing is written. */
    OWN();
    run_locked(fx, "incoming", LOCKED_ENQUEUE_KEY, NULL, &rc, why,
               sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "write %s/incoming/", fx->dir),
               ": Permission denied");
    assert_int_equal(count_files(fx, "dedupe"), 0);

    /* dedupe/ unwritable: the job goes, and no marker is made. */
    OWN();
    run_locked(fx, "dedupe", LOCKED_ENQUEUE_KEY, NULL, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "symlink %s/dedupe/", fx->dir),
               ": Permission denied");
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "dedupe"), 0);

    /* active/ unwritable, no key: the job goes. */
    OWN();
    run_locked(fx, "active", LOCKED_ENQUEUE, NULL, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "rename %s/incoming/", fx->dir),
               ": Permission denied");
    assert_int_equal(count_files(fx, "incoming"), 0);

    /*
     * active/ unwritable, with a key: the marker may already have answered
     * someone, so the complete job stays for spool_recover().
     */
    OWN();
    run_locked(fx, "active", LOCKED_ENQUEUE_KEY, NULL, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "rename %s/incoming/", fx->dir),
               ": Permission denied (left for spool_recover)");
    assert_int_equal(count_files(fx, "incoming"), 1);
    assert_int_equal(count_files(fx, "dedupe"), 1);
    assert_int_equal(spool_enqueue(fx->sp, "capture", "locked-key", "x", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 1);
    assert_state(fx, again, SPOOL_ACTIVE);

    /* deferred/ unwritable: the defer fails, the job stays active. */
    enqueue_ok(fx, "capture", NULL, "p", id);
    OWN();
    run_locked(fx, "deferred", LOCKED_DEFER, id, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "rename %s/active/%s to ", fx->dir, id),
               ": Permission denied");
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->attempts, 0);
    spool_job_free(job);

    /*
     * incoming/ unwritable when a hold must rewrite the metadata: the move
     * happened, the rewrite did not; the job is whole, in hold/.
     */
    OWN();
    run_locked(fx, "incoming", LOCKED_HOLD_REASON, id, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "write %s/incoming/%s.", fx->dir, id),
               ".upd: Permission denied");
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_null(job->last_error);
    assert_memory_equal(job->payload, "p", 1);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "incoming"), 0);

    /*
     * incoming/ unwritable when a held job is released: the mark is written
     * before the move, so the job stays in hold/, not released, rather than
     * reach a worker unmarked (which would hold it again).
     */
    OWN();
    run_locked(fx, "incoming", LOCKED_RELEASE, id, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "write %s/incoming/%s.", fx->dir, id),
               ".upd: Permission denied");
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
#undef OWN
}

/* fsutil, the spool's file primitives. */

static void test_fsutil_read(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX];
    char link_path[PATH_MAX];
    char *data;
    size_t len;
    size_t size;

    pathf(path, "%s/ten", fx->top);
    plant(fx, "..", "ten", "0123456789", 10);
    /* Exactly max is fine; one byte more is EFBIG. */
    assert_int_equal(read_file(path, 10, &data, &len), 0);
    assert_int_equal(len, 10);
    assert_int_equal(data[10], '\0');      /* NUL after the data */
    free(data);
    errno = 0;
    assert_int_equal(read_file(path, 9, &data, &len), -1);
    assert_int_equal(errno, EFBIG);
    /* The head: at most max bytes, and the whole size. */
    assert_int_equal(read_file_head(path, 4, &data, &len, &size), 0);
    assert_int_equal(len, 4);
    assert_int_equal(size, 10);
    assert_memory_equal(data, "0123", 4);
    free(data);
    assert_int_equal(read_file_head(path, 64, &data, &len, &size), 0);
    assert_int_equal(len, 10);
    free(data);
    /* An empty file. */
    plant(fx, "..", "empty", "", 0);
    pathf(path, "%s/empty", fx->top);
    assert_int_equal(read_file(path, 0, &data, &len), 0);
    assert_int_equal(len, 0);
    free(data);
    /* A symbolic link is not followed. */
    pathf(link_path, "%s/link", fx->top);
    assert_int_equal(symlink("ten", link_path), 0);
    errno = 0;
    assert_int_equal(read_file(link_path, 64, &data, &len), -1);
    assert_int_equal(errno, ELOOP);
    /* A FIFO or a directory is refused, without blocking. */
    pathf(path, "%s/fifo", fx->top);
    assert_int_equal(mkfifo(path, 0600), 0);
    errno = 0;
    assert_int_equal(read_file(path, 64, &data, &len), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(read_file_head(fx->top, 64, &data, &len, &size), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    pathf(path, "%s/missing", fx->top);
    assert_int_equal(read_file(path, 64, &data, &len), -1);
    assert_int_equal(errno, ENOENT);
}

/* replace_file(): all or nothing, exact mode, the temporary file gone. */
static void test_fsutil_replace(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX], tmp[PATH_MAX], link_to[PATH_MAX];
    struct buf *why = buf_create(64);
    struct stat st;
    char *data;
    size_t len;

    pathf(path, "%s/record", fx->top);
    pathf(tmp, "%s/.record.tmp", fx->top);
    assert_int_equal(replace_file(path, tmp, "old\n", 4, 0600, why), 0);
    assert_int_equal(replace_file(path, tmp, "new\n", 4, 0640, why), 0);
    assert_string_equal(why->data, "");
    assert_int_equal(read_file(path, 64, &data, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "new\n", 4);
    free(data);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(access(tmp, F_OK), -1);

    /* The temporary file may not be a link: refused, the old file kept. */
    pathf(link_to, "%s/elsewhere", fx->top);
    assert_int_equal(symlink(link_to, tmp), 0);
    assert_int_equal(replace_file(path, tmp, "bad\n", 4, 0600, why), -1);
    assert_non_null(strstr(why->data, "create "));
    assert_int_equal(access(link_to, F_OK), -1);
    assert_int_equal(read_file(path, 64, &data, &len), 0);
    assert_memory_equal(data, "new\n", 4);
    free(data);
    unlink(tmp);

    /* No such directory: the step and the path are named. */
    buf_reset(why);
    assert_int_equal(replace_file("/nonexistent/dir/x", "/nonexistent/dir/x.tmp",
                                  "x", 1, 0600, why), -1);
    assert_string_equal(why->data, "create /nonexistent/dir/x.tmp: "
                        "No such file or directory");
    buf_free(why);
}

static void test_fsutil_mkdir_write(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX];
    mode_t old;
    int fds[2];

    /* Parents too, trailing and doubled slashes, exact modes. */
    pathf(path, "%s/a//b/c/", fx->top);
    old = umask(0277);
    assert_int_equal(mkdir_p(path, 0750), 0);
    umask(old);
    pathf(path, "%s/a", fx->top);
    assert_mode(path, 0750);
    pathf(path, "%s/a/b/c", fx->top);
    assert_mode(path, 0750);
    /* Existing directories are fine and keep their mode. */
    assert_int_equal(chmod(path, 0711), 0);
    assert_int_equal(mkdir_p(path, 0700), 0);
    assert_mode(path, 0711);
    /* A file in the way. */
    plant(fx, "..", "file", "x", 1);
    pathf(path, "%s/file/sub", fx->top);
    errno = 0;
    assert_int_equal(mkdir_p(path, 0700), -1);
    assert_int_equal(errno, ENOTDIR);
    errno = 0;
    assert_int_equal(mkdir_p("", 0700), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(mkdir_p("/", 0700), 0);

    /* write_all() writes everything, even through a pipe in pieces. */
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write_all(fds[1], "hello", 5), 0);
    close(fds[1]);
    {
        char got[8];

        assert_int_equal(read(fds[0], got, sizeof(got)), 5);
        assert_memory_equal(got, "hello", 5);
    }
    close(fds[0]);
    errno = 0;
    assert_int_equal(write_all(fds[1], "x", 1), -1);
    assert_int_equal(errno, EBADF);
    /* writev_all() writes its pieces in order, empty ones too. */
    assert_int_equal(pipe(fds), 0);
    {
        struct iovec iov[3] = {
            { (void *) "head ", 5 }, { (void *) "", 0 }, { (void *) "tail", 4 },
        };
        char got[16];

        assert_int_equal(writev_all(fds[1], iov, 3), 0);
        close(fds[1]);
        assert_int_equal(read(fds[0], got, sizeof(got)), 9);
        assert_memory_equal(got, "head tail", 9);
        close(fds[0]);
        errno = 0;
        assert_int_equal(writev_all(fds[1], iov, 3), -1);
        assert_int_equal(errno, EBADF);
    }
    /* fsync_dir() on a directory, and on what is not one. */
    assert_int_equal(fsync_dir(fx->top), 0);
    pathf(path, "%s/file", fx->top);
    errno = 0;
    assert_int_equal(fsync_dir(path), -1);
    assert_int_equal(errno, ENOTDIR);
}

static void test_state_names(void **state)
{
    (void) state;
    assert_string_equal(spool_state_name(SPOOL_ACTIVE), "active");
    assert_string_equal(spool_state_name(SPOOL_DEFERRED), "deferred");
    assert_string_equal(spool_state_name(SPOOL_HOLD), "hold");
    assert_string_equal(spool_state_name(SPOOL_DEAD), "dead");
}

#define T(f)    cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_layout_and_modes),
        T(test_open_errors),
        T(test_open_unwritable),
        T(test_enqueue_load_roundtrip),
        T(test_enqueue_refused),
        T(test_enqueue_tail),
        T(test_duplicates),
        T(test_marker_is_symlink),
        T(test_enqueue_batch),
        T(test_enqueue_batch_syncfs),
        T(test_enqueue_batch_failures),
        T(test_group_commit),
        T(test_duplicates_across_processes),
        T(test_defer_backoff),
        T(test_defer_dead_after_lifetime),
        T(test_bury_and_finish),
        T(test_hold_requeue_delete),
        T(test_release),
        T(test_unknown_and_invalid_ids),
        T(test_release_due),
        T(test_list_order_and_masks),
        T(test_load_corrupt),
        T(test_recover_crash_state),
        T(test_recover_leftovers),
        T(test_expire_dedupe),
        T(test_write_failures),
        T(test_fsutil_read),
        T(test_fsutil_mkdir_write),
        T(test_fsutil_replace),
        T(test_state_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
