/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smtp_submit_driver - submits a message with smtp_submit on an event
 * loop, for tests/smtp_submit.sh.
 *
 * usage: smtp_submit_driver [-n COUNT] [-t SECONDS] [-F | -Q]
 *                           URL FROM RCPT FILE
 *
 * Submits the bytes of FILE COUNT times at once (default 1), from FROM to
 * RCPT ("%N" in RCPT becomes the submission's number, 0 to COUNT-1), with
 * a timeout of SECONDS (default 5), and prints one line per result:
 * "N SENT|TEMPFAIL|REFUSED detail".  URL "refused" is a loopback port
 * nothing listens on; URL "silent" is a loopback port that accepts
 * connections (the kernel does) but never answers.  Two URLs are a
 * scripted SMTP server on a thread of this program (below).
 *
 * -F  frees the submitter with the submissions in flight, after the loop
 *     has run for a moment; prints "freed".
 * -Q  the first result frees the submitter from inside its done callback;
 *     no other result may follow.
 *
 * URL "gate" (COUNT 1): the server holds its answer to the end of data of
 * submission 0 and tells the event loop, which prints "server: holds the
 * answer to 0's end of data" and submits 1 (RCPT with %N = 1); the server
 * answers 1 at once ("250 2.0.0 Ok: queued as FAST"), and 0 ("250 2.0.0
 * Ok: queued as SLOW") only when the loop, on 1's result, tells it to.
 * The loop can do all that only if it is not stuck in 0's transfer.
 *
 * URL "stall" (with -F): the server answers up to DATA, reads a little of
 * the data and stops reading; the loop frees the submitter when the
 * server says so (not after a moment), then the server reads what comes
 * until the connection ends, and the driver prints "server: end of data"
 * or "server: no end of data".  Use a message larger than the sockets'
 * buffers (8 MB), so that it is cut short mid-data.
 *
 * Exit: 0 when every submission was reported exactly once (-F, -Q: when
 * the frees went through) and no file descriptor was left open, 1
 * otherwise, 2 on a usage or submit error.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "msg.h"
#include "smtp_submit.h"
#include "test_twilio_client_srv.h"
#include "xalloc.h"

#define SCRIPT_WAIT_MS  30000   /* the server waits at most this for a step */
#define STALL_AFTER     1000    /* data bytes the stalling server reads */

enum script_kind { SCRIPT_NONE, SCRIPT_GATE, SCRIPT_STALL };

/* A scripted SMTP server on a thread: one event byte a step to the loop
 * ('e' end of data held, 's' stalled, 'x' failed), one byte back to go on. */
struct script {
    enum script_kind kind;
    int listen_fd;
    int to_loop[2];
    int to_srv[2];
    pthread_t thread;
    struct event *ev;
    char window[5];             /* the last data bytes, for the end of data */
    int eod;                    /* the end of data came */
    const char *failed;         /* the step that went wrong, or NULL */
};

struct driver {
    struct event_base *base;
    struct smtp_submitter *ss;
    struct script *script;
    const char *from, *rcpt;
    const char *message;
    size_t len;
    int count;
    int reported;
    int free_in_done;
    int status;
    int *seen;
    struct one *ones;
};

struct one {
    struct driver *d;
    int n;
};

static const char *result_name(enum smtp_result r)
{
    switch (r) {
    case SMTP_SENT:
        return "SENT";
    case SMTP_TEMPFAIL:
        return "TEMPFAIL";
    case SMTP_REFUSED:
        return "REFUSED";
    }
    return "?";
}

/* The open file descriptors of this process. */
static int count_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (dir == NULL)
        msg_fatal("/proc/self/fd: %m");
    while ((e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return n - 1;               /* dir's own */
}

/* ---- the scripted server (its thread) ---- */

/* Waits for fd to be ready for events; 0 on a timeout or error. */
static int srv_ready(int fd, short events)
{
    struct pollfd p;

    p.fd = fd;
    p.events = events;
    p.revents = 0;
    return poll(&p, 1, SCRIPT_WAIT_MS) == 1;
}

static int srv_getc(int fd)
{
    unsigned char c;

    if (!srv_ready(fd, POLLIN) || read(fd, &c, 1) != 1)
        return -1;
    return c;
}

/* One command line, without its line end; -1 at the end or a timeout. */
static int srv_line(int fd, char *line, size_t size)
{
    size_t n = 0;
    int c;

    while ((c = srv_getc(fd)) >= 0 && c != '\n')
        if (c != '\r' && n + 1 < size)
            line[n++] = (char) c;
    line[n] = '\0';
    return c < 0 ? -1 : 0;
}

static int srv_say(int fd, const char *reply)
{
    size_t len = strlen(reply);

    return write(fd, reply, len) == (ssize_t) len
        && write(fd, "\r\n", 2) == 2 ? 0 : -1;
}

/* Feeds one data byte; 1 when it ends "\r\n.\r\n". */
static int srv_data_byte(struct script *s, char c)
{
    memmove(s->window, s->window + 1, sizeof(s->window) - 1);
    s->window[sizeof(s->window) - 1] = c;
    if (memcmp(s->window, "\r\n.\r\n", sizeof(s->window)) == 0)
        s->eod = 1;
    return s->eod;
}

/* A session up to its data: to the end of data (stall 0) or stall bytes
 * of it.  Returns 0, or -1 when the client went away or took too long. */
static int srv_session(struct script *s, int fd, size_t stall)
{
    char line[1024];
    size_t n = 0;
    int c;

    if (srv_say(fd, "220 script ESMTP") < 0)
        return -1;
    for (;;) {
        if (srv_line(fd, line, sizeof(line)) < 0)
            return -1;
        if (strncasecmp(line, "EHLO", 4) == 0
            || strncasecmp(line, "HELO", 4) == 0) {
            srv_say(fd, "250 script");
        } else if (strncasecmp(line, "MAIL", 4) == 0) {
            srv_say(fd, "250 2.1.0 Ok");
        } else if (strncasecmp(line, "RCPT", 4) == 0) {
            srv_say(fd, "250 2.1.5 Ok");
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            srv_say(fd, "354 End data with <CR><LF>.<CR><LF>");
            break;
        } else {
            srv_say(fd, "502 5.5.2 Error: command not recognized");
        }
    }
    memcpy(s->window, "...\r\n", sizeof(s->window));
    s->eod = 0;
    while (stall == 0 ? !s->eod : n < stall) {
        if ((c = srv_getc(fd)) < 0)
            return -1;
        srv_data_byte(s, (char) c);
        n++;
    }
    return 0;
}

/* Answers the end of data, then QUIT. */
static int srv_finish(int fd, const char *answer)
{
    char line[1024];

    if (srv_say(fd, answer) < 0 || srv_line(fd, line, sizeof(line)) < 0
        || strncasecmp(line, "QUIT", 4) != 0)
        return -1;
    return srv_say(fd, "221 2.0.0 Bye");
}

static int srv_accept(struct script *s)
{
    if (!srv_ready(s->listen_fd, POLLIN))
        return -1;
    return accept(s->listen_fd, NULL, NULL);
}

static void srv_tell(struct script *s, char event)
{
    if (write(s->to_loop[1], &event, 1) != 1)
        msg_fatal("script: write: %m");
}

static int srv_wait_go(struct script *s)
{
    char c;

    return srv_ready(s->to_srv[0], POLLIN) && read(s->to_srv[0], &c, 1) == 1
        ? 0 : -1;
}

static void srv_gate(struct script *s)
{
    int slow, fast;

    if ((slow = srv_accept(s)) < 0) {
        s->failed = "no connection for 0";
        return;
    }
    if (srv_session(s, slow, 0) < 0) {
        s->failed = "no end of data from 0";
    } else {
        srv_tell(s, 'e');
        if ((fast = srv_accept(s)) < 0) {
            s->failed = "no connection for 1";
        } else {
            if (srv_session(s, fast, 0) < 0
                || srv_finish(fast, "250 2.0.0 Ok: queued as FAST") < 0)
                s->failed = "session 1 broke off";
            close(fast);
        }
        if (s->failed == NULL && (srv_wait_go(s) < 0
                                  || srv_finish(slow, "250 2.0.0 Ok: queued "
                                                "as SLOW") < 0))
            s->failed = "session 0 broke off after the end of data";
    }
    close(slow);
}

static void srv_stall(struct script *s)
{
    char chunk[65536];
    ssize_t n, i;
    int fd;

    if ((fd = srv_accept(s)) < 0) {
        s->failed = "no connection";
        return;
    }
    if (srv_session(s, fd, STALL_AFTER) < 0) {
        s->failed = "the session broke off before the data";
    } else {
        srv_tell(s, 's');
        if (srv_wait_go(s) < 0) {
            s->failed = "never told to go on";
        } else {
            /* Everything the client sent before its connection ended. */
            while (srv_ready(fd, POLLIN)
                   && (n = read(fd, chunk, sizeof(chunk))) > 0)
                for (i = 0; i < n; i++)
                    srv_data_byte(s, chunk[i]);
        }
    }
    close(fd);
}

static void *srv_main(void *arg)
{
    struct script *s = arg;

    if (s->kind == SCRIPT_GATE)
        srv_gate(s);
    else
        srv_stall(s);
    if (s->failed != NULL)
        srv_tell(s, 'x');
    return NULL;
}

/* ---- the event loop's side ---- */

static void script_go(struct script *s)
{
    if (write(s->to_srv[1], "g", 1) != 1)
        msg_fatal("script: write: %m");
}

/* RCPT with "%N" replaced by n. */
static char *rcpt_for(const char *pattern, int n)
{
    struct buf *b = buf_create(64);
    const char *p;

    for (p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'N') {
            buf_printf(b, "%d", n);
            p++;
        } else {
            buf_append_char(b, *p);
        }
    }
    return buf_detach(b, NULL);
}

static void on_done(enum smtp_result result, const char *detail, void *arg);

static int submit(struct driver *d, int n)
{
    struct buf *why = buf_create(128);
    char *rcpt = rcpt_for(d->rcpt, n);
    int ret;

    d->ones[n].d = d;
    d->ones[n].n = n;
    ret = smtp_submit(d->ss, d->from, rcpt, d->message, d->len, on_done,
                      &d->ones[n], why);
    if (ret < 0)
        fprintf(stderr, "error: %s\n", why->data);
    free(rcpt);
    buf_free(why);
    return ret;
}

static void on_done(enum smtp_result result, const char *detail, void *arg)
{
    struct one *o = arg;
    struct driver *d = o->d;

    printf("%d %s %s\n", o->n, result_name(result), detail);
    fflush(stdout);
    d->seen[o->n]++;
    d->reported++;
    if (d->free_in_done) {
        /* From inside the submitter's report: the others are dropped. */
        smtp_submitter_free(d->ss);
        d->ss = NULL;
        d->free_in_done = 0;
        event_base_loopbreak(d->base);
        return;
    }
    if (d->script != NULL && d->script->kind == SCRIPT_GATE && o->n == 1)
        script_go(d->script);
    if (d->reported == d->count)
        event_base_loopbreak(d->base);
}

static void on_script(evutil_socket_t fd, short what, void *arg)
{
    struct driver *d = arg;
    char c;

    if (read(fd, &c, 1) != 1)
        return;
    switch (c) {
    case 'e':
        printf("server: holds the answer to 0's end of data\n");
        fflush(stdout);
        if (submit(d, 1) < 0) {
            d->status = 2;
            event_base_loopbreak(d->base);
        }
        break;
    case 's':
        event_base_loopbreak(d->base);
        break;
    default:
        event_base_loopbreak(d->base);
        break;
    }
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    event_base_loopbreak(arg);
}

/* A loopback listener on a port the kernel picks; small receive buffers
 * (set before listen(), so that accepted sockets keep them) for "stall". */
static int listener(int *port, int small)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), size = 4096;

    if (fd < 0)
        msg_fatal("socket: %m");
    if (small
        && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
        msg_fatal("SO_RCVBUF: %m");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0
        || getsockname(fd, (struct sockaddr *) &sin, &len) < 0
        || listen(fd, 256) < 0)
        msg_fatal("listener: %m");
    *port = ntohs(sin.sin_port);
    return fd;
}

