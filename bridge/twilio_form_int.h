/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_form_int - what twilio_client.c and twilio_api.c need of
 * twilio_form.c beyond twilio_client.h: the encoded bytes of a form, and the
 * percent-encoding itself (for path segments and query values).
 *
 * Encoding: RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) are kept,
 * every other byte becomes %XX (uppercase hex); in form mode a space becomes
 * "+", as application/x-www-form-urlencoded has it.
 *
 * Ownership: twilio_form_body() returns the form's own bytes, valid until
 * the form is freed.
 */
#ifndef POSTMASK_TWILIO_FORM_INT_H
#define POSTMASK_TWILIO_FORM_INT_H

#include <stddef.h>

#include "buf.h"
#include "twilio_client.h"

/* The encoded body "name=value&name=value", NUL-terminated; *len its length. */
const char *twilio_form_body(const struct twilio_form *form, size_t *len);

/* Appends s percent-encoded to out; form: space as "+", else as "%20". */
void twilio_percent_encode(struct buf *out, const char *s, int form);

#endif
