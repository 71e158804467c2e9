/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_api - the Twilio routes the stand-in implements and their
 * handlers.
 *
 * Conversations API v1 (standin_api.c; the conversation segment may be the
 * SID or the UniqueName everywhere, the participant segment of a GET also
 * the identity):
 *   POST/GET          /v1/Conversations
 *   GET/POST/DELETE   /v1/Conversations/{Sid}
 *   POST/GET          /v1/Conversations/{ConversationSid}/Participants
 *   GET/POST/DELETE   /v1/Conversations/{ConversationSid}/Participants/{Sid}
 *   POST/GET          /v1/Conversations/{ConversationSid}/Messages
 *   GET               /v1/Conversations/{ConversationSid}/Messages/{Sid}
 *   GET/POST          /v1/Configuration/Webhooks (standin_config.h)
 * Media Content Service (standin_media.c; not in the Conversations spec,
 * so validated by hand: no query parameter but an upload's filename, no
 * webhook header, a Content-Type and a non-empty body for uploads):
 *   POST              /v1/Services/{ChatServiceSid}/Media
 *   GET               /v1/Services/{ChatServiceSid}/Media/{Sid}
 *   GET               /v1/Services/{ChatServiceSid}/Media/{Sid}/Content
 *
 * si_api_route() finds the route for a request's method and decoded path,
 * or NULL; *path_known is then 1 when another method has a route for the
 * path (405), and 2 when the path is in Twilio's spec but not implemented
 * here (404 saying so).  A route's op names it in logs and faults; in_spec
 * says the request is validated against the derived spec (and its POST
 * body parsed as a form) before the handler runs.  Handlers answer the
 * request (standin_server.h).
 */
#ifndef STANDIN_API_H
#define STANDIN_API_H

#include "standin_server.h"

typedef void si_handler(struct si_req *r);

struct si_route {
    const char *method;
    const char *template;
    const char *op;
    int in_spec;
    si_handler *handler;
};

const struct si_route *si_api_route(const struct standin *si,
                                    const char *method, char *const *seg,
                                    size_t nseg, int *path_known);

/* The Media Content Service, in standin_media.c. */
void si_media_upload(struct si_req *r);
void si_media_fetch(struct si_req *r);
void si_media_download(struct si_req *r);

#endif
