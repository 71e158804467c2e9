/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_server_int - what the files of the HTTP server share (the map of
 * who does what is at the top of http_server.c): the server, connection
 * and exchange structures, and the calls each file offers the others.
 * Private to http_server.c, http_route.c, http_exchange.c, http_reply.c,
 * http_conn.c and http_conn_guard.c; everyone else uses http_server.h.
 *
 * Ownership: the server owns its connections, exchanges and routes.  A
 * connection lives from its accept to evhttp's free of it (on_conn_close
 * in http_conn.c); its guard (the tap, deadline and kill events) from its
 * adoption to that close.  An exchange lives until it is answered
 * (http_reply.c) or the server is freed.
 */
#ifndef POSTMASK_HTTP_SERVER_INT_H
#define POSTMASK_HTTP_SERVER_INT_H

#include <stddef.h>
#include <time.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "http_framing.h"
#include "http_server.h"

struct http_route;
struct http_client;

struct http_header {
    char *name;
    char *value;
};

/* One client connection, from its accept to its close. */
struct http_conn {
    struct http_server *srv;
    struct bufferevent *bev;        /* referenced until adopted */
    struct evhttp_connection *evcon;        /* NULL until adopted */
    struct http_exchange *ex;       /* its unanswered exchange, or NULL */
    int fd;
    char peer[80];                  /* "ADDR:PORT" for the logs */
    struct http_client *client;     /* its address's count, or NULL */
    /* The guard's (http_conn_guard.c), set up at adoption: */
    struct http_framing framing;    /* the requests as they arrive */
    struct evbuffer_cb_entry *tap;  /* on the input buffer */
    struct event *deadline_ev;      /* header or body deadline */
    struct event *kill_ev;          /* closes it from the loop */
    const char *kill_reason;        /* for the log and the metrics */
    const char *kill_detail;
    int kill_status;                /* answered before closing, or 0 */
    unsigned busy;                  /* whole requests not answered yet */
    int in_body;                    /* a request head came, its body not */
    struct timespec since;          /* connected, or last answered */
    struct http_conn *prev;
    struct http_conn *next;
};

struct http_exchange {
    struct http_server *srv;
    struct evhttp_request *req;     /* NULL once the client is gone */
    struct http_conn *conn;         /* NULL once the client is gone */
    struct event *gone_ev;          /* watches an unanswered exchange */
    const char *route_name;
    char *method;
    char *path;
    char *query;                    /* or NULL */
    struct http_header *headers;
    size_t nheaders;
    char *body;
    size_t body_len;
    char peer[80];
    struct timespec start;
    struct http_header *out;        /* headers of the answer */
    size_t nout;
    int close;                      /* answer with Connection: close */
    struct http_exchange *prev;
    struct http_exchange *next;
};

#define HTTP_CLIENT_BUCKETS 1024

struct http_server {
    struct event_base *base;
    struct evhttp *http;
    struct evconnlistener *listener;        /* owned by http */
    struct metrics *metrics;
    const char *name;               /* for logs and metrics, or NULL */
    size_t max_body;
    size_t max_headers;
    unsigned max_connections;
    unsigned client_limit;          /* per address; 0: none */
    long header_timeout_s;          /* 0: none */
    long body_timeout_s;            /* 0: none */
    unsigned nconns;
    int listener_off;
    int early_close;                /* the backend has EV_CLOSED */
    int freeing;
    int port;
    struct event *adopt_ev;
    struct event *accept_retry_ev;
    struct event *evict_retry_ev;
    struct event *waiting_ev;       /* full, and a client waits */
    struct http_conn *conns;        /* newest first */
    struct http_conn **by_fd;       /* adopted connections by socket */
    size_t by_fd_len;
    struct http_client *clients[HTTP_CLIENT_BUCKETS];
    struct http_exchange *exchanges;
    struct http_exchange *dispatching;      /* inside its handler */
    struct http_route *routes;
    size_t nroutes;
};

/* Names for the log lines and the request metrics of an unknown path. */
#define HTTP_ROUTE_UNKNOWN  "unknown"
#define HTTP_LOG_PATH_MAX   200     /* bytes of a path in a log line */

/* http_server.c */
/* Milliseconds since start (CLOCK_MONOTONIC). */
long http_ms_since(const struct timespec *start);
/* evhttp's own limit for one of ours: set higher, so that ours answer. */
ev_ssize_t http_evhttp_limit(size_t ours);

/* http_route.c */
/* evhttp's callback for every whole request (its arg is the server). */
void http_route_dispatch(struct evhttp_request *req, void *srv);
void http_routes_free(struct http_server *srv);

/* http_exchange.c: the exchange's life; accessors are in http_server.h. */
/*
 * A copy of req, on the server's list; header_bytes gets the size of its
 * request line and headers, for the dispatch's limit.
 */
struct http_exchange *http_exchange_new(struct http_server *srv,
                                        struct evhttp_request *req,
                                        size_t *header_bytes);
/* Unlinks and frees ex (detaching it first). */
void http_exchange_free(struct http_exchange *ex);
/* Makes ex independent of its connection and of evhttp's request. */
void http_exchange_detach(struct http_exchange *ex);
/* Its handler returned unanswered: watches for the client going away. */
void http_exchange_wait(struct http_exchange *ex);
/* evhttp frees the connection under an unanswered ex (http_conn.c). */
void http_exchange_lost(struct http_exchange *ex);

/* http_conn.c */
int http_conn_setup(struct http_server *srv);   /* after evhttp_new */
void http_conn_teardown(struct http_server *srv);       /* after evhttp_free */
struct http_conn *http_conn_of(struct http_server *srv,
                               struct evhttp_connection *evcon);
/* The listener's name in logs and metrics: srv->name or "listen". */
const char *http_listener_name(const struct http_server *srv);
/*
 * Writes "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of evcon's client into out;
 * returns ADDR (evhttp's, valid as long as evcon) or NULL.
 */
const char *http_peer_name(struct evhttp_connection *evcon, char *out,
                           size_t size);

/* http_conn_guard.c */
/* At adoption: the framing check, the tap on bev's input, the deadlines. */
void http_conn_guard(struct http_conn *conn, struct bufferevent *bev);
/* At close (while conn->evcon still exists): undoes http_conn_guard. */
void http_conn_unguard(struct http_conn *conn);
/*
 * Closes conn from the loop, answering status first (0: no answer), and
 * logs and counts it under reason; once per connection.
 */
void http_conn_kill(struct http_conn *conn, const char *reason,
                    const char *detail, int status);
/* The answer to one of its requests has been queued (http_reply.c). */
void http_conn_answered(struct http_conn *conn);

#endif
