/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_media - the Media Content Service routes (upload, metadata,
 * content); see standin_api.h.  The body of an upload is the file itself
 * with its MIME type as Content-Type (FACTS.md section 6).
 */
#include <string.h>

#include "standin_api.h"
#include "standin_json.h"
#include "standin_store.h"

/*
 * The checks the spec would make, were MCS in it; 0 when they pass.  An
 * upload may name its file with the query parameter "filename" (the
 * bridge's choice; Twilio's documentation does not say how MCS takes the
 * name), nothing else takes a query parameter.
 */
static int si_media_check(struct si_req *r, int upload)
{
    size_t i;

    if (strcmp(r->seg[2], r->si->service_sid) != 0) {
        si_reply_not_found(r);
        return -1;
    }
    for (i = 0; i < r->query->count; i++)
        if (!upload || strcmp(r->query->pairs[i].name, "filename") != 0) {
            si_reply_error(r, 400, 20001, "Unknown query parameter %s: the "
                           "Media Content Service takes %s",
                           r->query->pairs[i].name, upload
                           ? "only filename on upload" : "no query parameters");
            return -1;
        }
    if (r->webhook_enabled) {
        si_reply_error(r, 400, 20001, "Unexpected header "
                       "X-Twilio-Webhook-Enabled: the Media Content Service "
                       "does not take it");
        return -1;
    }
    return 0;
}

void si_media_upload(struct si_req *r)
{
    struct si_media *m;

    if (si_media_check(r, 1) < 0)
        return;
    if (r->content_type == NULL || r->content_type[0] == '\0') {
        si_reply_error(r, 400, 20001, "Missing required header Content-Type: "
                       "the MIME type of the file");
        return;
    }
    if (r->body_len == 0) {
        si_reply_error(r, 400, 20001, "Missing file: the request body is "
                       "empty");
        return;
    }
    m = si_media_create(r->si->store, r->content_type,
                        form_get(r->query, "filename"), r->body,
                        r->body_len, "system");
    si_reply_json(r, 201, si_json_media(r->si, m));
}

static struct si_media *si_media_or_404(struct si_req *r)
{
    struct si_media *m;

    if (si_media_check(r, 0) < 0)
        return NULL;
    if ((m = si_media_find(r->si->store, r->seg[4])) == NULL)
        si_reply_not_found(r);
    return m;
}

void si_media_fetch(struct si_req *r)
{
    struct si_media *m = si_media_or_404(r);

    if (m)
        si_reply_json(r, 200, si_json_media(r->si, m));
}

void si_media_download(struct si_req *r)
{
    struct si_media *m = si_media_or_404(r);

    if (m)
        si_reply_raw(r, 200, m->content_type, m->data, m->size);
}
