/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_start - start, find or complete a conversation; see conv_start.h.
 *
 * One struct start per request, a small state machine advanced by the
 * Twilio callbacks.  Every path ends in finish(), which calls back and
 * frees the start.  Log lines name participants by their SIDs, never by
 * their phone numbers (only at debug level, -v); the HTTP answers, which go
 * to the application that gave the numbers, may name them.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catchup.h"
#include "conv_names.h"
#include "conv_start.h"
#include "msg.h"
#include "number_pool.h"
#include "proxy_address.h"
#include "twilio_api.h"
#include "xalloc.h"

#define MAX_WANTED  6
#define MAX_RELIST  3           /* "added meanwhile" loops before giving up */

struct wanted {
    const char *role;
    const struct conv_party *party;
    const char *channel;        /* "chat", "email", "sms", "whatsapp" */
    char *identity;             /* chat participants, or NULL */
    char *address;              /* binding participants, or NULL */
    /* A copy of the proxy numbers as the request started: a reload may
     * replace br->cfg while it waits for Twilio, and order[] indexes this. */
    struct config_list pool;
    const char *prefix;         /* of pool numbers: "" or "whatsapp:" */
    const char *field;          /* request field, for errors */
    json_t *found;              /* the Twilio participant (own reference) */
};

struct start {
    struct bridge *br;
    struct conv_starts *owner;
    struct start *prev, *next;
    struct conv_request req;
    conv_start_cb *cb;
    void *arg;

    unsigned generation;
    unsigned races;             /* 50353 / 50433 / 50437 seen */
    int created;
    char *unique_name;
    char *sid;                  /* once known */
    json_t *conversation;
    json_t *participants;       /* array as listed by Twilio */

    struct wanted wanted[MAX_WANTED];
    size_t nwanted, cur;
    size_t *order;              /* pool order of wanted[order_for] */
    size_t order_for;
    size_t pool_try;
};

struct conv_starts {
    struct start *head;
};

static void step_fetch(struct start *st);
static void step_list(struct start *st);
static void step_participant(struct start *st);

struct conv_starts *conv_starts_create(void)
{
    return xcalloc(1, sizeof(struct conv_starts));
}

/* A wanted participant's own copy of a proxy number list. */
static void pool_copy(struct config_list *to, const struct config_list *from)
{
    size_t i;

    to->count = from->count;
    to->items = xcalloc(from->count + 1, sizeof(char *));
    for (i = 0; i < from->count; i++)
        to->items[i] = xstrdup(from->items[i]);
}

static void pool_free(struct config_list *pool)
{
    size_t i;

    for (i = 0; i < pool->count; i++)
        free(pool->items[i]);
    free(pool->items);
}

static void start_free(struct start *st)
{
    size_t i;

    if (st->prev)
        st->prev->next = st->next;
    else
        st->owner->head = st->next;
    if (st->next)
        st->next->prev = st->prev;
    for (i = 0; i < st->nwanted; i++) {
        free(st->wanted[i].identity);
        free(st->wanted[i].address);
        pool_free(&st->wanted[i].pool);
        json_decref(st->wanted[i].found);
    }
    conv_request_free(&st->req);
    free(st->unique_name);
    free(st->sid);
    free(st->order);
    json_decref(st->conversation);
    json_decref(st->participants);
    free(st);
}

void conv_starts_free(struct conv_starts *starts)
{
    if (starts == NULL)
        return;
    while (starts->head)
        start_free(starts->head);
    free(starts);
}

static json_t *error_body(const char *code, const char *field,
                          const char *message)
{
    json_t *body = json_object();

    json_object_set_new(body, "error", json_string(code));
    json_object_set_new(body, "message", json_string(message));
    if (field != NULL)
        json_object_set_new(body, "field", json_string(field));
    return body;
}

