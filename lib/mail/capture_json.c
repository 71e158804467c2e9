/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_json - a capture as a JSON object, and back; see capture.h for
 * its shape and what the reader accepts.
 *
 * Writing: keys come in the order capture.h lists them.  Absent strings
 * are null; "content_id" appears only when an attachment has one, "data"
 * (base64, standard alphabet, no line breaks) only with with_data and a
 * kept file whose bytes the capture holds, "bounce" only for a bounce;
 * "inline" and "forward_dropped" are always there, true or false.  The
 * capture's strings are valid UTF-8 (capture.c makes them so); should one
 * not be, it is repaired here rather than dropped.  Out of memory in
 * jansson is fatal, as in xalloc.h.  The caller owns the returned
 * reference.
 *
 * Reading: tables of the string members (where each goes in the struct,
 * whether it may be absent or null) and of the other members of each
 * object, so that a member unknown to both is refused by name.  The
 * capture is filled in place and freed with capture_free() on the first
 * refusal: capture_free() takes a capture filled only in part.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "capture.h"
#include "msg.h"
#include "utf8.h"
#include "xalloc.h"

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
    /* Kept without data: read from a document written without it. */
    if (with_data && a->kept && a->data != NULL) {
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

#define REQUIRED  1             /* absent is refused */
#define NULLABLE  2             /* null reads as NULL */
#define COUNT(a)  (sizeof(a) / sizeof((a)[0]))

/* A string member: its key and the char * it fills in the struct. */
struct string_member {
    const char *key;
    size_t offset;
    int flags;
};

#define CAP(field)  offsetof(struct capture, field)
#define ATT(field)  offsetof(struct capture_attachment, field)

static const struct string_member top_strings[] = {
    {"auto_reply_reason", CAP(auto_reply_reason), REQUIRED | NULLABLE},
    {"subject", CAP(subject), REQUIRED},
    {"message_id", CAP(message_id), REQUIRED | NULLABLE},
    {"in_reply_to", CAP(in_reply_to), REQUIRED | NULLABLE},
    {"references", CAP(references), REQUIRED | NULLABLE},
    {"dkim", CAP(dkim_result), REQUIRED | NULLABLE},
    {"spf", CAP(spf_result), REQUIRED | NULLABLE},
    {"dmarc", CAP(dmarc_result), REQUIRED | NULLABLE},
    {"text", CAP(text), REQUIRED},
    /* Added after the first payloads were spooled: optional. */
    {"structure_error", CAP(structure_error), NULLABLE},
};

static const char *const top_other[] = {
    "classification", "from", "authentication_results",
    "sender_authentication", "inline", "forward_dropped", "attachments",
    "bounce", NULL,
};

static const struct string_member from_strings[] = {
    {"address", CAP(from_address), REQUIRED},
    {"name", CAP(from_name), REQUIRED},
};

static const struct string_member auth_strings[] = {
    {"method", CAP(auth_method), REQUIRED | NULLABLE},
    {"detail", CAP(auth_detail), REQUIRED},
};

static const struct string_member bounce_strings[] = {
    {"recipient", CAP(bounce_recipient), REQUIRED | NULLABLE},
    {"status", CAP(bounce_status), REQUIRED | NULLABLE},
    {"diagnostic", CAP(bounce_diagnostic), REQUIRED | NULLABLE},
};

static const struct string_member attachment_strings[] = {
    {"name", ATT(name), REQUIRED},
    {"type", ATT(type), REQUIRED},
    {"content_id", ATT(content_id), NULLABLE},
};

static const char *const attachment_other[] = {
    "size", "inline", "kept", "data", NULL,
};

static const char *const no_other[] = {NULL};

/* Appends why member prefix.key is refused; returns -1. */
static int refuse(struct buf *why, const char *prefix, const char *key,
                  const char *what)
{
    buf_printf(why, "capture member \"%s%s%.64s\" %s", prefix,
               *prefix ? "." : "", key, what);
    return -1;
}

/* 1: *v is member key of obj; 0: it is absent and may be; -1: refused. */
static int get(const json_t *obj, const char *prefix, const char *key,
               int required, const json_t **v, struct buf *why)
{
    if ((*v = json_object_get(obj, key)) != NULL)
        return 1;
    return required ? refuse(why, prefix, key, "is missing") : 0;
}

/* *out: a copy of the string v; a NUL inside would cut it short. */
static int copy_string(const json_t *v, const char *prefix, const char *key,
                       char **out, struct buf *why)
{
    if (strlen(json_string_value(v)) != json_string_length(v))
        return refuse(why, prefix, key, "contains a NUL");
    *out = xstrdup(json_string_value(v));
    return 0;
}

static int read_string(const json_t *obj, const char *prefix,
                       const struct string_member *m, void *base,
                       struct buf *why)
{
    char **field = (char **) ((char *) base + m->offset);
    const json_t *v;
    int rc;

    if ((rc = get(obj, prefix, m->key, m->flags & REQUIRED, &v, why)) <= 0)
        return rc;
    if (json_is_null(v) && (m->flags & NULLABLE))
        return 0;
    if (!json_is_string(v))
        return refuse(why, prefix, m->key, m->flags & NULLABLE
                      ? "is neither a string nor null" : "is not a string");
    return copy_string(v, prefix, m->key, field, why);
}

static int known(const char *key, const struct string_member *strings,
                 size_t n, const char *const *other)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(key, strings[i].key) == 0)
            return 1;
    for (; *other != NULL; other++)
        if (strcmp(key, *other) == 0)
            return 1;
    return 0;
}

