/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_conn_guard - what one connection of an http_server sends, and how
 * fast: the strict framing check of its bytes (http_framing.h), its header
 * and body deadlines, and closing it with a refusal.  Connections
 * themselves (accepting, counting, limits) are http_conn.c's; both share
 * http_server_int.h.
 *
 * The tap.  Each adopted connection has a callback on its bufferevent's
 * input buffer, which libevent runs as soon as bytes are read from the
 * socket and before evhttp's read callback parses them.  It feeds the new
 * bytes to http_framing, which says when a request head and a whole
 * request have arrived, and refuses bad framing: then evhttp's read
 * callback is taken away (evhttp never acts on those bytes), and the kill
 * event answers the status with Connection: close (when nothing else is
 * being written) and frees the connection.
 *
 * Deadlines.  A whole request line and headers within header_timeout_s of
 * the connect or of the last answer, however slowly they trickle; a body
 * within body_timeout_s of its head.  Only while no request is in the
 * server's hands.  A missed deadline answers 408 and closes.
 *
 * Every refusal and close here (and http_conn.c's, which close through
 * http_conn_kill) is logged ("http: PEER: closed on NAME: why") and
 * counted in postmask_http_refused_total{listener, reason}.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "http_server_int.h"
#include "metrics.h"
#include "msg.h"

#define DRAIN_MAX           65536   /* unread bytes dropped before a close */

static void count_refused(struct http_server *srv, const char *reason)
{
    const char *labels[] = {"listener", http_listener_name(srv),
                            "reason", reason, NULL};

    metrics_add(srv->metrics, "postmask_http_refused_total", labels, 1);
}

/* Closing from the loop. */

/* What a refusal says for each status (400's words for any other). */
static const struct refusal {
    int status;
    const char *code;
    const char *phrase;
} refusals[] = {
    {400, "bad_request", "Bad Request"},
    {408, "request_timeout", "Request Timeout"},
    {431, "headers_too_large", "Request Header Fields Too Large"},
    {501, "not_implemented", "Not Implemented"},
};

static const struct refusal *refusal_of(int status)
{
    size_t i;

    for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
        if (refusals[i].status == status)
            return refusals + i;
    return refusals;
}

/*
 * Answers status directly on the socket, when no answer of evhttp's is
 * being written, then drops what the client sent and has not been read,
 * so that the close does not reset the connection under the answer.
 */
static void answer_raw(struct http_conn *conn, int status,
                       const char *detail)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(conn->evcon);
    const struct refusal *r = refusal_of(status);
    char body[256], out[640];
    char drop[4096];
    size_t dropped = 0;
    ssize_t n;
    int blen, len;

    if (conn->busy > 0 || conn->fd < 0
        || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
        return;
    blen = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"message\":"
                    "\"%s\"}", r->code, detail);
    len = snprintf(out, sizeof(out), "HTTP/1.1 %d %s\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: %d\r\nConnection: close\r\n"
                   "Cache-Control: no-store\r\n\r\n%s", status,
                   r->phrase, blen, body);
    (void) send(conn->fd, out, (size_t) len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (dropped < DRAIN_MAX
           && (n = recv(conn->fd, drop, sizeof(drop), MSG_DONTWAIT)) > 0)
        dropped += (size_t) n;
}

static void on_kill(evutil_socket_t fd, short what, void *arg)
{
    struct http_conn *conn = arg;
    struct http_server *srv = conn->srv;

    if (conn->kill_status)
        answer_raw(conn, conn->kill_status, conn->kill_detail);
    msg_info("http: %s: %s on %s: %s", conn->peer,
             conn->kill_status ? "refused" : "closed",
             http_listener_name(srv), conn->kill_detail);
    count_refused(srv, conn->kill_reason);
    /* on_conn_close (http_conn.c) uncounts it and frees conn. */
    evhttp_connection_free(conn->evcon);
}

/* Closes conn from the loop (not from inside libevent's callbacks). */
void http_conn_kill(struct http_conn *conn, const char *reason,
                    const char *detail, int status)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(conn->evcon);
    bufferevent_data_cb rcb, wcb;
    bufferevent_event_cb ecb;
    void *cbarg;

    if (conn->kill_reason != NULL)
        return;
    conn->kill_reason = reason;
    conn->kill_detail = detail;
    conn->kill_status = status;
    /* evhttp must not act on what this connection sends any more. */
    bufferevent_getcb(bev, &rcb, &wcb, &ecb, &cbarg);
    bufferevent_setcb(bev, NULL, wcb, ecb, cbarg);
    bufferevent_disable(bev, EV_READ);
    if (conn->deadline_ev)
        event_del(conn->deadline_ev);
    event_active(conn->kill_ev, EV_TIMEOUT, 0);
}

