/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http_server - the bridge's HTTP server over real loopback sockets:
 * routes, JSON errors (404, 405 with Allow, 413, 431), bearer tokens, the
 * connection limit, the idle timeout, answers given later from the loop,
 * and exchanges whose client went away first (the answer is dropped and
 * counted; under AddressSanitizer this is also the use-after-free test).
 *
 * Everything runs in one thread: the clients are non-blocking sockets and
 * the test turns the event loop until what it waits for has happened (a
 * 10-second guard turns a hang into a failure; nothing asserts on time).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "http_server.h"
#include "metrics.h"
#include "msg.h"

#define MAX_BODY        2048
#define MAX_HEADERS     2048

struct fixture {
    struct event_base *base;
    struct event *tick;
    struct metrics *metrics;
    struct http_server *srv;
    int port;
    struct http_exchange *held;     /* the exchange h_hold keeps */
    int held_count;
};

/* A client connection and what it has received. */
struct client {
    int fd;
    struct buf *in;
    int eof;
};

struct response {
    int status;
    char headers[4096];
    char *body;
    size_t body_len;
};

/* Handlers. */

static void h_hello(struct http_exchange *ex, void *arg)
{
    http_exchange_add_header(ex, "X-Hello", "world");
    http_reply(ex, 200, "text/plain", "hello\n", 6);
}

/* Echoes the request as JSON. */
static void h_echo(struct http_exchange *ex, void *arg)
{
    size_t len;
    const char *body = http_exchange_body(ex, &len);
    const char *query = http_exchange_query(ex);
    const char *test = http_exchange_header(ex, "x-test");
    json_t *j = json_object();

    json_object_set_new(j, "method", json_string(http_exchange_method(ex)));
    json_object_set_new(j, "path", json_string(http_exchange_path(ex)));
    json_object_set_new(j, "query", query ? json_string(query) : json_null());
    json_object_set_new(j, "x_test", test ? json_string(test) : json_null());
    json_object_set_new(j, "body_len", json_integer((json_int_t) len));
    json_object_set_new(j, "body_nul", json_boolean(body[len] == '\0'));
    http_reply_json(ex, 200, j);
}

static void h_hold(struct http_exchange *ex, void *arg)
{
    struct fixture *f = arg;

    f->held = ex;
    f->held_count++;
}

static void h_bearer(struct http_exchange *ex, void *arg)
{
    if (!http_exchange_bearer_ok(ex, "s3cret-token", 12)) {
        http_exchange_add_header(ex, "WWW-Authenticate", "Bearer");
        http_reply_error(ex, 401, "unauthorized", NULL, "no");
        return;
    }
    http_reply(ex, 204, NULL, NULL, 0);
}

static void h_field_error(struct http_exchange *ex, void *arg)
{
    http_reply_error(ex, 400, "invalid_field", "seeker.sms",
                     "bad %s: \xff\xfe", "number");
}

/* The loop. */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
}

/* With a header (and body) deadline and a per-address limit. */
static struct fixture *fixture_new_limits(unsigned max_conns, long timeout_s,
                                          long header_timeout_s,
                                          unsigned client_limit)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct http_server_opts opts = {
        "127.0.0.1:0", MAX_BODY, MAX_HEADERS, max_conns, timeout_s, NULL,
        NULL, header_timeout_s, header_timeout_s, client_limit,
    };
    struct buf *why = buf_create(64);
    struct timeval tv = {0, 10000};

    f->base = event_base_new();
    f->metrics = metrics_create();
    opts.metrics = f->metrics;
    f->srv = http_server_create(f->base, &opts, why);
    if (f->srv == NULL)
        fail_msg("http_server_create: %s", why->data);
    buf_free(why);
    f->port = http_server_port(f->srv);
    assert_true(f->port > 0);
    http_server_route(f->srv, "GET", "/hello", "hello", h_hello, f);
    http_server_route(f->srv, "POST", "/echo", "echo", h_echo, f);
    http_server_route(f->srv, "PUT", "/echo", "echo", h_echo, f);
    http_server_route(f->srv, "GET", "/echo", "echo", h_echo, f);
    http_server_route(f->srv, "POST", "/hold", "hold", h_hold, f);
    http_server_route(f->srv, "GET", "/auth", "auth", h_bearer, f);
    http_server_route(f->srv, "POST", "/field", "field", h_field_error, f);
    f->tick = event_new(f->base, -1, EV_PERSIST, on_tick, NULL);
    event_add(f->tick, &tv);
    return f;
}

