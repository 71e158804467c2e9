/*
 * testutil - small helpers for the cmocka tests: fresh temporary
 * directories and files.  Paths returned are owned by the caller (free()).
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

#endif
