/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smtp_submit - submit one message over SMTP with libcurl on a small pool
 * of threads; see smtp_submit.h.
 *
 * Who touches what.  The event loop's thread creates a submission, sets
 * up its easy handle and queues it; a worker takes it from the queue, runs
 * the transfer, cleans up the handle and puts the submission on the result
 * list; the loop takes it from there, calls done and frees it.  The queue,
 * the result list, the counters and the sockets of the running submissions
 * are guarded by ss->lock; passing a submission through the lock orders
 * its other fields between the threads.  stopping is atomic because
 * curl's callbacks read it without the lock.
 *
 * Results reach the loop through a pipe (not event_active() from the
 * workers, which needs evthread_use_pthreads(), a process-wide setting
 * made before the event base exists, and locks in every libevent call of
 * the bridge): a worker writes one byte after putting a result on the
 * list; the loop drains the pipe, then reports the list, so no wake-up is
 * lost.  A full pipe already holds a wake-up, so a failed write is fine.
 *
 * Aborting.  smtp_submitter_free() sets stopping and, under the lock,
 * shuts down every socket a running transfer has open.  curl opens and
 * closes its sockets through sock_open() and sock_close(), which keep
 * them in the submission and close under the lock, so a socket number is
 * never shut down after it was closed and perhaps reused.  The transfer
 * wakes at once on its dead socket (a connect in progress too); the read
 * callback and the progress callback (which curl calls at least once a
 * second, even in its blocking waits) make sure it then stops with
 * CURLE_ABORTED_BY_CALLBACK; a socket wanted after stopping is refused.
 * curl sends the end of data only after the whole message, or for a
 * transfer taken out of a multi handle early with success (curl issue
 * #4015), which curl_easy_perform() never does; and it sends nothing on a
 * socket shut down.  So an aborted submission delivers nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "msg.h"
#include "smtp_submit.h"
#include "xalloc.h"

/* Sockets one transfer has open at once (happy eyeballs: one a family). */
#define SUB_MAX_SOCKS   4

struct submission {
    struct smtp_submitter *ss;
    struct submission *next;    /* in the queue or the result list */
    CURL *easy;                 /* NULL once the transfer ran */
    struct curl_slist *rcpts;
    char *data;
    size_t len, pos;
    curl_socket_t socks[SUB_MAX_SOCKS];     /* open ones; under ss->lock */
    /* Written by the worker during the transfer. */
    int quitting;               /* QUIT sent: its 221 is not the answer */
    char last_reply[512];       /* the server's last reply line */
    char error[CURL_ERROR_SIZE];
    CURLcode rc;
    long code;                  /* the last SMTP reply code */
    smtp_done *done;
    void *arg;
};

/* A first-in first-out list of submissions. */
struct fifo {
    struct submission *head;
    struct submission **tail;
    size_t count;
};

struct worker {
    struct smtp_submitter *ss;
    pthread_t thread;
    struct submission *sub;     /* the one it runs; under ss->lock */
};

struct smtp_submitter {
    struct event_base *base;
    char *url;
    long timeout_s;
    int started;                /* curl, the pipe and its event are set up */
    int pipe_fd[2];             /* workers -> loop: results are waiting */
    struct event *results_ev;
    int reporting;              /* on_results() is calling done */
    int dying;                  /* freed meanwhile: on_results() frees it */
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* work queued, or stopping */
    /* Under lock. */
    struct fifo queue;
    struct fifo results;
    int idle;                   /* workers waiting for work */
    int nworkers;
    struct worker workers[SMTP_SUBMIT_WORKERS];
    atomic_int stopping;
};

static void fifo_init(struct fifo *f)
{
    f->head = NULL;
    f->tail = &f->head;
    f->count = 0;
}

static void fifo_push(struct fifo *f, struct submission *sub)
{
    sub->next = NULL;
    *f->tail = sub;
    f->tail = &sub->next;
    f->count++;
}

static struct submission *fifo_pop(struct fifo *f)
{
    struct submission *sub = f->head;

    if (sub != NULL) {
        if ((f->head = sub->next) == NULL)
            f->tail = &f->head;
        sub->next = NULL;
        f->count--;
    }
    return sub;
}

struct smtp_submitter *smtp_submitter_create(struct event_base *base,
                                             const char *url, long timeout_s)
{
    struct smtp_submitter *ss = xcalloc(1, sizeof(*ss));

    ss->base = base;
    ss->url = xstrdup(url);
    ss->timeout_s = timeout_s;
    ss->pipe_fd[0] = ss->pipe_fd[1] = -1;
    if (pthread_mutex_init(&ss->lock, NULL) != 0
        || pthread_cond_init(&ss->wake, NULL) != 0)
        msg_fatal("smtp: cannot create a mutex or condition variable");
    fifo_init(&ss->queue);
    fifo_init(&ss->results);
    atomic_init(&ss->stopping, 0);
    return ss;
}

/* Frees a submission no thread holds; a handle not run is just freed. */
static void sub_free(struct submission *sub)
{
    if (sub->easy != NULL)
        curl_easy_cleanup(sub->easy);
    curl_slist_free_all(sub->rcpts);
    free(sub->data);
    free(sub);
}

/* Shuts down the sockets of sub's transfer; under ss->lock. */
static void sub_shut(struct submission *sub)
{
    int i;

    for (i = 0; i < SUB_MAX_SOCKS; i++)
        if (sub->socks[i] != CURL_SOCKET_BAD)
            (void) shutdown(sub->socks[i], SHUT_RDWR);
}

void smtp_submitter_free(struct smtp_submitter *ss)
{
    struct submission *sub;
    struct fifo dropped;
    int i;

    if (ss == NULL || ss->dying)
        return;
    pthread_mutex_lock(&ss->lock);
    atomic_store(&ss->stopping, 1);
    dropped = ss->queue;        /* not started: never will be */
    if (dropped.head == NULL)
        dropped.tail = &dropped.head;
    fifo_init(&ss->queue);
    for (i = 0; i < ss->nworkers; i++)
        if (ss->workers[i].sub != NULL)
            sub_shut(ss->workers[i].sub);
    pthread_cond_broadcast(&ss->wake);
    pthread_mutex_unlock(&ss->lock);
    for (i = 0; i < ss->nworkers; i++)
        pthread_join(ss->workers[i].thread, NULL);
    while ((sub = fifo_pop(&dropped)) != NULL
           || (sub = fifo_pop(&ss->results)) != NULL)
        sub_free(sub);
    if (ss->started) {
        event_free(ss->results_ev);
        close(ss->pipe_fd[0]);
        close(ss->pipe_fd[1]);
        curl_global_cleanup();
    }
    pthread_cond_destroy(&ss->wake);
    pthread_mutex_destroy(&ss->lock);
    free(ss->url);
    if (ss->reporting)
        ss->dying = 1;
    else
        free(ss);
}

/* A copy of message with every line end CRLF: a bare LF or CR would let
 * "\n.\n" end the data early at a server that takes bare line ends. */
static char *crlf_copy(const char *message, size_t len, size_t *out_len)
{
    char *out = xmalloc(2 * len + 1);
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (message[i] == '\r' || message[i] == '\n') {
            out[n++] = '\r';
            out[n++] = '\n';
            if (message[i] == '\r' && i + 1 < len && message[i + 1] == '\n')
                i++;
        } else {
            out[n++] = message[i];
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* An address curl may put between angle brackets in MAIL or RCPT. */
static int address_ok(const char *addr)
{
    const unsigned char *p;

    for (p = (const unsigned char *) addr; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
            return 0;
    return 1;
}

/* The curl callbacks below run on a worker. */

static size_t on_read(char *out, size_t size, size_t nmemb, void *arg)
{
    struct submission *sub = arg;
    size_t room = size * nmemb, left = sub->len - sub->pos;
    size_t n = room < left ? room : left;

    if (atomic_load(&sub->ss->stopping))
        return CURL_READFUNC_ABORT;
    memcpy(out, sub->data + sub->pos, n);
    sub->pos += n;
    return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    struct submission *sub = arg;

    return atomic_load(&sub->ss->stopping) ? 1 : 0;
}

/* Keeps the server's last reply line (not QUIT's), for the caller's log
 * and the job's error. */
static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size,
                    void *arg)
{
    struct submission *sub = arg;
    size_t n;

    if (type == CURLINFO_HEADER_OUT && size >= 4
        && strncmp(data, "QUIT", 4) == 0)
        sub->quitting = 1;
    if (type != CURLINFO_HEADER_IN || size < 3 || sub->quitting)
        return 0;
    n = size < sizeof(sub->last_reply) - 1 ? size : sizeof(sub->last_reply) - 1;
    memcpy(sub->last_reply, data, n);
    while (n > 0 && (sub->last_reply[n - 1] == '\n'
                     || sub->last_reply[n - 1] == '\r'))
        n--;
    sub->last_reply[n] = '\0';
    return 0;
}

/* Opens a socket for curl and keeps it where smtp_submitter_free() can
 * shut it down; none once stopping. */
static curl_socket_t sock_open(void *arg, curlsocktype purpose,
                               struct curl_sockaddr *addr)
{
    struct submission *sub = arg;
    struct smtp_submitter *ss = sub->ss;
    curl_socket_t fd = CURL_SOCKET_BAD;
    int i;

    pthread_mutex_lock(&ss->lock);
    for (i = 0; i < SUB_MAX_SOCKS; i++)
        if (sub->socks[i] == CURL_SOCKET_BAD)
            break;
    if (i < SUB_MAX_SOCKS && !atomic_load(&ss->stopping)
        && (fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC,
                        addr->protocol)) >= 0)
        sub->socks[i] = fd;
    pthread_mutex_unlock(&ss->lock);
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static int sock_close(void *arg, curl_socket_t fd)
{
    struct submission *sub = arg;
    struct smtp_submitter *ss = sub->ss;
    int i, ret;

    pthread_mutex_lock(&ss->lock);
    for (i = 0; i < SUB_MAX_SOCKS; i++)
        if (sub->socks[i] == fd)
            sub->socks[i] = CURL_SOCKET_BAD;
    ret = close(fd);
    pthread_mutex_unlock(&ss->lock);
    return ret;
}

/* Runs sub's transfer to its end (QUIT included: no connection is kept)
 * and frees its handle. */
static void sub_run(struct submission *sub)
{
    sub->rc = curl_easy_perform(sub->easy);
    if (curl_easy_getinfo(sub->easy, CURLINFO_RESPONSE_CODE, &sub->code)
        != CURLE_OK)
        sub->code = 0;
    curl_easy_cleanup(sub->easy);
    sub->easy = NULL;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct smtp_submitter *ss = w->ss;
    struct submission *sub;

    pthread_mutex_lock(&ss->lock);
    while (!atomic_load(&ss->stopping)) {
        if ((sub = fifo_pop(&ss->queue)) == NULL) {
            ss->idle++;
            pthread_cond_wait(&ss->wake, &ss->lock);
            ss->idle--;
            continue;
        }
        w->sub = sub;
        pthread_mutex_unlock(&ss->lock);
        sub_run(sub);
        pthread_mutex_lock(&ss->lock);
        w->sub = NULL;
        fifo_push(&ss->results, sub);
        if (write(ss->pipe_fd[1], "r", 1) < 0) {
            /* Full (EAGAIN): the loop has a wake-up waiting already. */
        }
    }
    pthread_mutex_unlock(&ss->lock);
    return NULL;
}

/* Starts one more worker, with every signal blocked (signals are the
 * event loop's); under ss->lock.  Returns 0 or an errno value. */
static int worker_start(struct smtp_submitter *ss)
{
    struct worker *w = &ss->workers[ss->nworkers];
    sigset_t all, old;
    int err;

    w->ss = ss;
    w->sub = NULL;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err == 0)
        ss->nworkers++;
    return err;
}

/* Reports one finished submission to its caller and frees it. */
static void sub_report(struct submission *sub)
{
    enum smtp_result result;
    const char *detail;
    CURLcode rc = sub->rc;
    long code = sub->code;

    if (rc == CURLE_OK) {
        result = SMTP_SENT;
    } else if (code >= 500 && code < 600) {
        result = SMTP_REFUSED;
    } else {
        result = SMTP_TEMPFAIL;
    }
    detail = *sub->last_reply && (rc == CURLE_OK || code >= 400)
        ? sub->last_reply : *sub->error ? sub->error : curl_easy_strerror(rc);
    sub->done(result, detail, sub->arg);
    sub_free(sub);
}

/* The pipe is readable: report what the workers finished, in order, until
 * none is left or a done callback frees the submitter (which is then torn
 * down but left for this function to free). */
static void on_results(evutil_socket_t fd, short what, void *arg)
{
    struct smtp_submitter *ss = arg;
    struct submission *sub;
    char drain[64];

    while (read(fd, drain, sizeof(drain)) > 0)
        continue;
    ss->reporting = 1;
    while (!ss->dying) {
        pthread_mutex_lock(&ss->lock);
        sub = fifo_pop(&ss->results);
        pthread_mutex_unlock(&ss->lock);
        if (sub == NULL)
            break;
        sub_report(sub);
    }
    ss->reporting = 0;
    if (ss->dying)
        free(ss);
}

/* curl, the pipe and its event, with the first submission. */
static int submitter_start(struct smtp_submitter *ss, struct buf *why)
{
    if (ss->started)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        buf_printf(why, "smtp: cannot initialize libcurl");
        return -1;
    }
    if (pipe2(ss->pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
        buf_printf(why, "smtp: cannot create a pipe: %s", strerror(errno));
        curl_global_cleanup();
        return -1;
    }
    ss->results_ev = event_new(ss->base, ss->pipe_fd[0], EV_READ | EV_PERSIST,
                               on_results, ss);
    if (ss->results_ev == NULL || event_add(ss->results_ev, NULL) < 0) {
        buf_printf(why, "smtp: cannot watch the workers' pipe");
        if (ss->results_ev != NULL)
            event_free(ss->results_ev);
        close(ss->pipe_fd[0]);
        close(ss->pipe_fd[1]);
        ss->pipe_fd[0] = ss->pipe_fd[1] = -1;
        curl_global_cleanup();
        return -1;
    }
    ss->started = 1;
    return 0;
}

static int setup_easy(struct submission *sub, const char *url,
                      const char *mail_from, long timeout_s)
{
    struct buf *from = buf_create(128);
    CURL *e = sub->easy;
    CURLcode rc = CURLE_OK;

#define SET(opt, val) \
    do { \
        if (rc == CURLE_OK) \
            rc = curl_easy_setopt(e, opt, val); \
    } while (0)
    buf_printf(from, "<%s>", mail_from);
    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
    SET(CURLOPT_PROTOCOLS, (long) (CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
    SET(CURLOPT_MAIL_FROM, from->data);
    SET(CURLOPT_MAIL_RCPT, sub->rcpts);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, sub);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t) sub->len);
    SET(CURLOPT_CONNECTTIMEOUT, timeout_s);
    SET(CURLOPT_TIMEOUT, timeout_s);
    SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout_s);
    SET(CURLOPT_FORBID_REUSE, 1L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, sub->error);
    SET(CURLOPT_VERBOSE, 1L);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, sub);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, sub);
    SET(CURLOPT_OPENSOCKETFUNCTION, sock_open);
    SET(CURLOPT_OPENSOCKETDATA, sub);
    SET(CURLOPT_CLOSESOCKETFUNCTION, sock_close);
    SET(CURLOPT_CLOSESOCKETDATA, sub);
