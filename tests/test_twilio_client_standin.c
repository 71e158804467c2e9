/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio_client_standin - every operation of twilio_api.h against the
 * Twilio stand-in (tests/twilio-standin/), which checks each request's
 * parameters against Twilio's OpenAPI description and answers 400 naming
 * a wrong one.  Run by twilio_client_standin.sh:
 *
 *     test_twilio_client_standin URL ACCOUNT_SID TOKEN_FILE
 *
 * What a user of the client relies on: SIDs and fields of what was
 * created, Twilio's errors with their codes (50353, 50433, 50416, 20404,
 * 20003), Attributes round trips, X-Twilio-Webhook-Enabled as sent,
 * pagination over more than one page, media byte for byte, retries (429
 * with Retry-After, 500, a hang) counted in the stand-in's request log,
 * giving up after retry_limit with the last error, 4xx not retried, a
 * refused connection, and 200 requests in flight at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "curl_loop.h"
#include "metrics.h"
#include "msg.h"
#include "twilio_api.h"
#include "twilio_client.h"
#include "test_twilio_client_srv.h"
#include "xalloc.h"

#define MG_SID  "MG0123456789abcdef0123456789abcdef"

struct args {
    const char *url;
    const char *account;
    char *token;
};

struct env {
    const struct args *args;
    struct event_base *base;
    struct event *guard;
    struct metrics *metrics;
    struct curl_loop *loop;
    struct twilio_client_opts opts;
    struct twilio_client *tc;
    unsigned done;
    unsigned want;
};

/* One result, copied. */
struct got {
    struct env *env;
    int called;
    int status;
    int code;
    char *message;
    json_t *json;
    unsigned char *body;
    size_t body_len;
    char *content_type;
    unsigned tries;
};

static void got_clear(struct got *g)
{
    struct env *e = g->env;

    free(g->message);
    json_decref(g->json);
    free(g->body);
    free(g->content_type);
    memset(g, 0, sizeof(*g));
    g->env = e;
}

