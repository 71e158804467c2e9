/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_spool - capture one message for its proxy recipients into the
 * spool: the one place that decides what a reply to a proxy address turns
 * into, shared by postmask-milter (at SMTP time) and `postmaskctl capture`
 * (the pipe(8) delivery transport that takes over when the milter is down).
 *
 * capture_spool_rcpt() decodes one recipient address: PROXY_NOT_PROXY_DOMAIN
 * for any other domain, PROXY_OK with r->sid and r->bounce_tag filled in
 * (bounce_tag_verify() of its "+b" detail, if any, against lifetime at
 * now), or the reason it does not verify.  r->address is set to address,
 * which the caller keeps alive.
 *
 * capture_spool_message() parses raw once (capture_parse() with opts) and
 * writes one capture job per conversation of rcpts[0..count): with the
 * recipient whose bounce tag verified, if any, else the first of that
 * conversation.  The null-sender rule of bounce_tag.h holds here: a message
 * from "" is captured for a conversation only through a tag that verifies
 * and has not expired; otherwise it is left out with the log line
 * "QUEUEID: discard: null sender to conversation CH...: no valid bounce tag
 * (STATUS)".  Every job is capture_job_key()'s dedupe key, so a message
 * seen by both the milter and the transport (or sent twice) is captured
 * once: "QUEUEID: captured: conversation CH..., CLASS, job ID", or
 * "QUEUEID: duplicate: conversation CH..., already captured as job ID".
 * With intake_dir (the spool's directory) set, each job goes to the
 * bridge's capture intake (capture_intake.h) when a bridge listens there,
 * and is written to spool directly when none does (or when the bridge
 * fails to answer: "QUEUEID: conversation CH...: the bridge did not take
 * the capture (REASON): writing it to the spool"); NULL writes directly.
 * on_captured (may be NULL) is called after each new job (the milter's
 * capture_rate_limit).  It returns CAPTURE_SPOOL_OK, or CAPTURE_SPOOL_PARSE
 * / CAPTURE_SPOOL_WRITE after a warning (the caller answers "try again":
 * jobs written before a failure stay and dedupe the retry), and fills in
 * *stats: the counts, the last job, and (when stats->why is not NULL) the
 * reason of a failure appended to it.  Nothing it logs carries an address.
 */
#ifndef POSTMASK_CAPTURE_SPOOL_H
#define POSTMASK_CAPTURE_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "address_keys.h"
#include "capture.h"
#include "proxy_address.h"
#include "spool.h"

enum capture_spool_result {
    CAPTURE_SPOOL_OK = 0,
    CAPTURE_SPOOL_PARSE,        /* the message could not be parsed */
    CAPTURE_SPOOL_WRITE         /* the spool refused a job */
};

struct capture_spool_rcpt {
    const char *address;        /* without <>; owned by the caller */
    char sid[CONVERSATION_SID_LEN + 1];
    int bounce_tag;             /* enum bounce_tag_status of its +b detail */
};

struct capture_spool_stats {
    size_t captured;            /* new jobs */
    size_t duplicates;          /* conversations that already had the job */
    size_t discarded;           /* null sender without a valid bounce tag */
    char job[SPOOL_ID_LEN + 1]; /* the last job captured or found, or "" */
    int bounce_tag;             /* enum bounce_tag_status of the last discard */
    struct buf *why;            /* set by the caller, or NULL */
};

struct capture_spool_msg {
    const char *queue_id;       /* Postfix's, for logs and the job */
    const char *sender;         /* envelope sender, "" for the null sender */
    const void *raw;            /* headers and body */
    size_t raw_len;
};

enum proxy_status capture_spool_rcpt(const struct address_keys *keys,
                                     const char *const *domains,
                                     size_t domain_count, const char *address,
                                     long lifetime, time_t now,
                                     struct capture_spool_rcpt *r);

enum capture_spool_result capture_spool_message(
    struct spool *spool, const char *intake_dir,
    const struct capture_options *opts,
    const struct capture_spool_msg *m, const struct capture_spool_rcpt *rcpts,
    size_t count, void (*on_captured)(const char *queue_id, const char *sid),
    struct capture_spool_stats *stats);

#endif
