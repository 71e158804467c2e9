/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_conn - the connections of one http_server: accepting and counting
 * them, limiting them per server and per client address, and making room
 * when the server is full.  What a connection sends (framing, deadlines)
 * and closing it with a refusal are http_conn_guard.c's.  Private to the
 * server (http_server_int.h).
 *
 * Counting.  evhttp 2.1 has no connection limit and no callback for a new
 * connection, but it asks evhttp_set_bevcb() for the bufferevent of every
 * connection it accepts.  That callback counts the connection, keeps a
 * reference on the bufferevent and activates the "adopt" event; once the
 * accept is done (still before any I/O on the new socket), adopt_pending()
 * finds the connection (evhttp's bufferevent callback argument), sets its
 * close callback, which uncounts it, and puts it under guard.  At
 * max_connections the listener is disabled (further clients wait in the
 * kernel's listen queue), and the oldest connection that has no request
 * in the server's hands and has had at least EVICT_MIN_AGE_MS since it
 * connected or was last answered is closed to make room: a slow or idle
 * client cannot keep a new one out, and a client that has just been let
 * in gets the time to send.  A client address holding client_limit
 * connections on this server has any more closed at once.
 *
 * Those closes go through http_conn_kill, which logs and counts them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server_int.h"
#include "metrics.h"
#include "msg.h"
#include "xalloc.h"

#define EVICT_MIN_AGE_MS    1000
#define EVICT_RETRY_MS      250

struct http_client {
    char *addr;
    unsigned count;
    struct http_client *next;
};

const char *http_listener_name(const struct http_server *srv)
{
    return srv->name ? srv->name : "listen";
}

const char *http_peer_name(struct evhttp_connection *evcon, char *out,
                           size_t size)
{
    char *addr = NULL;
    ev_uint16_t port = 0;

    evhttp_connection_get_peer(evcon, &addr, &port);
    snprintf(out, size, addr && strchr(addr, ':') ? "[%s]:%u" : "%s:%u",
             addr ? addr : "unknown", (unsigned) port);
    return addr;
}

static void count_connections(struct http_server *srv)
{
    const char *labels[] = {"listener", srv->name, NULL};

    metrics_set(srv->metrics, "postmask_http_connections",
                srv->name ? labels : NULL, (double) srv->nconns);
}

/* Client addresses. */

static unsigned addr_hash(const char *addr)
{
    unsigned h = 5381;

    while (*addr)
        h = h * 33 + (unsigned char) *addr++;
    return h % HTTP_CLIENT_BUCKETS;
}

static struct http_client *client_get(struct http_server *srv,
                                      const char *addr)
{
    struct http_client **head = srv->clients + addr_hash(addr), *c;

    for (c = *head; c != NULL; c = c->next)
        if (strcmp(c->addr, addr) == 0)
            return c;
    c = xcalloc(1, sizeof(*c));
    c->addr = xstrdup(addr);
    c->next = *head;
    *head = c;
    return c;
}

static void client_put(struct http_server *srv, struct http_client *client)
{
    struct http_client **p;

    if (--client->count > 0)
        return;
    for (p = srv->clients + addr_hash(client->addr); *p != NULL;
         p = &(*p)->next) {
        if (*p == client) {
            *p = client->next;
            free(client->addr);
            free(client);
            return;
        }
    }
}

/* The listener. */

static void listener_update(struct http_server *srv)
{
    if (srv->freeing)
        return;
    if (srv->nconns >= srv->max_connections && !srv->listener_off) {
        evconnlistener_disable(srv->listener);
        srv->listener_off = 1;
        /* Full: a client waiting to be accepted makes room (on_waiting). */
        event_add(srv->waiting_ev, NULL);
    } else if (srv->nconns < srv->max_connections && srv->listener_off
               && !evtimer_pending(srv->accept_retry_ev, NULL)) {
        event_del(srv->waiting_ev);
        event_del(srv->evict_retry_ev);
        evconnlistener_enable(srv->listener);
        srv->listener_off = 0;
    }
}

static void conn_unlink(struct http_conn *conn)
{
    struct http_server *srv = conn->srv;

    if (conn->prev)
        conn->prev->next = conn->next;
    else
        srv->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    if (conn->fd >= 0 && (size_t) conn->fd < srv->by_fd_len
        && srv->by_fd[conn->fd] == conn)
        srv->by_fd[conn->fd] = NULL;
    if (conn->client)
        client_put(srv, conn->client);
    srv->nconns--;
    count_connections(srv);
    listener_update(srv);
    free(conn);
}

/* evhttp frees a connection: from here on it is gone. */
static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    struct http_conn *conn = arg;

    http_conn_unguard(conn);
    if (conn->ex != NULL)
        http_exchange_lost(conn->ex);
    conn_unlink(conn);
}

/* Called back by evhttp for each accepted connection. */
static struct bufferevent *on_accept(struct event_base *base, void *arg)
{
    struct http_server *srv = arg;
    struct bufferevent *bev;
    struct http_conn *conn;

    if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
        msg_warn("http: cannot create a bufferevent; connection not counted");
        return NULL;
    }
    conn = xcalloc(1, sizeof(*conn));
    conn->srv = srv;
    conn->bev = bev;
    conn->fd = -1;
    clock_gettime(CLOCK_MONOTONIC, &conn->since);
    bufferevent_incref(bev);
    conn->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = conn;
    srv->conns = conn;
    srv->nconns++;
    count_connections(srv);
    listener_update(srv);
    event_active(srv->adopt_ev, EV_TIMEOUT, 0);
    return bev;
}

