/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_render - the text/plain and text/html bodies of a building
 * contact's email; see email_render.h.
 */
#include <string.h>
#include <time.h>

#include "buf.h"
#include "email_render.h"
#include "utf8.h"

#define CLEAN_LINE  1           /* a one-line field: breaks become spaces */

#define REPLACEMENT "\xef\xbf\xbd"  /* U+FFFD */

#define EARLIER     "Earlier in this conversation"

/* The HTML's constant parts.  Colours: none but the marker's grey, so
 * that the reader's light or dark scheme decides the rest. */
#define FONT        "font-family:-apple-system,'Segoe UI',Roboto,Helvetica," \
                    "Arial,sans-serif;"
#define HTML_HEAD_1 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n" \
    "<meta charset=\"utf-8\">\n" \
    "<meta name=\"viewport\" content=\"width=device-width, " \
    "initial-scale=1\">\n" \
    "<meta name=\"color-scheme\" content=\"light dark\">\n" \
    "<meta name=\"supported-color-schemes\" content=\"light dark\">\n" \
    "<title>"
#define HTML_HEAD_2 "</title>\n</head>\n" \
    "<body style=\"margin:0;padding:0;\">\n" \
    "<table role=\"presentation\" style=\"width:100%;max-width:640px;" \
    "margin:0 auto;border-collapse:collapse;border-spacing:0;\">\n" \
    "<tr>\n<td style=\"padding:16px;" FONT "font-size:16px;" \
    "line-height:24px;text-align:left;\">\n"
#define HTML_TAIL   "</td>\n</tr>\n</table>\n</body>\n</html>\n"
#define MARKER_P    "<p style=\"margin:0 0 16px 0;font-size:12px;" \
    "line-height:16px;color:#767676;\">"
#define TITLE_H1    "<h1 style=\"margin:0 0 16px 0;font-size:20px;" \
    "line-height:28px;font-weight:bold;\">"
#define MSG_DIV     "<div style=\"margin:0 0 20px 0;\">\n"
#define HEAD_STYLE  " style=\"margin:0 0 4px 0;font-size:14px;" \
    "line-height:20px;font-weight:bold;\">"
#define TEXT_P      "<p dir=\"auto\" style=\"margin:0;" \
    "overflow-wrap:break-word;word-wrap:break-word;\">"
#define NOTE_P      "<p style=\"margin:4px 0 0 0;font-size:14px;" \
    "line-height:20px;font-style:italic;\">"
#define EARLIER_H2  "<h2 style=\"margin:28px 0 12px 0;font-size:16px;" \
    "line-height:24px;font-weight:bold;\">"
#define QUOTE       "<blockquote style=\"margin:0;padding:0 0 0 12px;" \
    "border-left:3px solid #8a8a8a;\">\n"

static const char *const wdays[] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char *const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* "Thu 3 Dec 14:02", local time, whatever the locale says. */
static void format_when(time_t when, struct buf *out)
{
    struct tm tm;

    if (localtime_r(&when, &tm) == NULL && gmtime_r(&when, &tm) == NULL) {
        buf_append_str(out, "?");
        return;
    }
    buf_printf(out, "%s %d %s %02d:%02d", wdays[tm.tm_wday], tm.tm_mday,
               months[tm.tm_mon], tm.tm_hour, tm.tm_min);
}

static int bidi_control(unsigned long cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Append s (valid UTF-8) to out as email_render.h says a field may be. */
static void clean(const char *s, int flags, struct buf *out)
{
    const unsigned char *p = (const unsigned char *) s;
    unsigned long cp;
    size_t n;

    while (*p) {
        n = utf8_decode(p, &cp);
        if (cp == '\r') {
            cp = '\n';
            if (p[1] == '\n')
                n = 2;
        }
        if (cp == '\n' || cp == '\t')
            buf_append_char(out, (flags & CLEAN_LINE) ? ' ' : (int) cp);
        else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)
                 || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe
                 || ((flags & CLEAN_LINE) && bidi_control(cp)))
            buf_append_str(out, REPLACEMENT);
        else
            buf_append(out, p, n);
        p += n;
    }
    if (!(flags & CLEAN_LINE))
        while (out->len > 0 && strchr(" \t\n", out->data[out->len - 1]))
            buf_truncate(out, out->len - 1);
}

/* Append text (cleaned) HTML-escaped; line breaks as <br> when br. */
static void html_escape(const char *text, int br, struct buf *out)
{
    for (; *text; text++) {
        switch (*text) {
        case '&':
            buf_append_str(out, "&amp;");
            break;
        case '<':
            buf_append_str(out, "&lt;");
            break;
        case '>':
            buf_append_str(out, "&gt;");
            break;
        case '"':
            buf_append_str(out, "&quot;");
            break;
        case '\'':
            buf_append_str(out, "&#39;");
            break;
        case '\n':
            buf_append_str(out, br ? "<br>\n" : " ");
            break;
        default:
            buf_append_char(out, *text);
        }
    }
}

/* Append field, cleaned as one line and HTML-escaped. */
static void html_field(const char *field, struct buf *tmp, struct buf *out)
{
    buf_reset(tmp);
    clean(field, CLEAN_LINE, tmp);
    html_escape(tmp->data, 0, out);
}

