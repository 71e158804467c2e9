/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_email_send - step 5 of sync_email.c: a batch of the seeker's
 * messages into each building contact's mailbox, then the emailed marker
 * on every message of the batch (sync.h), then the rate limit's record.
 *
 * The media of the batch's messages are downloaded from Twilio's Media
 * Content Service, each at most attachment_size_limit bytes, and attached
 * in order; one that is larger, or that Twilio no longer has or refuses
 * (Twilio unavailable: the job is retried), is left out and its message's
 * note says so.  When the batch is an earlier one (this job's message
 * waits for a later email), a refused email or markers Twilio did not
 * take defer this job instead of ending it: the batch's own jobs answer
 * for it, and the same batch must not be sent again at once.
 * The markers are set one after the other, each with the message's
 * attributes as Twilio last listed them plus "postmask": {"emailed":
 * TIME, "email": FIRST_SID}, without a webhook; a marker that cannot be
 * set is logged only (that message's job would email it once more, with
 * the same text: better than losing it).  The job ends after the markers,
 * so that no other run of the conversation decides on the batch while they
 * are being set.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "email_compose.h"
#include "iso8601.h"
#include "mask.h"
#include "metrics.h"
#include "msg.h"
#include "reply_marker.h"
#include "sync.h"
#include "sync_email_int.h"
#include "xalloc.h"

static const char *first_sid(const struct run *run)
{
    return event_str(run->batch[0].event, "MessageSid");
}

/* The batch's media, from each message's Media (a JSON array as text;
 * REST and Event Streams spell the keys differently: both are read). */
static void collect_media(struct run *run)
{
    json_t *list, *m;
    const char *text, *sid, *name, *type;
    size_t k, i;

    for (k = 0; k < run->nbatch; k++) {
        text = event_str(run->batch[k].event, "Media");
        list = text ? json_loads(text, 0, NULL) : NULL;
        json_array_foreach(list, i, m) {
            sid = json_string_value(json_object_get(m, "sid"));
            if (sid == NULL)
                sid = json_string_value(json_object_get(m, "Sid"));
            if (sid == NULL)
                sid = json_string_value(json_object_get(m, "MediaSid"));
            if (sid == NULL)
                continue;
            name = json_string_value(json_object_get(m, "filename"));
            if (name == NULL)
                name = json_string_value(json_object_get(m, "Filename"));
            type = json_string_value(json_object_get(m, "content_type"));
            if (type == NULL)
                type = json_string_value(json_object_get(m, "ContentType"));
            run->media = xrealloc(run->media, (run->nmedia + 1) *
                                  sizeof(*run->media));
            memset(&run->media[run->nmedia], 0, sizeof(*run->media));
            run->media[run->nmedia].sid = xstrdup(sid);
            run->media[run->nmedia].filename = xstrdup(name ? name
                                                       : "attachment");
            run->media[run->nmedia].content_type = type ? xstrdup(type)
                : NULL;
            run->media[run->nmedia].item = k;
            run->nmedia++;
        }
        json_decref(list);
    }
}

/* Why a file is left out when Twilio does not give it. */
#define NOT_FETCHED "could not be fetched from Twilio"

/* A note on the batch message: a file left out, and why. */
static void add_note(struct shown *s, const char *filename, const char *why)
{
    struct buf *b = buf_create(128);

    if (s->note != NULL)
        buf_printf(b, "%s; ", s->note);
    buf_printf(b, "%s %s", filename, why);
    free(s->note);
    s->note = buf_detach(b, NULL);
}

/* The markers, one after the other; then the end. */
static void mark_next(struct run *run);

