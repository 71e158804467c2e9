/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_charset - body bytes in the charset a part declares, to clean
 * UTF-8; and the cleaning every string of a capture goes through.
 *
 * capture_decode_text() appends to out the text of len bytes declared as
 * charset (NULL when the part names none):
 *   - UTF-8 is taken as is, each ill-formed byte becoming U+FFFD;
 *   - ISO-8859-1 and its aliases are read as Windows-1252, as every mail
 *     reader does (Outlook labels "smart quotes" ISO-8859-1);
 *   - no charset or US-ASCII: UTF-8 when the bytes are well-formed UTF-8,
 *     else Windows-1252 (8-bit text from clients that forgot the label);
 *   - any other charset through iconv(3), each undecodable byte becoming
 *     U+FFFD; an unknown charset is read like a missing one.
 * The result then goes through capture_clean_text().  It returns 0, or -1
 * when the charset is unknown and the bytes are not UTF-8: the text is a
 * Windows-1252 guess (capture_parts.c records that as a structure error).
 *
 * capture_clean_text() appends text as valid UTF-8 with line ends made
 * "\n" and every other control character (C0, DEL, C1) dropped but TAB.
 * capture_clean_line() returns a new string (free()) for one-line fields:
 * valid UTF-8, each run of white space and control characters made one
 * space, trimmed, and cut to at most max bytes on a character boundary.
 * capture_has_prefix() tells whether s starts with prefix, ASCII case
 * ignored.
 *
 * Thread safety: no state; iconv descriptors live within one call.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "capture_int.h"
#include "utf8.h"
#include "xalloc.h"

/* Windows-1252 0x80-0x9F; the five holes become U+FFFD. */
static const unsigned short cp1252_c1[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static const char *const latin1_names[] = {
    "iso-8859-1", "iso8859-1", "iso_8859-1", "iso-8859-1:1987", "latin1",
    "latin-1", "l1", "cp819", "ibm819", "windows-1252", "cp1252",
    "x-cp1252", "cp-1252", "win-1252", "ansi_x3.4-1968", NULL,
};

static const char *const ascii_names[] = {
    "us-ascii", "ascii", "us", "iso646-us", "unknown-8bit", "x-unknown",
    "default", "", NULL,
};

static const char *const utf8_names[] = {
    "utf-8", "utf8", "x-utf-8", "unicode-1-1-utf-8", NULL,
};

static void put_utf8(unsigned cp, struct buf *out)
{
    char tmp[4];

    if (cp < 0x80) {
        buf_append_char(out, (int) cp);
    } else if (cp < 0x800) {
        tmp[0] = (char) (0xc0 | (cp >> 6));
        tmp[1] = (char) (0x80 | (cp & 0x3f));
        buf_append(out, tmp, 2);
    } else {
        tmp[0] = (char) (0xe0 | (cp >> 12));
        tmp[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char) (0x80 | (cp & 0x3f));
        buf_append(out, tmp, 3);
    }
}

static void decode_cp1252(const char *data, size_t len, struct buf *out)
{
    const unsigned char *s = (const unsigned char *) data;
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] < 0x80)
            buf_append_char(out, s[i]);
        else if (s[i] < 0xa0)
            put_utf8(cp1252_c1[s[i] - 0x80], out);
        else
            put_utf8(s[i], out);
    }
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

/* iconv from charset; 0, or -1 when iconv does not know it. */
static int decode_iconv(const char *charset, const char *data, size_t len,
                        struct buf *out)
{
    const char *name = g_mime_charset_iconv_name(charset);
    iconv_t cd;
    char tmp[4096];
    char *in = (char *) data;
    size_t inleft = len;

    if (name == NULL || (cd = iconv_open("UTF-8", name)) == (iconv_t) -1)
        return -1;
    while (inleft > 0) {
        char *op = tmp;
        size_t outleft = sizeof(tmp);
        size_t rc = iconv(cd, &in, &inleft, &op, &outleft);
        int err = errno;

        buf_append(out, tmp, sizeof(tmp) - outleft);
        if (rc != (size_t) -1)
            break;
        if (err == E2BIG)
            continue;
        buf_append(out, "\xef\xbf\xbd", 3);
        if (err != EILSEQ)              /* EINVAL: truncated at the end */
            break;
        in++;
        inleft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    {
        char *op = tmp;
        size_t outleft = sizeof(tmp);

        if (iconv(cd, NULL, NULL, &op, &outleft) != (size_t) -1)
            buf_append(out, tmp, sizeof(tmp) - outleft);
    }
    iconv_close(cd);
    return 0;
}

int capture_decode_text(const char *charset, const char *data, size_t len,
                        struct buf *out)
{
    struct buf *utf8;
    char name[64];
    size_t i, n = 0;
    int ret = 0;

