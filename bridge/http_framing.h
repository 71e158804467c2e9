/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_framing - where each HTTP/1.1 request on a connection begins and
 * ends, read from the raw bytes as they arrive, strictly (RFC 9112).
 *
 * http_conn.c feeds it every byte a client sends, before evhttp parses
 * them, so that the server knows when a request head and a whole request
 * have arrived (for its deadlines), and refuses what evhttp would accept
 * but must not: a request whose framing is in doubt is refused before
 * evhttp acts on it, and the connection is closed.  Being at least as
 * strict as evhttp everywhere, it never disagrees with evhttp about where
 * a request ends.
 *
 * Refused (status 400 unless said): a malformed request line or header
 * line (no colon, white space before the colon, a control character,
 * obsolete line folding, a bare CR, an empty line before the request
 * line); a version other than HTTP/1.0 and HTTP/1.1; no Host (HTTP/1.1)
 * or more than one; Content-Length repeated (even with the same value) or
 * not a decimal number; Transfer-Encoding repeated or together with
 * Content-Length; a Transfer-Encoding other than "chunked" (501); a body
 * on a method other than POST, PUT and PATCH; CONNECT (501: evhttp would
 * keep the connection open after any answer); malformed chunked framing
 * (a chunk size that is not hexadecimal, chunk extensions -- evhttp 2.1
 * cannot parse them --, chunk data not followed by CRLF); a request line
 * and headers (or trailers) over max_head bytes, counted without the line
 * ends (431).  Lines may end in CRLF or a bare LF.
 *
 * Ownership: a plain struct of the caller's, no allocations.
 */
#ifndef POSTMASK_HTTP_FRAMING_H
#define POSTMASK_HTTP_FRAMING_H

#include <stddef.h>
#include <stdint.h>

enum http_framing_event {
    HTTP_FRAMING_MORE,          /* every byte used; nothing else happened */
    HTTP_FRAMING_HEAD,          /* a request head ended; a body follows */
    HTTP_FRAMING_REQUEST,       /* a whole request ended */
    HTTP_FRAMING_ERROR,         /* refused: status and reason; stop here */
};

#define HTTP_FRAMING_TOKEN_MAX  24

struct http_framing {
    size_t max_head;
    int state;
    int cr;                     /* a CR was seen; a LF must follow */
    size_t head_bytes;
    char method[HTTP_FRAMING_TOKEN_MAX];
    char version[HTTP_FRAMING_TOKEN_MAX];
    char name[HTTP_FRAMING_TOKEN_MAX];      /* of the current header */
    char value[HTTP_FRAMING_TOKEN_MAX];     /* of an interesting header */
    size_t token_len;
    int name_long;
    int value_long;
    unsigned n_host, n_cl, n_te;
    int te_chunked;
    uint64_t content_length;
    uint64_t remaining;         /* of the body or of a chunk */
    unsigned hex_digits;
    /* After an event. */
    int status;                 /* HTTP_FRAMING_ERROR: 400, 431, 501 */
    const char *reason;         /* HTTP_FRAMING_ERROR: for logs and bodies */
};

void http_framing_init(struct http_framing *f, size_t max_head);

/*
 * Reads data up to the next event; *used says how many bytes it took (all
 * of them with HTTP_FRAMING_MORE).  After HTTP_FRAMING_ERROR it takes no
 * more.
 */
enum http_framing_event http_framing_feed(struct http_framing *f,
                                          const char *data, size_t len,
                                          size_t *used);

/* 1 while no byte of a next request has arrived since the last request. */
int http_framing_idle(const struct http_framing *f);

#endif
