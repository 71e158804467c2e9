/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_mask - arbitrary bytes through the outbound masking functions:
 * mask_originals(), mask_rewrite(), mask_check() and mask_body().
 *
 * Input: the first byte chooses the options (bit 0: display format "%s
 * via Example Homes", bit 1: a null envelope sender, else the first line
 * is the envelope sender); the rest is a message.  Its header block
 * ("Name: value" lines up to the first empty line, continuation lines
 * folded in with "\n", lines without a colon skipped, NUL made a space)
 * becomes the header list libmilter would give (SMFIP_HDR_LEADSPC), and
 * the whole message goes through mask_body().  Plain .eml files with a
 * flags byte and an envelope line in front are seeds
 * (tests/fuzz/corpus/mask/).
 *
 * Beyond "no crash, no leak, no undefined behaviour", any violation of
 * these aborts:
 *   - originals are lowercase, hold an '@', are not the proxy, no repeats;
 *   - mask_rewrite() fails exactly when there are more than
 *     MASK_MAX_ORIGINALS, then with a reason and an empty result;
 *   - its changes: CHANGEs, then DELETEs, then one ADD at most; names not
 *     empty; indexes name existing headers; deletions of one name from the
 *     highest index down; values without leading white space, line end or
 *     a line break not followed by white space; exactly one Reply-To set;
 *     no X-Postmask-* header left;
 *   - the Reply-To value, and the new value of every address header GMime
 *     can parse, hold no original as the rewrite promises (mask.h): not in
 *     the raw text, not after RFC 2047 decoding, not as a parsed mailbox
 *     (the self-check also looks at %-escapes, on purpose stricter: such a
 *     message is refused); mask_check() over the result returns NULL or
 *     the name of a header that leaves;
 *   - mask_body(), on the message as it is and with bare LF made CRLF (as
 *     Postfix hands a body to a milter): 1 with a body without bare LF, 0
 *     or -1 (with a reason) with nothing written; on CRLF input, masking
 *     its result again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "capture.h"
#include "mask.h"
#include "mask_int.h"
#include "msg.h"
#include "xalloc.h"

#define PROXY "k1-c4nqx7@reply.example.com"
#define MAX_HEADERS 512

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    struct mask_header h[MAX_HEADERS];
    char *names[MAX_HEADERS];
    char *values[MAX_HEADERS];
    size_t count;
};

static char *copy_clean(const char *s, size_t len)
{
    char *c = xmalloc(len + 1);
    size_t i;

    memcpy(c, s, len);
    c[len] = '\0';
    for (i = 0; i < len; i++)
        if (c[i] == '\0')
            c[i] = ' ';
    return c;
}

static void add_header(struct input *in, char *name, struct buf *value)
{
    in->names[in->count] = name;
    in->values[in->count] = buf_detach(value, NULL);
    in->count++;
}

/* The header list of msg (len bytes); see the file comment. */
static void split_headers(const char *msg, size_t len, struct input *in)
{
    size_t pos = 0;
    struct buf *value = NULL;
    char *name = NULL;

    in->count = 0;
    while (pos < len) {
        const char *line = msg + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - line) : len - pos;
        const char *colon;
        char *c;

        pos += n + (nl ? 1 : 0);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
            if (value != NULL) {
                c = copy_clean(line, n);
                buf_append_char(value, '\n');
                buf_append_str(value, c);
                free(c);
            }
            continue;
        }
        if (name != NULL) {
            add_header(in, name, value);
            name = NULL;
            value = NULL;
        }
        if (n == 0 || in->count == MAX_HEADERS)
            break;
        colon = memchr(line, ':', n);
        if (colon == NULL || colon == line)
            continue;
        name = copy_clean(line, (size_t) (colon - line));
        value = buf_create(n);
        c = copy_clean(colon + 1, n - (size_t) (colon - line) - 1);
        buf_append_str(value, c);
        free(c);
    }
    if (name != NULL)
        add_header(in, name, value);
    for (pos = 0; pos < in->count; pos++) {
        in->h[pos].name = in->names[pos];
        in->h[pos].value = in->values[pos];
    }
}

static void input_free(struct input *in)
{
    size_t i;

    for (i = 0; i < in->count; i++) {
        free(in->names[i]);
        free(in->values[i]);
    }
}

