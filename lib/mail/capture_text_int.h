/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_text_int - what capture_text.c (the rules that find where a
 * reply's new text ends) shares with capture_text_marker.c (postmask's own
 * reply marker, which goes before them).  Private to those two files.
 *
 * struct line is one line of the text being read: its bytes (pointing
 * into the caller's text; never owned) and what split_lines() and the
 * rules found about it.  Every function here reads lines only, takes time
 * linear in the bytes it looks at, and keeps no state; scratch is the
 * caller's buffer, reused.
 *
 * From capture_text.c:
 *   ctext_skip_space()    the white space (utf8_space_at) at the start of s;
 *   ctext_unclosed()      the line ends inside "<...>" or "(...)";
 *   ctext_intro_at()      the number of lines (1 to 3) of the quote
 *                         introduction of the patterns at line i, or 0,
 *                         with its rule name in *rule;
 *   ctext_label_is()      the line starts with a header label of kind
 *                         ("From:", "Von:", ...): its rule name, or NULL;
 *   ctext_date_before_address()  s holds a date or time before an address;
 *   ctext_rule_line()     a line of 8 or more underscores or dashes;
 *   ctext_original_marker()  "-----Original Message-----" or a forward
 *                         separator: its rule name (and *forward), or NULL.
 * From capture_text_marker.c:
 *   ctext_marker_line()   the line of the reply marker (reply_marker.h) the
 *                         rules should cut at, or n;
 *   ctext_marker_attribution()  the client's attribution lines just above
 *                         the marker's line m: 1 with *first .. *last, or 0.
 */
#ifndef POSTMASK_CAPTURE_TEXT_INT_H
#define POSTMASK_CAPTURE_TEXT_INT_H

#include <stddef.h>

#include "buf.h"
#include "reply_patterns.h"

#define INTRO_MAX   600     /* longest quote introduction, joined */
#define LABEL_MAX   40      /* longest header label, bytes ("Отправлено") */
#define FOOTER_MAX  160     /* longest mobile footer line */
#define SEPARATOR_MAX 160   /* longest separator line */
#define SHARED_TRIES 4      /* intro words tried in one line */

struct line {
    const char *s;          /* first byte */
    size_t len;             /* without line end and trailing white space */
    unsigned quoted:1;
    unsigned blank:1;
    unsigned sig:1;         /* "-- " or "--" */
    unsigned drop:1;        /* an introduction dropped in an inline reply */
    unsigned footer:1;      /* a mobile/app footer (footer_line) */
    const char *footer_rule;    /* its rule name, when footer */
};

size_t ctext_skip_space(const char *s, size_t len);
int ctext_unclosed(const struct line *l);
size_t ctext_intro_at(const struct line *lines, size_t n, size_t i,
                      struct buf *scratch, const char **rule);
const char *ctext_label_is(const struct line *l, enum reply_kind kind,
                           struct buf *scratch);
int ctext_date_before_address(const char *s, size_t len);
int ctext_rule_line(const struct line *l);
const char *ctext_original_marker(const struct line *l, struct buf *scratch,
                                  int *forward);

size_t ctext_marker_line(const struct line *lines, size_t n,
                         const char *text, size_t len, const char *marker,
                         const unsigned char *inline_after);
int ctext_marker_attribution(const struct line *lines, size_t m,
                             struct buf *scratch, size_t *first,
                             size_t *last);

#endif
