/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio_client - the Twilio REST client against a scripted HTTP
 * server in the same process (test_twilio_client_srv.h): what goes on the
 * wire (form encoding, Basic auth and a rotated password, Accept,
 * Content-Type, the webhook header), Twilio's error bodies and non-JSON answers, the retry rules
 * (429/503 with Retry-After, other 5xx, timeouts, connection errors, 4xx
 * final, giving up after retry_limit with the last answer), the answer size
 * limit, callbacks only from the event loop, cancellation by
 * twilio_client_free(), 200 requests in flight at once, and two clients
 * sharing one curl_loop.
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

#include "base64.h"
#include "buf.h"
#include "curl_loop.h"
#include "metrics.h"
#include "msg.h"
#include "twilio_client.h"
#include "test_twilio_client_srv.h"
#include "xalloc.h"

#define USER    "AC0123456789abcdef0123456789abcdef"
#define PASS    "s3cret-token"

/* What one callback saw (copied: the result lives only in the callback). */
struct got {
    int called;
    int status;
    int code;
    char *message;
    char *more_info;
    json_t *json;
    unsigned char *body;
    size_t body_len;
    char *content_type;
    long retry_after;
    unsigned tries;
    char op[64];
};

struct fixture {
    struct event_base *base;
    struct srv *srv;
    struct metrics *metrics;
    struct curl_loop *loop;
    struct twilio_client *tc;
    struct twilio_client_opts opts;
    char media_url[96];
    struct event *guard;
    unsigned want;          /* callbacks to wait for */
    unsigned done;
    int free_in_callback;
};

static void got_clear(struct got *g)
{
    free(g->message);
    free(g->more_info);
    json_decref(g->json);
    free(g->body);
    free(g->content_type);
    memset(g, 0, sizeof(*g));
}

struct call {
    struct fixture *fx;
    struct got got;
};

static void on_result(const struct twilio_result *res, void *arg)
{
    struct call *c = arg;
    struct got *g = &c->got;

    g->called++;
    g->status = res->status;
    g->code = res->code;
    g->message = res->message ? xstrdup(res->message) : NULL;
    g->more_info = res->more_info ? xstrdup(res->more_info) : NULL;
    g->json = res->json ? json_incref(res->json) : NULL;
    g->body = xmemdup(res->body ? (const void *) res->body : "", res->body_len + 1);
    g->body_len = res->body_len;
    g->content_type = res->content_type ? xstrdup(res->content_type) : NULL;
    g->retry_after = res->retry_after;
    g->tries = res->tries;
    snprintf(g->op, sizeof(g->op), "%s", res->op);
    c->fx->done++;
    if (c->fx->free_in_callback) {
        twilio_client_free(c->fx->tc);
        c->fx->tc = NULL;
    }
    if (c->fx->done >= c->fx->want)
        event_base_loopbreak(c->fx->base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    struct fixture *fx = arg;

    (void) fd;
    (void) what;
    event_base_loopbreak(fx->base);
}

/* Runs the loop until want callbacks came, or the guard (not a timing
 * assertion: the checks that follow fail if the work did not finish). */
static void run(struct fixture *fx, unsigned want, int guard_secs)
{
    struct timeval tv = {guard_secs, 0};

    fx->want = want;
    evtimer_add(fx->guard, &tv);
    if (fx->done < want)
        event_base_dispatch(fx->base);
    evtimer_del(fx->guard);
}

static void client_new(struct fixture *fx)
{
    struct buf *why = buf_create(64);

    twilio_client_free(fx->tc);
    fx->tc = twilio_client_create(fx->base, &fx->opts, why);
    if (fx->tc == NULL)
        fail_msg("twilio_client_create: %s", why->data);
    buf_free(why);
}

static struct curl_loop *loop_new(struct event_base *base)
{
    struct buf *why = buf_create(64);
    struct curl_loop *loop = curl_loop_create(base, why);

    if (loop == NULL)
        fail_msg("curl_loop_create: %s", why->data);
    buf_free(why);
    return loop;
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));

    fx->base = event_base_new();
    fx->srv = srv_create(fx->base);
    fx->metrics = metrics_create();
    fx->guard = evtimer_new(fx->base, on_guard, fx);
    fx->loop = loop_new(fx->base);
    snprintf(fx->media_url, sizeof(fx->media_url), "%s/mcs/", fx->srv->url);
    fx->opts.api_url = fx->srv->url;
    fx->opts.media_url = fx->media_url;
    fx->opts.username = USER;
    fx->opts.password = PASS;
    fx->opts.connect_timeout_ms = 5000;
    fx->opts.request_timeout_ms = 10000;
    fx->opts.retry_limit = 3;
    fx->opts.max_retry_delay_ms = 20;
    fx->opts.metrics = fx->metrics;
    fx->opts.loop = fx->loop;
    client_new(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    twilio_client_free(fx->tc);
    curl_loop_free(fx->loop);
    srv_free(fx->srv);
    metrics_free(fx->metrics);
    event_free(fx->guard);
    event_base_free(fx->base);
    free(fx);
    return 0;
}

