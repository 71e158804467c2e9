/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signature_patterns - the signature-block patterns, and their compiling
 * and matching; see signature_patterns.h.
 */
#include <pthread.h>
#include <stdlib.h>

#include "buf.h"
#include "signature_patterns.h"
#include "xalloc.h"

struct sig_pattern {
    enum sig_kind kind;
    const char *rule;
    const char *re;
};

/* Grüße, Grüsse, Gruß, Gruss. */
#define GRUSS "gr(?:ü|u|ue)(?:ß|ss)"
/* The label before a phone number: "Tel.:", "Mob.", "T", "Fax", "電話". */
#define PHONE_LABEL "(?:tel(?:efon|efone|éfono|efono|ephone|\\.?\\s?kom)?|t[ée]l[ée]phone|" \
    "phone|ph|mobile?|mobil(?:telefon|nummer)?|mob|cell(?:ulare?)?|cel(?:ular)?|" \
    "handy|telefax|fax|t[ée]l|portable|port|tfno|tlf|tlfn|m[óo]vil|telem[óo]vel|" \
    "puh(?:elin)?|matkapuhelin|gsm|kom[óo]rka|kom|direct|direkt|office|b[üu]ro|" \
    "zentrale|durchwahl|hotline|тел(?:ефон)?|моб(?:ильный|ільний)?|факс|" \
    "電話|携帯|傳真|传真|手机|手機|电话|전화|휴대폰|핸드폰|팩스|[tmfpdo])"
/* What separates a label from its value: "Tel.: ", "T ", "Fax:". */
#define LABEL_END "\\.?\\s?[:：]?\\s?"
/* A phone number, international or local: at least seven digits; not a
 * price with thousands dots, not a date. */
#define PHONE "(?=(?:\\D*\\d){7})(?!\\d{1,3}(?:\\.\\d{3})+$)" \
    "(?!\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}$)" \
    "\\+?\\(?\\d[\\d ()./-]{5,24}\\d(?:,?\\s?(?:ext\\.?|x|dw|durchwahl|доб\\.?)\\s?\\d{1,6})?"
#define MAIL_LABEL "(?:e-?mail|mail|e|courriel|correo(?: electrónico)?|e-?post|" \
    "sähköposti|почта|эл\\.?\\s?почта|ел\\.?\\s?пошта|邮箱|電子郵件|メール|이메일)"
#define WEB_LABEL "(?:web(?:site)?|www|internet|homepage|site|sito|strona|сайт|网站|網站|웹사이트|url)"
/* Street words that end a compound (Hauptstraße, Kerkstraat, Storgatan). */
#define STREET_SUFFIX "(?:stra(?:ß|ss)e|str\\.|weg|gasse|platz|allee|damm|ufer|chaussee|" \
    "straat|laan|plein|gracht|kade|singel|gade|vej|gata|gatan|v[äa]gen|veien|vei|gate|" \
    "katu|tie|polku)"
/* Street words that stand alone (rue, Calle, ul., улица). */
#define STREET_WORD "(?:street|st\\.|road|rd\\.?|avenue|ave\\.?|lane|ln\\.|drive|dr\\.|" \
    "boulevard|blvd\\.?|way|place|square|court|terrace|rue|bd|chemin|impasse|allée|quai|" \
    "cours|calle|c/|avenida|avda\\.?|av\\.|plaza|paseo|carrer|rua|travessa|largo|praça|" \
    "via|viale|piazza|piazzale|corso|vicolo|ul\\.|ulica|al\\.|aleja|plac|os\\.|osiedle|" \
    "ulice|nám\\.|náměstí|třída|cadde(?:si)?|cad\\.|sokak|sok\\.|sk\\.|mah\\.|mahallesi|" \
    "bulvarı|ул\\.|улица|пр\\.|просп\\.|проспект|пер\\.|переулок|наб\\.|шоссе|д\\.|" \
    "вул\\.|вулиця)"
#define STREET_CJK "(?:丁目|番地|号|號|路|街|区|區|市|县|縣|동|로|길|구)"
/* Currency after an amount: "2550 EUR" is a price, not a postal code. */
#define NOT_MONEY "(?!(?:eur|euro|usd|chf|sek|nok|dkk|pln|czk|gbp|rub|uah|try|tl|jpy|" \
    "cny|rmb|krw|won|yen|zł|zl|kč|kr|руб|грн)(?!\\p{L}))"
