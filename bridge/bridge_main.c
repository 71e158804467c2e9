/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmask-bridge - the libevent daemon between Twilio and Postfix.
 *
 * Start-up, in this order, so that every error stops the program before it
 * detaches and says what is wrong: the configuration, the address keys,
 * the secrets (bridge_secrets.h; a missing or insecure file is fatal and
 * named), the spool, then the event loop with the metrics, the
 * curl loop and the Twilio client, the two HTTP listeners (bound before
 * detaching, so that a port in use is reported to whoever started us):
 * bridge_listen with the API routes and health, webhook_listen with
 * Twilio's webhook.  Then it detaches (unless -f), reinitializes the
 * event base after the fork, starts the job runner (its inotify watch on
 * the spool, the conversation cache and the sync handlers; it takes the
 * jobs a crash left in active/ at once), and runs until SIGTERM or SIGINT,
 * after which it frees everything.  SIGHUP and SIGUSR1 reload main.cf, the
 * keys and the secrets (bridge_reload.h), from the event loop like every
 * other event.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "address_keys.h"
#include "bridge.h"
#include "bridge_reload.h"
#include "bridge_secrets.h"
#include "catchup.h"
#include "config.h"
#include "conv_cache.h"
#include "curl_loop.h"
#include "daemon_args.h"
#include "http_server.h"
#include "intake_listener.h"
#include "job_runner.h"
#include "metrics.h"
#include "msg.h"
#include "spool.h"
#include "spool_config.h"
#include "service_notify.h"
#include "spool_writer.h"
#include "sync.h"
#include "twilio_client.h"

#define USAGE "[-fvV] [-c config_dir]"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct event_base *base = arg;

    msg_info("stopping: signal %d", (int) sig);
    service_stopping();
    event_base_loopbreak(base);
}

/* SIGHUP, SIGUSR1: between two callbacks, like any other event. */
static void on_reload(evutil_socket_t sig, short what, void *arg)
{
    (void) sig, (void) what;
    bridge_reload(arg);
}

/* The loop turns: systemd's watchdog (WatchdogSec=) hears so. */
static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    (void) fd, (void) what, (void) arg;
    service_watchdog_ping();
}

/* A timer pinging the watchdog at half its interval, or NULL when off. */
static struct event *watchdog_start(struct event_base *base)
{
    uint64_t usec = service_watchdog_usec() / 2;
    struct timeval tv;
    struct event *ev;

    if (usec == 0)
        return NULL;
    tv.tv_sec = (time_t) (usec / 1000000);
    tv.tv_usec = (suseconds_t) (usec % 1000000);
    if ((ev = event_new(base, -1, EV_PERSIST, on_watchdog, NULL)) == NULL
        || event_add(ev, &tv) < 0)
        msg_fatal("cannot start the watchdog timer");
    msg_info("watchdog: pinging every %llu ms from the event loop",
             (unsigned long long) (usec / 1000));
    return ev;
}

static void create_twilio(struct bridge *br, struct buf *why)
{
    const struct config *cfg = br->cfg;
    struct twilio_client_opts opts;

    if ((br->curl = curl_loop_create(br->base, why)) == NULL)
        msg_fatal("%s", why->data);
    memset(&opts, 0, sizeof(opts));
    opts.loop = br->curl;
    opts.api_url = cfg->twilio_api_url;
    opts.media_url = cfg->twilio_media_url;
    opts.username = cfg->twilio_account_sid;
    opts.password = br->secrets.twilio_auth_token;
    opts.connect_timeout_ms = cfg->twilio_connect_timeout * 1000;
    opts.request_timeout_ms = cfg->twilio_request_timeout * 1000;
    opts.retry_limit = (unsigned) cfg->twilio_retry_limit;
    opts.max_retry_delay_ms = cfg->twilio_maximal_retry_delay * 1000;
    opts.metrics = br->metrics;
    if ((br->twilio = twilio_client_create(br->base, &opts, why)) == NULL)
        msg_fatal("%s", why->data);
}

static void create_http(struct bridge *br, struct buf *why)
{
    const struct config *cfg = br->cfg;
    struct http_server_opts opts;

    memset(&opts, 0, sizeof(opts));
    opts.listen = cfg->bridge_listen;
    opts.max_body = (size_t) cfg->bridge_request_size_limit;
    opts.max_headers = (size_t) cfg->bridge_header_size_limit;
    opts.max_connections = (unsigned) cfg->bridge_connection_limit;
    opts.timeout_s = cfg->bridge_client_timeout;
    opts.metrics = br->metrics;
    opts.header_timeout_s = cfg->bridge_header_timeout;
    opts.body_timeout_s = cfg->bridge_body_timeout;
    opts.client_limit = (unsigned) cfg->bridge_client_connection_limit;
    /* Two listeners with slots of their own: a flood on the public webhook
     * port never reaches the API and health port. */
    opts.name = "bridge_listen";
    if ((br->http = http_server_create(br->base, &opts, why)) == NULL)
        msg_fatal("%s", why->data);
    opts.listen = cfg->webhook_listen;
    opts.name = "webhook_listen";
    if ((br->webhook_http = http_server_create(br->base, &opts, why)) == NULL)
        msg_fatal("%s", why->data);
    if (api_health_init(br, why) < 0
        || api_chat_tokens_init(br, why) < 0
        || api_conversations_init(br, why) < 0
        || api_webhook_init(br, why) < 0)
        msg_fatal("%s", why->data);
}