static void start_ok(struct fixture *fx, const struct twilio_request *req,
                     struct call *c)
{
    struct buf *why = buf_create(64);

    c->fx = fx;
    if (twilio_client_start(fx->tc, req, on_result, c, why) != 0)
        fail_msg("twilio_client_start: %s", why->data);
    buf_free(why);
}

static double metric(struct fixture *fx, const char *name, const char *op,
                     const char *status)
{
    if (status == NULL)
        return metrics_get(fx->metrics, name,
                           (const char *const[]) {"operation", op, NULL});
    return metrics_get(fx->metrics, name,
                       (const char *const[]) {"operation", op, "status",
                                              status, NULL});
}

/* ---- what goes on the wire ---- */

static void test_form_and_headers(void **state)
{
    struct fixture *fx = *state;
    struct form *form = form_create();
    json_t *attrs = json_pack("{s:s, s:i}", "a", "b c", "n", 1);
    struct twilio_request req = {.op = "create_message", .method = "POST",
                                 .url = "/v1/Conversations/CH1/Messages",
                                 .webhook_enabled = "false"};
    struct call c = {0};
    const struct srv_request *r;
    struct buf *auth = buf_create(128);

    srv_script(fx->srv, (struct srv_reply) {201, "application/json",
               "{\"sid\": \"IM0123\", \"index\": 0}", 0, NULL, NULL, 0});
    form_add(form, "Body", "h\xc3\xa9llo w\xc3\xb6rld & more=yes+~*");
    twilio_form_add_json(form, "Attributes", attrs);
    form_add(form, "X", "1");
    form_add(form, "X", "2");
    json_decref(attrs);
    req.form = form;
    start_ok(fx, &req, &c);
    run(fx, 1, 30);

    assert_int_equal(c.got.called, 1);
    assert_int_equal(c.got.status, 201);
    assert_int_equal(c.got.code, 0);
    assert_null(c.got.message);
    assert_int_equal(c.got.tries, 1);
    assert_string_equal(c.got.op, "create_message");
    assert_string_equal(json_string_value(json_object_get(c.got.json, "sid")),
                        "IM0123");
    r = srv_request(fx->srv, 0);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->uri, "/v1/Conversations/CH1/Messages");
    assert_string_equal(r->body,
                        "Body=h%C3%A9llo%20w%C3%B6rld%20%26%20more%3Dyes%2B~%2A"
                        "&Attributes=%7B%22a%22%3A%22b%20c%22%2C%22n%22%3A1%7D"
                        "&X=1&X=2");
    assert_string_equal(r->content_type, "application/x-www-form-urlencoded");
    assert_string_equal(r->accept, "application/json");
    assert_string_equal(r->webhook_enabled, "false");
    buf_append_str(auth, "Basic ");
    base64_encode(USER ":" PASS, strlen(USER ":" PASS), auth);
    assert_string_equal(r->authorization, auth->data);
    buf_free(auth);
    assert_int_equal(metric(fx, "postmask_twilio_requests_total",
                            "create_message", "201"), 1);
    got_clear(&c.got);
}

/* "Basic base64(USER:password)" */
static void assert_basic_auth(const struct srv_request *r, const char *password)
{
    struct buf *plain = buf_create(64), *auth = buf_create(128);

    buf_printf(plain, "%s:%s", USER, password);
    buf_append_str(auth, "Basic ");
    base64_encode(plain->data, plain->len, auth);
    assert_non_null(r);
    assert_string_equal(r->authorization, auth->data);
    buf_free(plain);
    buf_free(auth);
}

