/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_json - Twilio's JSON for the stand-in's resources (FACTS.md
 * sections 1.6, 1.7 and 6): field names and nesting as Twilio's, SIDs,
 * "attributes" as a JSON string, ISO 8601 UTC dates, absolute "url" and
 * "links" below the stand-in's base URL, list pages with Twilio's "meta".
 *
 * Every function returns a new reference the caller owns (json_decref, or
 * hand it to si_reply_json).  The resources are read, never changed.
 *
 * si_json_page() cuts a list into one page by the request's PageSize
 * (default 50), Page and PageToken ("PT" and the offset of the page's first
 * item, as next_page_url carries it); path is the canonical list path
 * ("/v1/Conversations/CH.../Messages") and extra the list's own query
 * parameters to repeat in the page URLs ("Order=desc&", or ""); it takes
 * over items.  It returns NULL with why for a malformed PageToken.
 */
#ifndef STANDIN_JSON_H
#define STANDIN_JSON_H

#include <time.h>

#include <jansson.h>

#include "form.h"
#include "standin.h"
#include "standin_store.h"

json_t *si_json_date(time_t t);
json_t *si_json_conversation(const struct standin *si,
                             const struct si_conversation *conv);
json_t *si_json_participant(const struct standin *si,
                            const struct si_conversation *conv,
                            const struct si_participant *part);
json_t *si_json_message(const struct standin *si,
                        const struct si_conversation *conv,
                        const struct si_message *msg);
/* The message's "media" array, or JSON null when it has none. */
json_t *si_json_message_media(const struct standin *si,
                              const struct si_message *msg);
json_t *si_json_media(const struct standin *si, const struct si_media *media);
json_t *si_json_error(int status, int code, const char *message);

json_t *si_json_page(const struct standin *si, const struct form *query,
                     const char *path, const char *extra, const char *key,
                     json_t *items, struct buf *why);

#endif
