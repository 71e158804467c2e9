/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_cache - conversations and their participants, cached; see
 * conv_cache.h.
 *
 * Entries live in a list (a bridge talks about a modest number of
 * conversations at once; entries older than the TTL are dropped as the
 * list is walked, and at most participant_cache_limit are kept: a new one
 * beyond it retires the ready entry loaded longest ago).  An entry is either ready (info filled in) or loading
 * (waiters queued); a load is a conversation fetch followed by a
 * participant list.  Callbacks from the cache itself (hits) go through a
 * zero timeout, so that they never run inside conv_cache_get().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "conv_cache.h"
#include "msg.h"
#include "twilio_api.h"
#include "xalloc.h"

struct waiter {
    struct waiter *next;
    conv_cache_cb *cb;
    void *arg;
};

struct entry {
    struct entry *next;
    struct conv_cache *cache;
    char *sid;
    int loading;
    int started;                /* the load's first call was made */
    int answering;              /* inside answer_waiters() */
    int retired;                /* stale or failed: lookups skip it, and it
                                 * is freed once nobody waits on it */
    time_t loaded;
    struct conv_info info;
    struct waiter *waiters;
    struct event *ev_answer;    /* delivers to waiters from the loop */
};

struct conv_cache {
    struct bridge *br;
    struct entry *entries;
};

static void load_start(struct entry *e);

struct conv_cache *conv_cache_create(struct bridge *br)
{
    struct conv_cache *cache = xcalloc(1, sizeof(*cache));

    cache->br = br;
    return cache;
}

static void info_clear(struct conv_info *info)
{
    json_decref(info->conversation);
    json_decref(info->conversation_attributes);
    json_decref(info->participants);
    memset(info, 0, sizeof(*info));
}

static void entry_free(struct entry *e)
{
    struct waiter *w;

    while ((w = e->waiters) != NULL) {
        e->waiters = w->next;
        free(w);
    }
    info_clear(&e->info);
    if (e->ev_answer)
        event_free(e->ev_answer);
    free(e->sid);
    free(e);
}

static void entry_unlink(struct entry *e)
{
    struct entry **pp;

    for (pp = &e->cache->entries; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            return;
        }
}

void conv_cache_free(struct conv_cache *cache)
{
    struct entry *e;

    if (cache == NULL)
        return;
    while ((e = cache->entries) != NULL) {
        cache->entries = e->next;
        entry_free(e);
    }
    free(cache);
}

/* Frees a retired entry once nothing refers to it any more. */
static void entry_reap(struct entry *e)
{
    if (e->retired && !e->answering && !e->loading && e->waiters == NULL) {
        entry_unlink(e);
        entry_free(e);
    }
}

static void entry_retire(struct entry *e)
{
    e->retired = 1;
    entry_reap(e);
}

/*
 * Calls every waiter of a ready entry (or of a failed load).  A callback
 * may call conv_cache_get() or conv_cache_forget() again, which may retire
 * this entry: it is then freed here, after the last callback, and the
 * caller must not touch it afterwards.
 */
static void answer_waiters(struct entry *e, const struct twilio_result *failure)
{
    struct waiter *w;

    e->answering = 1;
    while ((w = e->waiters) != NULL) {
        e->waiters = w->next;
        w->cb(failure ? NULL : &e->info, failure, w->arg);
        free(w);
    }
    e->answering = 0;
    entry_reap(e);
}

/* From the loop: start a new entry's load, or answer from a ready one. */
static void on_answer(evutil_socket_t fd, short what, void *arg)
{
    struct entry *e = arg;

    if (e->loading && !e->started) {
        e->started = 1;
        load_start(e);
    } else if (!e->loading) {
        answer_waiters(e, NULL);
    }
}

static void load_failed(struct entry *e, const struct twilio_result *res,
                        const char *what)
{
    msg_warn("%s: cannot %s: HTTP %d%s%s", e->sid, what, res->status,
             res->message ? ": " : "", res->message ? res->message : "");
    e->loading = 0;
    e->retired = 1;             /* not cached; freed after the answers */
    answer_waiters(e, res);
}

static void on_participants(const struct twilio_result *res, void *arg)
{
    struct entry *e = arg;
    json_t *items;

    if (!TWILIO_OK(res)) {
        load_failed(e, res, "list the participants");
        return;
    }
    items = json_object_get(res->json, "participants");
    e->info.participants = json_is_array(items) ? json_incref(items)
        : json_array();
    e->loading = 0;
    e->loaded = time(NULL);
    answer_waiters(e, NULL);
}

static const char *str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

static void on_conversation(const struct twilio_result *res, void *arg)
{
    struct entry *e = arg;
    struct buf *why;
    const char *text;
    json_t *attrs;

    if (!TWILIO_OK(res)) {
        load_failed(e, res, "fetch the conversation");
        return;
    }
    info_clear(&e->info);
    e->info.conversation = json_incref(res->json);
    e->info.sid = e->sid;
    e->info.chat_service_sid = str(res->json, "chat_service_sid");
    e->info.friendly_name = str(res->json, "friendly_name");
    e->info.state = str(res->json, "state");
    text = str(res->json, "attributes");
    attrs = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(attrs)) {
        json_decref(attrs);
        attrs = json_object();
    }
    e->info.conversation_attributes = attrs;
    why = buf_create(128);
    if (twilio_participant_list(e->cache->br->twilio, e->sid,
                                on_participants, e, why) < 0) {
        struct twilio_result fail = {.op = "list_participants",
            .message = why->data, .retry_after = -1};

        load_failed(e, &fail, "list the participants");
    }
    buf_free(why);
}

