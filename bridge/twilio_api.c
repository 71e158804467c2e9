/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_api - the Conversations v1 operations postmask uses
 * (twilio_api.h), as Twilio's OpenAPI description defines them
 * (twilio_conversations_v1.json, checked name by name), plus the Media
 * Content Service (MCS) upload and download.
 *
 * Operation names (logs, metrics): create_conversation, fetch_conversation,
 * create_participant, fetch_participant, list_participants,
 * update_participant, create_message, list_messages, update_message,
 * list_conversations, upload_media, download_media.
 *
 * Lists: every page's array (meta.key, else the operation's key) is
 * appended to one array; meta.next_page_url is followed until it is null.
 * Only its path and query are used, against the client's API URL, so the
 * credentials never go to another host.  A page that is not a Twilio list
 * ends the list with status 0 and a message; a failed page is reported as
 * it came.
 *
 * Media: the upload is POST {media_url}/v1/Services/{IS}/Media with the raw
 * bytes and the file's Content-Type (Twilio's media-resource page).  That
 * page does not say how to name the file (the answer's file_name); Twilio's
 * own Conversations SDK client for MCS (@twilio/mcs-client) sends it as the
 * query parameter "filename", and so does postmask.  (Not confirmed live;
 * third-party code also uses "Filename" or an X-Twilio-Filename header.)
 * The download is GET .../Media/{ME}/Content, which Twilio answers with
 * the bytes or a redirect to a temporary URL that the client follows
 * without the credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "msg.h"
#include "twilio_api.h"
#include "twilio_client.h"
#include "xalloc.h"

#define TWILIO_PAGE_SIZE    100     /* Twilio's maximum */
#define TWILIO_MAX_PAGES    1000

static int given(const char *s)
{
    return s != NULL && *s != 0;
}

static void add_opt(struct form *form, const char *name,
                    const char *value)
{
    if (given(value))
        form_add(form, name, value);
}

static int need(const char *value, const char *what, const char *op,
                struct buf *why)
{
    if (given(value))
        return 0;
    buf_printf(why, "twilio: %s: no %s", op, what);
    return -1;
}

static void add_segment(struct buf *path, const char *segment)
{
    buf_append_char(path, '/');
    form_encode_path_segment(segment, strlen(segment), path);
}

/* Starts req with its url built in path (freed here). */
static int start(struct twilio_client *tc, struct twilio_request *req,
                 struct buf *path, twilio_cb *cb, void *arg, struct buf *why)
{
    int ret;

    req->url = path->data;
    ret = twilio_client_start(tc, req, cb, arg, why);
    buf_free(path);
    return ret;
}

static struct buf *conversation_path(const char *conversation_sid)
{
    struct buf *path = buf_create(128);

    buf_append_str(path, "/v1/Conversations");
    add_segment(path, conversation_sid);
    return path;
}

/* ---- conversations ---- */

int twilio_conversation_create(struct twilio_client *tc,
                               const struct twilio_conversation_params *p,
                               twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = "create_conversation", .method = "POST"};
    struct form *form;
    struct buf *path;
    char text[40];

    if (p->timer_inactive < 0 || p->timer_closed < 0) {
        buf_printf(why, "twilio: %s: negative timer", req.op);
        return -1;
    }
    form = form_create();
    add_opt(form, "FriendlyName", p->friendly_name);
    add_opt(form, "UniqueName", p->unique_name);
    if (p->attributes != NULL)
        twilio_form_add_json(form, "Attributes", p->attributes);
    add_opt(form, "MessagingServiceSid", p->messaging_service_sid);
    if (p->timer_inactive > 0 || p->timer_closed > 0)
        form_add(form, "State", "active");
    if (p->timer_inactive > 0) {
        snprintf(text, sizeof(text), "PT%ldS", p->timer_inactive);
        form_add(form, "Timers.Inactive", text);
    }
    if (p->timer_closed > 0) {
        snprintf(text, sizeof(text), "PT%ldS", p->timer_closed);
        form_add(form, "Timers.Closed", text);
    }
    req.form = form;
    path = buf_create(32);
    buf_append_str(path, "/v1/Conversations");
    return start(tc, &req, path, cb, arg, why);
}

