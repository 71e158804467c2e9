/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_intake - how the milter hands a capture job to a running bridge
 * instead of writing the job file itself, and the wire format both sides
 * speak.
 *
 * Why: a job file made durable at SMTP time costs the milter two inodes
 * (the job and its dedupe marker) and three directory fsyncs per batch,
 * the most of what a capture costs it.  The bridge already has an intake
 * journal (spool_journal.h) that makes a batch durable with one append
 * and one fdatasync and makes the job files afterwards, off the SMTP
 * path.  The milter answers 250 once the bridge says the job is durable
 * in that journal: the promise is the same, and the work moves out of
 * Postfix's way.
 *
 * The socket: CAPTURE_INTAKE_SOCKET in the spool directory, a Unix
 * stream socket of mode 0600 that the bridge listens on while it runs.
 * Who may connect may write the spool, as before: the directory is the
 * trust boundary.  One request per connection:
 *
 *     "PMC1"  u32 key length  u64 payload length   (little-endian)
 *     key (no NUL)  payload
 *
 * always of job kind "capture" (capture_job.h); the bridge answers one
 * line and closes:
 *
 *     "accepted ID\n" | "duplicate ID\n" | "error TEXT\n"
 *
 * ID being the spool job's (or the journal record's that holds the key).
 * Nothing is answered "accepted" or "duplicate" before it would survive a
 * power cut.
 *
 * capture_intake_submit() is the milter's side: it connects, sends the
 * payload in two pieces (the JSON line and the raw message, uncopied)
 * and waits at most timeout_ms for the answer.  It returns SPOOL_ACCEPTED
 * or SPOOL_DUPLICATE with id_out set, or -1 with why and *absent set when
 * no bridge listens (no socket, nobody behind it: the caller writes the
 * job itself, quietly).  Any other -1 (a timeout, a broken connection, an
 * error answer) leaves it unknown whether the bridge stored the job: the
 * caller writes it itself too, and the dedupe key makes the two one job.
 *
 * capture_intake_parse_head() is the bridge's: it checks the first
 * CAPTURE_INTAKE_HEAD bytes of a request and gives the key and payload
 * lengths: 0, or -1 with why (bad magic, a key of 0 or more than
 * SPOOL_KEY_MAX bytes, a payload over SPOOL_PAYLOAD_MAX).
 * capture_intake_reply() formats an answer line (TEXT has its line
 * breaks and other controls replaced by spaces); capture_intake_parse_reply()
 * reads one: SPOOL_ACCEPTED, SPOOL_DUPLICATE (id set) or -1 (why: the
 * bridge's text, or what is wrong with the line).
 */
#ifndef POSTMASK_CAPTURE_INTAKE_H
#define POSTMASK_CAPTURE_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "spool.h"

#define CAPTURE_INTAKE_SOCKET   "intake.sock"
#define CAPTURE_INTAKE_HEAD     16      /* magic, key length, payload length */
#define CAPTURE_INTAKE_REPLY_MAX 600    /* an answer line, LF included */
/* How long the milter waits for the bridge before it writes the job itself:
 * the journal's fdatasync takes milliseconds; a bridge this late is stuck. */
#define CAPTURE_INTAKE_WAIT_MS  10000

int capture_intake_submit(const char *spool_dir, long timeout_ms,
                          const char *key, const void *payload,
                          size_t payload_len, const void *tail,
                          size_t tail_len, char id_out[SPOOL_ID_LEN + 1],
                          int *absent, struct buf *why);

int capture_intake_parse_head(const unsigned char head[CAPTURE_INTAKE_HEAD],
                              uint32_t *key_len, uint64_t *payload_len,
                              struct buf *why);
void capture_intake_reply(int rc, const char *id, const char *text,
                          struct buf *out);
int capture_intake_parse_reply(const char *line, size_t len,
                               char id_out[SPOOL_ID_LEN + 1], struct buf *why);

#endif
