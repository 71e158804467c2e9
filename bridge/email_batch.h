/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_batch - which of a seeker's waiting messages go out together as
 * one email, and when (email_coalesce_delay, email_coalesce_limit,
 * email_rate_limit).  Pure: no I/O, no clock; sync_email.c feeds it what
 * Twilio and the spool say.
 *
 * Input: pending, the conversation's seeker messages that wait for an
 * email (no emailed marker at Twilio, a job in this bridge's spool),
 * oldest first, n >= 1; the emails of the conversation's last hour
 * (sent, oldest first; email_rate.h) and the limit per hour (0: none);
 * now.
 *
 * The batch: the first message and each next one that came within delay
 * of the one before it and within limit of the first, at most
 * EMAIL_BATCH_MAX messages (delay 0: the first message alone, coalescing
 * is off).  It is due when the seeker has been quiet for
 * delay after its last message, or limit after its first, whichever is
 * earlier; a batch that another pending message already follows (it came
 * later than those bounds) or that is full is due at once.
 * When the email would be the last the rate limit allows for now (the
 * hour before now holds limit - 1 emails; with the limit reached the
 * batch waits instead), the batch is every pending message, up to
 * EMAIL_BATCH_MAX: nothing after it could go before a slot frees, so what
 * the limit held back, and what follows it meanwhile, goes as one email.
 *
 * Result (struct email_batch_plan):
 *   EMAIL_BATCH_WAIT          not due yet: look again at until;
 *   EMAIL_BATCH_RATE_LIMITED  due, but the limit allows the next email at
 *                             until;
 *   EMAIL_BATCH_SEND          send pending[0 .. count) now.
 * count is the batch's size in every case.  n = 0 (nothing waits) gives
 * EMAIL_BATCH_WAIT until now with count 0: the caller should not ask.
 */
#ifndef POSTMASK_EMAIL_BATCH_H
#define POSTMASK_EMAIL_BATCH_H

#include <stddef.h>
#include <time.h>

#define EMAIL_BATCH_MAX     20

enum email_batch_action {
    EMAIL_BATCH_WAIT,
    EMAIL_BATCH_RATE_LIMITED,
    EMAIL_BATCH_SEND,
};

struct email_batch_plan {
    enum email_batch_action action;
    time_t until;               /* WAIT, RATE_LIMITED: when to look again */
    size_t count;               /* messages in the batch */
};

void email_batch_plan(const time_t *pending, size_t n, long delay,
                      long limit, const time_t *sent, size_t nsent,
                      long rate_limit, time_t now,
                      struct email_batch_plan *plan);

/* When the limit allows the next email at t (t itself when it does). */
time_t email_batch_rate_next(const time_t *sent, size_t nsent,
                             long rate_limit, time_t t);

#endif
