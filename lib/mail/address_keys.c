/* SPDX-License-Identifier: Apache-2.0 */
/*
 * address_keys - load and parse the proxy-address keys file; see
 * address_keys.h.
 *
 * Syntax, line by line (LF or CRLF): leading and trailing blanks (space, tab)
 * are ignored; an empty line, or one whose first non-blank is '#', is a
 * comment; any other line is exactly two fields separated by blanks, KEYID
 * and SECRET.  The first error ends parsing; the message names the origin
 * and the line, and never quotes the text of a line that failed, since it
 * may hold a secret (a key id is quoted only once it has proven to be one).
 *
 * Memory that has held a secret is wiped before it is released, including
 * the old key array when the array grows.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "address_keys.h"
#include "msg.h"
#include "secret_file.h"
#include "xalloc.h"

#define IS_BLANK(c)  ((c) == ' ' || (c) == '\t')

/* A line of text: [start, start + len). */
struct keys_line {
    const char *start;
    size_t len;
};

int address_keyid_valid(const char *id, size_t len)
{
    size_t i;

    if (len < 1 || len > ADDRESS_KEYID_MAX)
        return 0;
    for (i = 0; i < len; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
            return 0;
    return 1;
}

/* Printable ASCII other than space: '!' through '~'. */
static int secret_chars_valid(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char) s[i] < 0x21 || (unsigned char) s[i] > 0x7e)
            return 0;
    return 1;
}

/* Cut the next field off the front of *line; skip the blanks after it. */
static struct keys_line next_field(struct keys_line *line)
{
    struct keys_line field = { line->start, 0 };

    while (field.len < line->len && !IS_BLANK(field.start[field.len]))
        field.len++;
    line->start += field.len;
    line->len -= field.len;
    while (line->len > 0 && IS_BLANK(*line->start)) {
        line->start++;
        line->len--;
    }
    return field;
}

/* Make room for one more key; the old array is wiped before it is freed. */
static void keys_grow(struct address_keys *keys, size_t *cap, size_t **lines)
{
    struct address_key *bigger;
    size_t newcap;

    if (keys->count < *cap)
        return;
    newcap = *cap ? *cap * 2 : 4;
    bigger = xcalloc(newcap, sizeof(*bigger));
    if (keys->count > 0) {
        memcpy(bigger, keys->keys, keys->count * sizeof(*bigger));
        OPENSSL_cleanse(keys->keys, keys->count * sizeof(*keys->keys));
    }
    free(keys->keys);
    keys->keys = bigger;
    *lines = xrealloc(*lines, newcap * sizeof(**lines));
    *cap = newcap;
}

/*
 * Parse one non-comment line into a new key.  Returns 0, or -1 with the
 * reason (without origin and line) in why.
 */
static int parse_key_line(struct address_keys *keys, const size_t *lines,
                          struct keys_line line, struct buf *why)
{
    struct keys_line id = next_field(&line);
    struct keys_line secret = next_field(&line);
    const struct address_key *twin;
    struct address_key *key;

    if (secret.len == 0) {
        buf_append_str(why, "missing secret (expected \"KEYID SECRET\")");
        return -1;
    }
    if (line.len > 0) {
        buf_append_str(why, "unexpected text after the secret "
                       "(expected \"KEYID SECRET\")");
        return -1;
    }
    if (!address_keyid_valid(id.start, id.len)) {
        buf_printf(why, "bad key id: expected 1 to %d characters of a-z "
                   "and 0-9", ADDRESS_KEYID_MAX);
        return -1;
    }
    if (secret.len < ADDRESS_SECRET_MIN) {
        buf_printf(why, "secret is shorter than %d characters",
                   ADDRESS_SECRET_MIN);
        return -1;
    }
    if (secret.len > ADDRESS_SECRET_MAX) {
        buf_printf(why, "secret is longer than %d characters",
                   ADDRESS_SECRET_MAX);
        return -1;
    }
    if (!secret_chars_valid(secret.start, secret.len)) {
        buf_append_str(why, "secret has a character that is not printable "
                       "ASCII or is white space");
        return -1;
    }
    if ((twin = address_keys_find(keys, id.start, id.len)) != NULL) {
        buf_printf(why, "duplicate key id \"%.*s\" (first on line %zu)",
                   (int) id.len, id.start, lines[twin - keys->keys]);
        return -1;
    }
    key = keys->keys + keys->count;
    memcpy(key->id, id.start, id.len);
    key->id[id.len] = '\0';
    memcpy(key->secret, secret.start, secret.len);
    key->secret_len = secret.len;
    keys->count++;
    return 0;
}