static void by_fd_set(struct http_server *srv, int fd, struct http_conn *conn)
{
    if ((size_t) fd >= srv->by_fd_len) {
        size_t len = (size_t) fd + 64;

        srv->by_fd = xrealloc(srv->by_fd, len * sizeof(*srv->by_fd));
        memset(srv->by_fd + srv->by_fd_len, 0,
               (len - srv->by_fd_len) * sizeof(*srv->by_fd));
        srv->by_fd_len = len;
    }
    srv->by_fd[fd] = conn;
}

/* Making room. */

static int evictable(const struct http_conn *conn)
{
    return conn->evcon != NULL && conn->busy == 0 && conn->ex == NULL
        && conn->kill_reason == NULL
        && http_ms_since(&conn->since) >= EVICT_MIN_AGE_MS;
}

/*
 * The listener is full and a client waits to be accepted (the listening
 * socket is readable): closes the oldest connection that may go, or looks
 * again a little later.
 */
static void on_waiting(evutil_socket_t fd, short what, void *arg)
{
    struct http_server *srv = arg;
    struct http_conn *conn, *oldest = NULL;
    struct timeval tv = {0, EVICT_RETRY_MS * 1000};

    event_del(srv->waiting_ev);
    for (conn = srv->conns; conn != NULL; conn = conn->next) {
        if (conn->kill_reason != NULL)
            return;             /* a slot is being freed already */
        if (evictable(conn)
            && (oldest == NULL || conn->since.tv_sec < oldest->since.tv_sec
                || (conn->since.tv_sec == oldest->since.tv_sec
                    && conn->since.tv_nsec < oldest->since.tv_nsec)))
            oldest = conn;
    }
    if (oldest != NULL)
        http_conn_kill(oldest, "listener_full", "the listener is full; closed "
                  "the oldest connection without a request", 0);
    else
        evtimer_add(srv->evict_retry_ev, &tv);
}

static void on_evict_retry(evutil_socket_t fd, short what, void *arg)
{
    struct http_server *srv = arg;

    if (srv->listener_off && !srv->freeing)
        event_add(srv->waiting_ev, NULL);
}

/* Adoption. */

static void conn_adopt(struct http_conn *conn, struct bufferevent *bev)
{
    struct http_server *srv = conn->srv;
    const char *addr;

    conn->fd = (int) bufferevent_getfd(bev);
    if (conn->fd >= 0)
        by_fd_set(srv, conn->fd, conn);
    evhttp_connection_set_closecb(conn->evcon, on_conn_close, conn);
    addr = http_peer_name(conn->evcon, conn->peer, sizeof(conn->peer));
    http_conn_guard(conn, bev);
    if (addr != NULL) {
        conn->client = client_get(srv, addr);
        if (++conn->client->count > srv->client_limit
            && srv->client_limit > 0)
            http_conn_kill(conn, "client_limit", "too many connections from "
                      "this client address", 0);
    }
}

/*
 * Finds the evhttp connection of each connection accepted since last time.
 * New connections go to the head of the list, so those not adopted yet
 * come before all others; they are adopted in the order they came (the
 * per-address limit closes the latest).
 */