/*
 * The members of obj: none unknown (neither in strings nor in other), and
 * the string ones read into base.
 */
static int read_members(const json_t *obj, const char *prefix,
                        const struct string_member *strings, size_t n,
                        const char *const *other, void *base,
                        struct buf *why)
{
    /* jansson's iterator takes no const; obj is only read. */
    json_t *o = (json_t *) obj;
    void *it;
    size_t i;

    for (it = json_object_iter(o); it; it = json_object_iter_next(o, it))
        if (!known(json_object_iter_key(it), strings, n, other))
            return refuse(why, prefix, json_object_iter_key(it),
                          "is unknown");
    for (i = 0; i < n; i++)
        if (read_string(obj, prefix, &strings[i], base, why) < 0)
            return -1;
    return 0;
}

static int read_bool(const json_t *obj, const char *prefix, const char *key,
                     int required, int *out, struct buf *why)
{
    const json_t *v;
    int rc;

    if ((rc = get(obj, prefix, key, required, &v, why)) <= 0)
        return rc;
    if (!json_is_boolean(v))
        return refuse(why, prefix, key, "is not true or false");
    *out = json_is_true(v);
    return 0;
}

/* A member of type object or array; *v NULL when absent and optional. */
static int read_container(const json_t *obj, const char *key,
                          json_type type, int required, const json_t **v,
                          struct buf *why)
{
    int rc;

    if ((rc = get(obj, "", key, required, v, why)) <= 0)
        return rc;
    if (json_typeof(*v) != type)
        return refuse(why, "", key, type == JSON_OBJECT ? "is not an object"
                      : "is not an array");
    return 0;
}

static int read_size(const json_t *obj, const char *prefix, size_t *out,
                     struct buf *why)
{
    const json_t *v;

    if (get(obj, prefix, "size", REQUIRED, &v, why) < 0)
        return -1;
    if (!json_is_integer(v) || json_integer_value(v) < 0
        || (uintmax_t) json_integer_value(v) > SIZE_MAX)
        return refuse(why, prefix, "size", "is not an integer >= 0");
    *out = (size_t) json_integer_value(v);
    return 0;
}

/* "data": the bytes of a kept file, exactly "size" of them. */
static int read_data(const json_t *obj, const char *prefix,
                     struct capture_attachment *a, struct buf *why)
{
    const json_t *v;
    char what[96];
    size_t len;
    int rc;

    if ((rc = get(obj, prefix, "data", 0, &v, why)) <= 0)
        return rc;
    if (!a->kept)
        return refuse(why, prefix, "data", "is on an attachment not kept");
    if (!json_is_string(v))
        return refuse(why, prefix, "data", "is not a string");
    if (base64_decode(json_string_value(v), json_string_length(v), &a->data,
                      &len) < 0)
        return refuse(why, prefix, "data", "is not base64");
    if (len != a->size) {
        snprintf(what, sizeof(what), "decodes to %zu bytes, not the %zu of "
                 "\"size\"", len, a->size);
        return refuse(why, prefix, "data", what);
    }
    return 0;
}

static int read_attachment(const json_t *obj, size_t i,
                           struct capture_attachment *a, struct buf *why)
{
    char prefix[48];

