/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_curl_loop - libcurl's multi interface on libevent (curl_loop.h),
 * against the scripted HTTP server of the twilio_client tests
 * (test_twilio_client_srv.h), in the same process and event loop: a
 * transfer's result and body, done only from the loop (never from inside
 * curl_loop_add, even when the connection fails at once), curl's timer (a
 * timeout), connections reused between handles, curl_loop_remove,
 * curl_loop_abort (only the aborted transfer's connection), a handle added
 * twice, done callbacks that add transfers, remove another
 * transfer or free the loop, curl_loop_free with transfers in flight, and
 * 100 transfers in flight at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "curl_loop.h"
#include "msg.h"
#include "test_twilio_client_srv.h"
#include "xalloc.h"

#define MANY    100

struct fixture;

/* One transfer: its handle, its body, what done said. */
struct xfer {
    struct fixture *fx;
    CURL *easy;
    struct buf *body;
    int called;
    CURLcode result;
    CURL *done_easy;
    long status;
    /* What done does besides recording. */
    int readd;                  /* add itself again this many times */
    struct xfer *remove_other;  /* curl_loop_remove this one */
    int free_loop;              /* curl_loop_free */
};

struct fixture {
    struct event_base *base;
    struct srv *srv;
    struct curl_loop *loop;
    struct event *guard;
    unsigned done;
    unsigned want;
};

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;

    buf_append(x->body, data, size * nmemb);
    return size * nmemb;
}

static void on_done(CURL *easy, CURLcode result, void *arg)
{
    struct xfer *x = arg;
    struct fixture *fx = x->fx;
    struct buf *why;

    x->called++;
    x->result = result;
    x->done_easy = easy;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->status);
    fx->done++;
    if (x->readd > 0) {
        x->readd--;
        fx->want++;
        buf_reset(x->body);
        why = buf_create(64);
        if (curl_loop_add(fx->loop, easy, on_done, x, why) < 0)
            fail_msg("curl_loop_add from done: %s", why->data);
        buf_free(why);
    }
    if (x->remove_other)
        curl_loop_remove(fx->loop, x->remove_other->easy);
    if (x->free_loop) {
        curl_loop_free(fx->loop);
        fx->loop = NULL;
    }
    if (fx->done >= fx->want)
        event_base_loopbreak(fx->base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    event_base_loopbreak(arg);
}

/* Runs the loop until want done calls, or the guard (not a timing
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

/* Runs the loop until the server has seen n requests. */
static void run_until_hits(struct fixture *fx, unsigned n)
{
    struct timeval tv = {30, 0};

    evtimer_add(fx->guard, &tv);
    while (fx->srv->hits < n && evtimer_pending(fx->guard, NULL))
        event_base_loop(fx->base, EVLOOP_ONCE);
    evtimer_del(fx->guard);
    assert_true(fx->srv->hits >= n);
}

static void xfer_init(struct fixture *fx, struct xfer *x, const char *path)
{
    char url[128];

    memset(x, 0, sizeof(*x));
    x->fx = fx;
    x->body = buf_create(64);
    x->easy = curl_easy_init();
    assert_non_null(x->easy);
    snprintf(url, sizeof(url), "%s%s", fx->srv->url, path);
    curl_easy_setopt(x->easy, CURLOPT_URL, url);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT, 60L);
}

static void xfer_clear(struct xfer *x)
{
    curl_easy_cleanup(x->easy);
    buf_free(x->body);
    x->easy = NULL;
    x->body = NULL;
}

static void add_ok(struct fixture *fx, struct xfer *x)
{
    struct buf *why = buf_create(64);

    if (curl_loop_add(fx->loop, x->easy, on_done, x, why) != 0)
        fail_msg("curl_loop_add: %s", why->data);
    buf_free(why);
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));
    struct buf *why = buf_create(64);

    fx->base = event_base_new();
    fx->srv = srv_create(fx->base);
    fx->guard = evtimer_new(fx->base, on_guard, fx->base);
    if ((fx->loop = curl_loop_create(fx->base, why)) == NULL)
        fail_msg("curl_loop_create: %s", why->data);
    buf_free(why);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    curl_loop_free(fx->loop);
    srv_free(fx->srv);
    event_free(fx->guard);
    event_base_free(fx->base);
    free(fx);
    return 0;
}

/* ---- one transfer ---- */