int twilio_conversation_fetch(struct twilio_client *tc,
                              const char *sid_or_unique_name,
                              twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = "fetch_conversation", .method = "GET"};

    if (need(sid_or_unique_name, "conversation SID or unique name", req.op,
             why) < 0)
        return -1;
    return start(tc, &req, conversation_path(sid_or_unique_name), cb, arg,
                 why);
}

/* ---- participants ---- */

int twilio_participant_create(struct twilio_client *tc,
                              const char *conversation_sid,
                              const struct twilio_participant_params *p,
                              twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = "create_participant", .method = "POST"};
    struct form *form;
    struct buf *path;

    if (need(conversation_sid, "conversation SID", req.op, why) < 0)
        return -1;
    if (!given(p->identity) && !given(p->address)) {
        buf_printf(why, "twilio: %s: neither an identity nor an address",
                   req.op);
        return -1;
    }
    form = form_create();
    add_opt(form, "Identity", p->identity);
    add_opt(form, "MessagingBinding.Address", p->address);
    add_opt(form, "MessagingBinding.ProxyAddress", p->proxy_address);
    if (p->attributes != NULL)
        twilio_form_add_json(form, "Attributes", p->attributes);
    req.form = form;
    path = conversation_path(conversation_sid);
    buf_append_str(path, "/Participants");
    return start(tc, &req, path, cb, arg, why);
}

/* GET .../COLLECTION/SID: one participant or message of a conversation. */
static int fetch_member(struct twilio_client *tc, const char *op,
                        const char *conversation_sid, const char *collection,
                        const char *sid, const char *sid_what, twilio_cb *cb,
                        void *arg, struct buf *why)
{
    struct twilio_request req = {.op = op, .method = "GET"};
    struct buf *path;

    if (need(conversation_sid, "conversation SID", req.op, why) < 0
        || need(sid, sid_what, req.op, why) < 0)
        return -1;
    path = conversation_path(conversation_sid);
    buf_append_str(path, collection);
    add_segment(path, sid);
    return start(tc, &req, path, cb, arg, why);
}

int twilio_participant_fetch(struct twilio_client *tc,
                             const char *conversation_sid,
                             const char *participant,
                             twilio_cb *cb, void *arg, struct buf *why)
{
    return fetch_member(tc, "fetch_participant", conversation_sid,
                        "/Participants", participant,
                        "participant SID or identity", cb, arg, why);
}

/*
 * POST .../COLLECTION/SID with Attributes: the update of a participant's
 * or a message's attributes.
 */
static int update_attributes(struct twilio_client *tc, const char *op,
                             const char *conversation_sid,
                             const char *collection, const char *sid,
                             const char *sid_what, const json_t *attributes,
                             const char *webhook_enabled, twilio_cb *cb,
                             void *arg, struct buf *why)
{
    struct twilio_request req = {.op = op, .method = "POST"};
    struct buf *path;

    if (need(conversation_sid, "conversation SID", req.op, why) < 0
        || need(sid, sid_what, req.op, why) < 0)
        return -1;
    if (attributes == NULL) {
        buf_printf(why, "twilio: %s: no attributes", req.op);
        return -1;
    }
    req.form = form_create();
    twilio_form_add_json(req.form, "Attributes", attributes);
    req.webhook_enabled = webhook_enabled;
    path = conversation_path(conversation_sid);
    buf_append_str(path, collection);
    add_segment(path, sid);
    return start(tc, &req, path, cb, arg, why);
}

