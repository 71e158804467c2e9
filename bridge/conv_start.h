/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_start - start (or find, or complete) the Twilio conversation for
 * one seeker, one building contact and one listing: the seed's "Starting
 * a conversation" sequence.
 *
 * Steps, each one Twilio call through twilio_api.h:
 *   1. fetch the conversation by its unique name (conv_names.h); when it is
 *      closed, go on with the next generation of the name; when there is
 *      none, create it (FriendlyName, UniqueName, Attributes, the messaging
 *      service, Timers.Inactive/Closed).  50353 (the name was taken
 *      meanwhile) leads back to the fetch.
 *   2. list its participants.
 *   3. for each participant the request calls for, in a fixed order (the
 *      building contact's chat identity "bc_ID" first, which stands for
 *      their email and authors their replies; then the seeker's chat
 *      identity, SMS and WhatsApp; then the contact's SMS and WhatsApp),
 *      reuse the one that exists (same identity, or same binding address),
 *      else add it with role Attributes.  SMS and WhatsApp participants get
 *      their ProxyAddress from the pool (number_pool.h); 50416 moves on to
 *      the next number; a pool with no number left for that person ends
 *      the request with 409.  A request works with the proxy numbers
 *      configured when it came (a copy): a reload meanwhile changes those
 *      of the next request.  50433 / 50437 (added meanwhile) lead back to
 *      step 2.
 * So the same request again, even after a crash or a failure half-way,
 * finds what exists and adds only what is missing: it is idempotent.
 *
 * The outcome, always through the callback (from the event loop, or from
 * inside conv_start() only when not even its first Twilio call could be
 * started):
 *   201  the conversation was created by this request
 *   200  it existed (participants may have been completed)
 *   409  proxy_numbers_exhausted (field seeker.sms, ...)
 *   502  Twilio refused a call (twilio_code, twilio_status, message)
 *   503  Twilio unavailable after the client's retries; retry_after > 0
 * Success bodies hold conversation_sid, unique_name, state, proxy_address
 * and participants [{sid, role, channel, identity | address,
 * proxy_address}].  Error bodies follow http_server.h and, once the
 * conversation exists, also hold its conversation_sid and
 * "incomplete": true, so nothing half-made goes unreported; the same
 * request later completes it.
 *
 * conv_start_check() does the checks that need no Twilio call (a channel
 * whose pool is empty); it returns 0, or -1 with a 400 error body in *err.
 *
 * Ownership: conv_start() takes req (its strings; the struct itself is
 * copied) and gives the callback a JSON body it must release.  Starts in
 * flight are listed in the struct conv_starts given to them;
 * conv_starts_free() frees those still in flight without calling back
 * (shutdown, after twilio_client_free()).
 */
#ifndef POSTMASK_CONV_START_H
#define POSTMASK_CONV_START_H

#include <jansson.h>

#include "bridge.h"
#include "conv_request.h"

typedef void conv_start_cb(int status, json_t *body, long retry_after,
                           void *arg);

struct conv_starts;

struct conv_starts *conv_starts_create(void);
void conv_starts_free(struct conv_starts *starts);

int conv_start_check(const struct bridge *br, const struct conv_request *req,
                     json_t **err);
/* 0, or -1 (with *err, and req released) when nothing could be started. */
int conv_start(struct bridge *br, struct conv_starts *starts,
               struct conv_request *req, conv_start_cb *cb, void *arg,
               json_t **err);

#endif
