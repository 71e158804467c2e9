/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns_en - English reply patterns (see reply_patterns_int.h for
 * how each kind is anchored).  Order matters only for the rule name an
 * --explain prints: the first match wins.
 */
#include "reply_patterns_int.h"

const struct reply_pattern reply_patterns_en[] = {
    /* Gmail web and apps, Apple Mail, Thunderbird, Outlook for Mac, The
     * Bat!: "On Mon, Mar 4, 2024 at 10:15 AM Anna <a@b> wrote:", "On
     * 04/03/2024 10:15, Anna wrote:", "On ..., you wrote:"; Yahoo for
     * Android flattens the quote onto the line after the colon. */
    {REPLY_ATTRIBUTION, "attribution.en.on-wrote",
     "on\\s" HD_BEFORE("(?:wrote|writes)") ".*?(?:\\s|(?<=>))(?:wrote|writes)"
     END},
    /* Gmail for Android and K-9 name first: "Anna <a@b> wrote:", "Anna
     * <a@b> wrote on Mon, 4 Mar 2024, 10:15:". */
    {REPLY_ATTRIBUTION, "attribution.en.name-first",
     HAS_AT WHO "\\swrote(?:\\s(?:on|at)\\s.*)?" COLON},
    /* Gmail in 2012-2016 for some locales, and clients copying it: date
     * first, no verb: "2016-10-24 15:36 GMT+02:00 Foo Bar <foo@b>:",
     * "2012/3/4 Foo Bar <foo@b>". */
    {REPLY_ATTRIBUTION, "attribution.en.date-first",
     "\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}(?:\\s\\d{1,2}:\\d{2}(?::\\d{2})?)?"
     "(?:\\s?(?:GMT|UTC)\\s?[+-]\\d{1,2}:?\\d{2})?\\s" WHO "\\s?" ADDR
     "\\s?[:：]?$"},
    /* Yahoo web: "On Monday, March 4, 2024, 10:15:00 AM GMT+1, Anna
     * <a@b> wrote:" is the first rule; its older form sends "From:" blocks.
     * Outlook's "... sent:" one-liners (Outlook for Mac 2011): "On 4/3/24
     * 10:15, "Anna" <a@b> sent:". */
    {REPLY_ATTRIBUTION, "attribution.en.outlook-mac-sent",
     "on\\s" HD ".*?" ADDR "\\ssent" COLON},
    /* Verb-last attributions start with these words (wrapped ones too). */
    {REPLY_ATTRIBUTION_START, "attribution.en.start", "on\\s"},

    /* Outlook (all versions), Yahoo, AOL, Exchange: header blocks. */
    {REPLY_FROM_LABEL, "header.en.from", "from"},
    /* Webmail that forwards the quoted message's headers from "Date:" on
     * (Horde, SquirrelMail): "Date:/To:/Subject:". */
    {REPLY_DATE_LABEL, "header.en.webmail-date", "date"},
    {REPLY_HEADER_LABEL, "header.en.outlook",
     "sent|date|to|cc|bcc|subject|reply-to|importance"},

    /* Outlook 2003-2016: "-----Original Message-----"; Samsung Email and
     * Android stock mail: "-------- Original message --------"; QQ Mail in
     * English: "------------------ Original ------------------". */
    {REPLY_SEPARATOR, "separator.en.original",
     DASHES "original(?:\\smessage)?"},
    /* Some webmail (Coremail/NetEase in English): "-----Reply Message-----". */
    {REPLY_SEPARATOR, "separator.en.reply-message", DASHES "reply message"},
    /* Android stock Email and some HTC/Sony builds: "---- Anna wrote ----". */
    {REPLY_SEPARATOR, "separator.en.android-wrote",
     "-{2,}\\s?.{1,120}?\\s(?:wrote|writes)\\s?-{2,}"},
    /* Exim and qmail bounces: the line above the returned copy. */
    {REPLY_SEPARATOR, "separator.en.bounce-copy",
     DASHES "(?:this is a copy of the message, including all the headers\\."
     "|below this line is a copy of the message\\.)"},
    /* Gmail "---------- Forwarded message ---------", Thunderbird "--------
     * Forwarded Message --------", Apple Mail "Begin forwarded message:". */
    {REPLY_FORWARD, "forward.en.gmail", DASHES "forwarded message"},
    {REPLY_FORWARD, "forward.en.apple", "begin forwarded message"},

    /* iPhone/iPad Mail, Samsung, Android: "Sent from my iPhone", "Sent from
     * my Galaxy", "Sent from my phone, please excuse typos". */
    {REPLY_FOOTER, "footer.en.my-device",
     "sent (?:from|with|via|using) my " DEVICE
     "(?:[,.]\\s?please excuse (?:my |any )?(?:brevity|typos|spelling))?"},
    /* Yahoo Mail apps, Outlook, Mail for Windows 10, Airmail, Proton Mail,
     * BlackBerry, Spark, BlueMail: "Sent from Yahoo Mail on Android",
     * "Sent with Airmail", "Sent with Proton Mail secure email". */
    {REPLY_FOOTER, "footer.en.app", "sent (?:from|with|via|using) " APP},
    /* Hand-written and K-9: "(sent from a phone)", "Sent from a mobile
     * device". */
    {REPLY_FOOTER, "footer.en.a-phone",
     "sent from a (?:phone|mobile(?: device| phone)?|smartphone|tablet)"},
    /* Outlook for iOS and Android: "Get Outlook for iOS". */
    {REPLY_FOOTER, "footer.en.outlook-mobile",
     "get outlook for (?:ios|android|mac|windows)"},
    /* Mailman 3 list footer: "Tenants mailing list -- tenants@lists.b",
     * "To unsubscribe send an email to tenants-leave@lists.b"; Mailman 2:
     * "Tenants mailing list", "https://lists.b/mailman/listinfo/tenants". */
    {REPLY_FOOTER, "footer.en.mailman",
     "[^,;!?]{1,80} mailing list(?: -- \\S+@\\S+)?"},
    {REPLY_FOOTER, "footer.en.mailman-unsubscribe",
     "to unsubscribe send an email to \\S+@\\S+"},
    {REPLY_FOOTER, "footer.en.mailman-listinfo",
     "https?://\\S+/mailman/listinfo/\\S+"},
    {0, NULL, NULL},
};
