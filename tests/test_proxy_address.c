/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proxy_address - the stateless proxy-address codec: a pinned
 * known-answer vector, a table of decode cases (one per status and shape),
 * every one-bit flip, key rotation, and the limits of the format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base32.h"
#include "proxy_address.h"
#include "testutil.h"

/*
 * Known-answer vector.  Never change it: an address handed out once must
 * decode for as long as its key is listed.  It was computed independently of
 * this code, with Python's standard library:
 *
 *   import hmac, hashlib, base64
 *   sid = bytes.fromhex("9f86d081884c7d659a2feaa0c55ad015")
 *   msg = b"postmask-proxy-v1\0" + b"k1" + b"\0" + sid
 *   tag = hmac.new(b"postmask-test-key-0123456789abcdef", msg,
 *                  hashlib.sha256).digest()[:10]   # 5fa9f80944428e2325ae
 *   base64.b32encode(sid + tag).decode().rstrip("=").lower()
 */
#define KAT_SECRET  "postmask-test-key-0123456789abcdef"
#define KAT_SID     "CH9f86d081884c7d659a2feaa0c55ad015"
#define KAT_B32     "t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy"
#define KAT_LOCAL   "k1-" KAT_B32
#define KAT_ADDRESS KAT_LOCAL "@reply.example.com"

#define OTHER_SECRET "another-secret-for-the-tests-987654"

static const char *const domains[] = {
    "reply.example.com", "other.example.net",
};
#define NDOMAINS 2

static char *encode_ok(const struct address_keys *keys, const char *domain,
                       const char *sid)
{
    struct buf *out = buf_create(0);
    struct buf *why = buf_create(0);

    if (proxy_address_encode(keys, domain, sid, out, why) != 0)
        fail_msg("encode %s: %s", sid, why->data);
    assert_string_equal(why->data, "");
    buf_free(why);
    return buf_detach(out, NULL);
}

static enum proxy_status decode(const struct address_keys *keys,
                                const char *address, char *sid)
{
    return proxy_address_decode(keys, domains, NDOMAINS, address, sid);
}

static void test_known_answer(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    char sid[CONVERSATION_SID_LEN + 1];
    char *address;

    address = encode_ok(keys, "reply.example.com", KAT_SID);
    assert_string_equal(address, KAT_ADDRESS);
    free(address);
    /* Upper-case hex in, the same address out; the domain is lowercased. */
    address = encode_ok(keys, "Reply.Example.COM",
                        "CH9F86D081884C7D659A2FEAA0C55AD015");
    assert_string_equal(address, KAT_ADDRESS);
    free(address);
    assert_int_equal(decode(keys, KAT_ADDRESS, sid), PROXY_OK);
    assert_string_equal(sid, KAT_SID);
    address_keys_free(keys);
}

