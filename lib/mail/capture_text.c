/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_text - the new text of a reply; see capture_text.h.  The reply
 * marker's lines are found by capture_text_marker.c (capture_text_int.h).
 *
 * A line classifier in the manner of the reply trimmers (talon,
 * email_reply_trimmer), written for postmask.  The text is split into
 * lines; each line is quoted (its first non-blank character is ">", and
 * it does not end in "<<" like ">>> link <<<"), blank, or text.  Scanning down the text lines, the first of these ends
 * the new text:
 *   - an "Original Message" or forward separator ("-----Original
 *     Message-----", "---------- Forwarded message ---------" and their
 *     translations), or the line above the returned copy in a bounce;
 *   - a header block: a "From:" line (Von:, От:, 差出人:, ...) followed
 *     within six lines by two more header lines (Sent:, Отправлено:, 件名:,
 *     ...); a line of underscores or dashes just above it goes with it;
 *   - a quote introduction (verb last, name first or date first, on one
 *     line or wrapped over up to three; or starting after the writer's
 *     words on their line, which keeps those words), unless the writer
 *     answered inline: when unquoted text of the writer follows a quoted
 *     line after it, the introduction is dropped and scanning goes on.
 * Which lines are separators, labels, introductions and footers is decided
 * by the pattern tables of reply_patterns.h, in twenty languages.
 * What is kept is the text lines above that point (quoted lines are always
 * dropped), up to a signature separator ("-- ", or "--" alone), without
 * mobile footers; trailing white space is trimmed from each line, runs of
 * blank lines become one, and blank lines at both ends go, as does white
 * space before the first character.
 *
 * A quote introduction must carry a date or time (digits such as 2024,
 * 10:15, 4/3/24 or 04.03.) or, in the name-first form, an address: "On the
 * whole, he wrote:" is text.  A line ">>> link <<<" is decoration, not a
 * quote; a rule line just above a footer goes with it.
 *
 * With a reply marker (capture_text_extract_marker()), the marker line
 * found by reply_marker_locate() takes the place of that scan: the cut is
 * there, or at the client's attribution just above it
 * (ctext_marker_attribution()), and the lines above keep only the quote,
 * signature and footer rules.
 *
 * capture_text_extract_report() also says what it did: the kept text and
 * the dropped quoted lines, taken as runs (blank lines do not end a run),
 * make an inline reply when there are at least three runs (text, quote,
 * text or quote, text, quote); the forward flag is set when the cut was a
 * REPLY_FORWARD separator.  With explain, each decision notes its lines
 * and rule (note()); consecutive drops by one rule, blank lines apart, are
 * one span.  Without explain nothing is noted or allocated.  Work is linear in the input (at most
 * CAPTURE_TEXT_MAX bytes are read) and no line longer than INTRO_MAX takes
 * part in pattern matching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "capture_signature.h"
#include "capture_text.h"
#include "capture_text_int.h"
#include "reply_marker.h"
#include "reply_patterns.h"
#include "utf8.h"
#include "xalloc.h"


/* Length of the white space at s, or 0 (utf8.h). */
static size_t space_at(const char *s, size_t len)
{
    return utf8_space_at(s, len);
}

/* Length of s without trailing white space. */
static size_t trim_end(const char *s, size_t len)
{
    for (;;) {
        if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        else if (len >= 2 && space_at(s + len - 2, 2) == 2)
            len -= 2;
        else if (len >= 3 && space_at(s + len - 3, 3) == 3)
            len -= 3;
        else
            return len;
    }
}

size_t ctext_skip_space(const char *s, size_t len)
{
    size_t i = 0, n;

    while (i < len && (n = space_at(s + i, len - i)) > 0)
        i += n;
    return i;
}

/*
 * Appends s to out in the matching form of reply_patterns.h: white space
 * runs made one space, "*" dropped (bold from HTML), trimmed.
 */
static void norm_append(const char *s, size_t len, struct buf *out)
{
    size_t i = 0, n;
    int space = out->len > 0;

    while (i < len) {
        if ((n = space_at(s + i, len - i)) > 0) {
            space = 1;
            i += n;
            continue;
        }
        if (s[i] == '*') {
            i++;
            continue;
        }
        if (space && out->len > 0 && out->data[out->len - 1] != ' ')
            buf_append_char(out, ' ');
        space = 0;
        buf_append_char(out, s[i]);
        i++;
    }
}

