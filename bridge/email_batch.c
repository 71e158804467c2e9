/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_batch - coalescing and the rate limit as a decision; see
 * email_batch.h.
 */
#include "email_batch.h"
#include "email_rate.h"

/* How many of sent lie in the hour before t: (t - window, t]. */
static size_t within_hour(const time_t *sent, size_t nsent, time_t t)
{
    size_t i, inside = 0;

    for (i = 0; i < nsent; i++)
        if (sent[i] > t - EMAIL_RATE_WINDOW && sent[i] <= t)
            inside++;
    return inside;
}

time_t email_batch_rate_next(const time_t *sent, size_t nsent,
                             long rate_limit, time_t t)
{
    size_t i, inside = 0, first = 0;

    if (rate_limit <= 0)
        return t;
    /* The emails in (t - window, t]: sent is oldest first. */
    for (i = 0; i < nsent; i++) {
        if (sent[i] > t)
            break;
        if (sent[i] > t - EMAIL_RATE_WINDOW) {
            if (inside == 0)
                first = i;
            inside++;
        }
    }
    if (inside < (size_t) rate_limit)
        return t;
    /* The limit-th newest of them must age out first. */
    return sent[first + inside - (size_t) rate_limit] + EMAIL_RATE_WINDOW;
}

void email_batch_plan(const time_t *pending, size_t n, long delay,
                      long limit, const time_t *sent, size_t nsent,
                      long rate_limit, time_t now,
                      struct email_batch_plan *plan)
{
    size_t k = 1;
    time_t due, allowed;

    if (n == 0) {               /* nothing waits: the caller's to avoid */
        plan->action = EMAIL_BATCH_WAIT;
        plan->until = now;
        plan->count = 0;
        return;
    }
    while (delay > 0 && k < n && k < EMAIL_BATCH_MAX
           && pending[k] - pending[k - 1] <= delay
           && pending[k] - pending[0] <= limit)
        k++;
    due = pending[k - 1] + delay;
    if (pending[0] + limit < due)
        due = pending[0] + limit;
    if (k < n || k == EMAIL_BATCH_MAX)     /* closed, or full */
        due = pending[k - 1] < due ? pending[k - 1] : due;
    plan->count = k;
    if (due > now) {
        plan->action = EMAIL_BATCH_WAIT;
        plan->until = due;
        return;
    }
    allowed = email_batch_rate_next(sent, nsent, rate_limit, now);
    if (allowed > now) {
        plan->action = EMAIL_BATCH_RATE_LIMITED;
        plan->until = allowed;
        plan->count = n < EMAIL_BATCH_MAX ? n : EMAIL_BATCH_MAX;
        return;
    }
    /* The last email the limit allows for now: all that waits goes. */
    if (rate_limit > 0 && within_hour(sent, nsent, now) + 1
        >= (size_t) rate_limit)
        plan->count = n < EMAIL_BATCH_MAX ? n : EMAIL_BATCH_MAX;
    plan->action = EMAIL_BATCH_SEND;
    plan->until = now;
}
