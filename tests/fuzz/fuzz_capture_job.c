/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_capture_job - arbitrary bytes as a capture job payload (what the
 * bridge reads from the spool): decoding, the capture's
 * capture_from_json() included, must succeed or fail with a reason, never
 * crash or leak; a decoded job has its capture.  fuzz_capture_json
 * exercises the capture reader on its own.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "capture_job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf *why = buf_create(64);
    struct capture_job *job = capture_job_decode(data, size, why);

    if ((job == NULL && why->len == 0)
        || (job != NULL && job->capture == NULL))
        __builtin_trap();
    capture_job_free(job);
    buf_free(why);
    return 0;
}
