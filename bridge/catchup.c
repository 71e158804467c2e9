/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catchup - queues the messages whose webhook the bridge missed; see
 * catchup.h.
 *
 * One pass at a time, one Twilio request at a time: the pass is a small
 * state machine advanced by the request callbacks, each request started no
 * sooner than 1/catchup_rate_limit seconds after the one before (a timer
 * waits out the rest).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "catchup.h"
#include "conv_records.h"
#include "iso8601.h"
#include "job_runner.h"
#include "message_job.h"
#include "metrics.h"
#include "msg.h"
#include "sync.h"
#include "twilio_api.h"
#include "twilio_sid.h"
#include "xalloc.h"

#define CONV_PAGE_SIZE      50
#define MESSAGE_PAGE_SIZE   50
#define SOON_SECONDS        1

struct catchup {
    struct bridge *br;
    struct conv_records *recs;  /* NULL: catch-up is off */
    int baseline;               /* records directory new: take as they are */
    struct event *timer;        /* the next pass */
    struct event *pace;         /* the next request of a pass */
    struct timeval next_slot;   /* earliest start of the next request */
    int running, again;

    /* The pass in progress. */
    time_t since;               /* now - catchup_window */
    char **convs;
    size_t nconvs, cur;
    int discovering;            /* listing conversations */
    char *next_url;             /* the next page, or NULL: the first */
    json_t *found;              /* this conversation's messages, newest first */
    long long stop;             /* its recorded index, -1: none */
    int unknown;                /* no record */
    unsigned nfound, nqueued;
    int failed;
    int young;                  /* messages left for being too young */
};

/*
 * How old a message must be before catch-up takes it: catchup_minimal_age,
 * plus email_coalesce_limit when emails are coalesced -- the bridge the
 * webhook went to may hold a seeker's message that long, waiting for the
 * rest of the burst (sync_email.c), and it must not look abandoned.
 */
static long minimal_age(const struct catchup *cu)
{
    const struct config *cfg = cu->br->cfg;

    return cfg->catchup_minimal_age + (cfg->email_coalesce_delay > 0
                                       ? cfg->email_coalesce_limit : 0);
}

static void request(struct catchup *cu);
static void next_conversation(struct catchup *cu);

static void add_conv(struct catchup *cu, const char *sid)
{
    size_t i;

    for (i = 0; i < cu->nconvs; i++)
        if (strcmp(cu->convs[i], sid) == 0)
            return;
    cu->convs = xrealloc(cu->convs, (cu->nconvs + 1) * sizeof(char *));
    cu->convs[cu->nconvs++] = xstrdup(sid);
}

static void pass_clear(struct catchup *cu)
{
    size_t i;

    for (i = 0; i < cu->nconvs; i++)
        free(cu->convs[i]);
    free(cu->convs);
    cu->convs = NULL;
    cu->nconvs = cu->cur = 0;
    free(cu->next_url);
    cu->next_url = NULL;
    json_decref(cu->found);
    cu->found = NULL;
}

static void schedule(struct catchup *cu, long seconds)
{
    struct timeval tv = {seconds, 0};

    evtimer_add(cu->timer, &tv);
}

static void pass_end(struct catchup *cu)
{
    const char *result = cu->failed ? "failed" : "ok";

    if (cu->nqueued > 0 || cu->failed)
        msg_info("catch-up: %zu conversation(s), %u message(s) found, %u "
                 "queued: their webhook never came%s", cu->nconvs,
                 cu->nfound, cu->nqueued,
                 cu->failed ? "; ended early, tried again later" : "");
    else if (msg_verbose())
        msg_info("catch-up: %zu conversation(s), nothing missed",
                 cu->nconvs);
    metrics_add(cu->br->metrics, "postmask_catchup_passes_total",
                (const char *[]){"result", result, NULL}, 1);
    if (!cu->failed)
        cu->baseline = 0;
    pass_clear(cu);
    cu->running = 0;
    if (cu->again) {
        cu->again = 0;
        schedule(cu, SOON_SECONDS);
    } else if (cu->young && minimal_age(cu) < cu->br->cfg->catchup_interval) {
        /* Back as soon as the messages left are old enough. */
        schedule(cu, minimal_age(cu) > SOON_SECONDS ? minimal_age(cu)
                 : SOON_SECONDS);
    } else {
        schedule(cu, cu->br->cfg->catchup_interval);
    }
    cu->young = 0;
}

