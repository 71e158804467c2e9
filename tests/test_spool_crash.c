/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_crash - SIGKILL a spool writer at random points, many times
 * over, and show that
 *
 *   - every job the writer reported accepted is present and intact after
 *     spool_recover(), and every ID it was told holds a duplicate key exists;
 *   - no reader ever sees a partial job: a reader process lists and loads
 *     every job, all the time, and fails on the first one that does not
 *     parse or whose payload does not match the hash it carries;
 *   - recovery leaves incoming/ empty and no job in two directories.
 *
 * The writer is tests/spool_crash_writer ($SPOOL_CRASH_WRITER).  The run is
 * reproducible from its seed, printed first: POSTMASK_CRASH_SEED=N repeats
 * it, POSTMASK_CRASH_ROUNDS=N changes the number of kills (150).  Nothing
 * here asserts on timing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "buf.h"
#include "fsutil.h"
#include "msg.h"
#include "spool.h"
#include "spool_job.h"
#include "xalloc.h"

#define PAYLOAD_HASH_LEN    32
#define DEFAULT_ROUNDS      150
#define EXTRA_ROUNDS        300     /* at most, to see every case */

static const char *const state_dirs[SPOOL_NSTATES] = {
    "active", "deferred", "hold", "dead",
};

struct accepted {
    char id[SPOOL_ID_LEN + 1];
    char hash[65];
};

struct crash_run {
    char top[PATH_MAX / 2];
    char dir[PATH_MAX / 2 + 16];
    struct spool *sp;
    struct accepted *acc;
    size_t nacc;
    char (*dups)[SPOOL_ID_LEN + 1];
    size_t ndups;
    unsigned long partial_seen;     /* files in incoming/ after a kill */
    unsigned long recovered;
};

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned md_len;
    int i;

    assert_int_equal(EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL),
                     1);
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove(path);
}

