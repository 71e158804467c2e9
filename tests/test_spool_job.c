/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_job - the spool job file format: spool_job_format() images are
 * accepted by spool_job_parse(), and every kind of damage is refused with its
 * own message.  The refusals are one table, one case per way to be wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "spool_job.h"
#include "xalloc.h"

#define V   "postmask-job 1\n"
#define ID  "id: 6745A1B2C3D4E5F6\n"
#define KD  "kind: capture\n"
#define CR  "created: 1700000000\n"
#define AT  "attempts: 2\n"
#define NX  "next-attempt: 1700000600\n"
#define PS0 "payload-size: 0\n"
#define PS3 "payload-size: 3\n"
#define GOOD_HEAD   V ID KD CR AT NX PS3 "\n"

/* A literal image with its length (it may hold NUL bytes). */
#define IMG(s)  s, sizeof(s) - 1

static struct spool_job *sample_job(void)
{
    static const unsigned char payload[] = {
        'a', 0, 'b', 0xff, 0x80, '\n', '\r', 0, 0xc3, 0xa9,
    };
    struct spool_job *job = xcalloc(1, sizeof(*job));

    memcpy(job->id, "6745A1B2C3D4E5F6", SPOOL_ID_LEN + 1);
    job->kind = xstrdup("twilio_message");
    job->dedupe_key = xstrdup("IM0123 %x\xc3\xa9\t\x7f end");
    job->created = 1700000000;
    job->attempts = 7;
    job->next_attempt = 1700003600;
    job->last_error = xstrdup("HTTP 503\nfrom twilio");
    job->payload = xmemdup(payload, sizeof(payload));
    job->payload_len = sizeof(payload);
    return job;
}

static void test_roundtrip(void **state)
{
    struct spool_job *job = sample_job();
    struct spool_job *back = NULL;
    struct buf *image = buf_create(64);
    struct buf *why = buf_create(64);

    spool_job_format(job, image);
    assert_int_equal(spool_job_parse(image->data, image->len, 1, &back, why),
                     0);
    assert_string_equal(why->data, "");
    assert_string_equal(back->id, job->id);
    assert_string_equal(back->kind, job->kind);
    assert_string_equal(back->dedupe_key, job->dedupe_key);
    assert_int_equal(back->created, job->created);
    assert_int_equal(back->attempts, job->attempts);
    assert_int_equal(back->next_attempt, job->next_attempt);
    /* The newline was folded to a space. */
    assert_string_equal(back->last_error, "HTTP 503 from twilio");
    assert_int_equal(back->payload_len, job->payload_len);
    assert_memory_equal(back->payload, job->payload, job->payload_len);
    assert_int_equal(back->released, 0);
    spool_job_free(back);

    /* Released: written as "released: 1" and read back. */
    job->released = 1;
    buf_reset(image);
    spool_job_format(job, image);
    assert_non_null(strstr(image->data, "\nreleased: 1\n"));
    assert_int_equal(spool_job_parse(image->data, image->len, 1, &back, why),
                     0);
    assert_int_equal(back->released, 1);
    spool_job_free(back);
    job->released = 0;
    buf_reset(image);
    spool_job_format(job, image);
    assert_null(strstr(image->data, "released"));

    /* Without the payload: size checked, bytes not copied. */
    assert_int_equal(spool_job_parse(image->data, image->len, 0, &back, why),
                     0);
    assert_null(back->payload);
    assert_int_equal(back->payload_len, job->payload_len);
    spool_job_free(back);

    buf_free(image);
    buf_free(why);
    spool_job_free(job);
}

static void test_format_image(void **state)
{
    struct spool_job *job = sample_job();
    struct buf *image = buf_create(64);
    static const char head[] =
        "postmask-job 1\n"
        "id: 6745A1B2C3D4E5F6\n"
        "kind: twilio_message\n"
        "dedupe: IM0123%20%25x%C3%A9%09%7F%20end\n"
        "created: 1700000000\n"
        "attempts: 7\n"
        "next-attempt: 1700003600\n"
        "last-error: HTTP 503 from twilio\n"
        "payload-size: 10\n"
        "\n";

    spool_job_format(job, image);
    assert_int_equal(image->len, sizeof(head) - 1 + job->payload_len);
    assert_memory_equal(image->data, head, sizeof(head) - 1);
    assert_memory_equal(image->data + sizeof(head) - 1, job->payload,
                        job->payload_len);
    buf_free(image);
    spool_job_free(job);
}