static struct fixture *fixture_new(unsigned max_conns, long timeout_s)
{
    return fixture_new_limits(max_conns, timeout_s, 0, 0);
}

static void fixture_free(struct fixture *f)
{
    http_server_free(f->srv);
    event_free(f->tick);
    metrics_free(f->metrics);
    event_base_free(f->base);
    free(f);
}

typedef int predicate(struct fixture *f, void *arg);

/* Turns the loop until pred holds; fails after 10 s (a hang guard). */
static void run_until(struct fixture *f, predicate *pred, void *arg,
                      const char *what)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!pred(f, arg)) {
        event_base_loop(f->base, EVLOOP_ONCE);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 10)
            fail_msg("timed out waiting for %s", what);
    }
}

/* Gives the server every chance to act on what is already there. */
static void settle(struct fixture *f)
{
    int i;

    for (i = 0; i < 50; i++)
        event_base_loop(f->base, EVLOOP_NONBLOCK);
}

/* Clients. */

static struct client *client_open(struct fixture *f)
{
    struct client *c = calloc(1, sizeof(*c));
    struct sockaddr_in sin;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) f->port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    /* Loopback: the kernel completes the handshake, accepted or queued. */
    assert_int_equal(connect(c->fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    c->in = buf_create(256);
    return c;
}

static void client_send(struct client *c, const char *data, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = send(c->fd, data + done, len - done, MSG_NOSIGNAL);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            fd_set w;

            FD_ZERO(&w);
            FD_SET(c->fd, &w);
            (void) select(c->fd + 1, NULL, &w, NULL, NULL);
            continue;
        }
        if (n < 0)
            fail_msg("send: %s", strerror(errno));
        done += (size_t) n;
    }
}

#define SEND(c, literal)    client_send((c), (literal), sizeof(literal) - 1)

static void client_close(struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    buf_free(c->in);
    free(c);
}

static void client_read(struct client *c)
{
    char tmp[4096];
    ssize_t n;

    while (!c->eof && (n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT)) != 0) {
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            c->eof = 1;         /* reset */
            return;
        }
        buf_append(c->in, tmp, (size_t) n);
    }
    c->eof = 1;
}

/* Length of the first complete response in c->in, or 0. */
static size_t response_len(const struct client *c)
{
    const char *end = strstr(c->in->data, "\r\n\r\n");
    const char *cl;
    size_t head, body = 0;

    if (end == NULL)
        return 0;
    head = (size_t) (end - c->in->data) + 4;
    if ((cl = strcasestr(c->in->data, "\r\nContent-Length:")) != NULL
        && cl < end)
        body = strtoul(cl + 17, NULL, 10);
    if (strncmp(c->in->data, "HTTP/1.1 204", 12) == 0)
        body = 0;
    return c->in->len >= head + body ? head + body : 0;
}

static int have_response(struct fixture *f, void *arg)
{
    struct client *c = arg;

    client_read(c);
    return response_len(c) > 0 || c->eof;
}

static int have_eof(struct fixture *f, void *arg)
{
    struct client *c = arg;

    client_read(c);
    return c->eof;
}

/* Waits for one response and takes it out of c->in. */
static struct response *get_response(struct fixture *f, struct client *c)
{
    struct response *r = calloc(1, sizeof(*r));
    const char *end;
    size_t len, head;

    run_until(f, have_response, c, "a response");
    if ((len = response_len(c)) == 0)
        fail_msg("connection closed without a complete response: \"%s\"",
                 c->in->data);
    end = strstr(c->in->data, "\r\n\r\n");
    head = (size_t) (end - c->in->data) + 4;
    assert_int_equal(sscanf(c->in->data, "HTTP/1.1 %d", &r->status), 1);
    snprintf(r->headers, sizeof(r->headers), "%.*s", (int) head, c->in->data);
    r->body_len = len - head;
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, c->in->data + head, r->body_len);
    r->body[r->body_len] = '\0';
    memmove(c->in->data, c->in->data + len, c->in->len - len + 1);
    c->in->len -= len;
    return r;
}

