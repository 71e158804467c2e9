/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_store - conversations, participants, messages, media and
 * Twilio's rules; see standin_store.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "msg.h"
#include "standin_spec.h"
#include "standin_store.h"
#include "xalloc.h"

#define SI_NAME_MAX             256     /* characters */
#define SI_ADDRESS_MAX          256
#define SI_CONV_ATTR_MAX        (16 * 1024)     /* bytes */
#define SI_ATTR_MAX             (4 * 1024)
#define SI_BODY_SMS_MAX         1600    /* characters */
#define SI_BODY_MAX             (32 * 1024)     /* bytes */
#define SI_SUBJECT_MAX          256
#define SI_TIMER_INACTIVE_MIN   60      /* seconds */
#define SI_TIMER_CLOSED_MIN     600

#define SI_PUSH(arr, n, item) do { \
        (arr) = xrealloc((arr), ((n) + 1) * sizeof(*(arr))); \
        (arr)[(n)++] = (item); \
    } while (0)

#define SI_REMOVE(arr, n, i) do { \
        memmove(&(arr)[(i)], &(arr)[(i) + 1], ((n) - (i) - 1) * sizeof(*(arr))); \
        (n)--; \
    } while (0)

static void si_failf(struct si_fail *fail, int status, int code,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void si_failf(struct si_fail *fail, int status, int code,
                     const char *fmt, ...)
{
    va_list ap;

    fail->status = status;
    fail->code = code;
    va_start(ap, fmt);
    buf_vprintf(fail->why, fmt, ap);
    va_end(ap);
}

/* Characters (UTF-8 code points) of s. */
static size_t si_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char) *s & 0xc0) != 0x80)
            n++;
    return n;
}

static char *si_dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void si_replace(char **field, const char *value)
{
    free(*field);
    *field = si_dup_or_null(value);
}

/* Creation and teardown. */

void si_store_sid(struct si_store *store, const char *prefix, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char in[sizeof(store->seed) + sizeof(store->counter)];
    unsigned char digest[SHA256_DIGEST_LENGTH];
    size_t i;

    store->counter++;
    memcpy(in, store->seed, sizeof(store->seed));
    memcpy(in + sizeof(store->seed), &store->counter, sizeof(store->counter));
    SHA256(in, sizeof(in), digest);
    out[0] = prefix[0];
    out[1] = prefix[1];
    for (i = 0; i < 16; i++) {
        out[2 + 2 * i] = hex[digest[i] >> 4];
        out[3 + 2 * i] = hex[digest[i] & 15];
    }
    out[SI_SID_LEN] = '\0';
}

struct si_store *si_store_create(const char *messaging_service_sid)
{
    struct si_store *store = xcalloc(1, sizeof(*store));

    if (RAND_bytes(store->seed, sizeof(store->seed)) != 1)
        msg_fatal("RAND_bytes failed");
    store->messaging_service_sid = xstrdup(messaging_service_sid);
    si_store_sid(store, "RL", store->role_sid);
    return store;
}

static void si_media_free(struct si_media *m)
{
    free(m->content_type);
    free(m->filename);
    free(m->data);
    free(m->author);
    free(m);
}

static void si_part_free(struct si_participant *p)
{
    free(p->identity);
    free(p->address);
    free(p->proxy_address);
    free(p->projected_address);
    free(p->attributes);
    free(p->role_sid);
    free(p->last_read_timestamp);
    free(p);
}

static void si_msg_free(struct si_message *m)
{
    size_t i;

    free(m->author);
    free(m->body);
    free(m->subject);
    free(m->attributes);
    for (i = 0; i < m->nmedia; i++)
        free(m->media[i]);
    free(m->media);
    free(m->content_sid);
    free(m->client_identity);
    free(m->webhook_enabled);
    free(m);
}

