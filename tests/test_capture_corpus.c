/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_corpus - every message under tests/data/replies/ through
 * capture_parse(), compared with what its NAME.expected says (the format
 * is in tests/data/replies/README).  One cmocka test per message, named
 * after it, plus "corpus_complete": every .eml has its .expected and the
 * other way round, and there are at least CORPUS_MIN messages.
 *
 * Options are fixed: attachment_size_limit 65536, trusted_authserv_ids
 * "mx1.reply.example.com", reply_marker the default email_reply_marker
 * ("Reply above this line to answer %s %c.").  The envelope sender is the "sender:" line of
 * the expectation.  On a mismatch the test prints a line diff (- expected,
 * + actual) and writes the actual rendering to
 * $POSTMASK_TEST_TMP/NAME.actual, which can be reviewed and copied over the
 * expectation when the change is intended.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "buf.h"
#include "capture.h"
#include "fsutil.h"
#include "xalloc.h"

#define CORPUS_MIN      200
#define ATTACH_LIMIT    65536
#define REPLY_MARKER    "Reply above this line to answer %s %c."   /* the
                                                 * email_reply_marker default */

static char *trusted[] = {"mx1.reply.example.com"};

struct corpus {
    char **names;           /* base names with an .eml or .expected file */
    size_t count;
};

static struct corpus corpus;

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct buf *b;
    char chunk[8192];
    size_t n;

    if (fp == NULL)
        return NULL;
    b = buf_create(8192);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        buf_append(b, chunk, n);
    fclose(fp);
    return buf_detach(b, len);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void corpus_load(void)
{
    DIR *dir = opendir(CORPUS_DIR);
    struct dirent *e;
    size_t alloc = 64, i, j;

    if (dir == NULL) {
        fprintf(stderr, "opendir %s: %s\n", CORPUS_DIR, strerror(errno));
        exit(1);
    }
    corpus.names = xmalloc(alloc * sizeof(char *));
    while ((e = readdir(dir)) != NULL) {
        const char *dot = strrchr(e->d_name, '.');

        if (dot == NULL || (strcmp(dot, ".eml") != 0
                            && strcmp(dot, ".expected") != 0))
            continue;
        if (corpus.count == alloc) {
            alloc *= 2;
            corpus.names = xrealloc(corpus.names, alloc * sizeof(char *));
        }
        corpus.names[corpus.count++] = xstrndup(e->d_name,
                                                (size_t) (dot - e->d_name));
    }
    closedir(dir);
    qsort(corpus.names, corpus.count, sizeof(char *), name_cmp);
    for (i = j = 0; i < corpus.count; i++) {
        if (j > 0 && strcmp(corpus.names[j - 1], corpus.names[i]) == 0)
            free(corpus.names[i]);
        else
            corpus.names[j++] = corpus.names[i];
    }
    corpus.count = j;
}

static int exists(const char *name, const char *ext)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s%s", CORPUS_DIR, name, ext);
    return stat(path, &st) == 0;
}

static void test_corpus_complete(void **state)
{
    size_t i, messages = 0;
    int missing = 0;

    for (i = 0; i < corpus.count; i++) {
        int eml = exists(corpus.names[i], ".eml");
        int expected = exists(corpus.names[i], ".expected");

        if (eml && !expected) {
            print_error("%s.eml has no %s.expected\n", corpus.names[i],
                        corpus.names[i]);
            missing++;
        } else if (!eml && expected) {
            print_error("%s.expected has no %s.eml\n", corpus.names[i],
                        corpus.names[i]);
            missing++;
        }
        messages += eml;
    }
    if (messages < CORPUS_MIN) {
        print_error("%zu messages in %s, want at least %d\n", messages,
                    CORPUS_DIR, CORPUS_MIN);
        missing++;
    }
    assert_int_equal(missing, 0);
}