/* A rotated password (a reload) is for the requests started after it; a
 * request already started keeps its own through its retries. */
static void test_set_password(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c = {0}, c2 = {0};

    srv_script(fx->srv, (struct srv_reply) {503, "application/json",
               "{\"code\": 20503, \"message\": \"busy\"}", 0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json", "{}", 0,
               NULL, NULL, 0});
    start_ok(fx, &req, &c);
    twilio_client_set_password(fx->tc, "rotated-token");
    run(fx, 1, 30);
    assert_int_equal(c.got.status, 200);
    assert_int_equal(c.got.tries, 2);
    start_ok(fx, &req, &c2);
    run(fx, 2, 30);
    assert_int_equal(c2.got.status, 200);
    assert_int_equal(fx->srv->hits, 3);
    assert_basic_auth(srv_request(fx->srv, 0), PASS);
    assert_basic_auth(srv_request(fx->srv, 1), PASS);
    assert_basic_auth(srv_request(fx->srv, 2), "rotated-token");
    got_clear(&c.got);
    got_clear(&c2.got);
}

static void test_raw_body_and_absolute_url(void **state)
{
    struct fixture *fx = *state;
    static const unsigned char data[] = {0x89, 'P', 'N', 'G', 0, 1, 2, 0xff};
    char url[160];
    struct twilio_request req = {.op = "upload_media", .method = "POST",
                                 .raw = data, .raw_len = sizeof(data),
                                 .raw_type = "image/png"};
    struct call c = {0};
    const struct srv_request *r;

    snprintf(url, sizeof(url), "%s/mcs/v1/Services/IS1/Media", fx->srv->url);
    req.url = url;
    start_ok(fx, &req, &c);
    run(fx, 1, 30);
    assert_int_equal(c.got.status, 200);
    r = srv_request(fx->srv, 0);
    assert_string_equal(r->uri, "/mcs/v1/Services/IS1/Media");
    assert_string_equal(r->content_type, "image/png");
    assert_int_equal(r->body_len, sizeof(data));
    assert_memory_equal(r->body, data, sizeof(data));
    assert_null(r->webhook_enabled);
    got_clear(&c.got);
}

static void test_get_and_delete(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request get = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH9"};
    struct twilio_request del = {.op = "delete_conversation",
                                 .method = "DELETE",
                                 .url = "/v1/Conversations/CH9"};
    struct call c1 = {0}, c2 = {0};

    start_ok(fx, &get, &c1);
    start_ok(fx, &del, &c2);
    run(fx, 2, 30);
    assert_int_equal(fx->srv->hits, 2);
    assert_int_equal(c1.got.status, 200);
    assert_int_equal(c2.got.status, 200);
    assert_string_equal(srv_request(fx->srv, 0)->method, "GET");
    assert_string_equal(srv_request(fx->srv, 1)->method, "DELETE");
    assert_int_equal(srv_request(fx->srv, 0)->body_len, 0);
    assert_null(srv_request(fx->srv, 0)->content_type);
    got_clear(&c1.got);
    got_clear(&c2.got);
}

