/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mempool - an alloc-only memory pool (Dovecot's mempool, Postfix's
 * one-owner-per-message rule): many small allocations that all end at the
 * same moment, such as a message's header names and values, are carved out
 * of a few large blocks and released together by one mempool_clear().
 *
 * mempool_create(block_size) makes an empty pool; no block is allocated
 * until the first allocation.  mempool_alloc() returns len bytes aligned
 * for any object; mempool_strdup() / mempool_strndup() / mempool_memdup()
 * copy into the pool (the string forms NUL-terminate; their copies are not
 * aligned).  Nothing is freed one by one: memory from the pool is valid
 * until the next mempool_clear() or mempool_free() and must never be
 * passed to free().
 *
 * mempool_clear() releases every block but the first, which is kept for the
 * next round of allocations: a pool reused per message costs no malloc()
 * for messages that fit in one block, and holds at most block_size bytes
 * between messages.  A request larger than block_size gets a block of its
 * own.  mempool_free() releases everything, the pool included; it accepts
 * NULL.
 *
 * Growth never fails (xalloc.h).  A pool is not thread-safe: one owner.
 */
#ifndef POSTMASK_MEMPOOL_H
#define POSTMASK_MEMPOOL_H

#include <stddef.h>

struct mempool;

struct mempool *mempool_create(size_t block_size);
void mempool_free(struct mempool *pool);
void mempool_clear(struct mempool *pool);
void *mempool_alloc(struct mempool *pool, size_t len);
void *mempool_memdup(struct mempool *pool, const void *data, size_t len);
char *mempool_strndup(struct mempool *pool, const char *s, size_t len);
char *mempool_strdup(struct mempool *pool, const char *s);

/* Bytes held in blocks (used or not), for tests and accounting. */
size_t mempool_size(const struct mempool *pool);

#endif