static void check_originals(const struct mask_list *orig)
{
    size_t i, j;

    for (i = 0; i < orig->count; i++) {
        const char *s = orig->items[i];

        if (strchr(s, '@') == NULL || mask_equal(s, PROXY))
            abort();
        for (j = 0; s[j]; j++)
            if (s[j] >= 'A' && s[j] <= 'Z')
                abort();
        for (j = 0; j < i; j++)
            if (strcmp(orig->items[j], s) == 0)
                abort();
    }
}

static int occurrences(const struct input *in, const char *name)
{
    size_t i;
    int n = 0;

    for (i = 0; i < in->count; i++)
        n += mask_equal(in->h[i].name, name);
    return n;
}

static void check_value(const char *v)
{
    size_t i, len = strlen(v);

    if (len > 0 && (v[0] == ' ' || v[0] == '\t' || v[len - 1] == '\n'))
        abort();
    for (i = 0; i < len; i++)
        if (v[i] == '\n' && v[i + 1] != ' ' && v[i + 1] != '\t')
            abort();
}

static void clean_mailbox(InternetAddressMailbox *mailbox, void *ctx)
{
    const struct mask_list *orig = ctx;
    const char *addr = internet_address_mailbox_get_addr(mailbox);
    const char *idn = internet_address_mailbox_get_idn_addr(mailbox);

    if ((addr && mask_list_has(orig, addr)) || (idn && mask_list_has(orig, idn)))
        abort();
}

/* What the rewrite promises of a value it wrote: no original left. */
static void check_clean(GMimeParserOptions *opts, const char *value,
                        const struct mask_list *orig)
{
    struct mask_matcher m;
    InternetAddressList *list;
    char *decoded = mask_decode_header(opts, value);

    mask_matcher_init(&m, orig);
    if (mask_contains(&m, value, strlen(value))
        || mask_contains(&m, decoded, strlen(decoded)))
        abort();
    if ((list = mask_parse_list(opts, value)) != NULL) {
        mask_walk_mailboxes(list, clean_mailbox, (void *) orig);
        g_object_unref(list);
    }
    mask_matcher_free(&m);
    free(decoded);
}

/* The original value of the index-th header called name, or NULL. */
static const char *original_value(const struct input *in, const char *name,
                                  int index)
{
    size_t j;
    int occ = 0;

    for (j = 0; j < in->count; j++)
        if (mask_equal(in->h[j].name, name) && ++occ == index)
            return in->h[j].value;
    return NULL;
}

static void check_result(const struct input *in, const struct mask_result *res,
                         const struct mask_list *orig)
{
    GMimeParserOptions *opts = mask_parser_options();
    size_t i, j;
    int stage = 0, reply_to = 0;

    if (res->fields == NULL)
        abort();
    for (i = 0; i < res->count; i++) {
        const struct mask_change *c = &res->changes[i];
        int s = c->op == MASK_CHANGE ? 0 : c->op == MASK_DELETE ? 1 : 2;
        struct mask_header one;

        if (s < stage || (s == 2 && stage == 2 && i > 0
                          && res->changes[i - 1].op == MASK_ADD)
            || c->name == NULL || *c->name == '\0')
            abort();
        stage = s;
        if (c->op != MASK_ADD
            && (c->index < 1 || c->index > occurrences(in, c->name)))
            abort();
        if ((c->op == MASK_DELETE) != (c->value == NULL))
            abort();
        if (c->op == MASK_DELETE) {
            for (j = 0; j < i; j++)
                if (res->changes[j].op == MASK_DELETE
                    && mask_equal(res->changes[j].name, c->name)
                    && res->changes[j].index <= c->index)
                    abort();
            continue;
        }
        check_value(c->value);
        one.name = c->name;
        one.value = c->value;
        if (mask_address_header(c->name) == MASK_HEADER_REPLY_TO) {
            reply_to++;
            if (mask_check(&one, 1, NULL, orig) != NULL)
                abort();        /* ours alone: even %-escapes must not be */
        } else if (c->op == MASK_CHANGE && mask_address_header(c->name) >= 0) {
            const char *was = original_value(in, c->name, c->index);
            InternetAddressList *list = was ? mask_parse_list(opts, was) : NULL;

            if (list != NULL) {
                g_object_unref(list);
                check_clean(opts, c->value, orig);
            }
        }
    }
    if (reply_to != 1)
        abort();
    g_mime_parser_options_free(opts);
}