static void on_got(const struct twilio_result *res, void *arg)
{
    struct got *g = arg;

    got_clear(g);
    g->called = 1;
    g->status = res->status;
    g->code = res->code;
    g->message = res->message ? xstrdup(res->message) : NULL;
    g->json = res->json ? json_incref(res->json) : NULL;
    g->body = xmemdup(res->body ? (const void *) res->body : "",
                      res->body_len + 1);
    g->body_len = res->body_len;
    g->content_type = res->content_type ? xstrdup(res->content_type) : NULL;
    g->tries = res->tries;
    if (++g->env->done >= g->env->want)
        event_base_loopbreak(g->env->base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    struct env *e = arg;

    (void) fd;
    (void) what;
    event_base_loopbreak(e->base);
}

/* Runs the loop until n results came (the guard only bounds a failure). */
static void wait_for(struct env *e, unsigned n)
{
    struct timeval tv = {120, 0};

    e->want = n;
    evtimer_add(e->guard, &tv);
    if (e->done < n)
        event_base_dispatch(e->base);
    evtimer_del(e->guard);
    if (e->done < n)
        fail_msg("%u of %u results came", e->done, n);
    e->done = 0;
}

static void started(int ret, struct buf *why)
{
    if (ret != 0)
        fail_msg("not started: %s", why->data);
    buf_reset(why);
}

static void client_new(struct env *e)
{
    struct buf *why = buf_create(64);

    twilio_client_free(e->tc);
    e->tc = twilio_client_create(e->base, &e->opts, why);
    if (e->tc == NULL)
        fail_msg("twilio_client_create: %s", why->data);
    buf_free(why);
}

/* ---- the stand-in's control API (no auth; our client does for it) ---- */

static json_t *control(struct env *e, const char *method, const char *path,
                       struct form *form)
{
    struct twilio_request req = {.op = "standin_control", .method = method,
                                 .url = path, .form = form};
    struct got g = {.env = e};
    struct buf *why = buf_create(64);
    json_t *json;

    if (form == NULL && strcmp(method, "POST") == 0)
        req.form = form_create();
    started(twilio_client_start(e->tc, &req, on_got, &g, why), why);
    wait_for(e, 1);
    if (g.status != 200 && g.status != 201 && g.status != 204)
        fail_msg("stand-in %s %s: HTTP %d: %s", method, path, g.status,
                 g.message ? g.message : "");
    json = g.json ? json_incref(g.json) : NULL;
    got_clear(&g);
    buf_free(why);
    return json;
}

static void standin_reset(struct env *e)
{
    json_decref(control(e, "POST", "/_standin/reset", NULL));
}

static void standin_fault(struct env *e, const char *op, const char *fault,
                          int count, const char *retry_after)
{
    struct form *form = form_create();
    char text[16];

    snprintf(text, sizeof(text), "%d", count);
    form_add(form, "Operation", op);
    form_add(form, "Fault", fault);
    form_add(form, "Count", text);
    if (retry_after)
        form_add(form, "RetryAfter", retry_after);
    json_decref(control(e, "POST", "/_standin/faults", form));
}

/* API requests the stand-in saw for operation with status (0: any). */
static unsigned standin_count(struct env *e, const char *op, int status)
{
    json_t *log = control(e, "GET", "/_standin/requests", NULL);
    json_t *list = json_is_array(log) ? log : json_object_get(log, "requests");
    json_t *r;
    size_t i;
    unsigned n = 0;

    if (!json_is_array(list))
        fail_msg("/_standin/requests has no list of requests");
    json_array_foreach(list, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "operation"))
                   ? json_string_value(json_object_get(r, "operation")) : "",
                   op) != 0)
            continue;
        if (status != 0
            && json_integer_value(json_object_get(r, "status")) != status)
            continue;
        n++;
    }
    json_decref(log);
    return n;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    struct env *e = xcalloc(1, sizeof(*e));
    struct buf *why;

    e->args = *state;
    e->base = event_base_new();
    e->guard = evtimer_new(e->base, on_guard, e);
    e->metrics = metrics_create();
    e->opts.api_url = e->args->url;
    e->opts.media_url = e->args->url;
    e->opts.username = e->args->account;
    e->opts.password = e->args->token;
    e->opts.connect_timeout_ms = 5000;
    e->opts.request_timeout_ms = 20000;
    e->opts.retry_limit = 3;
    e->opts.max_retry_delay_ms = 5000;
    e->opts.metrics = e->metrics;
    why = buf_create(64);
    if ((e->opts.loop = e->loop = curl_loop_create(e->base, why)) == NULL)
        fail_msg("%s", why->data);
    buf_free(why);
    client_new(e);
    standin_reset(e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    twilio_client_free(e->tc);
    curl_loop_free(e->loop);
    metrics_free(e->metrics);
    event_free(e->guard);
    event_base_free(e->base);
    free(e);
    return 0;
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s ? s : "";
}

static void assert_sid(const char *sid, const char *prefix)
{
    size_t i;

    assert_int_equal(strlen(sid), 34);
    assert_memory_equal(sid, prefix, 2);
    for (i = 2; i < 34; i++)
        assert_non_null(strchr("0123456789abcdef", sid[i]));
}

/* "attributes" is JSON text inside JSON: equal to want once parsed. */
static void assert_attributes(const json_t *resource, const json_t *want)
{
    json_t *got = json_loads(str(resource, "attributes"), 0, NULL);

    assert_non_null(got);
    assert_true(json_equal(got, want));
    json_decref(got);
}

static void assert_twilio_error(const struct got *g, int status, int code)
{
    if (g->status != status || g->code != code)
        fail_msg("HTTP %d, Twilio error %d (%s); want HTTP %d, error %d",
                 g->status, g->code, g->message ? g->message : "", status,
                 code);
    assert_null(g->json);
    assert_non_null(g->message);
}