static const struct decode_case {
    const char *name;
    const char *address;
    enum proxy_status want;
} decode_cases[] = {
    /* Accepted. */
    { "the address", KAT_ADDRESS, PROXY_OK },
    { "all upper case", "K1-T6DNBAMIJR6WLGRP5KQMKWWQCVP2T6AJIRBI4IZFVY"
      "@REPLY.EXAMPLE.COM", PROXY_OK },
    { "mixed case", "K1-t6dnBAMIJr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvY"
      "@reply.Example.com", PROXY_OK },
    { "+detail", KAT_LOCAL "+detail@reply.example.com", PROXY_OK },
    { "empty +detail", KAT_LOCAL "+@reply.example.com", PROXY_OK },
    { "+detail of atext and dots", KAT_LOCAL "+a.b-c_d+e=f'g@reply.example.com",
      PROXY_OK },
    { "local part of 64", KAT_LOCAL "+123456789012345678@reply.example.com",
      PROXY_OK },
    { "domain in other case", KAT_LOCAL "@Reply.Example.COM", PROXY_OK },
    { "second proxy domain", KAT_LOCAL "@other.example.net", PROXY_OK },
    { "second proxy domain, upper case", KAT_LOCAL "@OTHER.EXAMPLE.NET",
      PROXY_OK },

    /* Not ours. */
    { "empty string", "", PROXY_NOT_PROXY_DOMAIN },
    { "no '@'", KAT_LOCAL, PROXY_NOT_PROXY_DOMAIN },
    { "empty domain", KAT_LOCAL "@", PROXY_NOT_PROXY_DOMAIN },
    { "other domain", KAT_LOCAL "@example.org", PROXY_NOT_PROXY_DOMAIN },
    { "subdomain", KAT_LOCAL "@sub.reply.example.com", PROXY_NOT_PROXY_DOMAIN },
    { "parent domain", KAT_LOCAL "@example.com", PROXY_NOT_PROXY_DOMAIN },
    { "domain prefix", KAT_LOCAL "@reply.example.co", PROXY_NOT_PROXY_DOMAIN },
    { "domain suffix", KAT_LOCAL "@reply.example.com.evil",
      PROXY_NOT_PROXY_DOMAIN },
    { "trailing dot", KAT_LOCAL "@reply.example.com.", PROXY_NOT_PROXY_DOMAIN },
    { "angle brackets", "<" KAT_ADDRESS ">", PROXY_NOT_PROXY_DOMAIN },

    /* Malformed. */
    { "empty local part", "@reply.example.com", PROXY_MALFORMED },
    { "quoted local part", "\"" KAT_LOCAL "\"@reply.example.com",
      PROXY_MALFORMED },
    { "quoted local part with '@'", "\"" KAT_LOCAL "@x\"@reply.example.com",
      PROXY_MALFORMED },
    { "local part of 65", KAT_LOCAL "+1234567890123456789@reply.example.com",
      PROXY_MALFORMED },
    { "leading space", " " KAT_ADDRESS, PROXY_MALFORMED },
    { "space before '@'", KAT_LOCAL " @reply.example.com", PROXY_MALFORMED },
    { "no '-'", "k1" KAT_B32 "@reply.example.com", PROXY_MALFORMED },
    { "'.' for '-'", "k1." KAT_B32 "@reply.example.com", PROXY_MALFORMED },
    { "empty key id", "-" KAT_B32 "@reply.example.com", PROXY_MALFORMED },
    { "key id of 9", "abcdefghi-" KAT_B32 "@reply.example.com",
      PROXY_MALFORMED },
    { "key id with '_'", "k_1-" KAT_B32 "@reply.example.com", PROXY_MALFORMED },
    { "key id with UTF-8", "k\xc3\xa9-" KAT_B32 "@reply.example.com",
      PROXY_MALFORMED },
    { "empty base32 part", "k1-@reply.example.com", PROXY_MALFORMED },
    { "empty base32 part, +detail", "k1-+x@reply.example.com",
      PROXY_MALFORMED },
    { "second '-'", "k1--" KAT_B32 "@reply.example.com", PROXY_MALFORMED },
    { "'-' inside base32", "k1-t6dnbamijr6wlgrp5kqm-kwwqcvp2t6ajirbi4izfvy"
      "@reply.example.com", PROXY_MALFORMED },
    { "digit 0 in base32", "k1-t6dnbamijr6wlgrp5kq0kwwqcvp2t6ajirbi4izfvy"
      "@reply.example.com", PROXY_MALFORMED },
    { "digit 1 as last char", "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfv1"
      "@reply.example.com", PROXY_MALFORMED },
    { "'=' padding", KAT_LOCAL "======@reply.example.com", PROXY_MALFORMED },
    { "base32 of 43", KAT_LOCAL "a@reply.example.com", PROXY_MALFORMED },
    { "non-canonical last char", "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvz"
      "@reply.example.com", PROXY_MALFORMED },
    { "truncated, bad char", "k1-t6dnbamijr6w1@reply.example.com",
      PROXY_MALFORMED },
    { "+detail with space", KAT_LOCAL "+a b@reply.example.com",
      PROXY_MALFORMED },
    { "+detail with quote", KAT_LOCAL "+a\"b@reply.example.com",
      PROXY_MALFORMED },
    { "+detail with '@'", KAT_LOCAL "+a@b@reply.example.com", PROXY_MALFORMED },
    { "+detail with backslash", KAT_LOCAL "+a\\b@reply.example.com",
      PROXY_MALFORMED },
    { "+detail with control", KAT_LOCAL "+a\x01@reply.example.com",
      PROXY_MALFORMED },
    { "+detail with UTF-8", KAT_LOCAL "+\xc3\xa9@reply.example.com",
      PROXY_MALFORMED },
    { "'@' in local part", "k1@" KAT_B32 "@reply.example.com",
      PROXY_MALFORMED },

    /* Truncated. */
    { "41 characters", "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfv"
      "@reply.example.com", PROXY_TRUNCATED },
    { "20 characters", "k1-t6dnbamijr6wlgrp5kqm@reply.example.com",
      PROXY_TRUNCATED },
    { "1 character", "k1-t@reply.example.com", PROXY_TRUNCATED },
    { "truncated, upper case", "K1-T6DNBAMIJR6WLGRP5KQM@REPLY.EXAMPLE.COM",
      PROXY_TRUNCATED },
    { "truncated, +detail", "k1-t6dnbamijr6wlgrp5kqm+x@reply.example.com",
      PROXY_TRUNCATED },
    { "truncated, unknown key", "k9-t6dnbamijr6wlgrp5kqm@reply.example.com",
      PROXY_TRUNCATED },

    /* Unknown key. */
    { "unknown key id", "k9-" KAT_B32 "@reply.example.com", PROXY_UNKNOWN_KEY },
    { "unknown key id, upper case", "K9-" KAT_B32 "@reply.example.com",
      PROXY_UNKNOWN_KEY },
    { "key id prefix", "k-" KAT_B32 "@reply.example.com", PROXY_UNKNOWN_KEY },
    { "longest key id", "abcdefgh-" KAT_B32 "@reply.example.com",
      PROXY_UNKNOWN_KEY },

    /* Forged. */
    { "SID changed", "k1-a6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy"
      "@reply.example.com", PROXY_FORGED },
    { "tag changed", "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfva"
      "@reply.example.com", PROXY_FORGED },
};

