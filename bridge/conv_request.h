/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_request - parse and check the body of POST /v1/conversations.
 *
 * The body is a JSON object:
 *
 *   {
 *     "seeker": {
 *       "id": "s-1001",                required; [A-Za-z0-9._-], 1..64
 *       "name": "Ann Example",         required; 1..200 chars, no controls
 *       "email": "ann@example.org",    optional; an addr-spec, <= 254
 *       "sms": "+14155550123",         optional; E.164
 *       "whatsapp": "+14155550123",    optional; E.164 (no "whatsapp:")
 *       "chat": true                   optional; a chat participant
 *     },                               at least one of sms, whatsapp, chat
 *     "building_contact": {
 *       "id": "bc-77",                 required, as above
 *       "name": "Bob Builder",         required
 *       "email": "bob@example.net",    required
 *       "sms": "+1...", "whatsapp": "+1..."    optional
 *     },
 *     "listing": { "id": "L-5", "title": "Unit 4B" }  optional; id required
 *   }                                  in it, title 1..200 chars
 *
 * Anything else (an unknown member at any level, a wrong JSON type, a
 * duplicate member, an empty string, invalid UTF-8, trailing bytes) is
 * refused.  The error names the field by its dotted path
 * ("building_contact.email", "seeker.sms") and says what is wrong; for
 * unparseable JSON the field is NULL and the message has jansson's line and
 * column.
 *
 * Ownership: conv_request_parse() fills *req with strings it allocates;
 * conv_request_free() frees them (also after a failed parse, and on a
 * zeroed struct).  Absent optional strings are NULL.
 */
#ifndef POSTMASK_CONV_REQUEST_H
#define POSTMASK_CONV_REQUEST_H

#include <stddef.h>

#include "buf.h"

#define CONV_ID_MAX     64
#define CONV_NAME_MAX   200

struct conv_party {
    char *id;
    char *name;
    char *email;
    char *sms;
    char *whatsapp;
    int chat;                   /* seeker only */
};

struct conv_request {
    struct conv_party seeker;
    struct conv_party contact;  /* "building_contact" */
    char *listing_id;           /* or NULL */
    char *listing_title;        /* or NULL */
};

struct conv_request_error {
    const char *code;           /* "invalid_json", "invalid_field",
                                 * "unknown_field", "missing_field" */
    char field[128];            /* dotted path, "" when none */
    struct buf *message;        /* owned by the caller */
};

/* 0, or -1 with err filled in. */
int conv_request_parse(const char *body, size_t len, struct conv_request *req,
                       struct conv_request_error *err);
void conv_request_free(struct conv_request *req);

/* Shared checks, also used by other API handlers. */
int conv_valid_id(const char *s);
int conv_valid_e164(const char *s);
int conv_valid_email(const char *s);

#endif
