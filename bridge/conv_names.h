/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_names - the names and attributes postmask gives Twilio resources
 * when it starts a conversation.  Pure functions, no I/O.
 *
 * Unique name: "postmask:" SEEKER_ID ":" CONTACT_ID ":" LISTING_ID, the
 * listing part empty when there is none; generation g > 1 (a new
 * conversation for the same three after the previous one was closed)
 * appends ":" g.  IDs are [A-Za-z0-9._-] (conv_request.h), so the colon
 * separates them unambiguously; the name can never look like a SID.
 *
 * Chat identities: "seeker_" ID and "bc_" ID.  Twilio advises against '@'
 * and other punctuation in identities, so they never hold an email address.
 *
 * Friendly name: "SEEKER NAME and CONTACT NAME" plus ": LISTING TITLE" when
 * there is one, cut to Twilio's 256 characters on a UTF-8 boundary.
 *
 * Attributes (JSON objects; Twilio stores them as text, at most 4 KB for a
 * participant, which the 200-character limits of conv_request.h keep):
 *   conversation: {"postmask": 1, "seeker_id", "building_contact_id",
 *                  "listing_id", "listing_title"}    (absent ones omitted)
 *   participant:  {"role": "seeker" | "building_contact", "id", "name",
 *                  "email" (when known), "channel": "chat" | "email" |
 *                  "sms" | "whatsapp"}
 *
 * Ownership: the char * and json_t * results are new; the caller frees
 * them (free(), json_decref()).
 */
#ifndef POSTMASK_CONV_NAMES_H
#define POSTMASK_CONV_NAMES_H

#include <jansson.h>

#include "conv_request.h"

#define CONV_ROLE_SEEKER    "seeker"
#define CONV_ROLE_CONTACT   "building_contact"
#define CONV_FRIENDLY_MAX   256
#define CONV_MAX_GENERATION 20

char *conv_unique_name(const struct conv_request *req, unsigned generation);
char *conv_identity(const char *role, const char *id);
char *conv_friendly_name(const struct conv_request *req);
json_t *conv_attributes(const struct conv_request *req);
json_t *conv_participant_attributes(const char *role,
                                    const struct conv_party *party,
                                    const char *channel);

#endif