struct address_keys *address_keys_parse(const char *text, size_t len,
                                        const char *origin, struct buf *why)
{
    struct address_keys *keys = xcalloc(1, sizeof(*keys));
    size_t *lines = NULL;       /* line number of each key */
    size_t cap = 0;
    size_t lineno = 0;
    size_t pos = 0;
    struct buf *reason = buf_create(100);
    struct keys_line line;
    const char *nl;

    if (origin == NULL)
        origin = "address keys";
    while (pos < len) {
        lineno++;
        line.start = text + pos;
        nl = memchr(line.start, '\n', len - pos);
        line.len = nl ? (size_t) (nl - line.start) : len - pos;
        pos += line.len + (nl != NULL);
        if (line.len > 0 && line.start[line.len - 1] == '\r')
            line.len--;
        while (line.len > 0 && IS_BLANK(line.start[line.len - 1]))
            line.len--;
        while (line.len > 0 && IS_BLANK(*line.start)) {
            line.start++;
            line.len--;
        }
        if (line.len == 0 || *line.start == '#')
            continue;
        keys_grow(keys, &cap, &lines);
        lines[keys->count] = lineno;
        if (parse_key_line(keys, lines, line, reason) < 0) {
            buf_printf(why, "%s, line %zu: %s", origin, lineno, reason->data);
            goto fail;
        }
    }
    if (keys->count == 0) {
        buf_printf(why, "%s: no keys (expected lines of \"KEYID SECRET\")",
                   origin);
        goto fail;
    }
    free(lines);
    buf_free(reason);
    return keys;

fail:
    free(lines);
    buf_free(reason);
    address_keys_free(keys);
    return NULL;
}

struct address_keys *address_keys_load(const char *path, struct buf *why)
{
    struct address_keys *keys;
    char *text;
    size_t len;

    if (secret_file_read(path, SECRET_FILE_MAX, &text, &len, why) < 0)
        return NULL;
    keys = address_keys_parse(text, len, path, why);
    secret_free(text, len);
    return keys;
}

const struct address_key *address_keys_find(const struct address_keys *keys,
                                            const char *id, size_t idlen)
{
    size_t i;

    for (i = 0; i < keys->count; i++)
        if (strlen(keys->keys[i].id) == idlen
            && memcmp(keys->keys[i].id, id, idlen) == 0)
            return keys->keys + i;
    return NULL;
}

void address_keys_free(struct address_keys *keys)
{
    if (keys == NULL)
        return;
    if (keys->keys != NULL) {
        OPENSSL_cleanse(keys->keys, keys->count * sizeof(*keys->keys));
        free(keys->keys);
    }
    free(keys);
}

void address_key_mac(const struct address_key *key, const char *context,
                     const unsigned char *data, size_t data_len,
                     unsigned char *out, size_t out_len)
{
    unsigned char msg[64 + ADDRESS_KEYID_MAX + 2 + ADDRESS_MAC_DATA_MAX];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    size_t ctx_len = strlen(context), id_len = strlen(key->id), len = 0;

    if (ctx_len >= 64 || data_len > ADDRESS_MAC_DATA_MAX)
        msg_panic("address_key_mac: context or data too long");
    memcpy(msg, context, ctx_len + 1);                  /* with its NUL */
    len += ctx_len + 1;
    memcpy(msg + len, key->id, id_len + 1);             /* with its NUL */
    len += id_len + 1;
    memcpy(msg + len, data, data_len);
    len += data_len;
    if (HMAC(EVP_sha256(), key->secret, (int) key->secret_len, msg, len,
             md, &md_len) == NULL || md_len < out_len)
        msg_fatal("%s: HMAC-SHA256 failed", context);
    memcpy(out, md, out_len);
    OPENSSL_cleanse(md, sizeof(md));
}
