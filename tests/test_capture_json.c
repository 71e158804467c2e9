/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_json - capture_from_json() is the inverse of
 * capture_to_json(): for every capture c, capture_to_json() of the capture
 * read back from capture_to_json(c, d) is capture_to_json(c, d), byte for
 * byte, with and without data.  Checked over every message of the reply
 * corpus (tests/data/replies, parsed as test_capture_corpus does, with a
 * smaller attachment limit so that some files are dropped) and over
 * hand-built captures of each class and shape; a document written before
 * the later members existed still reads; what is not a capture document
 * is refused with a reason naming the member; the class-name table reads
 * both ways.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "capture.h"
#include "fsutil.h"
#include "testutil.h"
#include "xalloc.h"

#define ATTACH_LIMIT    16384   /* some corpus files are over it */

static char *trusted[] = {"mx1.reply.example.com"};

/* The round trip of cap, with_data d: the same document, the same bytes. */
static void roundtrip(const struct capture *cap, int d, const char *what)
{
    struct buf *why = buf_create(64);
    struct capture *back;
    size_t i;

    if (test_capture_roundtrip(cap, d, &back, why) < 0)
        fail_msg("%s (with_data %d): %s", what, d, why->data);
    assert_int_equal(back->attachment_count, cap->attachment_count);
    for (i = 0; i < cap->attachment_count; i++) {
        const struct capture_attachment *x = &cap->attachments[i];
        const struct capture_attachment *y = &back->attachments[i];

        assert_int_equal(y->size, x->size);
        assert_int_equal(y->kept, x->kept);
        if (d && x->kept) {
            assert_non_null(y->data);
            assert_memory_equal(y->data, x->data, x->size);
        } else {
            assert_null(y->data);
        }
    }
    capture_free(back);
    buf_free(why);
}

static char *slurp(const char *path, size_t *len)
{
    char *data;

    if (read_file(path, 16 * 1024 * 1024, &data, len) < 0)
        fail_msg("cannot read %s", path);
    return data;
}

/* The envelope sender of NAME.expected's first line, "sender: <ADDR>". */
static char *corpus_sender(const char *name)
{
    char path[4096], *text, *end = NULL, *sender;
    size_t len;

    snprintf(path, sizeof(path), "%s/%s.expected", CORPUS_DIR, name);
    text = slurp(path, &len);
    if (strncmp(text, "sender: <", 9) != 0
        || (end = strchr(text, '>')) == NULL)
        fail_msg("%s: no sender line", path);
    sender = xstrndup(text + 9, (size_t) (end - text - 9));
    free(text);
    return sender;
}

static void corpus_message(const char *name, size_t *classes,
                           size_t *attachments)
{
    struct capture_options opts = {ATTACH_LIMIT, trusted, 1, NULL};
    struct buf *why = buf_create(64);
    struct capture *cap;
    char path[4096], *raw, *sender = corpus_sender(name);
    size_t len;

    snprintf(path, sizeof(path), "%s/%s.eml", CORPUS_DIR, name);
    raw = slurp(path, &len);
    if (capture_parse(raw, len, sender, &opts, &cap, why) < 0)
        fail_msg("%s: %s", name, why->data);
    roundtrip(cap, 1, name);
    roundtrip(cap, 0, name);
    classes[cap->classification]++;
    *attachments += cap->attachment_count;
    capture_free(cap);
    free(raw);
    free(sender);
    buf_free(why);
}

static void test_corpus(void **state)
{
    DIR *dir = opendir(CORPUS_DIR);
    struct dirent *e;
    size_t classes[CAPTURE_EMPTY + 1] = {0}, attachments = 0, n = 0, i;

    (void) state;
    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL) {
        const char *dot = strrchr(e->d_name, '.');
        char *name;

        if (dot == NULL || strcmp(dot, ".eml") != 0)
            continue;
        name = xstrndup(e->d_name, (size_t) (dot - e->d_name));
        corpus_message(name, classes, &attachments);
        free(name);
        n++;
    }
    closedir(dir);
    /* The corpus has every class, and files to carry. */
    assert_true(n >= 200);
    for (i = 0; i <= CAPTURE_EMPTY; i++)
        if (classes[i] == 0)
            fail_msg("no %s in the corpus", capture_class_name(i));
    assert_true(attachments > 0);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* A capture as capture_parse() leaves one: the never-NULL strings set. */
static struct capture *base(enum capture_class cls)
{
    struct capture *cap = xcalloc(1, sizeof(*cap));

