/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio_client_srv - a scripted HTTP server inside a test program,
 * on 127.0.0.1 and a port the OS gives, for the twilio_client tests.
 *
 * Each request is recorded (method, URI, body, the headers the tests look
 * at) and answered with the next reply of the script; after the script
 * the last reply repeats, and without a script the answer is 200 with
 * {"uri": "<the request URI>"}.  A reply with hang set is never answered;
 * hold_until makes the server keep every request unanswered until that
 * many are waiting, then answer them all (proof of concurrency).
 *
 * Ownership: srv_create() returns a server the test frees with srv_free();
 * the recorded strings belong to the server.
 */
#ifndef POSTMASK_TEST_TWILIO_CLIENT_SRV_H
#define POSTMASK_TEST_TWILIO_CLIENT_SRV_H

#include <stddef.h>

#include <event2/event.h>

#define SRV_MAX_SCRIPT  16
#define SRV_MAX_LOG     512

struct srv_reply {
    int status;
    const char *content_type;   /* NULL: none */
    const char *body;           /* NULL: empty */
    size_t body_len;            /* 0: strlen(body) */
    const char *retry_after;    /* Retry-After header, or NULL */
    const char *location;       /* Location header, or NULL */
    int hang;
};

struct srv_request {
    char *method;
    char *uri;
    char *body;
    size_t body_len;
    char *authorization;
    char *accept;
    char *content_type;
    char *webhook_enabled;
    int peer_port;              /* the client's port: one per connection */
};

struct srv {
    struct event_base *base;
    struct evhttp *http;
    int port;
    char url[64];
    struct srv_reply script[SRV_MAX_SCRIPT];
    unsigned nscript;
    unsigned hits;
    struct srv_request log[SRV_MAX_LOG];
    unsigned hold_until;
    unsigned held;
    void *held_reqs[SRV_MAX_LOG];
};

struct srv *srv_create(struct event_base *base);
void srv_free(struct srv *s);
/* Appends a reply to the script. */
void srv_script(struct srv *s, struct srv_reply reply);
/* Forgets the script and the log. */
void srv_reset(struct srv *s);
/* The nth request received (0-based). */
const struct srv_request *srv_request(const struct srv *s, unsigned n);

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
int srv_closed_port(void);

#endif