static void finish(struct run *run)
{
    struct buf *why = buf_create(128);
    time_t now = time(NULL);

    if (email_rate_sent(run->owner->rate, run->conv, now, why) < 0)
        msg_warn("%s: cannot record the email for email_rate_limit: %s",
                 run->conv, why->data);
    buf_free(why);
    metrics_add(run->br->metrics, "postmask_emails_sent_total", NULL,
                (double) run->nrcpts);
    metrics_add(run->br->metrics, "postmask_email_messages_total", NULL,
                (double) run->nbatch);
    if (run->own_in_batch) {
        job_done(run->job, "%s: %s: emailed %zu message(s) as one email "
                 "(Message-ID from %s) to %zu building contact(s): %s",
                 run->conv, run->msg, run->nbatch, first_sid(run),
                 run->nrcpts, run->replies->data);
        run_free(run);
        return;
    }
    /* An earlier batch was due; this job's message is in a later one. */
    msg_info("%s: %s: emailed %zu earlier message(s) as one email (Message-ID "
             "from %s) to %zu building contact(s): %s", run->conv, run->msg,
             run->nbatch, first_sid(run), run->nrcpts, run->replies->data);
    if (run->marks_failed > 0) {
        /* Unmarked, they would make the same batch again at once. */
        job_retry(run->job, "%s: %s: %zu message(s) of the email of %s could "
                  "not be marked emailed; this message waits", run->conv,
                  run->msg, run->marks_failed, first_sid(run));
        run_free(run);
        return;
    }
    run_list(run);
}

static void on_marked(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    const char *sid = event_str(run->batch[run->cur_mark].event, "MessageSid");

    if (TWILIO_OK(res)) {
        msg_info("%s: %s: emailed marker set", run->conv, sid);
    } else {
        run->marks_failed++;
        msg_warn("%s: %s: cannot set the emailed marker: HTTP %d%s%s",
                 run->conv, sid, res->status, res->message ? ": " : "",
                 res->message ? res->message : "");
    }
    run->cur_mark++;
    mark_next(run);
}

static void mark_next(struct run *run)
{
    const json_t *event;
    const char *text;
    json_t *attrs, *pm;
    struct buf *why;
    char now[ISO8601_SIZE];

    if (run->cur_mark == run->nbatch) {
        finish(run);
        return;
    }
    event = run->batch[run->cur_mark].event;
    text = event_str(event, "Attributes");
    attrs = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(attrs)) {
        json_decref(attrs);
        attrs = json_object();
    }
    pm = json_object_get(attrs, "postmask");
    if (!json_is_object(pm)) {
        pm = json_object();
        json_object_set_new(attrs, "postmask", pm);
    }
    iso8601_format(time(NULL), now);
    json_object_set_new(pm, SYNC_EMAILED_KEY, json_string(now));
    json_object_set_new(pm, SYNC_EMAIL_KEY, json_string(first_sid(run)));
    why = buf_create(128);
    if (twilio_message_update_attributes(run->br->twilio, run->conv,
                                         event_str(event, "MessageSid"), attrs,
                                         "false", on_marked, run, why) < 0) {
        msg_warn("%s: %s: cannot set the emailed marker: %s", run->conv,
                 event_str(event, "MessageSid"), why->data);
        run->marks_failed++;
        run->cur_mark++;
        json_decref(attrs);
        buf_free(why);
        mark_next(run);
        return;
    }
    buf_free(why);
    json_decref(attrs);
}

/* Step 5: one email per recipient, one after the other. */
static void submit_next(struct run *run);

/*
 * The server's answer for the log, with the recipient's address (Postfix
 * names it in "550 5.1.1 <bob@...>: Recipient address rejected") replaced
 * by the participant SID (ASCII case ignored).
 */
static void append_scrubbed(struct buf *out, const char *text,
                            const char *addr, const char *sid)
{
    size_t len = strlen(addr);
    const char *cp;

    for (cp = text; *cp;) {
        if (len > 0 && strncasecmp(cp, addr, len) == 0) {
            buf_append_str(out, sid);
            cp += len;
        } else {
            buf_append_char(out, *cp++);
        }
    }
}

