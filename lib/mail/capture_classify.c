/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_classify - is a message a bounce, an auto-reply, or (by default)
 * a person's reply; and what a delivery report says.
 *
 * capture_classify() sets cap->classification (CAPTURE_BOUNCE,
 * CAPTURE_AUTO_REPLY or CAPTURE_REPLY; capture.c later turns an empty reply
 * into CAPTURE_EMPTY) and, for an auto-reply, cap->auto_reply_reason.  It
 * reads the headers of msg and cap->subject (already decoded):
 *   1. multipart/report; report-type=delivery-status (or
 *      global-delivery-status): a bounce;
 *   2. multipart/report; report-type=disposition-notification (a read
 *      receipt): an auto-reply;
 *   3. the auto-reply signals, first match giving the reason: RFC 3834
 *      Auto-Submitted other than "no"; X-Autoreply other than "no";
 *      X-Autorespond; Precedence bulk, junk, list or auto_reply; a subject
 *      that starts with an out-of-office phrase (English, German, French,
 *      Spanish, Dutch, Portuguese: "Out of Office", "Automatic reply",
 *      "Abwesenheitsnotiz", "Réponse automatique", ...);
 *   4. a null envelope sender ("" or "<>"): a bounce, unless it carries an
 *      auto-reply signal and nothing that marks a non-delivery report
 *      (X-Failed-Recipients, a From of MAILER-DAEMON or postmaster, a
 *      bounce subject such as "Undelivered Mail Returned to Sender" or
 *      "Undeliverable:"): RFC 3834 asks auto-responders to send from the
 *      null sender, and Exchange's out-of-office replies do;
 *   5. with an auto-reply signal: an auto-reply; else a reply.
 * envelope_sender NULL means unknown: not null.
 *
 * capture_dsn_parse() reads a message/delivery-status body (RFC 3464): the
 * per-recipient block whose Action is "failed", else "delayed", else the
 * first with a recipient, gives cap->bounce_recipient (Final-Recipient, else
 * Original-Recipient, without its "rfc822;" type and angle brackets),
 * cap->bounce_status (Status, e.g. "5.1.1") and cap->bounce_diagnostic
 * (Diagnostic-Code as written, e.g. "smtp; 550 5.1.1 unknown user", folded
 * lines joined).  capture_failed_recipients() fills a missing
 * bounce_recipient from the first address of X-Failed-Recipients (Exim's
 * non-DSN bounces).
 *
 * No state; case-insensitive matching of UTF-8 subjects uses GLib's
 * g_utf8_casefold(), which is thread-safe.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "xalloc.h"

#define DSN_BLOCKS_MAX  1000    /* per-recipient blocks read */
#define REASON_MAX      200     /* bytes of a header value in the reason */

/* Subjects of out-of-office replies, case-folded, matched at the start. */
static const char *const ooo_subjects[] = {
    "out of office", "out of the office", "automatic reply", "auto-reply",
    "autoreply", "auto reply", "auto:", "autosvar",
    "abwesenheitsnotiz", "automatische antwort", "abwesend:",
    "réponse automatique", "absence du bureau", "absent du bureau",
    "respuesta automática", "fuera de la oficina",
    "automatisch antwoord", "afwezigheidsbericht", "afwezig:",
    "resposta automática", "ausência temporária",
    "fora do escritório", NULL,
};

/* Subjects of non-delivery reports, case-folded, matched at the start. */
static const char *const bounce_subjects[] = {
    "undelivered mail", "undeliverable", "delivery status notification",
    "mail delivery failed", "returned mail", "delivery failure",
    "failure notice", "mail delivery failure", "unzustellbar",
    "non remis", "no se puede entregar", "onbestelbaar",
    "não é possível entregar", NULL,
};

static const char *header(GMimeMessage *msg, const char *name)
{
    return g_mime_object_get_header(GMIME_OBJECT(msg), name);
}