/* Creates a conversation, returns its JSON (caller decrefs). */
static json_t *make_conversation(struct env *e, const char *unique_name)
{
    struct twilio_conversation_params p = {.friendly_name = "test",
                                           .unique_name = unique_name};
    struct got g = {.env = e};
    struct buf *why = buf_create(64);
    json_t *json;

    started(twilio_conversation_create(e->tc, &p, on_got, &g, why), why);
    wait_for(e, 1);
    if (g.status != 201)
        fail_msg("create_conversation: HTTP %d: %s", g.status,
                 g.message ? g.message : "");
    json = json_incref(g.json);
    got_clear(&g);
    buf_free(why);
    return json;
}

/* ---- conversations ---- */

static void test_conversation_create_fetch(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *attrs = json_pack("{s:s, s:{s:i}, s:s}", "building", "B 12",
                              "unit", "floor", 4, "note", "caf\xc3\xa9 & co");
    struct twilio_conversation_params p = {
        .friendly_name = "Unit 4B, caf\xc3\xa9",
        .unique_name = "postmask:t1:bc/1 x",
        .attributes = attrs,
        .messaging_service_sid = MG_SID,
        .timer_inactive = 3600,
        .timer_closed = 86400,
    };
    struct got g = {.env = e}, f1 = {.env = e}, f2 = {.env = e};
    struct got dup = {.env = e}, missing = {.env = e};
    char sid[40];

    started(twilio_conversation_create(e->tc, &p, on_got, &g, why), why);
    wait_for(e, 1);
    if (g.status != 201)
        fail_msg("HTTP %d: %s", g.status, g.message ? g.message : "");
    assert_int_equal(g.tries, 1);
    assert_sid(str(g.json, "sid"), "CH");
    snprintf(sid, sizeof(sid), "%s", str(g.json, "sid"));
    assert_string_equal(str(g.json, "unique_name"), "postmask:t1:bc/1 x");
    assert_string_equal(str(g.json, "friendly_name"), "Unit 4B, caf\xc3\xa9");
    assert_string_equal(str(g.json, "state"), "active");
    assert_string_equal(str(g.json, "messaging_service_sid"), MG_SID);
    assert_sid(str(g.json, "chat_service_sid"), "IS");
    assert_attributes(g.json, attrs);

    /* By SID and by unique name (percent-encoded in the path). */
    started(twilio_conversation_fetch(e->tc, sid, on_got, &f1, why), why);
    started(twilio_conversation_fetch(e->tc, "postmask:t1:bc/1 x", on_got, &f2,
                                      why), why);
    wait_for(e, 2);
    assert_int_equal(f1.status, 200);
    assert_int_equal(f2.status, 200);
    assert_string_equal(str(f1.json, "sid"), sid);
    assert_string_equal(str(f2.json, "sid"), sid);
    assert_attributes(f2.json, attrs);

    /* The same unique name again: 50353, not retried. */
    started(twilio_conversation_create(e->tc, &p, on_got, &dup, why), why);
    started(twilio_conversation_fetch(e->tc, "CH00000000000000000000000000000000",
                                      on_got, &missing, why), why);
    wait_for(e, 2);
    assert_twilio_error(&dup, 409, 50353);
    assert_int_equal(dup.tries, 1);
    assert_twilio_error(&missing, 404, 20404);
    assert_int_equal(missing.tries, 1);
    assert_int_equal(standin_count(e, "create_conversation", 0), 2);
    assert_int_equal(standin_count(e, "fetch_conversation", 404), 1);

    json_decref(attrs);
    got_clear(&g);
    got_clear(&f1);
    got_clear(&f2);
    got_clear(&dup);
    got_clear(&missing);
    buf_free(why);
}

/* ---- participants ---- */

