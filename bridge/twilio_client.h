/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_client - asynchronous HTTP client for Twilio's REST APIs.
 *
 * The transfers run on the bridge's shared curl_loop (curl_loop.h: libcurl's
 * multi interface on the caller's libevent loop), so any number of requests
 * are in flight on one thread.  Connections are reused; TLS peers are
 * verified; every request has the connect and total timeouts of its
 * options.  HTTP Basic auth with the account SID (or API key SID) and its
 * secret.  Requests send
 * "Accept: application/json"; form bodies are
 * application/x-www-form-urlencoded, built as a struct form and encoded by
 * form_encode() (form.h, lib/twilio: the one encoder, which the Twilio
 * stand-in uses too; repeated names are repeated keys, as Twilio's SDKs
 * send arrays).
 *
 * Retries happen here, invisibly to the caller:
 *   - 429 (Twilio 20429) and 503: wait Retry-After seconds when the answer
 *     has one, else the backoff below;
 *   - other 5xx, timeouts, connection and transport errors: exponential
 *     backoff from 250 ms, doubling, with full jitter, capped at
 *     max_retry_delay_ms;
 *   - up to retry_limit retries; then the last answer is reported.
 *   - any other status (2xx, 3xx, 4xx) is final at once.
 * Every retry is logged ("twilio: OP: retry N in Xms: why") and counted in
 * the metrics.  A POST that timed out may have been applied by Twilio:
 * creating conversations and participants is idempotent above this layer
 * (unique names, "already exists" errors), and a request marked
 * not_idempotent (creating a message) is retried only when Twilio surely
 * did not act on it.
 *
 * Error answers: Twilio's JSON error body {"code","message","more_info",
 * "status"} is parsed into the result and logged once per request as
 * "twilio: OP: METHOD PATH: HTTP STATUS, Twilio error CODE: MESSAGE (MORE_INFO)".
 *
 * Ownership: the client belongs to its creator and is freed with
 * twilio_client_free(), which cancels every request in flight without
 * calling their callbacks.  The curl_loop of the options is not owned: it
 * must outlive the client (free the client first).  A form passed to a request is taken over by the
 * client (freed by it, even when the call fails).  The result passed to a
 * callback, and everything it points to, lives only during the callback;
 * use json_incref() to keep the JSON.
 */
#ifndef POSTMASK_TWILIO_CLIENT_H
#define POSTMASK_TWILIO_CLIENT_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "form.h"

struct curl_loop;
struct metrics;

struct twilio_client_opts {
    const char *api_url;        /* "https://conversations.twilio.com" */
    const char *media_url;      /* "https://mcs.us1.twilio.com" */
    const char *username;       /* AC... or SK... */
    const char *password;       /* auth token or API key secret (copied) */
    long connect_timeout_ms;
    long request_timeout_ms;    /* total, per try */
    unsigned retry_limit;       /* retries after the first try */
    long max_retry_delay_ms;
    struct metrics *metrics;    /* or NULL; not owned */
    struct curl_loop *loop;     /* required; not owned, outlives the client */
};

/* What a request came to.  status 0: no HTTP answer (see message). */
struct twilio_result {
    const char *op;             /* the operation name given to the request */
    int status;                 /* HTTP status of the last try, or 0 */
    int code;                   /* Twilio error code, 0 when none */
    const char *message;        /* Twilio's message or the transport error */
    const char *more_info;      /* or NULL */
    json_t *json;               /* parsed JSON body of a 2xx, else NULL */
    const unsigned char *body;  /* raw body (media downloads), body_len */
    size_t body_len;
    const char *content_type;   /* of the body, or NULL */
    long retry_after;           /* seconds from the last answer, -1: none */
    unsigned tries;
};

/* 1 when the request succeeded with a 2xx status. */
#define TWILIO_OK(res)  ((res)->status >= 200 && (res)->status < 300)
/* 1 when Twilio (or the network) is unavailable rather than refusing. */
#define TWILIO_UNAVAILABLE(res) \
    ((res)->status == 0 || (res)->status == 429 || (res)->status >= 500)

typedef void twilio_cb(const struct twilio_result *res, void *arg);

struct twilio_client;

struct twilio_client *twilio_client_create(struct event_base *base,
                                           const struct twilio_client_opts *opts,
                                           struct buf *why);
void twilio_client_free(struct twilio_client *tc);
/*
 * Replaces the password of the options (copied; the old copy is wiped) for
 * the requests started from now on: a reload's rotated auth token.  A
 * request already started, its retries included, keeps the password it
 * started with (libcurl copied it into the request's handle).
 */
void twilio_client_set_password(struct twilio_client *tc,
                                const char *password);

/*
 * Form bodies are a struct form (form.h): form_create(), form_add(), in
 * the order sent.  twilio_form_add_json() adds name=<value as compact
 * JSON>, as Attributes are sent.
 */
void twilio_form_add_json(struct form *form, const char *name,
                          const json_t *value);

/* Per-request options beyond method, path and form. */
struct twilio_request {
    const char *op;             /* metrics and log name: "create_message" */
    const char *method;         /* "GET", "POST" or "DELETE" */
    const char *url;            /* absolute, or a path below api_url */
    struct form *form;          /* POST form body (taken), or NULL */
    const char *webhook_enabled;    /* X-Twilio-Webhook-Enabled, or NULL */
    const unsigned char *raw;   /* raw POST body (media upload), or NULL */
    size_t raw_len;
    const char *raw_type;       /* its Content-Type */
    /*
     * Set for a POST whose repetition would make a second resource (a
     * message): it is retried only when Twilio surely did not act on it --
     * a 429 (Twilio: "never processed") or a connection that could not be
     * made.  A timeout, a 5xx or a connection lost after sending is
     * reported at once, and the caller checks what exists before trying
     * again (sync_reply.c reads the conversation's recent messages).
     */
    int not_idempotent;
};

/*
 * Starts a request; cb is called exactly once, later, from the event loop
 * (never from inside this call).  Returns 0, or -1 with why when the
 * request could not even be started (cb is then never called).
 */
int twilio_client_start(struct twilio_client *tc,
                        const struct twilio_request *req,
                        twilio_cb *cb, void *arg, struct buf *why);

/* The media base URL of the options, for twilio_api.c. */
const char *twilio_client_media_url(const struct twilio_client *tc);

/* Requests in flight or waiting for a retry. */
unsigned twilio_client_pending(const struct twilio_client *tc);

#endif