static struct script *script_start(struct event_base *base,
                                   enum script_kind kind, int *port,
                                   struct driver *d)
{
    struct script *s = xcalloc(1, sizeof(*s));
    int err;

    s->kind = kind;
    s->listen_fd = listener(port, kind == SCRIPT_STALL);
    if (pipe2(s->to_loop, O_CLOEXEC) < 0 || pipe2(s->to_srv, O_CLOEXEC) < 0)
        msg_fatal("pipe: %m");
    s->ev = event_new(base, s->to_loop[0], EV_READ | EV_PERSIST, on_script,
                      d);
    if (s->ev == NULL || event_add(s->ev, NULL) < 0)
        msg_fatal("script: cannot watch its pipe");
    if ((err = pthread_create(&s->thread, NULL, srv_main, s)) != 0)
        msg_fatal("script: pthread_create: %s", strerror(err));
    return s;
}

/* Lets the server go on to its end, waits for it; 0 when it went well. */
static int script_stop(struct script *s)
{
    int ret;

    script_go(s);
    pthread_join(s->thread, NULL);
    if (s->kind == SCRIPT_STALL && s->failed == NULL)
        printf("server: %s\n", s->eod ? "end of data" : "no end of data");
    if (s->failed != NULL)
        fprintf(stderr, "error: server: %s\n", s->failed);
    ret = s->failed == NULL ? 0 : -1;
    event_free(s->ev);
    close(s->listen_fd);
    close(s->to_loop[0]);
    close(s->to_loop[1]);
    close(s->to_srv[0]);
    close(s->to_srv[1]);
    free(s);
    return ret;
}

