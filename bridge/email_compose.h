/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_compose - the email a building contact receives for a batch of a
 * seeker's conversation messages (one or more, coalesced by sync_email.c),
 * composed with GMime.
 *
 * Headers:
 *   Date          the newest message's creation time (in.date)
 *   From          the seeker: display name and address as given (the
 *                 bridge gives the conversation's proxy address, never the
 *                 seeker's own), RFC 2047-encoded when not ASCII
 *   To            the building contact
 *   Subject       as given, RFC 2047-encoded when not ASCII
 *   Message-ID    <FIRST_MESSAGE_SID@DOMAIN>: derived from the first Twilio
 *                 message of the batch, so a retried batch can never make
 *                 a second distinct email
 *   In-Reply-To, References
 *                 <CONVERSATION_SID@DOMAIN>: one thread per conversation
 *                 in the contact's mail client
 *   X-Postmask-Conversation   the conversation SID (the milter masks by it
 *                 and removes it)
 *   MIME-Version, Content-*
 *
 * Body: multipart/alternative of (email_render.h says each to the byte)
 *   text/plain    quoted-printable, in the smallest charset that holds the
 *                 text (GMime picks us-ascii, iso-8859-1 or utf-8):
 *                 the marker line (when in.marker is set) and a blank line;
 *                 the listing title (when set) and a blank line; each
 *                 message of the batch: a heading line "NAME, Thu 3 Dec
 *                 14:02 by SMS:" (no "NAME, " without an author, no
 *                 channel phrase without a channel), its text, and its
 *                 note in brackets ("[A photo was left out: ...]"), a
 *                 blank line between messages; then, when there is
 *                 context, a line "Earlier in this conversation:" and each
 *                 earlier message the same way, its lines quoted with "> ".
 *   text/html     quoted-printable, UTF-8: the same content as a complete
 *                 HTML5 document (lang="en", a <title> that is the
 *                 subject, meta charset, viewport, color-scheme and
 *                 supported-color-schemes "light dark") with inline CSS
 *                 only, no remote resource, no image, no script, no
 *                 tracking, one centred role="presentation" table for
 *                 Outlook, no background colour; the marker line first
 *                 (small, grey), the listing title as <h1>, each message
 *                 in a block with its heading (<h2>) and its text in
 *                 <p dir="auto">, the earlier ones in a <blockquote> under
 *                 a heading "Earlier in this conversation".  Every field
 *                 that comes from a person or from Twilio (names, listing
 *                 title, subject, message text, channel, note, marker) is
 *                 HTML-escaped (& < > " '); line breaks in a message
 *                 become <br>; the document passes `tidy -errors -q`
 *                 without an error or a warning (tests/email_compose_tidy.sh).
 * Control characters in any shown field become U+FFFD in both parts, and
 * line breaks in one-line fields spaces (email_render.h).
 * Masking: mask_body() on the composed email matches decoded bytes, so an
 * address whose local part holds ' or & (o'brien@example.org) stands in
 * the HTML part escaped (o&#39;brien@...) where it does not match; the
 * caller masks the seeker's addresses in the texts it gives (or mask_body
 * learns the escaped forms) for the HTML part to be masked as surely as
 * the text part.
 * With attachments: multipart/mixed of that multipart/alternative and each
 * attachment (base64, its content type and file name).  The multipart
 * boundaries derive from the first message SID, so the same input makes
 * the same bytes.  Lines end in CRLF, ready for SMTP.  Times are shown in
 * the bridge's local time zone ("Thu 3 Dec 14:02", English names).
 *
 * email_compose() appends the message to out and returns 0, or -1 with
 * why (a SID that is not CH/IM + 32 hex, an address or domain with
 * characters that do not belong in one, text that is not UTF-8 in any
 * field of in, of an item or of a context message, an item without a
 * body, no message in the batch: nitems 0 or items NULL) and nothing
 * appended.  It calls capture_init() (g_mime_init) itself.  in and
 * everything it points to stay the caller's; nothing is kept.
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

/* One conversation message, as the email shows it. */
struct email_item {
    const char *message_sid;        /* IM...; only the batch's first is
                                     * used (Message-ID) */
    const char *author;             /* display name, UTF-8, or NULL */
    const char *channel;            /* "by SMS", "on WhatsApp", "in chat",
                                     * "by email", or NULL */
    time_t date;
    const char *body;               /* UTF-8, may be "" */
    const char *note;               /* e.g. media left out, or NULL */
};

struct email_in {
    const char *conversation_sid;   /* CH... */
    const char *domain;             /* right side of Message-ID: a proxy domain */
    const char *from_name;          /* or NULL */
    const char *from_address;
    const char *to_name;            /* or NULL */
    const char *to_address;
    const char *subject;
    const char *listing_title;      /* or NULL */
    const char *marker;             /* the formatted marker line, or NULL */
    const struct email_item *items; /* the batch, oldest first; at least one */
    size_t nitems;
    const struct email_item *context;   /* earlier messages, oldest first */
    size_t ncontext;
    time_t date;
    const struct email_attachment *attachments;
    size_t nattachments;
};

int email_compose(const struct email_in *in, struct buf *out,
                  struct buf *why);

#endif
