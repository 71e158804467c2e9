/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_control - the control API under /_standin/ (no auth), which
 * tests use to play the seeker's side and to see and steer the stand-in:
 *
 *   POST /_standin/inbound        form ConversationSid (SID or UniqueName),
 *       From (+E.164, whatsapp:+E.164 or a chat identity; a participant),
 *       Body, optional MediaContentType + MediaFilename + MediaBase64:
 *       stores the message as Twilio would for that channel (author = From,
 *       participant_sid set, Source SMS, WHATSAPP or SDK), fires the
 *       webhook and, once the attempt ended, answers 201 with the message
 *       JSON plus "webhook": {"fired": bool, "status": int or null}.
 *   GET  /_standin/conversations  every conversation with "participants".
 *   GET  /_standin/conversations/{Sid}/messages  {"messages": [message
 *       JSON + "webhook_enabled_header", "webhook_fired",
 *       "webhook_pending", "webhook_status", "source"]}.
 *   POST /_standin/faults         form Operation, Fault, Count, RetryAfter,
 *       Delay (standin_faults.h); 201.
 *   GET  /_standin/requests       {"requests": [{"method", "path",
 *       "operation", "status", "webhook_enabled"}]}: every Twilio request.
 *   POST /_standin/reset          answers the requests slow faults hold
 *       with 503, forgets state, faults, the request log and the sink,
 *       turns webhooks back on; 204.
 *   POST /_standin/webhooks       form Enabled=true|false: with false, no
 *       onMessageAdded webhook fires (a webhook Twilio never delivered);
 *       200 {"enabled": bool}.
 *   POST /_standin/sink[/...]     a webhook receiver for tests: records
 *       the request and answers ?status=NNN (default 200), or nothing at
 *       all with ?status=hang.
 *   GET  /_standin/sink           {"requests": [{"method", "path" (with
 *       the query), "content_type", "signature", "user_agent", "body"}]}.
 *
 * Errors are Twilio-shaped JSON bodies (400, 404, 405).  The request is
 * answered as standin_server.h says.
 */
#ifndef STANDIN_CONTROL_H
#define STANDIN_CONTROL_H

#include "standin_server.h"

void si_control_handle(struct si_req *r);

#endif
