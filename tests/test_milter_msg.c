/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_milter_msg - the milter's per-message state (milter/milter_msg.c):
 * headers, internal header names, proxy recipients and the sender are
 * copied into the message's pool and stay intact as their arrays grow;
 * milter_msg_reset() empties the state and leaves the pool holding one
 * block, however large the message was; milter_msg_free() releases it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "milter.h"

/* milter.h declares it; milter_msg.c never reads it. */
struct milter_context *milter_ctx;

#define SID "CH0123456789abcdef0123456789abcdef"

/* Hundreds of headers: every name and value intact after the growth. */
static void test_headers(void **state)
{
    struct milter_msg msg;
    char name[32], value[64];
    size_t i;

    (void) state;
    memset(&msg, 0, sizeof(msg));
    for (i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "X-Header-%zu", i);
        snprintf(value, sizeof(value), " value %zu\r\n\tfolded", i);
        milter_msg_add_header(&msg, name, value);
    }
    assert_int_equal(msg.header_count, 300);
    for (i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "X-Header-%zu", i);
        snprintf(value, sizeof(value), " value %zu\r\n\tfolded", i);
        assert_string_equal(msg.headers[i].name, name);
        assert_string_equal(msg.headers[i].value, value);
    }
    milter_msg_free(&msg);
    assert_null(msg.pool);
}

/* Sender without angle brackets, internal names, proxies. */
static void test_envelope(void **state)
{
    struct milter_msg msg;
    size_t i;

    (void) state;
    memset(&msg, 0, sizeof(msg));
    milter_msg_set_sender(&msg, "<sam@example.org>");
    assert_string_equal(msg.sender, "sam@example.org");
    milter_msg_reset(&msg);
    assert_null(msg.sender);
    milter_msg_set_sender(&msg, "<>");
    assert_string_equal(msg.sender, "");
    milter_msg_set_sender(&msg, "bare@example.org");
    assert_string_equal(msg.sender, "bare@example.org");

    for (i = 0; i < 40; i++)
        milter_msg_add_internal(&msg, i % 2 ? "X-Postmask-A" : "x-postmask-b");
    assert_int_equal(msg.internal_count, 40);
    assert_string_equal(msg.internal_headers[39], "X-Postmask-A");
    assert_string_equal(msg.internal_headers[0], "x-postmask-b");

    for (i = 0; i < 20; i++)
        milter_msg_add_proxy(&msg, "<p@proxy.example>", "p@proxy.example", SID);
    assert_int_equal(msg.proxy_count, 20);
    assert_string_equal(msg.proxies[19].arg, "<p@proxy.example>");
    assert_string_equal(msg.proxies[19].address, "p@proxy.example");
    assert_string_equal(msg.proxies[19].sid, SID);
    assert_int_equal(msg.proxies[19].bounce_tag, 0);
    milter_msg_free(&msg);
}

/* A big message, then a reset: one block is all that stays. */
static void test_reset_bounded(void **state)
{
    struct milter_msg msg;
    struct mempool *pool;
    char *value = malloc(100000);
    size_t i;

    (void) state;
    memset(&msg, 0, sizeof(msg));
    memset(value, 'v', 99999);
    value[99999] = '\0';
    for (i = 0; i < 20; i++)
        milter_msg_add_header(&msg, "Received", value);
    msg.raw = buf_create(16);
    buf_append_str(msg.raw, "raw");
    pool = msg.pool;
    assert_true(mempool_size(pool) > 20 * 100000);
    milter_msg_reset(&msg);
    assert_ptr_equal(msg.pool, pool);
    assert_null(msg.raw);
    assert_int_equal(msg.header_count, 0);
    assert_null(msg.headers);
    assert_true(mempool_size(pool) <= 8192);
    milter_msg_reset(&msg);                 /* twice is harmless */
    milter_msg_add_header(&msg, "Subject", " again");
    assert_string_equal(msg.headers[0].value, " again");
    milter_msg_free(&msg);
    milter_msg_free(&msg);                  /* and so is this */
    free(value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_reset_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
