/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_fixture - what the spool tests (test_spool*.c, test_fsutil.c)
 * share: a fresh spool per test in its own directory under
 * $POSTMASK_TEST_TMP (setup() and teardown(), cmocka's; the struct
 * fixture is the test's state), files planted and inspected by hand, as a
 * crash or an admin leaves them, and the assertions the tests make again
 * and again.  Helpers fail the test (cmocka) rather than return errors;
 * strings they return point into the caller's buffers.
 */
#ifndef POSTMASK_SPOOL_FIXTURE_H
#define POSTMASK_SPOOL_FIXTURE_H

#include <limits.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "spool.h"
#include "spool_job.h"

struct fixture {
    char top[PATH_MAX];         /* the test's own directory */
    char dir[PATH_MAX];         /* top/spool */
    struct spool *sp;
    struct buf *why;
};

/* The backoff and lifetime the fixture's spool runs with. */
extern const struct spool_policy test_policy;

const char *test_root(void);
void rm_tree(const char *path);
int setup(void **state);
int teardown(void **state);
char *path_in(const struct fixture *fx, const char *sub,
              const char *name, char *path);
int exists_in(const struct fixture *fx, const char *sub,
              const char *name);
int count_files(const struct fixture *fx, const char *sub);
void plant(const struct fixture *fx, const char *sub, const char *name,
           const void *data, size_t len);
void plant_job(const struct fixture *fx, const char *sub,
               const char *id, const char *kind, const char *key,
               time_t created, const char *payload);
void backdate(const struct fixture *fx, const char *sub,
              const char *name, time_t seconds);
void marker_name(const char *kind, const char *key, char out[65]);
void assert_why(const char *why, const char *head, const char *tail);
void enqueue_ok(struct fixture *fx, const char *kind, const char *key,
                const char *payload, char id[SPOOL_ID_LEN + 1]);
struct spool_job *load_ok(struct fixture *fx, const char *id,
                          int want_payload);
void assert_state(struct fixture *fx, const char *id,
                  enum spool_state state);
void assert_mode(const char *path, mode_t mode);
__attribute__((format(printf, 2, 3)))
char *pathf(char *out, const char *fmt, ...);

#endif
