/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_email_batch - which waiting seeker messages go out as one email and
 * when (bridge/email_batch.h): the delay and limit boundaries, batches
 * that another message already follows, the batch size cap, and the rate
 * limit holding messages that then go together.  Times are plain numbers
 * of seconds; T is an arbitrary start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "email_batch.h"
#include "email_rate.h"

#define T       1800000000
#define DELAY   60
#define LIMIT   300

static struct email_batch_plan plan_of(const time_t *pending, size_t n,
                                       const time_t *sent, size_t nsent,
                                       long rate, time_t now)
{
    struct email_batch_plan p;

    email_batch_plan(pending, n, DELAY, LIMIT, sent, nsent, rate, now, &p);
    return p;
}

/* One message waits for the delay, and goes out exactly when it ends. */
static void test_single_message_waits_delay(void **state)
{
    time_t m[] = {T};
    struct email_batch_plan p;

    (void) state;
    p = plan_of(m, 1, NULL, 0, 20, T + 1);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.until, T + DELAY);
    assert_int_equal(p.count, 1);
    p = plan_of(m, 1, NULL, 0, 20, T + DELAY - 1);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    p = plan_of(m, 1, NULL, 0, 20, T + DELAY);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 1);
}

/* A burst: each message within the delay of the one before. */
static void test_burst_is_one_batch(void **state)
{
    time_t m[] = {T, T + 5, T + 20, T + 21};
    struct email_batch_plan p;

    (void) state;
    p = plan_of(m, 4, NULL, 0, 20, T + 30);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.until, T + 21 + DELAY);
    assert_int_equal(p.count, 4);
    p = plan_of(m, 4, NULL, 0, 20, T + 21 + DELAY);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 4);
}

/* A gap of exactly the delay still joins; one second more does not. */
static void test_delay_boundary(void **state)
{
    time_t joined[] = {T, T + DELAY};
    time_t apart[] = {T, T + DELAY + 1};
    struct email_batch_plan p;

    (void) state;
    p = plan_of(joined, 2, NULL, 0, 0, T + DELAY);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.count, 2);
    assert_int_equal(p.until, T + 2 * DELAY);
    /* The second came later than the first's delay: the first's batch
     * is closed and due at once, alone. */
    p = plan_of(apart, 2, NULL, 0, 0, T + DELAY + 1);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 1);
}

/* A seeker who never stops: the first waits at most the limit. */
static void test_limit_caps_the_wait(void **state)
{
    time_t m[12];
    struct email_batch_plan p;
    size_t i;

    (void) state;
    for (i = 0; i < 12; i++)
        m[i] = T + (time_t) i * 30;     /* T .. T+330 */
    /* Up to T+300 all join (each 30 s after the one before). */
    p = plan_of(m, 11, NULL, 0, 0, T + 300);
    assert_int_equal(p.count, 11);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    /* Before the limit, it waits for the limit, not for the last + delay. */
    p = plan_of(m, 10, NULL, 0, 0, T + 280);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.until, T + LIMIT);
    /* The 12th came after the limit: it starts the next batch. */
    p = plan_of(m, 12, NULL, 0, 0, T + 331);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 11);
    p = plan_of(m + 11, 1, NULL, 0, 0, T + 331);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.until, T + 330 + DELAY);
}

/* email_coalesce_delay = 0: each message alone and at once, even two of
 * the same second. */
static void test_delay_zero(void **state)
{
    time_t m[] = {T, T};
    struct email_batch_plan p;

    (void) state;
    email_batch_plan(m, 2, 0, LIMIT, NULL, 0, 0, T + 1, &p);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 1);
    email_batch_plan(m + 1, 1, 0, LIMIT, NULL, 0, 0, T + 1, &p);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 1);
    /* The rate limit still coalesces what it held back. */
    {
        time_t sent[] = {T - 10};

        email_batch_plan(m, 2, 0, LIMIT, sent, 1, 1, T + 1, &p);
        assert_int_equal(p.action, EMAIL_BATCH_RATE_LIMITED);
        email_batch_plan(m, 2, 0, LIMIT, sent, 1, 1, T + 3600, &p);
        assert_int_equal(p.action, EMAIL_BATCH_SEND);
        assert_int_equal(p.count, 2);
    }
}

