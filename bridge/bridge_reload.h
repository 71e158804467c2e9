/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge_reload - postmask-bridge's reload: main.cf, the address keys and
 * the secret files, read again without dropping a connection, a request
 * or a job.  bridge_main.c calls bridge_reload() from the event loop on
 * SIGHUP and on SIGUSR1 (the milter reloads on SIGUSR1, since libmilter
 * takes SIGHUP as "stop"; both daemons take SIGUSR1).
 *
 * bridge_reload() tells systemd RELOADING=1, then reads, from the directory
 * br->cfg was loaded from (-c DIR): DIR/main.cf (config_load()), the keys
 * file the new main.cf names (address_keys_load()) and every secret file
 * it names (bridge_secrets_read()).  When any of them fails, it logs
 *   warning: reload failed: REASON; keeping the running configuration
 * (REASON on one line: file, line and parameter for main.cf) and changes
 * nothing.  Otherwise:
 *   - each parameter the bridge built into what it created at start-up
 *     (sockets, the spool and its threads, the Twilio client, the SMTP
 *     submitter, the job runner, catch-up, the logger: the list is in
 *     bridge_reload.c) keeps its running value in the new configuration
 *     (config_keep_running()), with one line for each that changed:
 *       warning: reload: NAME changed; it takes effect when
 *       postmask-bridge restarts
 *   - br->cfg, br->keys and br->secrets are replaced and the old ones
 *     freed (the secrets wiped) before it returns, and the Twilio client
 *     gets the new auth token for the requests it starts from then on;
 *   - it logs
 *       reload: config DIR/main.cf, N proxy domain(s), M address key(s)
 * Either way it ends with READY=1 (service_ready()) and returns 0 when the
 * new configuration took, -1 when the running one was kept.  No secret,
 * email address or phone number is ever logged.
 *
 * It runs between two event-loop callbacks (the bridge is one thread; the
 * spool writer's and the SMTP submitter's threads keep copies of their
 * own), so no module sees a half-made swap.  The contract that makes the
 * old configuration safe to free at once is bridge.h's: modules read cfg,
 * keys and secrets through br when they need them and keep no pointer into
 * them past the callback they run in.
 *
 * bridge_release() frees what a reload replaces (cfg, keys, secrets); main()
 * calls it at exit.
 */
#ifndef POSTMASK_BRIDGE_RELOAD_H
#define POSTMASK_BRIDGE_RELOAD_H

#include "bridge.h"

int bridge_reload(struct bridge *br);
void bridge_release(struct bridge *br);

#endif
