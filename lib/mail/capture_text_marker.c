/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_text_marker - postmask's reply marker in a reply (reply_marker.h)
 * and the client's attribution lines above it: where capture_text.c cuts
 * before any of its other rules.  See capture_text_int.h.
 */
#include <string.h>

#include "capture_text_int.h"
#include "reply_marker.h"
#include "utf8.h"

/* Length of the white space at s, or 0 (utf8.h). */
static size_t space_at(const char *s, size_t len)
{
    return utf8_space_at(s, len);
}

/* The line holding the byte at p (a line start), by binary search. */
static size_t line_of(const struct line *lines, size_t n, const char *p)
{
    size_t lo = 0, hi = n;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (lines[mid].s <= p)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/*
 * The reply marker's line (reply_marker.h), or n: the first line holding
 * the key where the marker line has it, or holding it anywhere when
 * quoted; a writer's line that mentions the marker's text in a sentence
 * is passed over.  A quoted marker under which the writer answered (their
 * text after a quoted line: inline, or a bottom post) is not used: the
 * rules keep what they wrote.
 */
size_t ctext_marker_line(const struct line *lines, size_t n,
                         const char *text, size_t len, const char *marker,
                         const unsigned char *inline_after)
{
    struct reply_marker_hit hit;
    size_t from = 0, m;

    if (marker == NULL || *marker == '\0' || n == 0)
        return n;
    while (from < len
           && reply_marker_locate(marker, text + from, len - from,
                                  &hit) == 0) {
        m = line_of(lines, n, text + from + hit.line);
        if (hit.in_place || hit.quoted)
            return lines[m].quoted && inline_after[m] ? n : m;
        if (m + 1 >= n)
            break;
        from = (size_t) (lines[m + 1].s - text);
    }
    return n;
}

/* A line of nothing but ">" and white space. */
static int quote_only(const struct line *l)
{
    size_t i = 0, w;

    if (!l->quoted)
        return 0;
    while (i < l->len) {
        if ((w = space_at(l->s + i, l->len - i)) > 0)
            i += w;
        else if (l->s[i] == '>')
            i++;
        else
            return 0;
    }
    return 1;
}

/* The line ends in ":" or the full-width "：". */
static int ends_in_colon(const struct line *l)
{
    return (l->len >= 1 && l->s[l->len - 1] == ':')
        || (l->len >= 3 && memcmp(l->s + l->len - 3, "\xef\xbc\x9a", 3) == 0);
}

/*
 * The line is one "---- Ann schrieb am Do. ----": three or more dashes at
 * both ends, and something else between them.
 */
static int dashed_line(const struct line *l)
{
    size_t off = ctext_skip_space(l->s, l->len), i;

    if (l->len - off < 8 || l->len > SEPARATOR_MAX)
        return 0;
    for (i = 0; i < 3; i++)
        if (l->s[off + i] != '-' || l->s[l->len - 1 - i] != '-')
            return 0;
    for (i = off; i < l->len; i++)
        if (l->s[i] != '-' && l->s[i] != ' ')
            return 1;
    return 0;
}

/*
 * A "Label: value" line of an Outlook header block in any language: a
 * label of one to three words, with no digit, then ":" (or "："; " :" in
 * French) and a value.
 */
static int header_line(const struct line *l)
{
    size_t off = ctext_skip_space(l->s, l->len), i, words = 1;

    if (l->quoted || l->blank)
        return 0;
    for (i = off; i < l->len && i - off <= LABEL_MAX; i++) {
        unsigned char c = (unsigned char) l->s[i];

        if (c == ':' || (i + 3 <= l->len
                         && memcmp(l->s + i, "\xef\xbc\x9a", 3) == 0))
            return i > off && l->s[i - 1 - (l->s[i - 1] == ' ')] != ' ';
        if (c >= '0' && c <= '9')
            return 0;
        if (c == ' ' && ++words > 3)
            return 0;
        if (c == '.' || c == ',' || c == '!' || c == '?')
            return 0;
    }
    return 0;
}

/* A date, a time or an address in lines first .. last. */
static int has_clue(const struct line *lines, size_t first, size_t last)
{
    size_t i;

    for (i = first; i <= last; i++)
        if (memchr(lines[i].s, '@', lines[i].len) != NULL
            || memchr(lines[i].s, '<', lines[i].len) != NULL
            || ctext_date_before_address(lines[i].s, lines[i].len))
            return 1;
    return 0;
}

/*
 * Lines first .. last (a block with a blank line or the text's start
 * above it) are an Outlook header block: a rule line or a separator
 * ("-----Original Message-----", "________"), then two or more label
 * lines, the first naming a sender (an address, or a known "From:"
 * label), with at most one line in between that continues the one above
 * (a wrapped subject).
 */
static int header_block(const struct line *lines, size_t first, size_t last,
                        struct buf *scratch)
{
    size_t i, labels = 0, wrapped = 0;
    int forward;

    if (ctext_rule_line(&lines[first]) || dashed_line(&lines[first])
        || ctext_original_marker(&lines[first], scratch, &forward))
        first++;
    if (first > last || !header_line(&lines[first])
        || (memchr(lines[first].s, '@', lines[first].len) == NULL
            && !ctext_label_is(&lines[first], REPLY_FROM_LABEL, scratch)
            && !ctext_label_is(&lines[first], REPLY_DATE_LABEL, scratch)))
        return 0;
    for (i = first; i <= last; i++) {
        if (header_line(&lines[i]))
            labels++;
        else if (i == first || ++wrapped > 1)
            return 0;
    }
    return labels >= 2;
}

/*
 * The attribution above the marker at line m: the non-blank lines directly
 * above it (blank and quote-only lines between do not count), when they
 * are the client's and not the writer's:
 *   - the whole block (a blank line, a quoted line or the text's start
 *     above it, at most MARKER_BLOCK_MAX lines) is an Outlook header block
 *     (header_block());
 *   - or its last one to three lines are a quote introduction of the
 *     patterns (reply_patterns.h; wrapped as ctext_intro_at() allows);
 *   - or the whole block is one "---- Ann schrieb am Do. ----" line, or
 *     one to three lines that end in ":" and carry a date, a time or an
 *     address, each line but the last with one of its own or ending
 *     inside "<...>" ("[03.12.2026 14:02] Ann <...>:", the shapes no
 *     pattern knows);
 *   - or, when the writer's text runs into it with no blank line, its
 *     last line ends in ":" and has a date and an address.
 * The writer's own line that ends in ":" ("Ring at the side door:") has
 * no date and no address, and stays.  Returns 1 and the lines in *first,
 * *last, or 0.
 */
#define MARKER_BLOCK_MAX 8

int ctext_marker_attribution(const struct line *lines, size_t m,
                             struct buf *scratch, size_t *first,
                             size_t *last)
{
    size_t j = m, b, k, size;
    const char *rule;
    int whole;

    while (j > 0 && (lines[j - 1].blank || quote_only(&lines[j - 1])))
        j--;
    if (j == 0 || lines[j - 1].quoted || lines[j - 1].sig
        || lines[j - 1].footer)
        return 0;
    *last = j - 1;
    for (b = *last; b > 0 && *last - b + 1 <= MARKER_BLOCK_MAX; b--)
        if (lines[b - 1].blank || lines[b - 1].quoted || lines[b - 1].sig
            || lines[b - 1].footer)
            break;
    size = *last - b + 1;
    whole = size <= MARKER_BLOCK_MAX;
    if (whole && header_block(lines, b, *last, scratch)) {
        *first = b;
        return 1;
    }
    for (k = size < 3 ? size : 3; k >= 1; k--)
        if (ctext_intro_at(lines, m, *last - k + 1, scratch, &rule) == k) {
            *first = *last - k + 1;
            return 1;
        }
    if (whole && size == 1 && dashed_line(&lines[b])) {
        *first = b;
        return 1;
    }
    if (whole && size <= 3 && ends_in_colon(&lines[*last])
        && has_clue(lines, b, *last)) {
        /* Wrapped: each line above the last carries a clue of its own
         * or ends inside "<...>" or "(...)". */
        for (k = b; k < *last; k++)
            if (!has_clue(lines, k, k) && !ctext_unclosed(&lines[k]))
                break;
        if (k == *last) {
            *first = b;
            return 1;
        }
    }
    if (ends_in_colon(&lines[*last])
        && memchr(lines[*last].s, '@', lines[*last].len) != NULL
        && ctext_date_before_address(lines[*last].s, lines[*last].len)) {
        *first = *last;
        return 1;
    }
    return 0;
}

