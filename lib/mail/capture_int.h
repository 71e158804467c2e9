/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_int - private to the capture modules (capture*.c): the bounds
 * that keep hostile input cheap, and the helpers one module offers another.
 * Nothing here is for the milter, the bridge or postmaskctl: they use
 * capture.h and capture_text.h.
 *
 *   capture.c           capture_parse() driver, header fields, free
 *   capture_parts.c     the MIME walk: body text parts, attachments, DSN
 *   capture_charset.c   body bytes in any charset to UTF-8; clean strings
 *   capture_flowed.c    RFC 3676 format=flowed to plain lines
 *   capture_classify.c  auto-reply and bounce signals; delivery-status
 *   capture_authres.c   Authentication-Results: kept values and results
 *   capture_sender_auth.c  DMARC, aligned DKIM or aligned SPF for From
 *   capture_text.c      the new text of a reply (capture_text.h)
 *   capture_html.c      HTML to plain text (capture_text.h)
 *   capture_json.c      capture_to_json()
 *
 * Every function here works on one message in the calling thread and keeps
 * no state between calls.
 */
#ifndef POSTMASK_CAPTURE_INT_H
#define POSTMASK_CAPTURE_INT_H

#include "mime_bound.h"

#include <stddef.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "capture.h"

/*
 * Bounds.  Before GMime sees a message, capture_parse() cuts it at the
 * first line that would pass one of the CAPTURE_MAX_*_LINES or
 * CAPTURE_MAX_MULTIPARTS counts (GMime would otherwise build an object per
 * header field and per part: a 10 MB message of "a:" lines costs it a
 * gigabyte).  The MIME walk stops at CAPTURE_MAX_DEPTH and after
 * CAPTURE_MAX_PARTS parts.  Messages people write are far below all of them.
 */
#define CAPTURE_MAX_HEADER_LINES   MIME_MAX_HEADER_LINES
#define CAPTURE_MAX_BOUNDARY_LINES MIME_MAX_BOUNDARY_LINES
#define CAPTURE_MAX_MULTIPARTS     MIME_MAX_MULTIPARTS
#define CAPTURE_MAX_DEPTH          32      /* nesting the walk follows */
#define CAPTURE_MAX_PARTS          1024    /* parts the walk visits */
#define CAPTURE_MAX_AUTH_RESULTS   64      /* Authentication-Results kept */
#define CAPTURE_BODY_MAX           (8 * 1024 * 1024)   /* decoded body text */
#define CAPTURE_DSN_MAX            (64 * 1024)  /* delivery-status read */
#define CAPTURE_FIELD_MAX          2048    /* a header-derived string */

/* What the MIME walk collects besides the attachments it adds to cap. */
struct capture_body {
    struct buf *plain;          /* text/plain body parts, UTF-8, unflowed */
    struct buf *html;           /* text/html body parts, UTF-8 */
    struct buf *dsn;            /* the first message/delivery-status part */
    int plain_parts;
    int html_parts;
    int have_dsn;
};

/* capture_parts.c */
void capture_walk(GMimeObject *root, const struct capture_options *opts,
                  int want_attachments, struct capture *cap,
                  struct capture_body *body);

/* capture_charset.c */
int capture_decode_text(const char *charset, const char *data, size_t len,
                        struct buf *out);
void capture_clean_text(const char *text, size_t len, struct buf *out);
char *capture_clean_line(const char *text, size_t len, size_t max);
int capture_has_prefix(const char *s, const char *prefix);

/* capture_flowed.c */
void capture_unflow(const char *text, size_t len, int delsp, struct buf *out);

/* capture_classify.c */
void capture_classify(GMimeMessage *msg, const char *envelope_sender,
                      struct capture *cap);
void capture_dsn_parse(const char *text, size_t len, struct capture *cap);
void capture_failed_recipients(GMimeMessage *msg, struct capture *cap);

/* capture_authres.c: the trusted results, for capture_sender_auth(). */
#define CAPTURE_MAX_AUTH_KEPT      64      /* trusted results kept */
#define CAPTURE_AUTH_DOMAIN_MAX    253
struct capture_auth_result {
    char method[16];            /* "dkim", "spf" or "dmarc" */
    char result[16];            /* "pass", "fail", ... */
    char domain[CAPTURE_AUTH_DOMAIN_MAX + 1];   /* what it is about, or "" */
};
struct capture_auth_results {
    struct capture_auth_result items[CAPTURE_MAX_AUTH_KEPT];
    size_t count;
    size_t trusted_headers;     /* trusted A-R headers seen */
};
void capture_authres(GMimeMessage *msg, const struct capture_options *opts,
                     struct capture *cap, struct capture_auth_results *list);

/* capture_sender_auth.c: is the From domain authenticated?  Sets
 * cap->auth_method and cap->auth_detail. */
void capture_sender_auth(const struct capture_auth_results *list,
                         size_t from_mailboxes, size_t from_headers,
                         struct capture *cap);

#endif
