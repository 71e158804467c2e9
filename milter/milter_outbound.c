/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_outbound - mask seeker addresses on the masking listener.
 *
 * A listener is a masking listener when Postfix's {daemon_name} is one of
 * masking_daemon_names.  There, a message must carry exactly one
 * X-Postmask-Conversation header with a conversation SID, or come from one
 * of unmasked_senders; anything else is refused with 550 5.7.1, so seeker
 * mail never leaves unmasked.  A masked message gets the conversation's
 * proxy address with a bounce tag (bounce_tag.h) as envelope sender, so
 * that its bounces come back to the inbound side and can be told from
 * forged ones (a key id too long to tag leaves the tag off, with a warning),
 * every original sender address in its address headers replaced (mask.h),
 * Reply-To set to the proxy address, internal and submitter-revealing
 * headers removed, and, with mask_bodies, its text parts masked.  Before
 * anything is changed the result is checked: if an original sender address
 * would still appear in a header, the message is refused with 550 5.7.1.
 * Any failure to apply a change answers 451, so a half-masked message is
 * never delivered.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bounce_tag.h"
#include "mask.h"
#include "milter.h"
#include "msg.h"
#include "proxy_address.h"
#include "xalloc.h"

#define CONVERSATION_HEADER  "X-Postmask-Conversation"
#define REPLACEBODY_CHUNK    65535
#define STRINGIFY_(x)        #x
#define STRINGIFY(x)         STRINGIFY_(x)

int milter_is_masking(const struct milter_settings *set,
                      const char *daemon_name)
{
    const struct config_list *names = &set->cfg->masking_daemon_names;
    size_t i;

    if (daemon_name == NULL)
        return 0;
    for (i = 0; i < names->count; i++)
        if (strcmp(names->items[i], daemon_name) == 0)
            return 1;
    return 0;
}

static int unmasked_sender(const struct milter_settings *set,
                           const char *sender)
{
    const struct config_list *list = &set->cfg->unmasked_senders;
    size_t i;

    if (sender == NULL || *sender == '\0')
        return 0;
    for (i = 0; i < list->count; i++)
        if (strcasecmp(list->items[i], sender) == 0)
            return 1;
    return 0;
}

static sfsistat refuse(SMFICTX *ctx, const char *queue_id, const char *why,
                       const char *text)
{
    msg_info("%s: reject: masking listener: %s", queue_id, why);
    milter_setreply(ctx, queue_id, "550", "5.7.1", text);
    return SMFIS_REJECT;
}