static void si_conv_free(struct si_conversation *c)
{
    size_t i;

    for (i = 0; i < c->nparticipants; i++)
        si_part_free(c->participants[i]);
    free(c->participants);
    for (i = 0; i < c->nmessages; i++)
        si_msg_free(c->messages[i]);
    free(c->messages);
    free(c->unique_name);
    free(c->friendly_name);
    free(c->attributes);
    free(c->messaging_service_sid);
    free(c->email_address);
    free(c->email_name);
    free(c);
}

void si_store_reset(struct si_store *store)
{
    size_t i;

    for (i = 0; i < store->nconvs; i++)
        si_conv_free(store->convs[i]);
    free(store->convs);
    store->convs = NULL;
    store->nconvs = 0;
    for (i = 0; i < store->nmedia; i++)
        si_media_free(store->media[i]);
    free(store->media);
    store->media = NULL;
    store->nmedia = 0;
}

void si_store_free(struct si_store *store)
{
    if (store == NULL)
        return;
    si_store_reset(store);
    free(store->messaging_service_sid);
    free(store);
}

/* Checks shared by several resources. */

static int si_check_attributes(const char *value, size_t max,
                               struct si_fail *fail)
{
    json_t *j;

    if (strlen(value) > max) {
        si_failf(fail, 400, 20001, "Invalid parameter Attributes: %zu bytes, "
                 "more than the %zu allowed", strlen(value), max);
        return -1;
    }
    if ((j = json_loads(value, JSON_DECODE_ANY, NULL)) == NULL) {
        si_failf(fail, 400, 20001, "Invalid parameter Attributes: not "
                 "structurally valid JSON");
        return -1;
    }
    json_decref(j);
    return 0;
}

static int si_check_chars(const char *name, const char *value, size_t max,
                          struct si_fail *fail)
{
    if (value && si_chars(value) > max) {
        si_failf(fail, 400, 20001, "Invalid parameter %s: longer than %zu "
                 "characters", name, max);
        return -1;
    }
    return 0;
}

/* Conversations. */

struct si_conversation *si_conv_find(const struct si_store *store,
                                     const char *sid_or_name)
{
    size_t i;

    for (i = 0; i < store->nconvs; i++)
        if (strcmp(store->convs[i]->sid, sid_or_name) == 0)
            return store->convs[i];
    for (i = 0; i < store->nconvs; i++)
        if (store->convs[i]->unique_name
            && strcmp(store->convs[i]->unique_name, sid_or_name) == 0)
            return store->convs[i];
    return NULL;
}

static int si_looks_like_conv_sid(const char *s)
{
    return strlen(s) == SI_SID_LEN && s[0] == 'C' && s[1] == 'H'
        && strspn(s + 2, "0123456789abcdef") == 32;
}

static int si_check_unique_name(const struct si_store *store,
                                const struct si_conversation *self,
                                const char *name, struct si_fail *fail)
{
    const struct si_conversation *other;
    size_t i;

    if (si_looks_like_conv_sid(name)) {
        si_failf(fail, 400, 50390, "UniqueName %s must not look like a "
                 "conversation SID", name);
        return -1;
    }
    for (i = 0; i < store->nconvs; i++) {
        other = store->convs[i];
        if (other != self && other->unique_name
            && strcmp(other->unique_name, name) == 0) {
            si_failf(fail, 409, 50353, "Conversation with provided unique "
                     "name already exists: %s", other->sid);
            return -1;
        }
    }
    return 0;
}

