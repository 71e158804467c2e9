/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mempool - the alloc-only pool of mempool.h: allocations are aligned
 * and keep their bytes until the pool is cleared, a request larger than a
 * block gets a block of its own without wasting the current one, and
 * mempool_clear() keeps only the first block (what a pool reused per
 * message holds between messages).
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mempool.h"

#define BLOCK 1024

/* Many strings across several blocks, all intact; aligned allocations. */
static void test_alloc_and_keep(void **state)
{
    struct mempool *pool = mempool_create(BLOCK);
    char *strings[500];
    char want[32];
    int i;

    (void) state;
    assert_int_equal(mempool_size(pool), 0);        /* lazy first block */
    for (i = 0; i < 500; i++) {
        void *p = mempool_alloc(pool, 3);

        assert_int_equal((uintptr_t) p % alignof(max_align_t), 0);
        snprintf(want, sizeof(want), "header-%d", i);
        strings[i] = mempool_strdup(pool, want);
    }
    for (i = 0; i < 500; i++) {
        snprintf(want, sizeof(want), "header-%d", i);
        assert_string_equal(strings[i], want);
    }
    assert_true(mempool_size(pool) > BLOCK);
    assert_string_equal(mempool_strndup(pool, "abcdef", 3), "abc");
    assert_memory_equal(mempool_memdup(pool, "a\0b", 3), "a\0b", 3);
    mempool_free(pool);
    mempool_free(NULL);
}

/* A big request gets its own block; the current block stays in use. */
static void test_big_request(void **state)
{
    struct mempool *pool = mempool_create(BLOCK);
    char *small1, *big, *small2;

    (void) state;
    small1 = mempool_strdup(pool, "x");
    big = mempool_alloc(pool, 10 * BLOCK);
    memset(big, 'b', 10 * BLOCK);
    small2 = mempool_strdup(pool, "y");
    assert_int_equal(mempool_size(pool), BLOCK + 10 * BLOCK);
    /* small2 came from the first block, right after small1. */
    assert_ptr_equal(small2, small1 + 2);
    assert_string_equal(small1, "x");
    mempool_free(pool);

    /* Big requests first, then a small one: nothing is lost. */
    pool = mempool_create(BLOCK);
    big = mempool_alloc(pool, 2 * BLOCK);
    (void) mempool_alloc(pool, 3 * BLOCK);
    small1 = mempool_strdup(pool, "z");
    assert_int_equal(mempool_size(pool), 6 * BLOCK);
    mempool_clear(pool);
    assert_int_equal(mempool_size(pool), BLOCK);
    mempool_free(pool);
}

/* Clearing keeps the first block only, and reuses it. */
static void test_clear_bounded(void **state)
{
    struct mempool *pool = mempool_create(BLOCK);
    char *first;
    int round, i;

    (void) state;
    for (round = 0; round < 3; round++) {
        first = mempool_strdup(pool, "first");
        for (i = 0; i < 100; i++)
            (void) mempool_alloc(pool, 100);
        assert_true(mempool_size(pool) >= 100 * 100);
        mempool_clear(pool);
        assert_int_equal(mempool_size(pool), BLOCK);
        /* The next allocation starts the kept block again. */
        assert_ptr_equal(mempool_strdup(pool, "again"), first);
        mempool_clear(pool);
    }
    /* A pool whose only block is a big one keeps nothing. */
    mempool_free(pool);
    pool = mempool_create(BLOCK);
    (void) mempool_alloc(pool, 4 * BLOCK);
    mempool_clear(pool);
    assert_int_equal(mempool_size(pool), 0);
    mempool_clear(pool);
    mempool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_and_keep),
        cmocka_unit_test(test_big_request),
        cmocka_unit_test(test_clear_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
