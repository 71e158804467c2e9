/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_conv_request - bodies of POST /v1/conversations through
 * conv_request_parse().  Whatever the input, the parser must accept it
 * with every field valid by the shared checks, or refuse it with a code, a
 * message and (except for unparseable JSON) the dotted field, leaving the
 * request zeroed; never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "conv_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int zeroed(const struct conv_request *req)
{
    static const struct conv_request zero;

    return memcmp(req, &zero, sizeof(zero)) == 0;
}

static int party_ok(const struct conv_party *p, int seeker)
{
    if (p->id == NULL || !conv_valid_id(p->id) || p->name == NULL
        || *p->name == '\0' || strlen(p->name) > 4 * CONV_NAME_MAX)
        return 0;
    if ((p->email != NULL && !conv_valid_email(p->email))
        || (!seeker && p->email == NULL))
        return 0;
    if ((p->sms != NULL && !conv_valid_e164(p->sms))
        || (p->whatsapp != NULL && !conv_valid_e164(p->whatsapp)))
        return 0;
    if (seeker && p->sms == NULL && p->whatsapp == NULL && !p->chat)
        return 0;
    return seeker || p->chat == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conv_request req;
    struct conv_request_error err;

    memset(&err, 0, sizeof(err));
    err.message = buf_create(64);
    if (conv_request_parse((const char *) data, size, &req, &err) == 0) {
        if (err.code != NULL || !party_ok(&req.seeker, 1)
            || !party_ok(&req.contact, 0)
            || (req.listing_title != NULL && req.listing_id == NULL)
            || (req.listing_id != NULL && !conv_valid_id(req.listing_id))
            || (req.listing_title != NULL && *req.listing_title == '\0'))
            __builtin_trap();           /* accepted something invalid */
    } else {
        if (err.code == NULL || err.message->len == 0 || !zeroed(&req)
            || (strcmp(err.code, "invalid_json") == 0) != (*err.field == '\0'))
            __builtin_trap();           /* a refusal must say what and where */
    }
    conv_request_free(&req);
    buf_free(err.message);
    return 0;
}
