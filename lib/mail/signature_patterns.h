/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signature_patterns - the patterns capture_signature.c classifies the
 * lines of a signature block with, kept as data: one table, each entry
 * with a rule name ("signoff.<lang>.<form>", "contact.<what>",
 * "org.<what>", "disclaimer.<what>", "legal", "deco") and a comment naming
 * the clients and languages it covers.
 *
 * signature_patterns_match(kind, s, len, md, end) returns the rule name of
 * the first pattern of the kind that matches the normalized line s (white
 * space runs made one space, NBSP and "*" dropped, trimmed), or NULL; *end
 * (when not NULL) gets the length matched.  md is the caller's match data
 * (pcre2_match_data_create(1, NULL)), one per thread.  How an entry is
 * used, always anchored at the start of s:
 *   SIG_SIGNOFF     the start of the line, ending at a word boundary; the
 *                   rest of the line may only be punctuation
 *   SIG_HONORIFIC   the start of a name line that names someone else
 *   SIG_CONTACT     a whole item: the line, or each of its parts between
 *                   "|", ";", "•", "·", ", ", " - ", " – ", " / "
 *                   ("Tel. ... | www..."); phone, e-mail, URL and profile
 *                   items make the block reachable, which it must be
 *   SIG_ORG         the whole line: a company or a job title
 *   SIG_DISCLAIMER  the start of a disclaimer paragraph (its next lines,
 *                   up to a blank line, go with it)
 *   SIG_LEGAL       a register, tax or membership line, of any length
 *   SIG_DECO        the whole line: a rule ("━━━━", "____")
 * The patterns are compiled once per process on first use (pthread_once;
 * pcre_compile.h: UTF, Unicode properties, caseless, anchored, JIT, match
 * and depth limits) and never freed; calls are safe from any thread.
 */
#ifndef POSTMASK_SIGNATURE_PATTERNS_H
#define POSTMASK_SIGNATURE_PATTERNS_H

#include <stddef.h>

#include "pcre_compile.h"

enum sig_kind {
    SIG_SIGNOFF,
    SIG_HONORIFIC,
    SIG_CONTACT,
    SIG_ORG,
    SIG_DISCLAIMER,
    SIG_LEGAL,
    SIG_DECO,
    SIG_KIND_COUNT
};

const char *signature_patterns_match(enum sig_kind kind, const char *s,
                                     size_t len, pcre2_match_data *md,
                                     size_t *end);

#endif