/* Deadlines. */

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct http_conn *conn = arg;

    /* A client that has not begun a request is closed without a word. */
    if (conn->in_body)
        http_conn_kill(conn, "body_timeout", "no whole request body within "
                  "bridge_body_timeout", 408);
    else
        http_conn_kill(conn, "header_timeout", "no whole request line and "
                  "headers within bridge_header_timeout",
                  http_framing_idle(&conn->framing) ? 0 : 408);
}

static void deadline_arm(struct http_conn *conn, long seconds)
{
    struct timeval tv = {seconds, 0};

    event_del(conn->deadline_ev);
    if (seconds > 0)
        event_add(conn->deadline_ev, &tv);
}

/* The tap. */

static void framing_event(struct http_conn *conn, enum http_framing_event ev)
{
    struct http_server *srv = conn->srv;

    switch (ev) {
    case HTTP_FRAMING_HEAD:
        conn->in_body = 1;
        deadline_arm(conn, srv->body_timeout_s);
        break;
    case HTTP_FRAMING_REQUEST:
        conn->in_body = 0;
        conn->busy++;
        event_del(conn->deadline_ev);
        break;
    case HTTP_FRAMING_ERROR:
        http_conn_kill(conn, "bad_request", conn->framing.reason,
                  conn->framing.status);
        break;
    default:
        break;
    }
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                     void *arg)
{
    struct http_conn *conn = arg;
    struct evbuffer_ptr pos;
    char chunk[4096];
    size_t total, left;

    if (info->n_added == 0 || conn->kill_reason != NULL)
        return;
    total = evbuffer_get_length(buf);
    left = info->n_added;
    if (left > total
        || evbuffer_ptr_set(buf, &pos, total - left, EVBUFFER_PTR_SET) < 0)
        return;
    while (left > 0 && conn->kill_reason == NULL) {
        size_t want = left < sizeof(chunk) ? left : sizeof(chunk);
        ev_ssize_t got = evbuffer_copyout_from(buf, &pos, chunk, want);
        size_t off = 0, used;

        if (got <= 0)
            break;
        while (off < (size_t) got && conn->kill_reason == NULL) {
            enum http_framing_event ev =
                http_framing_feed(&conn->framing, chunk + off,
                                  (size_t) got - off, &used);

            off += used;
            framing_event(conn, ev);
            if (ev == HTTP_FRAMING_MORE)
                break;
        }
        left -= (size_t) got;
        evbuffer_ptr_set(buf, &pos, (size_t) got, EVBUFFER_PTR_ADD);
    }
}

/* From adoption to close. */

void http_conn_guard(struct http_conn *conn, struct bufferevent *bev)
{
    struct http_server *srv = conn->srv;

    http_framing_init(&conn->framing, srv->max_headers);
    conn->deadline_ev = evtimer_new(srv->base, on_deadline, conn);
    conn->kill_ev = event_new(srv->base, -1, 0, on_kill, conn);
    if (conn->deadline_ev == NULL || conn->kill_ev == NULL)
        msg_fatal("http: cannot create a connection's events");
    conn->tap = evbuffer_add_cb(bufferevent_get_input(bev), on_input, conn);
    deadline_arm(conn, srv->header_timeout_s);
}

void http_conn_unguard(struct http_conn *conn)
{
    if (conn->tap != NULL) {
        evbuffer_remove_cb_entry(
            bufferevent_get_input(evhttp_connection_get_bufferevent(
                                      conn->evcon)), conn->tap);
        conn->tap = NULL;
    }
    if (conn->deadline_ev) {
        event_free(conn->deadline_ev);
        conn->deadline_ev = NULL;
    }
    if (conn->kill_ev) {
        event_free(conn->kill_ev);
        conn->kill_ev = NULL;
    }
}

void http_conn_answered(struct http_conn *conn)
{
    if (conn->busy > 0)
        conn->busy--;
    clock_gettime(CLOCK_MONOTONIC, &conn->since);
    if (conn->busy == 0 && conn->kill_reason == NULL)
        deadline_arm(conn, conn->in_body ? conn->srv->body_timeout_s
                     : conn->srv->header_timeout_s);
}