static void test_one_transfer(void **state)
{
    struct fixture *fx = *state;
    struct xfer x;

    xfer_init(fx, &x, "/one?a=b");
    add_ok(fx, &x);
    assert_int_equal(x.called, 0);      /* never from inside add */
    run(fx, 1, 30);
    assert_int_equal(x.called, 1);
    assert_int_equal(x.result, CURLE_OK);
    assert_ptr_equal(x.done_easy, x.easy);
    assert_int_equal(x.status, 200);
    assert_string_equal(x.body->data, "{\"uri\": \"/one?a=b\"}");
    assert_int_equal(fx->srv->hits, 1);
    assert_string_equal(srv_request(fx->srv, 0)->uri, "/one?a=b");
    /* The handle is the caller's again: the loop lets go of it. */
    curl_loop_remove(fx->loop, x.easy);
    xfer_clear(&x);
}

static void test_connection_refused(void **state)
{
    struct fixture *fx = *state;
    struct xfer x;
    char url[64];

    xfer_init(fx, &x, "/");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv_closed_port());
    curl_easy_setopt(x.easy, CURLOPT_URL, url);
    add_ok(fx, &x);
    assert_int_equal(x.called, 0);
    run(fx, 1, 30);
    assert_int_equal(x.called, 1);
    assert_int_equal(x.result, CURLE_COULDNT_CONNECT);
    xfer_clear(&x);
}

/* curl's timer: a transfer the server never answers times out. */
static void test_timeout(void **state)
{
    struct fixture *fx = *state;
    struct xfer x;

    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    xfer_init(fx, &x, "/hang");
    curl_easy_setopt(x.easy, CURLOPT_TIMEOUT_MS, 300L);
    add_ok(fx, &x);
    run(fx, 1, 30);
    assert_int_equal(x.called, 1);
    assert_int_equal(x.result, CURLE_OPERATION_TIMEDOUT);
    xfer_clear(&x);
}

/* Two handles one after the other share the loop's connection. */
static void test_connection_reused(void **state)
{
    struct fixture *fx = *state;
    struct xfer a, b;

    xfer_init(fx, &a, "/a");
    xfer_init(fx, &b, "/b");
    add_ok(fx, &a);
    run(fx, 1, 30);
    add_ok(fx, &b);
    run(fx, 2, 30);
    assert_int_equal(a.result, CURLE_OK);
    assert_int_equal(b.result, CURLE_OK);
    assert_int_equal(fx->srv->hits, 2);
    assert_int_equal(srv_request(fx->srv, 0)->peer_port,
                     srv_request(fx->srv, 1)->peer_port);
    xfer_clear(&a);
    xfer_clear(&b);
}

/* ---- add and remove ---- */

static void test_remove(void **state)
{
    struct fixture *fx = *state;
    struct xfer x;

    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    srv_script(fx->srv, (struct srv_reply) {200, "text/plain", "second", 0,
               NULL, NULL, 0});
    xfer_init(fx, &x, "/first");
    add_ok(fx, &x);
    run_until_hits(fx, 1);
    curl_loop_remove(fx->loop, x.easy);
    curl_loop_remove(fx->loop, x.easy);     /* not in the loop: ignored */
    run(fx, 1, 1);
    assert_int_equal(x.called, 0);
    /* Out of the loop, the handle can go in again. */
    curl_easy_setopt(x.easy, CURLOPT_URL, fx->srv->url);
    add_ok(fx, &x);
    run(fx, 1, 30);
    assert_int_equal(x.called, 1);
    assert_int_equal(x.result, CURLE_OK);
    assert_string_equal(x.body->data, "second");
    xfer_clear(&x);
}

/* Abort shuts down the aborted transfer's connection only: the other
 * one, on a connection of its own, still ends its own way (a timeout). */
static void test_abort(void **state)
{
    struct fixture *fx = *state;
    struct xfer a, b;

    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    xfer_init(fx, &a, "/a");
    xfer_init(fx, &b, "/b");
    curl_easy_setopt(b.easy, CURLOPT_TIMEOUT_MS, 500L);
    add_ok(fx, &a);
    add_ok(fx, &b);
    run_until_hits(fx, 2);
    assert_int_not_equal(srv_request(fx->srv, 0)->peer_port,
                         srv_request(fx->srv, 1)->peer_port);
    curl_loop_abort(fx->loop, a.easy);
    curl_loop_abort(fx->loop, a.easy);      /* not in the loop: ignored */
    run(fx, 1, 30);
    run(fx, 2, 1);
    assert_int_equal(fx->done, 1);
    assert_int_equal(a.called, 0);
    assert_int_equal(b.called, 1);
    assert_int_equal(b.result, CURLE_OPERATION_TIMEDOUT);
    /* Out of the loop, the aborted handle can go in again. */
    srv_reset(fx->srv);
    curl_easy_setopt(a.easy, CURLOPT_URL, fx->srv->url);
    add_ok(fx, &a);
    run(fx, 2, 30);
    assert_int_equal(a.called, 1);
    assert_int_equal(a.result, CURLE_OK);
    xfer_clear(&a);
    xfer_clear(&b);
}

