/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_server - the bridge's HTTP/1.1 server on libevent 2.1's evhttp; see
 * http_server.h.
 *
 * What evhttp 2.1 does not do, and how this file does it:
 *
 * Connections: counting and limiting them, their deadlines and the strict
 * check of request framing are http_conn.c's (http_server_int.h).
 *
 * Exchanges that outlive their client.  While a request waits for its
 * handler, evhttp does not read from the connection, so it would notice a
 * client that went away only when the answer fails to be written -- and it
 * frees its request whenever it frees the connection.  The handler gets an
 * exchange of ours instead: a copy of the request (method, path, headers,
 * body) that stays valid whatever happens to the connection.  While it is
 * unanswered, an event watches the socket for the client's close (EV_CLOSED
 * where the backend has it; EOF or an error otherwise).  When the client
 * goes, the connection is freed at once (its slot counts again) and the
 * exchange is detached from the evhttp request; the handler's answer is
 * then dropped, logged and counted.  A client that half-closes its side
 * after the request counts as gone.
 *
 * Limits answered in JSON.  evhttp refuses a body over its own limit with
 * its own 413 HTML page before any callback, and headers over its limit with
 * a 400.  Its limits are therefore set above ours (twice ours, at least 4
 * KiB more), and ours are checked here, so that a client over our limit
 * (but under evhttp's) gets the JSON 413 or 431.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http_server.h"
#include "http_server_int.h"
#include "metrics.h"
#include "msg.h"
#include "utf8.h"
#include "xalloc.h"

#define HTTP_LOG_PATH_MAX   200     /* bytes of a path in a log line */

struct http_route {
    char *method;
    char *path;
    char *name;
    http_handler *handler;
    void *arg;
    size_t max_body;                /* 0: the server's */
};

/* Names for the log lines and the request metrics. */
#define ROUTE_UNKNOWN   "unknown"

static const char *const http_methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    "PATCH",
};

static const char *method_name(enum evhttp_cmd_type type)
{
    switch (type) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_TRACE:
        return "TRACE";
    case EVHTTP_REQ_CONNECT:
        return "CONNECT";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    default:
        return "UNKNOWN";
    }
}