/* The spool's job runner with the two sync directions as its handlers. */
static void create_jobs(struct bridge *br, struct buf *why)
{

    spool_configure(br->spool, br->cfg);
    br->convs = conv_cache_create(br);
    if ((br->jobs = job_runner_create(br, why)) == NULL
        || sync_email_init(br, br->jobs, why) < 0
        || sync_reply_init(br, br->jobs, why) < 0
        || (br->catchup = catchup_create(br, why)) == NULL)
        msg_fatal("%s", why->data);
}

/* "HOST:PORT" of a listening socket: the configured host, the bound port. */
static void listen_text(const char *listen, const struct http_server *srv,
                        char *text, size_t size)
{
    const char *colon = strrchr(listen, ':');

    snprintf(text, size, "%.*s:%d", (int) (colon - listen), listen,
             http_server_port(srv));
}

int main(int argc, char **argv)
{
    struct program_opts opts;
    struct config *cfg;
    struct address_keys *keys;
    struct bridge br;
    struct event *ev_term, *ev_int, *ev_hup, *ev_usr1, *ev_watchdog;
    struct buf *why = buf_create(128);
    char listen[300], webhook_listen[300];

    /* A reload signal before the loop handles it (or after it stopped)
     * must not end the bridge, as their default action would: ignored
     * until evsignal_add(), and again once the events are freed. */
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    cfg = program_start(argc, argv, CONFIG_FOR_BRIDGE, 0, USAGE, &opts);
    if (optind != argc)
        msg_fatal("usage: %s %s", msg_progname(), USAGE);
    memset(&br, 0, sizeof(br));
    br.cfg = cfg;
    if ((keys = address_keys_load(cfg->address_keys_file, why)) == NULL)
        msg_fatal("%s", why->data);
    br.keys = keys;
    if (bridge_secrets_read(cfg, &br.secrets, why) < 0)
        msg_fatal("%s", why->data);
    if ((br.spool = spool_open(cfg->spool_directory, 1, why)) == NULL)
        msg_fatal("%s", why->data);

    signal(SIGPIPE, SIG_IGN);
    if ((br.base = event_base_new()) == NULL)
        msg_fatal("event_base_new failed");
    br.metrics = metrics_create();
    create_twilio(&br, why);
    create_http(&br, why);
    ev_term = evsignal_new(br.base, SIGTERM, on_signal, br.base);
    ev_int = evsignal_new(br.base, SIGINT, on_signal, br.base);
    ev_hup = evsignal_new(br.base, SIGHUP, on_reload, &br);
    ev_usr1 = evsignal_new(br.base, SIGUSR1, on_reload, &br);
    if (ev_term == NULL || ev_int == NULL || ev_hup == NULL || ev_usr1 == NULL
        || evsignal_add(ev_term, NULL) < 0 || evsignal_add(ev_int, NULL) < 0
        || evsignal_add(ev_hup, NULL) < 0 || evsignal_add(ev_usr1, NULL) < 0)
        msg_fatal("cannot install signal handlers");

    daemon_detach(&opts);
    if (!opts.foreground && event_reinit(br.base) < 0)
        msg_fatal("event_reinit failed after detaching");
    /* After the fork: inotify, the spool's work and the spool writer's
     * thread belong to the daemon. */
    create_jobs(&br, why);
    if ((br.spool_writer = spool_writer_create(br.base, br.spool,
                                               cfg->spool_directory, why))
        == NULL
        || (br.intake = intake_listener_create(
                br.base, br.spool_writer, cfg->spool_directory,
                cfg->bridge_client_timeout,
                (unsigned) cfg->bridge_connection_limit, br.metrics, why))
        == NULL)
        msg_fatal("%s", why->data);
    listen_text(cfg->bridge_listen, br.http, listen, sizeof(listen));
    listen_text(cfg->webhook_listen, br.webhook_http, webhook_listen,
                sizeof(webhook_listen));
    msg_info("starting: config %s, Twilio %s, listen %s, webhook listen %s, "
             "spool %s%s", cfg->config_file, cfg->twilio_api_url, listen,
             webhook_listen,
             cfg->spool_directory,
             br.secrets.api_key_secret ? ", chat tokens on" : "");
    ev_watchdog = watchdog_start(br.base);
    service_ready("serving");
    if (event_base_dispatch(br.base) < 0)
        msg_fatal("event loop failed");
    if (ev_watchdog != NULL)
        event_free(ev_watchdog);

    /* Webhook jobs queued are committed and answered; callbacks of Twilio
     * requests in flight are dropped, then their owners free what they
     * keep, then the server frees unanswered exchanges. */
    intake_listener_stop(br.intake);    /* milters stop handing over */
    spool_writer_free(br.spool_writer);
    intake_listener_free(br.intake);    /* answers what the writer stored */
    twilio_client_free(br.twilio);
    api_conversations_free(&br);
    catchup_free(br.catchup);
    conv_cache_free(br.convs);
    sync_email_free(&br);       /* its SMTP submissions in flight */
    sync_reply_free(&br);
    job_runner_free(br.jobs);   /* jobs in hand stay in active/ */
    curl_loop_free(br.curl);
    http_server_free(br.webhook_http);
    http_server_free(br.http);
    event_free(ev_term);
    event_free(ev_int);
    event_free(ev_hup);
    event_free(ev_usr1);
    metrics_free(br.metrics);
    event_base_free(br.base);
    spool_close(br.spool);
    bridge_release(&br);        /* cfg, keys, secrets: maybe reloaded */
    buf_free(why);
    return 0;
}
