/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conv_names - names and attributes of new Twilio resources; see
 * conv_names.h.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "conv_names.h"
#include "xalloc.h"

char *conv_unique_name(const struct conv_request *req, unsigned generation)
{
    struct buf *b = buf_create(128);

    buf_printf(b, "postmask:%s:%s:%s", req->seeker.id, req->contact.id,
               req->listing_id ? req->listing_id : "");
    if (generation > 1)
        buf_printf(b, ":%u", generation);
    return buf_detach(b, NULL);
}

char *conv_identity(const char *role, const char *id)
{
    struct buf *b = buf_create(80);

    buf_printf(b, "%s_%s", strcmp(role, CONV_ROLE_SEEKER) == 0 ? "seeker"
               : "bc", id);
    return buf_detach(b, NULL);
}

char *conv_friendly_name(const struct conv_request *req)
{
    struct buf *b = buf_create(256);
    size_t len;
    char *out;

    buf_printf(b, "%s and %s", req->seeker.name, req->contact.name);
    if (req->listing_title)
        buf_printf(b, ": %s", req->listing_title);
    out = buf_detach(b, &len);

    /*
     * Twilio counts characters; counting bytes is stricter.  Cut before a
     * continuation byte never splits a character.
     */
    if (len > CONV_FRIENDLY_MAX) {
        len = CONV_FRIENDLY_MAX;
        while (len > 0 && ((unsigned char) out[len] & 0xC0) == 0x80)
            len--;
        out[len] = '\0';
    }
    return out;
}

static void set_opt(json_t *obj, const char *name, const char *value)
{
    if (value != NULL)
        json_object_set_new(obj, name, json_string(value));
}

json_t *conv_attributes(const struct conv_request *req)
{
    json_t *obj = json_object();

    json_object_set_new(obj, "postmask", json_integer(1));
    set_opt(obj, "seeker_id", req->seeker.id);
    set_opt(obj, "building_contact_id", req->contact.id);
    set_opt(obj, "listing_id", req->listing_id);
    set_opt(obj, "listing_title", req->listing_title);
    return obj;
}

json_t *conv_participant_attributes(const char *role,
                                    const struct conv_party *party,
                                    const char *channel)
{
    json_t *obj = json_object();

    set_opt(obj, "role", role);
    set_opt(obj, "id", party->id);
    set_opt(obj, "name", party->name);
    set_opt(obj, "email", party->email);
    set_opt(obj, "channel", channel);
    return obj;
}
