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
 * listen queue holds the rest).  Every answer is counted in the metrics
 * (postmask_capture_intake_total by result).
 *
 * Ownership: created on the event loop with the spool writer it submits
 * to, which must outlive it... except at exit: free the spool writer
 * first (it calls back for every job it holds, and the listener answers
 * those it can), then the listener.
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
void intake_listener_free(struct intake_listener *il);

#endif
