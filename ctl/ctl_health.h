/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_health - is the running system there, not only its configuration:
 * the checks behind the last lines of "postmaskctl postfix status".
 *
 * (Whether the milter answers is milter_probe(), lib/mail/milter_probe.h.)
 *
 * health_bridge() asks the bridge's /healthz at bridge_listen (HOST:PORT,
 * [IPV6]:PORT) with libcurl: 0 on 200, else -1 with why.
 *
 * health_spool() checks spool_directory as the daemons need it: the tree
 * is there (incoming, active, deferred, hold, dead, dedupe), every
 * directory of it belongs to the spool's owner with rwx for that owner,
 * and the file system is not read-only and has room: 0, else -1 with why.
 *
 * Each waits at most HEALTH_TIMEOUT seconds.
 */
#ifndef POSTMASK_CTL_HEALTH_H
#define POSTMASK_CTL_HEALTH_H

#include "buf.h"

#define HEALTH_TIMEOUT  3

int health_bridge(const char *bridge_listen, struct buf *why);
int health_spool(const char *spool_directory, struct buf *why);

#endif
