/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_parts - the MIME walk: which parts are the body, which are files.
 *
 * capture_walk() visits the MIME tree under root, depth first, at most
 * CAPTURE_MAX_DEPTH levels and CAPTURE_MAX_PARTS parts, and fills body:
 *   - body text: a text/plain or text/html part that is neither marked
 *     "attachment" nor named.  In a multipart/alternative two branches give
 *     body text: the first text/plain, and the first text/html (else the
 *     first multipart, such as a multipart/related around the HTML);
 *     capture.c uses the HTML only when the plain text is blank.  The other
 *     branches give only their files.  Body parts elsewhere
 *     (multipart/mixed, /related, /report ...) all count.  Each is
 *     appended, in order, to body->plain or body->html, decoded (transfer
 *     encoding, then charset: capture_charset.c) and, for format=flowed,
 *     unflowed.  At most CAPTURE_BODY_MAX bytes of each are kept;
 *   - the first message/delivery-status (or message/global-delivery-status)
 *     part, decoded, at most CAPTURE_DSN_MAX bytes, in body->dsn;
 *   - files, when want_attachments: every other leaf part, and embedded
 *     messages (message/rfc822, message/global) as .eml files, are added to
 *     cap->attachments: sanitized name, type, Content-ID, decoded size, and
 *     the bytes when the size is within opts->attachment_size_limit.
 *     Signatures (application/pgp-signature, pkcs7-signature), encrypted
 *     content and machine reports (message/disposition-notification,
 *     message/feedback-report) are not files of the reply and are skipped;
 *     multipart/signed gives its signed content only.
 * What could not be read goes in cap->structure_error (capture.h; the
 * first problem found is kept): the depth or part bound reached, a
 * multipart without a boundary parameter or without any part (its boundary
 * never appears), a body text part in base64 that cannot be decoded (a
 * character outside the alphabet, white space and "="; the part gives no
 * text then, what GMime would make of it is garbage), or one in a charset
 * nobody knows whose bytes are not UTF-8 (read as Windows-1252 all the
 * same).  Only body text parts are checked for decoding: a broken file is
 * still a file.
 * Names are sanitized for a file system: the last path component, control
 * and bidirectional control characters dropped, : * ? " < > | made "_",
 * leading dots and white space trimmed, at most 200 bytes; a part without
 * a usable name is called "attachment" with an extension from its type.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "xalloc.h"

#define NAME_BYTES_MAX  200

struct walk {
    const struct capture_options *opts;
    struct capture *cap;
    struct capture_body *body;
    int want_attachments;
    size_t parts;
    size_t att_alloc;
};

static const struct {
    const char *type;
    const char *ext;
} extensions[] = {
    {"image/png", ".png"}, {"image/jpeg", ".jpg"}, {"image/jpg", ".jpg"},
    {"image/gif", ".gif"}, {"image/webp", ".webp"}, {"image/heic", ".heic"},
    {"image/heif", ".heif"}, {"image/bmp", ".bmp"}, {"image/tiff", ".tif"},
    {"image/svg+xml", ".svg"}, {"application/pdf", ".pdf"},
    {"application/zip", ".zip"}, {"text/plain", ".txt"},
    {"text/html", ".html"}, {"text/calendar", ".ics"},
    {"text/vcard", ".vcf"}, {"text/x-vcard", ".vcf"}, {"text/csv", ".csv"},
    {"text/rfc822-headers", ".txt"}, {"message/rfc822", ".eml"},
    {"message/global", ".eml"}, {"audio/mpeg", ".mp3"},
    {"video/mp4", ".mp4"}, {"application/msword", ".doc"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     ".docx"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     ".xlsx"},
    {"application/vnd.ms-excel", ".xls"}, {"application/ms-tnef", ".dat"},
    {NULL, NULL},
};

static const char *const skipped_types[] = {
    "application/pgp-signature", "application/pkcs7-signature",
    "application/x-pkcs7-signature", "application/pgp-encrypted",
    "message/disposition-notification", "message/feedback-report", NULL,
};

/* Records the first structure problem of the message. */
static void structure_error(struct walk *w, const char *what)
{
    if (w->cap->structure_error == NULL)
        w->cap->structure_error = xstrdup(what);
}

static int type_is(GMimeObject *obj, const char *type, const char *subtype)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