/* Checks and applies the fields create and update share. */
static int si_conv_fields(struct si_store *store, struct si_conversation *c,
                          const struct si_conversation *self,
                          const struct form *form, struct si_fail *fail)
{
    const char *v;
    long inactive = -1, closed = -1;
    time_t t;

    if (si_check_chars("FriendlyName", form_get(form, "FriendlyName"),
                       SI_NAME_MAX, fail) < 0)
        return -1;
    if ((v = form_get(form, "UniqueName")) != NULL
        && si_check_unique_name(store, self, v, fail) < 0)
        return -1;
    if ((v = form_get(form, "Attributes")) != NULL
        && si_check_attributes(v, SI_CONV_ATTR_MAX, fail) < 0)
        return -1;
    if ((v = form_get(form, "Timers.Inactive")) != NULL) {
        if (si_duration_parse(v, &inactive) < 0
            || inactive < SI_TIMER_INACTIVE_MIN) {
            si_failf(fail, 400, 20001, "Invalid parameter Timers.Inactive: "
                     "'%s' is shorter than the minimum of 1 minute", v);
            return -1;
        }
    }
    if ((v = form_get(form, "Timers.Closed")) != NULL) {
        if (si_duration_parse(v, &closed) < 0 || closed < SI_TIMER_CLOSED_MIN) {
            si_failf(fail, 400, 20001, "Invalid parameter Timers.Closed: "
                     "'%s' is shorter than the minimum of 10 minutes", v);
            return -1;
        }
    }
    if ((v = form_get(form, "State")) != NULL) {
        if (strcmp(c->state, "closed") == 0 && strcmp(v, "closed") != 0) {
            si_failf(fail, 409, 50377, "Conversation %s is closed; a closed "
                     "conversation cannot be reopened", c->sid);
            return -1;
        }
        snprintf(c->state, sizeof(c->state), "%s", v);
    }
    if ((v = form_get(form, "FriendlyName")) != NULL)
        si_replace(&c->friendly_name, v);
    if ((v = form_get(form, "UniqueName")) != NULL)
        si_replace(&c->unique_name, v);
    if ((v = form_get(form, "Attributes")) != NULL)
        si_replace(&c->attributes, v);
    if ((v = form_get(form, "MessagingServiceSid")) != NULL)
        si_replace(&c->messaging_service_sid, v);
    if ((v = form_get(form, "Bindings.Email.Address")) != NULL)
        si_replace(&c->email_address, v);
    if ((v = form_get(form, "Bindings.Email.Name")) != NULL)
        si_replace(&c->email_name, v);
    if (inactive >= 0)
        c->timer_inactive = inactive;
    if (closed >= 0)
        c->timer_closed = closed;
    if ((v = form_get(form, "DateCreated")) != NULL
        && si_datetime_parse(v, &t) == 0)
        c->created = t;
    c->updated = time(NULL);
    if ((v = form_get(form, "DateUpdated")) != NULL
        && si_datetime_parse(v, &t) == 0)
        c->updated = t;
    return 0;
}

struct si_conversation *si_conv_create(struct si_store *store,
                                       const struct form *form,
                                       struct si_fail *fail)
{
    struct si_conversation *c;

