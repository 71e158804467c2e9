/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_webhook - POST /twilio/webhook: Twilio's post-event webhooks.
 *
 * Twilio gives a webhook 5 seconds and does not retry it, so this handler
 * does only what must happen before 200: verify X-Twilio-Signature against
 * webhook_url (403 and one log line when it does not verify; nothing else
 * happens), and for onMessageAdded write the job into the spool (sync.h)
 * keyed by the MessageSid, so a retried or duplicated webhook is answered
 * without a second job.  The write goes through the spool writer
 * (spool_writer.h): webhooks that arrive together are made durable
 * together, off the event loop, and each is answered 200 only once its job
 * is.  It never waits for Twilio or SMTP: the
 * job runner picks the job up through its inotify watch.  The job is
 * built by message_job.h, as catch-up builds it (catchup.h), which a 500
 * here (the spool could not take the job) starts soon: Twilio does not
 * retry.  Other event
 * types are acknowledged and ignored; so are messages that postmask made
 * from email (an echo).  The log names the author by ParticipantSid; the
 * Author (a phone number or email address) only at debug level (-v).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "catchup.h"
#include "form.h"
#include "http_server.h"
#include "message_job.h"
#include "msg.h"
#include "spool.h"
#include "spool_writer.h"
#include "sync.h"
#include "twilio_signature.h"
#include "twilio_sid.h"
#include "xalloc.h"

/*
 * A message body of up to 32 KB (Twilio's limit for chat), percent-encoded
 * (up to 9 bytes for a 3-byte character), with Attributes and Media: a
 * webhook may be much larger than bridge_request_size_limit allows the API.
 */
#define WEBHOOK_BODY_MAX (1024 * 1024)

/* A webhook whose job is being written: what its answer needs. */
struct webhook_write {
    struct bridge *br;
    struct http_exchange *ex;
    char conv[TWILIO_SID_LEN + 1];
    char msg[TWILIO_SID_LEN + 1];
    char psid[TWILIO_SID_LEN + 1];      /* "" when none */
    char *author;               /* or NULL; for the debug log only */
};

/* The message could not be queued: 500, and catch-up soon, because
 * Twilio does not send a webhook again. */
static void refuse_unqueued(struct bridge *br, struct http_exchange *ex,
                            const char *conv, const char *msg,
                            const char *why)
{
    msg_error("%s: webhook: %s: cannot queue: %s", conv, msg, why);
    http_reply_error(ex, 500, "spool_error", NULL,
                     "the message could not be queued");
    catchup_soon(br->catchup);
}

/* The job is durable (or not): now, and only now, Twilio gets its answer. */
static void on_written(int rc, const char *id, const char *why, void *arg)
{
    struct webhook_write *ww = arg;

    if (rc < 0) {
        refuse_unqueued(ww->br, ww->ex, ww->conv, ww->msg, why);
    } else {
        /* The Author is a phone number or an email address: personal
         * data, logged at debug level only; the participant SID names
         * the author at info level. */
        msg_info("%s: webhook: %s from %s: %s job %s", ww->conv, ww->msg,
                 *ww->psid ? ww->psid : "no participant",
                 rc == SPOOL_DUPLICATE ? "duplicate of" : "queued as", id);
        if (msg_verbose())
            msg_info("%s: webhook: %s: author %s", ww->conv, ww->msg,
                     ww->author ? ww->author : "(none)");
        http_reply_json(ww->ex, 200, json_object());
    }
    free(ww->author);
    free(ww);
}

