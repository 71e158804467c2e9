/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_capture - arbitrary bytes through capture_parse() and
 * capture_to_json(), and through capture_text_extract() (with and
 * without the explanation of capture_text_extract_report()) and
 * capture_html_to_text() directly.
 *
 * The last input byte chooses the options (so plain .eml files are seeds:
 * tests/fuzz/corpus/capture/): bit 0 a null envelope sender (else an
 * address; bit 4 instead gives NULL, unknown), bit 1 attachment data in the
 * JSON, bit 2 a trusted authserv-id list (else none is trusted), bit 3
 * a 16-byte attachment limit (else 1 MiB), bit 5 the default reply
 * marker (else none).  The rest is the message.
 *
 * Beyond "no crash, no leak, no undefined behaviour": a refusal says why
 * and returns no capture; a capture has a known class, only valid UTF-8
 * strings (so the JSON always builds and serializes), a structure_error
 * that is NULL or a non-empty reason, no CR in its text, attachment data
 * exactly when kept, within the limit; and both text
 * functions return 0, keep valid UTF-8 valid, and do not blow up their
 * input (extraction only shortens it; HTML at most doubles it).  Any
 * violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "capture.h"
#include "capture_text.h"
#include "msg.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *trusted[] = {"mx1.reply.example.com"};

static void check_string(const char *s, int nullable)
{
    if (s == NULL) {
        if (!nullable)
            abort();
        return;
    }
    if (!utf8_valid(s, strlen(s)))
        abort();
}

static void check_capture(const struct capture *cap,
                          const struct capture_options *opts)
{
    size_t i;

    if (cap->classification != CAPTURE_REPLY
        && cap->classification != CAPTURE_AUTO_REPLY
        && cap->classification != CAPTURE_BOUNCE
        && cap->classification != CAPTURE_EMPTY)
        abort();
    if ((cap->classification == CAPTURE_AUTO_REPLY)
        != (cap->auto_reply_reason != NULL))
        abort();
    check_string(cap->auto_reply_reason, 1);
    check_string(cap->from_address, 0);
    check_string(cap->from_name, 0);
    check_string(cap->subject, 0);
    check_string(cap->message_id, 1);
    check_string(cap->in_reply_to, 1);
    check_string(cap->references, 1);
    for (i = 0; i < cap->auth_results_count; i++)
        check_string(cap->auth_results[i], 0);
    check_string(cap->dkim_result, 1);
    check_string(cap->spf_result, 1);
    check_string(cap->dmarc_result, 1);
    /* Sender authentication: a known method or none, always a reason. */
    check_string(cap->auth_method, 1);
    check_string(cap->auth_detail, 0);
    if (cap->auth_method != NULL && strcmp(cap->auth_method, "dmarc") != 0
        && strcmp(cap->auth_method, "dkim") != 0
        && strcmp(cap->auth_method, "spf") != 0)
        abort();
    if (cap->auth_method != NULL && opts->trusted_authserv_count == 0)
        abort();
    check_string(cap->text, 0);
    if (strchr(cap->text, '\r') != NULL)
        abort();
    if (cap->classification == CAPTURE_EMPTY
        && (*cap->text || cap->attachment_count > 0))
        abort();
    if (cap->classification == CAPTURE_BOUNCE && cap->attachment_count > 0)
        abort();
    for (i = 0; i < cap->attachment_count; i++) {
        const struct capture_attachment *a = &cap->attachments[i];

        check_string(a->name, 0);
        check_string(a->type, 0);
        check_string(a->content_id, 1);
        if (*a->name == '\0' || strchr(a->name, '/') || *a->name == '.')
            abort();
        if (a->kept != (a->size <= opts->attachment_size_limit)
            || (a->kept && a->data == NULL) || (!a->kept && a->data != NULL))
            abort();
    }
    check_string(cap->bounce_recipient, 1);
    check_string(cap->bounce_status, 1);
    check_string(cap->bounce_diagnostic, 1);
    /* Why the structure could not be read: NULL, or a reason. */
    check_string(cap->structure_error, 1);
    if (cap->structure_error != NULL && *cap->structure_error == '\0')
        abort();
}

static void check_json(const struct capture *cap, int with_data)
{
    json_t *json = capture_to_json(cap, with_data);
    char *text;

    if (json == NULL)
        abort();
    text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        abort();
    free(text);
    json_decref(json);
}

static void check_text_functions(const char *text, size_t len)
{
    struct buf *out = buf_create(64);
    int valid = utf8_valid(text, len);

    struct capture_text_report report = {.explain = 1};
    struct buf *again = buf_create(64);
    size_t i;

    if (capture_text_extract(text, len, out) != 0 || out->len > len
        || (valid && !utf8_valid(out->data, out->len)))
        abort();
    /* With the explanation: the same text, and spans that name a rule and
     * lie, in order, within the lines read. */
    if (capture_text_extract_report(text, len, again, &report) != 0
        || again->len != out->len
        || memcmp(again->data, out->data, out->len) != 0)
        abort();
    for (i = 0; i < report.span_count; i++) {
        const struct capture_text_span *s = &report.spans[i];

        if (s->rule == NULL || *s->rule == '\0' || s->first < 1
            || s->last < s->first || s->last > report.lines
            || (i > 0 && s->first < report.spans[i - 1].first)
            || capture_text_action_text(s->action) == NULL)
            abort();
    }
    capture_text_report_release(&report);
    buf_free(again);
    buf_reset(out);
    if (capture_html_to_text(text, len, out) != 0 || out->len > 2 * len + 16
        || (valid && !utf8_valid(out->data, out->len)))
        abort();
    buf_free(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    msg_init("fuzz_capture", 0);
    capture_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct capture_options opts;
    struct capture *cap = NULL;
    struct buf *why;
    const char *sender;
    unsigned flags;
    int rc;

    if (size == 0)
        return 0;
    flags = data[size - 1];
    size--;
    memset(&opts, 0, sizeof(opts));
    opts.attachment_size_limit = (flags & 8) ? 16 : 1024 * 1024;
    if (flags & 4) {
        opts.trusted_authserv_ids = trusted;
        opts.trusted_authserv_count = 1;
    }
    if (flags & 32)
        opts.reply_marker = "Reply above this line to answer %s %c.";
    sender = (flags & 16) ? NULL : (flags & 1) ? "" : "jan@example.org";

    why = buf_create(64);
    rc = capture_parse(data, size, sender, &opts, &cap, why);
    if (rc < 0) {
        if (cap != NULL || why->len == 0)
            abort();
    } else {
        if (rc != 0 || cap == NULL)
            abort();
        check_capture(cap, &opts);
        check_json(cap, (flags & 2) != 0);
        capture_free(cap);
    }
    buf_free(why);
    check_text_functions((const char *) data, size);
    return 0;
}
