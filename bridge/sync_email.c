/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_email - conversation messages to the building contacts' mailboxes
 * (sync.h): the handler of SYNC_KIND_MESSAGE jobs.
 *
 * For one onMessageAdded event:
 *   0. the message as Twilio has it now: when it carries the emailed
 *      marker (another bridge, or this one before a crash, emailed it),
 *      or is gone, the job is done without an email;
 *   1. the conversation and its participants (conv_cache.h);
 *   2. the author: the participant with the event's ParticipantSid, else
 *      the one the Author names (asking Twilio again once when neither is
 *      known yet).  Only a seeker's message goes on: a building contact's
 *      (they wrote on SMS or WhatsApp) or the system's is done with;
 *   3. the recipients: every building contact participant with an email
 *      address in its attributes, each address once;
 *   4. the message's media, downloaded from Twilio's Media Content Service,
 *      each at most attachment_size_limit bytes (a larger one is left out
 *      and the body says so);
 *   5. one email per recipient (email_compose.h): From the seeker's name
 *      (through masked_display_format) and the conversation's proxy
 *      address, which is also the envelope sender, so that no log on the
 *      way (Postfix's maillog included) ever holds the seeker's address;
 *      the seeker's email, where the text carries it, is masked into the
 *      proxy address here (mask_body); Subject from email_subject_format
 *      and the listing title, Message-ID <MessageSid@proxy-domain>;
 *      submitted (smtp_submit.h) to the masking listener, where
 *      postmask-milter checks and masks it again as a safety net.
 * Privacy: log lines and job reasons (which postmaskctl queue shows) name
 * participants by their SIDs, never by their phone numbers or email
 * addresses; with -v (msg_verbose()) the addresses are logged too.
 * Emailed marker: once every recipient was accepted and the job is done,
 * the message's attributes at Twilio get "postmask": {"emailed": TIME}
 * (sync.h), set with X-Twilio-Webhook-Enabled: false; catch-up skips such
 * messages.
 * Results: every recipient accepted: done.  A 4xx, a timeout, Twilio
 * unavailable: the job is deferred and retried by the spool (an email
 * already accepted for another recipient is then sent again with the same
 * Message-ID, which mail clients show once).  A 5xx (the masking listener
 * refused it), a conversation that is gone (after step 0), Twilio
 * refusing: a dead letter
 * with the reason, visible in postmaskctl queue.
 */
#include <stdlib.h>
#include <sys/queue.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conv_cache.h"
#include "email_compose.h"
#include "iso8601.h"
#include "job_runner.h"
#include "mask.h"
#include "msg.h"
#include "proxy_address.h"
#include "smtp_submit.h"
#include "sync.h"
#include "twilio_api.h"
#include "xalloc.h"

struct media {
    char *sid;
    char *filename;
    char *content_type;
    unsigned char *data;
    size_t len;
};

struct run {
    struct sync_email *owner;
    LIST_ENTRY(run) entry;      /* in the owner's runs */
    struct bridge *br;
    struct job *job;
    json_t *event;              /* the webhook's fields */
    const char *conv, *msg;     /* SIDs, in event */
    int refetched;
    char *seeker_name, *seeker_email, *proxy, *subject, *chat_service_sid;
    char **rcpts, **rcpt_names, **rcpt_sids;   /* sids: for the logs */
    size_t nrcpts, cur_rcpt;
    struct media *media;
    size_t nmedia, cur_media;
    struct buf *skipped;        /* media left out, for the body */
    struct buf *replies;        /* SMTP answers, for the log */
};

/* An emailed marker on its way to Twilio (sync.h), after its job ended. */
struct marker {
    struct sync_email *owner;
    LIST_ENTRY(marker) entry;
    char *conv, *msg;
};

struct sync_email {
    struct smtp_submitter *smtp;
    LIST_HEAD(, run) runs;      /* jobs in hand */
    LIST_HEAD(, marker) markers;    /* markers in flight */
};

static void start_conversation(struct run *run, int fresh);

static void run_free(struct run *run)
{
    size_t i;

    LIST_REMOVE(run, entry);
    json_decref(run->event);
    free(run->seeker_name);
    free(run->seeker_email);
    free(run->proxy);
    free(run->subject);
    free(run->chat_service_sid);
    for (i = 0; i < run->nrcpts; i++) {
        free(run->rcpts[i]);
        free(run->rcpt_names[i]);
        free(run->rcpt_sids[i]);
    }
    free(run->rcpts);
    free(run->rcpt_names);
    free(run->rcpt_sids);
    for (i = 0; i < run->nmedia; i++) {
        free(run->media[i].sid);
        free(run->media[i].filename);
        free(run->media[i].content_type);
        free(run->media[i].data);
    }
    free(run->media);
    buf_free(run->skipped);
    buf_free(run->replies);
    free(run);
}

static const char *ev(const struct run *run, const char *name)
{
    return json_string_value(json_object_get(run->event, name));
}

static const char *or_else(const char *s, const char *dflt)
{
    return s != NULL ? s : dflt;
}

static void twilio_failed(struct run *run, const struct twilio_result *res,
                          const char *what)
{
    struct buf *about = buf_create(80);

    buf_printf(about, "%s: %s", run->conv, run->msg);
    sync_twilio_failed(run->job, about->data, res, what);
    buf_free(about);
    run_free(run);
}

static void start_failed(struct run *run, const char *what, struct buf *why)
{
    job_retry(run->job, "%s: %s: cannot %s: %s", run->conv, run->msg, what,
              why->data);
    buf_free(why);
    run_free(run);
}

/* email_subject_format with %s the title and %% a percent sign. */
static char *format_subject(const char *format, const char *title)
{
    struct buf *b = buf_create(128);
    const char *cp;

    for (cp = format; *cp; cp++) {
        if (cp[0] == '%' && cp[1] == 's') {
            buf_append_str(b, title);
            cp++;
        } else if (cp[0] == '%' && cp[1] == '%') {
            buf_append_char(b, '%');
            cp++;
        } else {
            buf_append_char(b, *cp);
        }
    }
    return buf_detach(b, NULL);
}

static time_t message_date(const struct run *run)
{
    time_t t;

    if (iso8601_parse(ev(run, "DateCreated"), &t) == 0)
        return t;
    return (time_t) json_integer_value(json_object_get(run->event,
                                                       "_received"));
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

static void marker_free(struct marker *mk)
{
    LIST_REMOVE(mk, entry);
    free(mk->conv);
    free(mk->msg);
    free(mk);
}

static void on_marked(const struct twilio_result *res, void *arg)
{
    struct marker *mk = arg;

    if (TWILIO_OK(res))
        msg_info("%s: %s: emailed marker set", mk->conv, mk->msg);
    else
        msg_warn("%s: %s: cannot set the emailed marker: HTTP %d%s%s", mk->conv,
                 mk->msg, res->status, res->message ? ": " : "",
                 res->message ? res->message : "");
    marker_free(mk);
}

/*
 * Postfix accepted every email of the message (its job is done): the
 * message's attributes at Twilio get "postmask": {"emailed": "<now>"},
 * without a webhook, so that catch-up never queues it again (sync.h).  The
 * attributes are the webhook's (or catch-up's) with the marker added.  A
 * failure is logged only: the spool's dedupe marker still guards this
 * bridge until dedupe_lifetime.
 */
static void mark_emailed(struct run *run)
{
    const char *text = ev(run, "Attributes");
    json_t *attrs = text ? json_loads(text, 0, NULL) : NULL, *pm;
    struct marker *mk;
    struct buf *why;
    char now[ISO8601_SIZE];

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
    mk = xcalloc(1, sizeof(*mk));
    mk->owner = run->owner;
    mk->conv = xstrdup(run->conv);
    mk->msg = xstrdup(run->msg);
    LIST_INSERT_HEAD(&run->owner->markers, mk, entry);
    why = buf_create(128);
    if (twilio_message_update_attributes(run->br->twilio, run->conv, run->msg,
                                         attrs, "false", on_marked, mk,
                                         why) < 0) {
        msg_warn("%s: %s: cannot set the emailed marker: %s", run->conv,
                 run->msg, why->data);
        marker_free(mk);
    }
    buf_free(why);
    json_decref(attrs);
}

static void submit_next(struct run *run)
{
    const struct config *cfg = run->br->cfg;
    struct email_attachment *atts;
    struct email_in in;
    struct email_item item;
    struct buf *mail, *why, *body;
    char *name;
    size_t i, n = 0;
    int ret;

    if (run->cur_rcpt == run->nrcpts) {
        job_done(run->job, "%s: %s: emailed to %zu building contact(s): %s",
                 run->conv, run->msg, run->nrcpts, run->replies->data);
        mark_emailed(run);
        run_free(run);
        return;
    }
    atts = xcalloc(run->nmedia + 1, sizeof(*atts));
    for (i = 0; i < run->nmedia; i++)
        if (run->media[i].data != NULL) {
            atts[n].filename = run->media[i].filename;
            atts[n].content_type = run->media[i].content_type;
            atts[n].data = run->media[i].data;
            atts[n].len = run->media[i].len;
            n++;
        }
    body = buf_create(256);
    buf_append_str(body, or_else(ev(run, "Body"), ""));
    if (run->skipped->len)
        buf_printf(body, "\n\n[%s]", run->skipped->data);
    name = mask_display_name(cfg->masked_display_format, run->seeker_name);
    memset(&in, 0, sizeof(in));
    memset(&item, 0, sizeof(item));
    item.message_sid = run->msg;
    item.body = body->data;
    in.items = &item;
    in.nitems = 1;
    in.conversation_sid = run->conv;
    in.domain = cfg->proxy_domains.items[0];
    in.from_name = name;
    in.from_address = run->proxy;
    in.to_name = run->rcpt_names[run->cur_rcpt];
    in.to_address = run->rcpts[run->cur_rcpt];
    in.subject = run->subject;
    in.date = message_date(run);
    in.attachments = atts;
    in.nattachments = n;
    mail = buf_create(4096);
    why = buf_create(128);
    ret = email_compose(&in, mail, why);
    if (ret == 0)
        ret = mask_seeker(run, mail, why);
    free(atts);
    free(name);
    buf_free(body);
    if (ret < 0) {
        job_dead(run->job, "%s: %s: cannot compose the email: %s", run->conv,
                 run->msg, why->data);
        buf_free(mail);
        buf_free(why);
        run_free(run);
        return;
    }
    ret = smtp_submit(run->owner->smtp, in.from_address, in.to_address,
                      mail->data, mail->len, on_submitted, run, why);
    buf_free(mail);
    if (ret < 0)
        start_failed(run, "submit the email", why);
    else
        buf_free(why);
}

/* Step 4: the media, one download after the other. */
static void download_next(struct run *run);

static void on_downloaded(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    struct media *m = &run->media[run->cur_media];

    if (!TWILIO_OK(res)) {
        twilio_failed(run, res, "download the message's media");
        return;
    }
    if (res->body_len > (size_t) run->br->cfg->attachment_size_limit) {
        buf_printf(run->skipped, "%s%s (%zu bytes) is too large to attach",
                   run->skipped->len ? "; " : "", m->filename, res->body_len);
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

    if (run->cur_media == run->nmedia || run->chat_service_sid == NULL) {
        submit_next(run);
        return;
    }
    why = buf_create(128);
    if (twilio_media_download(run->br->twilio, run->chat_service_sid,
                              run->media[run->cur_media].sid, on_downloaded,
                              run, why) < 0)
        start_failed(run, "download the message's media", why);
    else
        buf_free(why);
}

/* The event's Media: a JSON array as text; REST and Event Streams spell
 * the keys differently, so both are read. */
static void collect_media(struct run *run)
{
    const char *text = ev(run, "Media");
    json_t *list = text ? json_loads(text, 0, NULL) : NULL, *m;
    const char *sid, *name, *type;
    size_t i;

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
        run->media[run->nmedia].filename = xstrdup(name ? name : "attachment");
        run->media[run->nmedia].content_type = type ? xstrdup(type) : NULL;
        run->nmedia++;
    }
    json_decref(list);
}

static void add_recipient(struct run *run, const char *email,
                          const char *name, const char *sid)
{
    size_t i;

    for (i = 0; i < run->nrcpts; i++)
        if (strcasecmp(run->rcpts[i], email) == 0)
            return;
    run->rcpts = xrealloc(run->rcpts, (run->nrcpts + 1) * sizeof(char *));
    run->rcpt_names = xrealloc(run->rcpt_names,
                               (run->nrcpts + 1) * sizeof(char *));
    run->rcpt_sids = xrealloc(run->rcpt_sids,
                              (run->nrcpts + 1) * sizeof(char *));
    run->rcpts[run->nrcpts] = xstrdup(email);
    run->rcpt_names[run->nrcpts] = name ? xstrdup(name) : NULL;
    run->rcpt_sids[run->nrcpts] = xstrdup(sid ? sid : "a participant");
    run->nrcpts++;
}

static void on_conversation(const struct conv_info *info,
                            const struct twilio_result *failure, void *arg)
{
    struct run *run = arg;
    const struct config *cfg = run->br->cfg;
    const char *psid = ev(run, "ParticipantSid"), *author = ev(run, "Author");
    const json_t *p = NULL, *q;
    const char *role, *title;
    json_t *attrs;
    struct buf *addr, *why;
    size_t i;

    if (info == NULL) {
        twilio_failed(run, failure, "read the conversation");
        return;
    }
    if (psid != NULL && *psid)
        p = participant_by_sid(info, psid);
    if (p == NULL && author != NULL)
        p = participant_by_author(info, author);
    if (p == NULL && !run->refetched) {
        run->refetched = 1;     /* a participant added since we cached */
        start_conversation(run, 1);
        return;
    }
    role = p ? participant_role(p) : NULL;
    if (role == NULL || strcmp(role, "seeker") != 0) {
        /* The Author is a phone number or an address: the participant
         * SID names them (the Author only at debug level). */
        if (msg_verbose())
            msg_info("%s: %s: author %s", run->conv, run->msg,
                     or_else(author, "(none)"));
        job_done(run->job, "%s: %s: author %s is %s; no email", run->conv,
                 run->msg, p ? or_else(json_string_value(json_object_get(
                     p, "sid")), "a participant") : "unknown",
                 p == NULL ? "no participant" : role == NULL
                 ? "a participant without a role" : "the building contact");
        run_free(run);
        return;
    }
    attrs = participant_attributes(p);
    run->seeker_name = xstrdup(or_else(json_string_value(
        json_object_get(attrs, "name")), ""));
    if (json_string_value(json_object_get(attrs, "email")))
        run->seeker_email = xstrdup(json_string_value(
            json_object_get(attrs, "email")));
    json_decref(attrs);

    json_array_foreach(info->participants, i, q) {
        role = participant_role(q);
        if (role == NULL || strcmp(role, "building_contact") != 0)
            continue;
        attrs = participant_attributes(q);
        if (json_string_value(json_object_get(attrs, "email")))
            add_recipient(run, json_string_value(json_object_get(attrs,
                                                                 "email")),
                          json_string_value(json_object_get(attrs, "name")),
                          json_string_value(json_object_get(q, "sid")));
        json_decref(attrs);
    }
    if (run->nrcpts == 0) {
        job_done(run->job, "%s: %s: no building contact with an email "
                 "address; no email", run->conv, run->msg);
        run_free(run);
        return;
    }
    addr = buf_create(128);
    why = buf_create(128);
    if (proxy_address_encode(run->br->keys, cfg->proxy_domains.items[0],
                             run->conv, addr, why) < 0) {
        job_dead(run->job, "%s: %s: cannot make the proxy address: %s",
                 run->conv, run->msg, why->data);
        buf_free(addr);
        buf_free(why);
        run_free(run);
        return;
    }
    buf_free(why);
    run->proxy = buf_detach(addr, NULL);
    title = json_string_value(json_object_get(info->conversation_attributes,
                                              "listing_title"));
    if (title == NULL)
        title = or_else(info->friendly_name, "your listing");
    run->subject = format_subject(cfg->email_subject_format, title);
    if (info->chat_service_sid)
        run->chat_service_sid = xstrdup(info->chat_service_sid);
    collect_media(run);
    download_next(run);
}

static void start_conversation(struct run *run, int fresh)
{
    struct buf *why = buf_create(128);

    if (conv_cache_get(run->br->convs, run->conv, fresh, on_conversation, run,
                       why) < 0)
        start_failed(run, "read the conversation", why);
    else
        buf_free(why);
}

/*
 * Step 0: the message as Twilio has it now.  Its emailed marker may have
 * been set since the webhook (or catch-up) saw it: by another bridge that
 * caught up while this one was down, or by this one before a crash.  Then
 * there is nothing to send.  Otherwise its current attributes replace the
 * event's, so that the marker set later keeps whatever was added since.
 */
static void on_message_fetched(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    const char *attrs;

    if (res->status == 404) {
        job_done(run->job, "%s: %s: the message is gone at Twilio; no email",
                 run->conv, run->msg);
        run_free(run);
        return;
    }
    if (!TWILIO_OK(res)) {
        twilio_failed(run, res, "read the message");
        return;
    }
    attrs = json_string_value(json_object_get(res->json, "attributes"));
    if (sync_emailed(attrs)) {
        job_done(run->job, "%s: %s: already emailed (the emailed marker is "
                 "set at Twilio); no email", run->conv, run->msg);
        run_free(run);
        return;
    }
    if (attrs != NULL)
        json_object_set_new(run->event, "Attributes", json_string(attrs));
    start_conversation(run, 0);
}

static void check_emailed(struct run *run)
{
    struct buf *why = buf_create(128);

    if (twilio_message_fetch(run->br->twilio, run->conv, run->msg,
                             on_message_fetched, run, why) < 0)
        start_failed(run, "read the message", why);
    else
        buf_free(why);
}

static void handle_message(struct bridge *br, struct job *job, void *arg)
{
    struct sync_email *se = arg;
    const struct spool_job *sj = job_spool(job);
    json_t *payload, *event;
    json_error_t err;
    struct run *run;

    payload = json_loadb((const char *) sj->payload, sj->payload_len, 0, &err);
    event = json_object_get(payload, "event");
    if (!json_is_object(event)
        || !json_is_string(json_object_get(event, "ConversationSid"))
        || !json_is_string(json_object_get(event, "MessageSid"))) {
        job_dead(job, "not a message job: %s", payload ? "no event with "
                 "ConversationSid and MessageSid" : err.text);
        json_decref(payload);
        return;
    }
    run = xcalloc(1, sizeof(*run));
    run->owner = se;
    LIST_INSERT_HEAD(&se->runs, run, entry);
    run->br = br;
    run->job = job;
    run->event = json_incref(event);
    json_object_set(run->event, "_received", json_object_get(payload,
                                                             "received"));
    json_decref(payload);
    run->conv = ev(run, "ConversationSid");
    run->msg = ev(run, "MessageSid");
    run->skipped = buf_create(64);
    run->replies = buf_create(128);
    if (sync_made_from_email(ev(run, "Attributes"))) {
        job_done(job, "%s: %s: made from email; no email", run->conv,
                 run->msg);
        run_free(run);
        return;
    }
    check_emailed(run);
}

int sync_email_init(struct bridge *br, struct job_runner *jr, struct buf *why)
{
    (void) why;
    br->sync_email = xcalloc(1, sizeof(*br->sync_email));
    br->sync_email->smtp = smtp_submitter_create(br->base,
                                                 br->cfg->smtp_submit_url,
                                                 br->cfg->smtp_submit_timeout);
    job_runner_register(jr, SYNC_KIND_MESSAGE, handle_message,
                        br->sync_email);
    return 0;
}

void sync_email_free(struct bridge *br)
{
    if (br->sync_email == NULL)
        return;
    while (!LIST_EMPTY(&br->sync_email->runs))
        run_free(LIST_FIRST(&br->sync_email->runs));
    while (!LIST_EMPTY(&br->sync_email->markers))
        marker_free(LIST_FIRST(&br->sync_email->markers));
    smtp_submitter_free(br->sync_email->smtp);
    free(br->sync_email);
    br->sync_email = NULL;
}
