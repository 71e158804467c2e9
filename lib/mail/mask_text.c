/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_text - mask one text part's content: undo its transfer encoding,
 * replace the originals, redo the same encoding.
 *
 * mask_text_part() takes the part's content bytes as they stand in the
 * message (data, len), its Content-Transfer-Encoding, its charset
 * parameter (NULL when none) and whether it is text/html.  It returns 0 when no original appears in
 * the decoded content; 1 with the new content bytes appended to out when
 * it replaced some; -1 with the reason in why when it found one it cannot
 * put back (x-uuencode).
 *
 *   - transfer decoding and encoding are GMime's (base64 in 76-column
 *     lines; quoted-printable with hard line breaks where the text has
 *     them, CRLF or LF).  7bit, 8bit, binary and unknown encodings are
 *     taken as they are, so their content is edited in place;
 *   - in a charset that keeps ASCII bytes for ASCII characters (anything
 *     not in the list below, including none and unknown ones) the
 *     addresses are replaced in the bytes: nothing else changes, and a
 *     byte sequence the charset finds invalid stays as it was;
 *   - in a charset whose multi-byte characters may hold ASCII bytes, or
 *     that is not ASCII at all (UTF-16/32, UTF-7, ISO-2022-*, Shift_JIS,
 *     Big5, GBK/GB18030, HZ, Johab, UHC, EBCDIC) the text is decoded to
 *     UTF-8 with iconv, masked, and encoded back; when either conversion
 *     fails the bytes are masked as they are;
 *   - in a text/html part (html set) an original written with character
 *     references ("ann&#64;example.org") is found and replaced too
 *     (mask_html.c);
 *   - the new content ends with a line end exactly when the old one did
 *     (the line end before a boundary belongs to the boundary);
 *   - a quoted-printable line the encoder starts with "--" gets its first
 *     '-' as "=2D": a soft line break moved next to "--b" must not make a
 *     boundary line.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "mask_int.h"
#include "xalloc.h"

static const char *const wide_charsets[] = {
    "utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4",
    "unicode", "utf-7", "utf7", "iso-2022", "iso2022", "csiso2022",
    "shift_jis", "shift-jis", "shiftjis", "sjis", "x-sjis", "ms_kanji",
    "csshiftjis", "cp932", "windows-31j", "ms932", "big5", "cp950",
    "x-x-big5", "gbk", "gb18030", "cp936", "ms936", "windows-936", "hz",
    "johab", "cp949", "uhc", "ks_c_5601", "ebcdic", "ibm037", "cp037",
    "ibm500", "cp500", "ibm1047", "cp1047", NULL,
};

/* The charset, lowercased without quotes and blanks, if listed above. */
static int wide_charset(const char *charset, char *name, size_t size)
{
    size_t i, n = 0;

    if (charset == NULL)
        return 0;
    for (i = 0; charset[i] && n < size - 1; i++) {
        unsigned char c = (unsigned char) charset[i];

        if (c == '"' || c == '\'' || c == ' ' || c == '\t')
            continue;
        name[n++] = (char) mask_ascii_lower(c);
    }
    name[n] = '\0';
    if (strncmp(name, "utf-8", 5) == 0 || strcmp(name, "utf8") == 0
        || strcmp(name, "unicode-1-1-utf-8") == 0)
        return 0;
    for (i = 0; wide_charsets[i]; i++)
        if (strncmp(name, wide_charsets[i], strlen(wide_charsets[i])) == 0)
            return 1;
    return 0;
}

/* Converts all of in, or fails (-1) at the first byte it cannot convert. */
static int convert(const char *to, const char *from, const char *in,
                   size_t len, struct buf *out)
{
    iconv_t cd = iconv_open(to, from);
    char tmp[4096];
    char *ip = (char *) in;
    size_t left = len;
    int rc = 0;

    if (cd == (iconv_t) -1)
        return -1;
    for (;;) {
        char *op = tmp;
        size_t room = sizeof(tmp);
        size_t r = left > 0 ? iconv(cd, &ip, &left, &op, &room)
            : iconv(cd, NULL, NULL, &op, &room);

        buf_append(out, tmp, sizeof(tmp) - room);
        if (r != (size_t) -1) {
            if (left == 0 && ip != NULL) {
                ip = NULL;          /* now flush the shift state */
                continue;
            }
            break;
        }
        if (errno != E2BIG) {
            rc = -1;
            break;
        }
    }
    iconv_close(cd);
    return rc;
}

/* Masks wide-charset text through UTF-8; 1, 0, or -1: mask the bytes. */
static int mask_wide(const char *charset, const char *data, size_t len,
                     const struct mask_matcher *m, const char *proxy,
                     struct buf *out)
{
    const char *name = g_mime_charset_iconv_name(charset);
    struct buf *utf8 = buf_create(len * 2 + 16);
    struct buf *masked = NULL;
    int rc = -1;