    if ((form_get(form, "Timers.Inactive") || form_get(form, "Timers.Closed"))
        && form_get(form, "State") == NULL) {
        si_failf(fail, 400, 50382, "Timers can only be set on create "
                 "together with State");
        return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    si_store_sid(store, "CH", c->sid);
    c->attributes = xstrdup("{}");
    c->messaging_service_sid = xstrdup(store->messaging_service_sid);
    snprintf(c->state, sizeof(c->state), "active");
    c->created = time(NULL);
    if (si_conv_fields(store, c, NULL, form, fail) < 0) {
        si_conv_free(c);
        return NULL;
    }
    SI_PUSH(store->convs, store->nconvs, c);
    return c;
}

int si_conv_update(struct si_store *store, struct si_conversation *conv,
                   const struct form *form, struct si_fail *fail)
{
    struct si_conversation copy;
    int ret;

    /* All or nothing: check on a copy of the scalar fields first. */
    copy = *conv;
    copy.unique_name = si_dup_or_null(conv->unique_name);
    copy.friendly_name = si_dup_or_null(conv->friendly_name);
    copy.attributes = si_dup_or_null(conv->attributes);
    copy.messaging_service_sid = si_dup_or_null(conv->messaging_service_sid);
    copy.email_address = si_dup_or_null(conv->email_address);
    copy.email_name = si_dup_or_null(conv->email_name);
    ret = si_conv_fields(store, &copy, conv, form, fail);
    if (ret == 0) {
        struct si_conversation old = *conv;

        *conv = copy;
        copy = old;
    }
    free(copy.unique_name);
    free(copy.friendly_name);
    free(copy.attributes);
    free(copy.messaging_service_sid);
    free(copy.email_address);
    free(copy.email_name);
    return ret;
}

void si_conv_delete(struct si_store *store, struct si_conversation *conv)
{
    size_t i;

    for (i = 0; i < store->nmedia;) {
        if (strcmp(store->media[i]->conversation_sid, conv->sid) == 0) {
            si_media_free(store->media[i]);
            SI_REMOVE(store->media, store->nmedia, i);
        } else {
            i++;
        }
    }
    for (i = 0; i < store->nconvs; i++) {
        if (store->convs[i] == conv) {
            SI_REMOVE(store->convs, store->nconvs, i);
            break;
        }
    }
    si_conv_free(conv);
}

int si_conv_has_messaging(const struct si_conversation *conv)
{
    size_t i;

    for (i = 0; i < conv->nparticipants; i++)
        if (conv->participants[i]->channel != NULL)
            return 1;
    return 0;
}

/* Participants. */

struct si_participant *si_part_find(const struct si_conversation *conv,
                                    const char *key, int by_identity)
{
    size_t i;

    for (i = 0; i < conv->nparticipants; i++)
        if (strcmp(conv->participants[i]->sid, key) == 0)
            return conv->participants[i];
    if (by_identity)
        for (i = 0; i < conv->nparticipants; i++)
            if (conv->participants[i]->identity
                && strcmp(conv->participants[i]->identity, key) == 0)
                return conv->participants[i];
    return NULL;
}

/* "sms" for +E.164, "whatsapp" for whatsapp:+E.164, else NULL. */
static const char *si_channel(const char *address)
{
    const char *number = address;
    const char *channel = "sms";
    size_t digits;

    if (strncmp(address, "whatsapp:", 9) == 0) {
        number = address + 9;
        channel = "whatsapp";
    }
    if (number[0] != '+')
        return NULL;
    digits = strspn(number + 1, "0123456789");
    if (digits < 2 || digits > 15 || number[1 + digits] != '\0')
        return NULL;
    return channel;
}

static int si_closed(const struct si_conversation *conv, struct si_fail *fail)
{
    if (strcmp(conv->state, "closed") == 0) {
        si_failf(fail, 409, 50377, "Conversation %s is closed", conv->sid);
        return 1;
    }
    return 0;
}

/* 0 when no conversation that is not closed holds the pair. */
static int si_check_pair(const struct si_store *store,
                         const struct si_participant *self,
                         const char *address, const char *proxy,
                         struct si_fail *fail)
{
    size_t i, j;

    for (i = 0; i < store->nconvs; i++) {
        const struct si_conversation *c = store->convs[i];

        if (strcmp(c->state, "closed") == 0)
            continue;
        for (j = 0; j < c->nparticipants; j++) {
            const struct si_participant *p = c->participants[j];

            if (p != self && p->address && p->proxy_address
                && strcmp(p->address, address) == 0
                && strcmp(p->proxy_address, proxy) == 0) {
                si_failf(fail, 409, 50416, "A binding for this participant "
                         "and proxy address already exists in Conversation "
                         "%s", c->sid);
                return -1;
            }
        }
    }
    return 0;
}

/* Checks a ProxyAddress against an Address. */
static int si_check_proxy(const char *address, const char *proxy,
                          struct si_fail *fail)
{
    const char *pc = si_channel(proxy);

