/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_access_token - a chat access token is checked the way Twilio would:
 * split into its three parts, each decoded by this test's own base64url
 * decoder, the signature recomputed with OpenSSL's HMAC-SHA256 under the
 * API key secret, and every header field and claim read with jansson.
 * Refusals (missing inputs, lifetimes Twilio refuses) are tested too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "access_token.h"
#include "buf.h"

#define ACCOUNT "AC0123456789abcdef0123456789abcdef"
#define KEY     "SKfedcba9876543210fedcba9876543210"
#define SERVICE "IS00112233445566778899aabbccddeeff"
#define SECRET  "the-api-key-secret-0123456789"

/* This test's own base64url decoder (no padding); -1 on a bad character. */
static int b64url_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

static unsigned char *b64url_decode(const char *s, size_t len, size_t *out_len)
{
    unsigned char *out = malloc(len * 3 / 4 + 3);
    unsigned long acc = 0;
    size_t i, n = 0;
    int bits = 0;

    assert_true(len % 4 != 1);
    for (i = 0; i < len; i++) {
        int v = b64url_value((unsigned char) s[i]);

        if (v < 0)
            fail_msg("character '%c' is not base64url", s[i]);
        acc = (acc << 6) | (unsigned long) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    assert_int_equal(acc, 0);           /* canonical: no stray bits */
    *out_len = n;
    return out;
}

static json_t *decode_json_part(const char *s, size_t len)
{
    size_t n;
    unsigned char *raw = b64url_decode(s, len, &n);
    json_error_t err;
    json_t *j = json_loadb((const char *) raw, n, JSON_REJECT_DUPLICATES,
                           &err);

    if (j == NULL)
        fail_msg("part is not JSON: %s: %.*s", err.text, (int) n, raw);
    free(raw);
    return j;
}

static struct access_token_params params(void)
{
    struct access_token_params p = {
        ACCOUNT, KEY, SECRET, sizeof(SECRET) - 1, SERVICE, "seeker-1001",
        1700000000, 3600,
    };

    return p;
}

static void assert_str_member(json_t *obj, const char *name, const char *want)
{
    json_t *v = json_object_get(obj, name);

    if (!json_is_string(v))
        fail_msg("%s is not a string", name);
    assert_string_equal(json_string_value(v), want);
}

static void assert_int_member(json_t *obj, const char *name, long long want)
{
    json_t *v = json_object_get(obj, name);

    if (!json_is_integer(v))
        fail_msg("%s is not an integer", name);
    assert_int_equal(json_integer_value(v), want);
}

/* Verifies token independently and checks its claims against p. */
static void verify(const char *token, const struct access_token_params *p)
{
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    unsigned char mac[EVP_MAX_MD_SIZE], *sig;
    unsigned int mac_len;
    size_t sig_len;
    json_t *header, *payload, *grants, *chat;
    const char *c;

    assert_non_null(dot1);
    assert_non_null(dot2);
    assert_null(strchr(dot2 + 1, '.'));
    for (c = token; *c; c++)
        if (*c != '.' && b64url_value((unsigned char) *c) < 0)
            fail_msg("token has '%c' (padding or not URL-safe)", *c);

    /* The signature: HMAC-SHA256 of "header.payload" under the secret. */
    assert_non_null(HMAC(EVP_sha256(), p->api_key_secret,
                         (int) p->api_key_secret_len,
                         (const unsigned char *) token,
                         (size_t) (dot2 - token), mac, &mac_len));
    sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig_len);
    assert_int_equal(sig_len, 32);
    assert_int_equal(mac_len, 32);
    assert_memory_equal(sig, mac, 32);
    free(sig);

    header = decode_json_part(token, (size_t) (dot1 - token));
    assert_int_equal(json_object_size(header), 3);
    assert_str_member(header, "typ", "JWT");
    assert_str_member(header, "alg", "HS256");
    assert_str_member(header, "cty", "twilio-fpa;v=1");
    json_decref(header);

    payload = decode_json_part(dot1 + 1, (size_t) (dot2 - dot1 - 1));
    {
        char jti[128];

        snprintf(jti, sizeof(jti), "%s-%lld", p->api_key_sid,
                 (long long) p->now);
        assert_str_member(payload, "jti", jti);
    }
    assert_int_equal(json_object_size(payload), 6);
    assert_str_member(payload, "iss", p->api_key_sid);
    assert_str_member(payload, "sub", p->account_sid);
    assert_int_member(payload, "nbf", (long long) p->now);
    assert_int_member(payload, "exp", (long long) p->now + p->ttl);
    grants = json_object_get(payload, "grants");
    assert_true(json_is_object(grants));
    assert_int_equal(json_object_size(grants), 2);
    assert_str_member(grants, "identity", p->identity);
    chat = json_object_get(grants, "chat");
    assert_true(json_is_object(chat));
    assert_int_equal(json_object_size(chat), 1);
    assert_str_member(chat, "service_sid", p->chat_service_sid);
    json_decref(payload);
}

