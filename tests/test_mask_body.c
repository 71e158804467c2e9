/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mask_body - mask_body() on whole messages: text/plain in 7bit,
 * quoted-printable, base64, ISO-8859-1, Shift_JIS and UTF-16; text/html;
 * multipart/alternative, multipart/mixed with a binary attachment, nested
 * multiparts and an attached message; no match; LF input; refusals.
 *
 * Every masked message is checked three ways: (1) put the old content of
 * each text part back into the new message and it must equal the old one
 * byte for byte (headers, boundaries, preamble and every other part
 * untouched); (2) each text part's decoded text must be the old decoded
 * text with the seeker's address replaced and nothing else; (3) each text
 * part keeps its Content-Transfer-Encoding and charset (they are in the
 * bytes compared by (1)).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "buf.h"
#include "capture.h"
#include "mask.h"

#define PROXY "k1-c4nqx7@reply.example.com"
#define SEEKER "seeker@x.com"
#define MAX_WINDOWS 32

struct window {
    size_t start;
    size_t end;
    char *text;                 /* decoded to UTF-8 (g_free) */
};

struct parsed {
    GMimeMessage *msg;
    struct window w[MAX_WINDOWS];
    size_t count;
};

/* Text template, "\n" made CRLF. */
static struct buf *crlf(const char *text)
{
    struct buf *b = buf_create(strlen(text) * 2 + 16);

    for (; *text; text++) {
        if (*text == '\n')
            buf_append_char(b, '\r');
        buf_append_char(b, *text);
    }
    return b;
}

static void collect(GMimeObject *obj, struct parsed *p)
{
    if (GMIME_IS_MULTIPART(obj)) {
        int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

        for (i = 0; i < n; i++)
            collect(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), p);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

        if (m != NULL)
            collect(g_mime_message_get_mime_part(m), p);
    } else if (GMIME_IS_TEXT_PART(obj)) {
        GMimeContentType *ct = g_mime_object_get_content_type(obj);
        GMimeStream *s;

        if (!g_mime_content_type_is_type(ct, "text", "plain")
            && !g_mime_content_type_is_type(ct, "text", "html"))
            return;
        assert_true(p->count < MAX_WINDOWS);
        s = g_mime_data_wrapper_get_stream(g_mime_part_get_content(GMIME_PART(obj)));
        p->w[p->count].start = (size_t) s->bound_start;
        p->w[p->count].end = (size_t) s->bound_end;
        p->w[p->count].text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
        p->count++;
    }
}

static void parse(const char *raw, size_t len, struct parsed *p)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);

    memset(p, 0, sizeof(*p));
    p->msg = g_mime_parser_construct_message(parser, NULL);
    assert_non_null(p->msg);
    collect(g_mime_message_get_mime_part(p->msg), p);
    g_object_unref(parser);
    g_object_unref(stream);
}

static void parsed_free(struct parsed *p)
{
    size_t i;

    for (i = 0; i < p->count; i++)
        g_free(p->w[i].text);
    g_object_unref(p->msg);
}

/*
 * text with every SEEKER (any case) made PROXY, where no local-part
 * character comes before it (the fixtures need no more of the rule).
 */
static char *replaced(const char *text)
{
    struct buf *b = buf_create(strlen(text) + 64);
    size_t n = strlen(SEEKER);
    int prev = ' ';

    while (*text) {
        if (strncasecmp(text, SEEKER, n) == 0
            && strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_+", prev) == NULL) {
            buf_append_str(b, PROXY);
            text += n;
            prev = 'm';
        } else {
            prev = *text;
            buf_append_char(b, *text++);
        }
    }
    return buf_detach(b, NULL);
}

static size_t body_start(const char *raw, size_t len)
{
    const char *p = strstr(raw, "\r\n\r\n");
    const char *q = strstr(raw, "\n\n");

    if (p != NULL && (q == NULL || p < q))
        return (size_t) (p - raw) + 4;
    return q ? (size_t) (q - raw) + 2 : len;
}

static struct mask_list seeker_only(void)
{
    struct mask_list list;
    struct mask_header from = {"From", " Sam <seeker@x.com>"};

