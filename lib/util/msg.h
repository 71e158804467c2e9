/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg - Postfix-style logging: one line per event.
 *
 * Lines go to syslog (facility mail unless msg_set_facility() says otherwise)
 * and, in foreground mode, to stderr as "program[pid]: text".  By convention
 * text is "ID: event: detail", where ID is the Postfix queue ID, the spool
 * job ID or the conversation SID the event is about.
 *
 *   msg_info   routine event                         (LOG_INFO)
 *   msg_warn   something is wrong; work goes on      (LOG_WARNING, "warning: ")
 *   msg_error  a request failed and was refused      (LOG_ERR, "error: ")
 *   msg_fatal  cannot go on: logs, then exit(1)      (LOG_CRIT, "fatal: ")
 *   msg_panic  a broken invariant: logs, then abort() (LOG_CRIT, "panic: ")
 *
 * Formats are printf-checked; glibc's %m prints strerror(errno).
 * The logging state (program name, destinations) is set once at start-up by
 * msg_init() and is the only global state this module keeps.
 */
#ifndef POSTMASK_MSG_H
#define POSTMASK_MSG_H

#include <stdarg.h>
#include <stdnoreturn.h>

#define MSG_STDERR  (1 << 0)    /* write to stderr */
#define MSG_SYSLOG  (1 << 1)    /* write to syslog */
#define MSG_NOPID   (1 << 2)    /* stderr lines start "program: " (commands) */
/* stderr is systemd's journal stream (-f under a unit): lines are
 * "<PRIORITY>text" (sd-daemon(3)); the journal adds the identifier, the
 * PID and the facility (SyslogIdentifier=, SyslogFacility=), so a line in
 * /var/log/mail.log reads as Postfix's do. */
#define MSG_JOURNAL (1 << 3)

void msg_init(const char *progname, int flags);
void msg_set_facility(int facility);
const char *msg_progname(void);
int msg_verbose(void);
void msg_set_verbose(int level);
/* msg_fatal()'s exit status (1 unless set): a pipe(8) command sets
 * EX_TEMPFAIL so that Postfix retries rather than bounces. */
void msg_set_fatal_status(int status);

void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void msg_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
noreturn void msg_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
