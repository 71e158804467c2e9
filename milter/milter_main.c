/*
 * postmask-milter - the libmilter daemon attached to Postfix.
 *
 * postmask-milter [-fvV] [-c config_dir]
 *
 * It loads and checks the configuration, the address keys and the spool,
 * opens milter_listen, and serves Postfix until SIGTERM, SIGINT or SIGHUP
 * (libmilter's own signal handling stops smfi_main()).  The callbacks are in
 * milter_callbacks.c; see postmask-milter(8).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address_keys.h"
#include "capture.h"
#include "config.h"
#include "daemon_args.h"
#include "milter.h"
#include "msg.h"
#include "spool.h"
#include "spool_config.h"

#define USAGE "[-fvV] [-c config_dir]"

const struct milter_context *milter_ctx;

int main(int argc, char **argv)
{
    static struct milter_context context;
    struct program_opts opts;
    struct config *cfg;
    struct address_keys *keys;
    struct spool *spool;
    struct buf *why = buf_create(128);
    int ret;

    cfg = program_start(argc, argv, CONFIG_FOR_MILTER, 0, USAGE, &opts);
    if (optind != argc)
        msg_fatal("usage: %s %s", msg_progname(), USAGE);
    if ((keys = address_keys_load(cfg->address_keys_file, why)) == NULL)
        msg_fatal("%s", why->data);
    if ((spool = spool_open(cfg->spool_directory, 1, why)) == NULL)
        msg_fatal("%s", why->data);
    spool_configure(spool, cfg);
    capture_init();

    context.cfg = cfg;
    context.keys = keys;
    context.spool = spool;
    context.capture.attachment_size_limit = (size_t) cfg->attachment_size_limit;
    context.capture.trusted_authserv_ids = cfg->trusted_authserv_ids.items;
    context.capture.trusted_authserv_count = cfg->trusted_authserv_ids.count;
    if (cfg->trusted_authserv_ids.count == 0)
        msg_warn("trusted_authserv_ids is empty: no reply can be "
                 "authenticated as its building contact's; every reply "
                 "follows unauthenticated_sender_action");
    milter_rate_init(&context);
    milter_ctx = &context;

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
    ret = smfi_main();
    msg_info("stopping: %s", ret == MI_SUCCESS ? "signal" : "smfi_main failed");
    spool_close(spool);
    rate_limit_free(context.capture_rate);
    rate_limit_free(context.rcpt_failures);
    address_keys_free(keys);
    config_free(cfg);
    buf_free(why);
    return ret == MI_SUCCESS ? 0 : 1;
}
