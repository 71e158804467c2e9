/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_email - conversation messages to the building contacts' mailboxes
 * (sync.h): the handler of SYNC_KIND_MESSAGE jobs.  A seeker who writes
 * in bursts ("Hi", "is 4B still free?", "I can come Monday") gives the
 * building contact one email, not three.
 *
 * For one onMessageAdded event (a job; jobs of one conversation are worked
 * on one at a time, the others wait in memory behind it, parked so that
 * they hold no job_concurrency slot (job_park), or, when too many are
 * parked, in the spool for QUEUED_RETRY seconds):
 *   0. the message as Twilio has it now: when it carries the emailed
 *      marker (another job's email took it along, another bridge emailed
 *      it, or this one did before a crash), or is gone, the job is done
 *      without an email;
 *   1. the conversation and its participants (conv_cache.h);
 *   2. the author: the participant with the event's ParticipantSid, else
 *      the one the Author names (asking Twilio again once when neither is
 *      known yet).  Only a seeker's message goes on: a building contact's
 *      (they wrote on SMS or WhatsApp) or the system's is done with;
 *   3. the recipients: every building contact participant with an email
 *      address in its attributes, each address once;
 *   4. the batch (email_batch.h; with email_coalesce_delay,
 *      email_rate_limit and email_context_messages all 0, this message
 *      alone, at once, and jobs of one conversation are not kept apart):
 *      the conversation's newest messages from Twilio (the system of
 *      record: no batch state is kept here); the seeker's messages
 *      without the emailed marker that have a job in this spool (or are
 *      this job's) are the pending ones.  Not due yet:
 *      the job waits (job_wait) until it is, and looks again; due but
 *      over email_rate_limit: it waits for the limit (a log line, the
 *      metric postmask_email_rate_limited_total) while more messages
 *      join; due: step 5.  Every job of a batch decides the same way, so
 *      whichever runs first sends it, and the others find their message
 *      marked in step 0.  A crash anywhere leaves the jobs in the spool:
 *      after the restart they decide again, from the same state at
 *      Twilio, and the batch goes once, with every message;
 *   5. sync_email_send.c: the media of the batch's messages, one email per
 *      recipient (email_compose.h) with the batch, the
 *      email_context_messages messages before it as context and the
 *      reply marker (reply_marker.h), its Message-ID from the batch's
 *      first message (a batch sent again is the same email), From the
 *      seeker's masked name and the conversation's proxy address (also
 *      the envelope sender: no log on the way ever holds the seeker's
 *      address), the seeker's email masked in the text (mask_body),
 *      submitted to Postfix's masking listener (smtp_submit.h), where
 *      postmask-milter checks and masks it again; then every message of
 *      the batch gets the emailed marker at Twilio, the email is counted
 *      for the rate limit, and the job is done.
 * Privacy: log lines and job reasons (which postmaskctl queue shows) name
 * participants by their SIDs, never by their phone numbers or email
 * addresses; with -v (msg_verbose()) the addresses are logged too.
 * Results: every recipient accepted: done.  A 4xx, a timeout, Twilio
 * unavailable: the job is deferred and retried by the spool (an email
 * already accepted for another recipient is then sent again with the same
 * Message-ID, which mail clients show once).  A 5xx (the masking listener
 * refused it), a conversation that is gone (after step 0), Twilio
 * refusing: a dead letter with the reason, visible in postmaskctl queue.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conv_cache.h"
#include "email_batch.h"
#include "iso8601.h"
#include "mask.h"
#include "message_job.h"
#include "metrics.h"
#include "msg.h"
#include "proxy_address.h"
#include "reply_marker.h"
#include "spool.h"
#include "sync.h"
#include "sync_email_int.h"
#include "xalloc.h"

#define LISTED_MESSAGES     50      /* newest messages read for a batch */
/*
 * Seconds a job waits in the spool when it found no room to park: at
 * least 4 x job_concurrency jobs of its conversation are ahead of it, each
 * a Twilio round trip or more; sooner, it would only be loaded and put
 * back again.
 */
#define QUEUED_RETRY        10

static void run_begin(struct run *run);
static void start_conversation(struct run *run, int fresh);

/*
 * Whether a job looks at the conversation's other messages at all: with
 * email_coalesce_delay, email_rate_limit and email_context_messages all 0
 * every message is its own email, sent at once, and the jobs of a
 * conversation run side by side as any others (no listing of its
 * messages, no waiting).
 */
static int batching(const struct config *cfg)
{
    return cfg->email_coalesce_delay > 0 || cfg->email_rate_limit > 0
        || cfg->email_context_messages > 0;
}

const char *event_str(const json_t *event, const char *name)
{
    return json_string_value(json_object_get(event, name));
}

const char *run_ev(const struct run *run, const char *name)
{
    return event_str(run->event, name);
}

static const char *or_else(const char *s, const char *dflt)
{
    return s != NULL ? s : dflt;
}

static void shown_clear(struct shown *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        json_decref(list[i].event);
        free(list[i].author);
        free(list[i].note);
    }
    free(list);
}