static void on_message_added(struct bridge *br, struct http_exchange *ex,
                             const struct form *form)
{
    const char *conv = form_get(form, "ConversationSid");
    const char *msg = form_get(form, "MessageSid");
    const char *author = form_get(form, "Author");
    const char *psid = form_get(form, "ParticipantSid");
    const char *field;
    struct webhook_write *ww;
    struct buf *why;
    json_t *event;
    char *payload;

    if (!twilio_sid_valid(conv, "CH") || !twilio_sid_valid(msg, "IM")) {
        msg_warn("webhook: onMessageAdded from %s without a valid "
                 "ConversationSid and MessageSid; refused",
                 http_exchange_peer(ex));
        http_reply_error(ex, 400, "invalid_field", twilio_sid_valid(conv, "CH")
                         ? "MessageSid" : "ConversationSid",
                         "onMessageAdded needs ConversationSid (CH...) and "
                         "MessageSid (IM...)");
        return;
    }
    if (sync_made_from_email(form_get(form, "Attributes"))) {
        msg_info("%s: webhook: %s: made from email; ignored", conv, msg);
        http_reply_json(ex, 200, json_object());
        return;
    }
    catchup_heard(br->catchup, conv);
    why = buf_create(128);
    if ((event = message_job_event_from_form(form, &field, why)) == NULL) {
        /* Twilio sends UTF-8: this is not a message we can keep as sent.
         * Catch-up fetches it again, from the REST API. */
        msg_warn("%s: webhook: %s: refused: %s", conv, msg, why->data);
        http_reply_error(ex, 400, "invalid_field", field, "%s", why->data);
        catchup_soon(br->catchup);
        buf_free(why);
        return;
    }
    payload = message_job_payload(event, why);
    json_decref(event);
    if (payload == NULL) {
        refuse_unqueued(br, ex, conv, msg, why->data);
        buf_free(why);
        return;
    }
    buf_free(why);
    ww = xcalloc(1, sizeof(*ww));
    ww->br = br;
    ww->ex = ex;
    snprintf(ww->conv, sizeof(ww->conv), "%s", conv);
    snprintf(ww->msg, sizeof(ww->msg), "%s", msg);
    if (twilio_sid_valid(psid, "MB"))
        snprintf(ww->psid, sizeof(ww->psid), "%s", psid);
    ww->author = author ? xstrdup(author) : NULL;
    /* Answered from on_written(), once the job is durable. */
    spool_writer_submit(br->spool_writer, SYNC_KIND_MESSAGE, msg, payload,
                        strlen(payload), on_written, ww);
}

static void handle_webhook(struct http_exchange *ex, void *arg)
{
    struct bridge *br = arg;
    const char *url = br->cfg->webhook_url;
    const char *body, *event;
    struct buf *why;
    struct form *form;
    size_t len;

    if (*url == '\0') {
        msg_warn("webhook: refused from %s: webhook_url is not set",
                 http_exchange_peer(ex));
        http_reply_error(ex, 403, "forbidden", NULL,
                         "webhooks are not configured");
        return;
    }
    body = http_exchange_body(ex, &len);
    why = buf_create(128);
    if (twilio_signature_verify(br->secrets.webhook_token,
                                br->secrets.webhook_token_len, url,
                                http_exchange_header(ex, "Content-Type"),
                                body, len,
                                http_exchange_header(ex, "X-Twilio-Signature"),
                                why) < 0) {
        msg_warn("webhook: refused from %s: %s", http_exchange_peer(ex),
                 why->data);
        http_reply_error(ex, 403, "forbidden", NULL,
                         "X-Twilio-Signature does not verify");
        buf_free(why);
        return;
    }
    buf_reset(why);
    if ((form = form_parse(body, len, TWILIO_SIGNATURE_MAX_PARAMS, why))
        == NULL) {
        msg_warn("webhook: refused from %s: %s", http_exchange_peer(ex),
                 why->data);
        http_reply_error(ex, 400, "invalid_body", NULL, "%s", why->data);
        buf_free(why);
        return;
    }
    buf_free(why);
    event = form_get(form, "EventType");
    if (event != NULL && strcmp(event, "onMessageAdded") == 0) {
        on_message_added(br, ex, form);
    } else {
        msg_info("webhook: %s: not handled; acknowledged",
                 event ? event : "(no EventType)");
        http_reply_json(ex, 200, json_object());
    }
    form_free(form);
}

int api_webhook_init(struct bridge *br, struct buf *why)
{
    (void) why;
    if (*br->cfg->webhook_url == '\0')
        msg_warn("webhook_url is not set: Twilio's webhooks will be refused");
    http_server_route(br->webhook_http, "POST", "/twilio/webhook", "webhook",
                      handle_webhook, br);
    http_server_route_limit(br->webhook_http, "POST", "/twilio/webhook",
                            WEBHOOK_BODY_MAX);
    return 0;
}
