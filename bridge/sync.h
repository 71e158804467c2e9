/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync - the two directions between Twilio and email, as spool jobs.
 *
 * Twilio -> email.  POST /twilio/webhook (api_webhook.c) verifies
 * X-Twilio-Signature and writes each onMessageAdded event into the spool
 * as a job of kind SYNC_KIND_MESSAGE, keyed by its MessageSid, before it
 * answers 200.  The payload is one JSON object:
 *   {"version": 1, "received": <unix time>,
 *    "event": {"EventType": "onMessageAdded", "ConversationSid": "CH...",
 *              "MessageSid": "IM...", "Author": "...", "Body": "...", ...}}
 * where "event" holds every form field of the webhook (the first value of
 * each name) as a string.  sync_email.c works these jobs off: when the
 * author is the seeker, each building contact with an email address gets
 * an email through Postfix's masking listener.
 *
 * Email -> Twilio.  postmask-milter writes captured replies as jobs of kind
 * CAPTURE_JOB_KIND (capture_job.h); sync_reply.c posts them into the
 * conversation as the building contact, with X-Twilio-Webhook-Enabled:
 * false and attributes naming their origin:
 *   {"postmask": {"origin": "email", "message_id": "<Message-ID>",
 *                 "job": "<spool job ID>", "part": N, "parts": M}}
 * The webhook ignores messages whose attributes say origin "email": a
 * second guard against echoes.
 *
 * Each *_init() registers its handler with the job runner; each *_free()
 * releases what the module keeps (after twilio_client_free()).
 */
#ifndef POSTMASK_SYNC_H
#define POSTMASK_SYNC_H

#include <jansson.h>

#include "bridge.h"
#include "twilio_client.h"

#define SYNC_KIND_MESSAGE   "twilio_message"
#define SYNC_ORIGIN_EMAIL   "email"

struct job_runner;
struct job;

int sync_email_init(struct bridge *br, struct job_runner *jr,
                    struct buf *why);
void sync_email_free(struct bridge *br);
int sync_reply_init(struct bridge *br, struct job_runner *jr,
                    struct buf *why);
void sync_reply_free(struct bridge *br);

/* 1 when message attributes (Twilio's JSON text, or NULL) say postmask
 * made the message from an email. */
int sync_made_from_email(const char *attributes);

/*
 * The emailed marker: after Postfix accepted a message's email,
 * sync_email.c sets the message's attributes "postmask": {"emailed":
 * "<ISO 8601 time>", "email": "IM..."} at Twilio (X-Twilio-Webhook-Enabled: false), and
 * catch-up (catchup.h) skips messages that carry it, so that neither a
 * second bridge nor one whose dedupe markers expired emails it again.
 * sync_emailed() is 1 when attributes (JSON text, or NULL) carry it.
 */
#define SYNC_EMAILED_KEY    "emailed"
/* Beside it, "email": the MessageSid of the first message of the email
 * that carried the message (a batch, sync_email.c). */
#define SYNC_EMAIL_KEY      "email"
int sync_emailed(const char *attributes);

/*
 * Ends a job after a Twilio call failed for good: deferred when Twilio was
 * unavailable (it may work later), a dead letter when Twilio refused it
 * (a 404 included).  about starts the reason ("CH...: IM..."), what says
 * what could not be done ("post the message").
 */
void sync_twilio_failed(struct job *job, const char *about,
                        const struct twilio_result *res, const char *what);

#endif
