/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask - rewrite a seeker's addresses into the conversation's proxy address
 * in an outbound message (the masking listener's job).  Pure functions over
 * header lists and message bytes: the milter feeds them what libmilter
 * reports and turns the result into smfi_* calls.
 *
 * The headers of one message, in arrival order, are struct mask_header
 * {name, value}; values are as libmilter gives them with SMFIP_HDR_LEADSPC
 * (the text after the colon, leading white space and folding included).
 *
 * Matching.  An original "appears" in a text where its bytes stand, ASCII
 * case ignored, as a whole address: the byte before them is no local-part
 * character (atext and '.') and the byte after them no domain character
 * (letters, digits, '-', '.'), so "bob@x.com" is not in "jimbob@x.com"
 * nor in "bob@x.com.evil", but is in "mailto:bob@x.com?subject=Hi"; a '.'
 * beside them counts as outside when what lies beyond it is no such
 * character either ("mail bob@x.com." has it).
 *
 * mask_originals() collects the original sender addresses: the envelope
 * sender (angle brackets dropped; unless null) and every mailbox address in
 * From, Sender and Reply-To, plus every address-like token of those
 * headers that is not just a mention inside a display name (so an address
 * GMime cannot parse, "From: Sam sam@x.com", is one too); an
 * internationalized domain gives its Unicode and its "xn--" form.
 * Lowercased (ASCII), with an '@', without duplicates, first seen first.
 * The proxy address itself is never an original.
 *
 * mask_rewrite() computes the header changes that mask a message:
 *   - in From, Sender, Reply-To, Return-Path, Errors-To,
 *     Disposition-Notification-To, Resent-From, Resent-Sender, To and Cc,
 *     every mailbox whose address equals an original (ASCII case ignored)
 *     gets the proxy address; its display name is kept, or, when
 *     display_format is not NULL and the name is not empty, becomes
 *     display_format with its first "%s" replaced by the name (no other
 *     printf processing).  Any original appearing in any display name of
 *     these headers (a group's too) is replaced by the proxy address, and
 *     a mailbox name that is then only the proxy address is dropped
 *     ("seeker@x.com" <seeker@x.com> becomes the bare proxy address).  A
 *     header in which an original appears (in its address, name, comment,
 *     raw or RFC 2047 form) is re-serialized from GMime's parse: other
 *     mailboxes, groups and names are kept, non-ASCII names RFC
 *     2047-encoded, comments and what GMime cannot parse dropped, each
 *     address on one line, folded with "\n\t" between addresses past 78
 *     columns.  A Return-Path becomes "<proxy>".  A header GMime finds no
 *     address in has each original in its text replaced as text.  Headers
 *     in which no original appears are not changed;
 *   - Reply-To becomes the proxy address, named after the first mailbox of
 *     the first Reply-To whose address is an original (name rules as
 *     above), else bare; when there was no Reply-To one is added (bare),
 *     and any second Reply-To is deleted;
 *   - every X-Postmask-* header, and the headers that reveal the submitter
 *     (X-Originating-IP, X-Sender-IP, X-Mailer-Sender, X-Authenticated-User,
 *     X-Authenticated-Sender, X-Forwarded-For, X-Real-IP, X-PHP-Originating-
 *     Script, X-PHP-Script, X-Source, X-Source-Args, X-Source-Dir) are
 *     deleted.
 * Changes name headers by (name, index): name as the header list spells
 * it ("Reply-To" for the added one); index is the 1-based occurrence of
 * that name (ASCII case ignored) in the original list, as smfi_chgheader()
 * wants.  Order: the CHANGEs in header order, then the DELETEs from the
 * last header up (so of one name from the highest index down), then the
 * ADD: applying them one after the other with smfi_chgheader() /
 * smfi_addheader() is correct.  New values carry no leading space and no
 * line end.  NOTE for the milter: Postfix puts a space after the colon only
 * when the milter did NOT negotiate SMFIP_HDR_LEADSPC (milter8.c,
 * MILTER8_HDR_SPACE); a milter that did must prepend " " itself, or the
 * header leaves as "From:Sam <...>".  rewritten counts the mailboxes that
 * now carry the proxy address or a masked name (and the groups whose name
 * was masked), the Reply-To counting one; fields says where, in the order
 * of the list above, e.g. "From=1 Reply-To=1 Cc=1" (a header name with
 * nothing rewritten is left out).  It returns 0, or -1 with the reason in
 * why and an empty result when proxy has no '@' or originals holds more
 * than MASK_MAX_ORIGINALS addresses (mail people write has one to three; a
 * list that long would make the search cost grow with it).
 *
 * mask_check() is the self-check over the headers as they will leave:
 * applying changes (NULL: none) to headers, it returns the name of the
 * first header whose name or value still holds an original: in its raw
 * text, after decoding RFC 2047 words, after decoding %XX escapes (RFC 2231
 * parameters, mailto: URLs), or, in the ten address headers above, as a
 * mailbox address GMime parses (obsolete forms like "sam @ x . com").  It
 * returns NULL when none does.  The name returned points into headers[] or
 * changes->changes[] (the header's name as they spell it) and lives as
 * long as they do.  The milter refuses such a message with 5xx.  Work is
 * (header bytes) x (originals).
 *
 * mask_body() masks the text/plain and text/html parts of a whole message
 * (raw bytes, CRLF or LF): every text/plain and text/html leaf at any
 * depth, attachments and the parts of attached messages included (their
 * headers are left alone).  Each occurrence of an original in the part's
 * content after transfer decoding is replaced by the proxy address: in the
 * bytes themselves when the charset keeps ASCII bytes for ASCII characters
 * (US-ASCII, UTF-8, ISO-8859-*, Windows-125x, EUC-*, KOI8-*, none...), in
 * the text decoded through iconv and encoded back otherwise (UTF-16,
 * ISO-2022-*, Shift_JIS, Big5, GBK...).  The part is re-encoded with its
 * own Content-Transfer-Encoding (7bit, 8bit and binary content is edited in
 * place).  Only the content bytes of changed parts are replaced: the MIME
 * structure, every header, boundary, preamble and every other part stay
 * byte for byte.  It returns 1 and the new body (the bytes after the
 * header block's empty line; bare LF made CRLF) appended to out when
 * something changed, 0 when nothing did, or -1 with the reason in why when
 * it cannot promise every text part was masked: the message cannot be
 * parsed, passes the structure bounds of capture.c (20000 header fields,
 * 4096 "--" lines, 64 multiparts, depth 32, 1024 parts), holds a changed
 * part in x-uuencode, or originals holds more than MASK_MAX_ORIGINALS.
 *
 * Ownership: results are owned by the caller and freed with
 * mask_result_free() / mask_list_free(); nothing keeps state between calls,
 * so threads may call these at once (GMime objects stay inside one call;
 * capture_init() must have initialized GMime first).
 */
#ifndef POSTMASK_MASK_H
#define POSTMASK_MASK_H

#include <stddef.h>

#include "buf.h"

#define MASK_MAX_ORIGINALS 64

struct mask_header {
    const char *name;
    const char *value;
};

struct mask_list {
    size_t count;
    char **items;
};

enum mask_op {
    MASK_CHANGE,                /* smfi_chgheader(name, index, value) */
    MASK_DELETE,                /* smfi_chgheader(name, index, NULL) */
    MASK_ADD,                   /* smfi_addheader(name, value) */
};

struct mask_change {
    enum mask_op op;
    char *name;
    int index;                  /* CHANGE, DELETE */
    char *value;                /* CHANGE, ADD */
};

struct mask_result {
    struct mask_change *changes;
    size_t count;
    size_t rewritten;           /* mailboxes rewritten */
    struct buf *fields;         /* "From=1 Reply-To=1" */
};

void mask_originals(const char *envelope_sender, const struct mask_header *headers,
                    size_t count, const char *proxy, struct mask_list *out);
void mask_list_free(struct mask_list *list);

int mask_rewrite(const struct mask_header *headers, size_t count,
                 const struct mask_list *originals, const char *proxy,
                 const char *display_format, struct mask_result *out,
                 struct buf *why);
void mask_result_free(struct mask_result *result);

/*
 * The display name of a masked address: display_format (masked_display_format,
 * with one "%s") with its "%s" replaced by name, or a copy of name when
 * display_format or name is NULL or empty.  A new string the caller frees.
 */
char *mask_display_name(const char *display_format, const char *name);

const char *mask_check(const struct mask_header *headers, size_t count,
                       const struct mask_result *changes,
                       const struct mask_list *originals);

int mask_body(const void *raw, size_t len, const struct mask_list *originals,
              const char *proxy, struct buf *out, struct buf *why);

/*
 * mask_string() returns text (UTF-8 or ASCII, NUL-terminated) with every
 * whole occurrence of an original address replaced by proxy, matched as
 * mask_body() matches them, as a new string the caller frees (a copy
 * when none occurs; NULL for NULL).  For text that is about to be put
 * into a message in a form mask_body() could not see through (the bridge
 * escapes it into HTML).
 */
char *mask_string(const char *text, const struct mask_list *originals,
                  const char *proxy);

#endif
