/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns_east - Polish, Czech, Russian, Ukrainian and Turkish reply
 * patterns (see reply_patterns_int.h for how each kind is anchored).
 */
#include "reply_patterns_int.h"

const struct reply_pattern reply_patterns_east[] = {
    /* --- Polish --- */
    /* Gmail: "pon., 4 mar 2024 o 10:15 Jan <j@b> napisał(a):"; Thunderbird:
     * "W dniu 4.03.2024 o 10:15, Jan Kowalski pisze:"; Gmail for Android:
     * "Jan <j@b> napisał(a):". */
    {REPLY_ATTRIBUTION, "attribution.pl.gmail",
     "(?=.*?(?:\\d|@)).{1,300}?\\snapisał(?:\\(a\\)|a)?" END_COLON},
    {REPLY_ATTRIBUTION, "attribution.pl.thunderbird",
     "w\\sdniu\\s" HD ".*?\\s(?:pisze|napisał(?:\\(a\\)|a)?)" END},
    /* Apple Mail: "Wiadomość napisana przez Jan <j@b> w dniu 4.03.2024, o
     * godz. 10:15:". */
    {REPLY_ATTRIBUTION, "attribution.pl.apple",
     "wiadomość\\snapisana\\sprzez\\s.{1,200}?\\sw\\sdniu\\s" HD ".*" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.pl.start",
     "(?:w dniu|wiadomość napisana)\\s"},
    /* Outlook (pl): "Od:/Wysłano:/Do:/DW:/Temat:". */
    {REPLY_FROM_LABEL, "header.pl.outlook-from", "od|nadawca"},
    {REPLY_HEADER_LABEL, "header.pl.outlook",
     "wysłano|wysłane|data|do|dw|kopia|temat|odpowiedz do|ważność"},
    /* Outlook: "-----Oryginalna wiadomość-----"; Onet, WP: "Wiadomość
     * oryginalna". */
    {REPLY_SEPARATOR, "separator.pl.original",
     DASHES "(?:oryginalna wiadomość|wiadomość oryginalna)"},
    /* Gmail: "---------- Przekazana wiadomość ---------", "Wiadomość
     * przekazana dalej"; Apple Mail: "Początek przekazywanej wiadomości:". */
    {REPLY_FORWARD, "forward.pl.gmail",
     DASHES "(?:przekazana wiadomość|wiadomość przekazana dalej)"},
    {REPLY_FORWARD, "forward.pl.apple", "początek przekazywanej wiadomości"},
    /* iPhone: "Wysłane z iPhone'a", "Wysłane z mojego iPhone'a"; Samsung:
     * "Wysłane z mojego Galaxy"; Outlook mobile: "Pobierz aplikację Outlook
     * dla systemu iOS". */
    {REPLY_FOOTER, "footer.pl.my-device", "wysłane z (?:mojego |mojej )" DEVICE},
    {REPLY_FOOTER, "footer.pl.app", "wysłane (?:z|przez|za pomocą) " APP},
    {REPLY_FOOTER, "footer.pl.outlook-mobile",
     "pobierz (?:aplikację )?outlook dla (?:systemu )?(?:ios|android)"},

    /* --- Czech --- */
    /* Gmail: "po 4. 3. 2024 v 10:15 odesílatel Jan <j@b> napsal:";
     * Thunderbird: "Dne 4. 3. 2024 v 10:15 Jan Novák napsal(a):"; Gmail for
     * Android: "Jan <j@b> napsal(a):". */
    {REPLY_ATTRIBUTION, "attribution.cs.gmail",
     "(?=.*?(?:\\d|@)).{1,300}?\\snapsal(?:\\(a\\)|a)?" END_COLON},
    {REPLY_ATTRIBUTION_START, "attribution.cs.start", "dne\\s"},
    /* Outlook (cs): "Od:/Odesláno:/Komu:/Kopie:/Předmět:". */
    {REPLY_FROM_LABEL, "header.cs.outlook-from", "od|odesílatel"},
    {REPLY_HEADER_LABEL, "header.cs.outlook",
     "odesláno|datum|komu|kopie|předmět|odpovědět komu|důležitost"},
    /* Outlook: "-----Původní zpráva-----"; Seznam: "Původní e-mail". */
    {REPLY_SEPARATOR, "separator.cs.original",
     DASHES "(?:původní zpráva|původní e-mail)"},
    /* Gmail: "---------- Přeposlaná zpráva ---------"; Seznam: "Přeposlaný
     * e-mail"; Apple Mail: "Začátek přeposílané zprávy:". */
    {REPLY_FORWARD, "forward.cs.gmail",
     DASHES "(?:přeposlaná zpráva|přeposlaný e-mail)"},
    {REPLY_FORWARD, "forward.cs.apple", "začátek přeposílané zprávy"},
    /* iPhone: "Odesláno z iPhonu", "Odesláno z mého iPhonu"; Samsung:
     * "Odesláno z mého Galaxy"; Outlook mobile: "Stáhněte si Outlook pro
     * iOS". */
    {REPLY_FOOTER, "footer.cs.device",
     "odesláno z (?:mého |mé )?(?:iphon|ipad|android|galaxy|samsung|huawei|"
     "mobil|telefonu|tabletu|yahoo|outlook|aplikace)[^,;!?:]{0,40}"},
    {REPLY_FOOTER, "footer.cs.outlook-mobile",
     "(?:stáhněte si|získejte) outlook pro (?:ios|android)"},

    /* --- Russian --- */
    /* Gmail since 2014: "пн, 6 окт. 2014 г. в 10:15, Иван <i@b>:" (no
     * verb: the date and the address tell it). */
    {REPLY_ATTRIBUTION, "attribution.ru.gmail",
     "(?:пн|вт|ср|чт|пт|сб|вс),?\\s\\d{1,2}\\s\\S{2,9}\\s\\d{4}\\s?г\\.?"
     "(?:,?\\sв\\s\\d{1,2}:\\d{2})?,?\\s" WHO "\\s?" ADDR COLON},
    /* Gmail before 2014: "понедельник, 6 октября 2014 г. пользователь Иван
     * Петров написал:"; Thunderbird: "04.03.2024 10:15, Иван Петров пишет:";
     * Mail.ru: "Понедельник, 4 марта 2024, 10:15 +03:00 от Иван <i@b>:";
     * Gmail for Android: "Иван <i@b> написал:". */
    {REPLY_ATTRIBUTION, "attribution.ru.wrote",
     "(?=.*?(?:\\d|@)).{1,300}?\\s(?:написал|написала|написал\\(а\\)|пишет)" END_COLON},
    /* The Bat! (ru): "Вы писали 4 марта 2024 г., 10:15:". */
    {REPLY_ATTRIBUTION, "attribution.ru.thebat",
     "(?:вы\\sписали|.{1,100}?\\sписала?)\\s" HD ".{1,80}?" COLON},
    {REPLY_ATTRIBUTION, "attribution.ru.mailru",
     HD ".{1,120}?\\sот\\s" WHO "\\s?" ADDR COLON},
    /* Yandex Mail: "04.03.2024, 10:15, "Иван Петров" <i@b>:". */
    {REPLY_ATTRIBUTION, "attribution.ru.yandex",
     "\\d{2}\\.\\d{2}\\.\\d{4},\\s\\d{1,2}:\\d{2},\\s" WHO "\\s?" ADDR COLON},
    /* Outlook (ru): "От:/Отправлено:/Кому:/Копия:/Тема:". */
    {REPLY_FROM_LABEL, "header.ru.outlook-from", "от|отправитель"},
    {REPLY_HEADER_LABEL, "header.ru.outlook",
     "отправлено|дата|кому|копия|тема|важность"},
    /* Outlook: "-----Исходное сообщение-----"; Mail.ru: "Оригинальное
     * сообщение". */
    {REPLY_SEPARATOR, "separator.ru.original",
     DASHES "(?:исходное сообщение|оригинальное сообщение)"},
    /* Gmail, Yandex, Mail.ru: "-------- Пересылаемое сообщение --------";
     * Thunderbird: "Перенаправленное сообщение"; Apple Mail: "Начало
     * переадресованного сообщения:". */
    {REPLY_FORWARD, "forward.ru.gmail",
     DASHES "(?:пересылаемое|пересланное|перенаправленное) сообщение"},
    {REPLY_FORWARD, "forward.ru.apple", "начало переадресованного сообщения"},
    /* iPhone: "Отправлено с iPhone"; Samsung: "Отправлено с устройства
     * Galaxy"; Mail.ru: "Отправлено из мобильной Почты Mail.ru"; Yandex:
     * "Отправлено из мобильной Яндекс Почты"; Outlook mobile: "Получить
     * Outlook для iOS". */
    {REPLY_FOOTER, "footer.ru.device",
     "отправлено (?:с|со) (?:моего )?(?:iphone|ipad|android|galaxy|samsung|"
     "huawei|xiaomi|устройства|мобильного|телефона|планшета)[^,;!?:]{0,40}"},
    {REPLY_FOOTER, "footer.ru.app",
     "отправлено (?:из|через) (?:мобильной|приложения|mail\\.ru|яндекс)[^,;!?:]{0,40}"},
    {REPLY_FOOTER, "footer.ru.outlook-mobile",
     "(?:получить|скачать) outlook для (?:ios|android)"},

    /* --- Ukrainian --- */
    /* Gmail: "пн, 4 бер. 2024 р. о 10:15 Іван <i@b> пише:"; Thunderbird:
     * "04.03.2024 10:15, Іван Петренко пише:"; Gmail for Android: "Іван
     * <i@b> написав:". */
    {REPLY_ATTRIBUTION, "attribution.uk.gmail",
     "(?=.*?(?:\\d|@)).{1,300}?\\s(?:пише|написав|написала|написав\\(ла\\))" END_COLON},
    /* Outlook (uk): "Від:/Надіслано:/Кому:/Копія:/Тема:". */
    {REPLY_FROM_LABEL, "header.uk.outlook-from", "від|відправник"},
    {REPLY_HEADER_LABEL, "header.uk.outlook",
     "надіслано|дата|кому|копія|тема|важливість"},
    /* Outlook: "-----Оригінальне повідомлення-----", "Вихідне
     * повідомлення". */
    {REPLY_SEPARATOR, "separator.uk.original",
     DASHES "(?:оригінальне|вихідне|початкове) повідомлення"},
    /* Gmail: "---------- Пересланий лист ---------"; Ukr.net: "Переслане
     * повідомлення"; Apple Mail: "Початок пересланого листа:". */
    {REPLY_FORWARD, "forward.uk.gmail",
     DASHES "(?:пересланий лист|переслане повідомлення)"},
    {REPLY_FORWARD, "forward.uk.apple", "початок пересланого (?:листа|повідомлення)"},
    /* iPhone: "Надіслано з iPhone"; Samsung: "Надіслано з мого Galaxy";
     * Outlook mobile: "Отримати Outlook для iOS". */
    {REPLY_FOOTER, "footer.uk.device",
     "надіслано (?:з|із|зі) (?:мого )?(?:iphone|ipad|android|galaxy|samsung|"
     "huawei|xiaomi|пристрою|мобільного|телефону)[^,;!?:]{0,40}"},
    {REPLY_FOOTER, "footer.uk.outlook-mobile", "отримати outlook для (?:ios|android)"},

    /* --- Turkish --- */
    /* Gmail: "4 Mar 2024 Pzt, 10:15 tarihinde Ali <a@b> şunu yazdı:";
     * Apple Mail: "4 Mar 2024 tarihinde 10:15 saatinde, Ali <a@b> şunları
     * yazdı:"; Thunderbird: "4.03.2024 10:15 tarihinde Ali yazdı:". */
    {REPLY_ATTRIBUTION, "attribution.tr.gmail",
     HD ".{1,120}?\\starihinde\\s.{1,200}?\\s(?:şunu |şunları )?yazdı" END},
    /* Gmail for Android: "Ali <a@b>, 4 Mar 2024 Pzt, 10:15 tarihinde şunu
     * yazdı:", "Ali <a@b> şunu yazdı:". */
    {REPLY_ATTRIBUTION, "attribution.tr.name-first",
     HAS_AT WHO "\\s(?:şunu|şunları)\\syazdı" COLON},
    /* Outlook (tr): "Kimden:/Gönderildi:/Kime:/Bilgi:/Konu:". */
    {REPLY_FROM_LABEL, "header.tr.outlook-from", "kimden|gönderen"},
    {REPLY_HEADER_LABEL, "header.tr.outlook",
     "gönderildi|gönderilme tarihi|tarih|kime|bilgi|konu|önem derecesi"},
    /* Outlook: "-----Özgün İleti-----", "Orijinal Mesaj". */
    {REPLY_SEPARATOR, "separator.tr.original",
     DASHES "(?:özgün [iİ]leti|orijinal mesaj|asıl [iİ]leti)"},
    /* Gmail: "---------- Yönlendirilen ileti ---------"; Apple Mail:
     * "Yönlendirilmiş ileti başlangıcı:". */
    {REPLY_FORWARD, "forward.tr.gmail",
     DASHES "(?:yönlendirilen|yönlendirilmiş|iletilen) (?:[iİ]leti|mesaj)"},
    {REPLY_FORWARD, "forward.tr.apple", "yönlendirilmiş [iİ]leti başlangıcı"},
    /* iPhone: "iPhone'umdan gönderildi"; Samsung: "Samsung cihazımdan
     * gönderildi"; Outlook mobile: "iOS için Outlook'u edinin". */
    {REPLY_FOOTER, "footer.tr.device",
     "(?:[iİ]phone|[iİ]pad|android|galaxy|samsung|huawei|xiaomi|mobil)"
     "[^,;!?:]{0,30}?(?:['’]?(?:umdan|[ıi]mdan|dan|den)|\\scihazımdan|"
     "\\stelefonumdan)\\sgönderildi"},
    {REPLY_FOOTER, "footer.tr.outlook-mobile",
     "(?:[iİ]os|android) için outlook['’]u (?:edinin|indirin)"},
    {0, NULL, NULL},
};
