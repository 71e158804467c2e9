/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics - counters and gauges of the bridge, in Prometheus text format.
 *
 * A metric is a name plus label pairs; metrics_add() adds to a counter,
 * metrics_set() sets a gauge, creating either on first use.  Names and
 * label names are fixed strings in the code; label values are escaped as
 * the exposition format requires.  metrics_render() writes the text of
 * GET /metrics (HELP and TYPE lines, then the series, sorted).
 *
 * The metrics the bridge keeps:
 *   postmask_http_requests_total{route,status}     counter
 *   postmask_http_dropped_replies_total{route}     counter
 *   postmask_twilio_requests_total{operation,status}   counter (per try)
 *   postmask_twilio_retries_total{operation}       counter
 *   postmask_spool_jobs{state}                     gauge
 *   postmask_http_connections                      gauge
 *   postmask_twilio_pending_requests               gauge
 *   postmask_catchup_messages_total                counter (catchup.h)
 *   postmask_catchup_passes_total{result}          counter
 *   postmask_email_rate_limited_total              counter (sync_email.c)
 *   postmask_emails_sent_total                     counter
 *   postmask_email_messages_total                  counter
 *   postmask_replies_held_total{reason}            counter (sync_reply.c)
 * status is the HTTP status as text, "0" for no answer.
 *
 * Ownership: one struct metrics per process, created and freed by main().
 */
#ifndef POSTMASK_METRICS_H
#define POSTMASK_METRICS_H

#include "buf.h"

struct metrics;

struct metrics *metrics_create(void);
void metrics_free(struct metrics *m);

/* Describes a metric for the HELP and TYPE lines; type "counter"/"gauge". */
void metrics_describe(struct metrics *m, const char *name, const char *type,
                      const char *help);

/*
 * labels: NULL-terminated list of alternating label names and values,
 * e.g. (const char *[]){"route", "conversations", "status", "201", NULL}.
 */
void metrics_add(struct metrics *m, const char *name,
                 const char *const *labels, double value);
void metrics_set(struct metrics *m, const char *name,
                 const char *const *labels, double value);
/* The current value, 0 when the series does not exist (for tests). */
double metrics_get(const struct metrics *m, const char *name,
                   const char *const *labels);

void metrics_render(const struct metrics *m, struct buf *out);

#endif
