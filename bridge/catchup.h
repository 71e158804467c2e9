/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catchup - finds the conversation messages whose onMessageAdded webhook
 * the bridge missed (it was down, killed mid-request, or answered an
 * error: Twilio does not retry these webhooks) and queues them as if the
 * webhook had come.
 *
 * A pass runs at start, every catchup_interval, and a second after the
 * webhook answered an error (catchup_soon()); catchup_interval 0 turns
 * catch-up off (catchup_create() then returns an object that does
 * nothing).  A pass:
 *   1. takes the conversations the bridge has records for (conv_records.h:
 *      those it started or heard of) whose last activity lies within
 *      catchup_window (older records are forgotten), and adds those
 *      GET /v1/Conversations?State=active&StartDate=<the day catchup_window
 *      ago> finds (Twilio filters by creation date, at day granularity);
 *   2. for each, pages back through GET /v1/Conversations/CH.../Messages
 *      ?Order=desc until the recorded index (for a conversation without
 *      one, until catchup_window ago), then, oldest first, queues each
 *      message through message_job.h -- the webhook's path and MessageSid
 *      dedupe, so a message reached both ways is one job -- except those
 *      postmask made from email and those carrying the emailed marker
 *      (sync.h); and records the highest index handled.  A message
 *      younger than catchup_minimal_age (plus email_coalesce_limit while
 *      emails are coalesced: the webhook's bridge may hold it that long,
 *      sync_email.c) ends the conversation's queueing
 *      (it and the newer ones wait for a later pass, scheduled as soon as
 *      they are old enough): its webhook may be with a bridge right now,
 *      this one or, in an active/standby deployment, another.
 * Every Twilio request of a pass is paced to catchup_rate_limit per second.
 * Twilio unavailable, or the spool refusing a job (a full disk), ends the
 * pass early without moving the record past what was queued; the next
 * pass (catchup_interval later) tries again.  The first pass after the
 * records directory was created (a fresh install or an upgrade) records
 * the newest index of the conversations it finds without queueing their
 * history.
 *
 * Metrics: postmask_catchup_messages_total (messages queued by catch-up
 * whose webhook never came), postmask_catchup_passes_total{result}
 * ("ok", "failed").  Log lines: "CH...: catch-up: IM... (index N): queued
 * as job ID: no webhook came", and one summary line per pass that found
 * something or failed.
 *
 * Ownership: main() creates it after the job runner and frees it after
 * twilio_client_free() (which drops the callbacks of requests in flight).
 */
#ifndef POSTMASK_CATCHUP_H
#define POSTMASK_CATCHUP_H

#include "bridge.h"

struct catchup;

struct catchup *catchup_create(struct bridge *br, struct buf *why);
void catchup_free(struct catchup *cu);

/* The bridge started or heard of a conversation: keep a record of it. */
void catchup_heard(struct catchup *cu, const char *conversation_sid);
/* The webhook answered an error: run a pass soon. */
void catchup_soon(struct catchup *cu);

#endif