    mask_originals("<seeker@x.com>", &from, 1, PROXY, &list);
    return list;
}

/*
 * Masks raw (CRLF), expects rc; when 1, checks the new message as the
 * file comment says and returns it (headers + new body) for more checks.
 */
static struct buf *mask_and_verify(const struct buf *raw, int want_rc)
{
    struct mask_list orig = seeker_only();
    struct buf *out = buf_create(64), *why = buf_create(64);
    struct buf *msg, *back;
    struct parsed before, after;
    size_t start = body_start(raw->data, raw->len), i, pos;
    int rc = mask_body(raw->data, raw->len, &orig, PROXY, out, why);

    if (rc != want_rc)
        fail_msg("mask_body returned %d (%s), want %d", rc, why->data, want_rc);
    mask_list_free(&orig);
    if (rc != 1) {
        assert_int_equal(out->len, 0);
        buf_free(out);
        buf_free(why);
        return NULL;
    }
    msg = buf_create(raw->len + out->len);
    buf_append(msg, raw->data, start);
    buf_append(msg, out->data, out->len);

    parse(raw->data, raw->len, &before);
    parse(msg->data, msg->len, &after);
    assert_int_equal(before.count, after.count);
    back = buf_create(raw->len);
    for (i = 0, pos = 0; i < after.count; i++) {
        char *want = replaced(before.w[i].text);

        if (strcmp(want, after.w[i].text) != 0)
            fail_msg("text part %zu:\n[%s]\nwant\n[%s]", i, after.w[i].text,
                     want);
        free(want);
        buf_append(back, msg->data + pos, after.w[i].start - pos);
        buf_append(back, raw->data + before.w[i].start,
                   before.w[i].end - before.w[i].start);
        pos = after.w[i].end;
    }
    buf_append(back, msg->data + pos, msg->len - pos);
    if (back->len != raw->len || memcmp(back->data, raw->data, raw->len) != 0)
        fail_msg("outside the text parts the message changed:\n%s\n----\n%s",
                 back->data, raw->data);
    parsed_free(&before);
    parsed_free(&after);
    buf_free(back);
    buf_free(out);
    buf_free(why);
    return msg;
}

static void verify(const char *template, int want_rc)
{
    struct buf *raw = crlf(template);

    buf_free(mask_and_verify(raw, want_rc));
    buf_free(raw);
}

#define HDR "From: Sam <" PROXY ">\nTo: bob@building.example\nSubject: Office\n" \
    "MIME-Version: 1.0\n"

static void test_plain_7bit(void **state)
{
    struct buf *raw = crlf(HDR "Content-Type: text/plain; charset=us-ascii\n"
                           "\nHello Bob,\n\nwrite to Seeker@X.com (or seeker@x.com.)"
                           "\nnot jimseeker@x.com\n\n-- \nSam, SEEKER@x.COM\n");
    struct buf *msg = mask_and_verify(raw, 1);

    assert_non_null(strstr(msg->data, "\r\n\r\nHello Bob,\r\n\r\nwrite to "
                           PROXY " (or " PROXY ".)\r\nnot jimseeker@x.com\r\n"
                           "\r\n-- \r\nSam, " PROXY "\r\n"));
    buf_free(msg);
    buf_free(raw);
}

static void test_quoted_printable(void **state)
{
    struct buf *raw = crlf(HDR "Content-Type: text/plain; charset=utf-8\n"
                           "Content-Transfer-Encoding: quoted-printable\n\n"
                           "Mail seeker=40x.com or seek=\ner@x.com, caf=C3=A9 =E2=80=94 "
                           "a line long enough to need a soft line break when "
                           "the address in it grows longer\n");
    struct buf *msg = mask_and_verify(raw, 1);

    assert_non_null(strstr(msg->data, "Content-Transfer-Encoding: quoted-printable"));
    assert_non_null(strstr(msg->data, "caf=C3=A9 =\r\n=E2=80=94"));
    buf_free(msg);
    buf_free(raw);
}

