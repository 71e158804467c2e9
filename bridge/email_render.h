/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_render - the two bodies of the email email_compose() sends a
 * building contact: the text/plain one and the text/html one, from the
 * same struct email_in (email_compose.h).
 *
 * Both assume a checked input (email_compose.c's check(): every text
 * field NULL or valid UTF-8, nitems >= 1, every item's body non-NULL) and
 * append UTF-8 with LF line ends to out; the caller owns out.  The same
 * input (and time zone) gives the same bytes.
 *
 * What a field may hold is decided here, in both bodies alike: CR LF and
 * a lone CR are line breaks; in a message body a line break and a tab
 * stay, in every other field (names, channel, listing title, note,
 * marker, subject) they become spaces; any other control character (C0,
 * DEL, C1), a Unicode noncharacter, and in those one-line fields a bidi
 * embedding, override or isolate control, becomes U+FFFD; trailing white
 * space of a body is dropped.
 *
 * email_render_text(): the marker line (when in->marker is set) and a
 * blank line; the listing title (when set) and a blank line; each message
 * of the batch: its heading "NAME, Thu 3 Dec 14:02 by SMS:" (no "NAME, "
 * without an author, no channel phrase without a channel), its body, and
 * its note as "[note]", a blank line between messages; then, with
 * context, "Earlier in this conversation:", a blank line, and each
 * earlier message the same way with every line prefixed "> " (an empty
 * line: ">").
 *
 * email_render_html(): a complete HTML5 document (doctype, <html
 * lang="en">, meta charset utf-8, viewport, color-scheme and
 * supported-color-schemes "light dark", <title> the subject, or the
 * listing title when there is no subject) with the same content: inline
 * CSS only, no <style>, no script, no image, no URL at all; one centred
 * role="presentation" table as the wrapper (Outlook); no background
 * colour anywhere and no text colour but the marker's grey (#767676,
 * 4.5:1 on white and on black), so the client's light or dark scheme
 * shows through.  The marker is a small <p>, the listing title an <h1>,
 * each message a <div> with an <h2> heading (the author in <bdi>) and its
 * text in <p dir="auto"> with line breaks as <br>, the note in an italic
 * <p>; the context follows an <h2> "Earlier in this conversation" in a
 * <blockquote>, its headings <h3>.  Every field is HTML-escaped (& < > "
 * '); all markup is this file's own.  Times are local (localtime_r),
 * with English day and month names.
 */
#ifndef POSTMASK_EMAIL_RENDER_H
#define POSTMASK_EMAIL_RENDER_H

#include "buf.h"
#include "email_compose.h"

void email_render_text(const struct email_in *in, struct buf *out);
void email_render_html(const struct email_in *in, struct buf *out);

#endif
