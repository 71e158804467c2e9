/*
 * postmask-bridge - the libevent daemon between Twilio and Postfix.
 *
 * This is the process skeleton: it loads and checks the configuration, the
 * address keys and its secrets, opens the spool, and runs its event loop
 * until SIGTERM or SIGINT.  The HTTP server, the Twilio client and the sync
 * jobs arrive with their own modules.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "address_keys.h"
#include "config.h"
#include "daemon_args.h"
#include "msg.h"
#include "secret_file.h"
#include "spool.h"

#define USAGE "[-fvV] [-c config_dir]"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct event_base *base = arg;

    msg_info("stopping: signal %d", (int) sig);
    event_base_loopbreak(base);
}

/* Reads a secret only to check it; the modules that use it keep their own. */
static void check_secret(const char *name, const char *path)
{
    struct buf *why = buf_create(128);
    char *secret;
    size_t len;

    if (secret_file_read(path, SECRET_FILE_MAX, &secret, &len, why) < 0)
        msg_fatal("%s: %s", name, why->data);
    secret_free(secret, len);
    buf_free(why);
}

int main(int argc, char **argv)
{
    struct program_opts opts;
    struct config *cfg;
    struct address_keys *keys;
    struct spool *spool;
    struct event_base *base;
    struct event *ev_term, *ev_int;
    struct buf *why = buf_create(128);

    cfg = program_start(argc, argv, CONFIG_FOR_BRIDGE, 0, USAGE, &opts);
    if (optind != argc)
        msg_fatal("usage: %s %s", msg_progname(), USAGE);
    if ((keys = address_keys_load(cfg->address_keys_file, why)) == NULL)
        msg_fatal("%s", why->data);
    check_secret("twilio_auth_token_file", cfg->twilio_auth_token_file);
    check_secret("api_token_file", cfg->api_token_file);
    if ((spool = spool_open(cfg->spool_directory, 1, why)) == NULL)
        msg_fatal("%s", why->data);

    daemon_detach(&opts);
    if ((base = event_base_new()) == NULL)
        msg_fatal("event_base_new failed");
    ev_term = evsignal_new(base, SIGTERM, on_signal, base);
    ev_int = evsignal_new(base, SIGINT, on_signal, base);
    if (ev_term == NULL || ev_int == NULL
        || evsignal_add(ev_term, NULL) < 0 || evsignal_add(ev_int, NULL) < 0)
        msg_fatal("cannot install signal handlers");
    signal(SIGPIPE, SIG_IGN);
    msg_info("starting: config %s, Twilio %s, listen %s, spool %s",
             cfg->config_file, cfg->twilio_api_url, cfg->bridge_listen,
             cfg->spool_directory);
    if (event_base_dispatch(base) < 0)
        msg_fatal("event loop failed");
    event_free(ev_term);
    event_free(ev_int);
    event_base_free(base);
    spool_close(spool);
    address_keys_free(keys);
    config_free(cfg);
    buf_free(why);
    return 0;
}