/* "type/subtype" in lower case, token characters only. */
static char *mime_type_of(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *parts[2];
    struct buf *b = buf_create(32);
    int i;

    parts[0] = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    parts[1] = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    for (i = 0; i < 2; i++) {
        const char *p = parts[i] ? parts[i] : "";

        if (i == 1)
            buf_append_char(b, '/');
        for (; *p && b->len < 127; p++) {
            unsigned char c = (unsigned char) *p;

            if (c >= 'A' && c <= 'Z')
                c = (unsigned char) (c + 32);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || strchr("!#$&^_.+-", c) != NULL)
                buf_append_char(b, c);
        }
    }
    if (b->len < 3 || b->data[0] == '/' || b->data[b->len - 1] == '/') {
        buf_reset(b);
        buf_append_str(b, "application/octet-stream");
    }
    return buf_detach(b, NULL);
}

static const char *disposition_of(GMimeObject *obj)
{
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);

    return d ? g_mime_content_disposition_get_disposition(d) : NULL;
}

/* 1: a text/plain body part, 2: text/html, 0: anything else. */
static int body_kind(GMimeObject *obj)
{
    const char *disp;

    if (!GMIME_IS_PART(obj))
        return 0;
    disp = disposition_of(obj);
    if ((disp && strcasecmp(disp, "attachment") == 0)
        || g_mime_part_get_filename(GMIME_PART(obj)) != NULL)
        return 0;
    if (type_is(obj, "text", "plain"))
        return 1;
    if (type_is(obj, "text", "html"))
        return 2;
    return 0;
}

/* The bytes of a GMime byte array; never NULL, even when empty. */
static const char *bytes_of(const GByteArray *bytes)
{
    return bytes->data != NULL ? (const char *) bytes->data : "";
}

/* Decoded content of a leaf part, in a new GMime memory stream. */
static GByteArray *decode_part(GMimePart *part, GMimeStream **stream)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);

    *stream = g_mime_stream_mem_new();
    if (content != NULL)
        g_mime_data_wrapper_write_to_stream(content, *stream);
    return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(*stream));
}

/*
 * 1 when the base64 content of part can be decoded: only the alphabet,
 * white space and "=" in it (GMime skips anything else, so garbage decodes
 * to other garbage or to nothing).
 */
static int base64_readable(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *raw = content ? g_mime_data_wrapper_get_stream(content)
        : NULL;
    GMimeStream *mem;
    GByteArray *bytes;
    size_t i;
    int ok = 1;

    if (raw == NULL
        || g_mime_data_wrapper_get_encoding(content)
        != GMIME_CONTENT_ENCODING_BASE64)
        return 1;
    mem = g_mime_stream_mem_new();
    g_mime_stream_reset(raw);
    g_mime_stream_write_to_stream(raw, mem);
    g_mime_stream_reset(raw);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    for (i = 0; i < bytes->len && ok; i++) {
        unsigned char c = bytes->data[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '+' || c == '/'
              || c == '=' || c == ' ' || c == '\t' || c == '\r'
              || c == '\n'))
            ok = 0;
    }
    g_object_unref(mem);
    return ok;
}

static void add_body_text(struct walk *w, GMimeObject *obj, int kind)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *format = ct ? g_mime_content_type_get_parameter(ct, "format")
        : NULL;
    const char *delsp = ct ? g_mime_content_type_get_parameter(ct, "delsp")
        : NULL;
    struct buf *dst = kind == 1 ? w->body->plain : w->body->html;
    struct buf *text;
    GMimeStream *stream;
    GByteArray *bytes;
    int flowed;

    if (!base64_readable(GMIME_PART(obj))) {
        structure_error(w, "base64 body part cannot be decoded");
        return;                         /* its "text" would be garbage */
    }
    flowed = kind == 1 && format && strcasecmp(format, "flowed") == 0;
    if (dst->len > 0 && dst->data[dst->len - 1] != '\n')
        buf_append_char(dst, '\n');
    bytes = decode_part(GMIME_PART(obj), &stream);
    /* Straight into dst, unless it must be unflowed first or is full. */
    text = flowed || dst->len >= CAPTURE_BODY_MAX
        ? buf_create(bytes->len + 16) : dst;
    if (capture_decode_text(ct ? g_mime_content_type_get_parameter(ct,
                                                                   "charset")
                            : NULL, bytes_of(bytes), bytes->len, text) < 0)
        structure_error(w, "text part in an unknown charset");
    g_object_unref(stream);
    if (flowed && dst->len < CAPTURE_BODY_MAX)
        capture_unflow(text->data, text->len,
                       delsp && strcasecmp(delsp, "yes") == 0, dst);
    if (dst->len > CAPTURE_BODY_MAX)
        buf_truncate(dst, CAPTURE_BODY_MAX);
    if (text != dst)
        buf_free(text);
    if (kind == 1)
        w->body->plain_parts++;
    else
        w->body->html_parts++;
}

