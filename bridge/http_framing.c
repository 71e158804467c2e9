/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_framing - request framing, strictly, byte by byte; see
 * http_framing.h.  A state machine that keeps only the few short tokens
 * it needs (the method, the version, the names and values of the framing
 * headers), so that it costs a few hundred bytes per connection.
 */
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "http_framing.h"

enum {
    S_START,                    /* before a request line */
    S_METHOD,
    S_TARGET,
    S_VERSION,
    S_HEADER_START,             /* at the start of a header line */
    S_NAME,
    S_VALUE,
    S_BODY,                     /* Content-Length bytes */
    S_CHUNK_SIZE,
    S_CHUNK_DATA,
    S_CHUNK_END,                /* the line end after chunk data */
    S_TRAILER_START,
    S_TRAILER_NAME,
    S_TRAILER_VALUE,
    S_ERROR,
};

#define CHUNK_HEX_MAX   15      /* under 2^60: no overflow */
#define CL_DIGITS_MAX   18

void http_framing_init(struct http_framing *f, size_t max_head)
{
    memset(f, 0, sizeof(*f));
    f->max_head = max_head;
    f->state = S_START;
}

int http_framing_idle(const struct http_framing *f)
{
    return f->state == S_START && !f->cr;
}

static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value's characters: VCHAR, obs-text, SP, HTAB. */
static int is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static enum http_framing_event fail(struct http_framing *f, int status,
                                    const char *reason)
{
    f->state = S_ERROR;
    f->status = status;
    f->reason = reason;
    return HTTP_FRAMING_ERROR;
}

static void token_add(struct http_framing *f, char *token, int *too_long,
                      unsigned char c)
{
    if (f->token_len + 1 < HTTP_FRAMING_TOKEN_MAX)
        token[f->token_len++] = (char) c;
    else if (too_long != NULL)
        *too_long = 1;
    token[f->token_len] = '\0';
}

static void request_reset(struct http_framing *f)
{
    size_t max_head = f->max_head;

    http_framing_init(f, max_head);
}

/* A header line is complete: notes the framing headers. */
static enum http_framing_event header_done(struct http_framing *f)
{
    char *v = f->value;
    size_t len = strlen(v), i;

    /* Optional white space around the value. */
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        v[--len] = '\0';
    if (strcasecmp(f->name, "Host") == 0 && !f->name_long) {
        f->n_host++;
    } else if (strcasecmp(f->name, "Content-Length") == 0 && !f->name_long) {
        if (++f->n_cl > 1)
            return fail(f, 400, "repeated Content-Length");
        if (len == 0 || len > CL_DIGITS_MAX || f->value_long)
            return fail(f, 400, "invalid Content-Length");
        f->content_length = 0;
        for (i = 0; i < len; i++) {
            if (v[i] < '0' || v[i] > '9')
                return fail(f, 400, "invalid Content-Length");
            f->content_length = f->content_length * 10
                + (uint64_t) (v[i] - '0');
        }
    } else if (strcasecmp(f->name, "Transfer-Encoding") == 0
               && !f->name_long) {
        if (++f->n_te > 1)
            return fail(f, 400, "repeated Transfer-Encoding");
        f->te_chunked = !f->value_long && strcasecmp(v, "chunked") == 0;
    }
    return HTTP_FRAMING_MORE;
}

static int may_have_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0
        || strcmp(method, "PATCH") == 0;
}

