/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_faults - the queue of injected faults: the next N calls of an
 * operation (or of any operation) fail the way Twilio can fail.
 *
 * si_faults_add() queues a fault: op is an operation name of
 * si_faults_operation_ok() or "any"; kind is "404" (20404: the resource
 * is gone, as a medium whose message was deleted), "429" (20429),
 * "500" (20500), "503" (20503), "hang" (no answer at all, the connection
 * stays open so that the client's timeout fires), "hang_applied" (the
 * operation is carried out, then no answer: a POST that timed out but was
 * applied) or "slow" (the request waits delay seconds, 1 to 600, and is
 * then carried out and answered as usual: a Twilio under load, and a
 * window in which a test changes what the answer will hold); count >= 1;
 * retry_after is the Retry-After header in seconds for 429 and 503, or -1
 * for none; delay is 0 for every kind but "slow".  Faults are matched in the order added;
 * si_faults_take() consumes one call of the first fault that matches op
 * and returns it (valid until the next call into this module), or NULL.
 *
 * The queue belongs to its creator: si_faults_free(); si_faults_reset()
 * empties it.
 */
#ifndef STANDIN_FAULTS_H
#define STANDIN_FAULTS_H

#include "buf.h"

struct si_fault {
    char *op;
    char *kind;
    long count;
    long retry_after;
    long delay;                 /* seconds, "slow" only */
    struct si_fault *next;
};

struct si_faults *si_faults_create(void);
void si_faults_free(struct si_faults *faults);
void si_faults_reset(struct si_faults *faults);

/* 1 when name is an operation faults can name (including "any"). */
int si_faults_operation_ok(const char *name);
int si_faults_add(struct si_faults *faults, const char *op, const char *kind,
                  long count, long retry_after, long delay,
                 struct buf *why);
const struct si_fault *si_faults_take(struct si_faults *faults,
                                      const char *op);

#endif