/*
 * 1 when the message was created less than minimal_age() ago: the bridge
 * its webhook went to is still on it (with an active and a standby bridge,
 * catch-up on the standby would race it otherwise).
 */
static int too_young(const struct catchup *cu, const json_t *m)
{
    time_t created;

    if (minimal_age(cu) <= 0
        || iso8601_parse(json_string_value(json_object_get(m, "date_created")),
                         &created) < 0)
        return 0;
    return time(NULL) - created < minimal_age(cu);
}

/* Queues the messages found in the current conversation, oldest first. */
static void queue_found(struct catchup *cu)
{
    const char *conv = cu->convs[cu->cur];
    long long top = cu->stop, index;
    char id[SPOOL_ID_LEN + 1];
    const char *sid, *attrs;
    struct buf *why = buf_create(128);
    json_t *m, *event;
    size_t i = json_array_size(cu->found);
    int ret, kick = 0;

    if (cu->baseline && cu->unknown) {
        m = json_array_get(cu->found, 0);
        top = m ? json_integer_value(json_object_get(m, "index")) : -1;
        msg_info("%s: catch-up: first look: messages up to index %lld taken "
                 "as handled", conv, top);
        i = 0;
    }
    while (i-- > 0) {
        m = json_array_get(cu->found, i);
        index = json_integer_value(json_object_get(m, "index"));
        sid = json_string_value(json_object_get(m, "sid"));
        attrs = json_string_value(json_object_get(m, "attributes"));
        if (too_young(cu, m)) {
            /* This one and the newer ones: their webhook may be on its way
             * to a bridge (this one or another) right now. */
            if (msg_verbose())
                msg_info("%s: catch-up: %s (index %lld) and newer: younger "
                         "than catchup_minimal_age; left for later", conv,
                         sid ? sid : "?", index);
            cu->young = 1;
            break;
        }
        cu->nfound++;
        if (sync_made_from_email(attrs) || sync_emailed(attrs)
            || !twilio_sid_valid(sid, "IM")) {
            top = index;
            continue;
        }
        event = message_job_event_from_rest(m);
        if (json_object_get(event, "ConversationSid") == NULL)
            json_object_set_new(event, "ConversationSid", json_string(conv));
        buf_reset(why);
        ret = message_job_enqueue(cu->br, event, id, why);
        json_decref(event);
        if (ret < 0) {
            msg_error("%s: catch-up: %s: cannot queue: %s", conv, sid,
                      why->data);
            cu->failed = 1;
            break;
        }
        top = index;
        if (ret == SPOOL_ACCEPTED) {
            kick = 1;
            cu->nqueued++;
            metrics_add(cu->br->metrics, "postmask_catchup_messages_total",
                        NULL, 1);
            msg_info("%s: catch-up: %s (index %lld): queued as job %s: no "
                     "webhook came", conv, sid, index, id);
        } else if (msg_verbose()) {
            msg_info("%s: catch-up: %s (index %lld): duplicate of job %s",
                     conv, sid, index, id);
        }
    }
    buf_reset(why);
    if (top > cu->stop || cu->unknown) {
        if ((top > cu->stop ? conv_records_set(cu->recs, conv, top, why)
             : conv_records_heard(cu->recs, conv, why)) < 0)
            msg_warn("%s: catch-up: cannot record index %lld: %s", conv, top,
                     why->data);
    }
    buf_free(why);
    if (kick)
        job_runner_kick(cu->br->jobs);
}

