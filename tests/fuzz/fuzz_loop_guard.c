/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_loop_guard - any text as a References header through
 * loop_guard_references() with two proxy domains.  A repeat it reports
 * must lie inside the text, from a '<' to a '>', and be found again when
 * the header is only that ID twice.  The same text, cut in two at the
 * first NUL byte, goes through loop_guard_same_text(), which must say the
 * same both ways round and call each text the same as itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loop_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *domains[] = {"reply.example.com", "r.example"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *twice;
    const char *id, *id2, *b;
    size_t len, len2;

    memcpy(text, data, size);
    text[size] = '\0';
    if (loop_guard_references(text, domains, 2, &id, &len)) {
        if (id < text || len < 2 || id + len > text + strlen(text)
            || id[0] != '<' || id[len - 1] != '>')
            abort();
        twice = malloc(2 * len + 2);
        memcpy(twice, id, len);
        twice[len] = ' ';
        memcpy(twice + len + 1, id, len);
        twice[2 * len + 1] = '\0';
        if (!loop_guard_references(twice, domains, 2, &id2, &len2)
            || id2 != twice || len2 != len)
            abort();
        free(twice);
    }
    b = strlen(text) < size ? text + strlen(text) + 1 : "";
    if (loop_guard_same_text(text, b) != loop_guard_same_text(b, text)
        || !loop_guard_same_text(text, text) || !loop_guard_same_text(b, b))
        abort();
    free(text);
    return 0;
}
