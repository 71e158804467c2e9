/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_records - durable per-conversation records for catch-up; see
 * conv_records.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "conv_records.h"
#include "fsutil.h"
#include "msg.h"
#include "twilio_sid.h"
#include "xalloc.h"

#define RECORD_MAX  4096

struct conv_records {
    char *dir;
    struct conv_record *items;
    size_t count;
};

static struct conv_record *find(const struct conv_records *cr,
                                const char *sid)
{
    size_t i;

    for (i = 0; i < cr->count; i++)
        if (strcmp(cr->items[i].sid, sid) == 0)
            return &cr->items[i];
    return NULL;
}

static void load_one(struct conv_records *cr, const char *name)
{
    struct buf *path = buf_create(256);
    struct conv_record *r;
    json_t *j, *index, *updated;
    char *data;
    size_t len;

    buf_printf(path, "%s/%s", cr->dir, name);
    if (read_file(path->data, RECORD_MAX, &data, &len) < 0) {
        msg_warn("%s: cannot read: %s", path->data, strerror(errno));
        buf_free(path);
        return;
    }
    j = json_loadb(data, len, 0, NULL);
    free(data);
    index = json_object_get(j, "index");
    updated = json_object_get(j, "updated");
    if (!json_is_integer(index) || !json_is_integer(updated)) {
        msg_warn("%s: not a conversation record; ignored", path->data);
    } else {
        cr->items = xrealloc(cr->items, (cr->count + 1) * sizeof(*r));
        r = &cr->items[cr->count++];
        memset(r, 0, sizeof(*r));
        memcpy(r->sid, name, TWILIO_SID_LEN);      /* a valid SID */
        r->index = json_integer_value(index);
        r->updated = (time_t) json_integer_value(updated);
    }
    json_decref(j);
    buf_free(path);
}

struct conv_records *conv_records_open(const char *spool_directory,
                                       int *created, struct buf *why)
{
    struct conv_records *cr;
    struct dirent *de;
    struct stat st;
    DIR *d;

    cr = xcalloc(1, sizeof(*cr));
    cr->dir = xmalloc(strlen(spool_directory) + sizeof("/conversations"));
    sprintf(cr->dir, "%s/conversations", spool_directory);
    *created = 0;
    if (stat(cr->dir, &st) < 0) {
        if (errno != ENOENT || mkdir(cr->dir, 0700) < 0) {
            buf_printf(why, "%s: %s", cr->dir, strerror(errno));
            conv_records_free(cr);
            return NULL;
        }
        (void) fsync_dir(spool_directory);
        *created = 1;
    }
    if ((d = opendir(cr->dir)) == NULL) {
        buf_printf(why, "%s: %s", cr->dir, strerror(errno));
        conv_records_free(cr);
        return NULL;
    }
    while ((de = readdir(d)) != NULL)
        if (twilio_sid_valid(de->d_name, "CH"))
            load_one(cr, de->d_name);
        else if (de->d_name[0] != '.')
            msg_warn("%s/%s: not a conversation SID; ignored", cr->dir,
                     de->d_name);
    closedir(d);
    return cr;
}

void conv_records_free(struct conv_records *cr)
{
    if (cr == NULL)
        return;
    free(cr->dir);
    free(cr->items);
    free(cr);
}

size_t conv_records_count(const struct conv_records *cr)
{
    return cr->count;
}

const struct conv_record *conv_records_at(const struct conv_records *cr,
                                          size_t i)
{
    return i < cr->count ? &cr->items[i] : NULL;
}

const struct conv_record *conv_records_find(const struct conv_records *cr,
                                            const char *sid)
{
    return find(cr, sid);
}

/* Writes sid's record durably: temporary file, fsync, rename, fsync. */
static int write_record(struct conv_records *cr, const char *sid,
                        long long index, time_t updated, struct buf *why)
{
    struct buf *path = buf_create(256), *tmp = buf_create(256);
    char text[96];
    int n, ret;

    n = snprintf(text, sizeof(text), "{\"index\": %lld, \"updated\": %lld}\n",
                 index, (long long) updated);
    buf_printf(path, "%s/%s", cr->dir, sid);
    buf_printf(tmp, "%s/.%s.tmp", cr->dir, sid);
    ret = replace_file(path->data, tmp->data, text, (size_t) n, 0600, why);
    buf_free(path);
    buf_free(tmp);
    return ret;
}

int conv_records_heard(struct conv_records *cr, const char *sid,
                       struct buf *why)
{
    struct conv_record *r;
    time_t now = time(NULL);

    if (!twilio_sid_valid(sid, "CH")) {
        buf_printf(why, "not a conversation SID");
        return -1;
    }
    if (find(cr, sid) != NULL)
        return 1;
    if (write_record(cr, sid, -1, now, why) < 0)
        return -1;
    cr->items = xrealloc(cr->items, (cr->count + 1) * sizeof(*r));
    r = &cr->items[cr->count++];
    memset(r, 0, sizeof(*r));
    memcpy(r->sid, sid, TWILIO_SID_LEN);
    r->index = -1;
    r->updated = now;
    return 0;
}

int conv_records_set(struct conv_records *cr, const char *sid,
                     long long index, struct buf *why)
{
    struct conv_record *r;
    time_t now = time(NULL);

    if (conv_records_heard(cr, sid, why) < 0)
        return -1;
    r = find(cr, sid);
    if (index <= r->index)
        return 0;
    if (write_record(cr, sid, index, now, why) < 0)
        return -1;
    r->index = index;
    r->updated = now;
    return 0;
}

int conv_records_forget(struct conv_records *cr, const char *sid,
                        struct buf *why)
{
    struct conv_record *r = find(cr, sid);
    struct buf *path;

    if (r == NULL)
        return 0;
    path = buf_create(256);
    buf_printf(path, "%s/%s", cr->dir, sid);
    if (unlink(path->data) < 0 && errno != ENOENT) {
        buf_printf(why, "%s: %s", path->data, strerror(errno));
        buf_free(path);
        return -1;
    }
    buf_free(path);
    *r = cr->items[--cr->count];
    return 0;
}
