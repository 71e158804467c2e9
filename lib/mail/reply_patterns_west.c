/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns_west - German, Dutch, French, Spanish, Portuguese (PT and
 * BR) and Italian reply patterns (see reply_patterns_int.h for how each
 * kind is anchored).
 */
#include "reply_patterns_int.h"

const struct reply_pattern reply_patterns_west[] = {
    /* --- German --- */
    /* Gmail: "Am Mo., 4. März 2024 um 10:15 Uhr schrieb Anna <a@b>:";
     * Thunderbird: "Am 04.03.24 um 10:15 schrieb Anna:"; Apple Mail and
     * Outlook for Mac: "Am 04.03.2024 um 10:15 hat Anna <a@b> geschrieben:". */
    {REPLY_ATTRIBUTION, "attribution.de.am-schrieb",
     "am\\s" HD "(?:.*?\\sschrieb\\s.*[:：]$|.*?\\sgeschrieben" END ")"},
    /* Gmail for Android: "Anna <a@b> schrieb am Do., 7. März 2024, 19:22:". */
    {REPLY_ATTRIBUTION, "attribution.de.name-first",
     HAS_AT WHO "\\s(?:schrieb|hat am .* geschrieben)(?:\\s(?:am|um)\\s.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.de.start", "am\\s"},
    /* Outlook (de): "Von:/Gesendet:/An:/Cc:/Betreff:". */
    {REPLY_FROM_LABEL, "header.de.outlook-from", "von|absender"},
    {REPLY_HEADER_LABEL, "header.de.outlook",
     "gesendet|datum|an|cc|kopie|betreff|antwort an|wichtigkeit"},
    /* Outlook: "-----Ursprüngliche Nachricht-----"; web.de/GMX:
     * "Originalnachricht"; T-Online: "Original-Nachricht". */
    {REPLY_SEPARATOR, "separator.de.original",
     DASHES "(?:ursprüngliche nachricht|originalnachricht|original-nachricht)"},
    /* Gmail and Thunderbird: "---------- Weitergeleitete Nachricht ---------";
     * Apple Mail: "Anfang der weitergeleiteten Nachricht:". */
    {REPLY_FORWARD, "forward.de.gmail", DASHES "weitergeleitete nachricht"},
    {REPLY_FORWARD, "forward.de.apple", "anfang der weitergeleiteten nachricht"},
    /* iPhone: "Von meinem iPhone gesendet"; Samsung: "Von meinem Samsung
     * Galaxy Smartphone gesendet"; Outlook mobile: "Outlook für iOS
     * herunterladen", "Holen Sie sich Outlook für Android"; Mail for Windows
     * 10: "Gesendet von Mail für Windows". */
    {REPLY_FOOTER, "footer.de.my-device", "von meinem " DEVICE " gesendet"},
    {REPLY_FOOTER, "footer.de.app",
     "gesendet (?:von|mit|über) (?:meinem " DEVICE "|" APP "|mail für windows.*)"},
    {REPLY_FOOTER, "footer.de.outlook-mobile",
     "(?:holen sie sich |laden sie )?outlook für (?:ios|android)(?: herunterladen| beziehen)?"},

    /* --- Dutch --- */
    /* Gmail: "Op ma 4 mrt 2024 om 10:15 schreef Anna <a@b>:"; Apple Mail:
     * "Op 4 mrt. 2024 om 10:15 heeft Anna <a@b> het volgende geschreven:";
     * Thunderbird: "Op 04-03-2024 om 10:15 schreef Anna:". */
    {REPLY_ATTRIBUTION, "attribution.nl.op-schreef",
     "op\\s" HD "(?:.*?\\sschreef\\s.*[:：]$|.*?\\sgeschreven" END ")"},
    /* Gmail for Android: "Anna <a@b> schreef op ma 4 mrt. 2024 10:15:". */
    {REPLY_ATTRIBUTION, "attribution.nl.name-first",
     HAS_AT WHO "\\s(?:schreef|het volgende geschreven)(?:\\s(?:op|om)\\s.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.nl.start", "op\\s"},
    /* Outlook (nl): "Van:/Verzonden:/Aan:/Onderwerp:". */
    {REPLY_FROM_LABEL, "header.nl.outlook-from", "van"},
    {REPLY_HEADER_LABEL, "header.nl.outlook",
     "verzonden|datum|aan|cc|onderwerp|beantwoorden - aan|urgentie"},
    /* Outlook: "-----Oorspronkelijk bericht-----". */
    {REPLY_SEPARATOR, "separator.nl.original",
     DASHES "(?:oorspronkelijk bericht|origineel bericht)"},
    /* Gmail: "---------- Doorgestuurd bericht ---------"; Apple Mail:
     * "Begin doorgestuurd bericht:". */
    {REPLY_FORWARD, "forward.nl.gmail", DASHES "doorgestuurd bericht"},
    {REPLY_FORWARD, "forward.nl.apple", "begin doorgestuurd bericht"},
    /* iPhone: "Verzonden vanaf mijn iPhone"; Samsung: "Verstuurd vanaf mijn
     * Galaxy"; Outlook mobile: "Outlook voor iOS downloaden". */
    {REPLY_FOOTER, "footer.nl.my-device",
     "(?:verzonden|verstuurd) (?:vanaf|van|met|vanuit) (?:mijn " DEVICE "|" APP ")"},
    {REPLY_FOOTER, "footer.nl.outlook-mobile",
     "(?:download )?outlook voor (?:ios|android)(?: downloaden)?"},

    /* --- French --- */
    /* Gmail: "Le lun. 4 mars 2024 à 10:15, Anna <a@b> a écrit :";
     * Thunderbird: "Le 04/03/2024 à 10:15, Anna a écrit :". */
    {REPLY_ATTRIBUTION, "attribution.fr.le-a-ecrit",
     "le\\s" HD ".*?\\sa\\s[ée]crit" END},
    /* Gmail for Android: "Anna <a@b> a écrit :", "... a écrit le lun. ...:". */
    {REPLY_ATTRIBUTION, "attribution.fr.name-first",
     HAS_AT WHO "\\sa\\s[ée]crit(?:\\s(?:le|à)\\s.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.fr.start", "le\\s"},
    /* Outlook (fr): "De :/Envoyé :/À :/Objet :". */
    {REPLY_FROM_LABEL, "header.fr.outlook-from", "de|expéditeur"},
    {REPLY_HEADER_LABEL, "header.fr.outlook",
     "envoyé|envoyé le|date|à|a|cc|objet|répondre à|importance"},
    /* Outlook: "-----Message d'origine-----"; Orange, Free: "Message original". */
    {REPLY_SEPARATOR, "separator.fr.original",
     DASHES "(?:message d['’]origine|message original)"},
    /* Gmail, Thunderbird: "---------- Message transféré ---------"; Apple
     * Mail: "Début du message réexpédié :". */
    {REPLY_FORWARD, "forward.fr.gmail", DASHES "message transf[ée]r[ée]"},
    {REPLY_FORWARD, "forward.fr.apple", "début du message réexpédié"},
    /* iPhone: "Envoyé de mon iPhone"; Samsung: "Envoyé depuis mon
     * appareil Galaxy"; Yahoo: "Envoyé de Yahoo Mail pour Android";
     * Outlook mobile: "Obtenir Outlook pour iOS", "Télécharger Outlook pour
     * Android". */
    {REPLY_FOOTER, "footer.fr.my-device",
     "envoy[ée] (?:de|depuis|à partir de|a partir de|avec) (?:mon |ma )" DEVICE},
    {REPLY_FOOTER, "footer.fr.app",
     "envoy[ée] (?:de|depuis|à partir de|a partir de|avec) (?:l'|l’)?" APP},
    {REPLY_FOOTER, "footer.fr.outlook-mobile",
     "(?:obtenir|télécharger) outlook pour (?:ios|android)"},

    /* --- Spanish --- */
    /* Gmail: "El lun, 4 mar 2024 a las 10:15, Anna (<a@b>) escribió:";
     * Apple Mail: "El 4 mar 2024, a las 10:15, Anna <a@b> escribió:". */
    {REPLY_ATTRIBUTION, "attribution.es.el-escribio",
     "el\\s" HD ".*?\\sescribi[óo]" END},
    /* Gmail for Android: "Anna <a@b> escribió:", "... escribió el lun., ...:". */
    {REPLY_ATTRIBUTION, "attribution.es.name-first",
     HAS_AT WHO "\\sescribi[óo](?:\\s(?:el|a las)\\s.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.es.start", "el\\s"},
    /* Outlook (es): "De:/Enviado:/Para:/Asunto:"; Outlook on the web:
     * "Enviado el:". */
    {REPLY_FROM_LABEL, "header.es.outlook-from", "de|remitente"},
    {REPLY_HEADER_LABEL, "header.es.outlook",
     "enviado|enviado el|fecha|para|cc|asunto|responder a|importancia"},
    /* Outlook: "-----Mensaje original-----". */
    {REPLY_SEPARATOR, "separator.es.original", DASHES "mensaje original"},
    /* Gmail: "---------- Mensaje reenviado ---------"; Apple Mail: "Inicio
     * del mensaje reenviado:". */
    {REPLY_FORWARD, "forward.es.gmail", DASHES "mensaje reenviado"},
    {REPLY_FORWARD, "forward.es.apple", "inicio del mensaje reenviado"},
    /* iPhone: "Enviado desde mi iPhone"; Yahoo: "Enviado desde Yahoo Mail
     * para Android"; Outlook mobile: "Obtener Outlook para iOS". */
    {REPLY_FOOTER, "footer.es.my-device", "enviado (?:desde|con) mi " DEVICE},
    {REPLY_FOOTER, "footer.es.app", "enviado (?:desde|con) " APP},
    {REPLY_FOOTER, "footer.es.outlook-mobile",
     "(?:obtener|descargar|obtén) outlook para (?:ios|android)"},

    /* --- Portuguese (BR and PT) --- */
    /* Gmail (BR): "Em seg., 4 de mar. de 2024 às 10:15, Ana <a@b>
     * escreveu:"; Gmail (PT): "Em seg., 04/03/2024 às 10:15, ..."; Apple
     * Mail (PT): "A 04/03/2024, às 10:15, Ana <a@b> escreveu:"; Apple Mail
     * (BR): "No dia 4 de mar. de 2024, às 10:15, Ana escreveu:". */
    {REPLY_ATTRIBUTION, "attribution.pt.em-escreveu",
     "(?:em|no dia|a|à)\\s" HD ".*?\\sescreveu" END},
    /* Gmail for Android: "Ana <a@b> escreveu:", "... escreveu em ...:". */
    {REPLY_ATTRIBUTION, "attribution.pt.name-first",
     HAS_AT WHO "\\sescreveu(?:\\s(?:em|no dia|a|às)\\s.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.pt.start", "(?:em|no dia)\\s"},
    /* Outlook (pt-BR, pt-PT): "De:/Enviado:/Para:/Assunto:",
     * "Enviada em:/Data:". */
    {REPLY_FROM_LABEL, "header.pt.outlook-from", "de|remetente"},
    {REPLY_HEADER_LABEL, "header.pt.outlook",
     "enviado|enviada|enviado em|enviada em|data|para|cc|assunto|responder a"},
    /* Outlook: "-----Mensagem original-----". */
    {REPLY_SEPARATOR, "separator.pt.original", DASHES "mensagem original"},
    /* Gmail: "---------- Mensagem encaminhada ---------"; Apple Mail (BR):
     * "Início da mensagem encaminhada:", (PT) "Início da mensagem
     * reencaminhada:". */
    {REPLY_FORWARD, "forward.pt.gmail", DASHES "mensagem encaminhada"},
    {REPLY_FORWARD, "forward.pt.apple", "início da mensagem (?:re)?encaminhada"},
    /* iPhone: "Enviado do meu iPhone"; Samsung (BR): "Enviado do meu
     * smartphone Galaxy"; Yahoo: "Enviado do Yahoo Mail para Android";
     * Outlook mobile: "Obter o Outlook para Android", "Baixe o Outlook
     * para iOS". */
    {REPLY_FOOTER, "footer.pt.my-device",
     "enviado (?:do|de|a partir do) meu " DEVICE},
    {REPLY_FOOTER, "footer.pt.app", "enviado (?:do|de|pelo|a partir do) " APP},
    {REPLY_FOOTER, "footer.pt.outlook-mobile",
     "(?:obter|obtenha|baixe|baixar) o outlook para (?:ios|android)"},

    /* --- Italian --- */
    /* Gmail: "Il giorno lun 4 mar 2024 alle ore 10:15 Mario <m@b> ha
     * scritto:"; Apple Mail: "Il giorno 4 mar 2024, alle ore 10:15, Mario
     * <m@b> ha scritto:"; Thunderbird: "Il 04/03/2024 10:15, Mario ha
     * scritto:". */
    {REPLY_ATTRIBUTION, "attribution.it.il-giorno",
     "il\\s" HD ".*?\\sha\\sscritto" END},
    /* Gmail for Android: "Mario <m@b> ha scritto:". */
    {REPLY_ATTRIBUTION, "attribution.it.name-first",
     HAS_AT WHO "\\sha\\sscritto(?:\\s(?:il|alle)\\s.*)?" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.it.start", "il\\s"},
    /* Outlook (it): "Da:/Inviato:/A:/Oggetto:". */
    {REPLY_FROM_LABEL, "header.it.outlook-from", "da|mittente"},
    {REPLY_HEADER_LABEL, "header.it.outlook",
     "inviato|data|a|cc|oggetto|rispondi a|priorità"},
    /* Outlook: "-----Messaggio originale-----". */
    {REPLY_SEPARATOR, "separator.it.original", DASHES "messaggio originale"},
    /* Gmail: "---------- Messaggio inoltrato ---------"; Apple Mail: "Inizio
     * messaggio inoltrato:". */
    {REPLY_FORWARD, "forward.it.gmail", DASHES "messaggio inoltrato"},
    {REPLY_FORWARD, "forward.it.apple", "inizio messaggio inoltrato"},
    /* iPhone: "Inviato da iPhone"; Samsung: "Inviato dal mio dispositivo
     * Galaxy"; Yahoo: "Inviato da Yahoo Mail su Android"; Outlook mobile:
     * "Scarica Outlook per iOS". */
    {REPLY_FOOTER, "footer.it.my-device",
     "inviato (?:dal mio |con il mio )" DEVICE},
    {REPLY_FOOTER, "footer.it.app", "inviato (?:da|dal|con) " APP},
    {REPLY_FOOTER, "footer.it.outlook-mobile",
     "(?:scarica|ottieni) outlook per (?:ios|android)"},
    {0, NULL, NULL},
};