static void test_participants(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t2"), *conv2;
    json_t *attrs = json_pack("{s:s}", "role", "building_contact");
    json_t *attrs2 = json_pack("{s:s, s:b}", "role", "seeker", "muted", 1);
    struct twilio_participant_params chat = {.identity = "bc-1@example.com",
                                             .attributes = attrs};
    struct twilio_participant_params sms = {.address = "+15558675310",
                                            .proxy_address = "+15017122661"};
    struct got c1 = {.env = e}, c2 = {.env = e}, dup = {.env = e};
    struct got pair = {.env = e}, by_sid = {.env = e}, by_identity = {.env = e};
    struct got upd = {.env = e}, again = {.env = e}, missing = {.env = e};
    const char *sid = str(conv, "sid");
    json_t *binding;
    char mb[40];

    started(twilio_participant_create(e->tc, sid, &chat, on_got, &c1, why), why);
    started(twilio_participant_create(e->tc, sid, &sms, on_got, &c2, why), why);
    wait_for(e, 2);
    if (c1.status != 201 || c2.status != 201)
        fail_msg("HTTP %d (%s), %d (%s)", c1.status,
                 c1.message ? c1.message : "", c2.status,
                 c2.message ? c2.message : "");
    assert_sid(str(c1.json, "sid"), "MB");
    snprintf(mb, sizeof(mb), "%s", str(c1.json, "sid"));
    assert_string_equal(str(c1.json, "conversation_sid"), sid);
    assert_string_equal(str(c1.json, "identity"), "bc-1@example.com");
    assert_attributes(c1.json, attrs);
    binding = json_object_get(c2.json, "messaging_binding");
    assert_string_equal(str(binding, "address"), "+15558675310");
    assert_string_equal(str(binding, "proxy_address"), "+15017122661");

    /* The same identity again: 50433; the same pair elsewhere: 50416. */
    conv2 = make_conversation(e, "postmask:t2b");
    started(twilio_participant_create(e->tc, sid, &chat, on_got, &dup, why), why);
    started(twilio_participant_create(e->tc, str(conv2, "sid"), &sms, on_got,
                                      &pair, why), why);
    wait_for(e, 2);
    assert_twilio_error(&dup, 409, 50433);
    assert_twilio_error(&pair, 409, 50416);
    assert_int_equal(dup.tries, 1);
    assert_int_equal(pair.tries, 1);

    /* Fetch by SID and by identity; update the attributes. */
    started(twilio_participant_fetch(e->tc, sid, mb, on_got, &by_sid, why), why);
    started(twilio_participant_fetch(e->tc, sid, "bc-1@example.com", on_got,
                                     &by_identity, why), why);
    started(twilio_participant_update_attributes(e->tc, sid, mb, attrs2,
                                                 on_got, &upd, why), why);
    started(twilio_participant_fetch(e->tc, sid,
                                     "MB00000000000000000000000000000000",
                                     on_got, &missing, why), why);
    wait_for(e, 4);
    assert_int_equal(by_sid.status, 200);
    assert_string_equal(str(by_sid.json, "sid"), mb);
    assert_int_equal(by_identity.status, 200);
    assert_string_equal(str(by_identity.json, "sid"), mb);
    if (upd.status != 200)
        fail_msg("update_participant: HTTP %d: %s", upd.status,
                 upd.message ? upd.message : "");
    assert_attributes(upd.json, attrs2);
    assert_twilio_error(&missing, 404, 20404);
    started(twilio_participant_fetch(e->tc, sid, mb, on_got, &again, why), why);
    wait_for(e, 1);
    assert_attributes(again.json, attrs2);

    json_decref(conv);
    json_decref(conv2);
    json_decref(attrs);
    json_decref(attrs2);
    got_clear(&c1);
    got_clear(&c2);
    got_clear(&dup);
    got_clear(&pair);
    got_clear(&by_sid);
    got_clear(&by_identity);
    got_clear(&upd);
    got_clear(&again);
    got_clear(&missing);
    buf_free(why);
}

