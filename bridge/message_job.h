/* SPDX-License-Identifier: Apache-2.0 */
/*
 * message_job - one conversation message as a spool job of kind
 * SYNC_KIND_MESSAGE (sync.h), the same whichever way the bridge learned of
 * it: Twilio's onMessageAdded webhook (api_webhook.c) or catch-up listing
 * the conversation's messages (catchup.c).
 *
 * The job's "event" holds the webhook's field names with string values.
 * message_job_event_from_form() takes the webhook's form (the first value
 * of each name); a name or value that cannot be a JSON string (not valid
 * UTF-8) is not dropped: the whole form is refused, NULL with why ("field
 * Body is not valid UTF-8") and *field naming it (a pointer into the
 * form; "" when it is a name that is not UTF-8).
 * message_job_event_from_rest() maps a Message resource of
 * Twilio's REST API (sid, index, author, body, attributes, participant_sid,
 * date_created, media, account_sid, conversation_sid) onto the same names
 * (EventType "onMessageAdded", MessageSid, Index, ...; Media as JSON text),
 * so that sync_email.c cannot tell the two apart (its strings come from
 * jansson, so they are valid).  Both return a new reference the caller
 * releases with json_decref(); jansson running out of memory is fatal, as
 * in xalloc.h.
 *
 * message_job_payload() is the job's payload, {"version": 1, "received":
 * <now>, "event": ...}, as a malloc'd string the caller frees, or NULL
 * with why (no MessageSid, or it cannot be encoded).  The job's dedupe key
 * is the event's MessageSid, so that a message reached both ways is one
 * job.  message_job_enqueue() writes it at once: it returns
 * spool_enqueue()'s SPOOL_ACCEPTED or SPOOL_DUPLICATE with the job ID in
 * id, or -1 with why.  (The webhook writes through the spool writer
 * instead, off the event loop: spool_writer.h.)
 */
#ifndef POSTMASK_MESSAGE_JOB_H
#define POSTMASK_MESSAGE_JOB_H

#include <jansson.h>

#include "bridge.h"
#include "form.h"
#include "spool.h"

json_t *message_job_event_from_form(const struct form *form,
                                    const char **field, struct buf *why);
json_t *message_job_event_from_rest(const json_t *message);
char *message_job_payload(const json_t *event, struct buf *why);
int message_job_enqueue(struct bridge *br, const json_t *event,
                        char id[SPOOL_ID_LEN + 1], struct buf *why);

#endif