/* What register, tax and membership lines say. */
#define LEGAL_WORD "(?:amtsgericht|registergericht|handelsregister|hrb|hra|" \
    "ust\\.?-?id(?:nr)?\\.?|steuer-?nr\\.?|steuernummer|geschäftsführ(?:er|erin|ung)|" \
    "sitz der gesellschaft|registered (?:office|in)|company (?:no|number|reg)|" \
    "vat(?: no| number| reg| id)?|siret|siren|rcs|n° tva|tva|cif|nif|p\\.?\\s?iva|" \
    "partita iva|codice fiscale|kvk|btw|org\\.?\\s?nr|cvr|y-tunnus|nip|regon|krs|ičo?|" \
    "dič|vergi (?:no|dairesi)|mersis|инн|огрн|кпп|єдрпоу|法人番号|统一社会信用代码|" \
    "사업자등록번호|(?:is )?(?:a )?member of the|authori[sz]ed and regulated|" \
    "regulated by|propertymark|rics)"
/* Words that name a message, for a disclaimer. */
#define MSG_WORD "(?:e-?mail|message|nachricht|courriel|mensaje|messaggio|mensagem|" \
    "correo|bericht|meddelande|besked|melding|viesti|wiadomoś|zpráv|mesaj|" \
    "сообщени|письм|повідомлен|лист|メール|邮件|郵件|메일)"
/* Words that make a disclaimer: the paragraph's first line says one. */
#define CONF_WORD "(?:confidential|privileged|intended (?:solely |only )?for|" \
    "recipient|addressee|environment|vertraulich|empfänger|adressat|umwelt|" \
    "confidentiel|destinataire|environnement|confidencial|destinatario|" \
    "destinatário|riservat|vertrouwelijk|geadresseerde|fortrolig|modtager|" \
    "konfidentiell|mottagare|luottamuksellinen|vastaanottaja|poufn|adresat|" \
    "důvěrn|adresát|gizli|alıcı|конфиденциальн|адресат|конфіденційн|" \
    "機密|机密|保密|秘密|宛先|收件人|기밀|수신인)"

