/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_capture - `postmaskctl capture`: the postmask delivery transport, run
 * by a Postfix pipe(8) service for the proxy domains (transport_maps), so
 * that replies to proxy addresses are captured also while postmask-milter
 * is down.  The milter, when it runs, captures at SMTP time and removes the
 * proxy recipients: this transport then never sees them.
 *
 *   postmaskctl capture [-q QUEUE_ID] -f SENDER [--] RECIPIENT...
 *
 * pipe(8) runs it with no shell (argv=... -q ${queue_id} -f ${sender} --
 * ${recipient}, null_sender= so that <> arrives as "") as the postmask user
 * (user=), so the spool keeps its owner.  It reads the message on standard
 * input and captures it exactly as the milter does, through the same code
 * (capture_spool.h: the same parse, capture job, dedupe key and null-sender
 * bounce-tag rule), so a message both paths see is captured once.
 *
 * Exit status (sysexits, as pipe(8) reads it; not ctl.h's):
 *   0   captured, a duplicate, or a null-sender message without a valid
 *       bounce tag (discarded with a log line);
 *   67  EX_NOUSER: a recipient that does not verify (Postfix bounces 5.1.1;
 *       nothing is captured);
 *   65  EX_DATAERR: larger than capture_size_limit (the output starts with
 *       5.3.4, which Postfix reports);
 *   75  EX_TEMPFAIL: anything else: the spool cannot be written, the
 *       message cannot be parsed, the configuration or keys cannot be read,
 *       a recipient outside proxy_domains (transport_maps is wrong), wrong
 *       arguments.  Postfix keeps the message and tries again.
 * The exit status covers every recipient of the delivery, so the service
 * should get one recipient at a time (postmask_destination_recipient_limit
 * = 1, which `postmaskctl postfix attach --mx-fallback` sets).
 *
 * Log lines go to syslog, as the milter's ("QUEUEID: captured: ...",
 * "QUEUEID: discard: null sender ...").  Standard output gets one short
 * line that pipe(8) puts into Postfix's own log line for the delivery
 * (Postfix keeps only the first 100 characters after a success):
 * "captured: job ID", "duplicate: already captured as job ID",
 * "discarded: null sender without a valid bounce tag (STATUS)",
 * "tempfail: REASON", or an enhanced status code and the reason
 * ("5.1.1 <ADDRESS>: forged proxy address").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address_keys.h"
#include "bounce_tag.h"
#include "buf.h"
#include "capture.h"
#include "capture_spool.h"
#include "config.h"
#include "ctl.h"
#include "msg.h"
#include "spool.h"
#include "spool_config.h"
#include "xalloc.h"

#define EX_OK_        0
#define EX_DATAERR_   65
#define EX_NOUSER_    67
#define EX_TEMPFAIL_  75

#define CAPTURE_USAGE \
    "usage: postmaskctl capture [-q QUEUE_ID] -f SENDER [--] RECIPIENT...\n"

/* The one line of output that Postfix logs. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void say_result(const struct capture_spool_stats *st)
{
    if (st->captured + st->duplicates == 0 && st->discarded > 0)
        say("discarded: null sender without a valid bounce tag (%s)",
            bounce_tag_status_name((enum bounce_tag_status) st->bounce_tag));
    else if (st->captured == 1 && st->duplicates + st->discarded == 0)
        say("captured: job %s", st->job);
    else if (st->duplicates == 1 && st->captured + st->discarded == 0)
        say("duplicate: already captured as job %s", st->job);
    else
        say("captured %zu, duplicate %zu, discarded %zu", st->captured,
            st->duplicates, st->discarded);
}

/*
 * Reads all of standard input (pipe(8) writes the whole message before it
 * looks at the exit status), keeping up to limit bytes: 0, 1 when it is
 * larger, -1 on a read error.
 */
static int read_message(struct buf *out, size_t limit)
{
    char chunk[65536];
    size_t n;
    int over = 0;

    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (over || out->len + n > limit)
            over = 1;
        else
            buf_append(out, chunk, n);
    }
    return ferror(stdin) ? -1 : over;
}

/* Decodes every recipient: 0, or the exit status after logging. */
static int decode_rcpts(const struct config *cfg,
                        const struct address_keys *keys, const char *queue_id,
                        char **argv, size_t count,
                        struct capture_spool_rcpt *rcpts)
{
    enum proxy_status status;
    size_t i;

