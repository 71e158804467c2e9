/*
 * capture_text - the new text of a reply, without quoted history,
 * signature or mobile footer; and plain text made from HTML.
 *
 * capture_text_extract() takes the UTF-8 text/plain body of a reply and
 * returns (appends to out) only what the writer wrote in this message:
 *   - it cuts at the first quote introduction and drops everything after:
 *     "On <date>, <name> wrote:" and its equivalents in English, German,
 *     French, Spanish, Dutch and Portuguese, also wrapped over two (or
 *     three) lines;
 *     Outlook's "-----Original Message-----" and its "From:/Sent:/To:/
 *     Subject:" header blocks (in those languages); a run of ">" lines
 *     that ends the message;
 *   - inline replies keep the writer's own lines between quoted blocks, and
 *     drop the ">" lines;
 *   - it drops the "-- " signature and what follows, and common mobile
 *     footers ("Sent from my iPhone", "Von meinem iPhone gesendet",
 *     "Envoyé de mon iPhone", "Enviado desde mi iPhone", "Verzonden vanaf
 *     mijn iPhone", "Enviado do meu iPhone", "Get Outlook for iOS/Android",
 *     "Sent from Yahoo Mail", ...);
 *   - it trims blank lines at both ends, white space before the first
 *     character and trailing white space of lines, and makes each run of
 *     blank lines (or of lines it dropped) one blank line.
 * capture_html_to_text() turns HTML into plain text, dropping style,
 * script and head, the quote containers of Gmail (div.gmail_quote,
 * blockquote), Outlook (div#appendonsend, divRplyFwdMsg and what follows,
 * the border-top "From:" block) and Apple Mail (blockquote type="cite"),
 * turning block elements into line breaks and decoding entities; it also
 * drops Gmail's, Thunderbird's and Outlook's signature containers.
 * Both work on bounded input (they read at most CAPTURE_TEXT_MAX and
 * CAPTURE_HTML_MAX bytes), take time linear in it, and never fail: they
 * return 0.  Input need not be valid UTF-8; bytes pass through, so what
 * they return is valid UTF-8 when their input is.  No state is kept.
 */
#ifndef POSTMASK_CAPTURE_TEXT_H
#define POSTMASK_CAPTURE_TEXT_H

#include <stddef.h>

#include "buf.h"

#define CAPTURE_TEXT_MAX  (1024 * 1024)         /* text read for extraction */
#define CAPTURE_HTML_MAX  (8 * 1024 * 1024)     /* HTML read for conversion */

int capture_text_extract(const char *text, size_t len, struct buf *out);
int capture_html_to_text(const char *html, size_t len, struct buf *out);

#endif
