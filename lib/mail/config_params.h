/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_params - the one table of postmask's parameters.
 *
 * Each parameter is declared once: name, type, default, limits, who needs
 * it, where it goes in struct config, and a one-line summary.  Loading,
 * checking, `postmaskctl config` and the tests that keep docs/postmask.5 and
 * the shipped main.cf complete all walk this table.
 *
 * Types and their syntax (values are already $-expanded):
 *   STRING  any text
 *   PATH    an absolute path name
 *   LIST    items separated by commas and/or white space
 *   BOOL    yes or no (any case)
 *   INT     a decimal integer within [min, max]
 *   TIME    a number with an optional unit s, m, h, d or w (default s),
 *           within [min, max] seconds
 *   SIZE    a number of bytes within [min, max]
 *   ENUM    one of the words in choices ("a|b|c")
 * A parameter may also have a check function for its syntax (listen
 * addresses, URLs, Twilio SIDs).  An empty value is allowed only for a
 * STRING, PATH or LIST parameter that no program requires.
 */
#ifndef POSTMASK_CONFIG_PARAMS_H
#define POSTMASK_CONFIG_PARAMS_H

#include <stddef.h>

#include "buf.h"

enum config_type {
    CONFIG_STRING,
    CONFIG_PATH,
    CONFIG_LIST,
    CONFIG_BOOL,
    CONFIG_INT,
    CONFIG_TIME,
    CONFIG_SIZE,
    CONFIG_ENUM,
};

struct config_param {
    const char *name;
    enum config_type type;
    const char *defval;         /* literal text; "" when none */
    long min, max;              /* INT, TIME (seconds), SIZE */
    const char *choices;        /* ENUM */
    /* or NULL; name is the parameter's, for the message */
    int (*check)(const char *name, const char *value, struct buf *why);
    unsigned required_by;       /* CONFIG_FOR_* mask */
    size_t offset;              /* of the field in struct config */
    const char *summary;
};

extern const struct config_param config_params[];
extern const size_t config_param_count;

/* Names in main.cf that postmask accepts and ignores (postconf's own). */
int config_param_ignored(const char *name);
const struct config_param *config_param_find(const char *name);
const char *config_type_name(enum config_type type);

/*
 * Converts value (expanded text) for p into the field of cfg at p->offset.
 * Returns 0, or -1 with "NAME: ..." in why.  A previous value in the field
 * is freed.
 */
int config_param_convert(const struct config_param *p, const char *value,
                         void *cfg, struct buf *why);
void config_param_release(const struct config_param *p, void *cfg);

/* Parsers shared with programs that take such values elsewhere. */
int config_parse_time(const char *value, long *seconds);
int config_parse_bool(const char *value, int *result);
void config_split_list(const char *value, size_t *count, char ***items);

#endif