/*
 * Do lines from .. from + count - 1, the first read from byte off on,
 * joined, make a quote introduction?
 */
static const char *intro_lines_at(const struct line *lines, size_t from,
                                  size_t off, size_t count,
                                  struct buf *scratch)
{
    size_t i;

    buf_reset(scratch);
    for (i = from; i < from + count; i++) {
        if (lines[i].len > INTRO_MAX)
            return NULL;
        if (i == from)
            norm_append(lines[i].s + off, lines[i].len - off, scratch);
        else
            norm_append(lines[i].s, lines[i].len, scratch);
        if (scratch->len > INTRO_MAX)
            return NULL;
    }
    if (scratch->len == 0)
        return NULL;
    return reply_patterns_match(REPLY_ATTRIBUTION, scratch->data,
                                scratch->len);
}

static const char *intro_lines(const struct line *lines, size_t from,
                               size_t count, struct buf *scratch)
{
    return intro_lines_at(lines, from, 0, count, scratch);
}

/* The line opens a verb-last introduction ("On ", "Am ", "W dniu "). */
static int starts_intro_word(const struct line *l, struct buf *scratch)
{
    size_t n = l->len < 40 ? l->len : 40;

    buf_reset(scratch);
    norm_append(l->s, n, scratch);
    return reply_patterns_match(REPLY_ATTRIBUTION_START, scratch->data,
                                scratch->len) != NULL;
}

/* The line ends inside "<...>" or "(...)": an address wrapped after it. */
int ctext_unclosed(const struct line *l)
{
    size_t i = l->len;

    while (i-- > 0) {
        if (l->s[i] == '>' || l->s[i] == ')')
            return 0;
        if (l->s[i] == '<' || l->s[i] == '(')
            return 1;
    }
    return 0;
}

/*
 * The number of lines (1 to 3) of the quote introduction at line i, or 0;
 * *rule is set to the pattern's rule name when there is one.
 * A wrapped introduction starts with an intro word ("On", "Am", ...), or
 * ends inside an address it wraps ("Anna Berg <"), or holds a "<" or "(";
 * in the last case none of its later lines may be an introduction alone
 * ("Call me (mornings)" above "On ... wrote:" is the writer's line).
 */
size_t ctext_intro_at(const struct line *lines, size_t n, size_t i,
                      struct buf *scratch, const char **rule)
{
    size_t k;
    int word;

    if (lines[i].quoted || lines[i].blank)
        return 0;
    if ((*rule = intro_lines(lines, i, 1, scratch)) != NULL)
        return 1;
    word = starts_intro_word(&lines[i], scratch) || ctext_unclosed(&lines[i]);
    if (!word && memchr(lines[i].s, '<', lines[i].len) == NULL
        && memchr(lines[i].s, '(', lines[i].len) == NULL)
        return 0;
    for (k = 2; k <= 3 && i + k <= n; k++) {
        const struct line *last = &lines[i + k - 1];

        if (last->quoted || last->blank || last->sig)
            return 0;
        if (!word && intro_lines(lines, i + k - 1, 1, scratch))
            return 0;
        if ((*rule = intro_lines(lines, i, k, scratch)) != NULL)
            return k;
    }
    return 0;
}

/*
 * Does line l have a header label of that kind before its colon (":" or
 * the full-width "："; "From:", "De :", "*Von:*", "发件人："), in at most
 * LABEL_MAX bytes?
 */
const char *ctext_label_is(const struct line *l, enum reply_kind kind,
                           struct buf *scratch)
{
    size_t n, i;

    if (l->quoted || l->blank)
        return NULL;
    n = l->len < LABEL_MAX * 2 ? l->len : LABEL_MAX * 2;
    for (i = 0; i < n; i++)
        if (l->s[i] == ':' || (i + 3 <= l->len
                               && memcmp(l->s + i, "\xef\xbc\x9a", 3) == 0))
            break;
    if (i == n)
        return NULL;
    buf_reset(scratch);
    norm_append(l->s, i, scratch);
    while (scratch->len > 0 && scratch->data[scratch->len - 1] == ' ')
        buf_truncate(scratch, scratch->len - 1);
    if (scratch->len == 0 || scratch->len > LABEL_MAX)
        return NULL;
    return reply_patterns_match(kind, scratch->data, scratch->len);
}

