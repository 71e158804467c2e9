/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_control - the control API under /_standin/; see
 * standin_control.h.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "base64.h"
#include "msg.h"
#include "standin_control.h"
#include "standin_faults.h"
#include "standin_json.h"
#include "standin_store.h"
#include "standin_webhook.h"
#include "xalloc.h"

/* An inbound message waiting for its webhook attempt to end. */
struct si_inbound {
    struct si_req *r;
    char conv_sid[SI_SID_LEN + 1];
    char msg_sid[SI_SID_LEN + 1];
};

static int si_method_is(struct si_req *r, const char *method)
{
    if (strcmp(r->method, method) == 0)
        return 1;
    si_reply_error(r, 405, 20004, "Method %s not allowed on %s", r->method,
                   r->path);
    return 0;
}

/* The form body of a control POST, or NULL when answered. */
static struct form *si_control_form(struct si_req *r)
{
    struct buf *why = buf_create(64);

    r->form = form_parse(r->body, r->body_len, SI_MAX_PARAMS, why);
    if (r->form == NULL)
        si_reply_error(r, 400, 20001, "Malformed form body: %s", why->data);
    buf_free(why);
    return r->form;
}

static void si_inbound_reply(struct si_req *r, const char *conv_sid,
                             const char *msg_sid, int fired, int status)
{
    struct si_conversation *c = si_conv_find(r->si->store, conv_sid);
    struct si_message *m = c ? si_msg_find(c, msg_sid) : NULL;
    json_t *j = m ? si_json_message(r->si, c, m)
        : json_pack("{s:s, s:s}", "sid", msg_sid, "conversation_sid",
                    conv_sid);

    json_object_set_new(j, "webhook",
                        json_pack("{s:b, s:o}", "fired", fired, "status",
                                  status >= 0 ? json_integer(status)
                                  : json_null()));
    si_reply_json(r, 201, j);
}

static void si_inbound_done(int status, void *arg)
{
    struct si_inbound *in = arg;

    si_inbound_reply(in->r, in->conv_sid, in->msg_sid, 1, status);
    free(in);
}

static void si_control_inbound(struct si_req *r)
{
    const char *sid, *from, *body, *ctype, *b64;
    struct si_conversation *c;
    struct si_media *media = NULL;
    struct si_message *m;
    struct si_fail fail;
    struct si_inbound *in;

    if (!si_method_is(r, "POST") || si_control_form(r) == NULL)
        return;
    sid = form_get(r->form, "ConversationSid");
    from = form_get(r->form, "From");
    body = form_get(r->form, "Body");
    ctype = form_get(r->form, "MediaContentType");
    b64 = form_get(r->form, "MediaBase64");
    if (sid == NULL || from == NULL) {
        si_reply_error(r, 400, 20001, "ConversationSid and From are required");
        return;
    }
    if ((c = si_conv_find(r->si->store, sid)) == NULL) {
        si_reply_error(r, 404, 20404, "No conversation %s", sid);
        return;
    }
    if ((ctype == NULL) != (b64 == NULL)) {
        si_reply_error(r, 400, 20001, "MediaContentType and MediaBase64 go "
                       "together");
        return;
    }
    if (ctype) {
        unsigned char *data;
        size_t len;

        if (base64_decode(b64, strlen(b64), &data, &len) < 0) {
            si_reply_error(r, 400, 20001, "MediaBase64 is not base64");
            return;
        }
        media = si_media_create(r->si->store, ctype,
                                form_get(r->form, "MediaFilename"), data, len,
                                from);
        free(data);
    }
    fail.why = buf_create(64);
    if ((m = si_msg_inbound(r->si->store, c, from, body, media,
                            &fail)) == NULL) {
        si_reply_error(r, fail.status, fail.code, "%s", fail.why->data);
        buf_free(fail.why);
        return;
    }
    buf_free(fail.why);
    msg_info("%s: inbound %s message %s", c->sid, m->source, m->sid);
    in = xcalloc(1, sizeof(*in));
    in->r = r;
    memcpy(in->conv_sid, c->sid, sizeof(in->conv_sid));
    memcpy(in->msg_sid, m->sid, sizeof(in->msg_sid));
    if (si_webhook_message_added(r->si, c, m, si_inbound_done, in) < 0) {
        free(in);
        si_inbound_reply(r, c->sid, m->sid, 0, -1);
    }
}

