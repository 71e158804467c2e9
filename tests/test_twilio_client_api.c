/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio_client_api - the Conversations operations (twilio_api.h)
 * against a scripted server in the same process: the exact method, path
 * (percent-encoded SIDs and unique names) and form of each operation, the
 * timers as ISO-8601 durations with State=active, list pages merged by
 * following meta.next_page_url (on the API URL's host only), the newest
 * messages with Order=desc cut at max_items, MCS upload and download, and
 * the arguments refused before anything is sent.  (The field names are
 * checked against Twilio's OpenAPI description by the stand-in tests.)
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
#include "msg.h"
#include "twilio_api.h"
#include "twilio_client.h"
#include "test_twilio_client_srv.h"
#include "xalloc.h"

struct fixture {
    struct event_base *base;
    struct srv *srv;
    struct curl_loop *loop;
    struct twilio_client *tc;
    char media_url[96];
    struct event *guard;
    int called;
    int status;
    int code;
    char *message;
    json_t *json;
    unsigned char *body;
    size_t body_len;
};

static void on_result(const struct twilio_result *res, void *arg)
{
    struct fixture *fx = arg;

    fx->called++;
    fx->status = res->status;
    fx->code = res->code;
    free(fx->message);
    fx->message = res->message ? xstrdup(res->message) : NULL;
    json_decref(fx->json);
    fx->json = res->json ? json_incref(res->json) : NULL;
    free(fx->body);
    fx->body = xmemdup(res->body ? (const void *) res->body : "",
                       res->body_len + 1);
    fx->body_len = res->body_len;
    event_base_loopbreak(fx->base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    struct fixture *fx = arg;

    (void) fd;
    (void) what;
    event_base_loopbreak(fx->base);
}

static void run(struct fixture *fx)
{
    struct timeval tv = {30, 0};

    evtimer_add(fx->guard, &tv);
    event_base_dispatch(fx->base);
    evtimer_del(fx->guard);
    assert_int_equal(fx->called, 1);
}

static void reset(struct fixture *fx)
{
    srv_reset(fx->srv);
    fx->called = 0;
    fx->status = -1;
    fx->code = 0;
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));
    struct twilio_client_opts o = {0};
    struct buf *why = buf_create(64);

    fx->base = event_base_new();
    fx->srv = srv_create(fx->base);
    fx->guard = evtimer_new(fx->base, on_guard, fx);
    snprintf(fx->media_url, sizeof(fx->media_url), "%s/mcs", fx->srv->url);
    o.api_url = fx->srv->url;
    o.media_url = fx->media_url;
    o.username = "AC0123456789abcdef0123456789abcdef";
    o.password = "token";
    o.connect_timeout_ms = 5000;
    o.request_timeout_ms = 10000;
    o.retry_limit = 0;
    o.max_retry_delay_ms = 10;
    if ((o.loop = fx->loop = curl_loop_create(fx->base, why)) == NULL
        || (fx->tc = twilio_client_create(fx->base, &o, why)) == NULL)
        fail_msg("%s", why->data);
    buf_free(why);
    reset(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    twilio_client_free(fx->tc);
    curl_loop_free(fx->loop);
    srv_free(fx->srv);
    event_free(fx->guard);
    event_base_free(fx->base);
    free(fx->message);
    json_decref(fx->json);
    free(fx->body);
    free(fx);
    return 0;
}

static void started(int ret, struct buf *why)
{
    if (ret != 0)
        fail_msg("not started: %s", why->data);
    buf_reset(why);
}

static void expect_request(struct fixture *fx, unsigned n, const char *method,
                           const char *uri, const char *body)
{
    const struct srv_request *r = srv_request(fx->srv, n);

    assert_non_null(r);
    assert_string_equal(r->method, method);
    assert_string_equal(r->uri, uri);
    if (body != NULL)
        assert_string_equal(r->body, body);
}

static void test_conversations(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    json_t *attrs = json_pack("{s:s}", "building", "B 12");
    struct twilio_conversation_params p = {
        .friendly_name = "Unit 4B",
        .unique_name = "pm-1/x y",
        .attributes = attrs,
        .messaging_service_sid = "MG0123",
        .timer_inactive = 3600,
        .timer_closed = 86400,
    };
    struct twilio_conversation_params minimal = {.friendly_name = "only",
                                                 .unique_name = "",
                                                 .messaging_service_sid = ""};

    started(twilio_conversation_create(fx->tc, &p, on_result, fx, why), why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations",
                   "FriendlyName=Unit%204B&UniqueName=pm-1%2Fx%20y"
                   "&Attributes=%7B%22building%22%3A%22B%2012%22%7D"
                   "&MessagingServiceSid=MG0123&State=active"
                   "&Timers.Inactive=PT3600S&Timers.Closed=PT86400S");
    assert_string_equal(srv_request(fx->srv, 0)->content_type,
                        "application/x-www-form-urlencoded");
    assert_null(srv_request(fx->srv, 0)->webhook_enabled);

    reset(fx);
    started(twilio_conversation_create(fx->tc, &minimal, on_result, fx, why),
            why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations", "FriendlyName=only");

    reset(fx);
    started(twilio_conversation_fetch(fx->tc, "pm-1/x y?#%", on_result, fx,
                                      why), why);
    run(fx);
    expect_request(fx, 0, "GET", "/v1/Conversations/pm-1%2Fx%20y%3F%23%25", "");
    assert_int_equal(fx->status, 200);

    /* A dot segment would make the URL name the collection itself. */
    reset(fx);
    started(twilio_conversation_fetch(fx->tc, "..", on_result, fx, why), why);
    run(fx);
    expect_request(fx, 0, "GET", "/v1/Conversations/%2E%2E", "");
    json_decref(attrs);
    buf_free(why);
}

static void test_participants(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    json_t *attrs = json_pack("{s:s}", "role", "seeker");
    struct twilio_participant_params chat = {.identity = "agent@example.com",
                                             .attributes = attrs};
    struct twilio_participant_params sms = {.address = "+15558675310",
                                            .proxy_address = "+15017122661"};

    started(twilio_participant_create(fx->tc, "CH1", &chat, on_result, fx,
                                      why), why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations/CH1/Participants",
                   "Identity=agent%40example.com"
                   "&Attributes=%7B%22role%22%3A%22seeker%22%7D");
    reset(fx);
    started(twilio_participant_create(fx->tc, "CH1", &sms, on_result, fx,
                                      why), why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations/CH1/Participants",
                   "MessagingBinding.Address=%2B15558675310"
                   "&MessagingBinding.ProxyAddress=%2B15017122661");
    reset(fx);
    started(twilio_participant_fetch(fx->tc, "CH1", "agent@example.com",
                                     on_result, fx, why), why);
    run(fx);
    expect_request(fx, 0, "GET",
                   "/v1/Conversations/CH1/Participants/agent%40example.com", "");
    reset(fx);
    started(twilio_participant_update_attributes(fx->tc, "CH1", "MB1", attrs,
                                                 on_result, fx, why), why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations/CH1/Participants/MB1",
                   "Attributes=%7B%22role%22%3A%22seeker%22%7D");
    json_decref(attrs);
    buf_free(why);
}

static void test_participant_pages(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    json_t *list;

    /* next_page_url names another host: only its path and query are used. */
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"participants\": [{\"sid\": \"MB1\"}, {\"sid\": \"MB2\"}],"
               " \"meta\": {\"key\": \"participants\", \"next_page_url\":"
               " \"https://conversations.twilio.com/v1/Conversations/CH1/"
               "Participants?PageSize=100&Page=1&PageToken=PT2\"}}",
               0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"participants\": [{\"sid\": \"MB3\"}],"
               " \"meta\": {\"key\": \"participants\", \"next_page_url\": null}}",
               0, NULL, NULL, 0});
    started(twilio_participant_list(fx->tc, "CH1", on_result, fx, why), why);
    run(fx);
    assert_int_equal(fx->status, 200);
    assert_int_equal(fx->srv->hits, 2);
    expect_request(fx, 0, "GET",
                   "/v1/Conversations/CH1/Participants?PageSize=100", "");
    expect_request(fx, 1, "GET", "/v1/Conversations/CH1/Participants"
                   "?PageSize=100&Page=1&PageToken=PT2", "");
    list = json_object_get(fx->json, "participants");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_object_get(
                        json_array_get(list, 2), "sid")), "MB3");
    assert_int_equal(json_object_size(fx->json), 1);

    /* A failed second page is the list's result. */
    reset(fx);
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"participants\": [], \"meta\": {\"next_page_url\":"
               " \"/v1/Conversations/CH1/Participants?Page=1\"}}",
               0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {404, "application/json",
               "{\"code\": 20404, \"message\": \"gone\"}", 0, NULL, NULL, 0});
    started(twilio_participant_list(fx->tc, "CH1", on_result, fx, why), why);
    run(fx);
    assert_int_equal(fx->status, 404);
    assert_int_equal(fx->code, 20404);
    assert_null(fx->json);

    /* A page without its array. */
    reset(fx);
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"sid\": \"CH1\"}", 0, NULL, NULL, 0});
    started(twilio_participant_list(fx->tc, "CH1", on_result, fx, why), why);
    run(fx);
    assert_int_equal(fx->status, 0);
    assert_non_null(strstr(fx->message, "no array"));
    assert_null(fx->json);
    buf_free(why);
}