static void test_connection_reused(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request get = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct twilio_request post = {.op = "create_message", .method = "POST",
                                  .url = "/v1/Conversations/CH1/Messages"};
    struct call c = {0};
    int i;

    /* One after the other, on one connection, even after errors. */
    srv_script(fx->srv, (struct srv_reply) {200, "application/json", "{}", 0,
               NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {404, "application/json",
               "{\"code\": 20404}", 0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {201, "application/json", "{}", 0,
               NULL, NULL, 0});
    for (i = 0; i < 5; i++) {
        fx->done = 0;
        if (i % 2) {
            post.form = form_create();
            form_add(post.form, "Body", "x");
            start_ok(fx, &post, &c);
        } else {
            start_ok(fx, &get, &c);
        }
        run(fx, 1, 30);
        got_clear(&c.got);
    }
    assert_int_equal(fx->srv->hits, 5);
    for (i = 1; i < 5; i++)
        assert_int_equal(srv_request(fx->srv, i)->peer_port,
                         srv_request(fx->srv, 0)->peer_port);
}

/* ---- answers ---- */

static void test_twilio_error_not_retried(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "create_conversation", .method = "POST",
                                 .url = "/v1/Conversations"};
    struct call c = {0};

    srv_script(fx->srv, (struct srv_reply) {409, "application/json",
               "{\"code\": 50353, \"message\": \"Conversation with provided "
               "unique name already exists\", \"more_info\": "
               "\"https://www.twilio.com/docs/errors/50353\", \"status\": 409}",
               0, NULL, NULL, 0});
    req.form = form_create();
    form_add(req.form, "UniqueName", "u1");
    start_ok(fx, &req, &c);
    run(fx, 1, 30);
    assert_int_equal(c.got.status, 409);
    assert_int_equal(c.got.code, 50353);
    assert_string_equal(c.got.message,
                        "Conversation with provided unique name already exists");
    assert_string_equal(c.got.more_info,
                        "https://www.twilio.com/docs/errors/50353");
    assert_null(c.got.json);
    assert_int_equal(c.got.tries, 1);
    assert_int_equal(fx->srv->hits, 1);
    assert_int_equal(metric(fx, "postmask_twilio_retries_total",
                            "create_conversation", NULL), 0);
    got_clear(&c.got);
}

static void test_4xx_final(void **state)
{
    static const int statuses[] = {400, 401, 403, 404, 405, 413};
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_participant", .method = "GET",
                                 .url = "/v1/Conversations/CH1/Participants/x"};
    size_t i;

    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct call c = {0};

        srv_reset(fx->srv);
        fx->done = 0;
        srv_script(fx->srv, (struct srv_reply) {statuses[i], "application/json",
                   "{\"code\": 20404, \"message\": \"not here\"}", 0, NULL,
                   NULL, 0});
        start_ok(fx, &req, &c);
        run(fx, 1, 30);
        print_message("status %d\n", statuses[i]);
        assert_int_equal(c.got.status, statuses[i]);
        assert_int_equal(c.got.tries, 1);
        assert_int_equal(fx->srv->hits, 1);
        got_clear(&c.got);
    }
}

static void test_non_json_answers(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0};

    fx->opts.retry_limit = 0;
    client_new(fx);
    srv_script(fx->srv, (struct srv_reply) {502, "text/html",
               "<html><body>Bad gateway\r\n</body></html>", 0, NULL, NULL, 0});
    start_ok(fx, &req, &c1);
    run(fx, 1, 30);
    assert_int_equal(c1.got.status, 502);
    assert_int_equal(c1.got.code, 0);
    assert_null(c1.got.json);
    assert_non_null(strstr(c1.got.message, "not a Twilio error"));
    assert_non_null(strstr(c1.got.message, "Bad gateway"));
    assert_null(strchr(c1.got.message, '\n'));
    assert_string_equal((char *) c1.got.body,
                        "<html><body>Bad gateway\r\n</body></html>");

    /* A 2xx that says JSON and is not: no usable answer. */
    srv_reset(fx->srv);
    fx->done = 0;
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"sid\": ", 0, NULL, NULL, 0});
    start_ok(fx, &req, &c2);
    run(fx, 1, 30);
    assert_int_equal(c2.got.status, 0);
    assert_null(c2.got.json);
    assert_non_null(strstr(c2.got.message, "not valid JSON"));

    /* A 2xx that is not JSON: its bytes, no JSON. */
    srv_reset(fx->srv);
    fx->done = 0;
    srv_script(fx->srv, (struct srv_reply) {200, "text/plain", "hello", 0,
               NULL, NULL, 0});
    start_ok(fx, &req, &c3);
    run(fx, 1, 30);
    assert_int_equal(c3.got.status, 200);
    assert_null(c3.got.json);
    assert_null(c3.got.message);
    assert_string_equal(c3.got.content_type, "text/plain");
    assert_int_equal(c3.got.body_len, 5);
    assert_string_equal((char *) c3.got.body, "hello");

    /* An error with an empty body. */
    srv_reset(fx->srv);
    fx->done = 0;
    srv_script(fx->srv, (struct srv_reply) {404, NULL, NULL, 0, NULL, NULL, 0});
    start_ok(fx, &req, &c4);
    run(fx, 1, 30);
    assert_int_equal(c4.got.status, 404);
    assert_non_null(strstr(c4.got.message, "empty answer"));
    got_clear(&c1.got);
    got_clear(&c2.got);
    got_clear(&c3.got);
    got_clear(&c4.got);
}

/* ---- retries ---- */

