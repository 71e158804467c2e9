/* SPDX-License-Identifier: Apache-2.0 */
/*
 * intake_listener - capture jobs from the milter into the intake journal;
 * see intake_listener.h and capture_intake.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "capture_intake.h"
#include "capture_job.h"
#include "intake_listener.h"
#include "metrics.h"
#include "msg.h"
#include "spool_writer.h"
#include "xalloc.h"

#define METRIC  "postmask_capture_intake_total"
/* Requests in hand at once, whatever bridge_connection_limit says: each
 * may hold a capture of up to SPOOL_PAYLOAD_MAX bytes. */
#define INTAKE_CONNECTIONS_MAX  32

struct intake_conn {
    struct intake_listener *il;
    struct bufferevent *bev;
    int have_head;
    uint32_t key_len;
    uint64_t payload_len;
    struct intake_conn *prev, *next;
};

struct intake_listener {
    struct event_base *base;
    struct spool_writer *sw;
    struct evconnlistener *listener;    /* NULL: not listening */
    struct event *retry;        /* accept failed: listen again later */
    int paused;                 /* by an accept error */
    struct metrics *metrics;
    char path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
    long timeout_s;
    unsigned max_connections;
    unsigned connections;
    struct intake_conn *conns;
};

static void count(struct intake_listener *il, const char *result)
{
    if (il->metrics != NULL)
        metrics_add(il->metrics, METRIC,
                    (const char *[]) {"result", result, NULL}, 1);
}

static void conn_free(struct intake_conn *c)
{
    struct intake_listener *il = c->il;

    bufferevent_free(c->bev);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        il->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    free(c);
    if (il->connections-- == il->max_connections && il->listener != NULL
        && !il->paused)
        evconnlistener_enable(il->listener);
}

static void on_event(struct bufferevent *bev, short events, void *arg);

static void on_written(struct bufferevent *bev, void *arg)
{
    (void) bev;
    conn_free(arg);
}

/* Sends the answer line; the connection ends once it is out. */
static void answer(struct intake_conn *c, int rc, const char *id,
                   const char *text)
{
    struct buf *line = buf_create(64);

    capture_intake_reply(rc, id, text, line);
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_setcb(c->bev, NULL, on_written, on_event, c);
    bufferevent_write(c->bev, line->data, line->len);
    buf_free(line);
}

static void refuse(struct intake_conn *c, const char *why)
{
    msg_warn("intake: refused: %s", why);
    count(c->il, "refused");
    answer(c, -1, NULL, why);
}

static void on_stored(int rc, const char *id, const char *why, void *arg)
{
    struct intake_conn *c = arg;

    count(c->il, rc == SPOOL_ACCEPTED ? "accepted"
          : rc == SPOOL_DUPLICATE ? "duplicate" : "failed");
    if (rc < 0)
        msg_warn("intake: cannot store a capture: %s", why);
    answer(c, rc, id, why);
}

