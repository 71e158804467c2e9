/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_rate - emails per conversation and hour; see email_rate.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "email_rate.h"
#include "fsutil.h"
#include "msg.h"
#include "twilio_sid.h"
#include "xalloc.h"

#define FILE_MAX    (EMAIL_RATE_KEEP * 24)

struct conv_rate {
    struct conv_rate *next;
    char sid[TWILIO_SID_LEN + 1];
    time_t *times;              /* oldest first */
    size_t count;
};

struct email_rate {
    char *dir;
    struct conv_rate *convs;
};

static void unlink_record(const struct email_rate *er, const char *sid)
{
    struct buf *path = buf_create(256);

    buf_printf(path, "%s/%s", er->dir, sid);
    if (unlink(path->data) < 0 && errno != ENOENT)
        msg_warn("%s: cannot remove: %s", path->data, strerror(errno));
    buf_free(path);
}

/* Removes the files not written in the last window: all aged out. */
static void sweep(const struct email_rate *er, time_t now)
{
    struct dirent *de;
    struct stat st;
    struct buf *path = buf_create(256);
    DIR *d = opendir(er->dir);

    if (d == NULL) {
        buf_free(path);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (!twilio_sid_valid(de->d_name, "CH"))
            continue;
        buf_reset(path);
        buf_printf(path, "%s/%s", er->dir, de->d_name);
        if (lstat(path->data, &st) == 0 && S_ISREG(st.st_mode)
            && st.st_mtime <= now - EMAIL_RATE_WINDOW)
            unlink_record(er, de->d_name);
    }
    closedir(d);
    buf_free(path);
}

struct email_rate *email_rate_open(const char *spool_directory,
                                   struct buf *why)
{
    struct email_rate *er = xcalloc(1, sizeof(*er));

    er->dir = xmalloc(strlen(spool_directory) + sizeof("/email_rate"));
    strcpy(er->dir, spool_directory);
    strcat(er->dir, "/email_rate");
    if (mkdir(er->dir, 0700) < 0 && errno != EEXIST) {
        buf_printf(why, "%s: %s", er->dir, strerror(errno));
        email_rate_free(er);
        return NULL;
    }
    sweep(er, time(NULL));
    return er;
}

void email_rate_free(struct email_rate *er)
{
    struct conv_rate *c;

    if (er == NULL)
        return;
    while ((c = er->convs) != NULL) {
        er->convs = c->next;
        free(c->times);
        free(c);
    }
    free(er->dir);
    free(er);
}

/* Drops the times before now - window. */
static void prune(struct conv_rate *c, time_t now)
{
    size_t i = 0;

    while (i < c->count && c->times[i] <= now - EMAIL_RATE_WINDOW)
        i++;
    if (i > 0) {
        memmove(c->times, c->times + i, (c->count - i) * sizeof(time_t));
        c->count -= i;
    }
}

static void add_time(struct conv_rate *c, time_t t)
{
    if (c->count == EMAIL_RATE_KEEP) {
        memmove(c->times, c->times + 1, (c->count - 1) * sizeof(time_t));
        c->count--;
    }
    c->times = xrealloc(c->times, (c->count + 1) * sizeof(time_t));
    c->times[c->count++] = t;
}

static void load(struct email_rate *er, struct conv_rate *c)
{
    struct buf *path = buf_create(256);
    char *data, *line, *end, *save = NULL;
    size_t len;
    long long t;

    buf_printf(path, "%s/%s", er->dir, c->sid);
    if (read_file(path->data, FILE_MAX, &data, &len) < 0) {
        if (errno != ENOENT)
            msg_warn("%s: cannot read: %s; counted from now on", path->data,
                     strerror(errno));
        buf_free(path);
        return;
    }
    for (line = strtok_r(data, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        errno = 0;
        t = strtoll(line, &end, 10);
        if (errno == 0 && end != line && *end == '\0' && t > 0
            && (c->count == 0 || (time_t) t >= c->times[c->count - 1]))
            add_time(c, (time_t) t);
    }
    free(data);
    buf_free(path);
}

static struct conv_rate *find(struct email_rate *er, const char *sid)
{
    struct conv_rate *c;

    for (c = er->convs; c != NULL; c = c->next)
        if (strcmp(c->sid, sid) == 0)
            return c;
    if (!twilio_sid_valid(sid, "CH"))
        return NULL;
    c = xcalloc(1, sizeof(*c));
    memcpy(c->sid, sid, TWILIO_SID_LEN);
    c->next = er->convs;
    er->convs = c;
    load(er, c);
    return c;
}

/* Forgets conversations without an email in the window, and their files. */
static void forget_idle(struct email_rate *er, time_t now)
{
    struct conv_rate **pp, *c;

    for (pp = &er->convs; (c = *pp) != NULL;) {
        prune(c, now);
        if (c->count == 0) {
            unlink_record(er, c->sid);
            *pp = c->next;
            free(c->times);
            free(c);
        } else
            pp = &c->next;
    }
}

size_t email_rate_times(struct email_rate *er, const char *conversation_sid,
                        time_t now, const time_t **times)
{
    struct conv_rate *c = find(er, conversation_sid);

    *times = NULL;
    if (c == NULL)
        return 0;
    prune(c, now);
    *times = c->times;
    return c->count;
}

int email_rate_sent(struct email_rate *er, const char *conversation_sid,
                    time_t when, struct buf *why)
{
    struct conv_rate *c;
    struct buf *text, *path, *tmp;
    size_t i;
    int ret = 0;

    forget_idle(er, when);
    if ((c = find(er, conversation_sid)) == NULL) {
        buf_printf(why, "not a conversation SID");
        return -1;
    }
    if (c->count > 0 && when < c->times[c->count - 1])
        when = c->times[c->count - 1];      /* the clock went back */
    add_time(c, when);
    text = buf_create(c->count * 12);
    for (i = 0; i < c->count; i++)
        buf_printf(text, "%lld\n", (long long) c->times[i]);
    path = buf_create(256);
    tmp = buf_create(256);
    buf_printf(path, "%s/%s", er->dir, c->sid);
    buf_printf(tmp, "%s/.%s.tmp", er->dir, c->sid);
    if (replace_file(path->data, tmp->data, text->data, text->len, 0600,
                     why) < 0)
        ret = -1;
    buf_free(text);
    buf_free(path);
    buf_free(tmp);
    return ret;
}