    if (charset != NULL) {
        for (i = 0; charset[i] && n < sizeof(name) - 1; i++) {
            unsigned char c = (unsigned char) charset[i];

            if (c == '"' || c == '\'' || c == ' ' || c == '\t')
                continue;
            name[n++] = (char) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
    }
    name[n] = '\0';

    /* UTF-8 as declared, or found: cleaned straight from data, uncopied. */
    if (name_in(name, utf8_names)
        || (name_in(name, ascii_names) && utf8_valid(data, len))) {
        capture_clean_text(data, len, out);
        return 0;
    }
    utf8 = buf_create(len + 16);
    if (name_in(name, latin1_names)) {
        decode_cp1252(data, len, utf8);
    } else if (name_in(name, ascii_names) || n == sizeof(name) - 1
               || decode_iconv(name, data, len, utf8) < 0) {
        if (utf8_valid(data, len)) {
            buf_append(utf8, data, len);
        } else {
            decode_cp1252(data, len, utf8);
            if (!name_in(name, ascii_names))
                ret = -1;               /* a name iconv does not know */
        }
    }
    capture_clean_text(utf8->data, utf8->len, out);
    buf_free(utf8);
    return ret;
}

/*
 * Bytes capture_clean_text() copies as they are: printable ASCII, tab and
 * line feed.  Everything else (CR, other controls, DEL, NUL, and the
 * first byte of every multi-byte character) stops the run.
 */
static const unsigned char clean_plain[256] = {
    ['\t'] = 1, ['\n'] = 1,
    [0x20] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * Are the eight bytes at p all printable ASCII (0x20..0x7e)?  Word at a
 * time: a byte below 0x20 borrows in w - 0x20..., one of 0x7f and above
 * has its top bit set in w or in w + 0x01...  (Carries between bytes can
 * only flag a word that holds such a byte anyway.)
 */
static int eight_printable(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, tops = ones << 7;
    uint64_t w;

    memcpy(&w, p, sizeof(w));
    return (((w - ones * 0x20) & ~w) | w | (w + ones)) & tops ? 0 : 1;
}

/*
 * One pass over text: runs of plain bytes and of well-formed multi-byte
 * characters are appended whole; a line end of CR or CRLF becomes LF; an
 * ill-formed sequence becomes U+FFFD; NUL, other C0 controls, DEL and C1
 * controls (U+0080..U+009F) go.
 */
void capture_clean_text(const char *text, size_t len, struct buf *out)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0, start = 0, n = 0;

    buf_reserve(out, len);              /* the usual size, in one step */
    while (i < len) {
        unsigned char c;

        while (i + 8 <= len && eight_printable(s + i))
            i += 8;
        if (i == len)
            break;
        c = s[i];
        if (clean_plain[c]) {
            i++;
            continue;
        }
        if (c >= 0x80 && (n = utf8_seq(s + i, len - i)) > 0
            && !(c == 0xc2 && s[i + 1] < 0xa0)) {
            i += n;                     /* a character: part of the run */
            continue;
        }
        buf_append(out, s + start, i - start);
        if (c == '\r') {
            buf_append_char(out, '\n');
            if (i + 1 < len && s[i + 1] == '\n')
                i++;
        } else if (c >= 0x80 && n == 0) {
            buf_append(out, "\xef\xbf\xbd", 3);
        } else if (c >= 0x80) {
            i += n - 1;                 /* a C1 control */
        }
        start = ++i;
    }
    buf_append(out, s + start, len - start);
}

char *capture_clean_line(const char *text, size_t len, size_t max)
{
    struct buf *clean = buf_create(len + 16);
    struct buf *line = buf_create(len + 16);
    size_t i;
    int space = 0;

    capture_clean_text(text, len, clean);
    for (i = 0; i < clean->len; i++) {
        unsigned char c = (unsigned char) clean->data[i];

        if (c == ' ' || c == '\t' || c == '\n') {
            space = 1;
            continue;
        }
        if (space && line->len > 0)
            buf_append_char(line, ' ');
        space = 0;
        buf_append_char(line, c);
    }
    if (line->len > max) {
        size_t cut = max;

        while (cut > 0 && ((unsigned char) line->data[cut] & 0xc0) == 0x80)
            cut--;
        buf_truncate(line, cut);
        while (line->len > 0 && line->data[line->len - 1] == ' ')
            buf_truncate(line, line->len - 1);
    }
    buf_free(clean);
    return buf_detach(line, NULL);
}

int capture_has_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncasecmp(s, prefix, n) == 0;
}
