/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture - parse, classify and extract one message sent to a proxy
 * address; see capture.h.
 *
 * capture_parse() is the driver:
 *   1. bound the input (mime_structure_bound(): the cuts described in
 *      capture_int.h), so that GMime's work and memory stay proportional
 *      to what a person could have written;
 *   2. parse it with GMime (a private parser and options per call; 8-bit
 *      header bytes fall back to UTF-8, then Windows-1252);
 *   3. read the header fields: From (first mailbox, groups searched),
 *      Subject, Message-ID, In-Reply-To, References, Authentication-Results
 *      (capture_authres.c);
 *   4. classify (capture_classify.c);
 *   5. walk the MIME tree for the body and the files (capture_parts.c);
 *      a bounce's files are not collected: they are the returned message,
 *      which postmask itself sent;
 *   6. take the text: the text/plain body when it has any non-blank
 *      character, else text made from the HTML body
 *      (capture_html_to_text()); then the new text only
 *      (capture_text_extract_marker(): cut at opts->reply_marker when the
 *      reply quotes it, else by the rules; it also gives reply_inline and
 *      forward_dropped, and with capture_parse_explain() the spans), for
 *      every class;
 *   7. for a bounce, read the delivery-status part (or X-Failed-Recipients);
 *      a reply with no text and no file becomes CAPTURE_EMPTY.
 * A structure problem (steps 1 and 5) is recorded in structure_error; the
 * walk's own problems come first, a cut by step 1 only when the walk found
 * none (the cut is often what made the walk stop).
 * Every string of the capture is valid UTF-8 without NUL or control
 * characters (but newline and tab in text), so capture_to_json() cannot
 * fail on it.  The capture owns all its memory; capture_free() releases it.
 *
 * capture_init() calls g_mime_init() once per process (pthread_once).  No
 * other state: GMime objects are created and destroyed within one call.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "mime_bound.h"
#include "rfc2047_join.h"
#include "capture_text.h"
#include "xalloc.h"

static pthread_once_t capture_once = PTHREAD_ONCE_INIT;

static void capture_init_once(void)
{
    g_mime_init();
}

void capture_init(void)
{
    pthread_once(&capture_once, capture_init_once);
}

/* The class names: the one place they are spelled (capture.h). */
static const char *const class_names[] = {
    [CAPTURE_REPLY] = "reply",
    [CAPTURE_AUTO_REPLY] = "auto_reply",
    [CAPTURE_BOUNCE] = "bounce",
    [CAPTURE_EMPTY] = "empty",
};

#define CLASS_COUNT  (sizeof(class_names) / sizeof(class_names[0]))

const char *capture_class_name(enum capture_class cls)
{
    return (size_t) cls < CLASS_COUNT ? class_names[cls] : "unknown";
}

int capture_class_from_name(const char *name, enum capture_class *cls)
{
    size_t i;

    for (i = 0; i < CLASS_COUNT; i++)
        if (strcmp(name, class_names[i]) == 0) {
            *cls = (enum capture_class) i;
            return 0;
        }
    return -1;
}

void capture_free(struct capture *cap)
{
    size_t i;

    if (cap == NULL)
        return;
    free(cap->auto_reply_reason);
    free(cap->from_address);
    free(cap->from_name);
    free(cap->subject);
    free(cap->message_id);
    free(cap->in_reply_to);
    free(cap->references);
    for (i = 0; i < cap->auth_results_count; i++)
        free(cap->auth_results[i]);
    free(cap->auth_results);
    free(cap->dkim_result);
    free(cap->spf_result);
    free(cap->dmarc_result);
    free(cap->auth_method);
    free(cap->auth_detail);
    free(cap->text);
    for (i = 0; i < cap->attachment_count; i++) {
        free(cap->attachments[i].name);
        free(cap->attachments[i].type);
        free(cap->attachments[i].content_id);
        free(cap->attachments[i].data);
    }
    free(cap->attachments);
    free(cap->bounce_recipient);
    free(cap->bounce_status);
    free(cap->bounce_diagnostic);
    free(cap->structure_error);
    free(cap);
}

static char *clean_or_null(const char *value)
{
    char *s;

    if (value == NULL)
        return NULL;
    s = capture_clean_line(value, strlen(value), CAPTURE_FIELD_MAX);
    if (*s == '\0') {
        free(s);
        return NULL;
    }
    return s;
}

