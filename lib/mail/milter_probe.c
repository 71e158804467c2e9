/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_probe - negotiate with a milter as an MTA would; see
 * milter_probe.h.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "milter_probe.h"

/* The milter protocol (libmilter's mfdef.h), what an MTA sends first. */
#define SMFIC_OPTNEG    'O'
#define SMFIC_QUIT      'Q'
#define SMFI_VERSION    6
#define OPTNEG_ACTIONS  0x000001ffu     /* every action */
#define OPTNEG_PROTOCOL 0x001fffffu     /* every protocol step */

/* Connects fd to the address; waits MILTER_PROBE_TIMEOUT at most. */
static int connect_wait(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct pollfd pfd;
    int err = 0;
    socklen_t elen = sizeof(err);

    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return -1;
    pfd.fd = fd;
    pfd.events = POLLOUT;
    if (poll(&pfd, 1, MILTER_PROBE_TIMEOUT * 1000) != 1) {
        errno = ETIMEDOUT;
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return -1;
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

/* A connected socket to milter_listen, or -1 with why. */
static int milter_connect(const char *spec, struct buf *why)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct sockaddr_un sun;
    char port[16], host[256];
    const char *at;
    int fd = -1, rc;

    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
        const char *path = strchr(spec, ':') + 1;

        if (strlen(path) >= sizeof(sun.sun_path)) {
            buf_printf(why, "%s: path too long", spec);
            return -1;
        }
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        strcpy(sun.sun_path, path);
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         0)) < 0
            || connect_wait(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
            buf_printf(why, "connect %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        return fd;
    }
    if (strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0) {
        buf_printf(why, "%s: not unix:, local:, inet: or inet6:", spec);
        return -1;
    }
    spec = strchr(spec, ':') + 1;
    at = strchr(spec, '@');
    snprintf(port, sizeof(port), "%.*s", at ? (int) (at - spec) : 15, spec);
    snprintf(host, sizeof(host), "%s", at ? at + 1 : "127.0.0.1");
    if (host[0] == '[') {               /* inet6:PORT@[ADDR] */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
        buf_printf(why, "%s port %s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC
                    | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd >= 0 && connect_wait(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        buf_reset(why);
        buf_printf(why, "connect %s port %s: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Reads exactly len bytes within MILTER_PROBE_TIMEOUT: 0, or -1 with errno. */
static int read_exact(int fd, unsigned char *p, size_t len)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    ssize_t n;

    while (len > 0) {
        if (poll(&pfd, 1, MILTER_PROBE_TIMEOUT * 1000) != 1) {
            errno = ETIMEDOUT;
            return -1;
        }
        if ((n = read(fd, p, len)) <= 0) {
            if (n == 0)
                errno = ECONNRESET;
            else if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}

int milter_probe(const char *milter_listen, struct buf *why)
{
    unsigned char pkt[17], reply[5];
    uint32_t len;
    int fd;

    if ((fd = milter_connect(milter_listen, why)) < 0)
        return -1;
    /* length, command, version, actions, protocol steps */
    put32(pkt, 13);
    pkt[4] = SMFIC_OPTNEG;
    put32(pkt + 5, SMFI_VERSION);
    put32(pkt + 9, OPTNEG_ACTIONS);
    put32(pkt + 13, OPTNEG_PROTOCOL);
    if (write(fd, pkt, sizeof(pkt)) != (ssize_t) sizeof(pkt)
        || read_exact(fd, reply, sizeof(reply)) < 0) {
        buf_printf(why, "milter negotiation: %s", strerror(errno));
        close(fd);
        return -1;
    }
    len = (uint32_t) reply[0] << 24 | (uint32_t) reply[1] << 16
        | (uint32_t) reply[2] << 8 | reply[3];
    if (reply[4] != SMFIC_OPTNEG || len < 13 || len > 1024) {
        buf_printf(why, "milter negotiation: answered '%c' (%u bytes), "
                   "not a negotiation", reply[4] >= 0x20 && reply[4] < 0x7f
                   ? reply[4] : '?', len);
        close(fd);
        return -1;
    }
    put32(pkt, 1);
    pkt[4] = SMFIC_QUIT;
    if (write(fd, pkt, 5) < 0) {
        /* the answer was had: a lost goodbye does not matter */
    }
    close(fd);
    return 0;
}

