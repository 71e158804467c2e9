/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_snapshot - a Postfix configuration read through postconf(1); see
 * postfix_snapshot.h.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "postconf_exec.h"
#include "postfix_snapshot.h"
#include "xalloc.h"

static const char *const snapshot_names[] = {POSTFIX_SNAPSHOT_NAMES};

#define SNAPSHOT_NAME_COUNT (sizeof(snapshot_names) / sizeof(snapshot_names[0]))
#define SNAPSHOT_ARGV_MAX   (6 + SNAPSHOT_NAME_COUNT)

/* Runs postconf -c DIR with the options in opts (NULL-terminated). */
static int snapshot_postconf(const struct postfix_snapshot *snap,
                             const char *const *opts, struct buf *out,
                             struct buf *why)
{
    char *argv[SNAPSHOT_ARGV_MAX + 1];
    size_t n = 0;

    argv[n++] = snap->postconf;
    argv[n++] = (char *) "-c";
    argv[n++] = snap->config_dir;
    while (*opts != NULL && n < SNAPSHOT_ARGV_MAX)
        argv[n++] = (char *) *opts++;
    argv[n] = NULL;
    return exec_capture(argv, out, why);
}

/* Appends one setting to an array. */
static void setting_add(struct postfix_setting **array, size_t *count,
                        const char *place, size_t place_len, const char *value)
{
    *array = xrealloc(*array, (*count + 1) * sizeof(**array));
    (*array)[*count].place = xstrndup(place, place_len);
    (*array)[*count].value = xstrdup(value);
    (*count)++;
}

/* "name = value" lines, as postconf -n and -P print them. */
static int parse_settings(char *text, struct postfix_setting **array,
                          size_t *count, struct buf *why)
{
    char *line, *next, *eq, *end;

    for (line = text; *line; line = next) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        else
            next = line + strlen(line);
        if (*line == '\0')
            continue;
        if ((eq = strstr(line, " =")) == NULL || eq == line
            || (eq[2] != '\0' && eq[2] != ' ')) {
            buf_printf(why, "unexpected postconf output: \"%s\"", line);
            return -1;
        }
        for (end = eq; end > line && end[-1] == ' '; end--)
            ;
        setting_add(array, count, line, (size_t) (end - line),
                    eq[2] == ' ' ? eq + 3 : eq + 2);
    }
    return 0;
}

/* postconf -M: name type private unpriv chroot wakeup maxproc command ... */
static int parse_services(char *text, struct postfix_snapshot *snap,
                          struct buf *why)
{
    char *line, *next, *field[8], *save = NULL;
    size_t n;

    for (line = text; *line; line = next) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        else
            next = line + strlen(line);
        if (*line == '\0')
            continue;
        for (n = 0; n < 8; n++)
            if ((field[n] = strtok_r(n ? NULL : line, " \t", &save)) == NULL)
                break;
        if (n < 8) {
            buf_printf(why, "unexpected postconf -M output: \"%s\"", line);
            return -1;
        }
        snap->services = xrealloc(snap->services, (snap->service_count + 1)
                                  * sizeof(*snap->services));
        snap->services[snap->service_count].key =
            xmalloc(strlen(field[0]) + strlen(field[1]) + 2);
        strcpy(snap->services[snap->service_count].key, field[0]);
        strcat(snap->services[snap->service_count].key, "/");
        strcat(snap->services[snap->service_count].key, field[1]);
        snap->services[snap->service_count].command = xstrdup(field[7]);
        snap->service_count++;
    }
    return 0;
}

/* One value per line, for the names asked, in order. */
static int parse_effective(char *text, struct postfix_snapshot *snap,
                           struct buf *why)
{
    char *line = text, *next;
    size_t i;

    for (i = 0; i < SNAPSHOT_NAME_COUNT; i++, line = next) {
        if ((next = strchr(line, '\n')) == NULL) {
            buf_printf(why, "postconf -x -h printed %zu value(s) for %zu "
                       "parameters", i, SNAPSHOT_NAME_COUNT);
            return -1;
        }
        *next++ = '\0';
        setting_add(&snap->main_effective, &snap->main_effective_count,
                    snapshot_names[i], strlen(snapshot_names[i]), line);
    }
    return 0;
}

