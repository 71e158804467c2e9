/*
 * spool_crash_writer - enqueues jobs into a spool until it is killed (or has
 * written COUNT jobs), for test_spool_crash and tests/ctl_queue.sh.
 *
 *   spool_crash_writer DIR SEED [COUNT]
 *
 * It opens (creates) the spool in DIR, writes "READY\n", then enqueues jobs
 * of kind "crash_test" with pseudo-random payloads of varied sizes, about
 * 40% with a unique dedupe key and 20% with one of four keys shared with
 * other runs.  Only after spool_enqueue() returned does it report, with one
 * write(2) each (atomic on a pipe):
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

int main(int argc, char **argv)
{
    struct buf *why = buf_create(128);
    struct spool *sp;
    unsigned char *payload;
    unsigned char md[32];
    char id[SPOOL_ID_LEN + 1];
    char key[64];
    char line[128];
    unsigned long long seed;
    long count = -1;                    /* no COUNT: until killed */
    long n;
    size_t len;
    size_t i;
    uint64_t pick;
    int rc;

    msg_init(argv[0], MSG_STDERR);
    if (argc < 3 || argc > 4)
        msg_fatal("usage: %s DIR SEED [COUNT]", argv[0]);
    seed = strtoull(argv[2], NULL, 10);
    if (argc == 4)
        count = strtol(argv[3], NULL, 10);
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    if ((sp = spool_open(argv[1], 1, why)) == NULL)
        msg_fatal("%s", why->data);
    if (write_all(1, "READY\n", 6) < 0)
        msg_fatal("write: %m");

    payload = xmalloc(PAYLOAD_HASH_LEN + 512 * 1024);
    for (n = 0; count < 0 || n < count; n++) {
        len = payload_size();
        for (i = PAYLOAD_HASH_LEN; i < len; i++)
            payload[i] = (unsigned char) rng_next();
        sha256(payload + PAYLOAD_HASH_LEN, len - PAYLOAD_HASH_LEN, payload);
        pick = rng_next() % 10;
        if (pick < 4)
            snprintf(key, sizeof(key), "unique-%llu-%ld", seed, n);
        else if (pick < 6)
            snprintf(key, sizeof(key), "shared-%u",
                     (unsigned) (rng_next() % 4));
        rc = spool_enqueue(sp, "crash_test", pick < 6 ? key : NULL, payload,
                           len, id, why);
        if (rc == SPOOL_ACCEPTED) {
            sha256(payload, len, md);
            rc = snprintf(line, sizeof(line), "%s ", id);
            for (i = 0; i < 32; i++)
                rc += snprintf(line + rc, sizeof(line) - (size_t) rc, "%02x",
                               md[i]);
            line[rc++] = '\n';
        } else if (rc == SPOOL_DUPLICATE) {
            rc = snprintf(line, sizeof(line), "DUP %s\n", id);
        } else {
            msg_fatal("enqueue: %s", why->data);
        }
        if (write_all(1, line, (size_t) rc) < 0)
            msg_fatal("write: %m");
    }
    free(payload);
    spool_close(sp);
    buf_free(why);
    return 0;
}
