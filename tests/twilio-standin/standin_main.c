/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_main - twilio-standin's options, start-up, loop and shutdown.
 *
 * usage: twilio-standin -a ACCOUNT_SID -t TOKEN_FILE [-l HOST:PORT]
 *            [-p PORT_FILE] [-k SKSID:SECRET_FILE] [-w WEBHOOK_URL]
 *            [-T WEBHOOK_TIMEOUT] [-s SPEC_FILE] [-S CHAT_SERVICE_SID]
 *
 *   -l  where to listen (default 127.0.0.1:0; port 0: any free port)
 *   -p  write the bound port there (atomically, once listening)
 *   -a  the account SID (AC + 32 hex digits)
 *   -t  the auth token file (secret_file.h rules): the Basic password of
 *       the account SID and the key that signs webhooks
 *   -k  an API key also accepted for Basic auth: SK SID and secret file
 *   -w  the post-event webhook URL (http only)
 *   -T  the webhook timeout in seconds (default 5, Twilio's)
 *   -s  the derived spec (default: the one in the source tree)
 *   -S  the chat service SID reported (IS + 32 hex digits)
 *
 * Logs one line per request to stderr.  SIGTERM or SIGINT stops it
 * cleanly: requests left hanging are answered 503, webhooks in flight are
 * cancelled, everything is freed.  Exit status 0 after a signal, 1 when it
 * cannot start.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

#include "buf.h"
#include "msg.h"
#include "secret_file.h"
#include "standin.h"
#include "standin_config.h"
#include "standin_faults.h"
#include "standin_server.h"
#include "standin_spec.h"
#include "standin_store.h"
#include "standin_webhook.h"
#include "xalloc.h"

#ifndef STANDIN_SPEC_DEFAULT
#define STANDIN_SPEC_DEFAULT "conversations-v1-params.json"
#endif

#define SI_DEFAULT_SERVICE      "IS00000000000000000000000000000000"
#define SI_DEFAULT_MG           "MG00000000000000000000000000000000"

static void usage(void)
{
    msg_fatal("usage: twilio-standin -a ACCOUNT_SID -t TOKEN_FILE "
              "[-l HOST:PORT] [-p PORT_FILE] [-k SKSID:SECRET_FILE] "
              "[-w WEBHOOK_URL] [-T SECONDS] [-s SPEC_FILE] [-S ISSID]");
}

static int sid_ok(const char *sid, const char *prefix)
{
    return strlen(sid) == 34 && strncmp(sid, prefix, 2) == 0
        && strspn(sid + 2, "0123456789abcdefABCDEF") == 32;
}

static char *read_secret(const char *path)
{
    struct buf *why = buf_create(64);
    char *secret;
    size_t len;

    if (secret_file_read(path, SECRET_FILE_MAX, &secret, &len, why) < 0)
        msg_fatal("%s", why->data);
    buf_free(why);
    return secret;
}

/* Binds HOST:PORT; returns the bound port. */
static int listen_on(struct standin *si, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    struct evhttp_bound_socket *sock;
    struct sockaddr_storage ss;
    ev_socklen_t sslen = sizeof(ss);
    char *host;
    int port;

    if (colon == NULL || colon == listen)
        msg_fatal("-l %s: not HOST:PORT", listen);
    host = xstrndup(listen, (size_t) (colon - listen));
    port = atoi(colon + 1);
    if ((sock = evhttp_bind_socket_with_handle(si->http, host,
                                               (ev_uint16_t) port)) == NULL)
        msg_fatal("cannot listen on %s: %m", listen);
    if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *) &ss,
                    &sslen) < 0)
        msg_fatal("getsockname: %m");
    port = ss.ss_family == AF_INET6
        ? ntohs(((struct sockaddr_in6 *) &ss)->sin6_port)
        : ntohs(((struct sockaddr_in *) &ss)->sin_port);
    {
        struct buf *b = buf_create(64);

        if (strchr(host, ':'))
            buf_printf(b, "http://[%s]:%d", host, port);
        else
            buf_printf(b, "http://%s:%d", strcmp(host, "0.0.0.0") == 0
                       ? "127.0.0.1" : host, port);
        si->base_url = buf_detach(b, NULL);
    }
    free(host);
    return port;
}

