/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_signature - capture_signature_cut() against a table of
 * replies (the writer's text after quotes and footers are gone, as
 * capture_text_extract() keeps it): signature blocks after a sign-off and
 * a name in many languages, cut after the name; and replies that must be
 * kept whole (no sign-off, prose or a question after the block, an answer
 * that is an address, opening hours, a price list, a sentence where the
 * name should be, an honorific, a single phone number).  Each case names
 * what it checks and the sign-off rule it expects (a prefix) or NULL for
 * "no signature".  The table test reports every failing case before it
 * fails; other tests check the line-array form, the line numbers and the
 * bounds.  Names and addresses are invented; domains are .example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture_signature.h"

struct sig_case {
    const char *what;
    const char *text;
    const char *keep;       /* what is kept, or NULL: all of text */
    const char *rule;       /* a prefix of the sign-off rule, or NULL */
};

static const struct sig_case cases[] = {
    /* --- Positive: the contact block after the name goes. --- */
    {"en: regards, name, title, company, address, phone, url",
     "Yes, the flat is still available. Viewings are on Tuesday.\n\n"
     "Best regards,\nAnna Berg\nProperty Manager\nBerg Estates Ltd\n"
     "12 Baker Street\nLondon NW1 6XE\nTel: +44 20 7946 0958\n"
     "www.berg-estates.example",
     "Yes, the flat is still available. Viewings are on Tuesday.\n\n"
     "Best regards,\nAnna Berg", "signoff.en.regards"},
    {"en: thanks, two name lines, one line of parts, disclaimer",
     "I can meet you at the front door at 6 pm.\n\nThanks,\nTom Miller\n"
     "Miller Property Group\nT +1 (555) 123-4567 | tom@miller.example\n\n"
     "This email and any attachments are confidential and intended solely for\n"
     "the addressee. If you received it in error, please delete it.",
     "I can meet you at the front door at 6 pm.\n\nThanks,\nTom Miller",
     "signoff.en.thanks"},
    {"de: MfG, Hausverwaltung, Straße, PLZ, Tel., Fax, HRB",
     "Der Besichtigungstermin am Montag um 17 Uhr passt.\n\n"
     "Mit freundlichen Grüßen\n\nAnna Berg\nHausverwaltung Berg GmbH\n"
     "Hauptstraße 5\n10115 Berlin\nTel.: 030 1234567\nFax: 030 1234568\n"
     "Amtsgericht Charlottenburg HRB 12345",
     "Der Besichtigungstermin am Montag um 17 Uhr passt.\n\n"
     "Mit freundlichen Grüßen\n\nAnna Berg", "signoff.de.mfg"},
    {"de: Viele Grüße, Mob.:, E-Mail",
     "Der Schlüssel liegt beim Nachbarn.\n\nViele Grüße\nJonas Keller\n"
     "Mob.: 0171 2345678\nE-Mail: jonas@keller.example",
     "Der Schlüssel liegt beim Nachbarn.\n\nViele Grüße\nJonas Keller",
     "signoff.de.gruesse"},
    {"fr: Cordialement, gérante, rue, code postal, Tél.",
     "La visite est confirmée pour jeudi à 18 h.\n\nCordialement,\n"
     "Marie Lefèvre\nGérante\n12 rue de la Paix\n75002 Paris\n"
     "Tél. : 01 23 45 67 89\nwww.lefevre-immo.example",
     "La visite est confirmée pour jeudi à 18 h.\n\nCordialement,\n"
     "Marie Lefèvre", "signoff.fr.cordialement"},
    {"es: Un saludo, Calle, CP, Móvil",
     "El piso sigue disponible, puede verlo el viernes.\n\nUn saludo,\n"
     "Lucía Fernández\nAdministradora de fincas\nCalle Mayor 15\n"
     "28013 Madrid\nMóvil: 612 345 678",
     "El piso sigue disponible, puede verlo el viernes.\n\nUn saludo,\n"
     "Lucía Fernández", "signoff.es.saludos"},
    {"ru: С уважением, ООО, ул., Тел.",
     "Квартира свободна, смотреть можно в субботу.\n\nС уважением,\n"
     "Иван Петров\nООО «Петров Недвижимость»\nул. Ленина, д. 5\n"
     "Тел.: +7 (495) 123-45-67\nwww.petrov.example",
     "Квартира свободна, смотреть можно в субботу.\n\nС уважением,\n"
     "Иван Петров", "signoff.ru.s-uvazheniem"},
    {"ja: よろしくお願いいたします, two name lines, rule, 株式会社, 〒, 電話",
     "内見は土曜日の午後でお願いします。\n\nよろしくお願いいたします。\n"
     "山田太郎\nTaro Yamada\n━━━━━━━━━━━━━━━━\n株式会社サンプル不動産\n"
     "〒100-0005 東京都千代田区丸の内1-2-3\n"
     "電話：03-1234-5678 / FAX：03-1234-5679\nyamada@sample-fudosan.example\n"
     "━━━━━━━━━━━━━━━━",
     "内見は土曜日の午後でお願いします。\n\nよろしくお願いいたします。\n"
     "山田太郎\nTaro Yamada", "signoff.ja.yoroshiku"},
    {"zh: 此致 敬礼, 公司, 地址, 电话",
     "房子还在，周六下午可以看房。\n\n此致\n敬礼！\n张伟\n"
     "北京示例物业管理有限公司\n地址：北京市朝阳区建国路88号\n"
     "电话：+86 10 1234 5678",
     "房子还在，周六下午可以看房。\n\n此致\n敬礼！\n张伟", "signoff.zh.cizhi"},
    {"zh: 谢谢, 手机, 邮箱",
     "可以，明天上午十点见。\n\n谢谢\n李娜\n手机：138 0013 8000\n"
     "邮箱：lina@example.example",
     "可以，明天上午十点见。\n\n谢谢\n李娜", "signoff.zh.xiexie"},
    {"pl: Pozdrawiam, ul., kod, tel. kom.",
     "Mieszkanie jest nadal wolne, zapraszam w czwartek.\n\nPozdrawiam\n"
     "Katarzyna Nowak\nul. Marszałkowska 10/12\n00-590 Warszawa\n"
     "tel. kom. 600 123 456",
     "Mieszkanie jest nadal wolne, zapraszam w czwartek.\n\nPozdrawiam\n"
     "Katarzyna Nowak", "signoff.pl.pozdrawiam"},
    {"sv: Med vänliga hälsningar, AB, gatan, postnummer, Mobil",
     "Lägenheten är ledig från den 1 maj.\n\nMed vänliga hälsningar\n"
     "Erik Lindqvist\nLindqvist Fastigheter AB\nDrottninggatan 5\n"
     "111 51 Stockholm\nMobil: 070-123 45 67",
     "Lägenheten är ledig från den 1 maj.\n\nMed vänliga hälsningar\n"
     "Erik Lindqvist", "signoff.sv.halsningar"},
    {"it: Cordiali saluti, Via, CAP, Cell., P.IVA",
     "L'appartamento è ancora libero, può vederlo sabato.\n\n"
     "Cordiali saluti\nGiulia Rossi\nVia Roma 10\n00184 Roma\n"
     "Cell. 333 123 4567\nP.IVA 01234567890",
     "L'appartamento è ancora libero, può vederlo sabato.\n\n"
     "Cordiali saluti\nGiulia Rossi", "signoff.it.saluti"},
    {"nl: Met vriendelijke groet, B.V., straat, postcode",
     "De woning is nog beschikbaar.\n\nMet vriendelijke groet,\n"
     "Pieter de Vries\nDe Vries Vastgoed B.V.\nKerkstraat 12\n"
     "1017 GB Amsterdam\nT: 020 123 4567",
     "De woning is nog beschikbaar.\n\nMet vriendelijke groet,\n"
     "Pieter de Vries", "signoff.nl.groet"},
    {"ko: 감사합니다, 주식회사, 전화",
     "네, 토요일 오후에 방문하셔도 됩니다.\n\n감사합니다.\n김민수\n"
     "주식회사 예시부동산\n전화: 02-123-4567\nwww.yesi.example",
     "네, 토요일 오후에 방문하셔도 됩니다.\n\n감사합니다.\n김민수",
     "signoff.ko."},
    {"tr: Saygılarımla, A.Ş., Tel",
     "Daire hâlâ boş, cumartesi gösterebilirim.\n\nSaygılarımla,\n"
     "Mehmet Yılmaz\nYılmaz Emlak A.Ş.\nTel: +90 212 123 45 67\n"
     "mehmet@yilmaz.example",
     "Daire hâlâ boş, cumartesi gösterebilirim.\n\nSaygılarımla,\n"
     "Mehmet Yılmaz", "signoff.tr."},

    /* --- Negative: kept whole. --- */
    {"no sign-off: the answer is the caretaker's address and number",
     "Hi,\nthe caretaker can let you in:\nPeter Schulz\nHauptstraße 5\n"
     "10115 Berlin\nTel. 030 1234567", NULL, NULL},
    {"prose after the block",
     "See you on Monday.\n\nBest regards,\nAnna Berg\nTel: +44 20 7946 0958\n"
     "www.berg-estates.example\n"
     "I am away next week, so please call the caretaker instead of me.",
     NULL, NULL},
    {"a question after the block",
     "See you on Monday.\n\nBest regards,\nAnna Berg\nTel: +44 20 7946 0958\n"
     "www.berg-estates.example\nCan you bring your ID?", NULL, NULL},
    {"the answer is an address, no sign-off",
     "Sure, here is where the office is.\n\nHausverwaltung Berg\n"
     "Hauptstraße 5\n10115 Berlin\n030 1234567", NULL, NULL},
    {"opening hours after the name",
     "You can pick up the keys at the office.\n\nKind regards,\nAnna Berg\n"
     "Mon–Fri 9:00–17:00\nSat 10:00–13:00\nTel. 030 1234567", NULL, NULL},
    {"a price list after the name",
     "Hier die Kosten für die Wohnung.\n\nViele Grüße\nAnna\n"
     "Kaltmiete: 850 EUR\nNebenkosten: 200 EUR\nKaution: 2550 EUR",
     NULL, NULL},
    {"a sign-off followed by a long sentence",
     "Good question.\n\nThanks,\nAnna\n"
     "The caretaker lives on the ground floor and has the key to the cellar.",
     NULL, NULL},
    {"a name line that is a sentence",
     "I am not in the office this week.\n\nBest regards,\n"
     "Please call the caretaker at this number.\nTel. 030 1234567\n"
     "Mob. 0171 2345678", NULL, NULL},
    {"an honorific names someone else",
     "The caretaker has the keys.\n\nThanks!\nHerr Schulz\nHauptstraße 5\n"
     "Tel. 030 1234567", NULL, NULL},
    {"a single phone number is not a block",
     "Call me when you are here.\n\nBest regards,\nAnna\n+49 171 2345678",
     NULL, NULL},
    {"nothing of the writer's above the sign-off",
     "Best regards,\nAnna Berg\nTel: +44 20 7946 0958\n"
     "www.berg-estates.example", NULL, NULL},
    {"a sign-off line that says more",
     "Okay.\n\nThanks for the number, I will call him tomorrow\nAnna\n"
     "Tel. 030 1234567\nwww.berg.example", NULL, NULL},
    {"contact lines before the sign-off stay",
     "Our caretaker:\nPeter Schulz\nTel. 030 1234567\nwww.schulz.example\n\n"
     "Best regards,\nAnna Berg", NULL, NULL},
    {"the address asked for, after the name",
     "Where should I send the signed contract? Here is mine:\n\nThanks,\n"
     "Anna Berg\nHauptstraße 5\n10115 Berlin", NULL, NULL},
    {"a colon above the sign-off: what follows answers",
     "You can reach the caretaker here:\n\nThanks,\nPeter Schulz\n"
     "Tel. 030 1234567\nMob. 0171 2345678", NULL, NULL},
    {"a short postscript after the block",
     "See you then.\n\nCheers,\nTom\n+1 555 123 4567\ntom@miller.example\n"
     "PS: ask the caretaker", NULL, NULL},
    {"a short line with a number after the block",
     "See you then.\n\nCheers,\nTom\n+1 555 123 4567\ntom@miller.example\n"
     "Door code 4711", NULL, NULL},
    {"a short line about a confidential message after the block",
     "See you then.\n\nCheers,\nTom\n+1 555 123 4567\ntom@miller.example\n"
     "Keep this message confidential, the owner asked.", NULL, NULL},
    {"a P.S. after the block",
     "See you then.\n\nCheers,\nTom\n+1 555 123 4567\ntom@miller.example\n"
     "P.S. The door code is 4711, ring twice.", NULL, NULL},
};

