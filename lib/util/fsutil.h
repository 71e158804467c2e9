/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsutil - small file-system helpers with durable semantics.
 *
 * fsync_dir() fsyncs a directory so that a rename or link in it survives a
 * crash.  write_all() writes every byte, retrying on EINTR; pwrite_all()
 * does so at offset (pwrite(2)), leaving the file position alone;
 * writev_all() writes count pieces in order, in one writev(2) when it can.  read_file()
 * reads a whole file (at most max bytes; larger is an error, EFBIG) into a
 * buffer the caller frees with free(); the buffer holds one more byte, a NUL
 * after the data, so text can be used as a string.  read_file_head() reads
 * only the first max bytes (fewer when the file is shorter) and reports the
 * file's full size in *size_out.  Both read files only: a symbolic link as
 * the last path component is refused (ELOOP) and anything but a regular file
 * gives EINVAL, so a FIFO can never block a reader.  mkdir_p() creates a
 * directory and its parents; the directories it creates get exactly mode
 * (the umask does not apply), existing ones are left alone.  Each returns 0
 * on success and -1 with errno set.
 *
 * replace_file() puts len bytes of data at path so that a crash leaves the
 * old file or the new one, never a part: it writes them to tmp (a path in
 * the same directory; created or truncated, never through a symbolic
 * link) with exactly mode, fsyncs it, renames it over path and fsyncs the
 * directory.  It returns 0, or -1 with errno set and the failed step in
 * why ("create TMP: ...", "write TMP: ...", "rename TMP to PATH: ...",
 * "fsync DIR: ..."); tmp is removed on failure.
 */
#ifndef POSTMASK_FSUTIL_H
#define POSTMASK_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "buf.h"

int fsync_dir(const char *path);
int write_all(int fd, const void *data, size_t len);
int writev_all(int fd, const struct iovec *iov, int count);
int pwrite_all(int fd, const void *data, size_t len, off_t offset);
int read_file(const char *path, size_t max, char **data_out, size_t *len_out);
int read_file_head(const char *path, size_t max, char **data_out,
                   size_t *len_out, size_t *size_out);
int mkdir_p(const char *path, mode_t mode);
int replace_file(const char *path, const char *tmp, const void *data,
                 size_t len, mode_t mode, struct buf *why);

#endif
