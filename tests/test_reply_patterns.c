/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reply_patterns - reply_patterns_match() against a table of cases:
 * for every language at least one quote attribution, one header block
 * (its "From" label and another label), one separator and one footer,
 * each from the client its comment names; and negatives, sentences that
 * look like them and must not match.  Each case names the rule it expects
 * (a prefix of the rule name) or NULL.  A second table runs whole replies
 * through capture_text_extract(): an attribution sharing the reply's line,
 * a header block, a forward separator, footers in several languages.
 * Each table test reports every failing case before it fails; a few tests
 * check the bounds.
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
#include "reply_patterns.h"

#define AT  REPLY_ATTRIBUTION
#define ST  REPLY_ATTRIBUTION_START
#define FL  REPLY_FROM_LABEL
#define DL  REPLY_DATE_LABEL
#define HL  REPLY_HEADER_LABEL
#define SE  REPLY_SEPARATOR
#define FW  REPLY_FORWARD
#define FO  REPLY_FOOTER

struct pattern_case {
    enum reply_kind kind;
    const char *text;
    const char *want;       /* a prefix of the rule name, or NULL */
};

static const struct pattern_case cases[] = {
    /* English */
    {AT, "On Mon, Mar 4, 2024 at 10:15 AM Anna Berg <anna@example.org> wrote:",
     "attribution.en.on-wrote"},
    {AT, "On 04/03/2024 10:15, Anna Berg wrote:", "attribution.en."},
    {AT, "On Tue, 5 Mar 2024 at 19:02, Anna<a@example.org> wrote: Can we say 5pm?",
     "attribution.en."},
    {AT, "Anna Berg <anna@example.org> wrote:", "attribution.en.name-first"},
    {AT, "2016-10-24 15:36 GMT+02:00 Foo Bar <foo@example.com>:",
     "attribution.en.date-first"},
    {AT, "2016-10-24 15:36 GMT+02:00 Foo Bar < foo@example.com>:",
     "attribution.en.date-first"},
    {ST, "On Wed, Apr 4, 2012", "attribution.en.start"},
    {FL, "From", "header.en"}, {HL, "Sent", "header.en"},
    {HL, "Subject", "header.en"},
    {SE, "-----Original Message-----", "separator.en.original"},
    {SE, "-------- Original message --------", "separator.en.original"},
    {SE, "-----Reply Message-----", "separator.en.reply-message"},
    {SE, "---- John Smith wrote ----", "separator.en.android-wrote"},
    {FW, "---------- Forwarded message ---------", "forward.en.gmail"},
    {FW, "Begin forwarded message:", "forward.en.apple"},
    {FO, "Sent from my iPhone", "footer.en.my-device"},
    {FO, "Sent from my Samsung Galaxy smartphone.", "footer.en.my-device"},
    {FO, "Sent with Airmail", "footer.en.app"},
    {FO, "Sent from Yahoo Mail on Android", "footer.en.app"},
    {FO, "(sent from a phone)", "footer.en.a-phone"},
    {FO, "Get Outlook for Android", "footer.en.outlook-mobile"},
    {FO, "Oak Court tenants mailing list -- tenants@lists.example.org",
     "footer.en.mailman"},
    {DL, "Date", "header.en.webmail-date"},
    /* German */
    {AT, "Am Mo., 4. März 2024 um 10:15 Uhr schrieb Anna Berg <anna@example.org>:",
     "attribution.de.am-schrieb"},
    {AT, "Am 04.03.2024 um 10:15 hat Anna <a@example.org> geschrieben:",
     "attribution.de.am-schrieb"},
    {AT, "Anna <a@example.org> schrieb am Do., 7. März 2024, 19:22:",
     "attribution.de.name-first"},
    {FL, "Von", "header.de"}, {HL, "Gesendet", "header.de"},
    {HL, "Betreff", "header.de"},
    {SE, "-----Ursprüngliche Nachricht-----", "separator.de.original"},
    {FW, "---------- Weitergeleitete Nachricht ---------", "forward.de.gmail"},
    {FO, "Von meinem iPhone gesendet", "footer.de.my-device"},
    {FO, "Gesendet von Mail für Windows", "footer.de.app"},
    /* Dutch */
    {AT, "Op ma 4 mrt 2024 om 10:15 schreef Anna <a@example.org>:",
     "attribution.nl.op-schreef"},
    {AT, "Op 4 mrt. 2024 om 10:15 heeft Anna <a@example.org> het volgende geschreven:",
     "attribution.nl.op-schreef"},
    {FL, "Van", "header.nl"}, {HL, "Onderwerp", "header.nl"},
    {SE, "-----Oorspronkelijk bericht-----", "separator.nl.original"},
    {FW, "Begin doorgestuurd bericht:", "forward.nl.apple"},
    {FO, "Verzonden vanaf mijn iPhone", "footer.nl.my-device"},
    /* French */
    {AT, "Le lun. 4 mars 2024 à 10:15, Anna <a@example.org> a écrit :",
     "attribution.fr.le-a-ecrit"},
    {FL, "De", "header."}, {HL, "Objet", "header.fr"},
    {HL, "Envoyé", "header.fr"},
    {SE, "-----Message d'origine-----", "separator.fr.original"},
    {FW, "---------- Message transféré ---------", "forward.fr.gmail"},
    {FO, "Envoyé de mon iPhone", "footer.fr.my-device"},
    {FO, "Envoyé de Yahoo Mail pour Android", "footer.fr.app"},
    /* Spanish */
    {AT, "El lun, 4 mar 2024 a las 10:15, Ana (<ana@example.org>) escribió:",
     "attribution.es.el-escribio"},
    {FL, "De", "header."}, {HL, "Asunto", "header.es"},
    {SE, "-----Mensaje original-----", "separator.es.original"},
    {FW, "---------- Mensaje reenviado ---------", "forward.es.gmail"},
    {FO, "Enviado desde mi iPhone", "footer.es.my-device"},
    /* Portuguese */
    {AT, "Em seg., 4 de mar. de 2024 às 10:15, Ana <ana@example.org> escreveu:",
     "attribution.pt.em-escreveu"},
    {AT, "A 04/03/2024, às 10:15, Ana <ana@example.org> escreveu:",
     "attribution.pt.em-escreveu"},
    {FL, "Remetente", "header.pt"}, {HL, "Assunto", "header.pt"},
    {HL, "Enviada em", "header.pt"},
    {SE, "-----Mensagem original-----", "separator.pt.original"},
    {FW, "Início da mensagem reencaminhada:", "forward.pt.apple"},
    {FO, "Enviado do meu iPhone", "footer.pt.my-device"},
    /* Italian */
    {AT, "Il giorno lun 4 mar 2024 alle ore 10:15 Mario Rossi <m@example.it> ha scritto:",
     "attribution.it.il-giorno"},
    {FL, "Da", "header.it"}, {HL, "Oggetto", "header.it"},
    {HL, "Inviato", "header.it"},
    {SE, "-----Messaggio originale-----", "separator.it.original"},
    {FW, "---------- Messaggio inoltrato ---------", "forward.it.gmail"},
    {FO, "Inviato da iPhone", "footer.it.app"},
    {FO, "Inviato dal mio iPhone", "footer.it.my-device"},
    /* Danish, Norwegian */
    {AT, "Den man. 4. mar. 2024 kl. 10.15 skrev Jens Hansen <jens@example.dk>:",
     "attribution.da-no-sv.gmail"},
    {AT, "man. 4. mar. 2024 kl. 10:15 skrev Ola Nordmann <ola@example.no>:",
     "attribution.da-no-sv.gmail"},
    {FL, "Fra", "header.da-no"}, {HL, "Sendt", "header.da-no"},
    {HL, "Til", "header.da-no"}, {HL, "Emne", "header.da-no"},
    {SE, "-----Oprindelig meddelelse-----", "separator.da.original"},
    {SE, "-----Opprinnelig melding-----", "separator.no.original"},
    {FW, "---------- Videresendt meddelelse ----------", "forward.da-no.gmail"},
    {FO, "Sendt fra min iPhone", "footer.da-no.my-device"},
    /* Swedish */
    {AT, "Den mån 4 mars 2024 kl 10:15 skrev Anna Svensson <anna@example.se>:",
     "attribution.da-no-sv.gmail"},
    {FL, "Från", "header.sv"}, {HL, "Skickat", "header.sv"},
    {HL, "Till", "header.sv"}, {HL, "Ämne", "header.sv"},
    {SE, "-----Ursprungligt meddelande-----", "separator.sv.original"},
    {FO, "Skickat från min iPhone", "footer.sv.my-device"},
    /* Finnish */
    {AT, "ma 4.3.2024 klo 10.15 Matti Meikäläinen (matti@example.fi) kirjoitti:",
     "attribution.fi.gmail"},
    {FL, "Lähettäjä", "header.fi"}, {HL, "Aihe", "header.fi"},
    {SE, "-----Alkuperäinen viesti-----", "separator.fi.original"},
    {FO, "Lähetetty iPhonesta", "footer.fi.device"},
    /* Polish */
    {AT, "pon., 4 mar 2024 o 10:15 Jan Kowalski <jan@example.pl> napisał(a):",
     "attribution.pl.gmail"},
    {AT, "W dniu 4.03.2024 o 10:15, Jan Kowalski pisze:",
     "attribution.pl.thunderbird"},
    {FL, "Od", "header."}, {HL, "Wysłano", "header.pl"},
    {HL, "Temat", "header.pl"},
    {SE, "-----Oryginalna wiadomość-----", "separator.pl.original"},
    {FO, "Wysłane z iPhone'a", "footer.pl.app"},
    {FO, "Wysłane z mojego iPhone’a", "footer.pl.my-device"},
    /* Czech */
    {AT, "po 4. 3. 2024 v 10:15 odesílatel Jan Novák <jan@example.cz> napsal:",
     "attribution.cs.gmail"},
    {AT, "Dne 4. 3. 2024 v 10:15 Jan Novák napsal(a):", "attribution.cs.gmail"},
    {FL, "Od", "header."}, {HL, "Odesláno", "header.cs"},
    {HL, "Předmět", "header.cs"},
    {SE, "-----Původní zpráva-----", "separator.cs.original"},
    {FO, "Odesláno z iPhonu", "footer.cs.device"},
    /* Russian */
    {AT, "пн, 6 окт. 2014 г. в 10:15, Иван Петров <ivan@example.ru>:",
     "attribution.ru.gmail"},
    {AT, "понедельник, 6 октября 2014 г. пользователь Иван Петров написал:",
     "attribution.ru.wrote"},
    {AT, "04.03.2024, 10:15, \"Иван Петров\" <ivan@example.ru>:",
     "attribution.ru."},
    {FL, "От", "header.ru"}, {HL, "Отправлено", "header.ru"},
    {HL, "Кому", "header.ru"}, {HL, "Тема", "header."},
    {SE, "-----Исходное сообщение-----", "separator.ru.original"},
    {FW, "-------- Пересылаемое сообщение --------", "forward.ru.gmail"},
    {AT, "Вы писали 4 марта 2024 г., 10:15:", "attribution.ru.thebat"},
    {FO, "Отправлено с iPhone", "footer.ru.device"},
    /* Ukrainian */
    {AT, "пн, 4 бер. 2024 р. о 10:15 Іван Петренко <ivan@example.ua> пише:",
     "attribution.uk.gmail"},
    {FL, "Від", "header.uk"}, {HL, "Надіслано", "header.uk"},
    {SE, "-----Оригінальне повідомлення-----", "separator.uk.original"},
    {FW, "---------- Пересланий лист ---------", "forward.uk.gmail"},
    {FO, "Надіслано з iPhone", "footer.uk.device"},
    /* Turkish */
    {AT, "4 Mar 2024 Pzt, 10:15 tarihinde Ali Veli <ali@example.com.tr> şunu yazdı:",
     "attribution.tr.gmail"},
    {FL, "Kimden", "header.tr"}, {HL, "Gönderildi", "header.tr"},
    {HL, "Konu", "header.tr"},
    {SE, "-----Özgün İleti-----", "separator.tr.original"},
    {FO, "iPhone'umdan gönderildi", "footer.tr.device"},
    /* Japanese */
    {AT, "2024年3月4日(月) 10:15 山田太郎 <taro@example.jp>:", "attribution.ja.gmail"},
    {AT, "2024/03/04 10:15、山田太郎 <taro@example.jp>のメール:",
     "attribution.ja.apple"},
    {FL, "差出人", "header.ja"}, {HL, "件名", "header.ja"},
    {HL, "送信日時", "header.ja"},
    {FW, "---------- 転送されたメッセージ ---------", "forward.ja.gmail"},
    {SE, "-----元のメッセージ-----", "separator.ja.original"},
    {FO, "iPhoneから送信", "footer.ja.device"},
    /* Chinese */
    {AT, "张三 <zhang@example.cn> 于2024年3月4日周一 10:15写道：",
     "attribution.zh-cn.gmail"},
    {AT, "張三 <zhang@example.tw> 於 2024年3月4日 週一 上午10:15寫道：",
     "attribution.zh-cn.gmail"},
    {AT, "在 2024/3/4 10:15, 张三 写道:", "attribution.zh.wrote"},
    {FL, "发件人", "header.zh-cn"}, {HL, "主题", "header.zh-cn"},
    {HL, "发送时间", "header.zh-cn"},
    {FL, "寄件者", "header.zh-tw"}, {HL, "主旨", "header.zh-tw"},
    {SE, "------------------ 原始邮件 ------------------", "separator.zh.original"},
    {FO, "发自我的iPhone", "footer.zh-cn.iphone"},
    {FO, "從我的 iPhone 傳送", "footer.zh-tw.iphone"},
    /* Korean */
    {AT, "2024년 3월 4일 (월) 오전 10:15, 김철수 <kim@example.kr>님이 작성:",
     "attribution.ko.gmail"},
    {AT, "2024. 3. 4. 오전 10:15, 김철수 <kim@example.kr> 작성:",
     "attribution.ko."},
    {FL, "보낸 사람", "header.ko"}, {HL, "제목", "header.ko"},
    {HL, "받는 사람", "header.ko"},
    {SE, "-----원본 메시지-----", "separator.ko.original"},
    {FO, "iPhone에서 보냄", "footer.ko.device"},

    /* Negatives: sentences that look like the patterns. */
    {AT, "On the whole, he wrote: fine", NULL},
    {AT, "On Monday I wrote: we need the keys back by 10:00 on Friday", NULL},
    {AT, "On Monday she wrote to the landlord", NULL},
    {AT, "Am Montag schrieb er mir:", NULL},
    {AT, "Le chat a écrit :", NULL},
    {AT, "Jan napisał:", NULL},
    {AT, "Иван написал:", NULL},
    {AT, "Hän kirjoitti:", NULL},
    {AT, "Thanks, see you then.", NULL},
    {AT, "2024 was a good year for Anna <anna@example.org>", NULL},
    {AT, "보고서 작성:", NULL},
    {FO, "Sent from my desk, is much easier then my mobile phone.", NULL},
    {FO, "Sent via email because the form did not work", NULL},
    {FO, "Von meinem Büro aus ist es leichter, Grüße", NULL},
    {FO, "Dosya dün gönderildi", NULL},
    {FO, "Отправлено с опозданием, извините", NULL},
    {FO, "Inviato da Mario ieri sera", NULL},
    {FO, "I joined the mailing list, thanks", NULL},
    {FL, "Fromage", NULL}, {DL, "Dates", NULL}, {FL, "Sent", NULL},
    {FL, "Date", NULL},
    {HL, "Fromage", NULL}, {HL, "Hello there", NULL},
    {SE, "Original message", NULL},
    {SE, "The original message was lost", NULL},
    {SE, "-- Anna", NULL},
    {FW, "I forwarded the message to Bob", NULL},
};

