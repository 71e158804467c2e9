/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_reload - postmask-milter reloads main.cf and the address keys on
 * SIGUSR1.
 *
 * Why SIGUSR1 and not SIGHUP: libmilter's smfi_main() starts a thread that
 * waits for SIGHUP, SIGTERM and SIGINT and stops the milter on any of them.
 * Two threads waiting for one signal get it in no defined order, so the
 * milter leaves SIGHUP to libmilter and reloads on SIGUSR1, as opendkim
 * does; the unit's ExecReload= sends it.
 *
 * main() blocks SIGUSR1 together with libmilter's three before it creates
 * any thread (milter_reload_signals()), so every thread inherits the mask:
 * SIGUSR1 reaches only the reload thread's sigwait(), the others only
 * libmilter's.  Without that, the reload thread, started before
 * smfi_main(), would take a SIGTERM with its default action and end the
 * process at once, and libmilter's session threads a SIGUSR1.  When
 * smfi_main() returns, milter_reload_stop() ends the thread, after a
 * reload under way, so that none overlaps the exit.
 *
 * A reload loads DIR/main.cf and the address keys afresh.  On any error it
 * logs one line with the reason and keeps everything running as it was.
 * Otherwise the parameters in restart_only keep their running values
 * (config_reload.h, with a warning for each that changed), the rate limits
 * take their new values at once, and the new settings are installed: SMTP
 * sessions that start from then on use them, sessions in progress finish
 * with the settings they started with (milter.h), none is dropped.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "config_reload.h"
#include "milter.h"
#include "msg.h"
#include "service_notify.h"

/*
 * What the milter builds once: the socket libmilter listens on, the spool
 * it opened (and its sync method, read by every commit), the log.  The
 * spool's backoff and lifetime parameters are the bridge's; the milter
 * only enqueues.
 */
static const char *const restart_only[] = {
    "milter_listen",
    "spool_directory",
    "spool_sync_method",
    "log_facility",
    NULL
};

void milter_reload_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGUSR1);            /* ours: reload */
    sigaddset(set, SIGHUP);             /* libmilter's: stop */
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
}

static void reload(const char *config_dir)
{
    struct buf *why = buf_create(128), *kept = buf_create(64);
    const struct milter_settings *running = milter_settings_acquire();
    struct config *cfg;
    struct address_keys *keys = NULL;
    struct milter_settings *next;

    service_reloading();
    if ((cfg = config_load(config_dir, CONFIG_FOR_MILTER, why)) == NULL
        || (keys = address_keys_load(cfg->address_keys_file, why)) == NULL) {
        config_why_line(why);
        msg_warn("reload failed: %s; keeping the running configuration",
                 why->data);
        config_free(cfg);
        goto out;
    }
    config_keep_running(cfg, running->cfg, restart_only, kept);
    config_warn_kept(kept);
    next = milter_settings_create(cfg, keys);
    milter_rate_configure(milter_ctx, cfg);
    milter_settings_install(next);
    msg_info("reload: config %s, %zu proxy domain(s), %zu address key(s)",
             next->cfg->config_file, next->cfg->proxy_domains.count,
             next->keys->count);
out:
    milter_settings_release(running);
    service_ready("serving Postfix");
    buf_free(kept);
    buf_free(why);
}

/*
 * Waits for SIGUSR1 and reloads, until cancelled: only in sigwait(), never
 * in the middle of a reload (milter_reload_stop() then waits for it).
 */
static void *reload_thread(void *arg)
{
    const char *config_dir = arg;
    sigset_t set;
    int sig, err, old;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (;;) {
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
        err = sigwait(&set, &sig);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
        if (err != 0) {
            msg_error("reload: sigwait: %s", strerror(err));
            return NULL;
        }
        reload(config_dir);
    }
}

pthread_t milter_reload_start(const char *config_dir)
{
    pthread_t tid;
    int err;

    if ((err = pthread_create(&tid, NULL, reload_thread,
                              (void *) config_dir)) != 0)
        msg_fatal("cannot start the reload thread: %s", strerror(err));
    return tid;
}

void milter_reload_stop(pthread_t tid)
{
    pthread_cancel(tid);
    pthread_join(tid, NULL);
}
