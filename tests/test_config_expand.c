/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config_expand - $name expansion as `postconf -x` does it.  Each case
 * expands one text against a fixed set of parameters and expects a result
 * or an error.  Expected results were checked against postconf -x on Debian
 * 12's Postfix 3.7 (tests/postconf_equivalence.sh keeps checking them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "config_expand.h"

static const char *const params[][2] = {
    {"foo", "a b"},
    {"empty", ""},
    {"blank_ref", "$empty"},
    {"nested", "<$foo>"},
    {"loop1", "$loop2"},
    {"loop2", "$loop1"},
    {"self", "x $self"},
    {"bad", "$"},
    {"x2", "$x1$x1$x1$x1$x1$x1$x1$x1"},
    {"x1", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
    {"x3", "$x2$x2$x2$x2$x2$x2$x2$x2"},
    {"x4", "$x3$x3$x3$x3$x3$x3$x3$x3"},
    {"x5", "$x4$x4$x4$x4$x4$x4$x4$x4"},
    {"x6", "${x5?}${x5?}"},
};

static const char *lookup(const char *name, void *context)
{
    size_t i;

    (void) context;
    for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
        if (strcmp(params[i][0], name) == 0)
            return params[i][1];
    return NULL;
}

struct expand_case {
    const char *text;
    const char *result;         /* NULL: must fail */
    const char *error;
};

static const struct expand_case cases[] = {
    {"plain", "plain", NULL},
    {"$foo", "a b", NULL},
    {"x$foo.${foo}y $(foo)", "xa b.a by a b", NULL},
    {"$$", "$", NULL},
    {"price $$5", "price $5", NULL},
    {"$nested", "<a b>", NULL},
    {"${empty?yes}", "", NULL},
    {"${empty:no}", "no", NULL},
    {"${foo?set}", "set", NULL},
    {"${foo:unset}", "", NULL},
    {"${unknown?x}", "", NULL},
    {"${unknown:dflt}", "dflt", NULL},
    {"${blank_ref:dflt}", "dflt", NULL},
    {"${foo?$foo!}", "a b!", NULL},
    {"${foo?{then}:{else}}", "then", NULL},
    {"${empty?{then}:{else}}", "else", NULL},
    {"${foo?{t{x}t}}", "t{x}t", NULL},
    {"a $empty b", "a b", NULL},
    {"$empty x", "x", NULL},
    {"$unknown", NULL, "undefined parameter $unknown"},
    {"${unknown}", NULL, "undefined parameter $unknown"},
    {"$loop1", NULL, "nested deeper than"},
    {"$self", NULL, "nested deeper than"},
    {"${foo", NULL, "missing '}'"},
    {"$(foo", NULL, "missing ')'"},
    {"$bad", NULL, "'$' at the end of a value"},
    {"x $", NULL, "'$' at the end of a value"},
    {"$-", NULL, "bad parameter name after '$'"},
    {"${}", NULL, "bad parameter name"},
    {"${foo==x}", NULL, "unsupported expression"},
    {"${foo?{a}:b}", NULL, "bad syntax"},
    {"${foo?{a}", NULL, "missing '}'"},
    {"$x5", NULL, NULL},        /* 256 KiB: the limit; see the length check */
    {"$x5$x1", NULL, "value expands to more than"},
    {"$x6", NULL, "value expands to more than"},  /* by testing alone */
};

static void test_cases(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct expand_case *c = &cases[i];
        struct buf *out = buf_create(16), *why = buf_create(16);
        int ret = config_expand(c->text, lookup, NULL, out, why);

        print_message("case: %s\n", c->text);
        if (c->result == NULL && c->error == NULL) {
            assert_int_equal(ret, 0);
            assert_int_equal(out->len, 8 * 8 * 8 * 8 * 64);
        } else if (c->result) {
            if (ret != 0)
                fail_msg("\"%s\": unexpected error: %s", c->text, why->data);
            assert_string_equal(out->data, c->result);
        } else {
            assert_int_equal(ret, -1);
            if (strstr(why->data, c->error) == NULL)
                fail_msg("\"%s\": error \"%s\" lacks \"%s\"", c->text,
                         why->data, c->error);
        }
        buf_free(out);
        buf_free(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
