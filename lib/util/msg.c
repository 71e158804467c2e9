/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg - Postfix-style logging; see msg.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "msg.h"

static const char *msg_name = "postmask";
static int msg_flags = MSG_STDERR;
static int msg_facility = LOG_MAIL;
static int msg_level;
static int msg_fatal_exit = 1;

void msg_init(const char *progname, int flags)
{
    const char *slash = strrchr(progname, '/');

    msg_name = slash ? slash + 1 : progname;
    msg_flags = flags;
    if (flags & MSG_SYSLOG)
        openlog(msg_name, LOG_PID | LOG_NDELAY, msg_facility);
}

void msg_set_facility(int facility)
{
    msg_facility = facility;
    if (msg_flags & MSG_SYSLOG) {
        closelog();
        openlog(msg_name, LOG_PID | LOG_NDELAY, msg_facility);
    }
}

const char *msg_progname(void)
{
    return msg_name;
}

int msg_verbose(void)
{
    return msg_level;
}

void msg_set_verbose(int level)
{
    msg_level = level;
}

__attribute__((format(printf, 3, 0)))
static void msg_vlog(int priority, const char *prefix, const char *fmt,
                     va_list ap)
{
    char text[2048];
    char *cp;
    int saved_errno = errno;

    errno = saved_errno;            /* for %m */
    vsnprintf(text, sizeof(text), fmt, ap);
    /* One event, one line: a newline in logged data must not forge another. */
    for (cp = text; *cp; cp++)
        if (*cp == '\n' || *cp == '\r')
            *cp = ' ';
    if (msg_flags & MSG_STDERR) {
        if (msg_flags & MSG_JOURNAL)
            fprintf(stderr, "<%d>%s%s\n", priority, prefix, text);
        else if (msg_flags & MSG_NOPID)
            fprintf(stderr, "%s: %s%s\n", msg_name, prefix, text);
        else
            fprintf(stderr, "%s[%ld]: %s%s\n", msg_name, (long) getpid(),
                    prefix, text);
        fflush(stderr);
    }
    if (msg_flags & MSG_SYSLOG)
        syslog(msg_facility | priority, "%s%s", prefix, text);
    errno = saved_errno;
}

void msg_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_INFO, "", fmt, ap);
    va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_WARNING, "warning: ", fmt, ap);
    va_end(ap);
}

void msg_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_ERR, "error: ", fmt, ap);
    va_end(ap);
}

void msg_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_CRIT, "fatal: ", fmt, ap);
    va_end(ap);
    exit(msg_fatal_exit);
}

void msg_set_fatal_status(int status)
{
    msg_fatal_exit = status;
}

void msg_panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_CRIT, "panic: ", fmt, ap);
    va_end(ap);
    abort();
}
