/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_content_key - arbitrary bytes as an email without a Message-ID:
 * content_key() always gives 64 hex digits, the same for the same bytes,
 * and, when the key comes from the content (a Date field), the same when a
 * trace field is put in front (what a second MX host adds).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "content_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char trace[] = "Received: from x by y; now\r\n";
    struct buf *a = buf_create(80), *b = buf_create(80), *c = buf_create(80);
    char *traced = malloc(sizeof(trace) - 1 + size + 1);
    size_t i;
    int from_content;

    from_content = content_key(data, size, a);
    content_key(data, size, b);
    memcpy(traced, trace, sizeof(trace) - 1);
    if (size > 0)
        memcpy(traced + sizeof(trace) - 1, data, size);
    /* Not when the input starts with a continuation line or the empty line
     * that ends the header section: the trace field would change what it
     * means. */
    if (from_content && size > 0 && data[0] != ' ' && data[0] != '\t'
        && data[0] != '\n' && data[0] != '\r')
        content_key(traced, sizeof(trace) - 1 + size, c);
    if (a->len != CONTENT_KEY_HEX_LEN || strcmp(a->data, b->data) != 0
        || (c->len > 0 && strcmp(a->data, c->data) != 0))
        __builtin_trap();
    for (i = 0; i < a->len; i++)
        if (!((a->data[i] >= '0' && a->data[i] <= '9')
              || (a->data[i] >= 'a' && a->data[i] <= 'f')))
            __builtin_trap();
    free(traced);
    buf_free(a);
    buf_free(b);
    buf_free(c);
    return 0;
}