static void test_decode_table(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    size_t i;

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const struct decode_case *c = decode_cases + i;
        char sid[CONVERSATION_SID_LEN + 1];
        enum proxy_status got;

        memset(sid, 'x', sizeof(sid));
        got = decode(keys, c->address, sid);
        if (got != c->want)
            fail_msg("%s: \"%s\": got %s, want %s", c->name, c->address,
                     proxy_status_text(got), proxy_status_text(c->want));
        if (got == PROXY_OK)
            assert_string_equal(sid, KAT_SID);
        else
            assert_string_equal(sid, "");
    }
    address_keys_free(keys);
}

/* Every single-bit change of the SID or the tag is caught. */
static void test_every_bit_flip_is_forged(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    unsigned char raw[26];
    char sid[CONVERSATION_SID_LEN + 1];
    size_t bit;

    assert_int_equal(base32_decode(KAT_B32, strlen(KAT_B32), raw, sizeof(raw)),
                     sizeof(raw));
    for (bit = 0; bit < 8 * sizeof(raw); bit++) {
        struct buf *address = buf_create(0);
        enum proxy_status got;

        raw[bit / 8] ^= (unsigned char) (0x80 >> bit % 8);
        buf_append_str(address, "k1-");
        base32_encode(raw, sizeof(raw), address);
        buf_append_str(address, "@reply.example.com");
        raw[bit / 8] ^= (unsigned char) (0x80 >> bit % 8);
        got = decode(keys, address->data, sid);
        if (got != PROXY_FORGED)
            fail_msg("bit %zu (%s): %s: got %s", bit,
                     bit < 128 ? "SID" : "tag", address->data,
                     proxy_status_text(got));
        buf_free(address);
    }
    address_keys_free(keys);
}

