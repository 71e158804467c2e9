/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_message_split - any valid UTF-8 text through message_split() with
 * a small limit (taken from the first input byte, 1 to 64 characters, so
 * cuts happen often).  Every part must be non-empty, within the limit,
 * valid UTF-8, without white space at either end, and the parts' non-space
 * bytes, in order, must be the text's: nothing lost, nothing added.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message_split.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

static size_t chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char) *s & 0xC0) != 0x80;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, **parts;
    size_t max, n, i, k = 0, len;
    const char *cp;

    if (size < 1)
        return 0;
    max = (size_t) (data[0] % 64) + 1;
    text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    len = strlen(text);
    if (!utf8_valid(text, len)) {
        free(text);
        return 0;
    }
    n = message_split(text, max, &parts);
    for (i = 0; i < n; i++) {
        size_t plen = strlen(parts[i]);

        if (plen == 0 || chars(parts[i]) > max || !utf8_valid(parts[i], plen)
            || IS_SPACE(parts[i][0]) || IS_SPACE(parts[i][plen - 1]))
            abort();
        for (cp = parts[i]; *cp; cp++) {
            if (IS_SPACE(*cp))
                continue;
            while (k < len && IS_SPACE(text[k]))
                k++;
            if (k >= len || text[k] != *cp)
                abort();
            k++;
        }
    }
    while (k < len && IS_SPACE(text[k]))
        k++;
    if (k != len)
        abort();
    message_split_free(parts, n);
    free(text);
    return 0;
}
