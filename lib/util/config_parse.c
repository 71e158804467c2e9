/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_parse - Postfix main.cf syntax; see config_parse.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_parse.h"
#include "fsutil.h"
#include "xalloc.h"

#define IS_SPACE(c)  ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n' \
                      || (c) == '\v' || (c) == '\f')

static int name_char(int c)
{
    return isascii(c) && (isalnum(c) || c == '_');
}

/* Appends text to value, folding white space runs into one space. */
static void append_folded(struct buf *value, const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (IS_SPACE(text[i])) {
            if (value->len > 0 && value->data[value->len - 1] != ' ')
                buf_append_char(value, ' ');
        } else {
            buf_append_char(value, text[i]);
        }
    }
}

static void add_entry(struct config_file *file, const char *name,
                      struct buf *value, int line)
{
    struct config_entry *e;
    size_t i;

    while (value->len > 0 && value->data[value->len - 1] == ' ')
        buf_truncate(value, value->len - 1);
    for (i = 0; i < file->count; i++)
        if (strcmp(file->entries[i].name, name) == 0)
            file->entries[i].overridden = 1;
    file->entries = xrealloc(file->entries,
                             (file->count + 1) * sizeof(*file->entries));
    e = &file->entries[file->count++];
    e->name = xstrdup(name);
    e->value = xstrdup(value->data);
    e->line = line;
    e->overridden = 0;
}

/*
 * Starts a logical line: checks "name = rest" and puts name and the start of
 * the value into place.  Returns 0, or -1 after reporting the error.
 */
static int start_entry(const char *path, int lineno, const char *line,
                       size_t len, char *name, struct buf *value,
                       struct buf *why)
{
    size_t i = 0, n;

    while (i < len && name_char((unsigned char) line[i]))
        i++;
    n = i;
    while (i < len && IS_SPACE(line[i]))
        i++;
    if (n == 0) {
        buf_printf(why, "%s, line %d: a line must start with a parameter "
                   "name (letters, digits, '_')\n", path, lineno);
        return -1;
    }
    if (i >= len || line[i] != '=') {
        buf_printf(why, "%s, line %d: missing '=' after parameter name\n",
                   path, lineno);
        return -1;
    }
    if (n > CONFIG_NAME_MAX) {
        buf_printf(why, "%s, line %d: parameter name longer than %d "
                   "characters\n", path, lineno, CONFIG_NAME_MAX);
        return -1;
    }
    memcpy(name, line, n);
    name[n] = '\0';
    buf_reset(value);
    append_folded(value, line + i + 1, len - i - 1);
    return 0;
}

int config_parse_text(const char *path, const char *text, size_t len,
                      struct config_file **out, struct buf *why)
{
    struct config_file *file;
    struct buf *value = buf_create(256);
    char name[CONFIG_NAME_MAX + 1];
    int in_entry = 0, entry_line = 0, lineno = 0, errors = 0;
    size_t pos = 0;

    file = xcalloc(1, sizeof(*file));
    file->path = xstrdup(path);
    if (len > CONFIG_FILE_MAX) {
        buf_printf(why, "%s: file is larger than %d bytes\n", path,
                   CONFIG_FILE_MAX);
        errors++;
        len = 0;
    }
    if (memchr(text, '\0', len) != NULL) {
        buf_printf(why, "%s: file contains a NUL byte\n", path);
        errors++;
        len = 0;
    }
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t) (nl - line) : len - pos;
        size_t first = 0;

        pos += llen + (nl ? 1 : 0);
        lineno++;
        if (llen > CONFIG_LINE_MAX) {
            buf_printf(why, "%s, line %d: line longer than %d bytes\n",
                       path, lineno, CONFIG_LINE_MAX);
            errors++;
            in_entry = 0;
            continue;
        }
        while (first < llen && IS_SPACE(line[first]))
            first++;
        if (first == llen || line[first] == '#')
            continue;                           /* blank or comment */
        if (first > 0) {                        /* continuation */
            if (!in_entry) {
                /* Postfix: text before any parameter; an error here. */
                if (entry_line == 0) {
                    buf_printf(why, "%s, line %d: continuation line without "
                               "a parameter before it\n", path, lineno);
                    errors++;
                }
                continue;
            }
            append_folded(value, line, llen);
            continue;
        }
        if (in_entry)
            add_entry(file, name, value, entry_line);
        in_entry = 0;
        entry_line = lineno;
        if (start_entry(path, lineno, line, llen, name, value, why) < 0) {
            errors++;
            continue;
        }
        in_entry = 1;
    }
    if (in_entry)
        add_entry(file, name, value, entry_line);
    buf_free(value);
    if (errors) {
        config_file_free(file);
        return -1;
    }
    *out = file;
    return 0;
}

int config_parse_file(const char *path, struct config_file **out,
                      struct buf *why)
{
    char *data;
    size_t len;
    int ret;

    if (read_file(path, CONFIG_FILE_MAX, &data, &len) < 0) {
        if (errno == EFBIG)
            buf_printf(why, "%s: file is larger than %d bytes\n", path,
                       CONFIG_FILE_MAX);
        else
            buf_printf(why, "open %s: %s\n", path, strerror(errno));
        return -1;
    }
    ret = config_parse_text(path, data, len, out, why);
    free(data);
    return ret;
}

const struct config_entry *config_file_lookup(const struct config_file *file,
                                              const char *name)
{
    size_t i;

    for (i = file->count; i-- > 0;)
        if (strcmp(file->entries[i].name, name) == 0)
            return &file->entries[i];
    return NULL;
}

void config_file_free(struct config_file *file)
{
    size_t i;

    if (file == NULL)
        return;
    for (i = 0; i < file->count; i++) {
        free(file->entries[i].name);
        free(file->entries[i].value);
    }
    free(file->entries);
    free(file->path);
    free(file);
}
