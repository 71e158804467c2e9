/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_store - the stand-in's state: conversations with their
 * participants and messages, and uploaded media; and Twilio's rules about
 * them (FACTS.md sections 1 and 5).
 *
 * Everything is in memory, in creation order.  SIDs are Twilio-shaped
 * (two letters and 32 lowercase hex digits, unpredictable per run).  The
 * structures are public so that standin_json.c can render them; only the
 * functions below change them.
 *
 * The functions that create or change resources take the request's form
 * (already validated against the spec by standin_spec.h, so types and enum
 * values are right) and apply Twilio's rules.  On a refusal they return
 * NULL (or -1) and fill *fail with the HTTP status, the Twilio error code
 * and a message:
 *   400 50390  a UniqueName that looks like a conversation SID
 *   409 50353  a UniqueName already in use
 *   400 50382  timers on create without State
 *   409 50377  a closed conversation: reopening it, adding participants or
 *              messages to it
 *   409 50433  a chat identity already in the conversation
 *   409 50416  an (Address, ProxyAddress) pair already in a conversation
 *              that is not closed (closing or deleting it frees the pair)
 *   400 50409  Address equal to ProxyAddress
 *   400 50414  Address and ProxyAddress of different channels
 *   400 50408  a ProxyAddress that is no SMS or WhatsApp address
 *   400 20001  other invalid values: lengths (FriendlyName 256 characters,
 *              Identity, Address, ProxyAddress 256; Body 1600 characters
 *              when an SMS or WhatsApp participant is in the conversation,
 *              else 32 KiB; Attributes 16 KiB for a conversation, 4 KiB for
 *              participants and messages, and structurally valid JSON),
 *              timers shorter than Twilio's minimums, an unknown or already
 *              attached MediaSid, a message with no Body, MediaSid or
 *              ContentSid, a participant with neither Identity nor Address
 *   400 20001  (inbound) a sender that is no participant
 * The statuses of the 50xxx codes are not documented by Twilio: input
 * errors get 400, conflicts 409.
 *
 * Ownership: the store owns every resource; pointers returned stay valid
 * until the resource is deleted or the store reset or freed.  Strings
 * passed in are copied.
 */
#ifndef STANDIN_STORE_H
#define STANDIN_STORE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "form.h"
#include "standin.h"

struct si_fail {
    int status;                 /* HTTP status */
    int code;                   /* Twilio error code */
    struct buf *why;            /* the message */
};

struct si_media {
    char sid[SI_SID_LEN + 1];
    char *content_type;
    char *filename;             /* or NULL */
    unsigned char *data;
    size_t size;
    char *author;
    char message_sid[SI_SID_LEN + 1];       /* "" until attached */
    char conversation_sid[SI_SID_LEN + 1];  /* "" until attached */
    time_t created;
};

struct si_participant {
    char sid[SI_SID_LEN + 1];
    char *identity;             /* chat participants, else NULL */
    const char *channel;        /* "sms", "whatsapp", or NULL for chat */
    char *address;              /* or NULL */
    char *proxy_address;        /* or NULL */
    char *projected_address;    /* or NULL */
    char *attributes;
    char *role_sid;
    long last_read_index;       /* -1: none */
    char *last_read_timestamp;  /* or NULL */
    time_t created, updated;
};

struct si_message {
    char sid[SI_SID_LEN + 1];
    long index;
    char *author;
    char *body;                 /* or NULL */
    char *subject;              /* or NULL */
    char *attributes;
    char participant_sid[SI_SID_LEN + 1];   /* "" when none */
    char **media;               /* nmedia media SIDs */
    size_t nmedia;
    char *content_sid;          /* or NULL */
    time_t created, updated;
    const char *source;         /* "API", "SMS", "WHATSAPP" or "SDK" */
    char *client_identity;      /* the chat identity (SDK), or NULL */
    char *webhook_enabled;      /* X-Twilio-Webhook-Enabled sent, or NULL */
    int webhook_fired;          /* a webhook request was sent */
    int webhook_pending;        /* ... and has not finished */
    int webhook_status;         /* its HTTP status, -1: none */
};

struct si_conversation {
    char sid[SI_SID_LEN + 1];
    char *unique_name;          /* or NULL */
    char *friendly_name;        /* or NULL */
    char *attributes;
    char *messaging_service_sid;
    char state[16];
    long timer_inactive;        /* seconds, 0: none */
    long timer_closed;
    char *email_address;        /* Bindings.Email.*, or NULL */
    char *email_name;
    time_t created, updated;
    struct si_participant **participants;
    size_t nparticipants;
    struct si_message **messages;
    size_t nmessages;
    long next_index;
};

struct si_store {
    struct si_conversation **convs;
    size_t nconvs;
    struct si_media **media;
    size_t nmedia;
    char *messaging_service_sid;    /* the default one */
    char role_sid[SI_SID_LEN + 1];  /* the default participant role */
    unsigned char seed[16];
    unsigned long long counter;
};

struct si_store *si_store_create(const char *messaging_service_sid);
void si_store_free(struct si_store *store);
/* Forgets every resource. */
void si_store_reset(struct si_store *store);

/* A new SID with this prefix ("CH", ...) into out (SI_SID_LEN + 1). */
void si_store_sid(struct si_store *store, const char *prefix, char *out);

/* Conversations; find takes a SID or a UniqueName. */
struct si_conversation *si_conv_find(const struct si_store *store,
                                     const char *sid_or_name);
struct si_conversation *si_conv_create(struct si_store *store,
                                       const struct form *form,
                                       struct si_fail *fail);
int si_conv_update(struct si_store *store, struct si_conversation *conv,
                   const struct form *form, struct si_fail *fail);
void si_conv_delete(struct si_store *store, struct si_conversation *conv);
/* 1 when an SMS or WhatsApp participant is in the conversation. */
int si_conv_has_messaging(const struct si_conversation *conv);

/* Participants; find takes a SID, or an identity when by_identity. */
struct si_participant *si_part_find(const struct si_conversation *conv,
                                    const char *key, int by_identity);
struct si_participant *si_part_create(struct si_store *store,
                                      struct si_conversation *conv,
                                      const struct form *form,
                                      struct si_fail *fail);
int si_part_update(struct si_store *store, struct si_conversation *conv,
                   struct si_participant *part, const struct form *form,
                   struct si_fail *fail);
void si_part_delete(struct si_conversation *conv,
                    struct si_participant *part);

/* Messages. */
struct si_message *si_msg_find(const struct si_conversation *conv,
                               const char *sid);
/* A REST message: source "API". */
struct si_message *si_msg_create(struct si_store *store,
                                 struct si_conversation *conv,
                                 const struct form *form,
                                 const char *webhook_enabled,
                                 struct si_fail *fail);
/* Updates Body, Author, Attributes, Subject, DateCreated, DateUpdated. */
int si_msg_update(struct si_conversation *conv, struct si_message *m,
                  const struct form *form, struct si_fail *fail);
/*
 * A message from a seeker-side channel: from is an SMS address, a
 * "whatsapp:" address or a chat identity, and must be a participant.
 * media may be NULL.
 */
struct si_message *si_msg_inbound(struct si_store *store,
                                  struct si_conversation *conv,
                                  const char *from, const char *body,
                                  struct si_media *media,
                                  struct si_fail *fail);

/* Media: an upload (author "system"), and lookups. */
struct si_media *si_media_create(struct si_store *store,
                                 const char *content_type,
                                 const char *filename, const void *data,
                                 size_t size, const char *author);
struct si_media *si_media_find(const struct si_store *store, const char *sid);

#endif