    cap->classification = cls;
    cap->from_address = xstrdup("contact@building.example");
    cap->from_name = xstrdup("Building Contact");
    cap->subject = xstrdup("Re: Office");
    cap->auth_detail = xstrdup("no trusted Authentication-Results");
    cap->text = xstrdup("Oui, c'est libre.\n\tTab and\nnewline.");
    return cap;
}

static void add_attachment(struct capture *cap, const char *name,
                           const char *type, const char *cid, size_t size,
                           int is_inline, int kept)
{
    struct capture_attachment *a;
    size_t i;

    cap->attachments = xrealloc(cap->attachments, (cap->attachment_count + 1)
                                * sizeof(*cap->attachments));
    a = &cap->attachments[cap->attachment_count++];
    a->name = xstrdup(name);
    a->type = xstrdup(type);
    a->content_id = dup_or_null(cid);
    a->size = size;
    a->is_inline = is_inline;
    a->kept = kept;
    a->data = NULL;
    if (kept) {
        a->data = xmalloc(size);
        for (i = 0; i < size; i++)
            a->data[i] = (unsigned char) (i * 7 + 3);  /* every byte value */
    }
}

static void test_reply_shapes(void **state)
{
    struct capture *cap = base(CAPTURE_REPLY);

    (void) state;
    cap->message_id = xstrdup("m1@building.example");
    cap->in_reply_to = xstrdup("IM1@reply.example.com");
    cap->references = xstrdup("<IM0@reply.example.com> "
                              "<IM1@reply.example.com>");
    cap->auth_results = xcalloc(2, sizeof(char *));
    cap->auth_results[0] = xstrdup("mx1.reply.example.com; dkim=pass "
                                   "header.d=building.example");
    cap->auth_results[1] = xstrdup("other.example; spf=fail");
    cap->auth_results_count = 2;
    cap->dkim_result = xstrdup("pass");
    cap->spf_result = xstrdup("none");
    cap->dmarc_result = xstrdup("pass");
    cap->auth_method = xstrdup("dmarc");
    free(cap->auth_detail);
    cap->auth_detail = xstrdup("dmarc=pass header.from=building.example");
    cap->reply_inline = 1;
    cap->forward_dropped = 1;
    add_attachment(cap, "plan.pdf", "application/pdf", NULL, 1000, 0, 1);
    add_attachment(cap, "logo.png", "image/png", "ii_123", 70, 1, 1);
    add_attachment(cap, "big.tiff", "image/tiff", NULL, 9000000, 0, 0);
    add_attachment(cap, "empty.txt", "text/plain", NULL, 0, 0, 1);
    add_attachment(cap, "", "", NULL, 2, 0, 1);     /* nameless, typeless */
    roundtrip(cap, 1, "reply");
    roundtrip(cap, 0, "reply");
    capture_free(cap);

    /* Unreadable structure: an empty capture with nothing else. */
    cap = base(CAPTURE_EMPTY);
    free(cap->text);
    cap->text = xstrdup("");
    cap->structure_error = xstrdup("multipart without a boundary");
    roundtrip(cap, 1, "empty");
    capture_free(cap);
}

static void test_other_classes(void **state)
{
    struct capture *cap = base(CAPTURE_AUTO_REPLY);

    (void) state;
    cap->auto_reply_reason = xstrdup("Auto-Submitted: auto-replied");
    roundtrip(cap, 1, "auto_reply");
    capture_free(cap);

    cap = base(CAPTURE_BOUNCE);
    cap->bounce_recipient = xstrdup("contact@building.example");
    cap->bounce_status = xstrdup("5.1.1");
    cap->bounce_diagnostic = xstrdup("smtp; 550 5.1.1 unknown user");
    roundtrip(cap, 1, "bounce");
    capture_free(cap);

    /* A report that names nothing: bounce members all null. */
    cap = base(CAPTURE_BOUNCE);
    roundtrip(cap, 1, "bounce without details");
    capture_free(cap);
}

static struct capture *read_text(const char *text, struct buf *why)
{
    json_error_t err;
    json_t *obj = json_loads(text, 0, &err);
    struct capture *cap;

    if (obj == NULL)
        fail_msg("bad test JSON: %s: %s", err.text, text);
    if (capture_from_json(obj, &cap, why) < 0)
        cap = NULL;
    json_decref(obj);
    return cap;
}

