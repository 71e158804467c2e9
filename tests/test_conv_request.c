/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conv_request - every rule of POST /v1/conversations' body, one case
 * per rule: a body, and either success or the error code, the dotted field
 * and the exact message the application gets back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "conv_request.h"

/* The parts of a body; a case replaces one, "-" leaves it out. */
#define SEEKER  "{\"id\":\"s-1001\",\"name\":\"Ann Example\"," \
                "\"email\":\"ann@example.org\",\"sms\":\"+14155550123\"," \
                "\"whatsapp\":\"+14155550124\",\"chat\":true}"
#define CONTACT "{\"id\":\"bc-77\",\"name\":\"Bob Builder\"," \
                "\"email\":\"bob@example.net\",\"sms\":\"+14155550125\"," \
                "\"whatsapp\":\"+14155550126\"}"
#define LISTING "{\"id\":\"L-5\",\"title\":\"Unit 4B\"}"

#define S(x)    "{\"id\":\"s-1\",\"name\":\"Ann\",\"chat\":true," x "}"
#define C(x)    "{\"id\":\"bc-1\",\"name\":\"Bob\"," x "}"
#define C_EMAIL "\"email\":\"bob@example.net\""

struct rule_case {
    const char *what;
    const char *raw;            /* the whole body, or NULL: built below */
    const char *seeker;         /* NULL: SEEKER; "-": absent */
    const char *contact;
    const char *listing;
    const char *code;           /* NULL: accepted */
    const char *field;
    const char *message;        /* exact, or a prefix when it ends in "*" */
};

#define ID64    "0123456789012345678901234567890123456789012345678901234567890123"
#define X50     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define E50     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" \
                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define L63     "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc"

#define E164_MSG " must be a number in E.164 form: '+' and 2 to 15 digits, " \
                 "the first not 0"
#define EMAIL_MSG " is not an email address of the form local@domain.example"