/*
 * The value after the label of line l names a sender: it has an address,
 * or does not start with a digit.  "From: 1 April" above "To: 30 June" is
 * the writer's lease dates, not a header block.
 */
static int names_sender(const struct line *l)
{
    const char *colon = memchr(l->s, ':', l->len);
    size_t off;

    if (colon == NULL)                  /* the full-width colon: CJK names */
        return 1;
    off = (size_t) (colon + 1 - l->s);
    off += ctext_skip_space(l->s + off, l->len - off);
    return off >= l->len || l->s[off] < '0' || l->s[off] > '9'
        || memchr(l->s, '@', l->len) != NULL;
}

/*
 * An Outlook header block starts at line i: the rule name of its first
 * label ("From:" naming a sender, or "Date:"), or NULL.
 */
static const char *header_block_at(const struct line *lines, size_t n,
                                   size_t i, struct buf *scratch)
{
    const char *rule;
    size_t j, found = 0;

    if ((rule = ctext_label_is(&lines[i], REPLY_FROM_LABEL, scratch))
        != NULL) {
        if (!names_sender(&lines[i]))
            return NULL;
    } else if ((rule = ctext_label_is(&lines[i], REPLY_DATE_LABEL,
                                      scratch)) == NULL) {
        return NULL;
    }
    for (j = i + 1; j < n && j <= i + 6; j++)
        if (ctext_label_is(&lines[j], REPLY_HEADER_LABEL, scratch))
            found++;
    return found >= 2 ? rule : NULL;
}

/*
 * A date or time (4 digits, or digit [:./-] digit) before the first "<" or
 * "@" of s: what a verb-last introduction has and a name does not.
 */
int ctext_date_before_address(const char *s, size_t len)
{
    size_t i, run = 0;

    for (i = 0; i < len && s[i] != '<' && s[i] != '@'; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (++run >= 4)
                return 1;
            if (i + 2 < len && strchr(":./-", s[i + 1]) != NULL
                && s[i + 2] >= '0' && s[i + 2] <= '9')
                return 1;
        } else {
            run = 0;
        }
    }
    return 0;
}

/*
 * A quote introduction that starts inside line i, after the writer's own
 * words ("Thanks, see you then. On Wed, ... wrote:", "bla--- On Wed ...
 * wrote:"), on that line or wrapped over up to two more.  It must start
 * with an intro word ("On", "Am", ...) in upper case (or a non-ASCII
 * letter) after white space or a dash; the rightmost such start that makes
 * an introduction wins, so the writer keeps every word before it; and it
 * must carry a date before any address (a name such as "Marie Le Gall
 * <m@b> a écrit :" is not split).  Returns
 * the number of lines and sets *keep to the length of line i to keep
 * (without the white space and dashes before the introduction) and *rule
 * to the pattern's rule name, or returns 0.
 */
static size_t shared_intro_at(const struct line *lines, size_t n, size_t i,
                              struct buf *scratch, size_t *keep,
                              const char **rule)
{
    const struct line *l = &lines[i];
    size_t p, k, tries = 0;

    if (l->quoted || l->blank || l->sig || l->len > INTRO_MAX)
        return 0;
    for (p = l->len; p-- > 1 && tries < SHARED_TRIES;) {
        unsigned char c = (unsigned char) l->s[p];
        size_t before;

        if ((l->s[p - 1] != ' ' && l->s[p - 1] != '-')
            || !((c >= 'A' && c <= 'Z') || c >= 0xc0))
            continue;
        buf_reset(scratch);
        norm_append(l->s + p, l->len - p < 40 ? l->len - p : 40, scratch);
        if (reply_patterns_match(REPLY_ATTRIBUTION_START, scratch->data,
                                 scratch->len) == NULL)
            continue;
        tries++;
        before = p;
        while (before > 0 && (l->s[before - 1] == ' '
                              || l->s[before - 1] == '-'))
            before--;
        /* nothing of the writer's before it, or no date before it */
        if (ctext_skip_space(l->s, before) == before
            || !ctext_date_before_address(l->s + p, l->len - p))
            continue;
        for (k = 1; k <= 3 && i + k <= n; k++) {
            const struct line *last = &lines[i + k - 1];

            if (k > 1 && (last->quoted || last->blank || last->sig))
                break;
            if ((*rule = intro_lines_at(lines, i, p, k, scratch)) != NULL) {
                *keep = before;
                return k;
            }
        }
    }
    return 0;
}