/* Optional fields are left out; an empty payload is fine. */
static void test_minimal(void **state)
{
    struct spool_job *job = NULL;
    struct buf *why = buf_create(64);
    struct buf *image = buf_create(64);

    assert_int_equal(spool_job_parse(IMG(V ID KD CR AT NX PS0 "\n"), 1, &job,
                                     why), 0);
    assert_null(job->dedupe_key);
    assert_null(job->last_error);
    assert_int_equal(job->released, 0);     /* as in files from before it */
    assert_non_null(job->payload);
    assert_int_equal(job->payload_len, 0);
    spool_job_format(job, image);
    assert_string_equal(image->data, V ID KD CR AT NX PS0 "\n");
    spool_job_free(job);

    /* Field order is free. */
    assert_int_equal(spool_job_parse(IMG(V PS3 NX AT CR KD ID "\nabc"), 1,
                                     &job, why), 0);
    assert_memory_equal(job->payload, "abc", 3);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(spool_job_parse(IMG(V PS3 "released: 1\n" NX AT CR KD ID
                                         "\nabc"), 1, &job, why), 0);
    assert_int_equal(job->released, 1);
    spool_job_free(job);
    buf_free(image);
    buf_free(why);
}

/* last_error is cut to SPOOL_ERROR_MAX and control characters are folded. */
static void test_format_error_limits(void **state)
{
    struct spool_job *job = sample_job();
    struct spool_job *back = NULL;
    struct buf *image = buf_create(64);
    struct buf *why = buf_create(64);
    char *long_error = xmalloc(SPOOL_ERROR_MAX + 101);

    memset(long_error, 'x', SPOOL_ERROR_MAX + 100);
    long_error[0] = '\x1b';
    long_error[SPOOL_ERROR_MAX + 100] = '\0';
    free(job->last_error);
    job->last_error = long_error;
    spool_job_format(job, image);
    assert_int_equal(spool_job_parse(image->data, image->len, 0, &back, why),
                     0);
    assert_int_equal(strlen(back->last_error), SPOOL_ERROR_MAX);
    assert_int_equal(back->last_error[0], ' ');
    spool_job_free(back);

    /* An empty last_error is left out, not written empty. */
    job->last_error[0] = '\0';
    buf_reset(image);
    spool_job_format(job, image);
    assert_null(strstr(image->data, "last-error"));
    buf_free(image);
    buf_free(why);
    spool_job_free(job);
}

static void test_parse_head(void **state)
{
    static const char image[] = GOOD_HEAD "abc";
    struct spool_job *job = NULL;
    struct buf *why = buf_create(64);
    size_t head = sizeof(GOOD_HEAD) - 1;

    /* The header alone, from a file of the right size. */
    assert_int_equal(spool_job_parse_head(image, head, head + 3, &job, why), 0);
    assert_null(job->payload);
    assert_int_equal(job->payload_len, 3);
    spool_job_free(job);
    /* More than the header read: fine too. */
    assert_int_equal(spool_job_parse_head(image, head + 2, head + 3, &job,
                                          why), 0);
    spool_job_free(job);
    /* The file's size disagrees with payload-size. */
    assert_int_equal(spool_job_parse_head(image, head, head + 2, &job, why),
                     -1);
    assert_string_equal(why->data, "truncated payload: 2 of 3 bytes");
    buf_reset(why);
    assert_int_equal(spool_job_parse_head(image, head, head + 4, &job, why),
                     -1);
    assert_string_equal(why->data, "1 trailing bytes after the payload");
    buf_reset(why);
    /* Only part of the header read. */
    assert_int_equal(spool_job_parse_head(image, 30, head + 3, &job, why), -1);
    assert_string_equal(why->data, "truncated header: no blank line");
    buf_free(why);
}

