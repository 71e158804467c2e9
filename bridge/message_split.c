/* SPDX-License-Identifier: Apache-2.0 */
/*
 * message_split - cut a reply into Twilio-sized messages; see
 * message_split.h.
 */
#include <stdlib.h>
#include <string.h>

#include "message_split.h"
#include "xalloc.h"

#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

/* Boundary kinds, best first. */
enum { CUT_PARAGRAPH, CUT_LINE, CUT_SENTENCE, CUT_SPACE, CUT_KINDS };

static int is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/*
 * The byte length of the next part of text (len bytes, no leading white
 * space): all of it when it has at most max code points, else up to the
 * best boundary within max code points.
 */
static size_t part_length(const char *text, size_t len, size_t max)
{
    size_t best[CUT_KINDS] = {0};
    size_t i, chars = 0, limit = len;
    int k, pass;

    for (i = 0; i < len; i++) {
        if (is_continuation((unsigned char) text[i]))
            continue;
        if (chars++ == max)
            limit = i;          /* a boundary right here still counts */
        if (i > 0 && IS_SPACE(text[i])) {
            /* A cut before the white space at i, of the kind around it. */
            if (text[i] == '\n' && i + 1 < len
                && (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < len
                                             && text[i + 2] == '\n')))
                best[CUT_PARAGRAPH] = i;
            else if (text[i] == '\n' || text[i] == '\r')
                best[CUT_LINE] = i;
            else if (strchr(".!?", text[i - 1]) != NULL)
                best[CUT_SENTENCE] = i;
            else
                best[CUT_SPACE] = i;
        }
        if (limit < len)
            break;
    }
    if (limit == len)
        return len;
    /* The best kind in the second half of the window, else any boundary. */
    for (pass = 0; pass < 2; pass++)
        for (k = 0; k < CUT_KINDS; k++)
            if (best[k] > 0 && (pass == 1 || best[k] >= limit / 2)) {
                /* The part ends before the white space that precedes it. */
                i = best[k];
                while (i > 0 && IS_SPACE(text[i - 1]))
                    i--;
                if (i > 0)
                    return i;
            }
    return limit;
}

size_t message_split(const char *text, size_t max, char ***parts)
{
    size_t len = strlen(text), count = 0, n;
    char **out = NULL;

    while (len > 0 && IS_SPACE(text[len - 1]))
        len--;
    for (;;) {
        while (len > 0 && IS_SPACE(*text)) {
            text++;
            len--;
        }
        if (len == 0)
            break;
        n = part_length(text, len, max);
        out = xrealloc(out, (count + 1) * sizeof(*out));
        out[count++] = xstrndup(text, n);
        text += n;
        len -= n;
    }
    *parts = out;
    return count;
}

void message_split_free(char **parts, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        free(parts[i]);
    free(parts);
}