static char *read_file(const char *path, size_t *len)
{
    struct buf *b = buf_create(4096);
    char chunk[4096];
    size_t n;
    FILE *fp = fopen(path, "rb");

    if (fp == NULL)
        msg_fatal("%s: %m", path);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        buf_append(b, chunk, n);
    if (ferror(fp))
        msg_fatal("%s: read error", path);
    fclose(fp);
    return buf_detach(b, len);
}

static void usage(void)
{
    fprintf(stderr, "usage: smtp_submit_driver [-n COUNT] [-t SECONDS] "
            "[-F | -Q] URL FROM RCPT FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct driver d;
    struct event *guard;
    struct timeval tv;
    enum script_kind kind = SCRIPT_NONE;
    char url[64], *message;
    const char *target;
    long timeout_s = 5;
    int c, i, free_in_flight = 0, silent_fd = -1, port, fds, started;

    msg_init("smtp_submit_driver", MSG_STDERR);
    signal(SIGPIPE, SIG_IGN);
    fds = count_fds();
    memset(&d, 0, sizeof(d));
    d.count = 1;
    while ((c = getopt(argc, argv, "n:t:FQ")) != -1) {
        switch (c) {
        case 'n':
            d.count = atoi(optarg);
            break;
        case 't':
            timeout_s = atol(optarg);
            break;
        case 'F':
            free_in_flight = 1;
            break;
        case 'Q':
            d.free_in_done = 1;
            break;
        default:
            usage();
        }
    }
    if (argc - optind != 4 || d.count < 1 || timeout_s < 1
        || (free_in_flight && d.free_in_done))
        usage();
    target = argv[optind];
    if (strcmp(target, "gate") == 0) {
        kind = SCRIPT_GATE;
        if (d.count != 1 || free_in_flight || d.free_in_done)
            usage();
        d.count = 2;            /* the second comes when 0 is held */
    } else if (strcmp(target, "stall") == 0) {
        kind = SCRIPT_STALL;
        if (d.count != 1 || !free_in_flight)
            usage();
    }
    message = read_file(argv[optind + 3], &d.len);
    d.message = message;
    d.from = argv[optind + 1];
    d.rcpt = argv[optind + 2];

    d.base = event_base_new();
    if (d.base == NULL)
        msg_fatal("event_base_new failed");
    if (strcmp(target, "refused") == 0) {
        snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", srv_closed_port());
        target = url;
    } else if (strcmp(target, "silent") == 0) {
        silent_fd = listener(&port, 0);
        snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
        target = url;
    } else if (kind != SCRIPT_NONE) {
        d.script = script_start(d.base, kind, &port, &d);
        snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
        target = url;
    }
    d.ss = smtp_submitter_create(d.base, target, timeout_s);
    d.seen = xcalloc((size_t) d.count, sizeof(*d.seen));
    d.ones = xcalloc((size_t) d.count, sizeof(*d.ones));
    started = kind == SCRIPT_GATE ? 1 : d.count;
    for (i = 0; i < started; i++) {
        if (submit(&d, i) < 0) {
            d.status = 2;
            break;
        }
    }
    /* Never from inside smtp_submit(). */
    if (d.reported != 0) {
        fprintf(stderr, "error: done called from inside smtp_submit\n");
        d.status = 1;
    }

    guard = evtimer_new(d.base, on_guard, d.base);
    tv.tv_sec = free_in_flight && kind == SCRIPT_NONE ? 0
        : 3 * timeout_s + 30;
    tv.tv_usec = free_in_flight && kind == SCRIPT_NONE ? 500000 : 0;
    evtimer_add(guard, &tv);
    if (d.status != 2)
        event_base_dispatch(d.base);
    event_free(guard);

    if (free_in_flight) {
        smtp_submitter_free(d.ss);
        d.ss = NULL;
        printf("freed\n");
        fflush(stdout);
    } else if (d.ss == NULL) {
        /* -Q: give anything left a chance to (wrongly) report. */
        event_base_loop(d.base, EVLOOP_NONBLOCK);
    } else if (d.status == 0 && d.reported != d.count) {
        fprintf(stderr, "error: %d of %d submissions reported\n",
                d.reported, d.count);
        d.status = 1;
    }
    for (i = 0; i < d.count; i++) {
        if (d.seen[i] > 1) {
            fprintf(stderr, "error: submission %d reported %d times\n", i,
                    d.seen[i]);
            d.status = 1;
        }
    }
    smtp_submitter_free(d.ss);
    if (d.script != NULL && script_stop(d.script) < 0 && d.status == 0)
        d.status = 1;
    event_base_free(d.base);
    if (silent_fd >= 0)
        close(silent_fd);
    free(d.ones);
    free(d.seen);
    free(message);
    if (count_fds() != fds) {
        fprintf(stderr, "error: %d file descriptors open at the end, %d at "
                "the start\n", count_fds(), fds);
        if (d.status == 0)
            d.status = 1;
    }
    return d.status;
}
