/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http_framing - arbitrary bytes through the bridge's strict HTTP/1.1
 * framing parser (bridge/http_framing.h), as one client connection.
 *
 * The first byte sets max_head (64 times it, plus 64); the rest is what the
 * client sends.  Beyond "no crash, no undefined behaviour": every feed
 * takes at most what it was given and all of it when nothing happened; an
 * error has status 400, 431 or 501 and a reason, and the parser takes
 * nothing after it; and the events, where they happen and their statuses
 * are the same whether the bytes arrive all at once, one at a time, or in
 * chunks of seven -- a stream parser may not depend on how TCP cut the
 * stream.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 4096

struct trace {
    size_t n;
    int event[MAX_EVENTS];
    size_t at[MAX_EVENTS];
    int status[MAX_EVENTS];
};

static void run(const char *bytes, size_t len, size_t max_head, size_t chunk,
                struct trace *t)
{
    struct http_framing f;
    size_t off = 0, steps = 0;

    http_framing_init(&f, max_head);
    t->n = 0;
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk, used = n + 1;
        enum http_framing_event ev = http_framing_feed(&f, bytes + off, n,
                                                       &used);

        if (used > n || ++steps > 2 * len + 16)
            abort();
        if (ev == HTTP_FRAMING_MORE && used != n)
            abort();
        off += used;
        if (ev == HTTP_FRAMING_MORE)
            continue;
        if (t->n < MAX_EVENTS) {
            t->event[t->n] = (int) ev;
            t->at[t->n] = off;
            t->status[t->n] = ev == HTTP_FRAMING_ERROR ? f.status : 0;
            t->n++;
        }
        if (ev == HTTP_FRAMING_ERROR) {
            if ((f.status != 400 && f.status != 431 && f.status != 501)
                || f.reason == NULL || *f.reason == '\0')
                abort();
            break;
        }
    }
}

static int same(const struct trace *a, const struct trace *b)
{
    return a->n == b->n
        && memcmp(a->event, b->event, a->n * sizeof(a->event[0])) == 0
        && memcmp(a->at, b->at, a->n * sizeof(a->at[0])) == 0
        && memcmp(a->status, b->status, a->n * sizeof(a->status[0])) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct trace whole, bytewise, sevens;
    size_t max_head;

    if (size < 1)
        return 0;
    max_head = 64 + 64 * (size_t) data[0];
    run((const char *) data + 1, size - 1, max_head, size, &whole);
    run((const char *) data + 1, size - 1, max_head, 1, &bytewise);
    run((const char *) data + 1, size - 1, max_head, 7, &sevens);
    if (!same(&whole, &bytewise) || !same(&whole, &sevens))
        abort();
    return 0;
}
