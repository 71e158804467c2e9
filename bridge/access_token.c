/* SPDX-License-Identifier: Apache-2.0 */
/*
 * access_token - Twilio Access Tokens (HS256 JWTs); see access_token.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "access_token.h"
#include "base64.h"
#include "utf8.h"

/* Appends data in base64url without padding (RFC 7515, section 2). */
static void base64url_append(struct buf *out, const void *data, size_t len)
{
    size_t start = out->len, i;

    base64_encode(data, len, out);
    while (out->len > start && out->data[out->len - 1] == '=')
        buf_truncate(out, out->len - 1);
    for (i = start; i < out->len; i++) {
        if (out->data[i] == '+')
            out->data[i] = '-';
        else if (out->data[i] == '/')
            out->data[i] = '_';
    }
}

/* Appends the base64url of json's compact text; 0, or -1 (cannot encode). */
static int json_part(struct buf *out, json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT);

    json_decref(json);
    if (text == NULL)
        return -1;
    base64url_append(out, text, strlen(text));
    free(text);
    return 0;
}

static int required(const char *what, const char *value, struct buf *why)
{
    if (value != NULL && *value != '\0')
        return 0;
    buf_printf(why, "access token: no %s", what);
    return -1;
}

int access_token_create(const struct access_token_params *p,
                        struct buf *out, struct buf *why)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    struct buf *jwt;
    char jti[128];
    json_t *header, *payload;

    if (required("account SID", p->account_sid, why) < 0
        || required("API key SID", p->api_key_sid, why) < 0
        || required("chat service SID", p->chat_service_sid, why) < 0
        || required("identity", p->identity, why) < 0)
        return -1;
    if (p->api_key_secret == NULL || p->api_key_secret_len == 0) {
        buf_printf(why, "access token: no API key secret");
        return -1;
    }
    if (p->ttl < 1 || p->ttl > ACCESS_TOKEN_TTL_MAX) {
        buf_printf(why, "access token: lifetime %lds is not between 1s "
                   "and %lds", p->ttl, ACCESS_TOKEN_TTL_MAX);
        return -1;
    }
    if (!utf8_valid(p->identity, strlen(p->identity))) {
        buf_printf(why, "access token: the identity is not valid UTF-8");
        return -1;
    }
    if ((size_t) snprintf(jti, sizeof(jti), "%s-%lld", p->api_key_sid,
                          (long long) p->now) >= sizeof(jti)) {
        buf_printf(why, "access token: API key SID too long");
        return -1;
    }
    header = json_pack("{s:s, s:s, s:s}", "typ", "JWT", "alg", "HS256",
                       "cty", "twilio-fpa;v=1");
    payload = json_pack("{s:s, s:s, s:s, s:I, s:I, s:{s:s, s:{s:s}}}",
                        "jti", jti, "iss", p->api_key_sid,
                        "sub", p->account_sid,
                        "nbf", (json_int_t) p->now,
                        "exp", (json_int_t) (p->now + p->ttl),
                        "grants", "identity", p->identity,
                        "chat", "service_sid", p->chat_service_sid);
    jwt = buf_create(512);
    if (header == NULL || payload == NULL || json_part(jwt, header) < 0) {
        json_decref(payload);
        buf_free(jwt);
        buf_printf(why, "access token: cannot encode the claims");
        return -1;
    }
    buf_append_char(jwt, '.');
    if (json_part(jwt, payload) < 0) {
        buf_free(jwt);
        buf_printf(why, "access token: cannot encode the claims");
        return -1;
    }
    if (HMAC(EVP_sha256(), p->api_key_secret, (int) p->api_key_secret_len,
             (const unsigned char *) jwt->data, jwt->len, mac,
             &mac_len) == NULL) {
        buf_free(jwt);
        buf_printf(why, "access token: HMAC-SHA256 failed");
        return -1;
    }
    buf_append_char(jwt, '.');
    base64url_append(jwt, mac, mac_len);
    buf_append(out, jwt->data, jwt->len);
    buf_free(jwt);
    return 0;
}
