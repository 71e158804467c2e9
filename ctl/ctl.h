/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl - postmaskctl's subcommands.  Each takes the loaded configuration and
 * the arguments from the subcommand's name on (argv[0] is "address",
 * "queue", ...), prints results to stdout, reports errors through msg_*
 * (stderr: "postmaskctl: error: queue: ..."), and returns the process exit
 * status: 0 success, 1 the request failed (unknown job, address that does
 * not decode, ...), 2 usage error.
 *
 * ctl_failed() is how a subcommand reports a failed request: msg_error()
 * of "COMMAND: WHAT: WHY" (or "COMMAND: WHY" when what is NULL); it
 * returns CTL_FAILED.
 */
#ifndef POSTMASK_CTL_H
#define POSTMASK_CTL_H

#include "config.h"

#define CTL_OK      0
#define CTL_FAILED  1
#define CTL_USAGE   2

int ctl_failed(const char *command, const char *what, const char *why);

int ctl_address(const struct config *cfg, int argc, char **argv);
int ctl_queue(const struct config *cfg, int argc, char **argv);
int ctl_config(const struct config *cfg, int argc, char **argv);
int ctl_parse(const struct config *cfg, int argc, char **argv);
int ctl_postfix(const struct config *cfg, int argc, char **argv);
/* Exit status in sysexits for pipe(8), not the above: see ctl_capture.c. */
int ctl_capture(const struct config *cfg, int argc, char **argv);

#endif