/* The capture in the .expected format (after its "sender:" line). */
static void render(const struct capture *cap, struct buf *out)
{
    size_t i;

    buf_printf(out, "classification: %s\n",
               capture_class_name(cap->classification));
    if (cap->auto_reply_reason)
        buf_printf(out, "auto-reply-reason: %s\n", cap->auto_reply_reason);
    if (*cap->from_address)
        buf_printf(out, "from: %s\n", cap->from_address);
    if (*cap->from_name)
        buf_printf(out, "from-name: %s\n", cap->from_name);
    if (*cap->subject)
        buf_printf(out, "subject: %s\n", cap->subject);
    if (cap->message_id)
        buf_printf(out, "message-id: %s\n", cap->message_id);
    if (cap->in_reply_to)
        buf_printf(out, "in-reply-to: %s\n", cap->in_reply_to);
    if (cap->references)
        buf_printf(out, "references: %s\n", cap->references);
    for (i = 0; i < cap->auth_results_count; i++)
        buf_printf(out, "authentication-results: %s\n", cap->auth_results[i]);
    if (cap->dkim_result)
        buf_printf(out, "dkim: %s\n", cap->dkim_result);
    if (cap->spf_result)
        buf_printf(out, "spf: %s\n", cap->spf_result);
    if (cap->dmarc_result)
        buf_printf(out, "dmarc: %s\n", cap->dmarc_result);
    if (cap->bounce_recipient)
        buf_printf(out, "bounce-recipient: %s\n", cap->bounce_recipient);
    if (cap->bounce_status)
        buf_printf(out, "bounce-status: %s\n", cap->bounce_status);
    if (cap->bounce_diagnostic)
        buf_printf(out, "bounce-diagnostic: %s\n", cap->bounce_diagnostic);
    if (cap->structure_error)
        buf_printf(out, "structure-error: %s\n", cap->structure_error);
    for (i = 0; i < cap->attachment_count; i++) {
        const struct capture_attachment *a = &cap->attachments[i];

        buf_printf(out, "attachment: %s | %s | %zu | %s | %s", a->name,
                   a->type, a->size, a->is_inline ? "inline" : "file",
                   a->kept ? "kept" : "dropped");
        if (a->content_id)
            buf_printf(out, " | cid:%s", a->content_id);
        buf_append_char(out, '\n');
    }
    if (cap->reply_inline)
        buf_append_str(out, "inline: yes\n");
    if (cap->forward_dropped)
        buf_append_str(out, "forward: dropped\n");
    buf_append_char(out, '\n');
    if (*cap->text)
        buf_printf(out, "%s\n", cap->text);
}

