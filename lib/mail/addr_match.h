/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr_match - are two email addresses the same mailbox?
 *
 * addr_same_mailbox() compares two addr-specs ("local@domain", no angle
 * brackets) as Postfix treats them: the local part exactly, letter case
 * included, after RFC 5321 quoting is undone ("\"bob\"@x" is bob@x, and a
 * backslash escapes the next character inside quotes); the domain with
 * ASCII letter case ignored.  It returns 1 for the same mailbox, 0 for
 * different ones, and 0 when either is NULL, has no '@', or has an empty
 * local part or domain.  No state; no allocation visible to the caller.
 */
#ifndef POSTMASK_ADDR_MATCH_H
#define POSTMASK_ADDR_MATCH_H

int addr_same_mailbox(const char *a, const char *b);

#endif
