/* SPDX-License-Identifier: Apache-2.0 */
/*
 * access_token - Twilio Access Tokens for Conversations chat participants.
 *
 * access_token_create() appends to out a JWT that Twilio's client SDKs
 * accept (Twilio's helper libraries build the same token):
 *
 *   header   {"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}
 *   payload  {"jti":"<api_key_sid>-<now>","iss":"<api_key_sid>",
 *             "sub":"<account_sid>","nbf":<now>,"exp":<now + ttl>,
 *             "grants":{"identity":"<identity>",
 *                       "chat":{"service_sid":"<chat_service_sid>"}}}
 *
 * each part as compact JSON in base64url without padding, joined by ".",
 * then "." and the HMAC-SHA256 of "header.payload" under the API key's
 * secret (never the account's auth token: Twilio refuses that with error
 * 20003), also in base64url without padding.  The time is passed in, so
 * tests can fix it.
 *
 * Errors: an empty identity, SID or secret, a ttl outside 1..86400 seconds
 * (Twilio refuses more than 24 hours, error 20157) or an identity that is
 * not valid UTF-8: -1 with the reason appended to why, out unchanged.
 * Which identities the application may ask for is the API's business
 * (api_chat_tokens.c).
 *
 * Ownership: the caller owns params, out and why; nothing is kept.
 */
#ifndef POSTMASK_ACCESS_TOKEN_H
#define POSTMASK_ACCESS_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define ACCESS_TOKEN_TTL_MAX    86400L

struct access_token_params {
    const char *account_sid;        /* AC...: "sub" */
    const char *api_key_sid;        /* SK...: "iss" */
    const char *api_key_secret;     /* signs the token */
    size_t api_key_secret_len;
    const char *chat_service_sid;   /* IS...: the chat grant */
    const char *identity;           /* the chat user */
    time_t now;                     /* "nbf", and "exp" = now + ttl */
    long ttl;                       /* seconds */
};

int access_token_create(const struct access_token_params *params,
                        struct buf *out, struct buf *why);

#endif
