/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_request - parse and check the body of POST /v1/conversations; see
 * conv_request.h.
 *
 * The body goes through jansson with duplicate members refused (invalid
 * UTF-8, "\u0000" and trailing bytes are refused by jansson itself).  Each
 * object is then checked the same way: unknown members first (the first
 * one, in the order of the document), then its fields in the order of the
 * contract.  The first fault wins, so one body always gives one error.
 *
 * What "valid" means:
 *   id      1..CONV_ID_MAX bytes of [A-Za-z0-9._-]
 *   name    1..CONV_NAME_MAX characters, no control characters (C0, DEL,
 *           C1, U+2028, U+2029)
 *   email   a dot-atom addr-spec, at most 254 bytes: a local part of
 *           RFC 5322 atext and single dots, at most 64 bytes, "@", and a
 *           domain of two or more DNS labels (letters, digits, inner
 *           hyphens, 1..63 bytes each); no quoted local parts, no
 *           address literals, ASCII only
 *   E.164   "+", a digit 1-9, then 1..14 more digits
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conv_request.h"
#include "utf8.h"
#include "xalloc.h"

#define EMAIL_MAX       254
#define LOCAL_MAX       64
#define LABEL_MAX       63

/* Checks. */

int conv_valid_id(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')
              || (s[n] >= '0' && s[n] <= '9')
              || s[n] == '.' || s[n] == '_' || s[n] == '-'))
            return 0;
    return n >= 1 && n <= CONV_ID_MAX;
}

int conv_valid_e164(const char *s)
{
    size_t n;

    if (s[0] != '+' || s[1] < '1' || s[1] > '9')
        return 0;
    for (n = 1; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n - 1 >= 2 && n - 1 <= 15;
}

static int atext(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int label_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-';
}

int conv_valid_email(const char *s)
{
    const char *at = strrchr(s, '@');
    const char *p, *label;
    size_t labels = 0;

    if (at == NULL || at == s || strlen(s) > EMAIL_MAX
        || (size_t) (at - s) > LOCAL_MAX)
        return 0;
    /* Local part: dot-atom. */
    for (p = s; p < at; p++) {
        if (*p == '.') {
            if (p == s || p + 1 == at || p[1] == '.')
                return 0;
        } else if (!atext((unsigned char) *p)) {
            return 0;
        }
    }
    /* Domain: two or more labels. */
    for (label = p = at + 1;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t len = (size_t) (p - label);

            if (len == 0 || len > LABEL_MAX || label[0] == '-'
                || p[-1] == '-')
                return 0;
            labels++;
            if (*p == '\0')
                break;
            label = p + 1;
        } else if (!label_char((unsigned char) *p)) {
            return 0;
        }
    }
    return labels >= 2;
}

/* 0: fine; 1: too long; 2: a control character. */
static int name_fault(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t chars = 0;
    unsigned long cp;

    while (*p) {
        p += utf8_decode(p, &cp);
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028
            || cp == 0x2029)
            return 2;
        chars++;
    }
    return chars > CONV_NAME_MAX ? 1 : 0;
}

/* The parser. */

struct parse {
    struct conv_request_error *err;
};

