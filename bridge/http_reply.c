/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_reply - answering an exchange (http_server.h): the response headers
 * every answer carries, the log line and the metrics of each answer, JSON
 * and JSON errors, and the answer dropped because its client went away.
 * Each answer frees its exchange.
 *
 * evhttp 2.1 would send the body of an answer to HEAD; here a HEAD answer
 * gets only the Content-Length the body would have had.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http_server.h"
#include "http_server_int.h"
#include "metrics.h"
#include "msg.h"
#include "utf8.h"

static const char *status_phrase(int status)
{
    static const struct {
        int status;
        const char *phrase;
    } phrases[] = {
        {200, "OK"}, {201, "Created"}, {202, "Accepted"},
        {204, "No Content"}, {400, "Bad Request"}, {401, "Unauthorized"},
        {403, "Forbidden"}, {404, "Not Found"},
        {405, "Method Not Allowed"}, {409, "Conflict"},
        {413, "Payload Too Large"}, {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"}, {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"}, {501, "Not Implemented"},
        {502, "Bad Gateway"}, {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    size_t i;

    for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
        if (phrases[i].status == status)
            return phrases[i].phrase;
    return NULL;
}

void http_reply(struct http_exchange *ex, int status,
                const char *content_type, const void *body, size_t len)
{
    struct http_server *srv = ex->srv;
    struct evhttp_request *req = ex->req;
    char status_text[16];
    const char *labels[] = {"route", ex->route_name, "status", status_text,
                            NULL};
    const char *drop_labels[] = {"route", ex->route_name, NULL};
    long ms = http_ms_since(&ex->start);
    size_t i;

    if (req == NULL) {
        msg_info("http: %s %s %.*s %d 0 %ldms, dropped: the client went away",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path, status,
                 ms);
        snprintf(status_text, sizeof(status_text), "0");
        metrics_add(srv->metrics, "postmask_http_requests_total", labels, 1);
        metrics_add(srv->metrics, "postmask_http_dropped_replies_total",
                    drop_labels, 1);
        http_exchange_free(ex);
        return;
    }
    if (ex->conn != NULL)
        http_conn_answered(ex->conn);
    http_exchange_detach(ex);
    {
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);

        for (i = 0; i < ex->nout; i++)
            if (evhttp_add_header(out, ex->out[i].name, ex->out[i].value) < 0)
                msg_warn("http: %s: dropped an invalid %s header", ex->peer,
                         ex->out[i].name);
        if (content_type != NULL)
            evhttp_add_header(out, "Content-Type", content_type);
        evhttp_add_header(out, "Cache-Control", "no-store");
        evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
        if (ex->close)
            evhttp_add_header(out, "Connection", "close");
    }
    if (strcmp(ex->method, "HEAD") == 0) {
        /* evhttp 2.1 would send the body of a HEAD answer: only its size. */
        char size[32];

        snprintf(size, sizeof(size), "%zu", len);
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "Content-Length", size);
    } else if (len > 0) {
        evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
    }
    evhttp_send_reply(req, status, status_phrase(status), NULL);
    msg_info("http: %s %s %.*s %d %zu %ldms", ex->peer, ex->method,
             HTTP_LOG_PATH_MAX, ex->path, status,
             strcmp(ex->method, "HEAD") == 0 ? (size_t) 0 : len, ms);
    snprintf(status_text, sizeof(status_text), "%d", status);
    metrics_add(srv->metrics, "postmask_http_requests_total", labels, 1);
    http_exchange_free(ex);
}

void http_reply_json(struct http_exchange *ex, int status, json_t *json)
{
    char *text = json ? json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY)
        : NULL;

    if (text == NULL) {
        static const char fallback[] =
            "{\"error\":\"internal_error\",\"message\":\"cannot encode "
            "the answer\"}";

        msg_warn("http: %s %s %.*s: cannot encode the JSON answer",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path);
        json_decref(json);
        http_reply(ex, 500, "application/json", fallback,
                   sizeof(fallback) - 1);
        return;
    }
    json_decref(json);
    http_reply(ex, status, "application/json", text, strlen(text));
    free(text);
}

void http_reply_error(struct http_exchange *ex, int status, const char *code,
                      const char *field, const char *fmt, ...)
{
    struct buf *raw = buf_create(128);
    struct buf *message = buf_create(128);
    json_t *json;
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(raw, fmt, ap);
    va_end(ap);
    utf8_sanitize_append(raw->data, raw->len, message);
    json = json_object();
    json_object_set_new(json, "error", json_string(code));
    json_object_set_new(json, "message",
                        json_stringn(message->data, message->len));
    if (field != NULL) {
        buf_reset(raw);
        utf8_sanitize_append(field, strlen(field), raw);
        json_object_set_new(json, "field", json_stringn(raw->data, raw->len));
    }
    buf_free(raw);
    buf_free(message);
    http_reply_json(ex, status, json);
}
