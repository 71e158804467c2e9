/* SPDX-License-Identifier: Apache-2.0 */
/*
 * content_key - a hash of an email that the MTAs on its way do not change;
 * see content_key.h.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "content_key.h"
#include "hex.h"
#include "msg.h"

/* The fields hashed, in this order; Date first (content_key() needs it). */
static const char *const key_fields[] = {
    "date", "from", "sender", "to", "cc", "subject", "in-reply-to",
    "references", "mime-version", "content-type",
    "content-transfer-encoding",
};

#define NFIELDS (sizeof(key_fields) / sizeof(key_fields[0]))

/* A field's place in the raw message: its value, folded lines included. */
struct span {
    const char *ptr;
    size_t len;
    int found;
};

/* The end of the line at p (at its LF, or at end): the LF's offset. */
static const char *line_end(const char *p, const char *end)
{
    const char *lf = memchr(p, '\n', (size_t) (end - p));

    return lf ? lf : end;
}

/* 1 when the line [p, eol) is empty (or only a CR). */
static int empty_line(const char *p, const char *eol)
{
    return eol == p || (eol == p + 1 && *p == '\r');
}

/*
 * Reads the header section: fills the spans of the fields hashed and
 * returns where the body starts (end when there is none).
 */
static const char *scan_headers(const char *p, const char *end,
                                struct span spans[NFIELDS])
{
    const char *eol, *colon, *value;
    size_t i, name_len;
    struct span *cur = NULL;

    while (p < end) {
        eol = line_end(p, end);
        if (empty_line(p, eol))
            return eol < end ? eol + 1 : end;
        if (*p == ' ' || *p == '\t') {
            /* A continuation line: part of the field before it. */
            if (cur != NULL)
                cur->len = (size_t) (eol - cur->ptr);
        } else {
            cur = NULL;
            colon = memchr(p, ':', (size_t) (eol - p));
            if (colon != NULL) {
                name_len = (size_t) (colon - p);
                while (name_len > 0 && (p[name_len - 1] == ' '
                                        || p[name_len - 1] == '\t'))
                    name_len--;
                value = colon + 1;
                for (i = 0; i < NFIELDS; i++)
                    if (strlen(key_fields[i]) == name_len
                        && strncasecmp(key_fields[i], p, name_len) == 0
                        && !spans[i].found) {
                        spans[i].ptr = value;
                        spans[i].len = (size_t) (eol - value);
                        spans[i].found = 1;
                        cur = &spans[i];
                        break;
                    }
            }
        }
        p = eol < end ? eol + 1 : end;
    }
    return end;
}

static void digest_update(EVP_MD_CTX *ctx, const void *data, size_t len)
{
    if (len > 0 && EVP_DigestUpdate(ctx, data, len) != 1)
        msg_panic("content_key: EVP_DigestUpdate failed");
}

/* A field's value unfolded, white space runs as one space, trimmed. */
static void digest_value(EVP_MD_CTX *ctx, const char *p, size_t len)
{
    int space = 0, started = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
            space = 1;
            continue;
        }
        if (space && started)
            digest_update(ctx, " ", 1);
        digest_update(ctx, &p[i], 1);
        space = 0;
        started = 1;
    }
}

/* The body with CR LF as LF and its trailing empty lines left out. */
static void digest_body(EVP_MD_CTX *ctx, const char *p, const char *end)
{
    const char *eol, *text_end = p;
    const char *q;

    /* Where the last line with anything on it ends. */
    for (q = p; q < end; q = eol + 1) {
        eol = line_end(q, end);
        if (!empty_line(q, eol))
            text_end = eol;
        if (eol == end)
            break;
    }
    while (p < text_end) {
        eol = line_end(p, text_end);
        q = eol;
        if (q > p && q[-1] == '\r')
            q--;
        digest_update(ctx, p, (size_t) (q - p));
        if (eol == text_end)
            break;
        digest_update(ctx, "\n", 1);
        p = eol + 1;
    }
}

int content_key(const void *raw, size_t len, struct buf *out)
{
    const char *p = raw, *end = p + len, *body;
    struct span spans[NFIELDS];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len, i;
    EVP_MD_CTX *ctx;

    memset(spans, 0, sizeof(spans));
    body = len > 0 ? scan_headers(p, end, spans) : end;
    if ((ctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        msg_panic("content_key: cannot start SHA-256");
    if (!spans[0].found) {
        /* No Date: the bytes themselves (content_key.h). */
        digest_update(ctx, raw, len);
    } else {
        for (i = 0; i < NFIELDS; i++) {
            if (!spans[i].found)
                continue;
            digest_update(ctx, key_fields[i], strlen(key_fields[i]));
            digest_update(ctx, ":", 1);
            digest_value(ctx, spans[i].ptr, spans[i].len);
            digest_update(ctx, "\n", 1);
        }
        digest_update(ctx, "\n", 1);
        digest_body(ctx, body, end);
    }
    if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1)
        msg_panic("content_key: cannot finish SHA-256");
    EVP_MD_CTX_free(ctx);
    hex_append(out, md, md_len);
    return spans[0].found;
}
