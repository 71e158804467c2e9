/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin - twilio-standin, a stateful stand-in for Twilio Conversations
 * (REST API v1) and its Media Content Service, for postmask's tests.
 *
 * One process, one libevent loop, one HTTP port serving both APIs under
 * Twilio's real paths, plus a control API under /_standin/ that plays the
 * seeker's channels (SMS, WhatsApp, chat), injects faults and shows what
 * happened.  State is in memory only.  See README.md for what it
 * implements and where it simplifies.
 *
 * The modules, each with its own header:
 *   standin_main.c     options, start-up, the loop, shutdown
 *   standin_server.*   HTTP: one request's context, dispatch, auth,
 *                      faults, the request log, the answers
 *   standin_spec.*     the derived OpenAPI parameter table; validation
 *   standin_store.*    conversations, participants, messages, media and
 *                      Twilio's rules about them
 *   standin_json.*     Twilio's JSON for each resource, pages, errors
 *   standin_api.c      the Conversations and Media routes (standin_api.h)
 *   standin_webhook.*  signed onMessageAdded webhooks, sent asynchronously
 *   standin_config.*   /v1/Configuration/Webhooks: the webhook target
 *   standin_faults.*   the queue of injected faults
 *   standin_control.c  /_standin/: inbound messages, listings, faults,
 *                      the request log, reset, the webhook sink
 *
 * struct standin is the whole server state; main() owns it and every
 * module gets it by pointer.  There is no other global state.
 */
#ifndef STANDIN_H
#define STANDIN_H

#include <stddef.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#define SI_SID_LEN  34                  /* two letters and 32 hex digits */

struct si_spec;
struct si_store;
struct si_faults;
struct si_webhooks;
struct si_hung;
struct si_slow;

struct standin {
    struct event_base *base;
    struct evhttp *http;
    char *base_url;             /* "http://127.0.0.1:PORT", no slash */

    /* Credentials: the account, and an optional API key. */
    char *account_sid;
    char *token;                /* auth token: Basic password, webhook key */
    size_t token_len;
    char *key_sid;              /* SK..., or NULL */
    char *key_secret;
    size_t key_secret_len;

    char *service_sid;          /* IS..., the chat service reported */
    char *messaging_service_sid;    /* MG..., the default one reported */
    char *webhook_url;          /* post-event target, or NULL: -w, then
                                   /v1/Configuration/Webhooks */
    json_t *webhook_filters;    /* its Filters: event names (strings) */
    long webhook_timeout;       /* seconds */
    int webhooks_off;           /* POST /_standin/webhooks Enabled=false */

    struct si_spec *spec;
    struct si_store *store;
    struct si_faults *faults;
    struct si_webhooks *webhooks;
    struct si_hung *hung;       /* requests never answered (faults) */
    struct si_slow *slow;       /* requests held by "slow" faults */
    json_t *requests;           /* the request log: an array */
    json_t *sink;               /* requests received by /_standin/sink */
};

#endif
