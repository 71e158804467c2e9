/* SPDX-License-Identifier: Apache-2.0 */
/*
 * intake_listener - the bridge's side of the capture intake
 * (capture_intake.h): postmask-milter hands it the capture jobs of replies
 * to proxy addresses, and it puts them into the intake journal through the
 * spool writer, as it does webhooks, answering each once it is durable.
 *
 * The socket is CAPTURE_INTAKE_SOCKET in the spool directory, created with
 * mode 0600 (a stale one from a crash is replaced; anything else by that
 * name is an error) and removed when the listener is freed.  When the
 * path is too long for a Unix socket, the listener logs a warning and
 * does not listen: the milter then writes its jobs itself, as without a
 * bridge.
 *
 * One request per connection.  A request that is malformed (the reason
 * logged as "intake: refused: ...") gets an error line; one that does not
 * arrive whole within timeout_s is dropped; at most max_connections are
 * served at once (the listener pauses until one ends, and the kernel's
 * listen queue holds the rest; never more than 32, as each may hold a
 * capture of up to 64 MiB).  An accept() that fails (out of descriptors)
 * pauses the listener for a second.  Every answer is counted in the metrics
 * (postmask_capture_intake_total by result).
 *
 * Ownership: created on the event loop with the spool writer it submits
 * to.  At exit: intake_listener_stop() first (the socket goes, so a
 * milter writes its jobs itself at once instead of waiting for a bridge
 * that is going), then free the spool writer (it calls back for every job
 * it holds, and the listener answers those it can), then the listener.
 */
#ifndef POSTMASK_INTAKE_LISTENER_H
#define POSTMASK_INTAKE_LISTENER_H

#include <event2/event.h>

#include "buf.h"

struct metrics;
struct spool_writer;
struct intake_listener;

/* NULL with why when the socket cannot be made (an error); a listener
 * that does not listen (see above) when the path is too long. */
struct intake_listener *intake_listener_create(struct event_base *base,
                                               struct spool_writer *sw,
                                               const char *spool_dir,
                                               long timeout_s,
                                               unsigned max_connections,
                                               struct metrics *metrics,
                                               struct buf *why);
void intake_listener_stop(struct intake_listener *il);
void intake_listener_free(struct intake_listener *il);

#endif
