/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_api - the Conversations routes and their handlers; see
 * standin_api.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "standin_api.h"
#include "standin_config.h"
#include "standin_json.h"
#include "standin_spec.h"
#include "standin_store.h"
#include "standin_webhook.h"

static si_handler si_create_conversation, si_list_conversations,
    si_fetch_conversation, si_update_conversation, si_delete_conversation,
    si_create_participant, si_list_participants, si_fetch_participant,
    si_update_participant, si_delete_participant, si_create_message,
    si_list_messages, si_fetch_message, si_update_message;

static const struct si_route si_routes[] = {
    {"POST", "/v1/Conversations", "create_conversation", 1,
     si_create_conversation},
    {"GET", "/v1/Conversations", "list_conversations", 1,
     si_list_conversations},
    {"GET", "/v1/Conversations/{Sid}", "fetch_conversation", 1,
     si_fetch_conversation},
    {"POST", "/v1/Conversations/{Sid}", "update_conversation", 1,
     si_update_conversation},
    {"DELETE", "/v1/Conversations/{Sid}", "delete_conversation", 1,
     si_delete_conversation},
    {"POST", "/v1/Conversations/{ConversationSid}/Participants",
     "create_participant", 1, si_create_participant},
    {"GET", "/v1/Conversations/{ConversationSid}/Participants",
     "list_participants", 1, si_list_participants},
    {"GET", "/v1/Conversations/{ConversationSid}/Participants/{Sid}",
     "fetch_participant", 1, si_fetch_participant},
    {"POST", "/v1/Conversations/{ConversationSid}/Participants/{Sid}",
     "update_participant", 1, si_update_participant},
    {"DELETE", "/v1/Conversations/{ConversationSid}/Participants/{Sid}",
     "delete_participant", 1, si_delete_participant},
    {"POST", "/v1/Conversations/{ConversationSid}/Messages",
     "create_message", 1, si_create_message},
    {"GET", "/v1/Conversations/{ConversationSid}/Messages",
     "list_messages", 1, si_list_messages},
    {"GET", "/v1/Conversations/{ConversationSid}/Messages/{Sid}",
     "fetch_message", 1, si_fetch_message},
    {"POST", "/v1/Conversations/{ConversationSid}/Messages/{Sid}",
     "update_message", 1, si_update_message},
    {"GET", "/v1/Configuration/Webhooks", "fetch_configuration_webhook", 1,
     si_config_fetch},
    {"POST", "/v1/Configuration/Webhooks", "update_configuration_webhook", 1,
     si_config_update},
    {"POST", "/v1/Services/{ChatServiceSid}/Media", "upload_media", 0,
     si_media_upload},
    {"GET", "/v1/Services/{ChatServiceSid}/Media/{Sid}", "fetch_media", 0,
     si_media_fetch},
    {"GET", "/v1/Services/{ChatServiceSid}/Media/{Sid}/Content",
     "download_media", 0, si_media_download},
};

/* 1 when the template's segments match the path's. */
static int si_template_match(const char *tmpl, char *const *seg, size_t nseg)
{
    const char *p = tmpl;
    size_t i = 0;

    while (*p == '/') {
        size_t len = strcspn(p + 1, "/");

        if (i == nseg)
            return 0;
        if (p[1] == '{') {
            if (seg[i][0] == '\0')
                return 0;
        } else if (strlen(seg[i]) != len || strncmp(p + 1, seg[i], len) != 0) {
            return 0;
        }
        i++;
        p += len + 1;
    }
    return i == nseg;
}

const struct si_route *si_api_route(const struct standin *si,
                                    const char *method, char *const *seg,
                                    size_t nseg, int *path_known)
{
    size_t i;

    *path_known = 0;
    for (i = 0; i < sizeof(si_routes) / sizeof(si_routes[0]); i++) {
        if (!si_template_match(si_routes[i].template, seg, nseg))
            continue;
        if (strcmp(si_routes[i].method, method) == 0)
            return &si_routes[i];
        *path_known = 1;
    }
    if (*path_known == 0 && si_spec_match(si->spec, seg, nseg) != NULL)
        *path_known = 2;
    return NULL;
}

/* Lookups that answer 404 themselves. */

