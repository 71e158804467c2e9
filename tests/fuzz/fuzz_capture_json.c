/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_capture_json - arbitrary JSON as a capture payload through
 * capture_from_json() (capture.h): reading must succeed or fail with a
 * reason, never crash, leak or read out of bounds.  A capture that reads
 * must survive the round trip: capture_to_json() of it reads again, and
 * writes the same bytes (the first writing may normalize, e.g. a base64
 * "data" with stray low bits, or a member given in another order; from
 * then on the document is fixed), with and without data.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "capture.h"
#include "testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The writer's own output must read, and write itself again. */
static void roundtrip(const struct capture *cap, int d)
{
    struct buf *why = buf_create(64);

    if (test_capture_roundtrip(cap, d, NULL, why) < 0)
        __builtin_trap();
    buf_free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* NULs allowed in strings: the reader must refuse them itself. */
    json_t *obj = json_loadb((const char *) data, size,
                             JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    struct buf *why = buf_create(64);
    struct capture *cap;

    if (obj == NULL) {
        buf_free(why);
        return 0;
    }
    if (capture_from_json(obj, &cap, why) < 0) {
        if (cap != NULL || why->len == 0)
            __builtin_trap();
    } else {
        roundtrip(cap, 1);
        roundtrip(cap, 0);
        capture_free(cap);
    }
    json_decref(obj);
    buf_free(why);
    return 0;
}
