/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_email_int - what sync_email.c (a job's way to a batch) and
 * sync_email_send.c (the batch's way into the mailboxes) share.  Private
 * to those two files.
 *
 * Ownership: struct run belongs to its sync_email and lives from the
 * job's start to its end (run_free()); its messages array holds new
 * references to the event-shaped messages (message_job.h) of the batch
 * and context, dropped by run_free() or when a batch is over.
 */
#ifndef POSTMASK_SYNC_EMAIL_INT_H
#define POSTMASK_SYNC_EMAIL_INT_H

#include <sys/queue.h>

#include <jansson.h>

#include "bridge.h"
#include "buf.h"
#include "email_rate.h"
#include "job_runner.h"
#include "smtp_submit.h"
#include "twilio_api.h"

struct media {
    char *sid;
    char *filename;
    char *content_type;
    unsigned char *data;        /* NULL: left out (too large) */
    size_t len;
    size_t item;                /* the batch message it belongs to */
};

/* A message of the batch or of the context, as the email shows it. */
struct shown {
    json_t *event;              /* message_job_event_from_rest() shape */
    char *author;               /* display name; owned, or NULL */
    const char *channel;        /* static */
    char *note;                 /* media left out; owned, or NULL */
};

struct run {
    struct sync_email *owner;
    LIST_ENTRY(run) entry;      /* in the owner's runs */
    struct bridge *br;
    struct job *job;
    json_t *event;              /* the webhook's fields */
    const char *conv, *msg;     /* SIDs, in event */
    int queued;                 /* waits behind another run of conv */
    int refetched;
    json_t *participants;       /* the conversation's, from conv_cache */
    const char *seeker_sid;     /* in participants */
    const char *seeker_channel; /* static: "by SMS", ... */
    char *seeker_name;          /* as in the attributes; "" when none */
    char *seeker_shown;         /* through masked_display_format */
    char *seeker_email, *proxy, *subject, *title;
    char *chat_service_sid;
    char **rcpts, **rcpt_names, **rcpt_sids;   /* sids: for the logs */
    size_t nrcpts, cur_rcpt;
    /* The batch being sent: */
    struct shown *batch, *context;
    size_t nbatch, ncontext, cur_mark;
    size_t marks_failed;        /* emailed markers Twilio did not take */
    int own_in_batch;           /* this job's message is in the batch */
    struct media *media;
    size_t nmedia, cur_media;
    struct buf *replies;        /* SMTP answers, for the log */
};

struct sync_email {
    struct smtp_submitter *smtp;
    struct email_rate *rate;
    LIST_HEAD(, run) runs;      /* jobs in hand */
    int closing;                /* sync_email_free(): start nothing */
};

/* sync_email.c: a string field of an event-shaped message (or NULL); its
 * DateCreated, or dflt when it has none that parses; run->event's field. */
const char *event_str(const json_t *event, const char *name);
time_t event_date(const json_t *event, time_t dflt);
const char *run_ev(const struct run *run, const char *name);
void run_free(struct run *run);
void run_failed(struct run *run, const char *what, struct buf *why);
void run_twilio_failed(struct run *run, const struct twilio_result *res,
                       const char *what);
void run_list(struct run *run);
void run_batch_clear(struct run *run);

/* sync_email_send.c: downloads the batch's media, composes, submits to
 * every recipient, marks the batch's messages emailed, records the email
 * for the rate limit, and ends the job (or, when this job's own message
 * was not in the batch, lists again: run_list()). */
void send_batch(struct run *run);

#endif
