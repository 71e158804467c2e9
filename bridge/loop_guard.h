/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop_guard - the two signs of a mail loop that sync_reply.c holds a
 * captured reply for (email_loop_window, postmask(5)).  Pure functions: no
 * I/O, no configuration of their own, no allocation.
 *
 * loop_guard_references() reads a References header value (unfolded, as
 * capture.h keeps it; NULL or "" is no header) and finds the first of
 * postmask's own Message-IDs that it lists twice or more.  Ours are the
 * msg-ids whose left side is "CH" or "IM" and 32 hex digits (a
 * conversation, the thread root of every email, or the first Twilio
 * message of one, email_compose.h) and whose right side is one of the
 * ndomains domains given (the proxy domains; case ignored).  A normal
 * reply's References is its parent's References plus the parent's
 * Message-ID, so each of ours appears once: <CH...@d> <IM...@d>.  msg-ids
 * are read between < and >; comments in parentheses (nested, with
 * backslash escapes) are skipped; anything else between them is passed
 * over.  Two IDs are the same when they are equal with case ignored.  Only
 * the first LOOP_GUARD_IDS_MAX of our IDs count.  Returns 1 and puts the
 * repeated ID, with its < and >, as it first appears, into *id and *len
 * (pointing into references); 0 when none repeats.
 *
 * loop_guard_same_text() is 1 when two texts (NULL is "") are the same
 * once each run of white space (space, tab, CR, LF) is read as one space
 * and white space at either end is left out; 0 otherwise.  Everything else
 * counts, case included.
 */
#ifndef POSTMASK_LOOP_GUARD_H
#define POSTMASK_LOOP_GUARD_H

#include <stddef.h>

#define LOOP_GUARD_IDS_MAX  512

int loop_guard_references(const char *references,
                          char *const *domains, size_t ndomains,
                          const char **id, size_t *len);

int loop_guard_same_text(const char *a, const char *b);

#endif