static void test_messages(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    json_t *attrs = json_pack("{s:s}", "email_message_id", "<a@b>");
    struct twilio_message_params p = {.author = "+15558675310",
                                      .body = "Hi \xe2\x80\x93 is 4B free?",
                                      .attributes = attrs,
                                      .media_sid = "ME1",
                                      .webhook_enabled = "true"};
    struct twilio_message_params sys = {.body = "from system",
                                        .webhook_enabled = NULL};
    struct twilio_message_params bad = {.body = "x", .webhook_enabled = "yes"};
    json_t *list;

    started(twilio_message_create(fx->tc, "CH1", &p, on_result, fx, why), why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations/CH1/Messages",
                   "Author=%2B15558675310&Body=Hi%20%E2%80%93%20is%204B%20free%3F"
                   "&Attributes=%7B%22email_message_id%22%3A%22%3Ca%40b%3E%22%7D"
                   "&MediaSid=ME1");
    assert_string_equal(srv_request(fx->srv, 0)->webhook_enabled, "true");
    reset(fx);
    started(twilio_message_create(fx->tc, "CH1", &sys, on_result, fx, why),
            why);
    run(fx);
    expect_request(fx, 0, "POST", "/v1/Conversations/CH1/Messages",
                   "Body=from%20system");
    assert_null(srv_request(fx->srv, 0)->webhook_enabled);
    assert_int_equal(twilio_message_create(fx->tc, "CH1", &bad, on_result, fx,
                                           why), -1);
    assert_non_null(strstr(why->data, "X-Twilio-Webhook-Enabled"));
    buf_reset(why);

    /* One message, as Twilio has it now (the emailed marker check). */
    reset(fx);
    started(twilio_message_fetch(fx->tc, "CH1", "IM1", on_result, fx, why),
            why);
    run(fx);
    expect_request(fx, 0, "GET", "/v1/Conversations/CH1/Messages/IM1", "");

    /* The newest 3, newest first, in pages of 2 (the server's choice). */
    reset(fx);
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"messages\": [{\"index\": 9}, {\"index\": 8}], \"meta\":"
               " {\"key\": \"messages\", \"next_page_url\": \"http://x/v1/"
               "Conversations/CH1/Messages?Order=desc&PageSize=2&Page=1\"}}",
               0, NULL, NULL, 0});
    srv_script(fx->srv, (struct srv_reply) {200, "application/json",
               "{\"messages\": [{\"index\": 7}, {\"index\": 6}], \"meta\":"
               " {\"key\": \"messages\", \"next_page_url\": \"http://x/v1/"
               "Conversations/CH1/Messages?Order=desc&PageSize=2&Page=2\"}}",
               0, NULL, NULL, 0});
    started(twilio_message_list_recent(fx->tc, "CH1", 3, on_result, fx, why),
            why);
    run(fx);
    assert_int_equal(fx->status, 200);
    assert_int_equal(fx->srv->hits, 2);
    expect_request(fx, 0, "GET",
                   "/v1/Conversations/CH1/Messages?Order=desc&PageSize=3", "");
    list = json_object_get(fx->json, "messages");
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(json_integer_value(json_object_get(
                     json_array_get(list, 0), "index")), 9);
    assert_int_equal(json_integer_value(json_object_get(
                     json_array_get(list, 2), "index")), 7);

    reset(fx);
    started(twilio_message_list_recent(fx->tc, "CH1", 500, on_result, fx, why),
            why);
    run(fx);
    expect_request(fx, 0, "GET",
                   "/v1/Conversations/CH1/Messages?Order=desc&PageSize=100", "");
    json_decref(attrs);
    buf_free(why);
}

