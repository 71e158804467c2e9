/*
 * postmask-milter - the libmilter daemon attached to Postfix.
 *
 * This is the process skeleton: it loads and checks the configuration and
 * the address keys, opens the spool, and runs until SIGTERM or SIGINT.  The
 * inbound (capture) and outbound (masking) milter callbacks arrive with their
 * own modules.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "address_keys.h"
#include "config.h"
#include "daemon_args.h"
#include "msg.h"
#include "spool.h"

#define USAGE "[-fvV] [-c config_dir]"

int main(int argc, char **argv)
{
    struct program_opts opts;
    struct config *cfg;
    struct address_keys *keys;
    struct spool *spool;
    struct buf *why = buf_create(128);
    sigset_t sigs;
    int sig;

    cfg = program_start(argc, argv, CONFIG_FOR_MILTER, 0, USAGE, &opts);
    if (optind != argc)
        msg_fatal("usage: %s %s", msg_progname(), USAGE);
    if ((keys = address_keys_load(cfg->address_keys_file, why)) == NULL)
        msg_fatal("%s", why->data);
    if ((spool = spool_open(cfg->spool_directory, 1, why)) == NULL)
        msg_fatal("%s", why->data);

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
        msg_fatal("sigprocmask: %m");
    daemon_detach(&opts);
    msg_info("starting: config %s, %zu proxy domain(s), %zu address key(s), "
             "spool %s", cfg->config_file, cfg->proxy_domains.count,
             keys->count, cfg->spool_directory);
    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            msg_fatal("sigwait: %m");
        if (sig == SIGHUP) {
            msg_info("reload: SIGHUP ignored; restart to apply changes");
            continue;
        }
        break;
    }
    msg_info("stopping: signal %d", sig);
    spool_close(spool);
    address_keys_free(keys);
    config_free(cfg);
    buf_free(why);
    return 0;
}
