/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_text - capture_text_extract() and capture_html_to_text()
 * against tables of cases, each naming what it checks: every quote
 * introduction form (six languages, one line or wrapped), Outlook header
 * blocks and separators, inline replies, signatures, mobile footers, white
 * space; and for HTML: block structure, entities, quote containers of
 * each client, lists, tables, links, comments, script and style.  One test
 * per table reports every failing case before it fails.  A few tests
 * outside the tables check the bounds (long lines, deep nesting, input
 * beyond the maxima).
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
#include "xalloc.h"

struct text_case {
    const char *name;
    const char *in;
    const char *want;
};

#define A "Anna Berg <k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy@reply.example.com>"
#define Q "\n> Is the flat still available?\n>\n> Anna\n"

static const struct text_case extract_cases[] = {
    /* Quote introductions, verb last. */
    {"en: On ... wrote:",
     "Yes, it is.\n\nOn Mon, 4 Mar 2024 at 10:15, " A " wrote:\n" Q,
     "Yes, it is."},
    {"en: Gmail, wrapped after <",
     "Yes.\n\nOn Mon, Mar 4, 2024 at 10:15\xe2\x80\xaf" "AM Anna Berg <\n"
     "k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy@reply.example.com> wrote:\n"
     Q, "Yes."},
    {"en: wrapped over three lines",
     "Ok.\n\nOn Monday, March 4, 2024 at 10:15:33 AM\n"
     "Central European Standard Time, Anna Berg\n"
     "<anna@example.org> wrote:\n" Q, "Ok."},
    {"en: Thunderbird, no address",
     "Fine.\n\nOn 04/03/2024 10:15, Anna Berg wrote:\n" Q, "Fine."},
    {"en: The Bat!, you wrote",
     "Fine.\n\nOn Monday, March 4, 2024, 10:15:00 AM, you wrote:\n" Q, "Fine."},
    {"en: flattened, quote on the same line",
     "OK\n\n  On Tue, 5 Mar 2024 at 19:02, Anna Berg<a@example.org> wrote:"
     "   Can we say 5pm?", "OK"},
    {"de: Am ... schrieb ...:",
     "Ja.\n\nAm 04.03.2024 um 10:15 schrieb " A ":\n" Q, "Ja."},
    {"de: Gmail, Uhr and NBSP",
     "Ja.\n\nAm Mo., 4. M\xc3\xa4rz 2024 um 10:15\xc2\xa0Uhr schrieb " A ":\n" Q,
     "Ja."},
    {"de: wrapped after <",
     "Ja.\n\nAm Mo., 4. M\xc3\xa4rz 2024 um 10:15 Uhr schrieb Anna Berg <\n"
     "anna@example.org>:\n" Q, "Ja."},
    {"de: Thunderbird, no address",
     "Ja.\n\nAm 04.03.24 um 10:15 schrieb Anna Berg:\n" Q, "Ja."},
    {"de: ... geschrieben:",
     "Ja.\n\nAm 04.03.2024 um 10:15 hat " A " geschrieben:\n" Q, "Ja."},
    {"de: name first (Android Gmail)",
     "Passt.\n\n" A " schrieb am Do., 7. M\xc3\xa4rz 2024, 19:22:\n" Q, "Passt."},
    {"de: name first, wrapped",
     "Passt.\n\n" A " schrieb am Do., 7. M\xc3\xa4rz 2024,\n19:22:\n" Q, "Passt."},
    {"fr: Le ... a \xc3\xa9" "crit :",
     "Oui.\n\nLe lun. 4 mars 2024 \xc3\xa0 10:15, " A " a \xc3\xa9" "crit :\n" Q,
     "Oui."},
    {"fr: narrow NBSP before the colon",
     "Oui.\n\nLe lun. 4 mars 2024 \xc3\xa0 10:15, " A
     " a \xc3\xa9" "crit\xe2\x80\xaf:\n" Q, "Oui."},
    {"fr: wrapped before a \xc3\xa9" "crit",
     "Oui.\n\nLe 4 mars 2024 \xc3\xa0 10:15, " A "\na \xc3\xa9" "crit :\n" Q,
     "Oui."},
    {"es: El ... escribi\xc3\xb3:",
     "S\xc3\xad.\n\nEl lun, 4 mar 2024 a las 10:15, Anna Berg (<a@example.org>)"
     " escribi\xc3\xb3:\n" Q, "S\xc3\xad."},
    {"es: wrapped (Gmail)",
     "S\xc3\xad.\n\nEl lun, 4 mar 2024 a las 10:15, Anna Berg (<\n"
     "a@example.org>) escribi\xc3\xb3:\n" Q, "S\xc3\xad."},
    {"es: Thunderbird",
     "Vale.\n\nEl 4/3/24 a las 10:15, Anna Berg escribi\xc3\xb3:\n" Q, "Vale."},
    {"nl: Op ... schreef ...:",
     "Ja.\n\nOp ma 4 mrt 2024 om 10:15 schreef " A ":\n" Q, "Ja."},
    {"nl: Apple, het volgende geschreven",
     "Ja.\n\nOp 4 mrt 2024 om 10:15 heeft " A " het volgende geschreven:\n" Q,
     "Ja."},
    {"nl: Apple, wrapped",
     "Ja.\n\nOp 4 mrt 2024 om 10:15 heeft " A " het\nvolgende geschreven:\n" Q,
     "Ja."},
    {"pt: Em ... escreveu:",
     "Sim.\n\nEm seg., 4 de mar. de 2024 \xc3\xa0s 10:15, " A " escreveu:\n" Q,
     "Sim."},
    {"pt: wrapped",
     "Sim.\n\nEm seg., 4 de mar. de 2024 \xc3\xa0s 10:15, Anna Berg <\n"
     "a@example.org> escreveu:\n" Q, "Sim."},
    {"pt: iPhone, quoted introduction",
     "Sim.\n\n> Em 6 de mar. de 2024, \xc3\xa0(s) 17:50, " A " escreveu:\n" Q,
     "Sim."},

    /* Not introductions. */
    {"no date: prose that ends in wrote:",
     "On the whole, he wrote:\nthe flat is fine.",
     "On the whole, he wrote:\nthe flat is fine."},
    {"the writer's line above an introduction",
     "Call me (mornings only)\nOn Mon, 4 Mar 2024, " A " wrote:\n" Q,
     "Call me (mornings only)"},
    {"an address above an introduction",
     "Write to jan@example.org\nOn Mon, 4 Mar 2024, " A " wrote:\n" Q,
     "Write to jan@example.org"},
    {"a From: line alone is text",
     "From: the landlord, not me.\nHe agreed to the term.",
     "From: the landlord, not me.\nHe agreed to the term."},

    /* Outlook header blocks and separators. */
    {"outlook en",
     "Fine.\n\nFrom: " A " \nSent: Monday, March 4, 2024 10:15 AM\n"
     "To: Tom Baker <tom@example.org>\nSubject: Flat\n\nHello, old text",
     "Fine."},
    {"outlook de",
     "Gut.\n\nVon: " A " \nGesendet: Montag, 4. M\xc3\xa4rz 2024 10:15\n"
     "An: Katrin <k@example.org>\nBetreff: Besichtigung\n\nAlt", "Gut."},
    {"outlook fr, NBSP before colons",
     "Bien.\n\nDe\xc2\xa0: " A "\nEnvoy\xc3\xa9\xc2\xa0: lundi 4 mars 2024 10:15\n"
     "\xc3\x80\xc2\xa0: Mathieu <m@example.org>\nObjet\xc2\xa0: Bail\n\nAncien",
     "Bien."},
    {"outlook es, Enviado el",
     "Bien.\n\nDe: " A "\nEnviado el: lunes, 4 de marzo de 2024 10:15\n"
     "Para: Carmen <c@example.org>\nAsunto: Local\n\nViejo", "Bien."},
    {"outlook nl",
     "Goed.\n\nVan: " A "\nVerzonden: maandag 4 maart 2024 10:15\n"
     "Aan: Pieter <p@example.org>\nOnderwerp: Huur\n\nOud", "Goed."},
    {"outlook pt, Enviada em",
     "Bom.\n\nDe: " A "\nEnviada em: segunda-feira, 4 de mar\xc3\xa7o de 2024 10:15\n"
     "Para: Rita <r@example.org>\nAssunto: Loja\n\nVelho", "Bom."},
    {"outlook block in bold (from HTML)",
     "Fine.\n\n*From:* " A "\n*Sent:* Monday, March 4, 2024 10:15 AM\n"
     "*To:* Tom <tom@example.org>\n*Subject:* Flat\n\nOld", "Fine."},
    {"outlook on the web, underscores above",
     "Ok\n\n________________________________\nFrom: " A "\n"
     "Sent: 04 March 2024 10:15\nTo: Sam <s@example.org>\nSubject: Viewing\n\nOld",
     "Ok"},
    {"samsung, Original message above",
     "Yes\n\n\n-------- Original message --------\nFrom: " A " \n"
     "Date: 06/03/2024 21:14 (GMT+00:00) \nTo: r@example.org \nSubject: Keys \n\nOld",
     "Yes"},
    {"-----Original Message-----",
     "Agreed.\n\n-----Original Message-----\nFrom: Anna\nOld text", "Agreed."},
    {"----- Original Message ----- (spaces)",
     "Agreed.\n----- Original Message -----\nOld", "Agreed."},
    {"-----Urspr\xc3\xbcngliche Nachricht-----",
     "Einverstanden.\n-----Urspr\xc3\xbcngliche Nachricht-----\nAlt",
     "Einverstanden."},
    {"-------- Message d'origine --------",
     "D'accord.\n-------- Message d'origine --------\nAncien", "D'accord."},
    {"-----Mensaje original-----",
     "De acuerdo.\n-----Mensaje original-----\nViejo", "De acuerdo."},
    {"-----Oorspronkelijk bericht-----",
     "Akkoord.\n-----Oorspronkelijk bericht-----\nOud", "Akkoord."},
    {"-----Mensagem original-----",
     "Combinado.\n-----Mensagem original-----\nVelho", "Combinado."},
    {"exim bounce copy",
     "Failed.\n\n------ This is a copy of the message, including all the "
     "headers. ------\n\nReturn-path: <a@example.org>\nSecret text",
     "Failed."},

    /* Quoted lines and inline replies. */
    {"a run of quoted lines ends the message",
     "Thanks!\n\n> q1\n> q2\n", "Thanks!"},
    {"inline reply without introduction",
     "> Is parking included?\nNo.\n> Pets?\nA cat is fine.\n",
     "No.\n\nA cat is fine."},
    {"inline reply after an introduction",
     "Answers below.\n\nOn Mon, 4 Mar 2024, " A " wrote:\n> Parking?\n\nNo.\n\n"
     "> Pets?\n\nA cat.\n\n> Anna\n", "Answers below.\n\nNo.\n\nA cat."},
    {"nested quotes",
     ">> older\n> newer question\nthe answer", "the answer"},
    {"indented quote marks",
     "Answer.\n   > quoted\n", "Answer."},
    {"a disclaimer after the quote makes it inline",
     "Yes.\n\nOn Mon, 4 Mar 2024, " A " wrote:\n> q\n\nConfidential notice.",
     "Yes.\n\nConfidential notice."},

    /* Signatures. */
    {"signature \"-- \"",
     "Thanks\n\n-- \nTom Baker\n+44 20 7946 0958", "Thanks"},
    {"signature \"--\" without its space",
     "Thanks\n--\nTom", "Thanks"},
    {"signature before the quote",
     "Thanks\n-- \nTom\n\nOn Mon, 4 Mar 2024, " A " wrote:\n" Q, "Thanks"},
    {"a quoted signature is just quoted",
     "Thanks\n> -- \n> sig", "Thanks"},
    {"text starting with -- is not a signature",
     "-- not a signature\nText", "-- not a signature\nText"},

    /* Mobile footers. */
    {"Sent from my iPhone", "Ok\n\nSent from my iPhone", "Ok"},
    {"Sent from my iPad", "Ok\n\nSent from my iPad", "Ok"},
    {"Sent from my Galaxy", "Ok\n\n\n\nSent from my Galaxy", "Ok"},
    {"Von meinem iPhone gesendet", "Ok\n\nVon meinem iPhone gesendet", "Ok"},
    {"Von meinem Samsung Galaxy Smartphone gesendet.",
     "Ok\nVon meinem Samsung Galaxy Smartphone gesendet.", "Ok"},
    {"Envoy\xc3\xa9 de mon iPhone", "Ok\n\nEnvoy\xc3\xa9 de mon iPhone", "Ok"},
    {"Enviado desde mi iPhone", "Ok\n\nEnviado desde mi iPhone", "Ok"},
    {"Verzonden vanaf mijn iPhone", "Ok\n\nVerzonden vanaf mijn iPhone", "Ok"},
    {"Enviado do meu iPhone", "Ok\n\nEnviado do meu iPhone", "Ok"},
    {"Get Outlook for iOS<link>",
     "Ok\n\nGet Outlook for iOS<https://aka.ms/o0ukef>", "Ok"},
    {"Get Outlook for Android", "Ok\n\nGet Outlook for Android", "Ok"},
    {"Outlook f\xc3\xbcr Android herunterladen<link>",
     "Ok\n\nOutlook f\xc3\xbcr Android herunterladen<https://aka.ms/AAb9ysg>",
     "Ok"},
    {"Sent from Yahoo Mail on Android",
     "Ok\n\nSent from Yahoo Mail on Android", "Ok"},
    {"Sent from Yahoo Mail with a long tracking link",
     "Ok\n\nSent from Yahoo Mail on Android <https://go.onelink.me/107872968?"
     "pid=InProduct&c=Global_Internal_YGrowth_AndroidEmailSig__AndroidUsers&"
     "af_wl=ym&af_sub1=Internal&af_sub2=Global_YGrowth&af_sub3=EmailSignature>",
     "Ok"},
    {"Von meinem ... without gesendet is text",
     "Von meinem Balkon sieht man den See.",
     "Von meinem Balkon sieht man den See."},

    /* White space. */
    {"blank lines and trailing space",
     "\n\n  Hello  \n\n\n\nWorld \t\n\n", "Hello\n\nWorld"},
    {"trailing NBSP", "Hello\xc2\xa0\xc2\xa0\nWorld", "Hello\nWorld"},
    {"CRLF line ends",
     "Yes\r\n\r\nOn Mon, 4 Mar 2024, " A " wrote:\r\n> q\r\n", "Yes"},
    {"CR line ends", "One\rTwo\r", "One\nTwo"},
    {"empty", "", ""},
    {"only a quote",
     "On Mon, 4 Mar 2024, " A " wrote:\n" Q, ""},
    {"only blank lines", "\n \n\t\n", ""},
};

