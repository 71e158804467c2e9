/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture - what postmask takes from an email sent to a proxy address: the
 * building contact's reply, or an auto-reply, or a delivery report.
 *
 * capture_parse() parses one RFC 5322 message with GMime, classifies it and
 * extracts what the bridge posts into the conversation:
 *
 *   bounce      the message is a multipart/report;
 *               report-type=delivery-status, or the envelope sender is null
 *               ("" or "<>") and the message is not an auto-reply (below):
 *               the failed recipient, its status and diagnostic are
 *               recorded; a bounce has no attachments (they would be the
 *               returned message, which postmask sent);
 *   auto_reply  RFC 3834 Auto-Submitted other than "no", Precedence
 *               bulk/junk/list/auto_reply, X-Autoreply, X-Autorespond,
 *               or an out-of-office subject (several languages); also a
 *               read receipt (report-type=disposition-notification).  RFC
 *               3834 responders send from the null sender: with a null
 *               sender these signals win, unless the message also looks
 *               like a non-delivery report (X-Failed-Recipients, From
 *               MAILER-DAEMON or postmaster, a bounce subject);
 *   reply       a person's reply: text holds the new text only (see
 *               capture_text.h), attachments the parts that are files;
 *               when opts->reply_marker is set and the text quotes
 *               postmask's marker line, it is cut there, with the
 *               client's attribution above it, before any other rule
 *               (capture_text_extract_marker());
 *   empty       a reply whose new text is empty and that has no attachment.
 * envelope_sender NULL means unknown, which is not null.  For every class
 * text is the new text of the message's body (capture_text.h); details of
 * each rule are in capture_classify.c.  reply_inline and forward_dropped
 * say what capture_text_extract_report() found in the text part that gave
 * text (the text/plain body, or the text made from the HTML body when the
 * plain one is blank or missing): the writer answered inline between
 * quoted lines (the quoted ones are dropped, so the text reads without
 * what it answers), and a forwarded message was cut off (the policy: the
 * contact's own words above the forward separator are the text; the
 * forwarded part is dropped, and this flag notes it).
 *
 * Attachments larger than opts->attachment_size_limit are listed with
 * kept = 0 and no data.  Authentication-Results headers are kept verbatim
 * (unfolded; at most 64 of them); the dkim/spf/dmarc results are read from
 * the A-R headers whose authserv-id is in opts->trusted_authserv_ids (none
 * when that list is empty).  From them auth_method says which check
 * authenticates the From domain: "dmarc" (dmarc=pass for it), "dkim" (an
 * aligned dkim=pass), "spf" (an aligned spf=pass), or NULL; auth_detail
 * says what passed or why nothing did (capture_sender_auth.c has the
 * rules).  Every string is valid UTF-8 without control characters (text
 * keeps newline and tab).
 *
 * Hostile input is bounded: GMime sees the message only up to the first
 * line that would pass 20000 header fields, 4096 "--" lines or 64 multipart
 * declarations, and the MIME walk stops at depth 32 and after 1024 parts
 * (capture_int.h).
 *
 * structure_error says why part of the message could not be read, or is
 * NULL when nothing was lost: the MIME walk hit one of those bounds ("MIME
 * nesting deeper than 32", "more than 1024 MIME parts", "message cut at
 * the MIME structure bounds"), a multipart has no boundary parameter
 * ("multipart without a boundary") or none of its parts ("multipart whose
 * boundary never appears"), or a part that would have given body text
 * could not be decoded ("base64 body part cannot be decoded": characters
 * outside the base64 alphabet: that part gives no text; "text part in an
 * unknown charset": a charset iconv does not know and bytes that are not
 * UTF-8, read as Windows-1252).  The first problem found is kept.  Files
 * over the attachment size limit, encrypted parts and broken bytes in a
 * known charset (U+FFFD) are no structure errors.  The class does not
 * change: a reply whose text came out empty is still CAPTURE_EMPTY; the
 * bridge holds it for an admin when structure_error is set.
 *
 * Thread safety: capture_init() must have been called (it calls
 * g_mime_init() once per process, however often it is called); after
 * that, capture_parse() may run in many threads at once, each on its own
 * message (GMime objects never cross threads).
 *
 * Ownership: capture_parse() returns 0 and a capture the caller frees with
 * capture_free(), or -1 with the reason in why (only when the input is not
 * a message at all: GMime cannot parse it, or it has no header).
 * capture_parse_explain() is capture_parse() that also fills *explain
 * (when not NULL): which part gave the text ("text/plain", "text/html
 * converted", or "none" when the message has no text part) and the spans
 * of capture_text.h (with explain set); the caller releases them with
 * capture_explain_release(), also after a failure (then source is "none"
 * and there are no spans).
 * capture_to_json() returns a new jansson reference the caller decrefs;
 * capture_from_json() reads one back (below).
 */
#ifndef POSTMASK_CAPTURE_H
#define POSTMASK_CAPTURE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "capture_text.h"

enum capture_class {
    CAPTURE_REPLY,
    CAPTURE_AUTO_REPLY,
    CAPTURE_BOUNCE,
    CAPTURE_EMPTY,
};

struct capture_attachment {
    char *name;                 /* file name, sanitized; never NULL */
    char *type;                 /* "image/png" */
    char *content_id;           /* without <>; NULL when none */
    size_t size;                /* decoded size in bytes */
    int is_inline;              /* Content-Disposition: inline, or none and
                                 * a Content-ID */
    int kept;                   /* 0: over attachment_size_limit, no data */
    unsigned char *data;        /* decoded bytes when kept */
};

struct capture {
    enum capture_class classification;
    char *auto_reply_reason;    /* auto_reply: the signal, e.g. "Auto-Submitted: auto-replied" */
    char *from_address;         /* addr-spec of the first From mailbox; "" if none */
    char *from_name;            /* its display name, decoded to UTF-8; "" if none */
    char *subject;              /* decoded to UTF-8; "" if none */
    char *message_id;           /* without <>; NULL when none */
    char *in_reply_to;          /* without <>; NULL when none */
    char *references;           /* the header value, unfolded; NULL when none */
    char **auth_results;        /* each Authentication-Results value, top first */
    size_t auth_results_count;
    char *dkim_result;          /* "pass", "fail", ...; NULL when unknown */
    char *spf_result;
    char *dmarc_result;
    char *auth_method;          /* "dmarc", "dkim", "spf"; NULL: not authenticated */
    char *auth_detail;          /* what passed, or why nothing did; never NULL */
    char *text;                 /* UTF-8; for a reply the new text only */
    int reply_inline;           /* the text answers inline between quotes */
    int forward_dropped;        /* a forwarded message was cut off */
    struct capture_attachment *attachments;
    size_t attachment_count;
    char *bounce_recipient;     /* bounce: the failed recipient, or NULL */
    char *bounce_status;        /* bounce: e.g. "5.1.1", or NULL */
    char *bounce_diagnostic;    /* bounce: e.g. "smtp; 550 5.1.1 unknown user" */
    char *structure_error;      /* what could not be read; NULL: nothing */
};

struct capture_options {
    size_t attachment_size_limit;
    char **trusted_authserv_ids;
    size_t trusted_authserv_count;
    const char *reply_marker;   /* email_reply_marker's format (borrowed,
                                 * checked: reply_marker.h); NULL or "":
                                 * none */
};

struct capture_explain {
    const char *source;         /* "text/plain", "text/html converted",
                                 * "none"; static */
    struct capture_text_report report;  /* with spans */
};

void capture_init(void);
int capture_parse(const void *raw, size_t len, const char *envelope_sender,
                  const struct capture_options *opts, struct capture **out,
                  struct buf *why);
int capture_parse_explain(const void *raw, size_t len,
                          const char *envelope_sender,
                          const struct capture_options *opts,
                          struct capture **out, struct buf *why,
                          struct capture_explain *explain);
void capture_explain_release(struct capture_explain *explain);
void capture_free(struct capture *cap);

/*
 * The class names, "reply", "auto_reply", "bounce" and "empty": one table
 * (capture.c) for the JSON, the logs and every reader.
 * capture_class_name() returns the static name ("unknown" for a value
 * outside the enum); capture_class_from_name() sets *cls and returns 0, or
 * returns -1 for any other string (case matters).
 */
const char *capture_class_name(enum capture_class cls);
int capture_class_from_name(const char *name, enum capture_class *cls);

/*
 * The capture as JSON: {"classification", "auto_reply_reason", "from":
 * {"address", "name"}, "subject", "message_id", "in_reply_to",
 * "references", "authentication_results": [...], "dkim", "spf", "dmarc",
 * "sender_authentication": {"method", "detail"},
 * "text", "inline", "forward_dropped", "attachments": [{"name", "type",
 * "size", "inline", "kept"
 * [, "content_id"] [, "data" (base64, only with with_data and kept)]}],
 * "structure_error", "bounce": {"recipient", "status", "diagnostic"}
 * (bounce only)}.
 * "inline" and "forward_dropped" are always present, true or false
 * (reply_inline, forward_dropped).
 * Absent values are JSON null.  postmaskctl parse prints it without data;
 * the milter stores it with data in the spool (capture_job.h).  A kept
 * attachment without data (one read from a document written without
 * data, below) has no "data" member either.
 *
 * capture_from_json() is its inverse, the one reader of this document (the
 * bridge reads spooled captures through capture_job_decode()): it returns
 * 0 and a new capture in *out, which the caller frees with capture_free(),
 * or -1 with *out NULL and the reason, naming the member, appended to
 * why.  It does not keep obj or anything of it.  For every capture cap
 * that capture_parse() can return, capture_to_json(c, d) of the capture c
 * read from capture_to_json(cap, d) is equal to capture_to_json(cap, d).
 * What it reads:
 *   - classification: a name of capture_class_from_name();
 *   - from.address, from.name, subject, text and each attachment's name
 *     and type: strings (the fields the struct says are never NULL);
 *   - auto_reply_reason, message_id, in_reply_to, references, dkim, spf,
 *     dmarc, sender_authentication.method, structure_error, the bounce
 *     members and an attachment's content_id: a string, or null for NULL;
 *   - authentication_results: an array of strings; attachments: an
 *     array of objects; "size" an integer >= 0; "inline" and "kept"
 *     true or false;
 *   - "data": base64 (as base64.h decodes it) of exactly "size" bytes, in
 *     data; only on a kept attachment.  A kept attachment without "data"
 *     (a document written without data) reads as kept = 1, data NULL:
 *     its size is known, its bytes are not;
 *   - "bounce": an object, required for a bounce, refused for any other
 *     class (the writer writes it for bounces only).
 * Members added after the first payloads were spooled are optional, so
 * that jobs written by earlier versions still read: absent
 * sender_authentication reads as method NULL and detail "no
 * authentication recorded", absent "inline" and "forward_dropped" as
 * false, absent structure_error as NULL.  Every other member is
 * required.  Refused: obj not an object, a required member missing, a
 * member of the wrong type, an unknown classification, an unknown member
 * (the document is not what this reader knows), a string with a NUL,
 * "data" that is not base64 or does not decode to "size" bytes, and
 * "data" on an attachment not kept.  Strings are otherwise taken as they
 * are (jansson has checked that they are UTF-8).
 */
json_t *capture_to_json(const struct capture *cap, int with_data);
int capture_from_json(const json_t *obj, struct capture **out,
                      struct buf *why);

#endif
