/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sender_auth - which check, if any, authenticates the From domain of
 * a reply (capture_sender_auth.c through capture_parse()), and the helpers
 * it stands on: organizational domains from the Public Suffix List
 * (org_domain.h) and mailbox equality (addr_match.h).
 *
 * Each case is a message's Authentication-Results and From headers, the
 * method expected ("dmarc", "dkim", "spf" or NULL) and a piece of the
 * detail line expected.  The trusted authserv-id is mx.postmask.test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr_match.h"
#include "buf.h"
#include "capture.h"
#include "org_domain.h"

#define AR "Authentication-Results: mx.postmask.test; "
#define BOB "From: Bob <bob@building.example>\n"

struct auth_case {
    const char *name;
    const char *headers;
    const char *method;         /* NULL: not authenticated */
    const char *detail;         /* a substring of auth_detail */
};

static const struct auth_case cases[] = {
    {"dmarc pass", AR "dmarc=pass (p=reject dis=none) "
     "header.from=building.example\n" BOB, "dmarc",
     "dmarc=pass header.from=building.example"},
    {"dmarc pass, From domain in other case", AR "dmarc=pass "
     "header.from=building.example\nFrom: bob@Building.EXAMPLE\n", "dmarc",
     "dmarc=pass"},
    {"dmarc pass for another domain does not count", AR "dmarc=pass "
     "header.from=evil.example\n" BOB, NULL, "no DMARC"},
    {"aligned dkim, dmarc none (no record)", AR "dkim=pass (2048-bit key) "
     "header.d=building.example header.i=@building.example header.s=pm "
     "header.b=AbCd; dmarc=none header.from=building.example\n" BOB, "dkim",
     "dkim=pass header.d=building.example"},
    {"dkim of a subdomain aligns (relaxed)", AR "dkim=pass "
     "header.d=mail.building.example\n" BOB, "dkim", "aligned with"},
    {"dkim by header.i only", AR "dkim=pass header.i=@news.building.example\n"
     BOB, "dkim", "news.building.example"},
    {"dkim of another domain", AR "dkim=pass header.d=evil.example\n" BOB,
     NULL, "dkim=pass header.d=evil.example"},
    {"dkim of a sibling under a public suffix does not align", AR
     "dkim=pass header.d=evil.co.uk\nFrom: bob@building.co.uk\n", NULL,
     "no DMARC"},
    {"dkim fail", AR "dkim=fail (bad signature) header.d=building.example\n"
     BOB, NULL, "dkim=fail"},
    {"aligned spf", AR "spf=pass (sender SPF authorized) "
     "smtp.mailfrom=bob@building.example\n" BOB, "spf",
     "spf=pass smtp.mailfrom domain building.example"},
    {"spf with a bare domain", AR "spf=pass smtp.mailfrom=building.example\n"
     BOB, "spf", "spf=pass"},
    {"spf for eve's envelope", AR "spf=pass smtp.mailfrom=eve@evil.example\n"
     BOB, NULL, "spf=pass smtp.mailfrom=evil.example"},
    {"spf softfail", AR "spf=softfail smtp.mailfrom=bob@building.example\n"
     BOB, NULL, "spf=softfail"},
    {"dmarc fail vetoes an aligned dkim (strict alignment)", AR "dkim=pass "
     "header.d=mail.building.example; dmarc=fail (p=reject) "
     "header.from=building.example\n" BOB, NULL,
     "dmarc=fail header.from=building.example"},
    {"results in two trusted headers", AR "dkim=none\n" AR "spf=pass "
     "smtp.mailfrom=bob@building.example\n" BOB, "spf", "spf=pass"},
    {"untrusted authserv-id", "Authentication-Results: mx.evil.example; "
     "dmarc=pass header.from=building.example\n" BOB, NULL,
     "no Authentication-Results header of a trusted authserv-id"},
    {"forged comment and quoted string do not confuse", AR
     "dkim=fail (\"; dmarc=pass header.from=building.example\") "
     "header.d=evil.example\n" BOB, NULL, "dkim=fail"},
    {"two From mailboxes", AR "dmarc=pass header.from=building.example\n"
     "From: bob@building.example, eve@evil.example\n", NULL, "2 mailboxes"},
    {"two From headers", AR "dmarc=pass header.from=building.example\n" BOB
     "From: eve@evil.example\n", NULL, "2 From headers"},
    {"no From", AR "dmarc=pass header.from=building.example\n", NULL,
     "0 From headers"},
    {"method names and results in upper case", "Authentication-Results: "
     "MX.POSTMASK.TEST; DKIM=PASS header.d=BUILDING.example\n" BOB, "dkim",
     "dkim=pass"},
};

static char *trusted[] = {"mx.postmask.test"};
static const struct capture_options opts = {1000, trusted, 1, NULL};