/* A line of 8 or more underscores or dashes, nothing else. */
int ctext_rule_line(const struct line *l)
{
    size_t i, off = ctext_skip_space(l->s, l->len);

    if (l->len - off < 8)
        return 0;
    for (i = off; i < l->len; i++)
        if (l->s[i] != l->s[off] || (l->s[i] != '_' && l->s[i] != '-'))
            return 0;
    return 1;
}

/*
 * "-----Original Message-----", "---------- Forwarded message ---------",
 * "Begin forwarded message:", "---- Anna wrote ----" and the like: the
 * rule name, or NULL; *forward says whether it is a forward separator.
 */
const char *ctext_original_marker(const struct line *l, struct buf *scratch,
                                  int *forward)
{
    const char *rule;

    *forward = 0;
    if (l->quoted || l->blank || l->len > SEPARATOR_MAX)
        return NULL;
    buf_reset(scratch);
    norm_append(l->s, l->len, scratch);
    if ((rule = reply_patterns_match(REPLY_SEPARATOR, scratch->data,
                                     scratch->len)) != NULL)
        return rule;
    rule = reply_patterns_match(REPLY_FORWARD, scratch->data, scratch->len);
    *forward = rule != NULL;
    return rule;
}

/* The rule name of the mobile/app footer that line l is, or NULL. */
static const char *footer_line(const struct line *l, struct buf *scratch)
{
    const char *p, *end, *link, *close;

    if (l->quoted || l->blank || l->len > FOOTER_MAX * 4)
        return NULL;
    /* "Get Outlook for iOS<https://aka.ms/...>", "Sent from Mail<https://
     * go.microsoft.com/...> for Windows": the links do not count. */
    buf_reset(scratch);
    for (p = l->s, end = l->s + l->len; p < end; p = close + 1) {
        if ((link = memmem(p, (size_t) (end - p), "<http", 5)) == NULL
            || (close = memchr(link, '>', (size_t) (end - link))) == NULL) {
            norm_append(p, (size_t) (end - p), scratch);
            break;
        }
        norm_append(p, (size_t) (link - p), scratch);
    }
    if (scratch->len > FOOTER_MAX)
        return NULL;
    return reply_patterns_match(REPLY_FOOTER, scratch->data, scratch->len);
}

/* Line l is one address and nothing else ("Tenants@lists.b.example"). */
static int bare_address(const struct line *l)
{
    size_t off = ctext_skip_space(l->s, l->len), i, at = 0;

    if (l->quoted || l->len - off < 3 || l->len - off > 254)
        return 0;
    for (i = off; i < l->len; i++) {
        if (l->s[i] == ' ' || l->s[i] == '\t' || l->s[i] == '<'
            || l->s[i] == '>')
            return 0;
        at += l->s[i] == '@';
    }
    return at == 1 && l->s[off] != '@' && l->s[l->len - 1] != '@';
}

/*
 * Mailman 2 puts the list's address between its two footer lines ("Tenants
 * mailing list", the address, the listinfo URL): an address alone on a
 * line between two footer lines is part of the footer.
 */
static void mark_list_address(struct line *lines, size_t n)
{
    size_t i;

    for (i = 1; i + 1 < n; i++)
        if (!lines[i].footer && lines[i - 1].footer && lines[i + 1].footer
            && bare_address(&lines[i])) {
            lines[i].footer = 1;
            lines[i].footer_rule = "footer.mailman-address";
        }
}

/*
 * Which source line each line of the kept text came from, for the
 * explanation of a signature cut; km NULL (no explanation asked): nothing.
 */
struct kmap {
    size_t *line;
    size_t n, cap;
};

static void kmap_add(struct kmap *km, size_t line)
{
    if (km == NULL)
        return;
    if (km->n == km->cap) {
        km->cap = km->cap ? km->cap * 2 : 64;
        km->line = xrealloc(km->line, km->cap * sizeof(*km->line));
    }
    km->line[km->n++] = line;
}

/* Line i is a rule ("____") whose next non-blank line is a footer. */
static int rule_above_footer(const struct line *lines, size_t n, size_t i,
                             struct buf *scratch)
{
    if (!ctext_rule_line(&lines[i]))
        return 0;
    while (++i < n && lines[i].blank)
        ;
    return i < n && lines[i].footer;
}

