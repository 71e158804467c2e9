/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge - the state postmask-bridge's modules share: the configuration,
 * the event loop and the long-lived objects main() creates at start-up.
 *
 * main() (bridge_main.c) owns every member and frees them at exit; modules
 * borrow them through the struct bridge pointer they are given and never
 * free them.  Nothing here changes after start-up except inside the objects
 * themselves (metrics counters, the Twilio client's requests).
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

struct bridge {
    const struct config *cfg;
    struct event_base *base;
    const struct address_keys *keys;
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
    struct spool_writer *spool_writer;  /* webhook jobs, group commit */

    /* Read once at start-up (bridge_secrets.h). */
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