int conv_start_check(const struct bridge *br, const struct conv_request *req,
                     json_t **err)
{
    const struct config *cfg = br->cfg;
    struct {
        const char *value, *field, *param;
        const struct config_list *pool;
    } checks[] = {
        {req->seeker.sms, "seeker.sms", "sms_proxy_numbers",
         &cfg->sms_proxy_numbers},
        {req->seeker.whatsapp, "seeker.whatsapp", "whatsapp_proxy_numbers",
         &cfg->whatsapp_proxy_numbers},
        {req->contact.sms, "building_contact.sms", "sms_proxy_numbers",
         &cfg->sms_proxy_numbers},
        {req->contact.whatsapp, "building_contact.whatsapp",
         "whatsapp_proxy_numbers", &cfg->whatsapp_proxy_numbers},
    };
    struct buf *msg;
    size_t i;

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        if (checks[i].value != NULL && checks[i].pool->count == 0) {
            msg = buf_create(128);
            buf_printf(msg, "%s: this bridge has no %s to give", checks[i].field,
                       checks[i].param);
            *err = error_body("channel_not_configured", checks[i].field,
                              msg->data);
            buf_free(msg);
            return -1;
        }
    }
    return 0;
}

/* Ends the request: calls back with status and body, frees everything. */
static void finish(struct start *st, int status, json_t *body,
                   long retry_after)
{
    if (status >= 300 && st->sid != NULL) {
        json_object_set_new(body, "conversation_sid", json_string(st->sid));
        json_object_set_new(body, "incomplete", json_true());
    }
    st->cb(status, body, retry_after, st->arg);
    start_free(st);
}

static const char *log_id(const struct start *st)
{
    return st->sid ? st->sid : st->unique_name;
}

/* A Twilio call that failed for good: 503 when unavailable, else 502. */
static void fail_twilio(struct start *st, const struct twilio_result *res,
                        const char *what)
{
    struct buf *msg = buf_create(256);
    json_t *body;
    long retry_after;

    if (TWILIO_UNAVAILABLE(res)) {
        if (res->status)
            buf_printf(msg, "Twilio is unavailable: %s: HTTP %d: %s (%u "
                       "tries)", what, res->status, res->message
                       ? res->message : "", res->tries);
        else
            buf_printf(msg, "Twilio is unavailable: %s: %s (%u tries)", what,
                       res->message ? res->message : "no answer", res->tries);
        msg_warn("%s: conversation not started: %s", log_id(st), msg->data);
        body = error_body("twilio_unavailable", NULL, msg->data);
        retry_after = res->retry_after > 0 ? res->retry_after
            : st->br->cfg->twilio_maximal_retry_delay;
        buf_free(msg);
        finish(st, 503, body, retry_after);
        return;
    }
    buf_printf(msg, "Twilio refused to %s: HTTP %d, Twilio error %d: %s", what,
               res->status, res->code, res->message ? res->message : "");
    msg_warn("%s: conversation not started: %s", log_id(st), msg->data);
    body = error_body("twilio_error", NULL, msg->data);
    json_object_set_new(body, "twilio_status", json_integer(res->status));
    if (res->code)
        json_object_set_new(body, "twilio_code", json_integer(res->code));
    if (res->more_info)
        json_object_set_new(body, "more_info", json_string(res->more_info));
    buf_free(msg);
    finish(st, 502, body, 0);
}

/* A call that could not even be started (a bug or resource shortage). */
static void fail_start(struct start *st, struct buf *why)
{
    msg_error("%s: conversation not started: %s", log_id(st), why->data);
    finish(st, 500, error_body("internal_error", NULL, why->data), 0);
    buf_free(why);
}

static void add_wanted(struct start *st, const char *role,
                       const struct conv_party *party, const char *channel,
                       const char *value, const char *field)
{
    const struct config *cfg = st->br->cfg;
    struct wanted *w = &st->wanted[st->nwanted++];
    struct buf *b;

    w->role = role;
    w->party = party;
    w->channel = channel;
    w->field = field;
    if (strcmp(channel, "sms") == 0) {
        w->address = xstrdup(value);
        pool_copy(&w->pool, &cfg->sms_proxy_numbers);
        w->prefix = "";
    } else if (strcmp(channel, "whatsapp") == 0) {
        b = buf_create(64);
        buf_printf(b, "whatsapp:%s", value);
        w->address = buf_detach(b, NULL);
        pool_copy(&w->pool, &cfg->whatsapp_proxy_numbers);
        w->prefix = "whatsapp:";
    } else {
        w->identity = conv_identity(role, party->id);
    }
}

