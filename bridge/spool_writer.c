/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_writer - the bridge's spool writes off the event loop; see
 * spool_writer.h.
 *
 * Who touches what.  The loop's thread makes a write and puts it on the
 * queue; the appender thread takes the whole queue (up to
 * JOURNAL_BATCH_MAX), appends it to the journal with the lock released
 * (spool_journal.h: one write and one fdatasync for the batch), and puts
 * the writes on the result list; the loop takes them from there, calls
 * done and frees them.  The drainer thread, woken after each append,
 * makes the journal's records into job files at the disk's pace.  The
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
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "spool_journal.h"
#include "spool_writer.h"
#include "xalloc.h"

/*
 * Records one append takes at most.  The journal has no limit of its own
 * (unlike spool_enqueue_batch(), one open file per entry); this bounds the
 * memory of one batch and the wait of its first webhook.
 */
#define JOURNAL_BATCH_MAX       256
/* Records one drain call takes, between looks at "stopping". */
#define DRAIN_STEP              1024
/* Seconds without an append before the drained journal is trimmed. */
#define TRIM_IDLE_SECONDS       5
/* The drainer's nice value. */
#define DRAINER_NICE            10
/* After a drain failed (the disk refused), seconds before the next try. */
#define DRAIN_RETRY_SECONDS     1

struct write {
    struct write *next;
    char *kind;
    char *key;
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
    struct spool_journal *journal;
    int pipe_fd[2];             /* thread -> loop: results are waiting */
    struct event *results_ev;
    pthread_t appender;
    pthread_t drainer;
    int threads;                /* how many of the two run */
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* work queued, or stopping */
    pthread_cond_t drain_wake;  /* records appended, or stopping */
    /* Under lock. */
    struct wlist queue;
    struct wlist results;
    int stopping;               /* the appender: commit the queue, stop */
    int drain_stopping;         /* the drainer: drain all, stop */
    unsigned long appends;      /* batches appended, for the drainer */
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

/* Appends one batch to the journal and fills in each write's result. */
static void append_batch(struct spool_writer *sw, struct write **batch,
                         size_t n)
{
    struct spool_journal_rec recs[JOURNAL_BATCH_MAX];
    struct buf *why = buf_create(128);
    size_t i;
    int rc;

    memset(recs, 0, sizeof(recs[0]) * n);
    for (i = 0; i < n; i++) {
        recs[i].kind = batch[i]->kind;
        recs[i].key = batch[i]->key;
        recs[i].payload = (unsigned char *) batch[i]->payload;
        recs[i].payload_len = batch[i]->len;
    }
    rc = spool_journal_append(sw->journal, recs, n, why);
    for (i = 0; i < n; i++) {
        if (recs[i].error != NULL) {
            batch[i]->rc = -1;
            buf_append_str(batch[i]->why, recs[i].error);
        } else if (rc < 0) {
            batch[i]->rc = -1;
            buf_append_str(batch[i]->why, why->data);
        } else {
            batch[i]->rc = recs[i].rc;
            memcpy(batch[i]->id, recs[i].id, SPOOL_ID_LEN + 1);
        }
    }
    buf_free(why);
}

/* Appends batches until stopping and the queue is empty. */
static void *appender_main(void *arg)
{
    struct spool_writer *sw = arg;
    struct write *batch[JOURNAL_BATCH_MAX];
    size_t n, i;

    pthread_mutex_lock(&sw->lock);
    for (;;) {
        if (sw->queue.head == NULL) {
            if (sw->stopping)
                break;
            pthread_cond_wait(&sw->wake, &sw->lock);
            continue;
        }
        for (n = 0; n < JOURNAL_BATCH_MAX && sw->queue.head != NULL; n++) {
            batch[n] = sw->queue.head;
            if ((sw->queue.head = batch[n]->next) == NULL)
                sw->queue.tail = &sw->queue.head;
        }
        pthread_mutex_unlock(&sw->lock);
        append_batch(sw, batch, n);
        pthread_mutex_lock(&sw->lock);
        for (i = 0; i < n; i++) {
            free(batch[i]->payload);        /* durable: not needed now */
            batch[i]->payload = NULL;
            wlist_push(&sw->results, batch[i]);
        }
        sw->appends++;
        pthread_cond_signal(&sw->drain_wake);
        if (write(sw->pipe_fd[1], "r", 1) < 0) {
            /* Full (EAGAIN): the loop has a wake-up waiting already. */
        }
    }
    pthread_mutex_unlock(&sw->lock);
    return NULL;
}

/*
 * Makes the journal's records into job files, whenever something was
 * appended, until told to stop; then drains what is left and stops.  A
 * failure (the disk refused) is logged and tried again a second later:
 * the records wait in the journal, durable.
 */
static void *drainer_main(void *arg)
{
    struct spool_writer *sw = arg;
    struct buf *why = buf_create(128);
    unsigned long seen = 0;

    /*
     * Below the loop and the appender: while webhooks pour in, the CPU
     * goes to answering them and the records wait, durable, for a quieter
     * moment.  Nice 10 (absolute: the bridge itself runs at 0), not
     * SCHED_IDLE, so that a machine busy with other work still drains
     * (at about a tenth of a CPU's share).
     */
    if (setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid),
                    DRAINER_NICE) < 0)
        msg_warn("spool writer: cannot lower the drainer's priority: %s",
                 strerror(errno));
    struct timespec until;
    long n;
    int failing = 0;

    pthread_mutex_lock(&sw->lock);
    for (;;) {
        int stop = sw->drain_stopping;

        seen = sw->appends;
        pthread_mutex_unlock(&sw->lock);
        buf_reset(why);
        while ((n = spool_journal_drain(sw->journal, DRAIN_STEP, why))
               == DRAIN_STEP)
            continue;
        if (n < 0 && !failing)
            msg_error("cannot move webhook jobs from the journal into the "
                      "spool: %s; trying again every %d s", why->data,
                      DRAIN_RETRY_SECONDS);
        else if (n >= 0 && failing)
            msg_info("journal: moving webhook jobs into the spool again");
        failing = n < 0;
        pthread_mutex_lock(&sw->lock);
        if (stop && !failing)
            break;
        if (failing) {
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += DRAIN_RETRY_SECONDS;
            pthread_cond_timedwait(&sw->drain_wake, &sw->lock, &until);
            if (stop)
                break;                  /* the next start drains it */
        } else if (sw->appends == seen && !sw->drain_stopping) {
            /* Caught up: wait for an append; after a quiet while, trim. */
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += TRIM_IDLE_SECONDS;
            if (pthread_cond_timedwait(&sw->drain_wake, &sw->lock, &until)
                == ETIMEDOUT && sw->appends == seen) {
                pthread_mutex_unlock(&sw->lock);
                buf_reset(why);
                if (spool_journal_trim(sw->journal, why) < 0)
                    msg_warn("%s", why->data);
                pthread_mutex_lock(&sw->lock);
            }
        }
    }
    pthread_mutex_unlock(&sw->lock);
    buf_free(why);
    return NULL;
}

