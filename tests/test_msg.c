/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_msg - log lines look like Postfix's: "program[pid]: text", levels
 * prefixed "warning: ", "error: ", "fatal: ", one event per line even when
 * the logged data holds newlines; commands drop the pid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "msg.h"

/* Runs fn in a child with stderr captured; returns what it wrote. */
static char *capture(void (*fn)(void), int *status)
{
    static char text[4096];
    int fds[2];
    ssize_t n, len = 0;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    if ((pid = fork()) == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        fn();
        exit(0);
    }
    close(fds[1]);
    while ((n = read(fds[0], text + len, sizeof(text) - 1 - (size_t) len)) > 0)
        len += n;
    text[len] = '\0';
    close(fds[0]);
    waitpid(pid, status, 0);
    return text;
}

static void log_levels(void)
{
    msg_init("/usr/sbin/postmask-milter", MSG_STDERR);
    msg_info("%s: captured: conversation %s", "4Xk9Q2m1ZzF3", "CHabc");
    msg_warn("spool is %d%% full", 91);
    msg_error("a request failed");
    errno = ENOENT;
    msg_fatal("open %s: %m", "/nonexistent");
}

static void test_levels(void **state)
{
    int status;
    char *text = capture(log_levels, &status);
    char expect[1024];
    long pid;

    assert_int_equal(sscanf(text, "postmask-milter[%ld]:", &pid), 1);
    snprintf(expect, sizeof(expect),
             "postmask-milter[%ld]: 4Xk9Q2m1ZzF3: captured: conversation CHabc\n"
             "postmask-milter[%ld]: warning: spool is 91%% full\n"
             "postmask-milter[%ld]: error: a request failed\n"
             "postmask-milter[%ld]: fatal: open /nonexistent: No such file or directory\n",
             pid, pid, pid, pid);
    assert_string_equal(text, expect);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
}

static void log_injection(void)
{
    msg_init("postmaskctl", MSG_STDERR | MSG_NOPID);
    msg_info("subject: %s", "hello\nfake-daemon[1]: forged line\r");
}

static void test_one_line_per_event(void **state)
{
    int status;
    char *text = capture(log_injection, &status);

    assert_string_equal(text,
                        "postmaskctl: subject: hello fake-daemon[1]: forged line \n");
}

static void log_panic(void)
{
    msg_init("t", MSG_STDERR | MSG_NOPID);
    msg_panic("broken invariant %d", 7);
}

static void test_panic_aborts(void **state)
{
    int status;
    char *text = capture(log_panic, &status);

    assert_string_equal(text, "t: panic: broken invariant 7\n");
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void log_quiet(void)
{
    msg_init("t", 0);
    msg_info("nothing");
    msg_warn("nothing");
}

static void test_no_destination(void **state)
{
    int status;

    assert_string_equal(capture(log_quiet, &status), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_one_line_per_event),
        cmocka_unit_test(test_panic_aborts),
        cmocka_unit_test(test_no_destination),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