static const char *json_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

static const char *or_dash(const char *s)
{
    return s != NULL ? s : "-";
}

static int twilio_code_is(const struct twilio_result *res, int code)
{
    return !TWILIO_OK(res) && res->code == code;
}

/* Step 1: find the conversation by its unique name. */
static void on_create(const struct twilio_result *res, void *arg)
{
    struct start *st = arg;

    if (TWILIO_OK(res)) {
        st->created = 1;
        st->conversation = json_incref(res->json);
        st->sid = xstrdup(json_str(res->json, "sid") ? json_str(res->json,
                                                                "sid") : "");
        msg_info("%s: conversation created: unique_name=%s", st->sid,
                 st->unique_name);
        step_list(st);
    } else if (twilio_code_is(res, 50353) && ++st->races <= MAX_RELIST) {
        step_fetch(st);
    } else {
        fail_twilio(st, res, "create the conversation");
    }
}

static void step_create(struct start *st)
{
    const struct config *cfg = st->br->cfg;
    struct twilio_conversation_params p;
    struct buf *why = buf_create(128);
    char *friendly = conv_friendly_name(&st->req);
    json_t *attrs = conv_attributes(&st->req);
    int ret;

    memset(&p, 0, sizeof(p));
    p.friendly_name = friendly;
    p.unique_name = st->unique_name;
    p.attributes = attrs;
    p.messaging_service_sid = cfg->twilio_messaging_service_sid;
    p.timer_inactive = cfg->conversation_inactive_timer;
    p.timer_closed = cfg->conversation_closed_timer;
    ret = twilio_conversation_create(st->br->twilio, &p, on_create, st, why);
    free(friendly);
    json_decref(attrs);
    if (ret < 0)
        fail_start(st, why);
    else
        buf_free(why);
}

static void on_fetch(const struct twilio_result *res, void *arg)
{
    struct start *st = arg;
    const char *state;

    if (res->status == 404) {
        step_create(st);
        return;
    }
    if (!TWILIO_OK(res)) {
        fail_twilio(st, res, "fetch the conversation");
        return;
    }
    state = json_str(res->json, "state");
    if (state != NULL && strcmp(state, "closed") == 0) {
        msg_info("%s: conversation is closed: unique_name=%s; starting "
                 "generation %u", json_str(res->json, "sid")
                 ? json_str(res->json, "sid") : "-", st->unique_name,
                 st->generation + 1);
        if (++st->generation > CONV_MAX_GENERATION) {
            finish(st, 409, error_body("too_many_closed_conversations", NULL,
                                       "every generation of this "
                                       "conversation's unique name is closed"),
                   0);
            return;
        }
        step_fetch(st);
        return;
    }
    st->conversation = json_incref(res->json);
    free(st->sid);
    st->sid = xstrdup(json_str(res->json, "sid") ? json_str(res->json, "sid")
                      : "");
    step_list(st);
}

static void step_fetch(struct start *st)
{
    struct buf *why = buf_create(128);

    free(st->unique_name);
    st->unique_name = conv_unique_name(&st->req, st->generation);
    if (twilio_conversation_fetch(st->br->twilio, st->unique_name, on_fetch,
                                  st, why) < 0)
        fail_start(st, why);
    else
        buf_free(why);
}

/* Step 2: what participants exist. */
static void on_list(const struct twilio_result *res, void *arg)
{
    struct start *st = arg;
    json_t *items;

    if (!TWILIO_OK(res)) {
        fail_twilio(st, res, "list the participants");
        return;
    }
    items = json_object_get(res->json, "participants");
    if (!json_is_array(items)) {
        finish(st, 502, error_body("twilio_error", NULL, "Twilio's participant "
                                   "list has no \"participants\" array"), 0);
        return;
    }
    json_decref(st->participants);
    st->participants = json_incref(items);
    st->cur = 0;
    step_participant(st);
}

