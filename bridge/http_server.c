/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_server - the bridge's HTTP/1.1 server on libevent 2.1's evhttp (see
 * http_server.h): creating it on its listening socket, and freeing it.
 *
 * The files of the server, one job each, sharing http_server_int.h:
 *   http_server.c      the server: listening socket, evhttp's settings and
 *                      limits, create and free
 *   http_route.c       the route table, and the dispatch of each request:
 *                      our limits, 404 and 405, the handler
 *   http_exchange.c    the exchange: a copy of the request that outlives
 *                      its client, the watch for that client, accessors
 *   http_reply.c       answers: headers, log line, metrics, JSON errors
 *   http_conn.c        connections: accepting and counting them, the
 *                      listener's and each client address's limits, making
 *                      room when full
 *   http_conn_guard.c  what a connection sends: the strict framing check
 *                      (http_framing.c), header and body deadlines, and
 *                      closing a connection with a refusal
 *
 * Limits answered in JSON.  evhttp refuses a body over its own limit with
 * its own 413 HTML page before any callback, and headers over its limit with
 * a 400.  Its limits are therefore set above ours (twice ours, at least 4
 * KiB more: http_evhttp_limit), and ours are checked by the dispatch
 * (http_route.c), so that a client over our limit (but under evhttp's) gets
 * the JSON 413 or 431.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/listener.h>

#include "http_server.h"
#include "http_server_int.h"
#include "metrics.h"
#include "msg.h"
#include "xalloc.h"

/* The clock of the log lines and of eviction, for all the files. */
long http_ms_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long) (now.tv_sec - start->tv_sec) * 1000
        + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* The listening socket. */

static evutil_socket_t listen_socket(const char *listen_addr, struct buf *why)
{
    struct addrinfo hints, *ai = NULL;
    char host[256];
    const char *colon = strrchr(listen_addr, ':');
    const char *h = listen_addr;
    size_t hlen;
    evutil_socket_t fd;
    int err, on = 1;

    if (colon == NULL || colon == listen_addr) {
        buf_printf(why, "listen %s: expected HOST:PORT", listen_addr);
        return -1;
    }
    hlen = (size_t) (colon - listen_addr);
    if (h[0] == '[' && hlen >= 2 && colon[-1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof(host)) {
        buf_printf(why, "listen %s: host name too long", listen_addr);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((err = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
        buf_printf(why, "listen %s: %s", listen_addr, gai_strerror(err));
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        buf_printf(why, "listen %s: socket: %s", listen_addr, strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0
        || listen(fd, SOMAXCONN) < 0) {
        buf_printf(why, "listen %s: %s", listen_addr, strerror(errno));
        close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static int bound_port(evutil_socket_t fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *) &ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
    return -1;
}

/* The server. */

/* evhttp's own limit: twice ours, and at least 4 KiB more. */
ev_ssize_t http_evhttp_limit(size_t ours)
{
    size_t more = ours < 4096 ? 4096 : ours;

    return (ev_ssize_t) (ours + more);
}

struct http_server *http_server_create(struct event_base *base,
                                       const struct http_server_opts *opts,
                                       struct buf *why)
{
    struct http_server *srv;
    evutil_socket_t fd;

    if (opts->max_connections == 0 || opts->timeout_s <= 0
        || opts->timeout_s > 86400) {
        buf_printf(why, "http server: bad limits (connections %u, "
                   "timeout %lds)", opts->max_connections, opts->timeout_s);
        return NULL;
    }
    if ((fd = listen_socket(opts->listen, why)) < 0)
        return NULL;
    srv = xcalloc(1, sizeof(*srv));
    srv->base = base;
    srv->metrics = opts->metrics;
    srv->max_body = opts->max_body;
    srv->max_headers = opts->max_headers;
    srv->max_connections = opts->max_connections;
    srv->name = opts->name;
    srv->client_limit = opts->client_limit;
    srv->header_timeout_s = opts->header_timeout_s;
    srv->body_timeout_s = opts->body_timeout_s;
    srv->early_close =
        (event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE) != 0;
    srv->port = bound_port(fd);
    srv->http = evhttp_new(base);
    srv->listener = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE
                                       | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
    if (srv->listener == NULL)
        close(fd);
    if (srv->http == NULL || srv->listener == NULL
        || evhttp_bind_listener(srv->http, srv->listener) == NULL
        || http_conn_setup(srv) < 0) {
        buf_printf(why, "listen %s: cannot set up the HTTP server",
                   opts->listen);
        if (srv->listener)
            evconnlistener_free(srv->listener);
        if (srv->http)
            evhttp_free(srv->http);
        http_conn_teardown(srv);
        free(srv);
        return NULL;
    }
    evhttp_set_gencb(srv->http, http_route_dispatch, srv);
    evhttp_set_max_body_size(srv->http, http_evhttp_limit(opts->max_body));
    evhttp_set_max_headers_size(srv->http,
                                http_evhttp_limit(opts->max_headers));
    evhttp_set_timeout(srv->http, (int) opts->timeout_s);
    evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST
                               | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT
                               | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS
                               | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT
                               | EVHTTP_REQ_PATCH);
    if (srv->metrics) {
        metrics_describe(srv->metrics, "postmask_http_requests_total",
                         "counter", "HTTP requests answered, by route and "
                         "status (0: no answer reached the client)");
        metrics_describe(srv->metrics, "postmask_http_dropped_replies_total",
                         "counter", "answers not sent because the client "
                         "had gone away");
    }
    return srv;
}

int http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_server_free(struct http_server *srv)
{
    if (srv == NULL)
        return;
    srv->freeing = 1;
    /* Exchanges nobody answered: counted without an answer. */
    while (srv->exchanges != NULL) {
        struct http_exchange *ex = srv->exchanges;
        const char *labels[] = {"route", ex->route_name, "status", "0", NULL};

        msg_info("http: %s %s %.*s 0 0 %ldms, not answered: server stopping",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path,
                 http_ms_since(&ex->start));
        metrics_add(srv->metrics, "postmask_http_requests_total", labels, 1);
        http_exchange_free(ex);
    }
    /* Frees the listener and every connection (on_conn_close uncounts). */
    evhttp_free(srv->http);
    http_conn_teardown(srv);
    http_routes_free(srv);
    free(srv);
}