#define MANY 130

static void test_participant_pages(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t3");
    struct got *c = xcalloc(MANY, sizeof(*c));
    struct got list = {.env = e};
    char identity[MANY][32];
    json_t *items, *seen = json_object(), *item;
    size_t i;

    for (i = 0; i < MANY; i++) {
        struct twilio_participant_params p = {.identity = identity[i]};

        snprintf(identity[i], sizeof(identity[i]), "user-%03zu", i);
        c[i].env = e;
        started(twilio_participant_create(e->tc, str(conv, "sid"), &p, on_got,
                                          &c[i], why), why);
    }
    wait_for(e, MANY);
    for (i = 0; i < MANY; i++) {
        if (c[i].status != 201)
            fail_msg("participant %zu: HTTP %d: %s", i, c[i].status,
                     c[i].message ? c[i].message : "");
        json_object_set_new(seen, str(c[i].json, "sid"), json_true());
        got_clear(&c[i]);
    }
    started(twilio_participant_list(e->tc, str(conv, "sid"), on_got, &list,
                                    why), why);
    wait_for(e, 1);
    assert_int_equal(list.status, 200);
    items = json_object_get(list.json, "participants");
    assert_int_equal(json_array_size(items), MANY);
    json_array_foreach(items, i, item) {
        assert_non_null(json_object_get(seen, str(item, "sid")));
        json_object_del(seen, str(item, "sid"));
    }
    assert_int_equal(json_object_size(seen), 0);
    /* More than one page. */
    assert_true(standin_count(e, "list_participants", 200) >= 2);

    json_decref(seen);
    json_decref(conv);
    got_clear(&list);
    free(c);
    buf_free(why);
}

/* ---- messages ---- */

static json_t *standin_message(struct env *e, const char *conv_sid,
                               const char *message_sid)
{
    char path[128];
    json_t *all, *list, *m, *found = NULL;
    size_t i;

    snprintf(path, sizeof(path), "/_standin/conversations/%s/messages",
             conv_sid);
    all = control(e, "GET", path, NULL);
    list = json_is_array(all) ? all : json_object_get(all, "messages");
    json_array_foreach(list, i, m) {
        if (strcmp(str(m, "sid"), message_sid) == 0)
            found = json_incref(m);
    }
    json_decref(all);
    if (found == NULL)
        fail_msg("the stand-in has no message %s", message_sid);
    return found;
}

static void test_messages_and_webhook_header(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t4");
    const char *sid = str(conv, "sid");
    json_t *attrs = json_pack("{s:s}", "email_message_id", "<m1@example.com>");
    struct twilio_message_params p[3] = {
        {.author = "bc-1@example.com", .body = "Hi \xe2\x80\x93 is 4B free?",
         .attributes = attrs, .webhook_enabled = "false"},
        {.body = "from the system", .webhook_enabled = "true"},
        {.author = "+15558675310", .body = "no header"},
    };
    static const char *const header[3] = {"false", "true", NULL};
    struct got g[3] = {{.env = e}, {.env = e}, {.env = e}};
    json_t *m, *h;
    int i;

    for (i = 0; i < 3; i++) {
        started(twilio_message_create(e->tc, sid, &p[i], on_got, &g[i], why),
                why);
        wait_for(e, 1);     /* one by one: their indexes in order */
        if (g[i].status != 201)
            fail_msg("message %d: HTTP %d: %s", i, g[i].status,
                     g[i].message ? g[i].message : "");
        assert_sid(str(g[i].json, "sid"), "IM");
    }
    assert_string_equal(str(g[0].json, "author"), "bc-1@example.com");
    assert_string_equal(str(g[0].json, "body"), "Hi \xe2\x80\x93 is 4B free?");
    assert_attributes(g[0].json, attrs);
    assert_string_equal(str(g[1].json, "author"), "system");
    for (i = 0; i < 3; i++) {
        m = standin_message(e, sid, str(g[i].json, "sid"));
        h = json_object_get(m, "webhook_enabled_header");
        print_message("message %d: header %s\n", i,
                      json_is_string(h) ? json_string_value(h) : "(none)");
        if (header[i] == NULL)
            assert_false(json_is_string(h) && *json_string_value(h));
        else
            assert_string_equal(json_string_value(h), header[i]);
        json_decref(m);
        got_clear(&g[i]);
    }
    json_decref(attrs);
    json_decref(conv);
    buf_free(why);
}