static const char *status_phrase(int status)
{
    static const struct {
        int status;
        const char *phrase;
    } phrases[] = {
        {200, "OK"}, {201, "Created"}, {202, "Accepted"},
        {204, "No Content"}, {400, "Bad Request"}, {401, "Unauthorized"},
        {403, "Forbidden"}, {404, "Not Found"},
        {405, "Method Not Allowed"}, {409, "Conflict"},
        {413, "Payload Too Large"}, {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"}, {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"}, {501, "Not Implemented"},
        {502, "Bad Gateway"}, {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    size_t i;

    for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
        if (phrases[i].status == status)
            return phrases[i].phrase;
    return NULL;
}

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long) (now.tv_sec - start->tv_sec) * 1000
        + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Makes ex independent of the connection and of evhttp's request. */
static void exchange_detach(struct http_exchange *ex)
{
    if (ex->gone_ev != NULL) {
        event_free(ex->gone_ev);
        ex->gone_ev = NULL;
    }
    if (ex->conn != NULL)
        ex->conn->ex = NULL;
    ex->conn = NULL;
    ex->req = NULL;
}

/* evhttp frees the connection under an unanswered exchange. */
void http_exchange_lost(struct http_exchange *ex)
{
    /*
     * When evhttp detached the request first (a read error or timeout),
     * nobody else frees it.
     */
    if (ex->req != NULL && evhttp_request_get_connection(ex->req) == NULL)
        evhttp_request_free(ex->req);
    exchange_detach(ex);
}

/* Exchanges. */

static void exchange_free(struct http_exchange *ex)
{
    struct http_server *srv = ex->srv;
    size_t i;

    exchange_detach(ex);
    if (srv->dispatching == ex)
        srv->dispatching = NULL;
    if (ex->prev)
        ex->prev->next = ex->next;
    else
        srv->exchanges = ex->next;
    if (ex->next)
        ex->next->prev = ex->prev;
    for (i = 0; i < ex->nheaders; i++) {
        free(ex->headers[i].name);
        free(ex->headers[i].value);
    }
    for (i = 0; i < ex->nout; i++) {
        free(ex->out[i].name);
        free(ex->out[i].value);
    }
    free(ex->headers);
    free(ex->out);
    free(ex->method);
    free(ex->path);
    free(ex->query);
    free(ex->body);
    free(ex);
}

/* Copies what the handler may read, so that it outlives the request. */
static struct http_exchange *exchange_new(struct http_server *srv,
                                          struct evhttp_request *req,
                                          size_t *header_bytes)
{
    struct http_exchange *ex = xcalloc(1, sizeof(*ex));
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    const char *uri_text = evhttp_request_get_uri(req);
    struct evkeyval *kv;
    size_t n;

    clock_gettime(CLOCK_MONOTONIC, &ex->start);
    ex->srv = srv;
    ex->req = req;
    ex->route_name = ROUTE_UNKNOWN;
    ex->method = xstrdup(method_name(evhttp_request_get_command(req)));
    ex->path = xstrdup(uri && evhttp_uri_get_path(uri)
                       ? evhttp_uri_get_path(uri) : "");
    if (uri && evhttp_uri_get_query(uri))
        ex->query = xstrdup(evhttp_uri_get_query(uri));
    /* Request line and headers as counted on the wire, less the CRLFs. */
    *header_bytes = strlen(ex->method) + 1 + (uri_text ? strlen(uri_text) : 0)
        + 9;
    for (kv = in->tqh_first, n = 0; kv != NULL; kv = kv->next.tqe_next)
        n++;
    ex->headers = xcalloc(n ? n : 1, sizeof(*ex->headers));
    for (kv = in->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        ex->headers[ex->nheaders].name = xstrdup(kv->key);
        ex->headers[ex->nheaders].value = xstrdup(kv->value);
        ex->nheaders++;
        *header_bytes += strlen(kv->key) + 2 + strlen(kv->value);
    }
    ex->body_len = evbuffer_get_length(body);
    ex->body = xmalloc(ex->body_len + 1);
    if (ex->body_len > 0)
        evbuffer_copyout(body, ex->body, ex->body_len);
    ex->body[ex->body_len] = '\0';
    if (evcon != NULL) {
        char *addr = NULL;
        ev_uint16_t port = 0;

        evhttp_connection_get_peer(evcon, &addr, &port);
        snprintf(ex->peer, sizeof(ex->peer),
                 addr && strchr(addr, ':') ? "[%s]:%u" : "%s:%u",
                 addr ? addr : "unknown", (unsigned) port);
    } else {
        snprintf(ex->peer, sizeof(ex->peer), "unknown");
    }
    ex->next = srv->exchanges;
    if (srv->exchanges)
        srv->exchanges->prev = ex;
    srv->exchanges = ex;
    return ex;
}

/* The client has gone away while its exchange waits for an answer. */
static void exchange_gone(struct http_exchange *ex)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(ex->req);

    if (msg_verbose())
        msg_info("http: %s %s %.*s: the client went away before the answer",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path);
    exchange_detach(ex);
    /* Frees evhttp's request with it, and uncounts the connection. */
    if (evcon != NULL)
        evhttp_connection_free(evcon);
}

static void watch_gone(struct http_exchange *ex, int with_read);

static void on_gone(evutil_socket_t fd, short what, void *arg)
{
    struct http_exchange *ex = arg;
    char c;
    ssize_t n;

    if (!(what & EV_CLOSED)) {
        n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
                      || errno == EINTR))
            return;
        if (n > 0) {
            /* The client sends its next request early: it is there. */
            event_free(ex->gone_ev);
            ex->gone_ev = NULL;
            if (ex->srv->early_close)
                watch_gone(ex, 0);
            return;
        }
    }
    exchange_gone(ex);
}

/*
 * Watches the socket of an unanswered exchange for the client's close: EOF
 * or an error on reading (with_read), or EV_CLOSED where the backend has it
 * (once the client has sent more data, only EV_CLOSED can tell).
 */
static void watch_gone(struct http_exchange *ex, int with_read)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(ex->req);
    evutil_socket_t fd;
    short events = EV_PERSIST;

    if (evcon == NULL
        || (fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon))) < 0)
        return;
    if (ex->srv->early_close)
        events |= EV_CLOSED;
    if (with_read)
        events |= EV_READ;
    ex->gone_ev = event_new(ex->srv->base, fd, events, on_gone, ex);
    if (ex->gone_ev == NULL || event_add(ex->gone_ev, NULL) < 0)
        msg_warn("http: %s: cannot watch the connection", ex->peer);
}