static int fail(struct parse *ps, const char *code, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct parse *ps, const char *code, const char *field,
                const char *fmt, ...)
{
    va_list ap;

    ps->err->code = code;
    snprintf(ps->err->field, sizeof(ps->err->field), "%s", field ? field : "");
    if (ps->err->message != NULL) {
        va_start(ap, fmt);
        buf_vprintf(ps->err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* An unknown member's name in a dotted path: an empty one shows as "". */
static const char *key_label(const char *key)
{
    return *key ? key : "\"\"";
}

/* Refuses the first member of obj that names is missing. */
static int known_members(struct parse *ps, json_t *obj, const char *prefix,
                         const char *const *names)
{
    const char *key;
    json_t *value;
    char path[128];
    size_t i;

    json_object_foreach(obj, key, value) {
        for (i = 0; names[i] != NULL; i++)
            if (strcmp(key, names[i]) == 0)
                break;
        if (names[i] == NULL) {
            snprintf(path, sizeof(path), "%s.%s", prefix, key_label(key));
            return fail(ps, "unknown_field", path, "%s is not a known field",
                        path);
        }
    }
    return 0;
}

enum kind { K_ID, K_NAME, K_EMAIL, K_E164 };

/*
 * Reads the string member name of obj into *out (absent: NULL, which is
 * an error when required).
 */
static int string_field(struct parse *ps, json_t *obj, const char *prefix,
                        const char *name, enum kind kind, int required,
                        char **out)
{
    json_t *v = json_object_get(obj, name);
    char path[128];
    const char *s;
    int fault;

    snprintf(path, sizeof(path), "%s.%s", prefix, name);
    if (v == NULL) {
        if (required)
            return fail(ps, "missing_field", path, "%s is required", path);
        return 0;
    }
    if (!json_is_string(v))
        return fail(ps, "invalid_field", path, "%s must be a string, not %s",
                    path, json_type_name(v));
    s = json_string_value(v);
    if (*s == '\0')
        return fail(ps, "invalid_field", path, "%s must not be empty", path);
    switch (kind) {
    case K_ID:
        if (!conv_valid_id(s))
            return fail(ps, "invalid_field", path, "%s must be 1 to %d "
                        "letters, digits, '.', '_' or '-'", path,
                        CONV_ID_MAX);
        break;
    case K_NAME:
        if ((fault = name_fault(s)) == 1)
            return fail(ps, "invalid_field", path, "%s is longer than %d "
                        "characters", path, CONV_NAME_MAX);
        if (fault == 2)
            return fail(ps, "invalid_field", path, "%s must not contain "
                        "control characters", path);
        break;
    case K_EMAIL:
        if (strlen(s) > EMAIL_MAX)
            return fail(ps, "invalid_field", path, "%s is longer than %d "
                        "bytes", path, EMAIL_MAX);
        if (!conv_valid_email(s))
            return fail(ps, "invalid_field", path, "%s is not an email "
                        "address of the form local@domain.example", path);
        break;
    case K_E164:
        if (strncmp(s, "whatsapp:", 9) == 0)
            return fail(ps, "invalid_field", path, "%s must be a number in "
                        "E.164 form without \"whatsapp:\"", path);
        if (!conv_valid_e164(s))
            return fail(ps, "invalid_field", path, "%s must be a number in "
                        "E.164 form: '+' and 2 to 15 digits, the first not 0",
                        path);
        break;
    }
    *out = xstrdup(s);
    return 0;
}

/* An optional member that must be an object; *out NULL when absent. */
static int object_field(struct parse *ps, json_t *obj, const char *name,
                        int required, json_t **out)
{
    json_t *v = json_object_get(obj, name);

    *out = NULL;
    if (v == NULL) {
        if (required)
            return fail(ps, "missing_field", name, "%s is required", name);
        return 0;
    }
    if (!json_is_object(v))
        return fail(ps, "invalid_field", name, "%s must be an object, not %s",
                    name, json_type_name(v));
    *out = v;
    return 0;
}

static int parse_party(struct parse *ps, json_t *obj, const char *prefix,
                       int seeker, struct conv_party *party)
{
    static const char *const seeker_names[] = {
        "id", "name", "email", "sms", "whatsapp", "chat", NULL,
    };
    static const char *const contact_names[] = {
        "id", "name", "email", "sms", "whatsapp", NULL,
    };
    json_t *chat;

    if (known_members(ps, obj, prefix,
                      seeker ? seeker_names : contact_names) < 0
        || string_field(ps, obj, prefix, "id", K_ID, 1, &party->id) < 0
        || string_field(ps, obj, prefix, "name", K_NAME, 1, &party->name) < 0
        || string_field(ps, obj, prefix, "email", K_EMAIL, !seeker,
                        &party->email) < 0
        || string_field(ps, obj, prefix, "sms", K_E164, 0, &party->sms) < 0
        || string_field(ps, obj, prefix, "whatsapp", K_E164, 0,
                        &party->whatsapp) < 0)
        return -1;
    if (!seeker)
        return 0;
    if ((chat = json_object_get(obj, "chat")) != NULL) {
        if (!json_is_boolean(chat))
            return fail(ps, "invalid_field", "seeker.chat", "seeker.chat must "
                        "be true or false, not %s", json_type_name(chat));
        party->chat = json_is_true(chat);
    }
    if (party->sms == NULL && party->whatsapp == NULL && !party->chat)
        return fail(ps, "missing_field", "seeker", "seeker needs at least one "
                    "of sms, whatsapp and \"chat\": true");
    return 0;
}

static int parse_body(struct parse *ps, json_t *root, struct conv_request *req)
{
    static const char *const top_names[] = {
        "seeker", "building_contact", "listing", NULL,
    };
    static const char *const listing_names[] = {"id", "title", NULL};
    json_t *seeker, *contact, *listing;
    const char *key;
    json_t *value;
    size_t i;

    json_object_foreach(root, key, value) {
        for (i = 0; top_names[i] != NULL; i++)
            if (strcmp(key, top_names[i]) == 0)
                break;
        if (top_names[i] == NULL)
            return fail(ps, "unknown_field", key_label(key),
                        "%s is not a known field", key_label(key));
    }
    if (object_field(ps, root, "seeker", 1, &seeker) < 0
        || parse_party(ps, seeker, "seeker", 1, &req->seeker) < 0
        || object_field(ps, root, "building_contact", 1, &contact) < 0
        || parse_party(ps, contact, "building_contact", 0, &req->contact) < 0
        || object_field(ps, root, "listing", 0, &listing) < 0)
        return -1;
    if (listing != NULL
        && (known_members(ps, listing, "listing", listing_names) < 0
            || string_field(ps, listing, "listing", "id", K_ID, 1,
                            &req->listing_id) < 0
            || string_field(ps, listing, "listing", "title", K_NAME, 0,
                            &req->listing_title) < 0))
        return -1;
    return 0;
}

int conv_request_parse(const char *body, size_t len, struct conv_request *req,
                       struct conv_request_error *err)
{
    struct parse ps;
    json_error_t jerr;
    json_t *root;
    int ret;

    memset(req, 0, sizeof(*req));
    err->code = NULL;
    err->field[0] = '\0';
    ps.err = err;
    if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
        return fail(&ps, "invalid_json", NULL, "invalid JSON at line %d, "
                    "column %d: %s", jerr.line, jerr.column, jerr.text);
    if (!json_is_object(root)) {
        ret = fail(&ps, "invalid_json", NULL, "the body must be a JSON "
                   "object, not %s", json_type_name(root));
    } else {
        ret = parse_body(&ps, root, req);
    }
    json_decref(root);
    if (ret < 0)
        conv_request_free(req);
    return ret;
}

static void party_free(struct conv_party *p)
{
    free(p->id);
    free(p->name);
    free(p->email);
    free(p->sms);
    free(p->whatsapp);
}

void conv_request_free(struct conv_request *req)
{
    party_free(&req->seeker);
    party_free(&req->contact);
    free(req->listing_id);
    free(req->listing_title);
    memset(req, 0, sizeof(*req));
}
