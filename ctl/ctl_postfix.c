/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_postfix - `postmaskctl postfix`: attach postmask to a Postfix
 * configuration with postconf(1), detach it the same way, and say what is
 * attached.
 *
 *   postmaskctl postfix [-c postfix_dir] [-n] [-r] [--mx-fallback]
 *                       attach|detach|status
 *
 * -c names Postfix's configuration directory (default /etc/postfix; the
 * -c before "postfix" is postmask's own).  attach and detach print every
 * postconf command before they run it; -n prints them and runs nothing;
 * -r runs "postfix -c DIR reload" (from Postfix's command_directory) after
 * a change, when Postfix is running (the process queue_directory/pid/
 * master.pid names exists); when it is not, the change is made all the
 * same and applies when Postfix starts
 * (exit 0: a package's prerm detaches while Postfix may be stopped).
 * Without -r Postfix is not told: its daemons pick the change up at the
 * next "postfix reload".
 *
 * What attach does and detach undoes is in postfix_plan.h; the record of it
 * (DIR/postmask-attach.state, postfix_state.h) is written before the first
 * postconf command runs, so a detach after a failed attach still undoes what
 * was done.  The names come from postmask's configuration: milter_listen
 * (as Postfix names it: a unix socket under Postfix's queue_directory
 * becomes the relative unix:postmask/milter.sock), proxy_domains,
 * masking_daemon_names and smtp_submit_url (the masking listener is made
 * only when it is a plain smtp:// URL with a port on loopback).
 *
 * --mx-fallback (attach, status): the MX stays open while the milter is
 * down.  attach adds the pipe(8) service "postmask" that runs this
 * program's `capture` (its own path, from /proc/self/exe, with -c and
 * postmask's config_directory) as the user postmask, so the spool keeps
 * its owner; transport_maps entries that send the proxy domains to it; and
 * milter_default_action = accept (postfix_plan.h).  It is an option, not
 * the default: without the milter at RCPT, a forged proxy address is
 * accepted and then bounced (backscatter) and the capture rate limits do
 * not apply, so the default stays "defer everything while the milter is
 * down".  status checks the fallback when asked or when the service is
 * there; detach undoes it with the rest.
 *
 * status prints one line per check and a last line "status: attached" (exit
 * 0) or "status: not attached, N problem(s)" (exit 1).  Every postconf runs
 * through exec_capture() with an argument vector, never a shell.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "ctl.h"
#include "msg.h"
#include "ctl_health.h"
#include "milter_probe.h"
#include "postconf_exec.h"
#include "postfix_list.h"
#include "postfix_plan.h"
#include "postfix_snapshot.h"
#include "postfix_state.h"
#include "xalloc.h"

#define POSTFIX_USAGE \
    "usage: postmaskctl postfix [-c postfix_dir] [-n] [-r] [--mx-fallback] " \
    "attach|detach|status\n"
#define POSTFIX_DIR_DEFAULT "/etc/postfix"
#define POSTCONF_PATH       "/usr/sbin/postconf"
#define CTL_PATH_DEFAULT    "/usr/sbin/postmaskctl"
#define FALLBACK_USER       "postmask"

struct postfix_cmd {
    const char *dir;            /* Postfix's configuration directory */
    int dry_run;
    int reload;
    struct postfix_snapshot *snap;
    struct postfix_target target;
    char *milter;
    char *listener;
    char *state_path;
    char *fallback;             /* the pipe service's entry, or NULL */
    const struct config *cfg;   /* postmask's own */
};

/* Prints the notes of a plan, one "postmaskctl: postfix: ..." line each. */
static void print_notes(const struct buf *notes)
{
    const char *line = notes->data, *nl;

    for (; *line; line = nl + 1) {
        if ((nl = strchr(line, '\n')) == NULL)
            nl = line + strlen(line) - 1;
        msg_info("postfix: %.*s", (int) (nl - line), line);
    }
}

/*
 * milter_listen as Postfix names it: a unix socket under queue_dir is
 * relative to it (chrooted or not); inet:PORT@HOST is inet:HOST:PORT.
 */
static char *milter_name(const char *listen, const char *queue_dir,
                         struct buf *notes)
{
    struct buf *name = buf_create(64);
    const char *path, *at, *port;
    size_t qlen = strlen(queue_dir);
    int inet6;

    while (qlen > 1 && queue_dir[qlen - 1] == '/')
        qlen--;
    if (strncmp(listen, "unix:", 5) == 0 || strncmp(listen, "local:", 6) == 0) {
        path = strchr(listen, ':') + 1;
        if (strncmp(path, queue_dir, qlen) == 0 && path[qlen] == '/') {
            buf_printf(name, "unix:%s", path + qlen + 1);
        } else {
            buf_printf(name, "unix:%s", path);
            buf_printf(notes, "milter_listen %s is outside Postfix's "
                       "queue_directory %.*s: only an smtpd that is not "
                       "chrooted can reach it\n", listen, (int) qlen,
                       queue_dir);
        }
        return buf_detach(name, NULL);
    }
    inet6 = strncmp(listen, "inet6:", 6) == 0;
    port = strchr(listen, ':') + 1;
    if ((at = strchr(port, '@')) == NULL)
        buf_printf(name, "inet:%s:%s", inet6 ? "[::1]" : "127.0.0.1", port);
    else if (inet6 || strchr(at + 1, ':') != NULL)
        buf_printf(name, "inet:[%s]:%.*s", at + 1, (int) (at - port), port);
    else
        buf_printf(name, "inet:%s:%.*s", at + 1, (int) (at - port), port);
    return buf_detach(name, NULL);
}

static int is_loopback(const char *host, size_t len)
{
    return (len == 9 && strncmp(host, "localhost", 9) == 0)
        || (len == 5 && strncmp(host, "[::1]", 5) == 0)
        || (len >= 4 && strncmp(host, "127.", 4) == 0
            && strspn(host, "0123456789.") >= len);
}

/*
 * The masking listener's service name ("127.0.0.1:10026") from
 * smtp_submit_url, or NULL with a note when attach cannot make it here.
 */
static char *listener_name(const char *url, struct buf *notes)
{
    const char *host, *colon, *end;
    size_t hlen, plen;

    if (strncmp(url, "smtp://", 7) != 0)
        goto none;
    host = url + 7;
    if (*host == '[')
        colon = strchr(host, ']') ? strchr(host, ']') + 1 : NULL;
    else
        colon = host + strcspn(host, ":/");
    if (colon == NULL || *colon != ':')
        goto none;
    hlen = (size_t) (colon - host);
    plen = strspn(colon + 1, "0123456789");
    end = colon + 1 + plen;
    if (plen == 0 || plen > 5 || (*end != '\0' && *end != '/')
        || !is_loopback(host, hlen)
        || (plen == 2 && strncmp(colon + 1, "25", 2) == 0))
        goto none;
    return xstrndup(host, (size_t) (end - host));
none:
    buf_printf(notes, "smtp_submit_url %s is not smtp://HOST:PORT on loopback "
               "with a port other than 25: the masking listener is not set "
               "up here (see postmaskctl(8))\n", url);
    return NULL;
}

/*
 * The master.cf entry of the MX fallback's pipe(8) service: `postmaskctl
 * capture` with no shell, as the postmask user, one recipient at a time.
 */
static char *fallback_entry(const struct config *cfg)
{
    struct buf *b = buf_create(256);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n <= 0)
        strcpy(self, CTL_PATH_DEFAULT);
    else
        self[n] = '\0';
    buf_printf(b, "%s unix - n n - - pipe flags=X user=%s null_sender= "
               "argv=%s -c %s capture -q ${queue_id} -f ${sender} -- "
               "${recipient}", POSTFIX_FALLBACK_TRANSPORT, FALLBACK_USER,
               self, cfg->config_directory);
    return buf_detach(b, NULL);
}

/* The effective value at place, "" when there is none. */
static const char *effective(const struct postfix_cmd *pc, const char *place)
{
    const char *value = postfix_snapshot_effective(pc->snap, place);

    return value ? value : "";
}

/* Runs postconf -c DIR OPTION ARG, printing it first. */
static int run_change(const struct postfix_cmd *pc,
                      const struct postfix_change *c, struct buf *why)
{
    char *argv[6];
    struct buf *line = buf_create(128);

    argv[0] = (char *) POSTCONF_PATH;
    argv[1] = (char *) "-c";
    argv[2] = (char *) pc->dir;
    argv[3] = c->option;
    argv[4] = c->arg;
    argv[5] = NULL;
    exec_quote(line, argv);
    printf("%s\n", line->data);
    fflush(stdout);
    buf_free(line);
    if (pc->dry_run)
        return 0;
    return exec_capture(argv, NULL, why);
}

/*
 * Is Postfix running?  What postfix-script asks: does the process that
 * queue_directory/pid/master.pid names exist.  Any other failure of
 * "postfix status" (a missing binary, a broken main.cf) must not pass for
 * "stopped": that would skip a reload that a running Postfix needs.
 */
static int postfix_running(const struct postfix_cmd *pc)
{
    const char *queue = postfix_snapshot_effective(pc->snap, "queue_directory");
    char path[4096], text[128];         /* Postfix pads the PID to 32 */
    FILE *fp;
    long pid = 0;

    snprintf(path, sizeof(path), "%s/pid/master.pid",
             queue && *queue ? queue : "/var/spool/postfix");
    if ((fp = fopen(path, "r")) == NULL)
        return 0;
    if (fgets(text, sizeof(text), fp) != NULL)
        pid = strtol(text, NULL, 10);
    fclose(fp);
    return pid > 0 && (kill((pid_t) pid, 0) == 0 || errno == EPERM);
}

/*
 * Reloads Postfix after a change: 1 when it ran "postfix reload", 0 when
 * Postfix is not running (the change applies when it starts; nothing is
 * wrong), -1 with why when the reload failed.
 */
static int run_reload(const struct postfix_cmd *pc, struct buf *why)
{
    const char *cmd_dir = postfix_snapshot_effective(pc->snap,
                                                     "command_directory");
    struct buf *prog = buf_create(64), *line = buf_create(128);
    char *argv[5];
    int ret = 1;

    if (!pc->dry_run && !postfix_running(pc)) {
        buf_free(prog);
        buf_free(line);
        return 0;
    }
    buf_printf(prog, "%s/postfix", cmd_dir && *cmd_dir ? cmd_dir : "/usr/sbin");
    argv[0] = prog->data;
    argv[1] = (char *) "-c";
    argv[2] = (char *) pc->dir;
    argv[3] = (char *) "reload";
    argv[4] = NULL;
    exec_quote(line, argv);
    printf("%s\n", line->data);
    fflush(stdout);
    if (!pc->dry_run && exec_capture(argv, NULL, why) < 0)
        ret = -1;
    buf_free(prog);
    buf_free(line);
    return ret;
}

/* Runs the plan; the state first (or removed after, for detach). */
static int run_plan(const struct postfix_cmd *pc,
                    const struct postfix_plan *plan,
                    const struct postfix_state *st, int detach)
{
    struct buf *why = buf_create(128);
    size_t i;
    int status = CTL_OK;

    if (!pc->dry_run && !detach
        && postfix_state_write(pc->state_path, st, why) < 0) {
        status = ctl_failed("postfix", NULL, why->data);
        goto out;
    }
    for (i = 0; i < plan->count; i++) {
        if (run_change(pc, &plan->changes[i], why) < 0) {
            buf_printf(why, "; %s says what %s meant to change", pc->state_path,
                       detach ? "attach" : "this attach");
            status = ctl_failed("postfix", NULL, why->data);
            goto out;
        }
    }
    if (!pc->dry_run && detach && unlink(pc->state_path) < 0
        && errno != ENOENT) {
        buf_printf(why, "remove %s: %s", pc->state_path, strerror(errno));
        status = ctl_failed("postfix", NULL, why->data);
        goto out;
    }
    if (pc->reload) {
        switch (run_reload(pc, why)) {
        case -1:
            status = ctl_failed("postfix", NULL, why->data);
            goto out;
        case 0:
            printf("%s: postfix: %s; Postfix is not running: the change "
                   "applies when it starts\n", msg_progname(),
                   detach ? "detached" : "attached");
            break;
        }
    } else if (!pc->dry_run) {
        printf("%s: postfix: %s; \"postfix reload\" applies it\n",
               msg_progname(), detach ? "detached" : "attached");
    }
    if (pc->dry_run)
        printf("%s: postfix: dry run (-n): nothing changed\n", msg_progname());
out:
    buf_free(why);
    return status;
}

static int postfix_attach(const struct postfix_cmd *pc,
                          struct postfix_state *st)
{
    struct postfix_plan plan;
    struct buf *why = buf_create(128);
    int status;

    postfix_plan_init(&plan);
    if (postfix_plan_attach(pc->snap, &pc->target, st, &plan, why) < 0) {
        print_notes(plan.notes);
        status = ctl_failed("postfix", NULL, why->data);
    } else {
        print_notes(plan.notes);
        if (plan.count == 0) {
            printf("%s: postfix: already attached; nothing to change\n",
                   msg_progname());
            status = CTL_OK;
        } else {
            status = run_plan(pc, &plan, st, 0);
        }
    }
    postfix_plan_free(&plan);
    buf_free(why);
    return status;
}

static int postfix_detach(const struct postfix_cmd *pc,
                          const struct postfix_state *st, int exists)
{
    struct postfix_list milters = {0, NULL};
    struct postfix_plan plan;
    struct buf *why;
    int status, listed;

    if (!exists) {
        postfix_list_split(&milters, effective(pc, "smtpd_milters"));
        listed = postfix_list_find(&milters, pc->milter) >= 0;
        postfix_list_free(&milters);
        if (listed) {
            why = buf_create(128);
            buf_printf(why, "smtpd_milters lists %s, but postmaskctl did not "
                       "attach it (no %s): remove it with postconf by hand",
                       pc->milter, pc->state_path);
            status = ctl_failed("postfix", NULL, why->data);
            buf_free(why);
            return status;
        }
        printf("%s: postfix: not attached; nothing to undo\n", msg_progname());
        return CTL_OK;
    }
    postfix_plan_init(&plan);
    postfix_plan_detach(pc->snap, st, &plan);
    print_notes(plan.notes);
    status = run_plan(pc, &plan, st, 1);
    postfix_plan_free(&plan);
    return status;
}

static int in_config_list(const struct config_list *l, const char *s)
{
    size_t i;

    for (i = 0; s != NULL && i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}

/* One status line; counts a problem. */
static void status_line(int *problems, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void status_line(int *problems, int ok, const char *fmt, ...)
{
    va_list ap;

    if (!ok)
        (*problems)++;
    printf("%s: ", ok ? "ok" : "missing");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void status_listener(const struct postfix_cmd *pc, int *problems)
{
    const struct postfix_service *svc;
    struct postfix_list milters = {0, NULL};
    struct buf *place = buf_create(64), *key = buf_create(64);
    const char *name, *action, *list;

    buf_printf(key, "%s/inet", pc->listener);
    if ((svc = postfix_snapshot_service(pc->snap, key->data)) == NULL) {
        status_line(problems, 0, "masking listener %s: no such service",
                    key->data);
        goto out;
    }
    buf_printf(place, "%s/milter_macro_daemon_name", key->data);
    name = effective(pc, place->data);
    buf_reset(place);
    buf_printf(place, "%s/smtpd_milters", key->data);
    list = effective(pc, place->data);
    postfix_list_split(&milters, list);
    buf_reset(place);
    buf_printf(place, "%s/milter_default_action", key->data);
    action = effective(pc, place->data);
    status_line(problems, strcmp(svc->command, "smtpd") == 0,
                "masking listener %s: command %s", key->data, svc->command);
    status_line(problems, in_config_list(pc->target.masking_daemon_names, name),
                "masking listener %s: milter_macro_daemon_name = %s",
                key->data, name);
    status_line(problems, postfix_list_find(&milters, pc->milter) == 0,
                "masking listener %s: smtpd_milters = %s (%s first)",
                key->data, list, pc->milter);
    status_line(problems, strcmp(action, "tempfail") == 0,
                "masking listener %s: milter_default_action = %s", key->data,
                action);
out:
    postfix_list_free(&milters);
    buf_free(place);
    buf_free(key);
}

/* Every smtpd but the masking listener: its milters and its daemon name. */
static void status_services(const struct postfix_cmd *pc, int *problems)
{
    const struct postfix_service *svc;
    struct postfix_list milters = {0, NULL};
    struct buf *place = buf_create(64), *key = buf_create(64);
    const char *raw;
    size_t i;

    if (pc->listener)
        buf_printf(key, "%s/inet", pc->listener);
    for (i = 0; i < pc->snap->service_count; i++) {
        svc = &pc->snap->services[i];
        if (strcmp(svc->command, "smtpd") != 0
            || strcmp(svc->key, key->data) == 0)
            continue;
        buf_reset(place);
        buf_printf(place, "%s/smtpd_milters", svc->key);
        if ((raw = postfix_snapshot_raw(pc->snap, place->data)) != NULL) {
            postfix_list_free(&milters);
            postfix_list_split(&milters, effective(pc, place->data));
            if (milters.count == 0)
                printf("note: %s: -o smtpd_milters is empty: no milter "
                       "there\n", svc->key);
            else
                status_line(problems, postfix_list_find(&milters,
                                                        pc->milter) >= 0,
                            "%s: -o smtpd_milters = %s lists %s", svc->key,
                            effective(pc, place->data), pc->milter);
        }
        buf_reset(place);
        buf_printf(place, "%s/milter_macro_daemon_name", svc->key);
        if (in_config_list(pc->target.masking_daemon_names,
                           effective(pc, place->data)))
            status_line(problems, 0, "%s: milter_macro_daemon_name = %s makes "
                        "it a masking listener: postmask refuses its mail "
                        "without X-Postmask-Conversation", svc->key,
                        effective(pc, place->data));
    }
    postfix_list_free(&milters);
    buf_free(place);
    buf_free(key);
}

/* The MX fallback: the pipe service, transport_maps, the recipient limit. */
static void status_fallback(const struct postfix_cmd *pc, int *problems)
{
    const struct postfix_service *svc =
        postfix_snapshot_service(pc->snap, POSTFIX_FALLBACK_SERVICE);
    struct postfix_list maps = {0, NULL};
    struct buf *item = buf_create(64);
    size_t i;

    status_line(problems, svc != NULL && strcmp(svc->command, "pipe") == 0,
                "mx fallback: service " POSTFIX_FALLBACK_SERVICE " runs %s",
                svc ? svc->command : "nothing (no such service)");
    postfix_list_split(&maps, effective(pc, "transport_maps"));
    for (i = 0; i < pc->target.proxy_domains->count; i++) {
        buf_reset(item);
        buf_printf(item, "inline:{%s=" POSTFIX_FALLBACK_TRANSPORT ":}",
                   pc->target.proxy_domains->items[i]);
        status_line(problems, postfix_list_find(&maps, item->data) >= 0,
                    "mx fallback: transport_maps lists %s", item->data);
    }
    status_line(problems, strcmp(effective(pc, POSTFIX_FALLBACK_LIMIT),
                                 "1") == 0,
                "mx fallback: " POSTFIX_FALLBACK_LIMIT " = %s",
                effective(pc, POSTFIX_FALLBACK_LIMIT));
    postfix_list_free(&maps);
    buf_free(item);
}

/*
 * The running system: the milter answers a negotiation, the bridge its
 * /healthz, the spool can be written.  "ok: ..." or "failed: ..." each.
 */
static void status_running(const struct postfix_cmd *pc, int *problems)
{
    const struct config *cfg = pc->cfg;
    struct buf *why = buf_create(128);
    int ok;

    ok = milter_probe(cfg->milter_listen, why) == 0;
    if (!ok)
        (*problems)++;
    printf("%s: postmask-milter answers a milter negotiation at %s%s%s\n",
           ok ? "ok" : "failed", cfg->milter_listen, ok ? "" : ": ",
           why->data);
    buf_reset(why);
    ok = health_bridge(cfg->bridge_listen, why) == 0;
    if (!ok)
        (*problems)++;
    printf("%s: postmask-bridge answers /healthz at %s%s%s\n",
           ok ? "ok" : "failed", cfg->bridge_listen, ok ? "" : ": ",
           why->data);
    buf_reset(why);
    ok = health_spool(cfg->spool_directory, why) == 0;
    if (!ok)
        (*problems)++;
    printf("%s: spool %s is writable%s%s\n", ok ? "ok" : "failed",
           cfg->spool_directory, ok ? "" : ": ", why->data);
    buf_free(why);
}

static int postfix_status(const struct postfix_cmd *pc, int exists)
{
    struct postfix_list list = {0, NULL};
    int problems = 0, at;
    size_t i;

    printf("postfix: %s\n", pc->dir);
    printf("milter: %s\n", pc->milter);
    postfix_list_split(&list, effective(pc, "smtpd_milters"));
    at = postfix_list_find(&list, pc->milter);
    status_line(&problems, at >= 0, "smtpd_milters = %s (%s)",
                effective(pc, "smtpd_milters"),
                at < 0 ? "the milter is not listed"
                : at == 0 ? "the milter first" : "the milter listed");
    postfix_list_free(&list);
    postfix_list_split(&list, effective(pc, "relay_domains"));
    for (i = 0; i < pc->target.proxy_domains->count; i++)
        status_line(&problems, postfix_list_find(&list,
                        pc->target.proxy_domains->items[i]) >= 0,
                    "relay_domains lists %s",
                    pc->target.proxy_domains->items[i]);
    postfix_list_free(&list);
    status_line(&problems, strcmp(effective(pc, "milter_default_action"),
                                  pc->fallback ? "accept" : "tempfail") == 0,
                "milter_default_action = %s",
                effective(pc, "milter_default_action"));
    if (pc->fallback)
        status_fallback(pc, &problems);
    status_line(&problems, atoi(effective(pc, "milter_protocol")) >= 6,
                "milter_protocol = %s", effective(pc, "milter_protocol"));
    status_services(pc, &problems);
    if (pc->listener)
        status_listener(pc, &problems);
    status_running(pc, &problems);
    printf("state: %s\n", exists ? pc->state_path
           : "none (not attached by postmaskctl)");
    if (problems == 0)
        printf("status: attached\n");
    else
        printf("status: not attached, %d problem(s)\n", problems);
    return problems == 0 ? CTL_OK : CTL_FAILED;
}

int ctl_postfix(const struct config *cfg, int argc, char **argv)
{
    struct postfix_cmd pc;
    struct postfix_state st = {NULL, 0};
    struct buf *why = buf_create(128), *notes = buf_create(128);
    const char *action;
    static const struct option long_opts[] = {
        {"mx-fallback", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    int ch, exists = 0, status, fallback = 0;

    memset(&pc, 0, sizeof(pc));
    pc.dir = POSTFIX_DIR_DEFAULT;
    pc.cfg = cfg;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+c:nr", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'F':
            fallback = 1;
            break;
        case 'c':
            pc.dir = optarg;
            break;
        case 'n':
            pc.dry_run = 1;
            break;
        case 'r':
            pc.reload = 1;
            break;
        default:
            fputs(POSTFIX_USAGE, stderr);
            status = CTL_USAGE;
            goto out;
        }
    }
    if (optind != argc - 1
        || (strcmp(argv[optind], "attach") != 0
            && strcmp(argv[optind], "detach") != 0
            && strcmp(argv[optind], "status") != 0)) {
        fputs(POSTFIX_USAGE, stderr);
        status = CTL_USAGE;
        goto out;
    }
    action = argv[optind];
    if (cfg->proxy_domains.count == 0 || cfg->masking_daemon_names.count == 0) {
        status = ctl_failed("postfix", NULL,
                            "proxy_domains and masking_daemon_names must "
                                "not be empty");
        goto out;
    }
    if ((pc.snap = postfix_snapshot_read(POSTCONF_PATH, pc.dir, why)) == NULL) {
        status = ctl_failed("postfix", NULL, why->data);
        goto out;
    }
    pc.milter = milter_name(cfg->milter_listen,
                            effective(&pc, "queue_directory"), notes);
    pc.listener = listener_name(cfg->smtp_submit_url, notes);
    pc.target.milter = pc.milter;
    pc.target.proxy_domains = &cfg->proxy_domains;
    pc.target.masking_daemon_names = &cfg->masking_daemon_names;
    pc.target.listener = pc.listener;
    if (fallback || (strcmp(action, "status") == 0
                     && postfix_snapshot_service(pc.snap,
                                                 POSTFIX_FALLBACK_SERVICE))) {
        pc.fallback = fallback_entry(cfg);
        pc.target.fallback = pc.fallback;
    }
    buf_printf(why, "%s/%s", pc.dir, POSTFIX_STATE_FILE);
    pc.state_path = xstrdup(why->data);
    buf_reset(why);
    if (postfix_state_read(pc.state_path, &st, &exists, why) < 0) {
        status = ctl_failed("postfix", NULL, why->data);
        goto out;
    }
    print_notes(notes);
    if (strcmp(action, "status") == 0)
        status = postfix_status(&pc, exists);
    else if (strcmp(action, "attach") == 0)
        status = postfix_attach(&pc, &st);
    else
        status = postfix_detach(&pc, &st, exists);
out:
    postfix_state_free(&st);
    postfix_snapshot_free(pc.snap);
    free(pc.milter);
    free(pc.listener);
    free(pc.state_path);
    free(pc.fallback);
    buf_free(why);
    buf_free(notes);
    return status;
}
