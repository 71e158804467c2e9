/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_text - the new text of a reply, without quoted history,
 * signature or mobile footer; and plain text made from HTML.
 *
 * capture_text_extract() takes the UTF-8 text/plain body of a reply and
 * returns (appends to out) only what the writer wrote in this message:
 *   - it cuts at the first quote introduction and drops everything after:
 *     "On <date>, <name> wrote:" and its equivalents (and the verb-less,
 *     date-first forms of Gmail) in English, German, French, Spanish,
 *     Portuguese (PT and BR), Italian, Dutch, Danish, Norwegian, Swedish,
 *     Finnish, Polish, Czech, Russian, Ukrainian, Turkish, Japanese,
 *     Chinese (simplified and traditional) and Korean, also wrapped over
 *     two (or three) lines, or after the writer's words on the same line
 *     ("Thanks. On ... wrote:" keeps "Thanks.");
 *     "-----Original Message-----" and forward separators and the
 *     "From:/Sent:/To:/Subject:" header blocks (in those languages); a
 *     run of ">" lines that ends the message.  The patterns are data:
 *     reply_patterns.h;
 *   - inline replies keep the writer's own lines between quoted blocks, and
 *     drop the ">" lines;
 *   - it drops the "-- " signature and what follows, and mobile and app
 *     footers in those languages when they are the whole line ("Sent from
 *     my iPhone", "Sent with Airmail", "從我的 iPhone 傳送", "iPhoneから送信",
 *     "Get Outlook for Android", mailing-list footers, ...; "Sent from my
 *     desk, is much easier" is a sentence and stays);
 *   - it trims blank lines at both ends, white space before the first
 *     character and trailing white space of lines, and makes each run of
 *     blank lines (or of lines it dropped) one blank line.
 * capture_text_extract_report() does the same and says what it did in
 * *report (which may be NULL): reply_inline, the writer answered between
 * quoted lines (their text, a quote, their text again, or a quote, their
 * text, a quote again: their lines are kept, the quoted ones dropped; text
 * under one quote is a bottom post, not inline); forward, a forwarded-
 * message separator ("---------- Forwarded message ---------", "Begin
 * forwarded message:", ...) cut the text, so the forwarded part was
 * dropped; lines, the number of lines of the text read.  When the caller
 * sets report->explain, it also lists in report->spans, by first line,
 * each span of lines cut or dropped and the rule that decided it: the rule
 * name of reply_patterns.h ("attribution.en.on-wrote", "header.de.von",
 * "forward.en.gmail", "footer.en.my-device") or a structural one: "quote"
 * (">" lines; "inline.quote" in an inline reply), "signature.dashes" ("-- "
 * or "--" and all after it), "footer.rule" (a line of underscores or
 * dashes above a footer).  Line numbers are 1-based, of the text given;
 * only lines above the cut are listed (a CAPTURE_TEXT_CUT* span covers all
 * below it); blank lines are not listed.  The caller frees the spans with
 * capture_text_report_release(); without explain nothing is allocated.
 * capture_text_extract_marker() is capture_text_extract_report() for a
 * reply to one of postmask's own emails: marker is email_reply_marker's
 * format (reply_marker.h; NULL or "": none, and it is
 * capture_text_extract_report()).  When the text holds the marker line
 * (where the format puts its key: at a line's start, or after the name a
 * format that starts with %s gives it; quoted at any depth, wrapped,
 * with HTML's white space; a writer's sentence that mentions it mid-line
 * is not it, a quoted line that does is), that line and everything after
 * it are cut, before and instead of every rule above but the signature,
 * footer and quote rules of the text kept above it; and so are the
 * client's attribution lines directly above it (blank and ">"-only lines
 * between do not count): an Outlook header block in any language (a
 * rule or "-----Original Message-----", then "Label: value" lines, the
 * first with an address or a known From label), a quote introduction of
 * the patterns, one "---- ... ----" line, or one to three lines ending in
 * ":" that carry a date, a time or an address and stand alone (a blank
 * line above); the writer's own line that ends in ":" without a date or
 * address stays, as does an attribution that has neither ("Ann wrote:").
 * Exception: a ">"-quoted marker under which the writer answered (their
 * text after a quoted line: inline, or a bottom post) does not cut; the
 * rules keep their text.  report->marker is the marker's line (1-based),
 * or 0 when it did not cut; the spans name "marker.reply" (cut) and
 * "marker.attribution" (dropped).
 * capture_text_action_text() describes an action ("dropped", "cut here
 * (this line and everything after)"); the string is static.
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

#define CAPTURE_TEXT_EXCERPT 60     /* bytes of a span's first line kept */

enum capture_text_action {
    CAPTURE_TEXT_DROPPED,               /* the lines were dropped */
    CAPTURE_TEXT_CUT,                   /* they and everything after */
    CAPTURE_TEXT_CUT_AFTER_WORDS,       /* the same, after the writer's
                                         * words on the first line */
    CAPTURE_TEXT_DROPPED_AFTER_WORDS,   /* dropped, after the writer's words
                                         * on the first line (inline) */
};

struct capture_text_span {
    size_t first, last;                 /* 1-based line numbers */
    const char *rule;                   /* static */
    enum capture_text_action action;
    char excerpt[CAPTURE_TEXT_EXCERPT + 1]; /* the first line's start, after
                                         * white space, as bytes */
};

struct capture_text_report {
    int explain;                        /* in: collect spans */
    int reply_inline;                   /* out */
    int forward;                        /* out: the forwarded part dropped */
    size_t marker;                      /* out: the reply marker's line
                                         * (1-based) that cut, or 0 */
    size_t lines;                       /* out: lines of the text read */
    struct capture_text_span *spans;    /* out, with explain; by first */
    size_t span_count;
};

int capture_text_extract(const char *text, size_t len, struct buf *out);
int capture_text_extract_report(const char *text, size_t len,
                                struct buf *out,
                                struct capture_text_report *report);
int capture_text_extract_marker(const char *text, size_t len,
                                const char *marker, struct buf *out,
                                struct capture_text_report *report);
void capture_text_report_release(struct capture_text_report *report);
const char *capture_text_action_text(enum capture_text_action action);
int capture_html_to_text(const char *html, size_t len, struct buf *out);

#endif
