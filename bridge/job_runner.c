/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job_runner - work off the spool in the event loop; see job_runner.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "job_runner.h"
#include "msg.h"
#include "spool_job.h"
#include "spool_journal.h"
#include "xalloc.h"

#define TICK_SECONDS        2       /* release deferred jobs */
#define RECOVER_SECONDS     300     /* recover enqueues, expire markers */
#define RECOVER_MIN_AGE     3600
#define READY_PER_SLOT      4       /* IDs one scan of active/ keeps per
                                     * job_concurrency slot */
#define PARKED_PER_SLOT     4       /* parked jobs per job_concurrency slot */

struct handler {
    char *kind;
    job_handler *fn;
    void *arg;
};

struct job {
    struct job_runner *jr;
    struct job *prev, *next;
    struct spool_job *sj;
    int parked;                 /* job_park(): not counted in active */
};

/* A job whose end could not be recorded: left alone for a while. */
struct cooldown {
    struct cooldown *next;
    char id[SPOOL_ID_LEN + 1];
    time_t until;
};

/* A job ID as active/ names it. */
struct ready_id {
    char id[SPOOL_ID_LEN + 1];
};

struct job_runner {
    struct bridge *br;
    struct cooldown *cooling;
    struct handler *handlers;
    size_t nhandlers;
    struct job *jobs;           /* in hand */
    unsigned active;            /* in hand and not parked */
    unsigned parked;
    char *active_dir;           /* <spool>/active */
    struct ready_id *ready;     /* the oldest IDs of the last scan, sorted */
    size_t ready_cap;           /* READY_PER_SLOT * job_concurrency */
    size_t ready_count;         /* valid entries in ready[] */
    size_t ready_next;          /* the next one to take */
    time_t next_release;        /* earliest deferred job's time; 0: none */
    int inotify_fd;
    struct event *ev_inotify;
    struct event *ev_tick;
    struct event *ev_kick;      /* a zero timeout: takes jobs from the loop */
    time_t last_recover;
};

static void take_jobs(struct job_runner *jr);

const struct spool_job *job_spool(const struct job *job)
{
    return job->sj;
}

unsigned job_runner_active(const struct job_runner *jr)
{
    return jr->active;
}

unsigned job_runner_parked(const struct job_runner *jr)
{
    return jr->parked;
}

static int in_hand(const struct job_runner *jr, const char *id)
{
    const struct job *job;

    for (job = jr->jobs; job; job = job->next)
        if (strcmp(job->sj->id, id) == 0)
            return 1;
    return 0;
}

/*
 * 1 while the job is cooling down.  A job whose end the spool could not
 * record (a full disk, say) is still in active/; taking it again at once
 * would redo its work (another email) in a tight loop.
 */
static int cooling(struct job_runner *jr, const char *id, time_t now)
{
    struct cooldown **pp, *c;

    for (pp = &jr->cooling; (c = *pp) != NULL;) {
        if (c->until <= now) {
            *pp = c->next;
            free(c);
            continue;
        }
        if (strcmp(c->id, id) == 0)
            return 1;
        pp = &c->next;
    }
    return 0;
}

static void cool_down(struct job_runner *jr, const char *id)
{
    struct cooldown *c = xcalloc(1, sizeof(*c));

    snprintf(c->id, sizeof(c->id), "%s", id);
    c->until = time(NULL) + jr->br->cfg->minimal_backoff;
    c->next = jr->cooling;
    jr->cooling = c;
}

static void job_free(struct job *job)
{
    struct job_runner *jr = job->jr;

    if (job->prev)
        job->prev->next = job->next;
    else
        jr->jobs = job->next;
    if (job->next)
        job->next->prev = job->prev;
    if (job->parked)
        jr->parked--;
    else
        jr->active--;
    spool_job_free(job->sj);
    free(job);
}

/* Ends a job: the spool call, one log line, and more work. */
enum job_end { END_DONE, END_RETRY, END_HOLD, END_DEAD, END_WAIT };

