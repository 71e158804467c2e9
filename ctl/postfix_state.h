/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_state - what `postmaskctl postfix attach` changed in one Postfix
 * configuration directory, so that `detach` undoes exactly that.
 *
 * The state lives in DIR/postmask-attach.state (POSTFIX_STATE_FILE), one
 * record a line, written before the changes it describes are made:
 *
 *   was PLACE = VALUE      PLACE was set to VALUE before attach first
 *                          changed it
 *   default PLACE = VALUE  PLACE was not set; VALUE was its effective value
 *   set PLACE = VALUE      attach set PLACE to VALUE
 *   add PLACE ITEM         attach added ITEM to the list at PLACE
 *   service NAME/TYPE      attach created this master.cf service
 *
 * PLACE is a main.cf name or a master.cf "service/type/name" (see
 * postfix_snapshot.h).  Lines starting with # are comments.
 *
 * postfix_state_read() fills st from path; a missing file is an empty
 * state (*exists = 0).  postfix_state_write() replaces the file atomically
 * (a temporary file, fsync, rename), mode 0644: it holds no secret.  Both
 * return 0, or -1 with why naming the file and the line.  Records are
 * owned by st; postfix_state_free() releases them.
 */
#ifndef POSTMASK_POSTFIX_STATE_H
#define POSTMASK_POSTFIX_STATE_H

#include <stddef.h>

#include "buf.h"

#define POSTFIX_STATE_FILE "postmask-attach.state"

enum postfix_record_kind {
    POSTFIX_WAS,
    POSTFIX_DEFAULT,
    POSTFIX_SET,
    POSTFIX_ADD,
    POSTFIX_SERVICE,
};

struct postfix_record {
    enum postfix_record_kind kind;
    char *place;
    char *value;                /* ITEM for add; "" for service */
};

struct postfix_state {
    struct postfix_record *records;
    size_t count;
};

int postfix_state_read(const char *path, struct postfix_state *st,
                       int *exists, struct buf *why);
int postfix_state_write(const char *path, const struct postfix_state *st,
                        struct buf *why);
/* Appends a record unless an identical one is there. */
void postfix_state_add(struct postfix_state *st, enum postfix_record_kind kind,
                       const char *place, const char *value);
/* The first record of kind at place (with value, unless NULL), or NULL. */
const struct postfix_record *
postfix_state_find(const struct postfix_state *st,
                   enum postfix_record_kind kind, const char *place,
                   const char *value);
void postfix_state_free(struct postfix_state *st);

#endif