/* Tags made with the wrong secret, or under another key id, do not verify. */
static void test_wrong_key_is_forged(void **state)
{
    struct address_keys *wrong = test_keys("k1 " OTHER_SECRET "\n");
    struct address_keys *moved = test_keys("k2 " KAT_SECRET "\n");
    char sid[CONVERSATION_SID_LEN + 1];

    assert_int_equal(decode(wrong, KAT_ADDRESS, sid), PROXY_FORGED);
    /* The key id is part of the MAC: the same secret under k2 refuses it. */
    assert_int_equal(decode(moved, "k2-" KAT_B32 "@reply.example.com", sid),
                     PROXY_FORGED);
    address_keys_free(wrong);
    address_keys_free(moved);
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Random SIDs in mixed-case hex: short lowercase local parts that roundtrip. */
static void test_roundtrip_and_shape(void **state)
{
    struct address_keys *keys = test_keys("abcdefgh " OTHER_SECRET "\n");
    uint32_t seed = 12345;
    int round;

    for (round = 0; round < 500; round++) {
        char in[CONVERSATION_SID_LEN + 1];
        char want[CONVERSATION_SID_LEN + 1];
        char got[CONVERSATION_SID_LEN + 1];
        const char *domain = domains[round % NDOMAINS];
        char *address;
        char *at;
        int i;

        in[0] = want[0] = 'C';
        in[1] = want[1] = 'H';
        for (i = 2; i < CONVERSATION_SID_LEN; i++) {
            uint32_t r = xorshift(&seed);

            want[i] = "0123456789abcdef"[r % 16];
            in[i] = (r & 0x100) ? "0123456789ABCDEF"[r % 16] : want[i];
        }
        in[CONVERSATION_SID_LEN] = want[CONVERSATION_SID_LEN] = '\0';
        assert_true(conversation_sid_valid(in));
        address = encode_ok(keys, domain, in);
        at = strchr(address, '@');
        assert_non_null(at);
        assert_string_equal(at + 1, domain);
        /* Longest key id: 8 + 1 + 42 = 51, within RFC 5321's 64. */
        assert_int_equal(at - address, 51);
        assert_true(at - address <= 64);
        assert_int_equal(strspn(address, "abcdefghijklmnopqrstuvwxyz"
                                "0123456789-"), (size_t) (at - address));
        assert_int_equal(decode(keys, address, got), PROXY_OK);
        assert_string_equal(got, want);
        free(address);
    }
    address_keys_free(keys);
}

/*
 * Key rotation: new addresses use the first key, every listed key verifies,
 * and an address made under a key that has been dropped is UNKNOWN_KEY.
 */
static void test_key_rotation(void **state)
{
    struct address_keys *before = test_keys("k1 " KAT_SECRET "\n");
    struct address_keys *during = test_keys("# rotated\nk2 " OTHER_SECRET
                                            "\nk1 " KAT_SECRET "\n");
    struct address_keys *after = test_keys("k2 " OTHER_SECRET "\n");
    char sid[CONVERSATION_SID_LEN + 1];
    char *old_address;
    char *new_address;

    old_address = encode_ok(before, "reply.example.com", KAT_SID);
    assert_string_equal(old_address, KAT_ADDRESS);

    /* Rotated to {k2, k1}: the old address still decodes; k2 signs. */
    assert_int_equal(decode(during, old_address, sid), PROXY_OK);
    assert_string_equal(sid, KAT_SID);
    new_address = encode_ok(during, "reply.example.com", KAT_SID);
    assert_memory_equal(new_address, "k2-", 3);
    assert_string_not_equal(new_address, old_address);
    assert_int_equal(decode(during, new_address, sid), PROXY_OK);
    assert_string_equal(sid, KAT_SID);
    /* A host still on the old keys does not know k2. */
    assert_int_equal(decode(before, new_address, sid), PROXY_UNKNOWN_KEY);

    /* k1 dropped: the old address is refused, the new one still works. */
    assert_int_equal(decode(after, old_address, sid), PROXY_UNKNOWN_KEY);
    assert_int_equal(decode(after, new_address, sid), PROXY_OK);
    assert_string_equal(sid, KAT_SID);

    free(old_address);
    free(new_address);
    address_keys_free(before);
    address_keys_free(during);
    address_keys_free(after);
}

static void test_sid_syntax(void **state)
{
    static const char *const bad[] = {
        "",
        "CH",
        "ch9f86d081884c7d659a2feaa0c55ad015",       /* prefix is upper case */
        "Ch9f86d081884c7d659a2feaa0c55ad015",
        "MG9f86d081884c7d659a2feaa0c55ad015",       /* another resource */
        "CH9f86d081884c7d659a2feaa0c55ad01",        /* 31 hex digits */
        "CH9f86d081884c7d659a2feaa0c55ad0150",      /* 33 hex digits */
        "CH9f86d081884c7d659a2feaa0c55ad01g",       /* not hex */
        "CH9f86d081884c7d659a2feaa0c55ad01 ",
        " CH9f86d081884c7d659a2feaa0c55ad015",
        "CH-f86d081884c7d659a2feaa0c55ad015",
    };
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    size_t i;

    assert_true(conversation_sid_valid(KAT_SID));
    assert_true(conversation_sid_valid("CH9F86D081884C7D659A2FEAA0C55AD015"));
    assert_false(conversation_sid_valid(NULL));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf *out = buf_create(0);
        struct buf *why = buf_create(0);
        struct buf *want = buf_create(0);

        if (conversation_sid_valid(bad[i]))
            fail_msg("\"%s\" is valid", bad[i]);
        assert_int_equal(proxy_address_encode(keys, "reply.example.com",
                                              bad[i], out, why), -1);
        assert_int_equal(out->len, 0);
        buf_printf(want, "malformed conversation SID \"%s\": expected CH and "
                   "32 hex digits", bad[i]);
        assert_string_equal(why->data, want->data);
        buf_free(out);
        buf_free(why);
        buf_free(want);
    }
    address_keys_free(keys);
}

