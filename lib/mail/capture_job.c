/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_job - the spool payload of a captured email; see capture_job.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "capture_job.h"
#include "content_key.h"
#include "hex.h"
#include "msg.h"
#include "proxy_address.h"
#include "utf8.h"
#include "xalloc.h"

static void sha256_hex(const void *data, size_t len, struct buf *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;

    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1)
        msg_panic("EVP_Digest(sha256) failed");
    hex_append(out, md, md_len);
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
        struct buf *key = buf_create(CONTENT_KEY_HEX_LEN + 1);

        buf_printf(out, "%s %s:%s", sid, content_key(raw, raw_len, key)
                   ? "content" : "sha256", key->data);
        buf_free(key);
    }
}

/* json_dump_callback() into a buf. */
static int buf_dump_callback(const char *text, size_t size, void *data)
{
    buf_append((struct buf *) data, text, size);
    return 0;
}

void capture_job_encode(const struct capture_job_info *info,
                        const struct capture *cap, size_t raw_len,
                        struct buf *out)
{
    struct buf *sender = buf_create(64), *proxy = buf_create(64);
    struct buf *queue_id = buf_create(16);
    json_t *obj;

    /* SMTP hands us bytes: keep the JSON valid whatever they are. */
    utf8_sanitize_append(info->envelope_sender, strlen(info->envelope_sender),
                         sender);
    utf8_sanitize_append(info->proxy_address, strlen(info->proxy_address),
                         proxy);
    if (info->queue_id)
        utf8_sanitize_append(info->queue_id, strlen(info->queue_id), queue_id);
    obj = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:o, s:I}",
                    "version", CAPTURE_JOB_VERSION,
                    "conversation_sid", info->conversation_sid,
                    "proxy_address", proxy->data,
                    "envelope_sender", sender->data,
                    "queue_id", queue_id->data,
                    "received", (json_int_t) info->received,
                    "capture", capture_to_json(cap, 1),
                    "raw_size", (json_int_t) raw_len);
    if (obj != NULL && info->bounce_tag != NULL
        && json_object_set_new(obj, "bounce_tag",
                               json_string(info->bounce_tag)) < 0)
        msg_panic("capture_job_encode: bad bounce tag");
    if (obj == NULL)
        msg_panic("capture_job_encode: json_pack failed (bad UTF-8?)");
    /* Compact JSON escapes every newline: the first one ends it. */
    if (json_dump_callback(obj, buf_dump_callback, out,
                           JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
        msg_panic("capture_job_encode: json_dumps failed");
    buf_append_char(out, '\n');
    json_decref(obj);
    buf_free(sender);
    buf_free(proxy);
    buf_free(queue_id);
}

/* Version 1 kept the raw message in the JSON, base64-encoded. */
static int decode_raw_v1(json_t *obj, struct capture_job *job,
                         struct buf *why)
{
    json_t *raw = json_object_get(obj, "raw");

    if (!json_is_string(raw)) {
        buf_append_str(why, "capture job: version 1 without raw");
        return -1;
    }
    if (base64_decode(json_string_value(raw), json_string_length(raw),
                      &job->raw, &job->raw_len) < 0) {
        buf_append_str(why, "capture job: raw is not base64");
        return -1;
    }
    return 0;
}

/* Version 2 keeps it after the JSON's line, as it came. */
static int decode_raw_v2(json_t *obj, const unsigned char *rest,
                         size_t rest_len, struct capture_job *job,
                         struct buf *why)
{
    json_t *size = json_object_get(obj, "raw_size");

    if (!json_is_integer(size) || json_integer_value(size) < 0
        || (uint64_t) json_integer_value(size) != rest_len) {
        buf_printf(why, "capture job: raw_size does not match the %zu "
                   "bytes after the JSON", rest_len);
        return -1;
    }
    job->raw = xmalloc(rest_len + 1);
    memcpy(job->raw, rest, rest_len);
    job->raw_len = rest_len;
    return 0;
}

static int decode_capture(const json_t *capture, struct capture_job *job,
                          struct buf *why)
{
    struct buf *reason = buf_create(128);
    int rc = capture_from_json(capture, &job->capture, reason);

    if (rc < 0)
        buf_printf(why, "capture job: %s", reason->data);
    buf_free(reason);
    return rc;
}

struct capture_job *capture_job_decode(const void *payload, size_t len,
                                       struct buf *why)
{
    const unsigned char *data = payload, *nl;
    json_error_t err;
    json_t *obj, *capture;
    const char *sid, *proxy, *sender, *queue_id, *bounce_tag = "";
    json_int_t version, received;
    struct capture_job *job;
    size_t json_len = len;
    int rc;

    /* Version 2: one line of JSON, then the message; version 1: JSON. */
    if ((nl = memchr(data, '\n', len)) != NULL)
        json_len = (size_t) (nl - data);
    if ((obj = json_loadb(payload, json_len, JSON_REJECT_DUPLICATES,
                          &err)) == NULL) {
        buf_printf(why, "capture job: bad JSON at position %d: %s",
                   err.position, err.text);
        return NULL;
    }
    if (json_unpack_ex(obj, &err, 0,
                       "{s:I, s:s, s:s, s:s, s:s, s:I, s?s, s:o}",
                       "version", &version, "conversation_sid", &sid,
                       "proxy_address", &proxy, "envelope_sender", &sender,
                       "queue_id", &queue_id, "received", &received,
                       "bounce_tag", &bounce_tag, "capture", &capture) < 0) {
        buf_printf(why, "capture job: %s", err.text);
        json_decref(obj);
        return NULL;
    }
    if ((version != 1 && version != 2) || !conversation_sid_valid(sid)
        || !json_is_object(capture)
        || json_object_size(obj) != 8 + (json_object_get(obj, "bounce_tag")
                                         != NULL)) {
        buf_printf(why, "capture job: %s",
                   version != 1 && version != 2 ? "unknown version"
                   : !json_is_object(capture) ? "capture is not an object"
                   : !conversation_sid_valid(sid) ? "bad conversation_sid"
                   : "unknown members");
        json_decref(obj);
        return NULL;
    }
    job = xcalloc(1, sizeof(*job));
    if (version == 1 && nl != NULL && json_len + 1 < len) {
        buf_append_str(why, "capture job: bytes after the JSON");
        rc = -1;
    } else if (version == 1) {
        rc = decode_raw_v1(obj, job, why);
    } else if (nl == NULL) {
        buf_append_str(why, "capture job: no raw message after the JSON");
        rc = -1;
    } else {
        rc = decode_raw_v2(obj, nl + 1, len - json_len - 1, job, why);
    }
    if (rc == 0)
        rc = decode_capture(capture, job, why);
    if (rc < 0) {
        free(job->raw);
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
    capture_free(job->capture);
    free(job->raw);
    free(job);
}
