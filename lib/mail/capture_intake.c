/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_intake - the capture intake's wire format and the milter's side
 * of it; see capture_intake.h.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "capture_intake.h"
#include "le_bytes.h"
#include "spool_job.h"

#define MAGIC       "PMC1"
#define MAGIC_LEN   4

int capture_intake_parse_head(const unsigned char head[CAPTURE_INTAKE_HEAD],
                              uint32_t *key_len, uint64_t *payload_len,
                              struct buf *why)
{
    if (memcmp(head, MAGIC, MAGIC_LEN) != 0) {
        buf_append_str(why, "not a capture intake request (bad magic)");
        return -1;
    }
    *key_len = le_get_u32(head + 4);
    *payload_len = le_get_u64(head + 8);
    if (*key_len == 0 || *key_len > SPOOL_KEY_MAX) {
        buf_printf(why, "dedupe key of %u bytes (1 to %d)", (unsigned) *key_len,
                   SPOOL_KEY_MAX);
        return -1;
    }
    if (*payload_len > SPOOL_PAYLOAD_MAX) {
        buf_printf(why, "payload of %llu bytes exceeds the limit of %d bytes",
                   (unsigned long long) *payload_len, SPOOL_PAYLOAD_MAX);
        return -1;
    }
    return 0;
}

void capture_intake_reply(int rc, const char *id, const char *text,
                          struct buf *out)
{
    size_t i, len;

    if (rc == SPOOL_ACCEPTED || rc == SPOOL_DUPLICATE) {
        buf_printf(out, "%s %s\n", rc == SPOOL_ACCEPTED ? "accepted"
                   : "duplicate", id);
        return;
    }
    buf_append_str(out, "error ");
    len = strnlen(text, CAPTURE_INTAKE_REPLY_MAX - 8);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];

        buf_append_char(out, c < 0x20 || c == 0x7f ? ' ' : c);
    }
    buf_append_char(out, '\n');
}

int capture_intake_parse_reply(const char *line, size_t len,
                               char id_out[SPOOL_ID_LEN + 1], struct buf *why)
{
    static const struct {
        const char *word;
        int rc;
    } answers[] = {
        {"accepted ", SPOOL_ACCEPTED},
        {"duplicate ", SPOOL_DUPLICATE},
    };
    size_t i, n;

    if (len == 0 || line[len - 1] != '\n' || memchr(line, '\0', len)) {
        buf_append_str(why, "the bridge's answer is not one line");
        return -1;
    }
    len--;
    if (len >= 6 && memcmp(line, "error ", 6) == 0) {
        buf_printf(why, "the bridge refused it: %.*s", (int) (len - 6),
                   line + 6);
        return -1;
    }
    for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        n = strlen(answers[i].word);
        if (len == n + SPOOL_ID_LEN && memcmp(line, answers[i].word, n) == 0) {
            memcpy(id_out, line + n, SPOOL_ID_LEN);
            id_out[SPOOL_ID_LEN] = '\0';
            if (spool_id_valid(id_out))
                return answers[i].rc;
        }
    }
    buf_printf(why, "the bridge's answer is malformed: \"%.*s\"",
               (int) (len < 80 ? len : 80), line);
    return -1;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), at least 0. */
static int ms_left(const struct timespec *deadline)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long) (deadline->tv_sec - now.tv_sec) * 1000
        + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int) ms;
}

/* Waits until fd is ready for events: 1, 0 at the deadline, -1 (errno). */
static int wait_for(int fd, short events, const struct timespec *deadline)
{
    struct pollfd pfd = { fd, events, 0 };
    int n;

    do
        n = poll(&pfd, 1, ms_left(deadline));
    while (n < 0 && errno == EINTR);
    return n;
}

/*
 * After a send or receive that returned n (what names it in errors): 1 to
 * try it again (it would have blocked, and fd is ready now; or a signal
 * came), 0 when n is its result, -1 with why (a failure, or the deadline).
 */
static int again(int fd, ssize_t n, short events,
                 const struct timespec *deadline, const char *what,
                 struct buf *why)
{
    int rc;

