/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service_notify - sd_notify(3) for Type=notify units; see
 * service_notify.h.
 */
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "msg.h"
#include "service_notify.h"

static void notify(const char *state)
{
    int rc = sd_notify(0, state);

    if (rc < 0 && msg_verbose())
        msg_info("sd_notify %s: %s", state, strerror(-rc));
}

void service_ready(const char *status)
{
    char state[512];

    snprintf(state, sizeof(state), "READY=1\nMAINPID=%ld\nSTATUS=%s",
             (long) getpid(), status);
    notify(state);
}

void service_reloading(void)
{
    struct timespec now;
    char state[128];

    /* MONOTONIC_USEC lets systemd 253+ match this to its reload request. */
    if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
        now.tv_sec = 0, now.tv_nsec = 0;
    snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long) now.tv_sec * 1000000ULL
             + (unsigned long long) now.tv_nsec / 1000ULL);
    notify(state);
}

void service_stopping(void)
{
    notify("STOPPING=1");
}

uint64_t service_watchdog_usec(void)
{
    uint64_t usec = 0;

    return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

void service_watchdog_ping(void)
{
    notify("WATCHDOG=1");
}
