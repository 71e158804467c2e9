/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret_file - read a secret (key list, auth token) from a file.
 *
 * The file must be a regular file (a symlink is followed only to a regular
 * file), must grant no permission at all to "other" (mode & 007 == 0), and
 * must hold 1 to max_len bytes.  One trailing newline (LF or CRLF) is removed.
 * On success *out is a NUL-terminated copy the caller frees with
 * secret_free() (which wipes it), *out_len its length, and 0 is returned.
 * On failure -1 is returned and why says which file and what is wrong.
 */
#ifndef POSTMASK_SECRET_FILE_H
#define POSTMASK_SECRET_FILE_H

#include <stddef.h>

#include "buf.h"

#define SECRET_FILE_MAX (64 * 1024)

int secret_file_read(const char *path, size_t max_len, char **out,
                     size_t *out_len, struct buf *why);
void secret_free(char *secret, size_t len);

#endif