static void adopt_pending(struct http_server *srv)
{
    struct http_conn *conn, *prev, *last = NULL;

    for (conn = srv->conns; conn != NULL && conn->bev != NULL;
         conn = conn->next)
        last = conn;
    for (conn = last; conn != NULL; conn = prev) {
        struct bufferevent *bev = conn->bev;
        bufferevent_data_cb rcb, wcb;
        bufferevent_event_cb ecb;
        void *cbarg = NULL;

        prev = conn->prev;
        conn->bev = NULL;
        bufferevent_getcb(bev, &rcb, &wcb, &ecb, &cbarg);
        if (cbarg == NULL) {
            /* evhttp has already dropped it (bufferevent_free clears it). */
            conn_unlink(conn);
        } else {
            conn->evcon = cbarg;
            conn_adopt(conn, bev);
        }
        bufferevent_decref(bev);
    }
}

static void on_adopt(evutil_socket_t fd, short what, void *arg)
{
    adopt_pending(arg);
}

struct http_conn *http_conn_of(struct http_server *srv,
                               struct evhttp_connection *evcon)
{
    evutil_socket_t fd;
    int pass;

    if (evcon == NULL)
        return NULL;
    fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
    for (pass = 0; pass < 2 && fd >= 0; pass++) {
        if ((size_t) fd < srv->by_fd_len && srv->by_fd[fd] != NULL
            && srv->by_fd[fd]->evcon == evcon)
            return srv->by_fd[fd];
        adopt_pending(srv);
    }
    return NULL;
}

static void on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
    listener_update(arg);
}

/* accept() failed (out of file descriptors, say): pause for a second. */
static void on_accept_error(struct evconnlistener *listener, void *arg)
{
    struct http_server *srv = arg;
    struct timeval second = {1, 0};

    msg_warn("http: accept on %s: %s; pausing for a second",
             http_listener_name(srv),
             evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    if (!srv->listener_off) {
        evconnlistener_disable(srv->listener);
        srv->listener_off = 1;
    }
    evtimer_add(srv->accept_retry_ev, &second);
}

int http_conn_setup(struct http_server *srv)
{
    srv->adopt_ev = event_new(srv->base, -1, 0, on_adopt, srv);
    srv->accept_retry_ev = evtimer_new(srv->base, on_accept_retry, srv);
    srv->evict_retry_ev = evtimer_new(srv->base, on_evict_retry, srv);
    srv->waiting_ev = event_new(srv->base, evconnlistener_get_fd(srv->listener),
                                EV_READ, on_waiting, srv);
    if (srv->adopt_ev == NULL || srv->accept_retry_ev == NULL
        || srv->evict_retry_ev == NULL || srv->waiting_ev == NULL)
        return -1;
    evconnlistener_set_error_cb(srv->listener, on_accept_error);
    evhttp_set_bevcb(srv->http, on_accept, srv);
    if (srv->metrics) {
        metrics_describe(srv->metrics, "postmask_http_connections", "gauge",
                         "open client connections");
        metrics_describe(srv->metrics, "postmask_http_refused_total",
                         "counter", "client connections closed by the "
                         "server's limits: bad framing, deadlines, a full "
                         "listener, too many from one address");
        count_connections(srv);
    }
    return 0;
}

void http_conn_teardown(struct http_server *srv)
{
    struct http_conn *conn;
    size_t i;

    /* Connections accepted but never adopted. */
    while ((conn = srv->conns) != NULL) {
        struct bufferevent *bev = conn->bev;

        conn_unlink(conn);
        if (bev != NULL)
            bufferevent_decref(bev);
    }
    if (srv->adopt_ev)
        event_free(srv->adopt_ev);
    if (srv->accept_retry_ev)
        event_free(srv->accept_retry_ev);
    if (srv->evict_retry_ev)
        event_free(srv->evict_retry_ev);
    if (srv->waiting_ev)
        event_free(srv->waiting_ev);
    for (i = 0; i < HTTP_CLIENT_BUCKETS; i++) {
        while (srv->clients[i] != NULL) {
            struct http_client *c = srv->clients[i];

            srv->clients[i] = c->next;
            free(c->addr);
            free(c);
        }
    }
    free(srv->by_fd);
}