    if (strcmp(address, proxy) == 0) {
        si_failf(fail, 400, 50409, "Participant address and proxy address "
                 "must differ: both are %s", address);
        return -1;
    }
    if (pc == NULL) {
        si_failf(fail, 400, 50408, "Invalid proxy address %s: not an SMS "
                 "(+E.164) or WhatsApp (whatsapp:+E.164) address", proxy);
        return -1;
    }
    if (strcmp(pc, si_channel(address)) != 0) {
        si_failf(fail, 400, 50414, "Address %s and proxy address %s are of "
                 "different channels (%s, %s)", address, proxy,
                 si_channel(address), pc);
        return -1;
    }
    return 0;
}

static int si_check_identity(const struct si_conversation *conv,
                             const struct si_participant *self,
                             const char *identity, struct si_fail *fail)
{
    size_t i;

    if (si_check_chars("Identity", identity, SI_ADDRESS_MAX, fail) < 0)
        return -1;
    if (identity[0] == '\0') {
        si_failf(fail, 400, 20001, "Invalid parameter Identity: empty");
        return -1;
    }
    for (i = 0; i < conv->nparticipants; i++) {
        const struct si_participant *p = conv->participants[i];

        if (p != self && p->identity && strcmp(p->identity, identity) == 0) {
            si_failf(fail, 409, 50433, "Participant with identity %s is "
                     "already in conversation %s", identity, conv->sid);
            return -1;
        }
    }
    return 0;
}

struct si_participant *si_part_create(struct si_store *store,
                                      struct si_conversation *conv,
                                      const struct form *form,
                                      struct si_fail *fail)
{
    const char *identity = form_get(form, "Identity");
    const char *address = form_get(form, "MessagingBinding.Address");
    const char *proxy = form_get(form, "MessagingBinding.ProxyAddress");
    const char *projected = form_get(form, "MessagingBinding.ProjectedAddress");
    const char *attributes = form_get(form, "Attributes");
    const char *v;
    struct si_participant *p;
    time_t t;

    if (si_closed(conv, fail))
        return NULL;
    if (identity == NULL && address == NULL) {
        si_failf(fail, 400, 20001, "Either Identity or "
                 "MessagingBinding.Address is required");
        return NULL;
    }
    if (identity && address) {
        si_failf(fail, 400, 20001, "Identity and MessagingBinding.Address "
                 "exclude each other");
        return NULL;
    }
    if (identity && si_check_identity(conv, NULL, identity, fail) < 0)
        return NULL;
    if (address) {
        if (si_check_chars("MessagingBinding.Address", address,
                           SI_ADDRESS_MAX, fail) < 0)
            return NULL;
        if (si_channel(address) == NULL) {
            si_failf(fail, 400, 20001, "Invalid parameter "
                     "MessagingBinding.Address: %s is not an SMS (+E.164) or "
                     "WhatsApp (whatsapp:+E.164) address", address);
            return NULL;
        }
        if (proxy && (si_check_proxy(address, proxy, fail) < 0
                      || si_check_pair(store, NULL, address, proxy, fail) < 0))
            return NULL;
    } else if (proxy) {
        si_failf(fail, 400, 20001, "MessagingBinding.ProxyAddress needs "
                 "MessagingBinding.Address");
        return NULL;
    }
    if (attributes && si_check_attributes(attributes, SI_ATTR_MAX, fail) < 0)
        return NULL;

    p = xcalloc(1, sizeof(*p));
    si_store_sid(store, "MB", p->sid);
    p->identity = si_dup_or_null(identity);
    p->channel = address ? si_channel(address) : NULL;
    p->address = si_dup_or_null(address);
    p->proxy_address = si_dup_or_null(proxy);
    p->projected_address = si_dup_or_null(projected);
    p->attributes = xstrdup(attributes ? attributes : "{}");
    p->role_sid = xstrdup((v = form_get(form, "RoleSid")) ? v
                          : store->role_sid);
    p->last_read_index = -1;
    p->created = p->updated = time(NULL);
    if ((v = form_get(form, "DateCreated")) && si_datetime_parse(v, &t) == 0)
        p->created = t;
    if ((v = form_get(form, "DateUpdated")) && si_datetime_parse(v, &t) == 0)
        p->updated = t;
    SI_PUSH(conv->participants, conv->nparticipants, p);
    conv->updated = time(NULL);
    return p;
}

int si_part_update(struct si_store *store, struct si_conversation *conv,
                   struct si_participant *part, const struct form *form,
                   struct si_fail *fail)
{
    const char *identity = form_get(form, "Identity");
    const char *proxy = form_get(form, "MessagingBinding.ProxyAddress");
    const char *projected = form_get(form, "MessagingBinding.ProjectedAddress");
    const char *attributes = form_get(form, "Attributes");
    const char *v;
    time_t t;