static void test_cases(void **state)
{
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct auth_case *c = &cases[i];
        struct buf *raw = buf_create(256), *why = buf_create(64);
        struct capture *cap = NULL;

        buf_printf(raw, "%sTo: x@reply.example.com\nSubject: s\n\nHello.\n",
                   c->headers);
        if (capture_parse(raw->data, raw->len, "bob@building.example", &opts,
                          &cap, why) != 0)
            fail_msg("%s: capture_parse: %s", c->name, why->data);
        if ((c->method == NULL) != (cap->auth_method == NULL)
            || (c->method && strcmp(c->method, cap->auth_method) != 0))
            fail_msg("%s: method %s, expected %s (%s)", c->name,
                     cap->auth_method ? cap->auth_method : "none",
                     c->method ? c->method : "none", cap->auth_detail);
        if (cap->auth_detail == NULL || strstr(cap->auth_detail, c->detail) == NULL)
            fail_msg("%s: detail \"%s\" lacks \"%s\"", c->name,
                     cap->auth_detail ? cap->auth_detail : "(null)", c->detail);
        if (strstr(cap->auth_detail, "bob@") || strstr(cap->auth_detail, "eve@"))
            fail_msg("%s: detail names a mailbox: %s", c->name, cap->auth_detail);
        capture_free(cap);
        buf_free(raw);
        buf_free(why);
    }
}

static void test_json(void **state)
{
    static const char raw[] = AR "dmarc=pass header.from=building.example\n"
        BOB "\nHi\n";
    struct capture *cap = NULL;
    struct buf *why = buf_create(64);
    json_t *j, *auth;

    (void) state;
    assert_int_equal(capture_parse(raw, strlen(raw), "", &opts, &cap, why), 0);
    j = capture_to_json(cap, 0);
    auth = json_object_get(j, "sender_authentication");
    assert_string_equal(json_string_value(json_object_get(auth, "method")),
                        "dmarc");
    assert_non_null(json_string_value(json_object_get(auth, "detail")));
    json_decref(j);
    capture_free(cap);
    buf_free(why);
}

static void expect_org(const char *domain, const char *org)
{
    struct buf *out = buf_create(32);

    if (org == NULL) {
        assert_int_equal(org_domain(domain, out), -1);
        assert_int_equal(out->len, 0);
    } else {
        assert_int_equal(org_domain(domain, out), 0);
        if (strcmp(out->data, org) != 0)
            fail_msg("org_domain(%s) = %s, expected %s", domain, out->data, org);
    }
    buf_free(out);
}

static void test_org_domain(void **state)
{
    (void) state;
    expect_org("building.example", "building.example");
    expect_org("mail.Building.Example.", "building.example");
    expect_org("a.b.example.co.uk", "example.co.uk");
    expect_org("example.com", "example.com");
    expect_org("x.y.example.com", "example.com");
    expect_org("co.uk", "co.uk");               /* a public suffix itself */
    expect_org("foo.github.io", "foo.github.io");   /* private section */
    expect_org("", NULL);
    expect_org("a..example", NULL);
    expect_org("bad_domain.example", NULL);
    expect_org("exa mple.com", NULL);
    assert_true(org_domain_aligned("mail.building.example", "building.example"));
    assert_true(org_domain_aligned("BUILDING.example", "news.building.example"));
    assert_false(org_domain_aligned("building.example", "evil.example"));
    assert_false(org_domain_aligned("a.co.uk", "b.co.uk"));
    assert_false(org_domain_aligned("alice.github.io", "bob.github.io"));
    assert_false(org_domain_aligned("", ""));
    assert_false(org_domain_aligned(NULL, "x.example"));
}

static void test_addr_match(void **state)
{
    (void) state;
    assert_true(addr_same_mailbox("bob@building.example", "bob@building.example"));
    assert_true(addr_same_mailbox("bob@building.example", "bob@Building.EXAMPLE"));
    assert_true(addr_same_mailbox("\"bob\"@building.example", "bob@building.example"));
    assert_true(addr_same_mailbox("\"b\\\"ob\"@x.example", "\"b\\\"ob\"@X.example"));
    assert_false(addr_same_mailbox("\"b\\\"ob\"@x.example", "\"bob\"@x.example"));
    assert_false(addr_same_mailbox("BOB@building.example", "bob@building.example"));
    assert_false(addr_same_mailbox("bob@building.example", "bob@building.example.evil"));
    assert_false(addr_same_mailbox("bob+x@building.example", "bob@building.example"));
    assert_false(addr_same_mailbox("bob", "bob"));
    assert_false(addr_same_mailbox("@building.example", "@building.example"));
    assert_false(addr_same_mailbox("bob@", "bob@"));
    assert_false(addr_same_mailbox(NULL, "bob@building.example"));
    assert_false(addr_same_mailbox("bob@building.example", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_org_domain),
        cmocka_unit_test(test_addr_match),
    };

    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