static void job_end(struct job *job, enum job_end how, time_t until,
                    const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void job_end(struct job *job, enum job_end how, time_t until,
                    const char *fmt, va_list ap)
{
    static const char *const words[] = {"done", "deferred", "held", "dead",
                                        "waiting"};
    struct job_runner *jr = job->jr;
    struct spool *spool = jr->br->spool;
    struct buf *detail = buf_create(256), *why = buf_create(128);
    const char *id = job->sj->id;
    int ret = 0;

    buf_vprintf(detail, fmt, ap);
    switch (how) {
    case END_DONE:
        ret = spool_finish(spool, id, why);
        break;
    case END_RETRY:
        ret = spool_defer(spool, id, detail->data, time(NULL), why);
        /* Due no sooner than minimal_backoff from now. */
        if (ret == 0) {
            time_t due = time(NULL) + jr->br->cfg->minimal_backoff;

            if (jr->next_release == 0 || due < jr->next_release)
                jr->next_release = due;
        }
        break;
    case END_HOLD:
        ret = spool_hold(spool, id, detail->data, why);
        break;
    case END_DEAD:
        ret = spool_bury(spool, id, detail->data, why);
        break;
    case END_WAIT:
        ret = spool_postpone(spool, id, detail->data, until, why);
        if (ret == 0 && (jr->next_release == 0 || until < jr->next_release))
            jr->next_release = until;
        break;
    }
    if (ret == SPOOL_NOTFOUND)
        msg_warn("%s: %s: %s: the job was moved meanwhile (by an admin?)",
                 id, words[how], job->sj->kind);
    else if (ret < 0) {
        msg_error("%s: %s: %s: cannot record it in the spool: %s; it is "
                  "taken again in %lds", id, words[how], job->sj->kind,
                  why->data, jr->br->cfg->minimal_backoff);
        cool_down(jr, id);
    } else
        msg_info("%s: %s: %s: %s", id, words[how], job->sj->kind,
                 detail->data);
    buf_free(detail);
    buf_free(why);
    job_free(job);
    /* Not from inside a handler's call chain: from the loop. */
    event_active(jr->ev_kick, EV_TIMEOUT, 0);
}

#define END_FUNCTION(name, how) \
    void name(struct job *job, const char *fmt, ...) \
    { \
        va_list ap; \
        va_start(ap, fmt); \
        job_end(job, how, 0, fmt, ap); \
        va_end(ap); \
    }

END_FUNCTION(job_done, END_DONE)
END_FUNCTION(job_retry, END_RETRY)
END_FUNCTION(job_hold, END_HOLD)
END_FUNCTION(job_dead, END_DEAD)

void job_wait(struct job *job, time_t until, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    job_end(job, END_WAIT, until, fmt, ap);
    va_end(ap);
}

int job_park(struct job *job)
{
    struct job_runner *jr = job->jr;

    if (job->parked)
        return 0;
    if (jr->parked >= PARKED_PER_SLOT * (unsigned) jr->br->cfg->job_concurrency)
        return -1;
    job->parked = 1;
    jr->parked++;
    jr->active--;
    /* Its slot is free: another job may take it, from the loop. */
    event_active(jr->ev_kick, EV_TIMEOUT, 0);
    return 0;
}

void job_unpark(struct job *job)
{
    struct job_runner *jr = job->jr;

    if (!job->parked)
        return;
    job->parked = 0;
    jr->parked--;
    jr->active++;
}

static const struct handler *find_handler(const struct job_runner *jr,
                                          const char *kind)
{
    size_t i;

    for (i = 0; i < jr->nhandlers; i++)
        if (strcmp(jr->handlers[i].kind, kind) == 0)
            return &jr->handlers[i];
    return NULL;
}

/* Starts one job from the list: load it, find its handler, hand it over. */
static void start_job(struct job_runner *jr, const char *id)
{
    struct buf *why = buf_create(128);
    const struct handler *h;
    struct spool_job *sj;
    struct job *job;
    int ret;

    ret = spool_load(jr->br->spool, id, 1, &sj, why);
    if (ret == SPOOL_NOTFOUND) {
        buf_free(why);
        return;
    }
    if (ret < 0) {
        msg_error("%s: cannot load the job: %s", id, why->data);
        buf_reset(why);
        if (spool_bury(jr->br->spool, id, "the job cannot be loaded", why) < 0)
            msg_error("%s: cannot make it a dead letter: %s", id, why->data);
        buf_free(why);
        return;
    }
    buf_free(why);
    if (sj->state != SPOOL_ACTIVE) {    /* moved after the listing */
        spool_job_free(sj);
        return;
    }
    job = xcalloc(1, sizeof(*job));
    job->jr = jr;
    job->sj = sj;
    job->next = jr->jobs;
    if (jr->jobs)
        jr->jobs->prev = job;
    jr->jobs = job;
    jr->active++;
    if ((h = find_handler(jr, sj->kind)) == NULL) {
        job_dead(job, "no handler for job kind \"%s\"", sj->kind);
        return;
    }
    h->fn(jr->br, job, h->arg);
}

/*
 * Scans active/ and keeps in ready[] the ready_cap oldest IDs that are
 * neither in hand nor cooling down, oldest first.  Only the directory is
 * read: an ID begins with its creation time in hex, so ID order is age
 * order to the second (a requeued job keeps its old ID and goes first).
 * This is what bounds the memory and time a backlog costs.  Listing the
 * spool (spool_list) each time a job ended read and parsed every job
 * file and held a record of each at once: with 15,000 jobs waiting,
 * 15,000 file reads and as many short-lived records per finished job, a
 * drain quadratic in the backlog, and a heap those records fragmented
 * that the process kept (bench/bridge_memory.sh: RSS from 16 to 36 MiB
 * two thousand jobs into the drain).  Now a backlog of N jobs costs
 * N / ready_cap directory scans and ready_cap IDs of memory, whatever N.  An ID that is stale by the
 * time it is taken (the job moved, by an admin say) is skipped by
 * start_job().  Returns the number of IDs kept.
 */
static size_t scan_active(struct job_runner *jr, time_t now)
{
    struct dirent *dp;
    size_t lo, hi, mid;
    DIR *dir;

    jr->ready_count = jr->ready_next = 0;
    if ((dir = opendir(jr->active_dir)) == NULL) {
        msg_error("cannot list the spool: open %s: %s", jr->active_dir,
                  strerror(errno));
        return 0;
    }
    while ((errno = 0, dp = readdir(dir)) != NULL) {
        if (!spool_id_valid(dp->d_name))
            continue;
        /* Full, and not older than the youngest kept: not wanted now. */
        if (jr->ready_count == jr->ready_cap
            && strcmp(dp->d_name, jr->ready[jr->ready_count - 1].id) >= 0)
            continue;
        if (in_hand(jr, dp->d_name) || cooling(jr, dp->d_name, now))
            continue;
        for (lo = 0, hi = jr->ready_count; lo < hi;) {
            mid = lo + (hi - lo) / 2;
            if (strcmp(jr->ready[mid].id, dp->d_name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (jr->ready_count == jr->ready_cap)
            jr->ready_count--;          /* the youngest drops out */
        memmove(jr->ready + lo + 1, jr->ready + lo,
                (jr->ready_count - lo) * sizeof(*jr->ready));
        memcpy(jr->ready[lo].id, dp->d_name, SPOOL_ID_LEN + 1);
        jr->ready_count++;
    }
    if (errno != 0)
        msg_error("cannot list the spool: read %s: %s", jr->active_dir,
                  strerror(errno));
    closedir(dir);
    return jr->ready_count;
}

/*
 * Starts jobs until job_concurrency are in hand and not parked: from what
 * the last scan of active/ found, scanning again when that is used up.
 * Every wake-up (a new job, a job's end, the tick) comes here, so a job
 * written while ready[] still held older IDs waits at most until those
 * are taken.
 */
static void take_jobs(struct job_runner *jr)
{
    unsigned limit = (unsigned) jr->br->cfg->job_concurrency;
    time_t now = time(NULL);
    int scans = 0;
    const char *id;

    while (jr->active < limit) {
        if (jr->ready_next == jr->ready_count) {
            /* Twice at most: the second finds what the first one's
             * stale IDs left room for. */
            if (scans++ == 2 || scan_active(jr, now) == 0)
                return;
        }
        id = jr->ready[jr->ready_next++].id;
        if (!in_hand(jr, id) && !cooling(jr, id, now))
            start_job(jr, id);
    }
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    take_jobs(arg);
}

static void on_inotify(evutil_socket_t fd, short what, void *arg)
{
    struct job_runner *jr = arg;
    char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

    /* The events only say "look again"; drain them. */
    while (read(jr->inotify_fd, events, sizeof(events)) > 0)
        ;
    take_jobs(jr);
}


/*
 * Dedupe markers past dedupe_lifetime whose job is gone go, but not those
 * made since the oldest record still in the intake journal: replaying
 * that record relies on its marker (spool_journal.h).  The margin covers
 * a clock that stepped back between the record and its marker.
 */
#define JOURNAL_MARKER_MARGIN   300

static void expire_dedupe(struct job_runner *jr, time_t now, struct buf *why)
{
    time_t oldest, keep_since = 0;

    if (spool_journal_oldest(jr->br->cfg->spool_directory, &oldest, why) < 0) {
        msg_error("cannot expire dedupe markers: %s", why->data);
        return;
    }
    if (oldest != 0)
        keep_since = oldest > JOURNAL_MARKER_MARGIN
            ? oldest - JOURNAL_MARKER_MARGIN : 1;
    if (spool_expire_dedupe(jr->br->spool, now, jr->br->cfg->dedupe_lifetime,
                            keep_since, why) < 0)
        msg_error("cannot expire dedupe markers: %s", why->data);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct job_runner *jr = arg;
    struct buf *why = buf_create(128);
    time_t now = time(NULL);
    int n;

    /*
     * Deferred jobs are read only when one is due (or every
     * RECOVER_SECONDS, for jobs deferred by someone else): reading every
     * deferred job's head each tick made a backlog behind a dead SMTP
     * server cost its whole length every 2 seconds.
     */
    if ((jr->next_release != 0 && now >= jr->next_release)
        || now - jr->last_recover >= RECOVER_SECONDS) {
        if ((n = spool_release_due(jr->br->spool, now, &jr->next_release,
                                   why)) < 0) {
            msg_error("cannot release deferred jobs: %s", why->data);
            jr->next_release = now + TICK_SECONDS;
        }
    }
    if (now - jr->last_recover >= RECOVER_SECONDS) {
        jr->last_recover = now;
        buf_reset(why);
        if ((n = spool_recover(jr->br->spool, RECOVER_MIN_AGE, why)) < 0)
            msg_error("cannot recover interrupted jobs: %s", why->data);
        else if (n > 0)
            msg_info("recovered %d interrupted job(s)", n);
        buf_reset(why);
        expire_dedupe(jr, now, why);
    }
    buf_free(why);
    take_jobs(jr);
}

struct job_runner *job_runner_create(struct bridge *br, struct buf *why)
{
    struct job_runner *jr = xcalloc(1, sizeof(*jr));
    struct timeval tick = {TICK_SECONDS, 0};
    char path[PATH_MAX];
    int n;

    jr->br = br;
    jr->inotify_fd = -1;
    n = snprintf(path, sizeof(path), "%s/active", br->cfg->spool_directory);
    if (n < 0 || (size_t) n >= sizeof(path)) {
        buf_printf(why, "spool directory name too long");
        goto fail;
    }
    jr->active_dir = xstrdup(path);
    jr->ready_cap = READY_PER_SLOT * (size_t) br->cfg->job_concurrency;
    jr->ready = xcalloc(jr->ready_cap, sizeof(*jr->ready));
    if ((jr->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0
        || inotify_add_watch(jr->inotify_fd, path,
                             IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        buf_printf(why, "cannot watch %s: %s", path, strerror(errno));
        goto fail;
    }
    jr->ev_inotify = event_new(br->base, jr->inotify_fd, EV_READ | EV_PERSIST,
                               on_inotify, jr);
    jr->ev_tick = event_new(br->base, -1, EV_PERSIST, on_tick, jr);
    jr->ev_kick = event_new(br->base, -1, 0, on_kick, jr);
    if (jr->ev_inotify == NULL || jr->ev_tick == NULL || jr->ev_kick == NULL
        || event_add(jr->ev_inotify, NULL) < 0
        || event_add(jr->ev_tick, &tick) < 0) {
        buf_printf(why, "cannot set up the job runner's events");
        goto fail;
    }
    /* Whatever a crash left in active/ is taken at the first turn. */
    jr->last_recover = 0;
    event_active(jr->ev_tick, EV_TIMEOUT, 0);
    return jr;

fail:
    job_runner_free(jr);
    return NULL;
}

void job_runner_free(struct job_runner *jr)
{
    size_t i;

    if (jr == NULL)
        return;
    while (jr->jobs)
        job_free(jr->jobs);
    while (jr->cooling) {
        struct cooldown *c = jr->cooling;

        jr->cooling = c->next;
        free(c);
    }
    if (jr->ev_inotify)
        event_free(jr->ev_inotify);
    if (jr->ev_tick)
        event_free(jr->ev_tick);
    if (jr->ev_kick)
        event_free(jr->ev_kick);
    if (jr->inotify_fd >= 0)
        close(jr->inotify_fd);
    for (i = 0; i < jr->nhandlers; i++)
        free(jr->handlers[i].kind);
    free(jr->handlers);
    free(jr->ready);
    free(jr->active_dir);
    free(jr);
}

void job_runner_register(struct job_runner *jr, const char *kind,
                         job_handler *handler, void *arg)
{
    jr->handlers = xrealloc(jr->handlers,
                            (jr->nhandlers + 1) * sizeof(*jr->handlers));
    jr->handlers[jr->nhandlers].kind = xstrdup(kind);
    jr->handlers[jr->nhandlers].fn = handler;
    jr->handlers[jr->nhandlers].arg = arg;
    jr->nhandlers++;
}

void job_runner_kick(struct job_runner *jr)
{
    event_active(jr->ev_kick, EV_TIMEOUT, 0);
}
