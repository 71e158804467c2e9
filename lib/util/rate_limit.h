/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rate_limit - a thread-safe table of event counters by key (a client IP, a
 * conversation SID, ...), for "at most LIMIT events per WINDOW seconds".
 * It knows nothing of mail; the milter keeps two of them (milter.h).
 *
 * Windows are fixed and start at a key's first event: the first counted
 * event opens a window [start, start + window); events inside it add up;
 * the first event at or after its end opens a new window at 1.  A key is
 * "at its limit" while its open window holds LIMIT events or more.  So at
 * most LIMIT events count per window; over an interval of one window that
 * straddles two windows, at most 2 * LIMIT.
 *
 * Memory is bounded: at most max_keys keys are held (each about 40 bytes
 * plus the key).  Keys sit in one list in the order their current window
 * opened; when a new key comes, the keys whose window has passed are
 * dropped from the front of the list, and if the table is still full the
 * oldest key is dropped (it forgets its count, so under a flood of new keys
 * a limited key may start over: the price of a bounded table).  If the
 * clock steps back, the list order is only approximate and a window that
 * would start more than one window in the future counts as passed.
 *
 * A limit of 0 turns the limiter off: rate_limit_reached() is always 0 and
 * rate_limit_add() counts nothing (and returns 0).  now is a parameter so
 * that tests control time; every call takes the table's own mutex, so any
 * thread may call any function on a shared table, except rate_limit_free().
 *
 * rate_limit_create() never returns NULL (xalloc.h); window and max_keys
 * must be at least 1.  rate_limit_free() accepts NULL.
 */
#ifndef POSTMASK_RATE_LIMIT_H
#define POSTMASK_RATE_LIMIT_H

#include <stddef.h>
#include <time.h>

struct rate_limit;

struct rate_limit *rate_limit_create(long limit, long window,
                                     size_t max_keys);
void rate_limit_free(struct rate_limit *rl);

/* 1 when key's open window already holds limit events, else 0. */
int rate_limit_reached(struct rate_limit *rl, const char *key, time_t now);

/* Counts one event for key; returns the events in its window with it. */
long rate_limit_add(struct rate_limit *rl, const char *key, time_t now);

/* Keys held now (for tests and statistics). */
size_t rate_limit_keys(struct rate_limit *rl);

long rate_limit_limit(struct rate_limit *rl);

/*
 * A new limit for the table (a reload): the counts held stay, and the next
 * check compares them with the new limit.  0 turns the limiter off.
 */
void rate_limit_set_limit(struct rate_limit *rl, long limit);
long rate_limit_window(const struct rate_limit *rl);

#endif
