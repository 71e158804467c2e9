/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmask-milter - the libmilter daemon attached to Postfix.
 *
 * postmask-milter [-fvV] [-c config_dir]
 *
 * It loads and checks the configuration, the address keys and the spool,
 * opens milter_listen, and serves Postfix until SIGTERM, SIGINT or SIGHUP
 * (libmilter's own signal handling stops smfi_main()).  SIGUSR1 reloads
 * main.cf and the keys (milter_reload.c).  The callbacks are in
 * milter_callbacks.c; see postmask-milter(8).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "address_keys.h"
#include "capture.h"
#include "config.h"
#include "daemon_args.h"
#include "milter.h"
#include "milter_watchdog.h"
#include "msg.h"
#include "service_notify.h"
#include "spool.h"
#include "spool_config.h"

#define USAGE "[-fvV] [-c config_dir]"

struct milter_context *milter_ctx;

/*
 * Memory set-up, before anything allocates.  libmilter runs every SMTP
 * connection on a thread of its own, and glibc gives threads their own
 * malloc arenas (up to 8 per CPU), each a heap that keeps what its threads
 * freed.  The milter's threads mostly wait on Postfix, so one arena shared
 * under a lock costs little.  A capture's big buffers (the raw message,
 * its decoded parts, the job) live for one end of message: a fixed mmap
 * threshold gives those past it back to the kernel when they are freed,
 * where glibc's sliding threshold would move them into the heap after the
 * first free, and a fixed trim threshold returns a heap top that a burst
 * left free.  Measured with 16 sessions of 100 KiB captures, glibc's
 * defaults peaked 4 MiB higher and kept 3 MiB more after the burst.  A
 * 64 KiB threshold gave back nearly everything (RSS within 5 % of before
 * the burst) but cost about 1.5 ms of CPU per capture, as every 64 KiB
 * body chunk that libmilter reads then is an mmap() of its own.  Each
 * setting is advice: a failure leaves glibc's defaults, which only cost
 * memory.
 */
#define MILTER_ARENA_MAX        1
#define MILTER_MMAP_THRESHOLD   (128 * 1024)
#define MILTER_TRIM_THRESHOLD   (256 * 1024)

static void memory_setup(void)
{
    (void) mallopt(M_ARENA_MAX, MILTER_ARENA_MAX);
    (void) mallopt(M_MMAP_THRESHOLD, MILTER_MMAP_THRESHOLD);
    (void) mallopt(M_TRIM_THRESHOLD, MILTER_TRIM_THRESHOLD);

    /*
     * OpenSSL serves HMACs and digests only, and its error strings are
     * never printed (failures are logged in our own words): not loading
     * them saves their pages.  openssl.cnf is still read, so a system's
     * crypto policy applies.
     */
    (void) OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
}

int main(int argc, char **argv)
{
    static struct milter_context context;
    struct program_opts opts;
    struct config *cfg;
    struct address_keys *keys;
    struct spool *spool;
    struct milter_watchdog *watchdog;
    struct buf *why;
    sigset_t signals;
    pthread_t reloader;
    int ret;

    /* Before any thread exists, so that every thread inherits the mask
     * (milter_reload.c says why). */
    milter_reload_signals(&signals);
    if (pthread_sigmask(SIG_BLOCK, &signals, NULL) != 0)
        msg_fatal("cannot block signals");
    memory_setup();
    why = buf_create(128);
    cfg = program_start(argc, argv, CONFIG_FOR_MILTER, 0, USAGE, &opts);
    if (optind != argc)
        msg_fatal("usage: %s %s", msg_progname(), USAGE);
    if ((keys = address_keys_load(cfg->address_keys_file, why)) == NULL)
        msg_fatal("%s", why->data);
    if ((spool = spool_open(cfg->spool_directory, 1, why)) == NULL)
        msg_fatal("%s", why->data);
    spool_configure(spool, cfg);
    capture_init();

    context.spool = spool;
    pthread_mutex_init(&context.lock, NULL);
    milter_rate_configure(&context, cfg);
    milter_ctx = &context;
    /* The context owns cfg and keys from here on; cfg stays valid for
     * main() below, as the reload thread starts only after it is read. */
    milter_settings_install(milter_settings_create(cfg, keys));

    if (smfi_register(milter_desc) != MI_SUCCESS)
        msg_fatal("smfi_register failed");
    if (smfi_setconn(cfg->milter_listen) != MI_SUCCESS)
        msg_fatal("smfi_setconn %s failed", cfg->milter_listen);
    /* Postfix reaches a unix socket through its group (the socket's
     * directory is setgid postfix): no access for anyone else. */
    umask(0007);
    if (smfi_opensocket(1) != MI_SUCCESS)
        msg_fatal("cannot open milter socket %s", cfg->milter_listen);
    daemon_detach(&opts);
    msg_info("starting: config %s, listen %s, %zu proxy domain(s), "
             "%zu address key(s), spool %s", cfg->config_file,
             cfg->milter_listen, cfg->proxy_domains.count, keys->count,
             cfg->spool_directory);

    /* The socket listens: Postfix's connections wait in its queue until
     * smfi_main() accepts them. */
    service_ready("serving Postfix");
    /* milter_listen does not change on reload (milter_reload.c). */
    watchdog = milter_watchdog_start(cfg->milter_listen);
    cfg = NULL;                         /* a reload may free it and keys */
    keys = NULL;
    reloader = milter_reload_start(opts.config_dir);
    ret = smfi_main();
    milter_reload_stop(reloader);
    service_stopping();
    milter_watchdog_stop(watchdog);
    msg_info("stopping: %s", ret == MI_SUCCESS ? "signal" : "smfi_main failed");
    /*
     * smfi_main() returns without waiting for libmilter's session threads,
     * which may still be in a callback using the spool (its group-commit
     * lock among them), the keys, the rate limits or the configuration:
     * those stay until the process exits (reachable through context).
     */
    buf_free(why);
    return ret == MI_SUCCESS ? 0 : 1;
}
