/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_server - one request's context, dispatch, auth, faults and the
 * answers; see standin_server.h.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "base64.h"
#include "msg.h"
#include "standin_api.h"
#include "standin_control.h"
#include "standin_faults.h"
#include "standin_json.h"
#include "standin_server.h"
#include "standin_spec.h"
#include "xalloc.h"

struct si_hung {
    struct evhttp_request *req;
    struct si_hung *next;
};

/* A request a "slow" fault holds: carried out when its timer fires. */
struct si_slow {
    struct event *timer;
    struct si_req *r;
    const struct si_route *route;
    struct si_slow *next;
};

/* Context. */

static void si_req_free(struct si_req *r)
{
    size_t i;

    for (i = 0; i < r->nseg; i++)
        free(r->seg[i]);
    free(r->seg);
    free(r->path);
    form_free(r->query);
    form_free(r->form);
    free(r->body);
    free(r->bad_request);
    buf_free(r->note);
    json_decref(r->log_entry);
    free(r);
}

static const char *si_method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    default:
        return "OTHER";
    }
}

static const char *si_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return NULL;
    }
}

/* Splits and decodes the path; -1 with why on a malformed escape. */
static int si_split_path(struct si_req *r, struct buf *why)
{
    const char *p = r->path;
    size_t cap = 8;

    r->seg = xmalloc(cap * sizeof(char *));
    if (*p != '/') {
        buf_printf(why, "the path does not start with /");
        return -1;
    }
    while (*p == '/') {
        size_t len = strcspn(p + 1, "/");
        char *s = form_decode_component(p + 1, len, 0, why);

        if (s == NULL)
            return -1;
        if (r->nseg == cap)
            r->seg = xrealloc(r->seg, (cap *= 2) * sizeof(char *));
        r->seg[r->nseg++] = s;
        p += len + 1;
    }
    return 0;
}

static struct si_req *si_req_new(struct standin *si,
                                 struct evhttp_request *req)
{
    struct si_req *r = xcalloc(1, sizeof(*r));
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
    struct buf *why = buf_create(64);

    r->si = si;
    r->req = req;
    r->method = si_method_name(evhttp_request_get_command(req));
    r->path = xstrdup(path && path[0] ? path : "/");
    r->op = "-";
    r->body_len = evbuffer_get_length(in);
    r->body = xmalloc(r->body_len + 1);
    evbuffer_remove(in, r->body, r->body_len);
    r->body[r->body_len] = '\0';
    r->content_type = evhttp_find_header(headers, "Content-Type");
    r->webhook_enabled = evhttp_find_header(headers,
                                            "X-Twilio-Webhook-Enabled");
    if (si_split_path(r, why) < 0) {
        r->query = form_create();
        r->bad_request = xstrdup("Malformed path: ");
    } else if ((r->query = form_parse(query ? query : "",
                                      query ? strlen(query) : 0,
                                      SI_MAX_PARAMS, why)) == NULL) {
        r->query = form_create();
        r->bad_request = xstrdup("Malformed query string: ");
    }
    if (r->bad_request) {
        size_t n = strlen(r->bad_request);

        r->bad_request = xrealloc(r->bad_request, n + why->len + 1);
        memcpy(r->bad_request + n, why->data, why->len + 1);
    }
    buf_free(why);
    return r;
}

/* Answers. */

/* The note the request's log line ends with; parts are joined by "; ". */
static struct buf *si_note(struct si_req *r)
{
    if (r->note == NULL)
        r->note = buf_create(64);
    else if (r->note->len)
        buf_append_str(r->note, "; ");
    return r->note;
}

static void si_log_status(struct si_req *r, int status)
{
    if (r->log_entry)
        json_object_set_new(r->log_entry, "status", json_integer(status));
}

static void si_send(struct si_req *r, int status, const char *content_type,
                    const void *data, size_t len)
{
    struct evbuffer *out;

    if (r->hang_after) {
        buf_printf(si_note(r), "applied, would have answered %d", status);
        r->hang_after = 0;
        si_hang(r);
        return;
    }
    out = evbuffer_new();
    if (content_type)
        evhttp_add_header(evhttp_request_get_output_headers(r->req),
                          "Content-Type", content_type);
    if (len)
        evbuffer_add(out, data, len);
    evhttp_send_reply(r->req, status, si_reason(status), out);
    evbuffer_free(out);
    msg_info("%s %s -> %d op=%s%s%s%s", r->method, r->path, status, r->op,
             r->note ? " (" : "", r->note ? r->note->data : "",
             r->note ? ")" : "");
    si_log_status(r, status);
    si_req_free(r);
}

void si_reply_raw(struct si_req *r, int status, const char *content_type,
                  const void *data, size_t len)
{
    si_send(r, status, content_type, data, len);
}

void si_reply_json(struct si_req *r, int status, json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT);

    if (text == NULL)
        msg_panic("%s %s: cannot serialise the answer", r->method, r->path);
    si_send(r, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
    json_decref(json);
}