static void on_messages(const struct twilio_result *res, void *arg)
{
    struct catchup *cu = arg;
    const char *conv = cu->convs[cu->cur];
    const char *key, *next, *created;
    json_t *meta, *page, *m;
    struct buf *why;
    time_t t;
    size_t i;
    int done = 0;

    if (res->status == 404) {
        why = buf_create(64);
        msg_info("%s: catch-up: the conversation is gone at Twilio; "
                 "forgotten", conv);
        (void) conv_records_forget(cu->recs, conv, why);
        buf_free(why);
        cu->cur++;
        next_conversation(cu);
        return;
    }
    meta = json_object_get(res->json, "meta");
    key = json_string_value(json_object_get(meta, "key"));
    page = json_object_get(res->json, key ? key : "messages");
    if (!TWILIO_OK(res) || !json_is_array(page)) {
        msg_warn("%s: catch-up: cannot list the messages: HTTP %d%s%s",
                 conv, res->status, res->message ? ": " : "",
                 res->message ? res->message : "");
        cu->failed = 1;
        if (TWILIO_UNAVAILABLE(res)) {
            pass_end(cu);
            return;
        }
        cu->cur++;
        next_conversation(cu);
        return;
    }
    json_array_foreach(page, i, m) {
        if (json_integer_value(json_object_get(m, "index")) <= cu->stop) {
            done = 1;
            break;
        }
        created = json_string_value(json_object_get(m, "date_created"));
        if (cu->stop < 0 && iso8601_parse(created, &t) == 0
            && t < cu->since) {
            done = 1;
            break;
        }
        json_array_append(cu->found, m);
    }
    next = json_string_value(json_object_get(meta, "next_page_url"));
    free(cu->next_url);
    cu->next_url = NULL;
    if (!done && next != NULL && *next && json_array_size(page) > 0) {
        cu->next_url = xstrdup(next);
        request(cu);
        return;
    }
    queue_found(cu);
    if (cu->failed) {
        pass_end(cu);
        return;
    }
    cu->cur++;
    next_conversation(cu);
}

static void next_conversation(struct catchup *cu)
{
    const struct conv_record *r;

    json_decref(cu->found);
    cu->found = NULL;
    if (cu->cur >= cu->nconvs) {
        pass_end(cu);
        return;
    }
    r = conv_records_find(cu->recs, cu->convs[cu->cur]);
    cu->stop = r ? r->index : -1;
    cu->unknown = r == NULL;
    cu->found = json_array();
    free(cu->next_url);
    cu->next_url = NULL;
    request(cu);
}

static void on_conversations(const struct twilio_result *res, void *arg)
{
    struct catchup *cu = arg;
    const char *key, *sid, *next;
    json_t *meta, *page, *c;
    size_t i;

    meta = json_object_get(res->json, "meta");
    key = json_string_value(json_object_get(meta, "key"));
    page = json_object_get(res->json, key ? key : "conversations");
    if (!TWILIO_OK(res) || !json_is_array(page)) {
        msg_warn("catch-up: cannot list the active conversations: HTTP %d%s%s",
                 res->status, res->message ? ": " : "",
                 res->message ? res->message : "");
        cu->failed = 1;
        if (TWILIO_UNAVAILABLE(res)) {
            pass_end(cu);
            return;
        }
        next = NULL;
    } else {
        json_array_foreach(page, i, c) {
            sid = json_string_value(json_object_get(c, "sid"));
            if (twilio_sid_valid(sid, "CH"))
                add_conv(cu, sid);
        }
        next = json_string_value(json_object_get(meta, "next_page_url"));
    }
    free(cu->next_url);
    cu->next_url = NULL;
    if (next != NULL && *next && json_array_size(page) > 0) {
        cu->next_url = xstrdup(next);
        request(cu);
        return;
    }
    cu->discovering = 0;
    cu->cur = 0;
    next_conversation(cu);
}

static void do_request(evutil_socket_t fd, short what, void *arg)
{
    struct catchup *cu = arg;
    struct timeval now, gap;
    struct buf *why = buf_create(128);
    char date[ISO8601_SIZE];
    int ret;

    (void) fd;
    (void) what;
    evutil_gettimeofday(&now, NULL);
    gap.tv_sec = cu->br->cfg->catchup_rate_limit > 1 ? 0 : 1;
    gap.tv_usec = cu->br->cfg->catchup_rate_limit > 1
        ? 1000000 / cu->br->cfg->catchup_rate_limit : 0;
    evutil_timeradd(&now, &gap, &cu->next_slot);
    if (cu->discovering) {
        /* Twilio takes the start of a day (YYYY-MM-DDT00:00:00Z). */
        iso8601_format(cu->since - cu->since % 86400, date);
        ret = twilio_conversation_page(cu->br->twilio, "active", date,
                                       CONV_PAGE_SIZE, cu->next_url,
                                       on_conversations, cu, why);
    } else {
        ret = twilio_message_page(cu->br->twilio, cu->convs[cu->cur], 1,
                                  MESSAGE_PAGE_SIZE, cu->next_url,
                                  on_messages, cu, why);
    }
    if (ret < 0) {
        msg_warn("catch-up: %s", why->data);
        cu->failed = 1;
        pass_end(cu);
    }
    buf_free(why);
}

