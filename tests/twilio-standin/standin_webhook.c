/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_webhook - signed onMessageAdded webhooks; see standin_webhook.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "form.h"
#include "msg.h"
#include "standin_config.h"
#include "standin_json.h"
#include "standin_webhook.h"
#include "twilio_signature.h"
#include "xalloc.h"

/* One attempt in flight. */
struct si_attempt {
    struct standin *si;
    struct evhttp_connection *conn;
    char conv_sid[SI_SID_LEN + 1];
    char msg_sid[SI_SID_LEN + 1];
    si_webhook_done *done;
    void *arg;
    int finished;               /* done was called; freed from the loop */
    struct si_attempt *next;
};

struct si_webhooks {
    struct si_attempt *head;
};

struct si_webhooks *si_webhooks_create(void)
{
    return xcalloc(1, sizeof(struct si_webhooks));
}

static void si_attempt_unlink(struct si_webhooks *wh, struct si_attempt *a)
{
    struct si_attempt **pp;

    for (pp = &wh->head; *pp; pp = &(*pp)->next) {
        if (*pp == a) {
            *pp = a->next;
            return;
        }
    }
}

void si_webhooks_free(struct si_webhooks *wh)
{
    struct si_attempt *a, *next;

    if (wh == NULL)
        return;
    for (a = wh->head; a; a = next) {
        next = a->next;
        if (!a->finished && a->done)
            a->done(-1, a->arg);
        evhttp_connection_free(a->conn);
        free(a);
    }
    free(wh);
}

int si_webhook_url_ok(const char *url, struct buf *why)
{
    struct evhttp_uri *uri = evhttp_uri_parse(url);
    int ok = uri && evhttp_uri_get_scheme(uri)
        && strcmp(evhttp_uri_get_scheme(uri), "http") == 0
        && evhttp_uri_get_host(uri) && evhttp_uri_get_host(uri)[0];

    if (!ok)
        buf_printf(why, "webhook URL %s: not an http://HOST[:PORT]/PATH URL",
                   url);
    if (uri)
        evhttp_uri_free(uri);
    return ok ? 0 : -1;
}

/* The connection is freed from the loop, not from inside its callback. */
static void si_attempt_free_cb(evutil_socket_t fd, short what, void *arg)
{
    struct si_attempt *a = arg;

    si_attempt_unlink(a->si->webhooks, a);
    evhttp_connection_free(a->conn);
    free(a);
}

static void si_attempt_done(struct evhttp_request *req, void *arg)
{
    struct si_attempt *a = arg;
    struct standin *si = a->si;
    struct si_conversation *conv = si_conv_find(si->store, a->conv_sid);
    struct si_message *m = conv ? si_msg_find(conv, a->msg_sid) : NULL;
    int status = req ? evhttp_request_get_response_code(req) : 0;
    struct timeval now = {0, 0};

    if (status <= 0)
        status = -1;
    if (status < 0)
        msg_info("%s: webhook onMessageAdded for %s: no answer", a->conv_sid,
                 a->msg_sid);
    else
        msg_info("%s: webhook onMessageAdded for %s: HTTP %d", a->conv_sid,
                 a->msg_sid, status);
    if (m) {
        m->webhook_pending = 0;
        m->webhook_status = status;
    }
    a->finished = 1;
    event_base_once(si->base, -1, EV_TIMEOUT, si_attempt_free_cb, a, &now);
    if (a->done)
        a->done(status, a->arg);
}

static void si_attempt_fail_cb(evutil_socket_t fd, short what, void *arg)
{
    si_attempt_done(NULL, arg);
}

static void si_add_date(struct form *f, const char *name, time_t t)
{
    json_t *d = si_json_date(t);

    form_add(f, name, json_string_value(d));
    json_decref(d);
}

/* The onMessageAdded parameters, in Twilio's documented order. */
static struct form *si_message_added_form(struct standin *si,
                                          const struct si_conversation *conv,
                                          const struct si_message *m)
{
    struct form *f = form_create();
    char index[32];
    size_t i;

    form_add(f, "AccountSid", si->account_sid);
    form_add(f, "EventType", "onMessageAdded");
    form_add(f, "Source", m->source);
    form_add(f, "ConversationSid", conv->sid);
    form_add(f, "MessageSid", m->sid);
    form_add(f, "MessagingServiceSid", conv->messaging_service_sid);
    snprintf(index, sizeof(index), "%ld", m->index);
    form_add(f, "Index", index);
    si_add_date(f, "DateCreated", m->created);
    if (m->body)
        form_add(f, "Body", m->body);
    form_add(f, "Author", m->author);
    if (m->participant_sid[0])
        form_add(f, "ParticipantSid", m->participant_sid);
    form_add(f, "Attributes", m->attributes);
    if (m->nmedia) {
        json_t *arr = json_array();
        char *text;

        for (i = 0; i < m->nmedia; i++) {
            const struct si_media *me = si_media_find(si->store, m->media[i]);

            if (me)
                json_array_append_new(arr, json_pack(
                    "{s:s, s:s, s:s, s:I, s:s}", "Sid", me->sid,
                    "Filename", me->filename ? me->filename : "",
                    "ContentType", me->content_type,
                    "Size", (json_int_t) me->size, "Category", "media"));
        }
        text = json_dumps(arr, JSON_COMPACT);
        form_add(f, "Media", text);
        free(text);
        json_decref(arr);
    }
    if (m->client_identity)
        form_add(f, "ClientIdentity", m->client_identity);
    return f;
}

