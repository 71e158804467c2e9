/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_chat_tokens - POST /v1/chat-tokens: the application gets a Twilio
 * Access Token for one chat identity (bridge.h, access_token.h).
 *
 *   Authorization: Bearer <api token>          else 401 "unauthorized"
 *   {"identity": "s-1001"}                     else 400 naming the field
 *
 * answers 201 {"token": JWT, "identity": ..., "expires_at":
 * "2026-01-01T12:00:00Z", "ttl": seconds} with a token valid for
 * chat_token_ttl, or 501 "chat_tokens_disabled" when twilio_api_key_sid or
 * twilio_chat_service_sid is empty.
 *
 * An identity is 1..IDENTITY_MAX characters of valid UTF-8 without
 * whitespace, control characters, or the punctuation Twilio advises
 * against in identities: ! * ' ( ) ; : @ & = + $ , / ? % # [ ]
 * (so not an email address).  Any other member of the body is refused.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "access_token.h"
#include "bridge.h"
#include "http_server.h"
#include "iso8601.h"
#include "msg.h"
#include "utf8.h"

#define IDENTITY_MAX    256     /* Twilio's limit, in characters */

static const char discouraged[] = "!*'();:@&=+$,/?%#[]";

/* Unicode white space (Pattern_White_Space and Zs) and BOM. */
static int is_space(unsigned long cp)
{
    return cp == 0x20 || cp == 0xa0 || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 || cp == 0x2029
        || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

/* NULL when s is a good identity, else what is wrong with it. */
static const char *identity_fault(const char *s, char *detail, size_t size)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t chars = 0;
    unsigned long cp;

    if (*p == '\0')
        return "identity must not be empty";
    while (*p) {
        p += utf8_decode(p, &cp);
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || is_space(cp))
            return "identity must not contain white space or control "
                "characters";
        if (cp < 0x80 && strchr(discouraged, (int) cp) != NULL) {
            snprintf(detail, size, "identity must not contain '%c' (Twilio "
                     "advises against ! * ' ( ) ; : @ & = + $ , / ? %% # "
                     "[ ] in identities)", (int) cp);
            return detail;
        }
        chars++;
    }
    if (chars > IDENTITY_MAX) {
        snprintf(detail, size, "identity is longer than %d characters",
                 IDENTITY_MAX);
        return detail;
    }
    return NULL;
}

static void handle_post(struct http_exchange *ex, void *arg)
{
    struct bridge *br = arg;
    const struct config *cfg = br->cfg;
    struct access_token_params params;
    struct buf *token, *why;
    char detail[160], expires[ISO8601_SIZE];
    const char *body, *key, *identity, *fault;
    json_error_t jerr;
    json_t *root, *value;
    size_t len;

    if (!http_require_bearer(ex, br->secrets.api_token,
                             br->secrets.api_token_len))
        return;
    if (*cfg->twilio_api_key_sid == '\0' || *cfg->twilio_chat_service_sid == '\0'
        || br->secrets.api_key_secret == NULL) {
        http_reply_error(ex, 501, "chat_tokens_disabled", NULL,
                         "chat tokens are off: twilio_api_key_sid and "
                         "twilio_chat_service_sid must be set");
        return;
    }
    body = http_exchange_body(ex, &len);
    if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        http_reply_error(ex, 400, "invalid_json", NULL, "invalid JSON at "
                         "line %d, column %d: %s", jerr.line, jerr.column,
                         jerr.text);
        return;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        http_reply_error(ex, 400, "invalid_json", NULL,
                         "the body must be a JSON object");
        return;
    }
    json_object_foreach(root, key, value) {
        if (strcmp(key, "identity") != 0) {
            http_reply_error(ex, 400, "unknown_field", key,
                             "%s is not a known field", key);
            json_decref(root);
            return;
        }
    }
    if ((value = json_object_get(root, "identity")) == NULL) {
        json_decref(root);
        http_reply_error(ex, 400, "missing_field", "identity",
                         "identity is required");
        return;
    }
    if (!json_is_string(value)) {
        json_decref(root);
        http_reply_error(ex, 400, "invalid_field", "identity",
                         "identity must be a string");
        return;
    }
    identity = json_string_value(value);
    if ((fault = identity_fault(identity, detail, sizeof(detail))) != NULL) {
        http_reply_error(ex, 400, "invalid_field", "identity", "%s", fault);
        json_decref(root);
        return;
    }

    memset(&params, 0, sizeof(params));
    params.account_sid = cfg->twilio_account_sid;
    params.api_key_sid = cfg->twilio_api_key_sid;
    params.api_key_secret = br->secrets.api_key_secret;
    params.api_key_secret_len = br->secrets.api_key_secret_len;
    params.chat_service_sid = cfg->twilio_chat_service_sid;
    params.identity = identity;
    params.now = time(NULL);
    params.ttl = cfg->chat_token_ttl;
    token = buf_create(512);
    why = buf_create(64);
    if (access_token_create(&params, token, why) < 0) {
        msg_error("chat_tokens: %s", why->data);
        http_reply_error(ex, 500, "internal_error", NULL,
                         "the token could not be made");
    } else {
        iso8601_format(params.now + params.ttl, expires);
        http_reply_json(ex, 201, json_pack("{s:s, s:s, s:s, s:I}",
                                           "token", token->data,
                                           "identity", identity,
                                           "expires_at", expires,
                                           "ttl", (json_int_t) params.ttl));
    }
    buf_free(token);
    buf_free(why);
    json_decref(root);
}

int api_chat_tokens_init(struct bridge *br, struct buf *why)
{
    if (br->http == NULL) {
        buf_printf(why, "api_chat_tokens_init: no HTTP server");
        return -1;
    }
    http_server_route(br->http, "POST", "/v1/chat-tokens", "chat_tokens",
                      handle_post, br);
    return 0;
}