/* Splits text into lines; returns the count. */
static size_t split_lines(const char *text, size_t len, struct line **out)
{
    size_t cap = 64, n = 0, pos = 0;
    struct line *lines = xmalloc(cap * sizeof(*lines));

    while (pos < len) {
        const char *s = text + pos;
        size_t raw = 0, off;
        struct line *l;

        const char *nl = memchr(s, '\n', len - pos), *cr;

        raw = nl != NULL ? (size_t) (nl - s) : len - pos;
        if ((cr = memchr(s, '\r', raw)) != NULL)
            raw = (size_t) (cr - s);
        pos += raw;
        if (pos < len && text[pos] == '\r') {
            pos++;
            if (pos < len && text[pos] == '\n')
                pos++;
        } else if (pos < len) {
            pos++;                      /* "\n" */
        }
        if (n == cap) {
            cap *= 2;
            lines = xrealloc(lines, cap * sizeof(*lines));
        }
        l = &lines[n++];
        memset(l, 0, sizeof(*l));
        l->s = s;
        l->len = trim_end(s, raw);
        off = ctext_skip_space(s, l->len);
        l->blank = off == l->len;
        /* ">>> http://www.b.example <<<" is decoration, not a quote. */
        l->quoted = !l->blank && s[off] == '>'
            && !(l->len >= 2 && s[l->len - 1] == '<' && s[l->len - 2] == '<');
        l->sig = l->len == 2 && s[0] == '-' && s[1] == '-';
    }
    *out = lines;
    return n;
}

/*
 * inline_after[i]: a quoted line at or after i is followed by writer's text
 * (an unquoted line that is neither blank, a footer, a header line nor an
 * introduction) before any signature separator.
 */
static unsigned char *inline_map(const struct line *lines, size_t n,
                                 struct buf *scratch)
{
    unsigned char *map = xcalloc(n + 1, 1);
    int writer_after = 0, forward;
    size_t i = n;

    while (i-- > 0) {
        const struct line *l = &lines[i];

        map[i] = map[i + 1];
        if (l->sig) {
            writer_after = 0;
            map[i] = 0;
        } else if (l->quoted) {
            if (writer_after)
                map[i] = 1;
        } else if (!l->blank && !l->footer
                   && !ctext_original_marker(l, scratch, &forward)
                   && !intro_lines(lines, i, 1, scratch)
                   && !header_block_at(lines, n, i, scratch)) {
            writer_after = 1;
        }
    }
    return map;
}

/* Does every line strictly between a and b (0-based) hold nothing? */
static int blank_between(const struct line *lines, size_t a, size_t b)
{
    size_t i;

    for (i = a + 1; i < b; i++)
        if (!lines[i].blank)
            return 0;
    return 1;
}

/*
 * Notes, when the caller asked for an explanation, that lines first ..
 * last (0-based) were cut or dropped by rule.  A drop by the same rule
 * that follows the last one, blank lines apart, extends it.
 */
static void note(struct capture_text_report *r, const struct line *lines,
                 size_t first, size_t last, const char *rule,
                 enum capture_text_action action, size_t *cap)
{
    struct capture_text_span *sp;
    const struct line *l = &lines[first];
    size_t off, n;

    if (r == NULL || !r->explain)
        return;
    if (r->span_count > 0) {
        sp = &r->spans[r->span_count - 1];
        if (action == CAPTURE_TEXT_DROPPED && sp->action == action
            && strcmp(sp->rule, rule) == 0 && sp->last <= first
            && blank_between(lines, sp->last - 1, first)) {
            sp->last = last + 1;
            return;
        }
    }
    if (r->span_count == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        r->spans = xrealloc(r->spans, *cap * sizeof(*r->spans));
    }
    sp = &r->spans[r->span_count++];
    sp->first = first + 1;
    sp->last = last + 1;
    sp->rule = rule;
    sp->action = action;
    off = ctext_skip_space(l->s, l->len);
    n = l->len - off;
    if (n > CAPTURE_TEXT_EXCERPT) {
        n = CAPTURE_TEXT_EXCERPT;
        while (n > 0 && ((unsigned char) l->s[off + n] & 0xc0) == 0x80)
            n--;                        /* not inside a character */
    }
    memcpy(sp->excerpt, l->s + off, n);
    sp->excerpt[n] = '\0';
}

