/* SPDX-License-Identifier: Apache-2.0 */
/*
 * form - application/x-www-form-urlencoded: parse, look up, encode.
 *
 * The one form and percent encoder of postmask: the bridge's Twilio client
 * builds its request bodies, path segments and query values with it, the
 * bridge parses Twilio's webhooks with it, and the Twilio stand-in does the
 * same on its side.
 *
 * A form is an ordered list of (name, value) pairs.  Names may repeat (an
 * array is a repeated name, as Twilio's SDKs send arrays); lookups see the
 * pairs in their original order.  Every name and value is a NUL-terminated
 * string without NUL bytes inside.
 *
 * form_parse() reads a body or query string: pairs are separated by '&',
 * a name from its value by the first '='; a pair without '=' has the value
 * ""; empty pairs ("a=1&&b=2", a trailing '&') are skipped.  '+' decodes to
 * a space and %XX (either letter case) to the byte 0xXX.  Refused, with
 * why saying what and at which byte offset: a '%' not followed by two hex
 * digits, a NUL byte (raw or as %00), and more than max_pairs pairs.  Bytes
 * are not checked for UTF-8.
 *
 * Encoding: form_encode() writes name=value pairs joined by '&', every
 * byte percent-encoded except the RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - . _ ~), space included, which becomes %20 (not '+'; both
 * decode to a space, and %20 means the same in a query string and in a form
 * body).  This is what twilio-node sends (qs.stringify, RFC 3986 format).
 * Parsing what form_encode() wrote gives back the same pairs in the same
 * order.  form_encode_path_segment() encodes one URL path segment (a SID
 * or a UniqueName in a Twilio URL) with the same set, and "." and ".."
 * as "%2E" and "%2E%2E" so that no client or server takes them for dot
 * segments.  form_decode_component() decodes one percent-encoded
 * component (a path segment: plus_is_space 0), with the same refusals.
 *
 * Ownership: form_create() and form_parse() return a form the caller frees
 * with form_free(); form_add() copies its strings.  Strings returned by
 * lookups belong to the form.  Allocation never fails (xalloc.h).
 */
#ifndef POSTMASK_FORM_H
#define POSTMASK_FORM_H

#include <stddef.h>

#include "buf.h"

struct form_pair {
    char *name;
    char *value;
};

struct form {
    size_t count;
    size_t cap;
    struct form_pair *pairs;    /* count pairs, in order */
};

struct form *form_create(void);
void form_free(struct form *form);
void form_add(struct form *form, const char *name, const char *value);

struct form *form_parse(const char *text, size_t len, size_t max_pairs,
                        struct buf *why);

/* The value of the first pair with this name, or NULL. */
const char *form_get(const struct form *form, const char *name);
/* How many pairs have this name. */
size_t form_count(const struct form *form, const char *name);
/*
 * The index of the first pair at or after index from that has this name,
 * or form->count when there is none:
 *   for (i = form_next(f, "X", 0); i < f->count; i = form_next(f, "X", i + 1))
 */
size_t form_next(const struct form *form, const char *name, size_t from);

void form_encode(const struct form *form, struct buf *out);
/* Appends the encoding of one name or value (no '=' or '&'). */
void form_encode_component(const char *text, size_t len, struct buf *out);
void form_encode_path_segment(const char *text, size_t len, struct buf *out);

/*
 * Decodes len bytes of text into a new NUL-terminated string the caller
 * frees with free(); NULL with why on a malformed escape or a NUL byte.
 */
char *form_decode_component(const char *text, size_t len, int plus_is_space,
                            struct buf *why);

#endif