/* Copies the trimmed header value into sid (room for the SID and NUL). */
static void trimmed(const char *value, char *out, size_t size)
{
    size_t len;

    value += strspn(value, " \t\r\n");
    len = strlen(value);
    while (len > 0 && strchr(" \t\r\n", value[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;         /* too long: cannot be a SID anyway */
    memcpy(out, value, len);
    out[len] = '\0';
}

sfsistat milter_outbound_eoh(SMFICTX *ctx, struct milter_conn *conn)
{
    struct milter_msg *m = &conn->msg;
    const char *queue_id = milter_queue_id(ctx);
    char value[CONVERSATION_SID_LEN + 2];
    size_t i, found = 0;

    for (i = 0; i < m->header_count; i++) {
        if (strcasecmp(m->headers[i].name, CONVERSATION_HEADER) == 0) {
            if (found++ == 0)
                trimmed(m->headers[i].value, value, sizeof(value));
        }
    }
    if (found == 0) {
        if (unmasked_sender(conn->set, m->sender)) {
            msg_info("%s: pass: unmasked sender, no conversation", queue_id);
            return SMFIS_ACCEPT;
        }
        return refuse(ctx, queue_id, "no " CONVERSATION_HEADER " header and "
                      "the sender is not in unmasked_senders",
                      "Message refused: no " CONVERSATION_HEADER " header "
                      "on the masking listener");
    }
    if (found > 1)
        return refuse(ctx, queue_id, "more than one " CONVERSATION_HEADER
                      " header", "Message refused: more than one "
                      CONVERSATION_HEADER " header");
    if (!conversation_sid_valid(value))
        return refuse(ctx, queue_id, CONVERSATION_HEADER " is not a "
                      "conversation SID", "Message refused: "
                      CONVERSATION_HEADER " is not a conversation SID "
                      "(CH and 32 hex digits)");
    memcpy(m->conversation, value, sizeof(m->conversation) - 1);
    m->conversation[sizeof(m->conversation) - 1] = '\0';
    if (conn->set->cfg->mask_bodies) {
        if (m->raw == NULL)
            m->raw = buf_create(8192);
        buf_append(m->raw, "\r\n", 2);
    }
    return SMFIS_CONTINUE;
}

static sfsistat tempfail(SMFICTX *ctx, const char *queue_id,
                         const char *what)
{
    msg_warn("%s: tempfail: conversation masking failed: %s", queue_id, what);
    milter_setreply(ctx, queue_id, "451", "4.3.0",
                    "Cannot mask the message now; try again later");
    return SMFIS_TEMPFAIL;
}

static int replace_body(SMFICTX *ctx, const struct buf *body)
{
    size_t off = 0;

    do {
        size_t n = body->len - off;

        if (n > REPLACEBODY_CHUNK)
            n = REPLACEBODY_CHUNK;
        if (smfi_replacebody(ctx, (unsigned char *) body->data + off,
                             (int) n) != MI_SUCCESS)
            return -1;
        off += n;
    } while (off < body->len);
    return 0;
}

/*
 * The value as Postfix should store it: on one line (GMime folds long
 * address lists; a folded value is valid, but one line reads better and
 * is what tools grep for) and, when header values are exchanged verbatim
 * (SMFIP_HDR_LEADSPC), with the space after the colon.
 */
static char *smtp_value(const char *value, int leadspc)
{
    struct buf *out = buf_create(strlen(value) + 2);
    const char *cp;

    if (leadspc)
        buf_append_char(out, ' ');
    for (cp = value; *cp; cp++) {
        if (*cp == '\r' || *cp == '\n') {
            if (out->len > 0 && out->data[out->len - 1] != ' ')
                buf_append_char(out, ' ');
            while (cp[1] == '\r' || cp[1] == '\n' || cp[1] == ' '
                   || cp[1] == '\t')
                cp++;
        } else {
            buf_append_char(out, *cp);
        }
    }
    return buf_detach(out, NULL);
}

static int apply_changes(SMFICTX *ctx, const struct mask_result *res,
                         int leadspc)
{
    size_t i;

    for (i = 0; i < res->count; i++) {
        const struct mask_change *c = &res->changes[i];
        char *value = c->op == MASK_DELETE ? NULL
            : smtp_value(c->value, leadspc);
        int ret;

        if (c->op == MASK_ADD)
            ret = smfi_addheader(ctx, c->name, value);
        else
            ret = smfi_chgheader(ctx, c->name, c->index, value);
        free(value);
        if (ret != MI_SUCCESS)
            return -1;
    }
    return 0;
}

sfsistat milter_outbound_eom(SMFICTX *ctx, struct milter_conn *conn,
                             const char *queue_id)
{
    const struct config *cfg = conn->set->cfg;
    struct milter_msg *m = &conn->msg;
    struct mask_list originals;
    struct mask_result res;
    struct buf *proxy = buf_create(64), *why = buf_create(128);
    struct buf *body = NULL, *sender_arg = buf_create(64);
    const char *leak;
    sfsistat ret = SMFIS_CONTINUE;
    int body_changed = 0;

    memset(&res, 0, sizeof(res));
    if (proxy_address_encode(conn->set->keys, cfg->proxy_domains.items[0],
                             m->conversation, proxy, why) < 0) {
        ret = tempfail(ctx, queue_id, why->data);
        goto out;
    }
    mask_originals(m->sender ? m->sender : "", m->headers, m->header_count,
                   proxy->data, &originals);
    if (originals.count > MASK_MAX_ORIGINALS) {
        /* Permanent: a retry would fail the same way. */
        ret = refuse(ctx, queue_id, "more than " STRINGIFY(MASK_MAX_ORIGINALS)
                     " sender addresses to mask", "Message refused: more "
                     "than " STRINGIFY(MASK_MAX_ORIGINALS) " sender "
                     "addresses to mask");
        goto out_orig;
    }
    if (mask_rewrite(m->headers, m->header_count, &originals, proxy->data,
                     *cfg->masked_display_format ? cfg->masked_display_format
                     : NULL, &res, why) < 0) {
        ret = tempfail(ctx, queue_id, why->data);
        goto out_orig;
    }
    if ((leak = mask_check(m->headers, m->header_count, &res,
                           &originals)) != NULL) {
        struct buf *text = buf_create(128);

        msg_info("%s: reject: masking listener: conversation %s: an original "
                 "sender address would remain in the %s header", queue_id,
                 m->conversation, leak);
        buf_printf(text, "Message refused: the sender's address would remain "
                   "in the %s header", leak);
        milter_setreply(ctx, queue_id, "550", "5.7.1", text->data);
        buf_free(text);
        ret = SMFIS_REJECT;
        goto out_res;
    }
    if (cfg->mask_bodies && m->raw != NULL) {
        body = buf_create(m->raw->len + 64);
        body_changed = mask_body(m->raw->data, m->raw->len, &originals,
                                 proxy->data, body, why);
        if (body_changed < 0) {
            ret = tempfail(ctx, queue_id, why->data);
            goto out_res;
        }
    }
    /* The envelope sender carries a bounce tag (bounce_tag.h). */
    buf_append_char(sender_arg, '<');
    if (bounce_tag_encode(conn->set->keys, cfg->proxy_domains.items[0],
                          m->conversation, time(NULL), sender_arg, why) < 0) {
        msg_warn("%s: conversation %s: envelope sender without a bounce "
                 "tag (bounces to it will be discarded): %s", queue_id,
                 m->conversation, why->data);
        buf_append_str(sender_arg, proxy->data);
    }
    buf_append_char(sender_arg, '>');
    if (smfi_chgfrom(ctx, sender_arg->data, NULL) != MI_SUCCESS) {
        ret = tempfail(ctx, queue_id, "smfi_chgfrom failed");
        goto out_res;
    }
    if (apply_changes(ctx, &res, conn->leadspc) < 0) {
        ret = tempfail(ctx, queue_id, "smfi_chgheader/smfi_addheader failed");
        goto out_res;
    }
    if (body_changed && replace_body(ctx, body) < 0) {
        ret = tempfail(ctx, queue_id, "smfi_replacebody failed");
        goto out_res;
    }
    msg_info("%s: masked: conversation %s, %zu address(es) rewritten%s%s, "
             "envelope sender%s", queue_id, m->conversation, res.rewritten,
             res.fields->len ? ": " : "", res.fields->data,
             body_changed ? ", body" : "");
out_res:
    mask_result_free(&res);
out_orig:
    mask_list_free(&originals);
out:
    buf_free(body);
    buf_free(sender_arg);
    buf_free(proxy);
    buf_free(why);
    return ret;
}
