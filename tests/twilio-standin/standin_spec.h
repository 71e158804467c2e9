/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_spec - the derived parameter table (conversations-v1-params.json,
 * written by derive-params.py from Twilio's OpenAPI description) and the
 * validation of every Twilio request against it.
 *
 * si_spec_load() reads the table: for each path template and method, the
 * form, query and header parameters with their type, format, enum values,
 * required flag, length and range limits and SID pattern.  It returns NULL
 * with why when the file is missing or not what derive-params.py writes.
 * The caller frees the table with si_spec_free().
 *
 * si_spec_match() finds the template a decoded path matches ("{...}"
 * segments match any non-empty segment; the template with the most literal
 * segments wins), or NULL.  si_spec_op() gives its operation for a method,
 * or NULL.
 *
 * si_spec_check() validates one request: every form and query parameter
 * must be declared by the operation; a name may repeat only for an array;
 * values must fit their type (integer, number, boolean "true"/"false"),
 * format (date-time, duration: ISO 8601; uri), enum (exact), length, range
 * and pattern; required parameters must be present; an
 * X-Twilio-Webhook-Enabled header (webhook_enabled non-NULL) must be
 * declared by the operation and carry one of its values.  It returns 0, or
 * -1 with why naming the parameter and what is wrong with it.
 *
 * Formats, shared with the store: si_datetime_parse() reads an ISO 8601
 * date-time ("2015-12-16T22:18:37Z", fractions and +hh:mm offsets too);
 * si_duration_parse() an ISO 8601 duration ("PT10M", "P1DT2H", "P2W";
 * a year counts 365 days and a month 30).  Both return 0 or -1.
 */
#ifndef STANDIN_SPEC_H
#define STANDIN_SPEC_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "form.h"

struct si_spec;
struct si_spec_tmpl;
struct si_spec_op;

struct si_spec *si_spec_load(const char *path, struct buf *why);
void si_spec_free(struct si_spec *spec);

const struct si_spec_tmpl *si_spec_match(const struct si_spec *spec,
                                         char *const *seg, size_t nseg);
const char *si_spec_template(const struct si_spec_tmpl *tmpl);
const struct si_spec_op *si_spec_op(const struct si_spec_tmpl *tmpl,
                                    const char *method);

int si_spec_check(const struct si_spec_op *op, const struct form *form,
                  const struct form *query, const char *webhook_enabled,
                  struct buf *why);

int si_datetime_parse(const char *text, time_t *out);
int si_duration_parse(const char *text, long *seconds);

#endif