static void on_submitted(enum smtp_result result, const char *detail,
                         void *arg)
{
    struct run *run = arg;
    const char *rcpt = run->rcpts[run->cur_rcpt];
    const char *sid = run->rcpt_sids[run->cur_rcpt];
    struct buf *answer = buf_create(128);

    if (msg_verbose())
        msg_info("%s: %s: email to %s (%s): %s", run->conv, run->msg, sid,
                 rcpt, detail);
    append_scrubbed(answer, detail, rcpt, sid);
    if (result == SMTP_TEMPFAIL) {
        job_retry(run->job, "%s: %s: email to %s deferred: %s", run->conv,
                  run->msg, sid, answer->data);
        buf_free(answer);
        run_free(run);
        return;
    }
    if (result == SMTP_REFUSED && !run->own_in_batch) {
        /* An earlier batch's email: its own jobs die of it, and this
         * message goes in a later one. */
        job_retry(run->job, "%s: %s: the email of %s to %s refused: %s; "
                  "this message waits", run->conv, run->msg, first_sid(run),
                  sid, answer->data);
        buf_free(answer);
        run_free(run);
        return;
    }
    if (result == SMTP_REFUSED) {
        job_dead(run->job, "%s: %s: email to %s refused: %s", run->conv,
                 run->msg, sid, answer->data);
        buf_free(answer);
        run_free(run);
        return;
    }
    buf_printf(run->replies, "%s%s (%s)", run->replies->len ? ", " : "", sid,
               answer->data);
    buf_free(answer);
    run->cur_rcpt++;
    submit_next(run);
}

/*
 * The seeker's email in the composed text (they may write it in an SMS)
 * becomes the proxy address, as postmask-milter would do it: the milter
 * no longer learns the address from the envelope or From.  Returns 0, or
 * -1 with why when the message could not be masked.
 */
static int mask_seeker(const struct run *run, struct buf *mail,
                       struct buf *why)
{
    struct mask_list originals;
    char *addr;
    const char *end;
    struct buf *body;
    size_t head;
    int ret;

    if (run->seeker_email == NULL || strchr(run->seeker_email, '@') == NULL)
        return 0;
    if ((end = strstr(mail->data, "\r\n\r\n")) == NULL) {
        buf_printf(why, "the composed email has no end of header");
        return -1;
    }
    head = (size_t) (end - mail->data) + 4;
    addr = xstrdup(run->seeker_email);
    originals.count = 1;
    originals.items = &addr;
    body = buf_create(mail->len + 64);
    ret = mask_body(mail->data, mail->len, &originals, run->proxy, body, why);
    if (ret > 0) {
        buf_truncate(mail, head);
        buf_append(mail, body->data, body->len);
    }
    buf_free(body);
    free(addr);
    return ret < 0 ? -1 : 0;
}

/*
 * The seeker's email address masked into the proxy address in a string
 * that goes into the email; the caller frees what it returns.  Done before
 * composing: the HTML part escapes the text (o'brien@... becomes
 * o&#39;brien@...), and mask_body() over the finished message would not
 * find it there.
 */
static char *masked(const struct run *run, const char *text)
{
    struct mask_list originals;
    char *addr;
    char *ret;

    if (text == NULL)
        return NULL;
    if (run->seeker_email == NULL || strchr(run->seeker_email, '@') == NULL)
        return xstrdup(text);
    addr = run->seeker_email;
    originals.count = 1;
    originals.items = &addr;
    ret = mask_string(text, &originals, run->proxy);
    return ret;
}

/* items[i] from list[i], its strings masked; each string the caller
 * frees is put in owned (3 per item). */
static void fill_items(const struct run *run, const struct shown *list,
                       size_t n, struct email_item *items, char **owned)
{
    const char *body;
    size_t i;

    for (i = 0; i < n; i++) {
        body = event_str(list[i].event, "Body");
        items[i].message_sid = event_str(list[i].event, "MessageSid");
        items[i].author = owned[3 * i] = masked(run, list[i].author);
        items[i].channel = list[i].channel;
        items[i].date = event_date(list[i].event, time(NULL));
        items[i].body = owned[3 * i + 1] = masked(run, body ? body : "");
        items[i].note = owned[3 * i + 2] = masked(run, list[i].note);
    }
}