/*
 * Where the new text ends by the rules (the file's comment): the index of
 * the first line cut, or n; *forward is set when a forward separator cut.
 * Introductions dropped in an inline reply are marked drop.
 */
static size_t rules_cut(struct line *lines, size_t n,
                        const unsigned char *inline_after,
                        struct buf *scratch,
                        struct capture_text_report *report, size_t *span_cap,
                        int *forward)
{
    const char *rule;
    size_t i, k, keep, cut = n;
    int fwd;

    for (i = 0; i < n; i++) {
        const struct line *l = &lines[i];

        if (l->quoted || l->blank)
            continue;
        if (l->sig)
            break;
        if ((rule = ctext_original_marker(l, scratch, &fwd)) != NULL) {
            cut = i;
            *forward = fwd;
            note(report, lines, i, i, rule, CAPTURE_TEXT_CUT, span_cap);
            break;
        }
        if ((rule = header_block_at(lines, n, i, scratch)) != NULL) {
            size_t p = i;

            while (p > 0 && lines[p - 1].blank)
                p--;
            cut = (p > 0 && ctext_rule_line(&lines[p - 1])) ? p - 1 : i;
            note(report, lines, cut, i, rule, CAPTURE_TEXT_CUT, span_cap);
            break;
        }
        if ((k = shared_intro_at(lines, n, i, scratch, &keep, &rule)) > 0) {
            if (!inline_after[i + k]) {
                note(report, lines, i, i + k - 1, rule,
                     CAPTURE_TEXT_CUT_AFTER_WORDS, span_cap);
                lines[i].len = keep;    /* the writer's words before it */
                cut = i + 1;
                break;
            }
            note(report, lines, i, i + k - 1, rule,
                 CAPTURE_TEXT_DROPPED_AFTER_WORDS, span_cap);
            lines[i].len = keep;
            while (--k > 0)
                lines[++i].drop = 1;
        } else if ((k = ctext_intro_at(lines, n, i, scratch, &rule)) > 0) {
            if (!inline_after[i + k]) {
                cut = i;
                note(report, lines, i, i + k - 1, rule, CAPTURE_TEXT_CUT,
                     span_cap);
                break;
            }
            note(report, lines, i, i + k - 1, rule, CAPTURE_TEXT_DROPPED,
                 span_cap);
            while (k-- > 0)
                lines[i++].drop = 1;
            i--;
        }
    }
    return cut;
}

static int span_cmp(const void *a, const void *b)
{
    const struct capture_text_span *x = a, *y = b;

    return x->first < y->first ? -1 : x->first > y->first;
}

const char *capture_text_action_text(enum capture_text_action action)
{
    switch (action) {
    case CAPTURE_TEXT_DROPPED:
        return "dropped";
    case CAPTURE_TEXT_CUT:
        return "cut here (this line and everything after)";
    case CAPTURE_TEXT_CUT_AFTER_WORDS:
        return "cut here (after the writer's words on this line, and "
            "everything after)";
    case CAPTURE_TEXT_DROPPED_AFTER_WORDS:
        return "dropped (after the writer's words on the first line)";
    }
    return "unknown";
}

void capture_text_report_release(struct capture_text_report *report)
{
    free(report->spans);
    report->spans = NULL;
    report->span_count = 0;
}

int capture_text_extract(const char *text, size_t len, struct buf *out)
{
    return capture_text_extract_report(text, len, out, NULL);
}

int capture_text_extract_report(const char *text, size_t len,
                                struct buf *out,
                                struct capture_text_report *report)
{
    return capture_text_extract_marker(text, len, NULL, out, report);
}

int capture_text_extract_marker(const char *text, size_t len,
                                const char *marker, struct buf *out,
                                struct capture_text_report *report)
{
    struct buf *scratch = buf_create(INTRO_MAX + 64);
    struct buf *kept = buf_create(len < 4096 ? len + 16 : 4096);
    struct capture_signature sig;
    struct kmap kmap_store = {NULL, 0, 0};
    struct kmap *kmap = report != NULL && report->explain ? &kmap_store
        : NULL;
    size_t sig_keep;
    struct line *lines;
    unsigned char *inline_after;
    size_t n, i, cut, m, span_cap = 0;
    int blank_pending = 0, forward = 0;
    int last_block = 0;         /* 'K' kept text, 'Q' dropped quote */
    int blocks = 0;             /* runs of either, blank lines apart */

