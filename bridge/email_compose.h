/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_compose - the email a building contact receives for one
 * conversation message, composed with GMime.
 *
 * Headers:
 *   Date          the message's creation time
 *   From          the seeker: display name and address as given (the
 *                 bridge gives the conversation's proxy address, never the
 *                 seeker's own), RFC 2047-encoded when not ASCII
 *   To            the building contact
 *   Subject       as given, RFC 2047-encoded when not ASCII
 *   Message-ID    <MESSAGE_SID@DOMAIN>: derived from the Twilio message,
 *                 so a retried job can never make a second distinct email
 *   In-Reply-To, References
 *                 <CONVERSATION_SID@DOMAIN>: one thread per conversation
 *                 in the contact's mail client
 *   X-Postmask-Conversation   the conversation SID (the milter masks by it
 *                 and removes it)
 *   MIME-Version, Content-*
 * Body: text/plain, quoted-printable, in the smallest charset that holds
 * the text (GMime picks us-ascii, iso-8859-1 or utf-8); with attachments a
 * multipart/mixed of that text and each attachment (base64, its content
 * type and file name).  Lines end in CRLF, ready for SMTP.
 *
 * email_compose() appends the message to out and returns 0, or -1 with
 * why (a SID that is not CH/IM + 32 hex, an address or domain with
 * characters that do not belong in one, text that is not UTF-8).  It calls
 * capture_init() (g_mime_init) itself.
 */
#ifndef POSTMASK_EMAIL_COMPOSE_H
#define POSTMASK_EMAIL_COMPOSE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct email_attachment {
    const char *filename;
    const char *content_type;       /* "image/jpeg" */
    const unsigned char *data;
    size_t len;
};

struct email_in {
    const char *conversation_sid;   /* CH... */
    const char *message_sid;        /* IM... */
    const char *domain;             /* right side of Message-ID: a proxy domain */
    const char *from_name;          /* or NULL */
    const char *from_address;
    const char *to_name;            /* or NULL */
    const char *to_address;
    const char *subject;
    const char *body;               /* UTF-8 */
    time_t date;
    const struct email_attachment *attachments;
    size_t nattachments;
};

int email_compose(const struct email_in *in, struct buf *out,
                  struct buf *why);

#endif