static const struct sig_pattern patterns[] = {
    /* --- Sign-offs: the writer's closing line, alone on its line. --- */
    /* English: Gmail/Outlook users' "Best regards,", "Kind regards",
     * "Cheers", "Thanks", "BR". */
    {SIG_SIGNOFF, "signoff.en.regards",
     "(?:(?:with |many |best |kind(?:est)? |warm(?:est)? |friendly |sincere )?regards|"
     "rgds|br|kr|best(?: wishes)?|all the best|(?:yours )?(?:sincerely|faithfully|truly)|"
     "sincerely yours|yours|cheers|take care|"
     "(?:many )?thanks,? (?:and|&) (?:best |kind )?regards)"},
    {SIG_SIGNOFF, "signoff.en.thanks",
     "(?:many |a lot of )?(?:thanks?(?: you)?|thx)"
     "(?: (?:again|a lot|so much|very much|in advance|for your help))?"},
    /* German. */
    {SIG_SIGNOFF, "signoff.de.mfg",
     "mit (?:den )?(?:freundlichen|besten|herzlichen|lieben|vielen) " GRUSS "en|mfg"},
    {SIG_SIGNOFF, "signoff.de.gruesse",
     "(?:(?:viele|beste|liebe|herzliche|freundliche|schöne|sonnige) )?" GRUSS "e?|lg|vg"},
    {SIG_SIGNOFF, "signoff.de.danke",
     "(?:vielen |herzlichen |besten )?dank(?:e(?: schön| sehr)?)?"
     "(?: und (?:viele|beste|liebe) " GRUSS "e)?"},
    /* French. */
    {SIG_SIGNOFF, "signoff.fr.cordialement",
     "(?:bien |très )?cordialement|bien à (?:vous|toi)|"
     "(?:meilleures |sincères |cordiales )?salutations(?: distinguées| cordiales)?|"
     "amicalement|bonne (?:journée|soirée)|à bientôt|bises"},
    {SIG_SIGNOFF, "signoff.fr.merci",
     "(?:un )?(?:grand )?merci(?: beaucoup| d'avance| bien)?"},
    /* Spanish. */
    {SIG_SIGNOFF, "signoff.es.saludos",
     "(?:un )?(?:cordial |afectuoso )?saludos?(?: cordiales)?|atentamente|"
     "un abrazo|abrazos|cordialmente"},
    {SIG_SIGNOFF, "signoff.es.gracias", "(?:muchas )?gracias(?: de antemano)?"},
    /* Portuguese (PT and BR). */
    {SIG_SIGNOFF, "signoff.pt.atenciosamente",
     "atenciosamente|(?:com os )?(?:melhores )?cumprimentos|(?:um )?abraço|abraços|"
     "abs|att\\.?|saudações"},
    {SIG_SIGNOFF, "signoff.pt.obrigado",
     "(?:muito )?obrigad[oa](?: desde já)?"},
    /* Italian. */
    {SIG_SIGNOFF, "signoff.it.saluti",
     "(?:cordiali|distinti|cari|tanti) saluti|(?:un )?(?:cordiale )?saluto|saluti|"
     "buona giornata|a presto"},
    {SIG_SIGNOFF, "signoff.it.grazie", "grazie(?: mille| ancora| in anticipo)?"},
    /* Dutch. */
    {SIG_SIGNOFF, "signoff.nl.groet",
     "(?:met )?(?:vriendelijke|hartelijke) groet(?:en)?|groet(?:en|jes)?|mvg"},
    {SIG_SIGNOFF, "signoff.nl.bedankt",
     "(?:alvast )?bedankt|dank (?:je|u) wel|hartelijk dank"},
    /* Danish and Norwegian. */
    {SIG_SIGNOFF, "signoff.da-no.hilsen",
     "(?:med )?ven(?:n)?lig(?:st)? hilsen|(?:de )?bedste hilsner|beste hilsen|"
     "hilsen|mvh|vh"},
    {SIG_SIGNOFF, "signoff.da-no.tak", "(?:mange )?tak(?:k)?|tusen takk"},
    /* Swedish. */
    {SIG_SIGNOFF, "signoff.sv.halsningar",
     "(?:med )?vänliga hälsningar|bästa hälsningar|hälsningar|vänligen"},
    {SIG_SIGNOFF, "signoff.sv.tack", "(?:stort )?tack"},
    /* Finnish. */
    {SIG_SIGNOFF, "signoff.fi.terveisin",
     "(?:ystävällisin |parhain )?terveisin|kiitos(?: paljon)?"},
    /* Polish. */
    {SIG_SIGNOFF, "signoff.pl.pozdrawiam",
     "pozdrawiam(?: serdecznie)?|serdecznie pozdrawiam|z poważaniem|"
     "z wyrazami szacunku|(?:serdeczne )?pozdrowienia|dziękuję(?: bardzo)?|dzięki"},
    /* Czech. */
    {SIG_SIGNOFF, "signoff.cs.pozdravem",
     "s (?:přátelským )?pozdravem|se srdečným pozdravem|děkuji|díky|zdraví"},
    /* Turkish. */
    {SIG_SIGNOFF, "signoff.tr.saygilarimla",
     "saygılarımla|saygılar(?:ımızla)?|iyi çalışmalar|teşekkürler|"
     "teşekkür ederim|kolay gelsin|sevgilerle"},
    /* Russian. */
    {SIG_SIGNOFF, "signoff.ru.s-uvazheniem",
     "с (?:уважением|наилучшими пожеланиями)|(?:большое )?спасибо|"
     "всего (?:доброго|хорошего)"},
    /* Ukrainian. */
    {SIG_SIGNOFF, "signoff.uk.z-povahoyu",
     "з (?:повагою|найкращими побажаннями)|(?:щиро )?дякую|всього найкращого"},
    /* Japanese. */
    {SIG_SIGNOFF, "signoff.ja.yoroshiku",
     "(?:以上、?\\s?)?(?:どうぞ)?(?:よろしく|宜しく)お(?:願|ねが)い(?:いた|致)?します|"
     "敬具|草々|ありがとうございま(?:す|した)"},
    /* Chinese (simplified and traditional). */
    {SIG_SIGNOFF, "signoff.zh.cizhi",
     "此致(?:\\s?敬[礼禮])?|敬[礼禮]|祝好|[顺順]祝商祺|[顺順][颂頌]商祺|祝商祺|"
     "祝工作[顺順]利|祝一切[顺順]利"},
    {SIG_SIGNOFF, "signoff.zh.xiexie", "[谢謝][谢謝]|多[谢謝]"},
    /* Korean. */
    {SIG_SIGNOFF, "signoff.ko.gamsahamnida",
     "감사합니다|고맙습니다|감사드립니다|수고하세요|안녕히 계세요"},

    /* --- Honorifics: a name line with one names someone else. --- */
    {SIG_HONORIFIC, "honorific",
     "(?:herr|frau|mr|mrs|ms|miss|mme|mlle|monsieur|madame|señora?|sra?|srta|"
     "signora?|sig|sig\\.ra|pan|pani|paní|heer|mevrouw|dhr|mevr|hr|fru|herra|"
     "rouva|bay|bayan|г-н|г-жа|господин|госпожа|пан|пані)(?:\\.|\\s)"},

    /* --- Contact items. --- */
    {SIG_CONTACT, "contact.phone", "(?:" PHONE_LABEL LABEL_END ")?" PHONE},
    {SIG_CONTACT, "contact.email",
     "(?:" MAIL_LABEL LABEL_END ")?(?:mailto:)?<?[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>.]{2,}>?"},
    {SIG_CONTACT, "contact.url",
     "(?:" WEB_LABEL LABEL_END ")?<?(?:https?://|www\\.)[^\\s<>]+>?"},
    {SIG_CONTACT, "contact.domain",
     "(?:" WEB_LABEL LABEL_END ")?(?:[\\p{L}\\p{N}-]+\\.)+[a-z]{2,24}(?:/\\S*)?"},
    {SIG_CONTACT, "contact.social",
     "(?:linkedin|xing|twitter|facebook|instagram|skype|whatsapp|telegram)"
     "\\s?[:：/]\\s?\\S.{0,80}"},
    {SIG_CONTACT, "contact.address-label",
     "(?:address|adresse|anschrift|dirección|direccion|morada|endereço|indirizzo|"
     "adres|adress|osoite|adresa|адрес|адреса|住所|地址|주소)\\s?[:：]\\s?\\S.{0,120}"},
    {SIG_CONTACT, "contact.street",
     "(?=.{0,80}?\\d).{0,60}?(?:\\p{L}" STREET_SUFFIX "(?!\\p{L})|"
     "(?<!\\p{L})" STREET_WORD "(?!\\p{L})|" STREET_CJK ").{0,60}"},
    /* "22 Elm Row", "7 Mill Lane": a house number, then capitalized words. */
    {SIG_CONTACT, "contact.street-number-first",
     "\\d{1,5}[a-z]?,?\\s" NOT_MONEY "(?-i:\\p{Lu})\\p{L}+(?:\\s(?-i:\\p{Lu})\\p{L}+){0,3}"},
    {SIG_CONTACT, "contact.postal",
     "(?:(?:[a-z]{1,2}-)?\\d{4,5}(?:\\s?(?-i:[A-Z]{2}))?\\s" NOT_MONEY "(?-i:\\p{Lu})"
     "[\\p{L}\\- .()]{1,40}|"
     "\\d{2}-\\d{3}\\s\\p{L}.{1,40}|"                    /* Poland */
     "\\d{3}\\s\\d{2}\\s\\p{L}.{1,40}|"                  /* Sweden, Czechia */
     "\\d{4}-\\d{3}\\s\\p{L}.{1,40}|"                    /* Portugal */
     "\\d{5}-\\d{3}(?:\\s.{1,40})?|"                     /* Brazil */
     "(?:\\p{L}+\\s)?(?-i:[A-Z]{1,2}\\d[A-Z\\d]?\\s?\\d[A-Z]{2})|"  /* UK */
     "\\p{L}[\\p{L} .]{1,40}\\s?(?-i:[A-Z]{2})\\s\\d{5}(?:-\\d{4})?|"  /* US */
     "\\d{6},?\\s(?:г\\.|м\\.)?\\s?\\p{L}.{1,40}|"       /* Russia, Ukraine */
     "〒?\\s?\\d{3}-\\d{4}(?:\\s.{0,60})?)"},            /* Japan */
    {SIG_CONTACT, "contact.legal", LEGAL_WORD "(?!\\p{L}).{0,120}"},

    /* --- Company and job-title lines. --- */
    {SIG_ORG, "org.company",
     ".{1,80}?[\\s,](?:gmbh(?:\\s?&\\s?co\\.?\\s?kg)?|ag|kg|ohg|ug(?:\\s?\\(haftungsbeschränkt\\))?|"
     "e\\.\\s?v\\.|ltd\\.?|limited|llc|inc\\.?|corp\\.?|plc|s\\.?a\\.?s?\\.?|s\\.?a\\.?r\\.?l\\.?|"
     "s\\.?l\\.?u?\\.?|s\\.?r\\.?l\\.?|s\\.?p\\.?a\\.?|b\\.?v\\.?|n\\.?v\\.?|a/s|asa|as|ab|oy|oyj|"
     "aps|sp\\.\\s?z\\s?o\\.\\s?o\\.|s\\.\\s?r\\.\\s?o\\.|a\\.\\s?s\\.|ltda\\.?|lda\\.?|a\\.ş\\.|"
     "ltd\\.\\s?şti\\.)"},
    {SIG_ORG, "org.company-prefix",
     "(?:ооо|оао|зао|пао|тов|株式会社|有限会社|合同会社|주식회사|\\(주\\)|㈜).{0,60}"},
    {SIG_ORG, "org.company-cjk",
     ".{0,60}(?:株式会社|有限会社|有限公司|股份有限公司|集团|公司|事務所|不動産|物业|物業|부동산).{0,40}"},
    {SIG_ORG, "org.title",
     ".{0,60}?(?<!\\p{L})(?:(?:property |facility |office |building |sales |general )?"
     "manager|director|ceo|cfo|coo|cto|owner|founder|landlord|caretaker|janitor|"
     "assistant|secretary|administrator|concierge|"
     "\\p{L}*verwaltung|\\p{L}*verwalter(?:in)?|geschäftsführer(?:in)?|inhaber(?:in)?|"
     "vermieter(?:in)?|hausmeister(?:in)?|immobilien\\p{L}*|\\p{L}*makler(?:in)?|"
     "gérante?|directeur|directrice|gestionnaire|propriétaire|gardien(?:ne)?|"
     "administrador(?:a)?|gerente|directora?|gestor(?:a)?|propietari[oa]|portero|"
     "amministrator[ei]|direttore|direttrice|proprietari[oa]|portiere|"
     "beheerder|eigenaar|makelaar|conciërge|förvaltare|fastighets\\p{L}*|"
     "forvalter|ejendoms\\p{L}*|vaktmester|isännöitsijä|zarządca|właściciel(?:ka)?|"
     "správce|majitel(?:ka)?|yönetici|управляющ\\p{L}*|директор|менеджер|керівник|"
     "部長|課長|担当|经理|經理|主管|대표|과장|부장|팀장|관리인|"
     /* the trade: letting agents, estate agencies, their staff */
     "estates?|lettings?|property|properties|residential|realty|real estate|realtors?|"
     "homes|housing|rentals?|negotiator|agent|agency|consultant|specialist|officer|"
     "coordinator|advis[eo]r|associate|partner|team|department|& co|"
     "vermietung|verwaltung|sachbearbeiter(?:in)?|kundenbetreuer(?:in)?|"
     "objektbetreuer(?:in)?|assistenz|leitung|abteilung|"
     "immobili(?:er|ère|ere|are|ari)|agence|chargée? de \\p{L}+|conseill(?:er|ère)|"
     "négociat(?:eur|rice)|responsable|assistante|"
     "inmobiliari[ao]|agente|asesor(?:a)?|comercial|imobiliária|corretor(?:a)?|"
     "ufficio|vastgoed|makelaardij|verhuur|beheer|medewerker|"
     "fastigheter|uthyrning|ejendomme|udlejning|eiendom|utleie|kiinteistö\\p{L}*|"
     "vuokraus|nieruchomości|specjalista|kierownik|doradca|referent|nemovitosti|"
     "makléř|specialista|emlak|gayrimenkul|uzman|danışman|недвижимост\\p{L}*|"
     "нерухом\\p{L}*|консультант|специалист|агент|фахівець|"
     "\\p{L}*部|顾问|顧問|专员|專員|主任|대리|실장|매니저)(?!\\p{L}).{0,60}"},

    /* --- Legal disclaimers (the first line of the paragraph). --- */
    {SIG_DISCLAIMER, "disclaimer.heading",
     "(?:confidentiality notice|confidential|disclaimer|legal notice|"
     "haftungsausschluss|vertraulichkeitshinweis|rechtlicher hinweis|avertissement|"
     "avis de confidentialité|aviso legal|aviso de confidencialidad|"
     "avviso di riservatezza|avvertenza|ansvarsfraskrivelse|sekretessmeddelande|"
     "zastrzeżenie|upozornění|yasal uyarı|gizlilik uyarısı|"
     "отказ от ответственности|застереження|免责声明|免責聲明|免責事項|機密保持|면책)"
     "(?!\\p{L})"},
    {SIG_DISCLAIMER, "disclaimer.body",
     "(?=.{0,300}?" CONF_WORD ")"
     "(?:this (?:e-?mail|message|communication)|the (?:information|content)s? (?:contained )?in this|"
     "please consider the environment|think before you print|"
     "diese (?:e-?mail|nachricht)|der inhalt dieser|bitte denken sie an die umwelt|"
     "ce (?:message|courriel|e-?mail)|le présent (?:message|courriel)|"
     "pensez à l'environnement|este (?:mensaje|correo|e-?mail)|esta mensagem|"
     "questo messaggio|le informazioni contenute|"
     "(?:dit|deze) (?:e-?mail|bericht)|denne e-?(?:mail|post)|"
     "denna e-?post|detta e-?postmeddelande|tämä sähköposti|ta wiadomość|"
     "tato zpráva|tento e-?mail|bu e-?posta|bu mesaj|"
     "(?:это|данное) (?:письмо|сообщение|электронное)|цей (?:лист|електронний)|"
     "本メール|このメール|本邮件|此邮件|本電子郵件|이 메일|본 메일)"},
    /* A disclaimer without an opener we know: it says "confidential" (or
     * the like) and "message" (or the like) early on. */
    {SIG_DISCLAIMER, "disclaimer.words",
     "(?=.{0,200}?" CONF_WORD ")(?=.{0,200}?" MSG_WORD ").{40}"},

    /* --- Register, tax and membership lines, of any length. --- */
    {SIG_LEGAL, "legal", ".{0,100}?(?<!\\p{L})" LEGAL_WORD "(?!\\p{L})"},

    /* --- Rules and decoration: no letter, no digit. --- */
    {SIG_DECO, "deco", "[^\\p{L}\\p{N}]+$"},
    {0, NULL, NULL}
};