static void write_port(const char *path, int port)
{
    struct buf *tmp = buf_create(64);
    FILE *fp;

    buf_printf(tmp, "%s.tmp", path);
    if ((fp = fopen(tmp->data, "w")) == NULL
        || fprintf(fp, "%d\n", port) < 0 || fclose(fp) != 0)
        msg_fatal("%s: %m", tmp->data);
    if (rename(tmp->data, path) < 0)
        msg_fatal("rename %s %s: %m", tmp->data, path);
    buf_free(tmp);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct event_base *base = arg;

    msg_info("stopping: signal %d", (int) sig);
    event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
    struct standin si;
    const char *listen = "127.0.0.1:0", *port_file = NULL;
    const char *token_file = NULL, *key = NULL, *spec_file = STANDIN_SPEC_DEFAULT;
    struct event *ev_term, *ev_int;
    struct buf *why = buf_create(64);
    int c, port;

    msg_init("twilio-standin", MSG_STDERR);
    memset(&si, 0, sizeof(si));
    si.webhook_timeout = 5;
    while ((c = getopt(argc, argv, "l:p:a:t:k:w:T:s:S:")) != -1) {
        switch (c) {
        case 'l':
            listen = optarg;
            break;
        case 'p':
            port_file = optarg;
            break;
        case 'a':
            si.account_sid = xstrdup(optarg);
            break;
        case 't':
            token_file = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'w':
            si.webhook_url = xstrdup(optarg);
            break;
        case 'T':
            if ((si.webhook_timeout = atol(optarg)) < 1)
                msg_fatal("-T %s: not a positive number of seconds", optarg);
            break;
        case 's':
            spec_file = optarg;
            break;
        case 'S':
            si.service_sid = xstrdup(optarg);
            break;
        default:
            usage();
        }
    }
    if (optind != argc || si.account_sid == NULL || token_file == NULL)
        usage();
    if (!sid_ok(si.account_sid, "AC"))
        msg_fatal("-a %s: not AC and 32 hex digits", si.account_sid);
    if (si.service_sid == NULL)
        si.service_sid = xstrdup(SI_DEFAULT_SERVICE);
    if (!sid_ok(si.service_sid, "IS"))
        msg_fatal("-S %s: not IS and 32 hex digits", si.service_sid);
    si.messaging_service_sid = xstrdup(SI_DEFAULT_MG);
    si.token = read_secret(token_file);
    si.token_len = strlen(si.token);
    if (key) {
        const char *colon = strchr(key, ':');

        if (colon == NULL)
            msg_fatal("-k %s: not SKSID:FILE", key);
        si.key_sid = xstrndup(key, (size_t) (colon - key));
        if (!sid_ok(si.key_sid, "SK"))
            msg_fatal("-k: %s is not SK and 32 hex digits", si.key_sid);
        si.key_secret = read_secret(colon + 1);
        si.key_secret_len = strlen(si.key_secret);
    }
    if (si.webhook_url && si_webhook_url_ok(si.webhook_url, why) < 0)
        msg_fatal("-w: %s", why->data);
    if ((si.spec = si_spec_load(spec_file, why)) == NULL)
        msg_fatal("spec: %s", why->data);

    signal(SIGPIPE, SIG_IGN);
    if ((si.base = event_base_new()) == NULL
        || (si.http = evhttp_new(si.base)) == NULL)
        msg_fatal("cannot set up libevent");
    evhttp_set_allowed_methods(si.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST
                               | EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT
                               | EVHTTP_REQ_PATCH);
    evhttp_set_max_body_size(si.http, SI_MAX_BODY);
    evhttp_set_gencb(si.http, si_server_handle, &si);
    si.store = si_store_create(si.messaging_service_sid);
    si.faults = si_faults_create();
    si.webhooks = si_webhooks_create();
    si.requests = json_array();
    si.sink = json_array();
    si_config_init(&si);
    port = listen_on(&si, listen);
    ev_term = evsignal_new(si.base, SIGTERM, on_signal, si.base);
    ev_int = evsignal_new(si.base, SIGINT, on_signal, si.base);
    event_add(ev_term, NULL);
    event_add(ev_int, NULL);
    if (port_file)
        write_port(port_file, port);
    msg_info("starting: listening on %s, account %s, service %s, webhook %s",
             si.base_url, si.account_sid, si.service_sid,
             si.webhook_url ? si.webhook_url : "(none)");

    event_base_dispatch(si.base);

    /* Answer what still waits, give the answers a chance to leave. */
    si_hung_free_all(&si);
    si_webhooks_free(si.webhooks);
    event_base_loop(si.base, EVLOOP_NONBLOCK);
    event_base_loop(si.base, EVLOOP_NONBLOCK);
    evhttp_free(si.http);
    event_free(ev_term);
    event_free(ev_int);
    event_base_free(si.base);
    si_store_free(si.store);
    si_faults_free(si.faults);
    si_spec_free(si.spec);
    json_decref(si.requests);
    json_decref(si.sink);
    si_config_free(&si);
    secret_free(si.token, si.token_len);
    if (si.key_secret)
        secret_free(si.key_secret, si.key_secret_len);
    free(si.key_sid);
    free(si.account_sid);
    free(si.service_sid);
    free(si.messaging_service_sid);
    free(si.webhook_url);
    free(si.base_url);
    buf_free(why);
    return 0;
}
