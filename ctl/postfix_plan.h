/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_plan - the postconf(1) changes that attach postmask to a Postfix
 * configuration, or detach it again; nothing here runs them.
 *
 * postfix_plan_attach() compares the snapshot with what postmask needs and
 * plans only what is missing, so that a second attach plans nothing:
 *   main.cf    relay_domains lists every proxy domain (appended);
 *              smtpd_milters lists the milter, in front of the others;
 *              milter_default_action = tempfail; milter_protocol = 6;
 *   master.cf  every smtpd service whose own -o smtpd_milters lists other
 *              milters gets the milter in front of them (an empty override
 *              means "no milters here" and is left alone);
 *              the masking listener (when t->listener is set) is created:
 *              "LISTENER inet n - n - - smtpd" with -o syslog_name=
 *              postfix/masking, milter_macro_daemon_name=<first masking
 *              daemon name>, smtpd_milters=$postmask_masking_milters and
 *              milter_default_action=tempfail, where main.cf's
 *              postmask_masking_milters lists the milter and then the
 *              other milters of smtpd_milters (OpenDKIM signs after
 *              postmask).  A service of that name that is a masking
 *              listener postmaskctl did not make is left alone; any other
 *              service of that name is an error (-1, why).
 * With t->fallback (attach --mx-fallback: the MX stays open without the
 * milter) it also plans:
 *   master.cf  the service "postmask unix ... pipe" (t->fallback is its
 *              whole entry: `postmaskctl capture` as the postmask user);
 *              a service of that name that attach did not make is left
 *              alone when it is a pipe(8), an error otherwise;
 *   main.cf    transport_maps starts with inline:{DOMAIN=postmask:} for
 *              each proxy domain; postmask_destination_recipient_limit = 1
 *              (one exit status per recipient); milter_default_action =
 *              accept instead of tempfail.  The masking listener keeps its
 *              own -o milter_default_action=tempfail: masking is never
 *              skipped.
 * It adds to st what the planned changes are about to change (see
 * postfix_state.h); the caller writes st before it runs the plan.
 *
 * postfix_plan_detach() plans the undoing of every record in st: it removes
 * the services attach made and the list items it added, and puts back a
 * value it set unless someone changed it since (a note says so).  A value
 * whose list is back to what it was is written back as it was, or removed
 * when it was not set.
 *
 * Each change is one postconf option and its argument ("-e", "name =
 * value"; "-P", "service/type/name=value"; "-X", "-PX", "-M", "-MX").
 * Notes (one line each) go into plan->notes.  The plan owns its strings:
 * postfix_plan_free().
 */
#ifndef POSTMASK_POSTFIX_PLAN_H
#define POSTMASK_POSTFIX_PLAN_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "postfix_snapshot.h"
#include "postfix_state.h"

/* The main.cf parameter that holds the masking listener's milters. */
#define POSTFIX_MASKING_MILTERS "postmask_masking_milters"

struct postfix_target {
    const char *milter;         /* Postfix's name for it: unix:postmask/... */
    const struct config_list *proxy_domains;
    const struct config_list *masking_daemon_names;
    const char *listener;       /* "127.0.0.1:10026", or NULL: none */
    const char *fallback;       /* the pipe service's master.cf entry, or
                                 * NULL: no MX fallback */
};

/* The MX fallback's pipe(8) service and the transport_maps entries. */
#define POSTFIX_FALLBACK_SERVICE    "postmask/unix"
#define POSTFIX_FALLBACK_TRANSPORT  "postmask"
#define POSTFIX_FALLBACK_LIMIT      "postmask_destination_recipient_limit"

struct postfix_change {
    char *option;               /* "-e", "-X", "-P", "-PX", "-M", "-MX" */
    char *arg;
};

struct postfix_plan {
    struct postfix_change *changes;
    size_t count;
    struct buf *notes;
};

void postfix_plan_init(struct postfix_plan *plan);
int postfix_plan_attach(const struct postfix_snapshot *snap,
                        const struct postfix_target *t,
                        struct postfix_state *st, struct postfix_plan *plan,
                        struct buf *why);
void postfix_plan_detach(const struct postfix_snapshot *snap,
                         const struct postfix_state *st,
                         struct postfix_plan *plan);
void postfix_plan_free(struct postfix_plan *plan);

#endif