/* The empty line after the headers. */
static enum http_framing_event head_done(struct http_framing *f)
{
    if (strcmp(f->version, "HTTP/1.1") != 0
        && strcmp(f->version, "HTTP/1.0") != 0)
        return fail(f, 400, "unsupported HTTP version");
    if (f->n_host > 1)
        return fail(f, 400, "repeated Host");
    if (f->n_host == 0 && strcmp(f->version, "HTTP/1.1") == 0)
        return fail(f, 400, "no Host in an HTTP/1.1 request");
    if (f->n_te > 0 && f->n_cl > 0)
        return fail(f, 400, "both Content-Length and Transfer-Encoding");
    if (f->n_te > 0 && !f->te_chunked)
        return fail(f, 501, "unsupported Transfer-Encoding");
    if (strcmp(f->method, "CONNECT") == 0)
        return fail(f, 501, "CONNECT is not supported");
    if (!may_have_body(f->method)) {
        if (f->n_te > 0 || f->content_length > 0)
            return fail(f, 400, "a body on a request that takes none");
        request_reset(f);
        return HTTP_FRAMING_REQUEST;
    }
    if (f->n_te > 0) {
        f->state = S_CHUNK_SIZE;
        f->hex_digits = 0;
        f->remaining = 0;
        return HTTP_FRAMING_HEAD;
    }
    if (f->content_length == 0) {
        request_reset(f);
        return HTTP_FRAMING_REQUEST;
    }
    f->remaining = f->content_length;
    f->state = S_BODY;
    return HTTP_FRAMING_HEAD;
}

/* Counts a byte of the head (or of the trailers) against max_head. */
static int head_byte(struct http_framing *f)
{
    return ++f->head_bytes <= f->max_head;
}

/* A line ended (LF, after an optional CR) in state f->state. */
static enum http_framing_event line_end(struct http_framing *f)
{
    switch (f->state) {
    case S_START:
        return fail(f, 400, "an empty line before the request line");
    case S_VERSION:
        f->state = S_HEADER_START;
        return HTTP_FRAMING_MORE;
    case S_VALUE:
    case S_TRAILER_VALUE:
        {
            enum http_framing_event ev = HTTP_FRAMING_MORE;
            int trailer = f->state == S_TRAILER_VALUE;

            if (!trailer)
                ev = header_done(f);
            if (ev != HTTP_FRAMING_MORE)
                return ev;
            f->state = trailer ? S_TRAILER_START : S_HEADER_START;
            return HTTP_FRAMING_MORE;
        }
    case S_HEADER_START:
        return head_done(f);
    case S_CHUNK_SIZE:
        if (f->hex_digits == 0)
            return fail(f, 400, "malformed chunk size");
        if (f->remaining == 0) {
            f->state = S_TRAILER_START;
            return HTTP_FRAMING_MORE;
        }
        f->state = S_CHUNK_DATA;
        return HTTP_FRAMING_MORE;
    case S_CHUNK_END:
        f->state = S_CHUNK_SIZE;
        f->hex_digits = 0;
        f->remaining = 0;
        return HTTP_FRAMING_MORE;
    case S_TRAILER_START:
        request_reset(f);
        return HTTP_FRAMING_REQUEST;
    default:
        return fail(f, 400, "a line ends too early");
    }
}

