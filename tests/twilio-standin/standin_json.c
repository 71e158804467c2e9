/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_json - Twilio's JSON for the stand-in's resources; see
 * standin_json.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "standin_json.h"

json_t *si_json_date(time_t t)
{
    char text[32];
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(text);
}

static json_t *si_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* base_url + fmt, as a JSON string. */
static json_t *si_json_url(const struct standin *si, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static json_t *si_json_url(const struct standin *si, const char *fmt, ...)
{
    struct buf *b = buf_create(128);
    va_list ap;
    json_t *j;

    buf_append_str(b, si->base_url);
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    j = json_string(b->data);
    buf_free(b);
    return j;
}

json_t *si_json_conversation(const struct standin *si,
                             const struct si_conversation *c)
{
    json_t *timers = json_object(), *bindings = json_object();

    if (c->timer_inactive)
        json_object_set_new(timers, "date_inactive",
                            si_json_date(c->updated + c->timer_inactive));
    if (c->timer_closed)
        json_object_set_new(timers, "date_closed",
                            si_json_date(c->updated + c->timer_closed));
    if (c->email_address || c->email_name)
        json_object_set_new(bindings, "email",
                            json_pack("{s:o, s:o}",
                                      "address", si_json_str(c->email_address),
                                      "name", si_json_str(c->email_name)));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:s, "
                     "s:o, s:o, s:o, s:{s:o, s:o, s:o}}",
                     "sid", c->sid,
                     "account_sid", si->account_sid,
                     "chat_service_sid", si->service_sid,
                     "messaging_service_sid", c->messaging_service_sid,
                     "friendly_name", si_json_str(c->friendly_name),
                     "unique_name", si_json_str(c->unique_name),
                     "attributes", c->attributes,
                     "date_created", si_json_date(c->created),
                     "date_updated", si_json_date(c->updated),
                     "state", c->state,
                     "timers", timers,
                     "bindings", bindings,
                     "url", si_json_url(si, "/v1/Conversations/%s", c->sid),
                     "links",
                     "participants",
                     si_json_url(si, "/v1/Conversations/%s/Participants",
                                 c->sid),
                     "messages",
                     si_json_url(si, "/v1/Conversations/%s/Messages", c->sid),
                     "webhooks",
                     si_json_url(si, "/v1/Conversations/%s/Webhooks", c->sid));
}

json_t *si_json_participant(const struct standin *si,
                            const struct si_conversation *c,
                            const struct si_participant *p)
{
    json_t *binding = json_null();

    if (p->address || p->projected_address) {
        binding = json_pack("{s:s}", "type", p->channel ? p->channel : "sms");
        if (p->address)
            json_object_set_new(binding, "address", json_string(p->address));
        if (p->address)
            json_object_set_new(binding, "proxy_address",
                                si_json_str(p->proxy_address));
        if (p->projected_address)
            json_object_set_new(binding, "projected_address",
                                json_string(p->projected_address));
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, "
                     "s:o, s:o}",
                     "account_sid", si->account_sid,
                     "conversation_sid", c->sid,
                     "sid", p->sid,
                     "identity", si_json_str(p->identity),
                     "attributes", p->attributes,
                     "messaging_binding", binding,
                     "role_sid", p->role_sid,
                     "date_created", si_json_date(p->created),
                     "date_updated", si_json_date(p->updated),
                     "url", si_json_url(si, "/v1/Conversations/%s/Participants/%s",
                                        c->sid, p->sid),
                     "last_read_message_index",
                     p->last_read_index >= 0
                     ? json_integer(p->last_read_index) : json_null(),
                     "last_read_timestamp",
                     si_json_str(p->last_read_timestamp));
}

json_t *si_json_message_media(const struct standin *si,
                              const struct si_message *m)
{
    json_t *arr;
    size_t i;

    if (m->nmedia == 0)
        return json_null();
    arr = json_array();
    for (i = 0; i < m->nmedia; i++) {
        const struct si_media *me = si_media_find(si->store, m->media[i]);

        if (me == NULL)
            continue;
        json_array_append_new(arr,
                              json_pack("{s:s, s:I, s:s, s:o}",
                                        "sid", me->sid,
                                        "size", (json_int_t) me->size,
                                        "content_type", me->content_type,
                                        "filename", si_json_str(me->filename)));
    }
    return arr;
}

