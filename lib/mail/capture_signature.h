/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_signature - finds a trailing signature block that has no "-- "
 * delimiter in the writer's own text: a sign-off line ("Best regards,",
 * "Mit freundlichen Grüßen", "С уважением", "よろしくお願いいたします", ...,
 * in the twenty languages of reply_patterns.h), then one or two name lines,
 * then a block of contact details (title and company lines, a street
 * address, a postal code and city, phone and fax numbers, e-mail
 * addresses, URLs, register and VAT lines, a legal disclaimer).
 *
 * Policy: the sign-off and the name lines are kept; only the contact block
 * after the name is dropped.  Conservative: when unsure, nothing is found.
 * A block is found only when all of these hold:
 *   - the sign-off line is a sign-off and nothing else but punctuation
 *     ("Best regards,", "敬礼！"); the writer's text above it has a line
 *     of at least three words or one that ends a sentence, and the last
 *     line above it does not end in a colon ("Send it to:" means the
 *     address below answers);
 *   - one or two name lines follow it: short, no digits, no address, no
 *     sentence punctuation, no honorific ("Herr Schulz" is someone
 *     else); a second line that is a company or job title starts the
 *     block instead;
 *   - the first line after them (past a rule "━━━━") is a contact or a
 *     company/title line; the block holds at least two contact items (a
 *     line "Tel. ... | www..." holds two), one of them a phone number,
 *     e-mail address, URL or profile; and every line to the end of the
 *     text is a contact, company/title, register/tax, disclaimer or rule
 *     line, or a short line without digits or sentence punctuation (no
 *     more of those than contact lines): no prose, no question, no
 *     "P.S.", no price list or opening hours;
 *   - it starts within the last CAPTURE_SIGNATURE_TAIL lines.
 * Lines before the sign-off are never dropped; an answer that is an
 * address and phone number with no sign-off above it is kept whole.
 *
 * capture_signature_find() works on an array of lines (without line ends;
 * leading and trailing white space, NBSP and "*" are ignored) and returns
 * 1 and fills *sig when it finds a block, else 0 (*sig untouched).
 * capture_signature_cut() does the same on one buffer of "\n"-separated
 * lines (as capture_text_extract() builds what it keeps) and returns the
 * number of bytes to keep: up to the end of the last name line, or len
 * when there is no signature block; sig may be NULL.  In both, the rule
 * names are static strings.  No state is kept but the patterns, compiled
 * once per process on first use (pthread_once) and never freed; calls are
 * safe from any thread.  Work is linear in the input.
 */
#ifndef POSTMASK_CAPTURE_SIGNATURE_H
#define POSTMASK_CAPTURE_SIGNATURE_H

#include <stddef.h>

#define CAPTURE_SIGNATURE_TAIL 40   /* lines from the end a sign-off may be */

struct capture_sig_line {
    const char *s;
    size_t len;
};

struct capture_signature {
    size_t signoff;             /* index of the sign-off line */
    size_t first_dropped;       /* index of the first line dropped */
    const char *signoff_rule;   /* "signoff.de.mfg" */
    const char *block_rule;     /* the first dropped line's: "contact.phone" */
};

int capture_signature_find(const struct capture_sig_line *lines, size_t n,
                           struct capture_signature *sig);
size_t capture_signature_cut(const char *text, size_t len,
                             struct capture_signature *sig);

#endif