/* Routing. */

static const struct http_route *route_find(const struct http_server *srv,
                                           const char *method,
                                           const char *path, int *path_known)
{
    const struct http_route *get = NULL;
    size_t i;

    *path_known = 0;
    for (i = 0; i < srv->nroutes; i++) {
        const struct http_route *r = srv->routes + i;

        if (strcmp(r->path, path) != 0)
            continue;
        *path_known = 1;
        if (strcmp(r->method, method) == 0)
            return r;
        if (strcmp(r->method, "GET") == 0)
            get = r;
    }
    /* HEAD is GET without the body (evhttp leaves the body out). */
    if (strcmp(method, "HEAD") == 0)
        return get;
    return NULL;
}

static const char *route_name_of_path(const struct http_server *srv,
                                      const char *path)
{
    size_t i;

    for (i = 0; i < srv->nroutes; i++)
        if (strcmp(srv->routes[i].path, path) == 0)
            return srv->routes[i].name;
    return ROUTE_UNKNOWN;
}

static void allow_header(const struct http_server *srv, const char *path,
                         struct buf *allow)
{
    size_t i;
    int get = 0;

    for (i = 0; i < srv->nroutes; i++) {
        if (strcmp(srv->routes[i].path, path) != 0)
            continue;
        if (allow->len)
            buf_append_str(allow, ", ");
        buf_append_str(allow, srv->routes[i].method);
        get |= strcmp(srv->routes[i].method, "GET") == 0;
    }
    if (get)
        buf_append_str(allow, ", HEAD");
}

/* evhttp's callback for every request it has read completely. */
static void on_request(struct evhttp_request *req, void *arg)
{
    struct http_server *srv = arg;
    const struct http_route *route;
    struct http_exchange *ex;
    size_t header_bytes;
    int path_known;

    ex = exchange_new(srv, req, &header_bytes);
    if ((ex->conn = http_conn_of(srv, evhttp_request_get_connection(req)))
        != NULL)
        ex->conn->ex = ex;
    ex->route_name = route_name_of_path(srv, ex->path);
    if (header_bytes > srv->max_headers) {
        ex->close = 1;
        http_reply_error(ex, 431, "headers_too_large", NULL,
                         "the request line and headers are larger than "
                         "%zu bytes", srv->max_headers);
        return;
    }
    route = route_find(srv, ex->method, ex->path, &path_known);
    if (ex->body_len > (route && route->max_body ? route->max_body
                        : srv->max_body)) {
        ex->close = 1;
        http_reply_error(ex, 413, "payload_too_large", NULL,
                         "the request body is larger than %zu bytes",
                         route && route->max_body ? route->max_body
                         : srv->max_body);
        return;
    }
    if (route == NULL && !path_known) {
        http_reply_error(ex, 404, "not_found", NULL,
                         "there is no resource at this path");
        return;
    }
    if (route == NULL) {
        struct buf *allow = buf_create(32);

        allow_header(srv, ex->path, allow);
        http_exchange_add_header(ex, "Allow", allow->data);
        http_reply_error(ex, 405, "method_not_allowed", NULL,
                         "%s accepts %s", ex->path, allow->data);
        buf_free(allow);
        return;
    }
    srv->dispatching = ex;
    route->handler(ex, route->arg);
    if (srv->dispatching == ex) {
        /* Not answered yet: the answer comes later from the loop. */
        srv->dispatching = NULL;
        watch_gone(ex, 1);
    }
}

/* The server. */

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

/* evhttp's own limit: twice ours, and at least 4 KiB more. */
static ev_ssize_t evhttp_limit(size_t ours)
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
    evhttp_set_gencb(srv->http, on_request, srv);
    evhttp_set_max_body_size(srv->http, evhttp_limit(opts->max_body));
    evhttp_set_max_headers_size(srv->http, evhttp_limit(opts->max_headers));
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

