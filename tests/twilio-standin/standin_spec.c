/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_spec - the derived parameter table and request validation; see
 * standin_spec.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "standin_spec.h"
#include "xalloc.h"

enum si_type { SI_T_STRING, SI_T_INTEGER, SI_T_NUMBER, SI_T_BOOLEAN };
enum si_format { SI_F_NONE, SI_F_DATETIME, SI_F_DURATION, SI_F_URI };

struct si_param {
    char *name;
    int is_array;
    enum si_type type;          /* of the value (of each item, for arrays) */
    enum si_format format;
    char **enums;               /* nenums values, or none */
    size_t nenums;
    int required;
    int nullable;               /* "null" is accepted */
    long min_len, max_len;      /* -1: no limit */
    int has_min, has_max;
    double min, max;
    regex_t *pattern;           /* or NULL */
    char *pattern_text;
};

struct si_params {
    struct si_param *items;
    size_t count;
};

struct si_spec_op {
    char *method;
    char *operation_id;
    struct si_params form;
    struct si_params query;
    struct si_params headers;
};

struct si_spec_tmpl {
    char *text;
    char **seg;
    size_t nseg;
    size_t nliteral;
    struct si_spec_op *ops;
    size_t nops;
};

struct si_spec {
    struct si_spec_tmpl *tmpls;
    size_t count;
};

/* Loading. */

static void si_param_free(struct si_param *p)
{
    size_t i;

    free(p->name);
    for (i = 0; i < p->nenums; i++)
        free(p->enums[i]);
    free(p->enums);
    if (p->pattern) {
        regfree(p->pattern);
        free(p->pattern);
    }
    free(p->pattern_text);
}

static void si_params_free(struct si_params *ps)
{
    size_t i;

    for (i = 0; i < ps->count; i++)
        si_param_free(&ps->items[i]);
    free(ps->items);
}

void si_spec_free(struct si_spec *spec)
{
    size_t i, j;

    if (spec == NULL)
        return;
    for (i = 0; i < spec->count; i++) {
        struct si_spec_tmpl *t = &spec->tmpls[i];

        for (j = 0; j < t->nseg; j++)
            free(t->seg[j]);
        free(t->seg);
        for (j = 0; j < t->nops; j++) {
            free(t->ops[j].method);
            free(t->ops[j].operation_id);
            si_params_free(&t->ops[j].form);
            si_params_free(&t->ops[j].query);
            si_params_free(&t->ops[j].headers);
        }
        free(t->ops);
        free(t->text);
    }
    free(spec->tmpls);
    free(spec);
}

/* Reads the type and checks of one schema (a parameter or array items). */
static int si_load_schema(struct si_param *p, json_t *js, const char *where,
                          struct buf *why)
{
    const char *type = json_string_value(json_object_get(js, "type"));
    const char *format = json_string_value(json_object_get(js, "format"));
    json_t *v;
    size_t i;