    if (n >= 0)
        return 0;
    if (errno == EINTR)
        return 1;
    if (errno == EAGAIN) {
        if ((rc = wait_for(fd, events, deadline)) > 0)
            return 1;
        if (rc == 0) {
            buf_printf(why, "timed out %s the bridge", what);
            return -1;
        }
    }
    buf_printf(why, "%s the bridge: %s", what, strerror(errno));
    return -1;
}

/*
 * Sends every byte of the count pieces of iov (which it consumes), never
 * raising SIGPIPE: 0, or -1 with why.
 */
static int send_all(int fd, struct iovec *iov, int count,
                    const struct timespec *deadline, struct buf *why)
{
    struct msghdr mh;
    ssize_t n;
    int rc;

    while (count > 0) {
        if (iov->iov_len == 0) {
            iov++;
            count--;
            continue;
        }
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t) count;
        n = sendmsg(fd, &mh, MSG_NOSIGNAL);
        if ((rc = again(fd, n, POLLOUT, deadline, "sending to", why)) != 0) {
            if (rc < 0)
                return -1;
            continue;
        }
        while (count > 0 && (size_t) n >= iov->iov_len) {
            n -= (ssize_t) iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *) iov->iov_base + n;
            iov->iov_len -= (size_t) n;
        }
    }
    return 0;
}

/* Reads the answer line into line: its length, or -1 with why. */
static ssize_t read_answer(int fd, char *line, size_t size,
                           const struct timespec *deadline, struct buf *why)
{
    size_t len = 0;
    ssize_t n;
    int rc;

    while (len < size) {
        n = recv(fd, line + len, size - len, 0);
        if ((rc = again(fd, n, POLLIN, deadline, "waiting for", why)) != 0) {
            if (rc < 0)
                return -1;
            continue;
        }
        if (n == 0)
            break;
        len += (size_t) n;
        if (line[len - 1] == '\n')
            break;
    }
    if (len == 0) {
        buf_append_str(why, "the bridge closed the connection without an "
                       "answer");
        return -1;
    }
    return (ssize_t) len;
}

int capture_intake_submit(const char *spool_dir, long timeout_ms,
                          const char *key, const void *payload,
                          size_t payload_len, const void *tail,
                          size_t tail_len, char id_out[SPOOL_ID_LEN + 1],
                          int *absent, struct buf *why)
{
    struct sockaddr_un sun;
    struct timespec deadline;
    unsigned char head[CAPTURE_INTAKE_HEAD];
    char line[CAPTURE_INTAKE_REPLY_MAX];
    struct iovec iov[4];
    size_t key_len = strlen(key);
    ssize_t len;
    int fd, rc;

    *absent = 0;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if ((size_t) snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
                          spool_dir, CAPTURE_INTAKE_SOCKET)
        >= sizeof(sun.sun_path)) {
        *absent = 1;
        buf_append_str(why, "the intake socket's path is too long");
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                     0)) < 0) {
        buf_printf(why, "socket: %s", strerror(errno));
        return -1;
    }
    /* A Unix socket connects at once or not at all (EAGAIN: its listen
     * queue is full, the bridge is overloaded). */
    if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
        *absent = errno == ENOENT || errno == ECONNREFUSED;
        buf_printf(why, "connect %s: %s", sun.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    memcpy(head, MAGIC, MAGIC_LEN);
    le_put_u32(head + 4, (uint32_t) key_len);
    le_put_u64(head + 8, (uint64_t) payload_len + tail_len);
    iov[0].iov_base = head;
    iov[0].iov_len = sizeof(head);
    iov[1].iov_base = (void *) key;
    iov[1].iov_len = key_len;
    iov[2].iov_base = (void *) payload;
    iov[2].iov_len = payload_len;
    iov[3].iov_base = (void *) tail;
    iov[3].iov_len = tail_len;
    if (send_all(fd, iov, 4, &deadline, why) < 0
        || (len = read_answer(fd, line, sizeof(line), &deadline, why)) < 0) {
        close(fd);
        return -1;
    }
    close(fd);
    rc = capture_intake_parse_reply(line, (size_t) len, id_out, why);
    return rc;
}
