/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_headers - mask_rewrite(): the header changes that mask a message;
 * see mask.h for the contract.
 *
 * One pass over the headers decides each header's fate: deleted (internal
 * or submitter-revealing), the Reply-To (the first is replaced, any other
 * deleted), rewritten (an address header in which an original appears), or
 * left alone.  An address header is parsed with GMime; each mailbox whose
 * address (or its "xn--" form) is an original gets the proxy address and
 * the display name rules; originals in display names are replaced as text;
 * the list is then printed back (mask_print_list()) and, as last guards,
 * any original still standing in the printed text is replaced as text, and
 * text a decoder would read an original out of has its "=?" broken
 * (guard_decoded(): only what GMime could not parse gets there).  A
 * header GMime finds no address in is masked as text.  Names GMime prints
 * are made printable first (clean_name()): no control character decoded
 * from an encoded word, so no line break GMime did not fold, and no
 * literal "=?" a decoder could take for an encoded word.
 *
 * The result owns every string in it; mask_result_free() releases them.
 */
#include <stdlib.h>
#include <string.h>

#include "mask_int.h"
#include "xalloc.h"

static const char *const revealing_headers[] = {
    "X-Originating-IP", "X-Sender-IP", "X-Mailer-Sender",
    "X-Authenticated-User", "X-Authenticated-Sender", "X-Forwarded-For",
    "X-Real-IP", "X-PHP-Originating-Script", "X-PHP-Script", "X-Source",
    "X-Source-Args", "X-Source-Dir", NULL,
};

#define INTERNAL_PREFIX "X-Postmask-"

struct rewrite {
    const struct mask_list *originals;
    const struct mask_matcher *matcher;
    const char *proxy;
    const char *display_format;
    GMimeParserOptions *opts;
    size_t rewritten;           /* mailboxes changed in the current header */
    int want_name;              /* looking for the Reply-To name */
    int have_name;
    char *name;                 /* the Reply-To name found (may be NULL) */
};

static int deleted_header(const char *name)
{
    size_t i;

    if (mask_equal_n(name, INTERNAL_PREFIX, strlen(INTERNAL_PREFIX))
        && strlen(name) >= strlen(INTERNAL_PREFIX))
        return 1;
    for (i = 0; revealing_headers[i]; i++)
        if (mask_equal(name, revealing_headers[i]))
            return 1;
    return 0;
}

static int is_original(const struct mask_list *originals,
                       InternetAddressMailbox *mailbox)
{
    const char *addr = internet_address_mailbox_get_addr(mailbox);
    const char *idn = internet_address_mailbox_get_idn_addr(mailbox);

    return (addr != NULL && mask_list_has(originals, addr))
        || (idn != NULL && mask_list_has(originals, idn));
}

/* name with originals replaced; NULL when it is then only the proxy. */
static char *masked_name(const struct rewrite *rw, const char *name)
{
    struct buf *b = buf_create(64);
    size_t start = 0, end;

    mask_replace(rw->matcher, name, strlen(name), rw->proxy, b);
    while (start < b->len && strchr(" \t\"'<>", b->data[start]) != NULL)
        start++;
    end = b->len;
    while (end > start && strchr(" \t\"'<>", b->data[end - 1]) != NULL)
        end--;
    if (end - start == strlen(rw->proxy)
        && mask_equal_n(b->data + start, rw->proxy, end - start)) {
        buf_free(b);
        return NULL;
    }
    return buf_detach(b, NULL);
}

/* display_format with its first "%s" replaced by name (a new string). */
static char *formatted_name(const char *format, const char *name)
{
    const char *p = strstr(format, "%s");
    struct buf *b = buf_create(64);

    if (p == NULL) {
        buf_append_str(b, format);
    } else {
        buf_append(b, format, (size_t) (p - format));
        buf_append_str(b, name);
        buf_append_str(b, p + 2);
    }
    return buf_detach(b, NULL);
}

char *mask_display_name(const char *display_format, const char *name)
{
    if (display_format == NULL || *display_format == '\0' || name == NULL
        || *name == '\0')
        return xstrdup(name ? name : "");
    return formatted_name(display_format, name);
}

/*
 * A printable name (a new string), or NULL when name is one already:
 * control characters become spaces, and a literal "=?" becomes "= ?", so
 * that no decoder reads an encoded word into a name GMime prints as a
 * quoted string (what it would decode to is not what was masked).
 */
static char *clean_name(const char *name)
{
    const unsigned char *p;
    struct buf *b;

    for (p = (const unsigned char *) name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == '=' && p[1] == '?'))
            break;
    if (*p == '\0')
        return NULL;
    b = buf_create(strlen(name) + 16);
    for (p = (const unsigned char *) name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            buf_append_char(b, ' ');
        else if (p[0] == '=' && p[1] == '?')
            buf_append(b, "= ", 2);
        else
            buf_append_char(b, *p);
    }
    return buf_detach(b, NULL);
}