    if (type == NULL || strcmp(type, "string") == 0)
        p->type = SI_T_STRING;
    else if (strcmp(type, "integer") == 0)
        p->type = SI_T_INTEGER;
    else if (strcmp(type, "number") == 0)
        p->type = SI_T_NUMBER;
    else if (strcmp(type, "boolean") == 0)
        p->type = SI_T_BOOLEAN;
    else {
        buf_printf(why, "%s: unknown type \"%s\"", where, type);
        return -1;
    }
    p->format = SI_F_NONE;
    if (format && strcmp(format, "date-time") == 0)
        p->format = SI_F_DATETIME;
    else if (format && strcmp(format, "duration") == 0)
        p->format = SI_F_DURATION;
    else if (format && strcmp(format, "uri") == 0)
        p->format = SI_F_URI;
    if ((v = json_object_get(js, "enum")) != NULL) {
        if (!json_is_array(v)) {
            buf_printf(why, "%s: enum is not an array", where);
            return -1;
        }
        p->nenums = json_array_size(v);
        p->enums = xcalloc(p->nenums ? p->nenums : 1, sizeof(char *));
        for (i = 0; i < p->nenums; i++) {
            const char *s = json_string_value(json_array_get(v, i));

            if (s == NULL) {
                buf_printf(why, "%s: enum value is not a string", where);
                return -1;
            }
            p->enums[i] = xstrdup(s);
        }
    }
    p->min_len = json_is_integer(json_object_get(js, "minLength"))
        ? (long) json_integer_value(json_object_get(js, "minLength")) : -1;
    p->max_len = json_is_integer(json_object_get(js, "maxLength"))
        ? (long) json_integer_value(json_object_get(js, "maxLength")) : -1;
    if ((v = json_object_get(js, "minimum")) != NULL && json_is_number(v)) {
        p->has_min = 1;
        p->min = json_number_value(v);
    }
    if ((v = json_object_get(js, "maximum")) != NULL && json_is_number(v)) {
        p->has_max = 1;
        p->max = json_number_value(v);
    }
    p->nullable = json_is_true(json_object_get(js, "nullable"));
    if ((v = json_object_get(js, "pattern")) != NULL) {
        int err;

        p->pattern_text = xstrdup(json_string_value(v) ? json_string_value(v)
                                  : "");
        p->pattern = xmalloc(sizeof(*p->pattern));
        if ((err = regcomp(p->pattern, p->pattern_text,
                           REG_EXTENDED | REG_NOSUB)) != 0) {
            buf_printf(why, "%s: pattern %s does not compile", where,
                       p->pattern_text);
            free(p->pattern);
            p->pattern = NULL;
            return -1;
        }
    }
    return 0;
}

static int si_load_params(struct si_params *ps, json_t *arr, const char *where,
                          struct buf *why)
{
    size_t i;

    if (arr == NULL)
        return 0;
    if (!json_is_array(arr)) {
        buf_printf(why, "%s: not an array", where);
        return -1;
    }
    ps->count = json_array_size(arr);
    ps->items = xcalloc(ps->count ? ps->count : 1, sizeof(*ps->items));
    for (i = 0; i < ps->count; i++) {
        json_t *js = json_array_get(arr, i);
        struct si_param *p = &ps->items[i];
        const char *name = json_string_value(json_object_get(js, "name"));
        const char *type = json_string_value(json_object_get(js, "type"));

        p->min_len = p->max_len = -1;
        if (name == NULL) {
            buf_printf(why, "%s: parameter %zu has no name", where, i);
            return -1;
        }
        p->name = xstrdup(name);
        p->required = json_is_true(json_object_get(js, "required"));
        if (type && strcmp(type, "array") == 0) {
            p->is_array = 1;
            if (si_load_schema(p, json_object_get(js, "items"), name, why) < 0)
                return -1;
        } else if (si_load_schema(p, js, name, why) < 0) {
            return -1;
        }
    }
    return 0;
}

static void si_split_template(struct si_spec_tmpl *t)
{
    const char *p = t->text;
    size_t cap = 8;

    t->seg = xmalloc(cap * sizeof(char *));
    while (*p == '/') {
        size_t len = strcspn(p + 1, "/");

        if (t->nseg == cap)
            t->seg = xrealloc(t->seg, (cap *= 2) * sizeof(char *));
        t->seg[t->nseg] = xstrndup(p + 1, len);
        if (t->seg[t->nseg][0] != '{')
            t->nliteral++;
        t->nseg++;
        p += len + 1;
    }
}