/* The first token of a header value, lower case, in tok (size 32). */
static void first_token(const char *value, char *tok, size_t size)
{
    size_t n = 0;

    while (*value == ' ' || *value == '\t' || *value == '\r'
           || *value == '\n')
        value++;
    while (*value && n < size - 1 && !strchr(" \t\r\n;(,", *value)) {
        char c = *value++;

        tok[n++] = (char) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    tok[n] = '\0';
}

static char *reason(const char *name, const char *value)
{
    char *clean = capture_clean_line(value, strlen(value), REASON_MAX);
    struct buf *b = buf_create(64);

    buf_printf(b, "%s: %s", name, clean);
    free(clean);
    return buf_detach(b, NULL);
}

static int subject_starts(const char *subject, const char *const *list)
{
    gchar *folded = g_utf8_casefold(subject, -1);
    const char *s = folded;
    int hit = 0;

    while (*s == ' ')
        s++;
    for (; *list && !hit; list++)
        hit = strncmp(s, *list, strlen(*list)) == 0;
    g_free(folded);
    return hit;
}

/* The auto-reply signal of msg, as a new reason string, or NULL. */
static char *auto_reply_signal(GMimeMessage *msg, const char *subject)
{
    const char *v;
    char tok[32];

    if ((v = header(msg, "Auto-Submitted")) != NULL) {
        first_token(v, tok, sizeof(tok));
        if (*tok && strcmp(tok, "no") != 0)
            return reason("Auto-Submitted", v);
    }
    if ((v = header(msg, "X-Autoreply")) != NULL) {
        first_token(v, tok, sizeof(tok));
        if (strcmp(tok, "no") != 0 && strcmp(tok, "false") != 0)
            return reason("X-Autoreply", v);
    }
    if ((v = header(msg, "X-Autorespond")) != NULL)
        return reason("X-Autorespond", v);
    if ((v = header(msg, "Precedence")) != NULL) {
        first_token(v, tok, sizeof(tok));
        if (strcmp(tok, "bulk") == 0 || strcmp(tok, "junk") == 0
            || strcmp(tok, "list") == 0 || strcmp(tok, "auto_reply") == 0)
            return reason("Precedence", v);
    }
    if (*subject && subject_starts(subject, ooo_subjects))
        return reason("Subject", subject);
    return NULL;
}

static int mailer_daemon(const char *address)
{
    return strncasecmp(address, "mailer-daemon@", 14) == 0
        || strncasecmp(address, "postmaster@", 11) == 0
        || strcasecmp(address, "mailer-daemon") == 0;
}

static int looks_like_ndr(GMimeMessage *msg, const struct capture *cap)
{
    return header(msg, "X-Failed-Recipients") != NULL
        || mailer_daemon(cap->from_address)
        || (*cap->subject && subject_starts(cap->subject, bounce_subjects));
}

void capture_classify(GMimeMessage *msg, const char *envelope_sender,
                      struct capture *cap)
{
    GMimeObject *root = g_mime_message_get_mime_part(msg);
    const char *report = NULL;
    char *signal;
    int null_sender = envelope_sender != NULL
        && (*envelope_sender == '\0' || strcmp(envelope_sender, "<>") == 0);

    if (root != NULL
        && g_mime_content_type_is_type(g_mime_object_get_content_type(root),
                                       "multipart", "report"))
        report = g_mime_content_type_get_parameter(
            g_mime_object_get_content_type(root), "report-type");
    if (report != NULL && (strcasecmp(report, "delivery-status") == 0
                           || strcasecmp(report,
                                         "global-delivery-status") == 0)) {
        cap->classification = CAPTURE_BOUNCE;
        return;
    }
    if (report != NULL && strcasecmp(report, "disposition-notification") == 0) {
        cap->classification = CAPTURE_AUTO_REPLY;
        cap->auto_reply_reason = reason("Content-Type",
                                        "multipart/report; "
                                        "report-type=disposition-notification");
        return;
    }
    signal = auto_reply_signal(msg, cap->subject);
    if (null_sender && (signal == NULL || looks_like_ndr(msg, cap))) {
        free(signal);
        cap->classification = CAPTURE_BOUNCE;
        return;
    }
    if (signal != NULL) {
        cap->classification = CAPTURE_AUTO_REPLY;
        cap->auto_reply_reason = signal;
        return;
    }
    cap->classification = CAPTURE_REPLY;
}

/* One "Name: value" field of a DSN block, unfolded. */
struct dsn_field {
    const char *name;
    struct buf *value;
};

enum { F_FINAL, F_ORIGINAL, F_ACTION, F_STATUS, F_DIAG, F_COUNT };

static const char *const dsn_names[F_COUNT] = {
    "final-recipient", "original-recipient", "action", "status",
    "diagnostic-code",
};

/* "rfc822; <a@b>" -> "a@b"; a new string. */
static char *dsn_address(const char *value)
{
    const char *semi = strchr(value, ';');
    char *clean, *p, *q;

    clean = capture_clean_line(semi ? semi + 1 : value,
                               strlen(semi ? semi + 1 : value),
                               CAPTURE_FIELD_MAX);
    p = clean;
    if (*p == '<') {
        p++;
        if ((q = strchr(p, '>')) != NULL)
            *q = '\0';
    }
    memmove(clean, p, strlen(p) + 1);
    return clean;
}

/* Status: the first token, kept when it looks like "5.1.1". */
static char *dsn_status(const char *value)
{
    char tok[32];
    size_t i, dots = 0;

    first_token(value, tok, sizeof(tok));
    if (!(tok[0] == '2' || tok[0] == '4' || tok[0] == '5'))
        return NULL;
    for (i = 1; tok[i]; i++) {
        if (tok[i] == '.')
            dots++;
        else if (tok[i] < '0' || tok[i] > '9')
            return NULL;
    }
    return dots == 2 ? xstrdup(tok) : NULL;
}

struct dsn_block {
    struct buf *f[F_COUNT];
    int have[F_COUNT];
};

static void block_reset(struct dsn_block *b)
{
    int i;

    for (i = 0; i < F_COUNT; i++) {
        buf_reset(b->f[i]);
        b->have[i] = 0;
    }
}

/* Reads the fields of the block that starts at text[*pos]. */
static void read_block(const char *text, size_t len, size_t *pos,
                       struct dsn_block *b)
{
    int current = -1;

    block_reset(b);
    while (*pos < len) {
        const char *line = text + *pos;
        const char *nl = memchr(line, '\n', len - *pos);
        size_t n = nl ? (size_t) (nl - line) : len - *pos;
        size_t i;

        *pos += n + (nl ? 1 : 0);
        if (n == 0 || (n == 1 && line[0] == '\r'))
            break;
        if ((line[0] == ' ' || line[0] == '\t')) {
            if (current >= 0 && b->f[current]->len < CAPTURE_FIELD_MAX) {
                buf_append_char(b->f[current], ' ');
                buf_append(b->f[current], line, n);
            }
            continue;
        }
        current = -1;
        for (i = 0; i < F_COUNT; i++) {
            size_t k = strlen(dsn_names[i]);

            if (n > k && line[k] == ':' && strncasecmp(line, dsn_names[i], k) == 0
                && !b->have[i]) {
                current = (int) i;
                b->have[i] = 1;
                buf_append(b->f[i], line + k + 1,
                           n - k - 1 < CAPTURE_FIELD_MAX ? n - k - 1
                           : CAPTURE_FIELD_MAX);
                break;
            }
        }
    }
}

static int block_action(const struct dsn_block *b, const char *action)
{
    char tok[32];

    if (!b->have[F_ACTION])
        return 0;
    first_token(b->f[F_ACTION]->data, tok, sizeof(tok));
    return strcmp(tok, action) == 0;
}

static int block_has_recipient(const struct dsn_block *b)
{
    return b->have[F_FINAL] || b->have[F_ORIGINAL];
}

static void take_block(const struct dsn_block *b, struct capture *cap)
{
    free(cap->bounce_recipient);
    free(cap->bounce_status);
    free(cap->bounce_diagnostic);
    cap->bounce_recipient = NULL;
    cap->bounce_status = NULL;
    cap->bounce_diagnostic = NULL;
    if (b->have[F_FINAL])
        cap->bounce_recipient = dsn_address(b->f[F_FINAL]->data);
    if ((cap->bounce_recipient == NULL || *cap->bounce_recipient == '\0')
        && b->have[F_ORIGINAL]) {
        free(cap->bounce_recipient);
        cap->bounce_recipient = dsn_address(b->f[F_ORIGINAL]->data);
    }
    if (cap->bounce_recipient != NULL && *cap->bounce_recipient == '\0') {
        free(cap->bounce_recipient);
        cap->bounce_recipient = NULL;
    }
    if (b->have[F_STATUS])
        cap->bounce_status = dsn_status(b->f[F_STATUS]->data);
    if (b->have[F_DIAG]) {
        cap->bounce_diagnostic = capture_clean_line(b->f[F_DIAG]->data,
                                                    b->f[F_DIAG]->len,
                                                    CAPTURE_FIELD_MAX);
        if (*cap->bounce_diagnostic == '\0') {
            free(cap->bounce_diagnostic);
            cap->bounce_diagnostic = NULL;
        }
    }
}

void capture_dsn_parse(const char *text, size_t len, struct capture *cap)
{
    struct dsn_block b;
    size_t pos = 0, blocks = 0;
    int best = 0;               /* 3 failed, 2 delayed, 1 any recipient */
    int i;

    for (i = 0; i < F_COUNT; i++)
        b.f[i] = buf_create(64);
    while (pos < len && blocks++ < DSN_BLOCKS_MAX) {
        int rank;

        read_block(text, len, &pos, &b);
        if (!block_has_recipient(&b))
            continue;                   /* the per-message block */
        rank = block_action(&b, "failed") ? 3
            : block_action(&b, "delayed") ? 2 : 1;
        if (rank > best) {
            take_block(&b, cap);
            best = rank;
        }
        if (best == 3)
            break;
    }
    for (i = 0; i < F_COUNT; i++)
        buf_free(b.f[i]);
}

void capture_failed_recipients(GMimeMessage *msg, struct capture *cap)
{
    const char *v = header(msg, "X-Failed-Recipients");
    size_t n;
    char *first;

    if (cap->bounce_recipient != NULL || v == NULL)
        return;
    while (*v == ' ' || *v == '\t')
        v++;
    n = strcspn(v, ", \t\r\n");
    first = capture_clean_line(v, n, CAPTURE_FIELD_MAX);
    if (*first)
        cap->bounce_recipient = first;
    else
        free(first);
}
