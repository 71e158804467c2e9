/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_signature - X-Twilio-Signature; see twilio_signature.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "base64.h"
#include "hex.h"
#include "msg.h"
#include "twilio_signature.h"
#include "xalloc.h"

#define TS_MAX_VARIANTS 4

/* Where the parts of a URL are, as offsets into it. */
struct ts_url {
    size_t scheme_len;          /* "https" */
    size_t host_end;            /* end of the host, where a port would go */
    size_t port_end;            /* end of ":port" (== host_end: no port) */
    size_t query;               /* offset of '?', or the length: none */
    size_t query_end;           /* offset of '#' or the length */
};

/*
 * Finds the parts of url: scheme "://" [userinfo "@"] host [":" port]
 * [path] ["?" query] ["#" fragment].
 */
static int ts_url_parse(const char *url, struct ts_url *u, struct buf *why)
{
    const char *sep = strstr(url, "://");
    size_t len = strlen(url), i, auth, auth_end, host;

    if (sep == NULL || sep == url) {
        buf_printf(why, "malformed URL: no scheme://");
        return -1;
    }
    u->scheme_len = (size_t) (sep - url);
    for (i = 0; i < u->scheme_len; i++) {
        char c = url[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-'
                            || c == '.')))) {
            buf_printf(why, "malformed URL: bad scheme");
            return -1;
        }
    }
    auth = u->scheme_len + 3;
    auth_end = auth + strcspn(url + auth, "/?#");
    host = auth;
    for (i = auth; i < auth_end; i++)
        if (url[i] == '@')
            host = i + 1;
    if (host < auth_end && url[host] == '[') {
        const char *close = memchr(url + host, ']', auth_end - host);

        if (close == NULL) {
            buf_printf(why, "malformed URL: unterminated [IPv6] host");
            return -1;
        }
        u->host_end = (size_t) (close - url) + 1;
        if (u->host_end < auth_end && url[u->host_end] != ':') {
            buf_printf(why, "malformed URL: text after the [IPv6] host");
            return -1;
        }
    } else {
        const char *colon = memchr(url + host, ':', auth_end - host);

        u->host_end = colon ? (size_t) (colon - url) : auth_end;
    }
    if (u->host_end == host) {
        buf_printf(why, "malformed URL: no host");
        return -1;
    }
    u->port_end = auth_end;
    for (i = u->host_end + 1; i < auth_end; i++) {
        if (url[i] < '0' || url[i] > '9') {
            buf_printf(why, "malformed URL: bad port");
            return -1;
        }
    }
    u->query_end = auth_end + strcspn(url + auth_end, "#");
    u->query = auth_end + strcspn(url + auth_end, "?#");
    if (u->query >= u->query_end)
        u->query = len;
    return 0;
}

/* The URL with its port removed, or the default port added. */
static int ts_url_port_variant(const char *url, const struct ts_url *u,
                               struct buf *out)
{
    const char *port = NULL;

    if (u->port_end == u->host_end) {
        if (u->scheme_len == 5 && strncasecmp(url, "https", 5) == 0)
            port = ":443";
        else if (u->scheme_len == 4 && strncasecmp(url, "http", 4) == 0)
            port = ":80";
        else
            return -1;
    }
    buf_append(out, url, u->host_end);
    if (port)
        buf_append_str(out, port);
    buf_append_str(out, url + u->port_end);
    return 0;
}

/*
 * The URL with its query percent-encoded as WHATWG URL serialisation does
 * for special schemes; 0 when that changed something.
 */
static int ts_url_query_variant(const char *url, struct buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t q = strcspn(url, "?#"), end, i;
    int changed = 0;

    if (url[q] != '?')
        return -1;
    end = q + strcspn(url + q, "#");
    buf_append(out, url, q);
    for (i = q; i < end; i++) {
        unsigned char c = (unsigned char) url[i];

        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<'
            || c == '>') {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

            buf_append(out, esc, 3);
            changed = 1;
        } else {
            buf_append_char(out, c);
        }
    }
    buf_append_str(out, url + end);
    return changed ? 0 : -1;
}

static int ts_pair_cmp(const void *a, const void *b)
{
    const struct form_pair *pa = *(const struct form_pair *const *) a;
    const struct form_pair *pb = *(const struct form_pair *const *) b;
    int r = strcmp(pa->name, pb->name);

    return r ? r : strcmp(pa->value, pb->value);
}

/* Appends the parameters in signing order. */
static void ts_append_params(const struct form *params, struct buf *s)
{
    const struct form_pair **sorted;
    size_t i;

    if (params == NULL || params->count == 0)
        return;
    sorted = xmalloc(params->count * sizeof(*sorted));
    for (i = 0; i < params->count; i++)
        sorted[i] = &params->pairs[i];
    qsort(sorted, params->count, sizeof(*sorted), ts_pair_cmp);
    for (i = 0; i < params->count; i++) {
        if (i > 0 && ts_pair_cmp(&sorted[i - 1], &sorted[i]) == 0)
            continue;
        buf_append_str(s, sorted[i]->name);
        buf_append_str(s, sorted[i]->value);
    }
    free(sorted);
}

