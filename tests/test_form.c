/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_form - application/x-www-form-urlencoded: parsing (decoding,
 * empty pairs, repeated names, refusals with their reasons, the pair
 * bound), lookups, the encoder (which bytes it escapes, space as %20),
 * the encode-parse round trip, and path segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "form.h"

struct parse_case {
    const char *what;
    const char *in;
    size_t len;                 /* 0: strlen(in) */
    const char *pairs[8][2];    /* expected, {NULL} terminated */
};

static const struct parse_case parse_cases[] = {
    {"empty body", "", 0, {{NULL}}},
    {"one pair", "a=1", 0, {{"a", "1"}, {NULL}}},
    {"order kept", "b=2&a=1&c=3", 0, {{"b", "2"}, {"a", "1"}, {"c", "3"}, {NULL}}},
    {"plus is space", "Body=It%27s+amazing", 0, {{"Body", "It's amazing"}, {NULL}}},
    {"%20 is space", "Body=a%20b", 0, {{"Body", "a b"}, {NULL}}},
    {"escaped plus", "To=%2B14158675309", 0, {{"To", "+14158675309"}, {NULL}}},
    {"lower-case hex", "x=%e2%80%93", 0, {{"x", "\xe2\x80\x93"}, {NULL}}},
    {"upper-case hex", "x=%E2%80%93", 0, {{"x", "\xe2\x80\x93"}, {NULL}}},
    {"encoded name", "MessagingBinding.Address=%2B1&Timers%2EClosed=PT10M", 0,
     {{"MessagingBinding.Address", "+1"}, {"Timers.Closed", "PT10M"}, {NULL}}},
    {"no '=' means empty value", "flag&a=1", 0, {{"flag", ""}, {"a", "1"}, {NULL}}},
    {"empty value", "a=", 0, {{"a", ""}, {NULL}}},
    {"empty name", "=v", 0, {{"", "v"}, {NULL}}},
    {"only the first '=' splits", "a=b=c", 0, {{"a", "b=c"}, {NULL}}},
    {"empty pairs skipped", "&a=1&&b=2&", 0, {{"a", "1"}, {"b", "2"}, {NULL}}},
    {"repeated names", "D=5678&D=1234&D=1234", 0,
     {{"D", "5678"}, {"D", "1234"}, {"D", "1234"}, {NULL}}},
    {"encoded '&' and '='", "a=%26%3D", 0, {{"a", "&="}, {NULL}}},
    {"JSON value", "Attributes=%7B%22k%22%3A1%7D", 0,
     {{"Attributes", "{\"k\":1}"}, {NULL}}},
    {"raw UTF-8 kept", "Body=\xe2\x80\x93", 0, {{"Body", "\xe2\x80\x93"}, {NULL}}},
};

static void test_parse_cases(void **state)
{
    size_t i, j;

    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct buf *why = buf_create(64);
        struct form *f;

        print_message("%s\n", c->what);
        f = form_parse(c->in, c->len ? c->len : strlen(c->in), 100, why);
        assert_non_null(f);
        assert_int_equal(why->len, 0);
        for (j = 0; c->pairs[j][0]; j++) {
            assert_true(j < f->count);
            assert_string_equal(f->pairs[j].name, c->pairs[j][0]);
            assert_string_equal(f->pairs[j].value, c->pairs[j][1]);
        }
        assert_int_equal(f->count, j);
        form_free(f);
        buf_free(why);
    }
}

struct refuse_case {
    const char *in;
    size_t len;
    size_t max_pairs;
    const char *why;
};

static const struct refuse_case refuse_cases[] = {
    {"a=%", 0, 10, "malformed percent-escape at byte 2"},
    {"a=%4", 0, 10, "malformed percent-escape at byte 2"},
    {"a=%zz", 0, 10, "malformed percent-escape at byte 2"},
    {"a=%4g", 0, 10, "malformed percent-escape at byte 2"},
    {"ok=1&b%=1", 0, 10, "malformed percent-escape at byte 6"},
    {"a=%00", 0, 10, "NUL byte (%00) at byte 2"},
    {"a%00=1", 0, 10, "NUL byte (%00) at byte 1"},
    {"a=x\0y", 5, 10, "NUL byte at byte 3"},
    {"a=1&b=2&c=3", 0, 2, "more than 2 parameters"},
    {"a", 0, 0, "more than 0 parameters"},
};

static void test_parse_refusals(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
        const struct refuse_case *c = &refuse_cases[i];
        struct buf *why = buf_create(64);

        print_message("refuse \"%s\"\n", c->in);
        assert_null(form_parse(c->in, c->len ? c->len : strlen(c->in),
                               c->max_pairs, why));
        assert_non_null(strstr(why->data, c->why));
        buf_free(why);
    }
}

static void test_pair_bound_is_inclusive(void **state)
{
    struct buf *why = buf_create(64);
    struct form *f = form_parse("a=1&b=2&&", 9, 2, why);

    assert_non_null(f);
    assert_int_equal(f->count, 2);
    form_free(f);
    buf_free(why);
}

