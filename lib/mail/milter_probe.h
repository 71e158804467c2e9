/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_probe - is a milter there: connects to a libmilter socket spec
 * (unix:PATH, local:PATH, inet:PORT@HOST, inet6:PORT@HOST) and negotiates
 * as an MTA would (SMFIC_OPTNEG, protocol version 6), then says goodbye
 * (SMFIC_QUIT).  milter_probe() returns 0 when the milter answered with
 * its own negotiation, else -1 with why; it waits MILTER_PROBE_TIMEOUT
 * seconds at most for the connection and for the answer.  Used by
 * "postmaskctl postfix status" and by postmask-milter's watchdog, which
 * probes its own socket before it tells systemd it is alive.
 */
#ifndef POSTMASK_MILTER_PROBE_H
#define POSTMASK_MILTER_PROBE_H

#include "buf.h"

#define MILTER_PROBE_TIMEOUT    3

int milter_probe(const char *milter_listen, struct buf *why);

#endif
