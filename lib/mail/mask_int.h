/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_int - private to the masking modules (mask*.c): the bounds, the
 * matcher that finds an original address in text, the header occurrence
 * index and the GMime address helpers one module offers another.  The
 * milter uses mask.h only.
 *
 *   mask_find.c       where an original appears in text; address tokens
 *   mask_addr.c       GMime address lists: options, parse, walk, print
 *   mask_index.c      the 1-based occurrence of each header among its name
 *   mask_originals.c  mask_originals(), mask_list_free()
 *   mask_headers.c    mask_rewrite(), mask_result_free()
 *   mask_check.c      mask_check()
 *   mask_body.c       mask_body(): the MIME walk and the splice
 *   mask_text.c       one text part: transfer coding, charset, replace
 *   mask_html.c       originals written with HTML character references
 *
 * Every function here works within one call in the calling thread and
 * keeps no state between calls.
 */
#ifndef POSTMASK_MASK_INT_H
#define POSTMASK_MASK_INT_H

#include "mime_bound.h"

#include <stddef.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "mask.h"

/*
 * Bounds.  An address token longer than RFC 5321 allows is no mailbox and
 * is not collected.  mask_body() refuses a message whose structure passes
 * the MASK_MAX_* counts (capture_int.h explains why GMime needs them): it
 * could not promise that every text part was masked.
 */
#define MASK_ADDRESS_MAX          254      /* RFC 5321 path less "<>" */
#define MASK_LOCAL_MAX            64       /* RFC 5321 local part */
#define MASK_GROUP_DEPTH          8        /* group nesting the walk follows */
#define MASK_FOLD_COLUMN          78       /* fold address lists past this */
#define MASK_MAX_HEADER_LINES   MIME_MAX_HEADER_LINES
#define MASK_MAX_BOUNDARY_LINES MIME_MAX_BOUNDARY_LINES
#define MASK_MAX_MULTIPARTS     MIME_MAX_MULTIPARTS
#define MASK_MAX_DEPTH            32       /* MIME nesting */
#define MASK_MAX_PARTS            1024     /* MIME parts */

/* mask_find.c */
struct mask_needle {
    const char *addr;           /* an original, as given */
    size_t len;
    size_t at;                  /* offset of its last '@' */
};

struct mask_matcher {
    struct mask_needle *needles;        /* originals that hold an '@' */
    size_t count;
};

int mask_addr_char(int c);
int mask_domain_char(int c);
int mask_ascii_lower(int c);
int mask_equal(const char *a, const char *b);
int mask_equal_n(const char *a, const char *b, size_t n);
void mask_matcher_init(struct mask_matcher *m, const struct mask_list *originals);
/* What mask_rewrite() and mask_body() both need: a proxy address with an
 * '@', and at most MASK_MAX_ORIGINALS originals; 0, or -1 with why. */
int mask_inputs_ok(const struct mask_list *originals, const char *proxy,
                   struct buf *why);
void mask_matcher_free(struct mask_matcher *m);
int mask_find(const struct mask_matcher *m, const char *text, size_t len,
              size_t from, size_t *start, size_t *end);
size_t mask_replace(const struct mask_matcher *m, const char *text,
                    size_t len, const char *proxy, struct buf *out);
int mask_contains(const struct mask_matcher *m, const char *text, size_t len);
void mask_tokens(const char *text, size_t len, struct mask_list *out);
void mask_list_add(struct mask_list *list, const char *item, size_t len);
int mask_list_has(const struct mask_list *list, const char *item);
void mask_list_unique(struct mask_list *list);

/* mask_addr.c */
typedef void (*mask_mailbox_fn) (InternetAddressMailbox *mailbox, void *ctx);
typedef void (*mask_group_fn) (InternetAddressGroup *group, void *ctx);

GMimeParserOptions *mask_parser_options(void);
InternetAddressList *mask_parse_list(GMimeParserOptions *opts,
                                     const char *value);
void mask_walk_mailboxes(InternetAddressList *list, mask_mailbox_fn fn,
                         void *ctx);
void mask_walk(InternetAddressList *list, mask_mailbox_fn fn,
               mask_group_fn group_fn, void *ctx);
char *mask_decode_header(GMimeParserOptions *opts, const char *value);
void mask_print_list(InternetAddressList *list, const char *name,
                     struct buf *out);
int mask_address_header(const char *name);
const char *mask_address_header_name(int which);
int mask_is_sender_header(const char *name);

#define MASK_HEADER_FROM        0
#define MASK_HEADER_SENDER      1
#define MASK_HEADER_REPLY_TO    2
#define MASK_HEADER_RETURN_PATH 3
#define MASK_HEADER_COUNT       10

/* mask_index.c */
struct mask_index;

struct mask_index *mask_index_create(const struct mask_header *headers,
                                     size_t count);
int mask_index_occurrence(const struct mask_index *ix, size_t position);
long mask_index_find(const struct mask_index *ix, const char *name,
                     int occurrence);
void mask_index_free(struct mask_index *ix);

/* mask_text.c: html is set for a text/html part (mask_html.c). */
int mask_text_part(const char *data, size_t len, GMimeContentEncoding encoding,
                   const char *charset, int html,
                   const struct mask_matcher *m, const char *proxy,
                   struct buf *out, struct buf *why);

/* mask_html.c */
size_t mask_html_replace(const struct mask_matcher *m, const char *text,
                         size_t len, const char *proxy, struct buf *out);

#endif