static void step_list(struct start *st)
{
    struct buf *why = buf_create(128);

    if (twilio_participant_list(st->br->twilio, st->sid, on_list, st, why) < 0)
        fail_start(st, why);
    else
        buf_free(why);
}

/* Step 3: each wanted participant, found or added. */
static json_t *find_existing(const struct start *st, const struct wanted *w)
{
    json_t *p, *binding;
    const char *have;
    size_t i;

    json_array_foreach(st->participants, i, p) {
        if (w->identity != NULL) {
            have = json_str(p, "identity");
            if (have != NULL && strcmp(have, w->identity) == 0)
                return p;
        } else {
            binding = json_object_get(p, "messaging_binding");
            have = json_str(binding, "address");
            if (have != NULL && strcmp(have, w->address) == 0)
                return p;
        }
    }
    return NULL;
}

static void on_participant(const struct twilio_result *res, void *arg)
{
    struct start *st = arg;
    struct wanted *w = &st->wanted[st->cur];

    if (TWILIO_OK(res)) {
        w->found = json_incref(res->json);
        /* An address is a phone number: named at debug level only. */
        msg_info("%s: participant added: %s, %s %s, role=%s", st->sid,
                 or_dash(json_str(res->json, "sid")), w->channel,
                 w->identity ? w->identity : "binding", w->role);
        if (msg_verbose() && w->address != NULL)
            msg_info("%s: participant %s: address %s", st->sid,
                     or_dash(json_str(res->json, "sid")), w->address);
        json_array_append(st->participants, res->json);
        st->cur++;
        step_participant(st);
    } else if (w->address != NULL && twilio_code_is(res, 50416)) {
        msg_info("%s: proxy number %s%s is in use with the %s's %s address "
                 "in another conversation (50416); trying the next", st->sid,
                 w->prefix, w->pool.items[st->order[st->pool_try]], w->role,
                 w->channel);
        if (msg_verbose())
            msg_info("%s: the %s's address: %s", st->sid, w->role,
                     w->address);
        st->pool_try++;
        step_participant(st);
    } else if ((twilio_code_is(res, 50433) || twilio_code_is(res, 50437))
               && ++st->races <= MAX_RELIST) {
        step_list(st);
    } else {
        fail_twilio(st, res, "add a participant");
    }
}