void run_batch_clear(struct run *run)
{
    size_t i;

    shown_clear(run->batch, run->nbatch);
    shown_clear(run->context, run->ncontext);
    run->batch = run->context = NULL;
    run->nbatch = run->ncontext = run->cur_mark = run->marks_failed = 0;
    for (i = 0; i < run->nmedia; i++) {
        free(run->media[i].sid);
        free(run->media[i].filename);
        free(run->media[i].content_type);
        free(run->media[i].data);
    }
    free(run->media);
    run->media = NULL;
    run->nmedia = run->cur_media = 0;
    run->cur_rcpt = 0;
    run->own_in_batch = 0;
    buf_reset(run->replies);
}

/*
 * Ends a run.  The next run of the same conversation that waited behind
 * it starts (unless the bridge is shutting down).
 */
void run_free(struct run *run)
{
    struct sync_email *se = run->owner;
    struct run *next = NULL, *r;
    size_t i;

    LIST_REMOVE(run, entry);
    if (!run->queued && !se->closing)
        LIST_FOREACH(r, &se->runs, entry)
            if (r->queued && strcmp(r->conv, run->conv) == 0)
                next = r;       /* the last in the list: the oldest */
    run_batch_clear(run);
    json_decref(run->event);
    json_decref(run->participants);
    free(run->seeker_name);
    free(run->seeker_shown);
    free(run->seeker_email);
    free(run->proxy);
    free(run->subject);
    free(run->title);
    free(run->chat_service_sid);
    for (i = 0; i < run->nrcpts; i++) {
        free(run->rcpts[i]);
        free(run->rcpt_names[i]);
        free(run->rcpt_sids[i]);
    }
    free(run->rcpts);
    free(run->rcpt_names);
    free(run->rcpt_sids);
    buf_free(run->replies);
    free(run);
    if (next != NULL) {
        next->queued = 0;
        job_unpark(next->job);
        run_begin(next);
    }
}

void run_twilio_failed(struct run *run, const struct twilio_result *res,
                       const char *what)
{
    struct buf *about = buf_create(80);

    buf_printf(about, "%s: %s", run->conv, run->msg);
    sync_twilio_failed(run->job, about->data, res, what);
    buf_free(about);
    run_free(run);
}

void run_failed(struct run *run, const char *what, struct buf *why)
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

static void clock_text(time_t t, char out[16])
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(out, 16, "%H:%M:%S", &tm);
}

/* The participant of a listed message (event shape), or NULL. */
static const json_t *author_of(const struct run *run, const json_t *event)
{
    struct conv_info ci;
    const char *psid, *author;
    const json_t *p = NULL;

    memset(&ci, 0, sizeof(ci));
    ci.participants = run->participants;
    psid = json_string_value(json_object_get(event, "ParticipantSid"));
    author = json_string_value(json_object_get(event, "Author"));
    if (psid != NULL && *psid)
        p = participant_by_sid(&ci, psid);
    if (p == NULL && author != NULL)
        p = participant_by_author(&ci, author);
    return p;
}

static int is_seekers(const struct run *run, const json_t *event)
{
    const json_t *p = author_of(run, event);
    const char *sid = p ? json_string_value(json_object_get(p, "sid")) : NULL;

    return sid != NULL && strcmp(sid, run->seeker_sid) == 0;
}

/* A participant's channel phrase: its binding, or chat. */
static const char *channel_of(const json_t *participant)
{
    const json_t *binding = json_object_get(participant, "messaging_binding");

    return reply_marker_channel(json_string_value(json_object_get(binding,
                                                                  "type")));
}

/*
 * Whether a listed message of the seeker waits for an email of this
 * bridge: it is this job's, or a job of this spool has it (active or
 * waiting in deferred/).  History from before postmask, or messages
 * another bridge works on, have none.
 */