#undef SET
    buf_free(from);
    return rc == CURLE_OK ? 0 : -1;
}

/* Queues sub for a worker, starting one when none is idle; under
 * ss->lock.  Returns 0, or -1 with why when no worker can run it. */
static int sub_queue(struct smtp_submitter *ss, struct submission *sub,
                     struct buf *why)
{
    int err = 0;

    if (ss->queue.count + 1 > (size_t) ss->idle
        && ss->nworkers < SMTP_SUBMIT_WORKERS
        && (err = worker_start(ss)) != 0 && ss->nworkers == 0) {
        buf_printf(why, "smtp: cannot start a thread: %s", strerror(err));
        return -1;
    }
    fifo_push(&ss->queue, sub);
    pthread_cond_signal(&ss->wake);
    return 0;
}

int smtp_submit(struct smtp_submitter *ss, const char *mail_from,
                const char *rcpt, const char *message, size_t len,
                smtp_done *done, void *arg, struct buf *why)
{
    struct submission *sub;
    struct buf *to;
    int i, ret;

    if (!address_ok(mail_from) || !address_ok(rcpt) || *rcpt == '\0') {
        buf_printf(why, "smtp: an envelope address is empty or holds a "
                   "control character or angle bracket");
        return -1;
    }
    if (submitter_start(ss, why) < 0)
        return -1;
    sub = xcalloc(1, sizeof(*sub));
    sub->ss = ss;
    sub->done = done;
    sub->arg = arg;
    for (i = 0; i < SUB_MAX_SOCKS; i++)
        sub->socks[i] = CURL_SOCKET_BAD;
    sub->data = crlf_copy(message, len, &sub->len);
    to = buf_create(128);
    buf_printf(to, "<%s>", rcpt);
    sub->rcpts = curl_slist_append(NULL, to->data);
    buf_free(to);
    if ((sub->easy = curl_easy_init()) == NULL || sub->rcpts == NULL) {
        buf_printf(why, "smtp: cannot create a curl handle");
        sub_free(sub);
        return -1;
    }
    if (setup_easy(sub, ss->url, mail_from, ss->timeout_s) < 0) {
        buf_printf(why, "smtp: cannot set up the submission to %s", ss->url);
        sub_free(sub);
        return -1;
    }
    pthread_mutex_lock(&ss->lock);
    ret = sub_queue(ss, sub, why);
    pthread_mutex_unlock(&ss->lock);
    if (ret < 0)
        sub_free(sub);
    return ret;
}