static void si_control_conversations(struct si_req *r)
{
    json_t *arr = json_array();
    size_t i, j;

    for (i = 0; i < r->si->store->nconvs; i++) {
        const struct si_conversation *c = r->si->store->convs[i];
        json_t *cj = si_json_conversation(r->si, c), *parts = json_array();

        for (j = 0; j < c->nparticipants; j++)
            json_array_append_new(parts, si_json_participant(r->si, c,
                                                             c->participants[j]));
        json_object_set_new(cj, "participants", parts);
        json_array_append_new(arr, cj);
    }
    si_reply_json(r, 200, json_pack("{s:o}", "conversations", arr));
}

static void si_control_messages(struct si_req *r)
{
    struct si_conversation *c = si_conv_find(r->si->store, r->seg[2]);
    json_t *arr;
    size_t i;

    if (c == NULL) {
        si_reply_error(r, 404, 20404, "No conversation %s", r->seg[2]);
        return;
    }
    arr = json_array();
    for (i = 0; i < c->nmessages; i++) {
        const struct si_message *m = c->messages[i];
        json_t *mj = si_json_message(r->si, c, m);

        json_object_set_new(mj, "webhook_enabled_header",
                            m->webhook_enabled
                            ? json_string(m->webhook_enabled) : json_null());
        json_object_set_new(mj, "webhook_fired",
                            json_boolean(m->webhook_fired));
        json_object_set_new(mj, "webhook_pending",
                            json_boolean(m->webhook_pending));
        json_object_set_new(mj, "webhook_status", m->webhook_status >= 0
                            ? json_integer(m->webhook_status) : json_null());
        json_object_set_new(mj, "source", json_string(m->source));
        json_array_append_new(arr, mj);
    }
    si_reply_json(r, 200, json_pack("{s:o}", "messages", arr));
}

static void si_control_faults(struct si_req *r)
{
    const char *op, *kind, *count, *retry, *delay_text;
    struct buf *why;
    long n = 1, after = -1, delay = 0;
    char *end;

    if (!si_method_is(r, "POST") || si_control_form(r) == NULL)
        return;
    op = form_get(r->form, "Operation");
    kind = form_get(r->form, "Fault");
    count = form_get(r->form, "Count");
    retry = form_get(r->form, "RetryAfter");
    delay_text = form_get(r->form, "Delay");
    if (op == NULL || kind == NULL) {
        si_reply_error(r, 400, 20001, "Operation and Fault are required");
        return;
    }
    if (count && ((n = strtol(count, &end, 10)) < 1 || *end != '\0')) {
        si_reply_error(r, 400, 20001, "Count must be a positive integer");
        return;
    }
    if (retry && ((after = strtol(retry, &end, 10)) < 0 || *end != '\0'
                  || retry[0] == '\0')) {
        si_reply_error(r, 400, 20001, "RetryAfter must be a number of "
                       "seconds");
        return;
    }
    if (delay_text && ((delay = strtol(delay_text, &end, 10)) < 1
                       || *end != '\0')) {
        si_reply_error(r, 400, 20001, "Delay must be a positive number of "
                       "seconds");
        return;
    }
    why = buf_create(64);
    if (si_faults_add(r->si->faults, op, kind, n, after, delay, why) < 0) {
        si_reply_error(r, 400, 20001, "%s", why->data);
        buf_free(why);
        return;
    }
    buf_free(why);
    si_reply_json(r, 201, json_pack("{s:s, s:s, s:I, s:o, s:o}", "operation",
                                    op, "fault", kind, "count", (json_int_t) n,
                                    "retry_after", after >= 0
                                    ? json_integer(after) : json_null(),
                                    "delay", delay > 0 ? json_integer(delay)
                                    : json_null()));
}