static void test_retry_after(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "create_message", .method = "POST",
                                 .url = "/v1/Conversations/CH1/Messages"};
    struct call c = {0};

    /* Retry-After is capped at max_retry_delay_ms (20 ms here): an hour's
     * wait would leave the callback uncalled when run() returns. */
    srv_script(fx->srv, (struct srv_reply) {429, "application/json",
               "{\"code\": 20429, \"message\": \"Too Many Requests\"}", 0,
               "3600", NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {503, "text/plain", "busy", 0, "0",
               NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {201, "application/json",
               "{\"sid\": \"IM1\"}", 0, NULL, NULL, 0});
    req.form = form_create();
    form_add(req.form, "Body", "hi");
    start_ok(fx, &req, &c);
    run(fx, 1, 60);
    assert_int_equal(c.got.called, 1);
    assert_int_equal(c.got.status, 201);
    assert_int_equal(c.got.tries, 3);
    assert_int_equal(fx->srv->hits, 3);
    /* Every try sent the same body. */
    assert_string_equal(srv_request(fx->srv, 0)->body, "Body=hi");
    assert_string_equal(srv_request(fx->srv, 2)->body, "Body=hi");
    assert_int_equal(metric(fx, "postmask_twilio_requests_total",
                            "create_message", "429"), 1);
    assert_int_equal(metric(fx, "postmask_twilio_requests_total",
                            "create_message", "503"), 1);
    assert_int_equal(metric(fx, "postmask_twilio_requests_total",
                            "create_message", "201"), 1);
    assert_int_equal(metric(fx, "postmask_twilio_retries_total",
                            "create_message", NULL), 2);
    got_clear(&c.got);
}

/* A request that must not be repeated (creating a message): a 503 and a
 * timeout are reported at once, a 429 is retried (never processed). */
static void test_not_idempotent(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "create_message", .method = "POST",
                                 .url = "/v1/Conversations/CH1/Messages",
                                 .not_idempotent = 1};
    struct call c = {0}, c2 = {0}, c3 = {0};

    fx->opts.request_timeout_ms = 300;
    client_new(fx);
    srv_script(fx->srv, (struct srv_reply) {503, "application/json",
               "{\"code\": 20503, \"message\": \"busy\"}", 0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {201, "application/json",
               "{\"sid\": \"IM1\"}", 0, NULL, NULL, 0});
    req.form = form_create();
    form_add(req.form, "Body", "hi");
    start_ok(fx, &req, &c);
    run(fx, 1, 60);
    assert_int_equal(c.got.status, 503);
    assert_int_equal(c.got.tries, 1);
    assert_int_equal(fx->srv->hits, 1);

    srv_reset(fx->srv);
    fx->done = 0;
    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    srv_script(fx->srv, (struct srv_reply) {201, "application/json",
               "{\"sid\": \"IM1\"}", 0, NULL, NULL, 0});
    req.form = form_create();
    form_add(req.form, "Body", "hi");
    start_ok(fx, &req, &c2);
    run(fx, 1, 60);
    assert_int_equal(c2.got.status, 0);
    assert_int_equal(c2.got.tries, 1);
    assert_int_equal(fx->srv->hits, 1);

    srv_reset(fx->srv);
    fx->done = 0;
    srv_script(fx->srv, (struct srv_reply) {429, "application/json",
               "{\"code\": 20429, \"message\": \"Too Many Requests\"}", 0,
               "0", NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {201, "application/json",
               "{\"sid\": \"IM1\"}", 0, NULL, NULL, 0});
    req.form = form_create();
    form_add(req.form, "Body", "hi");
    start_ok(fx, &req, &c3);
    run(fx, 1, 60);
    assert_int_equal(c3.got.status, 201);
    assert_int_equal(c3.got.tries, 2);
    got_clear(&c.got);
    got_clear(&c2.got);
    got_clear(&c3.got);
}

static void test_retry_limit_reports_last(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "list_messages", .method = "GET",
                                 .url = "/v1/Conversations/CH1/Messages"};
    struct call c = {0};

    fx->opts.retry_limit = 2;
    client_new(fx);
    srv_script(fx->srv, (struct srv_reply) {500, "application/json",
               "{\"code\": 20500, \"message\": \"one\"}", 0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {502, "application/json",
               "{\"code\": 20500, \"message\": \"two\"}", 0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {429, "application/json",
               "{\"code\": 20429, \"message\": \"three\"}", 0, "7", NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json", "{}", 0,
               NULL, NULL, 0});
    start_ok(fx, &req, &c);
    run(fx, 1, 60);
    assert_int_equal(c.got.status, 429);
    assert_int_equal(c.got.code, 20429);
    assert_string_equal(c.got.message, "three");
    assert_int_equal(c.got.retry_after, 7);
    assert_int_equal(c.got.tries, 3);
    assert_int_equal(fx->srv->hits, 3);
    assert_int_equal(metric(fx, "postmask_twilio_retries_total",
                            "list_messages", NULL), 2);
    got_clear(&c.got);
}

static void test_timeout_retried(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c = {0}, c2 = {0};

    fx->opts.request_timeout_ms = 300;
    fx->opts.retry_limit = 1;
    client_new(fx);
    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    start_ok(fx, &req, &c);
    run(fx, 1, 60);
    assert_int_equal(c.got.status, 0);
    assert_int_equal(c.got.tries, 2);
    assert_int_equal(fx->srv->hits, 2);
    assert_non_null(strstr(c.got.message, "timed out"));
    assert_int_equal(metric(fx, "postmask_twilio_requests_total",
                            "fetch_conversation", "0"), 2);

    /* A hang, then an answer. */
    srv_reset(fx->srv);
    fx->done = 0;
    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"sid\": \"CH1\"}", 0, NULL, NULL, 0});
    start_ok(fx, &req, &c2);
    run(fx, 1, 60);
    assert_int_equal(c2.got.status, 200);
    assert_int_equal(c2.got.tries, 2);
    got_clear(&c.got);
    got_clear(&c2.got);
}

static void test_connection_refused(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c = {0};
    char url[64];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv_closed_port());
    fx->opts.api_url = url;
    fx->opts.retry_limit = 2;
    client_new(fx);
    start_ok(fx, &req, &c);
    run(fx, 1, 60);
    assert_int_equal(c.got.status, 0);
    assert_int_equal(c.got.code, 0);
    assert_int_equal(c.got.tries, 3);
    assert_non_null(c.got.message);
    assert_non_null(strstr(c.got.message, "onnect"));
    assert_int_equal(metric(fx, "postmask_twilio_retries_total",
                            "fetch_conversation", NULL), 2);
    got_clear(&c.got);
}

