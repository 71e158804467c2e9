/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_job - the spool payload of a captured email (job kind "capture"):
 * the milter writes it, the bridge reads it.
 *
 * The payload (version 2) is one line of JSON, then the message:
 *   {"version": 2,
 *    "conversation_sid": "CH...", "proxy_address": "k1-...@reply.example.com",
 *    "envelope_sender": "..." ("" for the null sender),
 *    "queue_id": "..." (Postfix's, or "" when unknown),
 *    "received": <unix time>,
 *    "bounce_tag": "valid" | "expired" | "forged" | "malformed" (only when
 *                  the proxy recipient carried a "+b" tag, bounce_tag.h;
 *                  "valid": it verified and had not expired),
 *    "capture": capture_to_json(cap, 1)   (attachments with their data),
 *    "raw_size": <bytes of the message>}
 *   LF, then the whole message as it came, raw_size bytes
 * so that a capture can be parsed again after a fix, and an admin reading
 * the job sees the message itself.  The JSON is compact, so its first LF
 * ends it.  Version 1, still read, had no raw_size and no LF: the message
 * was its member "raw", base64-encoded.
 *
 * capture_job_key() appends the dedupe key of a capture for one
 * conversation: "SID mid:<Message-ID>" or, without a Message-ID,
 * "SID content:<content_key() of the raw message>" (content_key.h: what
 * the MTAs on the way do not change, so that the copies two MX hosts
 * captured have one key; "SID sha256:<the same>" when the message has no
 * Date either, and the key is the raw bytes' hash; a Message-ID longer than
 * CAPTURE_KEY_MID_MAX gives "SID mid-sha256:<hex of it>", within the
 * spool's key limit), so a message sent again is not
 * captured twice and the same message to two conversations is captured
 * once for each.
 *
 * capture_job_encode() appends the payload's JSON line (LF included) to
 * out: the caller stores the raw_len bytes of the message right after it
 * (spool_enqueue_tail()), so the message is never copied.
 * capture_job_decode() parses a payload of either version, its capture
 * with capture_from_json() (capture.h: what it accepts; a version 1 job's
 * capture may lack the members added since, and still reads); it returns
 * a job the caller frees with capture_job_free(), or NULL with the reason
 * in why (a capture that does not read is refused, with its reason).
 */
#ifndef POSTMASK_CAPTURE_JOB_H
#define POSTMASK_CAPTURE_JOB_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "capture.h"

#define CAPTURE_JOB_KIND  "capture"
#define CAPTURE_JOB_VERSION  2
#define CAPTURE_KEY_MID_MAX  900   /* longer Message-IDs are hashed */

struct capture_job_info {
    const char *conversation_sid;
    const char *proxy_address;
    const char *envelope_sender;
    const char *queue_id;
    time_t received;
    const char *bounce_tag;     /* bounce_tag_status_name() of the tag of
                                 * the recipient, or NULL: none */
};

struct capture_job {
    char *conversation_sid;
    char *proxy_address;
    char *envelope_sender;
    char *queue_id;
    time_t received;
    char *bounce_tag;           /* "valid", "expired", ...; "" when none */
    struct capture *capture;    /* owned; attachments with their bytes */
    unsigned char *raw;         /* owned */
    size_t raw_len;
};

void capture_job_key(const char *sid, const struct capture *cap,
                     const void *raw, size_t raw_len, struct buf *out);
void capture_job_encode(const struct capture_job_info *info,
                        const struct capture *cap, size_t raw_len,
                        struct buf *out);
struct capture_job *capture_job_decode(const void *payload, size_t len,
                                       struct buf *why);
void capture_job_free(struct capture_job *job);

#endif
