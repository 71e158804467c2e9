/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns_nordic - Danish, Norwegian, Swedish and Finnish reply
 * patterns (see reply_patterns_int.h for how each kind is anchored).
 */
#include "reply_patterns_int.h"

/* "kl. 10.15", "kl 10:15": the Scandinavian time. */
#define KL "kl\\.?\\s?\\d{1,2}[.:]\\d{2}"

const struct reply_pattern reply_patterns_nordic[] = {
    /* --- Danish, Norwegian, Swedish --- */
    /* Gmail (da): "Den man. 4. mar. 2024 kl. 10.15 skrev Jens <j@b>:";
     * Gmail (sv): "Den mån 4 mars 2024 kl 10:15 skrev Anna <a@b>:"; Gmail
     * (no): "man. 4. mar. 2024 kl. 10:15 skrev Ola <o@b>:"; Apple Mail:
     * "4. mar. 2024 kl. 10.15 skrev Jens <j@b>:". */
    {REPLY_ATTRIBUTION, "attribution.da-no-sv.gmail",
     "(?:den\\s)?" HD ".{0,80}?" KL ",?\\sskrev\\s.{1,200}?" COLON},
    /* Thunderbird: "Den 04.03.2024 kl. 10:15, skrev Jens:", (sv)
     * "2024-03-04 10:15 skrev Anna:"; Outlook for Mac: "Den 04.03.2024 10.15
     * skrev "Jens" <j@b>:". */
    {REPLY_ATTRIBUTION, "attribution.da-no-sv.thunderbird",
     "(?:den\\s|på\\s)?" HD ".{0,120}?\\sskrev(?:\\s.{1,200}?)?" COLON},
    /* Gmail for Android: "Jens <j@b> skrev:", "Anna <a@b> skrev den 4 mars
     * 2024 10:15:", (da) "... skrev følgende:". */
    {REPLY_ATTRIBUTION, "attribution.da-no-sv.name-first",
     HAS_AT WHO "\\sskrev(?:\\s(?:den|på|følgende|följande|følgende)\\b.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.da-no-sv.start", "den\\s"},
    /* Outlook (da, no): "Fra:/Sendt:/Til:/Emne:"; (sv) "Från:/Skickat:/
     * Till:/Ämne:". */
    {REPLY_FROM_LABEL, "header.da-no.outlook-from", "fra"},
    {REPLY_FROM_LABEL, "header.sv.outlook-from", "från"},
    {REPLY_HEADER_LABEL, "header.da-no.outlook",
     "sendt|dato|til|cc|kopi|emne|svar til|prioritet"},
    {REPLY_HEADER_LABEL, "header.sv.outlook",
     "skickat|datum|till|kopia|ämne|svara till"},
    /* Outlook: (da) "-----Oprindelig meddelelse-----", (no) "-----Opprinnelig
     * melding-----", (sv) "-----Ursprungligt meddelande-----". */
    {REPLY_SEPARATOR, "separator.da.original", DASHES "oprindelig meddelelse"},
    {REPLY_SEPARATOR, "separator.no.original", DASHES "opprinnelig melding"},
    {REPLY_SEPARATOR, "separator.sv.original",
     DASHES "ursprungligt (?:meddelande|e-postmeddelande)"},
    /* Gmail: (da) "---------- Videresendt meddelelse ----------", (no)
     * "Videresendt melding", (sv) "Vidarebefordrat meddelande"; Apple Mail:
     * (da) "Start på videresendt besked:", (no) "Videresendt melding:",
     * (sv) "Vidarebefordrat mejl:". */
    {REPLY_FORWARD, "forward.da-no.gmail",
     DASHES "videresendt (?:meddelelse|melding|besked)"},
    {REPLY_FORWARD, "forward.sv.gmail",
     DASHES "vidarebefordrat (?:meddelande|mejl|brev)"},
    {REPLY_FORWARD, "forward.da-no-sv.apple",
     "(?:start på videresendt besked|videresendt melding|"
     "vidarebefordrat (?:mejl|brev))"},
    /* iPhone: (da, no) "Sendt fra min iPhone", (sv) "Skickat från min
     * iPhone"; Outlook mobile: (da) "Hent Outlook til iOS", (no) "Få Outlook
     * for iOS", (sv) "Skaffa Outlook för Android", "Hämta Outlook för iOS". */
    {REPLY_FOOTER, "footer.da-no.my-device",
     "sendt (?:fra|med) (?:min |mit |mitt )" DEVICE},
    {REPLY_FOOTER, "footer.da-no.app", "sendt (?:fra|med) " APP},
    {REPLY_FOOTER, "footer.sv.my-device", "skickat (?:från|med) min " DEVICE},
    {REPLY_FOOTER, "footer.sv.app", "skickat (?:från|med|via) " APP},
    {REPLY_FOOTER, "footer.da-no-sv.outlook-mobile",
     "(?:hent|få|skaffa|hämta) outlook (?:til|for|för) (?:ios|android)"},

    /* --- Finnish --- */
    /* Gmail: "ma 4.3.2024 klo 10.15 Matti (matti@b) kirjoitti:"; Apple Mail:
     * "4.3.2024 kello 10.15, Matti <m@b> kirjoitti:"; Thunderbird:
     * "4.3.2024 10.15, Matti kirjoitti:"; Gmail for Android: "Matti <m@b>
     * kirjoitti ma 4.3.2024 klo 10.15:". */
    {REPLY_ATTRIBUTION, "attribution.fi.gmail",
     "(?:\\S{1,4}\\s)?\\d{1,2}\\.\\d{1,2}\\.\\d{2,4}.{0,200}?\\skirjoitti" END_COLON},
    {REPLY_ATTRIBUTION, "attribution.fi.name-first",
     HAS_AT WHO "\\skirjoitti(?:\\s.*)?" COLON},
    /* Outlook (fi): "Lähettäjä:/Lähetetty:/Vastaanottaja:/Aihe:". */
    {REPLY_FROM_LABEL, "header.fi.outlook-from", "lähettäjä"},
    {REPLY_HEADER_LABEL, "header.fi.outlook",
     "lähetetty|päivämäärä|vastaanottaja|kopio|aihe|tärkeys"},
    /* Outlook: "-----Alkuperäinen viesti-----". */
    {REPLY_SEPARATOR, "separator.fi.original", DASHES "alkuperäinen viesti"},
    /* Gmail: "---------- Välitetty viesti ---------"; Apple Mail:
     * "Välitetty viesti alkaa:". */
    {REPLY_FORWARD, "forward.fi.gmail",
     DASHES "(?:välitetty|edelleenlähetetty) viesti"},
    {REPLY_FORWARD, "forward.fi.apple", "välitetty viesti alkaa"},
    /* iPhone: "Lähetetty iPhonesta"; Samsung: "Lähetetty Galaxy-
     * laitteesta"; Outlook mobile: "Hanki Outlook for iOS". */
    {REPLY_FOOTER, "footer.fi.device",
     "lähetetty (?:minun )?(?:iphone|ipad|android|galaxy|samsung|huawei|"
     "mobiili|puhelime|yahoo|outlook)[^,;!?:]{0,40}"},
    {REPLY_FOOTER, "footer.fi.outlook-mobile",
     "hanki outlook (?:for |iOS|android)[^,;!?:]{0,20}"},
    {0, NULL, NULL},
};