/* The next request of the pass, when its slot comes. */
static void request(struct catchup *cu)
{
    struct timeval now, wait;

    evutil_gettimeofday(&now, NULL);
    if (evutil_timercmp(&cu->next_slot, &now, >)) {
        evutil_timersub(&cu->next_slot, &now, &wait);
        evtimer_add(cu->pace, &wait);
    } else {
        wait.tv_sec = wait.tv_usec = 0;
        evtimer_add(cu->pace, &wait);   /* never from inside a callback */
    }
}

static void pass_start(evutil_socket_t fd, short what, void *arg)
{
    struct catchup *cu = arg;
    const struct conv_record *r;
    struct buf *why;
    size_t i;

    (void) fd;
    (void) what;
    if (cu->running)
        return;
    cu->running = 1;
    cu->failed = 0;
    cu->nfound = cu->nqueued = 0;
    cu->since = time(NULL) - cu->br->cfg->catchup_window;
    why = buf_create(64);
    for (i = 0; i < conv_records_count(cu->recs);) {
        r = conv_records_at(cu->recs, i);
        if (r->updated >= cu->since) {
            add_conv(cu, r->sid);
            i++;
            continue;
        }
        if (msg_verbose())
            msg_info("%s: catch-up: idle for longer than catchup_window; "
                     "forgotten", r->sid);
        buf_reset(why);
        if (conv_records_forget(cu->recs, r->sid, why) < 0) {
            msg_warn("catch-up: %s", why->data);
            i++;
        }
    }
    buf_free(why);
    cu->discovering = 1;
    request(cu);
}

struct catchup *catchup_create(struct bridge *br, struct buf *why)
{
    struct catchup *cu = xcalloc(1, sizeof(*cu));
    int created;

    cu->br = br;
    if (br->cfg->catchup_interval <= 0)
        return cu;
    if ((cu->recs = conv_records_open(br->cfg->spool_directory, &created,
                                      why)) == NULL) {
        free(cu);
        return NULL;
    }
    cu->baseline = created;
    cu->timer = evtimer_new(br->base, pass_start, cu);
    cu->pace = evtimer_new(br->base, do_request, cu);
    if (cu->timer == NULL || cu->pace == NULL) {
        buf_printf(why, "catch-up: cannot create its timers");
        catchup_free(cu);
        return NULL;
    }
    metrics_describe(br->metrics, "postmask_catchup_messages_total",
                     "counter", "messages queued by catch-up: their "
                     "onMessageAdded webhook never came");
    metrics_describe(br->metrics, "postmask_catchup_passes_total", "counter",
                     "catch-up passes, by result (ok, failed: ended early)");
    metrics_add(br->metrics, "postmask_catchup_messages_total", NULL, 0);
    schedule(cu, 0);
    return cu;
}

void catchup_free(struct catchup *cu)
{
    if (cu == NULL)
        return;
    if (cu->timer)
        event_free(cu->timer);
    if (cu->pace)
        event_free(cu->pace);
    pass_clear(cu);
    conv_records_free(cu->recs);
    free(cu);
}

void catchup_heard(struct catchup *cu, const char *conversation_sid)
{
    struct buf *why;

    if (cu == NULL || cu->recs == NULL
        || conv_records_find(cu->recs, conversation_sid) != NULL)
        return;
    why = buf_create(64);
    if (conv_records_heard(cu->recs, conversation_sid, why) < 0)
        msg_warn("%s: catch-up: cannot keep a record: %s", conversation_sid,
                 why->data);
    buf_free(why);
}

void catchup_soon(struct catchup *cu)
{
    struct timeval left, soon = {SOON_SECONDS, 0};

    if (cu == NULL || cu->recs == NULL)
        return;
    if (cu->running) {
        cu->again = 1;
        return;
    }
    if (evtimer_pending(cu->timer, &left)) {
        struct timeval now;

        evutil_gettimeofday(&now, NULL);
        evutil_timersub(&left, &now, &left);
        if (evutil_timercmp(&left, &soon, <=))
            return;
    }
    evtimer_add(cu->timer, &soon);
}
