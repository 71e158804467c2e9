/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postconf_exec - run a program with an argument vector; see postconf_exec.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "postconf_exec.h"

extern char **environ;

/* Reads fd to its end into out; -1 when there is more than the limit. */
static int read_all(int fd, struct buf *out, struct buf *why)
{
    char chunk[8192];
    size_t total = 0;
    ssize_t n;

    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            buf_printf(why, "read: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        total += (size_t) n;
        if (total > EXEC_OUTPUT_MAX) {
            buf_printf(why, "more than %d bytes of output", EXEC_OUTPUT_MAX);
            return -1;
        }
        buf_append(out, chunk, (size_t) n);
    }
}

int exec_capture(char *const argv[], struct buf *out, struct buf *why)
{
    posix_spawn_file_actions_t actions;
    int pipefd[2] = {-1, -1};
    int err, status, read_status = 0;
    struct buf *read_why = buf_create(64);
    pid_t pid;

    if (out != NULL && pipe2(pipefd, O_CLOEXEC) < 0) {
        buf_printf(why, "cannot run %s: pipe: %s", argv[0], strerror(errno));
        buf_free(read_why);
        return -1;
    }
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                     O_RDONLY, 0);
    if (out != NULL)
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
    err = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (out != NULL)
        close(pipefd[1]);
    if (err != 0) {
        if (out != NULL)
            close(pipefd[0]);
        buf_printf(why, "cannot run %s: %s", argv[0], strerror(err));
        buf_free(read_why);
        return -1;
    }
    if (out != NULL) {
        read_status = read_all(pipefd[0], out, read_why);
        close(pipefd[0]);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            buf_printf(why, "%s: waitpid: %s", argv[0], strerror(errno));
            buf_free(read_why);
            return -1;
        }
    }
    if (read_status < 0) {
        buf_printf(why, "%s: %s", argv[0], read_why->data);
        buf_free(read_why);
        return -1;
    }
    buf_free(read_why);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        buf_printf(why, "%s exited with status %d", argv[0],
                   WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        buf_printf(why, "%s was killed by signal %d", argv[0],
                   WTERMSIG(status));
    else
        buf_printf(why, "%s stopped with wait status %d", argv[0], status);
    return -1;
}

/* Words made only of these characters need no quotes. */
#define EXEC_SAFE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
    "0123456789@%+=:,./_-"

void exec_quote(struct buf *line, char *const argv[])
{
    const char *cp;
    size_t i;

    for (i = 0; argv[i] != NULL; i++) {
        if (i > 0)
            buf_append_char(line, ' ');
        if (argv[i][0] != '\0'
            && strspn(argv[i], EXEC_SAFE_CHARS) == strlen(argv[i])) {
            buf_append_str(line, argv[i]);
            continue;
        }
        buf_append_char(line, '\'');
        for (cp = argv[i]; *cp; cp++) {
            if (*cp == '\'')
                buf_append_str(line, "'\\''");
            else
                buf_append_char(line, *cp);
        }
        buf_append_char(line, '\'');
    }
}