static void test_media(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0,
                                        0xfe};

    srv_script(fx->srv, (struct srv_reply) {201, "application/json",
               "{\"sid\": \"ME1\"}", 0, NULL, NULL, 0});
    started(twilio_media_upload(fx->tc, "IS1", "image/png", "plan 4B.png",
                                png, sizeof(png), on_result, fx, why), why);
    run(fx);
    assert_int_equal(fx->status, 201);
    expect_request(fx, 0, "POST",
                   "/mcs/v1/Services/IS1/Media?filename=plan%204B.png", NULL);
    assert_string_equal(srv_request(fx->srv, 0)->content_type, "image/png");
    assert_int_equal(srv_request(fx->srv, 0)->body_len, sizeof(png));
    assert_memory_equal(srv_request(fx->srv, 0)->body, png, sizeof(png));

    reset(fx);
    srv_script(fx->srv, (struct srv_reply) {200, "image/png",
               (const char *) png, sizeof(png), NULL, NULL, 0});
    started(twilio_media_download(fx->tc, "IS1", "ME1", on_result, fx, why),
            why);
    run(fx);
    assert_int_equal(fx->status, 200);
    expect_request(fx, 0, "GET", "/mcs/v1/Services/IS1/Media/ME1/Content", "");
    assert_int_equal(fx->body_len, sizeof(png));
    assert_memory_equal(fx->body, png, sizeof(png));
    buf_free(why);
}

