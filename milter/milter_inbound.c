/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_inbound - replies to proxy addresses, in place of an SES receipt
 * rule: decide at RCPT whether a proxy recipient is genuine, and at end of
 * message capture the reply into the spool before Postfix answers 250.
 *
 * A recipient in a proxy domain that does not decode and verify is refused
 * with 550 5.1.1; one with a "+b" bounce tag (bounce_tag.h) is still the
 * proxy, and the tag's status is kept.  A message from the null sender is
 * captured only for a conversation it reached through a tag that verifies
 * and has not expired (a delivery report or auto-reply of mail we sent);
 * for any other it is accepted and discarded with a log line ("discard:
 * null sender to conversation CH...: no valid bounce tag (expired)"), so
 * forged delivery reports change nothing.  The capture job records the
 * tag's status ("bounce_tag": "valid").  At end of message the capture
 * is written to the spool once per conversation, durably, before anything
 * else happens: capture_spool.h owns that step and the null-sender rule,
 * shared with `postmaskctl capture` (the delivery transport for when this
 * milter is down);
 * only then are the proxy recipients removed, and the message is discarded
 * when no other recipient is left.  Any failure before that point answers
 * 4xx, so the sending MTA keeps the message and tries again: nothing is lost,
 * and the spool's dedupe key makes the retry harmless.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_spool.h"
#include "milter.h"
#include "msg.h"
#include "xalloc.h"

sfsistat milter_inbound_rcpt(SMFICTX *ctx, struct milter_conn *conn,
                             const char *arg)
{
    const struct config *cfg = conn->set->cfg;
    size_t len = strlen(arg);
    char *address = (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        ? xstrndup(arg + 1, len - 2) : xstrdup(arg);
    struct capture_spool_rcpt r;
    enum proxy_status status;

    status = capture_spool_rcpt(conn->set->keys,
                                (const char *const *) cfg->proxy_domains.items,
                                cfg->proxy_domains.count, address,
                                cfg->bounce_tag_lifetime, time(NULL), &r);
    if (status == PROXY_NOT_PROXY_DOMAIN) {
        conn->msg.other_count++;
    } else if (milter_rate_rcpt(ctx, conn, address, status, r.sid)
               != SMFIS_CONTINUE) {        /* 450 4.7.1: rate limits */
        free(address);
        return SMFIS_TEMPFAIL;
    } else if (status == PROXY_OK) {
        milter_msg_add_proxy(&conn->msg, arg, address, r.sid);
        conn->msg.proxies[conn->msg.proxy_count - 1].bounce_tag =
            r.bounce_tag;
    } else {
        const char *queue_id = milter_queue_id(ctx);
        struct buf *text = buf_create(128);

        msg_info("%s: reject: RCPT from %s: 550 5.1.1 <%s>: %s", queue_id,
                 conn->client, address, proxy_status_text(status));
        buf_printf(text, "<%s>: Recipient address rejected: %s", address,
                   proxy_status_text(status));
        milter_setreply(ctx, queue_id, "550", "5.1.1", text->data);
        milter_rate_refused(ctx, conn);
        buf_free(text);
        free(address);
        return SMFIS_REJECT;
    }
    free(address);
    return SMFIS_CONTINUE;
}

/* The milter's capture_rate_limit bookkeeping, after each new job. */
static void on_captured(const char *queue_id, const char *sid)
{
    milter_rate_captured(queue_id, sid);
}

sfsistat milter_inbound_eom(SMFICTX *ctx, struct milter_conn *conn,
                            const char *queue_id)
{
    struct milter_msg *m = &conn->msg;
    struct capture_spool_msg cm;
    struct capture_spool_rcpt *rcpts;
    struct capture_spool_stats stats;
    enum capture_spool_result rc;
    size_t i, j, captured;

    if (m->raw == NULL)
        m->raw = buf_create(16);
    rcpts = xcalloc(m->proxy_count ? m->proxy_count : 1, sizeof(*rcpts));
    for (i = 0; i < m->proxy_count; i++) {
        rcpts[i].address = m->proxies[i].address;
        memcpy(rcpts[i].sid, m->proxies[i].sid, sizeof(rcpts[i].sid));
        rcpts[i].bounce_tag = m->proxies[i].bounce_tag;
    }
    stats.why = NULL;
    cm.queue_id = queue_id;
    cm.sender = m->sender ? m->sender : "";
    cm.raw = m->raw->data;
    cm.raw_len = m->raw->len;
    rc = capture_spool_message(milter_ctx->spool,
                               conn->set->cfg->spool_directory,
                               &conn->set->capture, &cm, rcpts,
                               m->proxy_count, on_captured, &stats);
    free(rcpts);
    captured = stats.captured + stats.duplicates;
    if (rc == CAPTURE_SPOOL_PARSE) {
        milter_setreply(ctx, queue_id, "451", "4.3.0",
                        "Cannot process the message now; try again later");
        return SMFIS_TEMPFAIL;
    }
    if (rc == CAPTURE_SPOOL_WRITE) {
        milter_setreply(ctx, queue_id, "451", "4.3.0",
                        "Temporary failure storing the message; try "
                        "again later");
        return SMFIS_TEMPFAIL;
    }

    /* Durably captured: now, and only now, change the message. */
    for (i = 0; i < m->proxy_count; i++) {
        for (j = 0; j < i; j++)
            if (strcmp(m->proxies[j].arg, m->proxies[i].arg) == 0)
                break;
        if (j == i)
            milter_delrcpt(ctx, queue_id, m->proxies[i].arg);
    }
    if (m->other_count == 0) {
        if (captured == 0)
            msg_info("%s: discard: nothing captured for %zu proxy "
                     "recipient(s), no other recipient", queue_id,
                     m->proxy_count);
        else
            msg_info("%s: discard: captured for %zu proxy recipient(s), no "
                     "other recipient", queue_id, m->proxy_count);
        return SMFIS_DISCARD;
    }
    return SMFIS_CONTINUE;
}
