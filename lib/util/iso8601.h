/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iso8601 - the UTC timestamps Twilio writes in its JSON and webhooks, and
 * postmask writes back: "2026-11-26T17:02:11Z".
 *
 * iso8601_format() writes t in that form into out (ISO8601_SIZE bytes).
 * iso8601_parse() reads the date and time at the start of text (what
 * follows the seconds, a "Z" or fractions, is not looked at) as UTC; it
 * returns 0 with *t set, or -1 when text is NULL or not of that form.
 */
#ifndef POSTMASK_ISO8601_H
#define POSTMASK_ISO8601_H

#include <time.h>

#define ISO8601_SIZE    32

void iso8601_format(time_t t, char out[ISO8601_SIZE]);
int iso8601_parse(const char *text, time_t *t);

#endif