/* Lines of text, as pointers into it (text is modified). */
static size_t split(char *text, char ***lines)
{
    size_t n = 0, alloc = 16;
    char *p = text, *nl;

    *lines = xmalloc(alloc * sizeof(char *));
    while (*p) {
        if (n == alloc) {
            alloc *= 2;
            *lines = xrealloc(*lines, alloc * sizeof(char *));
        }
        (*lines)[n++] = p;
        if ((nl = strchr(p, '\n')) == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

/* A line diff (longest common subsequence) on stderr. */
static void print_diff(const char *name, const char *want, const char *got)
{
    char *a = xstrdup(want), *b = xstrdup(got);
    char **la, **lb;
    size_t na = split(a, &la), nb = split(b, &lb), i, j;
    size_t *lcs = xcalloc((na + 1) * (nb + 1), sizeof(size_t));

#define LCS(i, j) lcs[(i) * (nb + 1) + (j)]
    for (i = na; i-- > 0;)
        for (j = nb; j-- > 0;)
            LCS(i, j) = strcmp(la[i], lb[j]) == 0 ? LCS(i + 1, j + 1) + 1
                : (LCS(i + 1, j) > LCS(i, j + 1) ? LCS(i + 1, j)
                   : LCS(i, j + 1));
    fprintf(stderr, "--- %s.expected\n+++ actual\n", name);
    for (i = j = 0; i < na || j < nb;) {
        if (i < na && j < nb && strcmp(la[i], lb[j]) == 0) {
            fprintf(stderr, "  %s\n", la[i]);
            i++, j++;
        } else if (j < nb && (i == na || LCS(i, j + 1) >= LCS(i + 1, j))) {
            fprintf(stderr, "+ %s\n", lb[j++]);
        } else {
            fprintf(stderr, "- %s\n", la[i++]);
        }
    }
#undef LCS
    free(lcs);
    free(la);
    free(lb);
    free(a);
    free(b);
}

static void save_actual(const char *name, const char *text)
{
    const char *base = getenv("POSTMASK_TEST_TMP");
    char path[4096];
    FILE *fp;

    if (base == NULL || *base == '\0')
        base = "/tmp";
    if (mkdir_p(base, 0755) < 0)
        return;
    snprintf(path, sizeof(path), "%s/%s.actual", base, name);
    if ((fp = fopen(path, "w")) != NULL) {
        fputs(text, fp);
        fclose(fp);
        fprintf(stderr, "actual rendering written to %s\n", path);
    }
}

static void test_message(void **state)
{
    const char *name = *state;
    char path[4096];
    char *raw, *expected, *body = NULL, *sender;
    size_t raw_len, exp_len;
    struct capture_options opts = {ATTACH_LIMIT, trusted, 1, REPLY_MARKER};
    struct capture *cap = NULL;
    struct buf *why = buf_create(64);
    struct buf *actual = buf_create(1024);
    json_t *json;
    char *dump;

    snprintf(path, sizeof(path), "%s/%s.eml", CORPUS_DIR, name);
    raw = slurp(path, &raw_len);
    snprintf(path, sizeof(path), "%s/%s.expected", CORPUS_DIR, name);
    expected = slurp(path, &exp_len);
    if (raw == NULL || expected == NULL)
        fail_msg("%s: no .eml or no .expected", name);

    /* "sender: <ADDRESS>" ("<>" for the null sender) comes first. */
    if (strncmp(expected, "sender: <", 9) != 0
        || (body = strstr(expected, ">\n")) == NULL)
        fail_msg("%s.expected: the first line must be \"sender: <...>\"",
                 name);
    sender = xstrndup(expected + 9, (size_t) (body - (expected + 9)));
    body += 2;

    assert_int_equal(capture_parse(raw, raw_len, sender, &opts, &cap, why), 0);
    render(cap, actual);
    if (strcmp(actual->data, body) != 0) {
        struct buf *whole = buf_create(actual->len + 64);

        print_diff(name, body, actual->data);
        buf_printf(whole, "sender: <%s>\n%s", sender, actual->data);
        save_actual(name, whole->data);
        buf_free(whole);
        fail_msg("%s: the capture differs from %s.expected", name, name);
    }

    /* Both JSON forms exist and serialize. */
    json = capture_to_json(cap, 1);
    assert_non_null(json);
    dump = json_dumps(json, JSON_COMPACT);
    assert_non_null(dump);
    free(dump);
    json_decref(json);
    json = capture_to_json(cap, 0);
    assert_non_null(json);
    json_decref(json);

    capture_free(cap);
    buf_free(actual);
    buf_free(why);
    free(sender);
    free(raw);
    free(expected);
}

int main(void)
{
    struct CMUnitTest *tests;
    size_t i, n = 0;
    int failed;

    capture_init();
    corpus_load();
    tests = xcalloc(corpus.count + 1, sizeof(*tests));
    tests[n].name = "corpus_complete";
    tests[n++].test_func = test_corpus_complete;
    for (i = 0; i < corpus.count; i++) {
        if (!exists(corpus.names[i], ".eml")
            || !exists(corpus.names[i], ".expected"))
            continue;
        tests[n].name = corpus.names[i];
        tests[n].test_func = test_message;
        tests[n++].initial_state = corpus.names[i];
    }
    failed = _cmocka_run_group_tests("capture_corpus", tests, n, NULL, NULL);
    for (i = 0; i < corpus.count; i++)
        free(corpus.names[i]);
    free(corpus.names);
    free(tests);
    return failed;
}
