/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reply_marker - the marker line of emails to building contacts
 * (reply_marker.h): checking and formatting the format, its key, and
 * finding the marker in the text of replies that quote it: at the start
 * of a line, quoted at any depth, wrapped by a client, with HTML's white
 * space, in other case; formats of one's own, including ones that start
 * with %s, and the empty format; and the lines that hold the key but are
 * not the marker line (reply_marker_locate()'s in_place).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "capture_text.h"
#include "reply_marker.h"
#include "xalloc.h"

#define DEFAULT_FORMAT "Reply above this line to answer %s %c."

static void test_check(void **state)
{
    static const struct {
        const char *format;
        int ok;
        const char *why;        /* a part of the reason, when refused */
    } cases[] = {
        {DEFAULT_FORMAT, 1, NULL},
        {"", 1, NULL},
        {"%s asked: please reply above this line", 1, NULL},
        {"Antworten Sie über dieser Zeile an %s %c.", 1, NULL},
        {"100%% above this line, please (%s)", 1, NULL},
        {"Reply: %s %c", 0, "needs at least 12 bytes"},
        {"Reply above this line to %s and %s", 0, "may each appear once"},
        {"Reply above this line %d", 0, "the only conversions"},
        {"Reply above\tthis line", 0, "control characters"},
        {"Reply above this line \xff", 0, "UTF-8"},
    };
    struct buf *why = buf_create(64);
    struct buf *long_format = buf_create(256);
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_reset(why);
        if ((reply_marker_check(cases[i].format, why) == 0) != cases[i].ok)
            fail_msg("\"%s\": %s", cases[i].format,
                     cases[i].ok ? why->data : "accepted");
        if (!cases[i].ok && strstr(why->data, cases[i].why) == NULL)
            fail_msg("\"%s\": \"%s\" does not say \"%s\"", cases[i].format,
                     why->data, cases[i].why);
    }
    while (long_format->len <= REPLY_MARKER_MAX)
        buf_append_str(long_format, "Reply above this line. ");
    buf_reset(why);
    assert_int_equal(reply_marker_check(long_format->data, why), -1);
    assert_non_null(strstr(why->data, "longer than"));
    buf_free(long_format);
    buf_free(why);
}

static void test_format(void **state)
{
    static const struct {
        const char *format, *name, *channel, *want;
    } cases[] = {
        {DEFAULT_FORMAT, "Ann", "by SMS",
         "Reply above this line to answer Ann by SMS."},
        {DEFAULT_FORMAT, "Ann", "", "Reply above this line to answer Ann."},
        {DEFAULT_FORMAT, "Ann", NULL, "Reply above this line to answer Ann."},
        {DEFAULT_FORMAT, NULL, "in chat",
         "Reply above this line to answer them in chat."},
        {DEFAULT_FORMAT, "", "on WhatsApp",
         "Reply above this line to answer them on WhatsApp."},
        {"%s asked %c: reply above this line", "Bo", "by SMS",
         "Bo asked by SMS: reply above this line"},
        {"100%% sure? Reply above this line", "Bo", NULL,
         "100% sure? Reply above this line"},
    };
    size_t i;
    char *got;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got = reply_marker_format(cases[i].format, cases[i].name,
                                  cases[i].channel);
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
    assert_null(reply_marker_format("", "Ann", "by SMS"));
    assert_null(reply_marker_format(NULL, "Ann", "by SMS"));
}

static void test_channel(void **state)
{
    (void) state;
    assert_string_equal(reply_marker_channel("sms"), "by SMS");
    assert_string_equal(reply_marker_channel("whatsapp"), "on WhatsApp");
    assert_string_equal(reply_marker_channel("chat"), "in chat");
    assert_string_equal(reply_marker_channel("messenger"), "in chat");
    assert_string_equal(reply_marker_channel(NULL), "in chat");
}

static void test_key(void **state)
{
    static const struct {
        const char *format, *want;
    } cases[] = {
        {DEFAULT_FORMAT, "Reply above this line to answer"},
        {"%s asked: reply above this line", "asked: reply above this line"},
        {"Hi %s, reply above this line %c please", ", reply above this line"},
        {"  Reply above this line  ", "Reply above this line"},
        {"100%% above this line (%s)", "100% above this line ("},
        {"", ""},
    };
    struct buf *out = buf_create(64);
    size_t i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_reset(out);
        reply_marker_key(cases[i].format, out);
        assert_string_equal(out->data, cases[i].want);
    }
    buf_free(out);
}