static const struct text_case html_cases[] = {
    {"div lines, div-br blank line",
     "<div>Hi</div><div><br></div><div>Bye</div>", "Hi\n\nBye"},
    {"br forms", "a<br>b<br/>c<BR >d</br>e", "a\nb\nc\nd\ne"},
    {"paragraphs have blank lines between",
     "<p>One</p><p>Two</p>", "One\n\nTwo"},
    {"Outlook MsoNormal paragraphs are lines",
     "<p class=MsoNormal>One<o:p></o:p></p>"
     "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
     "<p class=MsoNormal>Two<o:p></o:p></p>"
     "<p class=MsoNormal>Three<o:p></o:p></p>", "One\n\nTwo\nThree"},
    {"p with margin:0 is a line",
     "<p style=\"margin: 0\">a</p><p style=\"margin:0\">b</p>", "a\nb"},
    {"named entities",
     "&amp; &lt; &gt; &quot; &apos; &euro; &auml;&ouml;&uuml;&szlig; "
     "&eacute; &hellip; &copy;",
     "& < > \" ' \xe2\x82\xac \xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f \xc3\xa9 "
     "\xe2\x80\xa6 \xc2\xa9"},
    {"numeric entities",
     "&#8364; &#x20AC; &#X20ac; &#252; &#128; &#39;",
     "\xe2\x82\xac \xe2\x82\xac \xe2\x82\xac \xc3\xbc \xe2\x82\xac '"},
    {"invalid numeric entities",
     "[&#0;] [&#xD800;] [&#1114112;] [&#99999999999;]",
     "[\xef\xbf\xbd] [\xef\xbf\xbd] [\xef\xbf\xbd] [\xef\xbf\xbd]"},
    {"unknown and unterminated entities",
     "&bogus; &amp &# &x; R&D", "&bogus; & &# &x; R&D"},
    {"nbsp does not collapse", "a&nbsp;&nbsp;b", "a  b"},
    {"literal NBSP is a space", "a\xc2\xa0" "b", "a b"},
    {"white space collapses", "  a \n\t b  ", "a b"},
    {"pre keeps white space", "<pre>a\n  b</pre>", "a\n  b"},
    {"head, title, style, script dropped",
     "<html><head><title>T</title><style>p{color:red}</style></head>"
     "<body><script>alert('<p>x</p>')</script><p>Hi</p></body></html>",
     "Hi"},
    {"style in the body dropped",
     "<style type=\"text/css\">.a { }</style>Hi", "Hi"},
    {"head without end tag ends at body",
     "<html><head><meta charset=utf-8><body>Hi</body></html>", "Hi"},
    {"Gmail quote",
     "<div dir=\"ltr\">Yes</div><br><div class=\"gmail_quote\"><div dir=\"ltr\""
     " class=\"gmail_attr\">On Mon, 4 Mar 2024, Anna wrote:<br></div>"
     "<blockquote class=\"gmail_quote\" style=\"margin:0px\">old</blockquote>"
     "</div>", "Yes"},
    {"Gmail quote container",
     "Yes<div class=\"gmail_quote gmail_quote_container\">On x wrote:"
     "<blockquote>old</blockquote></div>", "Yes"},
    {"Gmail signature",
     "Hi<br><span class=\"gmail_signature_prefix\">-- </span><br>"
     "<div dir=\"ltr\" class=\"gmail_signature\">Tom Baker</div>", "Hi\n--"},
    {"Apple Mail cite blockquotes",
     "Yes<div><br><blockquote type=\"cite\">On 4 Mar 2024, Anna wrote:<br>"
     "</blockquote></div><blockquote type=\"cite\"><div>old</div></blockquote>",
     "Yes"},
    {"nested blockquotes",
     "Top<blockquote>a<blockquote>b</blockquote>c</blockquote>Bottom",
     "Top\nBottom"},
    {"unclosed blockquote drops the rest", "a<blockquote>b<div>c", "a"},
    {"Thunderbird cite prefix and signature",
     "<p>Yes</p><div class=\"moz-cite-prefix\">On 4/3/24, Anna wrote:<br>"
     "</div><blockquote type=\"cite\">old</blockquote>"
     "<div class=\"moz-signature\">-- <br>Helen</div>", "Yes"},
    {"Yahoo quoted",
     "Hi<div id=\"yahoo_quoted_1\" class=\"yahoo_quoted\">old</div>", "Hi"},
    {"Outlook on the web: appendonsend and what follows",
     "Reply<div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\">"
     "<b>From:</b> Anna</div><div>old</div><p>older</p>", "Reply"},
    {"Outlook mobile: divRplyFwdMsg and signature",
     "Yes<div id=\"ms-outlook-mobile-signature\">Get Outlook for iOS</div>"
     "<div id=\"divRplyFwdMsg\"><b>From:</b> x</div>old", "Yes"},
    {"Outlook desktop: border-top From block",
     "<p class=MsoNormal>Reply<o:p></o:p></p><div><div style='border:none;"
     "border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
     "<p class=MsoNormal><b>From:</b> Anna</p></div></div>"
     "<p class=MsoNormal>old</p>", "Reply"},
    {"a stop marker inside a quote stops nothing",
     "<blockquote><div id=\"divRplyFwdMsg\">x</div></blockquote>After",
     "After"},
    {"lists", "<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol>",
     "- a\n- b\n\n1. x\n2. y"},
    {"table cells and rows",
     "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr>"
     "</table>", "a b\nc d"},
    {"link with other text gets its target",
     "See <a href=\"https://x.example/p?a=1&amp;b=2\">the listing</a>.",
     "See the listing <https://x.example/p?a=1&b=2>."},
    {"link that is its target",
     "<a href=\"https://x.example/\">https://x.example/</a>",
     "https://x.example/"},
    {"mailto link that is its address",
     "<a href=\"mailto:a@b.example\">a@b.example</a>", "a@b.example"},
    {"other link schemes give no target",
     "<a href=\"javascript:x()\">t</a> <a href=\"tel:+44\">call</a>",
     "t call"},
    {"image-only link gives no target",
     "<a href=\"https://x.example/\"><img src=\"cid:logo\"></a>Hi", "Hi"},
    {"comments and conditional comments",
     "a<!-- hidden -->b<!--[if mso]>x<![endif]-->c", "abc"},
    {"unterminated comment", "a<!-- b", "a"},
    {"CDATA and declarations", "<!DOCTYPE html>a<![CDATA[x]]>b<?xml?>c",
     "abc"},
    {"a lone < is text", "1 < 2 and 3>2 <", "1 < 2 and 3>2 <"},
    {"upper-case tags", "<DIV>A</DIV><BR><P>B</P>", "A\n\nB"},
    {"quoted > in an attribute", "<div title=\"a>b\">X</div>", "X"},
    {"self-closing div", "<div/>X", "X"},
    {"stray end tags", "</div></p>a</span>", "a"},
    {"empty", "", ""},
};

