/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_queue - `postmaskctl queue`: look at and change the spool, as
 * postqueue -p and postsuper do for Postfix's queue.
 *
 *   postmaskctl queue [list]          every job, oldest first: ID, kind,
 *                                     state, age, attempts, then
 *                                     "(released)" for a released job and
 *                                     the last error
 *   postmaskctl queue show ID         the job's metadata, a blank line, and
 *                                     its payload
 *   postmaskctl queue requeue ID      back into active/ as a new job (no
 *                                     attempts, a fresh lifetime)
 *   postmaskctl queue release ID      a held or dead job back into active/
 *                                     as a new job, marked released: the
 *                                     worker lets it through the policy
 *                                     that stopped it (spool.h)
 *   postmaskctl queue hold ID         into hold/, where no worker takes it,
 *                                     until it is requeued or released
 *   postmaskctl queue delete ID       removed for good (its dedupe key stays
 *                                     known until the marker expires)
 *
 * Run as root on a spool owned by another user, it first becomes that user
 * (supplementary groups, gid, uid), so that every file it writes keeps the
 * daemons' owner.  It never creates the spool.
 *
 * Nothing read from the spool reaches the terminal unescaped: control
 * characters (and C1 controls, raw or UTF-8) in metadata are shown as \xNN.
 * The payload is printed as it is when stdout is not a terminal, so that
 * `queue show ID > file` keeps it exact, and escaped the same way when it is.
 *
 * Exit status as in ctl.h: an unknown ID ("no job ID"), a malformed ID or a
 * spool that cannot be read is 1, with one line on stderr; wrong arguments
 * are 2.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "msg.h"
#include "spool.h"
#include "spool_journal.h"
#include "spool_config.h"

#define QUEUE_USAGE "usage: postmaskctl queue [list]\n" \
    "       postmaskctl queue show|requeue|release|hold|delete ID\n"

/*
 * Writes len bytes of text to fp with control characters escaped as \xNN:
 * C0 controls but tab and newline (and a CR before a newline when keep_crlf),
 * DEL, bytes that are not UTF-8, and the C1 controls U+0080..U+009F.
 */
