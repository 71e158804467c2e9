/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rate_limit - the fixed-window counters of rate_limit.h: the limit
 * itself, window expiry and restart, limit 0 = off, keys independent of
 * each other, expired keys dropped and the oldest evicted when the table is
 * full, many keys at once, and several threads counting one key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "rate_limit.h"

#define T0 ((time_t) 1700000000)

/* The limit: reached after exactly LIMIT events, not before. */
static void test_limit(void **state)
{
    struct rate_limit *rl = rate_limit_create(3, 60, 100);
    long i;

    assert_int_equal(rate_limit_limit(rl), 3);
    assert_int_equal(rate_limit_window(rl), 60);
    assert_false(rate_limit_reached(rl, "192.0.2.1", T0));
    for (i = 1; i <= 3; i++) {
        assert_false(rate_limit_reached(rl, "192.0.2.1", T0 + i));
        assert_int_equal(rate_limit_add(rl, "192.0.2.1", T0 + i), i);
    }
    assert_true(rate_limit_reached(rl, "192.0.2.1", T0 + 4));
    /* Counting on past the limit is harmless and keeps it reached. */
    assert_int_equal(rate_limit_add(rl, "192.0.2.1", T0 + 5), 4);
    assert_true(rate_limit_reached(rl, "192.0.2.1", T0 + 5));
    /* Another key is not affected. */
    assert_false(rate_limit_reached(rl, "192.0.2.2", T0 + 5));
    assert_int_equal(rate_limit_add(rl, "192.0.2.2", T0 + 5), 1);
    assert_int_equal(rate_limit_keys(rl), 2);
    rate_limit_free(rl);
}

/* The window opens at the first event and closes WINDOW seconds later. */
static void test_window_expiry(void **state)
{
    struct rate_limit *rl = rate_limit_create(2, 60, 100);

    rate_limit_add(rl, "CHa", T0);
    rate_limit_add(rl, "CHa", T0 + 30);
    assert_true(rate_limit_reached(rl, "CHa", T0 + 30));
    assert_true(rate_limit_reached(rl, "CHa", T0 + 59));
    assert_false(rate_limit_reached(rl, "CHa", T0 + 60));
    /* The next event opens a new window at 1. */
    assert_int_equal(rate_limit_add(rl, "CHa", T0 + 61), 1);
    assert_false(rate_limit_reached(rl, "CHa", T0 + 61));
    assert_int_equal(rate_limit_add(rl, "CHa", T0 + 62), 2);
    assert_true(rate_limit_reached(rl, "CHa", T0 + 120));
    assert_false(rate_limit_reached(rl, "CHa", T0 + 121));
    /* A clock that steps back by more than a window restarts it. */
    assert_false(rate_limit_reached(rl, "CHa", T0 - 100));
    rate_limit_free(rl);
}

/* Limit 0: nothing is counted or held, nothing is ever reached. */
static void test_zero_is_off(void **state)
{
    struct rate_limit *rl = rate_limit_create(0, 60, 100);
    int i;

    for (i = 0; i < 1000; i++)
        assert_int_equal(rate_limit_add(rl, "192.0.2.1", T0), 0);
    assert_false(rate_limit_reached(rl, "192.0.2.1", T0));
    assert_int_equal(rate_limit_keys(rl), 0);
    rate_limit_free(rl);
}

/* A full table drops expired keys first, then the oldest window. */
static void test_eviction(void **state)
{
    struct rate_limit *rl = rate_limit_create(1, 60, 3);

    rate_limit_add(rl, "a", T0);
    rate_limit_add(rl, "b", T0 + 10);
    rate_limit_add(rl, "c", T0 + 20);
    assert_int_equal(rate_limit_keys(rl), 3);
    /* Full, nothing expired: "a" (oldest) goes. */
    rate_limit_add(rl, "d", T0 + 30);
    assert_int_equal(rate_limit_keys(rl), 3);
    assert_false(rate_limit_reached(rl, "a", T0 + 30));
    assert_true(rate_limit_reached(rl, "b", T0 + 30));
    assert_true(rate_limit_reached(rl, "c", T0 + 30));
    assert_true(rate_limit_reached(rl, "d", T0 + 30));
    /* A key whose window restarts moves to the back: "b" restarts at
     * T0 + 75 ("c" and "d" are still open), so "c" is the oldest now. */
    assert_int_equal(rate_limit_add(rl, "b", T0 + 75), 1);
    rate_limit_add(rl, "e", T0 + 76);
    assert_false(rate_limit_reached(rl, "c", T0 + 76));
    assert_true(rate_limit_reached(rl, "b", T0 + 76));
    assert_true(rate_limit_reached(rl, "d", T0 + 76));
    assert_true(rate_limit_reached(rl, "e", T0 + 76));
    /* Much later every window has passed: one new key drops them all. */
    rate_limit_add(rl, "f", T0 + 1000);
    assert_int_equal(rate_limit_keys(rl), 1);
    assert_true(rate_limit_reached(rl, "f", T0 + 1000));
    rate_limit_free(rl);
}

