/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_conversations - POST /v1/conversations: the application starts a
 * conversation between a seeker and a building contact (bridge.h).
 *
 * Bearer token (401), then the body (conv_request.h; 400 naming the field),
 * then conv_start.h, whose outcome is the answer: 201 / 200 with the
 * conversation, 409, 502, or 503 with Retry-After.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bridge.h"
#include "conv_request.h"
#include "conv_start.h"
#include "http_server.h"
#include "msg.h"
#include "xalloc.h"

struct api_conversations {
    struct conv_starts *starts;
};

static void on_started(int status, json_t *body, long retry_after, void *arg)
{
    struct http_exchange *ex = arg;
    char text[32];

    if (retry_after > 0) {
        snprintf(text, sizeof(text), "%ld", retry_after);
        http_exchange_add_header(ex, "Retry-After", text);
    }
    http_reply_json(ex, status, body);
}

static void handle_post(struct http_exchange *ex, void *arg)
{
    struct bridge *br = arg;
    struct conv_request req = {0};
    struct conv_request_error err = {0};
    const char *body;
    json_t *error = NULL;
    size_t len;

    if (!http_require_bearer(ex, br->secrets.api_token,
                             br->secrets.api_token_len))
        return;
    body = http_exchange_body(ex, &len);
    err.message = buf_create(128);
    if (conv_request_parse(body, len, &req, &err) < 0) {
        msg_warn("conversations: request refused from %s: %s%s%s",
                 http_exchange_peer(ex), err.field, *err.field ? ": " : "",
                 err.message->data);
        http_reply_error(ex, 400, err.code, *err.field ? err.field : NULL,
                         "%s", err.message->data);
        conv_request_free(&req);
        buf_free(err.message);
        return;
    }
    buf_free(err.message);
    if (conv_start(br, br->conversations->starts, &req, on_started, ex,
                   &error) < 0)
        http_reply_json(ex, 400, error);
}

int api_conversations_init(struct bridge *br, struct buf *why)
{
    (void) why;
    br->conversations = xcalloc(1, sizeof(*br->conversations));
    br->conversations->starts = conv_starts_create();
    http_server_route(br->http, "POST", "/v1/conversations", "conversations",
                      handle_post, br);
    return 0;
}

void api_conversations_free(struct bridge *br)
{
    if (br->conversations == NULL)
        return;
    conv_starts_free(br->conversations->starts);
    free(br->conversations);
    br->conversations = NULL;
}