    for (i = 0; i < count; i++) {
        status = capture_spool_rcpt(keys,
                                    (const char *const *) cfg->proxy_domains.items,
                                    cfg->proxy_domains.count, argv[i],
                                    cfg->bounce_tag_lifetime, time(NULL),
                                    &rcpts[i]);
        if (status == PROXY_OK)
            continue;
        if (status == PROXY_NOT_PROXY_DOMAIN) {
            msg_warn("%s: tempfail: recipient <%s> is not in proxy_domains: "
                     "transport_maps sends it to the wrong transport",
                     queue_id, argv[i]);
            say("tempfail: <%s> is not in proxy_domains", argv[i]);
            return EX_TEMPFAIL_;
        }
        msg_info("%s: reject: 5.1.1 <%s>: %s", queue_id, argv[i],
                 proxy_status_text(status));
        say("5.1.1 <%s>: %s", argv[i], proxy_status_text(status));
        return EX_NOUSER_;
    }
    return EX_OK_;
}

int ctl_capture(const struct config *cfg, int argc, char **argv)
{
    const char *queue_id = "NOQUEUE", *sender = NULL;
    struct address_keys *keys = NULL;
    struct spool *spool = NULL;
    struct capture_spool_rcpt *rcpts = NULL;
    struct capture_spool_msg m;
    struct capture_options opts;
    struct buf *raw = buf_create(65536), *why = buf_create(128);
    struct capture_spool_stats stats;
    size_t count;
    int ch, rc, status = EX_TEMPFAIL_;

    msg_init(msg_progname(), MSG_SYSLOG);
    msg_set_fatal_status(EX_TEMPFAIL_);
    optind = 1;
    while ((ch = getopt(argc, argv, "+f:q:")) != -1) {
        switch (ch) {
        case 'f':
            sender = strcmp(optarg, "<>") == 0 ? "" : optarg;
            break;
        case 'q':
            queue_id = *optarg ? optarg : "NOQUEUE";
            break;
        default:
            fputs(CAPTURE_USAGE, stdout);
            goto out;
        }
    }
    if (sender == NULL || optind >= argc) {
        fputs(CAPTURE_USAGE, stdout);
        goto out;
    }
    count = (size_t) (argc - optind);
    if ((keys = address_keys_load(cfg->address_keys_file, why)) == NULL) {
        msg_warn("%s: tempfail: %s", queue_id, why->data);
        say("tempfail: %s", why->data);
        goto out;
    }
    if ((rc = read_message(raw, (size_t) cfg->capture_size_limit)) != 0) {
        if (rc > 0) {
            /* First in the output: pipe(8) reports this status code. */
            printf("5.3.4 Message too big for a proxy address (limit %ld "
                   "bytes)\n", cfg->capture_size_limit);
            fflush(stdout);
            msg_info("%s: reject: message to proxy address larger than "
                     "capture_size_limit (%ld bytes)", queue_id,
                     cfg->capture_size_limit);
            status = EX_DATAERR_;
        } else {
            msg_warn("%s: tempfail: cannot read the message: %m", queue_id);
            say("tempfail: cannot read the message: %m");
        }
        goto out;
    }
    rcpts = xcalloc(count, sizeof(*rcpts));
    if ((status = decode_rcpts(cfg, keys, queue_id, argv + optind, count,
                               rcpts)) != EX_OK_)
        goto out;
    status = EX_TEMPFAIL_;
    if ((spool = spool_open(cfg->spool_directory, 1, why)) == NULL) {
        msg_warn("%s: tempfail: %s", queue_id, why->data);
        say("tempfail: %s", why->data);
        goto out;
    }
    spool_configure(spool, cfg);
    memset(&opts, 0, sizeof(opts));
    opts.attachment_size_limit = (size_t) cfg->attachment_size_limit;
    opts.trusted_authserv_ids = cfg->trusted_authserv_ids.items;
    opts.trusted_authserv_count = cfg->trusted_authserv_ids.count;
    opts.reply_marker = cfg->email_reply_marker;
    capture_init();
    m.queue_id = queue_id;
    m.sender = sender;
    m.raw = raw->data;
    m.raw_len = raw->len;
    buf_reset(why);
    stats.why = why;
    if (capture_spool_message(spool, NULL, &opts, &m, rcpts, count, NULL,
                              &stats) == CAPTURE_SPOOL_OK) {
        say_result(&stats);
        status = EX_OK_;
    } else {
        say("tempfail: %s", why->data);
    }
out:
    if (spool != NULL)
        spool_close(spool);
    address_keys_free(keys);
    free(rcpts);
    buf_free(raw);
    buf_free(why);
    return status;
}