/* The name a rewritten mailbox gets: a new string, or NULL for none. */
static char *new_name(const struct rewrite *rw, const char *name,
                      int original)
{
    char *masked, *formatted;

    if (name == NULL || *name == '\0')
        return NULL;
    masked = masked_name(rw, name);
    if (masked == NULL || *masked == '\0' || !original
        || rw->display_format == NULL) {
        if (masked != NULL && *masked == '\0') {
            free(masked);
            masked = NULL;
        }
        return masked;
    }
    formatted = formatted_name(rw->display_format, masked);
    free(masked);
    return formatted;
}

static void rewrite_mailbox(InternetAddressMailbox *mailbox, void *ctx)
{
    struct rewrite *rw = ctx;
    InternetAddress *ia = INTERNET_ADDRESS(mailbox);
    const char *name = internet_address_get_name(ia);
    int original = is_original(rw->originals, mailbox);
    int name_leaks = name != NULL
        && mask_contains(rw->matcher, name, strlen(name));
    char *clean;

    if (rw->want_name && original && !rw->have_name) {
        rw->have_name = 1;
        rw->name = new_name(rw, name, 1);
    }
    if (original || name_leaks) {
        char *n = new_name(rw, name, original);

        if (original)
            internet_address_mailbox_set_addr(mailbox, rw->proxy);
        internet_address_set_name(ia, n);
        free(n);
        rw->rewritten++;
    }
    name = internet_address_get_name(ia);
    if (name != NULL && (clean = clean_name(name)) != NULL) {
        internet_address_set_name(ia, clean);
        free(clean);
    }
}

/* A group's name gets the originals in it replaced, and no control bytes. */
static void rewrite_group(InternetAddressGroup *group, void *ctx)
{
    struct rewrite *rw = ctx;
    InternetAddress *ia = INTERNET_ADDRESS(group);
    const char *name = internet_address_get_name(ia);
    struct buf *b;
    char *clean;

    if (name == NULL)
        return;
    if (mask_contains(rw->matcher, name, strlen(name))) {
        b = buf_create(64);
        mask_replace(rw->matcher, name, strlen(name), rw->proxy, b);
        internet_address_set_name(ia, b->data);
        buf_free(b);
        rw->rewritten++;
        name = internet_address_get_name(ia);
    }
    if ((clean = clean_name(name)) != NULL) {
        internet_address_set_name(ia, clean);
        free(clean);
    }
}

/*
 * The last guard: when value, RFC 2047-decoded, still shows an original
 * (text GMime could not parse, printed back, that a decoder reads as an
 * encoded word around it; or a name GMime's Q encoder wrote with a literal
 * "=F6" unescaped, so that "J=F6seeker@x.com" decodes to "Jöseeker@x.com"),
 * every "=?" in value becomes "= ?", so that it decodes to itself, and the
 * originals in that text are replaced.  Only garbage gets here; returns
 * the buffer to use (value, or a new one).
 */
static struct buf *guard_decoded(const struct rewrite *rw, struct buf *value)
{
    char *decoded = mask_decode_header(rw->opts, value->data);
    int leaks = mask_contains(rw->matcher, decoded, strlen(decoded));
    struct buf *broken, *out;
    size_t i;

    free(decoded);
    if (!leaks)
        return value;
    broken = buf_create(value->len + 64);
    for (i = 0; i < value->len; i++) {
        buf_append_char(broken, value->data[i]);
        if (value->data[i] == '=' && i + 1 < value->len
            && value->data[i + 1] == '?')
            buf_append_char(broken, ' ');
    }
    out = buf_create(broken->len + 64);
    mask_replace(rw->matcher, broken->data, broken->len, rw->proxy, out);
    buf_free(broken);
    buf_free(value);
    return out;
}

/*
 * The new value of an address header (a new string), or NULL when no
 * original appears in it; rw->rewritten counts the mailboxes changed.
 */
static char *rewrite_value(struct rewrite *rw, int which, const char *name,
                           const char *value)
{
    InternetAddressList *list = mask_parse_list(rw->opts, value);
    char *decoded = mask_decode_header(rw->opts, value);
    int appears = mask_contains(rw->matcher, value, strlen(value))
        || mask_contains(rw->matcher, decoded, strlen(decoded));
    struct buf *printed, *out;

    free(decoded);
    rw->rewritten = 0;
    if (list != NULL)
        mask_walk(list, rewrite_mailbox, rewrite_group, rw);
    if (rw->rewritten == 0 && !appears) {
        if (list != NULL)
            g_object_unref(list);
        return NULL;
    }
    printed = buf_create(256);
    if (which == MASK_HEADER_RETURN_PATH) {
        buf_printf(printed, "<%s>", rw->proxy);
        rw->rewritten = 1;
    } else if (list != NULL) {
        mask_print_list(list, name, printed);
    } else {
        buf_append_str(printed, value + strspn(value, " \t\r\n"));
    }
    if (list != NULL)
        g_object_unref(list);
    out = buf_create(printed->len + 64);
    if (mask_replace(rw->matcher, printed->data, printed->len, rw->proxy, out)
        > 0 && list == NULL)
        rw->rewritten++;
    buf_free(printed);
    return buf_detach(guard_decoded(rw, out), NULL);
}

