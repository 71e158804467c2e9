/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_job - the spool payload of a capture: what the milter
 * writes (a JSON line, then the message) decodes to the same fields and
 * the same raw bytes, and its capture to the same struct (a file's bytes
 * decoded); version 1 (the message in base64) still decodes, with a
 * capture from before the later members; the dedupe key follows the
 * Message-ID (hashed when hostile), or the message's hash; bad payloads,
 * and payloads whose capture does not read, are refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "capture.h"
#include "capture_job.h"
#include "spool.h"

#define SID "CH0123456789abcdef0123456789abcdef"

static const char message[] =
    "From: Building Contact <contact@building.example>\r\n"
    "To: k1-x@reply.example.com\r\n"
    "Subject: Re: Office\r\n"
    "Message-ID: <m1@building.example>\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "\r\n"
    "Oui, c'est libre.\r\n";

static struct capture *parse(const char *raw, size_t len)
{
    struct capture_options opts = { 1024 * 1024, NULL, 0, NULL };
    struct capture *cap;
    struct buf *why = buf_create(64);

    if (capture_parse(raw, len, "contact@building.example", &opts, &cap,
                      why) < 0)
        fail_msg("capture_parse: %s", why->data);
    buf_free(why);
    return cap;
}

/* The spool's image of a job: payload, then the message; decoded. */
static struct capture_job *decode_with(struct buf *payload, const char *raw,
                                       size_t len)
{
    struct buf *why = buf_create(64);
    struct capture_job *job;

    buf_append(payload, raw, len);
    if ((job = capture_job_decode(payload->data, payload->len, why)) == NULL)
        fail_msg("decode: %s", why->data);
    buf_free(why);
    return job;
}

static void test_roundtrip(void **state)
{
    struct capture *cap = parse(message, sizeof(message) - 1);
    struct capture_job_info info = {
        SID, "k1-x@reply.example.com", "bad\xff sender@x", "DA23951C392", 1764150000,
        NULL,
    };
    struct buf *payload = buf_create(256);
    struct capture_job *job;
    char size[64];

    (void) state;
    capture_job_encode(&info, cap, sizeof(message) - 1, payload);
    /* One line of JSON; the spool stores the message right after it. */
    assert_ptr_equal(strchr(payload->data, '\n'),
                     payload->data + payload->len - 1);
    assert_non_null(strstr(payload->data, "\"version\":2,"));
    snprintf(size, sizeof(size), ",\"raw_size\":%zu}\n", sizeof(message) - 1);
    assert_non_null(strstr(payload->data, size));
    job = decode_with(payload, message, sizeof(message) - 1);
    assert_string_equal(job->conversation_sid, SID);
    assert_string_equal(job->proxy_address, "k1-x@reply.example.com");
    assert_string_equal(job->envelope_sender, "bad\xef\xbf\xbd sender@x");
    assert_string_equal(job->queue_id, "DA23951C392");
    assert_int_equal(job->received, 1764150000);
    assert_string_equal(job->bounce_tag, "");       /* none recorded */
    assert_null(strstr(payload->data, "bounce_tag"));
    assert_int_equal(job->raw_len, sizeof(message) - 1);
    assert_memory_equal(job->raw, message, job->raw_len);
    assert_string_equal(job->capture->text, "Oui, c'est libre.");
    assert_int_equal(job->capture->classification, CAPTURE_REPLY);
    assert_string_equal(job->capture->from_address,
                        "contact@building.example");
    assert_string_equal(job->capture->message_id, "m1@building.example");
    capture_job_free(job);
    capture_free(cap);
    buf_free(payload);
}

/* The status of the recipient's bounce tag travels with the job. */
static void test_bounce_tag(void **state)
{
    struct capture *cap = parse(message, sizeof(message) - 1);
    struct capture_job_info info = {
        SID, "k1-x+babc@reply.example.com", "", "DA23951C392", 1764150000,
        "valid",
    };
    struct buf *payload = buf_create(256);
    struct capture_job *job;

    (void) state;
    capture_job_encode(&info, cap, sizeof(message) - 1, payload);
    assert_non_null(strstr(payload->data, "\"bounce_tag\":\"valid\""));
    job = decode_with(payload, message, sizeof(message) - 1);
    assert_string_equal(job->bounce_tag, "valid");
    assert_string_equal(job->envelope_sender, "");
    capture_job_free(job);
    capture_free(cap);
    buf_free(payload);
}