void http_server_route(struct http_server *srv, const char *method,
                       const char *path, const char *route_name,
                       http_handler *handler, void *arg)
{
    struct http_route *r;
    size_t i;
    int known = 0;

    for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
        known |= strcmp(http_methods[i], method) == 0;
    if (!known || path[0] != '/')
        msg_panic("http_server_route: bad route %s %s", method, path);
    for (i = 0; i < srv->nroutes; i++)
        if (strcmp(srv->routes[i].method, method) == 0
            && strcmp(srv->routes[i].path, path) == 0)
            msg_panic("http_server_route: %s %s registered twice", method,
                      path);
    srv->routes = xrealloc(srv->routes, (srv->nroutes + 1)
                           * sizeof(*srv->routes));
    r = srv->routes + srv->nroutes++;
    r->method = xstrdup(method);
    r->path = xstrdup(path);
    r->name = xstrdup(route_name);
    r->handler = handler;
    r->arg = arg;
    r->max_body = 0;
}

void http_server_route_limit(struct http_server *srv, const char *method,
                             const char *path, size_t max_body)
{
    size_t i, largest = srv->max_body;

    for (i = 0; i < srv->nroutes; i++) {
        if (strcmp(srv->routes[i].method, method) == 0
            && strcmp(srv->routes[i].path, path) == 0)
            srv->routes[i].max_body = max_body;
        if (srv->routes[i].max_body > largest)
            largest = srv->routes[i].max_body;
    }
    /* evhttp must let the largest body through to our own check. */
    evhttp_set_max_body_size(srv->http, evhttp_limit(largest));
}

void http_server_free(struct http_server *srv)
{
    size_t i;

    if (srv == NULL)
        return;
    srv->freeing = 1;
    /* Exchanges nobody answered: counted without an answer. */
    while (srv->exchanges != NULL) {
        struct http_exchange *ex = srv->exchanges;
        const char *labels[] = {"route", ex->route_name, "status", "0", NULL};

        msg_info("http: %s %s %.*s 0 0 %ldms, not answered: server stopping",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path,
                 elapsed_ms(&ex->start));
        metrics_add(srv->metrics, "postmask_http_requests_total", labels, 1);
        exchange_free(ex);
    }
    /* Frees the listener and every connection (on_conn_close uncounts). */
    evhttp_free(srv->http);
    http_conn_teardown(srv);
    for (i = 0; i < srv->nroutes; i++) {
        free(srv->routes[i].method);
        free(srv->routes[i].path);
        free(srv->routes[i].name);
    }
    free(srv->routes);
    free(srv);
}

/* Request accessors. */

const char *http_exchange_method(const struct http_exchange *ex)
{
    return ex->method;
}

const char *http_exchange_path(const struct http_exchange *ex)
{
    return ex->path;
}

const char *http_exchange_query(const struct http_exchange *ex)
{
    return ex->query;
}

const char *http_exchange_header(const struct http_exchange *ex,
                                 const char *name)
{
    size_t i;

    for (i = 0; i < ex->nheaders; i++)
        if (strcasecmp(ex->headers[i].name, name) == 0)
            return ex->headers[i].value;
    return NULL;
}

const char *http_exchange_body(const struct http_exchange *ex, size_t *len)
{
    if (len != NULL)
        *len = ex->body_len;
    return ex->body;
}

const char *http_exchange_peer(const struct http_exchange *ex)
{
    return ex->peer;
}

int http_exchange_alive(const struct http_exchange *ex)
{
    return ex->req != NULL;
}

int http_exchange_bearer_ok(const struct http_exchange *ex,
                            const char *token, size_t token_len)
{
    const char *auth = http_exchange_header(ex, "Authorization");
    unsigned char got[SHA256_DIGEST_LENGTH], want[SHA256_DIGEST_LENGTH];
    const char *p;

    if (auth == NULL || token == NULL || token_len == 0
        || strncasecmp(auth, "Bearer", 6) != 0
        || (auth[6] != ' ' && auth[6] != '\t'))
        return 0;
    for (p = auth + 6; *p == ' ' || *p == '\t'; p++)
        ;
    if (*p == '\0')
        return 0;
    SHA256((const unsigned char *) p, strlen(p), got);
    SHA256((const unsigned char *) token, token_len, want);
    return CRYPTO_memcmp(got, want, sizeof(got)) == 0;
}

int http_require_bearer(struct http_exchange *ex, const char *token,
                        size_t token_len)
{
    if (http_exchange_bearer_ok(ex, token, token_len))
        return 1;
    http_exchange_add_header(ex, "WWW-Authenticate", "Bearer");
    http_reply_error(ex, 401, "unauthorized", NULL,
                     "a valid bearer token is required");
    return 0;
}

