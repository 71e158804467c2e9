/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_job - the on-disk format of one spool job, and its parser.
 *
 *   postmask-job 1\n
 *   id: 6745A1B2C3D4E5F6\n
 *   kind: capture\n
 *   dedupe: <key, percent-encoded: bytes outside 0x21-0x7e and '%'>\n   (optional)
 *   created: <unix time>\n
 *   attempts: <n>\n
 *   next-attempt: <unix time>\n
 *   last-error: <text, newlines folded to spaces>\n                     (optional)
 *   released: 1\n                                                   (optional)
 *   payload-size: <n>\n
 *   \n
 *   <exactly n payload bytes>
 *
 * Header fields may come in any order; each must appear once, except the
 * three optional ones.  "released" is written only for a released job
 * (spool.h) and only as 1; a job file without it (every file written before
 * the field existed) is not released.  Numbers are plain decimal without
 * sign or leading zeros.  Values are never empty and hold no control
 * characters: spool_job_format() folds newlines and other control
 * characters in last_error to spaces, cuts it to SPOOL_ERROR_MAX bytes, and
 * leaves an empty one out.  The header is at most SPOOL_JOB_HEAD_MAX bytes
 * and the payload at most SPOOL_PAYLOAD_MAX.
 *
 * spool_job_format() appends the file image of job to out;
 * spool_job_format_head() only its header, up to and with the blank line,
 * for a writer that writes the job->payload_len bytes of payload itself
 * (job->payload is not read).
 * spool_job_parse() parses a file image; it refuses anything malformed,
 * truncated or with trailing bytes (returns -1 with the reason in why) and
 * on success returns 0 and a job the caller frees with spool_job_free().
 * The state field is not stored: it is the directory the file is in.
 * With want_payload 0 the payload is checked for size but not copied.
 *
 * spool_job_parse_head() parses the header only: data holds the first len
 * bytes of an image of file_size bytes (len may end anywhere after the
 * header's blank line) and the payload is checked by size against
 * file_size.  It lets a reader list jobs without reading their payloads.
 *
 * spool_id_valid() and spool_kind_valid() tell whether a string is a
 * well-formed job ID (SPOOL_ID_LEN uppercase hex digits) or kind; only a
 * valid ID is ever used in a path name.
 */
#ifndef POSTMASK_SPOOL_JOB_H
#define POSTMASK_SPOOL_JOB_H

#include <stddef.h>

#include "buf.h"
#include "spool.h"

#define SPOOL_JOB_HEAD_MAX  8192   /* bytes, up to and with the blank line */

void spool_job_format(const struct spool_job *job, struct buf *out);
void spool_job_format_head(const struct spool_job *job, struct buf *out);
int spool_job_parse(const char *data, size_t len, int want_payload,
                    struct spool_job **job_out, struct buf *why);
int spool_job_parse_head(const char *data, size_t len, size_t file_size,
                         struct spool_job **job_out, struct buf *why);
int spool_id_valid(const char *id);
int spool_kind_valid(const char *kind);

#endif