static const struct rule_case cases[] = {
    /* The whole body. */
    {"full body", NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"empty body", "", 0, 0, 0, "invalid_json", "",
     "invalid JSON at line 1, column 0: *"},
    {"truncated", "{\"seeker\":", 0, 0, 0, "invalid_json", "",
     "invalid JSON at line 1*"},
    {"trailing bytes", "{} x", 0, 0, 0, "invalid_json", "", "invalid JSON*"},
    {"two documents", "{}{}", 0, 0, 0, "invalid_json", "", "invalid JSON*"},
    {"an array", "[1]", 0, 0, 0, "invalid_json", "",
     "the body must be a JSON object, not an array"},
    {"duplicate member", "{\"seeker\":{},\"seeker\":{}}", 0, 0, 0,
     "invalid_json", "", "invalid JSON at line 1, column 21: duplicate object key*"},
    {"invalid UTF-8", "{\"seeker\":\"\xff\"}", 0, 0, 0, "invalid_json", "",
     "invalid JSON*"},
    {"NUL escape", "{\"x\":\"a\\u0000b\"}", 0, 0, 0, "invalid_json", "",
     "invalid JSON*"},
    {"empty object", "{}", 0, 0, 0, "missing_field", "seeker",
     "seeker is required"},
    {"unknown top-level field", NULL, NULL, NULL, NULL, "unknown_field",
     "priority", "priority is not a known field"},
    {"empty member name", "{\"\":1}", 0, 0, 0, "unknown_field", "\"\"",
     "\"\" is not a known field"},
    {"empty member name in seeker", NULL, S("\"\":1"), NULL, NULL,
     "unknown_field", "seeker.\"\"", "seeker.\"\" is not a known field"},
    {"seeker not an object", NULL, "[]", NULL, NULL, "invalid_field",
     "seeker", "seeker must be an object, not an array"},
    {"seeker null", NULL, "null", NULL, NULL, "invalid_field", "seeker",
     "seeker must be an object, not null"},

    /* seeker.id */
    {"no seeker.id", NULL, "{\"name\":\"A\",\"chat\":true}", NULL, NULL,
     "missing_field", "seeker.id", "seeker.id is required"},
    {"empty seeker.id", NULL, "{\"id\":\"\",\"name\":\"A\",\"chat\":true}",
     NULL, NULL, "invalid_field", "seeker.id", "seeker.id must not be empty"},
    {"seeker.id with a space", NULL,
     "{\"id\":\"s 1\",\"name\":\"A\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.id",
     "seeker.id must be 1 to 64 letters, digits, '.', '_' or '-'"},
    {"seeker.id with a slash", NULL,
     "{\"id\":\"../x\",\"name\":\"A\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.id",
     "seeker.id must be 1 to 64 letters, digits, '.', '_' or '-'"},
    {"seeker.id of 64", NULL,
     "{\"id\":\"" ID64 "\",\"name\":\"A\",\"chat\":true}", NULL, NULL,
     NULL, NULL, NULL},
    {"seeker.id of 65", NULL,
     "{\"id\":\"" ID64 "x\",\"name\":\"A\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.id",
     "seeker.id must be 1 to 64 letters, digits, '.', '_' or '-'"},
    {"seeker.id a number", NULL, "{\"id\":5,\"name\":\"A\",\"chat\":true}",
     NULL, NULL, "invalid_field", "seeker.id",
     "seeker.id must be a string, not a number"},

    /* seeker.name */
    {"no seeker.name", NULL, "{\"id\":\"s\",\"chat\":true}", NULL, NULL,
     "missing_field", "seeker.name", "seeker.name is required"},
    {"seeker.name with a newline", NULL,
     "{\"id\":\"s\",\"name\":\"A\\nB\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.name",
     "seeker.name must not contain control characters"},
    {"seeker.name with DEL", NULL,
     "{\"id\":\"s\",\"name\":\"A\\u007f\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.name",
     "seeker.name must not contain control characters"},
    {"seeker.name with a C1 control", NULL,
     "{\"id\":\"s\",\"name\":\"A\\u0085\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.name",
     "seeker.name must not contain control characters"},
    {"seeker.name with a line separator", NULL,
     "{\"id\":\"s\",\"name\":\"A\\u2028\",\"chat\":true}", NULL, NULL,
     "invalid_field", "seeker.name",
     "seeker.name must not contain control characters"},
    {"seeker.name of 200 characters (400 bytes)", NULL,
     "{\"id\":\"s\",\"name\":\"" E50 E50 E50 E50 "\",\"chat\":true}", NULL,
     NULL, NULL, NULL, NULL},
    {"seeker.name of 201 characters", NULL,
     "{\"id\":\"s\",\"name\":\"" X50 X50 X50 X50 "x\",\"chat\":true}", NULL,
     NULL, "invalid_field", "seeker.name",
     "seeker.name is longer than 200 characters"},
    {"seeker.name empty", NULL, "{\"id\":\"s\",\"name\":\"\",\"chat\":true}",
     NULL, NULL, "invalid_field", "seeker.name",
     "seeker.name must not be empty"},

    /* seeker.email (optional) */
    {"no seeker.email", NULL, S("\"sms\":\"+14155550123\""), NULL, NULL,
     NULL, NULL, NULL},
    {"seeker.email null", NULL, S("\"email\":null"), NULL, NULL,
     "invalid_field", "seeker.email",
     "seeker.email must be a string, not null"},
    {"seeker.email without @", NULL, S("\"email\":\"ann\""), NULL, NULL,
     "invalid_field", "seeker.email",
     "seeker.email is not an email address of the form local@domain.example"},
    {"seeker.email single-label domain", NULL,
     S("\"email\":\"ann@localhost\""), NULL, NULL, "invalid_field",
     "seeker.email",
     "seeker.email is not an email address of the form local@domain.example"},
    {"seeker.email double dot", NULL, S("\"email\":\"a..b@example.org\""),
     NULL, NULL, "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email leading dot", NULL, S("\"email\":\".a@example.org\""),
     NULL, NULL, "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email trailing dot", NULL, S("\"email\":\"a.@example.org\""),
     NULL, NULL, "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email quoted", NULL,
     S("\"email\":\"\\\"a b\\\"@example.org\""), NULL, NULL,
     "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email address literal", NULL,
     S("\"email\":\"a@[192.0.2.1]\""), NULL, NULL, "invalid_field",
     "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email hyphen label", NULL, S("\"email\":\"a@-x.example\""),
     NULL, NULL, "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email label ends in hyphen", NULL,
     S("\"email\":\"a@x-.example\""), NULL, NULL, "invalid_field",
     "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email empty label", NULL, S("\"email\":\"a@x..example\""),
     NULL, NULL, "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email non-ASCII", NULL,
     S("\"email\":\"a@ex\xc3\xa4mple.org\""), NULL, NULL, "invalid_field",
     "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email two @", NULL, S("\"email\":\"a@b@example.org\""), NULL,
     NULL, "invalid_field", "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email with atext", NULL,
     S("\"email\":\"o'brien+tag/x=y@mail.example.co.uk\""), NULL, NULL, NULL,
     NULL, NULL},
    {"seeker.email label of 63", NULL,
     S("\"email\":\"a@" L63 ".example\""), NULL, NULL, NULL, NULL, NULL},
    {"seeker.email label of 64", NULL,
     S("\"email\":\"a@" L63 "x.example\""), NULL, NULL, "invalid_field",
     "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email local part of 65", NULL,
     S("\"email\":\"" ID64 "x@example.org\""), NULL, NULL, "invalid_field",
     "seeker.email", "seeker.email" EMAIL_MSG},
    {"seeker.email of 255", NULL,
     S("\"email\":\"a@" L63 "." L63 "." L63 "." X50 "xxxxxxx.org\""), NULL,
     NULL, "invalid_field", "seeker.email",
     "seeker.email is longer than 254 bytes"},

    /* seeker.sms, seeker.whatsapp */
    {"seeker.sms without +", NULL, S("\"sms\":\"14155550123\""), NULL, NULL,
     "invalid_field", "seeker.sms", "seeker.sms" E164_MSG},
    {"seeker.sms with 0 first", NULL, S("\"sms\":\"+04155550123\""), NULL,
     NULL, "invalid_field", "seeker.sms", "seeker.sms" E164_MSG},
    {"seeker.sms of one digit", NULL, S("\"sms\":\"+1\""), NULL, NULL,
     "invalid_field", "seeker.sms", "seeker.sms" E164_MSG},
    {"seeker.sms of two digits", NULL, S("\"sms\":\"+12\""), NULL, NULL,
     NULL, NULL, NULL},
    {"seeker.sms of 15 digits", NULL, S("\"sms\":\"+123456789012345\""),
     NULL, NULL, NULL, NULL, NULL},
    {"seeker.sms of 16 digits", NULL, S("\"sms\":\"+1234567890123456\""),
     NULL, NULL, "invalid_field", "seeker.sms", "seeker.sms" E164_MSG},
    {"seeker.sms with a space", NULL, S("\"sms\":\"+1 4155550123\""), NULL,
     NULL, "invalid_field", "seeker.sms", "seeker.sms" E164_MSG},
    {"seeker.sms a number", NULL, S("\"sms\":14155550123"), NULL, NULL,
     "invalid_field", "seeker.sms", "seeker.sms must be a string, not a number"},
    {"seeker.whatsapp with prefix", NULL,
     S("\"whatsapp\":\"whatsapp:+14155550123\""), NULL, NULL,
     "invalid_field", "seeker.whatsapp", "seeker.whatsapp must be a number "
     "in E.164 form without \"whatsapp:\""},
    {"seeker.whatsapp bad", NULL, S("\"whatsapp\":\"+1-415\""), NULL, NULL,
     "invalid_field", "seeker.whatsapp", "seeker.whatsapp" E164_MSG},

    /* seeker.chat and the channel rule */
    {"seeker.chat a string", NULL,
     "{\"id\":\"s\",\"name\":\"A\",\"chat\":\"yes\"}", NULL, NULL,
     "invalid_field", "seeker.chat",
     "seeker.chat must be true or false, not a string"},
    {"seeker without a channel", NULL, "{\"id\":\"s\",\"name\":\"A\"}", NULL,
     NULL, "missing_field", "seeker",
     "seeker needs at least one of sms, whatsapp and \"chat\": true"},
    {"seeker with chat false only", NULL,
     "{\"id\":\"s\",\"name\":\"A\",\"chat\":false}", NULL, NULL,
     "missing_field", "seeker",
     "seeker needs at least one of sms, whatsapp and \"chat\": true"},
    {"seeker with whatsapp only", NULL,
     "{\"id\":\"s\",\"name\":\"A\",\"whatsapp\":\"+4930123456\"}", NULL,
     NULL, NULL, NULL, NULL},
    {"unknown seeker field", NULL, S("\"phone\":\"+14155550123\""), NULL,
     NULL, "unknown_field", "seeker.phone", "seeker.phone is not a known field"},

    /* building_contact */
    {"no building_contact", NULL, NULL, "-", NULL, "missing_field",
     "building_contact", "building_contact is required"},
    {"building_contact a string", NULL, NULL, "\"bob\"", NULL,
     "invalid_field", "building_contact",
     "building_contact must be an object, not a string"},
    {"no building_contact.email", NULL, NULL, C("\"sms\":\"+14155550125\""),
     NULL, "missing_field", "building_contact.email",
     "building_contact.email is required"},
    {"bad building_contact.email", NULL, NULL, C("\"email\":\"bob@\""), NULL,
     "invalid_field", "building_contact.email",
     "building_contact.email is not an email address of the form "
     "local@domain.example"},
    {"building_contact.chat", NULL, NULL, C(C_EMAIL ",\"chat\":true"), NULL,
     "unknown_field", "building_contact.chat",
     "building_contact.chat is not a known field"},
    {"no building_contact.id", NULL, NULL,
     "{\"name\":\"Bob\"," C_EMAIL "}", NULL, "missing_field",
     "building_contact.id", "building_contact.id is required"},
    {"no building_contact.name", NULL, NULL,
     "{\"id\":\"b\"," C_EMAIL "}", NULL, "missing_field",
     "building_contact.name", "building_contact.name is required"},
    {"bad building_contact.sms", NULL, NULL, C(C_EMAIL ",\"sms\":\"+\""),
     NULL, "invalid_field", "building_contact.sms", "building_contact.sms" E164_MSG},
    {"building_contact email only", NULL, NULL, C(C_EMAIL), NULL, NULL, NULL,
     NULL},

    /* listing */
    {"no listing", NULL, NULL, NULL, "-", NULL, NULL, NULL},
    {"listing null", NULL, NULL, NULL, "null", "invalid_field", "listing",
     "listing must be an object, not null"},
    {"listing without id", NULL, NULL, NULL, "{\"title\":\"T\"}",
     "missing_field", "listing.id", "listing.id is required"},
    {"listing.id bad", NULL, NULL, NULL, "{\"id\":\"L 5\"}", "invalid_field",
     "listing.id", "listing.id must be 1 to 64 letters, digits, '.', '_' "
     "or '-'"},
    {"listing.title empty", NULL, NULL, NULL, "{\"id\":\"L\",\"title\":\"\"}",
     "invalid_field", "listing.title", "listing.title must not be empty"},
    {"listing.title of 201", NULL, NULL, NULL,
     "{\"id\":\"L\",\"title\":\"" X50 X50 X50 X50 "y\"}", "invalid_field",
     "listing.title", "listing.title is longer than 200 characters"},
    {"listing.title with a tab", NULL, NULL, NULL,
     "{\"id\":\"L\",\"title\":\"a\\tb\"}", "invalid_field", "listing.title",
     "listing.title must not contain control characters"},
    {"listing.title a number", NULL, NULL, NULL,
     "{\"id\":\"L\",\"title\":4}", "invalid_field", "listing.title",
     "listing.title must be a string, not a number"},
    {"unknown listing field", NULL, NULL, NULL,
     "{\"id\":\"L\",\"url\":\"http://x\"}", "unknown_field", "listing.url",
     "listing.url is not a known field"},
    {"listing id only", NULL, NULL, NULL, "{\"id\":\"L\"}", NULL, NULL, NULL},
};

