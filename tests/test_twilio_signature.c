/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio_signature - X-Twilio-Signature against every test vector of
 * the fact sheet (FACTS.md section 4.1, taken verbatim from the tests of
 * twilio-python, twilio-node, twilio-csharp, twilio-java and twilio-go),
 * the ones that must fail included, plus the self-computed
 * Conversations-shaped vector; then the whole-request verifier with form
 * and JSON bodies, and the refusals: tampering, a wrong token, no header,
 * malformed URLs and bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "form.h"
#include "twilio_signature.h"

#define TOKEN       "12345"
#define U           "https://mycompany.com/myapp.php?foo=1&bar=2"
#define BODY_B      "{\"property\": \"value\", \"boolean\": true}"
#define HASH_B      "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
#define HASH_EMPTY  "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define JSON        "application/json"

/* The parameter sets of the vectors. */
enum params { P_NONE, P_CALL, P_DIGITS, P_DIGITS_REORDERED, P_ADDRESSES,
    P_ADDRESSES_REORDERED, P_CONVERSATIONS };

static struct form *make_params(enum params which)
{
    struct form *f = form_create();
    const char *a32 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    char sid[40];

    switch (which) {
    case P_NONE:
        break;
    case P_CALL:
        form_add(f, "CallSid", "CA1234567890ABCDE");
        form_add(f, "Caller", "+14158675309");
        form_add(f, "Digits", "1234");
        form_add(f, "From", "+14158675309");
        form_add(f, "To", "+18005551212");
        break;
    case P_DIGITS:
        form_add(f, "Sid", "CA123");
        form_add(f, "SidAccount", "AC123");
        form_add(f, "Digits", "5678");
        form_add(f, "Digits", "1234");
        form_add(f, "Digits", "1234");
        break;
    case P_DIGITS_REORDERED:
        form_add(f, "Digits", "1234");
        form_add(f, "SidAccount", "AC123");
        form_add(f, "Digits", "1234");
        form_add(f, "Sid", "CA123");
        form_add(f, "Digits", "5678");
        break;
    case P_ADDRESSES:
        form_add(f, "MessagingBinding.Address", "+1325xxxxxxx");
        form_add(f, "MessagingBinding.Address", "+1415xxxxxxx");
        break;
    case P_ADDRESSES_REORDERED:
        form_add(f, "MessagingBinding.Address", "+1415xxxxxxx");
        form_add(f, "MessagingBinding.Address", "+1325xxxxxxx");
        break;
    case P_CONVERSATIONS:
        snprintf(sid, sizeof(sid), "AC%s", a32);
        form_add(f, "AccountSid", sid);
        form_add(f, "Attributes", "{}");
        form_add(f, "Author", "+15558675310");
        form_add(f, "Body", "Hi \xe2\x80\x93 is unit 4B free?");
        snprintf(sid, sizeof(sid), "CH%s", a32);
        form_add(f, "ConversationSid", sid);
        form_add(f, "EventType", "onMessageAdded");
        form_add(f, "Index", "0");
        snprintf(sid, sizeof(sid), "IM%s", a32);
        form_add(f, "MessageSid", sid);
        snprintf(sid, sizeof(sid), "MB%s", a32);
        form_add(f, "ParticipantSid", sid);
        form_add(f, "Source", "SMS");
        break;
    }
    return f;
}

struct vector {
    const char *id;             /* FACTS.md 4.1 row */
    const char *url;
    enum params params;
    const char *body;           /* JSON body, or NULL for a form */
    const char *signature;
    int valid;
};

