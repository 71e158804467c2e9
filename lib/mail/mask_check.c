/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_check - the self-check: would an original sender address leave in
 * a header?  See mask.h for the contract.
 *
 * The headers as they will leave are the given ones with the CHANGEs'
 * values in place of theirs, without the DELETEd ones, and the ADDed ones
 * at the end.  A CHANGE or DELETE that names no existing header (name and
 * occurrence) changes nothing, except that a CHANGE then adds its header,
 * as Postfix's cleanup does.  Each header is looked at four ways (mask.h):
 * its name and raw value, its value with RFC 2047 words decoded, its value
 * with %XX escapes decoded, and, for the ten address headers, the mailbox
 * addresses GMime parses out of it.
 */
#include <stdlib.h>
#include <string.h>

#include "mask_int.h"
#include "xalloc.h"

struct check {
    const struct mask_list *originals;
    const struct mask_matcher *matcher;
    GMimeParserOptions *opts;
    int found;
};

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = mask_ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int percent_leaks(const struct check *c, const char *value)
{
    struct buf *b;
    const char *p;
    int leaks;

    if (strchr(value, '%') == NULL)
        return 0;
    b = buf_create(strlen(value) + 1);
    for (p = value; *p; p++) {
        int hi, lo;

        if (*p == '%' && (hi = hex_digit((unsigned char) p[1])) >= 0
            && (lo = hex_digit((unsigned char) p[2])) >= 0) {
            buf_append_char(b, hi * 16 + lo);
            p += 2;
        } else {
            buf_append_char(b, *p);
        }
    }
    leaks = mask_contains(c->matcher, b->data, b->len);
    buf_free(b);
    return leaks;
}

static void check_mailbox(InternetAddressMailbox *mailbox, void *ctx)
{
    struct check *c = ctx;
    const char *addr = internet_address_mailbox_get_addr(mailbox);
    const char *idn = internet_address_mailbox_get_idn_addr(mailbox);

    if ((addr != NULL && mask_list_has(c->originals, addr))
        || (idn != NULL && mask_list_has(c->originals, idn)))
        c->found = 1;
}

static int leaks(struct check *c, const char *name, const char *value)
{
    char *decoded;
    int found;

    if (mask_contains(c->matcher, name, strlen(name))
        || mask_contains(c->matcher, value, strlen(value))
        || percent_leaks(c, value))
        return 1;
    decoded = mask_decode_header(c->opts, value);
    found = mask_contains(c->matcher, decoded, strlen(decoded));
    free(decoded);
    if (!found && mask_address_header(name) >= 0) {
        InternetAddressList *list = mask_parse_list(c->opts, value);

        c->found = 0;
        if (list != NULL) {
            mask_walk_mailboxes(list, check_mailbox, c);
            g_object_unref(list);
        }
        found = c->found;
    }
    return found;
}

const char *mask_check(const struct mask_header *headers, size_t count,
                       const struct mask_result *changes,
                       const struct mask_list *originals)
{
    struct mask_matcher matcher;
    struct check c;
    struct mask_index *ix = mask_index_create(headers, count);
    const char **values = xcalloc(count + 1, sizeof(*values));
    char *deleted = xcalloc(count + 1, 1);
    char *added = NULL;
    const char *leak = NULL;
    size_t i, nchanges = changes ? changes->count : 0;

    mask_matcher_init(&matcher, originals);
    c.originals = originals;
    c.matcher = &matcher;
    c.opts = mask_parser_options();
    added = xcalloc(nchanges + 1, 1);
    for (i = 0; i < nchanges; i++) {
        const struct mask_change *ch = &changes->changes[i];
        long pos;

        if (ch->op == MASK_ADD) {
            added[i] = 1;
            continue;
        }
        pos = mask_index_find(ix, ch->name, ch->index);
        if (pos < 0 || deleted[pos]) {
            added[i] = ch->op == MASK_CHANGE;
        } else if (ch->op == MASK_DELETE) {
            deleted[pos] = 1;
        } else {
            values[pos] = ch->value;
        }
    }
    for (i = 0; i < count && leak == NULL; i++) {
        if (deleted[i])
            continue;
        if (leaks(&c, headers[i].name,
                  values[i] ? values[i] : headers[i].value))
            leak = headers[i].name;
    }
    for (i = 0; i < nchanges && leak == NULL; i++) {
        const struct mask_change *ch = &changes->changes[i];

        if (added[i] && leaks(&c, ch->name, ch->value ? ch->value : ""))
            leak = ch->name;
    }
    free(added);
    free(deleted);
    free(values);
    mask_index_free(ix);
    g_mime_parser_options_free(c.opts);
    mask_matcher_free(&matcher);
    return leak;
}