static char *body_of(const struct rule_case *c)
{
    struct buf *b = buf_create(256);
    const char *seeker = c->seeker ? c->seeker : SEEKER;
    const char *contact = c->contact ? c->contact : CONTACT;
    const char *listing = c->listing ? c->listing : LISTING;
    int first = 1;

    if (c->raw != NULL) {
        buf_append_str(b, c->raw);
        return buf_detach(b, NULL);
    }
    buf_append_char(b, '{');
    if (strcmp(seeker, "-") != 0) {
        buf_printf(b, "\"seeker\":%s", seeker);
        first = 0;
    }
    if (strcmp(contact, "-") != 0) {
        buf_printf(b, "%s\"building_contact\":%s", first ? "" : ",", contact);
        first = 0;
    }
    if (strcmp(listing, "-") != 0)
        buf_printf(b, "%s\"listing\":%s", first ? "" : ",", listing);
    if (strcmp(c->what, "unknown top-level field") == 0)
        buf_append_str(b, ",\"priority\":1");
    buf_append_char(b, '}');
    return buf_detach(b, NULL);
}

static int zeroed(const struct conv_request *r)
{
    static const struct conv_request zero;

    return memcmp(r, &zero, sizeof(zero)) == 0;
}

static void test_rules(void **state)
{
    size_t i;
    int failures = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct rule_case *c = cases + i;
        char *body = body_of(c);
        struct conv_request req;
        struct conv_request_error err = {0};
        int ret;

        err.message = buf_create(64);
        ret = conv_request_parse(body, strlen(body), &req, &err);
        if (c->code == NULL) {
            if (ret != 0) {
                print_error("%s: refused: %s %s: %s\n", c->what, err.code,
                            err.field, err.message->data);
                failures++;
            }
        } else {
            size_t n = strlen(c->message);
            int prefix = n > 0 && c->message[n - 1] == '*';

            if (ret != -1 || err.code == NULL
                || strcmp(err.code, c->code) != 0
                || strcmp(err.field, c->field) != 0
                || (prefix ? strncmp(err.message->data, c->message, n - 1)
                    : strcmp(err.message->data, c->message)) != 0
                || !zeroed(&req)) {
                print_error("%s: got %d %s \"%s\" \"%s\"; want %s \"%s\" "
                            "\"%s\"\n", c->what, ret,
                            err.code ? err.code : "(null)", err.field,
                            err.message->data, c->code, c->field, c->message);
                failures++;
            }
        }
        conv_request_free(&req);
        buf_free(err.message);
        free(body);
    }
    assert_int_equal(failures, 0);
}