struct find_case {
    const char *name;
    const char *format;         /* NULL: the default */
    const char *text;
    ssize_t want;               /* offset of the line, or -1 */
    int in_place;               /* locate's in_place, when found */
};

#define MARK "Reply above this line to answer Ann by SMS."

static const struct find_case find_cases[] = {
    {"at the start", NULL, MARK "\n\nAnn asks: is it free?\n", 0, 1},
    {"below the writer's text", NULL,
     "Yes.\n\nOn Thu, Ann <a@b.example> wrote:\n\n" MARK "\n", 40, 1},
    {"quoted", NULL, "Yes.\n\n> " MARK "\n> \n> Ann asks\n", 6, 1},
    {"quoted twice", NULL, "Yes.\n\n> > " MARK "\n", 6, 1},
    {"quoted without space", NULL, "Yes.\n>>" MARK "\n", 5, 1},
    {"quoted with bars", NULL, "Yes.\n| " MARK "\n", 5, 1},
    {"indented", NULL, "Yes.\n    " MARK "\n", 5, 1},
    {"wrapped", NULL,
     "Yes.\n\nReply above this line to\nanswer Ann by SMS.\n", 6, 1},
    {"wrapped and quoted", NULL,
     "Yes.\n\n> Reply above this line\n> to answer Ann by SMS.\n", 6, 1},
    {"wrapped over three lines", NULL,
     "Yes.\n> Reply above\n> this line to\n> answer Ann.\n", 5, 1},
    {"CRLF", NULL, "Yes.\r\n\r\n> " MARK "\r\n", 8, 1},
    {"CR alone", NULL, "Yes.\r\r> " MARK "\r", 6, 1},
    {"NBSP and spaces from HTML", NULL,
     "Yes.\n\xc2\xa0Reply \xc2\xa0" "above  this\xe2\x80\xaf" "line\tto answer"
     " Ann.\n", 5, 1},
    {"other case", NULL, "Yes.\nREPLY ABOVE THIS LINE TO ANSWER ANN.\n", 5, 1},
    {"bold from HTML", NULL, "Yes.\n*" MARK "*\n", 5, 1},
    {"the first of two", NULL,
     "Yes.\n> " MARK "\n> > " MARK "\n", 5, 1},
    {"mid-line: found, not in place", NULL,
     "What does \"reply above this line to answer\" mean?\n", 0, 0},
    {"a blank line breaks a wrap", NULL,
     "Yes.\nReply above this line\n\nto answer Ann.\n", -1, 0},
    {"a quoted blank line breaks a wrap", NULL,
     "Yes.\n> Reply above this line\n>\n> to answer Ann.\n", -1, 0},
    {"another key", NULL, "Yes.\n> Reply below this line to answer Ann.\n",
     -1, 0},
    {"a word short", NULL, "Yes.\n> Reply above this line to answe\n", -1, 0},
    {"not there", NULL, "Yes, it is free.\n", -1, 0},
    {"empty text", NULL, "", -1, 0},
    {"empty format", "", MARK "\n", -1, 0},
    {"own format starting with %s", "%s asked %c: please reply above this line",
     "Yes.\n> Ann asked by SMS: please reply above this line\n", 5, 1},
    {"own format, long name", "%s asked %c: please reply above this line",
     "Yes.\n> Ann-Katrin Berg-Lindqvist asked on WhatsApp: Please reply"
     " above\n> this line\n", 5, 1},
    {"own format, mid-line", "%s asked: please reply above this line",
     "Yes. I saw the line asked: please reply above this line, but ...\n",
     0, 1},
    {"own format with %%", "100%% sure? Reply above this line",
     "Yes.\n> 100% sure? Reply above this line\n", 5, 1},
    {"own format, German", "Antworten Sie über dieser Zeile an %s %c.",
     "Ja.\n\n> ANTWORTEN Sie über dieser\n> Zeile an Ann per SMS.\n", 5, 1},
};

