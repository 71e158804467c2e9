/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime_bound - bound the structure of a message before GMime parses it.
 *
 * GMime has no useful limits of its own: thousands of nested multiparts
 * or millions of header fields cost it seconds and gigabytes.  Both the
 * capture (capture.c) and body masking (mask_body.c) first ask
 * mime_structure_bound() how many bytes of raw they may hand to GMime: the
 * input cut at the start of the first line that would pass MIME_MAX_HEADER_
 * LINES header fields (all parts), MIME_MAX_BOUNDARY_LINES lines starting
 * "--", or MIME_MAX_MULTIPARTS multipart Content-Type fields.  It returns
 * len when the whole message is within bounds.  A header block starts the
 * message, follows each "--" line and the header block of a message/rfc822
 * part, and ends at an empty line.  Pure function; no allocation.
 */
#ifndef POSTMASK_MIME_BOUND_H
#define POSTMASK_MIME_BOUND_H

#include <stddef.h>

#define MIME_MAX_HEADER_LINES    20000
#define MIME_MAX_BOUNDARY_LINES  4096
#define MIME_MAX_MULTIPARTS      64

size_t mime_structure_bound(const char *raw, size_t len);

#endif