    snprintf(prefix, sizeof(prefix), "attachments[%zu]", i);
    if (!json_is_object(obj))
        return refuse(why, "", prefix, "is not an object");
    if (read_members(obj, prefix, attachment_strings,
                     COUNT(attachment_strings), attachment_other, a, why) < 0
        || read_size(obj, prefix, &a->size, why) < 0
        || read_bool(obj, prefix, "inline", REQUIRED, &a->is_inline, why) < 0
        || read_bool(obj, prefix, "kept", REQUIRED, &a->kept, why) < 0)
        return -1;
    return read_data(obj, prefix, a, why);
}

static int read_attachments(const json_t *obj, struct capture *cap,
                            struct buf *why)
{
    const json_t *list;
    size_t i;

    if (read_container(obj, "attachments", JSON_ARRAY, REQUIRED, &list,
                       why) < 0)
        return -1;
    /* The count first: capture_free() frees what is filled so far. */
    cap->attachment_count = json_array_size(list);
    cap->attachments = xcalloc(cap->attachment_count,
                               sizeof(*cap->attachments));
    for (i = 0; i < cap->attachment_count; i++)
        if (read_attachment(json_array_get(list, i), i, &cap->attachments[i],
                            why) < 0)
            return -1;
    return 0;
}

static int read_auth_results(const json_t *obj, struct capture *cap,
                             struct buf *why)
{
    const json_t *list, *v;
    char key[48];
    size_t i;

    if (read_container(obj, "authentication_results", JSON_ARRAY, REQUIRED,
                       &list, why) < 0)
        return -1;
    cap->auth_results_count = json_array_size(list);
    cap->auth_results = xcalloc(cap->auth_results_count,
                                sizeof(*cap->auth_results));
    for (i = 0; i < cap->auth_results_count; i++) {
        snprintf(key, sizeof(key), "authentication_results[%zu]", i);
        v = json_array_get(list, i);
        if (!json_is_string(v))
            return refuse(why, "", key, "is not a string");
        if (copy_string(v, "", key, &cap->auth_results[i], why) < 0)
            return -1;
    }
    return 0;
}

/* A member object whose members are all strings of the struct. */
static int read_strings_object(const json_t *obj, const char *key,
                               int required,
                               const struct string_member *strings, size_t n,
                               struct capture *cap, struct buf *why)
{
    const json_t *v;

    if (read_container(obj, key, JSON_OBJECT, required, &v, why) < 0)
        return -1;
    return v == NULL ? 0 : read_members(v, key, strings, n, no_other, cap,
                                        why);
}

static int read_class(const json_t *obj, struct capture *cap,
                      struct buf *why)
{
    const json_t *v;

    if (get(obj, "", "classification", REQUIRED, &v, why) < 0)
        return -1;
    if (!json_is_string(v)
        || capture_class_from_name(json_string_value(v),
                                   &cap->classification) < 0)
        return refuse(why, "", "classification", "names no class");
    return 0;
}

static int read_capture(const json_t *obj, struct capture *cap,
                        struct buf *why)
{
    int bounce;

    if (!json_is_object(obj)) {
        buf_append_str(why, "capture is not an object");
        return -1;
    }
    if (read_class(obj, cap, why) < 0
        || read_members(obj, "", top_strings, COUNT(top_strings), top_other,
                        cap, why) < 0
        || read_strings_object(obj, "from", REQUIRED, from_strings,
                               COUNT(from_strings), cap, why) < 0
        || read_auth_results(obj, cap, why) < 0
        || read_strings_object(obj, "sender_authentication", 0, auth_strings,
                               COUNT(auth_strings), cap, why) < 0
        || read_bool(obj, "", "inline", 0, &cap->reply_inline, why) < 0
        || read_bool(obj, "", "forward_dropped", 0, &cap->forward_dropped,
                     why) < 0
        || read_attachments(obj, cap, why) < 0)
        return -1;
    bounce = cap->classification == CAPTURE_BOUNCE;
    if (!bounce && json_object_get(obj, "bounce") != NULL)
        return refuse(why, "", "bounce", "is there, but the capture is no "
                      "bounce");
    if (read_strings_object(obj, "bounce", bounce, bounce_strings,
                            COUNT(bounce_strings), cap, why) < 0)
        return -1;
    /* Written before sender_authentication existed: nothing passed. */
    if (cap->auth_detail == NULL)
        cap->auth_detail = xstrdup("no authentication recorded");
    return 0;
}

int capture_from_json(const json_t *obj, struct capture **out,
                      struct buf *why)
{
    struct capture *cap = xcalloc(1, sizeof(*cap));

    *out = NULL;
    if (read_capture(obj, cap, why) < 0) {
        capture_free(cap);
        return -1;
    }
    *out = cap;
    return 0;
}
