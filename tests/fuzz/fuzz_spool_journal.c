/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_spool_journal - journal segments through spool_journal_parse(), as
 * the drain reads them: record after record, a damaged one skipped a byte
 * at a time.  Whatever the input, each step must parse a record, ask for
 * more, or fail with a message; never crash or read out of bounds.  A
 * record it accepts must be what spool_journal_encode() makes of its
 * fields, byte for byte, and every proper prefix of it "incomplete".
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "spool.h"
#include "spool_journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    struct buf *why = buf_create(64);
    struct buf *again = buf_create(size + 64);
    struct spool_journal_rec rec;
    size_t at = 0, used;
    int rc;

    if (!initialized) {
        msg_init("fuzz_spool_journal", 0);
        initialized = 1;
    }
    while (at < size) {
        buf_reset(why);
        rc = spool_journal_parse(data + at, size - at, &rec, &used, why);
        if (rc == 0)
            break;                      /* the rest is incomplete */
        if (rc < 0) {
            if (why->len == 0)
                __builtin_trap();       /* a failure must say why */
            at++;
            continue;
        }
        if (used < SPOOL_JOURNAL_HEADER || used > size - at
            || *rec.kind == '\0' || *rec.key == '\0'
            || strlen(rec.id) != SPOOL_ID_LEN)
            __builtin_trap();
        buf_reset(again);
        spool_journal_encode(&rec, again);
        if (again->len != used || memcmp(again->data, data + at, used) != 0)
            __builtin_trap();           /* encode(parse(x)) must be x */
        if (spool_journal_parse(data + at, used - 1, &rec, &used, why) != 0)
            __builtin_trap();           /* a prefix is incomplete */
        at += again->len;
    }
    buf_free(why);
    buf_free(again);
    return 0;
}