void si_reply_error(struct si_req *r, int status, int code, const char *fmt,
                    ...)
{
    struct buf *message = buf_create(128);
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(message, fmt, ap);
    va_end(ap);
    buf_printf(si_note(r), "%d: %s", code, message->data);
    si_reply_json(r, status, si_json_error(status, code, message->data));
    buf_free(message);
}

void si_reply_not_found(struct si_req *r)
{
    si_reply_error(r, 404, 20404, "The requested resource %s was not found",
                   r->path);
}

void si_reply_header(struct si_req *r, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(r->req), name, value);
}

void si_hang(struct si_req *r)
{
    struct si_hung *h = xmalloc(sizeof(*h));

    msg_info("%s %s -> hang op=%s%s%s%s", r->method, r->path, r->op,
             r->note ? " (" : "", r->note ? r->note->data : "",
             r->note ? ")" : "");
    h->req = r->req;
    h->next = r->si->hung;
    r->si->hung = h;
    si_req_free(r);
}

void si_hung_free_all(struct standin *si)
{
    struct si_hung *h, *next;

    for (h = si->hung; h; h = next) {
        next = h->next;
        evhttp_send_error(h->req, 503, "Stand-in stopping");
        free(h);
    }
    si->hung = NULL;
    si_slow_release_all(si, "stand-in stopping");
}

void si_slow_release_all(struct standin *si, const char *why)
{
    struct si_slow *s, *next;

    for (s = si->slow; s; s = next) {
        next = s->next;
        event_free(s->timer);
        si_reply_error(s->r, 503, 20503, "Service Unavailable (%s)", why);
        free(s);
    }
    si->slow = NULL;
}

/* The Twilio side. */

/* 1 when the Basic credentials are the account's or the API key's. */
static int si_auth_ok(const struct standin *si, const char *header)
{
    unsigned char *cred = NULL, want[SHA256_DIGEST_LENGTH];
    unsigned char got[SHA256_DIGEST_LENGTH];
    size_t len, skip;
    const char *user, *pass;
    char *colon;
    int ok = 0;

    if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
        return 0;
    skip = 6 + strspn(header + 6, " ");
    if (base64_decode(header + skip, strlen(header + skip), &cred, &len) < 0)
        return 0;
    cred = xrealloc(cred, len + 1);
    cred[len] = '\0';
    if (memchr(cred, '\0', len) == NULL
        && (colon = strchr((char *) cred, ':')) != NULL) {
        *colon = '\0';
        user = (const char *) cred;
        pass = colon + 1;
        SHA256((const unsigned char *) pass, strlen(pass), got);
        if (strcmp(user, si->account_sid) == 0) {
            SHA256((const unsigned char *) si->token, si->token_len, want);
            ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
        } else if (si->key_sid && strcmp(user, si->key_sid) == 0) {
            SHA256((const unsigned char *) si->key_secret, si->key_secret_len,
                   want);
            ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
        }
    }
    OPENSSL_cleanse(cred, len);
    free(cred);
    return ok;
}

/* 1 when the media type is application/x-www-form-urlencoded. */
static int si_is_form(const char *content_type)
{
    static const char form_type[] = "application/x-www-form-urlencoded";

    return content_type
        && strncasecmp(content_type, form_type, sizeof(form_type) - 1) == 0
        && strchr("; \t", content_type[sizeof(form_type) - 1]) != NULL;
}

/* Validates a spec route's request; 0, or -1 when answered. */
static int si_validate(struct si_req *r)
{
    const struct si_spec_tmpl *tmpl = si_spec_match(r->si->spec, r->seg,
                                                    r->nseg);
    const struct si_spec_op *op = tmpl ? si_spec_op(tmpl, r->method) : NULL;
    struct buf *why;

    if (op == NULL) {
        si_reply_error(r, 500, 20500, "The stand-in's spec has no %s %s",
                       r->method, r->template);
        return -1;
    }
    why = buf_create(128);
    if (strcmp(r->method, "POST") == 0) {
        if (r->body_len > 0 && !si_is_form(r->content_type)) {
            si_reply_error(r, 400, 20001, "Invalid Content-Type %s: the body "
                           "must be application/x-www-form-urlencoded",
                           r->content_type ? r->content_type : "(none)");
            buf_free(why);
            return -1;
        }
        r->form = form_parse(r->body, r->body_len, SI_MAX_PARAMS, why);
        if (r->form == NULL) {
            si_reply_error(r, 400, 20001, "Malformed form body: %s",
                           why->data);
            buf_free(why);
            return -1;
        }
    }
    if (si_spec_check(op, r->form, r->query, r->webhook_enabled, why) < 0) {
        si_reply_error(r, 400, 20001, "%s", why->data);
        buf_free(why);
        return -1;
    }
    buf_free(why);
    return 0;
}

/* A routed request: validated against the spec, then handled. */
static void si_carry_out(struct si_req *r, const struct si_route *route)
{
    if (route->in_spec && si_validate(r) < 0)
        return;
    route->handler(r);
}