int si_webhook_message_added(struct standin *si,
                             const struct si_conversation *conv,
                             struct si_message *m, si_webhook_done *done,
                             void *arg)
{
    struct evhttp_uri *uri;
    struct evhttp_request *req;
    struct evkeyvalq *headers;
    struct si_attempt *a;
    struct form *params;
    struct buf *body, *sig, *target;
    const char *host, *path, *query;
    int port;

    if (si->webhooks_off && si->webhook_url != NULL) {
        msg_info("%s: webhook onMessageAdded for %s: webhooks are off; not "
                 "sent", conv->sid, m->sid);
        return -1;
    }
    if (si->webhook_url != NULL && !si_config_fires(si, "onMessageAdded")) {
        msg_info("%s: webhook onMessageAdded for %s: not in the configured "
                 "filters; not sent", conv->sid, m->sid);
        return -1;
    }
    if (si->webhook_url == NULL
        || (uri = evhttp_uri_parse(si->webhook_url)) == NULL)
        return -1;
    host = evhttp_uri_get_host(uri);
    port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
    path = evhttp_uri_get_path(uri);
    query = evhttp_uri_get_query(uri);

    params = si_message_added_form(si, conv, m);
    body = buf_create(512);
    form_encode(params, body);
    sig = buf_create(32);
    twilio_signature_compute(si->token, si->token_len, si->webhook_url, params,
                             sig);
    target = buf_create(128);

    a = xcalloc(1, sizeof(*a));
    a->si = si;
    memcpy(a->conv_sid, conv->sid, sizeof(a->conv_sid));
    memcpy(a->msg_sid, m->sid, sizeof(a->msg_sid));
    a->done = done;
    a->arg = arg;
    a->conn = evhttp_connection_base_new(si->base, NULL, host,
                                         (unsigned short) port);
    if (a->conn == NULL)
        msg_fatal("evhttp_connection_base_new %s:%d failed", host, port);
    evhttp_connection_set_timeout(a->conn, (int) si->webhook_timeout);
    evhttp_connection_set_retries(a->conn, 0);
    req = evhttp_request_new(si_attempt_done, a);
    headers = evhttp_request_get_output_headers(req);
    buf_printf(target, strchr(host, ':') ? "[%s]" : "%s", host);
    if (port != 80)
        buf_printf(target, ":%d", port);
    evhttp_add_header(headers, "Host", target->data);
    buf_reset(target);
    buf_printf(target, "%s%s%s", path && path[0] ? path : "/",
               query ? "?" : "", query ? query : "");
    evhttp_add_header(headers, "Content-Type",
                      "application/x-www-form-urlencoded; charset=utf-8");
    evhttp_add_header(headers, "X-Twilio-Signature", sig->data);
    evhttp_add_header(headers, "User-Agent", "TwilioProxy/1.1");
    evhttp_add_header(headers, "Accept", "*/*");
    evbuffer_add(evhttp_request_get_output_buffer(req), body->data, body->len);
    a->next = si->webhooks->head;
    si->webhooks->head = a;
    m->webhook_fired = 1;
    m->webhook_pending = 1;
    m->webhook_status = -1;
    msg_info("%s: webhook onMessageAdded for %s: POST %s", conv->sid, m->sid,
             si->webhook_url);
    if (evhttp_make_request(a->conn, req, EVHTTP_REQ_POST, target->data) < 0) {
        /* Not even started: reported as not answered, from the loop. */
        struct timeval now = {0, 0};

        msg_warn("%s: webhook: cannot start the request", conv->sid);
        event_base_once(si->base, -1, EV_TIMEOUT, si_attempt_fail_cb, a, &now);
    }
    form_free(params);
    buf_free(body);
    buf_free(sig);
    buf_free(target);
    evhttp_uri_free(uri);
    return 0;
}
