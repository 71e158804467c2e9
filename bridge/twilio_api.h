/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_api - the Twilio Conversations operations postmask uses, on top of
 * twilio_client.h.  Each function builds the request exactly as Twilio's
 * OpenAPI description of Conversations v1 defines it (paths, form field
 * names) and calls cb once with the result, as twilio_client_start() does;
 * -1 means it could not be started (cb not called).
 *
 * SIDs and unique names are percent-encoded into paths.  String parameters
 * that are NULL (or, for optional ones, "") are not sent.  Attributes are
 * passed as JSON objects and sent as compact JSON text, as Twilio expects.
 *
 * Results: the JSON of the resource (res->json) on success.  List
 * operations follow meta.next_page_url until the end (or max_items) and
 * answer one object {"<key>": [every item]}, the key being Twilio's
 * ("participants", "messages").
 */
#ifndef POSTMASK_TWILIO_API_H
#define POSTMASK_TWILIO_API_H

#include "twilio_client.h"

struct twilio_conversation_params {
    const char *friendly_name;
    const char *unique_name;
    const json_t *attributes;       /* or NULL */
    const char *messaging_service_sid;  /* or NULL / "" */
    long timer_inactive;            /* seconds, 0: none (sent as PT<n>S) */
    long timer_closed;              /* seconds, 0: none */
    /* State=active is sent whenever a timer is (Twilio error 50382). */
};

int twilio_conversation_create(struct twilio_client *tc,
                               const struct twilio_conversation_params *p,
                               twilio_cb *cb, void *arg, struct buf *why);
/* sid_or_unique_name: Twilio accepts either in the path. */
int twilio_conversation_fetch(struct twilio_client *tc,
                              const char *sid_or_unique_name,
                              twilio_cb *cb, void *arg, struct buf *why);

struct twilio_participant_params {
    const char *identity;           /* chat participant, or NULL */
    const char *address;            /* MessagingBinding.Address, or NULL */
    const char *proxy_address;      /* MessagingBinding.ProxyAddress */
    const json_t *attributes;       /* or NULL */
};

int twilio_participant_create(struct twilio_client *tc,
                              const char *conversation_sid,
                              const struct twilio_participant_params *p,
                              twilio_cb *cb, void *arg, struct buf *why);
/* participant: a participant SID (MB...) or a chat identity. */
int twilio_participant_fetch(struct twilio_client *tc,
                             const char *conversation_sid,
                             const char *participant,
                             twilio_cb *cb, void *arg, struct buf *why);
int twilio_participant_list(struct twilio_client *tc,
                            const char *conversation_sid,
                            twilio_cb *cb, void *arg, struct buf *why);
int twilio_participant_update_attributes(struct twilio_client *tc,
                                         const char *conversation_sid,
                                         const char *participant_sid,
                                         const json_t *attributes,
                                         twilio_cb *cb, void *arg,
                                         struct buf *why);

struct twilio_message_params {
    const char *author;             /* identity or address; NULL: "system" */
    const char *body;               /* or NULL */
    const json_t *attributes;       /* or NULL */
    const char *media_sid;          /* ME..., or NULL */
    const char *webhook_enabled;    /* "true", "false" or NULL (no header) */
};

int twilio_message_create(struct twilio_client *tc,
                          const char *conversation_sid,
                          const struct twilio_message_params *p,
                          twilio_cb *cb, void *arg, struct buf *why);
/* One message, as Twilio has it now.  Operation fetch_message. */
int twilio_message_fetch(struct twilio_client *tc,
                         const char *conversation_sid,
                         const char *message_sid,
                         twilio_cb *cb, void *arg, struct buf *why);
/* The newest max_items messages, newest first (Order=desc). */
int twilio_message_list_recent(struct twilio_client *tc,
                               const char *conversation_sid,
                               unsigned max_items,
                               twilio_cb *cb, void *arg, struct buf *why);

/*
 * Sets a message's Attributes (the whole JSON object; Twilio replaces them)
 * with X-Twilio-Webhook-Enabled: webhook_enabled ("false": no
 * onMessageUpdated webhook).  Operation update_message.
 */
int twilio_message_update_attributes(struct twilio_client *tc,
                                     const char *conversation_sid,
                                     const char *message_sid,
                                     const json_t *attributes,
                                     const char *webhook_enabled,
                                     twilio_cb *cb, void *arg,
                                     struct buf *why);

/*
 * One page of a list, for callers that decide page by page whether to go
 * on (catch-up): res->json is Twilio's page itself (the items under
 * meta.key, meta.next_page_url).  next_url: the previous page's
 * meta.next_page_url (only its path and query are used, against the API
 * URL), or NULL for the first page, built from the other arguments.
 * Conversations: State (or NULL), StartDate (ISO 8601, or NULL); messages:
 * Order=desc when desc.  page_size 1 to 100.
 */
int twilio_conversation_page(struct twilio_client *tc, const char *state,
                             const char *start_date, unsigned page_size,
                             const char *next_url,
                             twilio_cb *cb, void *arg, struct buf *why);
int twilio_message_page(struct twilio_client *tc,
                        const char *conversation_sid, int desc,
                        unsigned page_size, const char *next_url,
                        twilio_cb *cb, void *arg, struct buf *why);

/* Media Content Service: upload answers the media resource (sid ME...). */
int twilio_media_upload(struct twilio_client *tc,
                        const char *chat_service_sid,
                        const char *content_type, const char *filename,
                        const unsigned char *data, size_t len,
                        twilio_cb *cb, void *arg, struct buf *why);
/* Downloads a media item's content: res->body, res->content_type. */
int twilio_media_download(struct twilio_client *tc,
                          const char *chat_service_sid, const char *media_sid,
                          twilio_cb *cb, void *arg, struct buf *why);

#endif