struct bad_case {
    const char *name;
    const char *image;
    size_t len;
    const char *why;
};

static const struct bad_case bad_cases[] = {
    {"empty file", IMG(""), "bad version line: not a postmask job"},
    {"other file", IMG("From: x\n\n"), "bad version line: not a postmask job"},
    {"cut version line", IMG("postmask-jo"),
     "bad version line: not a postmask job"},
    {"version with CR", IMG("postmask-job 1\r\n" ID KD CR AT NX PS0 "\n"),
     "unsupported job format version"},
    {"future version", IMG("postmask-job 2\n" ID KD CR AT NX PS0 "\n"),
     "unsupported job format version"},
    {"header cut", IMG(V ID KD CR), "truncated header: no blank line"},
    {"header cut mid-line", IMG(V ID "kin"), "truncated header: no blank line"},
    {"missing id", IMG(V KD CR AT NX PS0 "\n"), "missing field \"id\""},
    {"missing kind", IMG(V ID CR AT NX PS0 "\n"), "missing field \"kind\""},
    {"missing created", IMG(V ID KD AT NX PS0 "\n"),
     "missing field \"created\""},
    {"missing attempts", IMG(V ID KD CR NX PS0 "\n"),
     "missing field \"attempts\""},
    {"missing next-attempt", IMG(V ID KD CR AT PS0 "\n"),
     "missing field \"next-attempt\""},
    {"missing payload-size", IMG(V ID KD CR AT NX "\n"),
     "missing field \"payload-size\""},
    {"duplicate attempts", IMG(V ID KD CR AT AT NX PS0 "\n"),
     "line 6: duplicate field \"attempts\""},
    {"duplicate dedupe", IMG(V ID KD "dedupe: a\n" "dedupe: a\n" CR AT NX PS0
                             "\n"), "line 5: duplicate field \"dedupe\""},
    {"unknown field", IMG(V ID KD "color: red\n" CR AT NX PS0 "\n"),
     "line 4: unknown field \"color\""},
    {"uppercase field name", IMG(V "ID: 6745A1B2C3D4E5F6\n" KD CR AT NX PS0
                                 "\n"), "line 2: malformed header line"},
    {"no colon", IMG(V ID "kind capture\n" CR AT NX PS0 "\n"),
     "line 3: malformed header line"},
    {"no space after colon", IMG(V ID "kind:capture\n" CR AT NX PS0 "\n"),
     "line 3: malformed header line"},
    {"empty kind", IMG(V ID "kind: \n" CR AT NX PS0 "\n"),
     "line 3: empty field \"kind\""},
    {"empty dedupe", IMG(V ID KD "dedupe: \n" CR AT NX PS0 "\n"),
     "line 4: empty field \"dedupe\""},
    {"empty last-error", IMG(V ID KD CR AT NX "last-error: \n" PS0 "\n"),
     "line 7: empty field \"last-error\""},
    {"released 0", IMG(V ID KD CR AT NX "released: 0\n" PS0 "\n"),
     "line 7: number out of range in field \"released\""},
    {"released 2", IMG(V ID KD CR AT NX "released: 2\n" PS0 "\n"),
     "line 7: number out of range in field \"released\""},
    {"released yes", IMG(V ID KD CR AT NX "released: yes\n" PS0 "\n"),
     "line 7: bad number in field \"released\""},
    {"released twice", IMG(V ID KD CR AT NX "released: 1\nreleased: 1\n" PS0
                           "\n"), "line 8: duplicate field \"released\""},
    {"empty number", IMG(V ID KD CR "attempts: \n" NX PS0 "\n"),
     "line 5: empty field \"attempts\""},
    {"bad kind", IMG(V ID "kind: Capture\n" CR AT NX PS0 "\n"),
     "line 3: bad job kind"},
    {"kind too long", IMG(V ID "kind: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" CR AT
                          NX PS0 "\n"), "line 3: bad job kind"},
    {"lowercase id", IMG(V "id: 6745a1b2c3d4e5f6\n" KD CR AT NX PS0 "\n"),
     "line 2: bad job ID"},
    {"short id", IMG(V "id: 6745A1B2C3D4E5F\n" KD CR AT NX PS0 "\n"),
     "line 2: bad job ID"},
    {"id path", IMG(V "id: ../../../etc/pwd\n" KD CR AT NX PS0 "\n"),
     "line 2: bad job ID"},
    {"leading zero", IMG(V ID KD CR "attempts: 01\n" NX PS0 "\n"),
     "line 5: bad number in field \"attempts\""},
    {"negative number", IMG(V ID KD "created: -1\n" AT NX PS0 "\n"),
     "line 4: bad number in field \"created\""},
    {"plus sign", IMG(V ID KD CR AT NX "payload-size: +0\n" "\n"),
     "line 7: bad number in field \"payload-size\""},
    {"trailing junk in number", IMG(V ID KD CR AT "next-attempt: 12a\n" PS0
                                    "\n"),
     "line 6: bad number in field \"next-attempt\""},
    {"number with space", IMG(V ID KD CR "attempts: 2 \n" NX PS0 "\n"),
     "line 5: bad number in field \"attempts\""},
    {"attempts too large", IMG(V ID KD CR "attempts: 4294967296\n" NX PS0
                               "\n"),
     "line 5: number out of range in field \"attempts\""},
    {"time beyond 9999", IMG(V ID KD "created: 253402300800\n" AT NX PS0
                             "\n"),
     "line 4: number out of range in field \"created\""},
    {"huge number", IMG(V ID KD CR AT NX "payload-size: 99999999999999999999\n"
                        "\n"),
     "line 7: number out of range in field \"payload-size\""},
    {"payload too large", IMG(V ID KD CR AT NX "payload-size: 67108865\n"
                              "\n"),
     "line 7: number out of range in field \"payload-size\""},
    {"percent at end", IMG(V ID KD "dedupe: ab%4\n" CR AT NX PS0 "\n"),
     "line 4: bad percent-encoding in field \"dedupe\" at offset 2"},
    {"percent not hex", IMG(V ID KD "dedupe: %G1\n" CR AT NX PS0 "\n"),
     "line 4: bad percent-encoding in field \"dedupe\" at offset 0"},
    {"encoded NUL", IMG(V ID KD "dedupe: a%00b\n" CR AT NX PS0 "\n"),
     "line 4: encoded NUL byte in field \"dedupe\""},
    {"raw 8-bit byte", IMG(V ID KD "dedupe: a\xc3\xa9\n" CR AT NX PS0 "\n"),
     "line 4: byte 0xc3 must be percent-encoded in field \"dedupe\""},
    {"raw space", IMG(V ID KD "dedupe: a b\n" CR AT NX PS0 "\n"),
     "line 4: byte 0x20 must be percent-encoded in field \"dedupe\""},
    {"control character", IMG(V ID KD CR AT NX "last-error: a\rb\n" PS0 "\n"),
     "line 7: control character in field \"last-error\""},
    {"NUL in header", IMG(V ID "kind: cap\0ture\n" CR AT NX PS0 "\n"),
     "line 3: control character in field \"kind\""},
    {"payload cut", IMG(V ID KD CR AT NX PS3 "\nab"),
     "truncated payload: 2 of 3 bytes"},
    {"payload missing", IMG(V ID KD CR AT NX PS3 "\n"),
     "truncated payload: 0 of 3 bytes"},
    {"trailing bytes", IMG(V ID KD CR AT NX PS3 "\nabcdef"),
     "3 trailing bytes after the payload"},
    {"trailing newline", IMG(V ID KD CR AT NX PS0 "\n\n"),
     "1 trailing bytes after the payload"},
};

