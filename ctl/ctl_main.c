/*
 * postmaskctl - the administration command: a thin front over common/.
 *
 * postmaskctl [-c config_dir] [-v] command [arguments]
 *
 * Commands: address (encode, decode), queue (list, show, requeue, hold,
 * delete), config (effective parameter values), parse (what the milter
 * captures from a message), postfix (attach, detach, status).  See
 * postmaskctl(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "daemon_args.h"
#include "msg.h"

#define USAGE "[-vV] [-c config_dir] command [arguments]\n" \
    "commands:\n" \
    "  address encode SID         print the proxy address of a conversation\n" \
    "  address decode ADDRESS     print the conversation SID of an address\n" \
    "  address newkey [KEYID]     print a new \"KEYID SECRET\" key line\n" \
    "  queue [list]               list spool jobs like postqueue -p\n" \
    "  queue show|requeue|hold|delete ID\n" \
    "  config [-d] [-h] [NAME...] print effective (or default) parameters\n" \
    "  parse [-f SENDER] [FILE]   print, as JSON, what the milter captures\n" \
    "  postfix [-c postfix_dir] [-n] [-r] attach|detach|status\n" \
    "                             attach postmask to Postfix with postconf"

static const struct ctl_command {
    const char *name;
    int (*run)(const struct config *cfg, int argc, char **argv);
} commands[] = {
    {"address", ctl_address},
    {"queue", ctl_queue},
    {"config", ctl_config},
    {"parse", ctl_parse},
    {"postfix", ctl_postfix},
};

int main(int argc, char **argv)
{
    struct program_opts opts;
    struct config *cfg;
    size_t i;
    int status;

    cfg = program_start(argc, argv, CONFIG_FOR_CTL, MSG_STDERR | MSG_NOPID,
                        USAGE, &opts);
    if (optind >= argc) {
        fprintf(stderr, "usage: %s %s\n", msg_progname(), USAGE);
        config_free(cfg);
        return CTL_USAGE;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            status = commands[i].run(cfg, argc - optind, argv + optind);
            config_free(cfg);
            return status;
        }
    }
    fprintf(stderr, "%s: unknown command \"%s\"\nusage: %s %s\n",
            msg_progname(), argv[optind], msg_progname(), USAGE);
    config_free(cfg);
    return CTL_USAGE;
}
