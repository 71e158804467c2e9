/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_state - the record of what attach changed; see postfix_state.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "postfix_state.h"
#include "xalloc.h"

#define STATE_SIZE_MAX (1024 * 1024)

static const char *const kind_names[] = {
    [POSTFIX_WAS] = "was",
    [POSTFIX_DEFAULT] = "default",
    [POSTFIX_SET] = "set",
    [POSTFIX_ADD] = "add",
    [POSTFIX_SERVICE] = "service",
};

#define KIND_COUNT (sizeof(kind_names) / sizeof(kind_names[0]))

const struct postfix_record *
postfix_state_find(const struct postfix_state *st,
                   enum postfix_record_kind kind, const char *place,
                   const char *value)
{
    size_t i;

    for (i = 0; i < st->count; i++)
        if (st->records[i].kind == kind
            && strcmp(st->records[i].place, place) == 0
            && (value == NULL || strcmp(st->records[i].value, value) == 0))
            return &st->records[i];
    return NULL;
}

void postfix_state_add(struct postfix_state *st, enum postfix_record_kind kind,
                       const char *place, const char *value)
{
    struct postfix_record *r;

    if (postfix_state_find(st, kind, place, value) != NULL)
        return;
    st->records = xrealloc(st->records, (st->count + 1) * sizeof(*r));
    r = &st->records[st->count++];
    r->kind = kind;
    r->place = xstrdup(place);
    r->value = xstrdup(value);
}

/* One line, NUL-terminated, without its newline. */
static int parse_line(struct postfix_state *st, char *line, struct buf *why)
{
    char *word = line, *place, *value;
    size_t k;

    if ((place = strchr(word, ' ')) == NULL) {
        buf_printf(why, "expected \"KIND PLACE ...\"");
        return -1;
    }
    *place++ = '\0';
    for (k = 0; k < KIND_COUNT; k++)
        if (strcmp(word, kind_names[k]) == 0)
            break;
    if (k == KIND_COUNT) {
        buf_printf(why, "unknown record \"%s\"", word);
        return -1;
    }
    value = place + strcspn(place, " ");
    if (*value != '\0')
        *value++ = '\0';
    if (*place == '\0') {
        buf_printf(why, "%s: no place", word);
        return -1;
    }
    switch ((enum postfix_record_kind) k) {
    case POSTFIX_WAS:
    case POSTFIX_DEFAULT:
    case POSTFIX_SET:
        if (*value != '=') {
            buf_printf(why, "%s %s: expected \"= VALUE\"", word, place);
            return -1;
        }
        value += value[1] == ' ' ? 2 : 1;
        break;
    case POSTFIX_ADD:
        if (*value == '\0') {
            buf_printf(why, "add %s: no item", place);
            return -1;
        }
        break;
    case POSTFIX_SERVICE:
        if (*value != '\0' || strchr(place, '/') == NULL) {
            buf_printf(why, "service: expected NAME/TYPE");
            return -1;
        }
        break;
    }
    postfix_state_add(st, (enum postfix_record_kind) k, place, value);
    return 0;
}

int postfix_state_read(const char *path, struct postfix_state *st,
                       int *exists, struct buf *why)
{
    char *text, *line, *next;
    size_t len, lineno = 0;

    st->records = NULL;
    st->count = 0;
    *exists = 0;
    if (read_file(path, STATE_SIZE_MAX, &text, &len) < 0) {
        if (errno == ENOENT)
            return 0;
        buf_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    *exists = 1;
    if (memchr(text, '\0', len) != NULL) {
        buf_printf(why, "%s: holds a NUL byte", path);
        free(text);
        return -1;
    }
    for (line = text; *line; line = next) {
        lineno++;
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        else
            next = line + strlen(line);
        if (*line == '\0' || *line == '#')
            continue;
        if (parse_line(st, line, why) < 0) {
            buf_printf(why, " (%s, line %zu)", path, lineno);
            free(text);
            postfix_state_free(st);
            return -1;
        }
    }
    free(text);
    return 0;
}

int postfix_state_write(const char *path, const struct postfix_state *st,
                        struct buf *why)
{
    struct buf *text = buf_create(1024);
    struct buf *tmp = buf_create(256);
    const struct postfix_record *r;
    size_t i;
    int ret = -1;

    buf_append_str(text, "# Written by postmaskctl postfix attach: what it "
                   "changed in this directory.\n# postmaskctl postfix "
                   "detach undoes it and removes this file.\n");
    for (i = 0; i < st->count; i++) {
        r = &st->records[i];
        if (r->kind == POSTFIX_SERVICE)
            buf_printf(text, "%s %s\n", kind_names[r->kind], r->place);
        else if (r->kind == POSTFIX_ADD)
            buf_printf(text, "%s %s %s\n", kind_names[r->kind], r->place,
                       r->value);
        else
            buf_printf(text, "%s %s = %s\n", kind_names[r->kind], r->place,
                       r->value);
    }
    buf_printf(tmp, "%s.tmp", path);
    if (replace_file(path, tmp->data, text->data, text->len, 0644, why) < 0)
        goto out;
    ret = 0;
out:
    buf_free(text);
    buf_free(tmp);
    return ret;
}

void postfix_state_free(struct postfix_state *st)
{
    size_t i;

    for (i = 0; i < st->count; i++) {
        free(st->records[i].place);
        free(st->records[i].value);
    }
    free(st->records);
    st->records = NULL;
    st->count = 0;
}
