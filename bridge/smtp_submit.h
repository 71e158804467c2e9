/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smtp_submit - hand one message to an SMTP server (Postfix's masking
 * listener) with libcurl, without ever blocking the bridge's event loop.
 *
 * One envelope sender (may be empty: the null sender <>), one recipient,
 * the message as given, except that every line end is sent as CRLF (a bare
 * LF or CR becomes CRLF, so that no "\n.\n" can end the data early) and
 * lines starting with a dot are dot-stuffed (by curl); a message that does
 * not end with a line end gets one.  The URL is smtp://host:port or
 * smtps://; its path, if any, is the EHLO name (curl's convention).
 * Timeouts: connect, total and each server answer (QUIT's too), timeout_s
 * each, counted from when the submission starts (below).
 *
 * How: libcurl 7.88 (Debian 12) waits for the answer to the end of data
 * blocking, even in its multi interface (curl issue #8555), so each
 * transfer runs with curl_easy_perform() on one of at most
 * SMTP_SUBMIT_WORKERS threads the submitter owns.  They are started
 * lazily, one whenever a submission finds no idle thread, and take
 * submissions from a queue, first come first served (a submission waits
 * there while every thread is busy; callers bound how many they start).
 * A finished submission goes onto a result list and the thread writes a
 * byte to a pipe the event loop watches; the loop reports the results in
 * the order they finished.  The threads never touch libevent (so the
 * bridge needs no evthread_use_pthreads()) and never log.  The event loop
 * only queues work and collects results.
 *
 * done is called once from the event loop, never from inside
 * smtp_submit(), with:
 *   SMTP_SENT      the server answered 250 to the end of data;
 *   SMTP_TEMPFAIL  a 4xx answer, a timeout or a network error: try later;
 *   SMTP_REFUSED   a 5xx answer: the message will never be accepted;
 * and detail: the server's last reply line ("250 2.0.0 Ok: queued as X",
 * "550 5.7.1 Message refused: ..."; never QUIT's 221) or curl's error
 * ("Operation timed out ..."); the string lives during the call only.
 * done may start submissions and free the submitter.
 *
 * smtp_submit() returns 0, or -1 with why when it could not even start (an
 * envelope address that is empty (recipient) or holds a control character
 * or an angle bracket; curl refused the handle; no pipe or thread could be
 * had); done is then not called.  The message and addresses are copied.
 *
 * Ownership: the submitter belongs to its creator, who frees it with
 * smtp_submitter_free() on the event loop's thread; base is not owned and
 * must outlive it.  A submission frees itself after done.
 * smtp_submitter_free() drops every submission without calling done: one
 * still queued is never started; one in progress is aborted (its sockets
 * are shut down, curl's callbacks stop it) and its thread joined, without
 * waiting for any timeout (at once on a connection, within a second during
 * a name lookup); one finished but not yet reported is not reported.  An
 * aborted submission never sends the end of data, so the server delivers
 * nothing of it; one that had sent its end of data already may still be
 * delivered, in full, unreported (the caller retries it and the same
 * Message-ID makes the copy harmless).  Call it before freeing base; it
 * may be called from inside done.
 */
#ifndef POSTMASK_SMTP_SUBMIT_H
#define POSTMASK_SMTP_SUBMIT_H

#include <stddef.h>

#include "buf.h"

#define SMTP_SUBMIT_WORKERS     4

enum smtp_result { SMTP_SENT, SMTP_TEMPFAIL, SMTP_REFUSED };

typedef void smtp_done(enum smtp_result result, const char *detail,
                       void *arg);

struct event_base;
struct smtp_submitter;

struct smtp_submitter *smtp_submitter_create(struct event_base *base,
                                             const char *url, long timeout_s);
/* Frees the submitter and drops the submissions in it (without done). */
void smtp_submitter_free(struct smtp_submitter *ss);

int smtp_submit(struct smtp_submitter *ss, const char *mail_from,
                const char *rcpt, const char *message, size_t len,
                smtp_done *done, void *arg, struct buf *why);

#endif
