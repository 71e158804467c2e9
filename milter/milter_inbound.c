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
 * (capture.h) is written to the spool once per conversation, durably,
 * before anything else happens;
 * only then are the proxy recipients removed, and the message is discarded
 * when no other recipient is left.  Any failure before that point answers
 * 4xx, so the sending MTA keeps the message and tries again: nothing is lost,
 * and the spool's dedupe key makes the retry harmless.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce_tag.h"
#include "capture.h"
#include "capture_job.h"
#include "milter.h"
#include "msg.h"
#include "xalloc.h"

sfsistat milter_inbound_rcpt(SMFICTX *ctx, struct milter_conn *conn,
                             const char *arg)
{
    const struct config *cfg = milter_ctx->cfg;
    char sid[CONVERSATION_SID_LEN + 1];
    size_t len = strlen(arg);
    char *address = (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        ? xstrndup(arg + 1, len - 2) : xstrdup(arg);
    enum proxy_status status;

    status = proxy_address_decode(milter_ctx->keys,
                                  (const char *const *) cfg->proxy_domains.items,
                                  cfg->proxy_domains.count, address, sid);
    if (status == PROXY_NOT_PROXY_DOMAIN) {
        conn->msg.other_count++;
    } else if (milter_rate_rcpt(ctx, conn, address, status, sid)
               != SMFIS_CONTINUE) {        /* 450 4.7.1: rate limits */
        free(address);
        return SMFIS_TEMPFAIL;
    } else if (status == PROXY_OK) {
        milter_msg_add_proxy(&conn->msg, arg, address, sid);
        conn->msg.proxies[conn->msg.proxy_count - 1].bounce_tag =
            (int) bounce_tag_verify(milter_ctx->keys, address, time(NULL),
                                    cfg->bounce_tag_lifetime);
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

/* Was the conversation of proxies[i] already seen in proxies[0..i)? */
static int seen_before(const struct milter_msg *m, size_t i)
{
    size_t j;

    for (j = 0; j < i; j++)
        if (strcmp(m->proxies[j].sid, m->proxies[i].sid) == 0)
            return 1;
    return 0;
}

/*
 * The recipient of proxies[i]'s conversation to capture for: one whose bounce
 * tag verified, if any, else proxies[i].  A message from the null sender
 * counts only with a valid tag (a delivery report or an auto-reply of mail
 * we sent): without one, NULL, after logging the discard.
 */
static const struct milter_rcpt *capture_rcpt(const struct milter_msg *m,
                                              size_t i, const char *queue_id)
{
    int status = BOUNCE_TAG_NONE;
    size_t j;

    for (j = i; j < m->proxy_count; j++) {
        if (strcmp(m->proxies[j].sid, m->proxies[i].sid) != 0)
            continue;
        if (m->proxies[j].bounce_tag == BOUNCE_TAG_OK)
            return &m->proxies[j];
        if (status == BOUNCE_TAG_NONE)
            status = m->proxies[j].bounce_tag;
    }
    if (m->sender != NULL && *m->sender != '\0')
        return &m->proxies[i];
    msg_info("%s: discard: null sender to conversation %s: no valid bounce "
             "tag (%s)", queue_id, m->proxies[i].sid,
             bounce_tag_status_name((enum bounce_tag_status) status));
    return NULL;
}

/* Spools the capture for one conversation: 0, or -1 after logging. */
static int spool_capture(const struct milter_msg *m, const struct capture *cap,
                         const struct milter_rcpt *r, const char *queue_id)
{
    struct capture_job_info info;
    struct buf *key = buf_create(128), *payload = buf_create(m->raw->len * 2);
    struct buf *why = buf_create(128);
    char id[SPOOL_ID_LEN + 1];
    int rc;

    info.conversation_sid = r->sid;
    info.proxy_address = r->address;
    info.envelope_sender = m->sender ? m->sender : "";
    info.queue_id = queue_id;
    info.received = time(NULL);
    info.bounce_tag = r->bounce_tag == BOUNCE_TAG_NONE ? NULL
        : bounce_tag_status_name((enum bounce_tag_status) r->bounce_tag);
    capture_job_key(r->sid, cap, m->raw->data, m->raw->len, key);
    capture_job_encode(&info, cap, m->raw->data, m->raw->len, payload);
    rc = spool_enqueue(milter_ctx->spool, CAPTURE_JOB_KIND, key->data,
                       payload->data, payload->len, id, why);
    if (rc == SPOOL_ACCEPTED) {
        msg_info("%s: captured: conversation %s, %s, job %s", queue_id,
                 r->sid, capture_class_name(cap->classification), id);
        milter_rate_captured(queue_id, r->sid);     /* capture_rate_limit */
    } else if (rc == SPOOL_DUPLICATE)
        msg_info("%s: duplicate: conversation %s, already captured as job %s",
                 queue_id, r->sid, id);
    else
        msg_warn("%s: tempfail: conversation %s: cannot spool the capture: %s",
                 queue_id, r->sid, why->data);
    buf_free(key);
    buf_free(payload);
    buf_free(why);
    return rc < 0 ? -1 : 0;
}

sfsistat milter_inbound_eom(SMFICTX *ctx, struct milter_conn *conn,
                            const char *queue_id)
{
    struct milter_msg *m = &conn->msg;
    struct capture *cap;
    struct buf *why = buf_create(128);
    size_t i, j, captured = 0;

    if (m->raw == NULL)
        m->raw = buf_create(16);
    if (capture_parse(m->raw->data, m->raw->len, m->sender ? m->sender : "",
                      &milter_ctx->capture, &cap, why) < 0) {
        msg_warn("%s: tempfail: cannot parse the message to a proxy "
                 "address: %s", queue_id, why->data);
        milter_setreply(ctx, queue_id, "451", "4.3.0",
                        "Cannot process the message now; try again later");
        buf_free(why);
        return SMFIS_TEMPFAIL;
    }
    buf_free(why);
    for (i = 0; i < m->proxy_count; i++) {
        const struct milter_rcpt *r;

        if (seen_before(m, i) || (r = capture_rcpt(m, i, queue_id)) == NULL)
            continue;
        if (spool_capture(m, cap, r, queue_id) < 0) {
            capture_free(cap);
            milter_setreply(ctx, queue_id, "451", "4.3.0",
                            "Temporary failure storing the message; try "
                            "again later");
            return SMFIS_TEMPFAIL;
        }
        captured++;
    }
    capture_free(cap);

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