/* ---- limits and URLs ---- */

static void test_answer_size_limit(void **state)
{
    struct fixture *fx = *state;
    size_t big = (size_t) 5 << 20;
    char *data = xmalloc(big);
    char url[160];
    struct twilio_request api = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct twilio_request media = {.op = "download_media", .method = "GET"};
    struct call c1 = {0}, c2 = {0};
    size_t i;

    for (i = 0; i < big; i++)
        data[i] = (char) (i * 7 + 3);
    fx->opts.retry_limit = 3;
    client_new(fx);
    srv_script(fx->srv, (struct srv_reply) {200, "application/octet-stream",
               data, big, NULL, NULL, 0});
    start_ok(fx, &api, &c1);
    run(fx, 1, 60);
    assert_int_equal(c1.got.status, 0);
    assert_int_equal(c1.got.tries, 1);     /* not retried */
    assert_non_null(strstr(c1.got.message, "larger than the limit of 4194304"));

    fx->done = 0;
    snprintf(url, sizeof(url), "%s/mcs/v1/Services/IS1/Media/ME1/Content",
             fx->srv->url);
    media.url = url;
    start_ok(fx, &media, &c2);
    run(fx, 1, 60);
    assert_int_equal(c2.got.status, 200);
    assert_int_equal(c2.got.body_len, big);
    assert_memory_equal(c2.got.body, data, big);
    assert_string_equal(c2.got.content_type, "application/octet-stream");
    free(data);
    got_clear(&c1.got);
    got_clear(&c2.got);
}

