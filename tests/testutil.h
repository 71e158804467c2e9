/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil - small helpers for the cmocka tests: fresh temporary
 * directories and files, address keys from text.  Paths returned are owned
 * by the caller (free()); keys too (address_keys_free()).  Failures are
 * fatal (msg_fatal), which fails the test.
 */
#ifndef POSTMASK_TESTUTIL_H
#define POSTMASK_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A new empty directory under $POSTMASK_TEST_TMP (or /tmp). */
char *test_tmpdir(const char *tag);
/* Writes text to dir/name with mode; returns the path. */
char *test_write_file(const char *dir, const char *name, const char *text,
                      mode_t mode);
/* Address keys parsed from "KEYID SECRET" lines. */
struct address_keys *test_keys(const char *text);

#endif
