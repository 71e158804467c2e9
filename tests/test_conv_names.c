/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conv_names - the names, identities and attributes of new Twilio
 * resources, and the order of a person's proxy numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conv_names.h"
#include "number_pool.h"

static struct conv_request sample(void)
{
    struct conv_request req;

    memset(&req, 0, sizeof(req));
    req.seeker.id = "s-1001";
    req.seeker.name = "Ann Example";
    req.seeker.email = "ann@example.org";
    req.contact.id = "bc.77";
    req.contact.name = "Bob Builder";
    req.contact.email = "bob@example.net";
    req.listing_id = "L_5";
    req.listing_title = "Unit 4B";
    return req;
}

static void test_unique_name(void **state)
{
    struct conv_request req = sample();
    char *name;

    name = conv_unique_name(&req, 1);
    assert_string_equal(name, "postmask:s-1001:bc.77:L_5");
    free(name);
    name = conv_unique_name(&req, 3);
    assert_string_equal(name, "postmask:s-1001:bc.77:L_5:3");
    free(name);
    req.listing_id = NULL;
    name = conv_unique_name(&req, 1);
    assert_string_equal(name, "postmask:s-1001:bc.77:");
    free(name);
}

static void test_identity_has_no_email(void **state)
{
    char *id;

    id = conv_identity(CONV_ROLE_SEEKER, "s-1001");
    assert_string_equal(id, "seeker_s-1001");
    free(id);
    id = conv_identity(CONV_ROLE_CONTACT, "bc.77");
    assert_string_equal(id, "bc_bc.77");
    assert_null(strchr(id, '@'));
    free(id);
}

static void test_friendly_name(void **state)
{
    struct conv_request req = sample();
    char long_title[CONV_NAME_MAX * 2 + 1];
    char *name;
    size_t i;

    name = conv_friendly_name(&req);
    assert_string_equal(name, "Ann Example and Bob Builder: Unit 4B");
    free(name);

    /* 2-byte characters: the cut must not split one. */
    for (i = 0; i < CONV_NAME_MAX; i++)
        memcpy(long_title + 2 * i, "\xc3\xa9", 2);
    long_title[2 * CONV_NAME_MAX] = '\0';
    req.listing_title = long_title;
    name = conv_friendly_name(&req);
    assert_true(strlen(name) <= CONV_FRIENDLY_MAX);
    assert_true(strlen(name) >= CONV_FRIENDLY_MAX - 1);
    assert_int_not_equal((unsigned char) name[strlen(name) - 1], 0xc3);
    free(name);
}

static void test_attributes(void **state)
{
    struct conv_request req = sample();
    json_t *attrs;
    char *text;

    attrs = conv_attributes(&req);
    text = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"building_contact_id\":\"bc.77\","
                        "\"listing_id\":\"L_5\",\"listing_title\":\"Unit 4B\","
                        "\"postmask\":1,\"seeker_id\":\"s-1001\"}");
    free(text);
    json_decref(attrs);

    attrs = conv_participant_attributes(CONV_ROLE_CONTACT, &req.contact,
                                        "email");
    text = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"channel\":\"email\",\"email\":"
                        "\"bob@example.net\",\"id\":\"bc.77\",\"name\":"
                        "\"Bob Builder\",\"role\":\"building_contact\"}");
    free(text);
    json_decref(attrs);

    req.seeker.email = NULL;
    attrs = conv_participant_attributes(CONV_ROLE_SEEKER, &req.seeker, "sms");
    assert_null(json_object_get(attrs, "email"));
    assert_string_equal(json_string_value(json_object_get(attrs, "role")),
                        "seeker");
    json_decref(attrs);
}

static void test_pool_order(void **state)
{
    size_t a[5], b[5], c[5], i, seen;

    number_pool_order(5, "s-1001", a);
    number_pool_order(5, "s-1001", b);
    assert_memory_equal(a, b, sizeof(a));
    /* A rotation: every number exactly once, consecutive. */
    for (i = 0, seen = 0; i < 5; i++) {
        seen |= 1u << a[i];
        assert_int_equal(a[(i + 1) % 5], (a[i] + 1) % 5);
    }
    assert_int_equal(seen, 0x1f);
    /* Different people do not all start on the same number. */
    for (i = 0, seen = 0; i < 20; i++) {
        char id[16];

        snprintf(id, sizeof(id), "s-%zu", i);
        number_pool_order(5, id, c);
        seen |= 1u << c[0];
    }
    assert_true(__builtin_popcount((unsigned) seen) >= 3);
    number_pool_order(1, "x", c);
    assert_int_equal(c[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_name),
        cmocka_unit_test(test_identity_has_no_email),
        cmocka_unit_test(test_friendly_name),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_pool_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
