/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_health - GET /healthz and GET /metrics (bridge.h).
 *
 * GET /healthz answers 200 {"status":"ok","version":...,
 * "twilio_pending":N,"spool":{"active":N,"deferred":N,"hold":N,"dead":N}},
 * or 503 {"status":"error","message":...} when the spool directories
 * cannot be read.  GET /metrics answers the metrics in Prometheus text
 * format 0.0.4, with the gauges refreshed first: postmask_spool_jobs{state},
 * postmask_jobs_in_hand{state} (working, parked: job_runner.h) and
 * postmask_twilio_pending_requests.
 *
 * Neither asks for the API token: bind the bridge to loopback or keep them
 * behind a firewall (postmask-bridge(8)).  Spool depths are counted from
 * the state directories' entries (names that are job IDs), never by
 * reading the jobs, so that a scrape costs one directory listing per state
 * however large the jobs are.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "bridge.h"
#include "http_server.h"
#include "job_runner.h"
#include "metrics.h"
#include "msg.h"
#include "spool_writer.h"
#include "spool_job.h"
#include "twilio_client.h"

#ifndef POSTMASK_VERSION
#define POSTMASK_VERSION "unknown"
#endif

/* Counts the jobs of each state; 0, or -1 with why. */
static int spool_depths(const struct config *cfg, long counts[SPOOL_NSTATES],
                        struct buf *why)
{
    int state;

    for (state = 0; state < SPOOL_NSTATES; state++) {
        char path[PATH_MAX];
        struct dirent *de;
        DIR *dir;

        counts[state] = 0;
        snprintf(path, sizeof(path), "%s/%s", cfg->spool_directory,
                 spool_state_name((enum spool_state) state));
        if ((dir = opendir(path)) == NULL) {
            buf_printf(why, "spool: open %s: %s", path, strerror(errno));
            return -1;
        }
        while ((de = readdir(dir)) != NULL)
            if (spool_id_valid(de->d_name))
                counts[state]++;
        closedir(dir);
    }
    return 0;
}

static unsigned twilio_pending(const struct bridge *br)
{
    return br->twilio ? twilio_client_pending(br->twilio) : 0;
}

/* Journal bytes not yet made into job files (0 before the writer). */
static double journal_backlog(const struct bridge *br)
{
    return br->spool_writer ? (double) spool_writer_backlog(br->spool_writer)
        : 0;
}

static void handle_healthz(struct http_exchange *ex, void *arg)
{
    struct bridge *br = arg;
    struct buf *why = buf_create(64);
    long counts[SPOOL_NSTATES];
    json_t *spool;
    int state;

    if (spool_depths(br->cfg, counts, why) < 0) {
        msg_warn("healthz: %s", why->data);
        http_reply_json(ex, 503, json_pack("{s:s, s:s}", "status", "error",
                                           "message", why->data));
        buf_free(why);
        return;
    }
    buf_free(why);
    spool = json_object();
    for (state = 0; state < SPOOL_NSTATES; state++)
        json_object_set_new(spool, spool_state_name((enum spool_state) state),
                            json_integer(counts[state]));
    http_reply_json(ex, 200, json_pack("{s:s, s:s, s:I, s:o, s:I}",
                                       "status", "ok",
                                       "version", POSTMASK_VERSION,
                                       "twilio_pending",
                                       (json_int_t) twilio_pending(br),
                                       "spool", spool,
                                       "journal_backlog_bytes",
                                       (json_int_t) journal_backlog(br)));
}

static void handle_metrics(struct http_exchange *ex, void *arg)
{
    struct bridge *br = arg;
    struct buf *why = buf_create(64);
    struct buf *text = buf_create(4096);
    long counts[SPOOL_NSTATES];
    int state;

    if (spool_depths(br->cfg, counts, why) == 0) {
        for (state = 0; state < SPOOL_NSTATES; state++) {
            const char *labels[] = {
                "state", spool_state_name((enum spool_state) state), NULL,
            };

            metrics_set(br->metrics, "postmask_spool_jobs", labels,
                        (double) counts[state]);
        }
    } else {
        msg_warn("metrics: %s", why->data);
    }
    if (br->jobs != NULL) {
        const char *working[] = {"state", "working", NULL};
        const char *parked[] = {"state", "parked", NULL};

        metrics_set(br->metrics, "postmask_jobs_in_hand", working,
                    (double) job_runner_active(br->jobs));
        metrics_set(br->metrics, "postmask_jobs_in_hand", parked,
                    (double) job_runner_parked(br->jobs));
    }
    metrics_set(br->metrics, "postmask_twilio_pending_requests", NULL,
                (double) twilio_pending(br));
    metrics_set(br->metrics, "postmask_journal_backlog_bytes", NULL,
                journal_backlog(br));
    metrics_render(br->metrics, text);
    http_reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
               text->data, text->len);
    buf_free(text);
    buf_free(why);
}

int api_health_init(struct bridge *br, struct buf *why)
{
    if (br->http == NULL || br->metrics == NULL) {
        buf_printf(why, "api_health_init: no HTTP server or metrics");
        return -1;
    }
    metrics_describe(br->metrics, "postmask_spool_jobs", "gauge",
                     "jobs in the spool, by state (counted at scrape time)");
    metrics_describe(br->metrics, "postmask_jobs_in_hand", "gauge",
                     "jobs the bridge works on: working (in a job_concurrency "
                     "slot) or parked behind another job of their "
                     "conversation");
    metrics_describe(br->metrics, "postmask_journal_backlog_bytes", "gauge",
                     "webhook jobs in the intake journal not yet made into "
                     "job files, in bytes");
    metrics_describe(br->metrics, "postmask_twilio_pending_requests", "gauge",
                     "Twilio requests in flight or waiting for a retry");
    metrics_describe(br->metrics, "postmask_twilio_requests_total", "counter",
                     "Twilio requests, one per try, by operation and HTTP "
                     "status (0: no answer)");
    metrics_describe(br->metrics, "postmask_twilio_retries_total", "counter",
                     "Twilio requests retried, by operation");
    http_server_route(br->http, "GET", "/healthz", "healthz", handle_healthz,
                      br);
    http_server_route(br->http, "GET", "/metrics", "metrics", handle_metrics,
                      br);
    return 0;
}