static void test_lookups(void **state)
{
    struct buf *why = buf_create(64);
    struct form *f = form_parse("x=0&D=5678&y=&D=1234&D=1234", 27, 10, why);
    size_t i, n = 0;
    const char *want[] = {"5678", "1234", "1234"};

    assert_non_null(f);
    assert_string_equal(form_get(f, "D"), "5678");
    assert_string_equal(form_get(f, "y"), "");
    assert_null(form_get(f, "d"));
    assert_null(form_get(f, "Z"));
    assert_int_equal(form_count(f, "D"), 3);
    assert_int_equal(form_count(f, "x"), 1);
    assert_int_equal(form_count(f, "nope"), 0);
    for (i = form_next(f, "D", 0); i < f->count; i = form_next(f, "D", i + 1))
        assert_string_equal(f->pairs[i].value, want[n++]);
    assert_int_equal(n, 3);
    assert_int_equal(form_next(f, "nope", 0), f->count);
    form_free(f);
    buf_free(why);
}

static void test_encode(void **state)
{
    struct form *f = form_create();
    struct buf *out = buf_create(16);

    form_add(f, "Body", "It's 5 + 5 = 10 & more ~_.-");
    form_add(f, "MessagingBinding.Address", "+14158675309");
    form_add(f, "Attributes", "{\"a\":[1]}");
    form_add(f, "Dash", "\xe2\x80\x93");
    form_add(f, "Empty", "");
    form_encode(f, out);
    assert_string_equal(out->data,
                        "Body=It%27s%205%20%2B%205%20%3D%2010%20%26%20more%20~_.-"
                        "&MessagingBinding.Address=%2B14158675309"
                        "&Attributes=%7B%22a%22%3A%5B1%5D%7D"
                        "&Dash=%E2%80%93&Empty=");
    form_free(f);
    buf_free(out);
}

static void test_encode_every_byte_round_trips(void **state)
{
    char value[256];
    struct form *f = form_create(), *g;
    struct buf *out = buf_create(16), *why = buf_create(64);
    int c;

    for (c = 1; c < 256; c++)
        value[c - 1] = (char) c;
    value[255] = '\0';
    form_add(f, value, value);
    form_add(f, "", "");
    form_add(f, "a", "b");
    form_add(f, "a", "b");
    form_encode(f, out);
    g = form_parse(out->data, out->len, 10, why);
    assert_non_null(g);
    assert_int_equal(g->count, 4);
    assert_string_equal(g->pairs[0].name, value);
    assert_string_equal(g->pairs[0].value, value);
    assert_string_equal(g->pairs[1].name, "");
    assert_string_equal(g->pairs[3].value, "b");
    form_free(f);
    form_free(g);
    buf_free(out);
    buf_free(why);
}

static void test_empty_form_encodes_to_nothing(void **state)
{
    struct form *f = form_create();
    struct buf *out = buf_create(16);

    form_encode(f, out);
    assert_int_equal(out->len, 0);
    form_free(f);
    buf_free(out);
}

static void test_path_segment(void **state)
{
    static const char *const cases[][2] = {
        {"CH0123456789abcdef0123456789abcdef", "CH0123456789abcdef0123456789abcdef"},
        {"user@example.com", "user%40example.com"},
        {"a/b?c#d", "a%2Fb%3Fc%23d"},
        {"two words", "two%20words"},
        {".", "%2E"},
        {"..", "%2E%2E"},
        {"...", "..."},
        {".x", ".x"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf *out = buf_create(16), *why = buf_create(16);
        char *back;

        form_encode_path_segment(cases[i][0], strlen(cases[i][0]), out);
        assert_string_equal(out->data, cases[i][1]);
        back = form_decode_component(out->data, out->len, 0, why);
        assert_non_null(back);
        assert_string_equal(back, cases[i][0]);
        free(back);
        buf_free(out);
        buf_free(why);
    }
}

static void test_decode_component(void **state)
{
    struct buf *why = buf_create(16);
    char *s;

    s = form_decode_component("a+b%2B", 6, 0, why);
    assert_string_equal(s, "a+b+");
    free(s);
    s = form_decode_component("a+b%2B", 6, 1, why);
    assert_string_equal(s, "a b+");
    free(s);
    assert_null(form_decode_component("a%2", 3, 0, why));
    assert_non_null(strstr(why->data, "malformed percent-escape at byte 1"));
    buf_reset(why);
    assert_null(form_decode_component("%00", 3, 0, why));
    assert_non_null(strstr(why->data, "NUL byte"));
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_pair_bound_is_inclusive),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_encode_every_byte_round_trips),
        cmocka_unit_test(test_empty_form_encodes_to_nothing),
        cmocka_unit_test(test_path_segment),
        cmocka_unit_test(test_decode_component),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
