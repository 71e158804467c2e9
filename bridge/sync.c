/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync - what both directions of the sync share; see sync.h.
 */
#include <string.h>

#include <jansson.h>

#include "job_runner.h"
#include "sync.h"

int sync_made_from_email(const char *attributes)
{
    json_t *attrs = attributes ? json_loads(attributes, 0, NULL) : NULL;
    const char *origin;
    int ret;

    origin = json_string_value(json_object_get(json_object_get(attrs,
                                                               "postmask"),
                                               "origin"));
    ret = origin != NULL && strcmp(origin, SYNC_ORIGIN_EMAIL) == 0;
    json_decref(attrs);
    return ret;
}

int sync_emailed(const char *attributes)
{
    json_t *attrs = attributes ? json_loads(attributes, 0, NULL) : NULL;
    int ret;

    ret = json_is_string(json_object_get(json_object_get(attrs, "postmask"),
                                         SYNC_EMAILED_KEY));
    json_decref(attrs);
    return ret;
}

void sync_twilio_failed(struct job *job, const char *about,
                        const struct twilio_result *res, const char *what)
{
    const char *message = res->message ? res->message : "";

    if (TWILIO_UNAVAILABLE(res))
        job_retry(job, "%s: cannot %s: Twilio unavailable: HTTP %d%s%s",
                  about, what, res->status, *message ? ": " : "", message);
    else if (res->status == 404)
        job_dead(job, "%s: cannot %s: not found at Twilio (HTTP 404)", about,
                 what);
    else
        job_dead(job, "%s: cannot %s: HTTP %d, Twilio error %d: %s", about,
                 what, res->status, res->code, message);
}