/*
 * Re-encoding moves quoted-printable soft line breaks: here the new break
 * falls right before "--b--x", which unescaped would close the multipart.
 */
static void test_qp_no_new_boundary(void **state)
{
    struct buf *raw = crlf(HDR "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
                           "--b\nContent-Type: text/plain\n"
                           "Content-Transfer-Encoding: quoted-printable\n\n"
                           "seeker@x.com aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaa--b--x\n--b--\n");
    struct buf *msg = mask_and_verify(raw, 1);

    assert_non_null(strstr(msg->data, "a=\r\n=2D-b--x\r\n--b--\r\n"));
    buf_free(msg);
    buf_free(raw);
}

static void test_base64(void **state)
{
    /* "Hello,\r\nmail me at seeker@x.com\r\nSam\r\n" */
    verify(HDR "Content-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: base64\n\n"
           "SGVsbG8sDQptYWlsIG1lIGF0IHNlZWtlckB4LmNvbQ0KU2FtDQo=\n", 1);
}

static void test_latin1(void **state)
{
    struct buf *raw = crlf(HDR "Content-Type: text/plain; charset=ISO-8859-1\n"
                           "Content-Transfer-Encoding: 8bit\n\n"
                           "R\xe9ponse \xe0 seeker@x.com, s'il vous pla\xeet.\n");
    struct buf *msg = mask_and_verify(raw, 1);

    /* The bytes stay ISO-8859-1. */
    assert_non_null(strstr(msg->data, "R\xe9ponse \xe0 " PROXY ", s'il vous pla\xeet."));
    buf_free(msg);
    buf_free(raw);

    verify(HDR "Content-Type: text/plain; charset=\"iso-8859-1\"\n"
           "Content-Transfer-Encoding: quoted-printable\n\n"
           "R=E9ponse =E0 seeker@x.com.\n", 1);
}

static void test_html(void **state)
{
    verify(HDR "Content-Type: text/html; charset=utf-8\n\n"
           "<p>Write to <a href=\"mailto:seeker@x.com?subject=Office\">"
           "seeker@x.com</a></p>\n", 1);
}

/* mask_body() on raw (LF made CRLF): the new body, which the caller frees. */
static struct buf *masked_body(const char *template, const char *original)
{
    struct buf *raw = crlf(template), *out = buf_create(256);
    struct buf *why = buf_create(64);
    char *addr = strdup(original);
    struct mask_list orig;

    orig.count = 1;
    orig.items = &addr;
    assert_int_equal(mask_body(raw->data, raw->len, &orig, PROXY, out, why),
                     1);
    free(addr);
    buf_free(raw);
    buf_free(why);
    return out;
}

/*
 * An original written with HTML character references: shown as the
 * address by every client, so masked; the references of other text stay.
 */
static void test_html_references(void **state)
{
    struct buf *out;

    (void) state;
    out = masked_body(HDR "Content-Type: text/html; charset=utf-8\n\n"
                      "<p>Write to seeker&#64;x.com, seeker&#x40;X.com; or "
                      "seeker&commat;x&period;com &amp; &lt;seeker@x.com&gt;"
                      " &#115;eeker@x.com</p><p>Caf&eacute; &amp; more</p>\n",
                      "seeker@x.com");
    assert_non_null(strstr(out->data, "<p>Write to " PROXY ", " PROXY "; or "
                           PROXY " &amp; &lt;" PROXY "&gt; " PROXY "</p>"
                           "<p>Caf&eacute; &amp; more</p>"));
    buf_free(out);
    /* Characters an address may hold that HTML must escape. */
    out = masked_body(HDR "Content-Type: text/html; charset=utf-8\n\n"
                      "<p>o&#39;brien@x.com and a&amp;b@x.com</p>\n",
                      "o'brien@x.com");
    assert_non_null(strstr(out->data, "<p>" PROXY " and a&amp;b@x.com</p>"));
    buf_free(out);
    out = masked_body(HDR "Content-Type: text/html; charset=utf-8\n"
                      "Content-Transfer-Encoding: quoted-printable\n\n"
                      "<p>a=26amp;b&#64;x.com</p>\n", "a&b@x.com");
    assert_non_null(strstr(out->data, "<p>" PROXY "</p>"));
    buf_free(out);
}

