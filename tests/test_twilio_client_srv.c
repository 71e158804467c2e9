/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio_client_srv - the scripted HTTP server of the twilio_client
 * tests (test_twilio_client_srv.h), on libevent's evhttp.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "msg.h"
#include "test_twilio_client_srv.h"
#include "xalloc.h"

static char *header_copy(struct evkeyvalq *h, const char *name)
{
    const char *v = evhttp_find_header(h, name);

    return v ? xstrdup(v) : NULL;
}

static void request_clear(struct srv_request *r)
{
    free(r->method);
    free(r->uri);
    free(r->body);
    free(r->authorization);
    free(r->accept);
    free(r->content_type);
    free(r->webhook_enabled);
    memset(r, 0, sizeof(*r));
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_PUT:
        return "PUT";
    default:
        return "OTHER";
    }
}

static void send_reply(struct evhttp_request *req, const struct srv_reply *r,
                       const char *uri)
{
    struct evbuffer *out = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    char *json;
    size_t len;

    if (r == NULL) {
        evhttp_add_header(h, "Content-Type", "application/json");
        len = strlen(uri) + 16;
        json = xmalloc(len);
        snprintf(json, len, "{\"uri\": \"%s\"}", uri);
        evbuffer_add(out, json, strlen(json));
        free(json);
        evhttp_send_reply(req, 200, "OK", out);
        evbuffer_free(out);
        return;
    }
    if (r->content_type)
        evhttp_add_header(h, "Content-Type", r->content_type);
    if (r->retry_after)
        evhttp_add_header(h, "Retry-After", r->retry_after);
    if (r->location)
        evhttp_add_header(h, "Location", r->location);
    if (r->body)
        evbuffer_add(out, r->body, r->body_len ? r->body_len : strlen(r->body));
    evhttp_send_reply(req, r->status, "Scripted", out);
    evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct srv *s = arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const struct srv_reply *reply = NULL;
    struct srv_request *r;
    unsigned i, n = s->hits++;
    char *peer = NULL;
    ev_uint16_t peer_port = 0;

    if (n < SRV_MAX_LOG) {
        r = &s->log[n];
        request_clear(r);
        r->method = xstrdup(method_name(evhttp_request_get_command(req)));
        r->uri = xstrdup(evhttp_request_get_uri(req));
        r->body_len = evbuffer_get_length(in);
        r->body = xmalloc(r->body_len + 1);
        evbuffer_copyout(in, r->body, r->body_len);
        r->body[r->body_len] = 0;
        r->authorization = header_copy(h, "Authorization");
        r->accept = header_copy(h, "Accept");
        r->content_type = header_copy(h, "Content-Type");
        r->webhook_enabled = header_copy(h, "X-Twilio-Webhook-Enabled");
        evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer,
                                   &peer_port);
        r->peer_port = peer_port;
    }
    if (s->nscript > 0)
        reply = &s->script[n < s->nscript ? n : s->nscript - 1];
    if (reply != NULL && reply->hang)
        return;     /* evhttp_free() closes the connection */
    if (s->hold_until > 0 && s->held < SRV_MAX_LOG) {
        s->held_reqs[s->held++] = req;
        if (s->held < s->hold_until)
            return;
        for (i = 0; i < s->held; i++)
            send_reply(s->held_reqs[i], reply,
                       evhttp_request_get_uri(s->held_reqs[i]));
        s->held = 0;
        s->hold_until = 0;
        return;
    }
    send_reply(req, reply, evhttp_request_get_uri(req));
}

struct srv *srv_create(struct event_base *base)
{
    struct srv *s = xcalloc(1, sizeof(*s));
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);

    s->base = base;
    s->http = evhttp_new(base);
    if (s->http == NULL)
        msg_fatal("srv: evhttp_new failed");
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST
                               | EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT);
    evhttp_set_gencb(s->http, on_request, s);
    sock = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
    if (sock == NULL)
        msg_fatal("srv: cannot bind 127.0.0.1:0");
    if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *) &sin,
                    &len) < 0)
        msg_fatal("srv: getsockname: %m");
    s->port = ntohs(sin.sin_port);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
    return s;
}

void srv_reset(struct srv *s)
{
    unsigned i;

    for (i = 0; i < SRV_MAX_LOG; i++)
        request_clear(&s->log[i]);
    s->nscript = 0;
    s->hits = 0;
    s->hold_until = 0;
    s->held = 0;
}

void srv_free(struct srv *s)
{
    srv_reset(s);
    evhttp_free(s->http);
    free(s);
}

void srv_script(struct srv *s, struct srv_reply reply)
{
    if (s->nscript >= SRV_MAX_SCRIPT)
        msg_panic("srv_script: script too long");
    s->script[s->nscript++] = reply;
}

const struct srv_request *srv_request(const struct srv *s, unsigned n)
{
    if (n >= s->hits || n >= SRV_MAX_LOG)
        return NULL;
    return &s->log[n];
}

int srv_closed_port(void)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    if (fd < 0)
        msg_fatal("srv: socket: %m");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0
        || getsockname(fd, (struct sockaddr *) &sin, &len) < 0)
        msg_fatal("srv: bind: %m");
    port = ntohs(sin.sin_port);
    close(fd);
    return port;
}