static const struct vector vectors[] = {
    {"1", U, P_CALL, NULL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", 1},
    {"2 (port stripped)", "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
     P_CALL, NULL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", 1},
    {"3 (port kept)", "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
     P_CALL, NULL, "CYn1h0gLBdNxDGkKJg6hYohgeD8=", 1},
    {"4", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", 1},
    {"5 (:443 added)", U, P_CALL, NULL, "kvajT1Ptam85bY51eRf/AJRuM3w=", 1},
    {"6 (:80 added)", "http://mycompany.com/myapp.php?foo=1&bar=2", P_CALL,
     NULL, "0ZXoZLH/DfblKGATFgpif+LLRf4=", 1},
    {"7 (repeated, duplicate values)", U, P_DIGITS, NULL,
     "IK+Dwps556ElfBT0I3Rgjkr1wJU=", 1},
    {"7 (other order)", U, P_DIGITS_REORDERED, NULL,
     "IK+Dwps556ElfBT0I3Rgjkr1wJU=", 1},
    {"8", U, P_ADDRESSES, NULL, "83O6e2vORAoJHUNzJjDWN1jz+BA=", 1},
    {"8 (other order)", U, P_ADDRESSES_REORDERED, NULL,
     "83O6e2vORAoJHUNzJjDWN1jz+BA=", 1},
    {"9 (' as %27)", U "&Body=It's+amazing", P_CALL, NULL,
     "TfZzewPq8wqrGlMfyAud8+/IvJ0=", 1},
    {"10 (userinfo)", "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
     P_CALL, NULL, "CukzLTc1tT5dXEDIHm/tKBanW10=", 1},
    {"10 (userinfo, :443)",
     "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=", 1},
    {"11", "https://user@mycompany.com/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "2YRLlVAflCqxaNicjMpJcSTgzSs=", 1},
    {"12", "https://MyCompany.com/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "g9IN/x4Cft2g517EjYvEvM/W7LU=", 1},
    {"12 (lower-case host signature must FAIL)",
     "https://MyCompany.com/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "RSOYDt4T1cUTdK1PDd93/VVr8B8=", 0},
    {"13", "https://MyCompany.com:1234/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "PCqOZm8cnu/L6+u5i5fuEd+Iac4=", 1},
    {"14", "http://MyCompany.com/myapp.php?foo=1&bar=2", P_CALL, NULL,
     "XY7AlKOKL6im4yWyX84gldUrtis=", 1},
    {"15", "http://username:password@MyCompany.com/myapp.php?foo=1&bar=2",
     P_CALL, NULL, "PJ08CxXr7KLPjEQCTc8LkUSMwSM=", 1},
    {"16", "HTTP://username:password@MyCompany.com/myapp.php?foo=1&bar=2",
     P_CALL, NULL, "hy/l8pca+LFms4cvRdv8uiP6NGc=", 1},
    {"17", "http://Username:Password@MyCompany.com/myapp.php?foo=1&bar=2",
     P_CALL, NULL, "SkTSKyDJH9kUlhItI0slbgZ1UsI=", 1},
    {"18 (JSON body)", U "&bodySHA256=" HASH_B, P_NONE, BODY_B,
     "a9nBmqA0ju/hNViExpshrM61xv4=", 1},
    {"19 (JSON body, bodySHA256 alone)",
     "https://mycompany.com/myapp.php?bodySHA256=" HASH_B, P_NONE, BODY_B,
     "y77kIzt2vzLz71DgmJGsen2scGs=", 1},
    {"20 (JSON {}, :443)", U "&bodySHA256=" HASH_EMPTY, P_NONE, "{}",
     "Ldidvp12m26NI7eqEvxnEpkd9Hc=", 1},
    {"21 (JSON body without bodySHA256 must FAIL)", U, P_NONE, BODY_B,
     "RSOYDt4T1cUTdK1PDd93/VVr8B8=", 0},
    {"self-computed, Conversations-shaped",
     "https://bridge.example.com/twilio/conversations", P_CONVERSATIONS, NULL,
     "cKHE5qqEXeh1w0TvL3o4DUex7IU=", 1},
};

/* Each vector through twilio_signature_verify(), as a whole request. */
static void test_vectors(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vector *v = &vectors[i];
        struct buf *why = buf_create(64), *body = buf_create(64);
        struct form *params = make_params(v->params);
        int ret;

        print_message("vector %s\n", v->id);
        if (v->body) {
            ret = twilio_signature_verify(TOKEN, 5, v->url, JSON, v->body,
                                          strlen(v->body), v->signature, why);
        } else {
            form_encode(params, body);
            ret = twilio_signature_verify(TOKEN, 5, v->url,
                                          "application/x-www-form-urlencoded",
                                          body->data, body->len, v->signature,
                                          why);
            /* The same through the parameter-level check. */
            buf_reset(why);
            assert_int_equal(twilio_signature_check_form(TOKEN, 5, v->url,
                                                         params, v->signature,
                                                         why),
                             ret);
        }
        if (v->valid) {
            if (ret != 0)
                print_message("  why: %s\n", why->data);
            assert_int_equal(ret, 0);
        } else {
            assert_int_equal(ret, -1);
            assert_true(why->len > 0);
        }
        form_free(params);
        buf_free(body);
        buf_free(why);
    }
}

/* Where a vector states the exact URL signed, compute gives the value. */
static void test_compute(void **state)
{
    static const struct {
        const char *url;
        enum params params;
        const char *signature;
    } cases[] = {
        {U, P_CALL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
        {"https://mycompany.com:1234/myapp.php?foo=1&bar=2", P_CALL,
         "CYn1h0gLBdNxDGkKJg6hYohgeD8="},
        {"https://mycompany.com:443/myapp.php?foo=1&bar=2", P_CALL,
         "kvajT1Ptam85bY51eRf/AJRuM3w="},
        {"http://mycompany.com:80/myapp.php?foo=1&bar=2", P_CALL,
         "0ZXoZLH/DfblKGATFgpif+LLRf4="},
        {U, P_DIGITS, "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
        {U, P_ADDRESSES_REORDERED, "83O6e2vORAoJHUNzJjDWN1jz+BA="},
        {U "&Body=It%27s+amazing", P_CALL, "TfZzewPq8wqrGlMfyAud8+/IvJ0="},
        {"https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2", P_CALL,
         "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="},
        {U "&bodySHA256=" HASH_B, P_NONE, "a9nBmqA0ju/hNViExpshrM61xv4="},
        {"https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256="
         HASH_EMPTY, P_NONE, "Ldidvp12m26NI7eqEvxnEpkd9Hc="},
        {"https://bridge.example.com/twilio/conversations", P_CONVERSATIONS,
         "cKHE5qqEXeh1w0TvL3o4DUex7IU="},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf *out = buf_create(32);
        struct form *params = make_params(cases[i].params);

        twilio_signature_compute(TOKEN, 5, cases[i].url, params, out);
        assert_string_equal(out->data, cases[i].signature);
        assert_int_equal(out->len, TWILIO_SIGNATURE_LEN);
        form_free(params);
        buf_free(out);
    }
}

static void expect_refused(int ret, struct buf *why, const char *reason)
{
    assert_int_equal(ret, -1);
    if (strstr(why->data, reason) == NULL)
        fail_msg("why \"%s\" does not say \"%s\"", why->data, reason);
    buf_reset(why);
}

static void test_refusals(void **state)
{
    struct buf *why = buf_create(64), *body = buf_create(64);
    struct form *params = make_params(P_CALL);
    const char *form_type = "application/x-www-form-urlencoded";

    form_encode(params, body);
    /* Accepted as a baseline, with parameters on the Content-Type. */
    assert_int_equal(twilio_signature_verify(TOKEN, 5, U,
                                             "Application/X-WWW-Form-Urlencoded; charset=utf-8",
                                             body->data, body->len,
                                             "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
                                             why), 0);
    expect_refused(twilio_signature_verify("12346", 5, U, form_type,
                                           body->data, body->len,
                                           "RSOYDt4T1cUTdK1PDd93/VVr8B8=", why),
                   why, "does not match");
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type,
                                           body->data, body->len, NULL, why),
                   why, "no X-Twilio-Signature");
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type,
                                           body->data, body->len, "", why),
                   why, "does not match");
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type,
                                           body->data, body->len,
                                           "RSOYDt4T1cUTdK1PDd93/VVr8B8", why),
                   why, "does not match");
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type,
                                           body->data, body->len,
                                           "RSOYDt4T1cUTdK1PDd93/VVr8B8==", why),
                   why, "does not match");
    /* A tampered parameter. */
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type,
                                           "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1235&From=%2B14158675309&To=%2B18005551212",
                                           97, "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
                                           why), why, "does not match");
    /* An extra parameter. */
    buf_append_str(body, "&X=1");
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type, body->data,
                                           body->len,
                                           "RSOYDt4T1cUTdK1PDd93/VVr8B8=", why),
                   why, "does not match");
    /* Another path. */
    expect_refused(twilio_signature_verify(TOKEN, 5,
                                           "https://mycompany.com/myapp.php?foo=1&bar=3",
                                           form_type, "", 0,
                                           "RSOYDt4T1cUTdK1PDd93/VVr8B8=", why),
                   why, "does not match");
    expect_refused(twilio_signature_verify(TOKEN, 5, U, form_type, "a=%zz", 5,
                                           "RSOYDt4T1cUTdK1PDd93/VVr8B8=", why),
                   why, "malformed percent-escape");
    /* JSON: the body must match bodySHA256. */
    expect_refused(twilio_signature_verify(TOKEN, 5, U "&bodySHA256=" HASH_B,
                                           JSON, "{}", 2,
                                           "a9nBmqA0ju/hNViExpshrM61xv4=", why),
                   why, "SHA-256 does not match");
    expect_refused(twilio_signature_verify(TOKEN, 5, U "&bodySHA256=" HASH_B,
                                           JSON, BODY_B, strlen(BODY_B),
                                           "y77kIzt2vzLz71DgmJGsen2scGs=", why),
                   why, "does not match");
    expect_refused(twilio_signature_check_json(TOKEN, 5, U, BODY_B,
                                               strlen(BODY_B),
                                               "a9nBmqA0ju/hNViExpshrM61xv4=",
                                               why),
                   why, "no bodySHA256");
    expect_refused(twilio_signature_verify(TOKEN, 5, U "&bodySHA256=%zz", JSON,
                                           "{}", 2, "x", why),
                   why, "in the URL's query");
    /* Malformed URLs. */
    expect_refused(twilio_signature_verify(TOKEN, 5, "mycompany.com/x",
                                           form_type, "", 0, "x", why),
                   why, "no scheme");
    expect_refused(twilio_signature_verify(TOKEN, 5, "https:///x", form_type,
                                           "", 0, "x", why), why, "no host");
    expect_refused(twilio_signature_verify(TOKEN, 5, "https://h:4x3/x",
                                           form_type, "", 0, "x", why),
                   why, "bad port");
    expect_refused(twilio_signature_verify(TOKEN, 5, "https://[::1/x",
                                           form_type, "", 0, "x", why),
                   why, "IPv6");
    expect_refused(twilio_signature_verify(TOKEN, 5, "1http://h/", form_type,
                                           "", 0, "x", why), why, "scheme");
    form_free(params);
    buf_free(body);
    buf_free(why);
}