/* In text/plain a reference is text, not the character: left alone. */
static void test_plain_references_are_text(void **state)
{
    struct buf *raw = crlf(HDR "Content-Type: text/plain; charset=utf-8\n\n"
                           "Literally seeker&#64;x.com\n");
    struct buf *out = buf_create(64), *why = buf_create(64);
    struct mask_list orig = seeker_only();

    (void) state;
    assert_int_equal(mask_body(raw->data, raw->len, &orig, PROXY, out, why),
                     0);
    mask_list_free(&orig);
    buf_free(raw);
    buf_free(out);
    buf_free(why);
}

static void test_alternative(void **state)
{
    verify(HDR "Content-Type: multipart/alternative; boundary=\"alt-1\"\n\n"
           "This is a multi-part message in MIME format.\n"
           "--alt-1\nContent-Type: text/plain; charset=utf-8\n"
           "Content-Transfer-Encoding: quoted-printable\n\n"
           "Reply to seeker@x.com =E2=80=94 Sam\n"
           "--alt-1\nContent-Type: text/html; charset=utf-8\n"
           "Content-Transfer-Encoding: base64\n\n"
           "PHA+UmVwbHkgdG8gc2Vla2VyQHguY29tIOKAlCBTYW08L3A+\n"
           "--alt-1--\nepilogue seeker@x.com stays\n", 1);
}

static void test_mixed_binary(void **state)
{
    /* The attachments must not change, even where they hold the address. */
    struct buf *raw = crlf(HDR "Content-Type: multipart/mixed; boundary=mix\n\n"
                           "--mix\nContent-Type: text/plain\n\nSee seeker@x.com\n"
                           "--mix\nContent-Type: application/octet-stream\n"
                           "Content-Disposition: attachment; filename=\"a.bin\"\n"
                           "Content-Transfer-Encoding: base64\n\n"
                           "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygp"
                           "KissLS4vMDEyMzQ1Njc4OTo7PD0+P3NlZWtlckB4LmNvbf/+/fw=\n"
                           "--mix\nContent-Type: application/x-raw\n"
                           "Content-Transfer-Encoding: 8bit\n\n"
                           "\x01\x02seeker@x.com\xff\xfe\n"
                           "--mix\nContent-Type: text/plain; name=\"notes.txt\"\n"
                           "Content-Disposition: attachment; filename=\"notes.txt\"\n\n"
                           "notes for seeker@x.com\n"
                           "--mix--\n");
    struct buf *msg = mask_and_verify(raw, 1);

    assert_non_null(strstr(msg->data, "KissLS4vMDEyMzQ1Njc4OTo7PD0+P3NlZWtlckB4LmNvbf/+/fw=\r\n"));
    assert_non_null(memmem(msg->data, msg->len, "\x01\x02seeker@x.com\xff\xfe\r\n", 18));
    assert_non_null(strstr(msg->data, "notes for " PROXY "\r\n"));
    buf_free(msg);
    buf_free(raw);
}

static void test_nested(void **state)
{
    verify(HDR "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
           "--outer\n"
           "Content-Type: multipart/alternative; boundary=\"inner\"\n\n"
           "--inner\nContent-Type: text/plain\n\nplain seeker@x.com\n"
           "--inner\nContent-Type: multipart/related; boundary=\"rel\"\n\n"
           "--rel\nContent-Type: text/html\n\n<b>seeker@x.com</b>\n"
           "--rel\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n"
           "iVBORw0KGgo=\n"
           "--rel--\n"
           "--inner--\n"
           "--outer\nContent-Type: message/rfc822\n\n"
           "From: Sam <seeker@x.com>\nSubject: earlier\n"
           "Content-Type: text/plain\n\nquoted: seeker@x.com wrote\n"
           "--outer--\n", 1);
}