static void test_table(void **state)
{
    size_t i, failed = 0;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pattern_case *c = &cases[i];
        const char *got = reply_patterns_match(c->kind, c->text,
                                               strlen(c->text));
        int ok = c->want == NULL ? got == NULL
            : got != NULL && strncmp(got, c->want, strlen(c->want)) == 0;

        if (!ok) {
            print_error("case %zu (kind %d) \"%s\": want %s, got %s\n", i,
                        (int) c->kind, c->text, c->want ? c->want : "(none)",
                        got ? got : "(none)");
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

struct extract_case {
    const char *name;
    const char *in;
    const char *want;
};

#define QUOTE "\n> Is the flat still free?\n"

static const struct extract_case extract_cases[] = {
    {"attribution shares the reply's line",
     "Thanks, see you then. On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:"
     QUOTE, "Thanks, see you then."},
    {"attribution glued to dashes",
     "bla-bla - bla--- On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:"
     QUOTE, "bla-bla - bla"},
    {"a name with an intro word is not split",
     "Fine.\n\nMarie Le Gall <marie@example.fr> a \xc3\xa9" "crit :" QUOTE,
     "Fine."},
    {"sentence that starts like a footer",
     "Sent from my desk, is much easier then my mobile phone.\n",
     "Sent from my desk, is much easier then my mobile phone."},
    {"ru: Gmail attribution",
     "\xd0\x94\xd0\xb0.\n\n\xd0\xbf\xd0\xbd, 6 \xd0\xbe\xd0\xba\xd1\x82. 2014 "
     "\xd0\xb3. \xd0\xb2 10:15, Ivan <ivan@example.ru>:" QUOTE,
     "\xd0\x94\xd0\xb0."},
    {"da: Outlook header block",
     "Ja.\n\nFra: Jens Hansen <jens@example.dk>\nSendt: 4. marts 2024 10:15\n"
     "Til: Anna\nEmne: Lejlighed\n\nEr den ledig?\n", "Ja."},
    {"sv: Outlook header block",
     "Ja.\n\nFr\xc3\xa5n: Anna <anna@example.se>\nSkickat: den 4 mars 2024\n"
     "Till: Jens\n\xc3\x84mne: L\xc3\xa4genhet\n\nFinns den?\n", "Ja."},
    {"zh-cn: attribution with a full-width colon, wrapped",
     "\xe5\xa5\xbd\xe3\x80\x82\n\n\xe5\xbc\xa0\xe4\xb8\x89 <\nzhang@example.cn> "
     "\xe4\xba\x8e" "2024\xe5\xb9\xb4" "3\xe6\x9c\x88" "4\xe6\x97\xa5 10:15"
     "\xe5\x86\x99\xe9\x81\x93\xef\xbc\x9a" QUOTE,
     "\xe5\xa5\xbd\xe3\x80\x82"},
    {"en: forward separator ends the reply",
     "See below.\n\n---------- Forwarded message ---------\nFrom: X <x@example.org>\n",
     "See below."},
    {"footers in several languages",
     "OK\n\nSent with Airmail\n(sent from a phone)\n"
     "\xe5\xbe\x9e\xe6\x88\x91\xe7\x9a\x84 iPhone \xe5\x82\xb3\xe9\x80\x81\n"
     "Get Outlook for Android<https://aka.ms/ghei36>\n", "OK"},
};

static void test_extract(void **state)
{
    size_t i, failed = 0;

    (void) state;
    for (i = 0; i < sizeof(extract_cases) / sizeof(extract_cases[0]); i++) {
        const struct extract_case *c = &extract_cases[i];
        struct buf *out = buf_create(64);

        capture_text_extract(c->in, strlen(c->in), out);
        buf_append_char(out, '\0');
        if (strcmp(out->data, c->want) != 0) {
            print_error("%s: want \"%s\", got \"%s\"\n", c->name, c->want,
                        out->data);
            failed++;
        }
        buf_free(out);
    }
    assert_int_equal(failed, 0);
}

/* Too long: never matches, however well it starts. */
static void test_too_long(void **state)
{
    char text[REPLY_PATTERN_MAX + 64];
    size_t n;

    (void) state;
    n = (size_t) snprintf(text, sizeof(text), "On 4/3/2024, ");
    memset(text + n, 'a', sizeof(text) - n - 8);
    memcpy(text + sizeof(text) - 8, " wrote:", 7);
    text[sizeof(text) - 1] = '\0';
    assert_null(reply_patterns_match(REPLY_ATTRIBUTION, text, strlen(text)));
}

/* Invalid UTF-8 does not stop matching the valid text, nor crash. */
static void test_invalid_utf8(void **state)
{
    static const char bad[] = "On 4/3/2024, Anna \xff\xfe wrote:";
    static const char bad2[] = "\xc3\x28\xa0\xa1";

    (void) state;
    (void) reply_patterns_match(REPLY_ATTRIBUTION, bad, sizeof(bad) - 1);
    assert_null(reply_patterns_match(REPLY_FOOTER, bad2, sizeof(bad2) - 1));
}

/* A pathological line stays within the match limit and does not match. */
static void test_bounded(void **state)
{
    char text[REPLY_PATTERN_MAX];
    size_t i;

    (void) state;
    memcpy(text, "On 1", 4);
    for (i = 4; i < sizeof(text) - 1; i++)
        text[i] = (i % 2) ? ' ' : '1';
    text[sizeof(text) - 1] = '\0';
    assert_null(reply_patterns_match(REPLY_ATTRIBUTION, text, strlen(text)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