/* Many keys, more than the table holds: bounded, and recent keys exact. */
static void test_many_keys(void **state)
{
    struct rate_limit *rl = rate_limit_create(2, 3600, 1000);
    char key[64];
    int i;

    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "CH%032x", i);
        assert_int_equal(rate_limit_add(rl, key, T0 + i / 10), 1);
        assert_int_equal(rate_limit_add(rl, key, T0 + i / 10), 2);
        assert_true(rate_limit_keys(rl) <= 1000);
    }
    assert_int_equal(rate_limit_keys(rl), 1000);
    for (i = 4000; i < 5000; i++) {
        snprintf(key, sizeof(key), "CH%032x", i);
        assert_true(rate_limit_reached(rl, key, T0 + 500));
    }
    for (i = 0; i < 4000; i++) {
        snprintf(key, sizeof(key), "CH%032x", i);
        assert_false(rate_limit_reached(rl, key, T0 + 500));
    }
    rate_limit_free(rl);
    rate_limit_free(NULL);
}

#define THREADS 8
#define PER_THREAD 5000

static void *count_many(void *arg)
{
    struct rate_limit *rl = arg;
    char key[32];
    int i;

    for (i = 0; i < PER_THREAD; i++) {
        rate_limit_add(rl, "shared", T0);
        snprintf(key, sizeof(key), "k%d", i % 300);
        rate_limit_add(rl, key, T0 + i % 7);
        (void) rate_limit_reached(rl, key, T0);
    }
    return NULL;
}

/* Threads counting at once lose no event on a shared key. */
static void test_threads(void **state)
{
    struct rate_limit *rl = rate_limit_create(1000000, 60, 200);
    pthread_t t[THREADS];
    int i;

    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, count_many, rl), 0);
    for (i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    /* "shared" may have been evicted by the 300 others (table of 200): it
     * is counted on from where it stands either way, so count once more
     * and check the table stayed within its bound. */
    assert_true(rate_limit_add(rl, "shared", T0) >= 1);
    assert_true(rate_limit_keys(rl) <= 200);
    rate_limit_free(rl);

    rl = rate_limit_create(1000000, 60, 1000);
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, count_many, rl), 0);
    for (i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(rate_limit_add(rl, "shared", T0),
                     THREADS * PER_THREAD + 1);
    rate_limit_free(rl);
}

/* A reload's new limit applies to the counts already held; 0 is off. */
static void test_set_limit(void **state)
{
    struct rate_limit *rl = rate_limit_create(5, 60, 100);
    long i;

    (void) state;
    for (i = 1; i <= 3; i++)
        rate_limit_add(rl, "CH00000000000000000000000000000001", T0 + i);
    assert_false(rate_limit_reached(rl, "CH00000000000000000000000000000001",
                                    T0 + 4));
    rate_limit_set_limit(rl, 3);
    assert_int_equal(rate_limit_limit(rl), 3);
    assert_true(rate_limit_reached(rl, "CH00000000000000000000000000000001",
                                   T0 + 4));
    rate_limit_set_limit(rl, 0);
    assert_false(rate_limit_reached(rl, "CH00000000000000000000000000000001",
                                    T0 + 4));
    rate_limit_set_limit(rl, -7);
    assert_int_equal(rate_limit_limit(rl), 0);
    rate_limit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_window_expiry),
        cmocka_unit_test(test_zero_is_off),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_set_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
