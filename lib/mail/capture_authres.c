/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_authres - Authentication-Results (RFC 8601): kept as written,
 * and the dkim, spf and dmarc results read from the trusted ones.
 *
 * capture_authres() walks the top-level headers of msg, top first.  Every
 * Authentication-Results value goes to cap->auth_results (unfolded, runs of
 * white space made one space; at most CAPTURE_MAX_AUTH_RESULTS of them).
 * Results are read only from the headers whose authserv-id is one of
 * opts->trusted_authserv_ids (ASCII case ignored): the MX's own verifiers
 * write those, and the MX removes the same ids from incoming mail.  With an
 * empty list no header is trusted.  For spf and dmarc the first result
 * found counts; for dkim a "pass" from any signature wins, else the first
 * result.  Results are lower case ("pass", "fail", ...).  Comments and
 * quoted strings are honoured while splitting.
 *
 * Each trusted dkim, spf and dmarc result is also kept with the domain it
 * is about (header.d, or the domain of header.i; the domain of
 * smtp.mailfrom; header.from) for capture_sender_auth(), which decides
 * whether the From domain is authenticated.  No state.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "xalloc.h"

#define AUTHRES_MAX     8192    /* bytes of one value kept and read */
#define RESINFO_MAX     64      /* results read from one header */

/* The value without comments, in out. */
static void strip_comments(const char *v, struct buf *out)
{
    int depth = 0, quoted = 0;

    for (; *v; v++) {
        if (quoted) {
            buf_append_char(out, *v);
            if (*v == '\\' && v[1]) {
                buf_append_char(out, *++v);
            } else if (*v == '"') {
                quoted = 0;
            }
        } else if (depth > 0) {
            if (*v == '\\' && v[1])
                v++;
            else if (*v == '(')
                depth++;
            else if (*v == ')')
                depth--;
            if (depth == 0)
                buf_append_char(out, ' ');
        } else if (*v == '(') {
            depth = 1;
        } else {
            if (*v == '"')
                quoted = 1;
            buf_append_char(out, *v);
        }
    }
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int trusted(const char *value, const struct capture_options *opts)
{
    struct buf *plain = buf_create(64);
    const char *p;
    size_t n, i;
    int ok = 0;

    strip_comments(value, plain);
    p = skip_ws(plain->data);
    n = strcspn(p, " \t;");
    for (i = 0; i < opts->trusted_authserv_count && !ok; i++)
        ok = strlen(opts->trusted_authserv_ids[i]) == n
            && strncasecmp(p, opts->trusted_authserv_ids[i], n) == 0;
    buf_free(plain);
    return ok;
}

static int method_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static void set_result(char **slot, const char *result, int pass_wins)
{
    if (*slot == NULL) {
        *slot = xstrdup(result);
    } else if (pass_wins && strcmp(result, "pass") == 0) {
        free(*slot);
        *slot = xstrdup(result);
    }
}

/* The domain of a property value: after the last '@', if any. */
static const char *domain_of(const char *value)
{
    const char *at = strrchr(value, '@');

    return at ? at + 1 : value;
}

/* Reads "ptype.property=value" pairs up to the next ';' into r. */
static const char *read_properties(const char *p, const char *method,
                                   struct capture_auth_result *r)
{
    int quoted = 0;

    while (*p && *p != ';') {
        char name[32], value[1024];
        size_t n = 0, v = 0;
        int cut = 0;

        p = skip_ws(p);
        while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t') {
            if (n < sizeof(name) - 1)
                name[n++] = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
            p++;
        }
        name[n] = '\0';
        if (*p != '=') {
            if (*p && *p != ';')
                p++;
            continue;
        }
        p++;
        quoted = 0;
        while (*p && (quoted || (*p != ';' && *p != ' ' && *p != '\t'))) {
            if (*p == '"')
                quoted = !quoted;
            else if (v < sizeof(value) - 1)
                value[v++] = *p;
            else
                cut = 1;
            p++;
        }
        value[v] = '\0';
        if (cut || (r->domain[0] != '\0' && strcmp(name, "header.i") == 0))
            continue;           /* header.d, when both, names the signer */
        if ((strcmp(method, "dkim") == 0
             && (strcmp(name, "header.d") == 0 || strcmp(name, "header.i") == 0))
            || (strcmp(method, "spf") == 0 && strcmp(name, "smtp.mailfrom") == 0)
            || (strcmp(method, "dmarc") == 0 && strcmp(name, "header.from") == 0)) {
            const char *d = domain_of(value);

            if (strlen(d) <= CAPTURE_AUTH_DOMAIN_MAX)
                strcpy(r->domain, d);
        }
    }
    return p;
}

