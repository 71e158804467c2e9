/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns_int - private to reply_patterns*.c: the table entry and
 * the fragments the tables share.  Each reply_patterns_<group>.c defines
 * one table, ended by an entry whose re is NULL.
 *
 * How reply_patterns.c uses an entry's re (always anchored at the start of
 * the text, caseless, UTF + UCP):
 *   REPLY_ATTRIBUTION        as written: it says itself where it ends ($)
 *   REPLY_ATTRIBUTION_START  as written (a prefix)
 *   REPLY_*_LABEL            the whole label: re + "$"
 *   REPLY_SEPARATOR/FORWARD  the whole line, with any dashes, "=", "_", "*"
 *                            or white space around it and an optional
 *                            final colon; an re that needs dashes says so
 *                            with DASHES
 *   REPLY_FOOTER             the whole line, optionally in parentheses or
 *                            brackets and with trailing punctuation
 * Rules every entry keeps (reply_patterns.c skips texts that break them
 * before running any pattern): an attribution holds a colon or a digit;
 * a separator holds "--" or ends in a colon.
 */
#ifndef POSTMASK_REPLY_PATTERNS_INT_H
#define POSTMASK_REPLY_PATTERNS_INT_H

#include "reply_patterns.h"

struct reply_pattern {
    enum reply_kind kind;
    const char *rule;       /* "attribution.<lang>.<client>" */
    const char *re;         /* PCRE2 source */
};

/* A date or time follows somewhere: 2024, 10:15, 4/3/24, 04.03. */
#define HD "(?=.*?(?:\\d{4}|\\d[:./-]\\d|\\d\\s?[年월]))"
/* A date or time comes before the verb v (a regex): "On Monday I wrote:
 * the keys by 10:00" is the writer's sentence, not an attribution. */
#define HD_BEFORE(v) "(?=.*?(?:\\d{4}|\\d[:./-]\\d|\\d\\s?[年월]).*?" v ")"
/* An address follows somewhere. */
#define HAS_AT "(?=.*@)"
/* An address in angle brackets (a wrapped one has a space inside). */
#define ADDR "<\\s?[^<>\\s]+@[^<>\\s]+\\s?>"
/* A name and address, or just an address, as clients write them. */
#define WHO ".{1,200}?"
/* The end of a verb-last attribution: an optional colon (ASCII or full
 * width) and, when the client flattened the quote onto the line, text. */
#define END "\\s?(?:[:：].*)?$"
/* A colon, and any flattened quote after it. */
#define END_COLON "\\s?[:：].*$"
/* A colon that ends the line. */
#define COLON "\\s?[:：]$"
/* Dashes come before (the wrapper ate them) or after (separators). */
#define DASHES "(?:(?<=-)|(?<=-\\s)|(?=.*--))"
/* A device or app after "my" in a footer: no comma, so not a sentence. */
#define DEVICE "[^,;!?:]{1,48}"
/* The apps and devices that sign "Sent from X" without a possessive. */
#define APP "(?:yahoo|outlook|mail for windows|windows mail|airmail|proton\\s?mail|proton|" \
    "blackberry|samsung|galaxy|android|iphone|ipad|huawei|xiaomi|spark|bluemail|" \
    "aol|gmail|mobile|nine|edison|newton|superhuman|the mail app|mail\\.ru|" \
    "yandex|smartphone|tablet|my )[^,;!?:]{0,48}"

extern const struct reply_pattern reply_patterns_en[];
extern const struct reply_pattern reply_patterns_west[];
extern const struct reply_pattern reply_patterns_nordic[];
extern const struct reply_pattern reply_patterns_east[];
extern const struct reply_pattern reply_patterns_cjk[];

#endif
