/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bounce_tag - the bounce tag of envelope senders (bounce_tag.h): a
 * pinned known-answer vector, expiry at both ends, the day wrap, a wrong key,
 * key rotation, truncation, every one-bit flip, letter case, and the limit
 * on key ids that keeps the local part within 64 characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounce_tag.h"
#include "proxy_address.h"
#include "testutil.h"

/*
 * Known-answer vector, computed independently with Python's standard
 * library (never change it: a tag handed out must verify while it lives):
 *
 *   import hmac, hashlib, base64
 *   sid = bytes.fromhex("9f86d081884c7d659a2feaa0c55ad015")
 *   day = (1700000000 // 86400 % 65536).to_bytes(2, "big")   # 0x4cdb
 *   msg = b"postmask-bounce-v1\0k1\0" + sid + b"\0" + day
 *   mac = hmac.new(b"postmask-test-key-0123456789abcdef", msg,
 *                  hashlib.sha256).digest()[:5]             # f9f834d0ce
 *   base64.b32encode(day + mac).decode().rstrip("=").lower()
 */
#define KAT_SECRET   "postmask-test-key-0123456789abcdef"
#define KAT_SID      "CH9f86d081884c7d659a2feaa0c55ad015"
#define KAT_PROXY    "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy"
#define KAT_TAG      "jtn7t6bu2dha"
#define KAT_NOW      ((time_t) 1700000000)
#define KAT_ADDRESS  KAT_PROXY "+b" KAT_TAG "@reply.example.com"

#define OTHER_SECRET "another-secret-for-the-tests-987654"
#define DAY          86400L
#define WEEK         (7 * DAY)

static char *encode_ok(const struct address_keys *keys, const char *sid,
                       time_t now)
{
    struct buf *out = buf_create(0);
    struct buf *why = buf_create(0);

    if (bounce_tag_encode(keys, "reply.example.com", sid, now, out, why) != 0)
        fail_msg("encode %s: %s", sid, why->data);
    buf_free(why);
    return buf_detach(out, NULL);
}

static void test_known_answer(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    char sid[CONVERSATION_SID_LEN + 1];
    char *address = encode_ok(keys, KAT_SID, KAT_NOW);
    const char *domains[] = { "reply.example.com" };

    (void) state;
    assert_string_equal(address, KAT_ADDRESS);
    assert_int_equal(bounce_tag_verify(keys, address, KAT_NOW, WEEK),
                     BOUNCE_TAG_OK);
    /* The proxy address decoder ignores the detail: still the proxy. */
    assert_int_equal(proxy_address_decode(keys, domains, 1, address, sid),
                     PROXY_OK);
    assert_string_equal(sid, KAT_SID);
    free(address);
    address_keys_free(keys);
}

static void test_expiry(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    time_t day_start = KAT_NOW - KAT_NOW % DAY;
    /* Made at the very start of its day: valid for lifetime + one day. */
    char *address = encode_ok(keys, KAT_SID, day_start);
    static const struct {
        long offset;
        long lifetime;
        enum bounce_tag_status want;
    } cases[] = {
        { 0, WEEK, BOUNCE_TAG_OK },
        { DAY - 1, WEEK, BOUNCE_TAG_OK },
        { WEEK, WEEK, BOUNCE_TAG_OK },
        { WEEK + DAY, WEEK, BOUNCE_TAG_OK },            /* the last second */
        { WEEK + DAY + 1, WEEK, BOUNCE_TAG_EXPIRED },
        { 30 * DAY, WEEK, BOUNCE_TAG_EXPIRED },
        { 2 * DAY, 3600, BOUNCE_TAG_EXPIRED },
        { DAY + 3600, 3600, BOUNCE_TAG_OK },
        { DAY + 3601, 3600, BOUNCE_TAG_EXPIRED },
        { 364 * DAY, 365 * DAY, BOUNCE_TAG_OK },
        /* From the future: one day of clock skew, no more. */
        { -1, WEEK, BOUNCE_TAG_OK },
        { -DAY, WEEK, BOUNCE_TAG_OK },
        { -DAY - 1, WEEK, BOUNCE_TAG_EXPIRED },
        { -10 * DAY, WEEK, BOUNCE_TAG_EXPIRED },
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum bounce_tag_status got =
            bounce_tag_verify(keys, address, day_start + cases[i].offset,
                              cases[i].lifetime);

        if (got != cases[i].want)
            fail_msg("case %zu (offset %ld, lifetime %ld): %s, want %s", i,
                     cases[i].offset, cases[i].lifetime,
                     bounce_tag_status_name(got),
                     bounce_tag_status_name(cases[i].want));
    }
    free(address);
    address_keys_free(keys);
}