static int set(const char *s)
{
    return s != NULL && *s != '\0';
}

/* Append "NAME, WHEN CHANNEL" (plain) to out. */
static void text_heading(const struct email_item *it, struct buf *out)
{
    if (set(it->author)) {
        clean(it->author, CLEAN_LINE, out);
        buf_append_str(out, ", ");
    }
    format_when(it->date, out);
    if (set(it->channel)) {
        buf_append_char(out, ' ');
        clean(it->channel, CLEAN_LINE, out);
    }
}

/* Append each line of text to out behind prefix ("" or "> "). */
static void text_lines(const char *prefix, const char *text, struct buf *out)
{
    const char *nl;

    for (;;) {
        nl = strchr(text, '\n');
        if (*prefix != '\0' && (nl == text || *text == '\0'))
            buf_append_char(out, '>');
        else
            buf_append_str(out, prefix);
        buf_append(out, text, nl ? (size_t) (nl - text) : strlen(text));
        buf_append_char(out, '\n');
        if (nl == NULL)
            break;
        text = nl + 1;
    }
}

static void text_message(const struct email_item *it, const char *prefix,
                         struct buf *tmp, struct buf *out)
{
    buf_reset(tmp);
    text_heading(it, tmp);
    buf_append_char(tmp, ':');
    text_lines(prefix, tmp->data, out);
    buf_reset(tmp);
    clean(it->body, 0, tmp);
    if (tmp->len > 0)
        text_lines(prefix, tmp->data, out);
    if (set(it->note)) {
        buf_reset(tmp);
        buf_append_char(tmp, '[');
        clean(it->note, CLEAN_LINE, tmp);
        buf_append_char(tmp, ']');
        text_lines(prefix, tmp->data, out);
    }
}

void email_render_text(const struct email_in *in, struct buf *out)
{
    struct buf *tmp = buf_create(256);
    size_t i;

    if (set(in->marker)) {
        clean(in->marker, CLEAN_LINE, out);
        buf_append_str(out, "\n\n");
    }
    if (set(in->listing_title)) {
        clean(in->listing_title, CLEAN_LINE, out);
        buf_append_str(out, "\n\n");
    }
    for (i = 0; i < in->nitems; i++) {
        if (i > 0)
            buf_append_char(out, '\n');
        text_message(&in->items[i], "", tmp, out);
    }
    if (in->ncontext > 0)
        buf_append_str(out, "\n" EARLIER ":\n");
    for (i = 0; i < in->ncontext; i++) {
        buf_append_char(out, '\n');
        text_message(&in->context[i], "> ", tmp, out);
    }
    buf_free(tmp);
}

/* One message as a <div>: heading (tag "h2" or "h3"), text, note. */
static void html_message(const struct email_item *it, const char *tag,
                         struct buf *tmp, struct buf *out)
{
    buf_append_str(out, MSG_DIV);
    buf_printf(out, "<%s" HEAD_STYLE, tag);
    if (set(it->author)) {
        buf_append_str(out, "<bdi>");
        html_field(it->author, tmp, out);
        buf_append_str(out, "</bdi>, ");
    }
    format_when(it->date, out);
    if (set(it->channel)) {
        buf_append_char(out, ' ');
        html_field(it->channel, tmp, out);
    }
    buf_printf(out, "</%s>\n", tag);
    buf_reset(tmp);
    clean(it->body, 0, tmp);
    if (tmp->len > 0) {
        buf_append_str(out, TEXT_P);
        html_escape(tmp->data, 1, out);
        buf_append_str(out, "</p>\n");
    }
    if (set(it->note)) {
        buf_append_str(out, NOTE_P);
        html_field(it->note, tmp, out);
        buf_append_str(out, "</p>\n");
    }
    buf_append_str(out, "</div>\n");
}

void email_render_html(const struct email_in *in, struct buf *out)
{
    struct buf *tmp = buf_create(256);
    const char *title = set(in->subject) ? in->subject : in->listing_title;
    size_t i;

    buf_append_str(out, HTML_HEAD_1);
    if (set(title))
        html_field(title, tmp, out);
    else
        buf_append_str(out, "Message");
    buf_append_str(out, HTML_HEAD_2);
    if (set(in->marker)) {
        buf_append_str(out, MARKER_P);
        html_field(in->marker, tmp, out);
        buf_append_str(out, "</p>\n");
    }
    if (set(in->listing_title)) {
        buf_append_str(out, TITLE_H1);
        html_field(in->listing_title, tmp, out);
        buf_append_str(out, "</h1>\n");
    }
    for (i = 0; i < in->nitems; i++)
        html_message(&in->items[i], "h2", tmp, out);
    if (in->ncontext > 0) {
        buf_append_str(out, EARLIER_H2 EARLIER "</h2>\n" QUOTE);
        for (i = 0; i < in->ncontext; i++)
            html_message(&in->context[i], "h3", tmp, out);
        buf_append_str(out, "</blockquote>\n");
    }
    buf_append_str(out, HTML_TAIL);
    buf_free(tmp);
}