static void test_refused_arguments(void **state)
{
    struct fixture *fx = *state;
    struct buf *why = buf_create(64);
    struct twilio_participant_params nobody = {.attributes = NULL};
    struct twilio_conversation_params negative = {.timer_closed = -1};
    struct twilio_message_params m = {.body = "x"};

    assert_int_equal(twilio_conversation_fetch(fx->tc, "", on_result, fx, why), -1);
    assert_int_equal(twilio_conversation_create(fx->tc, &negative, on_result,
                                                fx, why), -1);
    assert_int_equal(twilio_participant_create(fx->tc, "CH1", &nobody,
                                               on_result, fx, why), -1);
    assert_int_equal(twilio_participant_fetch(fx->tc, "CH1", NULL, on_result,
                                              fx, why), -1);
    assert_int_equal(twilio_participant_list(fx->tc, NULL, on_result, fx, why), -1);
    assert_int_equal(twilio_participant_update_attributes(fx->tc, "CH1", "MB1",
                                                          NULL, on_result, fx,
                                                          why), -1);
    assert_int_equal(twilio_message_create(fx->tc, "", &m, on_result, fx, why), -1);
    assert_int_equal(twilio_message_fetch(fx->tc, "CH1", "", on_result, fx,
                                          why), -1);
    assert_int_equal(twilio_message_fetch(fx->tc, NULL, "IM1", on_result, fx,
                                          why), -1);
    assert_int_equal(twilio_message_list_recent(fx->tc, "CH1", 0, on_result,
                                                fx, why), -1);
    assert_int_equal(twilio_media_upload(fx->tc, "IS1", NULL, "f", NULL, 0,
                                         on_result, fx, why), -1);
    assert_int_equal(twilio_media_download(fx->tc, "IS1", "", on_result, fx,
                                           why), -1);
    assert_true(why->len > 0);
    assert_int_equal(twilio_client_pending(fx->tc), 0);
    assert_int_equal(fx->srv->hits, 0);
    assert_int_equal(fx->called, 0);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_conversations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_participants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_participant_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_media, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_arguments, setup, teardown),
    };

    msg_init("test_twilio_client_api", MSG_STDERR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
