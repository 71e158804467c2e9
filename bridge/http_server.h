/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_server - the bridge's HTTP/1.1 server: libevent's evhttp with
 * postmask's limits, a route table, and exchanges that outlive their client.
 *
 * Limits (from the options): request bodies over max_body get 413 with a
 * JSON error before any handler runs; request lines and headers over
 * max_headers get 431; at most max_connections client connections are
 * served at once (when full, the oldest connection without a request in
 * hand is closed to let the next one in, else further ones wait in the
 * listen queue); at most client_limit from one address (more are closed
 * at once); a client idle for timeout_s seconds is disconnected, and one
 * that has not sent a whole request line and headers within
 * header_timeout_s of connecting or of its last answer, or a body within
 * body_timeout_s, too.  Framing is checked strictly (http_framing.h): bad
 * framing gets 400 (431, 501) and the connection is closed; so does every
 * answer to CONNECT and every 413 and 431.  Unknown paths get 404, a known
 * path with another method 405 with Allow, all with JSON errors.
 *
 * Handlers: http_server_route() maps an exact method and path to a
 * handler.  A handler gets an exchange and must answer it exactly once,
 * at once or later from the event loop (after Twilio answered, say).  When
 * the client goes away first, the exchange stays valid until it is answered;
 * the answer is then dropped (and counted) instead of being written.
 *
 * Errors are JSON: {"error": CODE, "message": TEXT} plus "field": NAME when
 * one field of the request is at fault.  CODE is a short snake_case word
 * ("invalid_json", "invalid_field", "unknown_field", "unauthorized",
 * "not_found", "payload_too_large", "twilio_unavailable", ...).
 *
 * Every answer is logged as one line:
 *   "http: PEER METHOD PATH STATUS BYTES MSms"
 * and counted in the metrics under its route name and status.
 *
 * Ownership: the server belongs to its creator and is freed with
 * http_server_free().  An exchange is owned by the server; it is freed by
 * the call that answers it.  JSON passed to a reply call is taken over
 * (its reference is stolen).
 */
#ifndef POSTMASK_HTTP_SERVER_H
#define POSTMASK_HTTP_SERVER_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"

struct metrics;

struct http_server_opts {
    const char *listen;         /* "HOST:PORT" or "[IPV6]:PORT" */
    size_t max_body;
    size_t max_headers;
    unsigned max_connections;
    long timeout_s;
    struct metrics *metrics;    /* or NULL; not owned */
    /* Names the listener in logs and metrics ("webhook_listen"), or NULL. */
    const char *name;
    long header_timeout_s;      /* 0: no deadline */
    long body_timeout_s;        /* 0: no deadline */
    unsigned client_limit;      /* connections per client address; 0: any */
};

struct http_server;
struct http_exchange;

typedef void http_handler(struct http_exchange *ex, void *arg);

struct http_server *http_server_create(struct event_base *base,
                                       const struct http_server_opts *opts,
                                       struct buf *why);
void http_server_free(struct http_server *srv);
/* The port actually bound (useful with port 0). */
int http_server_port(const struct http_server *srv);

/* route_name labels the metrics: "conversations", "chat_tokens", ... */
void http_server_route(struct http_server *srv, const char *method,
                       const char *path, const char *route_name,
                       http_handler *handler, void *arg);
/* A body limit of its own for one route (registered before), instead of
 * max_body: Twilio's webhooks may be larger than the API's requests. */
void http_server_route_limit(struct http_server *srv, const char *method,
                             const char *path, size_t max_body);

/* Request accessors; the strings belong to the exchange. */
const char *http_exchange_method(const struct http_exchange *ex);
const char *http_exchange_path(const struct http_exchange *ex);   /* no query */
const char *http_exchange_query(const struct http_exchange *ex);  /* or NULL */
const char *http_exchange_header(const struct http_exchange *ex,
                                 const char *name);     /* or NULL */
/* The body, NUL-terminated for convenience (len excludes the NUL). */
const char *http_exchange_body(const struct http_exchange *ex, size_t *len);
const char *http_exchange_peer(const struct http_exchange *ex);
/* 0 once the client has gone away. */
int http_exchange_alive(const struct http_exchange *ex);

/*
 * 1 when the request carries "Authorization: Bearer TOKEN" with exactly
 * the given token, compared in constant time (over SHA-256 digests, so
 * that the length leaks nothing either); 0 otherwise.
 */
int http_exchange_bearer_ok(const struct http_exchange *ex,
                            const char *token, size_t token_len);
/*
 * The same check for a handler: 1 when the token is right; else it
 * answers 401 {"error": "unauthorized"} with "WWW-Authenticate: Bearer"
 * (which frees the exchange) and returns 0.
 */
int http_require_bearer(struct http_exchange *ex, const char *token,
                        size_t token_len);

/* Adds a response header to the coming answer. */
void http_exchange_add_header(struct http_exchange *ex, const char *name,
                              const char *value);

/* Answers: each frees the exchange. */
void http_reply(struct http_exchange *ex, int status,
                const char *content_type, const void *body, size_t len);
void http_reply_json(struct http_exchange *ex, int status, json_t *json);
/* field may be NULL; message is printf-style. */
void http_reply_error(struct http_exchange *ex, int status, const char *code,
                      const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