/* More than EMAIL_BATCH_MAX messages in a burst: full batches at once. */
static void test_batch_size_cap(void **state)
{
    time_t m[EMAIL_BATCH_MAX + 3];
    struct email_batch_plan p;
    size_t i;

    (void) state;
    for (i = 0; i < EMAIL_BATCH_MAX + 3; i++)
        m[i] = T + (time_t) i;
    p = plan_of(m, EMAIL_BATCH_MAX + 3, NULL, 0, 0, T + EMAIL_BATCH_MAX + 3);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, EMAIL_BATCH_MAX);
    p = plan_of(m + EMAIL_BATCH_MAX, 3, NULL, 0, 0, T + EMAIL_BATCH_MAX + 3);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.count, 3);
    /* Exactly full: due at once too, no more can join it. */
    p = plan_of(m, EMAIL_BATCH_MAX, NULL, 0, 0, T + EMAIL_BATCH_MAX);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, EMAIL_BATCH_MAX);
    /* Nothing waiting: nothing to send. */
    p = plan_of(m, 0, NULL, 0, 0, T);
    assert_int_equal(p.action, EMAIL_BATCH_WAIT);
    assert_int_equal(p.count, 0);
}

/* At the limit: the due batch waits until the oldest email of the hour
 * ages out, and what waited meanwhile goes as one email. */
static void test_rate_limit_holds_and_coalesces(void **state)
{
    time_t sent[] = {T - 3000, T - 2000, T - 100};
    time_t m[] = {T, T + 200, T + 400};     /* far apart: three batches */
    struct email_batch_plan p;

    (void) state;
    p = plan_of(m, 1, sent, 3, 3, T + DELAY);
    assert_int_equal(p.action, EMAIL_BATCH_RATE_LIMITED);
    assert_int_equal(p.until, T - 3000 + EMAIL_RATE_WINDOW);
    assert_int_equal(p.count, 1);
    p = plan_of(m, 3, sent, 3, 3, T + 400 + DELAY);
    assert_int_equal(p.action, EMAIL_BATCH_RATE_LIMITED);
    assert_int_equal(p.until, T + 600);     /* T-3000 + 3600 */
    assert_int_equal(p.count, 3);
    /* The limit allows one at T+600: every message that waited goes. */
    p = plan_of(m, 3, sent, 3, 3, T + 599);
    assert_int_equal(p.action, EMAIL_BATCH_RATE_LIMITED);
    p = plan_of(m, 3, sent, 3, 3, T + 600);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 3);
    /* Two slots free: the first batch alone. */
    p = plan_of(m, 3, sent + 1, 2, 4, T + 600);
    assert_int_equal(p.action, EMAIL_BATCH_SEND);
    assert_int_equal(p.count, 1);
}

/* Emails older than an hour do not count; 0 means no limit. */
static void test_rate_window_and_off(void **state)
{
    time_t sent[] = {T - EMAIL_RATE_WINDOW, T - 10};
    time_t m[] = {T};

    (void) state;
    assert_int_equal(email_batch_rate_next(sent, 2, 2, T), T);
    assert_int_equal(email_batch_rate_next(sent, 2, 1, T),
                     T - 10 + EMAIL_RATE_WINDOW);
    assert_int_equal(email_batch_rate_next(sent, 2, 0, T), T);
    /* A time after t is not counted at t. */
    assert_int_equal(email_batch_rate_next(sent, 2, 2, T - 20), T - 20);
    assert_int_equal(email_batch_rate_next(sent, 2, 1, T - 20), T);
    assert_int_equal(plan_of(m, 1, sent, 2, 0, T + DELAY).action,
                     EMAIL_BATCH_SEND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_message_waits_delay),
        cmocka_unit_test(test_burst_is_one_batch),
        cmocka_unit_test(test_delay_boundary),
        cmocka_unit_test(test_limit_caps_the_wait),
        cmocka_unit_test(test_delay_zero),
        cmocka_unit_test(test_batch_size_cap),
        cmocka_unit_test(test_rate_limit_holds_and_coalesces),
        cmocka_unit_test(test_rate_window_and_off),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