static void response_free(struct response *r)
{
    free(r->body);
    free(r);
}

/* The value of a response header, in a static buffer; NULL if absent. */
static const char *header_of(const struct response *r, const char *name)
{
    static char value[512];
    char pat[128];
    const char *p, *e;

    snprintf(pat, sizeof(pat), "\r\n%s:", name);
    if ((p = strcasestr(r->headers, pat)) == NULL)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    e = strstr(p, "\r\n");
    snprintf(value, sizeof(value), "%.*s", (int) (e - p), p);
    return value;
}

static struct response *request(struct fixture *f, const char *text)
{
    struct client *c = client_open(f);
    struct response *r;

    client_send(c, text, strlen(text));
    r = get_response(f, c);
    client_close(c);
    return r;
}

static double requests(struct fixture *f, const char *route,
                       const char *status)
{
    const char *labels[] = {"route", route, "status", status, NULL};

    return metrics_get(f->metrics, "postmask_http_requests_total", labels);
}

static double connections(struct fixture *f)
{
    return metrics_get(f->metrics, "postmask_http_connections", NULL);
}

static double refused(struct fixture *f, const char *reason)
{
    const char *labels[] = {"listener", "listen", "reason", reason, NULL};

    return metrics_get(f->metrics, "postmask_http_refused_total", labels);
}

static int no_connections(struct fixture *f, void *arg)
{
    return connections(f) == 0;
}

/* Checks a JSON error body: {"error": code, "message": ..., ["field"]}. */
static void assert_json_error(const struct response *r, const char *code,
                              const char *field)
{
    json_error_t err;
    json_t *j = json_loads(r->body, 0, &err);

    if (j == NULL)
        fail_msg("not JSON (%s): %s", err.text, r->body);
    assert_string_equal(header_of(r, "Content-Type"), "application/json");
    assert_string_equal(json_string_value(json_object_get(j, "error")), code);
    assert_non_null(json_string_value(json_object_get(j, "message")));
    if (field)
        assert_string_equal(json_string_value(json_object_get(j, "field")),
                            field);
    else
        assert_null(json_object_get(j, "field"));
    json_decref(j);
}

/* Tests. */

static void test_route_and_keepalive(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c = client_open(f);
    struct response *r;
    static const char two[] =
        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /echo?a=1&b=2 HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\n\r\n";

    client_send(c, two, sizeof(two) - 1);
    r = get_response(f, c);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "hello\n");
    assert_string_equal(header_of(r, "Content-Type"), "text/plain");
    assert_string_equal(header_of(r, "X-Hello"), "world");
    assert_string_equal(header_of(r, "Cache-Control"), "no-store");
    response_free(r);
    r = get_response(f, c);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "\"method\":\"GET\""));
    assert_non_null(strstr(r->body, "\"path\":\"/echo\""));
    assert_non_null(strstr(r->body, "\"query\":\"a=1&b=2\""));
    assert_non_null(strstr(r->body, "\"x_test\":\"yes\""));
    response_free(r);
    /* HEAD is GET without the body. */
    SEND(c, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    settle(f);
    client_read(c);
    assert_non_null(strstr(c->in->data, "HTTP/1.1 200 OK\r\n"));
    assert_null(strstr(c->in->data, "hello\n"));
    client_close(c);
    assert_int_equal(requests(f, "hello", "200"), 2);
    assert_int_equal(requests(f, "echo", "200"), 1);
    run_until(f, no_connections, NULL, "the connection to close");
    fixture_free(f);
}

