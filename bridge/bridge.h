/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge - the state postmask-bridge's modules share: the configuration,
 * the event loop and the long-lived objects main() creates at start-up.
 *
 * main() (bridge_main.c) owns every member and frees them at exit; modules
 * borrow them through the struct bridge pointer they are given and never
 * free them.  The objects main() creates at start-up stay for the life of
 * the process (only their insides change: metrics counters, the Twilio
 * client's requests).  cfg, keys and secrets are replaced by a reload
 * (SIGHUP or SIGUSR1, bridge_reload.h), from an event-loop callback of
 * their own, and the old ones are freed at once: a module reads them
 * through br whenever it needs them, and never keeps a pointer into them
 * past the callback it runs in (a request that waits for Twilio copies
 * what it needs).  Parameters built into the long-lived objects keep their
 * start-up values in cfg until a restart (bridge_reload.c lists them).
 */
#ifndef POSTMASK_BRIDGE_H
#define POSTMASK_BRIDGE_H

#include <stddef.h>

#include <event2/event.h>

#include "address_keys.h"
#include "bridge_secrets.h"
#include "config.h"
#include "spool.h"

struct metrics;
struct twilio_client;
struct http_server;
struct curl_loop;
struct api_conversations;
struct conv_cache;
struct job_runner;
struct sync_email;
struct sync_reply;
struct catchup;
struct spool_writer;
struct intake_listener;

struct bridge {
    const struct config *cfg;   /* replaced by a reload */
    struct event_base *base;
    const struct address_keys *keys;    /* replaced by a reload */
    struct spool *spool;
    struct metrics *metrics;
    struct twilio_client *twilio;
    struct curl_loop *curl;     /* libcurl on the event loop (Twilio) */
    struct http_server *http;   /* bridge_listen: the API, health */
    struct http_server *webhook_http;   /* webhook_listen: Twilio's */
    struct api_conversations *conversations;    /* api_conversations.c's */
    struct conv_cache *convs;   /* conversations and participants */
    struct job_runner *jobs;    /* works off the spool */
    struct sync_email *sync_email;      /* sync_email.c's */
    struct sync_reply *sync_reply;      /* sync_reply.c's */
    struct catchup *catchup;    /* missed webhooks (catchup.h) */
    struct spool_writer *spool_writer;  /* webhook jobs: the journal */
    struct intake_listener *intake;     /* the milter's capture jobs */

    /* Read at start-up and by every reload (bridge_secrets.h). */
    struct bridge_secrets secrets;
};

/*
 * Route registration, one function per API module; each returns 0 or -1
 * with why.  bridge_main.c calls them all after creating the server.
 */
int api_health_init(struct bridge *br, struct buf *why);        /* /healthz, /metrics */
int api_chat_tokens_init(struct bridge *br, struct buf *why);   /* /v1/chat-tokens */
int api_conversations_init(struct bridge *br, struct buf *why); /* /v1/conversations */
int api_webhook_init(struct bridge *br, struct buf *why);       /* /twilio/webhook */

/*
 * Frees what API modules keep for requests in flight; main() calls it after
 * twilio_client_free() (which drops their callbacks) and before
 * http_server_free().
 */
void api_conversations_free(struct bridge *br);

#endif
