/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_expand - expand $name references in a main.cf value as Postfix's
 * mac_expand() and `postconf -x` do.
 *
 * Forms: $name, ${name}, $(name), $$ (a literal '$'), ${name?text} (text
 * when name is set and not empty), ${name:text} (text when name is unset or
 * empty), ${name?{text}:{text}} (Postfix 3.0's if-then-else).  The text in a
 * conditional is expanded in turn.  A plain reference to a name that lookup
 * does not know is an error (postconf would print nothing for it); a name
 * only tested by a conditional may be unknown.  After expansion, runs of
 * white space become one space and the ends are trimmed, as postconf prints.
 *
 * lookup returns the raw (unexpanded) value of a name, or NULL when it is not
 * set; what it returns must stay valid during the call.  config_expand()
 * appends the result to out and returns 0, or returns -1 with the reason in
 * why (syntax error, unknown name, nesting deeper than CONFIG_EXPAND_DEPTH,
 * or more than CONFIG_EXPAND_MAX bytes produced, tests of conditionals
 * included: "a = $b$b$b..." chains cannot blow up).
 */
#ifndef POSTMASK_CONFIG_EXPAND_H
#define POSTMASK_CONFIG_EXPAND_H

#include "buf.h"

#define CONFIG_EXPAND_DEPTH  32
#define CONFIG_EXPAND_MAX    (256 * 1024)   /* work per value, in bytes */

typedef const char *(*config_lookup_fn)(const char *name, void *context);

int config_expand(const char *text, config_lookup_fn lookup, void *context,
                  struct buf *out, struct buf *why);

#endif