static void test_message_pages_newest_first(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t5");
    const char *sid = str(conv, "sid");
    struct got *c = xcalloc(MANY, sizeof(*c));
    struct got all = {.env = e}, few = {.env = e};
    json_t *items, *item;
    json_int_t last = -1, index;
    char body[MANY][16];
    size_t i;

    for (i = 0; i < MANY; i++) {
        struct twilio_message_params p = {.body = body[i]};

        snprintf(body[i], sizeof(body[i]), "m%03zu", i);
        c[i].env = e;
        started(twilio_message_create(e->tc, sid, &p, on_got, &c[i], why), why);
    }
    wait_for(e, MANY);
    for (i = 0; i < MANY; i++) {
        assert_int_equal(c[i].status, 201);
        got_clear(&c[i]);
    }
    started(twilio_message_list_recent(e->tc, sid, 1000, on_got, &all, why),
            why);
    wait_for(e, 1);
    assert_int_equal(all.status, 200);
    items = json_object_get(all.json, "messages");
    assert_int_equal(json_array_size(items), MANY);
    json_array_foreach(items, i, item) {
        index = json_integer_value(json_object_get(item, "index"));
        if (last >= 0)
            assert_true(index < last);
        last = index;
    }
    assert_true(standin_count(e, "list_messages", 200) >= 2);

    started(twilio_message_list_recent(e->tc, sid, 5, on_got, &few, why), why);
    wait_for(e, 1);
    assert_int_equal(few.status, 200);
    items = json_object_get(few.json, "messages");
    assert_int_equal(json_array_size(items), 5);
    assert_true(json_equal(json_array_get(items, 0),
                           json_array_get(json_object_get(all.json, "messages"),
                                          0)));
    json_decref(conv);
    got_clear(&all);
    got_clear(&few);
    free(c);
    buf_free(why);
}

/* ---- media ---- */

static void test_media_round_trip(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t6");
    size_t len = 300 * 1024 + 7, i;
    unsigned char *data = xmalloc(len);
    struct got up = {.env = e}, msg = {.env = e}, down = {.env = e};
    struct twilio_message_params p = {.body = "the plan"};
    json_t *media;
    unsigned x = 12345;

    for (i = 0; i < len; i++) {
        x = x * 1103515245 + 12345;
        data[i] = (unsigned char) (x >> 16);
    }
    /* The file name goes as the "filename" query parameter. */
    started(twilio_media_upload(e->tc, str(conv, "chat_service_sid"),
                                "image/png", "plan 4B.png", data, len, on_got,
                                &up, why), why);
    wait_for(e, 1);
    if (up.status != 201)
        fail_msg("upload_media: HTTP %d: %s", up.status,
                 up.message ? up.message : "");
    assert_sid(str(up.json, "sid"), "ME");
    assert_string_equal(str(up.json, "content_type"), "image/png");
    assert_string_equal(str(up.json, "filename"), "plan 4B.png");
    assert_int_equal(json_integer_value(json_object_get(up.json, "size")), len);

    p.media_sid = str(up.json, "sid");
    started(twilio_message_create(e->tc, str(conv, "sid"), &p, on_got, &msg,
                                  why), why);
    started(twilio_media_download(e->tc, str(conv, "chat_service_sid"),
                                  str(up.json, "sid"), on_got, &down, why), why);
    wait_for(e, 2);
    if (msg.status != 201)
        fail_msg("create_message: HTTP %d: %s", msg.status,
                 msg.message ? msg.message : "");
    media = json_array_get(json_object_get(msg.json, "media"), 0);
    assert_string_equal(str(media, "sid"), str(up.json, "sid"));
    if (down.status != 200)
        fail_msg("download_media: HTTP %d: %s", down.status,
                 down.message ? down.message : "");
    assert_int_equal(down.body_len, len);
    assert_memory_equal(down.body, data, len);
    assert_non_null(down.content_type);
    assert_string_equal(down.content_type, "image/png");

    free(data);
    json_decref(conv);
    got_clear(&up);
    got_clear(&msg);
    got_clear(&down);
    buf_free(why);
}

