/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_spool_job - spool job file images through spool_job_parse().
 * Whatever the input, parsing must succeed or fail with a message, never
 * crash, leak or read out of bounds.  The header-only parser must agree
 * with the full one, and an accepted image must survive a round trip:
 * format(parse(x)) parses to the same job, and formatting that again gives
 * the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "spool_job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int str_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL)
        || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int job_same(const struct spool_job *a, const struct spool_job *b)
{
    return strcmp(a->id, b->id) == 0 && strcmp(a->kind, b->kind) == 0
        && str_same(a->dedupe_key, b->dedupe_key)
        && str_same(a->last_error, b->last_error)
        && a->created == b->created && a->attempts == b->attempts
        && a->next_attempt == b->next_attempt
        && a->released == b->released
        && a->payload_len == b->payload_len
        && memcmp(a->payload, b->payload, a->payload_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    const char *text = (const char *) data;
    struct buf *why = buf_create(64);
    struct buf *why_head = buf_create(64);
    struct buf *image = buf_create(size + 64);
    struct buf *image2 = buf_create(size + 64);
    struct spool_job *job = NULL;
    struct spool_job *head = NULL;
    struct spool_job *again = NULL;
    int rc;
    int rc_head;

    if (!initialized) {
        msg_init("fuzz_spool_job", 0);
        initialized = 1;
    }
    rc = spool_job_parse(text, size, 1, &job, why);
    rc_head = spool_job_parse_head(text, size, size, &head, why_head);
    if (rc != rc_head || strcmp(why->data, why_head->data) != 0)
        __builtin_trap();               /* the two parsers disagree */
    if (rc < 0) {
        if (why->len == 0 || job != NULL)
            __builtin_trap();           /* a failure must say why */
    } else {
        if (!spool_id_valid(job->id) || !spool_kind_valid(job->kind)
            || job->payload == NULL || head->payload != NULL
            || head->payload_len != job->payload_len
            || head->released != job->released
            || job->payload_len > SPOOL_PAYLOAD_MAX)
            __builtin_trap();
        spool_job_format(job, image);
        buf_reset(why);
        if (spool_job_parse(image->data, image->len, 1, &again, why) != 0
            || !job_same(job, again))
            __builtin_trap();           /* format(parse(x)) must parse */
        spool_job_format(again, image2);
        if (image->len != image2->len
            || memcmp(image->data, image2->data, image->len) != 0)
            __builtin_trap();           /* formatting must be stable */
        spool_job_free(again);
    }
    spool_job_free(job);
    spool_job_free(head);
    buf_free(why);
    buf_free(why_head);
    buf_free(image);
    buf_free(image2);
    return 0;
}