    if (report != NULL) {
        report->reply_inline = 0;
        report->forward = 0;
        report->marker = 0;
        report->lines = 0;
        report->spans = NULL;
        report->span_count = 0;
    }
    if (len > CAPTURE_TEXT_MAX) {
        len = CAPTURE_TEXT_MAX;
        while (len > 0 && ((unsigned char) text[len] & 0xc0) == 0x80)
            len--;                      /* not inside a character */
    }
    n = split_lines(text, len, &lines);
    for (i = 0; i < n; i++) {
        lines[i].footer_rule = footer_line(&lines[i], scratch);
        lines[i].footer = lines[i].footer_rule != NULL;
    }
    mark_list_address(lines, n);
    inline_after = inline_map(lines, n, scratch);

    /* Where the new text ends: at the reply marker, or by the rules. */
    cut = n;
    m = ctext_marker_line(lines, n, text, len, marker, inline_after);
    if (m < n) {
        size_t first, last;

        cut = m;
        if (report != NULL)
            report->marker = m + 1;
        if (ctext_marker_attribution(lines, m, scratch, &first, &last)) {
            note(report, lines, first, last, "marker.attribution",
                 CAPTURE_TEXT_DROPPED, &span_cap);
            cut = first;
        }
        note(report, lines, m, m, "marker.reply", CAPTURE_TEXT_CUT,
             &span_cap);
    } else {
        cut = rules_cut(lines, n, inline_after, scratch, report, &span_cap,
                        &forward);
    }

    /* The writer's lines above it. */
    for (i = 0; i < cut; i++) {
        const struct line *l = &lines[i];

        if (l->sig) {
            note(report, lines, i, i, "signature.dashes", CAPTURE_TEXT_CUT,
                 &span_cap);
            break;
        }
        if (l->quoted) {
            note(report, lines, i, i, "quote", CAPTURE_TEXT_DROPPED,
                 &span_cap);
            if (last_block != 'Q')
                blocks++;
            last_block = 'Q';
            blank_pending = kept->len > 0;
            continue;
        }
        if (l->drop) {
            blank_pending = kept->len > 0;
            continue;
        }
        if (l->footer) {
            note(report, lines, i, i, l->footer_rule, CAPTURE_TEXT_DROPPED,
                 &span_cap);
            continue;
        }
        if (rule_above_footer(lines, cut, i, scratch)) {
            note(report, lines, i, i, "footer.rule", CAPTURE_TEXT_DROPPED,
                 &span_cap);
            continue;
        }
        if (l->blank) {
            blank_pending = kept->len > 0;
            continue;
        }
        if (last_block != 'K')
            blocks++;
        last_block = 'K';
        if (kept->len > 0) {
            buf_append(kept, blank_pending ? "\n\n" : "\n", blank_pending + 1);
            buf_append(kept, l->s, l->len);
            if (blank_pending)
                kmap_add(kmap, i);
            kmap_add(kmap, i);
        } else {
            /* the text's start */
            size_t off = ctext_skip_space(l->s, l->len);

            buf_append(kept, l->s + off, l->len - off);
            kmap_add(kmap, i);
        }
        blank_pending = 0;
    }
    /* A contact-details block after the sign-off and name (no "-- "). */
    sig_keep = capture_signature_cut(kept->data, kept->len, &sig);
    if (sig_keep < kept->len) {
        if (kmap != NULL && sig.first_dropped < kmap->n)
            note(report, lines, kmap->line[sig.first_dropped],
                 kmap->line[kmap->n - 1], "signature.block",
                 CAPTURE_TEXT_CUT, &span_cap);
        buf_truncate(kept, sig_keep);
    }
    free(kmap_store.line);
    buf_append(out, kept->data, kept->len);

    if (report != NULL) {
        /* Text, quote, text or quote, text, quote: the writer answered
         * between quoted lines.  (Text under one quote is a bottom post.) */
        report->reply_inline = blocks >= 3;
        report->forward = forward;
        report->lines = n;
        for (i = 0; report->reply_inline && i < report->span_count; i++)
            if (strcmp(report->spans[i].rule, "quote") == 0)
                report->spans[i].rule = "inline.quote";
        if (report->span_count > 1)
            qsort(report->spans, report->span_count, sizeof(*report->spans),
                  span_cmp);
    }
    free(inline_after);
    free(lines);
    buf_free(kept);
    buf_free(scratch);
    return 0;
}