struct si_spec *si_spec_load(const char *path, struct buf *why)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr), *paths, *ops, *opj;
    struct si_spec *spec;
    const char *tmpl, *method;
    size_t i = 0;

    if (root == NULL) {
        buf_printf(why, "%s: line %d: %s", path, jerr.line, jerr.text);
        return NULL;
    }
    if ((paths = json_object_get(root, "paths")) == NULL
        || !json_is_object(paths)) {
        buf_printf(why, "%s: no \"paths\" object", path);
        json_decref(root);
        return NULL;
    }
    spec = xcalloc(1, sizeof(*spec));
    spec->tmpls = xcalloc(json_object_size(paths) + 1, sizeof(*spec->tmpls));
    json_object_foreach(paths, tmpl, ops) {
        struct si_spec_tmpl *t = &spec->tmpls[spec->count++];

        t->text = xstrdup(tmpl);
        si_split_template(t);
        t->ops = xcalloc(json_object_size(ops) + 1, sizeof(*t->ops));
        json_object_foreach(ops, method, opj) {
            struct si_spec_op *op = &t->ops[t->nops++];
            const char *id = json_string_value(json_object_get(opj,
                                                               "operation_id"));

            op->method = xstrdup(method);
            op->operation_id = xstrdup(id ? id : "");
            if (si_load_params(&op->form, json_object_get(opj, "form"), tmpl,
                               why) < 0
                || si_load_params(&op->query, json_object_get(opj, "query"),
                                  tmpl, why) < 0
                || si_load_params(&op->headers,
                                  json_object_get(opj, "headers"), tmpl,
                                  why) < 0) {
                buf_printf(why, " (%s %s in %s)", method, tmpl, path);
                json_decref(root);
                si_spec_free(spec);
                return NULL;
            }
        }
        i++;
    }
    json_decref(root);
    if (spec->count == 0) {
        buf_printf(why, "%s: no paths", path);
        si_spec_free(spec);
        return NULL;
    }
    return spec;
}

/* Lookups. */

const struct si_spec_tmpl *si_spec_match(const struct si_spec *spec,
                                         char *const *seg, size_t nseg)
{
    const struct si_spec_tmpl *best = NULL;
    size_t i, j;

    for (i = 0; i < spec->count; i++) {
        const struct si_spec_tmpl *t = &spec->tmpls[i];

        if (t->nseg != nseg)
            continue;
        for (j = 0; j < nseg; j++) {
            if (t->seg[j][0] == '{' ? seg[j][0] == '\0'
                : strcmp(t->seg[j], seg[j]) != 0)
                break;
        }
        if (j == nseg && (best == NULL || t->nliteral > best->nliteral))
            best = t;
    }
    return best;
}

const char *si_spec_template(const struct si_spec_tmpl *tmpl)
{
    return tmpl->text;
}

const struct si_spec_op *si_spec_op(const struct si_spec_tmpl *tmpl,
                                    const char *method)
{
    size_t i;

    for (i = 0; i < tmpl->nops; i++)
        if (strcmp(tmpl->ops[i].method, method) == 0)
            return &tmpl->ops[i];
    return NULL;
}

/* Formats. */

static int si_digits(const char **p, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char) (*p)[i]))
            return -1;
        v = v * 10 + (*p)[i] - '0';
    }
    *p += n;
    *out = v;
    return 0;
}

