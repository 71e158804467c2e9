/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns_cjk - Japanese, Chinese (simplified and traditional) and
 * Korean reply patterns (see reply_patterns_int.h for how each kind is
 * anchored).  Clients write ASCII or full-width colons (":", "："); white
 * space around CJK text is optional.
 */
#include "reply_patterns_int.h"

/* "2024年3月4日": a CJK date. */
#define YMD "\\d{4}\\s?年\\s?\\d{1,2}\\s?月\\s?\\d{1,2}\\s?日"

const struct reply_pattern reply_patterns_cjk[] = {
    /* --- Japanese --- */
    /* Gmail: "2024年3月4日(月) 10:15 山田太郎 <taro@b>:" (no verb). */
    {REPLY_ATTRIBUTION, "attribution.ja.gmail",
     YMD "(?:\\s?[(（]\\S[)）])?\\s?(?:[午前後]{2}\\s?)?\\d{1,2}:\\d{2}(?::\\d{2})?"
     "\\s?" WHO "\\s?" ADDR COLON},
    /* Apple Mail: "2024/03/04 10:15、山田太郎 <taro@b>のメール:". */
    {REPLY_ATTRIBUTION, "attribution.ja.apple",
     "\\d{4}/\\d{1,2}/\\d{1,2}\\s?\\d{1,2}:\\d{2}[、,]\\s?" WHO "\\s?のメール" COLON},
    /* Thunderbird: "山田太郎 wrote:" is English; older Becky!/Thunderbird:
     * "山田太郎 さんは書きました:"; Outlook for Mac: "... が書き込みました:". */
    {REPLY_ATTRIBUTION, "attribution.ja.wrote",
     "(?=.*?(?:\\d|@)).{1,300}?(?:さんは書きました|は書きました|が書き込みました|"
     "さんが書きました)" COLON},
    /* Outlook (ja): "差出人:/送信日時:/宛先:/CC:/件名:". */
    {REPLY_FROM_LABEL, "header.ja.outlook-from", "差出人|送信者"},
    {REPLY_HEADER_LABEL, "header.ja.outlook",
     "送信日時|送信日|日付|宛先|cc|件名|重要度"},
    /* Outlook: "-----元のメッセージ-----", "-----Original Message-----". */
    {REPLY_SEPARATOR, "separator.ja.original",
     DASHES "(?:元のメッセージ|オリジナルメッセージ|原文)"},
    /* Gmail: "---------- 転送されたメッセージ ---------"; Apple Mail: "転送
     * されたメッセージ:"; Outlook: "転送メッセージ". */
    {REPLY_FORWARD, "forward.ja.gmail", "(?:転送されたメッセージ|転送メッセージ)"},
    /* iPhone: "iPhoneから送信"; Android: "Androidから送信"; Outlook
     * mobile: "iOS 版 Outlook を入手". */
    {REPLY_FOOTER, "footer.ja.device",
     "(?:私の\\s?)?(?:iphone|ipad|android|galaxy|xperia|aquos|mobile|"
     "スマートフォン|携帯|yahoo[^,;!?:]{0,20}|outlook)\\s?から送信"},
    {REPLY_FOOTER, "footer.ja.outlook-mobile",
     "(?:ios|android)\\s?(?:版|用の|用)\\s?outlook\\s?を入手"},

    /* --- Chinese --- */
    /* Gmail (zh-CN): "张三 <zhang@b> 于2024年3月4日周一 10:15写道："; Gmail
     * (zh-TW): "張三 <zhang@b> 於 2024年3月4日 週一 上午10:15寫道："; Apple
     * Mail: "2024年3月4日 上午10:15，张三 <zhang@b> 写道："; Thunderbird:
     * "在 2024/3/4 10:15, 张三 写道:". */
    {REPLY_ATTRIBUTION, "attribution.zh-cn.gmail",
     HAS_AT WHO "\\s?[于於]\\s?" YMD ".{0,40}?[写寫]道" COLON},
    {REPLY_ATTRIBUTION, "attribution.zh.wrote",
     "(?=.*?(?:\\d|@)).{1,300}?[写寫]道" COLON},
    {REPLY_ATTRIBUTION_START, "attribution.zh.start", "在\\s"},
    /* Outlook (zh-CN): "发件人:/发送时间:/收件人:/抄送:/主题:"; Outlook
     * (zh-TW): "寄件者:/寄件日期:/收件者:/副本:/主旨:"; QQ Mail: "发件人:/
     * 发送时间:/收件人:/主题:"; NetEase: "发件人:/日期:/收件人:". */
    {REPLY_FROM_LABEL, "header.zh-cn.outlook-from", "发件人|發件人"},
    {REPLY_FROM_LABEL, "header.zh-tw.outlook-from", "寄件者|寄件人"},
    {REPLY_HEADER_LABEL, "header.zh-cn.outlook",
     "发送时间|發送時間|日期|时间|收件人|抄送|主题|主題"},
    {REPLY_HEADER_LABEL, "header.zh-tw.outlook",
     "寄件日期|傳送時間|傳送日期|收件者|副本|主旨|日期"},
    /* QQ Mail: "------------------ 原始邮件 ------------------"; Outlook
     * (zh-TW): "-----原始郵件-----". */
    {REPLY_SEPARATOR, "separator.zh.original",
     DASHES "(?:原始邮件|原始郵件|原邮件|原郵件|原始信件)"},
    /* Gmail: "---------- 已转发邮件 ---------" / "轉寄的郵件"; Apple Mail:
     * "转发的邮件：", "轉寄的郵件：". */
    {REPLY_FORWARD, "forward.zh.gmail",
     "(?:已转发邮件|转发的邮件|已轉寄郵件|轉寄的郵件|转发邮件|轉寄郵件)"},
    /* iPhone: (zh-CN) "发自我的iPhone", (zh-TW) "從我的 iPhone 傳送", "寄自我的
     * iPhone"; NetEase Mail Master: "发自网易邮箱大师"; Outlook mobile: "获取
     * Outlook for iOS". */
    {REPLY_FOOTER, "footer.zh-cn.iphone",
     "(?:发自|發自|来自|來自)我的\\s?[^,;!?:，。]{1,30}"},
    {REPLY_FOOTER, "footer.zh-tw.iphone",
     "(?:從|从|寄自)我的\\s?[^,;!?:，。]{1,30}?\\s?(?:傳送|发送|發送|送出)?"},
    {REPLY_FOOTER, "footer.zh.app",
     "(?:发自|發自)\\s?(?:网易邮箱大师|网易邮箱|qq邮箱|[^,;!?:，。]{0,20}(?:邮箱|手机|手機))"},
    {REPLY_FOOTER, "footer.zh.outlook-mobile",
     "(?:获取|取得|下載|下载)\\s?(?:适用于\\s?|適用於\\s?)?outlook\\s?(?:for\\s)?(?:ios|android)\\s?(?:版)?"},

    /* --- Korean --- */
    /* Gmail: "2024년 3월 4일 (월) 오전 10:15, 김철수 <kim@b>님이 작성:"; Apple
     * Mail: "2024. 3. 4. 오전 10:15, 김철수 <kim@b> 작성:". */
    {REPLY_ATTRIBUTION, "attribution.ko.gmail",
     "(?=.*?(?:\\d|@)).{1,300}?님이\\s?작성" COLON},
    {REPLY_ATTRIBUTION, "attribution.ko.apple",
     "\\d{4}\\.\\s?\\d{1,2}\\.\\s?\\d{1,2}\\..{0,40}?" WHO "\\s?" ADDR "\\s?작성" COLON},
    /* Outlook (ko): "보낸 사람:/보낸 날짜:/받는 사람:/참조:/제목:". */
    {REPLY_FROM_LABEL, "header.ko.outlook-from", "보낸\\s?사람"},
    {REPLY_HEADER_LABEL, "header.ko.outlook",
     "보낸\\s?날짜|날짜|받는\\s?사람|참조|제목|중요도"},
    /* Outlook: "-----원본 메시지-----". */
    {REPLY_SEPARATOR, "separator.ko.original", DASHES "원본\\s?메시지"},
    /* Gmail: "---------- 전달된 메시지 ----------"; Apple Mail: "전달된
     * 메일:". */
    {REPLY_FORWARD, "forward.ko.gmail", "전달된\\s?(?:메시지|메일)"},
    /* iPhone: "iPhone에서 보냄"; Samsung: "Galaxy에서 보냄", "내 Galaxy S23에서
     * 보냄"; Outlook mobile: "iOS용 Outlook 받기". */
    {REPLY_FOOTER, "footer.ko.device",
     "(?:내\\s)?(?:iphone|ipad|android|galaxy|갤럭시|삼성|samsung|"
     "모바일|outlook|yahoo)[^,;!?:]{0,30}?에서\\s?보냄"},
    {REPLY_FOOTER, "footer.ko.outlook-mobile",
     "(?:ios|android)\\s?용\\s?outlook\\s?받기"},
    {0, NULL, NULL},
};