static void test_redirect_drops_credentials(void **state)
{
    struct fixture *fx = *state;
    char location[160], url[160];
    struct twilio_request req = {.op = "download_media", .method = "GET"};
    struct call c = {0};

    /* 127.0.0.1 redirects to localhost: another host name for curl. */
    snprintf(location, sizeof(location), "http://localhost:%d/tmp/ME1",
             fx->srv->port);
    srv_script(fx->srv, (struct srv_reply) {302, NULL, NULL, 0, NULL,
               location, 0});
    srv_script(fx->srv, (struct srv_reply) {200, "image/jpeg", "JPEGDATA", 0,
               NULL, NULL, 0});
    snprintf(url, sizeof(url), "%s/mcs/v1/Services/IS1/Media/ME1/Content",
             fx->srv->url);
    req.url = url;
    start_ok(fx, &req, &c);
    run(fx, 1, 60);
    assert_int_equal(c.got.status, 200);
    assert_string_equal((char *) c.got.body, "JPEGDATA");
    assert_string_equal(c.got.content_type, "image/jpeg");
    assert_int_equal(fx->srv->hits, 2);
    assert_non_null(srv_request(fx->srv, 0)->authorization);
    assert_string_equal(srv_request(fx->srv, 1)->uri, "/tmp/ME1");
    assert_null(srv_request(fx->srv, 1)->authorization);
    got_clear(&c.got);
}

static void test_refused_requests(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    struct call c = {0};
    struct twilio_request bad[] = {
        {.op = "x", .method = "PUT", .url = "/v1/Conversations"},
        {.op = "x", .method = "GET", .url = "ftp://127.0.0.1/v1"},
        {.op = "x", .method = "GET", .url = "v1/Conversations"},
        {.op = "x", .method = "GET", .url = "/v1/Conversations"},     /* form */
        {.op = "x", .method = "POST", .url = "/v1/Conversations",
         .webhook_enabled = "true\r\nX-Evil: 1"},
        {.op = NULL, .method = "GET", .url = "/v1/Conversations"},
    };
    size_t i;

    c.fx = fx;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        buf_reset(why);
        bad[i].form = form_create();   /* taken even when refused */
        form_add(bad[i].form, "A", "b");
        if (i != 3 && i != 4) {
            form_free(bad[i].form);
            bad[i].form = NULL;
        }
        print_message("case %zu\n", i);
        assert_int_equal(twilio_client_start(fx->tc, &bad[i], on_result, &c,
                                             why), -1);
        assert_true(why->len > 0);
    }
    assert_int_equal(twilio_client_pending(fx->tc), 0);
    run(fx, 1, 1);
    assert_int_equal(c.got.called, 0);
    assert_int_equal(fx->srv->hits, 0);
    buf_free(why);
}

static void test_bad_options(void **state)
{
    struct fixture *fx = *state;
    struct twilio_client_opts o = fx->opts;
    struct buf *why = buf_create(64);

    o.api_url = "ftp://example.com";
    assert_null(twilio_client_create(fx->base, &o, why));
    assert_non_null(strstr(why->data, "API URL"));
    o = fx->opts;
    o.username = "";
    buf_reset(why);
    assert_null(twilio_client_create(fx->base, &o, why));
    assert_non_null(strstr(why->data, "credentials"));
    o = fx->opts;
    o.request_timeout_ms = 0;
    buf_reset(why);
    assert_null(twilio_client_create(fx->base, &o, why));
    assert_non_null(strstr(why->data, "positive"));
    o = fx->opts;
    o.loop = NULL;
    buf_reset(why);
    assert_null(twilio_client_create(fx->base, &o, why));
    assert_string_equal(why->data, "twilio: no curl loop");
    buf_free(why);
}

/* ---- the event loop ---- */

static void test_callback_only_from_loop(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c = {0};
    char url[64];

    start_ok(fx, &req, &c);
    assert_int_equal(c.got.called, 0);
    assert_int_equal(twilio_client_pending(fx->tc), 1);
    run(fx, 1, 30);
    assert_int_equal(c.got.called, 1);
    assert_int_equal(twilio_client_pending(fx->tc), 0);
    got_clear(&c.got);

    /* Not even when the connection fails at once. */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv_closed_port());
    fx->opts.api_url = url;
    fx->opts.retry_limit = 0;
    client_new(fx);
    fx->done = 0;
    start_ok(fx, &req, &c);
    assert_int_equal(c.got.called, 0);
    run(fx, 1, 30);
    assert_int_equal(c.got.called, 1);
    assert_int_equal(c.got.status, 0);
    got_clear(&c.got);
}

