/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_watchdog - tells systemd's watchdog (WatchdogSec=) that
 * postmask-milter still serves: a thread that, every half watchdog
 * interval, negotiates with the milter's own socket as Postfix would
 * (milter_probe.h) and pings the watchdog only when that worked.  A milter
 * whose accept loop or connection threads are stuck stops pinging, and
 * systemd restarts it.  A failed probe is logged as a warning.
 *
 * milter_watchdog_start() returns NULL (and starts nothing) when the
 * watchdog is off; milter_watchdog_stop() stops and frees the thread (NULL
 * is fine).
 */
#ifndef POSTMASK_MILTER_WATCHDOG_H
#define POSTMASK_MILTER_WATCHDOG_H

struct milter_watchdog;

struct milter_watchdog *milter_watchdog_start(const char *milter_listen);
void milter_watchdog_stop(struct milter_watchdog *wd);

#endif
