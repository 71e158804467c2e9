/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_json - a capture as a JSON object; see capture.h for its shape.
 *
 * Keys come in the order capture.h lists them.  Absent strings are null;
 * "content_id" appears only when an attachment has one, "data" (base64,
 * standard alphabet, no line breaks) only with with_data and a kept file,
 * "bounce" only for a bounce; "inline" and "forward_dropped" are always
 * there, true or false.  The capture's strings are valid UTF-8
 * (capture.c makes them so); should one not be, it is repaired here rather
 * than dropped.  Out of memory in jansson is fatal, as in xalloc.h.  The
 * caller owns the returned reference.
 */
#include <string.h>

#include "base64.h"
#include "capture.h"
#include "msg.h"
#include "utf8.h"

static json_t *checked(json_t *value)
{
    if (value == NULL)
        msg_fatal("capture_to_json: out of memory");
    return value;
}

static void set(json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, checked(value)) != 0)
        msg_fatal("capture_to_json: cannot set \"%s\"", key);
}

static json_t *string_or_null(const char *s)
{
    json_t *value;
    struct buf *fixed;

    if (s == NULL)
        return json_null();
    if ((value = json_string(s)) != NULL)
        return value;
    fixed = buf_create(strlen(s) + 16);
    utf8_sanitize_append(s, strlen(s), fixed);
    value = json_stringn(fixed->data, fixed->len);
    buf_free(fixed);
    return value;
}

static json_t *attachment_json(const struct capture_attachment *a,
                               int with_data)
{
    json_t *obj = checked(json_object());

    set(obj, "name", string_or_null(a->name ? a->name : ""));
    set(obj, "type", string_or_null(a->type ? a->type : ""));
    set(obj, "size", json_integer((json_int_t) a->size));
    set(obj, "inline", json_boolean(a->is_inline));
    set(obj, "kept", json_boolean(a->kept));
    if (a->content_id != NULL)
        set(obj, "content_id", string_or_null(a->content_id));
    if (with_data && a->kept) {
        struct buf *b64 = buf_create(a->size / 3 * 4 + 16);

        base64_encode(a->data, a->size, b64);
        set(obj, "data", json_stringn(b64->data, b64->len));
        buf_free(b64);
    }
    return obj;
}

json_t *capture_to_json(const struct capture *cap, int with_data)
{
    json_t *obj = checked(json_object());
    json_t *from = checked(json_object());
    json_t *list = checked(json_array());
    json_t *files = checked(json_array());
    size_t i;

    set(obj, "classification",
        json_string(capture_class_name(cap->classification)));
    set(obj, "auto_reply_reason", string_or_null(cap->auto_reply_reason));
    set(from, "address", string_or_null(cap->from_address));
    set(from, "name", string_or_null(cap->from_name));
    set(obj, "from", from);
    set(obj, "subject", string_or_null(cap->subject));
    set(obj, "message_id", string_or_null(cap->message_id));
    set(obj, "in_reply_to", string_or_null(cap->in_reply_to));
    set(obj, "references", string_or_null(cap->references));
    for (i = 0; i < cap->auth_results_count; i++)
        if (json_array_append_new(list,
                                  checked(string_or_null(cap->auth_results[i])))
            != 0)
            msg_fatal("capture_to_json: out of memory");
    set(obj, "authentication_results", list);
    set(obj, "dkim", string_or_null(cap->dkim_result));
    set(obj, "spf", string_or_null(cap->spf_result));
    set(obj, "dmarc", string_or_null(cap->dmarc_result));
    {
        json_t *auth = checked(json_object());

        set(auth, "method", string_or_null(cap->auth_method));
        set(auth, "detail", string_or_null(cap->auth_detail));
        set(obj, "sender_authentication", auth);
    }
    set(obj, "text", string_or_null(cap->text ? cap->text : ""));
    set(obj, "inline", json_boolean(cap->reply_inline));
    set(obj, "forward_dropped", json_boolean(cap->forward_dropped));
    for (i = 0; i < cap->attachment_count; i++)
        if (json_array_append_new(files,
                                  attachment_json(&cap->attachments[i],
                                                  with_data)) != 0)
            msg_fatal("capture_to_json: out of memory");
    set(obj, "attachments", files);
    set(obj, "structure_error", string_or_null(cap->structure_error));
    if (cap->classification == CAPTURE_BOUNCE) {
        json_t *bounce = checked(json_object());

        set(bounce, "recipient", string_or_null(cap->bounce_recipient));
        set(bounce, "status", string_or_null(cap->bounce_status));
        set(bounce, "diagnostic", string_or_null(cap->bounce_diagnostic));
        set(obj, "bounce", bounce);
    }
    return obj;
}