static void test_not_found_and_method(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct response *r;

    r = request(f, "GET /nothing/here HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r->status, 404);
    assert_json_error(r, "not_found", NULL);
    response_free(r);
    assert_int_equal(requests(f, "unknown", "404"), 1);

    r = request(f, "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r->status, 405);
    assert_json_error(r, "method_not_allowed", NULL);
    assert_string_equal(header_of(r, "Allow"), "GET, HEAD");
    response_free(r);
    r = request(f, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r->status, 405);
    assert_string_equal(header_of(r, "Allow"), "POST");
    response_free(r);
    r = request(f, "PATCH /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r->status, 405);
    assert_string_equal(header_of(r, "Allow"), "POST, PUT, GET, HEAD");
    response_free(r);
    assert_int_equal(requests(f, "hello", "405"), 1);
    assert_int_equal(requests(f, "hold", "405"), 1);
    /* The query is not part of the path. */
    r = request(f, "GET /hello?x=/hold HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r->status, 200);
    response_free(r);
    fixture_free(f);
}

static void post(struct fixture *f, struct client *c, const char *path,
                 size_t len, const char *extra)
{
    struct buf *req = buf_create(len + 256);
    size_t i;

    buf_printf(req, "POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu"
               "\r\n\r\n", path, extra, len);
    for (i = 0; i < len; i++)
        buf_append_char(req, 'a' + (int) (i % 26));
    client_send(c, req->data, req->len);
    buf_free(req);
}

static void test_body_limit(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c = client_open(f);
    struct response *r;
    char want[64];

    /* At the limit: accepted, NUL-terminated for the handler. */
    post(f, c, "/echo", MAX_BODY, "");
    r = get_response(f, c);
    assert_int_equal(r->status, 200);
    snprintf(want, sizeof(want), "\"body_len\":%d", MAX_BODY);
    assert_non_null(strstr(r->body, want));
    assert_non_null(strstr(r->body, "\"body_nul\":true"));
    response_free(r);
    /* One byte over: our JSON 413, and the connection is closed. */
    post(f, c, "/echo", MAX_BODY + 1, "");
    r = get_response(f, c);
    assert_int_equal(r->status, 413);
    assert_json_error(r, "payload_too_large", NULL);
    assert_string_equal(header_of(r, "Connection"), "close");
    response_free(r);
    run_until(f, have_eof, c, "the connection to close after 413");
    client_close(c);
    /* Also on an unknown path (the limit comes first). */
    c = client_open(f);
    post(f, c, "/nothing", MAX_BODY + 1, "");
    r = get_response(f, c);
    assert_int_equal(r->status, 413);
    response_free(r);
    client_close(c);
    assert_int_equal(requests(f, "echo", "413"), 1);
    assert_int_equal(requests(f, "unknown", "413"), 1);

    /* Far over: libevent refuses it before reading the body. */
    c = client_open(f);
    SEND(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                "\r\n");
    r = get_response(f, c);
    assert_int_equal(r->status, 413);
    response_free(r);
    client_close(c);
    run_until(f, no_connections, NULL, "the connections to close");
    fixture_free(f);
}

static void test_header_limit(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct buf *req = buf_create(8192);
    struct client *c;
    struct response *r;
    size_t i;

    buf_append_str(req, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (i = 0; i < MAX_HEADERS; i++)
        buf_append_char(req, 'x');
    buf_append_str(req, "\r\n\r\n");
    c = client_open(f);
    client_send(c, req->data, req->len);
    r = get_response(f, c);
    assert_int_equal(r->status, 431);
    assert_json_error(r, "headers_too_large", NULL);
    assert_string_equal(header_of(r, "Connection"), "close");
    response_free(r);
    run_until(f, have_eof, c, "the connection to close after 431");
    client_close(c);
    assert_int_equal(refused(f, "bad_request"), 1);

    /* Far over: refused as soon as the limit is crossed, and closed. */
    buf_reset(req);
    buf_append_str(req, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (i = 0; i < 3 * MAX_HEADERS; i++)
        buf_append_char(req, 'x');
    buf_append_str(req, "\r\n\r\n");
    c = client_open(f);
    client_send(c, req->data, req->len);
    r = get_response(f, c);
    assert_int_equal(r->status, 431);
    response_free(r);
    run_until(f, have_eof, c, "the connection to close");
    client_close(c);
    buf_free(req);
    /* Nothing counted for what evhttp answered itself. */
    assert_int_equal(requests(f, "hello", "400"), 0);
    run_until(f, no_connections, NULL, "the connections to close");
    fixture_free(f);
}

struct bearer_case {
    const char *header;         /* NULL: none */
    int status;
};

static const struct bearer_case bearer_cases[] = {
    {"Authorization: Bearer s3cret-token", 204},
    {"Authorization: bearer s3cret-token", 204},
    {"Authorization: Bearer    s3cret-token  ", 204},
    {NULL, 401},
    {"Authorization: Bearer", 401},
    {"Authorization: Bearer ", 401},
    {"Authorization: Basic s3cret-token", 401},
    {"Authorization: Bearers3cret-token", 401},
    {"Authorization: Bearer s3cret-toke", 401},
    {"Authorization: Bearer s3cret-token2", 401},
    {"Authorization: Bearer S3CRET-TOKEN", 401},
    {"Authorization: Bearer s3cret-token s3cret-token", 401},
    {"Authorization: s3cret-token", 401},
};

static void test_bearer(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    size_t i;

    for (i = 0; i < sizeof(bearer_cases) / sizeof(bearer_cases[0]); i++) {
        char text[256];
        struct response *r;

        snprintf(text, sizeof(text), "GET /auth HTTP/1.1\r\nHost: x\r\n%s%s"
                 "\r\n", bearer_cases[i].header ? bearer_cases[i].header : "",
                 bearer_cases[i].header ? "\r\n" : "");
        r = request(f, text);
        if (r->status != bearer_cases[i].status)
            fail_msg("case %zu (%s): status %d, want %d", i,
                     bearer_cases[i].header ? bearer_cases[i].header : "none",
                     r->status, bearer_cases[i].status);
        if (r->status == 401) {
            assert_json_error(r, "unauthorized", NULL);
            assert_string_equal(header_of(r, "WWW-Authenticate"), "Bearer");
        }
        response_free(r);
    }
    fixture_free(f);
}

static void test_error_field(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct response *r;

    r = request(f, "POST /field HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(r->status, 400);
    assert_json_error(r, "invalid_field", "seeker.sms");
    /* Invalid UTF-8 in a message is replaced, never breaks the JSON. */
    assert_non_null(strstr(r->body, "bad number: \xef\xbf\xbd"));
    response_free(r);
    fixture_free(f);
}

static int have_held(struct fixture *f, void *arg)
{
    return f->held != NULL;
}

static int held_gone(struct fixture *f, void *arg)
{
    return f->held != NULL && !http_exchange_alive(f->held);
}

static void test_delayed_answer(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c = client_open(f);
    struct response *r;

    post(f, c, "/hold", 5, "");
    run_until(f, have_held, NULL, "the handler");
    settle(f);
    client_read(c);
    assert_int_equal(c->in->len, 0);        /* nothing answered yet */
    assert_true(http_exchange_alive(f->held));
    http_reply_json(f->held, 201, json_pack("{s:s}", "later", "yes"));
    f->held = NULL;
    r = get_response(f, c);
    assert_int_equal(r->status, 201);
    assert_string_equal(r->body, "{\"later\":\"yes\"}");
    response_free(r);
    client_close(c);
    assert_int_equal(requests(f, "hold", "201"), 1);
    fixture_free(f);
}

static void test_client_gone(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c = client_open(f);
    const char *labels[] = {"route", "hold", NULL};
    const char *body;
    size_t len;

    post(f, c, "/hold", 7, "X-Test: kept\r\n");
    run_until(f, have_held, NULL, "the handler");
    assert_int_equal(connections(f), 1);
    client_close(c);
    /* The server notices at once and frees the connection ... */
    run_until(f, held_gone, NULL, "the server to notice the client is gone");
    run_until(f, no_connections, NULL, "the connection to be freed");
    /* ... while the exchange stays valid for its handler. */
    assert_string_equal(http_exchange_method(f->held), "POST");
    assert_string_equal(http_exchange_path(f->held), "/hold");
    assert_string_equal(http_exchange_header(f->held, "X-Test"), "kept");
    body = http_exchange_body(f->held, &len);
    assert_int_equal(len, 7);
    assert_memory_equal(body, "abcdefg", 7);
    assert_int_equal(strncmp(http_exchange_peer(f->held), "127.0.0.1:", 10),
                     0);
    http_exchange_add_header(f->held, "X-Late", "1");
    http_reply_json(f->held, 201, json_object());
    f->held = NULL;
    settle(f);
    assert_int_equal(metrics_get(f->metrics,
                                 "postmask_http_dropped_replies_total",
                                 labels), 1);
    assert_int_equal(requests(f, "hold", "0"), 1);
    assert_int_equal(requests(f, "hold", "201"), 0);
    fixture_free(f);
}

/* A client that sends its next request early is still there. */
static void test_pipelined_while_held(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c = client_open(f);
    struct response *r;

    post(f, c, "/hold", 3, "");
    run_until(f, have_held, NULL, "the handler");
    settle(f);
    SEND(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    settle(f);
    assert_true(http_exchange_alive(f->held));
    assert_int_equal(f->held_count, 1);
    http_reply(f->held, 202, "text/plain", "first", 5);
    f->held = NULL;
    r = get_response(f, c);
    assert_int_equal(r->status, 202);
    assert_string_equal(r->body, "first");
    response_free(r);
    r = get_response(f, c);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "hello\n");
    response_free(r);
    /* And its close is still noticed while the next exchange waits. */
    post(f, c, "/hold", 3, "");
    run_until(f, have_held, NULL, "the handler");
    SEND(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    settle(f);
    assert_true(http_exchange_alive(f->held));
    client_close(c);
    run_until(f, held_gone, NULL, "the server to notice the client is gone");
    http_reply(f->held, 200, "text/plain", "x", 1);
    f->held = NULL;
    run_until(f, no_connections, NULL, "the connection to be freed");
    fixture_free(f);
}

static void test_connection_limit(void **state)
{
    struct fixture *f = fixture_new(2, 30);
    struct client *idle1 = client_open(f);
    struct client *idle2 = client_open(f);
    struct client *third;
    struct response *r;
    int i;

    settle(f);
    assert_int_equal(connections(f), 2);
    third = client_open(f);
    SEND(third, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    settle(f);
    client_read(third);
    assert_int_equal(third->in->len, 0);    /* waits in the listen queue */
    assert_int_equal(third->eof, 0);
    assert_int_equal(connections(f), 2);
    client_close(idle1);
    r = get_response(f, third);
    assert_int_equal(r->status, 200);
    response_free(r);
    client_close(third);
    client_close(idle2);
    run_until(f, no_connections, NULL, "the connections to close");
    /* Many come and go: the count always comes back. */
    for (i = 0; i < 20; i++) {
        struct client *c = client_open(f);

        if (i % 3 == 0)
            SEND(c, "GARBAGE\r\n\r\n");
        else if (i % 3 == 1)
            SEND(c, "GET /hello HTTP/1.1\r\n");
        client_close(c);
    }
    run_until(f, no_connections, NULL, "the connections to close");
    r = request(f, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r->status, 200);
    response_free(r);
    fixture_free(f);
}

/* Clients queued together are accepted in one go, up to the limit only. */
static void test_connection_limit_burst(void **state)
{
    struct fixture *f = fixture_new(2, 30);
    struct client *c[5];
    struct response *r;
    int i, answered = 0;

    for (i = 0; i < 5; i++) {
        c[i] = client_open(f);
        SEND(c[i], "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    settle(f);
    assert_int_equal(connections(f), 2);
    for (i = 0; i < 5; i++) {
        client_read(c[i]);
        answered += response_len(c[i]) > 0;
    }
    assert_int_equal(answered, 2);
    /* Closing the answered ones lets the others in, two at a time. */
    for (i = 0; i < 5; i++) {
        r = get_response(f, c[i]);
        assert_int_equal(r->status, 200);
        response_free(r);
        close(c[i]->fd);
        c[i]->fd = -1;
    }
    for (i = 0; i < 5; i++)
        client_close(c[i]);
    run_until(f, no_connections, NULL, "the connections to close");
    fixture_free(f);
}

static void test_idle_timeout(void **state)
{
    struct fixture *f = fixture_new(4, 1);
    struct client *silent = client_open(f);
    struct client *partial = client_open(f);

    SEND(partial, "GET /hello HTTP/1.1\r\nHost");
    run_until(f, have_eof, silent, "the server to close an idle client");
    run_until(f, have_eof, partial, "the server to close a slow client");
    assert_int_equal(silent->in->len, 0);
    client_close(silent);
    client_close(partial);
    run_until(f, no_connections, NULL, "the connections to be freed");
    fixture_free(f);
}

/* Freeing the server with an exchange unanswered (and clients connected). */
static void test_free_pending(void **state)
{
    struct fixture *f = fixture_new(4, 30);
    struct client *c = client_open(f);
    struct client *idle = client_open(f);

    post(f, c, "/hold", 1, "");
    run_until(f, have_held, NULL, "the handler");
    http_server_free(f->srv);
    f->srv = NULL;
    assert_int_equal(requests(f, "hold", "0"), 1);
    run_until(f, have_eof, c, "the connection to close");
    client_close(c);
    client_close(idle);
    event_free(f->tick);
    metrics_free(f->metrics);
    event_base_free(f->base);
    free(f);
}

static void test_bind_error(void **state)
{
    struct fixture *f = fixture_new(4, 30);
    struct event_base *base = event_base_new();
    struct buf *why = buf_create(64);
    char listen[64];
    struct http_server_opts opts = {
        listen, MAX_BODY, MAX_HEADERS, 4, 30, NULL, NULL, 0, 0, 0,
    };

    snprintf(listen, sizeof(listen), "127.0.0.1:%d", f->port);
    assert_null(http_server_create(base, &opts, why));
    assert_non_null(strstr(why->data, listen));
    assert_non_null(strstr(why->data, "Address already in use"));
    buf_reset(why);
    opts.listen = "[::1]:0";
    http_server_free(http_server_create(base, &opts, why));
    buf_free(why);
    event_base_free(base);
    fixture_free(f);
}

/* RFC 9112 strictness: each refusal is a 400 (501) with Connection: close,
 * and the server closes the connection after it. */
static void expect_refused(struct fixture *f, const char *text, int status,
                           double count)
{
    struct client *c = client_open(f);
    struct response *r;
    double handled = requests(f, "echo", "200");

    client_send(c, text, strlen(text));
    r = get_response(f, c);
    assert_int_equal(r->status, status);
    assert_string_equal(header_of(r, "Connection"), "close");
    response_free(r);
    run_until(f, have_eof, c, "the connection to close after the refusal");
    client_close(c);
    assert_int_equal(refused(f, "bad_request"), count);
    /* The handler never saw it. */
    assert_int_equal(requests(f, "echo", "200"), handled);
}

static void test_strict_repeated_content_length(void **state)
{
    struct fixture *f = fixture_new(8, 30);

    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3"
                   "\r\nContent-Length: 5\r\n\r\nabcde", 400, 1);
    /* Even with the same value. */
    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3"
                   "\r\ncontent-length: 3\r\n\r\nabc", 400, 2);
    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3"
                   "\r\n\r\nabc", 400, 3);
    fixture_free(f);
}

static void test_strict_content_length_and_chunked(void **state)
{
    struct fixture *f = fixture_new(8, 30);

    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3"
                   "\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
                   "\r\n", 400, 1);
    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                   "gzip\r\n\r\n", 501, 2);
    fixture_free(f);
}

static void test_strict_malformed_chunked(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c = client_open(f);
    struct response *r;

    /* Well-formed chunked bodies still work. */
    SEND(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
         "\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    r = get_response(f, c);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "\"body_len\":5"));
    response_free(r);
    client_close(c);
    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                   "chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400, 1);
    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                   "chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", 400, 2);
    expect_refused(f, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                   "chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n", 400, 3);
    fixture_free(f);
}

static void test_strict_host_required(void **state)
{
    struct fixture *f = fixture_new(8, 30);
    struct client *c;

    expect_refused(f, "GET /hello HTTP/1.1\r\n\r\n", 400, 1);
    expect_refused(f, "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                   400, 2);
    /* HTTP/1.0 needs none. */
    c = client_open(f);
    SEND(c, "GET /hello HTTP/1.0\r\n\r\n");
    run_until(f, have_eof, c, "the HTTP/1.0 answer");
    assert_non_null(strstr(c->in->data, " 200 OK\r\n"));
    client_close(c);
    fixture_free(f);
}

static void test_strict_malformed_head(void **state)
{
    struct fixture *f = fixture_new(8, 30);

    expect_refused(f, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b"
                   "\r\n\r\n", 400, 1);
    expect_refused(f, "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400, 2);
    expect_refused(f, "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2"
                   "\r\n\r\nab", 400, 3);
    fixture_free(f);
}

static void test_strict_connect_closes(void **state)
{
    struct fixture *f = fixture_new(8, 30);

    expect_refused(f, "CONNECT example.com:443 HTTP/1.1\r\nHost: "
                   "example.com:443\r\n\r\n", 501, 1);
    fixture_free(f);
}

/* A client that trickles its headers a byte at a time is cut at the
 * header deadline (1 s here), although it is never idle. */
static void test_header_deadline(void **state)
{
    struct fixture *f = fixture_new_limits(8, 30, 1, 0);
    struct client *slow = client_open(f);
    struct client *idle = client_open(f);
    const char *text = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    struct timespec start, now;
    size_t i = 0;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!slow->eof) {
        struct timeval tenth = {0, 100000};

        if (i < strlen(text))
            client_send(slow, text + i++, 1);
        event_base_loopexit(f->base, &tenth);
        event_base_dispatch(f->base);
        client_read(slow);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 10)
            fail_msg("the slow client was not cut");
    }
    assert_non_null(strstr(slow->in->data, "HTTP/1.1 408 "));
    run_until(f, have_eof, idle, "the idle client to be cut");
    assert_int_equal(idle->in->len, 0);     /* no word to an idle client */
    client_close(slow);
    client_close(idle);
    run_until(f, no_connections, NULL, "the connections to be freed");
    assert_int_equal(refused(f, "header_timeout"), 2);
    fixture_free(f);
}

/* At most client_limit connections from one address. */
static void test_client_limit(void **state)
{
    struct fixture *f = fixture_new_limits(8, 30, 0, 2);
    struct client *a = client_open(f), *b = client_open(f);
    struct client *c = client_open(f);
    struct response *r;

    run_until(f, have_eof, c, "the third connection to be closed");
    client_close(c);
    SEND(a, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    r = get_response(f, a);
    assert_int_equal(r->status, 200);
    response_free(r);
    assert_int_equal(refused(f, "client_limit"), 1);
    client_close(a);
    client_close(b);
    fixture_free(f);
}

static int have_response_only(struct fixture *f, void *arg)
{
    struct client *c = arg;

    client_read(c);
    return response_len(c) > 0;
}

/* A full server closes its oldest idle connection for a new client. */
static void test_full_closes_oldest_idle(void **state)
{
    struct fixture *f = fixture_new(2, 30);
    struct client *old = client_open(f), *young;
    struct client *third;
    struct response *r;

    settle(f);
    young = client_open(f);
    settle(f);
    third = client_open(f);
    SEND(third, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    run_until(f, have_response_only, third, "the third client's answer");
    r = get_response(f, third);
    assert_int_equal(r->status, 200);
    response_free(r);
    run_until(f, have_eof, old, "the oldest idle connection to be closed");
    client_read(young);
    assert_int_equal(young->eof, 0);
    assert_int_equal(refused(f, "listener_full"), 1);
    client_close(old);
    client_close(young);
    client_close(third);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_and_keepalive),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_error_field),
        cmocka_unit_test(test_delayed_answer),
        cmocka_unit_test(test_client_gone),
        cmocka_unit_test(test_pipelined_while_held),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_connection_limit_burst),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_free_pending),
        cmocka_unit_test(test_bind_error),
        cmocka_unit_test(test_strict_repeated_content_length),
        cmocka_unit_test(test_strict_content_length_and_chunked),
        cmocka_unit_test(test_strict_malformed_chunked),
        cmocka_unit_test(test_strict_host_required),
        cmocka_unit_test(test_strict_malformed_head),
        cmocka_unit_test(test_strict_connect_closes),
        cmocka_unit_test(test_header_deadline),
        cmocka_unit_test(test_client_limit),
        cmocka_unit_test(test_full_closes_oldest_idle),
    };

    msg_init("test_http_server", 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