static void test_bad_images(void **state)
{
    struct spool_job *job;
    struct buf *why = buf_create(64);
    size_t i;

    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];

        buf_reset(why);
        job = NULL;
        print_message("case: %s\n", c->name);
        assert_int_equal(spool_job_parse(c->image, c->len, 1, &job, why), -1);
        assert_null(job);
        assert_string_equal(why->data, c->why);
        /* The header-only parser says the same. */
        buf_reset(why);
        assert_int_equal(spool_job_parse_head(c->image, c->len, c->len, &job,
                                              why), -1);
        assert_string_equal(why->data, c->why);
    }
    buf_free(why);
}

/* Limits that need more text than a literal: built at run time. */
static void test_bad_lengths(void **state)
{
    struct spool_job *job = NULL;
    struct buf *image = buf_create(16384);
    struct buf *why = buf_create(64);
    size_t i;

    /* A header longer than SPOOL_JOB_HEAD_MAX. */
    buf_append_str(image, V ID KD "dedupe: ");
    for (i = 0; i < SPOOL_JOB_HEAD_MAX; i++)
        buf_append_char(image, 'k');
    buf_append_str(image, "\n" CR AT NX PS0 "\n");
    assert_int_equal(spool_job_parse(image->data, image->len, 1, &job, why),
                     -1);
    assert_string_equal(why->data, "header longer than 8192 bytes");

    /* A dedupe key longer than SPOOL_KEY_MAX once decoded. */
    buf_reset(image);
    buf_reset(why);
    buf_append_str(image, V ID KD "dedupe: ");
    for (i = 0; i < SPOOL_KEY_MAX + 1; i++)
        buf_append_str(image, "%41");
    buf_append_str(image, "\n" CR AT NX PS0 "\n");
    assert_int_equal(spool_job_parse(image->data, image->len, 1, &job, why),
                     -1);
    assert_string_equal(why->data, "line 4: dedupe key longer than 998 bytes");

    /* ... and one of exactly SPOOL_KEY_MAX bytes is fine. */
    buf_reset(image);
    buf_append_str(image, V ID KD "dedupe: ");
    for (i = 0; i < SPOOL_KEY_MAX; i++)
        buf_append_str(image, "%41");
    buf_append_str(image, "\n" CR AT NX PS0 "\n");
    assert_int_equal(spool_job_parse(image->data, image->len, 1, &job, why),
                     0);
    assert_int_equal(strlen(job->dedupe_key), SPOOL_KEY_MAX);
    spool_job_free(job);

    /* A last-error longer than SPOOL_ERROR_MAX. */
    buf_reset(image);
    buf_reset(why);
    buf_append_str(image, V ID KD CR AT NX "last-error: ");
    for (i = 0; i < SPOOL_ERROR_MAX + 1; i++)
        buf_append_char(image, 'e');
    buf_append_str(image, "\n" PS0 "\n");
    assert_int_equal(spool_job_parse(image->data, image->len, 1, &job, why),
                     -1);
    assert_string_equal(why->data, "line 7: last-error longer than 512 bytes");

    buf_free(image);
    buf_free(why);
}

