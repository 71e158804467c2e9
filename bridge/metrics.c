/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics - counters and gauges in Prometheus text format 0.0.4; see
 * metrics.h.
 *
 * A series is kept under a canonical key: the metric name, then its label
 * pairs sorted by label name and escaped as the exposition format writes
 * them ("name{a=\"x\",b=\"y\"}").  The series array is kept sorted by
 * (name, labels), so a lookup is a binary search and rendering is one walk.
 * Descriptions (HELP and TYPE) live in a second sorted array; a metric used
 * without a description is typed by its first use (metrics_add: counter,
 * metrics_set: gauge) and has no HELP line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "msg.h"
#include "xalloc.h"

struct metric_desc {
    char *name;
    char *type;                 /* "counter", "gauge" */
    char *help;                 /* or NULL */
};

struct metric_series {
    char *name;
    char *labels;               /* "" or "{a=\"x\",...}" */
    double value;
};

struct metrics {
    struct metric_desc *descs;
    size_t ndescs;
    size_t descs_cap;
    struct metric_series *series;
    size_t nseries;
    size_t series_cap;
};

struct metrics *metrics_create(void)
{
    return xcalloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < m->ndescs; i++) {
        free(m->descs[i].name);
        free(m->descs[i].type);
        free(m->descs[i].help);
    }
    for (i = 0; i < m->nseries; i++) {
        free(m->series[i].name);
        free(m->series[i].labels);
    }
    free(m->descs);
    free(m->series);
    free(m);
}

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names without ':'. */
static int name_ok(const char *s, int colon)
{
    const char *p;

    if (*s == '\0' || (*s >= '0' && *s <= '9'))
        return 0;
    for (p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_'
              || (colon && *p == ':')))
            return 0;
    return 1;
}

/* Appends text with backslash and newline escaped (and '"' when quote). */
static void append_escaped(struct buf *out, const char *text, int quote)
{
    const char *p;

    for (p = text; *p; p++) {
        if (*p == '\\')
            buf_append_str(out, "\\\\");
        else if (*p == '\n')
            buf_append_str(out, "\\n");
        else if (quote && *p == '"')
            buf_append_str(out, "\\\"");
        else
            buf_append_char(out, *p);
    }
}

static int label_cmp(const void *a, const void *b)
{
    const char *const *x = a;
    const char *const *y = b;

    return strcmp(x[0], y[0]);
}

/* The canonical label text of a NULL-terminated name/value list. */
static char *labels_key(const char *name, const char *const *labels)
{
    struct buf *key = buf_create(64);
    const char **pairs;
    size_t n = 0, i;

    if (!name_ok(name, 1))
        msg_panic("metrics: bad metric name \"%s\"", name);
    while (labels != NULL && labels[2 * n] != NULL) {
        if (labels[2 * n + 1] == NULL)
            msg_panic("metrics: %s: label %s has no value", name,
                      labels[2 * n]);
        n++;
    }
    if (n > 0) {
        pairs = xmalloc(2 * n * sizeof(*pairs));
        memcpy(pairs, labels, 2 * n * sizeof(*pairs));
        qsort(pairs, n, 2 * sizeof(*pairs), label_cmp);
        buf_append_char(key, '{');
        for (i = 0; i < n; i++) {
            if (!name_ok(pairs[2 * i], 0) || strncmp(pairs[2 * i], "__", 2) == 0)
                msg_panic("metrics: %s: bad label name \"%s\"", name,
                          pairs[2 * i]);
            if (i > 0 && strcmp(pairs[2 * i], pairs[2 * i - 2]) == 0)
                msg_panic("metrics: %s: label %s given twice", name,
                          pairs[2 * i]);
            if (i > 0)
                buf_append_char(key, ',');
            buf_printf(key, "%s=\"", pairs[2 * i]);
            append_escaped(key, pairs[2 * i + 1], 1);
            buf_append_char(key, '"');
        }
        buf_append_char(key, '}');
        free(pairs);
    }
    return buf_detach(key, NULL);
}

