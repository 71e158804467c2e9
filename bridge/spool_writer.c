/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_writer - the bridge's spool writes off the event loop; see
 * spool_writer.h.
 *
 * Who touches what.  The loop's thread makes a write and puts it on the
 * queue; a writer thread takes the whole queue (up to SPOOL_BATCH_MAX),
 * commits it with the lock released, and puts the writes on the result
 * list; the loop takes them from there, calls done and frees them.  The
 * queue, the result list and the counters are guarded by sw->lock, and
 * passing a write through the lock orders its other fields between the
 * threads.  Results reach the loop through a pipe, as in smtp_submit.c
 * (not event_active() from the thread, which would need
 * evthread_use_pthreads() and locks in every libevent call of the
 * bridge): a thread writes one byte after a batch; the loop drains the
 * pipe, then the list, so no wake-up is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "spool_writer.h"
#include "xalloc.h"

/*
 * Threads committing batches at once.  One thread's batch waits for the
 * disk three times (files, dedupe/, active/); with a few threads the next
 * batches are written meanwhile, and the file system joins their flushes
 * (ext4 commits concurrent fsyncs in one journal transaction).
 */
#define SPOOL_WRITER_THREADS    4

struct write {
    struct write *next;
    char *kind;
    char *key;                  /* or NULL */
    char *payload;
    size_t len;
    struct buf *why;
    int rc;
    char id[SPOOL_ID_LEN + 1];
    spool_written *done;
    void *arg;
};

struct wlist {
    struct write *head;
    struct write **tail;
};

struct spool_writer {
    struct spool *spool;
    int pipe_fd[2];             /* thread -> loop: results are waiting */
    struct event *results_ev;
    pthread_t threads[SPOOL_WRITER_THREADS];
    int nthreads;
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* work queued, or stopping */
    /* Under lock. */
    struct wlist queue;
    struct wlist results;
    int stopping;
};

static void wlist_init(struct wlist *l)
{
    l->head = NULL;
    l->tail = &l->head;
}

static void wlist_push(struct wlist *l, struct write *w)
{
    w->next = NULL;
    *l->tail = w;
    l->tail = &w->next;
}

static void write_free(struct write *w)
{
    free(w->kind);
    free(w->key);
    free(w->payload);
    buf_free(w->why);
    free(w);
}

/* Commits batches until stopping and the queue is empty. */
static void *writer_main(void *arg)
{
    struct spool_writer *sw = arg;
    struct spool_entry entries[SPOOL_BATCH_MAX];
    struct write *batch[SPOOL_BATCH_MAX];
    size_t n, i;

    pthread_mutex_lock(&sw->lock);
    for (;;) {
        if (sw->queue.head == NULL) {
            if (sw->stopping)
                break;
            pthread_cond_wait(&sw->wake, &sw->lock);
            continue;
        }
        for (n = 0; n < SPOOL_BATCH_MAX && sw->queue.head != NULL; n++) {
            batch[n] = sw->queue.head;
            if ((sw->queue.head = batch[n]->next) == NULL)
                sw->queue.tail = &sw->queue.head;
        }
        pthread_mutex_unlock(&sw->lock);
        memset(entries, 0, sizeof(entries[0]) * n);
        for (i = 0; i < n; i++) {
            entries[i].kind = batch[i]->kind;
            entries[i].dedupe_key = batch[i]->key;
            entries[i].payload = batch[i]->payload;
            entries[i].payload_len = batch[i]->len;
            entries[i].why = batch[i]->why;
        }
        spool_enqueue_batch(sw->spool, entries, n);
        pthread_mutex_lock(&sw->lock);
        for (i = 0; i < n; i++) {
            batch[i]->rc = entries[i].rc;
            memcpy(batch[i]->id, entries[i].id, SPOOL_ID_LEN + 1);
            free(batch[i]->payload);        /* durable: not needed now */
            batch[i]->payload = NULL;
            wlist_push(&sw->results, batch[i]);
        }
        if (write(sw->pipe_fd[1], "r", 1) < 0) {
            /* Full (EAGAIN): the loop has a wake-up waiting already. */
        }
    }
    pthread_mutex_unlock(&sw->lock);
    return NULL;
}

