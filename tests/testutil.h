/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil - small helpers for the cmocka tests and the fuzz targets:
 * fresh temporary directories and files, address keys from text, the
 * capture payload's round trip.  Paths returned are owned by the caller
 * (free()); keys too (address_keys_free()).  Failures are fatal
 * (msg_fatal), which fails the test, but for the round trip's, which are
 * returned for the caller to report as it reports failures.
 */
#ifndef POSTMASK_TESTUTIL_H
#define POSTMASK_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "capture.h"

/* A new empty directory under $POSTMASK_TEST_TMP (or /tmp). */
char *test_tmpdir(const char *tag);
/* Writes text to dir/name with mode; returns the path. */
char *test_write_file(const char *dir, const char *name, const char *text,
                      mode_t mode);
/* Address keys parsed from "KEYID SECRET" lines. */
struct address_keys *test_keys(const char *text);
/*
 * capture_to_json(cap, with_data), read back with capture_from_json() and
 * written again: 0 when that gives the same bytes (compact, in order),
 * with the capture read back in *back (when back is not NULL; the caller
 * frees it with capture_free()); else -1 with what went wrong in why.
 */
int test_capture_roundtrip(const struct capture *cap, int with_data,
                           struct capture **back, struct buf *why);

#endif