static enum http_framing_event step(struct http_framing *f, unsigned char c)
{
    if (f->cr) {
        f->cr = 0;
        if (c != '\n')
            return fail(f, 400, "a bare CR");
        return line_end(f);
    }
    if (c == '\r' || c == '\n') {
        if (c == '\r') {
            f->cr = 1;
            return HTTP_FRAMING_MORE;
        }
        return line_end(f);
    }
    switch (f->state) {
    case S_START:
        f->state = S_METHOD;
        f->token_len = 0;
        /* FALLTHROUGH */
    case S_METHOD:
        if (!head_byte(f))
            return fail(f, 431, "request line and headers too large");
        if (c == ' ') {
            if (f->token_len == 0)
                return fail(f, 400, "malformed request line");
            f->state = S_TARGET;
            f->token_len = 0;
            return HTTP_FRAMING_MORE;
        }
        if (!is_tchar(c) || f->token_len + 1 >= HTTP_FRAMING_TOKEN_MAX)
            return fail(f, 400, "malformed request method");
        token_add(f, f->method, NULL, c);
        return HTTP_FRAMING_MORE;
    case S_TARGET:
        if (!head_byte(f))
            return fail(f, 431, "request line and headers too large");
        if (c == ' ') {
            if (f->token_len == 0)
                return fail(f, 400, "malformed request line");
            f->state = S_VERSION;
            f->token_len = 0;
            return HTTP_FRAMING_MORE;
        }
        if (c <= 0x20 || c == 0x7f)
            return fail(f, 400, "malformed request target");
        f->token_len = 1;       /* not kept, only seen */
        return HTTP_FRAMING_MORE;
    case S_VERSION:
        if (!head_byte(f))
            return fail(f, 431, "request line and headers too large");
        if (c <= 0x20 || c == 0x7f
            || f->token_len + 1 >= HTTP_FRAMING_TOKEN_MAX)
            return fail(f, 400, "malformed HTTP version");
        token_add(f, f->version, NULL, c);
        return HTTP_FRAMING_MORE;
    case S_HEADER_START:
    case S_TRAILER_START:
        if (c == ' ' || c == '\t')
            return fail(f, 400, "obsolete line folding");
        f->state = f->state == S_HEADER_START ? S_NAME : S_TRAILER_NAME;
        f->token_len = 0;
        f->name_long = 0;
        f->value_long = 0;
        f->name[0] = '\0';
        /* FALLTHROUGH */
    case S_NAME:
    case S_TRAILER_NAME:
        if (!head_byte(f))
            return fail(f, 431, "request line and headers too large");
        if (c == ':') {
            if (f->token_len == 0 && !f->name_long)
                return fail(f, 400, "a header without a name");
            f->state = f->state == S_NAME ? S_VALUE : S_TRAILER_VALUE;
            f->token_len = 0;
            f->value[0] = '\0';
            return HTTP_FRAMING_MORE;
        }
        if (!is_tchar(c))
            return fail(f, 400, "malformed header name");
        token_add(f, f->name, &f->name_long, c);
        return HTTP_FRAMING_MORE;
    case S_VALUE:
    case S_TRAILER_VALUE:
        if (!head_byte(f))
            return fail(f, 431, "request line and headers too large");
        if (!is_field_char(c))
            return fail(f, 400, "a control character in a header");
        if (f->token_len == 0 && (c == ' ' || c == '\t'))
            return HTTP_FRAMING_MORE;
        token_add(f, f->value, &f->value_long, c);
        return HTTP_FRAMING_MORE;
    case S_CHUNK_SIZE:
        if (hex_digit_value(c) < 0)
            return fail(f, 400, c == ';' ? "chunk extensions"
                        : "malformed chunk size");
        if (++f->hex_digits > CHUNK_HEX_MAX)
            return fail(f, 400, "chunk size too large");
        f->remaining = f->remaining * 16 + (uint64_t) hex_digit_value(c);
        return HTTP_FRAMING_MORE;
    case S_CHUNK_END:
        return fail(f, 400, "chunk data longer than its size");
    case S_ERROR:
    default:
        return HTTP_FRAMING_ERROR;
    }
}

enum http_framing_event http_framing_feed(struct http_framing *f,
                                          const char *data, size_t len,
                                          size_t *used)
{
    size_t i = 0;
    enum http_framing_event ev;

    if (f->state == S_ERROR) {
        *used = 0;
        return HTTP_FRAMING_ERROR;
    }
    while (i < len) {
        if (f->state == S_BODY || f->state == S_CHUNK_DATA) {
            size_t n = len - i;

            if ((uint64_t) n > f->remaining)
                n = (size_t) f->remaining;
            f->remaining -= n;
            i += n;
            if (f->remaining > 0)
                continue;
            if (f->state == S_CHUNK_DATA) {
                f->state = S_CHUNK_END;
                continue;
            }
            request_reset(f);
            *used = i;
            return HTTP_FRAMING_REQUEST;
        }
        ev = step(f, (unsigned char) data[i++]);
        if (ev != HTTP_FRAMING_MORE) {
            *used = i;
            return ev;
        }
    }
    *used = i;
    return HTTP_FRAMING_MORE;
}