static void add_dsn(struct walk *w, GMimeObject *obj)
{
    GMimeStream *stream;
    GByteArray *bytes;

    if (w->body->have_dsn || !GMIME_IS_PART(obj))
        return;
    bytes = decode_part(GMIME_PART(obj), &stream);
    capture_clean_text(bytes_of(bytes),
                       bytes->len < CAPTURE_DSN_MAX ? bytes->len
                       : CAPTURE_DSN_MAX, w->body->dsn);
    g_object_unref(stream);
    w->body->have_dsn = 1;
}

/*
 * A bidirectional control character (3 bytes of UTF-8) at p: they let
 * "invoice\u202Efdp.exe" show as "invoiceexe.pdf".
 */
static int bidi_control(const char *p)
{
    const unsigned char *u = (const unsigned char *) p;

    if (u[0] != 0xe2 || u[1] == 0 || u[2] == 0)
        return 0;
    return (u[1] == 0x80 && ((u[2] >= 0x8e && u[2] <= 0x8f)
                             || (u[2] >= 0xaa && u[2] <= 0xae)))
        || (u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9);
}

static char *file_name(const char *raw, const char *type)
{
    struct buf *b = buf_create(64);
    char *clean, *base, *p;
    size_t i;

    if (raw != NULL && *raw) {
        clean = capture_clean_line(raw, strlen(raw), 4 * NAME_BYTES_MAX);
        base = clean;
        for (p = clean; *p; p++)
            if (*p == '/' || *p == '\\')
                base = p + 1;
        while (*base == '.' || *base == ' ')
            base++;
        for (p = base; *p; p++) {
            if (bidi_control(p)) {
                p += 2;                 /* U+200E/F, U+202A-E, U+2066-9 */
                continue;
            }
            buf_append_char(b, strchr(":*?\"<>|", *p) ? '_' : *p);
        }
        free(clean);
        while (b->len > 0 && (b->data[b->len - 1] == ' '
                              || b->data[b->len - 1] == '.'))
            buf_truncate(b, b->len - 1);
        if (b->len > NAME_BYTES_MAX) {
            size_t cut = NAME_BYTES_MAX;

            while (cut > 0 && ((unsigned char) b->data[cut] & 0xc0) == 0x80)
                cut--;
            buf_truncate(b, cut);
        }
    }
    if (b->len == 0) {
        buf_append_str(b, "attachment");
        for (i = 0; extensions[i].type; i++) {
            if (strcmp(type, extensions[i].type) == 0) {
                buf_append_str(b, extensions[i].ext);
                break;
            }
        }
        if (extensions[i].type == NULL)
            buf_append_str(b, ".bin");
    }
    return buf_detach(b, NULL);
}

static struct capture_attachment *new_attachment(struct walk *w)
{
    struct capture *cap = w->cap;

    if (cap->attachment_count == w->att_alloc) {
        w->att_alloc = w->att_alloc ? 2 * w->att_alloc : 4;
        cap->attachments = xrealloc(cap->attachments,
                                    w->att_alloc * sizeof(*cap->attachments));
    }
    memset(&cap->attachments[cap->attachment_count], 0,
           sizeof(*cap->attachments));
    return &cap->attachments[cap->attachment_count++];
}

