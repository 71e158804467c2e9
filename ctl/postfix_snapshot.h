/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_snapshot - what one Postfix configuration directory says, read
 * through postconf(1) (never by parsing main.cf or master.cf here).
 *
 * postfix_snapshot_read() runs, with -c dir:
 *   postconf -n                the explicit main.cf settings (raw values)
 *   postconf -x -h NAME...     the effective values of POSTFIX_SNAPSHOT_NAMES
 *   postconf -M                the master.cf services
 *   postconf -P, postconf -P -x   the services' -o settings, raw and expanded
 * It returns a snapshot the caller frees with postfix_snapshot_free(), or
 * NULL with why saying which postconf call failed.
 *
 * Places: a main.cf parameter is named by its name; a master.cf -o setting
 * by "service/type/name", as postconf -P names it.
 *   postfix_snapshot_raw()        the value set there (unexpanded), or NULL
 *                                 when it is not set
 *   postfix_snapshot_effective()  the expanded value in effect: for a
 *                                 master.cf place, the -o value or else the
 *                                 main.cf one; NULL for a main.cf name not in
 *                                 POSTFIX_SNAPSHOT_NAMES that is not set
 *   postfix_snapshot_service()    the service "name/type", or NULL
 * Returned strings and structures belong to the snapshot.
 */
#ifndef POSTMASK_POSTFIX_SNAPSHOT_H
#define POSTMASK_POSTFIX_SNAPSHOT_H

#include <stddef.h>

#include "buf.h"

/* The main.cf parameters whose effective values are read. */
#define POSTFIX_SNAPSHOT_NAMES \
    "relay_domains", "smtpd_milters", "milter_default_action", \
    "milter_protocol", "milter_macro_daemon_name", "queue_directory", \
    "command_directory"

struct postfix_setting {
    char *place;                /* name, or service/type/name */
    char *value;
};

struct postfix_service {
    char *key;                  /* "name/type" */
    char *command;              /* smtpd, pickup, ... */
};

struct postfix_snapshot {
    char *postconf;             /* the program */
    char *config_dir;
    struct postfix_setting *main_set;       /* postconf -n */
    size_t main_set_count;
    struct postfix_setting *main_effective; /* postconf -x -h */
    size_t main_effective_count;
    struct postfix_service *services;       /* postconf -M */
    size_t service_count;
    struct postfix_setting *master_set;     /* postconf -P */
    size_t master_set_count;
    struct postfix_setting *master_effective;       /* postconf -P -x */
    size_t master_effective_count;
};

struct postfix_snapshot *postfix_snapshot_read(const char *postconf,
                                               const char *config_dir,
                                               struct buf *why);
void postfix_snapshot_free(struct postfix_snapshot *snap);

const char *postfix_snapshot_raw(const struct postfix_snapshot *snap,
                                 const char *place);
const char *postfix_snapshot_effective(const struct postfix_snapshot *snap,
                                       const char *place);
const struct postfix_service *
postfix_snapshot_service(const struct postfix_snapshot *snap, const char *key);

#endif