    if (identity) {
        if (part->address) {
            si_failf(fail, 400, 20001, "Invalid parameter Identity: %s is an "
                     "SMS or WhatsApp participant", part->sid);
            return -1;
        }
        if (si_check_identity(conv, part, identity, fail) < 0)
            return -1;
    }
    if (proxy && strcmp(proxy, "null") != 0) {
        if (part->address == NULL) {
            si_failf(fail, 400, 20001, "Invalid parameter "
                     "MessagingBinding.ProxyAddress: %s is a chat "
                     "participant", part->sid);
            return -1;
        }
        if (si_check_proxy(part->address, proxy, fail) < 0
            || (strcmp(conv->state, "closed") != 0
                && si_check_pair(store, part, part->address, proxy,
                                 fail) < 0))
            return -1;
    }
    if (attributes && si_check_attributes(attributes, SI_ATTR_MAX, fail) < 0)
        return -1;
    if (identity)
        si_replace(&part->identity, identity);
    if (proxy)
        si_replace(&part->proxy_address, strcmp(proxy, "null") ? proxy : NULL);
    if (projected)
        si_replace(&part->projected_address,
                   strcmp(projected, "null") ? projected : NULL);
    if (attributes)
        si_replace(&part->attributes, attributes);
    if ((v = form_get(form, "RoleSid")) != NULL)
        si_replace(&part->role_sid, v);
    if ((v = form_get(form, "LastReadMessageIndex")) != NULL)
        part->last_read_index = strcmp(v, "null") ? atol(v) : -1;
    if ((v = form_get(form, "LastReadTimestamp")) != NULL)
        si_replace(&part->last_read_timestamp, v);
    if ((v = form_get(form, "DateCreated")) && si_datetime_parse(v, &t) == 0)
        part->created = t;
    part->updated = time(NULL);
    if ((v = form_get(form, "DateUpdated")) && si_datetime_parse(v, &t) == 0)
        part->updated = t;
    return 0;
}

void si_part_delete(struct si_conversation *conv, struct si_participant *part)
{
    size_t i;

    for (i = 0; i < conv->nparticipants; i++) {
        if (conv->participants[i] == part) {
            SI_REMOVE(conv->participants, conv->nparticipants, i);
            break;
        }
    }
    si_part_free(part);
}

/* Messages. */

struct si_message *si_msg_find(const struct si_conversation *conv,
                               const char *sid)
{
    size_t i;

    for (i = 0; i < conv->nmessages; i++)
        if (strcmp(conv->messages[i]->sid, sid) == 0)
            return conv->messages[i];
    return NULL;
}

static int si_check_body(const struct si_conversation *conv, const char *body,
                         struct si_fail *fail)
{
    if (body == NULL)
        return 0;
    if (si_conv_has_messaging(conv) && si_chars(body) > SI_BODY_SMS_MAX) {
        si_failf(fail, 400, 20001, "Invalid parameter Body: %zu characters, "
                 "more than the %d allowed in a conversation with an SMS or "
                 "WhatsApp participant", si_chars(body), SI_BODY_SMS_MAX);
        return -1;
    }
    if (strlen(body) > SI_BODY_MAX) {
        si_failf(fail, 400, 20001, "Invalid parameter Body: %zu bytes, more "
                 "than the %d allowed", strlen(body), SI_BODY_MAX);
        return -1;
    }
    return 0;
}

/* The participant an author names (identity or address), or NULL. */
static struct si_participant *si_author_part(const struct si_conversation *conv,
                                             const char *author)
{
    size_t i;

    for (i = 0; i < conv->nparticipants; i++) {
        struct si_participant *p = conv->participants[i];

        if ((p->identity && strcmp(p->identity, author) == 0)
            || (p->address && strcmp(p->address, author) == 0))
            return p;
    }
    return NULL;
}

static struct si_message *si_msg_new(struct si_store *store,
                                     struct si_conversation *conv,
                                     const char *author, const char *body)
{
    struct si_message *m = xcalloc(1, sizeof(*m));
    struct si_participant *p = si_author_part(conv, author);

    si_store_sid(store, "IM", m->sid);
    m->index = conv->next_index++;
    m->author = xstrdup(author);
    m->body = si_dup_or_null(body);
    m->attributes = xstrdup("{}");
    if (p)
        memcpy(m->participant_sid, p->sid, sizeof(m->participant_sid));
    m->created = m->updated = time(NULL);
    m->webhook_status = -1;
    return m;
}

static void si_msg_attach(struct si_conversation *conv, struct si_message *m,
                          struct si_media *media)
{
    SI_PUSH(m->media, m->nmedia, xstrdup(media->sid));
    memcpy(media->message_sid, m->sid, sizeof(media->message_sid));
    memcpy(media->conversation_sid, conv->sid, sizeof(media->conversation_sid));
}

struct si_message *si_msg_create(struct si_store *store,
                                 struct si_conversation *conv,
                                 const struct form *form,
                                 const char *webhook_enabled,
                                 struct si_fail *fail)
{
    const char *body = form_get(form, "Body");
    const char *media_sid = form_get(form, "MediaSid");
    const char *content_sid = form_get(form, "ContentSid");
    const char *attributes = form_get(form, "Attributes");
    const char *author = form_get(form, "Author");
    const char *v;
    struct si_media *media = NULL;
    struct si_message *m;
    time_t t;

