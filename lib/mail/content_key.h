/* SPDX-License-Identifier: Apache-2.0 */
/*
 * content_key - a hash of an email that the mail servers on its way do not
 * change, for an email that has no Message-ID: the same reply delivered to
 * two MX hosts (a sender's retry to the backup MX), or captured once by
 * the milter and once by `postmaskctl capture`, has one key, although each
 * host added its own Received and Authentication-Results lines.
 *
 * content_key() appends 64 lowercase hex digits to out and returns 1:
 * SHA-256 over
 *   - the originator fields Date, From, Sender, To, Cc, Subject,
 *     In-Reply-To, References, MIME-Version, Content-Type and
 *     Content-Transfer-Encoding, each the first of its name (matched
 *     without regard to case), in that fixed order whatever the message's
 *     order, unfolded, with every run of spaces and tabs as one space and
 *     none at either end, as "name:value\n" (absent ones are left out, and
 *     a field present but empty is "name:\n", unlike an absent one);
 *   - then "\n" and the body (after the first empty line; none when there
 *     is none), with CR LF and LF alike and the empty lines at its end
 *     left out.
 * Trace fields (Received, Return-Path, Delivered-To), authentication
 * results, DKIM and ARC signatures and any field not listed above are
 * left out.  A message without a Date field (RFC 5322 requires one) has
 * nothing that tells two "ok" replies of one sender apart from two copies
 * of one: then the key is the SHA-256 of the raw bytes, copies get
 * different keys rather than two emails one, and content_key() returns
 * 0.  Any bytes are accepted (NUL and 8-bit included); raw is not changed.
 * The key says nothing about the message's validity.
 */
#ifndef POSTMASK_CONTENT_KEY_H
#define POSTMASK_CONTENT_KEY_H

#include <stddef.h>

#include "buf.h"

#define CONTENT_KEY_HEX_LEN 64

int content_key(const void *raw, size_t len, struct buf *out);

#endif
