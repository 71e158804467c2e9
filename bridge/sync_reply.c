/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_reply - captured email replies into the conversation (sync.h).
 *
 * For a capture job (capture_job.h):
 *   empty        logged, not posted (but see structure errors below);
 *   auto_reply   logged, not posted; with auto_reply_action = note, a
 *                short note saying that one came is posted instead;
 *   bounce       the building contact participant whose email bounced
 *                gets email_status "bouncing", last_bounce (ISO 8601) and
 *                last_bounce_reason in its Attributes; nothing is posted.
 *                Only a report from the null sender to a bounce tag that
 *                the milter verified (capture job "bounce_tag": "valid",
 *                bounce_tag.h) counts, and only for the building contacts
 *                whose email is the failed recipient it names (case
 *                ignored); anything else is done with the reason logged,
 *                nothing updated (anyone who knows a proxy address could
 *                forge a report otherwise);
 *   reply        posted as the building contact.
 * A reply is posted as the building contact only when its From address is
 * a building contact's recorded email (addr_match.h) and the milter found
 * the From domain authenticated (the capture's auth_method, capture.h:
 * DMARC, aligned DKIM or aligned SPF in a trusted Authentication-Results
 * header).
 * Otherwise unauthenticated_sender_action holds the job (hold/, with the
 * reason; postmaskctl queue release posts it), makes it a dead letter
 * (reject) or posts it all the same (post); a posted unverified reply's
 * attributes say why ("unverified"), a verified one's which check passed
 * ("authenticated").
 *
 * Structure errors: a reply or empty capture whose MIME structure could
 * not be read in full (the capture's structure_error, capture.h: a multipart
 * without a boundary, base64 garbage in the text part, nesting past the
 * walk's bound ...) is held when its text came out empty, with the reason
 * ("reply not posted: its structure cannot be read: ..."), after the
 * sender checks above, instead of being dropped as empty: the job keeps
 * the raw message (postmaskctl queue show), and postmaskctl queue release
 * posts what could be read (its files, if any).  When it has text, the
 * text is posted as usual and the error logged.
 *
 * Posting: the text is cut into parts of at most 1,600 characters
 * (message_split.h); the first part carries the first kept attachment and
 * every further attachment is a message of its own (Twilio takes one
 * MediaSid per message), uploaded to the Media Content Service just
 * before its message is created (Twilio drops unattached media after five
 * minutes).  Every message: Author = the contact's chat identity, so the
 * conversation shows them and not "system"; Attributes {"postmask":
 * {"origin": "email", "message_id" (or, when the email has none,
 * "content_key": content_key.h), "job", "part", "parts"}};
 * X-Twilio-Webhook-Enabled: false.  A reply the contact wrote between the
 * quoted lines (the capture's reply_inline) is posted after inline_reply_note
 * and its attributes say "inline": true; one whose forwarded part was left
 * out ("forward_dropped") ends with forwarded_part_note, attributes
 * "forward_dropped": true.
 *
 * Exactly once towards Twilio: before posting, the conversation's recent
 * messages are read back to the time of the capture (100 at first, more
 * while even the oldest read is newer, up to 3,200), and parts whose
 * attributes already name this job (a crash after Twilio accepted them,
 * before the job was finished), or the same Message-ID (without one, the
 * same content key) with the same part and part count (the same email
 * captured by another MX host, or again after the dedupe marker expired),
 * are not posted again.
 *
 * Loop guard (email_loop_window; 0 turns it off): the signature of a mail
 * loop between an autoresponder and a forwarder.  A reply is held (hold/,
 * with the reason; postmaskctl queue release posts it) instead of posted
 * when
 *   - its References list one of postmask's own Message-IDs (<CH...@d>,
 *     <IM...@d>, d a proxy domain) twice or more (loop_guard.h; a normal
 *     reply lists each once), checked after the sender and structure
 *     checks: "loop guard: References repeat our Message-ID <...>"; or
 *   - its first part, as it would be posted, is the text of a message
 *     among the recent messages read back above that was posted from
 *     another email (attributes origin "email", another job and another
 *     Message-ID or content key: the same ones are the exactly-once case)
 *     and that Twilio created at most email_loop_window before now (white
 *     space runs read as one space, the ends left out): "loop guard: the
 *     same text was posted from email 42s ago (IM..., job ...)".  Only
 *     replies: an auto-reply's note is postmask's own text.  A job with
 *     parts already in the conversation passed the guard before and is
 *     not checked.
 * Each hold counts in postmask_replies_held_total{reason="loop"}.
 *
 * Failures: Twilio unavailable (429, 5xx, network, after the client's own
 * retries) defers the job (the spool retries with backoff); Twilio
 * refusing, or a conversation that is gone or closed, makes it a dead
 * letter with the reason.
 */
#include <stdlib.h>
#include <sys/queue.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr_match.h"
#include "capture_job.h"
#include "content_key.h"
#include "conv_cache.h"
#include "iso8601.h"
#include "job_runner.h"
#include "loop_guard.h"
#include "message_split.h"
#include "metrics.h"
#include "msg.h"
#include "sync.h"
#include "twilio_api.h"
#include "xalloc.h"

#define RECENT_MESSAGES 100     /* read back to find parts already posted */
#define RECENT_MAX      3200    /* ... growing 4-fold up to this many */
#define METRIC_HELD     "postmask_replies_held_total"

struct item {
    char *body;                 /* or NULL */
    int attachment;             /* index into the capture's, or -1 */
    int posted;                 /* found among the recent messages */
};

struct run {
    struct sync_reply *owner;
    LIST_ENTRY(run) entry;      /* in the owner's runs */
    struct bridge *br;
    struct job *job;
    struct capture_job *cj;
    const struct capture *cap;  /* cj's */
    char *content_key;          /* content_key.h, when no Message-ID */
    const char *cls;            /* the class's name, for the logs */
    char *author;               /* the contact's identity */
    char *contact_sid;          /* their participant (bounces) */
    char *chat_service_sid;
    char *unverified;           /* why the sender is not verified, when
                                 * posted all the same */
    char *authenticated;        /* the check that verified the sender */
    struct item *items;
    size_t nitems, cur;
    unsigned recent;            /* messages asked for */
    char *media_sid;            /* of the current item */
    unsigned bounce_pending;    /* participant updates in flight */
    int bounce_status;          /* of the first failed update, 0: none */
    int bounce_code;
    char *bounce_message;
};

struct sync_reply {
    LIST_HEAD(, run) runs;      /* jobs in hand */
};

static void post_next(struct run *run);

static void run_free(struct run *run)
{
    size_t i;

    LIST_REMOVE(run, entry);
    for (i = 0; i < run->nitems; i++)
        free(run->items[i].body);
    free(run->items);
    capture_job_free(run->cj);
    free(run->author);
    free(run->contact_sid);
    free(run->chat_service_sid);
    free(run->unverified);
    free(run->authenticated);
    free(run->media_sid);
    free(run->bounce_message);
    free(run->content_key);
    free(run);
}

/* The email's Message-ID, or NULL when it has none (or an empty one, as
 * capture_job_key() reads it). */
static const char *message_id(const struct run *run)
{
    const char *mid = run->cap->message_id;

    return mid != NULL && *mid != '\0' ? mid : NULL;
}

static const char *or_else(const char *s, const char *dflt)
{
    return s != NULL ? s : dflt;
}

static const char *queue_id(const struct run *run)
{
    return *run->cj->queue_id ? run->cj->queue_id : "-";
}

/* Twilio failed: defer when it may work later, else a dead letter. */
static void twilio_failed(struct run *run, const struct twilio_result *res,
                          const char *what)
{
    sync_twilio_failed(run->job, run->cj->conversation_sid, res, what);
    run_free(run);
}

static void start_failed(struct run *run, const char *what, struct buf *why)
{
    job_retry(run->job, "%s: cannot %s: %s", run->cj->conversation_sid, what,
              why->data);
    buf_free(why);
    run_free(run);
}

/* Bounces: the contact's email status in their participant attributes. */
static void on_bounce_updated(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;

    if (!TWILIO_OK(res) && run->bounce_status == 0) {
        run->bounce_status = res->status ? res->status : -1;
        run->bounce_code = res->code;
        run->bounce_message = xstrdup(or_else(res->message, ""));
    }
    if (--run->bounce_pending > 0)
        return;
    if (run->bounce_status != 0) {
        struct twilio_result fail = {.op = "update_participant",
            .status = run->bounce_status < 0 ? 0 : run->bounce_status,
            .code = run->bounce_code, .message = run->bounce_message,
            .retry_after = -1};

        twilio_failed(run, &fail, "record the bounce");
        return;
    }
    conv_cache_forget(run->br->convs, run->cj->conversation_sid);
    job_done(run->job, "%s: bounce recorded for the building contact "
             "(queue id %s): %s", run->cj->conversation_sid, queue_id(run),
             or_else(run->cap->bounce_status, "no status"));
    run_free(run);
}

static void record_bounce(struct run *run, const struct conv_info *info)
{
    const char *rcpt = run->cap->bounce_recipient;
    const char *status = run->cap->bounce_status;
    const char *diag = run->cap->bounce_diagnostic;
    char when[ISO8601_SIZE];
    json_t *p, *attrs;
    const char *email, *psid;
    size_t i;
    struct buf *reason = buf_create(128);

    if (rcpt == NULL || *rcpt == '\0') {
        job_done(run->job, "%s: delivery report (queue id %s) names no "
                 "failed recipient; nothing recorded", info->sid,
                 queue_id(run));
        buf_free(reason);
        run_free(run);
        return;
    }
    if (status != NULL && status[0] != '5') {
        /* 4.x.x: a delay report (RFC 3464 Action: delayed); 2.x.x: a
         * success notice.  The contact's mailbox is not failing. */
        job_done(run->job, "%s: delivery report with status %s (queue id "
                 "%s) is no failure; nothing recorded", info->sid, status,
                 queue_id(run));
        buf_free(reason);
        run_free(run);
        return;
    }
    iso8601_format(time(NULL), when);
    buf_printf(reason, "%s%s%s", status ? status : "", status && diag ? " "
               : "", diag ? diag : "");
    json_array_foreach(info->participants, i, p) {
        const char *role = participant_role(p);

        attrs = participant_attributes(p);
        email = json_string_value(json_object_get(attrs, "email"));
        psid = json_string_value(json_object_get(p, "sid"));
        /* Only the building contacts whose email is the failed one. */
        if (role == NULL || strcmp(role, "building_contact") != 0
            || email == NULL || psid == NULL || strcasecmp(email, rcpt) != 0) {
            json_decref(attrs);
            continue;
        }
        json_object_set_new(attrs, "email_status", json_string("bouncing"));
        json_object_set_new(attrs, "last_bounce", json_string(when));
        json_object_set_new(attrs, "last_bounce_reason",
                            json_string(reason->data));
        {
            struct buf *why = buf_create(128);

            if (twilio_participant_update_attributes(run->br->twilio,
                                                     info->sid, psid, attrs,
                                                     on_bounce_updated, run,
                                                     why) == 0) {
                run->bounce_pending++;
            } else if (run->bounce_status == 0) {
                run->bounce_status = -1;        /* retried, like no answer */
                run->bounce_message = xstrdup(why->data);
            }
            buf_free(why);
        }
        json_decref(attrs);
    }
    buf_free(reason);
    if (run->bounce_pending == 0 && run->bounce_status != 0) {
        struct twilio_result fail = {.op = "update_participant",
            .message = run->bounce_message, .retry_after = -1};

        twilio_failed(run, &fail, "record the bounce");
    } else if (run->bounce_pending == 0) {
        job_done(run->job, "%s: bounce (queue id %s) names no building "
                 "contact of the conversation; nothing recorded",
                 info->sid, queue_id(run));
        run_free(run);
    }
}

/*
 * The building contact whose recorded email is the From address (addr_match.h:
 * the local part exact, the domain's case ignored), or NULL; *any is the
 * first building contact that can author messages.
 */
static const json_t *find_contact(const struct conv_info *info,
                                  const char *from, const json_t **any)
{
    const json_t *p, *found = NULL;
    const char *role, *email;
    json_t *attrs;
    size_t i;

    *any = NULL;
    json_array_foreach(info->participants, i, p) {
        role = participant_role(p);
        if (role == NULL || strcmp(role, "building_contact") != 0
            || json_string_value(json_object_get(p, "identity")) == NULL)
            continue;
        if (*any == NULL)
            *any = p;
        attrs = participant_attributes(p);
        email = json_string_value(json_object_get(attrs, "email"));
        if (found == NULL && addr_same_mailbox(email, from))
            found = p;
        json_decref(attrs);
    }
    return found;
}

/* Unicode code points in UTF-8 text. */
static size_t code_points(const char *text)
{
    size_t n = 0;

    for (; *text; text++)
        n += ((unsigned char) *text & 0xC0) != 0x80;
    return n;
}

/*
 * Keeps the first limit of nparts text parts; the last kept one is cut
 * again to leave room for the marker, which ends it.  Frees the rest and
 * returns how many characters of text were not kept.
 */
static size_t cut_parts(char **parts, size_t nparts, size_t limit,
                        const char *marker)
{
    size_t total = 0, kept = 0, room, nsub, i;
    char **sub;
    struct buf *last = buf_create(TWILIO_BODY_MAX * 2);

    for (i = 0; i < nparts; i++)
        total += code_points(parts[i]);
    room = TWILIO_BODY_MAX - code_points(marker) - 2;
    nsub = message_split(parts[limit - 1], room, &sub);
    if (nsub > 0)
        buf_printf(last, "%s%s", sub[0], *marker ? "\n\n" : "");
    buf_append_str(last, marker);
    message_split_free(sub, nsub);
    for (i = limit - 1; i < nparts; i++)
        free(parts[i]);
    parts[limit - 1] = buf_detach(last, NULL);
    for (i = 0; i < limit; i++)
        kept += code_points(parts[i]);
    kept -= code_points(marker);
    return total > kept ? total - kept : 0;
}

/*
 * The messages to post, at most reply_part_limit: text parts, the first
 * with the first attachment, then one message per further attachment.
 */
static void plan_items(struct run *run, const char *text)
{
    const struct config *cfg = run->br->cfg;
    size_t limit = (size_t) cfg->reply_part_limit;
    const struct capture_attachment *a;
    char **parts;
    size_t nparts, i, k, cut = 0, dropped = 0;
    int first_att = 1;

    nparts = message_split(text ? text : "", TWILIO_BODY_MAX, &parts);
    if (nparts > limit) {
        cut = cut_parts(parts, nparts, limit, cfg->reply_cut_marker);
        msg_info("%s: job %s: reply cut to %zu of %zu parts "
                 "(reply_part_limit); %zu characters not posted, kept in "
                 "the capture", run->cj->conversation_sid,
                 job_spool(run->job)->id, limit, nparts, cut);
        nparts = limit;
    }
    run->items = xcalloc(nparts + run->cap->attachment_count + 1,
                         sizeof(*run->items));
    for (i = 0; i < nparts; i++) {
        run->items[i].body = parts[i];
        run->items[i].attachment = -1;
    }
    free(parts);
    k = nparts;
    for (i = 0; i < run->cap->attachment_count; i++) {
        a = &run->cap->attachments[i];
        if (!a->kept || a->data == NULL)        /* nothing to upload */
            continue;
        if (first_att && nparts > 0) {
            run->items[0].attachment = (int) i;
        } else if (k < limit) {
            run->items[k].attachment = (int) i;
            k++;
        } else {
            dropped++;
        }
        first_att = 0;
    }
    if (dropped > 0)
        msg_info("%s: job %s: %zu attachment(s) not posted: "
                 "reply_part_limit is %zu messages",
                 run->cj->conversation_sid, job_spool(run->job)->id, dropped,
                 limit);
    run->nitems = k;
}

static json_t *item_attributes(const struct run *run, size_t k)
{
    json_t *pm = json_object(), *attrs = json_object();
    const char *mid = message_id(run);

    json_object_set_new(pm, "origin", json_string(SYNC_ORIGIN_EMAIL));
    if (mid)
        json_object_set_new(pm, "message_id", json_string(mid));
    else
        json_object_set_new(pm, "content_key",
                            json_string(run->content_key));
    json_object_set_new(pm, "job", json_string(job_spool(run->job)->id));
    json_object_set_new(pm, "part", json_integer((json_int_t) k + 1));
    json_object_set_new(pm, "parts", json_integer((json_int_t) run->nitems));
    if (run->cap->classification == CAPTURE_AUTO_REPLY)
        json_object_set_new(pm, "kind", json_string("auto_reply_note"));
    if (run->unverified)
        json_object_set_new(pm, "unverified", json_string(run->unverified));
    if (run->authenticated)
        json_object_set_new(pm, "authenticated",
                            json_string(run->authenticated));
    if (run->cap->reply_inline)
        json_object_set_new(pm, "inline", json_true());
    if (run->cap->forward_dropped)
        json_object_set_new(pm, "forward_dropped", json_true());
    json_object_set_new(attrs, "postmask", pm);
    return attrs;
}

static void on_created(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;

    if (!TWILIO_OK(res)) {
        twilio_failed(run, res, "post the message");
        return;
    }
    msg_info("%s: posted: %s part %zu/%zu as %s (job %s, queue id %s)",
             run->cj->conversation_sid,
             or_else(json_string_value(json_object_get(res->json, "sid")), "?"),
             run->cur + 1, run->nitems, run->author, job_spool(run->job)->id,
             queue_id(run));
    free(run->media_sid);
    run->media_sid = NULL;
    run->items[run->cur].posted = 1;
    run->cur++;
    post_next(run);
}

static void create_message(struct run *run)
{
    struct twilio_message_params p = {0};
    struct item *it = &run->items[run->cur];
    struct buf *why = buf_create(128);
    json_t *attrs = item_attributes(run, run->cur);
    int ret;

    p.author = run->author;
    p.body = it->body;
    p.attributes = attrs;
    p.media_sid = run->media_sid;
    p.webhook_enabled = "false";
    ret = twilio_message_create(run->br->twilio, run->cj->conversation_sid,
                                &p, on_created, run, why);
    json_decref(attrs);
    if (ret < 0)
        start_failed(run, "post the message", why);
    else
        buf_free(why);
}

static void on_uploaded(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    const char *sid;

    if (!TWILIO_OK(res)
        || (sid = json_string_value(json_object_get(res->json, "sid"))) == NULL) {
        twilio_failed(run, res, "upload an attachment");
        return;
    }
    run->media_sid = xstrdup(sid);
    create_message(run);
}

static void post_next(struct run *run)
{
    struct item *it;
    const struct capture_attachment *a;
    struct buf *why;
    int ret;

    while (run->cur < run->nitems && run->items[run->cur].posted)
        run->cur++;
    if (run->cur == run->nitems) {
        job_done(run->job, "%s: %s posted as %s in %zu message(s) (queue id "
                 "%s)", run->cj->conversation_sid, run->cls, run->author,
                 run->nitems, queue_id(run));
        run_free(run);
        return;
    }
    it = &run->items[run->cur];
    if (it->attachment >= 0 && run->chat_service_sid == NULL) {
        /* No service to upload to: the text goes, the file cannot. */
        msg_warn("%s: the conversation has no chat service; attachment %d "
                 "of job %s not posted", run->cj->conversation_sid,
                 it->attachment + 1, job_spool(run->job)->id);
        it->attachment = -1;
        if (it->body == NULL) {
            it->posted = 1;
            run->cur++;
            post_next(run);
            return;
        }
    }
    if (it->attachment < 0) {
        create_message(run);
        return;
    }
    a = &run->cap->attachments[it->attachment];
    why = buf_create(128);
    ret = twilio_media_upload(run->br->twilio, run->chat_service_sid,
                              a->type, a->name, a->data, a->size,
                              on_uploaded, run, why);
    if (ret < 0)
        start_failed(run, "upload an attachment", why);
    else
        buf_free(why);
}

/* A message's date_created, 0 when it has none that parses. */
static time_t message_time(const json_t *m)
{
    time_t t;

    if (iso8601_parse(json_string_value(json_object_get(m, "date_created")),
                      &t) < 0)
        return 0;
    return t;
}

/*
 * A message's attributes, parsed (the caller's to json_decref(); NULL when
 * it has none that parse), and in *pm their "postmask" object or NULL.
 */
static json_t *message_postmask(const json_t *m, json_t **pm)
{
    const char *text = json_string_value(json_object_get(m, "attributes"));
    json_t *attrs = text ? json_loads(text, 0, NULL) : NULL;

    *pm = json_object_get(attrs, "postmask");
    return attrs;
}

/* The loop guard holds a reply (1, the run is freed) unless released. */
static int loop_held(struct run *run, const char *why)
{
    if (job_spool(run->job)->released) {
        msg_info("%s: job %s: loop guard: %s; released by the admin, posted "
                 "(queue id %s)", run->cj->conversation_sid,
                 job_spool(run->job)->id, why, queue_id(run));
        return 0;
    }
    metrics_add(run->br->metrics, METRIC_HELD,
                (const char *[]){"reason", "loop", NULL}, 1);
    job_hold(run->job, "%s: loop guard: %s; held (queue id %s; postmaskctl "
             "queue release posts it)", run->cj->conversation_sid, why,
             queue_id(run));
    run_free(run);
    return 1;
}

/*
 * Loop guard, own Message-IDs: a reply whose References list one of
 * postmask's own Message-IDs twice or more (loop_guard.h).
 */
static int references_held(struct run *run)
{
    const struct config *cfg = run->br->cfg;
    const char *rep;
    size_t len;
    struct buf *why;
    int held;

    if (cfg->email_loop_window <= 0
        || !loop_guard_references(run->cap->references,
                                  cfg->proxy_domains.items,
                                  cfg->proxy_domains.count, &rep, &len))
        return 0;
    why = buf_create(128);
    buf_printf(why, "References repeat our Message-ID %.*s", (int) len, rep);
    held = loop_held(run, why->data);
    buf_free(why);
    return held;
}

/*
 * 1 when a posted message's "postmask" attributes (pm) name this run's
 * email: its Message-ID or, when it has none, its content key.
 */
static int same_email(const struct run *run, const json_t *pm)
{
    const char *mid = json_string_value(json_object_get(pm, "message_id"));
    const char *key = json_string_value(json_object_get(pm, "content_key"));

    if (message_id(run) != NULL)
        return mid != NULL && strcmp(mid, message_id(run)) == 0;
    return key != NULL && run->content_key != NULL
        && strcmp(key, run->content_key) == 0;
}

/*
 * Loop guard, same text: a reply whose first part is the text of a message
 * posted from another email (not this job, not the same email: those
 * are the exactly-once case) within email_loop_window.  A job with parts
 * already in the conversation passed the guard before.
 */
static int same_text_held(struct run *run, const json_t *msgs)
{
    const struct config *cfg = run->br->cfg;
    const char *id = job_spool(run->job)->id, *job, *origin;
    const json_t *m;
    json_t *attrs, *pm;
    time_t now = time(NULL), created;
    long age;
    size_t i;
    struct buf *why;
    int held;

    if (cfg->email_loop_window <= 0 || run->cap->classification != CAPTURE_REPLY
        || run->items[0].body == NULL)
        return 0;
    for (i = 0; i < run->nitems; i++)
        if (run->items[i].posted)
            return 0;
    json_array_foreach(msgs, i, m) {
        if ((created = message_time(m)) == 0)
            continue;
        age = now > created ? (long) (now - created) : 0;
        if (age > cfg->email_loop_window
            || !loop_guard_same_text(json_string_value(json_object_get(m,
                                                                 "body")),
                                     run->items[0].body))
            continue;
        attrs = message_postmask(m, &pm);
        origin = json_string_value(json_object_get(pm, "origin"));
        job = json_string_value(json_object_get(pm, "job"));
        if (origin == NULL || strcmp(origin, SYNC_ORIGIN_EMAIL) != 0
            || (job && strcmp(job, id) == 0) || same_email(run, pm)) {
            json_decref(attrs);
            continue;
        }
        why = buf_create(128);
        buf_printf(why, "the same text was posted from email %lds ago (%s, "
                   "job %s)", age,
                   or_else(json_string_value(json_object_get(m, "sid")), "?"),
                   or_else(job, "?"));
        json_decref(attrs);
        held = loop_held(run, why->data);
        buf_free(why);
        return held;
    }
    return 0;
}

static void on_recent(const struct twilio_result *res, void *arg);

static void read_recent(struct run *run, unsigned count)
{
    struct buf *why = buf_create(128);

    run->recent = count;
    if (twilio_message_list_recent(run->br->twilio, run->cj->conversation_sid,
                                   count, on_recent, run, why) < 0)
        start_failed(run, "read the recent messages", why);
    else
        buf_free(why);
}

/* The recent messages: which parts of this job Twilio already has. */
static void on_recent(const struct twilio_result *res, void *arg)
{
    struct run *run = arg;
    const char *id = job_spool(run->job)->id, *text;
    json_t *msgs, *m, *attrs, *pm;
    json_int_t part;
    size_t i;

    if (!TWILIO_OK(res)) {
        twilio_failed(run, res, "read the recent messages");
        return;
    }
    msgs = json_object_get(res->json, "messages");
    /*
     * Newest first: when even the oldest of a full list is not older than
     * the capture, parts of this job may lie further back: ask for more.
     */
    if (json_array_size(msgs) >= run->recent && run->recent < RECENT_MAX
        && message_time(json_array_get(msgs, json_array_size(msgs) - 1))
        >= run->cj->received) {
        read_recent(run, run->recent * 4);
        return;
    }
    json_array_foreach(msgs, i, m) {
        attrs = message_postmask(m, &pm);
        text = json_string_value(json_object_get(pm, "job"));
        part = json_integer_value(json_object_get(pm, "part"));
        /*
         * This job's part (a crash after Twilio took it), or the same part
         * of the same email captured as another job: by another MX host
         * (a sender's retry to the backup MX), or after this host's dedupe
         * marker expired.  The same email: the same Message-ID or, without
         * one, the same content key.
         */
        if (part >= 1 && (size_t) part <= run->nitems
            && ((text && strcmp(text, id) == 0)
                || (same_email(run, pm)
                    && json_integer_value(json_object_get(pm, "parts"))
                    == (json_int_t) run->nitems))) {
            run->items[part - 1].posted = 1;
            msg_info("%s: part %d/%zu of job %s is already in the "
                     "conversation (job %s); not posted again",
                     run->cj->conversation_sid, (int) part, run->nitems, id,
                     text ? text : "?");
        }
        json_decref(attrs);
    }
    if (same_text_held(run, msgs))
        return;
    post_next(run);
}

static void post_reply(struct run *run, const char *text);

/*
 * The contact's text, with inline_reply_note before an inline reply and
 * forwarded_part_note after one whose forwarded part was left out (only
 * when there is text: an attachment alone needs no note).
 */
static void post_reply_text(struct run *run)
{
    const struct config *cfg = run->br->cfg;
    const char *text = run->cap->text;
    struct buf *b;

    if (*text == '\0') {
        post_reply(run, text);
        return;
    }
    b = buf_create(strlen(text) + 128);
    if (run->cap->reply_inline && *cfg->inline_reply_note)
        buf_printf(b, "%s\n\n", cfg->inline_reply_note);
    buf_append_str(b, text);
    if (run->cap->forward_dropped && *cfg->forwarded_part_note)
        buf_printf(b, "\n\n%s", cfg->forwarded_part_note);
    post_reply(run, b->data);
    buf_free(b);
}

static void post_reply(struct run *run, const char *text)
{
    plan_items(run, text);
    if (run->nitems == 0) {
        job_done(run->job, "%s: %s has no text and no attachment; nothing "
                 "posted (queue id %s)", run->cj->conversation_sid, run->cls,
                 queue_id(run));
        run_free(run);
        return;
    }
    read_recent(run, RECENT_MESSAGES);
}

/*
 * A reply whose structure could not be read and that gave no text: held
 * (1, the run is freed) unless an admin released it.  0: post it.
 */
static int structure_held(struct run *run, const char *sid)
{
    const char *err = run->cap->structure_error;

    if (err == NULL || run->cap->classification == CAPTURE_AUTO_REPLY)
        return 0;
    if (*run->cap->text != '\0') {
        msg_warn("%s: job %s: part of the reply cannot be read: %s; its "
                 "text is posted (queue id %s)", sid,
                 job_spool(run->job)->id, err, queue_id(run));
        return 0;
    }
    if (job_spool(run->job)->released) {
        msg_info("%s: job %s: its structure cannot be read: %s; released by "
                 "the admin, what could be read is posted (queue id %s)",
                 sid, job_spool(run->job)->id, err, queue_id(run));
        return 0;
    }
    job_hold(run->job, "%s: reply not posted: its structure cannot be read: "
             "%s (queue id %s; postmaskctl queue show has the message, "
             "release posts what could be read)", sid, err, queue_id(run));
    run_free(run);
    return 1;
}

static void on_conversation(const struct conv_info *info,
                            const struct twilio_result *failure, void *arg)
{
    struct run *run = arg;
    const struct config *cfg = run->br->cfg;
    const json_t *contact, *any;
    const char *method = run->cap->auth_method;
    struct buf *note;

    if (info == NULL) {
        twilio_failed(run, failure, "read the conversation");
        return;
    }
    if (info->state && strcmp(info->state, "closed") == 0) {
        job_dead(run->job, "%s: the conversation is closed; %s (queue id %s) "
                 "not posted", info->sid, run->cls, queue_id(run));
        run_free(run);
        return;
    }
    if (info->chat_service_sid)
        run->chat_service_sid = xstrdup(info->chat_service_sid);
    if (run->cap->classification == CAPTURE_BOUNCE) {
        /* Real delivery reports come from the null sender (RFC 5321
         * 4.5.5) to the tagged envelope sender of mail we sent (the milter
         * verified the tag); anyone else could mark the contact as
         * bouncing. */
        if (*run->cj->envelope_sender != '\0') {
            job_done(run->job, "%s: delivery report not from the null "
                     "sender (queue id %s): not recorded", info->sid,
                     queue_id(run));
            run_free(run);
            return;
        }
        if (strcmp(run->cj->bounce_tag, "valid") != 0) {
            job_done(run->job, "%s: delivery report without a valid bounce "
                     "tag (%s; queue id %s): not recorded", info->sid,
                     *run->cj->bounce_tag ? run->cj->bounce_tag : "none",
                     queue_id(run));
            run_free(run);
            return;
        }
        record_bounce(run, info);
        return;
    }
    contact = find_contact(info, run->cap->from_address, &any);
    if (any == NULL) {
        job_dead(run->job, "%s: the conversation has no building contact "
                 "with a chat identity to post as", info->sid);
        run_free(run);
        return;
    }
    if (contact == NULL || method == NULL) {
        const char *action = cfg->unauthenticated_sender_action;
        struct buf *why = buf_create(128);

        if (contact == NULL)
            buf_printf(why, "the From address is not the building contact's");
        else
            buf_printf(why, "the sender is not authenticated: %s",
                       run->cap->auth_detail);
        if (job_spool(run->job)->released) {
            msg_info("%s: job %s: %s; released by the admin, posted "
                     "(queue id %s)", info->sid, job_spool(run->job)->id,
                     why->data, queue_id(run));
        } else if (strcmp(action, "post") != 0) {
            if (strcmp(action, "hold") == 0)
                job_hold(run->job, "%s: reply not posted: %s "
                         "(unauthenticated_sender_action = hold; queue id "
                         "%s; postmaskctl queue release posts it)",
                         info->sid, why->data, queue_id(run));
            else
                job_dead(run->job, "%s: reply not posted: %s "
                         "(unauthenticated_sender_action = reject; queue id "
                         "%s)", info->sid, why->data, queue_id(run));
            buf_free(why);
            run_free(run);
            return;
        } else {
            msg_warn("%s: job %s: %s; posted all the same "
                     "(unauthenticated_sender_action = post; queue id %s)",
                     info->sid, job_spool(run->job)->id, why->data,
                     queue_id(run));
        }
        run->unverified = buf_detach(why, NULL);
        if (contact == NULL)
            contact = any;
    } else {
        run->authenticated = xstrdup(method);
    }
    run->author = xstrdup(json_string_value(json_object_get(contact,
                                                            "identity")));
    run->contact_sid = xstrdup(or_else(json_string_value(json_object_get(contact,
                                                                 "sid")), ""));
    if (structure_held(run, info->sid) || references_held(run))
        return;
    if (run->cap->classification == CAPTURE_AUTO_REPLY) {
        note = buf_create(128);
        buf_printf(note, "(An automatic reply came from this contact's "
                   "email: %s.)", run->cap->subject);
        post_reply(run, note->data);
        buf_free(note);
        return;
    }
    post_reply_text(run);
}

static void handle_capture(struct bridge *br, struct job *job, void *arg)
{
    struct sync_reply *sr = arg;
    const struct spool_job *sj = job_spool(job);
    struct buf *why = buf_create(128);
    struct capture_job *cj;
    struct run *run;

    if ((cj = capture_job_decode(sj->payload, sj->payload_len, why)) == NULL) {
        job_dead(job, "cannot decode the capture: %s", why->data);
        buf_free(why);
        return;
    }
    run = xcalloc(1, sizeof(*run));
    run->owner = sr;
    LIST_INSERT_HEAD(&sr->runs, run, entry);
    run->br = br;
    run->job = job;
    run->cj = cj;
    run->cap = cj->capture;
    if (message_id(run) == NULL) {
        struct buf *key = buf_create(CONTENT_KEY_HEX_LEN + 1);

        content_key(cj->raw, cj->raw_len, key);
        run->content_key = buf_detach(key, NULL);
    }
    run->cls = capture_class_name(run->cap->classification);
    if ((run->cap->classification == CAPTURE_EMPTY
         && run->cap->structure_error == NULL)
        || (run->cap->classification == CAPTURE_AUTO_REPLY
            && strcmp(br->cfg->auto_reply_action, "note") != 0)) {
        job_done(job, "%s: %s (queue id %s) not posted%s%s",
                 cj->conversation_sid, run->cls, queue_id(run),
                 run->cap->auto_reply_reason ? ": " : "",
                 or_else(run->cap->auto_reply_reason, ""));
        run_free(run);
        buf_free(why);
        return;
    }
    if (conv_cache_get(br->convs, cj->conversation_sid, 0, on_conversation,
                       run, why) < 0)
        start_failed(run, "read the conversation", why);
    else
        buf_free(why);
}

int sync_reply_init(struct bridge *br, struct job_runner *jr,
                    struct buf *why)
{
    (void) why;
    br->sync_reply = xcalloc(1, sizeof(*br->sync_reply));
    metrics_describe(br->metrics, METRIC_HELD, "counter", "captured replies "
                     "held instead of posted, by reason (loop: the loop "
                     "guard, email_loop_window)");
    metrics_add(br->metrics, METRIC_HELD,
                (const char *[]){"reason", "loop", NULL}, 0);
    job_runner_register(jr, CAPTURE_JOB_KIND, handle_capture, br->sync_reply);
    return 0;
}

void sync_reply_free(struct bridge *br)
{
    if (br->sync_reply == NULL)
        return;
    while (!LIST_EMPTY(&br->sync_reply->runs))
        run_free(LIST_FIRST(&br->sync_reply->runs));
    free(br->sync_reply);
    br->sync_reply = NULL;
}