static int run_table(const char *what, const struct text_case *cases,
                     size_t n, int (*fn)(const char *, size_t, struct buf *))
{
    size_t i;
    int failed = 0;

    for (i = 0; i < n; i++) {
        struct buf *out = buf_create(64);

        buf_append_str(out, "[kept]");          /* appends, never resets */
        assert_int_equal(fn(cases[i].in, strlen(cases[i].in), out), 0);
        if (strncmp(out->data, "[kept]", 6) != 0
            || strcmp(out->data + 6, cases[i].want) != 0) {
            print_error("%s: %s:\n  input: \"%s\"\n  want:  \"%s\"\n"
                        "  got:   \"%s\"\n", what, cases[i].name, cases[i].in,
                        cases[i].want, out->data);
            failed++;
        }
        buf_free(out);
    }
    return failed;
}

static void test_extract_table(void **state)
{
    assert_int_equal(run_table("extract", extract_cases,
                               sizeof(extract_cases) / sizeof(extract_cases[0]),
                               capture_text_extract), 0);
}

static void test_html_table(void **state)
{
    assert_int_equal(run_table("html", html_cases,
                               sizeof(html_cases) / sizeof(html_cases[0]),
                               capture_html_to_text), 0);
}

/* HTML to text, then the new text: the path of an HTML-only reply. */
static void test_html_then_extract(void **state)
{
    static const char html[] =
        "<div>Yes, Thursday works.</div><div><br></div>"
        "<div>Sent from my iPhone</div>"
        "<p>Am 04.03.2024 10:15, schrieb Anna Berg:</p>"
        "<p>quoted without a container</p>";
    struct buf *text = buf_create(64), *out = buf_create(64);

    capture_html_to_text(html, sizeof(html) - 1, text);
    capture_text_extract(text->data, text->len, out);
    assert_string_equal(out->data, "Yes, Thursday works.");
    buf_free(text);
    buf_free(out);
}

