/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_capture_intake - arbitrary bytes as what crosses the capture
 * intake's socket: the head of a request (what the bridge reads from any
 * local client) and the answer line (what the milter reads back).  Either
 * is accepted with sane values or refused with a reason; never a crash, a
 * leak, or an ID that is not a job ID.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "capture_intake.h"
#include "spool_job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf *why = buf_create(64);
    unsigned char head[CAPTURE_INTAKE_HEAD];
    char id[SPOOL_ID_LEN + 1];
    uint32_t key_len;
    uint64_t payload_len;
    int rc;

    if (size >= CAPTURE_INTAKE_HEAD) {
        memcpy(head, data, sizeof(head));
        rc = capture_intake_parse_head(head, &key_len, &payload_len, why);
        if (rc == 0 && (key_len == 0 || key_len > SPOOL_KEY_MAX
                        || payload_len > SPOOL_PAYLOAD_MAX))
            __builtin_trap();
        if (rc < 0 && why->len == 0)
            __builtin_trap();
    }
    buf_reset(why);
    rc = capture_intake_parse_reply((const char *) data, size, id, why);
    if ((rc == SPOOL_ACCEPTED || rc == SPOOL_DUPLICATE) && !spool_id_valid(id))
        __builtin_trap();
    if (rc < 0 && why->len == 0)
        __builtin_trap();
    buf_free(why);
    return 0;
}