static void test_token_verifies(void **state)
{
    struct access_token_params p = params();
    struct buf *out = buf_create(64);
    struct buf *why = buf_create(64);

    buf_append_str(out, "kept>");
    assert_int_equal(access_token_create(&p, out, why), 0);
    assert_int_equal(why->len, 0);
    assert_int_equal(strncmp(out->data, "kept>", 5), 0);   /* appended */
    verify(out->data + 5, &p);
    buf_free(out);
    buf_free(why);
}

/* Identities that need escaping in JSON, and non-ASCII ones. */
static void test_identities_and_times(void **state)
{
    static const char *const identities[] = {
        "a", "seeker-1001", "Zoë_Ünal", "quote\"back\\slash", "東京",
        "x\xf0\x9f\x98\x80y",
    };
    static const long ttls[] = {1, 180, 3600, 86400};
    size_t i, j;

    for (i = 0; i < sizeof(identities) / sizeof(identities[0]); i++) {
        for (j = 0; j < sizeof(ttls) / sizeof(ttls[0]); j++) {
            struct access_token_params p = params();
            struct buf *out = buf_create(64);
            struct buf *why = buf_create(64);

            p.identity = identities[i];
            p.ttl = ttls[j];
            p.now = 1700000000 + (time_t) (i * 1000 + j);
            assert_int_equal(access_token_create(&p, out, why), 0);
            verify(out->data, &p);
            buf_free(out);
            buf_free(why);
        }
    }
}

/* A token signed under another secret does not verify. */
static void test_other_secret_differs(void **state)
{
    struct access_token_params p = params();
    struct buf *a = buf_create(64), *b = buf_create(64), *why = buf_create(64);

    assert_int_equal(access_token_create(&p, a, why), 0);
    p.api_key_secret = "another-secret";
    p.api_key_secret_len = 14;
    assert_int_equal(access_token_create(&p, b, why), 0);
    assert_int_equal(strncmp(a->data, b->data,
                             (size_t) (strrchr(a->data, '.') - a->data)), 0);
    assert_string_not_equal(strrchr(a->data, '.'), strrchr(b->data, '.'));
    verify(b->data, &p);
    buf_free(a);
    buf_free(b);
    buf_free(why);
}

struct refusal {
    const char *what;
    void (*change)(struct access_token_params *p);
    const char *error;
};

static void no_account(struct access_token_params *p) { p->account_sid = ""; }
static void no_key(struct access_token_params *p) { p->api_key_sid = NULL; }
static void no_service(struct access_token_params *p) { p->chat_service_sid = ""; }
static void no_identity(struct access_token_params *p) { p->identity = ""; }
static void no_secret(struct access_token_params *p) { p->api_key_secret_len = 0; }
static void ttl_zero(struct access_token_params *p) { p->ttl = 0; }
static void ttl_over(struct access_token_params *p) { p->ttl = 86401; }
static void bad_utf8(struct access_token_params *p) { p->identity = "a\xff"; }

static const struct refusal refusals[] = {
    {"no account SID", no_account, "access token: no account SID"},
    {"no API key SID", no_key, "access token: no API key SID"},
    {"no service", no_service, "access token: no chat service SID"},
    {"no identity", no_identity, "access token: no identity"},
    {"no secret", no_secret, "access token: no API key secret"},
    {"ttl 0", ttl_zero, "access token: lifetime 0s is not between 1s and 86400s"},
    {"ttl over a day", ttl_over,
     "access token: lifetime 86401s is not between 1s and 86400s"},
    {"bad UTF-8", bad_utf8, "access token: the identity is not valid UTF-8"},
};

static void test_refusals(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        struct access_token_params p = params();
        struct buf *out = buf_create(64);
        struct buf *why = buf_create(64);

        print_message("%s\n", refusals[i].what);
        refusals[i].change(&p);
        assert_int_equal(access_token_create(&p, out, why), -1);
        assert_string_equal(why->data, refusals[i].error);
        assert_int_equal(out->len, 0);
        buf_free(out);
        buf_free(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_verifies),
        cmocka_unit_test(test_identities_and_times),
        cmocka_unit_test(test_other_secret_differs),
        cmocka_unit_test(test_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