/* POST /_standin/webhooks Enabled=true|false: webhooks fire or not. */
static void si_control_webhooks(struct si_req *r)
{
    const char *enabled;

    if (!si_method_is(r, "POST") || si_control_form(r) == NULL)
        return;
    enabled = form_get(r->form, "Enabled");
    if (enabled == NULL || (strcmp(enabled, "true") != 0
                            && strcmp(enabled, "false") != 0)) {
        si_reply_error(r, 400, 20001, "Enabled must be true or false");
        return;
    }
    r->si->webhooks_off = strcmp(enabled, "false") == 0;
    msg_info("webhooks %s", r->si->webhooks_off ? "off" : "on");
    si_reply_json(r, 200, json_pack("{s:b}", "enabled", !r->si->webhooks_off));
}

static void si_control_reset(struct si_req *r)
{
    if (!si_method_is(r, "POST"))
        return;
    si_slow_release_all(r->si, "stand-in reset");
    si_store_reset(r->si->store);
    si_faults_reset(r->si->faults);
    r->si->webhooks_off = 0;
    json_array_clear(r->si->requests);
    json_array_clear(r->si->sink);
    si_reply_raw(r, 204, NULL, NULL, 0);
}

static json_t *si_header_json(struct si_req *r, const char *name)
{
    const char *v = evhttp_find_header(evhttp_request_get_input_headers(r->req),
                                       name);

    return v ? json_string(v) : json_null();
}

static void si_control_sink(struct si_req *r)
{
    const char *status = form_get(r->query, "status");
    json_t *rec, *body;
    int code = 200;

    if (strcmp(r->method, "GET") == 0 && r->nseg == 2) {
        si_reply_json(r, 200, json_pack("{s:O}", "requests", r->si->sink));
        return;
    }
    if (!si_method_is(r, "POST"))
        return;
    if ((body = json_stringn(r->body, r->body_len)) == NULL)
        body = json_string("(not UTF-8)");
    rec = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}",
                    "method", r->method,
                    "path", evhttp_request_get_uri(r->req),
                    "content_type", si_header_json(r, "Content-Type"),
                    "signature", si_header_json(r, "X-Twilio-Signature"),
                    "user_agent", si_header_json(r, "User-Agent"),
                    "body", body);
    json_array_append_new(r->si->sink, rec);
    if (status && strcmp(status, "hang") == 0) {
        si_hang(r);
        return;
    }
    if (status && ((code = atoi(status)) < 200 || code > 599))
        code = 200;
    si_reply_raw(r, code, "text/plain", "", 0);
}

void si_control_handle(struct si_req *r)
{
    const char *what = r->nseg >= 2 ? r->seg[1] : "";

    r->op = "control";
    if (r->nseg == 2 && strcmp(what, "inbound") == 0)
        si_control_inbound(r);
    else if (r->nseg == 2 && strcmp(what, "conversations") == 0
             && si_method_is(r, "GET"))
        si_control_conversations(r);
    else if (r->nseg == 4 && strcmp(what, "conversations") == 0
             && strcmp(r->seg[3], "messages") == 0 && si_method_is(r, "GET"))
        si_control_messages(r);
    else if (r->nseg == 2 && strcmp(what, "faults") == 0)
        si_control_faults(r);
    else if (r->nseg == 2 && strcmp(what, "requests") == 0
             && si_method_is(r, "GET"))
        si_reply_json(r, 200, json_pack("{s:O}", "requests", r->si->requests));
    else if (r->nseg == 2 && strcmp(what, "reset") == 0)
        si_control_reset(r);
    else if (r->nseg == 2 && strcmp(what, "webhooks") == 0)
        si_control_webhooks(r);
    else if (r->nseg >= 2 && strcmp(what, "sink") == 0)
        si_control_sink(r);
    else
        si_reply_error(r, 404, 20404, "No control resource %s", r->path);
}
