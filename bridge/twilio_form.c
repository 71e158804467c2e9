/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_form - application/x-www-form-urlencoded bodies for Twilio's REST
 * API (twilio_client.h), and the percent-encoding of path segments
 * (twilio_form_int.h).
 *
 * Pairs are encoded as they are added, in order; a repeated name is a
 * repeated key, as Twilio's SDKs send arrays.  JSON values (Attributes) are
 * sent as their compact JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "msg.h"
#include "twilio_client.h"
#include "twilio_form_int.h"
#include "xalloc.h"

struct twilio_form {
    struct buf *body;
};

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
        || c == '~';
}

void twilio_percent_encode(struct buf *out, const char *s, int form)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    for (p = (const unsigned char *) s; *p; p++) {
        if (unreserved(*p)) {
            buf_append_char(out, *p);
        } else if (*p == ' ' && form) {
            buf_append_char(out, '+');
        } else {
            buf_append_char(out, '%');
            buf_append_char(out, hex[*p >> 4]);
            buf_append_char(out, hex[*p & 0x0f]);
        }
    }
}

struct twilio_form *twilio_form_new(void)
{
    struct twilio_form *form = xcalloc(1, sizeof(*form));

    form->body = buf_create(128);
    return form;
}

void twilio_form_add(struct twilio_form *form, const char *name,
                     const char *value)
{
    if (form->body->len > 0)
        buf_append_char(form->body, '&');
    twilio_percent_encode(form->body, name, 1);
    buf_append_char(form->body, '=');
    twilio_percent_encode(form->body, value, 1);
}

void twilio_form_add_json(struct twilio_form *form, const char *name,
                          const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

    if (text == NULL)
        msg_panic("twilio_form_add_json: %s: cannot encode the JSON value",
                  name);
    twilio_form_add(form, name, text);
    free(text);
}

const char *twilio_form_body(const struct twilio_form *form, size_t *len)
{
    *len = form->body->len;
    return form->body->data;
}

void twilio_form_free(struct twilio_form *form)
{
    if (form == NULL)
        return;
    buf_free(form->body);
    free(form);
}