static void si_slow_fire(evutil_socket_t fd, short what, void *arg)
{
    struct si_slow *s = arg, **pp;

    (void) fd, (void) what;
    for (pp = &s->r->si->slow; *pp != s; pp = &(*pp)->next)
        ;
    *pp = s->next;
    event_free(s->timer);
    si_carry_out(s->r, s->route);
    free(s);
}

/* Holds the request for delay seconds; then si_carry_out(). */
static void si_slow_start(struct si_req *r, const struct si_route *route,
                          long delay)
{
    struct si_slow *s = xcalloc(1, sizeof(*s));
    struct timeval tv = {delay, 0};

    s->r = r;
    s->route = route;
    s->timer = evtimer_new(r->si->base, si_slow_fire, s);
    s->next = r->si->slow;
    r->si->slow = s;
    evtimer_add(s->timer, &tv);
    msg_info("%s %s -> slow %lds op=%s", r->method, r->path, delay, r->op);
}

/*
 * Applies an injected fault; 1 when the request was answered, hung or
 * held (slow).
 */
static int si_fault(struct si_req *r, const struct si_route *route)
{
    const struct si_fault *f = si_faults_take(r->si->faults, r->op);
    char retry[32];
    int status;

    if (f == NULL)
        return 0;
    buf_printf(si_note(r), "injected fault %s", f->kind);
    if (strcmp(f->kind, "slow") == 0) {
        si_slow_start(r, route, f->delay);
        return 1;
    }
    if (strcmp(f->kind, "hang") == 0) {
        si_hang(r);
        return 1;
    }
    if (strcmp(f->kind, "hang_applied") == 0) {
        r->hang_after = 1;
        return 0;
    }
    status = atoi(f->kind);
    if (f->retry_after >= 0 && (status == 429 || status == 503)) {
        snprintf(retry, sizeof(retry), "%ld", f->retry_after);
        si_reply_header(r, "Retry-After", retry);
    }
    if (status == 404)
        si_reply_not_found(r);
    else if (status == 429)
        si_reply_error(r, 429, 20429, "Too Many Requests");
    else if (status == 503)
        si_reply_error(r, 503, 20503, "Service Unavailable");
    else
        si_reply_error(r, 500, 20500, "Internal Server Error");
    return 1;
}

/*
 * A path of Twilio's spec the stand-in does not implement: validated all
 * the same (a wrong request gets its 400), then 404 saying so.
 */
static void si_unimplemented(struct si_req *r)
{
    const struct si_spec_tmpl *tmpl = si_spec_match(r->si->spec, r->seg,
                                                    r->nseg);

    r->op = "unimplemented";
    r->template = si_spec_template(tmpl);
    if (si_spec_op(tmpl, r->method) == NULL) {
        si_reply_error(r, 405, 20004, "Method %s not allowed on %s",
                       r->method, r->path);
        return;
    }
    if (si_validate(r) < 0)
        return;
    si_reply_error(r, 404, 20404, "The requested resource %s was not found "
                   "(Twilio has it; the stand-in does not implement it)",
                   r->path);
}

static void si_twilio_handle(struct si_req *r)
{
    struct evkeyvalq *headers = evhttp_request_get_input_headers(r->req);
    const struct si_route *route;
    int known;

    r->log_entry = json_pack("{s:s, s:s, s:n, s:n, s:o}",
                             "method", r->method, "path", r->path,
                             "operation", "status", "webhook_enabled",
                             r->webhook_enabled
                             ? json_string(r->webhook_enabled) : json_null());
    json_array_append(r->si->requests, r->log_entry);
    if (!si_auth_ok(r->si, evhttp_find_header(headers, "Authorization"))) {
        si_reply_header(r, "WWW-Authenticate", "Basic realm=\"Twilio API\"");
        si_reply_error(r, 401, 20003, "Authenticate");
        return;
    }
    if (r->bad_request) {
        si_reply_error(r, 400, 20001, "%s", r->bad_request);
        return;
    }
    route = si_api_route(r->si, r->method, r->seg, r->nseg, &known);
    if (route == NULL) {
        if (known == 1)
            si_reply_error(r, 405, 20004, "Method %s not allowed on %s",
                           r->method, r->path);
        else if (known == 2)
            si_unimplemented(r);
        else
            si_reply_not_found(r);
        return;
    }
    r->op = route->op;
    r->template = route->template;
    json_object_set_new(r->log_entry, "operation", json_string(route->op));
    if (si_fault(r, route))
        return;
    si_carry_out(r, route);
}

void si_server_handle(struct evhttp_request *req, void *arg)
{
    struct standin *si = arg;
    struct si_req *r = si_req_new(si, req);

    if (strcmp(r->path, "/_standin") == 0
        || strncmp(r->path, "/_standin/", 10) == 0) {
        if (r->bad_request)
            si_reply_error(r, 400, 20001, "%s", r->bad_request);
        else
            si_control_handle(r);
    }
    else
        si_twilio_handle(r);
}
