/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service_notify - what a daemon tells systemd (sd_notify(3), libsystemd)
 * when its unit is Type=notify: READY=1 once it serves, STOPPING=1 when it
 * begins to stop, and WATCHDOG=1 pings while WatchdogSec= is set.  Outside
 * systemd (no NOTIFY_SOCKET) every call does nothing.
 *
 * service_ready() sends READY=1 with STATUS=status and MAINPID;
 * service_stopping() sends STOPPING=1.  A reload (ExecReload=) is
 * service_reloading() (RELOADING=1 with MONOTONIC_USEC), the work, then
 * service_ready() again, whether the reload took or kept the running
 * configuration.  service_watchdog_usec() is the
 * interval the service manager expects pings within (0: no watchdog; it
 * honours WATCHDOG_PID), and service_watchdog_ping() sends one.  Callers
 * ping at half the interval, and only from the place whose progress the
 * ping vouches for (the bridge's event loop; the milter's probe of its own
 * socket).  Failures to notify are logged once at debug level: a daemon
 * never stops for them.
 */
#ifndef POSTMASK_SERVICE_NOTIFY_H
#define POSTMASK_SERVICE_NOTIFY_H

#include <stdint.h>

void service_ready(const char *status);
void service_reloading(void);
void service_stopping(void);
uint64_t service_watchdog_usec(void);
void service_watchdog_ping(void);

#endif