void twilio_signature_compute(const char *token, size_t token_len,
                              const char *url, const struct form *params,
                              struct buf *out)
{
    struct buf *s = buf_create(256);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    buf_append_str(s, url);
    ts_append_params(params, s);
    if (HMAC(EVP_sha1(), token, (int) token_len,
             (const unsigned char *) s->data, s->len, mac, &mac_len) == NULL)
        msg_panic("twilio_signature: HMAC-SHA1 failed");
    base64_encode(mac, mac_len, out);
    buf_free(s);
}

/* 0 when signature matches one variant of url with params. */
static int ts_check(const char *token, size_t token_len, const char *url,
                    const struct form *params, const char *signature,
                    struct buf *why)
{
    struct buf *variants[TS_MAX_VARIANTS];
    struct buf *expected = buf_create(32);
    struct ts_url u;
    size_t n = 0, i, count;
    int match = 0;

    if (signature == NULL) {
        buf_printf(why, "no X-Twilio-Signature");
        buf_free(expected);
        return -1;
    }
    if (ts_url_parse(url, &u, why) < 0) {
        buf_free(expected);
        return -1;
    }
    variants[n] = buf_create(strlen(url) + 8);
    buf_append_str(variants[n++], url);
    variants[n] = buf_create(strlen(url) + 8);
    if (ts_url_port_variant(url, &u, variants[n]) == 0)
        n++;
    else
        buf_free(variants[n]);
    count = n;
    for (i = 0; i < count; i++) {
        variants[n] = buf_create(strlen(url) * 3 + 8);
        if (ts_url_query_variant(variants[i]->data, variants[n]) == 0)
            n++;
        else
            buf_free(variants[n]);
    }
    for (i = 0; i < n; i++) {
        buf_reset(expected);
        twilio_signature_compute(token, token_len, variants[i]->data, params,
                                 expected);
        if (strlen(signature) == expected->len
            && CRYPTO_memcmp(expected->data, signature, expected->len) == 0)
            match = 1;
        buf_free(variants[i]);
    }
    buf_free(expected);
    if (!match) {
        buf_printf(why, "X-Twilio-Signature does not match the URL%s",
                   params && params->count ? " and parameters" : "");
        return -1;
    }
    return 0;
}

int twilio_signature_check_form(const char *token, size_t token_len,
                                const char *url, const struct form *params,
                                const char *signature, struct buf *why)
{
    return ts_check(token, token_len, url, params, signature, why);
}

/* The query parameters of url, or NULL with why. */
static struct form *ts_url_query(const char *url, struct buf *why)
{
    struct ts_url u;
    struct form *q;

    if (ts_url_parse(url, &u, why) < 0)
        return NULL;
    if (u.query >= u.query_end)
        return form_create();
    q = form_parse(url + u.query + 1, u.query_end - u.query - 1,
                   TWILIO_SIGNATURE_MAX_PARAMS, why);
    if (q == NULL)
        buf_printf(why, " (in the URL's query)");
    return q;
}

int twilio_signature_check_json(const char *token, size_t token_len,
                                const char *url, const char *body,
                                size_t body_len, const char *signature,
                                struct buf *why)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char digest_hex[2 * SHA256_DIGEST_LENGTH];
    struct form *query;
    const char *want;
    int ok;

    if ((query = ts_url_query(url, why)) == NULL)
        return -1;
    if ((want = form_get(query, "bodySHA256")) == NULL) {
        buf_printf(why, "no bodySHA256 in the URL for a non-form body");
        form_free(query);
        return -1;
    }
    SHA256((const unsigned char *) body, body_len, digest);
    hex_encode(digest_hex, digest, sizeof(digest));
    ok = strlen(want) == sizeof(digest_hex)
        && CRYPTO_memcmp(want, digest_hex, sizeof(digest_hex)) == 0;
    form_free(query);
    if (!ok) {
        buf_printf(why, "the body's SHA-256 does not match bodySHA256");
        return -1;
    }
    return ts_check(token, token_len, url, NULL, signature, why);
}

/* 1 when content_type's media type is application/x-www-form-urlencoded. */
static int ts_is_form(const char *content_type)
{
    static const char form_type[] = "application/x-www-form-urlencoded";
    size_t len;

    if (content_type == NULL)
        return 0;
    content_type += strspn(content_type, " \t");
    len = strcspn(content_type, "; \t");
    return len == sizeof(form_type) - 1
        && strncasecmp(content_type, form_type, len) == 0;
}

int twilio_signature_verify(const char *token, size_t token_len,
                            const char *url, const char *content_type,
                            const char *body, size_t body_len,
                            const char *signature, struct buf *why)
{
    struct form *params, *query;
    int ret;

    if (signature == NULL) {
        buf_printf(why, "no X-Twilio-Signature");
        return -1;
    }
    if (ts_is_form(content_type)) {
        if ((params = form_parse(body, body_len, TWILIO_SIGNATURE_MAX_PARAMS,
                                 why)) == NULL) {
            buf_printf(why, " (in the form body)");
            return -1;
        }
        ret = ts_check(token, token_len, url, params, signature, why);
        form_free(params);
        return ret;
    }
    if ((query = ts_url_query(url, why)) == NULL)
        return -1;
    ret = form_get(query, "bodySHA256") != NULL;
    form_free(query);
    if (ret)
        return twilio_signature_check_json(token, token_len, url, body,
                                           body_len, signature, why);
    if (body_len > 0) {
        buf_printf(why, "a body that is not a form needs bodySHA256 in "
                   "the URL");
        return -1;
    }
    return ts_check(token, token_len, url, NULL, signature, why);
}