static void test_no_match(void **state)
{
    verify(HDR "Content-Type: multipart/alternative; boundary=b\n\n"
           "--b\nContent-Type: text/plain\n\nno address here, jimseeker@x.com\n"
           "--b\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
           "PHA+aGk8L3A+\n--b--\n", 0);
    verify(HDR "\n", 0);
    verify(HDR, 0);
}

static void test_lf_input(void **state)
{
    const char *raw = "From: a@b.example\nSubject: x\n\nline seeker@x.com\nend\n";
    struct mask_list orig = seeker_only();
    struct buf *out = buf_create(64), *why = buf_create(64);

    assert_int_equal(mask_body(raw, strlen(raw), &orig, PROXY, out, why), 1);
    assert_string_equal(out->data, "line " PROXY "\r\nend\r\n");
    mask_list_free(&orig);
    buf_free(out);
    buf_free(why);
}

static void test_wide_charsets(void **state)
{
    /*
     * Shift_JIS: 0x82 0x73 is a full-width T, whose second byte is 's':
     * "\x82\x73eeker@x.com" holds no address and must stay; the real one
     * after it is masked.
     */
    struct buf *raw = crlf(HDR "Content-Type: text/plain; charset=Shift_JIS\n"
                           "Content-Transfer-Encoding: 8bit\n\n"
                           "\x82\x73" "eeker@x.com \x98\x41\x97\x8d seeker@x.com\n");
    struct buf *msg = mask_and_verify(raw, 1);

    assert_non_null(strstr(msg->data, "\x82\x73" "eeker@x.com \x98\x41\x97\x8d "
                           PROXY "\r\n"));
    buf_free(msg);
    buf_free(raw);

    /* UTF-16LE with a BOM, in base64: "Hi seeker@x.com\r\n" */
    verify(HDR "Content-Type: text/plain; charset=utf-16\n"
           "Content-Transfer-Encoding: base64\n\n"
           "//5IAGkAIABzAGUAZQBrAGUAcgBAAHgALgBjAG8AbQANAAoA\n", 1);
}

static void test_refusals(void **state)
{
    struct mask_list orig = seeker_only(), many = {0, NULL};
    struct buf *out = buf_create(64), *why = buf_create(64);
    struct buf *raw = buf_create(8192);
    const char *uu = "From: a@b.example\nContent-Type: text/plain\n"
        "Content-Transfer-Encoding: x-uuencode\n\n"
        "begin 644 a.txt\n,<V5E:V5R0'@N8V]M\n`\nend\n";
    const char *plain = "From: a@b.example\n\nseeker@x.com\n";
    int i;

    assert_int_equal(mask_body(uu, strlen(uu), &orig, PROXY, out, why), -1);
    assert_non_null(strstr(why->data, "uuencode"));

    buf_reset(why);
    buf_append_str(raw, "From: a@b.example\nContent-Type: multipart/mixed; boundary=b0\n\n");
    for (i = 1; i <= 70; i++)
        buf_printf(raw, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n",
                   i - 1, i);
    assert_int_equal(mask_body(raw->data, raw->len, &orig, PROXY, out, why), -1);
    assert_non_null(strstr(why->data, "too much MIME structure"));

    buf_reset(why);
    many.items = calloc(MASK_MAX_ORIGINALS + 1, sizeof(char *));
    for (i = 0; i <= MASK_MAX_ORIGINALS; i++)
        many.items[many.count++] = strdup("a@x.example");
    assert_int_equal(mask_body(plain, strlen(plain), &many, PROXY, out, why), -1);
    assert_int_equal(mask_body(plain, strlen(plain), &orig, "noproxy", out, why), -1);
    assert_int_equal(out->len, 0);

    mask_list_free(&many);
    mask_list_free(&orig);
    buf_free(raw);
    buf_free(out);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_7bit),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_qp_no_new_boundary),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_html_references),
        cmocka_unit_test(test_plain_references_are_text),
        cmocka_unit_test(test_alternative),
        cmocka_unit_test(test_mixed_binary),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_lf_input),
        cmocka_unit_test(test_wide_charsets),
        cmocka_unit_test(test_refusals),
    };

    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