static void test_long_line(void **state)
{
    size_t n = 300000;
    char *line = xmalloc(n + 64);
    struct buf *out = buf_create(64);

    memset(line, 'a', n);
    memcpy(line + n, "\n> quoted\n", 11);
    capture_text_extract(line, n + 10, out);
    assert_int_equal(out->len, n);
    buf_reset(out);
    memset(line, '<', n);               /* never a tag */
    capture_html_to_text(line, n, out);
    assert_int_equal(out->len, n);
    free(line);
    buf_free(out);
}

static void test_many_short_lines(void **state)
{
    struct buf *in = buf_create(64), *out = buf_create(64);
    size_t i;

    /* Introductions, one after the other, before a late inline answer
     * (20000 of them: just under CAPTURE_TEXT_MAX). */
    for (i = 0; i < 20000; i++)
        buf_append_str(in, "On Mon, 4 Mar 2024, Anna <a@example.org> wrote:\n");
    buf_append_str(in, "> q\nanswer\n");
    capture_text_extract(in->data, in->len, out);
    assert_string_equal(out->data, "answer");
    buf_free(in);
    buf_free(out);
}

static void test_deep_nesting(void **state)
{
    struct buf *in = buf_create(64), *out = buf_create(64);
    size_t i;

    buf_append_str(in, "<blockquote>quoted");
    for (i = 0; i < 20000; i++)
        buf_append_str(in, "<div><span>");
    buf_append_str(in, "deep");
    for (i = 0; i < 20000; i++)
        buf_append_str(in, "</span></div>");
    buf_append_str(in, "</blockquote>after");
    capture_html_to_text(in->data, in->len, out);
    assert_string_equal(out->data, "after");
    buf_free(in);
    buf_free(out);
}

