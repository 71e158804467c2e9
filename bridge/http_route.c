/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_route - the route table of an http_server and the dispatch of each
 * request evhttp has read: our own limits first (431, 413, in JSON: why
 * evhttp's are set higher is in http_server.c), then 404 or 405 with
 * Allow, then the route's handler.  A handler that returns without
 * answering leaves its exchange waiting (http_exchange_wait).
 *
 * Routes are exact method and path; HEAD is served by the GET route.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "buf.h"
#include "http_server.h"
#include "http_server_int.h"
#include "msg.h"
#include "xalloc.h"

struct http_route {
    char *method;
    char *path;
    char *name;
    http_handler *handler;
    void *arg;
    size_t max_body;                /* 0: the server's */
};

static const char *const http_methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    "PATCH",
};

/* The table. */

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
    evhttp_set_max_body_size(srv->http, http_evhttp_limit(largest));
}

/* Lookup. */

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
    return HTTP_ROUTE_UNKNOWN;
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

/* Dispatch. */

/* evhttp's callback for every request it has read completely. */
void http_route_dispatch(struct evhttp_request *req, void *arg)
{
    struct http_server *srv = arg;
    const struct http_route *route;
    struct http_exchange *ex;
    size_t header_bytes;
    int path_known;

    ex = http_exchange_new(srv, req, &header_bytes);
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
        http_exchange_wait(ex);
    }
}

void http_routes_free(struct http_server *srv)
{
    size_t i;

    for (i = 0; i < srv->nroutes; i++) {
        free(srv->routes[i].method);
        free(srv->routes[i].path);
        free(srv->routes[i].name);
    }
    free(srv->routes);
}