static void test_free_cancels(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c[4] = {{0}};
    int i;

    /* One hangs, one waits for a retry, two are answered. */
    fx->opts.max_retry_delay_ms = 60000;
    client_new(fx);
    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    srv_script(fx->srv, (struct srv_reply) {503, NULL, NULL, 0, "60", NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json", "{}", 0,
               NULL, NULL, 0});
    for (i = 0; i < 4; i++)
        start_ok(fx, &req, &c[i]);
    assert_int_equal(twilio_client_pending(fx->tc), 4);
    /* Let the server see them all, then free the client. */
    while (fx->srv->hits < 4 || fx->done < 2)
        event_base_loop(fx->base, EVLOOP_ONCE);
    assert_int_equal(twilio_client_pending(fx->tc), 2);
    twilio_client_free(fx->tc);
    fx->tc = NULL;
    fx->done = 0;
    run(fx, 1, 1);
    assert_int_equal(fx->done, 0);
    for (i = 0; i < 4; i++)
        got_clear(&c[i].got);
}

static void test_free_from_callback(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct call c[5] = {{0}};
    int i;

    fx->free_in_callback = 1;
    for (i = 0; i < 5; i++)
        start_ok(fx, &req, &c[i]);
    run(fx, 5, 2);
    assert_int_equal(fx->done, 1);
    assert_null(fx->tc);
    for (i = 0; i < 5; i++)
        got_clear(&c[i].got);
}

#define CONCURRENT 200

static void test_200_in_flight(void **state)
{
    struct fixture *fx = *state;
    struct call *c = xcalloc(CONCURRENT, sizeof(*c));
    char paths[CONCURRENT][48];
    int i;

    /* The server answers nothing until all 200 are waiting on it. */
    fx->srv->hold_until = CONCURRENT;
    for (i = 0; i < CONCURRENT; i++) {
        struct twilio_request req = {.op = "fetch_participant",
                                     .method = "GET"};

        snprintf(paths[i], sizeof(paths[i]),
                 "/v1/Conversations/CH1/Participants/MB%03d", i);
        req.url = paths[i];
        start_ok(fx, &req, &c[i]);
    }
    assert_int_equal(twilio_client_pending(fx->tc), CONCURRENT);
    run(fx, CONCURRENT, 120);
    assert_int_equal(fx->done, CONCURRENT);
    assert_int_equal(fx->srv->hits, CONCURRENT);
    for (i = 0; i < CONCURRENT; i++) {
        assert_int_equal(c[i].got.status, 200);
        assert_int_equal(c[i].got.tries, 1);
        assert_string_equal(json_string_value(json_object_get(c[i].got.json,
                                                              "uri")),
                            paths[i]);
        got_clear(&c[i].got);
    }
    assert_int_equal(twilio_client_pending(fx->tc), 0);
    free(c);
}

/* Two clients on one curl_loop: freeing one cancels only its own
 * requests; the other's complete, on the same connections. */
static void test_shared_loop(void **state)
{
    struct fixture *fx = *state;
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET",
                                 .url = "/v1/Conversations/CH1"};
    struct twilio_client *other;
    struct call mine = {0}, theirs[2] = {{0}};
    struct buf *why = buf_create(64);

    other = twilio_client_create(fx->base, &fx->opts, why);
    assert_non_null(other);
    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json", "{}", 0,
               NULL, NULL, 0});
    mine.fx = fx;
    assert_int_equal(twilio_client_start(other, &req, on_result, &mine, why),
                     0);
    while (fx->srv->hits < 1)
        event_base_loop(fx->base, EVLOOP_ONCE);
    start_ok(fx, &req, &theirs[0]);
    run(fx, 1, 30);
    twilio_client_free(other);      /* its request hangs on the server */
    start_ok(fx, &req, &theirs[1]);
    run(fx, 2, 30);
    assert_int_equal(mine.got.called, 0);
    assert_int_equal(theirs[0].got.status, 200);
    assert_int_equal(theirs[1].got.status, 200);
    assert_int_equal(fx->srv->hits, 3);
    /* The second of fx's requests reused the first one's connection. */
    assert_int_equal(srv_request(fx->srv, 1)->peer_port,
                     srv_request(fx->srv, 2)->peer_port);
    got_clear(&theirs[0].got);
    got_clear(&theirs[1].got);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_form_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_body_and_absolute_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_twilio_error_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4xx_final, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_json_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_limit_reports_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirect_drops_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_only_from_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_200_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_loop, setup, teardown),
    };

    msg_init("test_twilio_client", MSG_STDERR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