/* ---- retries ---- */

static double retries(struct env *e, const char *op)
{
    return metrics_get(e->metrics, "postmask_twilio_retries_total",
                       (const char *const[]) {"operation", op, NULL});
}

static void test_retry_429_retry_after(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t7");
    struct twilio_message_params p = {.body = "after 429"};
    struct got g = {.env = e};

    standin_fault(e, "create_message", "429", 2, "1");
    started(twilio_message_create(e->tc, str(conv, "sid"), &p, on_got, &g, why),
            why);
    wait_for(e, 1);
    assert_int_equal(g.status, 201);
    assert_int_equal(g.tries, 3);
    assert_int_equal(standin_count(e, "create_message", 429), 2);
    assert_int_equal(standin_count(e, "create_message", 201), 1);
    assert_int_equal(retries(e, "create_message"), 2);
    assert_int_equal(metrics_get(e->metrics, "postmask_twilio_requests_total",
                                 (const char *const[]) {"operation",
                                 "create_message", "status", "429", NULL}), 2);
    json_decref(conv);
    got_clear(&g);
    buf_free(why);
}

static void test_retry_500_and_hang(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    struct got g = {.env = e}, h = {.env = e};
    json_t *conv;

    e->opts.request_timeout_ms = 1000;
    e->opts.max_retry_delay_ms = 200;
    client_new(e);
    conv = make_conversation(e, "postmask:t8");
    standin_fault(e, "fetch_conversation", "500", 1, NULL);
    started(twilio_conversation_fetch(e->tc, str(conv, "sid"), on_got, &g, why),
            why);
    wait_for(e, 1);
    assert_int_equal(g.status, 200);
    assert_int_equal(g.tries, 2);
    assert_int_equal(standin_count(e, "fetch_conversation", 500), 1);
    assert_int_equal(standin_count(e, "fetch_conversation", 200), 1);

    standin_fault(e, "list_participants", "hang", 1, NULL);
    started(twilio_participant_list(e->tc, str(conv, "sid"), on_got, &h, why),
            why);
    wait_for(e, 1);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.tries, 2);
    assert_int_equal(json_array_size(json_object_get(h.json, "participants")),
                     0);
    assert_int_equal(standin_count(e, "list_participants", 0), 2);
    assert_int_equal(retries(e, "list_participants"), 1);
    json_decref(conv);
    got_clear(&g);
    got_clear(&h);
    buf_free(why);
}

static void test_give_up_after_retry_limit(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    struct twilio_conversation_params p = {.friendly_name = "never"};
    struct got g = {.env = e};

    e->opts.retry_limit = 2;
    e->opts.max_retry_delay_ms = 100;
    client_new(e);
    standin_fault(e, "create_conversation", "503", 10, NULL);
    started(twilio_conversation_create(e->tc, &p, on_got, &g, why), why);
    wait_for(e, 1);
    assert_int_equal(g.status, 503);
    assert_int_equal(g.tries, 3);
    assert_non_null(g.message);
    assert_null(g.json);
    assert_int_equal(standin_count(e, "create_conversation", 503), 3);
    assert_int_equal(standin_count(e, "create_conversation", 0), 3);
    assert_int_equal(retries(e, "create_conversation"), 2);
    got_clear(&g);
    buf_free(why);
}