struct postfix_snapshot *postfix_snapshot_read(const char *postconf,
                                               const char *config_dir,
                                               struct buf *why)
{
    static const char *const opt_n[] = {"-n", NULL};
    static const char *const opt_m[] = {"-M", NULL};
    static const char *const opt_p[] = {"-P", NULL};
    static const char *const opt_px[] = {"-P", "-x", NULL};
    const char *opt_xh[3 + SNAPSHOT_NAME_COUNT];
    struct postfix_snapshot *snap = xcalloc(1, sizeof(*snap));
    struct buf *out = buf_create(4096);
    struct buf *err = buf_create(128);
    size_t i;
    int ok;

    snap->postconf = xstrdup(postconf);
    snap->config_dir = xstrdup(config_dir);
    opt_xh[0] = "-x";
    opt_xh[1] = "-h";
    for (i = 0; i < SNAPSHOT_NAME_COUNT; i++)
        opt_xh[2 + i] = snapshot_names[i];
    opt_xh[2 + i] = NULL;

#define SNAPSHOT_STEP(opts, parse) \
    (buf_reset(out), snapshot_postconf(snap, (opts), out, err) == 0 \
     && (parse) == 0)

    ok = SNAPSHOT_STEP(opt_n, parse_settings(out->data, &snap->main_set,
                                             &snap->main_set_count, err))
        && SNAPSHOT_STEP(opt_xh, parse_effective(out->data, snap, err))
        && SNAPSHOT_STEP(opt_m, parse_services(out->data, snap, err))
        && SNAPSHOT_STEP(opt_p, parse_settings(out->data, &snap->master_set,
                                               &snap->master_set_count, err))
        && SNAPSHOT_STEP(opt_px, parse_settings(out->data,
                                                &snap->master_effective,
                                                &snap->master_effective_count,
                                                err));
#undef SNAPSHOT_STEP
    buf_free(out);
    if (!ok) {
        buf_printf(why, "cannot read the Postfix configuration in %s: %s",
                   config_dir, err->data);
        buf_free(err);
        postfix_snapshot_free(snap);
        return NULL;
    }
    buf_free(err);
    return snap;
}

static void settings_free(struct postfix_setting *array, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        free(array[i].place);
        free(array[i].value);
    }
    free(array);
}

void postfix_snapshot_free(struct postfix_snapshot *snap)
{
    size_t i;

    if (snap == NULL)
        return;
    settings_free(snap->main_set, snap->main_set_count);
    settings_free(snap->main_effective, snap->main_effective_count);
    settings_free(snap->master_set, snap->master_set_count);
    settings_free(snap->master_effective, snap->master_effective_count);
    for (i = 0; i < snap->service_count; i++) {
        free(snap->services[i].key);
        free(snap->services[i].command);
    }
    free(snap->services);
    free(snap->postconf);
    free(snap->config_dir);
    free(snap);
}

static const char *settings_find(const struct postfix_setting *array,
                                 size_t count, const char *place)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (strcmp(array[i].place, place) == 0)
            return array[i].value;
    return NULL;
}

const char *postfix_snapshot_raw(const struct postfix_snapshot *snap,
                                 const char *place)
{
    if (strchr(place, '/') != NULL)
        return settings_find(snap->master_set, snap->master_set_count, place);
    return settings_find(snap->main_set, snap->main_set_count, place);
}

const char *postfix_snapshot_effective(const struct postfix_snapshot *snap,
                                       const char *place)
{
    const char *slash = strrchr(place, '/');
    const char *value;

    if (slash != NULL) {
        if ((value = settings_find(snap->master_effective,
                                   snap->master_effective_count, place)))
            return value;
        place = slash + 1;
    }
    if ((value = settings_find(snap->main_effective,
                               snap->main_effective_count, place)))
        return value;
    return settings_find(snap->main_set, snap->main_set_count, place);
}

const struct postfix_service *
postfix_snapshot_service(const struct postfix_snapshot *snap, const char *key)
{
    size_t i;

    for (i = 0; i < snap->service_count; i++)
        if (strcmp(snap->services[i].key, key) == 0)
            return &snap->services[i];
    return NULL;
}
