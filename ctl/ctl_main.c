/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmaskctl - the administration command: a thin front over lib/mail/.
 *
 * postmaskctl [-c config_dir] [-v] command [arguments]
 *
 * Commands: address (encode, decode), queue (list, show, requeue, hold,
 * delete), config (effective parameter values), parse (what the milter
 * captures from a message), postfix (attach, detach, status), capture (the
 * pipe(8) delivery transport: exit statuses in sysexits, and a fatal error,
 * even in the configuration, is EX_TEMPFAIL so Postfix retries).  See
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
    "  parse [-f SENDER] [--explain] [FILE]\n" \
    "                             print, as JSON, what the milter captures\n" \
    "  postfix [-c postfix_dir] [-n] [-r] [--mx-fallback] attach|detach|status\n" \
    "                             attach postmask to Postfix with postconf\n" \
    "  capture [-q QUEUE_ID] -f SENDER -- RCPT...\n" \
    "                             the pipe(8) transport: capture stdin"

static const struct ctl_command {
    const char *name;
    int (*run)(const struct config *cfg, int argc, char **argv);
} commands[] = {
    {"address", ctl_address},
    {"queue", ctl_queue},
    {"config", ctl_config},
    {"parse", ctl_parse},
    {"postfix", ctl_postfix},
    {"capture", ctl_capture},
};

/*
 * Is the command "capture"?  Looked at before the configuration is loaded,
 * so that even a broken configuration exits EX_TEMPFAIL (75) for pipe(8):
 * Postfix then keeps the message instead of bouncing it.
 */
static int is_capture(int argc, char **argv)
{
    int i = 1;

    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0)
        i += strcmp(argv[i], "-c") == 0 ? 2 : 1;
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    return i < argc && strcmp(argv[i], "capture") == 0;
}

int ctl_failed(const char *command, const char *what, const char *why)
{
    if (what != NULL)
        msg_error("%s: %s: %s", command, what, why);
    else
        msg_error("%s: %s", command, why);
    return CTL_FAILED;
}

int main(int argc, char **argv)
{
    struct program_opts opts;
    struct config *cfg;
    size_t i;
    int status;

    if (is_capture(argc, argv))
        msg_set_fatal_status(75);           /* EX_TEMPFAIL */
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
    msg_error("unknown command \"%s\"", argv[optind]);
    fprintf(stderr, "usage: %s %s\n", msg_progname(), USAGE);
    config_free(cfg);
    return CTL_USAGE;
}
