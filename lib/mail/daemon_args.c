/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon_args - shared start-up of postmask programs; see daemon_args.h.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "daemon_args.h"
#include "msg.h"

static void usage_exit(const char *progname, const char *usage)
{
    fprintf(stderr, "usage: %s %s\n", progname, usage);
    exit(2);
}

/*
 * Is stderr systemd's journal stream?  systemd sets JOURNAL_STREAM to
 * "DEVICE:INODE" of the stream it connected (systemd.exec(5)); a stderr
 * redirected elsewhere since does not match.
 */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2
        && fstat(STDERR_FILENO, &st) == 0
        && (unsigned long long) st.st_dev == dev
        && (unsigned long long) st.st_ino == ino;
}

struct config *program_start(int argc, char **argv, unsigned prog,
                             int log_flags, const char *usage,
                             struct program_opts *opts)
{
    struct config *cfg;
    struct buf *why;
    static char resolved[PATH_MAX];
    int ch;

    opts->config_dir = CONFIG_DIR_DEFAULT;
    opts->foreground = 0;
    opts->verbose = 0;
    /* Until the options are known, speak to whoever started us. */
    msg_init(argv[0], MSG_STDERR);
    while ((ch = getopt(argc, argv, "+c:fvV")) != -1) {
        switch (ch) {
        case 'c':
            opts->config_dir = optarg;
            break;
        case 'f':
            opts->foreground = 1;
            break;
        case 'v':
            opts->verbose++;
            break;
        case 'V':
            printf("%s %s\n", msg_progname(), POSTMASK_VERSION);
            exit(0);
        default:
            usage_exit(msg_progname(), usage);
        }
    }
    /* Until daemon_detach(), start-up errors also reach whoever started us. */
    if (log_flags == 0)
        log_flags = opts->foreground ? MSG_STDERR : MSG_SYSLOG | MSG_STDERR;
    if (opts->foreground && stderr_is_journal())
        log_flags |= MSG_JOURNAL;
    msg_init(argv[0], log_flags);
    msg_set_verbose(opts->verbose);
    /* An absolute name: a reload reads it again after daemon_detach()
     * went to "/".  One per process, for its whole life; a directory
     * that does not resolve is left as given, for config_load() to
     * report. */
    if (realpath(opts->config_dir, resolved) != NULL)
        opts->config_dir = resolved;
    why = buf_create(256);
    if ((cfg = config_load(opts->config_dir, prog, why)) == NULL) {
        char *line = why->data, *nl;

        for (; *line; line = nl + 1) {
            if ((nl = strchr(line, '\n')) == NULL)
                nl = line + strlen(line) - 1;
            else
                *nl = '\0';
            msg_error("%s", line);
        }
        msg_fatal("%s/main.cf: configuration errors; nothing started",
                  opts->config_dir);
    }
    buf_free(why);
    msg_set_facility(config_log_facility(cfg));
    return cfg;
}

void daemon_detach(const struct program_opts *opts)
{
    pid_t pid;
    int fd;

    if (opts->foreground)
        return;
    if ((pid = fork()) < 0)
        msg_fatal("fork: %m");
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        msg_fatal("setsid: %m");
    if (chdir("/") < 0)
        msg_fatal("chdir /: %m");
    if ((fd = open("/dev/null", O_RDWR)) < 0)
        msg_fatal("open /dev/null: %m");
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO)
        close(fd);
    msg_init(msg_progname(), MSG_SYSLOG);
}
