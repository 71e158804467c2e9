/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_base32 - RFC 4648 base32 (lowercase, unpadded, canonical decoding).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base32.h"

/* RFC 4648 section 10, lowercased and without the '=' padding. */
static const struct {
    const char *plain;
    const char *encoded;
} rfc4648_vectors[] = {
    { "", "" },
    { "f", "my" },
    { "fo", "mzxq" },
    { "foo", "mzxw6" },
    { "foob", "mzxw6yq" },
    { "fooba", "mzxw6ytb" },
    { "foobar", "mzxw6ytboi" },
};

#define NVECTORS (sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]))

static void test_rfc4648_encode(void **state)
{
    size_t i;

    for (i = 0; i < NVECTORS; i++) {
        struct buf *out = buf_create(0);
        size_t len = strlen(rfc4648_vectors[i].plain);

        base32_encode((const unsigned char *) rfc4648_vectors[i].plain, len,
                      out);
        assert_string_equal(out->data, rfc4648_vectors[i].encoded);
        assert_int_equal(out->len, BASE32_ENCODED_LEN(len));
        buf_free(out);
    }
}

static void test_rfc4648_decode(void **state)
{
    unsigned char dst[16];
    size_t i;

    for (i = 0; i < NVECTORS; i++) {
        const char *enc = rfc4648_vectors[i].encoded;
        const char *plain = rfc4648_vectors[i].plain;
        ssize_t n = base32_decode(enc, strlen(enc), dst, sizeof(dst));

        assert_int_equal(n, (ssize_t) strlen(plain));
        assert_memory_equal(dst, plain, strlen(plain));
    }
}

static void test_encode_appends(void **state)
{
    struct buf *out = buf_create(0);

    buf_append_str(out, "k1-");
    base32_encode((const unsigned char *) "foobar", 6, out);
    assert_string_equal(out->data, "k1-mzxw6ytboi");
    buf_free(out);
}

static void test_upper_and_mixed_case(void **state)
{
    unsigned char dst[16];

    assert_int_equal(base32_decode("MZXW6YTBOI", 10, dst, sizeof(dst)), 6);
    assert_memory_equal(dst, "foobar", 6);
    assert_int_equal(base32_decode("MzXw6yTbOi", 10, dst, sizeof(dst)), 6);
    assert_memory_equal(dst, "foobar", 6);
}

/* Decode only the first srclen characters; what follows is not read. */
static void test_decode_exact_length(void **state)
{
    unsigned char dst[16];

    assert_int_equal(base32_decode("mzxw6ytb@x", 8, dst, sizeof(dst)), 5);
    assert_memory_equal(dst, "fooba", 5);
}

/* A small deterministic generator: the test is the same on every run. */
static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void test_roundtrip_random(void **state)
{
    uint32_t seed = 0x9e3779b9;
    unsigned char src[200];
    unsigned char dst[200];
    size_t len;
    size_t i;
    int round;

    for (round = 0; round < 2000; round++) {
        struct buf *out = buf_create(0);

        len = round < 200 ? (size_t) round : xorshift(&seed) % sizeof(src);
        for (i = 0; i < len; i++)
            src[i] = (unsigned char) xorshift(&seed);
        base32_encode(src, len, out);
        assert_int_equal(out->len, BASE32_ENCODED_LEN(len));
        assert_int_equal(strspn(out->data, "abcdefghijklmnopqrstuvwxyz234567"),
                         out->len);
        assert_int_equal(base32_decode(out->data, out->len, dst, sizeof(dst)),
                         (ssize_t) len);
        assert_memory_equal(dst, src, len);
        /* The same text in upper case decodes to the same bytes. */
        for (i = 0; i < out->len; i++)
            if (out->data[i] >= 'a' && out->data[i] <= 'z')
                out->data[i] = (char) (out->data[i] - 'a' + 'A');
        assert_int_equal(base32_decode(out->data, out->len, dst, sizeof(dst)),
                         (ssize_t) len);
        assert_memory_equal(dst, src, len);
        buf_free(out);
    }
}

static void test_refusals(void **state)
{
    static const struct {
        const char *what;
        const char *text;
    } bad[] = {
        { "digit 0", "m0" },
        { "digit 1", "m1" },
        { "digit 8", "m8" },
        { "digit 9", "mzx9" },
        { "padding", "my==" },
        { "padded group", "mzxw6===" },
        { "hyphen", "mzx-" },
        { "space", "mz q" },
        { "non-ASCII", "mz\xc3\xa9" },
        { "impossible length 1", "m" },
        { "impossible length 3", "mzx" },
        { "impossible length 6", "mzxw6y" },
        { "impossible length 9", "mzxw6ytbo" },
        { "impossible length 11", "mzxw6ytboia" },
        { "non-canonical, 2 spare bits", "mz" },
        { "non-canonical, 4 spare bits", "mzxr" },
        { "non-canonical, 1 spare bit", "mzxw7" },
        { "non-canonical, 3 spare bits", "mzxw6yr" },
        { "non-canonical after a group", "mzxw6ytbo7" },
    };
    unsigned char dst[16];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ssize_t n = base32_decode(bad[i].text, strlen(bad[i].text), dst,
                                  sizeof(dst));

        if (n != -1)
            fail_msg("%s: \"%s\" decoded to %zd bytes", bad[i].what,
                     bad[i].text, n);
    }
    /* An embedded NUL is a bad character like any other. */
    assert_int_equal(base32_decode("m\0", 2, dst, sizeof(dst)), -1);
}

static void test_dst_too_small(void **state)
{
    unsigned char dst[8];

    assert_int_equal(base32_decode("mzxw6ytboi", 10, dst, 5), -1);
    assert_int_equal(base32_decode("mzxw6ytboi", 10, dst, 6), 6);
    assert_int_equal(base32_decode("my", 2, dst, 0), -1);
    assert_int_equal(base32_decode("", 0, dst, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_encode),
        cmocka_unit_test(test_rfc4648_decode),
        cmocka_unit_test(test_encode_appends),
        cmocka_unit_test(test_upper_and_mixed_case),
        cmocka_unit_test(test_decode_exact_length),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_dst_too_small),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
