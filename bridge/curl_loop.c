/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_loop - libcurl multi on libevent; see curl_loop.h.
 *
 * Finished transfers are reported from check_finished(), after
 * curl_multi_socket_action() has returned, never from inside curl.  A done
 * callback may therefore add and remove transfers and free the loop: a
 * loop freed while its own callbacks run (depth > 0) is only marked dying,
 * stops reporting, and is destroyed when the outermost callback returns.
 *
 * Each watched socket remembers the transfer curl last watched it for, so
 * that curl_loop_abort() and curl_loop_free() can shut a transfer's
 * connection down before curl_multi_remove_handle(): libcurl 7.88 ends an
 * SMTP upload that is removed early by sending the end of data and
 * waiting, blocked, for the answer (smtp_done(); curl issue #4015), which
 * delivers a truncated or empty message.  On a shut-down socket that write
 * fails at once and the server sees the connection drop mid-transaction.
 */
#include <stdlib.h>
#include <sys/socket.h>

#include "curl_loop.h"
#include "msg.h"
#include "xalloc.h"

#define CURL_LOOP_MAXCONNECTS  64L

/* A socket curl asked us to watch. */
struct sock {
    struct curl_loop *loop;
    struct sock *prev, *next;
    curl_socket_t fd;
    CURL *easy;                 /* the transfer curl last watched it for */
    struct event *ev;
};

/* A transfer in the loop (CURLOPT_PRIVATE of its handle). */
struct transfer {
    struct curl_loop *loop;
    struct transfer *prev, *next;
    CURL *easy;
    curl_loop_done *done;
    void *arg;
};

struct curl_loop {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    struct sock *socks;
    struct transfer *transfers;
    int global_init;            /* curl_global_init() to undo */
    int depth;                  /* callbacks of this loop running */
    int dying;                  /* freed during a callback */
};

static void transfer_unlink(struct transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        t->loop->transfers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
}

static void sock_free(struct sock *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        s->loop->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->ev)
        event_free(s->ev);
    free(s);
}

static void loop_destroy(struct curl_loop *loop)
{
    if (loop->multi) {
        /* No callbacks into a loop that is going away: the sockets curl
         * still has (cached connections) are closed by curl_multi_cleanup
         * without telling us, so their events go first. */
        curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, NULL);
        curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, NULL);
    }
    while (loop->socks)
        sock_free(loop->socks);
    if (loop->timer)
        event_free(loop->timer);
    if (loop->multi)
        curl_multi_cleanup(loop->multi);
    if (loop->global_init)
        curl_global_cleanup();
    free(loop);
}