/* A file travels as its bytes: base64 in the payload, decoded in the job. */
static void test_attachment_bytes(void **state)
{
    static const char mime[] =
        "From: Building Contact <contact@building.example>\r\n"
        "Subject: Plan\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "See the plan.\r\n"
        "--b1\r\n"
        "Content-Type: application/octet-stream; name=\"plan.bin\"\r\n"
        "Content-Disposition: attachment; filename=\"plan.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "AP8BAgMKDQ==\r\n"
        "--b1--\r\n";
    static const unsigned char bytes[] = {0, 0xff, 1, 2, 3, '\n', '\r'};
    struct capture *cap = parse(mime, sizeof(mime) - 1);
    struct capture_job_info info = {
        SID, "k1-x@reply.example.com", "contact@building.example", "", 1,
        NULL,
    };
    struct buf *payload = buf_create(256);
    struct capture_job *job;

    (void) state;
    capture_job_encode(&info, cap, sizeof(mime) - 1, payload);
    assert_non_null(strstr(payload->data, "\"data\":\"AP8BAgMKDQ==\""));
    job = decode_with(payload, mime, sizeof(mime) - 1);
    assert_int_equal(job->capture->attachment_count, 1);
    assert_string_equal(job->capture->attachments[0].name, "plan.bin");
    assert_int_equal(job->capture->attachments[0].kept, 1);
    assert_int_equal(job->capture->attachments[0].size, sizeof(bytes));
    assert_memory_equal(job->capture->attachments[0].data, bytes,
                        sizeof(bytes));
    capture_job_free(job);
    capture_free(cap);
    buf_free(payload);
}

/*
 * A job written by an earlier version (the message in base64) reads; its
 * capture, from before sender_authentication, structure_error, inline and
 * forward_dropped existed, reads with their defaults.
 */
static void test_version1(void **state)
{
    static const char v1[] =
        "{\"version\":1,\"conversation_sid\":\"" SID "\","
        "\"proxy_address\":\"k1-x@reply.example.com\","
        "\"envelope_sender\":\"c@b.example\",\"queue_id\":\"4F1\","
        "\"received\":1764150000,\"capture\":{\"classification\":\"reply\","
        "\"auto_reply_reason\":null,\"from\":{\"address\":\"a@b\","
        "\"name\":\"\"},\"subject\":\"\",\"message_id\":null,"
        "\"in_reply_to\":null,\"references\":null,"
        "\"authentication_results\":[],\"dkim\":null,\"spf\":null,"
        "\"dmarc\":null,\"text\":\"hi\",\"attachments\":[]},"
        "\"raw\":\"RnJvbTogYUBiDQoNCmhpDQo=\"}";
    struct buf *why = buf_create(64);
    struct capture_job *job;

    (void) state;
    job = capture_job_decode(v1, sizeof(v1) - 1, why);
    if (job == NULL)
        fail_msg("decode: %s", why->data);
    assert_int_equal(job->raw_len, 17);
    assert_memory_equal(job->raw, "From: a@b\r\n\r\nhi\r\n", 17);
    assert_string_equal(job->queue_id, "4F1");
    assert_string_equal(job->capture->text, "hi");
    assert_string_equal(job->capture->from_address, "a@b");
    assert_null(job->capture->auth_method);
    assert_string_equal(job->capture->auth_detail,
                        "no authentication recorded");
    assert_null(job->capture->structure_error);
    assert_false(job->capture->reply_inline);
    capture_job_free(job);
    buf_free(why);
}

