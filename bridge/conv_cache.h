/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_cache - what the sync jobs need to know about a conversation: the
 * conversation resource and its participants, fetched from Twilio (the
 * system of record) and kept for participant_cache_ttl seconds.
 *
 * conv_cache_get() answers through cb, always from the event loop: from
 * the cache when the entry is younger than the TTL and fresh is 0, else
 * after fetching the conversation and listing its participants (twilio_api.h).
 * Concurrent gets of one conversation share one fetch.  On failure the
 * callback gets info NULL and the Twilio result of the call that failed
 * (TWILIO_UNAVAILABLE() tells a retry from a refusal; 404 means the
 * conversation is gone).  A failed fetch is not cached.
 *
 * struct conv_info holds the parsed pieces the jobs use; its JSON and
 * strings stay valid during the callback only (take references to keep
 * them).  Participant helpers take the participant JSON of Twilio's answer
 * (attributes is a JSON string there; these parse it).
 *
 * conv_cache_forget() drops an entry (after the bridge changed the
 * participants itself, e.g. bounce attributes).
 *
 * Ownership: the cache belongs to main() (conv_cache_free(), which drops
 * pending callbacks: call it after twilio_client_free()).
 */
#ifndef POSTMASK_CONV_CACHE_H
#define POSTMASK_CONV_CACHE_H

#include <jansson.h>

#include "bridge.h"
#include "twilio_client.h"

struct conv_info {
    const char *sid;
    const char *chat_service_sid;   /* IS..., for media */
    const char *friendly_name;      /* or NULL */
    const char *state;              /* "active", "inactive", "closed" */
    json_t *conversation;           /* Twilio's conversation resource */
    json_t *conversation_attributes;    /* parsed; an object, maybe empty */
    json_t *participants;           /* array of participant resources */
};

typedef void conv_cache_cb(const struct conv_info *info,
                           const struct twilio_result *failure, void *arg);

struct conv_cache;

struct conv_cache *conv_cache_create(struct bridge *br);
void conv_cache_free(struct conv_cache *cache);
int conv_cache_get(struct conv_cache *cache, const char *conversation_sid,
                   int fresh, conv_cache_cb *cb, void *arg, struct buf *why);
void conv_cache_forget(struct conv_cache *cache, const char *conversation_sid);

/* A participant's attributes, parsed: a new reference, {} when unusable. */
json_t *participant_attributes(const json_t *participant);
/* Its attributes' "role" ("seeker", "building_contact"), or NULL. */
const char *participant_role(const json_t *participant);
/* The participant with this SID, or NULL. */
const json_t *participant_by_sid(const struct conv_info *info,
                                 const char *sid);
/* The participant a message Author names: a chat identity or a binding
 * address ("+1...", "whatsapp:+1..."), or NULL. */
const json_t *participant_by_author(const struct conv_info *info,
                                    const char *author);

#endif