int si_datetime_parse(const char *text, time_t *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = text;
    struct tm tm;
    int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
    time_t t;

    if (si_digits(&p, 4, &y) < 0 || *p++ != '-' || si_digits(&p, 2, &mo) < 0
        || *p++ != '-' || si_digits(&p, 2, &d) < 0
        || (*p != 'T' && *p != 't') || (p++, si_digits(&p, 2, &h)) < 0
        || *p++ != ':' || si_digits(&p, 2, &mi) < 0 || *p++ != ':'
        || si_digits(&p, 2, &s) < 0)
        return -1;
    if (*p == '.') {
        if (!isdigit((unsigned char) *++p))
            return -1;
        while (isdigit((unsigned char) *p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '+' ? 1 : -1;
        if (si_digits(&p, 2, &oh) < 0 || *p++ != ':'
            || si_digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]
        || h > 23 || mi > 59 || s > 60)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    t = timegm(&tm);
    if (t == (time_t) -1)
        return -1;
    *out = t - sign * (oh * 3600 + om * 60);
    return 0;
}

int si_duration_parse(const char *text, long *seconds)
{
    static const struct {
        char unit;
        int in_time;
        long seconds;
    } units[] = {
        {'Y', 0, 365L * 86400}, {'M', 0, 30L * 86400}, {'W', 0, 7L * 86400},
        {'D', 0, 86400}, {'H', 1, 3600}, {'M', 1, 60}, {'S', 1, 1},
    };
    const char *p = text;
    size_t next = 0, i;
    int in_time = 0, any = 0;
    long total = 0;

    if (*p++ != 'P')
        return -1;
    while (*p) {
        long n = 0;

        if (*p == 'T') {
            if (in_time || p[1] == '\0')
                return -1;
            in_time = 1;
            p++;
            continue;
        }
        if (!isdigit((unsigned char) *p))
            return -1;
        while (isdigit((unsigned char) *p)) {
            if (n > (LONG_MAX - 9) / 10)
                return -1;
            n = n * 10 + (*p++ - '0');
        }
        for (i = next; i < sizeof(units) / sizeof(units[0]); i++)
            if (units[i].unit == *p && units[i].in_time == in_time)
                break;
        if (i == sizeof(units) / sizeof(units[0])
            || (units[i].seconds && n > LONG_MAX / units[i].seconds / 2))
            return -1;
        total += n * units[i].seconds;
        if (total > LONG_MAX / 2)
            return -1;
        next = i + 1;
        any = 1;
        p++;
    }
    if (!any)
        return -1;
    *seconds = total;
    return 0;
}

/* Validation. */

static const struct si_param *si_find(const struct si_params *ps,
                                      const char *name)
{
    size_t i;

    for (i = 0; i < ps->count; i++)
        if (strcmp(ps->items[i].name, name) == 0)
            return &ps->items[i];
    return NULL;
}

static int si_check_value(const struct si_param *p, const char *value,
                          const char *kind, struct buf *why)
{
    size_t len = strlen(value), i;

    if (p->nullable && strcmp(value, "null") == 0)
        return 0;
    switch (p->type) {
    case SI_T_INTEGER:
    case SI_T_NUMBER:{
            char *end;
            double d;

            errno = 0;
            if (p->type == SI_T_INTEGER) {
                long long ll;

                if (value[0] == '\0'
                    || strspn(value + (value[0] == '-'), "0123456789")
                    != len - (value[0] == '-') || len - (value[0] == '-') == 0) {
                    buf_printf(why, "Invalid %s %s: '%s' is not an integer",
                               kind, p->name, value);
                    return -1;
                }
                ll = strtoll(value, &end, 10);
                if (errno == ERANGE) {
                    buf_printf(why, "Invalid %s %s: '%s' is out of range",
                               kind, p->name, value);
                    return -1;
                }
                d = (double) ll;
            } else {
                d = strtod(value, &end);
                if (value[0] == '\0' || *end != '\0' || errno == ERANGE) {
                    buf_printf(why, "Invalid %s %s: '%s' is not a number",
                               kind, p->name, value);
                    return -1;
                }
            }
            if ((p->has_min && d < p->min) || (p->has_max && d > p->max)) {
                buf_printf(why, "Invalid %s %s: %s is out of range", kind,
                           p->name, value);
                if (p->has_min)
                    buf_printf(why, ", minimum %g", p->min);
                if (p->has_max)
                    buf_printf(why, ", maximum %g", p->max);
                return -1;
            }
            return 0;
        }
    case SI_T_BOOLEAN:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            buf_printf(why, "Invalid %s %s: '%s' is not true or false", kind,
                       p->name, value);
            return -1;
        }
        return 0;
    case SI_T_STRING:
        break;
    }
    if (p->nenums) {
        for (i = 0; i < p->nenums; i++)
            if (strcmp(p->enums[i], value) == 0)
                break;
        if (i == p->nenums) {
            buf_printf(why, "Invalid %s %s: '%s' is not one of ", kind,
                       p->name, value);
            for (i = 0; i < p->nenums; i++)
                buf_printf(why, "%s%s", i ? ", " : "", p->enums[i]);
            return -1;
        }
    }
    if (p->min_len >= 0 && len < (size_t) p->min_len) {
        buf_printf(why, "Invalid %s %s: shorter than %ld characters", kind,
                   p->name, p->min_len);
        return -1;
    }
    if (p->max_len >= 0 && len > (size_t) p->max_len) {
        buf_printf(why, "Invalid %s %s: longer than %ld characters", kind,
                   p->name, p->max_len);
        return -1;
    }
    if (p->pattern && regexec(p->pattern, value, 0, NULL, 0) != 0) {
        buf_printf(why, "Invalid %s %s: '%s' does not match %s", kind,
                   p->name, value, p->pattern_text);
        return -1;
    }
    switch (p->format) {
    case SI_F_DATETIME:{
            time_t t;

            if (si_datetime_parse(value, &t) < 0) {
                buf_printf(why, "Invalid %s %s: '%s' is not an ISO 8601 "
                           "date-time", kind, p->name, value);
                return -1;
            }
            break;
        }
    case SI_F_DURATION:{
            long secs;

            if (si_duration_parse(value, &secs) < 0) {
                buf_printf(why, "Invalid %s %s: '%s' is not an ISO 8601 "
                           "duration", kind, p->name, value);
                return -1;
            }
            break;
        }
    case SI_F_URI:
        if (strncmp(value, "http://", 7) != 0
            && strncmp(value, "https://", 8) != 0) {
            buf_printf(why, "Invalid %s %s: '%s' is not an http(s) URL",
                       kind, p->name, value);
            return -1;
        }
        break;
    case SI_F_NONE:
        break;
    }
    return 0;
}

static int si_check_pairs(const struct si_params *ps, const struct form *f,
                          const char *kind, struct buf *why)
{
    size_t i;

    if (f != NULL) {
        for (i = 0; i < f->count; i++) {
            const char *name = f->pairs[i].name;
            const struct si_param *p = si_find(ps, name);

            if (p == NULL) {
                buf_printf(why, "Unknown %s %s: this operation takes no such "
                           "parameter", kind, name);
                return -1;
            }
            if (!p->is_array && form_next(f, name, 0) != i) {
                buf_printf(why, "Invalid %s %s: given more than once", kind,
                           name);
                return -1;
            }
            if (si_check_value(p, f->pairs[i].value, kind, why) < 0)
                return -1;
        }
    }
    for (i = 0; i < ps->count; i++) {
        if (ps->items[i].required
            && (f == NULL || form_get(f, ps->items[i].name) == NULL)) {
            buf_printf(why, "Missing required %s %s", kind,
                       ps->items[i].name);
            return -1;
        }
    }
    return 0;
}

int si_spec_check(const struct si_spec_op *op, const struct form *form,
                  const struct form *query, const char *webhook_enabled,
                  struct buf *why)
{
    const struct si_param *hdr;

    if (si_check_pairs(&op->form, form, "parameter", why) < 0
        || si_check_pairs(&op->query, query, "query parameter", why) < 0)
        return -1;
    hdr = si_find(&op->headers, "X-Twilio-Webhook-Enabled");
    if (webhook_enabled != NULL) {
        if (hdr == NULL) {
            buf_printf(why, "Unexpected header X-Twilio-Webhook-Enabled: "
                       "%s %s does not take it", op->method,
                       op->operation_id);
            return -1;
        }
        if (si_check_value(hdr, webhook_enabled, "header", why) < 0)
            return -1;
    }
    return 0;
}