/* The whole request is in: its job goes to the writer. */
static void take(struct intake_conn *c, struct evbuffer *in)
{
    char key[SPOOL_KEY_MAX + 1];
    char *payload;

    evbuffer_remove(in, key, c->key_len);
    key[c->key_len] = '\0';
    if (strlen(key) != c->key_len) {
        refuse(c, "the dedupe key holds a NUL byte");
        return;
    }
    payload = xmalloc((size_t) c->payload_len + 1);
    evbuffer_remove(in, payload, (size_t) c->payload_len);
    /* Nothing to read or write, so no event, until the writer calls back:
     * the connection lives until then, whatever the client does. */
    bufferevent_disable(c->bev, EV_READ);
    spool_writer_submit(c->il->sw, CAPTURE_JOB_KIND, key, payload,
                        (size_t) c->payload_len, on_stored, c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct intake_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    unsigned char head[CAPTURE_INTAKE_HEAD];
    struct buf *why;

    if (!c->have_head) {
        if (evbuffer_get_length(in) < CAPTURE_INTAKE_HEAD)
            return;
        evbuffer_remove(in, head, sizeof(head));
        why = buf_create(64);
        if (capture_intake_parse_head(head, &c->key_len, &c->payload_len,
                                      why) < 0) {
            refuse(c, why->data);
            buf_free(why);
            return;
        }
        buf_free(why);
        c->have_head = 1;
    }
    if (evbuffer_get_length(in) > c->key_len + c->payload_len)
        refuse(c, "bytes after the request");
    else if (evbuffer_get_length(in) == c->key_len + c->payload_len)
        take(c, in);
}

static void on_event(struct bufferevent *bev, short events, void *arg)
{
    struct intake_conn *c = arg;

    (void) bev;
    if ((events & BEV_EVENT_TIMEOUT) && (events & BEV_EVENT_READING)) {
        msg_warn("intake: dropped: no whole request within %lds",
                 c->il->timeout_s);
        count(c->il, "timeout");
    }
    conn_free(c);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg)
{
    struct intake_listener *il = arg;
    struct intake_conn *c;
    struct timeval tv = { il->timeout_s, 0 };

    (void) sa;
    (void) socklen;
    c = xcalloc(1, sizeof(*c));
    c->il = il;
    c->bev = bufferevent_socket_new(il->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        msg_warn("intake: cannot serve a connection: bufferevent_socket_new "
                 "failed");
        evutil_closesocket(fd);
        free(c);
        return;
    }
    c->next = il->conns;
    if (il->conns != NULL)
        il->conns->prev = c;
    il->conns = c;
    if (++il->connections == il->max_connections)
        evconnlistener_disable(listener);
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_enable(c->bev, EV_READ);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    struct intake_listener *il = arg;

    (void) fd;
    (void) what;
    il->paused = 0;
    if (il->listener != NULL && il->connections < il->max_connections)
        evconnlistener_enable(il->listener);
}

/* accept() failed (out of file descriptors, say): pause for a second,
 * rather than spin on a socket that stays readable. */
static void on_accept_error(struct evconnlistener *listener, void *arg)
{
    struct intake_listener *il = arg;
    struct timeval second = { 1, 0 };

    msg_warn("intake: accept on %s: %s; pausing for a second", il->path,
             evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    evconnlistener_disable(listener);
    il->paused = 1;
    evtimer_add(il->retry, &second);
}

/* Creates, binds and listens on il->path: the descriptor, or -1. */
static int listen_unix(struct intake_listener *il, struct buf *why)
{
    struct sockaddr_un sun;
    struct stat st;
    int fd;

    if (lstat(il->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            buf_printf(why, "intake: %s exists and is not a socket", il->path);
            return -1;
        }
        (void) unlink(il->path);        /* left by a bridge that crashed */
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, il->path, strlen(il->path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0
        || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
        || chmod(il->path, 0600) < 0 || listen(fd, SOMAXCONN) < 0) {
        buf_printf(why, "intake: listen %s: %s", il->path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            (void) unlink(il->path);
        }
        return -1;
    }
    return fd;
}

struct intake_listener *intake_listener_create(struct event_base *base,
                                               struct spool_writer *sw,
                                               const char *spool_dir,
                                               long timeout_s,
                                               unsigned max_connections,
                                               struct metrics *metrics,
                                               struct buf *why)
{
    struct intake_listener *il = xcalloc(1, sizeof(*il));
    int fd;

    il->base = base;
    il->sw = sw;
    il->metrics = metrics;
    il->timeout_s = timeout_s > 0 ? timeout_s : 1;
    il->max_connections = max_connections > 0 ? max_connections : 1;
    if (il->max_connections > INTAKE_CONNECTIONS_MAX)
        il->max_connections = INTAKE_CONNECTIONS_MAX;
    if ((il->retry = evtimer_new(base, on_retry, il)) == NULL) {
        buf_append_str(why, "intake: evtimer_new failed");
        free(il);
        return NULL;
    }
    if (metrics != NULL)
        metrics_describe(metrics, METRIC, "counter", "capture jobs the "
                         "milter handed over, by result (accepted, "
                         "duplicate, failed, refused, timeout)");
    if ((size_t) snprintf(il->path, sizeof(il->path), "%s/%s", spool_dir,
                          CAPTURE_INTAKE_SOCKET) >= sizeof(il->path)) {
        msg_warn("intake: the socket path %s/%s is too long for a Unix "
                 "socket: the milter writes its captures itself",
                 spool_dir, CAPTURE_INTAKE_SOCKET);
        il->path[0] = '\0';
        return il;
    }
    if ((fd = listen_unix(il, why)) < 0) {
        event_free(il->retry);
        free(il);
        return NULL;
    }
    il->listener = evconnlistener_new(base, on_accept, il,
                                      LEV_OPT_CLOSE_ON_FREE
                                      | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
    if (il->listener == NULL) {
        buf_printf(why, "intake: listen %s: evconnlistener_new failed",
                   il->path);
        close(fd);
        (void) unlink(il->path);
        event_free(il->retry);
        free(il);
        return NULL;
    }
    evconnlistener_set_error_cb(il->listener, on_accept_error);
    return il;
}

void intake_listener_stop(struct intake_listener *il)
{
    if (il == NULL || il->listener == NULL)
        return;
    evconnlistener_free(il->listener);
    il->listener = NULL;
    (void) unlink(il->path);
}

void intake_listener_free(struct intake_listener *il)
{
    struct intake_conn *c;

    if (il == NULL)
        return;
    intake_listener_stop(il);
    event_free(il->retry);
    /* The loop has stopped: what answers are queued go out now, if the
     * socket takes them; the clients of the others see the connection
     * close and write their jobs themselves. */
    while ((c = il->conns) != NULL) {
        (void) evbuffer_write(bufferevent_get_output(c->bev),
                              bufferevent_getfd(c->bev));
        conn_free(c);
    }
    free(il);
}