static void keep_result(struct capture_auth_results *list,
                        const struct capture_auth_result *r)
{
    if (list->count == CAPTURE_MAX_AUTH_KEPT)
        return;
    list->items[list->count++] = *r;
}

static void read_results(const char *value, struct capture *cap,
                         struct capture_auth_results *list)
{
    struct buf *plain = buf_create(256);
    const char *p;
    int quoted = 0, count = 0;

    strip_comments(value, plain);
    p = plain->data;
    /* Skip the authserv-id and version. */
    while (*p && (quoted || *p != ';')) {
        if (*p == '"')
            quoted = !quoted;
        p++;
    }
    while (*p == ';' && count++ < RESINFO_MAX) {
        struct capture_auth_result r;
        size_t n = 0;

        memset(&r, 0, sizeof(r));
        p = skip_ws(p + 1);
        while (method_char(*p) && n < sizeof(r.method) - 1) {
            char c = *p++;

            r.method[n++] = (char) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
        r.method[n] = '\0';
        while (method_char(*p))
            p++;
        if (*p == '/') {                /* method version */
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        p = skip_ws(p);
        if (*p == '=') {
            p = skip_ws(p + 1);
            n = 0;
            while (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                   && n < sizeof(r.result) - 1) {
                char c = *p++;

                r.result[n++] = (char) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
            }
            r.result[n] = '\0';
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                p++;
            p = read_properties(p, r.method, &r);
            if (n > 0) {
                if (strcmp(r.method, "dkim") == 0)
                    set_result(&cap->dkim_result, r.result, 1);
                else if (strcmp(r.method, "spf") == 0)
                    set_result(&cap->spf_result, r.result, 0);
                else if (strcmp(r.method, "dmarc") == 0)
                    set_result(&cap->dmarc_result, r.result, 0);
                if (list != NULL && (strcmp(r.method, "dkim") == 0
                                     || strcmp(r.method, "spf") == 0
                                     || strcmp(r.method, "dmarc") == 0))
                    keep_result(list, &r);
            }
        }
        /* On to the next result. */
        quoted = 0;
        while (*p && (quoted || *p != ';')) {
            if (*p == '"')
                quoted = !quoted;
            p++;
        }
    }
    buf_free(plain);
}

void capture_authres(GMimeMessage *msg, const struct capture_options *opts,
                     struct capture *cap, struct capture_auth_results *list)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    int count = hl ? g_mime_header_list_get_count(hl) : 0;
    int i;
    size_t alloc = 0;

    for (i = 0; i < count; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = h ? g_mime_header_get_name(h) : NULL;
        const char *raw;
        char *value;

        if (name == NULL || strcasecmp(name, "Authentication-Results") != 0)
            continue;
        raw = g_mime_header_get_raw_value(h);
        if (raw == NULL)
            raw = "";
        value = capture_clean_line(raw, strnlen(raw, AUTHRES_MAX * 2),
                                   AUTHRES_MAX);
        if (trusted(value, opts)) {
            list->trusted_headers++;
            read_results(value, cap, list);
        }
        if (cap->auth_results_count < CAPTURE_MAX_AUTH_RESULTS) {
            if (cap->auth_results_count == alloc) {
                alloc = alloc ? 2 * alloc : 4;
                cap->auth_results = xrealloc(cap->auth_results,
                                             alloc * sizeof(char *));
            }
            cap->auth_results[cap->auth_results_count++] = value;
        } else {
            free(value);
        }
    }
}
