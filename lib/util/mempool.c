/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mempool - an alloc-only memory pool; see mempool.h.
 *
 * The blocks form a list headed by the first block.  Allocations are
 * carved from the current block (the last ordinary one); a request that
 * does not fit starts a new block of block_size, and a request larger than
 * block_size gets a block of exactly its size, linked in behind the current
 * one so that the current block's free space stays usable.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mempool.h"
#include "msg.h"
#include "xalloc.h"

#define POOL_ALIGN  alignof(max_align_t)
#define ROUND_UP(n) (((n) + POOL_ALIGN - 1) & ~(size_t) (POOL_ALIGN - 1))

struct block {
    struct block *next;
    size_t size;                /* bytes of data */
    size_t used;
};

/* Where a block's data starts: after the header, aligned. */
#define BLOCK_HDR   ROUND_UP(sizeof(struct block))
#define BLOCK_DATA(b) ((unsigned char *) (b) + BLOCK_HDR)

struct mempool {
    size_t block_size;
    struct block *first;        /* kept by mempool_clear() */
    struct block *current;      /* where small requests are carved */
};

struct mempool *mempool_create(size_t block_size)
{
    struct mempool *pool = xcalloc(1, sizeof(*pool));

    pool->block_size = block_size < 256 ? 256 : ROUND_UP(block_size);
    return pool;
}

static struct block *block_new(size_t size)
{
    struct block *b;

    if (size > SIZE_MAX - BLOCK_HDR)
        msg_fatal("mempool: allocation of %zu bytes is too large", size);
    b = xmalloc(BLOCK_HDR + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

/* Returns len bytes at an offset of the current block aligned to align. */
static void *carve(struct mempool *pool, size_t len, size_t align)
{
    struct block *b = pool->current;
    size_t off;

    if (b != NULL) {
        off = (b->used + align - 1) & ~(align - 1);
        if (off <= b->size && len <= b->size - off) {
            b->used = off + len;
            return BLOCK_DATA(b) + off;
        }
    }
    if (len > pool->block_size) {
        /* A block of its own, behind the current one (or first). */
        struct block *big = block_new(len);

        big->used = len;
        if (b == NULL) {
            big->next = pool->first;
            pool->first = big;
        } else {
            big->next = b->next;
            b->next = big;
        }
        return BLOCK_DATA(big);
    }
    b = block_new(pool->block_size);
    if (pool->current == NULL) {
        b->next = pool->first;          /* big blocks that came first */
        pool->first = b;
    } else {
        b->next = pool->current->next;
        pool->current->next = b;
    }
    pool->current = b;
    b->used = len;
    return BLOCK_DATA(b);
}

void *mempool_alloc(struct mempool *pool, size_t len)
{
    return carve(pool, len ? len : 1, POOL_ALIGN);
}

void *mempool_memdup(struct mempool *pool, const void *data, size_t len)
{
    void *p = carve(pool, len ? len : 1, 1);

    if (len > 0)
        memcpy(p, data, len);
    return p;
}

char *mempool_strndup(struct mempool *pool, const char *s, size_t len)
{
    char *p;

    if (len == SIZE_MAX)
        msg_fatal("mempool: string too large");
    p = carve(pool, len + 1, 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *mempool_strdup(struct mempool *pool, const char *s)
{
    return mempool_strndup(pool, s, strlen(s));
}

void mempool_clear(struct mempool *pool)
{
    struct block *b, *next;

    if (pool == NULL || pool->first == NULL)
        return;
    /* Keep the first block when it is an ordinary one: the next message
     * then needs no malloc().  An oversized first block goes. */
    b = pool->first;
    if (b->size != pool->block_size) {
        next = b->next;
        free(b);
        b = next;
        pool->first = NULL;
        pool->current = NULL;
        while (b != NULL) {
            next = b->next;
            free(b);
            b = next;
        }
        return;
    }
    for (next = b->next; next != NULL;) {
        struct block *after = next->next;

        free(next);
        next = after;
    }
    b->next = NULL;
    b->used = 0;
    pool->current = b;
}

void mempool_free(struct mempool *pool)
{
    struct block *b, *next;

    if (pool == NULL)
        return;
    for (b = pool->first; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(pool);
}

size_t mempool_size(const struct mempool *pool)
{
    const struct block *b;
    size_t size = 0;

    for (b = pool->first; b != NULL; b = b->next)
        size += b->size;
    return size;
}
