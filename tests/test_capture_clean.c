/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_clean - the cleaning every captured text goes through
 * (capture_clean_text(), capture_decode_text()): valid UTF-8 out whatever
 * comes in, line ends made LF, controls gone but TAB and LF.  The cleaner
 * scans eight bytes at a time and appends runs whole, so besides the
 * cases by name it is checked against a byte-at-a-time reading of the
 * same rules over many random inputs, with the interesting bytes at
 * every offset within a word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "capture_int.h"
#include "utf8.h"

/* The rules, one byte at a time. */
static void reference(const unsigned char *s, size_t len, struct buf *out)
{
    size_t i = 0, n;

    while (i < len) {
        unsigned char c = s[i];

        if (c == '\r') {
            buf_append_char(out, '\n');
            i += i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
        } else if (c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7f)) {
            buf_append_char(out, c);
            i++;
        } else if (c < 0x80) {
            i++;                                /* NUL, C0, DEL */
        } else if ((n = utf8_seq(s + i, len - i)) == 0) {
            buf_append(out, "\xef\xbf\xbd", 3);
            i++;
        } else {
            if (!(n == 2 && c == 0xc2 && s[i + 1] < 0xa0))
                buf_append(out, s + i, n);      /* not a C1 control */
            i += n;
        }
    }
}

static void assert_clean(const char *in, size_t len, const char *want)
{
    struct buf *out = buf_create(4);

    buf_append_str(out, "<");                   /* it appends */
    capture_clean_text(in, len, out);
    if (strcmp(out->data + 1, want) != 0)
        fail_msg("clean gave \"%s\", want \"%s\"", out->data + 1, want);
    assert_true(utf8_valid(out->data, out->len));
    buf_free(out);
}

/* A string literal, its length counted by the compiler. */
#define CLEAN(in, want)  assert_clean(in, sizeof(in) - 1, want)

static void test_cases(void **state)
{
    (void) state;
    CLEAN("", "");
    CLEAN("plain text, longer than a word",
                 "plain text, longer than a word");
    CLEAN("a\r\nb\rc\nd", "a\nb\nc\nd");
    CLEAN("tab\tkept\x01\x1f\x7f gone", "tab\tkept gone");
    CLEAN("nul\0dropped", "nuldropped");
    CLEAN("C1 \xc2\x85\xc2\x9f gone, NBSP\xc2\xa0kept",
                 "C1  gone, NBSP\xc2\xa0kept");
    CLEAN("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    CLEAN("bad \xff\xfe, cut \xe2\x82",
                 "bad \xef\xbf\xbd\xef\xbf\xbd, cut \xef\xbf\xbd\xef\xbf\xbd");
    CLEAN("overlong \xc0\xaf, surrogate \xed\xa0\x80",
                 "overlong \xef\xbf\xbd\xef\xbf\xbd, surrogate "
                 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CLEAN("ends in CR\r", "ends in CR\n");
}

/* A control at each offset of a run of printable bytes. */
static void test_every_offset(void **state)
{
    static const unsigned char odd[] = {
        0x00, 0x01, '\t', '\n', '\r', 0x1f, 0x7f, 0x80, 0xc2, 0xe2, 0xff,
    };
    unsigned char in[40];
    struct buf *got = buf_create(64), *want = buf_create(64);
    size_t pos, k;

    (void) state;
    for (k = 0; k < sizeof(odd); k++)
        for (pos = 0; pos < sizeof(in); pos++) {
            memset(in, 'x', sizeof(in));
            in[pos] = odd[k];
            buf_reset(got);
            buf_reset(want);
            capture_clean_text((const char *) in, sizeof(in), got);
            reference(in, sizeof(in), want);
            if (got->len != want->len
                || memcmp(got->data, want->data, got->len) != 0)
                fail_msg("byte 0x%02x at %zu: cleaned differently", odd[k],
                         pos);
        }
    buf_free(got);
    buf_free(want);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned) (rng >> 32);
}

/* Random texts from bytes that matter: the same as the rules, always. */
static void test_random(void **state)
{
    static const unsigned char pick[] = {
        0x00, 0x09, 0x0a, 0x0d, 0x1b, 0x20, 'a', 'Z', '~', 0x7f, 0x80, 0x85,
        0x9f, 0xa0, 0xa9, 0xbf, 0xc0, 0xc2, 0xc3, 0xe2, 0xed, 0xef, 0xf0,
        0xf4, 0xf5, 0xff,
    };
    unsigned char in[64];
    struct buf *got = buf_create(256), *want = buf_create(256);
    size_t len, i;
    int round;

    (void) state;
    for (round = 0; round < 20000; round++) {
        len = next() % sizeof(in);
        for (i = 0; i < len; i++)
            in[i] = next() % 3 == 0 ? pick[next() % sizeof(pick)]
                : (unsigned char) ('a' + next() % 26);
        buf_reset(got);
        buf_reset(want);
        capture_clean_text((const char *) in, len, got);
        reference(in, len, want);
        if (got->len != want->len
            || memcmp(got->data, want->data, got->len) != 0)
            fail_msg("round %d: cleaned differently", round);
        assert_true(utf8_valid(got->data, got->len));
    }
    buf_free(got);
    buf_free(want);
}

/* Declared UTF-8, or undeclared and valid: the same cleaning, uncopied;
 * undeclared and not UTF-8: read as Windows-1252. */
static void test_decode(void **state)
{
    struct buf *out = buf_create(16);

    (void) state;
    assert_int_equal(capture_decode_text("UTF-8", "a\r\nb\xc3\xa9", 6, out), 0);
    assert_string_equal(out->data, "a\nb\xc3\xa9");
    buf_reset(out);
    assert_int_equal(capture_decode_text(NULL, "caf\xc3\xa9", 5, out), 0);
    assert_string_equal(out->data, "caf\xc3\xa9");
    buf_reset(out);
    assert_int_equal(capture_decode_text("us-ascii", "caf\xe9\x93", 5, out),
                     0);
    assert_string_equal(out->data, "caf\xc3\xa9\xe2\x80\x9c");
    buf_reset(out);
    assert_int_equal(capture_decode_text("x-no-such-charset", "caf\xe9", 4,
                                         out), -1);
    assert_string_equal(out->data, "caf\xc3\xa9");
    buf_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_every_offset),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_decode),
    };

    capture_init();                     /* GMime's charset names */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