static void load_start(struct entry *e)
{
    struct buf *why = buf_create(128);

    e->loading = 1;
    if (twilio_conversation_fetch(e->cache->br->twilio, e->sid,
                                  on_conversation, e, why) < 0) {
        struct twilio_result fail = {.op = "fetch_conversation",
            .message = why->data, .retry_after = -1};

        load_failed(e, &fail, "fetch the conversation");
    }
    buf_free(why);
}

int conv_cache_get(struct conv_cache *cache, const char *conversation_sid,
                   int fresh, conv_cache_cb *cb, void *arg, struct buf *why)
{
    long ttl = cache->br->cfg->participant_cache_ttl;
    time_t now = time(NULL);
    struct entry *e, **pp, *oldest = NULL;
    struct waiter *w;
    long live = 0;

    /* Retire stale ready entries as we go (fresh: this one too); count the
     * live ones and find the ready one loaded longest ago. */
    for (pp = &cache->entries; (e = *pp) != NULL;) {
        if (!e->retired && !e->loading
            && (now - e->loaded >= ttl
                || (fresh && strcmp(e->sid, conversation_sid) == 0)))
            e->retired = 1;
        if (e->retired && !e->answering && !e->loading && e->waiters == NULL) {
            *pp = e->next;
            entry_free(e);
            continue;
        }
        if (!e->retired && strcmp(e->sid, conversation_sid) == 0)
            break;
        if (!e->retired) {
            live++;
            if (!e->loading && e->waiters == NULL && !e->answering
                && (oldest == NULL || e->loaded <= oldest->loaded))
                oldest = e;
        }
        pp = &e->next;
    }
    w = xcalloc(1, sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    if (e == NULL) {
        /* A new entry: keep within participant_cache_limit (the walk
         * stopped early only when it found the entry, so live is whole). */
        if (live + 1 > cache->br->cfg->participant_cache_limit
            && oldest != NULL) {
            if (msg_verbose())
                msg_info("%s: participant cache full (participant_cache_"
                         "limit %ld): forgotten", oldest->sid,
                         cache->br->cfg->participant_cache_limit);
            entry_retire(oldest);
        }
        e = xcalloc(1, sizeof(*e));
        e->cache = cache;
        e->sid = xstrdup(conversation_sid);
        e->ev_answer = event_new(cache->br->base, -1, 0, on_answer, e);
        if (e->ev_answer == NULL) {
            buf_printf(why, "cannot create an event");
            free(w);
            entry_free(e);
            return -1;
        }
        e->next = cache->entries;
        cache->entries = e;
        e->waiters = w;
        /* Start from the loop, so a synchronous failure is no re-entry. */
        e->loading = 1;
        event_active(e->ev_answer, EV_TIMEOUT, 0);
        return 0;
    }
    w->next = e->waiters;
    e->waiters = w;
    if (!e->loading)
        event_active(e->ev_answer, EV_TIMEOUT, 0);
    return 0;
}

void conv_cache_forget(struct conv_cache *cache, const char *conversation_sid)
{
    struct entry *e, **pp;

    for (pp = &cache->entries; (e = *pp) != NULL; pp = &e->next)
        if (!e->retired && !e->loading
            && strcmp(e->sid, conversation_sid) == 0) {
            entry_retire(e);
            return;
        }
}

json_t *participant_attributes(const json_t *participant)
{
    const char *text = str(participant, "attributes");
    json_t *attrs = text ? json_loads(text, 0, NULL) : NULL;

    if (!json_is_object(attrs)) {
        json_decref(attrs);
        attrs = json_object();
    }
    return attrs;
}

const char *participant_role(const json_t *participant)
{
    static const char *const roles[] = {"seeker", "building_contact", NULL};
    json_t *attrs = participant_attributes(participant);
    const char *role = str(attrs, "role");
    const char *const *cpp;

    /* Return a static string: the parsed attributes die here. */
    for (cpp = roles; role && *cpp; cpp++)
        if (strcmp(*cpp, role) == 0)
            break;
    role = role ? *cpp : NULL;
    json_decref(attrs);
    return role;
}

const json_t *participant_by_sid(const struct conv_info *info,
                                 const char *sid)
{
    const json_t *p;
    const char *have;
    size_t i;

    json_array_foreach(info->participants, i, p) {
        have = str(p, "sid");
        if (have && strcmp(have, sid) == 0)
            return p;
    }
    return NULL;
}

const json_t *participant_by_author(const struct conv_info *info,
                                    const char *author)
{
    const json_t *p;
    const char *have;
    size_t i;

    json_array_foreach(info->participants, i, p) {
        have = str(p, "identity");
        if (have == NULL)
            have = str(json_object_get(p, "messaging_binding"), "address");
        if (have && strcmp(have, author) == 0)
            return p;
    }
    return NULL;
}
