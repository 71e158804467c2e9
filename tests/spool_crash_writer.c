/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_crash_writer - enqueues jobs into a spool until it is killed (or has
 * written COUNT jobs), for test_spool_crash and tests/ctl_queue.sh.
 *
 *   spool_crash_writer DIR SEED [COUNT]
 *
 * It opens (creates) the spool in DIR, writes "READY\n", then enqueues jobs
 * of kind "crash_test" with pseudo-random payloads of varied sizes, about
 * 40% with a unique dedupe key and 20% with one of four keys shared with
 * other runs, half of them one spool_enqueue() at a time and half in
 * batches of 2 to 8 through spool_enqueue_batch() (group commit; a shared
 * key may come twice in one batch).  Only after the call returned does it
 * report, with one write(2) per job (atomic on a pipe):
 *
 *   ID SHA256-OF-PAYLOAD\n     the job was accepted
 *   DUP ID\n                   the key was known; ID holds it
 *
 * Each payload starts with the SHA-256 of the rest, so a reader can check
 * any job it sees without knowing what was written.  Exit status: 0 after
 * COUNT jobs (COUNT 0 just creates the spool), 1 on any spool error
 * (reported on stderr).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "fsutil.h"
#include "msg.h"
#include "spool.h"
#include "xalloc.h"

#define PAYLOAD_HASH_LEN 32
#define WRITER_BATCH_MAX 8

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void sha256(const void *data, size_t len, unsigned char md[32])
{
    unsigned int md_len;

    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1)
        msg_fatal("SHA-256 failed");
}

static size_t payload_size(void)
{
    uint64_t pick = rng_next() % 100;

    if (pick < 40)
        return PAYLOAD_HASH_LEN + rng_next() % 200;
    if (pick < 80)
        return PAYLOAD_HASH_LEN + rng_next() % 8192;
    if (pick < 95)
        return PAYLOAD_HASH_LEN + rng_next() % 65536;
    return PAYLOAD_HASH_LEN + rng_next() % (512 * 1024);
}

/* One report line for an entry: its length, or exits on a spool error. */
static int report(const struct spool_entry *e, char *line, size_t size)
{
    unsigned char md[32];
    size_t i;
    int n;

    if (e->rc == SPOOL_ACCEPTED) {
        sha256(e->payload, e->payload_len, md);
        n = snprintf(line, size, "%s ", e->id);
        for (i = 0; i < 32; i++)
            n += snprintf(line + n, size - (size_t) n, "%02x", md[i]);
        line[n++] = '\n';
        return n;
    }
    if (e->rc == SPOOL_DUPLICATE)
        return snprintf(line, size, "DUP %s\n", e->id);
    msg_fatal("enqueue: %s", e->why->data);
}

int main(int argc, char **argv)
{
    struct spool_entry batch[WRITER_BATCH_MAX];
    unsigned char *payloads[WRITER_BATCH_MAX];
    char keys[WRITER_BATCH_MAX][64];
    struct spool *sp;
    char line[128];
    unsigned long long seed;
    long count = -1;                    /* no COUNT: until killed */
    long n = 0;
    size_t b, k, len, i;
    uint64_t pick;

    msg_init(argv[0], MSG_STDERR);
    if (argc < 3 || argc > 4)
        msg_fatal("usage: %s DIR SEED [COUNT]", argv[0]);
    seed = strtoull(argv[2], NULL, 10);
    if (argc == 4)
        count = strtol(argv[3], NULL, 10);
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    memset(batch, 0, sizeof(batch));
    for (k = 0; k < WRITER_BATCH_MAX; k++) {
        payloads[k] = xmalloc(PAYLOAD_HASH_LEN + 512 * 1024);
        batch[k].why = buf_create(128);
    }
    if ((sp = spool_open(argv[1], 1, batch[0].why)) == NULL)
        msg_fatal("%s", batch[0].why->data);
    if (write_all(1, "READY\n", 6) < 0)
        msg_fatal("write: %m");

    while (count < 0 || n < count) {
        /* Half the rounds one spool_enqueue(), the rest a batch of 2-8. */
        b = rng_next() % 2 ? 1 : 2 + rng_next() % (WRITER_BATCH_MAX - 1);
        if (count >= 0 && (long) b > count - n)
            b = (size_t) (count - n);
        for (k = 0; k < b; k++, n++) {
            struct spool_entry *e = &batch[k];

            len = payload_size();
            for (i = PAYLOAD_HASH_LEN; i < len; i++)
                payloads[k][i] = (unsigned char) rng_next();
            sha256(payloads[k] + PAYLOAD_HASH_LEN, len - PAYLOAD_HASH_LEN,
                   payloads[k]);
            pick = rng_next() % 10;
            if (pick < 4)
                snprintf(keys[k], sizeof(keys[k]), "unique-%llu-%ld", seed, n);
            else if (pick < 6)
                snprintf(keys[k], sizeof(keys[k]), "shared-%u",
                         (unsigned) (rng_next() % 4));
            e->kind = "crash_test";
            e->dedupe_key = pick < 6 ? keys[k] : NULL;
            e->payload = payloads[k];
            e->payload_len = len;
            buf_reset(e->why);
        }
        if (b == 1)
            batch[0].rc = spool_enqueue(sp, batch[0].kind,
                                        batch[0].dedupe_key, batch[0].payload,
                                        batch[0].payload_len, batch[0].id,
                                        batch[0].why);
        else
            spool_enqueue_batch(sp, batch, b);
        /* Only now, after the whole batch is durable, are they answered. */
        for (k = 0; k < b; k++)
            if (write_all(1, line, (size_t) report(&batch[k], line,
                                                  sizeof(line))) < 0)
                msg_fatal("write: %m");
    }
    for (k = 0; k < WRITER_BATCH_MAX; k++) {
        free(payloads[k]);
        buf_free(batch[k].why);
    }
    spool_close(sp);
    return 0;
}
