/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mime_bound - cut hostile MIME before GMime sees it; see mime_bound.h.
 */
#include <string.h>
#include <strings.h>

#include "mime_bound.h"

static int line_starts(const char *s, size_t len, const char *name)
{
    size_t n = strlen(name);

    return len >= n && strncasecmp(s, name, n) == 0;
}

static int has_word(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word), i;

    for (i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, word, n) == 0)
            return 1;
    return 0;
}

/*
 * How many bytes of raw GMime may see: the input cut at the start of the
 * first line that would pass MIME_MAX_HEADER_LINES header fields,
 * MIME_MAX_BOUNDARY_LINES lines starting "--", or
 * MIME_MAX_MULTIPARTS multipart Content-Type fields.  A header block
 * starts the message, follows each "--" line, and follows the header block
 * of a message/rfc822 part; it ends at a blank line.
 */
size_t mime_structure_bound(const char *raw, size_t len)
{
    size_t pos = 0, fields = 0, boundaries = 0, multiparts = 0;
    int in_header = 1, nested_message = 0;
    int in_content_type = 0;

    while (pos < len) {
        const char *line = raw + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - line) : len - pos;
        size_t next = pos + n + (nl ? 1 : 0);

        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (in_header) {
            if (n == 0) {
                in_header = nested_message;
                nested_message = 0;
                in_content_type = 0;
            } else if (line[0] == ' ' || line[0] == '\t') {
                if (in_content_type && has_word(line, n, "multipart")) {
                    in_content_type = 0;
                    if (++multiparts > MIME_MAX_MULTIPARTS)
                        return pos;
                }
            } else {
                if (++fields > MIME_MAX_HEADER_LINES)
                    return pos;
                in_content_type = 0;
                if (line_starts(line, n, "content-type:")) {
                    if (has_word(line, n, "multipart")) {
                        if (++multiparts > MIME_MAX_MULTIPARTS)
                            return pos;
                    } else {
                        in_content_type = 1;
                    }
                    nested_message = has_word(line, n, "message/rfc822")
                        || has_word(line, n, "message/global")
                        || has_word(line, n, "message/news");
                }
            }
        } else if (n >= 2 && line[0] == '-' && line[1] == '-') {
            if (++boundaries > MIME_MAX_BOUNDARY_LINES)
                return pos;
            in_header = 1;
            nested_message = 0;
        }
        pos = next;
    }
    return len;
}