static void test_day_wrap(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    time_t last = (time_t) 65535 * DAY + 100;   /* day 65535: 0xffff */
    char *address = encode_ok(keys, KAT_SID, last);

    (void) state;
    assert_non_null(strstr(address, "+b777"));  /* 0xffff ... */
    /* Day 65536 is day 0 modulo 65536: one day old, not 65535 ahead. */
    assert_int_equal(bounce_tag_verify(keys, address, last + DAY, WEEK),
                     BOUNCE_TAG_OK);
    assert_int_equal(bounce_tag_verify(keys, address, last + 6 * DAY, WEEK),
                     BOUNCE_TAG_OK);
    assert_int_equal(bounce_tag_verify(keys, address, last + 9 * DAY, WEEK),
                     BOUNCE_TAG_EXPIRED);
    /* And one made on day 0 (= 65536) is one day ahead of day 65535. */
    free(address);
    address = encode_ok(keys, KAT_SID, (time_t) 65536 * DAY + 5);
    assert_int_equal(bounce_tag_verify(keys, address, last, WEEK),
                     BOUNCE_TAG_OK);
    assert_int_equal(bounce_tag_verify(keys, address, last - DAY, WEEK),
                     BOUNCE_TAG_EXPIRED);
    free(address);
    address_keys_free(keys);
}

static void test_wrong_key(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    struct address_keys *other = test_keys("k1 " OTHER_SECRET "\n");
    struct address_keys *k2 = test_keys("k2 " KAT_SECRET "\n");

    (void) state;
    /* Same key id, another secret; another key id: both forged. */
    assert_int_equal(bounce_tag_verify(other, KAT_ADDRESS, KAT_NOW, WEEK),
                     BOUNCE_TAG_FORGED);
    assert_int_equal(bounce_tag_verify(k2, KAT_ADDRESS, KAT_NOW, WEEK),
                     BOUNCE_TAG_FORGED);
    assert_int_equal(bounce_tag_verify(NULL, KAT_ADDRESS, KAT_NOW, WEEK),
                     BOUNCE_TAG_FORGED);
    /* A forgery is a forgery even when its day is long past. */
    assert_int_equal(bounce_tag_verify(other, KAT_ADDRESS, KAT_NOW + 90 * DAY,
                                       WEEK), BOUNCE_TAG_FORGED);
    /* The tag is bound to its conversation: moved onto another one. */
    {
        char *again = encode_ok(keys, "CH00000000000000000000000000000001",
                                KAT_NOW);
        char moved[128];
        const char *plus = strchr(again, '+');

        snprintf(moved, sizeof(moved), "%.*s+b" KAT_TAG "@reply.example.com",
                 (int) (plus - again), again);
        assert_int_equal(bounce_tag_verify(keys, moved, KAT_NOW, WEEK),
                         BOUNCE_TAG_FORGED);
        free(again);
    }
    address_keys_free(keys);
    address_keys_free(other);
    address_keys_free(k2);
}

static void test_key_rotation(void **state)
{
    struct address_keys *old = test_keys("k1 " KAT_SECRET "\n");
    struct address_keys *both = test_keys("k2 " OTHER_SECRET "\n"
                                          "k1 " KAT_SECRET "\n");
    struct address_keys *new_only = test_keys("k2 " OTHER_SECRET "\n");
    char *address;

    (void) state;
    /* A tag of the old key verifies while the old key is still listed. */
    assert_int_equal(bounce_tag_verify(both, KAT_ADDRESS, KAT_NOW, WEEK),
                     BOUNCE_TAG_OK);
    assert_int_equal(bounce_tag_verify(new_only, KAT_ADDRESS, KAT_NOW, WEEK),
                     BOUNCE_TAG_FORGED);
    /* New tags are signed by the first key. */
    address = encode_ok(both, KAT_SID, KAT_NOW);
    assert_true(strncmp(address, "k2-", 3) == 0);
    assert_int_equal(bounce_tag_verify(new_only, address, KAT_NOW, WEEK),
                     BOUNCE_TAG_OK);
    assert_int_equal(bounce_tag_verify(old, address, KAT_NOW, WEEK),
                     BOUNCE_TAG_FORGED);
    free(address);
    address_keys_free(old);
    address_keys_free(both);
    address_keys_free(new_only);
}