/* The first mailbox of a list, searching groups. */
static InternetAddressMailbox *first_mailbox(InternetAddressList *list,
                                             int depth)
{
    int i, n = list ? internet_address_list_length(list) : 0;

    for (i = 0; i < n && depth < 4; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);

        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            return INTERNET_ADDRESS_MAILBOX(ia);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            InternetAddressMailbox *m = first_mailbox(
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
                depth + 1);

            if (m != NULL)
                return m;
        }
    }
    return NULL;
}

/* Mailboxes in list, those in groups too. */
static size_t count_mailboxes(InternetAddressList *list, int depth)
{
    int i, n = list ? internet_address_list_length(list) : 0;
    size_t count = 0;

    for (i = 0; i < n && depth < 4; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);

        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            count++;
        else if (INTERNET_ADDRESS_IS_GROUP(ia))
            count += count_mailboxes(internet_address_group_get_members(
                INTERNET_ADDRESS_GROUP(ia)), depth + 1);
    }
    return count;
}

/* Top-level header fields called name (case ignored). */
static size_t count_headers(GMimeMessage *msg, const char *name)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    int i, n = hl ? g_mime_header_list_get_count(hl) : 0;
    size_t count = 0;

    for (i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *hn = h ? g_mime_header_get_name(h) : NULL;

        if (hn != NULL && strcasecmp(hn, name) == 0)
            count++;
    }
    return count;
}

static char *message_id_of(const char *value)
{
    char *id, *clean;

    if (value == NULL)
        return NULL;
    id = g_mime_utils_decode_message_id(value);
    clean = clean_or_null(id);
    g_free(id);
    return clean;
}

/*
 * The raw value of the first header called name, with its runs of B
 * encoded-words joined (rfc2047_join.h: GMime 3.2.13 loses what follows
 * the first of them); NULL when it has none to join.  Free with free().
 */
static char *joined_header(GMimeMessage *msg, const char *name)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;

    return h ? rfc2047_join(g_mime_header_get_raw_value(h)) : NULL;
}

static void read_headers(GMimeMessage *msg, GMimeParserOptions *popts,
                         const struct capture_options *opts,
                         struct capture *cap)
{
    char *raw_from = joined_header(msg, "From");
    char *raw_subject = joined_header(msg, "Subject");
    InternetAddressList *from_list = raw_from
        ? internet_address_list_parse(popts, raw_from) : NULL;
    InternetAddressMailbox *from = first_mailbox(
        from_list ? from_list : g_mime_message_get_from(msg), 0);
    char *subject = raw_subject
        ? g_mime_utils_header_decode_text(popts, raw_subject) : NULL;
    const char *v;

    v = from ? internet_address_mailbox_get_addr(from) : NULL;
    cap->from_address = capture_clean_line(v ? v : "", v ? strlen(v) : 0,
                                           CAPTURE_FIELD_MAX);
    v = from ? internet_address_get_name(INTERNET_ADDRESS(from)) : NULL;
    cap->from_name = capture_clean_line(v ? v : "", v ? strlen(v) : 0,
                                        CAPTURE_FIELD_MAX);
    v = subject ? subject : g_mime_message_get_subject(msg);
    cap->subject = capture_clean_line(v ? v : "", v ? strlen(v) : 0,
                                      CAPTURE_FIELD_MAX);
    if (from_list)
        g_object_unref(from_list);
    g_free(subject);
    free(raw_from);
    free(raw_subject);
    cap->message_id = clean_or_null(g_mime_message_get_message_id(msg));
    cap->in_reply_to = message_id_of(
        g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"));
    cap->references = clean_or_null(
        g_mime_object_get_header(GMIME_OBJECT(msg), "References"));
    {
        struct capture_auth_results *list = xcalloc(1, sizeof(*list));

        capture_authres(msg, opts, cap, list);
        capture_sender_auth(list, count_mailboxes(g_mime_message_get_from(msg),
                                                  0),
                            count_headers(msg, "From"), cap);
        free(list);
    }
}

static void take_text(struct capture *cap, struct capture_body *body,
                      const char *marker, struct capture_explain *explain)
{
    struct buf *source = body->plain;
    struct buf *html_text = NULL;
    struct buf *text = buf_create(256);
    struct buf *clean = buf_create(256);
    struct capture_text_report local, *report;
    size_t i;
    int blank = 1;

    report = explain != NULL ? &explain->report : &local;
    memset(report, 0, sizeof(*report));
    report->explain = explain != NULL;
    for (i = 0; i < body->plain->len && blank; i++)
        blank = strchr(" \t\r\n", body->plain->data[i]) != NULL;
    if (blank && body->html_parts > 0) {
        html_text = buf_create(body->html->len / 2 + 16);
        capture_html_to_text(body->html->data, body->html->len, html_text);
        source = html_text;
    }
    if (explain != NULL)
        explain->source = source == html_text ? "text/html converted"
            : body->plain_parts > 0 ? "text/plain" : "none";
    capture_text_extract_marker(source->data, source->len, marker, text,
                                report);
    cap->reply_inline = report->reply_inline;
    cap->forward_dropped = report->forward;
    capture_clean_text(text->data, text->len, clean);
    cap->text = buf_detach(clean, NULL);
    buf_free(text);
    buf_free(html_text);
}

void capture_explain_release(struct capture_explain *explain)
{
    capture_text_report_release(&explain->report);
}

int capture_parse(const void *raw, size_t len, const char *envelope_sender,
                  const struct capture_options *opts, struct capture **out,
                  struct buf *why)
{
    return capture_parse_explain(raw, len, envelope_sender, opts, out, why,
                                 NULL);
}

/* Ends the loan of capture_parse_explain()'s input to GMime. */
static void give_back(GByteArray *borrowed)
{
    gsize len;

    (void) g_byte_array_steal(borrowed, &len);
    g_byte_array_unref(borrowed);
}

int capture_parse_explain(const void *raw, size_t len,
                          const char *envelope_sender,
                          const struct capture_options *opts,
                          struct capture **out, struct buf *why,
                          struct capture_explain *explain)
{
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeParserOptions *popts;
    GMimeMessage *msg;
    GMimeHeaderList *headers;
    struct capture *cap;
    struct capture_body body;
    const char *fallback[] = {"UTF-8", "windows-1252", NULL};   /* copied */
    GByteArray *borrowed;
    size_t bounded;