static void step_participant(struct start *st)
{
    struct twilio_participant_params p;
    struct buf *why, *proxy;
    struct wanted *w = NULL;
    json_t *found, *attrs;
    int ret;

    for (; st->cur < st->nwanted; st->cur++) {
        w = &st->wanted[st->cur];
        if ((found = find_existing(st, w)) == NULL)
            break;
        json_decref(w->found);
        w->found = json_incref(found);
    }
    if (st->cur == st->nwanted) {
        struct buf *addr = buf_create(128);
        json_t *body, *parts;
        size_t i;

        why = buf_create(128);
        if (proxy_address_encode(st->br->keys, st->br->cfg->proxy_domains.items[0],
                                 st->sid, addr, why) < 0) {
            buf_free(addr);
            fail_start(st, why);
            return;
        }
        buf_free(why);
        body = json_object();
        json_object_set_new(body, "conversation_sid", json_string(st->sid));
        json_object_set_new(body, "unique_name", json_string(st->unique_name));
        json_object_set(body, "state", json_object_get(st->conversation,
                                                       "state"));
        json_object_set_new(body, "proxy_address", json_string(addr->data));
        parts = json_array();
        for (i = 0; i < st->nwanted; i++) {
            json_t *one = json_object(), *binding;

            w = &st->wanted[i];
            binding = json_object_get(w->found, "messaging_binding");
            json_object_set(one, "sid", json_object_get(w->found, "sid"));
            json_object_set_new(one, "role", json_string(w->role));
            json_object_set_new(one, "channel", json_string(w->channel));
            if (w->identity)
                json_object_set_new(one, "identity", json_string(w->identity));
            else {
                json_object_set_new(one, "address", json_string(w->address));
                json_object_set(one, "proxy_address",
                                json_object_get(binding, "proxy_address"));
            }
            json_array_append_new(parts, one);
        }
        json_object_set_new(body, "participants", parts);
        msg_info("%s: conversation %s: unique_name=%s, proxy_address=%s, "
                 "participants=%zu", st->sid, st->created ? "started"
                 : "found", st->unique_name, addr->data, st->nwanted);
        buf_free(addr);
        catchup_heard(st->br->catchup, st->sid);
        finish(st, st->created ? 201 : 200, body, 0);
        return;
    }

    memset(&p, 0, sizeof(p));
    proxy = buf_create(64);
    if (w->address != NULL) {
        if (st->order == NULL || st->order_for != st->cur) {
            free(st->order);
            st->order = xcalloc(w->pool.count, sizeof(size_t));
            number_pool_order(w->pool.count, w->party->id, st->order);
            st->order_for = st->cur;
            st->pool_try = 0;
        }
        /* A number equal to the person's own address is no proxy (50409). */
        while (st->pool_try < w->pool.count) {
            buf_reset(proxy);
            buf_printf(proxy, "%s%s", w->prefix,
                       w->pool.items[st->order[st->pool_try]]);
            if (strcmp(proxy->data, w->address) != 0)
                break;
            st->pool_try++;
        }
        if (st->pool_try == w->pool.count) {
            struct buf *msg = buf_create(160);

            buf_printf(msg, "%s: every proxy number is already in use with "
                       "%s in another open conversation; close one, or add "
                       "numbers", w->field, w->address);
            /* The answer names the address the caller gave; the log not. */
            msg_warn("%s: conversation incomplete: %s: every proxy number is "
                     "already in use with this address in another open "
                     "conversation", st->sid, w->field);
            buf_free(proxy);
            finish(st, 409, error_body("proxy_numbers_exhausted", w->field,
                                       msg->data), 0);
            buf_free(msg);
            return;
        }
        p.address = w->address;
        p.proxy_address = proxy->data;
    } else {
        p.identity = w->identity;
    }
    attrs = conv_participant_attributes(w->role, w->party, w->channel);
    p.attributes = attrs;
    why = buf_create(128);
    ret = twilio_participant_create(st->br->twilio, st->sid, &p,
                                    on_participant, st, why);
    json_decref(attrs);
    buf_free(proxy);
    if (ret < 0)
        fail_start(st, why);
    else
        buf_free(why);
}

int conv_start(struct bridge *br, struct conv_starts *starts,
               struct conv_request *req, conv_start_cb *cb, void *arg,
               json_t **err)
{
    struct start *st;

    if (conv_start_check(br, req, err) < 0) {
        conv_request_free(req);
        return -1;
    }
    st = xcalloc(1, sizeof(*st));
    st->br = br;
    st->owner = starts;
    st->next = starts->head;
    if (starts->head)
        starts->head->prev = st;
    starts->head = st;
    st->req = *req;
    memset(req, 0, sizeof(*req));
    st->cb = cb;
    st->arg = arg;
    st->generation = 1;

    /* The contact's identity first: it stands for their email address. */
    add_wanted(st, CONV_ROLE_CONTACT, &st->req.contact, "email", NULL,
               "building_contact.email");
    if (st->req.seeker.chat)
        add_wanted(st, CONV_ROLE_SEEKER, &st->req.seeker, "chat", NULL,
                   "seeker.chat");
    if (st->req.seeker.sms)
        add_wanted(st, CONV_ROLE_SEEKER, &st->req.seeker, "sms",
                   st->req.seeker.sms, "seeker.sms");
    if (st->req.seeker.whatsapp)
        add_wanted(st, CONV_ROLE_SEEKER, &st->req.seeker, "whatsapp",
                   st->req.seeker.whatsapp, "seeker.whatsapp");
    if (st->req.contact.sms)
        add_wanted(st, CONV_ROLE_CONTACT, &st->req.contact, "sms",
                   st->req.contact.sms, "building_contact.sms");
    if (st->req.contact.whatsapp)
        add_wanted(st, CONV_ROLE_CONTACT, &st->req.contact, "whatsapp",
                   st->req.contact.whatsapp, "building_contact.whatsapp");
    step_fetch(st);
    return 0;
}