static void test_input_bounds(void **state)
{
    size_t n = CAPTURE_TEXT_MAX + 1000;
    char *text = xmalloc(n);
    struct buf *out = buf_create(64);
    size_t i;

    /* Lines of "é", so the cut falls inside a character unless it is
     * moved back to a character boundary. */
    for (i = 0; i + 1 < n; i += 2) {
        text[i] = (char) 0xc3;
        text[i + 1] = (char) 0xa9;
    }
    for (i = 999; i < n; i += 1000)
        text[i] = '\n';
    capture_text_extract(text, n, out);
    assert_true(out->len <= CAPTURE_TEXT_MAX);
    assert_true(out->len > CAPTURE_TEXT_MAX - 2000);
    assert_true(((unsigned char) out->data[out->len - 1] & 0xc0) == 0x80);
    free(text);
    buf_free(out);
}

static void test_bytes_pass_through(void **state)
{
    static const char in[] = "caf\xe9 \xff\xfe ok";
    struct buf *out = buf_create(64);

    capture_text_extract(in, sizeof(in) - 1, out);
    assert_memory_equal(out->data, in, sizeof(in) - 1);
    buf_reset(out);
    capture_html_to_text(in, sizeof(in) - 1, out);
    assert_memory_equal(out->data, in, sizeof(in) - 1);
    buf_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_table),
        cmocka_unit_test(test_html_table),
        cmocka_unit_test(test_html_then_extract),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_many_short_lines),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_input_bounds),
        cmocka_unit_test(test_bytes_pass_through),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
