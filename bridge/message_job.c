/* SPDX-License-Identifier: Apache-2.0 */
/*
 * message_job - a conversation message as a spool job; see message_job.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message_job.h"
#include "msg.h"
#include "sync.h"
#include "utf8.h"

/* event[name] = value, both valid UTF-8 (jansson checks); -1 when not. */
static int set_string(json_t *event, const char *name, const char *value)
{
    json_t *text;

    if (!utf8_valid(name, strlen(name)) || (text = json_string(value)) == NULL)
        return -1;
    if (json_object_set_new(event, name, text) != 0)
        msg_fatal("message_job: out of memory");
    return 0;
}

json_t *message_job_event_from_form(const struct form *form,
                                    const char **field, struct buf *why)
{
    json_t *event = json_object();
    const struct form_pair *p;
    size_t i;

    if (event == NULL)
        msg_fatal("message_job: out of memory");
    for (i = 0; i < form->count; i++) {
        p = &form->pairs[i];
        if (utf8_valid(p->name, strlen(p->name))
            && json_object_get(event, p->name) != NULL)
            continue;           /* a repeated name: the first value counts */
        if (set_string(event, p->name, p->value) == 0)
            continue;
        if (utf8_valid(p->name, strlen(p->name))) {
            *field = p->name;
            buf_printf(why, "field %s is not valid UTF-8", p->name);
        } else {
            *field = "";
            buf_printf(why, "a field name is not valid UTF-8");
        }
        json_decref(event);
        return NULL;
    }
    return event;
}

/* event[name] = message[key] when that is a string. */
static void copy_string(json_t *event, const char *name, const json_t *message,
                        const char *key)
{
    const char *value = json_string_value(json_object_get(message, key));

    if (value != NULL && set_string(event, name, value) < 0)
        msg_panic("message_job: jansson gave a string that is not UTF-8");
}

json_t *message_job_event_from_rest(const json_t *message)
{
    json_t *event = json_object(), *index, *media;
    char text[32];
    char *dump;

    if (event == NULL)
        msg_fatal("message_job: out of memory");
    (void) set_string(event, "EventType", "onMessageAdded");
    copy_string(event, "AccountSid", message, "account_sid");
    copy_string(event, "ConversationSid", message, "conversation_sid");
    copy_string(event, "MessageSid", message, "sid");
    index = json_object_get(message, "index");
    if (json_is_integer(index)) {
        snprintf(text, sizeof(text), "%lld",
                 (long long) json_integer_value(index));
        (void) set_string(event, "Index", text);
    }
    copy_string(event, "DateCreated", message, "date_created");
    copy_string(event, "Body", message, "body");
    copy_string(event, "Author", message, "author");
    copy_string(event, "ParticipantSid", message, "participant_sid");
    copy_string(event, "Attributes", message, "attributes");
    media = json_object_get(message, "media");
    if (json_is_array(media) && json_array_size(media) > 0) {
        if ((dump = json_dumps(media, JSON_COMPACT)) == NULL)
            msg_fatal("message_job: out of memory");
        (void) set_string(event, "Media", dump);
        free(dump);
    }
    return event;
}

char *message_job_payload(const json_t *event, struct buf *why)
{
    json_t *payload;
    char *text;

    if (json_string_value(json_object_get(event, "MessageSid")) == NULL) {
        buf_printf(why, "the message has no MessageSid");
        return NULL;
    }
    payload = json_pack("{s:i, s:I, s:O}", "version", 1, "received",
                        (json_int_t) time(NULL), "event", event);
    text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(payload);
    if (text == NULL)
        buf_printf(why, "cannot encode the job");
    return text;
}

int message_job_enqueue(struct bridge *br, const json_t *event,
                        char id[SPOOL_ID_LEN + 1], struct buf *why)
{
    char *text;
    int ret;

    if ((text = message_job_payload(event, why)) == NULL)
        return -1;
    ret = spool_enqueue(br->spool, SYNC_KIND_MESSAGE,
                        json_string_value(json_object_get(event,
                                                          "MessageSid")),
                        text, strlen(text), id, why);
    free(text);
    return ret;
}