static void test_keys(void **state)
{
    struct capture *cap = parse(message, sizeof(message) - 1);
    struct buf *key = buf_create(64);
    char *long_mid = malloc(2000);

    capture_job_key(SID, cap, message, sizeof(message) - 1, key);
    assert_string_equal(key->data, SID " mid:m1@building.example");

    /* A hostile Message-ID is hashed, to stay within the spool's limit. */
    memset(long_mid, 'a', 1999);
    long_mid[1999] = '\0';
    free(cap->message_id);
    cap->message_id = long_mid;
    buf_reset(key);
    capture_job_key(SID, cap, message, sizeof(message) - 1, key);
    assert_int_equal(strncmp(key->data, SID " mid-sha256:", 46), 0);
    assert_int_equal(key->len, 46 + 64);
    assert_true(key->len <= SPOOL_KEY_MAX);

    /* Without a Message-ID: the content key (test_content_key). */
    free(cap->message_id);
    cap->message_id = NULL;
    buf_reset(key);
    capture_job_key(SID, cap, "abc", 3, key);
    /* No Date either: the SHA-256 of the bytes. */
    assert_string_equal(key->data, SID " sha256:"
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    buf_reset(key);
    capture_job_key(SID, cap, "Date: x\n\nabc", 12, key);
    /* SHA-256 of "date:x\n\nabc": the content key. */
    assert_string_equal(key->data, SID " content:"
        "40253ed1229210f294fc0e996531e83af4d34e6f468b94fdae0544f56a15d4e4");
    capture_free(cap);
    buf_free(key);
}

static void test_refusals(void **state)
{
    static const char *const bad[][2] = {
        {"not json", "bad JSON"},
        {"{}", "capture job:"},
        {"{\"version\":3,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw_size\":0}\n", "unknown version"},
        /* Version 2: the size must match what follows the line. */
        {"{\"version\":2,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw_size\":5}\nabcd", "raw_size does not match "
         "the 4 bytes"},
        {"{\"version\":2,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw_size\":-1}\n", "raw_size does not match"},
        {"{\"version\":2,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw_size\":0}", "no raw message after the JSON"},
        {"{\"version\":2,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw\":\"\"}\n", "raw_size does not match"},
        /* Version 1 held everything in the JSON. */
        {"{\"version\":1,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw\":\"\"}\nmore", "bytes after the JSON"},
        {"{\"version\":1,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw_size\":0}", "version 1 without raw"},
        {"{\"version\":1,\"conversation_sid\":\"CHxyz\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw\":\"\"}", "bad conversation_sid"},
        {"{\"version\":1,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":[],\"raw\":\"\"}", "capture is not an object"},
        {"{\"version\":1,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw\":\"!!!\"}", "raw is not base64"},
        {"{\"version\":1,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"capture\":{},\"raw\":\"\",\"extra\":1}", "unknown members"},
        {"{\"version\":1,\"conversation_sid\":\"" SID "\",\"proxy_address\":\"a\","
         "\"envelope_sender\":\"\",\"queue_id\":\"\",\"received\":1,"
         "\"bounce_tag\":true,\"capture\":{},\"raw\":\"\"}", "capture job:"},
        /* The capture itself must read (capture_from_json()). */
        {"{\"version\":2,\"conversation_sid\":\"" SID "\","
         "\"proxy_address\":\"a\",\"envelope_sender\":\"\",\"queue_id\":\"\","
         "\"received\":1,\"capture\":{},\"raw_size\":0}\n",
         "capture job: capture member "
         "\"classification\" is missing"},
        {"{\"version\":1,\"conversation_sid\":\"" SID "\","
         "\"proxy_address\":\"a\",\"envelope_sender\":\"\",\"queue_id\":\"\","
         "\"received\":1,\"capture\":{\"classification\":\"bounce\"},"
         "\"raw\":\"\"}",
         "capture job: capture member \"auto_reply_reason\" is missing"},
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf *why = buf_create(64);

        print_message("refuse %zu\n", i);
        assert_null(capture_job_decode(bad[i][0], strlen(bad[i][0]), why));
        if (strstr(why->data, bad[i][1]) == NULL)
            fail_msg("\"%s\" lacks \"%s\"", why->data, bad[i][1]);
        buf_free(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_bounce_tag),
        cmocka_unit_test(test_attachment_bytes),
        cmocka_unit_test(test_version1),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_refusals),
    };

    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