/* The members every writer wrote, up to the attachments' array. */
#define OLDEST_FILES \
    "{\"classification\":\"reply\",\"auto_reply_reason\":null," \
    "\"from\":{\"address\":\"a@b.example\",\"name\":\"\"}," \
    "\"subject\":\"s\",\"message_id\":null,\"in_reply_to\":null," \
    "\"references\":null,\"authentication_results\":[],\"dkim\":null," \
    "\"spf\":null,\"dmarc\":null,\"text\":\"hi\",\"attachments\":"

/* A document spooled before sender_authentication, structure_error,
 * inline and forward_dropped existed reads with their defaults. */
static void test_oldest_document(void **state)
{
    struct buf *why = buf_create(64);
    struct capture *cap = read_text(OLDEST_FILES "[]}", why);

    (void) state;
    if (cap == NULL)
        fail_msg("%s", why->data);
    assert_int_equal(cap->classification, CAPTURE_REPLY);
    assert_string_equal(cap->text, "hi");
    assert_null(cap->auth_method);
    assert_string_equal(cap->auth_detail, "no authentication recorded");
    assert_null(cap->structure_error);
    assert_false(cap->reply_inline);
    assert_false(cap->forward_dropped);
    capture_free(cap);
    buf_free(why);
}

/* A kept file without data (a with_data 0 document) is written without. */
static void test_kept_without_data(void **state)
{
    struct buf *why = buf_create(64);
    struct capture *cap;
    json_t *obj;

    (void) state;
    cap = read_text(OLDEST_FILES "[{\"name\":\"a\",\"type\":\"t\","
                    "\"size\":3,\"inline\":false,\"kept\":true}]}", why);
    if (cap == NULL)
        fail_msg("%s", why->data);
    assert_int_equal(cap->attachments[0].kept, 1);
    assert_null(cap->attachments[0].data);
    assert_int_equal(cap->attachments[0].size, 3);
    obj = capture_to_json(cap, 1);
    assert_null(json_object_get(json_array_get(json_object_get(obj,
                                                               "attachments"),
                                               0), "data"));
    json_decref(obj);
    capture_free(cap);
    buf_free(why);
}

/* One change to a valid document, and the reason it is refused for. */
struct mutation {
    const char *in;             /* NULL: the capture; "attachments": its
                                 * first; else that member object */
    const char *key;
    const char *value;          /* JSON, or NULL to remove the member */
    const char *want;
};

static const struct mutation mutations[] = {
    {NULL, "extra", "1", "\"extra\" is unknown"},
    {NULL, "classification", NULL, "\"classification\" is missing"},
    {NULL, "classification", "\"Reply\"", "\"classification\" names no"},
    {NULL, "classification", "7", "\"classification\" names no class"},
    {NULL, "classification", "\"bounce\"", "\"bounce\" is missing"},
    {NULL, "bounce", "{\"recipient\":null,\"status\":null,\"diagnostic\":"
     "null}", "\"bounce\" is there, but the capture is no bounce"},
    {NULL, "subject", NULL, "\"subject\" is missing"},
    {NULL, "subject", "null", "\"subject\" is not a string"},
    {NULL, "text", "[]", "\"text\" is not a string"},
    {NULL, "text", "\"a\\u0000b\"", "\"text\" contains a NUL"},
    {NULL, "message_id", NULL, "\"message_id\" is missing"},
    {NULL, "message_id", "1", "\"message_id\" is neither a string nor null"},
    {NULL, "structure_error", "false", "\"structure_error\" is neither"},
    {NULL, "inline", "1", "\"inline\" is not true or false"},
    {NULL, "forward_dropped", "null", "\"forward_dropped\" is not true"},
    {NULL, "from", NULL, "\"from\" is missing"},
    {NULL, "from", "\"a@b\"", "\"from\" is not an object"},
    {NULL, "attachments", "{}", "\"attachments\" is not an array"},
    {NULL, "attachments", "[1]", "\"attachments[0]\" is not an object"},
    {NULL, "authentication_results", NULL, "\"authentication_results\" is "
     "missing"},
    {NULL, "authentication_results", "[\"x\",null]",
     "\"authentication_results[1]\" is not a string"},
    {NULL, "sender_authentication", "[]", "\"sender_authentication\" is "
     "not an object"},
    {"from", "name", NULL, "\"from.name\" is missing"},
    {"from", "address", "null", "\"from.address\" is not a string"},
    {"from", "display", "\"x\"", "\"from.display\" is unknown"},
    {"sender_authentication", "detail", NULL,
     "\"sender_authentication.detail\" is missing"},
    {"sender_authentication", "method", "true",
     "\"sender_authentication.method\" is neither"},
    {"attachments", "name", NULL, "\"attachments[0].name\" is missing"},
    {"attachments", "type", "null", "\"attachments[0].type\" is not a"},
    {"attachments", "content_id", "2", "\"attachments[0].content_id\" is"},
    {"attachments", "size", "-1", "\"attachments[0].size\" is not an "
     "integer >= 0"},
    {"attachments", "size", "1.5", "\"attachments[0].size\" is not an"},
    {"attachments", "size", "4", "\"attachments[0].data\" decodes to 3 "
     "bytes, not the 4 of \"size\""},
    {"attachments", "kept", "false", "\"attachments[0].data\" is on an "
     "attachment not kept"},
    {"attachments", "kept", "\"yes\"", "\"attachments[0].kept\" is not"},
    {"attachments", "inline", NULL, "\"attachments[0].inline\" is missing"},
    {"attachments", "data", "\"AAE\"", "\"attachments[0].data\" is not "
     "base64"},
    {"attachments", "data", "\"AA\\u0000B\"", "\"attachments[0].data\" is "
     "not base64"},
    {"attachments", "data", "3", "\"attachments[0].data\" is not a string"},
    {"attachments", "extra", "1", "\"attachments[0].extra\" is unknown"},
};