static void test_refused_adds(void **state)
{
    struct fixture *fx = *state;
    struct xfer x;
    struct buf *why = buf_create(64);

    xfer_init(fx, &x, "/twice");
    assert_int_equal(curl_loop_add(fx->loop, x.easy, NULL, &x, why), -1);
    assert_string_equal(why->data, "curl: a transfer needs a done callback");
    add_ok(fx, &x);
    buf_reset(why);
    assert_int_equal(curl_loop_add(fx->loop, x.easy, on_done, &x, why), -1);
    assert_string_equal(why->data,
                        "curl: the transfer is in the loop already");
    run(fx, 1, 30);
    run(fx, 2, 1);
    assert_int_equal(x.called, 1);      /* the first add, once */
    assert_int_equal(x.result, CURLE_OK);
    assert_int_equal(fx->srv->hits, 1);
    buf_free(why);
    xfer_clear(&x);
}

/* ---- what done callbacks may do ---- */

static void test_add_from_done(void **state)
{
    struct fixture *fx = *state;
    struct xfer x;

    xfer_init(fx, &x, "/again");
    x.readd = 3;
    add_ok(fx, &x);
    run(fx, 1, 30);
    run(fx, 4, 30);
    assert_int_equal(x.called, 4);
    assert_int_equal(x.result, CURLE_OK);
    assert_int_equal(fx->srv->hits, 4);
    xfer_clear(&x);
}

static void test_remove_from_done(void **state)
{
    struct fixture *fx = *state;
    struct xfer a, b;

    /* Both answered at once: whichever is reported first removes the
     * other, which must then never be reported. */
    fx->srv->hold_until = 2;
    xfer_init(fx, &a, "/a");
    xfer_init(fx, &b, "/b");
    a.remove_other = &b;
    b.remove_other = &a;
    add_ok(fx, &a);
    add_ok(fx, &b);
    run(fx, 1, 30);
    run(fx, 2, 1);
    assert_int_equal(fx->done, 1);
    assert_int_equal(a.called + b.called, 1);
    xfer_clear(&a);
    xfer_clear(&b);
}

static void test_free_from_done(void **state)
{
    struct fixture *fx = *state;
    struct xfer x[5];
    int i;

    fx->srv->hold_until = 5;
    for (i = 0; i < 5; i++) {
        xfer_init(fx, &x[i], "/x");
        x[i].free_loop = 1;
        add_ok(fx, &x[i]);
    }
    run(fx, 1, 30);
    assert_null(fx->loop);
    run(fx, 2, 1);
    assert_int_equal(fx->done, 1);
    for (i = 0; i < 5; i++)
        xfer_clear(&x[i]);
}

static void test_free_in_flight(void **state)
{
    struct fixture *fx = *state;
    struct xfer x[3];
    struct buf *why;
    int i;

    srv_script(fx->srv, (struct srv_reply) {.hang = 1});
    for (i = 0; i < 3; i++) {
        xfer_init(fx, &x[i], "/hang");
        add_ok(fx, &x[i]);
    }
    run_until_hits(fx, 3);
    curl_loop_free(fx->loop);
    fx->loop = NULL;
    run(fx, 1, 1);
    assert_int_equal(fx->done, 0);
    /* The handles are still the caller's, and work on a new loop. */
    why = buf_create(64);
    fx->loop = curl_loop_create(fx->base, why);
    assert_non_null(fx->loop);
    buf_free(why);
    srv_reset(fx->srv);
    curl_easy_setopt(x[0].easy, CURLOPT_URL, fx->srv->url);
    add_ok(fx, &x[0]);
    run(fx, 1, 30);
    assert_int_equal(x[0].result, CURLE_OK);
    for (i = 0; i < 3; i++)
        xfer_clear(&x[i]);
}

static void test_many_in_flight(void **state)
{
    struct fixture *fx = *state;
    struct xfer *x = xcalloc(MANY, sizeof(*x));
    char path[32];
    int i;

    /* The server answers none until all of them wait on it. */
    fx->srv->hold_until = MANY;
    for (i = 0; i < MANY; i++) {
        snprintf(path, sizeof(path), "/many/%d", i);
        xfer_init(fx, &x[i], path);
        add_ok(fx, &x[i]);
    }
    run(fx, MANY, 120);
    assert_int_equal(fx->done, MANY);
    for (i = 0; i < MANY; i++) {
        snprintf(path, sizeof(path), "{\"uri\": \"/many/%d\"}", i);
        assert_int_equal(x[i].called, 1);
        assert_int_equal(x[i].result, CURLE_OK);
        assert_string_equal(x[i].body->data, path);
        xfer_clear(&x[i]);
    }
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_adds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_from_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_from_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_from_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_in_flight, setup, teardown),
    };

    msg_init("test_curl_loop", MSG_STDERR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