/*
 * The appender commits what is queued and stops; then the drainer drains
 * what the journal holds and stops.  Safe on threads that never started.
 */
static void stop_threads(struct spool_writer *sw)
{
    pthread_mutex_lock(&sw->lock);
    sw->stopping = 1;
    pthread_cond_broadcast(&sw->wake);
    pthread_mutex_unlock(&sw->lock);
    if (sw->threads > 0)
        pthread_join(sw->appender, NULL);
    pthread_mutex_lock(&sw->lock);
    sw->drain_stopping = 1;
    pthread_cond_broadcast(&sw->drain_wake);
    pthread_mutex_unlock(&sw->lock);
    if (sw->threads > 1)
        pthread_join(sw->drainer, NULL);
    sw->threads = 0;
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
                                         struct spool *spool,
                                         const char *spool_dir,
                                         struct buf *why)
{
    struct spool_writer *sw = xcalloc(1, sizeof(*sw));
    pthread_condattr_t monotonic;
    sigset_t all, old;
    int err;

    sw->spool = spool;
    sw->pipe_fd[0] = sw->pipe_fd[1] = -1;
    wlist_init(&sw->queue);
    wlist_init(&sw->results);
    /* The drainer's timed waits run on the monotonic clock: a clock
     * stepped back does not hold them up. */
    if (pthread_condattr_init(&monotonic) != 0
        || pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC) != 0
        || pthread_mutex_init(&sw->lock, NULL) != 0
        || pthread_cond_init(&sw->wake, NULL) != 0
        || pthread_cond_init(&sw->drain_wake, &monotonic) != 0)
        msg_fatal("spool writer: cannot create a mutex or condition variable");
    pthread_condattr_destroy(&monotonic);
    if ((sw->journal = spool_journal_open(spool, spool_dir, why)) == NULL)
        goto fail;
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
    if ((err = pthread_create(&sw->appender, NULL, appender_main, sw)) == 0
        && ++sw->threads
        && (err = pthread_create(&sw->drainer, NULL, drainer_main, sw)) == 0)
        sw->threads++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sw->threads < 2) {
        buf_printf(why, "spool writer: cannot start its threads: %s",
                   strerror(err));
        goto fail;
    }
    return sw;

fail:
    stop_threads(sw);
    if (sw->results_ev)
        event_free(sw->results_ev);
    if (sw->pipe_fd[0] >= 0 && sw->pipe_fd[1] >= 0) {
        close(sw->pipe_fd[0]);
        close(sw->pipe_fd[1]);
    }
    spool_journal_close(sw->journal);
    pthread_cond_destroy(&sw->wake);
    pthread_cond_destroy(&sw->drain_wake);
    pthread_mutex_destroy(&sw->lock);
    free(sw);
    return NULL;
}

void spool_writer_free(struct spool_writer *sw)
{
    if (sw == NULL)
        return;
    stop_threads(sw);
    report(sw);
    event_free(sw->results_ev);
    close(sw->pipe_fd[0]);
    close(sw->pipe_fd[1]);
    spool_journal_close(sw->journal);
    pthread_cond_destroy(&sw->wake);
    pthread_cond_destroy(&sw->drain_wake);
    pthread_mutex_destroy(&sw->lock);
    free(sw);
}

uint64_t spool_writer_backlog(struct spool_writer *sw)
{
    return spool_journal_backlog(sw->journal);
}

void spool_writer_submit(struct spool_writer *sw, const char *kind,
                         const char *dedupe_key, char *payload, size_t len,
                         spool_written *done, void *arg)
{
    struct write *w = xcalloc(1, sizeof(*w));

    if (dedupe_key == NULL || *dedupe_key == '\0')
        msg_panic("spool_writer_submit: a job without a dedupe key");
    w->kind = xstrdup(kind);
    w->key = xstrdup(dedupe_key);
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