struct name_case {
    const char *text;
    int valid;
};

static void test_id_and_kind_valid(void **state)
{
    static const struct name_case ids[] = {
        {"6745A1B2C3D4E5F6", 1},
        {"0000000000000000", 1},
        {"6745a1b2c3d4e5f6", 0},        /* lowercase */
        {"6745A1B2C3D4E5F", 0},         /* short */
        {"6745A1B2C3D4E5F60", 0},       /* long */
        {"6745A1B2C3D4E5G6", 0},        /* not hex */
        {"../x", 0},
        {"../../6745A1B2C3", 0},
        {"6745A1B2/3D4E5F6", 0},
        {"", 0},
    };
    static const struct name_case kinds[] = {
        {"capture", 1},
        {"twilio_message", 1},
        {"a1", 1},
        {"abcdefghijklmnopqrstuvwxyz012345", 1},    /* 32 */
        {"abcdefghijklmnopqrstuvwxyz0123456", 0},   /* 33 */
        {"", 0},
        {"Capture", 0},
        {"cap-ture", 0},
        {"cap ture", 0},
        {"../x", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        print_message("id: \"%s\"\n", ids[i].text);
        assert_int_equal(spool_id_valid(ids[i].text), ids[i].valid);
    }
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        print_message("kind: \"%s\"\n", kinds[i].text);
        assert_int_equal(spool_kind_valid(kinds[i].text), kinds[i].valid);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_format_image),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_format_error_limits),
        cmocka_unit_test(test_parse_head),
        cmocka_unit_test(test_bad_images),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_id_and_kind_valid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