static void test_find_table(void **state)
{
    size_t i, failed = 0;

    (void) state;
    for (i = 0; i < sizeof(find_cases) / sizeof(find_cases[0]); i++) {
        const struct find_case *c = &find_cases[i];
        const char *format = c->format ? c->format : DEFAULT_FORMAT;
        struct reply_marker_hit hit;
        ssize_t got = reply_marker_find(format, c->text, strlen(c->text));
        int found = reply_marker_locate(format, c->text, strlen(c->text),
                                        &hit) == 0;

        if (got != c->want || found != (c->want >= 0)
            || (found && ((ssize_t) hit.line != got
                          || hit.in_place != c->in_place))) {
            print_error("%s: got %zd (in_place %d), want %zd (in_place %d)\n",
                        c->name, got, found ? hit.in_place : -1, c->want,
                        c->in_place);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_locate_details(void **state)
{
    static const char text[] = "Yes.\n\n>  Reply above this line to\n"
        "> answer Ann.\nAfter\n";
    struct reply_marker_hit hit;

    (void) state;
    assert_int_equal(reply_marker_locate(DEFAULT_FORMAT, text,
                                         sizeof(text) - 1, &hit), 0);
    assert_int_equal(hit.line, 6);
    assert_int_equal(hit.quoted, 1);
    assert_int_equal(hit.lead, 0);
    assert_int_equal(hit.next, strlen("Yes.\n\n>  Reply above this line to\n"
                                      "> answer Ann.\n"));
    assert_int_equal(reply_marker_locate(DEFAULT_FORMAT, text,
                                         sizeof(text) - 1, NULL), 0);
    /* Unchecked formats are safe: too long, or no key at all. */
    {
        char big[REPLY_MARKER_MAX + 20];

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(reply_marker_find(big, big, sizeof(big) - 1), -1);
    }
    assert_int_equal(reply_marker_find("%s%c", text, sizeof(text) - 1), -1);
    assert_int_equal(reply_marker_find("   ", text, sizeof(text) - 1), -1);
    assert_int_equal(reply_marker_find(DEFAULT_FORMAT, NULL, 0), -1);
}

/* It stops at len: the key cut by it is not found; and it stops at the
 * scan bound. */
static void test_bounds(void **state)
{
    static const char text[] = "Yes.\n> " MARK "\n";
    size_t cut = strlen("Yes.\n> Reply above this line to answe");
    char *copy = xmalloc(cut);
    struct buf *big = buf_create(REPLY_MARKER_SCAN_MAX + 128);

    (void) state;
    memcpy(copy, text, cut);    /* no NUL: a read past cut is ASan's */
    assert_int_equal(reply_marker_find(DEFAULT_FORMAT, copy, cut), -1);
    free(copy);
    while (big->len < REPLY_MARKER_SCAN_MAX - 10)
        buf_append_str(big, "Reply above this line to answe\n");
    buf_append_str(big, MARK "\n");
    assert_int_equal(reply_marker_find(DEFAULT_FORMAT, big->data, big->len),
                     -1);
    buf_truncate(big, 0);
    buf_append_str(big, "x\n");
    buf_append_str(big, MARK);
    assert_int_equal(reply_marker_find(DEFAULT_FORMAT, big->data, big->len),
                     2);
    buf_free(big);
}

/* What reply_marker_format() writes, reply_marker_find() finds, for each
 * channel and with names that could confuse it. */
static void test_round_trip(void **state)
{
    static const char *const formats[] = {
        DEFAULT_FORMAT, "%s asked %c: please reply above this line",
        "%c, %s wants to know. Reply above this line.",
        "Bitte oberhalb dieser Zeile antworten (%s, %c)",
    };
    static const char *const names[] = {
        "Ann", "", "Reply above", "Zoë Ã", "> Ann",
    };
    static const char *const types[] = {"sms", "whatsapp", "chat"};
    size_t f, n, t;

    (void) state;
    for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
        for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
            for (t = 0; t < 3; t++) {
                char *line = reply_marker_format(formats[f], names[n],
                                                 reply_marker_channel(types[t]));
                struct buf *text = buf_create(256);
                struct reply_marker_hit hit;

                buf_printf(text, "Thanks.\n\n> %s\n> Ann asks\n", line);
                assert_int_equal(reply_marker_locate(formats[f], text->data,
                                                     text->len, &hit), 0);
                assert_int_equal(hit.line, 9);
                assert_true(hit.in_place);
                buf_free(text);
                free(line);
            }
}

/*
 * capture_text_extract_marker(): the cut at the marker, with the client's
 * attribution above it, in the shapes clients write; the writer's text
 * above keeps its usual rules (signature, footers).
 */
struct extract_case {
    const char *name;
    const char *format;         /* NULL: the default */
    const char *in;
    const char *want;
    const char *rules;          /* the spans' rules, " "-separated, or NULL */
};

#define P "c4nq7vx2kd@reply.example.com"
#define QM "> " MARK "\n>\n> Ann asks: is the flat still free?\n"
#define BODY MARK "\n\nAnn asks: is the flat still free?\n"

static const struct extract_case extract_cases[] = {
    {"Gmail en, wrapped after <",
     NULL, "Yes, it is free.\n\nOn Thu, Dec 3, 2026 at 2:02 PM Ann <\n" P
     "> wrote:\n\n" QM, "Yes, it is free.",
     "marker.attribution marker.reply"},
    {"Gmail de", NULL, "Ja, noch frei.\n\nAm Do., 3. Dez. 2026 um 14:02 Uhr"
     " schrieb Ann <" P ">:\n\n" QM, "Ja, noch frei.", NULL},
    {"Thunderbird de, no blank line", NULL,
     "Ja.\n\nAm 03.12.2026 um 14:02 schrieb Ann:\n" QM, "Ja.", NULL},
    {"Gmail es", NULL, "Sí, libre.\n\nEl jue, 3 dic 2026 a las 14:02, Ann (<"
     P ">)\nescribió:\n\n" QM, "Sí, libre.", NULL},
    {"Gmail fr", NULL, "Oui.\n\nLe jeu. 3 déc. 2026 à 14:02, Ann <" P
     "> a écrit :\n\n" QM, "Oui.", NULL},
    {"Apple Mail en", NULL, "Yes.\n\n> On 3 Dec 2026, at 14:02, Ann <" P
     "> wrote:\n>\n" QM, "Yes.", "quote marker.reply"},
    {"Apple Mail en, unquoted attribution", NULL,
     "Yes.\n\nOn 3 Dec 2026, at 14:02, Ann <" P "> wrote:\n\n" QM, "Yes.",
     "marker.attribution marker.reply"},
    {"Outlook en, Original Message", NULL,
     "Yes, it is.\n\nBob\n\n-----Original Message-----\nFrom: Ann via"
     " postmask <" P ">\nSent: Thursday, December 3, 2026 2:02 PM\n"
     "To: Bob Smith <bob@b.example>\nSubject: Flat 4\n\n" BODY,
     "Yes, it is.\n\nBob", "marker.attribution marker.reply"},
    {"Outlook fr, rule", NULL,
     "Oui.\n\n________________________________\nDe : Ann <" P ">\n"
     "Envoyé : jeudi 3 décembre 2026 14:02\nÀ : Bob\nObjet : Appartement\n\n"
     BODY, "Oui.", NULL},
    {"Outlook de, rule", NULL,
     "Ja.\n\n________________________________\nVon: Ann <" P ">\n"
     "Gesendet: Donnerstag, 3. Dezember 2026 14:02\nAn: Bob\n"
     "Betreff: Wohnung\n\n" BODY, "Ja.", NULL},
    {"Outlook es, no address", NULL,
     "Sí.\n\nDe: Ann\nEnviado: jueves, 3 de diciembre de 2026 14:02\n"
     "Para: Bob\nAsunto: Piso\n\n" BODY, "Sí.", NULL},
    {"Outlook, a header language no pattern knows, wrapped subject", NULL,
     "Yes.\n\n________________________________\nSender: Ann <" P ">\n"
     "When: 2026-12-03 14:02\nWhom: Bob\nAbout: The flat on Main Street,\n"
     "  number 4\n\n" BODY, "Yes.", NULL},
    {"unknown: dashed", NULL,
     "Ja, gerne.\n\n---- Ann schrieb am Do. ----\n\n" BODY, "Ja, gerne.",
     "marker.attribution marker.reply"},
    {"unknown: bracketed date", NULL,
     "Yes.\n\n[03.12.2026 14:02] Ann <" P ">:\n" BODY, "Yes.", NULL},
    {"unknown: bar quotes", NULL,
     "Yes.\n\nAnn wrote on 03.12.2026:\n| " MARK "\n|\n| Ann asks\n",
     "Yes.", NULL},
    {"unknown: no prefix, no attribution", NULL, "Yes.\n\n" BODY, "Yes.",
     "marker.reply"},
    {"wrapped by the client", NULL,
     "Yes.\n\n> Reply above this line to\n> answer Ann by SMS.\n> Ann asks\n",
     "Yes.", NULL},
    {"HTML white space", NULL,
     "Yes.\n\n\xc2\xa0 Reply above this line  to answer Ann by SMS.\n\nAnn"
     " asks\n", "Yes.", NULL},
    {"signature above still cut", NULL,
     "Yes.\n\n-- \nBob Smith\nCaretaker\n\nOn 3 Dec 2026, at 14:02, Ann <" P
     "> wrote:\n\n" QM, "Yes.", "signature.dashes marker.attribution"
     " marker.reply"},
    {"mobile footer above still dropped", NULL,
     "Yes.\n\nSent from my iPhone\n\nOn 3 Dec 2026, at 14:02, Ann <" P
     "> wrote:\n\n" QM, "Yes.", "footer.en.my-device marker.attribution"
     " marker.reply"},
    {"own format starting with %s", "%s asked %c - reply above this line",
     "Yes.\n\nAnn <" P "> hat am 03.12.2026 geschrieben:\n> Ann asked by"
     " SMS - reply above this line\n> Ann asks\n", "Yes.", NULL},
    {"empty format: the rules", "",
     "Yes.\n\n---- Ann schrieb am Do. ----\n\n" BODY,
     "Yes.\n\n---- Ann schrieb am Do. ----\n\nReply above this line to "
     "answer Ann by SMS.\n\nAnn asks: is the flat still free?", NULL},
    /* Negatives: the writer's text is kept. */
    {"negative: the marker's text mid-line in the writer's text", NULL,
     "What does \"reply above this line to answer Ann by SMS\" mean?\n\n"
     "On 3 Dec 2026, at 14:02, Ann <" P "> wrote:\n\n" QM,
     "What does \"reply above this line to answer Ann by SMS\" mean?", NULL},
    {"negative: the writer's line ending in ':' right above", NULL,
     "The keys are with the caretaker. Ring at the side door:\n" QM,
     "The keys are with the caretaker. Ring at the side door:",
     "marker.reply"},
    {"negative: the writer's text runs into the attribution", NULL,
     "Yes.\nThanks, Bob\nOn Thu, Dec 3, 2026 at 2:02 PM Ann <" P "> wrote:\n"
     QM, "Yes.\nThanks, Bob", NULL},
    {"negative: the writer's labelled lines right above", NULL,
     "Here it is.\n\nAddress: Main Street\nKeys: at the caretaker\n\n" BODY,
     "Here it is.\n\nAddress: Main Street\nKeys: at the caretaker",
     "marker.reply"},
    {"limit: an attribution with no date and no address stays", NULL,
     "Yes.\n\nAnn wrote:\n" QM, "Yes.\n\nAnn wrote:", "marker.reply"},
    {"negative: another key", NULL,
     "Yes.\n\nReply below this line to answer Ann by SMS.\nThat's all.\n",
     "Yes.\n\nReply below this line to answer Ann by SMS.\nThat's all.",
     NULL},
    {"negative: answered under the quoted marker", NULL,
     "On 3 Dec 2026, at 14:02, Ann <" P "> wrote:\n\n" QM
     "\nYes, it is still free.\n", "Yes, it is still free.", NULL},
    {"negative: answered between quoted lines", NULL,
     "> " MARK "\n>\n> Ann asks: is the flat still free?\n\nYes.\n\n"
     "> And the garage?\n\nThat too.\n", "Yes.\n\nThat too.", NULL},
};

/* The spans' rules, " "-separated. */
static void span_rules(const struct capture_text_report *r, struct buf *out)
{
    size_t i;

    for (i = 0; i < r->span_count; i++)
        buf_printf(out, "%s%s", i ? " " : "", r->spans[i].rule);
}

static void test_extract_table(void **state)
{
    struct buf *out = buf_create(256), *rules = buf_create(64);
    size_t i, failed = 0;

    (void) state;
    for (i = 0; i < sizeof(extract_cases) / sizeof(extract_cases[0]); i++) {
        const struct extract_case *c = &extract_cases[i];
        struct capture_text_report r = {.explain = 1};

        buf_reset(out);
        buf_reset(rules);
        capture_text_extract_marker(c->in, strlen(c->in),
                                    c->format ? c->format : DEFAULT_FORMAT,
                                    out, &r);
        span_rules(&r, rules);
        if (strcmp(out->data, c->want) != 0) {
            print_error("%s:\n  got  \"%s\"\n  want \"%s\"\n  (spans: %s)\n",
                        c->name, out->data, c->want, rules->data);
            failed++;
        } else if (c->rules != NULL && strcmp(rules->data, c->rules) != 0) {
            print_error("%s: spans \"%s\", want \"%s\"\n", c->name,
                        rules->data, c->rules);
            failed++;
        }
        capture_text_report_release(&r);
    }
    buf_free(out);
    buf_free(rules);
    assert_int_equal(failed, 0);
}

/* The report: the marker's line, the spans' lines and actions. */
static void test_extract_report(void **state)
{
    static const char in[] = "Yes.\n\nOn Thu, Dec 3, 2026 at 2:02 PM Ann <\n"
        P "> wrote:\n\n" QM;
    struct capture_text_report r = {.explain = 1};
    struct buf *out = buf_create(64);

    (void) state;
    capture_text_extract_marker(in, sizeof(in) - 1, DEFAULT_FORMAT, out, &r);
    assert_string_equal(out->data, "Yes.");
    assert_int_equal(r.marker, 6);
    assert_int_equal(r.span_count, 2);
    assert_string_equal(r.spans[0].rule, "marker.attribution");
    assert_int_equal(r.spans[0].first, 3);
    assert_int_equal(r.spans[0].last, 4);
    assert_int_equal(r.spans[0].action, CAPTURE_TEXT_DROPPED);
    assert_string_equal(r.spans[1].rule, "marker.reply");
    assert_int_equal(r.spans[1].first, 6);
    assert_int_equal(r.spans[1].action, CAPTURE_TEXT_CUT);
    assert_int_equal(r.forward, 0);
    capture_text_report_release(&r);
    /* Without a marker, or without explain: the same text, no spans. */
    buf_reset(out);
    capture_text_extract_marker(in, sizeof(in) - 1, NULL, out, &r);
    assert_string_equal(out->data, "Yes.");
    assert_int_equal(r.marker, 0);
    capture_text_report_release(&r);
    buf_reset(out);
    capture_text_extract_marker(in, sizeof(in) - 1, DEFAULT_FORMAT, out,
                                NULL);
    assert_string_equal(out->data, "Yes.");
    buf_free(out);
}

/* HTML whose quote is in a container capture_html_to_text() does not
 * know: the marker in the text made from it cuts. */
static void test_html_unknown_container(void **state)
{
    static const char html[] =
        "<html><body><div dir=\"ltr\">Yes, it is still free.<br>Bob</div>"
        "<div><br></div><section class=\"xq-quoted-mail\"><div style=\"color:#888;font-size:12px\">Reply above this line to"
        "&nbsp;answer Ann by SMS.</div><p>Ann asks: is the flat still"
        " free?</p><p>postmask &middot; unsubscribe</p></section>"
        "</body></html>";
    struct buf *text = buf_create(256), *out = buf_create(256);

    (void) state;
    capture_html_to_text(html, sizeof(html) - 1, text);
    assert_non_null(strstr(text->data, "Reply above this line"));
    capture_text_extract_marker(text->data, text->len, DEFAULT_FORMAT, out,
                                NULL);
    assert_string_equal(out->data, "Yes, it is still free.\nBob");
    buf_reset(out);
    capture_text_extract(text->data, text->len, out);
    assert_string_not_equal(out->data, "Yes, it is still free.\nBob");
    buf_free(text);
    buf_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_channel),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_find_table),
        cmocka_unit_test(test_locate_details),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_extract_table),
        cmocka_unit_test(test_extract_report),
        cmocka_unit_test(test_html_unknown_container),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