void http_exchange_add_header(struct http_exchange *ex, const char *name,
                              const char *value)
{
    ex->out = xrealloc(ex->out, (ex->nout + 1) * sizeof(*ex->out));
    ex->out[ex->nout].name = xstrdup(name);
    ex->out[ex->nout].value = xstrdup(value);
    ex->nout++;
}

/* Answers. */

void http_reply(struct http_exchange *ex, int status,
                const char *content_type, const void *body, size_t len)
{
    struct http_server *srv = ex->srv;
    struct evhttp_request *req = ex->req;
    char status_text[16];
    const char *labels[] = {"route", ex->route_name, "status", status_text,
                            NULL};
    const char *drop_labels[] = {"route", ex->route_name, NULL};
    long ms = elapsed_ms(&ex->start);
    size_t i;

    if (req == NULL) {
        msg_info("http: %s %s %.*s %d 0 %ldms, dropped: the client went away",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path, status,
                 ms);
        snprintf(status_text, sizeof(status_text), "0");
        metrics_add(srv->metrics, "postmask_http_requests_total", labels, 1);
        metrics_add(srv->metrics, "postmask_http_dropped_replies_total",
                    drop_labels, 1);
        exchange_free(ex);
        return;
    }
    if (ex->conn != NULL)
        http_conn_answered(ex->conn);
    exchange_detach(ex);
    {
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);

        for (i = 0; i < ex->nout; i++)
            if (evhttp_add_header(out, ex->out[i].name, ex->out[i].value) < 0)
                msg_warn("http: %s: dropped an invalid %s header", ex->peer,
                         ex->out[i].name);
        if (content_type != NULL)
            evhttp_add_header(out, "Content-Type", content_type);
        evhttp_add_header(out, "Cache-Control", "no-store");
        evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
        if (ex->close)
            evhttp_add_header(out, "Connection", "close");
    }
    if (strcmp(ex->method, "HEAD") == 0) {
        /* evhttp 2.1 would send the body of a HEAD answer: only its size. */
        char size[32];

        snprintf(size, sizeof(size), "%zu", len);
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "Content-Length", size);
    } else if (len > 0) {
        evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
    }
    evhttp_send_reply(req, status, status_phrase(status), NULL);
    msg_info("http: %s %s %.*s %d %zu %ldms", ex->peer, ex->method,
             HTTP_LOG_PATH_MAX, ex->path, status,
             strcmp(ex->method, "HEAD") == 0 ? (size_t) 0 : len, ms);
    snprintf(status_text, sizeof(status_text), "%d", status);
    metrics_add(srv->metrics, "postmask_http_requests_total", labels, 1);
    exchange_free(ex);
}

void http_reply_json(struct http_exchange *ex, int status, json_t *json)
{
    char *text = json ? json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY)
        : NULL;

    if (text == NULL) {
        static const char fallback[] =
            "{\"error\":\"internal_error\",\"message\":\"cannot encode "
            "the answer\"}";

        msg_warn("http: %s %s %.*s: cannot encode the JSON answer",
                 ex->peer, ex->method, HTTP_LOG_PATH_MAX, ex->path);
        json_decref(json);
        http_reply(ex, 500, "application/json", fallback,
                   sizeof(fallback) - 1);
        return;
    }
    json_decref(json);
    http_reply(ex, status, "application/json", text, strlen(text));
    free(text);
}

void http_reply_error(struct http_exchange *ex, int status, const char *code,
                      const char *field, const char *fmt, ...)
{
    struct buf *raw = buf_create(128);
    struct buf *message = buf_create(128);
    json_t *json;
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(raw, fmt, ap);
    va_end(ap);
    utf8_sanitize_append(raw->data, raw->len, message);
    json = json_object();
    json_object_set_new(json, "error", json_string(code));
    json_object_set_new(json, "message",
                        json_stringn(message->data, message->len));
    if (field != NULL) {
        buf_reset(raw);
        utf8_sanitize_append(field, strlen(field), raw);
        json_object_set_new(json, "field", json_stringn(raw->data, raw->len));
    }
    buf_free(raw);
    buf_free(message);
    http_reply_json(ex, status, json);
}
