/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_compose - a batch of conversation messages as one email: the
 * checks, the headers and the MIME structure; the two bodies come from
 * email_render.c.  See email_compose.h.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "capture.h"
#include "email_compose.h"
#include "email_render.h"
#include "twilio_sid.h"
#include "utf8.h"

/* An addr-spec or domain we can put in a header unquoted. */
static int plain_ok(const char *s, int want_at)
{
    const char *at = strchr(s, '@');

    if (*s == '\0' || strlen(s) > 254 || (want_at && (at == NULL || at == s
                                                      || at[1] == '\0')))
        return 0;
    if (!want_at && at != NULL)
        return 0;
    for (; *s; s++)
        if ((unsigned char) *s <= ' ' || (unsigned char) *s >= 0x7f
            || strchr("<>()[]\\,;:\"", *s))
            return 0;
    return 1;
}

static int text_ok(const char *s)
{
    return s == NULL || utf8_valid(s, strlen(s));
}

/* Every text field of an item: UTF-8, and a body (maybe ""). */
static int item_ok(const struct email_item *it)
{
    return it->body != NULL && text_ok(it->body) && text_ok(it->author)
        && text_ok(it->channel) && text_ok(it->note);
}

static int items_ok(const struct email_item *items, size_t n,
                    const char *what, struct buf *why)
{
    size_t i;

    if (n > 0 && items == NULL) {
        buf_printf(why, "email: no %s messages given", what);
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!item_ok(&items[i])) {
            buf_printf(why, "email: %s message %zu: the author, channel, "
                       "body or note is missing or not UTF-8", what, i + 1);
            return 0;
        }
    }
    return 1;
}

static int check(const struct email_in *in, struct buf *why)
{
    size_t i;

    if (!twilio_sid_valid(in->conversation_sid, "CH"))
        buf_printf(why, "email: \"%s\" is not a conversation SID",
                   in->conversation_sid ? in->conversation_sid : "");
    else if (in->nitems == 0 || in->items == NULL)
        buf_printf(why, "email: no message to send");
    else if (!twilio_sid_valid(in->items[0].message_sid, "IM"))
        buf_printf(why, "email: \"%s\" is not a message SID",
                   in->items[0].message_sid ? in->items[0].message_sid : "");
    else if (in->domain == NULL || !plain_ok(in->domain, 0))
        buf_printf(why, "email: bad Message-ID domain");
    else if (in->from_address == NULL || !plain_ok(in->from_address, 1))
        buf_printf(why, "email: bad From address");
    else if (in->to_address == NULL || !plain_ok(in->to_address, 1))
        buf_printf(why, "email: bad To address");
    else if (!text_ok(in->from_name) || !text_ok(in->to_name)
             || !text_ok(in->subject) || !text_ok(in->listing_title)
             || !text_ok(in->marker))
        buf_printf(why, "email: a name, the subject, the listing title or "
                   "the marker is not UTF-8");
    else if (!items_ok(in->items, in->nitems, "batch", why)
             || !items_ok(in->context, in->ncontext, "context", why))
        return -1;
    else {
        for (i = 0; i < in->nattachments; i++) {
            if (in->attachments[i].content_type == NULL
                || strchr(in->attachments[i].content_type, '/') == NULL
                || strpbrk(in->attachments[i].content_type, "\r\n") != NULL) {
                buf_printf(why, "email: attachment %zu has no content type",
                           i + 1);
                return -1;
            }
            if (!text_ok(in->attachments[i].filename)) {
                buf_printf(why, "email: the name of attachment %zu is not "
                           "UTF-8", i + 1);
                return -1;
            }
        }
        return 0;
    }
    return -1;
}

/* The content of part: a copy of len bytes of data. */
static void part_set_bytes(GMimePart *part, const char *data, size_t len)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
    GMimeDataWrapper *wrapper;

    wrapper = g_mime_data_wrapper_new_with_stream(stream,
                                                  GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(part, wrapper);
    g_object_unref(wrapper);
    g_object_unref(stream);
}