static void add_attachment(struct walk *w, GMimeObject *obj)
{
    struct capture_attachment *a;
    const char *disp = disposition_of(obj);
    const char *cid = g_mime_object_get_content_id(obj);
    const char *raw_name = NULL;
    GMimeStream *stream;
    GByteArray *bytes;
    char *type = mime_type_of(obj);

    if (GMIME_IS_PART(obj)) {
        raw_name = g_mime_part_get_filename(GMIME_PART(obj));
        bytes = decode_part(GMIME_PART(obj), &stream);
    } else {
        GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
        GMimeMessage *inner =
            g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

        if (d != NULL)
            raw_name = g_mime_content_disposition_get_parameter(d, "filename");
        stream = g_mime_stream_mem_new();
        if (inner != NULL)
            g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, stream);
        bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    }
    a = new_attachment(w);
    a->type = type;
    a->name = file_name(raw_name, type);
    if (cid != NULL && *cid) {
        a->content_id = capture_clean_line(cid, strlen(cid),
                                           CAPTURE_FIELD_MAX);
        if (*a->content_id == '\0') {
            free(a->content_id);
            a->content_id = NULL;
        }
    }
    a->is_inline = (disp != NULL && strcasecmp(disp, "inline") == 0)
        || (disp == NULL && a->content_id != NULL);
    a->size = bytes->len;
    a->kept = a->size <= w->opts->attachment_size_limit;
    if (a->kept)
        a->data = xmemdup(bytes_of(bytes), bytes->len);
    g_object_unref(stream);
}

#define STR(x)  #x
#define XSTR(x) STR(x)

static void walk(struct walk *w, GMimeObject *obj, int depth, int body_ok)
{
    if (obj == NULL)
        return;
    if (depth > CAPTURE_MAX_DEPTH) {
        structure_error(w, "MIME nesting deeper than "
                        XSTR(CAPTURE_MAX_DEPTH));
        return;
    }
    if (w->parts >= CAPTURE_MAX_PARTS) {
        structure_error(w, "more than " XSTR(CAPTURE_MAX_PARTS)
                        " MIME parts");
        return;
    }
    w->parts++;

    if (GMIME_IS_MULTIPART(obj)) {
        GMimeContentType *ct = g_mime_object_get_content_type(obj);
        const char *boundary = ct ? g_mime_content_type_get_parameter(ct,
                                                                "boundary")
            : NULL;

        if (boundary == NULL || *boundary == '\0')
            structure_error(w, "multipart without a boundary");
        else if (g_mime_multipart_get_count(GMIME_MULTIPART(obj)) == 0)
            structure_error(w, "multipart whose boundary never appears");
    }
    if (GMIME_IS_MULTIPART_ENCRYPTED(obj))
        return;
    if (GMIME_IS_MULTIPART_SIGNED(obj)) {
        if (g_mime_multipart_get_count(GMIME_MULTIPART(obj)) > 0)
            walk(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj), 0),
                 depth + 1, body_ok);
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp), i, plain = -1, rich = -1;

        if (type_is(obj, "multipart", "alternative")) {
            for (i = 0; i < n && plain < 0; i++)
                if (body_kind(g_mime_multipart_get_part(mp, i)) == 1)
                    plain = i;
            for (i = 0; i < n && rich < 0; i++)
                if (body_kind(g_mime_multipart_get_part(mp, i)) == 2)
                    rich = i;
            for (i = 0; i < n && rich < 0; i++)
                if (GMIME_IS_MULTIPART(g_mime_multipart_get_part(mp, i)))
                    rich = i;
            for (i = 0; i < n; i++)
                walk(w, g_mime_multipart_get_part(mp, i), depth + 1,
                     body_ok && (i == plain || i == rich));
        } else {
            for (i = 0; i < n; i++)
                walk(w, g_mime_multipart_get_part(mp, i), depth + 1, body_ok);
        }
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        if (w->want_attachments)
            add_attachment(w, obj);
        return;
    }
    if (!GMIME_IS_PART(obj))
        return;                         /* message/partial and the like */
    if (type_is(obj, "message", "delivery-status")
        || type_is(obj, "message", "global-delivery-status")) {
        add_dsn(w, obj);
        return;
    }
    {
        char *type = mime_type_of(obj);
        int skipped = 0;
        size_t i;

        for (i = 0; skipped_types[i]; i++)
            skipped |= strcmp(type, skipped_types[i]) == 0;
        free(type);
        if (skipped)
            return;
    }
    {
        int kind = body_kind(obj);

        if (kind != 0) {
            if (body_ok)
                add_body_text(w, obj, kind);
            return;                     /* or another alternative's body */
        }
    }
    if (w->want_attachments)
        add_attachment(w, obj);
}

void capture_walk(GMimeObject *root, const struct capture_options *opts,
                  int want_attachments, struct capture *cap,
                  struct capture_body *body)
{
    struct walk w;

    memset(&w, 0, sizeof(w));
    w.opts = opts;
    w.cap = cap;
    w.body = body;
    w.want_attachments = want_attachments;
    walk(&w, root, 0, 1);
}