int twilio_participant_update_attributes(struct twilio_client *tc,
                                         const char *conversation_sid,
                                         const char *participant_sid,
                                         const json_t *attributes,
                                         twilio_cb *cb, void *arg,
                                         struct buf *why)
{
    return update_attributes(tc, "update_participant", conversation_sid,
                             "/Participants", participant_sid,
                             "participant SID", attributes, NULL, cb, arg,
                             why);
}

/* ---- lists ---- */

struct twilio_list {
    struct twilio_client *tc;
    char *op;
    char *key;
    unsigned max_items;         /* 0: every item */
    unsigned pages;
    json_t *items;
    twilio_cb *cb;
    void *arg;
};

static void list_free(struct twilio_list *l)
{
    json_decref(l->items);
    free(l->op);
    free(l->key);
    free(l);
}

/* Ends the list with a failure of our own (status 0). */
static void list_fail(struct twilio_list *l, const struct twilio_result *res,
                      const char *message)
{
    struct twilio_result out = *res;

    msg_warn("twilio: %s: page %u: %s", l->op, l->pages + 1, message);
    out.status = 0;
    out.code = 0;
    out.message = message;
    out.more_info = NULL;
    out.json = NULL;
    out.body = NULL;
    out.body_len = 0;
    l->cb(&out, l->arg);
    list_free(l);
}

static int list_next(struct twilio_list *l, const char *path, struct buf *why);

static void on_page(const struct twilio_result *res, void *arg)
{
    struct twilio_list *l = arg;
    struct twilio_result out;
    const char *key, *next, *slash;
    json_t *meta, *page, *result;
    struct buf *why;
    size_t i;

    if (!TWILIO_OK(res) || !json_is_object(res->json)) {
        if (TWILIO_OK(res)) {
            list_fail(l, res, "a list page is not a JSON object");
            return;
        }
        l->cb(res, l->arg);
        list_free(l);
        return;
    }
    meta = json_object_get(res->json, "meta");
    key = json_string_value(json_object_get(meta, "key"));
    page = json_object_get(res->json, key ? key : l->key);
    if (!json_is_array(page)) {
        list_fail(l, res, "a list page has no array of items");
        return;
    }
    for (i = 0; i < json_array_size(page); i++) {
        if (l->max_items && json_array_size(l->items) >= l->max_items)
            break;
        json_array_append(l->items, json_array_get(page, i));
    }
    l->pages++;
    next = json_string_value(json_object_get(meta, "next_page_url"));
    if (next != NULL && *next != 0
        && !(l->max_items && json_array_size(l->items) >= l->max_items)) {
        if (l->pages >= TWILIO_MAX_PAGES) {
            list_fail(l, res, "more pages than postmask follows");
            return;
        }
        slash = strstr(next, "://");
        slash = slash ? strchr(slash + 3, '/') : next;
        if (slash == NULL || *slash != '/') {
            list_fail(l, res, "meta.next_page_url is not a URL");
            return;
        }
        why = buf_create(128);
        if (list_next(l, slash, why) < 0) {
            list_fail(l, res, why->data);
            buf_free(why);
            return;
        }
        buf_free(why);
        return;
    }
    result = json_object();
    json_object_set(result, l->key, l->items);
    out = *res;
    out.op = l->op;
    out.json = result;
    out.body = NULL;
    out.body_len = 0;
    l->cb(&out, l->arg);
    json_decref(result);
    list_free(l);
}

static int list_next(struct twilio_list *l, const char *path, struct buf *why)
{
    struct twilio_request req = {.op = l->op, .method = "GET", .url = path};

    return twilio_client_start(l->tc, &req, on_page, l, why);
}

static int list_start(struct twilio_client *tc, const char *op,
                      const char *key, unsigned max_items, struct buf *path,
                      twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_list *l = xcalloc(1, sizeof(*l));
    int ret;

    l->tc = tc;
    l->op = xstrdup(op);
    l->key = xstrdup(key);
    l->max_items = max_items;
    l->items = json_array();
    l->cb = cb;
    l->arg = arg;
    ret = list_next(l, path->data, why);
    buf_free(path);
    if (ret < 0)
        list_free(l);
    return ret;
}

