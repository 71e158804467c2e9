/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_server - the stand-in's HTTP side: one request's context, the
 * dispatch of every request, and the answers.
 *
 * si_server_handle() is the evhttp callback for every request.  It reads
 * the method, the path (cut into percent-decoded segments), the query
 * (form.h syntax), the raw body and its Content-Type, then:
 *   - /_standin/... goes to the control API (standin_control.c), no auth;
 *   - anything else is a Twilio request: it is appended to the request
 *     log, must carry HTTP Basic credentials of the account (SID and auth
 *     token) or of the API key (else 401, Twilio code 20003), is routed
 *     (standin_api.h; else 404 code 20404 or 405 code 20004), may meet an
 *     injected fault (standin_faults.h), and is validated against the
 *     derived spec (standin_spec.h; 400 code 20001) before its handler
 *     runs.  A form body is parsed for POSTs to spec routes.
 *
 * Every request is answered exactly once with one of the si_reply_*()
 * calls, at once or later from the loop (after a webhook); each writes
 * the one stderr line of the request, "METHOD PATH -> STATUS op=OPERATION"
 * (followed by " (CODE: message)" for errors, "injected fault KIND"
 * coming first for faults), records the status in the request log, sends the
 * answer and frees the context.
 * si_hang() answers nothing: the request stays open until the client gives
 * up or the stand-in stops (si_hung_free_all()).  A request a "slow"
 * fault holds logs "METHOD PATH -> slow Ns op=OPERATION" at once and its
 * usual line when it is answered; at a reset or a stop it gets a 503.
 *
 * Ownership: the context and everything it points to belong to the
 * server; JSON given to si_reply_json() is taken over.
 */
#ifndef STANDIN_SERVER_H
#define STANDIN_SERVER_H

#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

#include "form.h"
#include "standin.h"

#define SI_MAX_PARAMS   1000            /* form and query pairs */
#define SI_MAX_BODY     (64 * 1024 * 1024)

struct si_req {
    struct standin *si;
    struct evhttp_request *req;
    const char *method;         /* "GET", "POST", "DELETE", ... */
    char *path;                 /* as received, without the query */
    char **seg;                 /* decoded path segments */
    size_t nseg;
    struct form *query;         /* the query's pairs (maybe none) */
    struct form *form;          /* a POST's form body, or NULL */
    char *body;                 /* raw body, NUL-terminated */
    size_t body_len;
    const char *content_type;   /* or NULL */
    const char *webhook_enabled;    /* X-Twilio-Webhook-Enabled, or NULL */
    const char *op;             /* operation name, "-" until routed */
    const char *template;       /* the route's path template, or NULL */
    json_t *log_entry;          /* its request-log entry, or NULL */
    char *bad_request;          /* why the path or query is malformed */
    struct buf *note;           /* ends the log line: errors, faults */
    int hang_after;             /* apply, then answer nothing (fault) */
};

void si_server_handle(struct evhttp_request *req, void *arg);

void si_reply_json(struct si_req *r, int status, json_t *json);
/* Twilio's error body {"code","message","more_info","status"}. */
void si_reply_error(struct si_req *r, int status, int code,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void si_reply_raw(struct si_req *r, int status, const char *content_type,
                  const void *data, size_t len);
/* Twilio's 404 (20404) for the request's path. */
void si_reply_not_found(struct si_req *r);
/* Adds a header to the coming answer. */
void si_reply_header(struct si_req *r, const char *name, const char *value);
void si_hang(struct si_req *r);

/* Answers (and so frees) the requests left hanging or held; at shutdown. */
void si_hung_free_all(struct standin *si);
/* Answers the requests slow faults hold with 503 (20503, "(why)" in the
 * message) at once: at a reset, so that none is carried out later against
 * the new state, and at shutdown. */
void si_slow_release_all(struct standin *si, const char *why);

#endif
