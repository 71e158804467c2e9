/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_form - application/x-www-form-urlencoded parsing and encoding.
 *
 * Two properties on arbitrary bytes, beyond "no crash, no leak":
 *   1. parse: the input parses or is refused with a reason; what parses
 *      encodes to text that parses back to the same pairs in the same
 *      order, and encoding that gives the same text again;
 *   2. encode: the input cut at its NUL bytes into alternating names and
 *      values (NUL-free by construction) encodes to text that parses back
 *      to exactly those pairs -- encode then parse is the identity.
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "xalloc.h"

#define FUZZ_MAX_PAIRS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_forms(const struct form *a, const struct form *b)
{
    size_t i;

    if (a->count != b->count)
        __builtin_trap();
    for (i = 0; i < a->count; i++)
        if (strcmp(a->pairs[i].name, b->pairs[i].name) != 0
            || strcmp(a->pairs[i].value, b->pairs[i].value) != 0)
            __builtin_trap();
}

/* Encodes f, parses the result; it must give f back. */
static void round_trip(const struct form *f)
{
    struct buf *text = buf_create(64), *again = buf_create(64);
    struct buf *why = buf_create(64);
    struct form *g;

    form_encode(f, text);
    if ((g = form_parse(text->data, text->len, f->count, why)) == NULL)
        __builtin_trap();
    same_forms(f, g);
    form_encode(g, again);
    if (again->len != text->len || memcmp(again->data, text->data, text->len))
        __builtin_trap();
    form_free(g);
    buf_free(text);
    buf_free(again);
    buf_free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf *why = buf_create(64);
    struct form *f = form_parse((const char *) data, size, FUZZ_MAX_PAIRS, why);
    const char *p = (const char *) data, *end = p + size;
    char *name = NULL;

    if (f == NULL) {
        if (why->len == 0)
            __builtin_trap();
    } else {
        round_trip(f);
        form_free(f);
    }
    buf_free(why);

    f = form_create();
    while (p < end && f->count < FUZZ_MAX_PAIRS) {
        const char *nul = memchr(p, '\0', (size_t) (end - p));
        size_t len = nul ? (size_t) (nul - p) : (size_t) (end - p);
        char *s = xstrndup(p, len);

        if (name == NULL) {
            name = s;
        } else {
            form_add(f, name, s);
            free(name);
            free(s);
            name = NULL;
        }
        p += len + 1;
    }
    if (name) {
        form_add(f, name, "");
        free(name);
    }
    round_trip(f);
    form_free(f);
    return 0;
}