/* A valid document of every member: a reply with one kept file. */
static json_t *valid_document(void)
{
    struct capture *cap = base(CAPTURE_REPLY);
    json_t *obj;

    cap->auth_method = xstrdup("dkim");
    add_attachment(cap, "a.bin", "application/octet-stream", "cid1", 3, 0,
                   1);
    obj = capture_to_json(cap, 1);
    capture_free(cap);
    return obj;
}

static void apply(json_t *doc, const struct mutation *m)
{
    json_t *target = doc, *value;
    json_error_t err;

    if (m->in != NULL && strcmp(m->in, "attachments") == 0)
        target = json_array_get(json_object_get(doc, "attachments"), 0);
    else if (m->in != NULL)
        target = json_object_get(doc, m->in);
    assert_non_null(target);
    if (m->value == NULL) {
        assert_int_equal(json_object_del(target, m->key), 0);
        return;
    }
    value = json_loads(m->value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (value == NULL)
        fail_msg("bad test value %s: %s", m->value, err.text);
    assert_int_equal(json_object_set_new(target, m->key, value), 0);
}

static void test_refusals(void **state)
{
    static struct capture sentinel;
    struct buf *why = buf_create(64);
    struct capture *cap;
    json_t *doc = valid_document(), *notobj = json_array();
    size_t i;

    (void) state;
    assert_int_equal(capture_from_json(doc, &cap, why), 0);
    capture_free(cap);
    json_decref(doc);
    assert_int_equal(capture_from_json(notobj, &cap, why), -1);
    assert_null(cap);
    assert_string_equal(why->data, "capture is not an object");
    json_decref(notobj);
    for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        print_message("refuse %zu: %s\n", i, mutations[i].want);
        doc = valid_document();
        apply(doc, &mutations[i]);
        buf_reset(why);
        cap = &sentinel;                    /* must come back NULL */
        assert_int_equal(capture_from_json(doc, &cap, why), -1);
        assert_null(cap);
        if (strstr(why->data, mutations[i].want) == NULL)
            fail_msg("\"%s\" lacks \"%s\"", why->data, mutations[i].want);
        json_decref(doc);
    }
    buf_free(why);
}

static void test_class_names(void **state)
{
    enum capture_class cls, back;

    (void) state;
    for (cls = CAPTURE_REPLY; cls <= CAPTURE_EMPTY; cls++) {
        assert_int_equal(capture_class_from_name(capture_class_name(cls),
                                                 &back), 0);
        assert_int_equal(back, cls);
    }
    assert_int_equal(capture_class_from_name("unknown", &back), -1);
    assert_int_equal(capture_class_from_name("", &back), -1);
    assert_int_equal(capture_class_from_name("BOUNCE", &back), -1);
    assert_string_equal(capture_class_name((enum capture_class) 99),
                        "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_reply_shapes),
        cmocka_unit_test(test_other_classes),
        cmocka_unit_test(test_oldest_document),
        cmocka_unit_test(test_kept_without_data),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_class_names),
    };

    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