static void test_table(void **state)
{
    size_t i, failed = 0;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct sig_case *c = &cases[i];
        struct capture_signature sig;
        size_t len = strlen(c->text), keep, want;

        memset(&sig, 0, sizeof(sig));
        keep = capture_signature_cut(c->text, len, &sig);
        want = c->keep ? strlen(c->keep) : len;
        if (keep != want || (c->keep && memcmp(c->text, c->keep, want) != 0)
            || (c->rule && (sig.signoff_rule == NULL
                            || strncmp(sig.signoff_rule, c->rule,
                                       strlen(c->rule)) != 0))) {
            printf("FAIL %s: kept [%.*s] (rule %s, block %s)\n", c->what,
                   (int) keep, c->text, sig.signoff_rule ? sig.signoff_rule
                   : "-", sig.block_rule ? sig.block_rule : "-");
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* The line-array form: indexes of the sign-off and the first line dropped. */
static void test_lines(void **state)
{
    static const char *const text[] = {
        "Yes, Tuesday at 5 works.", "", "Kind regards,", "Anna Berg",
        "Berg Estates Ltd", "Tel: +44 20 7946 0958", "anna@berg.example",
    };
    struct capture_sig_line lines[7];
    struct capture_signature sig;
    size_t i;

    (void) state;
    for (i = 0; i < 7; i++) {
        lines[i].s = text[i];
        lines[i].len = strlen(text[i]);
    }
    assert_int_equal(capture_signature_find(lines, 7, &sig), 1);
    assert_int_equal(sig.signoff, 2);
    assert_int_equal(sig.first_dropped, 4);
    assert_string_equal(sig.block_rule, "org.company");
    assert_int_equal(capture_signature_find(lines, 4, &sig), 0);
    assert_int_equal(capture_signature_find(lines, 0, &sig), 0);
}

/* Line numbers count the whole text, also beyond the window. */
static void test_line_numbers(void **state)
{
    struct capture_signature sig;
    char text[4096];
    size_t len = 0, i;

    (void) state;
    for (i = 0; i < 100; i++)
        len += (size_t) snprintf(text + len, sizeof(text) - len,
                                 "Line %zu of the answer is here.\n", i);
    len += (size_t) snprintf(text + len, sizeof(text) - len,
                             "Cheers,\nTom\nT +1 555 123 4567\n"
                             "www.miller.example\n");
    assert_int_equal(capture_signature_cut(text, len, &sig),
                     len - strlen("\nT +1 555 123 4567\nwww.miller.example\n"));
    assert_int_equal(sig.signoff, 100);
    assert_int_equal(sig.first_dropped, 102);
}

/* Long lines, invalid UTF-8 and empty input are kept and do not crash. */
static void test_bounds(void **state)
{
    static const char bad[] = "Ok.\n\nThanks,\nAnna \xff\xfe\n\xc3\x28\n"
                              "Tel. 030 1234567\n";
    char *big = malloc(200000);
    size_t i;

    (void) state;
    assert_non_null(big);
    for (i = 0; i < 199999; i++)
        big[i] = (i % 97 == 96) ? '\n' : (i % 2 ? ' ' : '1');
    big[199999] = '\0';
    assert_int_equal(capture_signature_cut(big, 199999, NULL), 199999);
    for (i = 0; i < 199999; i++)
        big[i] = (i % 2) ? ' ' : '1';
    assert_int_equal(capture_signature_cut(big, 199999, NULL), 199999);
    free(big);
    assert_int_equal(capture_signature_cut(bad, sizeof(bad) - 1, NULL),
                     sizeof(bad) - 1);
    assert_int_equal(capture_signature_cut("", 0, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
