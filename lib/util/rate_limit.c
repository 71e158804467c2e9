/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rate_limit - fixed-window event counters by key, bounded and locked
 * (contract in rate_limit.h).
 *
 * A chained hash table finds a key; a doubly linked list holds every entry
 * in the order its current window opened (an entry whose window restarts
 * moves to the back), so expired entries and the oldest one are at the
 * front.  The table owns its entries and their keys.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rate_limit.h"
#include "xalloc.h"

struct rl_entry {
    struct rl_entry *next_hash;
    struct rl_entry *prev, *next;       /* by window start, oldest first */
    time_t start;                       /* the open window's first second */
    long count;
    char key[];
};

struct rate_limit {
    pthread_mutex_t lock;
    long limit;
    long window;
    size_t max_keys;
    size_t count;
    size_t bucket_count;                /* a power of two */
    struct rl_entry **buckets;
    struct rl_entry *oldest, *newest;
};

static size_t hash_key(const char *key)
{
    uint64_t h = 14695981039346656037ULL;       /* FNV-1a */

    for (; *key; key++) {
        h ^= (unsigned char) *key;
        h *= 1099511628211ULL;
    }
    return (size_t) h;
}

struct rate_limit *rate_limit_create(long limit, long window,
                                     size_t max_keys)
{
    struct rate_limit *rl = xcalloc(1, sizeof(*rl));

    rl->limit = limit < 0 ? 0 : limit;
    rl->window = window < 1 ? 1 : window;
    rl->max_keys = max_keys < 1 ? 1 : max_keys;
    rl->bucket_count = 16;
    while (rl->bucket_count < rl->max_keys && rl->bucket_count < (1u << 20))
        rl->bucket_count *= 2;
    rl->buckets = xcalloc(rl->bucket_count, sizeof(*rl->buckets));
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void rate_limit_free(struct rate_limit *rl)
{
    struct rl_entry *e, *next;

    if (rl == NULL)
        return;
    for (e = rl->oldest; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
    free(rl->buckets);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static int expired(const struct rate_limit *rl, const struct rl_entry *e,
                   time_t now)
{
    return now >= e->start + rl->window || now < e->start - rl->window;
}

static void list_unlink(struct rate_limit *rl, struct rl_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        rl->oldest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        rl->newest = e->prev;
    e->prev = e->next = NULL;
}

static void list_append(struct rate_limit *rl, struct rl_entry *e)
{
    e->prev = rl->newest;
    e->next = NULL;
    if (rl->newest)
        rl->newest->next = e;
    else
        rl->oldest = e;
    rl->newest = e;
}

static struct rl_entry *find(const struct rate_limit *rl, const char *key)
{
    struct rl_entry *e = rl->buckets[hash_key(key) & (rl->bucket_count - 1)];

    while (e != NULL && strcmp(e->key, key) != 0)
        e = e->next_hash;
    return e;
}

static void drop(struct rate_limit *rl, struct rl_entry *e)
{
    struct rl_entry **pp = &rl->buckets[hash_key(e->key)
                                        & (rl->bucket_count - 1)];

    while (*pp != e)
        pp = &(*pp)->next_hash;
    *pp = e->next_hash;
    list_unlink(rl, e);
    free(e);
    rl->count--;
}

/* Makes room for one more key: expired ones first, then the oldest. */
static void make_room(struct rate_limit *rl, time_t now)
{
    while (rl->oldest != NULL && expired(rl, rl->oldest, now))
        drop(rl, rl->oldest);
    while (rl->count >= rl->max_keys)
        drop(rl, rl->oldest);
}

int rate_limit_reached(struct rate_limit *rl, const char *key, time_t now)
{
    struct rl_entry *e;
    int reached;

    pthread_mutex_lock(&rl->lock);
    e = rl->limit == 0 ? NULL : find(rl, key);
    reached = e != NULL && !expired(rl, e, now) && e->count >= rl->limit;
    pthread_mutex_unlock(&rl->lock);
    return reached;
}

long rate_limit_add(struct rate_limit *rl, const char *key, time_t now)
{
    struct rl_entry *e;
    size_t len, slot;
    long count;

    pthread_mutex_lock(&rl->lock);
    if (rl->limit == 0) {
        pthread_mutex_unlock(&rl->lock);
        return 0;
    }
    if ((e = find(rl, key)) != NULL && expired(rl, e, now)) {
        e->start = now;
        e->count = 0;
        list_unlink(rl, e);
        list_append(rl, e);
    } else if (e == NULL) {
        make_room(rl, now);
        len = strlen(key);
        e = xcalloc(1, sizeof(*e) + len + 1);
        memcpy(e->key, key, len + 1);
        e->start = now;
        slot = hash_key(key) & (rl->bucket_count - 1);
        e->next_hash = rl->buckets[slot];
        rl->buckets[slot] = e;
        list_append(rl, e);
        rl->count++;
    }
    if (e->count < LONG_MAX)
        e->count++;
    count = e->count;
    pthread_mutex_unlock(&rl->lock);
    return count;
}

size_t rate_limit_keys(struct rate_limit *rl)
{
    size_t n;

    pthread_mutex_lock(&rl->lock);
    n = rl->count;
    pthread_mutex_unlock(&rl->lock);
    return n;
}

long rate_limit_limit(struct rate_limit *rl)
{
    long limit;

    pthread_mutex_lock(&rl->lock);
    limit = rl->limit;
    pthread_mutex_unlock(&rl->lock);
    return limit;
}

void rate_limit_set_limit(struct rate_limit *rl, long limit)
{
    pthread_mutex_lock(&rl->lock);
    rl->limit = limit < 0 ? 0 : limit;
    pthread_mutex_unlock(&rl->lock);
}

long rate_limit_window(const struct rate_limit *rl)
{
    return rl->window;
}
