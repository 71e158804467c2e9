/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon_args - the start-up every postmask program shares.
 *
 * Options: -c DIR (configuration directory, default /etc/postmask),
 * -f (foreground: stay attached and log to stderr), -v (more logging,
 * repeatable), -V (print the version and exit).
 *
 * program_start() parses those options (any other option, or a missing
 * argument, prints usage and exits 2), sets up logging, loads DIR/main.cf
 * for prog and, on any configuration error, logs every error with file,
 * line and name and exits 1 before anything else happens.  It returns the
 * configuration (owned by the caller: config_free()) and leaves optind at
 * the first non-option argument.  extra_opts names further option letters
 * the caller handles itself (returned through handle_opt; may be NULL).
 *
 * daemon_detach() forks into the background (unless foreground), starts a
 * new session and points stdin, stdout and stderr at /dev/null.
 */
#ifndef POSTMASK_DAEMON_ARGS_H
#define POSTMASK_DAEMON_ARGS_H

#include "config.h"

struct program_opts {
    const char *config_dir;
    int foreground;
    int verbose;
};

struct config *program_start(int argc, char **argv, unsigned prog,
                             int log_flags, const char *usage,
                             struct program_opts *opts);
void daemon_detach(const struct program_opts *opts);

#endif
