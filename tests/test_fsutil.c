/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_fsutil - the file primitives of lib/util/fsutil.c that the spool
 * is built on: reading whole files, replacing files durably, making
 * directories and writing new files.  Each test gets a fresh directory
 * (spool_fixture.h).
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

#include "spool_fixture.h"

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

#define T(f)    cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fsutil_read),
        T(test_fsutil_mkdir_write),
        T(test_fsutil_replace),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