/* Binary search: the index of (name, labels), or where it would go. */
static size_t series_find(const struct metrics *m, const char *name,
                          const char *labels, int *found)
{
    size_t lo = 0, hi = m->nseries;

    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->series[mid].name, name);

        if (c == 0)
            c = strcmp(m->series[mid].labels, labels);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t desc_find(const struct metrics *m, const char *name, int *found)
{
    size_t lo = 0, hi = m->ndescs;

    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->descs[mid].name, name);

        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct metric_desc *desc_insert(struct metrics *m, const char *name,
                                       const char *type)
{
    int found;
    size_t at = desc_find(m, name, &found);
    struct metric_desc *d;

    if (found)
        return m->descs + at;
    if (m->ndescs == m->descs_cap) {
        m->descs_cap = m->descs_cap ? 2 * m->descs_cap : 16;
        m->descs = xrealloc(m->descs, m->descs_cap * sizeof(*m->descs));
    }
    memmove(m->descs + at + 1, m->descs + at,
            (m->ndescs - at) * sizeof(*m->descs));
    m->ndescs++;
    d = m->descs + at;
    d->name = xstrdup(name);
    d->type = xstrdup(type);
    d->help = NULL;
    return d;
}

void metrics_describe(struct metrics *m, const char *name, const char *type,
                      const char *help)
{
    struct metric_desc *d;

    if (!name_ok(name, 1))
        msg_panic("metrics: bad metric name \"%s\"", name);
    if (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0)
        msg_panic("metrics: %s: unknown type \"%s\"", name, type);
    d = desc_insert(m, name, type);
    free(d->type);
    d->type = xstrdup(type);
    free(d->help);
    d->help = help ? xstrdup(help) : NULL;
}

static struct metric_series *series_get(struct metrics *m, const char *name,
                                        const char *const *labels,
                                        const char *type)
{
    char *key = labels_key(name, labels);
    int found;
    size_t at = series_find(m, name, key, &found);
    struct metric_series *s;

    if (found) {
        free(key);
        return m->series + at;
    }
    desc_insert(m, name, type);
    if (m->nseries == m->series_cap) {
        m->series_cap = m->series_cap ? 2 * m->series_cap : 32;
        m->series = xrealloc(m->series, m->series_cap * sizeof(*m->series));
    }
    memmove(m->series + at + 1, m->series + at,
            (m->nseries - at) * sizeof(*m->series));
    m->nseries++;
    s = m->series + at;
    s->name = xstrdup(name);
    s->labels = key;
    s->value = 0;
    return s;
}

void metrics_add(struct metrics *m, const char *name,
                 const char *const *labels, double value)
{
    if (m == NULL)
        return;
    series_get(m, name, labels, "counter")->value += value;
}

void metrics_set(struct metrics *m, const char *name,
                 const char *const *labels, double value)
{
    if (m == NULL)
        return;
    series_get(m, name, labels, "gauge")->value = value;
}

double metrics_get(const struct metrics *m, const char *name,
                   const char *const *labels)
{
    char *key;
    int found;
    size_t at;

    if (m == NULL)
        return 0;
    key = labels_key(name, labels);
    at = series_find(m, name, key, &found);
    free(key);
    return found ? m->series[at].value : 0;
}

static void append_value(struct buf *out, double v)
{
    if (isnan(v))
        buf_append_str(out, "NaN");
    else if (isinf(v))
        buf_append_str(out, v > 0 ? "+Inf" : "-Inf");
    else if (v > -9007199254740992.0 && v < 9007199254740992.0
             && v == (double) (long long) v)
        buf_printf(out, "%lld", (long long) v);
    else
        buf_printf(out, "%.17g", v);
}

void metrics_render(const struct metrics *m, struct buf *out)
{
    size_t d, s = 0;

    /* Both arrays are sorted by name: walk them together. */
    for (d = 0; d < m->ndescs; d++) {
        const struct metric_desc *desc = m->descs + d;

        if (desc->help != NULL) {
            buf_printf(out, "# HELP %s ", desc->name);
            append_escaped(out, desc->help, 0);
            buf_append_char(out, '\n');
        }
        buf_printf(out, "# TYPE %s %s\n", desc->name, desc->type);
        while (s < m->nseries && strcmp(m->series[s].name, desc->name) < 0)
            s++;
        for (; s < m->nseries && strcmp(m->series[s].name, desc->name) == 0;
             s++) {
            buf_printf(out, "%s%s ", m->series[s].name, m->series[s].labels);
            append_value(out, m->series[s].value);
            buf_append_char(out, '\n');
        }
    }
}