static int pending_here(const struct run *run, const char *sid)
{
    struct spool_job *sj;
    struct buf *why;
    char id[SPOOL_ID_LEN + 1];
    int ret = 0;

    if (strcmp(sid, run->msg) == 0)
        return 1;
    why = buf_create(64);
    if (spool_dedupe_lookup(run->br->spool, SYNC_KIND_MESSAGE, sid, id,
                            why) == 0
        && spool_load(run->br->spool, id, 0, &sj, why) == 0) {
        ret = sj->state == SPOOL_ACTIVE || sj->state == SPOOL_DEFERRED;
        spool_job_free(sj);
    }
    buf_free(why);
    return ret;
}

time_t event_date(const json_t *event, time_t dflt)
{
    time_t t;

    if (iso8601_parse(event_str(event, "DateCreated"), &t) == 0)
        return t;
    return dflt;
}

/* A message of the batch or context as the email shows it. */
static void show(struct run *run, struct shown *s, json_t *event)
{
    const json_t *p = author_of(run, event);
    json_t *attrs;
    const char *name;

    s->event = json_incref(event);
    if (p != NULL && is_seekers(run, event)) {
        s->author = xstrdup(run->seeker_shown);
        s->channel = run->seeker_channel;
        return;
    }
    attrs = p ? participant_attributes(p) : NULL;
    name = json_string_value(json_object_get(attrs, "name"));
    s->author = name ? xstrdup(name) : NULL;
    s->channel = sync_made_from_email(json_string_value(json_object_get(
        event, "Attributes"))) ? "by email" : p ? channel_of(p) : NULL;
    json_decref(attrs);
}

/*
 * Step 4: the newest messages, the pending ones among them, and the plan.
 * msgs is newest first.
 */
static void plan_batch(struct run *run, json_t *msgs)
{
    const struct config *cfg = run->br->cfg;
    struct email_batch_plan plan;
    json_t **events, *m, *self = NULL;
    time_t *dates, now = time(NULL);
    const time_t *sent;
    size_t n = 0, total = json_array_size(msgs), i, nsent, k;
    char when[16];
    const char *attrs;

    /* Oldest first, as events; the pending ones marked by their dates. */
    events = xcalloc(total + 1, sizeof(*events));
    dates = xcalloc(total + 1, sizeof(*dates));
    for (i = 0; i < total; i++)
        events[i] = message_job_event_from_rest(json_array_get(msgs,
                                                               total - 1 - i));
    for (i = 0; i < total; i++) {
        const char *sid = json_string_value(json_object_get(events[i],
                                                            "MessageSid"));

        attrs = json_string_value(json_object_get(events[i], "Attributes"));
        if (sid != NULL && strcmp(sid, run->msg) == 0)
            self = events[i];
        if (sid == NULL || !is_seekers(run, events[i]) || sync_emailed(attrs)
            || sync_made_from_email(attrs) || !pending_here(run, sid))
            continue;
        /* Move it into place: pending messages to the front, in order. */
        m = events[i];
        events[i] = events[n];
        events[n] = m;
        /* No date Twilio gives: as old as can be, so it goes now. */
        dates[n] = event_date(m, 0);
        n++;
    }
    if (self == NULL) {
        /* Older than the newest LISTED_MESSAGES: this message alone. */
        for (i = 0; i < total; i++)
            json_decref(events[i]);
        events[0] = json_incref(run->event);
        dates[0] = event_date(run->event, 0);
        total = n = 1;
    }
    if (n == 0) {
        /* This message is listed but waits no more: marked emailed, or
         * made from email, since step 0. */
        job_done(run->job, "%s: %s: no longer waiting for an email (its "
                 "attributes at Twilio changed); no email", run->conv,
                 run->msg);
        goto out_free;
    }
    nsent = email_rate_times(run->owner->rate, run->conv, now, &sent);
    email_batch_plan(dates, n, cfg->email_coalesce_delay,
                     cfg->email_coalesce_limit, sent, nsent,
                     cfg->email_rate_limit, now, &plan);
    if (plan.action == EMAIL_BATCH_WAIT) {
        clock_text(plan.until, when);
        job_wait(run->job, plan.until, "%s: %s: waiting for more messages "
                 "until %s (%zu message(s) so far)", run->conv, run->msg,
                 when, plan.count);
        goto out_free;
    }
    if (plan.action == EMAIL_BATCH_RATE_LIMITED) {
        clock_text(plan.until, when);
        metrics_add(run->br->metrics, "postmask_email_rate_limited_total",
                    NULL, 1);
        job_wait(run->job, plan.until, "%s: %s: rate limit: %zu email(s) in "
                 "the last hour (email_rate_limit = %ld); %zu message(s) "
                 "wait for the next email at %s", run->conv, run->msg, nsent,
                 cfg->email_rate_limit, plan.count, when);
        goto out_free;
    }
    /* The batch: events[0 .. count); the context: the messages listed
     * before its first, newest email_context_messages of them. */
    run->batch = xcalloc(plan.count, sizeof(*run->batch));
    for (k = 0; k < plan.count; k++) {
        show(run, &run->batch[k], events[k]);
        if (strcmp(or_else(json_string_value(json_object_get(
            events[k], "MessageSid")), ""), run->msg) == 0)
            run->own_in_batch = 1;
    }
    run->nbatch = plan.count;
    if (self != NULL && cfg->email_context_messages > 0) {
        long long top = json_integer_value(json_object_get(
            json_array_get(msgs, 0), "index"));
        const char *idx = json_string_value(json_object_get(events[0],
                                                            "Index"));
        long long first_index = idx ? strtoll(idx, NULL, 10) : top;
        json_t *ctx[20];
        size_t nctx = 0, j;

        /* msgs is newest first: walk it for messages before the batch. */
        for (j = 0; j < json_array_size(msgs)
             && nctx < (size_t) cfg->email_context_messages; j++) {
            json_t *rm = json_array_get(msgs, j);

            if (json_integer_value(json_object_get(rm, "index"))
                < first_index)
                ctx[nctx++] = rm;
        }
        run->context = xcalloc(nctx + 1, sizeof(*run->context));
        for (j = 0; j < nctx; j++) {
            json_t *e = message_job_event_from_rest(ctx[nctx - 1 - j]);

            show(run, &run->context[j], e);
            json_decref(e);
        }
        run->ncontext = nctx;
    }
    for (i = 0; i < total; i++)
        json_decref(events[i]);
    free(events);
    free(dates);
    send_batch(run);
    return;

out_free:
    for (i = 0; i < total; i++)
        json_decref(events[i]);
    free(events);
    free(dates);
    run_free(run);
}