    if (si_closed(conv, fail))
        return NULL;
    if (body == NULL && media_sid == NULL && content_sid == NULL) {
        si_failf(fail, 400, 20001, "Body, MediaSid or ContentSid is "
                 "required");
        return NULL;
    }
    if (si_check_body(conv, body, fail) < 0
        || si_check_chars("Subject", form_get(form, "Subject"),
                          SI_SUBJECT_MAX, fail) < 0
        || si_check_chars("Author", author, SI_ADDRESS_MAX, fail) < 0)
        return NULL;
    if (attributes && si_check_attributes(attributes, SI_ATTR_MAX, fail) < 0)
        return NULL;
    if (media_sid) {
        if ((media = si_media_find(store, media_sid)) == NULL) {
            si_failf(fail, 400, 20001, "Invalid parameter MediaSid: no media "
                     "%s was uploaded", media_sid);
            return NULL;
        }
        if (media->message_sid[0]) {
            si_failf(fail, 400, 20001, "Invalid parameter MediaSid: %s is "
                     "already attached to message %s", media_sid,
                     media->message_sid);
            return NULL;
        }
    }
    m = si_msg_new(store, conv, author ? author : "system", body);
    if (attributes)
        si_replace(&m->attributes, attributes);
    m->subject = si_dup_or_null(form_get(form, "Subject"));
    m->content_sid = si_dup_or_null(content_sid);
    m->source = "API";
    m->webhook_enabled = si_dup_or_null(webhook_enabled);
    if ((v = form_get(form, "DateCreated")) && si_datetime_parse(v, &t) == 0)
        m->created = t;
    if ((v = form_get(form, "DateUpdated")) && si_datetime_parse(v, &t) == 0)
        m->updated = t;
    if (media)
        si_msg_attach(conv, m, media);
    SI_PUSH(conv->messages, conv->nmessages, m);
    conv->updated = time(NULL);
    return m;
}

int si_msg_update(struct si_conversation *conv, struct si_message *m,
                  const struct form *form, struct si_fail *fail)
{
    const char *body = form_get(form, "Body");
    const char *attributes = form_get(form, "Attributes");
    const char *author = form_get(form, "Author");
    const char *subject = form_get(form, "Subject");
    const char *v;
    time_t t;

    if ((body && si_check_body(conv, body, fail) < 0)
        || si_check_chars("Subject", subject, SI_SUBJECT_MAX, fail) < 0
        || si_check_chars("Author", author, SI_ADDRESS_MAX, fail) < 0)
        return -1;
    if (attributes && si_check_attributes(attributes, SI_ATTR_MAX, fail) < 0)
        return -1;
    if (body)
        si_replace(&m->body, body);
    if (author)
        si_replace(&m->author, author);
    if (attributes)
        si_replace(&m->attributes, attributes);
    if (subject)
        si_replace(&m->subject, subject);
    m->updated = time(NULL);
    if ((v = form_get(form, "DateCreated")) && si_datetime_parse(v, &t) == 0)
        m->created = t;
    if ((v = form_get(form, "DateUpdated")) && si_datetime_parse(v, &t) == 0)
        m->updated = t;
    return 0;
}

struct si_message *si_msg_inbound(struct si_store *store,
                                  struct si_conversation *conv,
                                  const char *from, const char *body,
                                  struct si_media *media,
                                  struct si_fail *fail)
{
    struct si_participant *p = NULL;
    struct si_message *m;
    const char *channel = si_channel(from);
    size_t i;