static void test_fields_filled(void **state)
{
    static const char body[] = "{\"listing\":" LISTING ",\"seeker\":" SEEKER
        ",\"building_contact\":" CONTACT "}";
    struct conv_request req;
    struct conv_request_error err = {0};

    err.message = buf_create(64);
    assert_int_equal(conv_request_parse(body, sizeof(body) - 1, &req, &err), 0);
    assert_string_equal(req.seeker.id, "s-1001");
    assert_string_equal(req.seeker.name, "Ann Example");
    assert_string_equal(req.seeker.email, "ann@example.org");
    assert_string_equal(req.seeker.sms, "+14155550123");
    assert_string_equal(req.seeker.whatsapp, "+14155550124");
    assert_int_equal(req.seeker.chat, 1);
    assert_string_equal(req.contact.id, "bc-77");
    assert_string_equal(req.contact.name, "Bob Builder");
    assert_string_equal(req.contact.email, "bob@example.net");
    assert_string_equal(req.contact.sms, "+14155550125");
    assert_string_equal(req.contact.whatsapp, "+14155550126");
    assert_int_equal(req.contact.chat, 0);
    assert_string_equal(req.listing_id, "L-5");
    assert_string_equal(req.listing_title, "Unit 4B");
    conv_request_free(&req);
    assert_true(zeroed(&req));
    conv_request_free(&req);            /* twice, and on a zeroed struct */
    buf_free(err.message);
}

