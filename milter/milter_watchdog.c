/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_watchdog - systemd's watchdog, pinged after a probe of our own
 * socket; see milter_watchdog.h.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "milter_probe.h"
#include "milter_watchdog.h"
#include "msg.h"
#include "service_notify.h"
#include "xalloc.h"

struct milter_watchdog {
    char *listen;
    uint64_t interval_usec;     /* half the watchdog's */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;               /* under lock */
};

static void *watchdog_main(void *arg)
{
    struct milter_watchdog *wd = arg;
    struct buf *why = buf_create(128);
    struct timespec until;
    int failing = 0;

    pthread_mutex_lock(&wd->lock);
    while (!wd->stopping) {
        pthread_mutex_unlock(&wd->lock);
        buf_reset(why);
        if (milter_probe(wd->listen, why) == 0) {
            service_watchdog_ping();
            if (failing)
                msg_info("watchdog: the milter answers again");
            failing = 0;
        } else {
            msg_warn("watchdog: the milter does not answer its own probe "
                     "(%s); not pinging systemd's watchdog", why->data);
            failing = 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t) (wd->interval_usec / 1000000);
        until.tv_nsec += (long) (wd->interval_usec % 1000000) * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&wd->lock);
        while (!wd->stopping
               && pthread_cond_timedwait(&wd->wake, &wd->lock, &until) == 0)
            continue;
    }
    pthread_mutex_unlock(&wd->lock);
    buf_free(why);
    return NULL;
}

struct milter_watchdog *milter_watchdog_start(const char *milter_listen)
{
    uint64_t usec = service_watchdog_usec();
    struct milter_watchdog *wd;
    pthread_condattr_t attr;
    sigset_t all, old;
    int err;

    if (usec == 0)
        return NULL;
    wd = xcalloc(1, sizeof(*wd));
    wd->listen = xstrdup(milter_listen);
    wd->interval_usec = usec / 2;
    /* A monotonic clock: a clock step must not stretch the wait past
     * the watchdog's interval. */
    if (pthread_mutex_init(&wd->lock, NULL) != 0
        || pthread_condattr_init(&attr) != 0
        || pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0
        || pthread_cond_init(&wd->wake, &attr) != 0)
        msg_fatal("watchdog: cannot create a mutex or condition variable");
    pthread_condattr_destroy(&attr);
    /* Signals are libmilter's: the thread blocks them all. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&wd->thread, NULL, watchdog_main, wd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0)
        msg_fatal("watchdog: cannot start its thread: %s", strerror(err));
    msg_info("watchdog: probing %s every %llu ms", milter_listen,
             (unsigned long long) (wd->interval_usec / 1000));
    return wd;
}

void milter_watchdog_stop(struct milter_watchdog *wd)
{
    if (wd == NULL)
        return;
    pthread_mutex_lock(&wd->lock);
    wd->stopping = 1;
    pthread_cond_signal(&wd->wake);
    pthread_mutex_unlock(&wd->lock);
    pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->wake);
    pthread_mutex_destroy(&wd->lock);
    free(wd->listen);
    free(wd);
}
