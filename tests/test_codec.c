/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codec - base64 (RFC 4648 test vectors, refusals) and UTF-8
 * validation and repair (well-formed, overlong, surrogates, truncated
 * sequences, NUL bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base64.h"
#include "buf.h"
#include "hex.h"
#include "utf8.h"

static const char *const b64_vectors[][2] = {
    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

static void test_base64_vectors(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
        struct buf *out = buf_create(16);
        unsigned char *data;
        size_t len;

        base64_encode(b64_vectors[i][0], strlen(b64_vectors[i][0]), out);
        assert_string_equal(out->data, b64_vectors[i][1]);
        assert_int_equal(base64_decode(out->data, out->len, &data, &len), 0);
        assert_int_equal(len, strlen(b64_vectors[i][0]));
        assert_memory_equal(data, b64_vectors[i][0], len);
        free(data);
        buf_free(out);
    }
}

static void test_base64_large_binary(void **state)
{
    size_t n = 3 * 4096 * 2 + 7, i, len;
    unsigned char *in = malloc(n), *data;
    struct buf *out = buf_create(16);

    for (i = 0; i < n; i++)
        in[i] = (unsigned char) (i * 131 + 7);
    base64_encode(in, n, out);
    assert_int_equal(out->len, (n + 2) / 3 * 4);
    assert_null(memchr(out->data, '\n', out->len));
    assert_int_equal(base64_decode(out->data, out->len, &data, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(data, in, n);
    free(data);
    free(in);
    buf_free(out);
}

static void test_base64_refusals(void **state)
{
    static const char *const bad[] = {
        "Zg=", "Zg", "Z===", "Zm9v!", "Zm9v\n", "=Zm9", "Zg==Zg==", "Z=g=",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *data = NULL;
        size_t len;

        print_message("refuse \"%s\"\n", bad[i]);
        assert_int_equal(base64_decode(bad[i], strlen(bad[i]), &data, &len),
                         -1);
        assert_null(data);
    }
}

struct utf8_case {
    const char *in;
    size_t len;
    int valid;
    const char *repaired;
};

static const struct utf8_case utf8_cases[] = {
    {"plain", 5, 1, "plain"},
    {"caf\xc3\xa9", 5, 1, "caf\xc3\xa9"},
    {"\xe2\x82\xac \xf0\x9f\x98\x80", 8, 1, "\xe2\x82\xac \xf0\x9f\x98\x80"},
    {"Latin-1 caf\xe9!", 13, 0, "Latin-1 caf\xef\xbf\xbd!"},
    {"\xc0\xaf", 2, 0, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong */
    {"\xe0\x80\xaf", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong */
    {"\xed\xa0\x80", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
    {"\xf4\x90\x80\x80", 4, 0,
     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},           /* > U+10FFFF */
    {"end \xe2\x82", 6, 0, "end \xef\xbf\xbd\xef\xbf\xbd"},          /* truncated */
    {"a\0b", 3, 1, "ab"},                                            /* NUL dropped */
    {"\0ab\xff" "cd\0", 7, 0, "ab\xef\xbf\xbd" "cd"},      /* runs around both */
};

static void test_utf8(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        const struct utf8_case *c = &utf8_cases[i];
        struct buf *out = buf_create(16);

        print_message("utf8 case %zu\n", i);
        assert_int_equal(utf8_valid(c->in, c->len), c->valid);
        utf8_sanitize_append(c->in, c->len, out);
        assert_string_equal(out->data, c->repaired);
        assert_true(utf8_valid(out->data, out->len));
        buf_free(out);
    }
}

/* The spaces mail clients write: each counted whole, nothing else. */
static void test_utf8_space_at(void **state)
{
    (void) state;
    assert_int_equal(utf8_space_at(" x", 2), 1);
    assert_int_equal(utf8_space_at("\tx", 2), 1);
    assert_int_equal(utf8_space_at("\xc2\xa0x", 3), 2);          /* NBSP */
    assert_int_equal(utf8_space_at("\xe2\x80\xaf", 3), 3);        /* narrow */
    assert_int_equal(utf8_space_at("\xe2\x80\x8b", 3), 3);        /* ZWSP */
    assert_int_equal(utf8_space_at("\xef\xbb\xbf", 3), 3);        /* BOM */
    /* Cut short, or something else: none. */
    assert_int_equal(utf8_space_at("\xc2\xa0", 1), 0);
    assert_int_equal(utf8_space_at("\xe2\x80\xaf", 2), 0);
    assert_int_equal(utf8_space_at("\xe2\x80\x8c", 3), 0);        /* ZWNJ */
    assert_int_equal(utf8_space_at("\r", 1), 0);
    assert_int_equal(utf8_space_at("x", 1), 0);
    assert_int_equal(utf8_space_at("", 0), 0);
}

static void test_hex_digit_value(void **state)
{
    static const char digits[] = "0123456789abcdef";
    int i;

    (void) state;
    for (i = 0; i < 16; i++) {
        assert_int_equal(hex_digit_value(digits[i]), i);
        if (i >= 10)
            assert_int_equal(hex_digit_value(digits[i] - 'a' + 'A'), i);
    }
    assert_int_equal(hex_digit_value('g'), -1);
    assert_int_equal(hex_digit_value('G'), -1);
    assert_int_equal(hex_digit_value('/'), -1);
    assert_int_equal(hex_digit_value(':'), -1);
    assert_int_equal(hex_digit_value('@'), -1);
    assert_int_equal(hex_digit_value(0xe0), -1);
    assert_int_equal(hex_digit_value(-1), -1);
}

static void test_hex_append(void **state)
{
    static const unsigned char bytes[] = {0x00, 0x0f, 0x10, 0xa5, 0xff};
    struct buf *out = buf_create(4);
    size_t i;

    (void) state;
    buf_append(out, "x:", 2);
    hex_append(out, bytes, sizeof(bytes));
    assert_string_equal(out->data, "x:000f10a5ff");
    hex_append(out, bytes, 0);
    assert_int_equal(out->len, 12);
    /* Every byte, and back. */
    buf_reset(out);
    for (i = 0; i < 256; i++) {
        unsigned char b = (unsigned char) i;

        hex_append(out, &b, 1);
        assert_int_equal(hex_digit_value(out->data[2 * i]) * 16
                         + hex_digit_value(out->data[2 * i + 1]), (int) i);
    }
    buf_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_vectors),
        cmocka_unit_test(test_base64_large_binary),
        cmocka_unit_test(test_base64_refusals),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_utf8_space_at),
        cmocka_unit_test(test_hex_digit_value),
        cmocka_unit_test(test_hex_append),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