static void si_not_found(struct si_req *r)
{
    si_reply_not_found(r);
}

static struct si_conversation *si_conv_or_404(struct si_req *r)
{
    struct si_conversation *c = si_conv_find(r->si->store, r->seg[2]);

    if (c == NULL)
        si_not_found(r);
    return c;
}

static void si_fail_reply(struct si_req *r, struct si_fail *fail)
{
    si_reply_error(r, fail->status, fail->code, "%s", fail->why->data);
    buf_free(fail->why);
}

static void si_fail_init(struct si_fail *fail)
{
    fail->status = 500;
    fail->code = 20500;
    fail->why = buf_create(128);
}

static void si_reply_page(struct si_req *r, const char *path,
                          const char *extra, const char *key, json_t *items)
{
    struct buf *why = buf_create(64);
    json_t *page = si_json_page(r->si, r->query, path, extra, key, items, why);

    if (page == NULL)
        si_reply_error(r, 400, 20001, "%s", why->data);
    else
        si_reply_json(r, 200, page);
    buf_free(why);
}

/* Conversations. */

static void si_create_conversation(struct si_req *r)
{
    struct si_fail fail;
    struct si_conversation *c;

    si_fail_init(&fail);
    if ((c = si_conv_create(r->si->store, r->form, &fail)) == NULL) {
        si_fail_reply(r, &fail);
        return;
    }
    buf_free(fail.why);
    si_reply_json(r, 201, si_json_conversation(r->si, c));
}

/*
 * StartDate and EndDate filter by creation date (ISO 8601; Twilio asks for
 * a day's start and end) and then sort newest first, as Twilio documents.
 */
static void si_list_conversations(struct si_req *r)
{
    const char *state = form_get(r->query, "State");
    const char *start = form_get(r->query, "StartDate");
    const char *end = form_get(r->query, "EndDate");
    time_t from = 0, to = 0;
    int dated = start != NULL || end != NULL;
    struct buf *extra;
    json_t *items;
    size_t i, k;

    if ((start && si_datetime_parse(start, &from) < 0)
        || (end && si_datetime_parse(end, &to) < 0)) {
        si_reply_error(r, 400, 20001, "Invalid query parameter %s: not an "
                       "ISO 8601 date and time", start && si_datetime_parse(
                           start, &from) < 0 ? "StartDate" : "EndDate");
        return;
    }
    extra = buf_create(32);
    items = json_array();
    for (i = 0; i < r->si->store->nconvs; i++) {
        k = dated ? r->si->store->nconvs - 1 - i : i;
        const struct si_conversation *c = r->si->store->convs[k];

        if ((state == NULL || strcmp(state, c->state) == 0)
            && (start == NULL || c->created >= from)
            && (end == NULL || c->created <= to))
            json_array_append_new(items, si_json_conversation(r->si, c));
    }
    if (state)
        buf_printf(extra, "State=%s&", state);
    if (start)
        buf_printf(extra, "StartDate=%s&", start);
    if (end)
        buf_printf(extra, "EndDate=%s&", end);
    si_reply_page(r, "/v1/Conversations", extra->data, "conversations", items);
    buf_free(extra);
}

static void si_fetch_conversation(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);

    if (c)
        si_reply_json(r, 200, si_json_conversation(r->si, c));
}

static void si_update_conversation(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_fail fail;

    if (c == NULL)
        return;
    si_fail_init(&fail);
    if (si_conv_update(r->si->store, c, r->form, &fail) < 0) {
        si_fail_reply(r, &fail);
        return;
    }
    buf_free(fail.why);
    si_reply_json(r, 200, si_json_conversation(r->si, c));
}

static void si_delete_conversation(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);

    if (c) {
        si_conv_delete(r->si->store, c);
        si_reply_raw(r, 204, NULL, NULL, 0);
    }
}

/* Participants. */

static void si_create_participant(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_participant *p;
    struct si_fail fail;

    if (c == NULL)
        return;
    si_fail_init(&fail);
    if ((p = si_part_create(r->si->store, c, r->form, &fail)) == NULL) {
        si_fail_reply(r, &fail);
        return;
    }
    buf_free(fail.why);
    si_reply_json(r, 201, si_json_participant(r->si, c, p));
}

