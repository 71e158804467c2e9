/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_config - the global webhook configuration resource; see
 * standin_config.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "form.h"
#include "msg.h"
#include "standin_config.h"
#include "standin_webhook.h"
#include "xalloc.h"

/* The events Twilio's spec lists for Filters. */
static const char *const si_events[] = {
    "onMessageAdded", "onMessageUpdated", "onMessageRemoved",
    "onMessageAdd", "onMessageUpdate", "onMessageRemove",
    "onConversationUpdated", "onConversationRemoved", "onConversationAdd",
    "onConversationAdded", "onConversationRemove", "onConversationUpdate",
    "onConversationStateUpdated", "onParticipantAdded",
    "onParticipantUpdated", "onParticipantRemoved", "onParticipantAdd",
    "onParticipantRemove", "onParticipantUpdate", "onDeliveryUpdated",
    "onUserAdded", "onUserUpdate", "onUserUpdated",
};

void si_config_init(struct standin *si)
{
    si->webhook_filters = json_pack("[s]", "onMessageAdded");
}

void si_config_free(struct standin *si)
{
    json_decref(si->webhook_filters);
    si->webhook_filters = NULL;
}

int si_config_fires(const struct standin *si, const char *event)
{
    size_t i;
    json_t *v;

    if (si->webhook_url == NULL)
        return 0;
    json_array_foreach(si->webhook_filters, i, v)
        if (strcmp(json_string_value(v), event) == 0)
            return 1;
    return 0;
}

static int si_event_known(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(si_events) / sizeof(si_events[0]); i++)
        if (strcmp(si_events[i], name) == 0)
            return 1;
    return 0;
}

static json_t *si_config_json(const struct standin *si)
{
    struct buf *url = buf_create(64);
    json_t *j;

    buf_printf(url, "%s/v1/Configuration/Webhooks", si->base_url);
    j = json_pack("{s:s, s:s, s:O, s:n, s:o, s:s, s:s}",
                  "account_sid", si->account_sid,
                  "method", "POST",
                  "filters", si->webhook_filters,
                  "pre_webhook_url",
                  "post_webhook_url", si->webhook_url
                  ? json_string(si->webhook_url) : json_null(),
                  "target", "webhook",
                  "url", url->data);
    buf_free(url);
    return j;
}

void si_config_fetch(struct si_req *r)
{
    si_reply_json(r, 200, si_config_json(r->si));
}

/* Checks the update whole; 0, or -1 with why. */
static int si_config_check(const struct form *f, struct buf *why)
{
    const char *method = form_get(f, "Method");
    const char *target = form_get(f, "Target");
    const char *pre = form_get(f, "PreWebhookUrl");
    const char *post = form_get(f, "PostWebhookUrl");
    size_t i;

    if (method && strcasecmp(method, "POST") != 0) {
        if (strcasecmp(method, "GET") == 0)
            buf_printf(why, "Invalid Method %s: the stand-in sends POST "
                       "webhooks only", method);
        else
            buf_printf(why, "Invalid Method %s: must be GET or POST",
                       method);
        return -1;
    }
    if (target && strcmp(target, "webhook") != 0) {
        buf_printf(why, "Invalid Target %s: the stand-in sends webhooks "
                   "only, not to Flex", target);
        return -1;
    }
    if (pre && pre[0]) {
        buf_printf(why, "Invalid PreWebhookUrl: the stand-in sends no "
                   "pre-event webhooks");
        return -1;
    }
    if (post && post[0]) {
        struct buf *bad = buf_create(64);
        int ok = si_webhook_url_ok(post, bad);

        if (ok < 0)
            buf_printf(why, "Invalid PostWebhookUrl: %s", bad->data);
        buf_free(bad);
        if (ok < 0)
            return -1;
    }
    for (i = form_next(f, "Filters", 0); i < f->count;
         i = form_next(f, "Filters", i + 1)) {
        const char *v = f->pairs[i].value;

        if (v[0] && !si_event_known(v)) {
            buf_printf(why, "Invalid Filters value %s: not a webhook event",
                       v);
            return -1;
        }
    }
    return 0;
}

void si_config_update(struct si_req *r)
{
    struct standin *si = r->si;
    const struct form *f = r->form;
    const char *post;
    struct buf *why = buf_create(64);
    size_t i;

    if (f == NULL) {
        si_reply_json(r, 200, si_config_json(si));
        buf_free(why);
        return;
    }
    if (si_config_check(f, why) < 0) {
        si_reply_error(r, 400, 20001, "%s", why->data);
        buf_free(why);
        return;
    }
    if ((post = form_get(f, "PostWebhookUrl")) != NULL) {
        free(si->webhook_url);
        si->webhook_url = post[0] ? xstrdup(post) : NULL;
    }
    if (form_count(f, "Filters") > 0) {
        json_array_clear(si->webhook_filters);
        for (i = form_next(f, "Filters", 0); i < f->count;
             i = form_next(f, "Filters", i + 1))
            if (f->pairs[i].value[0])
                json_array_append_new(si->webhook_filters,
                                      json_string(f->pairs[i].value));
    }
    buf_reset(why);
    for (i = 0; i < json_array_size(si->webhook_filters); i++)
        buf_printf(why, "%s%s", i ? "," : "",
                   json_string_value(json_array_get(si->webhook_filters, i)));
    msg_info("configuration: post-event webhook %s, filters %s",
             si->webhook_url ? si->webhook_url : "(none)",
             why->len ? why->data : "(none)");
    buf_free(why);
    si_reply_json(r, 200, si_config_json(si));
}
