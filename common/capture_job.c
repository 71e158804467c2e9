/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_job - the spool payload of a captured email; see capture_job.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "capture_job.h"
#include "msg.h"
#include "proxy_address.h"
#include "utf8.h"
#include "xalloc.h"

static void sha256_hex(const void *data, size_t len, struct buf *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len, i;

    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1)
        msg_panic("EVP_Digest(sha256) failed");
    for (i = 0; i < md_len; i++)
        buf_printf(out, "%02x", md[i]);
}

void capture_job_key(const char *sid, const struct capture *cap,
                     const void *raw, size_t raw_len, struct buf *out)
{
    const char *mid = cap->message_id;

    if (mid != NULL && *mid != '\0' && strlen(mid) <= CAPTURE_KEY_MID_MAX) {
        buf_printf(out, "%s mid:%s", sid, mid);
    } else if (mid != NULL && *mid != '\0') {
        buf_printf(out, "%s mid-sha256:", sid);     /* a hostile length */
        sha256_hex(mid, strlen(mid), out);
    } else {
        buf_printf(out, "%s sha256:", sid);
        sha256_hex(raw, raw_len, out);
    }
}

void capture_job_encode(const struct capture_job_info *info,
                        const struct capture *cap, const void *raw,
                        size_t raw_len, struct buf *out)
{
    struct buf *sender = buf_create(64), *proxy = buf_create(64);
    struct buf *queue_id = buf_create(16);
    json_t *obj;
    char *text;

    /* SMTP hands us bytes: keep the JSON valid whatever they are. */
    utf8_sanitize_append(info->envelope_sender, strlen(info->envelope_sender),
                         sender);
    utf8_sanitize_append(info->proxy_address, strlen(info->proxy_address),
                         proxy);
    if (info->queue_id)
        utf8_sanitize_append(info->queue_id, strlen(info->queue_id), queue_id);
    obj = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:o}",
                    "version", 1,
                    "conversation_sid", info->conversation_sid,
                    "proxy_address", proxy->data,
                    "envelope_sender", sender->data,
                    "queue_id", queue_id->data,
                    "received", (json_int_t) info->received,
                    "capture", capture_to_json(cap, 1));
    if (obj != NULL && info->bounce_tag != NULL)
        json_object_set_new(obj, "bounce_tag", json_string(info->bounce_tag));
    if (obj == NULL)
        msg_panic("capture_job_encode: json_pack failed (bad UTF-8?)");
    if ((text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
        msg_panic("capture_job_encode: json_dumps failed");
    /*
     * "raw" last, spliced in: base64 needs no JSON escaping, and passing a
     * whole message through jansson (UTF-8 check, escaping, copies) cost
     * more than parsing the message did.
     */
    buf_append(out, text, strlen(text) - 1);        /* without the "}" */
    buf_append_str(out, ",\"raw\":\"");
    base64_encode(raw, raw_len, out);
    buf_append_str(out, "\"}");
    free(text);
    json_decref(obj);
    buf_free(sender);
    buf_free(proxy);
    buf_free(queue_id);
}

struct capture_job *capture_job_decode(const void *payload, size_t len,
                                       struct buf *why)
{
    json_error_t err;
    json_t *obj, *capture;
    const char *sid, *proxy, *sender, *queue_id, *raw, *bounce_tag = "";
    size_t raw_len;
    json_int_t version, received;
    struct capture_job *job;

    if ((obj = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
        buf_printf(why, "capture job: bad JSON at position %d: %s",
                   err.position, err.text);
        return NULL;
    }
    if (json_unpack_ex(obj, &err, JSON_STRICT,
                       "{s:I, s:s, s:s, s:s, s:s, s:I, s?s, s:o, s:s%}",
                       "version", &version, "conversation_sid", &sid,
                       "proxy_address", &proxy, "envelope_sender", &sender,
                       "queue_id", &queue_id, "received", &received,
                       "bounce_tag", &bounce_tag,
                       "capture", &capture, "raw", &raw, &raw_len) < 0) {
        buf_printf(why, "capture job: %s", err.text);
        json_decref(obj);
        return NULL;
    }
    if (version != 1 || !conversation_sid_valid(sid)
        || !json_is_object(capture)) {
        buf_printf(why, "capture job: %s", version != 1 ? "unknown version"
                   : !json_is_object(capture) ? "capture is not an object"
                   : "bad conversation_sid");
        json_decref(obj);
        return NULL;
    }
    job = xcalloc(1, sizeof(*job));
    if (base64_decode(raw, raw_len, &job->raw, &job->raw_len) < 0) {
        buf_append_str(why, "capture job: raw is not base64");
        free(job);
        json_decref(obj);
        return NULL;
    }
    job->conversation_sid = xstrdup(sid);
    job->proxy_address = xstrdup(proxy);
    job->envelope_sender = xstrdup(sender);
    job->queue_id = xstrdup(queue_id);
    job->received = (time_t) received;
    job->bounce_tag = xstrdup(bounce_tag);
    job->capture = json_incref(capture);
    json_decref(obj);
    return job;
}

void capture_job_free(struct capture_job *job)
{
    if (job == NULL)
        return;
    free(job->conversation_sid);
    free(job->proxy_address);
    free(job->envelope_sender);
    free(job->queue_id);
    free(job->bounce_tag);
    json_decref(job->capture);
    free(job->raw);
    free(job);
}
