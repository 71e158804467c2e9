/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns - the multilingual patterns that tell where a reply's own
 * text ends: quote attributions ("On <date>, <name> wrote:" and its forms in
 * twenty languages), header-block labels (From:/Sent:/To:, Von:/Gesendet:,
 * От:/Отправлено:, 差出人:/件名:, ...), original and forward separators and
 * mobile/app footers, kept as data (reply_patterns_<group>.c, one table per
 * language group, each entry naming the client it covers).
 *
 * reply_patterns_match(kind, s, len) says whether the text s (a line, or
 * up to three wrapped lines joined, in capture_text's normalized form:
 * white space runs made one space, no "*") matches a pattern of that kind,
 * and returns the rule name ("attribution.ru.gmail", "footer.zh-tw.iphone")
 * of the first that does, or NULL.  The returned string is static.
 *   REPLY_ATTRIBUTION       the whole text is a quote attribution (a
 *                           flattened quote may follow its colon)
 *   REPLY_ATTRIBUTION_START the text begins with a word that opens a verb-
 *                           last attribution ("On ", "Am ", "W dniu ", ...)
 *   REPLY_FROM_LABEL        the text is the label of a header block's
 *                           first line ("From", "Von", "От", "差出人")
 *   REPLY_DATE_LABEL        the same for blocks that open with the date
 *                           instead (webmail: "Date:/To:/Subject:")
 *   REPLY_HEADER_LABEL      the label of one of its other lines
 *   REPLY_SEPARATOR         the line is an "Original Message" separator
 *   REPLY_FORWARD           the line is a forwarded-message separator
 *                           (both hold "--" or end in a colon)
 *   REPLY_FOOTER            the whole line is a mobile/app footer
 * Matching is caseless and Unicode-aware (PCRE2 with UTF and UCP), accepts
 * invalid UTF-8 (it never matches inside it), and each attempt is bounded
 * by a match and a depth limit; texts longer than REPLY_PATTERN_MAX bytes
 * never match.  The patterns are compiled once per process, on first use
 * (pthread_once), and never freed; calls are safe from any thread.  A
 * pattern that does not compile is a broken invariant (msg_panic).
 */
#ifndef POSTMASK_REPLY_PATTERNS_H
#define POSTMASK_REPLY_PATTERNS_H

#include <stddef.h>

#define REPLY_PATTERN_MAX 1024  /* longest text matched, in bytes */

enum reply_kind {
    REPLY_ATTRIBUTION,
    REPLY_ATTRIBUTION_START,
    REPLY_FROM_LABEL,
    REPLY_DATE_LABEL,
    REPLY_HEADER_LABEL,
    REPLY_SEPARATOR,
    REPLY_FORWARD,
    REPLY_FOOTER,
    REPLY_KIND_COUNT
};

const char *reply_patterns_match(enum reply_kind kind, const char *s,
                                 size_t len);

#endif