int twilio_participant_list(struct twilio_client *tc,
                            const char *conversation_sid,
                            twilio_cb *cb, void *arg, struct buf *why)
{
    struct buf *path;

    if (need(conversation_sid, "conversation SID", "list_participants",
             why) < 0)
        return -1;
    path = conversation_path(conversation_sid);
    buf_printf(path, "/Participants?PageSize=%d", TWILIO_PAGE_SIZE);
    return list_start(tc, "list_participants", "participants", 0, path, cb,
                      arg, why);
}

/* ---- messages ---- */

int twilio_message_create(struct twilio_client *tc,
                          const char *conversation_sid,
                          const struct twilio_message_params *p,
                          twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = "create_message", .method = "POST"};
    struct form *form;
    struct buf *path;

    if (need(conversation_sid, "conversation SID", req.op, why) < 0)
        return -1;
    if (p->webhook_enabled != NULL && strcmp(p->webhook_enabled, "true") != 0
        && strcmp(p->webhook_enabled, "false") != 0) {
        buf_printf(why, "twilio: %s: X-Twilio-Webhook-Enabled must be "
                   "\"true\" or \"false\", not \"%s\"", req.op,
                   p->webhook_enabled);
        return -1;
    }
    form = form_create();
    add_opt(form, "Author", p->author);
    add_opt(form, "Body", p->body);
    if (p->attributes != NULL)
        twilio_form_add_json(form, "Attributes", p->attributes);
    add_opt(form, "MediaSid", p->media_sid);
    req.form = form;
    req.webhook_enabled = p->webhook_enabled;
    req.not_idempotent = 1;     /* a second try could post it twice */
    path = conversation_path(conversation_sid);
    buf_append_str(path, "/Messages");
    return start(tc, &req, path, cb, arg, why);
}

int twilio_message_fetch(struct twilio_client *tc,
                         const char *conversation_sid,
                         const char *message_sid,
                         twilio_cb *cb, void *arg, struct buf *why)
{
    return fetch_member(tc, "fetch_message", conversation_sid, "/Messages",
                        message_sid, "message SID", cb, arg, why);
}

int twilio_message_list_recent(struct twilio_client *tc,
                               const char *conversation_sid,
                               unsigned max_items,
                               twilio_cb *cb, void *arg, struct buf *why)
{
    struct buf *path;

    if (need(conversation_sid, "conversation SID", "list_messages", why) < 0)
        return -1;
    if (max_items == 0) {
        buf_printf(why, "twilio: list_messages: max_items must be positive");
        return -1;
    }
    path = conversation_path(conversation_sid);
    buf_printf(path, "/Messages?Order=desc&PageSize=%u",
               max_items < TWILIO_PAGE_SIZE ? max_items : TWILIO_PAGE_SIZE);
    return list_start(tc, "list_messages", "messages", max_items, path, cb,
                      arg, why);
}

int twilio_message_update_attributes(struct twilio_client *tc,
                                     const char *conversation_sid,
                                     const char *message_sid,
                                     const json_t *attributes,
                                     const char *webhook_enabled,
                                     twilio_cb *cb, void *arg,
                                     struct buf *why)
{
    return update_attributes(tc, "update_message", conversation_sid,
                             "/Messages", message_sid, "message SID",
                             attributes, webhook_enabled, cb, arg, why);
}

/* ---- single pages ---- */

/* The path and query of a next_page_url, or NULL when it has none. */
static const char *url_path(const char *url)
{
    const char *slash = strstr(url, "://");

    slash = slash ? strchr(slash + 3, '/') : url;
    return slash != NULL && *slash == '/' ? slash : NULL;
}