static void test_wrong_credentials(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    struct got g = {.env = e};

    e->opts.password = "not-the-token";
    client_new(e);
    started(twilio_conversation_fetch(e->tc, "CH00000000000000000000000000000000",
                                      on_got, &g, why), why);
    wait_for(e, 1);
    assert_twilio_error(&g, 401, 20003);
    assert_int_equal(g.tries, 1);
    got_clear(&g);
    buf_free(why);
}

static void test_connection_refused(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    struct got g = {.env = e};
    char url[64];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv_closed_port());
    e->opts.api_url = url;
    e->opts.retry_limit = 1;
    e->opts.max_retry_delay_ms = 50;
    client_new(e);
    started(twilio_conversation_fetch(e->tc, "CH00000000000000000000000000000000",
                                      on_got, &g, why), why);
    wait_for(e, 1);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.tries, 2);
    assert_non_null(g.message);
    assert_true(strlen(g.message) > 0);
    got_clear(&g);
    buf_free(why);
}

#define CONCURRENT 200

static void test_200_in_flight(void **state)
{
    struct env *e = *state;
    struct buf *why = buf_create(64);
    json_t *conv = make_conversation(e, "postmask:t9");
    struct got *g = xcalloc(CONCURRENT, sizeof(*g));
    size_t i;

    for (i = 0; i < CONCURRENT; i++) {
        g[i].env = e;
        started(twilio_conversation_fetch(e->tc, str(conv, "sid"), on_got,
                                          &g[i], why), why);
    }
    assert_int_equal(twilio_client_pending(e->tc), CONCURRENT);
    wait_for(e, CONCURRENT);
    for (i = 0; i < CONCURRENT; i++) {
        if (g[i].status != 200)
            fail_msg("request %zu: HTTP %d: %s", i, g[i].status,
                     g[i].message ? g[i].message : "");
        assert_string_equal(str(g[i].json, "sid"), str(conv, "sid"));
        got_clear(&g[i]);
    }
    assert_int_equal(twilio_client_pending(e->tc), 0);
    assert_int_equal(standin_count(e, "fetch_conversation", 200), CONCURRENT);
    json_decref(conv);
    free(g);
    buf_free(why);
}

static char *read_token(const char *path)
{
    FILE *fp = fopen(path, "r");
    char line[512];
    size_t len;

    if (fp == NULL || fgets(line, sizeof(line), fp) == NULL)
        msg_fatal("%s: cannot read the token: %m", path);
    fclose(fp);
    len = strcspn(line, "\r\n");
    line[len] = 0;
    return xstrdup(line);
}

#define T(name) cmocka_unit_test_prestate_setup_teardown(name, setup, \
                                                         teardown, &args)

int main(int argc, char **argv)
{
    struct args args;
    int ret;

    msg_init("test_twilio_client_standin", MSG_STDERR);
    if (argc != 4)
        msg_fatal("usage: %s URL ACCOUNT_SID TOKEN_FILE", argv[0]);
    args.url = argv[1];
    args.account = argv[2];
    args.token = read_token(argv[3]);
    {
        const struct CMUnitTest tests[] = {
            T(test_conversation_create_fetch),
            T(test_participants),
            T(test_participant_pages),
            T(test_messages_and_webhook_header),
            T(test_message_pages_newest_first),
            T(test_media_round_trip),
            T(test_retry_429_retry_after),
            T(test_retry_500_and_hang),
            T(test_give_up_after_retry_limit),
            T(test_wrong_credentials),
            T(test_connection_refused),
            T(test_200_in_flight),
        };

        ret = cmocka_run_group_tests(tests, NULL, NULL);
    }
    free(args.token);
    return ret;
}