static void test_shapes(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    static const struct {
        const char *name;
        const char *address;
        enum bounce_tag_status want;
    } cases[] = {
        { "the vector", KAT_ADDRESS, BOUNCE_TAG_OK },
        { "upper case", "K1-T6DNBAMIJR6WLGRP5KQMKWWQCVP2T6AJIRBI4IZFVY+B"
          "JTN7T6BU2DHA@REPLY.EXAMPLE.COM", BOUNCE_TAG_OK },
        { "mixed case", "k1-T6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy+B"
          "jTn7t6bu2dha@reply.example.com", BOUNCE_TAG_OK },
        { "no detail", KAT_PROXY "@reply.example.com", BOUNCE_TAG_NONE },
        { "other detail", KAT_PROXY "+news@reply.example.com",
          BOUNCE_TAG_NONE },
        { "no at", KAT_PROXY "+b" KAT_TAG, BOUNCE_TAG_NONE },
        { "truncated tag", KAT_PROXY "+bjtn7t6bu2dh@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "tag cut to one", KAT_PROXY "+bj@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "empty tag", KAT_PROXY "+b@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "tag too long", KAT_PROXY "+bjtn7t6bu2dhaa@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "non-canonical tag", KAT_PROXY "+bjtn7t6bu2dhb@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "bad character", KAT_PROXY "+bjtn7t6bu2d1a@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "second detail", KAT_PROXY "+b" KAT_TAG "+x@reply.example.com",
          BOUNCE_TAG_MALFORMED },
        { "truncated proxy", "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfv+b"
          KAT_TAG "@reply.example.com", BOUNCE_TAG_MALFORMED },
        { "no dash", "k1t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy+b"
          KAT_TAG "@reply.example.com", BOUNCE_TAG_MALFORMED },
        { "bad key id", "k!-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy+b"
          KAT_TAG "@reply.example.com", BOUNCE_TAG_MALFORMED },
        { "unknown key id", "k9-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy+b"
          KAT_TAG "@reply.example.com", BOUNCE_TAG_FORGED },
        { "over 64", "k1234567-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy+b"
          KAT_TAG "@reply.example.com", BOUNCE_TAG_MALFORMED },
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum bounce_tag_status got = bounce_tag_verify(keys, cases[i].address,
                                                       KAT_NOW, WEEK);

        if (got != cases[i].want)
            fail_msg("%s: %s, want %s", cases[i].name,
                     bounce_tag_status_name(got),
                     bounce_tag_status_name(cases[i].want));
    }
    address_keys_free(keys);
}

/* Every single-bit change of the tag or the proxy part: never valid. */
static void test_every_bit_flip(void **state)
{
    struct address_keys *keys = test_keys("k1 " KAT_SECRET "\n");
    char address[] = KAT_ADDRESS;
    size_t local = strlen(KAT_PROXY "+b" KAT_TAG), i;
    int bit;

    (void) state;
    for (i = 0; i < local; i++) {
        for (bit = 0; bit < 8; bit++) {
            char saved = address[i];
            enum bounce_tag_status got;

            address[i] = (char) (address[i] ^ (1 << bit));
            got = bounce_tag_verify(keys, address, KAT_NOW, WEEK);
            /*
             * Flipping the letter-case bit of a letter changes nothing;
             * a flip in the proxy part's own tag bytes is the proxy
             * decoder's business (its MAC is not covered here).
             */
            if (got == BOUNCE_TAG_OK
                && !(bit == 5 && ((saved >= 'a' && saved <= 'z')))
                && !(i >= 3 + 25 && i < strlen(KAT_PROXY)))
                fail_msg("flip of bit %d at %zu verified: %s", bit, i,
                         address);
            address[i] = saved;
        }
    }
    address_keys_free(keys);
}

static void test_keyid_limit(void **state)
{
    struct address_keys *seven = test_keys("abcdefg " KAT_SECRET "\n");
    struct address_keys *eight = test_keys("abcdefgh " KAT_SECRET "\n");
    struct buf *out = buf_create(0), *why = buf_create(0);
    char *address = encode_ok(seven, KAT_SID, KAT_NOW);

    (void) state;
    assert_int_equal(strchr(address, '@') - address, 64);
    assert_int_equal(bounce_tag_verify(seven, address, KAT_NOW, WEEK),
                     BOUNCE_TAG_OK);
    assert_int_equal(bounce_tag_encode(eight, "reply.example.com", KAT_SID,
                                       KAT_NOW, out, why), -1);
    assert_string_equal(out->data, "");
    assert_non_null(strstr(why->data, "64"));
    buf_reset(why);
    assert_int_equal(bounce_tag_encode(seven, "reply.example.com", "CH1",
                                       KAT_NOW, out, why), -1);
    assert_string_equal(out->data, "");
    free(address);
    buf_free(out);
    buf_free(why);
    address_keys_free(seven);
    address_keys_free(eight);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_day_wrap),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_keyid_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