static void check_finished(struct curl_loop *loop)
{
    struct transfer *t;
    CURLMsg *m;
    CURLcode rc;
    CURL *easy;
    int left;

    while (!loop->dying
           && (m = curl_multi_info_read(loop->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        easy = m->easy_handle;
        rc = m->data.result;
        t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
        curl_multi_remove_handle(loop->multi, easy);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        if (t == NULL)
            continue;
        /* Out of every list before done: done may add, remove, free. */
        transfer_unlink(t);
        t->done(easy, rc, t->arg);
        free(t);
    }
}

/* curl_multi_socket_action(), then the transfers that ended. */
static void drive(struct curl_loop *loop, curl_socket_t fd, int flags)
{
    int running = 0;

    loop->depth++;
    curl_multi_socket_action(loop->multi, fd, flags, &running);
    check_finished(loop);
    if (--loop->depth == 0 && loop->dying)
        loop_destroy(loop);
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
    int flags = 0;

    if (what & EV_READ)
        flags |= CURL_CSELECT_IN;
    if (what & EV_WRITE)
        flags |= CURL_CSELECT_OUT;
    drive(arg, fd, flags);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    drive(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what,
                          void *userp, void *socketp)
{
    struct curl_loop *loop = userp;
    struct sock *s = socketp;
    short kind = EV_PERSIST;

    if (what == CURL_POLL_REMOVE) {
        if (s != NULL) {
            curl_multi_assign(loop->multi, fd, NULL);
            sock_free(s);
        }
        return 0;
    }
    if (what & CURL_POLL_IN)
        kind |= EV_READ;
    if (what & CURL_POLL_OUT)
        kind |= EV_WRITE;
    if (s == NULL) {
        s = xcalloc(1, sizeof(*s));
        s->loop = loop;
        s->fd = fd;
        s->next = loop->socks;
        if (loop->socks)
            loop->socks->prev = s;
        loop->socks = s;
        curl_multi_assign(loop->multi, fd, s);
    } else if (s->ev != NULL) {
        event_free(s->ev);
    }
    s->easy = easy;
    s->ev = event_new(loop->base, fd, kind, on_socket, loop);
    if (s->ev == NULL || event_add(s->ev, NULL) != 0)
        msg_fatal("curl: cannot watch socket %d with libevent", (int) fd);
    return 0;
}

static int on_curl_timeout(CURLM *multi, long timeout_ms, void *userp)
{
    struct curl_loop *loop = userp;
    struct timeval tv;

    if (timeout_ms < 0) {
        evtimer_del(loop->timer);
        return 0;
    }
    /* Never curl_multi_socket_action() from here, even for 0 ms. */
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    evtimer_add(loop->timer, &tv);
    return 0;
}

struct curl_loop *curl_loop_create(struct event_base *base, struct buf *why)
{
    struct curl_loop *loop = xcalloc(1, sizeof(*loop));

    loop->base = base;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        buf_printf(why, "curl: cannot initialize libcurl");
        loop_destroy(loop);
        return NULL;
    }
    loop->global_init = 1;
    if ((loop->multi = curl_multi_init()) == NULL
        || (loop->timer = evtimer_new(base, on_timer, loop)) == NULL) {
        buf_printf(why, "curl: cannot set up the multi interface");
        loop_destroy(loop);
        return NULL;
    }
    curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
    curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, on_curl_timeout);
    curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
    curl_multi_setopt(loop->multi, CURLMOPT_MAXCONNECTS, CURL_LOOP_MAXCONNECTS);
    return loop;
}

void curl_loop_remove(struct curl_loop *loop, CURL *easy)
{
    struct transfer *t = NULL;

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
    if (t == NULL || t->loop != loop)
        return;
    curl_multi_remove_handle(loop->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    transfer_unlink(t);
    free(t);
}

/* Shuts down the sockets watched for easy, or every one (easy NULL). */
static void shut_sockets(struct curl_loop *loop, CURL *easy)
{
    struct sock *s;

    for (s = loop->socks; s != NULL; s = s->next)
        if (easy == NULL || s->easy == easy)
            (void) shutdown(s->fd, SHUT_RDWR);
}

void curl_loop_abort(struct curl_loop *loop, CURL *easy)
{
    struct transfer *t = NULL;

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
    if (t == NULL || t->loop != loop)
        return;
    shut_sockets(loop, easy);
    curl_loop_remove(loop, easy);
}

void curl_loop_free(struct curl_loop *loop)
{
    if (loop == NULL || loop->dying)
        return;
    shut_sockets(loop, NULL);   /* every watched socket is a transfer's */
    while (loop->transfers)
        curl_loop_remove(loop, loop->transfers->easy);
    if (loop->depth > 0)
        loop->dying = 1;        /* drive() destroys it on its way out */
    else
        loop_destroy(loop);
}

int curl_loop_add(struct curl_loop *loop, CURL *easy, curl_loop_done *done,
                  void *arg, struct buf *why)
{
    struct transfer *t = NULL;
    CURLMcode mc;

    if (done == NULL) {
        buf_printf(why, "curl: a transfer needs a done callback");
        return -1;
    }
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
    if (t != NULL) {
        buf_printf(why, "curl: the transfer is in the loop already");
        return -1;
    }
    t = xcalloc(1, sizeof(*t));
    t->loop = loop;
    t->easy = easy;
    t->done = done;
    t->arg = arg;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    if ((mc = curl_multi_add_handle(loop->multi, easy)) != CURLM_OK) {
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        buf_printf(why, "curl: cannot start a transfer: %s",
                   curl_multi_strerror(mc));
        free(t);
        return -1;
    }
    t->next = loop->transfers;
    if (loop->transfers)
        loop->transfers->prev = t;
    loop->transfers = t;
    return 0;
}
