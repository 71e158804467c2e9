/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_reload - what a running daemon takes from a reloaded main.cf.
 *
 * A daemon builds some parameters into what it creates once at start-up:
 * the sockets it listens on, the spool and its threads, timers, pools.
 * A reload cannot change those without a restart, and a configuration that
 * says one thing while the daemon does another would mislead whoever reads
 * it (and the modules that read it).  config_keep_running() therefore
 * copies the running value of each such parameter (names, a NULL-ended
 * list) into next, the configuration just loaded, wherever the two differ,
 * and appends the name of each to kept (", "-separated) so that the daemon
 * can log that the change waits for a restart.  It returns how many it
 * kept.  An unknown name is a programming error (msg_panic).
 *
 * config_warn_kept() logs one warning per name in kept: "reload: NAME
 * changed; it takes effect when PROGRAM restarts".
 *
 * config_why_line() turns a multi-line error text (config_load() gives one
 * error per line) into one line, "; "-separated, for one log line.
 */
#ifndef POSTMASK_CONFIG_RELOAD_H
#define POSTMASK_CONFIG_RELOAD_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

size_t config_keep_running(struct config *next, const struct config *running,
                           const char *const *names, struct buf *kept);
void config_warn_kept(const struct buf *kept);
void config_why_line(struct buf *why);

#endif
