/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_rate - the rate limits at the MX, so that floods to one
 * conversation and the guessing of proxy addresses are slowed while nothing
 * legitimate is lost (a 450 makes the sending MTA retry later):
 *
 *  - capture_rate_limit: captures per conversation per hour.  A capture
 *    counts when it is durably spooled (milter_rate_captured(), not for a
 *    duplicate); a proxy recipient whose conversation is at its limit is
 *    answered 450 4.7.1 at RCPT.  Several sessions in flight at once can
 *    each pass RCPT before any of them counts, so a burst may pass the
 *    limit by the number of concurrent sessions.
 *  - rcpt_failure_limit: proxy recipients refused with 550 5.1.1 per client
 *    IP per minute (milter_rate_refused()).  Once an IP has reached it,
 *    every recipient in a proxy domain from it, valid or not, is answered
 *    450 4.7.1 until its minute has passed.  A client whose IP is unknown
 *    (no TCP connection) is not limited.
 *
 * Recipients outside the proxy domains never reach this module.  A limit
 * of 0 turns its check off.  The counters are rate_limit.h tables (fixed
 * windows, bounded by the MAX_* below, oldest dropped when full) that live
 * in milter_ctx; they have their own locks, so every libmilter thread may
 * call in.  Log lines name the queue ID, the client and the conversation
 * SID, never an address.
 */
#include <stdio.h>
#include <time.h>

#include "milter.h"
#include "msg.h"

#define CAPTURE_WINDOW        3600      /* capture_rate_limit: per hour */
#define RCPT_FAILURE_WINDOW   60        /* rcpt_failure_limit: per minute */
#define MAX_CONVERSATIONS     20000     /* keys held, each ~100 bytes */
#define MAX_CLIENTS           20000

void milter_rate_configure(struct milter_context *context,
                           const struct config *cfg)
{
    if (context->capture_rate == NULL) {
        context->capture_rate = rate_limit_create(cfg->capture_rate_limit,
                                                  CAPTURE_WINDOW,
                                                  MAX_CONVERSATIONS);
        context->rcpt_failures = rate_limit_create(cfg->rcpt_failure_limit,
                                                   RCPT_FAILURE_WINDOW,
                                                   MAX_CLIENTS);
        return;
    }
    rate_limit_set_limit(context->capture_rate, cfg->capture_rate_limit);
    rate_limit_set_limit(context->rcpt_failures, cfg->rcpt_failure_limit);
}

sfsistat milter_rate_rcpt(SMFICTX *ctx, struct milter_conn *conn,
                          const char *address, enum proxy_status status,
                          const char *sid)
{
    time_t now = time(NULL);
    char text[512];

    if (conn->client_addr != NULL
        && rate_limit_reached(milter_ctx->rcpt_failures, conn->client_addr,
                              now)) {
        const char *queue_id = milter_queue_id(ctx);

        msg_info("%s: reject: RCPT from %s: 450 4.7.1 too many unknown "
                 "recipients from %s (rcpt_failure_limit %ld per minute)",
                 queue_id, conn->client, conn->client_addr,
                 rate_limit_limit(milter_ctx->rcpt_failures));
        snprintf(text, sizeof(text), "too many unknown recipients from %s; "
                 "try again later", conn->client_addr);
        milter_setreply(ctx, queue_id, "450", "4.7.1", text);
        return SMFIS_TEMPFAIL;
    }
    if (status == PROXY_OK
        && rate_limit_reached(milter_ctx->capture_rate, sid, now)) {
        const char *queue_id = milter_queue_id(ctx);

        msg_info("%s: reject: RCPT from %s: 450 4.7.1 conversation %s: too "
                 "many messages (capture_rate_limit %ld per hour)", queue_id,
                 conn->client, sid,
                 rate_limit_limit(milter_ctx->capture_rate));
        snprintf(text, sizeof(text), "<%.300s>: too many messages to this "
                 "conversation; try again later", address);
        milter_setreply(ctx, queue_id, "450", "4.7.1", text);
        return SMFIS_TEMPFAIL;
    }
    return SMFIS_CONTINUE;
}

void milter_rate_refused(SMFICTX *ctx, struct milter_conn *conn)
{
    struct rate_limit *rl = milter_ctx->rcpt_failures;

    long n;

    if (conn->client_addr == NULL)
        return;
    n = rate_limit_add(rl, conn->client_addr, time(NULL));
    if (n > 0 && n == rate_limit_limit(rl))
        msg_warn("%s: client %s reached rcpt_failure_limit (%ld refused "
                 "proxy recipients per minute): its proxy recipients get "
                 "450 4.7.1 until the minute has passed",
                 milter_queue_id(ctx), conn->client, rate_limit_limit(rl));
}

void milter_rate_captured(const char *queue_id, const char *sid)
{
    struct rate_limit *rl = milter_ctx->capture_rate;
    long n = rate_limit_add(rl, sid, time(NULL));

    if (n > 0 && n == rate_limit_limit(rl))
        msg_info("%s: conversation %s reached capture_rate_limit (%ld "
                 "captures per hour): its proxy address gets 450 4.7.1 "
                 "until the hour has passed", queue_id, sid,
                 rate_limit_limit(rl));
}