static void on_listed(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;

    if (!TWILIO_OK(res)) {
        run_twilio_failed(run, res, "read the conversation's messages");
        return;
    }
    plan_batch(run, json_object_get(res->json, "messages"));
}

void run_list(struct run *run)
{
    struct buf *why = buf_create(128);

    run_batch_clear(run);
    if (twilio_message_list_recent(run->br->twilio, run->conv,
                                   LISTED_MESSAGES, on_listed, run, why) < 0)
        run_failed(run, "read the conversation's messages", why);
    else
        buf_free(why);
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
    const char *psid = run_ev(run, "ParticipantSid");
    const char *author = run_ev(run, "Author");
    const json_t *p = NULL, *q;
    const char *role, *title;
    json_t *attrs;
    struct buf *addr, *why;
    size_t i;

    if (info == NULL) {
        run_twilio_failed(run, failure, "read the conversation");
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
    run->participants = json_incref(info->participants);
    run->seeker_sid = json_string_value(json_object_get(p, "sid"));
    if (run->seeker_sid == NULL) {
        job_dead(run->job, "%s: %s: the seeker participant has no SID",
                 run->conv, run->msg);
        run_free(run);
        return;
    }
    run->seeker_channel = channel_of(p);
    attrs = participant_attributes(p);
    run->seeker_name = xstrdup(or_else(json_string_value(
        json_object_get(attrs, "name")), ""));
    run->seeker_shown = mask_display_name(cfg->masked_display_format,
                                          run->seeker_name);
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
    run->title = xstrdup(title ? title : or_else(info->friendly_name, ""));
    run->subject = format_subject(cfg->email_subject_format,
                                  *run->title ? run->title : "your listing");
    if (info->chat_service_sid)
        run->chat_service_sid = xstrdup(info->chat_service_sid);
    if (!batching(cfg)) {
        /* This message alone, at once: no batch to find. */
        run->batch = xcalloc(1, sizeof(*run->batch));
        show(run, &run->batch[0], run->event);
        run->nbatch = 1;
        run->own_in_batch = 1;
        send_batch(run);
        return;
    }
    run_list(run);
}

static void start_conversation(struct run *run, int fresh)
{
    struct buf *why = buf_create(128);

    if (conv_cache_get(run->br->convs, run->conv, fresh, on_conversation, run,
                       why) < 0)
        run_failed(run, "read the conversation", why);
    else
        buf_free(why);
}

/*
 * Step 0: the message as Twilio has it now.  Its emailed marker may have
 * been set since the webhook (or catch-up) saw it: by the email of an
 * earlier job's batch, by another bridge that caught up while this one
 * was down, or by this one before a crash.  Then there is nothing to send.
 */
static void on_message_fetched(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    const char *attrs, *in;
    json_t *parsed;

    if (res->status == 404) {
        job_done(run->job, "%s: %s: the message is gone at Twilio; no email",
                 run->conv, run->msg);
        run_free(run);
        return;
    }
    if (!TWILIO_OK(res)) {
        run_twilio_failed(run, res, "read the message");
        return;
    }
    attrs = json_string_value(json_object_get(res->json, "attributes"));
    if (sync_emailed(attrs)) {
        parsed = json_loads(attrs, 0, NULL);
        in = json_string_value(json_object_get(json_object_get(
            parsed, "postmask"), SYNC_EMAIL_KEY));
        if (in != NULL && strcmp(in, run->msg) != 0)
            job_done(run->job, "%s: %s: already emailed, in the email of "
                     "%s; no email", run->conv, run->msg, in);
        else
            job_done(run->job, "%s: %s: already emailed (the emailed "
                     "marker is set at Twilio); no email", run->conv,
                     run->msg);
        json_decref(parsed);
        run_free(run);
        return;
    }
    if (attrs != NULL)
        json_object_set_new(run->event, "Attributes", json_string(attrs));
    start_conversation(run, 0);
}

static void run_begin(struct run *run)
{
    struct buf *why;

    if (sync_made_from_email(run_ev(run, "Attributes"))) {
        job_done(run->job, "%s: %s: made from email; no email", run->conv,
                 run->msg);
        run_free(run);
        return;
    }
    why = buf_create(128);
    if (twilio_message_fetch(run->br->twilio, run->conv, run->msg,
                             on_message_fetched, run, why) < 0)
        run_failed(run, "read the message", why);
    else
        buf_free(why);
}

static void handle_message(struct bridge *br, struct job *job, void *arg)
{
    struct sync_email *se = arg;
    const struct spool_job *sj = job_spool(job);
    json_t *payload, *event;
    json_error_t err;
    struct run *run, *r;

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
    run->br = br;
    run->job = job;
    run->event = json_incref(event);
    json_decref(payload);
    run->conv = run_ev(run, "ConversationSid");
    run->msg = run_ev(run, "MessageSid");
    run->replies = buf_create(128);
    /*
     * One run per conversation at a time: the others wait behind it,
     * parked, so that a burst in one conversation does not hold every
     * job_concurrency slot while others wait.  When too many are parked,
     * the job goes back to the spool for a moment instead.
     */
    if (batching(br->cfg))
        LIST_FOREACH(r, &se->runs, entry)
            if (strcmp(r->conv, run->conv) == 0)
                run->queued = 1;
    LIST_INSERT_HEAD(&se->runs, run, entry);
    if (!run->queued)
        run_begin(run);
    else if (job_park(job) < 0) {
        job_wait(job, time(NULL) + QUEUED_RETRY, "%s: %s: waiting behind "
                 "other jobs of the conversation", run->conv, run->msg);
        run_free(run);
    }
}

int sync_email_init(struct bridge *br, struct job_runner *jr, struct buf *why)
{
    struct sync_email *se = xcalloc(1, sizeof(*se));

    if ((se->rate = email_rate_open(br->cfg->spool_directory, why)) == NULL) {
        free(se);
        return -1;
    }
    se->smtp = smtp_submitter_create(br->base, br->cfg->smtp_submit_url,
                                     br->cfg->smtp_submit_timeout);
    LIST_INIT(&se->runs);
    br->sync_email = se;
    metrics_describe(br->metrics, "postmask_email_rate_limited_total",
                     "counter", "times a due email waited for "
                     "email_rate_limit");
    metrics_describe(br->metrics, "postmask_emails_sent_total", "counter",
                     "emails Postfix accepted for building contacts (one "
                     "per recipient)");
    metrics_describe(br->metrics, "postmask_email_messages_total", "counter",
                     "conversation messages those emails carried");
    metrics_add(br->metrics, "postmask_email_rate_limited_total", NULL, 0);
    metrics_add(br->metrics, "postmask_emails_sent_total", NULL, 0);
    metrics_add(br->metrics, "postmask_email_messages_total", NULL, 0);
    job_runner_register(jr, SYNC_KIND_MESSAGE, handle_message, se);
    return 0;
}

void sync_email_free(struct bridge *br)
{
    struct sync_email *se = br->sync_email;

    if (se == NULL)
        return;
    se->closing = 1;
    while (!LIST_EMPTY(&se->runs))
        run_free(LIST_FIRST(&se->runs));
    smtp_submitter_free(se->smtp);
    email_rate_free(se->rate);
    free(se);
    br->sync_email = NULL;
}