static void test_encode_refusals(void **state)
{
    static const char *const bad_domains[] = {
        "", "reply example.com", "x@reply.example.com", "reply.example.com\n",
        "r\xc3\xa9ply.example.com",
    };
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    struct address_keys none = { 0, NULL };
    struct buf *out = buf_create(0);
    struct buf *why = buf_create(0);
    size_t i;

    for (i = 0; i < sizeof(bad_domains) / sizeof(bad_domains[0]); i++) {
        buf_reset(why);
        assert_int_equal(proxy_address_encode(keys, bad_domains[i], KAT_SID,
                                              out, why), -1);
        assert_memory_equal(why->data, "bad proxy domain \"", 18);
    }
    buf_reset(why);
    assert_int_equal(proxy_address_encode(keys, NULL, KAT_SID, out, why), -1);
    assert_string_equal(why->data, "bad proxy domain \"\"");
    buf_reset(why);
    assert_int_equal(proxy_address_encode(&none, "reply.example.com", KAT_SID,
                                          out, why), -1);
    assert_string_equal(why->data, "no address keys to sign with");
    assert_int_equal(out->len, 0);
    buf_free(out);
    buf_free(why);
    address_keys_free(keys);
}

/* RFC 5321's 254-character address limit, with a long proxy domain. */
static void test_address_length_limit(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    struct buf *fits = buf_create(0);     /* 45 + 1 + 208 = 254 */
    struct buf *long_domain = buf_create(0);
    struct buf *out = buf_create(0);
    struct buf *why = buf_create(0);
    char sid[CONVERSATION_SID_LEN + 1];
    const char *dom[1];
    int i;

    for (i = 0; i < 4; i++)
        buf_append_str(fits, "abcdefghijklmnopqrstuvwxyz"
                       "abcdefghijklmnopqrstuvwxyz.");
    buf_truncate(fits, 208);
    assert_int_equal(fits->len, 208);
    buf_append_str(long_domain, fits->data);
    buf_append_str(long_domain, "x");

    dom[0] = fits->data;
    assert_int_equal(proxy_address_encode(keys, fits->data, KAT_SID, out, why),
                     0);
    assert_int_equal(out->len, 254);
    assert_int_equal(proxy_address_decode(keys, dom, 1, out->data, sid),
                     PROXY_OK);
    assert_string_equal(sid, KAT_SID);

    buf_reset(out);
    dom[0] = long_domain->data;
    assert_int_equal(proxy_address_encode(keys, long_domain->data, KAT_SID,
                                          out, why), -1);
    buf_printf(out, "%s@%s", KAT_LOCAL, long_domain->data);
    assert_int_equal(out->len, 255);
    assert_int_equal(proxy_address_decode(keys, dom, 1, out->data, sid),
                     PROXY_MALFORMED);

    buf_free(fits);
    buf_free(long_domain);
    buf_free(out);
    buf_free(why);
    address_keys_free(keys);
}

/* No domains, no keys, NULL and empty configured domains: refused, no crash. */
static void test_degenerate_inputs(void **state)
{
    static const char *const odd_domains[] = { NULL, "" };
    char sid[CONVERSATION_SID_LEN + 1];
    struct address_keys none = { 0, NULL };

    assert_int_equal(proxy_address_decode(&none, domains, 0, KAT_ADDRESS, sid),
                     PROXY_NOT_PROXY_DOMAIN);
    assert_int_equal(proxy_address_decode(&none, odd_domains, 2,
                                          KAT_LOCAL "@", sid),
                     PROXY_NOT_PROXY_DOMAIN);
    assert_int_equal(decode(&none, KAT_ADDRESS, sid), PROXY_UNKNOWN_KEY);
    assert_int_equal(decode(NULL, KAT_ADDRESS, sid), PROXY_UNKNOWN_KEY);
    assert_int_equal(decode(&none, NULL, sid), PROXY_NOT_PROXY_DOMAIN);
}

static void test_status_text(void **state)
{
    enum proxy_status s;
    const char *seen[PROXY_FORGED + 1];

    for (s = PROXY_OK; s <= PROXY_FORGED; s++) {
        enum proxy_status t;

        seen[s] = proxy_status_text(s);
        assert_non_null(seen[s]);
        for (t = PROXY_OK; t < s; t++)
            assert_string_not_equal(seen[s], seen[t]);
    }
    assert_string_equal(proxy_status_text(PROXY_FORGED),
                        "forged proxy address: the tag does not verify");
    assert_string_equal(proxy_status_text((enum proxy_status) 99),
                        "unknown proxy address status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_every_bit_flip_is_forged),
        cmocka_unit_test(test_wrong_key_is_forged),
        cmocka_unit_test(test_roundtrip_and_shape),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_sid_syntax),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_address_length_limit),
        cmocka_unit_test(test_degenerate_inputs),
        cmocka_unit_test(test_status_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