json_t *si_json_message(const struct standin *si,
                        const struct si_conversation *c,
                        const struct si_message *m)
{
    json_t *delivery = json_null();
    size_t i, n = 0;

    for (i = 0; i < c->nparticipants; i++)
        if (c->participants[i]->channel)
            n++;
    if (n)
        delivery = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}",
                             "total", (json_int_t) n, "sent", "all",
                             "delivered", "all", "read", "none",
                             "failed", "none", "undelivered", "none");
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:s, s:o, s:o, "
                     "s:o, s:o, s:o, s:o, s:{s:o, s:o}}",
                     "account_sid", si->account_sid,
                     "conversation_sid", c->sid,
                     "sid", m->sid,
                     "index", (json_int_t) m->index,
                     "author", m->author,
                     "body", si_json_str(m->body),
                     "media", si_json_message_media(si, m),
                     "attributes", m->attributes,
                     "participant_sid",
                     m->participant_sid[0] ? json_string(m->participant_sid)
                     : json_null(),
                     "date_created", si_json_date(m->created),
                     "date_updated", si_json_date(m->updated),
                     "delivery", delivery,
                     "content_sid", si_json_str(m->content_sid),
                     "url", si_json_url(si, "/v1/Conversations/%s/Messages/%s",
                                        c->sid, m->sid),
                     "links",
                     "delivery_receipts",
                     si_json_url(si, "/v1/Conversations/%s/Messages/%s/Receipts",
                                 c->sid, m->sid),
                     "channel_metadata",
                     si_json_url(si, "/v1/Conversations/%s/Messages/%s/"
                                 "ChannelMetadata", c->sid, m->sid));
}

json_t *si_json_media(const struct standin *si, const struct si_media *me)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:s, s:o, "
                     "s:s, s:s, s:o, s:{s:o, s:o}}",
                     "sid", me->sid,
                     "account_sid", si->account_sid,
                     "service_sid", si->service_sid,
                     "date_created", si_json_date(me->created),
                     "date_updated", json_null(),
                     "channel_sid", me->conversation_sid[0]
                     ? json_string(me->conversation_sid) : json_null(),
                     "message_sid", me->message_sid[0]
                     ? json_string(me->message_sid) : json_null(),
                     "size", (json_int_t) me->size,
                     "content_type", me->content_type,
                     "filename", si_json_str(me->filename),
                     "author", me->author,
                     "category", "media",
                     "url", si_json_url(si, "/v1/Services/%s/Media/%s",
                                        si->service_sid, me->sid),
                     "links",
                     "content",
                     si_json_url(si, "/v1/Services/%s/Media/%s/Content",
                                 si->service_sid, me->sid),
                     "content_direct_temporary",
                     si_json_url(si, "/v1/Services/%s/Media/%s/Content",
                                 si->service_sid, me->sid));
}

json_t *si_json_error(int status, int code, const char *message)
{
    char more[64];

    snprintf(more, sizeof(more), "https://www.twilio.com/docs/errors/%d",
             code);
    return json_pack("{s:i, s:s, s:s, s:i}", "code", code, "message", message,
                     "more_info", more, "status", status);
}

static json_t *si_page_url(const struct standin *si, const char *path,
                           const char *extra, long size, long page,
                           long token)
{
    json_t *j;
    struct buf *b = buf_create(128);

    buf_printf(b, "%s%s?%sPageSize=%ld&Page=%ld", si->base_url, path, extra,
               size, page);
    if (token >= 0)
        buf_printf(b, "&PageToken=PT%ld", token);
    j = json_string(b->data);
    buf_free(b);
    return j;
}

json_t *si_json_page(const struct standin *si, const struct form *query,
                     const char *path, const char *extra, const char *key,
                     json_t *items, struct buf *why)
{
    const char *v;
    long size = 50, page = 0, offset, total = (long) json_array_size(items);
    long i;
    json_t *slice, *meta;

    if ((v = form_get(query, "PageSize")) != NULL)
        size = atol(v);                 /* validated: 1..100 */
    if ((v = form_get(query, "Page")) != NULL)
        page = atol(v);
    offset = page * size;
    if ((v = form_get(query, "PageToken")) != NULL) {
        if (strncmp(v, "PT", 2) != 0 || v[2] == '\0'
            || strspn(v + 2, "0123456789") != strlen(v + 2)
            || strlen(v + 2) > 9) {
            buf_printf(why, "Invalid query parameter PageToken: '%s' is not "
                       "a page token this server gave", v);
            json_decref(items);
            return NULL;
        }
        offset = atol(v + 2);
    }
    slice = json_array();
    for (i = offset; i < total && i < offset + size; i++)
        json_array_append(slice, json_array_get(items, (size_t) i));
    meta = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:s}",
                     "page", (json_int_t) page,
                     "page_size", (json_int_t) size,
                     "first_page_url", si_page_url(si, path, extra, size, 0, -1),
                     "previous_page_url", page > 0 && offset >= size
                     ? si_page_url(si, path, extra, size, page - 1,
                                   offset - size) : json_null(),
                     "url", si_page_url(si, path, extra, size, page,
                                        form_get(query, "PageToken")
                                        ? offset : -1),
                     "next_page_url", offset + size < total
                     ? si_page_url(si, path, extra, size, page + 1,
                                   offset + size) : json_null(),
                     "key", key);
    json_decref(items);
    return json_pack("{s:o, s:o}", key, slice, "meta", meta);
}