/* After the changes, no X-Postmask-* header is left. */
static void check_internal_gone(const struct input *in,
                                const struct mask_result *res)
{
    size_t i, j;

    for (i = 0; i < in->count; i++) {
        int deleted = 0, occ = 0;

        if (!mask_equal_n(in->h[i].name, "X-Postmask-", 11))
            continue;
        for (j = 0; j <= i; j++)
            occ += mask_equal(in->h[j].name, in->h[i].name);
        for (j = 0; j < res->count; j++)
            deleted |= res->changes[j].op == MASK_DELETE
                && mask_equal(res->changes[j].name, in->h[i].name)
                && res->changes[j].index == occ;
        if (!deleted)
            abort();
    }
}

static size_t body_start(const char *raw, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(raw + pos, '\n', len - pos);
        size_t n;

        if (nl == NULL)
            return len;
        n = (size_t) (nl - (raw + pos));
        if (n == 0 || (n == 1 && raw[pos] == '\r'))
            return pos + n + 1;
        pos += n + 1;
    }
    return len;
}

/*
 * mask_body() on msg; with idempotent, masking its result again must
 * change nothing (only meaningful on CRLF input: the LF the first pass
 * makes CRLF may change an unmasked part's bytes, UTF-16 say).
 */
static void check_body(const char *msg, size_t len,
                       const struct mask_list *orig, int idempotent)
{
    struct buf *out = buf_create(256), *why = buf_create(64);
    int rc = mask_body(msg, len, orig, PROXY, out, why);
    size_t i;

    if (rc == -1) {
        if (why->len == 0 || out->len != 0)
            abort();
    } else if (rc == 0) {
        if (out->len != 0)
            abort();
    } else if (rc == 1) {
        for (i = 0; i < out->len; i++)
            if (out->data[i] == '\n' && (i == 0 || out->data[i - 1] != '\r'))
                abort();
        if (idempotent) {
            struct buf *again = buf_create(len + out->len);
            struct buf *out2 = buf_create(64);

            buf_append(again, msg, body_start(msg, len));
            buf_append(again, out->data, out->len);
            buf_reset(why);
            if (mask_body(again->data, again->len, orig, PROXY, out2, why) != 0)
                abort();
            buf_free(again);
            buf_free(out2);
        }
    } else {
        abort();
    }
    buf_free(out);
    buf_free(why);
}

/* msg with every LF not after a CR made CRLF, as Postfix hands it over. */
static struct buf *crlf(const char *msg, size_t len)
{
    struct buf *b = buf_create(len + 64);
    size_t i;

    for (i = 0; i < len; i++) {
        if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
            buf_append_char(b, '\r');
        buf_append_char(b, msg[i]);
    }
    return b;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    msg_init("fuzz_mask", 0);
    capture_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in;
    struct mask_list orig;
    struct mask_result res;
    struct buf *why;
    const char *msg, *nl, *leak;
    char *sender = NULL;
    size_t len;
    unsigned flags;
    int rc;

    if (size == 0)
        return 0;
    flags = data[0];
    msg = (const char *) data + 1;
    len = size - 1;
    if (!(flags & 2)) {
        nl = memchr(msg, '\n', len);
        if (nl == NULL)
            return 0;
        sender = copy_clean(msg, (size_t) (nl - msg));
        len -= (size_t) (nl - msg) + 1;
        msg = nl + 1;
    }
    split_headers(msg, len, &in);

    mask_originals(sender, in.h, in.count, PROXY, &orig);
    check_originals(&orig);
    why = buf_create(64);
    rc = mask_rewrite(in.h, in.count, &orig, PROXY,
                      (flags & 1) ? "%s via Example Homes" : NULL, &res, why);
    if (rc != (orig.count > MASK_MAX_ORIGINALS ? -1 : 0))
        abort();
    if (rc < 0) {
        if (why->len == 0 || res.count != 0 || res.changes != NULL
            || res.fields != NULL)
            abort();
    } else {
        check_result(&in, &res, &orig);
        check_internal_gone(&in, &res);
        leak = mask_check(in.h, in.count, &res, &orig);
        if (leak != NULL && occurrences(&in, leak) == 0
            && !mask_equal(leak, "Reply-To"))
            abort();
    }
    mask_result_free(&res);
    if (orig.count <= MASK_MAX_ORIGINALS) {
        struct buf *wire = crlf(msg, len);

        check_body(msg, len, &orig, wire->len == len);
        if (wire->len != len)
            check_body(wire->data, wire->len, &orig, 1);
        buf_free(wire);
    }

    mask_list_free(&orig);
    buf_free(why);
    input_free(&in);
    free(sender);
    return 0;
}