/* GET webhooks and IPv6 hosts: the URL alone, port variants included. */
static void test_url_only(void **state)
{
    struct buf *why = buf_create(64), *sig = buf_create(32);

    twilio_signature_compute(TOKEN, 5, "http://[::1]:8080/hook?a=b", NULL,
                             sig);
    assert_int_equal(twilio_signature_verify(TOKEN, 5,
                                             "http://[::1]:8080/hook?a=b",
                                             NULL, "", 0, sig->data, why), 0);
    buf_reset(sig);
    twilio_signature_compute(TOKEN, 5, "http://[::1]/hook?a=b", NULL, sig);
    assert_int_equal(twilio_signature_verify(TOKEN, 5,
                                             "http://[::1]:8080/hook?a=b",
                                             NULL, "", 0, sig->data, why), 0);
    assert_int_equal(twilio_signature_verify(TOKEN, 5,
                                             "http://[::1]:80/hook?a=b",
                                             NULL, "", 0, sig->data, why), 0);
    expect_refused(twilio_signature_verify(TOKEN, 5,
                                           "http://[::1]/hook?a=c", NULL,
                                           "", 0, sig->data, why),
                   why, "does not match");
    expect_refused(twilio_signature_verify(TOKEN, 5, "http://[::1]/hook?a=b",
                                           "text/plain", "x", 1, sig->data,
                                           why),
                   why, "needs bodySHA256");
    buf_free(sig);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_url_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