static void queue_print_escaped(FILE *fp, const unsigned char *cp, size_t len,
                                int keep_crlf)
{
    size_t i = 0;
    size_t n;
    size_t k;
    unsigned long code;

    while (i < len) {
        unsigned char ch = cp[i];

        if (ch < 0x80) {
            if ((ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n'
                || (keep_crlf && ch == '\r' && i + 1 < len
                    && cp[i + 1] == '\n'))
                putc(ch, fp);
            else
                fprintf(fp, "\\x%02x", ch);
            i++;
            continue;
        }
        /* A UTF-8 sequence: its length, then its code point. */
        n = (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3
            : (ch & 0xf8) == 0xf0 ? 4 : 0;
        code = n == 2 ? ch & 0x1f : n == 3 ? ch & 0x0f : ch & 0x07;
        for (k = 1; n && k < n; k++) {
            if (i + k >= len || (cp[i + k] & 0xc0) != 0x80) {
                n = 0;
                break;
            }
            code = code << 6 | (cp[i + k] & 0x3f);
        }
        if (n == 0 || code < 0xa0                       /* C1, overlong */
            || (n == 3 && code < 0x800) || (n == 4 && code < 0x10000)
            || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
            fprintf(fp, "\\x%02x", ch);
            i++;
            continue;
        }
        fwrite(cp + i, 1, n, fp);
        i += n;
    }
}

static void queue_print_field(const char *name, const char *value)
{
    printf("%s: ", name);
    queue_print_escaped(stdout, (const unsigned char *) value, strlen(value),
                        0);
    putchar('\n');
}

static void queue_format_age(char *out, size_t len, time_t age)
{
    if (age < 0)
        age = 0;
    if (age < 120)
        snprintf(out, len, "%llds", (long long) age);
    else if (age < 120 * 60)
        snprintf(out, len, "%lldm", (long long) age / 60);
    else if (age < 48 * 3600)
        snprintf(out, len, "%lldh", (long long) age / 3600);
    else
        snprintf(out, len, "%lldd", (long long) age / 86400);
}

static void queue_format_time(char *out, size_t len, time_t when)
{
    struct tm tm;

    if (gmtime_r(&when, &tm) == NULL
        || strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, len, "?");
}

/*
 * As root, become the owner of the spool before touching it.  Returns 0, or
 * -1 with the reason in why.
 */
static int queue_become_owner(const char *dir, struct buf *why)
{
    struct passwd *pw;
    struct stat st;
    gid_t gid;

    if (geteuid() != 0)
        return 0;
    if (stat(dir, &st) < 0) {
        buf_printf(why, "spool directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (st.st_uid == 0)
        return 0;
    pw = getpwuid(st.st_uid);
    gid = pw ? pw->pw_gid : st.st_gid;
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(st.st_uid) < 0) {
        buf_printf(why, "become the owner of %s (uid %ld): %s", dir,
                   (long) st.st_uid, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0)
        msg_fatal("queue: still root after setuid(%ld)", (long) st.st_uid);
    return 0;
}

/* The jobs (webhooks, captures) still in the bridge's intake journal. */
static void queue_journal_line(size_t journal)
{
    if (journal > 0)
        printf("-- %zu job%s in the intake journal, not yet in the "
               "queue (postmask-bridge moves them in)\n", journal,
               journal == 1 ? "" : "s");
}

static int queue_list(struct spool *sp, const char *dir, struct buf *why)
{
    struct spool_job **jobs;
    size_t count, journal;
    size_t i;
    char age[32];
    time_t now = time(NULL);

    if (spool_journal_pending(sp, dir, &journal, why) < 0) {
        /* The queue itself can still be listed. */
        msg_warn("queue: %s", why->data);
        buf_reset(why);
        journal = 0;
    }
    if (spool_list(sp, SPOOL_MASK_ALL, &jobs, &count, why) < 0)
        return ctl_failed("queue", NULL, why->data);
    if (count == 0) {
        printf("Spool is empty\n");
        queue_journal_line(journal);
        spool_job_list_free(jobs, count);
        return CTL_OK;
    }
    printf("%-16s %-14s %-8s %6s %7s  %s\n", "-Queue ID-", "-Kind-",
           "-State-", "-Age-", "-Tries-", "-Last error-");
    for (i = 0; i < count; i++) {
        queue_format_age(age, sizeof(age), now - jobs[i]->created);
        printf("%-16s %-14s %-8s %6s %7u", jobs[i]->id, jobs[i]->kind,
               spool_state_name(jobs[i]->state), age, jobs[i]->attempts);
        if (jobs[i]->released)
            fputs("  (released)", stdout);
        if (jobs[i]->last_error) {
            fputs("  ", stdout);
            queue_print_escaped(stdout,
                                (const unsigned char *) jobs[i]->last_error,
                                strlen(jobs[i]->last_error), 0);
        }
        putchar('\n');
    }
    printf("-- %zu job%s\n", count, count == 1 ? "" : "s");
    queue_journal_line(journal);
    spool_job_list_free(jobs, count);
    return CTL_OK;
}

static int queue_show(struct spool *sp, const char *id, struct buf *why)
{
    struct spool_job *job;
    char when[64];
    int rc;

    if ((rc = spool_load(sp, id, 1, &job, why)) == SPOOL_NOTFOUND) {
        buf_printf(why, "no job %s", id);
        return ctl_failed("queue", NULL, why->data);
    }
    if (rc < 0)
        return ctl_failed("queue", NULL, why->data);
    printf("id: %s\nkind: %s\nstate: %s\n", job->id, job->kind,
           spool_state_name(job->state));
    queue_format_time(when, sizeof(when), job->created);
    printf("created: %s (%lld)\n", when, (long long) job->created);
    printf("attempts: %u\n", job->attempts);
    if (job->next_attempt == 0) {
        printf("next-attempt: as soon as possible\n");
    } else {
        queue_format_time(when, sizeof(when), job->next_attempt);
        printf("next-attempt: %s (%lld)\n", when,
               (long long) job->next_attempt);
    }
    if (job->dedupe_key)
        queue_print_field("dedupe", job->dedupe_key);
    if (job->last_error)
        queue_print_field("last-error", job->last_error);
    if (job->released)
        printf("released: yes\n");
    printf("payload-size: %zu\n\n", job->payload_len);
    if (isatty(fileno(stdout)))
        queue_print_escaped(stdout, job->payload, job->payload_len, 1);
    else
        fwrite(job->payload, 1, job->payload_len, stdout);
    spool_job_free(job);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        buf_printf(why, "write to stdout: %s", strerror(errno));
        return ctl_failed("queue", NULL, why->data);
    }
    return CTL_OK;
}

static const struct queue_action {
    const char *name;
    const char *done;
} queue_actions[] = {
    {"requeue", "requeued"},
    {"release", "released"},
    {"hold", "held"},
    {"delete", "deleted"},
};

static int queue_change(struct spool *sp, const struct queue_action *action,
                        const char *id, struct buf *why)
{
    int rc;

    if (strcmp(action->name, "requeue") == 0)
        rc = spool_requeue(sp, id, why);
    else if (strcmp(action->name, "release") == 0)
        rc = spool_release(sp, id, why);
    else if (strcmp(action->name, "hold") == 0)
        rc = spool_hold(sp, id, NULL, why);
    else
        rc = spool_delete(sp, id, why);
    if (rc == SPOOL_NOTFOUND) {
        buf_printf(why, "no job %s", id);
        return ctl_failed("queue", NULL, why->data);
    }
    if (rc < 0)
        return ctl_failed("queue", NULL, why->data);
    printf("%s: %s\n", id, action->done);
    return CTL_OK;
}

int ctl_queue(const struct config *cfg, int argc, char **argv)
{
    const struct queue_action *action = NULL;
    struct spool *sp;
    struct buf *why;
    const char *sub = argc > 1 ? argv[1] : "list";
    size_t i;
    int status;

    for (i = 0; i < sizeof(queue_actions) / sizeof(queue_actions[0]); i++)
        if (strcmp(sub, queue_actions[i].name) == 0)
            action = &queue_actions[i];
    if (strcmp(sub, "list") == 0 ? argc > 2
        : (action == NULL && strcmp(sub, "show") != 0) || argc != 3) {
        fputs(QUEUE_USAGE, stderr);
        return CTL_USAGE;
    }
    if (cfg->spool_directory == NULL || *cfg->spool_directory == '\0')
        return ctl_failed("queue", NULL, "spool_directory is not set");

    why = buf_create(128);
    if (queue_become_owner(cfg->spool_directory, why) < 0
        || (sp = spool_open(cfg->spool_directory, 0, why)) == NULL) {
        status = ctl_failed("queue", NULL, why->data);
        buf_free(why);
        return status;
    }
    spool_configure(sp, cfg);

    if (strcmp(sub, "list") == 0)
        status = queue_list(sp, cfg->spool_directory, why);
    else if (action == NULL)
        status = queue_show(sp, argv[2], why);
    else
        status = queue_change(sp, action, argv[2], why);
    spool_close(sp);
    buf_free(why);
    return status;
}