/* Absent optional strings are NULL; the body need not be NUL-terminated. */
static void test_optional_absent(void **state)
{
    static const char body[] = "{\"seeker\":{\"id\":\"s\",\"name\":\"A\","
        "\"chat\":true},\"building_contact\":{\"id\":\"b\",\"name\":\"B\","
        "\"email\":\"b@example.com\"}}GARBAGE";
    struct conv_request req;
    struct conv_request_error err = {0};

    err.message = buf_create(64);
    assert_int_equal(conv_request_parse(body, sizeof(body) - 1 - 7, &req,
                                        &err), 0);
    assert_null(req.seeker.email);
    assert_null(req.seeker.sms);
    assert_null(req.seeker.whatsapp);
    assert_null(req.contact.sms);
    assert_null(req.listing_id);
    assert_null(req.listing_title);
    conv_request_free(&req);
    buf_free(err.message);
}

struct check_case {
    int (*check)(const char *);
    const char *text;
    int ok;
};

static const struct check_case checks[] = {
    {conv_valid_id, "a", 1}, {conv_valid_id, "A.b_c-9", 1},
    {conv_valid_id, "", 0}, {conv_valid_id, "a:b", 0},
    {conv_valid_id, "\xc3\xa9", 0},
    {conv_valid_e164, "+4930123", 1}, {conv_valid_e164, "+", 0},
    {conv_valid_e164, "++49", 0}, {conv_valid_e164, "+49x", 0},
    {conv_valid_email, "x@y.z", 1}, {conv_valid_email, "x@y", 0},
    {conv_valid_email, "@y.z", 0}, {conv_valid_email, "x@y.z.", 0},
    {conv_valid_email, "x y@y.z", 0}, {conv_valid_email, "x@y_z.com", 0},
};

static void test_shared_checks(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        if (checks[i].check(checks[i].text) != checks[i].ok)
            fail_msg("case %zu (\"%s\"): want %d", i, checks[i].text,
                     checks[i].ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_fields_filled),
        cmocka_unit_test(test_optional_absent),
        cmocka_unit_test(test_shared_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