/* Reports every finished write, in order. */
static void report(struct spool_writer *sw)
{
    struct wlist done;
    struct write *w;

    pthread_mutex_lock(&sw->lock);
    done = sw->results;
    if (done.head == NULL)
        done.tail = &done.head;
    wlist_init(&sw->results);
    pthread_mutex_unlock(&sw->lock);
    while ((w = done.head) != NULL) {
        done.head = w->next;
        w->done(w->rc, w->id, w->why->data, w->arg);
        write_free(w);
    }
}

/* The pipe is readable: a thread finished a batch. */
static void on_results(evutil_socket_t fd, short what, void *arg)
{
    char drain[64];

    (void) what;
    while (read(fd, drain, sizeof(drain)) > 0)
        continue;
    report(arg);
}

struct spool_writer *spool_writer_create(struct event_base *base,
                                         struct spool *spool, struct buf *why)
{
    struct spool_writer *sw = xcalloc(1, sizeof(*sw));
    sigset_t all, old;
    int err;

    sw->spool = spool;
    sw->pipe_fd[0] = sw->pipe_fd[1] = -1;
    wlist_init(&sw->queue);
    wlist_init(&sw->results);
    if (pthread_mutex_init(&sw->lock, NULL) != 0
        || pthread_cond_init(&sw->wake, NULL) != 0)
        msg_fatal("spool writer: cannot create a mutex or condition variable");
    if (pipe2(sw->pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
        buf_printf(why, "spool writer: pipe: %s", strerror(errno));
        goto fail;
    }
    sw->results_ev = event_new(base, sw->pipe_fd[0], EV_READ | EV_PERSIST,
                               on_results, sw);
    if (sw->results_ev == NULL || event_add(sw->results_ev, NULL) < 0) {
        buf_printf(why, "spool writer: cannot watch its pipe");
        goto fail;
    }
    /* Signals are the event loop's: the threads block them all. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (err = 0; sw->nthreads < SPOOL_WRITER_THREADS && err == 0;)
        if ((err = pthread_create(&sw->threads[sw->nthreads], NULL,
                                  writer_main, sw)) == 0)
            sw->nthreads++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sw->nthreads == 0) {
        buf_printf(why, "spool writer: cannot start its thread: %s",
                   strerror(err));
        goto fail;
    }
    return sw;

fail:
    if (sw->results_ev)
        event_free(sw->results_ev);
    if (sw->pipe_fd[0] >= 0 && sw->pipe_fd[1] >= 0) {
        close(sw->pipe_fd[0]);
        close(sw->pipe_fd[1]);
    }
    pthread_cond_destroy(&sw->wake);
    pthread_mutex_destroy(&sw->lock);
    free(sw);
    return NULL;
}

void spool_writer_free(struct spool_writer *sw)
{
    int i;

    if (sw == NULL)
        return;
    pthread_mutex_lock(&sw->lock);
    sw->stopping = 1;
    pthread_cond_broadcast(&sw->wake);
    pthread_mutex_unlock(&sw->lock);
    for (i = 0; i < sw->nthreads; i++)  /* after the queue is committed */
        pthread_join(sw->threads[i], NULL);
    report(sw);
    event_free(sw->results_ev);
    close(sw->pipe_fd[0]);
    close(sw->pipe_fd[1]);
    pthread_cond_destroy(&sw->wake);
    pthread_mutex_destroy(&sw->lock);
    free(sw);
}

void spool_writer_submit(struct spool_writer *sw, const char *kind,
                         const char *dedupe_key, char *payload, size_t len,
                         spool_written *done, void *arg)
{
    struct write *w = xcalloc(1, sizeof(*w));

    w->kind = xstrdup(kind);
    w->key = dedupe_key ? xstrdup(dedupe_key) : NULL;
    w->payload = payload;
    w->len = len;
    w->why = buf_create(64);
    w->rc = -1;
    w->done = done;
    w->arg = arg;
    pthread_mutex_lock(&sw->lock);
    wlist_push(&sw->queue, w);
    pthread_cond_signal(&sw->wake);
    pthread_mutex_unlock(&sw->lock);
}