    if (si_closed(conv, fail))
        return NULL;
    for (i = 0; i < conv->nparticipants && p == NULL; i++) {
        struct si_participant *q = conv->participants[i];

        if (channel ? (q->address && strcmp(q->address, from) == 0)
            : (q->identity && strcmp(q->identity, from) == 0))
            p = q;
    }
    if (p == NULL) {
        si_failf(fail, 400, 20001, "From %s is not a participant of "
                 "conversation %s", from, conv->sid);
        return NULL;
    }
    if (body && strlen(body) > SI_BODY_MAX) {
        si_failf(fail, 400, 20001, "Body: %zu bytes, more than the %d "
                 "allowed", strlen(body), SI_BODY_MAX);
        return NULL;
    }
    if (body == NULL && media == NULL) {
        si_failf(fail, 400, 20001, "Body or media is required");
        return NULL;
    }
    m = si_msg_new(store, conv, from, body);
    memcpy(m->participant_sid, p->sid, sizeof(m->participant_sid));
    if (channel == NULL) {
        m->source = "SDK";
        m->client_identity = xstrdup(from);
    } else {
        m->source = strcmp(channel, "whatsapp") == 0 ? "WHATSAPP" : "SMS";
    }
    if (media)
        si_msg_attach(conv, m, media);
    SI_PUSH(conv->messages, conv->nmessages, m);
    conv->updated = time(NULL);
    return m;
}

/* Media. */

struct si_media *si_media_create(struct si_store *store,
                                 const char *content_type,
                                 const char *filename, const void *data,
                                 size_t size, const char *author)
{
    struct si_media *m = xcalloc(1, sizeof(*m));

    si_store_sid(store, "ME", m->sid);
    m->content_type = xstrdup(content_type);
    m->filename = si_dup_or_null(filename);
    m->data = size ? xmemdup(data, size) : xmalloc(1);
    m->size = size;
    m->author = xstrdup(author);
    m->created = time(NULL);
    SI_PUSH(store->media, store->nmedia, m);
    return m;
}

struct si_media *si_media_find(const struct si_store *store, const char *sid)
{
    size_t i;

    for (i = 0; i < store->nmedia; i++)
        if (strcmp(store->media[i]->sid, sid) == 0)
            return store->media[i];
    return NULL;
}
