/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_addr - address lists through GMime for the masking modules.
 *
 * mask_parser_options() returns new parser options (the caller frees them
 * with g_mime_parser_options_free()): RFC 2047 and address parsing in
 * GMime's loose mode, 8-bit header bytes read as UTF-8, else Windows-1252,
 * as capture.c reads them.
 *
 * mask_parse_list() parses a header value as an address list; it returns a
 * new list (g_object_unref()) or NULL when GMime finds no address in it.
 * mask_walk() calls fn for every mailbox of a list, in order, inside
 * groups too (at most MASK_GROUP_DEPTH levels), and group_fn (unless NULL)
 * for every group before its members; mask_walk_mailboxes() is mask_walk()
 * without group_fn.
 *
 * mask_decode_header() returns a new string (free()): value with its RFC
 * 2047 encoded words decoded to UTF-8.
 *
 * mask_print_list() appends the list as the value of a header called name
 * would carry it: each address as GMime prints it (encoded words for
 * non-ASCII names, quoted strings where needed) on one line, the list
 * folded with "\n\t" between addresses where a line counting "name: "
 * would pass MASK_FOLD_COLUMN; no leading white space and no line end.
 * (GMime's own folding also breaks inside a mailbox, between the name and
 * "<addr>", which a 60-character proxy address makes the common case.)
 *
 * mask_address_header() tells which of the ten headers that carry sender
 * or recipient addresses name is (MASK_HEADER_*, ASCII case ignored), or
 * -1; mask_address_header_name() gives the canonical spelling.
 * mask_is_sender_header() is true for From, Sender and Reply-To.
 */
#include <stdlib.h>
#include <string.h>

#include "mask_int.h"
#include "xalloc.h"

static const char *const address_headers[MASK_HEADER_COUNT] = {
    "From", "Sender", "Reply-To", "Return-Path", "Errors-To",
    "Disposition-Notification-To", "Resent-From", "Resent-Sender", "To",
    "Cc",
};

GMimeParserOptions *mask_parser_options(void)
{
    GMimeParserOptions *opts = g_mime_parser_options_new();
    const char *fallback[] = {"UTF-8", "windows-1252", NULL};   /* copied */

    g_mime_parser_options_set_fallback_charsets(opts, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(opts,
                                                      GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(opts,
                                                      GMIME_RFC_COMPLIANCE_LOOSE);
    return opts;
}

InternetAddressList *mask_parse_list(GMimeParserOptions *opts,
                                     const char *value)
{
    InternetAddressList *list = internet_address_list_parse(opts, value);

    if (list != NULL && internet_address_list_length(list) == 0) {
        g_object_unref(list);
        list = NULL;
    }
    return list;
}

static void walk(InternetAddressList *list, mask_mailbox_fn fn,
                 mask_group_fn group_fn, void *ctx, int depth)
{
    int i, n = list ? internet_address_list_length(list) : 0;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);

        if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            fn(INTERNET_ADDRESS_MAILBOX(ia), ctx);
        } else if (INTERNET_ADDRESS_IS_GROUP(ia) && depth < MASK_GROUP_DEPTH) {
            InternetAddressGroup *group = INTERNET_ADDRESS_GROUP(ia);

            if (group_fn != NULL)
                group_fn(group, ctx);
            walk(internet_address_group_get_members(group), fn, group_fn,
                 ctx, depth + 1);
        }
    }
}

void mask_walk(InternetAddressList *list, mask_mailbox_fn fn,
               mask_group_fn group_fn, void *ctx)
{
    walk(list, fn, group_fn, ctx, 0);
}

void mask_walk_mailboxes(InternetAddressList *list, mask_mailbox_fn fn,
                         void *ctx)
{
    walk(list, fn, NULL, ctx, 0);
}

char *mask_decode_header(GMimeParserOptions *opts, const char *value)
{
    char *decoded = g_mime_utils_header_decode_text(opts, value);
    char *copy = xstrdup(decoded ? decoded : "");

    g_free(decoded);
    return copy;
}

void mask_print_list(InternetAddressList *list, const char *name,
                     struct buf *out)
{
    int i, n = internet_address_list_length(list);
    size_t line = strlen(name) + 2;

    for (i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        char *s = internet_address_to_string(ia, NULL, TRUE);
        size_t len = strlen(s);

        if (i > 0) {
            buf_append_char(out, ',');
            line++;
            if (line + 1 + len > MASK_FOLD_COLUMN) {
                buf_append(out, "\n\t", 2);
                line = 8;
            } else {
                buf_append_char(out, ' ');
                line++;
            }
        }
        buf_append(out, s, len);
        line += len;
        g_free(s);
    }
}

int mask_address_header(const char *name)
{
    int i;

    for (i = 0; i < MASK_HEADER_COUNT; i++)
        if (mask_equal(name, address_headers[i]))
            return i;
    return -1;
}

const char *mask_address_header_name(int which)
{
    return address_headers[which];
}

int mask_is_sender_header(const char *name)
{
    int which = mask_address_header(name);

    return which == MASK_HEADER_FROM || which == MASK_HEADER_SENDER
        || which == MASK_HEADER_REPLY_TO;
}