/* The new Reply-To value: the proxy, named as rw->name says. */
static char *reply_to_value(const struct rewrite *rw)
{
    InternetAddressList *list = internet_address_list_new();
    char *clean = rw->name ? clean_name(rw->name) : NULL;
    InternetAddress *mailbox = internet_address_mailbox_new(
        clean ? clean : rw->name, rw->proxy);
    struct buf *b = buf_create(128);

    free(clean);
    internet_address_list_add(list, mailbox);
    g_object_unref(mailbox);
    mask_print_list(list, "Reply-To", b);
    g_object_unref(list);
    return buf_detach(guard_decoded(rw, b), NULL);
}

static void add_change(struct mask_result *out, enum mask_op op,
                       const char *name, int index, char *value)
{
    struct mask_change *c = &out->changes[out->count++];

    c->op = op;
    c->name = xstrdup(name);
    c->index = index;
    c->value = value;
}

static void fields_text(const size_t counts[MASK_HEADER_COUNT],
                        struct mask_result *out)
{
    int i;

    out->fields = buf_create(64);
    for (i = 0; i < MASK_HEADER_COUNT; i++) {
        if (counts[i] == 0)
            continue;
        buf_printf(out->fields, "%s%s=%zu", out->fields->len ? " " : "",
                   mask_address_header_name(i), counts[i]);
        out->rewritten += counts[i];
    }
}

int mask_rewrite(const struct mask_header *headers, size_t count,
                 const struct mask_list *originals, const char *proxy,
                 const char *display_format, struct mask_result *out,
                 struct buf *why)
{
    struct mask_matcher matcher;
    struct rewrite rw;
    struct mask_index *ix;
    char **values;
    char *deleted;
    size_t counts[MASK_HEADER_COUNT] = {0};
    size_t i;
    long reply_to = -1;

    memset(out, 0, sizeof(*out));
    if (mask_inputs_ok(originals, proxy, why) < 0)
        return -1;
    mask_matcher_init(&matcher, originals);
    memset(&rw, 0, sizeof(rw));
    rw.originals = originals;
    rw.matcher = &matcher;
    rw.proxy = proxy;
    rw.display_format = display_format;
    rw.opts = mask_parser_options();
    ix = mask_index_create(headers, count);
    values = xcalloc(count + 1, sizeof(*values));
    deleted = xcalloc(count + 1, 1);

    for (i = 0; i < count; i++) {
        const char *name = headers[i].name;
        int which;

        if (deleted_header(name)) {
            deleted[i] = 1;
            continue;
        }
        which = mask_address_header(name);
        if (which == MASK_HEADER_REPLY_TO) {
            if (reply_to >= 0) {
                deleted[i] = 1;
                continue;
            }
            reply_to = (long) i;
            if (!rw.have_name) {
                InternetAddressList *list = mask_parse_list(rw.opts,
                                                            headers[i].value);

                rw.want_name = 1;
                rw.rewritten = 0;
                if (list != NULL) {
                    mask_walk_mailboxes(list, rewrite_mailbox, &rw);
                    g_object_unref(list);
                }
                rw.want_name = 0;
            }
        } else if (which >= 0) {
            values[i] = rewrite_value(&rw, which, name, headers[i].value);
            if (values[i] != NULL)
                counts[which] += rw.rewritten;
        }
    }

    out->changes = xcalloc(count + 1, sizeof(*out->changes));
    if (reply_to >= 0)
        values[reply_to] = reply_to_value(&rw);
    counts[MASK_HEADER_REPLY_TO] = 1;
    for (i = 0; i < count; i++)
        if (values[i] != NULL)
            add_change(out, MASK_CHANGE, headers[i].name,
                       mask_index_occurrence(ix, i), values[i]);
    for (i = count; i-- > 0;)
        if (deleted[i])
            add_change(out, MASK_DELETE, headers[i].name,
                       mask_index_occurrence(ix, i), NULL);
    if (reply_to < 0)
        add_change(out, MASK_ADD, "Reply-To", 0, reply_to_value(&rw));
    fields_text(counts, out);

    free(rw.name);
    free(deleted);
    free(values);
    mask_index_free(ix);
    g_mime_parser_options_free(rw.opts);
    mask_matcher_free(&matcher);
    return 0;
}

void mask_result_free(struct mask_result *result)
{
    size_t i;

    if (result == NULL)
        return;
    for (i = 0; i < result->count; i++) {
        free(result->changes[i].name);
        free(result->changes[i].value);
    }
    free(result->changes);
    buf_free(result->fields);
    memset(result, 0, sizeof(*result));
}
