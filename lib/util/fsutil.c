/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsutil - small file-system helpers with durable semantics; see fsutil.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fsutil.h"
#include "xalloc.h"

int fsync_dir(const char *path)
{
    int fd;
    int saved;

    if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -1;
    if (fsync(fd) < 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return close(fd);
}

/* write_all() and pwrite_all() in one: at offset, or at the file's
 * position when offset is -1. */
static int write_at(int fd, const void *data, size_t len, off_t offset)
{
    const char *cp = data;
    ssize_t n;

    while (len > 0) {
        n = offset < 0 ? write(fd, cp, len) : pwrite(fd, cp, len, offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {                   /* cannot happen for len > 0 */
            errno = EIO;
            return -1;
        }
        cp += n;
        len -= (size_t) n;
        if (offset >= 0)
            offset += n;
    }
    return 0;
}

int write_all(int fd, const void *data, size_t len)
{
    return write_at(fd, data, len, -1);
}

int writev_all(int fd, const struct iovec *iov, int count)
{
    ssize_t n;
    size_t done;
    int i;

    do
        n = writev(fd, iov, count);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    /* A short writev (a signal, a full disk on the way): the rest piece
     * by piece, as write_all() would. */
    done = (size_t) n;
    for (i = 0; i < count; i++) {
        if (done >= iov[i].iov_len) {
            done -= iov[i].iov_len;
            continue;
        }
        if (write_all(fd, (const char *) iov[i].iov_base + done,
                      iov[i].iov_len - done) < 0)
            return -1;
        done = 0;
    }
    return 0;
}

int pwrite_all(int fd, const void *data, size_t len, off_t offset)
{
    if (offset < 0) {
        errno = EINVAL;
        return -1;
    }
    return write_at(fd, data, len, offset);
}

/*
 * Reads at most limit bytes of the regular file at path.  The buffer is
 * sized from the file's size and grows only if the file grows meanwhile.
 */
static int read_bounded(const char *path, size_t limit, char **data_out,
                        size_t *len_out, size_t *size_out)
{
    struct stat st;
    char *data;
    size_t cap;
    size_t len = 0;
    ssize_t n;
    int fd;
    int saved;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    cap = (size_t) st.st_size < limit ? (size_t) st.st_size : limit;
    data = xmalloc(cap + 1);
    while (len < limit) {
        if (len == cap) {
            cap = cap < limit / 2 ? (cap ? cap * 2 : 4096) : limit;
            if (cap > limit)
                cap = limit;
            data = xrealloc(data, cap + 1);
        }
        if ((n = read(fd, data + len, cap - len)) < 0) {
            if (errno == EINTR)
                continue;
            saved = errno;
            free(data);
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t) n;
    }
    close(fd);
    data[len] = '\0';
    *data_out = data;
    *len_out = len;
    if (size_out)
        *size_out = (size_t) st.st_size;
    return 0;
}

int read_file(const char *path, size_t max, char **data_out, size_t *len_out)
{
    char *data;
    size_t len;

    /* One byte more than allowed tells "exactly max" from "larger". */
    if (max == (size_t) -1) {
        errno = EINVAL;
        return -1;
    }
    if (read_bounded(path, max + 1, &data, &len, NULL) < 0)
        return -1;
    if (len > max) {
        free(data);
        errno = EFBIG;
        return -1;
    }
    *data_out = data;
    *len_out = len;
    return 0;
}

int read_file_head(const char *path, size_t max, char **data_out,
                   size_t *len_out, size_t *size_out)
{
    return read_bounded(path, max, data_out, len_out, size_out);
}

int mkdir_p(const char *path, mode_t mode)
{
    struct stat st;
    char *copy;
    char *cp;
    int last;

    if (*path == '\0') {
        errno = ENOENT;
        return -1;
    }
    copy = xstrdup(path);
    cp = copy;
    for (;;) {
        while (*cp == '/')
            cp++;
        cp += strcspn(cp, "/");
        last = (cp[strspn(cp, "/")] == '\0');
        *cp = '\0';
        if (mkdir(copy, mode) == 0) {
            if (chmod(copy, mode) < 0)
                goto fail;
        } else if (errno != EEXIST) {
            goto fail;
        } else if (stat(copy, &st) < 0) {
            goto fail;
        } else if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            goto fail;
        }
        if (last)
            break;
        *cp++ = '/';
    }
    free(copy);
    return 0;

fail:
    {
        int saved = errno;

        free(copy);
        errno = saved;
    }
    return -1;
}

int replace_file(const char *path, const char *tmp, const void *data,
                 size_t len, mode_t mode, struct buf *why)
{
    char *dir, *slash;
    int fd, saved, ret;

    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                   mode)) < 0) {
        buf_printf(why, "create %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0
        || fsync(fd) < 0) {
        saved = errno;
        buf_printf(why, "write %s: %s", tmp, strerror(saved));
        close(fd);
        unlink(tmp);
        errno = saved;
        return -1;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        saved = errno;
        buf_printf(why, "rename %s to %s: %s", tmp, path, strerror(saved));
        unlink(tmp);
        errno = saved;
        return -1;
    }
    dir = xstrdup(path);
    if ((slash = strrchr(dir, '/')) == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    if ((ret = fsync_dir(dir)) < 0) {
        saved = errno;
        buf_printf(why, "fsync %s: %s", dir, strerror(saved));
        errno = saved;
    }
    free(dir);
    return ret;
}