static int count_entries(const char *dir, const char *sub)
{
    char path[PATH_MAX];
    struct dirent *dp;
    DIR *d;
    int n = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    if ((d = opendir(path)) == NULL)
        return -1;
    while ((dp = readdir(d)) != NULL)
        if (strcmp(dp->d_name, ".") != 0 && strcmp(dp->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* The reader: a separate process that loads every job, over and over. */

static volatile sig_atomic_t reader_stop;

static void reader_on_term(int sig)
{
    (void) sig;
    reader_stop = 1;
}

/* Checks one loaded job; returns a complaint or NULL. */
static const char *reader_check(const struct spool_job *job)
{
    char want[65];
    char got[65];
    size_t i;

    if (job->payload_len < PAYLOAD_HASH_LEN)
        return "payload shorter than its hash";
    sha256_hex(job->payload + PAYLOAD_HASH_LEN,
               job->payload_len - PAYLOAD_HASH_LEN, want);
    for (i = 0; i < PAYLOAD_HASH_LEN; i++)
        snprintf(got + 2 * i, 3, "%02x", job->payload[i]);
    return strcmp(want, got) == 0 ? NULL : "payload does not match its hash";
}

static void reader_main(const char *dir, int report_fd)
{
    struct buf *why = buf_create(128);
    struct spool_job **list;
    struct spool_job *job;
    struct dirent *dp;
    struct spool *sp;
    char path[PATH_MAX];
    char line[256];
    unsigned long passes = 0;
    unsigned long loads = 0;
    size_t count;
    size_t seen;
    size_t last_count = 0;
    const char *bad;
    DIR *d;
    int s;
    int rc;

    signal(SIGTERM, reader_on_term);
    if ((sp = spool_open(dir, 0, why)) == NULL) {
        fprintf(stderr, "reader: %s\n", why->data);
        _exit(1);
    }
    while (!reader_stop) {
        seen = 0;
        for (s = 0; s < SPOOL_NSTATES; s++) {
            snprintf(path, sizeof(path), "%s/%s", dir, state_dirs[s]);
            if ((d = opendir(path)) == NULL) {
                fprintf(stderr, "reader: opendir %s: %s\n", path,
                        strerror(errno));
                _exit(1);
            }
            while ((dp = readdir(d)) != NULL) {
                if (dp->d_name[0] == '.')
                    continue;
                /* Only jobs are ever in a state directory. */
                if (!spool_id_valid(dp->d_name)) {
                    fprintf(stderr, "reader: stray file %s/%s\n", path,
                            dp->d_name);
                    _exit(1);
                }
                seen++;
                buf_reset(why);
                /* Jobs never leave a state directory in this test. */
                if ((rc = spool_load(sp, dp->d_name, 1, &job, why)) != 0) {
                    fprintf(stderr, "reader: load %s: %s\n", dp->d_name,
                            rc == SPOOL_NOTFOUND ? "not found" : why->data);
                    _exit(1);
                }
                if ((bad = reader_check(job)) != NULL) {
                    fprintf(stderr, "reader: %s: %s\n", dp->d_name, bad);
                    _exit(1);
                }
                spool_job_free(job);
                loads++;
            }
            closedir(d);
        }
        /* The header-only listing agrees, and the queue never shrinks. */
        if (spool_list(sp, SPOOL_MASK_ALL, &list, &count, why) < 0) {
            fprintf(stderr, "reader: list: %s\n", why->data);
            _exit(1);
        }
        spool_job_list_free(list, count);
        if (count < seen || count < last_count) {
            fprintf(stderr, "reader: listed %zu jobs after seeing %zu (%zu "
                    "before)\n", count, seen, last_count);
            _exit(1);
        }
        last_count = count;
        passes++;
    }
    snprintf(line, sizeof(line), "%lu %lu\n", passes, loads);
    write_all(report_fd, line, strlen(line));
    spool_close(sp);
    buf_free(why);
    _exit(0);
}

/* One writer run: start, wait for READY, sleep, SIGKILL, collect. */

static size_t read_some(int fd, struct buf *out)
{
    char chunk[4096];
    ssize_t n;

    while ((n = read(fd, chunk, sizeof(chunk))) < 0 && errno == EINTR)
         /* void */ ;
    if (n < 0)
        fail_msg("read from writer: %s", strerror(errno));
    buf_append(out, chunk, (size_t) n);
    return (size_t) n;
}

static size_t count_lines(const struct buf *out)
{
    size_t n = 0;
    size_t i;

    for (i = 0; i < out->len; i++)
        n += out->data[i] == '\n';
    return n;
}

/*
 * Runs the writer and kills it delay_us after it is ready, or, when
 * min_reports is not 0, delay_us after it has reported that many jobs: the
 * second form reaches past the first jobs however slow the disk is.
 */
static void run_writer(struct crash_run *run, const char *writer,
                       unsigned long long seed, size_t min_reports,
                       long delay_us)
{
    struct buf *out = buf_create(4096);
    struct timespec ts;
    char seed_arg[32];
    char *line;
    char *nl;
    int fds[2];
    pid_t pid;
    int status;

    snprintf(seed_arg, sizeof(seed_arg), "%llu", seed);
    assert_int_equal(pipe(fds), 0);
    if ((pid = fork()) == 0) {
        close(fds[0]);
        /* A failing test must not leave writers behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (dup2(fds[1], 1) < 0)
            _exit(126);
        close(fds[1]);
        execl(writer, writer, run->dir, seed_arg, (char *) NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    close(fds[1]);

    /* The clock starts when the writer is ready to write jobs. */
    while (strchr(out->data, '\n') == NULL)
        if (read_some(fds[0], out) == 0)
            fail_msg("writer exited before it was ready");
    assert_memory_equal(out->data, "READY\n", 6);
    while (count_lines(out) < 1 + min_reports)
        if (read_some(fds[0], out) == 0)
            fail_msg("writer exited after %zu reports", count_lines(out) - 1);
    ts.tv_sec = delay_us / 1000000;
    ts.tv_nsec = (delay_us % 1000000) * 1000;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
         /* void */ ;
    assert_int_equal(kill(pid, SIGKILL), 0);
    while (read_some(fds[0], out) > 0)
         /* void */ ;
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
        fail_msg("writer was not killed but ended with status 0x%x", status);

    /* Every line is whole: each was one write(2) of less than PIPE_BUF. */
    for (line = out->data + 6; *line; line = nl + 1) {
        if ((nl = strchr(line, '\n')) == NULL)
            fail_msg("partial line from writer: \"%s\"", line);
        *nl = '\0';
        if (strncmp(line, "DUP ", 4) == 0) {
            assert_int_equal(strlen(line), 4 + SPOOL_ID_LEN);
            run->dups = xrealloc(run->dups, (run->ndups + 1)
                                 * sizeof(*run->dups));
            memcpy(run->dups[run->ndups++], line + 4, SPOOL_ID_LEN + 1);
        } else {
            assert_int_equal(strlen(line), SPOOL_ID_LEN + 1 + 64);
            run->acc = xrealloc(run->acc, (run->nacc + 1) * sizeof(*run->acc));
            memcpy(run->acc[run->nacc].id, line, SPOOL_ID_LEN);
            run->acc[run->nacc].id[SPOOL_ID_LEN] = '\0';
            memcpy(run->acc[run->nacc].hash, line + SPOOL_ID_LEN + 1, 65);
            assert_true(spool_id_valid(run->acc[run->nacc].id));
            run->nacc++;
        }
    }
    buf_free(out);
}

static void verify_job(struct crash_run *run, const char *id,
                       const char *hash)
{
    struct buf *why = buf_create(64);
    struct spool_job *job = NULL;
    char got[65];
    char path[PATH_MAX];
    struct stat st;
    int places = 0;
    int s;
    int rc;

    rc = spool_load(run->sp, id, 1, &job, why);
    if (rc != 0)
        fail_msg("job %s: %s", id, rc == SPOOL_NOTFOUND ? "lost" : why->data);
    if (hash) {
        sha256_hex(job->payload, job->payload_len, got);
        if (strcmp(got, hash) != 0)
            fail_msg("job %s: payload changed", id);
    }
    spool_job_free(job);
    for (s = 0; s < SPOOL_NSTATES; s++) {
        snprintf(path, sizeof(path), "%s/%s/%s", run->dir, state_dirs[s], id);
        places += lstat(path, &st) == 0;
    }
    if (places != 1)
        fail_msg("job %s is in %d state directories", id, places);
    buf_free(why);
}

/* Whether the run has seen every case the test is there to exercise. */
static int crash_covered(const struct crash_run *run)
{
    return run->nacc > 0 && run->ndups > 0 && run->partial_seen > 0
        && run->recovered > 0;
}

/*
 * One kill: run the writer, recover, check what it reported.  With
 * by_progress set the kill comes a little after the writer's first few
 * reports rather than at a time since it started.
 */
static void crash_round(struct crash_run *run, const char *writer,
                        unsigned long long seed, int by_progress)
{
    struct buf *why = buf_create(64);
    size_t first_new = run->nacc;
    size_t first_dup = run->ndups;
    size_t min_reports = 0;
    size_t i;
    long delay;
    int n;

    /* Mostly within the first few jobs; sometimes a longer run. */
    if (by_progress) {
        min_reports = 1 + (size_t) (rng_next() % 12);
        delay = (long) (rng_next() % 4000);
    } else if (rng_next() % 10 == 0) {
        delay = (long) (rng_next() % 50000);
    } else {
        delay = (long) (rng_next() % 8000);
    }
    run_writer(run, writer, seed, min_reports, delay);

    /* What the kill left in incoming/, then recovery. */
    n = count_entries(run->dir, "incoming");
    assert_true(n >= 0);
    run->partial_seen += (unsigned long) n;
    if ((n = spool_recover(run->sp, 0, why)) < 0)
        fail_msg("recover: %s", why->data);
    run->recovered += (unsigned long) n;
    assert_int_equal(count_entries(run->dir, "incoming"), 0);

    for (i = first_new; i < run->nacc; i++)
        verify_job(run, run->acc[i].id, run->acc[i].hash);
    for (i = first_dup; i < run->ndups; i++)
        verify_job(run, run->dups[i], NULL);
    buf_free(why);
}

static void test_spool_crash(void **state)
{
    struct crash_run run;
    struct buf *why = buf_create(128);
    const char *writer = getenv("SPOOL_CRASH_WRITER");
    const char *env;
    const char *root;
    unsigned long long seed;
    unsigned long rounds = DEFAULT_ROUNDS;
    unsigned long r;
    size_t i;
    char report[128];
    unsigned long passes = 0;
    unsigned long loads = 0;
    int fds[2];
    int status;
    int total;
    int n;
    pid_t reader;

    (void) state;
    msg_init("test_spool_crash", 0);    /* recovery's log lines: not here */
    if (writer == NULL || *writer == '\0')
        fail_msg("SPOOL_CRASH_WRITER is not set");
    if ((env = getenv("POSTMASK_CRASH_SEED")) != NULL && *env)
        seed = strtoull(env, NULL, 10);
    else
        seed = (unsigned long long) time(NULL) * 1000003ULL
            ^ (unsigned long long) getpid();
    if ((env = getenv("POSTMASK_CRASH_ROUNDS")) != NULL && *env)
        rounds = strtoul(env, NULL, 10);
    print_message("seed %llu, %lu rounds (POSTMASK_CRASH_SEED=%llu repeats "
                  "this run)\n", seed, rounds, seed);
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 7;

    memset(&run, 0, sizeof(run));
    root = getenv("POSTMASK_TEST_TMP");
    root = root && *root ? root : "/tmp";
    assert_int_equal(mkdir_p(root, 0755), 0);
    snprintf(run.top, sizeof(run.top), "%s/crash.XXXXXX", root);
    assert_non_null(mkdtemp(run.top));
    snprintf(run.dir, sizeof(run.dir), "%s/spool", run.top);
    if ((run.sp = spool_open(run.dir, 1, why)) == NULL)
        fail_msg("%s", why->data);

    assert_int_equal(pipe(fds), 0);
    if ((reader = fork()) == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        reader_main(run.dir, fds[1]);
    }
    assert_true(reader > 0);
    close(fds[1]);

    /*
     * The rounds asked for, each killed at a random time.  On a slow or busy
     * machine (fsync taking longer than the kill delay) those may all fall
     * before the first accepted job, or none between a marker and its
     * rename (a window of a few percent of the time): then more rounds,
     * each killed a little after the writer's first reports, until every
     * case has been seen, so that the test exercises what it claims to
     * whatever the machine's speed.
     */
    for (r = 0; r < rounds || (rounds >= DEFAULT_ROUNDS && !crash_covered(&run)
                               && r < rounds + EXTRA_ROUNDS); r++)
        crash_round(&run, writer, seed + r, r >= rounds);

    /* Stop the reader; it must not have found anything wrong. */
    assert_int_equal(kill(reader, SIGTERM), 0);
    assert_int_equal(waitpid(reader, &status, 0), reader);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the reader saw a bad job (status 0x%x)", status);
    n = (int) read(fds[0], report, sizeof(report) - 1);
    close(fds[0]);
    assert_true(n > 0);
    report[n] = '\0';
    assert_int_equal(sscanf(report, "%lu %lu", &passes, &loads), 2);

    /* Everything accepted, over all rounds, is still there and intact. */
    for (i = 0; i < run.nacc; i++)
        verify_job(&run, run.acc[i].id, run.acc[i].hash);
    total = 0;
    for (i = 0; i < SPOOL_NSTATES; i++)
        total += count_entries(run.dir, state_dirs[i]);

    print_message("%lu kills: %zu jobs reported accepted, %zu duplicates, "
                  "%d jobs in the spool, %lu files left in incoming/ by "
                  "kills, %lu jobs recovered; reader: %lu passes, %lu loads\n",
                  r, run.nacc, run.ndups, total, run.partial_seen,
                  run.recovered, passes, loads);
    /* Accepted jobs, plus those killed between rename and report. */
    assert_true((size_t) total >= run.nacc);
    assert_true(total == count_entries(run.dir, "active"));
    assert_true(loads > 0);
    if (rounds >= DEFAULT_ROUNDS && !crash_covered(&run))
        fail_msg("%lu kills did not cover every case: %zu accepted, %zu "
                 "duplicates, %lu partial files, %lu recovered", r, run.nacc,
                 run.ndups, run.partial_seen, run.recovered);

    spool_close(run.sp);
    free(run.acc);
    free(run.dups);
    buf_free(why);
    nftw(run.top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_crash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
