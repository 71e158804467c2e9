/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_flowed - RFC 3676 text/plain; format=flowed to plain lines.
 *
 * capture_unflow() appends to out the text of a format=flowed body with
 * every soft line break undone: a line that ends in a space (a flowed line)
 * is joined to the next one of the same quote depth.  Quote marks (">" at
 * the start of a line) are kept, written ">" per level and one space before
 * the text; one space-stuffing space is removed; with delsp the space
 * before a soft break is removed too.  The signature separator "-- " is
 * never flowed.  Line ends in the input may be "\n" or "\r\n"; output lines
 * end in "\n".  Linear in len; no state.
 */
#include <string.h>

#include "capture_int.h"

void capture_unflow(const char *text, size_t len, int delsp, struct buf *out)
{
    size_t pos = 0;
    int prev_flowed = 0;
    size_t prev_depth = 0;
    int first = 1;

    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - line) : len - pos;
        size_t depth = 0, start;
        int flowed;

        pos += n + (nl ? 1 : 0);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        while (depth < n && line[depth] == '>')
            depth++;
        start = depth;
        if (start < n && line[start] == ' ')
            start++;                    /* space-stuffing */
        flowed = n > start && line[n - 1] == ' '
            && !(n - start == 3 && memcmp(line + start, "-- ", 3) == 0);
        if (!(prev_flowed && depth == prev_depth)) {
            size_t q;

            if (!first)
                buf_append_char(out, '\n');
            for (q = 0; q < depth; q++)
                buf_append_char(out, '>');
            if (depth > 0)
                buf_append_char(out, ' ');
        }
        first = 0;
        buf_append(out, line + start,
                   n - start - (flowed && delsp ? 1 : 0));
        prev_flowed = flowed;
        prev_depth = depth;
    }
    if (!first && len > 0 && text[len - 1] == '\n')
        buf_append_char(out, '\n');
}