static void si_list_participants(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct buf *path;
    json_t *items;
    size_t i;

    if (c == NULL)
        return;
    items = json_array();
    for (i = 0; i < c->nparticipants; i++)
        json_array_append_new(items, si_json_participant(r->si, c,
                                                         c->participants[i]));
    path = buf_create(64);
    buf_printf(path, "/v1/Conversations/%s/Participants", c->sid);
    si_reply_page(r, path->data, "", "participants", items);
    buf_free(path);
}

static struct si_participant *si_part_or_404(struct si_req *r,
                                             struct si_conversation *c,
                                             int by_identity)
{
    struct si_participant *p = si_part_find(c, r->seg[4], by_identity);

    if (p == NULL)
        si_not_found(r);
    return p;
}

static void si_fetch_participant(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_participant *p;

    if (c && (p = si_part_or_404(r, c, 1)) != NULL)
        si_reply_json(r, 200, si_json_participant(r->si, c, p));
}

static void si_update_participant(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_participant *p;
    struct si_fail fail;

    if (c == NULL || (p = si_part_or_404(r, c, 0)) == NULL)
        return;
    si_fail_init(&fail);
    if (si_part_update(r->si->store, c, p, r->form, &fail) < 0) {
        si_fail_reply(r, &fail);
        return;
    }
    buf_free(fail.why);
    si_reply_json(r, 200, si_json_participant(r->si, c, p));
}

static void si_delete_participant(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_participant *p;

    if (c == NULL || (p = si_part_or_404(r, c, 0)) == NULL)
        return;
    si_part_delete(c, p);
    si_reply_raw(r, 204, NULL, NULL, 0);
}

/* Messages. */

static void si_create_message(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_message *m;
    struct si_fail fail;

    if (c == NULL)
        return;
    si_fail_init(&fail);
    if ((m = si_msg_create(r->si->store, c, r->form, r->webhook_enabled,
                           &fail)) == NULL) {
        si_fail_reply(r, &fail);
        return;
    }
    buf_free(fail.why);
    /* REST actions fire webhooks only when asked to (FACTS.md 0.1, 2). */
    if (r->webhook_enabled && strcmp(r->webhook_enabled, "true") == 0)
        si_webhook_message_added(r->si, c, m, NULL, NULL);
    si_reply_json(r, 201, si_json_message(r->si, c, m));
}

static void si_list_messages(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    const char *order;
    int desc;
    struct buf *path, *extra;
    json_t *items;
    size_t i;

    if (c == NULL)
        return;                 /* answered, and r is gone */
    order = form_get(r->query, "Order");
    desc = order && strcmp(order, "desc") == 0;
    items = json_array();
    for (i = 0; i < c->nmessages; i++) {
        size_t k = desc ? c->nmessages - 1 - i : i;

        json_array_append_new(items, si_json_message(r->si, c,
                                                     c->messages[k]));
    }
    path = buf_create(64);
    buf_printf(path, "/v1/Conversations/%s/Messages", c->sid);
    extra = buf_create(16);
    if (order)
        buf_printf(extra, "Order=%s&", order);
    si_reply_page(r, path->data, extra->data, "messages", items);
    buf_free(path);
    buf_free(extra);
}

static void si_fetch_message(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_message *m;

    if (c == NULL)
        return;
    if ((m = si_msg_find(c, r->seg[4])) == NULL)
        si_not_found(r);
    else
        si_reply_json(r, 200, si_json_message(r->si, c, m));
}

static void si_update_message(struct si_req *r)
{
    struct si_conversation *c = si_conv_or_404(r);
    struct si_message *m;
    struct si_fail fail;

    if (c == NULL)
        return;
    if ((m = si_msg_find(c, r->seg[4])) == NULL) {
        si_not_found(r);
        return;
    }
    si_fail_init(&fail);
    if (si_msg_update(c, m, r->form, &fail) < 0) {
        si_fail_reply(r, &fail);
        return;
    }
    buf_free(fail.why);
    /* No onMessageUpdated webhooks: the stand-in fires onMessageAdded only. */
    si_reply_json(r, 200, si_json_message(r->si, c, m));
}