/* The text/plain part: GMime picks the smallest charset for it. */
static GMimeObject *text_part(const struct email_in *in)
{
    GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
    struct buf *body = buf_create(1024);

    email_render_text(in, body);
    g_mime_text_part_set_text(text, body->data);
    buf_free(body);
    g_mime_part_set_content_encoding(GMIME_PART(text),
                                     GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return GMIME_OBJECT(text);
}

/* The text/html part: UTF-8 as its <meta charset> says, whatever GMime
 * would pick. */
static GMimeObject *html_part(const struct email_in *in)
{
    GMimeTextPart *html = g_mime_text_part_new_with_subtype("html");
    struct buf *body = buf_create(4096);

    email_render_html(in, body);
    part_set_bytes(GMIME_PART(html), body->data, body->len);
    buf_free(body);
    g_mime_text_part_set_charset(html, "utf-8");
    g_mime_part_set_content_encoding(GMIME_PART(html),
                                     GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return GMIME_OBJECT(html);
}

/* A multipart with a boundary of its own: the same input makes the same
 * bytes.  "=_" cannot begin a line of quoted-printable or base64 text. */
static GMimeMultipart *multipart(const char *subtype, const char *sid)
{
    GMimeMultipart *mp = g_mime_multipart_new_with_subtype(subtype);
    char *boundary = g_strdup_printf("=_postmask_%s_%s", subtype, sid);

    g_mime_multipart_set_boundary(mp, boundary);
    g_free(boundary);
    return mp;
}

/* multipart/alternative: text/plain, then text/html (the preferred). */
static GMimeObject *alternative(const struct email_in *in)
{
    GMimeMultipart *alt = multipart("alternative", in->items[0].message_sid);
    GMimeObject *part;

    part = text_part(in);
    g_mime_multipart_add(alt, part);
    g_object_unref(part);
    part = html_part(in);
    g_mime_multipart_add(alt, part);
    g_object_unref(part);
    return GMIME_OBJECT(alt);
}

static GMimeObject *attachment_part(const struct email_attachment *a)
{
    GMimeContentType *ct = g_mime_content_type_parse(NULL, a->content_type);
    GMimePart *part;

    part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
                                     g_mime_content_type_get_media_subtype(ct));
    g_object_unref(ct);
    part_set_bytes(part, (const char *) a->data, a->len);
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
    if (a->filename != NULL && *a->filename != '\0') {
        /* GMime writes control characters in a name as they are: a CR
         * or LF would end the header (checked UTF-8 in check()). */
        char *name = g_strdup(a->filename), *cp;

        for (cp = name; *cp; cp++)
            if ((unsigned char) *cp < 0x20 || *cp == 0x7f)
                *cp = '_';
        g_mime_part_set_filename(part, name);
        g_free(name);
    }
    return GMIME_OBJECT(part);
}

int email_compose(const struct email_in *in, struct buf *out,
                  struct buf *why)
{
    GMimeMessage *msg;
    GMimeFormatOptions *opts;
    GMimeStream *stream;
    GByteArray *bytes;
    GDateTime *date;
    GMimeObject *body;
    char *id;
    size_t i;

    if (check(in, why) < 0)
        return -1;
    capture_init();
    msg = g_mime_message_new(TRUE);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM,
                               in->from_name ? in->from_name : "",
                               in->from_address);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO,
                               in->to_name ? in->to_name : "",
                               in->to_address);
    g_mime_message_set_subject(msg, in->subject ? in->subject : "", "utf-8");
    date = g_date_time_new_from_unix_utc((gint64) in->date);
    g_mime_message_set_date(msg, date);
    g_date_time_unref(date);

    id = g_strdup_printf("%s@%s", in->items[0].message_sid, in->domain);
    g_mime_message_set_message_id(msg, id);
    g_free(id);
    id = g_strdup_printf("<%s@%s>", in->conversation_sid, in->domain);
    g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", id, NULL);
    g_mime_object_set_header(GMIME_OBJECT(msg), "References", id, NULL);
    g_free(id);
    g_mime_object_set_header(GMIME_OBJECT(msg), "X-Postmask-Conversation",
                             in->conversation_sid, NULL);

    body = alternative(in);
    if (in->nattachments > 0) {
        GMimeMultipart *mixed = multipart("mixed", in->items[0].message_sid);
        GMimeObject *part;

        g_mime_multipart_add(mixed, body);
        g_object_unref(body);
        for (i = 0; i < in->nattachments; i++) {
            part = attachment_part(&in->attachments[i]);
            g_mime_multipart_add(mixed, part);
            g_object_unref(part);
        }
        body = GMIME_OBJECT(mixed);
    }
    g_mime_message_set_mime_part(msg, body);
    g_object_unref(body);

    opts = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    stream = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(msg), opts, stream);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    buf_append(out, bytes->data, bytes->len);
    g_object_unref(stream);
    g_mime_format_options_free(opts);
    g_object_unref(msg);
    return 0;
}
