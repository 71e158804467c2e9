/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret_file - read a secret from a file with tight permissions; see
 * secret_file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "secret_file.h"
#include "xalloc.h"

int secret_file_read(const char *path, size_t max_len, char **out,
                     size_t *out_len, struct buf *why)
{
    struct stat st;
    char *data;
    size_t len = 0;
    ssize_t n;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
        buf_printf(why, "open secret file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        buf_printf(why, "stat secret file %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        buf_printf(why, "secret file %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_mode & (S_IROTH | S_IWOTH | S_IXOTH)) {
        buf_printf(why, "secret file %s has mode %04o: it must not be "
                   "accessible by other users (chmod o= %s)", path,
                   (unsigned) (st.st_mode & 07777), path);
        close(fd);
        return -1;
    }
    if ((size_t) st.st_size > max_len + 2) {
        buf_printf(why, "secret file %s is larger than %zu bytes", path,
                   max_len);
        close(fd);
        return -1;
    }
    data = xmalloc(max_len + 3);
    while (len < max_len + 2
           && (n = read(fd, data + len, max_len + 2 - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            buf_printf(why, "read secret file %s: %s", path, strerror(errno));
            secret_free(data, max_len + 3);
            close(fd);
            return -1;
        }
        len += (size_t) n;
    }
    close(fd);
    if (len > 0 && data[len - 1] == '\n')
        len--;
    if (len > 0 && data[len - 1] == '\r')
        len--;
    if (len == 0 || len > max_len) {
        buf_printf(why, len ? "secret file %s is larger than %zu bytes"
                   : "secret file %s is empty", path, max_len);
        secret_free(data, max_len + 3);
        return -1;
    }
    data[len] = '\0';
    *out = data;
    *out_len = len;
    return 0;
}

void secret_free(char *secret, size_t len)
{
    if (secret == NULL)
        return;
    OPENSSL_cleanse(secret, len);
    free(secret);
}
