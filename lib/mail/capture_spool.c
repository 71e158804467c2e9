/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_spool - capture one message for its proxy recipients into the
 * spool; see capture_spool.h.  The milter and `postmaskctl capture` both
 * come through here, so the two paths cannot drift apart.
 */
#include <string.h>

#include "bounce_tag.h"
#include "buf.h"
#include "capture_intake.h"
#include "capture_job.h"
#include "capture_spool.h"
#include "msg.h"

enum proxy_status capture_spool_rcpt(const struct address_keys *keys,
                                     const char *const *domains,
                                     size_t domain_count, const char *address,
                                     long lifetime, time_t now,
                                     struct capture_spool_rcpt *r)
{
    enum proxy_status status;

    r->address = address;
    r->bounce_tag = BOUNCE_TAG_NONE;
    status = proxy_address_decode(keys, domains, domain_count, address,
                                  r->sid);
    if (status == PROXY_OK)
        r->bounce_tag = (int) bounce_tag_verify(keys, address, now, lifetime);
    return status;
}

/* Was the conversation of rcpts[i] already seen in rcpts[0..i)? */
static int seen_before(const struct capture_spool_rcpt *rcpts, size_t i)
{
    size_t j;

    for (j = 0; j < i; j++)
        if (strcmp(rcpts[j].sid, rcpts[i].sid) == 0)
            return 1;
    return 0;
}

/*
 * The recipient of rcpts[i]'s conversation to capture for: one whose bounce
 * tag verified, if any, else rcpts[i].  A message from the null sender
 * counts only with a valid tag (a delivery report or an auto-reply of mail
 * we sent): without one, NULL, after logging the discard.
 */
static const struct capture_spool_rcpt *
capture_rcpt(const struct capture_spool_msg *m,
             const struct capture_spool_rcpt *rcpts, size_t count, size_t i,
             struct capture_spool_stats *stats)
{
    int status = BOUNCE_TAG_NONE;
    size_t j;

    for (j = i; j < count; j++) {
        if (strcmp(rcpts[j].sid, rcpts[i].sid) != 0)
            continue;
        if (rcpts[j].bounce_tag == BOUNCE_TAG_OK)
            return &rcpts[j];
        if (status == BOUNCE_TAG_NONE)
            status = rcpts[j].bounce_tag;
    }
    if (m->sender != NULL && *m->sender != '\0')
        return &rcpts[i];
    msg_info("%s: discard: null sender to conversation %s: no valid bounce "
             "tag (%s)", m->queue_id, rcpts[i].sid,
             bounce_tag_status_name((enum bounce_tag_status) status));
    stats->discarded++;
    stats->bounce_tag = status;
    return NULL;
}

/*
 * Spools the capture for one conversation, through the bridge's intake
 * when *intake_dir is set and a bridge listens there (when none does, or
 * it fails, *intake_dir is cleared: the message's other conversations
 * go to the spool at once): 0, or -1 after logging.
 */
static int spool_capture(struct spool *spool, const char **intake_dir,
                         const struct capture_spool_msg *m,
                         const struct capture *cap,
                         const struct capture_spool_rcpt *r,
                         void (*on_captured)(const char *, const char *),
                         struct capture_spool_stats *stats)
{
    struct capture_job_info info;
    struct buf *key = buf_create(128), *payload = buf_create(4096);
    struct buf *why = buf_create(128);
    char id[SPOOL_ID_LEN + 1];
    int absent;
    int rc;

    info.conversation_sid = r->sid;
    info.proxy_address = r->address;
    info.envelope_sender = m->sender ? m->sender : "";
    info.queue_id = m->queue_id;
    info.received = time(NULL);
    info.bounce_tag = r->bounce_tag == BOUNCE_TAG_NONE ? NULL
        : bounce_tag_status_name((enum bounce_tag_status) r->bounce_tag);
    capture_job_key(r->sid, cap, m->raw, m->raw_len, key);
    capture_job_encode(&info, cap, m->raw_len, payload);
    rc = -1;
    /* Too large for any job: the spool says so, in its words. */
    if (*intake_dir != NULL && payload->len + m->raw_len <= SPOOL_PAYLOAD_MAX
        && (rc = capture_intake_submit(*intake_dir, CAPTURE_INTAKE_WAIT_MS,
                                       key->data, payload->data, payload->len,
                                       m->raw, m->raw_len, id, &absent,
                                       why)) < 0) {
        if (!absent)
            msg_warn("%s: conversation %s: the bridge did not take the "
                     "capture (%s): writing it to the spool", m->queue_id,
                     r->sid, why->data);
        buf_reset(why);
        *intake_dir = NULL;     /* the rest of this message: no waiting */
    }
    if (rc < 0)
        rc = spool_enqueue_tail(spool, CAPTURE_JOB_KIND, key->data,
                                payload->data, payload->len, m->raw,
                                m->raw_len, id, why);
    if (rc == SPOOL_ACCEPTED || rc == SPOOL_DUPLICATE) {
        memcpy(stats->job, id, sizeof(stats->job));
        if (rc == SPOOL_ACCEPTED)
            stats->captured++;
        else
            stats->duplicates++;
    } else if (stats->why != NULL) {
        buf_append_str(stats->why, why->data);
    }
    if (rc == SPOOL_ACCEPTED) {
        msg_info("%s: captured: conversation %s, %s, job %s", m->queue_id,
                 r->sid, capture_class_name(cap->classification), id);
        if (on_captured != NULL)
            on_captured(m->queue_id, r->sid);
    } else if (rc == SPOOL_DUPLICATE)
        msg_info("%s: duplicate: conversation %s, already captured as job %s",
                 m->queue_id, r->sid, id);
    else
        msg_warn("%s: tempfail: conversation %s: cannot spool the capture: %s",
                 m->queue_id, r->sid, why->data);
    buf_free(key);
    buf_free(payload);
    buf_free(why);
    return rc < 0 ? -1 : 0;
}

enum capture_spool_result capture_spool_message(
    struct spool *spool, const char *intake_dir,
    const struct capture_options *opts,
    const struct capture_spool_msg *m, const struct capture_spool_rcpt *rcpts,
    size_t count, void (*on_captured)(const char *queue_id, const char *sid),
    struct capture_spool_stats *stats)
{
    struct capture *cap;
    struct buf *why = buf_create(128);
    const struct capture_spool_rcpt *r;
    size_t i;

    stats->captured = stats->duplicates = stats->discarded = 0;
    stats->job[0] = '\0';
    stats->bounce_tag = BOUNCE_TAG_NONE;
    if (capture_parse(m->raw, m->raw_len, m->sender ? m->sender : "", opts,
                      &cap, why) < 0) {
        msg_warn("%s: tempfail: cannot parse the message to a proxy "
                 "address: %s", m->queue_id, why->data);
        if (stats->why != NULL)
            buf_printf(stats->why, "cannot parse the message: %s", why->data);
        buf_free(why);
        return CAPTURE_SPOOL_PARSE;
    }
    buf_free(why);
    for (i = 0; i < count; i++) {
        if (seen_before(rcpts, i)
            || (r = capture_rcpt(m, rcpts, count, i, stats)) == NULL)
            continue;
        if (spool_capture(spool, &intake_dir, m, cap, r, on_captured,
                          stats) < 0) {
            capture_free(cap);
            return CAPTURE_SPOOL_WRITE;
        }
    }
    capture_free(cap);
    return CAPTURE_SPOOL_OK;
}
