/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil - temporary files for tests, the capture payload's round
 * trip; see testutil.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address_keys.h"
#include "buf.h"
#include "capture.h"
#include "fsutil.h"
#include "msg.h"
#include "testutil.h"
#include "xalloc.h"

char *test_tmpdir(const char *tag)
{
    const char *base = getenv("POSTMASK_TEST_TMP");
    char path[4096];

    if (base == NULL || *base == '\0')
        base = "/tmp";
    if (mkdir_p(base, 0755) < 0)
        msg_fatal("mkdir %s: %m", base);
    snprintf(path, sizeof(path), "%s/%s.XXXXXX", base, tag);
    if (mkdtemp(path) == NULL)
        msg_fatal("mkdtemp %s: %m", path);
    return xstrdup(path);
}

char *test_write_file(const char *dir, const char *name, const char *text,
                      mode_t mode)
{
    char path[4096];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        msg_fatal("create %s: %m", path);
    if (write_all(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0)
        msg_fatal("write %s: %m", path);
    close(fd);
    return xstrdup(path);
}

struct address_keys *test_keys(const char *text)
{
    struct buf *why = buf_create(0);
    struct address_keys *keys = address_keys_parse(text, strlen(text), "test",
                                                   why);

    if (keys == NULL)
        msg_fatal("keys: %s", why->data);
    buf_free(why);
    return keys;
}

/* The document as text, for comparing and for saying what differed. */
static char *capture_dump(const json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (s == NULL)
        msg_fatal("json_dumps: out of memory");
    return s;
}

int test_capture_roundtrip(const struct capture *cap, int with_data,
                           struct capture **back, struct buf *why)
{
    json_t *first = capture_to_json(cap, with_data), *second;
    struct capture *read;
    char *a, *b;
    int rc = 0;

    if (back != NULL)
        *back = NULL;
    if (capture_from_json(first, &read, why) < 0) {
        json_decref(first);
        return -1;
    }
    second = capture_to_json(read, with_data);
    a = capture_dump(first);
    b = capture_dump(second);
    if (strcmp(a, b) != 0) {
        buf_printf(why, "written again differently:\n%s\n%s", a, b);
        rc = -1;
    }
    free(a);
    free(b);
    json_decref(first);
    json_decref(second);
    if (rc == 0 && back != NULL)
        *back = read;
    else
        capture_free(read);
    return rc;
}
