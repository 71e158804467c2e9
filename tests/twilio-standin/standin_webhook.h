/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_webhook - the post-event webhook: onMessageAdded, form-encoded,
 * signed with X-Twilio-Signature, sent to the -w URL like Twilio sends it
 * (FACTS.md sections 2 to 4).
 *
 * si_webhook_message_added() builds the form for one message -- AccountSid,
 * EventType=onMessageAdded, Source, ConversationSid, MessageSid,
 * MessagingServiceSid, Index, DateCreated, Body (when the message has one),
 * Author, ParticipantSid (when set), Attributes, Media (when any: a JSON
 * array of {"Sid","Filename","ContentType","Size","Category"} as a string),
 * ClientIdentity (chat messages) -- signs it over the current post-event
 * URL (si->webhook_url: -w, or what POST /v1/Configuration/Webhooks set,
 * standin_config.h) exactly as configured with the auth token
 * (twilio_signature.h), and POSTs it
 * without blocking: evhttp's client, a timeout of si->webhook_timeout
 * seconds (Twilio's is 5), no retries.  The message records that a webhook
 * fired and is pending.  When the attempt ends, the message (looked up
 * again by SID: it may be gone) gets the HTTP status, or none after a
 * timeout or a connection failure, and done(status, arg) is called with
 * the status or -1.  Returns 0, or -1 (done never called) when no webhook
 * URL is configured, the configured Filters leave onMessageAdded out, or
 * webhooks are off (si->webhooks_off: a missed webhook, for catch-up
 * tests).  Only http:// URLs are supported (si_webhook_url_ok() checks -w
 * at start-up and PostWebhookUrl on update).
 *
 * si_webhooks_create() and si_webhooks_free() hold the attempts in flight;
 * freeing cancels them, calling done(-1, arg) for those not finished
 * (the store must still be there).
 */
#ifndef STANDIN_WEBHOOK_H
#define STANDIN_WEBHOOK_H

#include "buf.h"
#include "standin.h"
#include "standin_store.h"

typedef void si_webhook_done(int status, void *arg);

struct si_webhooks *si_webhooks_create(void);
void si_webhooks_free(struct si_webhooks *wh);

int si_webhook_url_ok(const char *url, struct buf *why);

int si_webhook_message_added(struct standin *si,
                             const struct si_conversation *conv,
                             struct si_message *msg, si_webhook_done *done,
                             void *arg);

#endif