    *out = NULL;
    if (explain != NULL) {
        memset(explain, 0, sizeof(*explain));
        explain->source = "none";
    }
    bounded = mime_structure_bound(raw, len);
    /*
     * GMime reads raw in place: g_mime_stream_mem_new_with_buffer() would
     * copy the whole message into an array of its own.  This array
     * borrows raw (GMime only reads from its input, and the stream does
     * not own the array), and raw is taken back (g_byte_array_steal())
     * once the message parsed from it, and with it every reference to
     * the stream, is gone.
     */
    borrowed = g_byte_array_new_take((guint8 *) raw, bounded);
    stream = g_mime_stream_mem_new_with_byte_array(borrowed);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    parser = g_mime_parser_new_with_stream(stream);
    g_object_unref(stream);
    popts = g_mime_parser_options_new();
    g_mime_parser_options_set_fallback_charsets(popts, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(popts,
                                                      GMIME_RFC_COMPLIANCE_LOOSE);
    msg = g_mime_parser_construct_message(parser, popts);
    g_object_unref(parser);
    if (msg == NULL) {
        give_back(borrowed);
        g_mime_parser_options_free(popts);
        buf_append_str(why, "not a message: it cannot be parsed as RFC 5322");
        return -1;
    }
    headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    if (headers == NULL || g_mime_header_list_get_count(headers) == 0) {
        g_object_unref(msg);
        give_back(borrowed);
        g_mime_parser_options_free(popts);
        buf_append_str(why, "not a message: it has no header");
        return -1;
    }

    cap = xcalloc(1, sizeof(*cap));
    read_headers(msg, popts, opts, cap);
    capture_classify(msg, envelope_sender, cap);

    memset(&body, 0, sizeof(body));
    body.plain = buf_create(256);
    body.html = buf_create(256);
    body.dsn = buf_create(64);
    capture_walk(g_mime_message_get_mime_part(msg), opts,
                 cap->classification != CAPTURE_BOUNCE, cap, &body);
    if (bounded < len && cap->structure_error == NULL)
        cap->structure_error = xstrdup("message cut at the MIME structure "
                                       "bounds");
    take_text(cap, &body, opts->reply_marker, explain);
    if (cap->classification == CAPTURE_BOUNCE) {
        if (body.have_dsn)
            capture_dsn_parse(body.dsn->data, body.dsn->len, cap);
        capture_failed_recipients(msg, cap);
    }
    if (cap->classification == CAPTURE_REPLY && *cap->text == '\0'
        && cap->attachment_count == 0)
        cap->classification = CAPTURE_EMPTY;

    buf_free(body.plain);
    buf_free(body.html);
    buf_free(body.dsn);
    g_object_unref(msg);
    give_back(borrowed);
    g_mime_parser_options_free(popts);
    *out = cap;
    return 0;
}
