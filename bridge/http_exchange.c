/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_exchange - the exchange a handler gets for one request: its copy of
 * the request, its life until the answer, the watch for a client that goes
 * away first, and the accessors of http_server.h.
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
 * then dropped, logged and counted (http_reply.c).  A client that
 * half-closes its side after the request counts as gone.
 *
 * Ownership: exchanges belong to their server (srv->exchanges); the answer
 * (http_reply.c) or http_server_free() frees each with http_exchange_free().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http_server.h"
#include "http_server_int.h"
#include "msg.h"
#include "xalloc.h"

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

/* Exchanges. */

/* Makes ex independent of the connection and of evhttp's request. */
void http_exchange_detach(struct http_exchange *ex)
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
    http_exchange_detach(ex);
}

void http_exchange_free(struct http_exchange *ex)
{
    struct http_server *srv = ex->srv;
    size_t i;

    http_exchange_detach(ex);
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
struct http_exchange *http_exchange_new(struct http_server *srv,
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
    ex->route_name = HTTP_ROUTE_UNKNOWN;
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
    if (evcon != NULL)
        http_peer_name(evcon, ex->peer, sizeof(ex->peer));
    else
        snprintf(ex->peer, sizeof(ex->peer), "unknown");
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
    http_exchange_detach(ex);
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

void http_exchange_wait(struct http_exchange *ex)
{
    watch_gone(ex, 1);
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
