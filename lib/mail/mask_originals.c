/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_originals - the original sender addresses of a message; see
 * mask.h.
 *
 * Collected, lowercased (ASCII), each once, first seen first (the envelope
 * sender, then header by header):
 *   1. the envelope sender, without its angle brackets, unless it is null
 *      ("", "<>" or NULL);
 *   2. every mailbox address GMime finds in From, Sender and Reply-To
 *      (groups searched);
 *   3. every address token (mask_find.c) in the raw or RFC 2047-decoded
 *      value of those headers that is not only a mention inside one of
 *      their display names (of a mailbox or of a group): the addresses of
 *      a header GMime cannot parse ("From: Sam sam@example.org") are
 *      originals too, so the rewrite and the self-check see them.
 * An internationalized domain gives both forms, Unicode and ASCII ("xn--"),
 * whichever the message used.  Only addresses with an '@' count, and never
 * the proxy address.  The list is not capped here: mask_rewrite() and
 * mask_body() refuse more than MASK_MAX_ORIGINALS.
 */
#include <stdlib.h>
#include <string.h>

#include "mask_int.h"
#include "xalloc.h"

struct collect {
    struct mask_list *out;
    struct mask_list *names;    /* address tokens of display names */
};

static void add_address(struct mask_list *out, const char *addr)
{
    if (addr != NULL && strchr(addr, '@') != NULL)
        mask_list_add(out, addr, strlen(addr));
}

static void add_mailbox(InternetAddressMailbox *mailbox, void *ctx)
{
    struct collect *c = ctx;
    const char *name = internet_address_get_name(INTERNET_ADDRESS(mailbox));

    add_address(c->out, internet_address_mailbox_get_addr(mailbox));
    add_address(c->out, internet_address_mailbox_get_idn_addr(mailbox));
    if (name != NULL)
        mask_tokens(name, strlen(name), c->names);
}

static void add_group(InternetAddressGroup *group, void *ctx)
{
    struct collect *c = ctx;
    const char *name = internet_address_get_name(INTERNET_ADDRESS(group));

    if (name != NULL)
        mask_tokens(name, strlen(name), c->names);
}

static void add_envelope(const char *sender, struct mask_list *out)
{
    size_t len;
    char *addr;
    InternetAddress *mailbox;

    if (sender == NULL)
        return;
    sender += strspn(sender, " \t");
    len = strlen(sender);
    while (len > 0 && (sender[len - 1] == ' ' || sender[len - 1] == '\t'))
        len--;
    if (len >= 2 && sender[0] == '<' && sender[len - 1] == '>') {
        sender++;
        len -= 2;
    }
    if (len == 0 || memchr(sender, '@', len) == NULL)
        return;
    addr = xstrndup(sender, len);
    mask_list_add(out, addr, len);
    mailbox = internet_address_mailbox_new(NULL, addr);
    add_address(out, internet_address_mailbox_get_addr(
                    INTERNET_ADDRESS_MAILBOX(mailbox)));
    add_address(out, internet_address_mailbox_get_idn_addr(
                    INTERNET_ADDRESS_MAILBOX(mailbox)));
    g_object_unref(mailbox);
    free(addr);
}

static int item_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Adds the tokens of text that are not in names (sorted, lowercased). */
static void add_tokens(const char *text, const struct mask_list *names,
                       struct mask_list *out)
{
    struct mask_list tokens = {0, NULL};
    size_t i;

    mask_tokens(text, strlen(text), &tokens);
    for (i = 0; i < tokens.count; i++)
        if (names->count == 0
            || bsearch(&tokens.items[i], names->items, names->count,
                       sizeof(*names->items), item_cmp) == NULL)
            mask_list_add(out, tokens.items[i], strlen(tokens.items[i]));
    mask_list_free(&tokens);
}

static void add_header(GMimeParserOptions *opts, const char *value,
                       struct mask_list *out)
{
    struct mask_list names = {0, NULL};
    struct collect c = {out, &names};
    InternetAddressList *list = mask_parse_list(opts, value);
    char *decoded;

    if (list != NULL) {
        mask_walk(list, add_mailbox, add_group, &c);
        g_object_unref(list);
    }
    if (names.count > 1)
        qsort(names.items, names.count, sizeof(*names.items), item_cmp);
    add_tokens(value, &names, out);
    decoded = mask_decode_header(opts, value);
    add_tokens(decoded, &names, out);
    free(decoded);
    mask_list_free(&names);
}

void mask_originals(const char *envelope_sender,
                    const struct mask_header *headers, size_t count,
                    const char *proxy, struct mask_list *out)
{
    GMimeParserOptions *opts = mask_parser_options();
    size_t i, n;

    out->count = 0;
    out->items = NULL;
    add_envelope(envelope_sender, out);
    for (i = 0; i < count; i++)
        if (headers[i].name != NULL && headers[i].value != NULL
            && mask_is_sender_header(headers[i].name))
            add_header(opts, headers[i].value, out);
    g_mime_parser_options_free(opts);

    mask_list_unique(out);
    for (i = n = 0; i < out->count; i++) {
        if (proxy != NULL && mask_equal(out->items[i], proxy))
            free(out->items[i]);
        else
            out->items[n++] = out->items[i];
    }
    out->count = n;
}

void mask_list_free(struct mask_list *list)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