    if (name != NULL && convert("UTF-8", name, data, len, utf8) == 0) {
        if (!mask_contains(m, utf8->data, utf8->len)) {
            rc = 0;
        } else {
            masked = buf_create(utf8->len + 64);
            mask_replace(m, utf8->data, utf8->len, proxy, masked);
            if (convert(name, "UTF-8", masked->data, masked->len, out) == 0)
                rc = 1;
        }
    }
    buf_free(utf8);
    buf_free(masked);
    return rc;
}

/*
 * Where uuencoded lines start: after the "begin" line (GMime's decoder
 * expects it consumed, as its filter does), or len when there is none.
 */
static size_t uu_start(const char *data, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t next = nl ? (size_t) (nl - data) + 1 : len;

        if (len - pos >= 6 && memcmp(data + pos, "begin ", 6) == 0)
            return next;
        pos = next;
    }
    return len;
}

static void transfer(GMimeContentEncoding encoding, int decode,
                     const char *data, size_t len, struct buf *out)
{
    GMimeEncoding state;
    size_t room;
    char *tmp;

    if (decode)
        g_mime_encoding_init_decode(&state, encoding);
    else
        g_mime_encoding_init_encode(&state, encoding);
    if (decode && encoding == GMIME_CONTENT_ENCODING_UUENCODE) {
        size_t skip = uu_start(data, len);

        data += skip;
        len -= skip;
        state.state |= GMIME_UUDECODE_STATE_BEGIN;
    }
    room = g_mime_encoding_outlen(&state, len) + 16;
    tmp = xmalloc(room);
    buf_append(out, tmp, g_mime_encoding_flush(&state, data, len, tmp));
    free(tmp);
}

/* Appends qp with each line that starts "--" starting "=2D-" instead. */
static void escape_dashes(const char *qp, size_t len, struct buf *out)
{
    size_t i, from = 0;

    for (i = 0; i + 1 < len; i++) {
        if ((i == 0 || qp[i - 1] == '\n') && qp[i] == '-' && qp[i + 1] == '-') {
            buf_append(out, qp + from, i - from);
            buf_append(out, "=2D", 3);
            from = i + 1;
        }
    }
    buf_append(out, qp + from, len - from);
}

static int coded(GMimeContentEncoding encoding)
{
    return encoding == GMIME_CONTENT_ENCODING_BASE64
        || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
        || encoding == GMIME_CONTENT_ENCODING_UUENCODE;
}

int mask_text_part(const char *data, size_t len, GMimeContentEncoding encoding,
                   const char *charset, int html,
                   const struct mask_matcher *m, const char *proxy,
                   struct buf *out, struct buf *why)
{
    struct buf *decoded = NULL, *masked = buf_create(len + 64);
    const char *text = data;
    size_t text_len = len;
    char name[64];
    int rc = -1;

    if (coded(encoding)) {
        decoded = buf_create(len + 16);
        transfer(encoding, 1, data, len, decoded);
        text = decoded->data;
        text_len = decoded->len;
    }
    if (wide_charset(charset, name, sizeof(name)))
        rc = mask_wide(name, text, text_len, m, proxy, masked);
    if (rc < 0 && html) {
        buf_reset(masked);
        rc = mask_html_replace(m, text, text_len, proxy, masked) > 0;
    } else if (rc < 0) {
        buf_reset(masked);
        rc = mask_contains(m, text, text_len);
        if (rc)
            mask_replace(m, text, text_len, proxy, masked);
    }
    if (rc == 1) {
        if (!coded(encoding)) {
            buf_append(out, masked->data, masked->len);
        } else if (encoding == GMIME_CONTENT_ENCODING_UUENCODE) {
            buf_append_str(why, "a text part in x-uuencode holds an original "
                           "address and cannot be re-encoded");
            rc = -1;
        } else {
            size_t start = out->len;
            int had_end = len > 0 && data[len - 1] == '\n';

            if (encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
                struct buf *qp = buf_create(masked->len * 3 + 16);

                transfer(encoding, 0, masked->data, masked->len, qp);
                escape_dashes(qp->data, qp->len, out);
                buf_free(qp);
            } else {
                transfer(encoding, 0, masked->data, masked->len, out);
            }
            while (out->len > start && !had_end
                   && (out->data[out->len - 1] == '\n'
                       || out->data[out->len - 1] == '\r'))
                buf_truncate(out, out->len - 1);
            if (had_end && (out->len == start
                            || out->data[out->len - 1] != '\n'))
                buf_append_char(out, '\n');
        }
    }
    buf_free(decoded);
    buf_free(masked);
    return rc;
}