static int page_start(struct twilio_client *tc, const char *op,
                      struct buf *first, const char *next_url,
                      twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = op, .method = "GET"};
    const char *path = next_url ? url_path(next_url) : first->data;
    int ret;

    if (path == NULL) {
        buf_printf(why, "twilio: %s: meta.next_page_url is not a URL", op);
        buf_free(first);
        return -1;
    }
    req.url = path;
    ret = twilio_client_start(tc, &req, cb, arg, why);
    buf_free(first);
    return ret;
}

static int page_size_ok(unsigned page_size, const char *op, struct buf *why)
{
    if (page_size >= 1 && page_size <= TWILIO_PAGE_SIZE)
        return 0;
    buf_printf(why, "twilio: %s: page size %u is not 1 to %d", op, page_size,
               TWILIO_PAGE_SIZE);
    return -1;
}

int twilio_conversation_page(struct twilio_client *tc, const char *state,
                             const char *start_date, unsigned page_size,
                             const char *next_url,
                             twilio_cb *cb, void *arg, struct buf *why)
{
    struct buf *path;

    if (page_size_ok(page_size, "list_conversations", why) < 0)
        return -1;
    path = buf_create(128);
    buf_printf(path, "/v1/Conversations?PageSize=%u", page_size);
    if (given(state)) {
        buf_append_str(path, "&State=");
        form_encode_component(state, strlen(state), path);
    }
    if (given(start_date)) {
        buf_append_str(path, "&StartDate=");
        form_encode_component(start_date, strlen(start_date), path);
    }
    return page_start(tc, "list_conversations", path, next_url, cb, arg, why);
}

int twilio_message_page(struct twilio_client *tc,
                        const char *conversation_sid, int desc,
                        unsigned page_size, const char *next_url,
                        twilio_cb *cb, void *arg, struct buf *why)
{
    struct buf *path;

    if (need(conversation_sid, "conversation SID", "list_messages", why) < 0
        || page_size_ok(page_size, "list_messages", why) < 0)
        return -1;
    path = conversation_path(conversation_sid);
    buf_printf(path, "/Messages?Order=%s&PageSize=%u", desc ? "desc" : "asc",
               page_size);
    return page_start(tc, "list_messages", path, next_url, cb, arg, why);
}

/* ---- media ---- */

static struct buf *media_path(struct twilio_client *tc,
                              const char *chat_service_sid)
{
    struct buf *url = buf_create(160);

    buf_append_str(url, twilio_client_media_url(tc));
    buf_append_str(url, "/v1/Services");
    add_segment(url, chat_service_sid);
    buf_append_str(url, "/Media");
    return url;
}

int twilio_media_upload(struct twilio_client *tc,
                        const char *chat_service_sid,
                        const char *content_type, const char *filename,
                        const unsigned char *data, size_t len,
                        twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = "upload_media", .method = "POST"};
    struct buf *url;

    if (need(chat_service_sid, "chat service SID", req.op, why) < 0
        || need(content_type, "content type", req.op, why) < 0)
        return -1;
    if (data == NULL && len > 0) {
        buf_printf(why, "twilio: %s: no data", req.op);
        return -1;
    }
    url = media_path(tc, chat_service_sid);
    if (given(filename)) {
        buf_append_str(url, "?filename=");
        form_encode_component(filename, strlen(filename), url);
    }
    req.raw = data ? data : (const unsigned char *) "";
    req.raw_len = len;
    req.raw_type = content_type;
    return start(tc, &req, url, cb, arg, why);
}

int twilio_media_download(struct twilio_client *tc,
                          const char *chat_service_sid, const char *media_sid,
                          twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_request req = {.op = "download_media", .method = "GET"};
    struct buf *url;

    if (need(chat_service_sid, "chat service SID", req.op, why) < 0
        || need(media_sid, "media SID", req.op, why) < 0)
        return -1;
    url = media_path(tc, chat_service_sid);
    add_segment(url, media_sid);
    buf_append_str(url, "/Content");
    return start(tc, &req, url, cb, arg, why);
}