/* The email for the current recipient, composed and masked. */
static int compose(struct run *run, struct buf *mail, struct buf *why)
{
    const struct config *cfg = run->br->cfg;
    struct email_attachment *atts;
    struct email_item *items, *context;
    struct email_in in;
    char *marker, **owned, *title;
    size_t i, n = 0, nowned = 3 * (run->nbatch + run->ncontext);
    int ret;

    atts = xcalloc(run->nmedia + 1, sizeof(*atts));
    for (i = 0; i < run->nmedia; i++)
        if (run->media[i].data != NULL) {
            atts[n].filename = run->media[i].filename;
            atts[n].content_type = run->media[i].content_type;
            atts[n].data = run->media[i].data;
            atts[n].len = run->media[i].len;
            n++;
        }
    items = xcalloc(run->nbatch, sizeof(*items));
    context = xcalloc(run->ncontext + 1, sizeof(*context));
    owned = xcalloc(nowned + 1, sizeof(*owned));
    fill_items(run, run->batch, run->nbatch, items, owned);
    fill_items(run, run->context, run->ncontext, context,
               owned + 3 * run->nbatch);
    marker = reply_marker_format(cfg->email_reply_marker, run->seeker_name,
                                 run->seeker_channel);
    title = masked(run, run->title);
    memset(&in, 0, sizeof(in));
    in.conversation_sid = run->conv;
    in.domain = cfg->proxy_domains.items[0];
    in.from_name = run->seeker_shown;
    in.from_address = run->proxy;
    in.to_name = run->rcpt_names[run->cur_rcpt];
    in.to_address = run->rcpts[run->cur_rcpt];
    in.subject = run->subject;
    in.listing_title = *title ? title : NULL;
    in.marker = marker;
    in.items = items;
    in.nitems = run->nbatch;
    in.context = context;
    in.ncontext = run->ncontext;
    in.date = items[run->nbatch - 1].date;
    in.attachments = atts;
    in.nattachments = n;
    ret = email_compose(&in, mail, why);
    if (ret == 0)
        ret = mask_seeker(run, mail, why);
    free(marker);
    free(title);
    for (i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(items);
    free(context);
    free(atts);
    return ret;
}

static void submit_next(struct run *run)
{
    struct buf *mail, *why;
    int ret;

    if (run->cur_rcpt == run->nrcpts) {
        mark_next(run);
        return;
    }
    mail = buf_create(4096);
    why = buf_create(128);
    if (compose(run, mail, why) < 0) {
        job_dead(run->job, "%s: %s: cannot compose the email: %s", run->conv,
                 run->msg, why->data);
        buf_free(mail);
        buf_free(why);
        run_free(run);
        return;
    }
    ret = smtp_submit(run->owner->smtp, run->proxy,
                      run->rcpts[run->cur_rcpt], mail->data, mail->len,
                      on_submitted, run, why);
    buf_free(mail);
    if (ret < 0)
        run_failed(run, "submit the email", why);
    else
        buf_free(why);
}

/* The media, one download after the other. */
static void download_next(struct run *run);

static void on_downloaded(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    struct media *m = &run->media[run->cur_media];

    if (TWILIO_UNAVAILABLE(res)) {
        run_twilio_failed(run, res, "download the message's media");
        return;
    }
    if (!TWILIO_OK(res)) {
        /* Gone or refused for good: the email goes without it. */
        msg_warn("%s: %s: media %s: HTTP %d; left out of the email",
                 run->conv, run->msg, m->sid, res->status);
        add_note(&run->batch[m->item], m->filename, NOT_FETCHED);
    } else if (res->body_len > (size_t) run->br->cfg->attachment_size_limit) {
        struct buf *why = buf_create(64);

        buf_printf(why, "(%zu bytes) is too large to attach", res->body_len);
        add_note(&run->batch[m->item], m->filename, why->data);
        buf_free(why);
    } else {
        m->data = xmemdup(res->body_len ? (const void *) res->body : "",
                          res->body_len);
        m->len = res->body_len;
        if (res->content_type && m->content_type == NULL)
            m->content_type = xstrdup(res->content_type);
    }
    run->cur_media++;
    download_next(run);
}

static void download_next(struct run *run)
{
    struct buf *why;

    if (run->cur_media < run->nmedia && run->chat_service_sid == NULL) {
        /* No Conversations service to fetch from: noted, not attached. */
        for (; run->cur_media < run->nmedia; run->cur_media++)
            add_note(&run->batch[run->media[run->cur_media].item],
                     run->media[run->cur_media].filename, NOT_FETCHED);
    }
    if (run->cur_media == run->nmedia) {
        submit_next(run);
        return;
    }
    why = buf_create(128);
    if (twilio_media_download(run->br->twilio, run->chat_service_sid,
                              run->media[run->cur_media].sid, on_downloaded,
                              run, why) < 0)
        run_failed(run, "download the message's media", why);
    else
        buf_free(why);
}

void send_batch(struct run *run)
{
    collect_media(run);
    download_next(run);
}
