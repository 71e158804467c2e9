/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_journal - the bridge's intake log in front of the spool: jobs are
 * appended to a file and made durable with one fdatasync(2) per batch,
 * and made into job files (spool.h) afterwards, at the disk's pace.
 *
 * Why: a durable job file costs the disk one data block and two directory
 * updates, 0.3 to 0.6 ms per job on a virtual disk however the work is
 * batched, while one append of a whole batch costs one flush.  Twilio
 * waits for each webhook's answer, and a slow answer is retried: the
 * journal answers as soon as a webhook would survive a power cut.
 *
 * Layout: DIR/journal/ holds segments named by a sequence number, 16 hex
 * digits ("000000000000002A").  One writer appends to the newest segment
 * and starts the next once one passes SPOOL_JOURNAL_SEGMENT_SIZE (a new
 * segment's name is made durable with an fsync of journal/ before any
 * record in it is acknowledged).  A record is
 *
 *     "PMJ1"  u32 body length  u32 check  body
 *     body:   ID (16 hex digits)  created (u64 seconds)
 *             kind NUL  dedupe key NUL  payload
 *
 * integers little-endian, check the first four bytes of the body's
 * SHA-256.  Every record has a dedupe key: it is what makes the journal
 * safe to replay (spool_entry's id_given).
 *
 * Making jobs: spool_journal_drain() reads the segments in order from
 * where it stopped, up to what the writer has made durable, and stores
 * their records with spool_enqueue_batch(), up to SPOOL_BATCH_MAX at a
 * time; a segment the writer has left is removed once all of it is in
 * the spool.  A drained record stays on disk for seconds, not for as
 * long as its dedupe marker lives: the writer leaves a segment 30 s
 * after starting it (at its next append), and spool_journal_trim()
 * empties an idle one.  A crash anywhere leaves segments that the next
 * spool_journal_open() drains again: records already made into jobs are
 * then duplicates of their own markers, and nothing is made twice.  What
 * a crash cut short at a segment's end was never acknowledged and is
 * dropped with a warning; a record that fails its check inside a segment
 * is logged and skipped (the drain looks for the next record).
 *
 * Threads: one thread appends, one drains (they share the writer's
 * position and the keys of the records not yet drained under a mutex);
 * neither may be the event loop's.  Ownership:
 * spool_journal_open() returns a journal that spool_journal_close()
 * frees; the spool it is given must outlive it.  Records given to
 * spool_journal_append() are copied.
 */
#ifndef POSTMASK_SPOOL_JOURNAL_H
#define POSTMASK_SPOOL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "spool.h"

#define SPOOL_JOURNAL_DIR           "journal"
#define SPOOL_JOURNAL_SEGMENT_SIZE  (8 * 1024 * 1024)
#define SPOOL_JOURNAL_HEADER        12      /* magic, length, check */
/* A body never exceeds this: a larger length is corruption. */
#define SPOOL_JOURNAL_BODY_MAX \
    (SPOOL_ID_LEN + 8 + SPOOL_KIND_MAX + 1 + SPOOL_KEY_MAX + 1 \
     + SPOOL_PAYLOAD_MAX)

struct spool_journal_rec {
    char id[SPOOL_ID_LEN + 1];
    time_t created;
    const char *kind;
    const char *key;                /* never NULL or empty */
    const unsigned char *payload;
    size_t payload_len;
    int rc;                         /* spool_journal_append(): see there */
    const char *error;              /* static: why rc is -1 */
};

/* Appends rec's record to out. */
void spool_journal_encode(const struct spool_journal_rec *rec,
                          struct buf *out);

/*
 * Parses the record at the start of data[0..len): 1 with rec (its strings
 * and payload point into data, which must stay) and *used set to its
 * size; 0 when data holds only the beginning of a record; -1 with why
 * when data does not start with a valid record.
 */
int spool_journal_parse(const unsigned char *data, size_t len,
                        struct spool_journal_rec *rec, size_t *used,
                        struct buf *why);

struct spool_journal;

/*
 * Opens DIR/journal (creating it), drains what an earlier process left
 * into spool (a failure there is logged: the segments stay for the next
 * drain), and starts a new segment.  NULL with why when the directory or
 * the segment cannot be made.
 */
struct spool_journal *spool_journal_open(struct spool *spool,
                                         const char *spool_dir,
                                         struct buf *why);
void spool_journal_close(struct spool_journal *j);

/*
 * Appends count records and makes them durable, as spool_enqueue_batch()
 * would store them.  A record whose kind and key a job's marker or an
 * earlier record not yet drained already holds (one of this batch among
 * them) is not appended: its rc is SPOOL_DUPLICATE and its id that
 * holder's.  A record the spool would refuse (an invalid kind, a key or
 * payload too long) is not appended either: rc -1 and error says why.
 * Every other record gets a new job ID and the time, and rc
 * SPOOL_ACCEPTED.  Returns 0 when all that is durable; -1 with why when
 * nothing of this batch may be acknowledged (the segment is cut back to
 * where it was, or left for a new one; whatever of the batch a drain
 * still finds there is answered by its dedupe keys).
 */
int spool_journal_append(struct spool_journal *j,
                         struct spool_journal_rec *recs, size_t count,
                         struct buf *why);

/*
 * Makes up to max records (0: all there are) into jobs.  Returns how
 * many records it took (accepted or duplicate), or -1 with why when the
 * spool refused a batch (it is tried again by the next call).
 */
long spool_journal_drain(struct spool_journal *j, size_t max,
                         struct buf *why);

/*
 * When the drain has taken all there is and no append is under way,
 * empties the writer's segment (its records are in the spool, and a
 * record drained long ago must not be replayed once its marker has
 * expired): 1 when it did, 0 when there was nothing to do or an append
 * was on, -1 with why.  For the draining thread, when appends pause.
 */
int spool_journal_trim(struct spool_journal *j, struct buf *why);

/*
 * For postmaskctl, read-only and without a journal open: counts the
 * records in DIR/journal that are not yet jobs (no marker holds their
 * key) into *records.  0, or -1 with why.  A journal directory that does
 * not exist holds none.
 */
int spool_journal_pending(struct spool *spool, const char *spool_dir,
                          size_t *records, struct buf *why);

/*
 * The time of the oldest record that may still be in DIR/journal: the
 * earliest "created" of the first records of its segments (a segment's
 * records come in time order), or, for a segment whose first record
 * cannot be read, 1 (everything).  0 when the journal holds no record.
 * Markers made since then must outlive their dedupe_lifetime: a replay
 * of those records relies on them (spool_expire_dedupe()'s keep_since).
 * 0, or -1 with why.
 */
int spool_journal_oldest(const char *spool_dir, time_t *oldest,
                         struct buf *why);

/* Bytes appended and not yet drained (for metrics and tests). */
uint64_t spool_journal_backlog(struct spool_journal *j);

#endif