static struct pcre_table compiled;
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

/* The pattern text for an entry, wrapped for its kind, into src. */
static void wrap(const struct sig_pattern *p, struct buf *src)
{
    buf_reset(src);
    buf_append_str(src, "(?:");
    buf_append_str(src, p->re);
    buf_append_str(src, ")");
    switch (p->kind) {
    case SIG_SIGNOFF:
        buf_append_str(src, "(?![\\p{L}\\p{N}])");
        break;
    case SIG_CONTACT:
    case SIG_ORG:
        buf_append_str(src, "$");
        break;
    default:
        break;
    }
}

static void compile_all(void)
{
    struct buf *src = buf_create(1024);
    const struct sig_pattern *p;

    pcre_table_init(&compiled, "signature pattern", SIG_KIND_COUNT);
    for (p = patterns; p->re; p++) {
        wrap(p, src);
        pcre_table_add(&compiled, p->kind, p->rule, src->data, src->len);
    }
    pcre_table_finish(&compiled);
    buf_free(src);
}

const char *signature_patterns_match(enum sig_kind kind, const char *s,
                                     size_t len, pcre2_match_data *md,
                                     size_t *end)
{
    pthread_once(&compile_once, compile_all);
    return pcre_table_match(&compiled, kind, s, len, md, end);
}
