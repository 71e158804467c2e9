/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_params - the parameter table and value conversion; see
 * config_params.h.  To add a parameter: add a field to struct config, a row
 * here, a paragraph to docs/postmask.5 and a line to packaging/main.cf (the
 * tests check all three).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_params.h"
#include "reply_marker.h"
#include "twilio_sid.h"
#include "utf8.h"
#include "xalloc.h"

#define OFF(field)  offsetof(struct config, field)
#define ALL_DAEMONS (CONFIG_FOR_MILTER | CONFIG_FOR_BRIDGE)
#define DAY         86400L

static int check_milter_listen(const char *name, const char *value,
                               struct buf *why);
static int check_host_port(const char *name, const char *value,
                           struct buf *why);
static int check_url(const char *name, const char *value,
                     struct buf *why);
static int check_account_sid(const char *name, const char *value,
                             struct buf *why);
static int check_domain_list(const char *name, const char *value,
                             struct buf *why);
static int check_messaging_service_sid(const char *name, const char *value,
                                       struct buf *why);
static int check_api_key_sid(const char *name, const char *value,
                             struct buf *why);
static int check_chat_service_sid(const char *name, const char *value,
                                  struct buf *why);
static int check_e164_list(const char *name, const char *value,
                           struct buf *why);
static int check_display_format(const char *name, const char *value,
                                struct buf *why);
static int check_smtp_url(const char *name, const char *value,
                          struct buf *why);
static int check_subject_format(const char *name, const char *value,
                                struct buf *why);
static int check_note_line(const char *name, const char *value,
                            struct buf *why);
static int check_reply_marker(const char *name, const char *value,
                              struct buf *why);

const struct config_param config_params[] = {
    /* Proxy addresses. */
    {"proxy_domains", CONFIG_LIST, "", 0, 0, NULL, check_domain_list,
     ALL_DAEMONS, OFF(proxy_domains),
     "domains of proxy addresses; the first is used for new ones"},
    {"address_keys_file", CONFIG_PATH, "/etc/postmask/address.keys", 0, 0,
     NULL, NULL, ALL_DAEMONS, OFF(address_keys_file),
     "file of \"KEYID SECRET\" lines that sign and verify proxy addresses"},

    /* Spool. */
    {"spool_directory", CONFIG_PATH, "/var/spool/postmask", 0, 0, NULL, NULL,
     0, OFF(spool_directory),
     "the durable job queue shared by the milter and the bridge"},
    {"job_minimal_backoff", CONFIG_TIME, "60s", 1, DAY, NULL, NULL, 0,
     OFF(minimal_backoff),
     "wait before the first retry of a failed job; doubles per attempt"},
    {"job_maximal_backoff", CONFIG_TIME, "1h", 1, 7 * DAY, NULL, NULL, 0,
     OFF(maximal_backoff), "longest wait between two attempts of a job"},
    {"job_maximal_lifetime", CONFIG_TIME, "5d", 60, 100 * DAY, NULL, NULL, 0,
     OFF(maximal_job_lifetime),
     "a job still failing after this long becomes a dead letter"},
    {"dedupe_lifetime", CONFIG_TIME, "7d", 60, 365 * DAY, NULL, NULL, 0,
     OFF(dedupe_lifetime),
     "how long a finished job's key still marks duplicates"},
    {"spool_sync_method", CONFIG_ENUM, "fsync", 0, 0, "fsync|syncfs", NULL,
     0, OFF(spool_sync_method),
     "how a batch of new jobs is made durable: fsync (each job file) or "
     "syncfs (the spool's whole file system, once a batch)"},

    /* Capturing replies. */
    {"capture_size_limit", CONFIG_SIZE, "10240000", 1024, 1024L * 1024 * 1024,
     NULL, NULL, 0, OFF(capture_size_limit),
     "largest message sent to a proxy address that is accepted"},
    {"attachment_size_limit", CONFIG_SIZE, "5242880", 0,
     1024L * 1024 * 1024, NULL, NULL, 0, OFF(attachment_size_limit),
     "largest attachment of a reply that is kept"},
    {"trusted_authserv_ids", CONFIG_LIST, "", 0, 0, NULL, NULL, 0,
     OFF(trusted_authserv_ids),
     "authserv-ids whose Authentication-Results are believed"},
    {"capture_rate_limit", CONFIG_INT, "60", 0, 1000000, NULL, NULL, 0,
     OFF(capture_rate_limit),
     "captures per conversation per hour; more get 450 (0: no limit)"},
    {"rcpt_failure_limit", CONFIG_INT, "20", 0, 1000000, NULL, NULL, 0,
     OFF(rcpt_failure_limit),
     "refused proxy recipients per client IP per minute (0: no limit)"},
    {"bounce_tag_lifetime", CONFIG_TIME, "7d", 3600, 365 * DAY, NULL, NULL,
     0, OFF(bounce_tag_lifetime),
     "how long the bounce tag of an outbound envelope sender is honoured"},

    /* Masking outbound mail. */
    {"masking_daemon_names", CONFIG_LIST, "postmask-masking", 0, 0, NULL,
     NULL, 0, OFF(masking_daemon_names),
     "Postfix {daemon_name} values of the masking listener(s)"},
    {"unmasked_senders", CONFIG_LIST, "", 0, 0, NULL, NULL, 0,
     OFF(unmasked_senders),
     "envelope senders whose mail may pass the masking listener unmasked"},
    {"mask_bodies", CONFIG_BOOL, "no", 0, 0, NULL, NULL, 0, OFF(mask_bodies),
     "also replace the seeker's address in text/plain and text/html parts"},
    {"masked_display_format", CONFIG_STRING, "", 0, 0, NULL,
     check_display_format, 0, OFF(masked_display_format),
     "display name of a masked address, with %s for the original name"},

    /* Daemons. */
    {"milter_listen", CONFIG_STRING,
     "unix:/var/spool/postfix/postmask/milter.sock", 0, 0, NULL,
     check_milter_listen, 0, OFF(milter_listen),
     "libmilter socket of postmask-milter (unix:PATH or inet:PORT@HOST)"},
    {"bridge_listen", CONFIG_STRING, "127.0.0.1:8025", 0, 0, NULL,
     check_host_port, 0, OFF(bridge_listen),
     "HOST:PORT of postmask-bridge's HTTP server"},
    {"webhook_listen", CONFIG_STRING, "127.0.0.1:8026", 0, 0, NULL,
     check_host_port, 0, OFF(webhook_listen),
     "HOST:PORT of the bridge's listener for Twilio's webhooks"},
    {"log_facility", CONFIG_ENUM, "mail", 0, 0,
     "mail|daemon|user|local0|local1|local2|local3|local4|local5|local6|local7",
     NULL, 0, OFF(log_facility), "syslog facility"},

    /* Twilio and the application API. */
    {"twilio_api_url", CONFIG_STRING, "https://conversations.twilio.com", 0,
     0, NULL, check_url, 0, OFF(twilio_api_url),
     "base URL of the Twilio Conversations REST API"},
    {"twilio_account_sid", CONFIG_STRING, "", 0, 0, NULL, check_account_sid,
     CONFIG_FOR_BRIDGE, OFF(twilio_account_sid),
     "Twilio account SID (AC...) or API key SID (SK...)"},
    {"twilio_auth_token_file", CONFIG_PATH, "/etc/postmask/twilio_auth_token",
     0, 0, NULL, NULL, 0, OFF(twilio_auth_token_file),
     "file holding the Twilio auth token (or API key secret)"},
    {"api_token_file", CONFIG_PATH, "/etc/postmask/api_token", 0, 0, NULL,
     NULL, 0, OFF(api_token_file),
     "file holding the bearer token of the application API"},
    {"twilio_media_url", CONFIG_STRING, "https://mcs.us1.twilio.com", 0, 0,
     NULL, check_url, 0, OFF(twilio_media_url),
     "base URL of Twilio's Media Content Service (MCS)"},
    {"twilio_messaging_service_sid", CONFIG_STRING, "", 0, 0, NULL,
     check_messaging_service_sid, 0, OFF(twilio_messaging_service_sid),
     "messaging service (MG...) of new conversations; empty: the default"},
    {"twilio_connect_timeout", CONFIG_TIME, "10s", 1, 300, NULL, NULL, 0,
     OFF(twilio_connect_timeout),
     "time limit for connecting to Twilio"},
    {"twilio_request_timeout", CONFIG_TIME, "30s", 1, 600, NULL, NULL, 0,
     OFF(twilio_request_timeout),
     "time limit for one Twilio request, connecting included"},
    {"twilio_retry_limit", CONFIG_INT, "5", 0, 20, NULL, NULL, 0,
     OFF(twilio_retry_limit),
     "retries of a Twilio request after a 429, 5xx, timeout or network error"},
    {"twilio_maximal_retry_delay", CONFIG_TIME, "30s", 1, 3600, NULL, NULL, 0,
     OFF(twilio_maximal_retry_delay),
     "longest wait between two tries of a Twilio request"},

    /* Starting conversations. */
    {"sms_proxy_numbers", CONFIG_LIST, "", 0, 0, NULL, check_e164_list, 0,
     OFF(sms_proxy_numbers),
     "Twilio numbers (E.164) that SMS seekers are given, as a pool"},
    {"whatsapp_proxy_numbers", CONFIG_LIST, "", 0, 0, NULL, check_e164_list,
     0, OFF(whatsapp_proxy_numbers),
     "Twilio WhatsApp senders (E.164) that WhatsApp seekers are given"},
    {"conversation_inactive_timer", CONFIG_TIME, "7d", 0, 365 * DAY, NULL,
     NULL, 0, OFF(conversation_inactive_timer),
     "Timers.Inactive of new conversations (0: none)"},
    {"conversation_closed_timer", CONFIG_TIME, "30d", 0, 365 * DAY, NULL,
     NULL, 0, OFF(conversation_closed_timer),
     "Timers.Closed of new conversations (0: none)"},

    /* Chat access tokens. */
    {"twilio_api_key_sid", CONFIG_STRING, "", 0, 0, NULL, check_api_key_sid,
     0, OFF(twilio_api_key_sid),
     "API key (SK...) that signs chat access tokens; empty: no chat tokens"},
    {"twilio_api_key_secret_file", CONFIG_PATH,
     "/etc/postmask/twilio_api_key_secret", 0, 0, NULL, NULL, 0,
     OFF(twilio_api_key_secret_file),
     "file holding the secret of twilio_api_key_sid"},
    {"twilio_chat_service_sid", CONFIG_STRING, "", 0, 0, NULL,
     check_chat_service_sid, 0, OFF(twilio_chat_service_sid),
     "Conversations service (IS...) that chat tokens grant"},
    {"chat_token_ttl", CONFIG_TIME, "1h", 180, DAY, NULL, NULL, 0,
     OFF(chat_token_ttl), "lifetime of a chat access token"},

    /* The bridge's HTTP server. */
    {"bridge_request_size_limit", CONFIG_SIZE, "65536", 1024,
     16L * 1024 * 1024, NULL, NULL, 0, OFF(bridge_request_size_limit),
     "largest request body the bridge accepts"},
    {"bridge_header_size_limit", CONFIG_SIZE, "16384", 1024, 1024L * 1024,
     NULL, NULL, 0, OFF(bridge_header_size_limit),
     "largest request line and headers the bridge accepts"},
    {"bridge_connection_limit", CONFIG_INT, "256", 1, 65536, NULL, NULL, 0,
     OFF(bridge_connection_limit),
     "most client connections the bridge serves at once"},
    {"bridge_client_timeout", CONFIG_TIME, "30s", 1, 3600, NULL, NULL, 0,
     OFF(bridge_client_timeout),
     "a client that sends nothing for this long is disconnected"},
    {"bridge_header_timeout", CONFIG_TIME, "10s", 1, 3600, NULL, NULL, 0,
     OFF(bridge_header_timeout),
     "time a client has for its request line and headers"},
    {"bridge_body_timeout", CONFIG_TIME, "30s", 1, 3600, NULL, NULL, 0,
     OFF(bridge_body_timeout), "time a client has for a request body"},
    {"bridge_client_connection_limit", CONFIG_INT, "32", 1, 65536, NULL,
     NULL, 0, OFF(bridge_client_connection_limit),
     "most connections one client address may hold at once"},

    /* Sync. */
    {"webhook_url", CONFIG_STRING, "", 0, 0, NULL, check_url, 0,
     OFF(webhook_url),
     "the public URL Twilio posts webhooks to, as Twilio signs it"},
    {"twilio_webhook_token_file", CONFIG_PATH, "", 0, 0, NULL, NULL, 0,
     OFF(twilio_webhook_token_file),
     "file holding the auth token that signs webhooks (empty: "
     "twilio_auth_token_file)"},
    {"smtp_submit_url", CONFIG_STRING, "smtp://127.0.0.1:10026", 0, 0, NULL,
     check_smtp_url, 0, OFF(smtp_submit_url),
     "Postfix's masking listener, where the bridge submits email"},
    {"smtp_submit_timeout", CONFIG_TIME, "60s", 1, 3600, NULL, NULL, 0,
     OFF(smtp_submit_timeout), "time limit for submitting one email"},
    {"email_subject_format", CONFIG_STRING, "Re: %s", 0, 0, NULL,
     check_subject_format, 0, OFF(email_subject_format),
     "Subject of emails to building contacts; %s is the listing title"},
    {"email_coalesce_delay", CONFIG_TIME, "60s", 0, 3600, NULL, NULL, 0,
     OFF(email_coalesce_delay),
     "seeker messages this close to each other go out as one email "
     "(0: each as soon as it comes)"},
    {"email_coalesce_limit", CONFIG_TIME, "5m", 0, DAY, NULL, NULL, 0,
     OFF(email_coalesce_limit),
     "longest the first message of a coalesced email waits for more"},
    {"email_context_messages", CONFIG_INT, "3", 0, 20, NULL, NULL, 0,
     OFF(email_context_messages),
     "earlier messages of the conversation quoted under the new ones"},
    {"email_rate_limit", CONFIG_INT, "20", 0, 1000, NULL, NULL, 0,
     OFF(email_rate_limit),
     "most emails per hour to one conversation's building contacts "
     "(0: no limit); above it messages wait and coalesce"},
    {"email_reply_marker", CONFIG_STRING,
     "Reply above this line to answer %s %c.", 0, 0, NULL,
     check_reply_marker, 0, OFF(email_reply_marker),
     "line above each email's content that ends a reply; %s is the "
     "seeker's name, %c how they read it (by SMS); empty: none"},
    {"email_loop_window", CONFIG_TIME, "10m", 0, DAY, NULL, NULL, 0,
     OFF(email_loop_window),
     "a reply whose text was posted from email this recently is held "
     "as a mail loop (0: no check)"},
    {"unauthenticated_sender_action", CONFIG_ENUM, "hold", 0, 0,
     "hold|post|reject", NULL, 0, OFF(unauthenticated_sender_action),
     "what happens to a reply not authenticated as the building contact"},
    {"reply_part_limit", CONFIG_INT, "5", 1, 100, NULL, NULL, 0,
     OFF(reply_part_limit),
     "most Twilio messages one reply is posted as; the rest is cut"},
    {"reply_cut_marker", CONFIG_STRING,
     "[The rest of this email was cut.]", 0, 0, NULL, check_note_line, 0,
     OFF(reply_cut_marker), "text that ends the last part of a cut reply"},
    {"inline_reply_note", CONFIG_STRING,
     "(Answered between the lines of your message.)", 0, 0, NULL,
     check_note_line, 0, OFF(inline_reply_note),
     "line put before a reply written between quoted lines; empty: none"},
    {"forwarded_part_note", CONFIG_STRING,
     "(A forwarded email was left out.)", 0, 0, NULL, check_note_line, 0,
     OFF(forwarded_part_note),
     "line put after a reply whose forwarded part was left out; empty: none"},
    {"auto_reply_action", CONFIG_ENUM, "ignore", 0, 0, "ignore|note", NULL, 0,
     OFF(auto_reply_action),
     "ignore auto-replies, or post a short note into the conversation"},
    {"participant_cache_limit", CONFIG_INT, "1000", 1, 1000000, NULL, NULL,
     0, OFF(participant_cache_limit),
     "most conversations whose participants the bridge keeps cached"},
    {"participant_cache_ttl", CONFIG_TIME, "5m", 0, DAY, NULL, NULL, 0,
     OFF(participant_cache_ttl),
     "how long a conversation's participants are cached (0: not cached)"},
    {"job_concurrency", CONFIG_INT, "16", 1, 1024, NULL, NULL, 0,
     OFF(job_concurrency), "spool jobs the bridge works on at once"},
    {"catchup_interval", CONFIG_TIME, "60s", 0, DAY, NULL, NULL, 0,
     OFF(catchup_interval),
     "how often the bridge looks for messages whose webhook it missed"},
    {"catchup_window", CONFIG_TIME, "7d", 60, 365 * DAY, NULL, NULL, 0,
     OFF(catchup_window),
     "conversations active within this long are caught up"},
    {"catchup_rate_limit", CONFIG_INT, "5", 1, 100, NULL, NULL, 0,
     OFF(catchup_rate_limit), "Twilio requests per second for catch-up"},
    {"catchup_minimal_age", CONFIG_TIME, "30s", 0, 3600, NULL, NULL, 0,
     OFF(catchup_minimal_age),
     "catch-up leaves younger messages to the webhook's bridge"},
};

const size_t config_param_count = sizeof(config_params) / sizeof(config_params[0]);

static const char *const ignored_names[] = {
    "smtpd_restriction_classes",    /* declares our names to postconf */
    NULL,
};

int config_param_ignored(const char *name)
{
    const char *const *cpp;

    for (cpp = ignored_names; *cpp; cpp++)
        if (strcmp(*cpp, name) == 0)
            return 1;
    return 0;
}

const struct config_param *config_param_find(const char *name)
{
    size_t i;

    for (i = 0; i < config_param_count; i++)
        if (strcmp(config_params[i].name, name) == 0)
            return &config_params[i];
    return NULL;
}

const char *config_type_name(enum config_type type)
{
    static const char *const names[] = {
        "string", "path", "list", "boolean", "integer", "time", "size",
        "enum",
    };

    return (size_t) type < sizeof(names) / sizeof(names[0])
        ? names[type] : "unknown";
}

/* A decimal number without sign; 0 or -1 (also on overflow). */
static int parse_number(const char *cp, const char **end, long *result)
{
    long n = 0;

    if (!isdigit((unsigned char) *cp))
        return -1;
    for (; isdigit((unsigned char) *cp); cp++) {
        if (n > (LONG_MAX - (*cp - '0')) / 10)
            return -1;
        n = n * 10 + (*cp - '0');
    }
    *end = cp;
    *result = n;
    return 0;
}

int config_parse_time(const char *value, long *seconds)
{
    const char *end;
    long n, unit = 1;

    if (parse_number(value, &end, &n) < 0)
        return -1;
    if (*end) {
        if (end[1] != '\0')
            return -1;
        switch (*end) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = DAY; break;
        case 'w': unit = 7 * DAY; break;
        default: return -1;
        }
    }
    if (n > LONG_MAX / unit)
        return -1;
    *seconds = n * unit;
    return 0;
}

int config_parse_bool(const char *value, int *result)
{
    if (strcasecmp(value, "yes") == 0)
        *result = 1;
    else if (strcasecmp(value, "no") == 0)
        *result = 0;
    else
        return -1;
    return 0;
}

void config_split_list(const char *value, size_t *count, char ***items)
{
    const char *cp = value;
    char **v = NULL;
    size_t n = 0;

    for (;;) {
        size_t len;

        cp += strspn(cp, ", \t\r\n");
        if (*cp == '\0')
            break;
        len = strcspn(cp, ", \t\r\n");
        v = xrealloc(v, (n + 1) * sizeof(*v));
        v[n++] = xstrndup(cp, len);
        cp += len;
    }
    *count = n;
    *items = v;
}

static int enum_has(const char *choices, const char *value)
{
    size_t len = strlen(value);
    const char *cp = choices;

    while (*cp) {
        size_t wlen = strcspn(cp, "|");

        if (wlen == len && strncmp(cp, value, len) == 0)
            return 1;
        cp += wlen + (cp[wlen] == '|');
    }
    return 0;
}

static void release_list(struct config_list *list)
{
    size_t i;

    for (i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

void config_param_release(const struct config_param *p, void *cfg)
{
    char *field = (char *) cfg + p->offset;

    switch (p->type) {
    case CONFIG_STRING:
    case CONFIG_PATH:
    case CONFIG_ENUM:
        free(*(char **) field);
        *(char **) field = NULL;
        break;
    case CONFIG_LIST:
        release_list((struct config_list *) field);
        break;
    default:
        break;
    }
}

int config_param_convert(const struct config_param *p, const char *value,
                         void *cfg, struct buf *why)
{
    char *field = (char *) cfg + p->offset;
    const char *end;
    long n = 0;
    int b;

    if (*value == '\0' && p->type != CONFIG_STRING && p->type != CONFIG_PATH
        && p->type != CONFIG_LIST) {
        buf_printf(why, "%s: empty value: expected %s %s", p->name,
                   p->type == CONFIG_INT ? "an" : "a",
                   config_type_name(p->type));
        return -1;
    }
    if (*value != '\0' && p->check != NULL && p->check(p->name, value, why) < 0)
        return -1;
    switch (p->type) {
    case CONFIG_PATH:
        if (*value != '\0' && *value != '/') {
            buf_printf(why, "%s: \"%s\" is not an absolute path name",
                       p->name, value);
            return -1;
        }
        /* FALLTHROUGH */
    case CONFIG_STRING:
        config_param_release(p, cfg);
        *(char **) field = xstrdup(value);
        return 0;
    case CONFIG_ENUM:
        if (!enum_has(p->choices, value)) {
            buf_printf(why, "%s: \"%s\" is not one of: %s", p->name, value,
                       p->choices);
            return -1;
        }
        config_param_release(p, cfg);
        *(char **) field = xstrdup(value);
        return 0;
    case CONFIG_LIST:
        config_param_release(p, cfg);
        config_split_list(value, &((struct config_list *) field)->count,
                          &((struct config_list *) field)->items);
        return 0;
    case CONFIG_BOOL:
        if (config_parse_bool(value, &b) < 0) {
            buf_printf(why, "%s: \"%s\" is not yes or no", p->name, value);
            return -1;
        }
        *(int *) field = b;
        return 0;
    case CONFIG_INT:
    case CONFIG_SIZE:
        if (parse_number(value, &end, &n) < 0 || *end != '\0') {
            buf_printf(why, "%s: \"%s\" is not a whole number%s", p->name,
                       value, p->type == CONFIG_SIZE ? " of bytes" : "");
            return -1;
        }
        break;
    case CONFIG_TIME:
        if (config_parse_time(value, &n) < 0) {
            buf_printf(why, "%s: \"%s\" is not a time (a number with unit "
                       "s, m, h, d or w)", p->name, value);
            return -1;
        }
        break;
    }
    if (n < p->min || n > p->max) {
        buf_printf(why, "%s: %s is out of range: %ld%s to %ld%s", p->name,
                   value, p->min, p->type == CONFIG_TIME ? "s" : "", p->max,
                   p->type == CONFIG_TIME ? "s" : "");
        return -1;
    }
    *(long *) field = n;
    return 0;
}

/* unix:/path, local:/path, inet:port@host, inet6:port@host, inet:port */
static int check_milter_listen(const char *name, const char *value,
                               struct buf *why)
{
    const char *colon = strchr(value, ':');
    size_t plen = colon ? (size_t) (colon - value) : 0;
    const char *rest = colon ? colon + 1 : "";
    const char *cp;
    long port;

    if ((plen == 4 && strncmp(value, "unix", 4) == 0)
        || (plen == 5 && strncmp(value, "local", 5) == 0)) {
        if (*rest != '/') {
            buf_printf(why, "%s: \"%s\": a unix socket needs an "
                       "absolute path (unix:/path)", name, value);
            return -1;
        }
        return 0;
    }
    if ((plen == 4 && strncmp(value, "inet", 4) == 0)
        || (plen == 5 && strncmp(value, "inet6", 5) == 0)) {
        if (parse_number(rest, &cp, &port) == 0 && port > 0 && port < 65536
            && (*cp == '\0' || (*cp == '@' && cp[1] != '\0')))
            return 0;
        buf_printf(why, "%s: \"%s\": expected inet:PORT@HOST with "
                   "a port from 1 to 65535", name, value);
        return -1;
    }
    buf_printf(why, "%s: \"%s\": expected unix:/path or "
               "inet:PORT@HOST", name, value);
    return -1;
}

/* HOST:PORT or [IPV6]:PORT */
static int check_host_port(const char *name, const char *value,
                           struct buf *why)
{
    const char *colon = strrchr(value, ':');
    const char *end;
    long port;

    if (colon != NULL && colon != value
        && (value[0] != '[' || colon[-1] == ']')
        && parse_number(colon + 1, &end, &port) == 0 && *end == '\0'
        && port >= 0 && port < 65536
        && (value[0] == '[' || memchr(value, ':', (size_t) (colon - value)) == NULL))
        return 0;
    buf_printf(why, "%s: \"%s\": expected HOST:PORT with a port "
               "from 0 to 65535", name, value);
    return -1;
}

static int check_url(const char *name, const char *value,
                     struct buf *why)
{
    if ((strncmp(value, "https://", 8) == 0 && value[8] != '\0')
        || (strncmp(value, "http://", 7) == 0 && value[7] != '\0'))
        if (strpbrk(value, " \t\"<>\\") == NULL)
            return 0;
    buf_printf(why, "%s: \"%s\" is not an http:// or https:// URL",
               name, value);
    return -1;
}

static int check_account_sid(const char *name, const char *value,
                             struct buf *why)
{
    if (twilio_sid_valid(value, "AC") || twilio_sid_valid(value, "SK"))
        return 0;
    buf_printf(why, "%s: \"%s\" is not an account SID (AC "
               "and 32 hex digits) or an API key SID (SK and 32 hex digits)",
               name, value);
    return -1;
}

/* Each item a DNS name: labels of letters, digits and '-', dot-separated. */
static int check_domain_list(const char *name, const char *value,
                             struct buf *why)
{
    char **items;
    size_t count, i;
    int ret = 0;

    config_split_list(value, &count, &items);
    for (i = 0; i < count; i++) {
        const char *cp = items[i];
        size_t label = 0, len = strlen(cp);
        int ok = len > 0 && len <= 253;

        for (; ok && *cp; cp++) {
            if (*cp == '.') {
                ok = label > 0 && cp[-1] != '-';
                label = 0;
            } else if (isascii((unsigned char) *cp)
                       && (isalnum((unsigned char) *cp) || *cp == '-')) {
                ok = ++label <= 63 && !(label == 1 && *cp == '-');
            } else {
                ok = 0;
            }
        }
        if (!ok || label == 0) {
            buf_printf(why, "%s: \"%s\" is not a domain name",
                       name, items[i]);
            ret = -1;
            break;
        }
    }
    for (i = 0; i < count; i++)
        free(items[i]);
    free(items);
    return ret;
}

/* Exactly one "%s" and no other '%'; printable, no '"' or '\\'. */
static int check_display_format(const char *name, const char *value,
                                struct buf *why)
{
    const char *first = strstr(value, "%s");
    const char *cp;

    if (first == NULL || strstr(first + 2, "%s") != NULL) {
        buf_printf(why, "%s: \"%s\" must contain %%s "
                   "exactly once (the original display name)", name, value);
        return -1;
    }
    for (cp = value; *cp; cp++) {
        if ((*cp == '%' && cp != first) || *cp == '"' || *cp == '\\'
            || (unsigned char) *cp < 0x20) {
            buf_printf(why, "%s: \"%s\": only one %%s, "
                       "and no other '%%', '\"', '\\' or control characters",
                       name, value);
            return -1;
        }
    }
    return 0;
}

/* PREFIX and 32 hex digits. */
static int check_sid(const char *name, const char *value, const char *prefix,
                     const char *what, struct buf *why)
{
    if (twilio_sid_valid(value, prefix))
        return 0;
    buf_printf(why, "%s: \"%s\" is not %s SID (%s and 32 hex digits)",
               name, value, what, prefix);
    return -1;
}

static int check_messaging_service_sid(const char *name, const char *value,
                                       struct buf *why)
{
    return check_sid(name, value, "MG", "a messaging service", why);
}

static int check_api_key_sid(const char *name, const char *value,
                             struct buf *why)
{
    return check_sid(name, value, "SK", "an API key", why);
}

static int check_chat_service_sid(const char *name, const char *value,
                                  struct buf *why)
{
    return check_sid(name, value, "IS", "a Conversations service", why);
}

/* Each item +E.164: a plus, a non-zero digit, then 6 to 14 digits. */
static int check_e164_list(const char *name, const char *value,
                           struct buf *why)
{
    char **items;
    size_t count, i, n;
    int ret = 0;

    config_split_list(value, &count, &items);
    for (i = 0; i < count; i++) {
        const char *cp = items[i];

        n = strspn(cp + 1, "0123456789");
        if (cp[0] != '+' || cp[1] < '1' || cp[1] > '9' || cp[1 + n] != '\0'
            || n < 7 || n > 15) {
            buf_printf(why, "%s: \"%s\" is not a phone number in E.164 "
                       "form (+ and 7 to 15 digits)", name, cp);
            ret = -1;
        }
    }
    for (i = 0; i < count; i++)
        free(items[i]);
    free(items);
    return ret;
}

static int check_smtp_url(const char *name, const char *value,
                          struct buf *why)
{
    if ((strncmp(value, "smtp://", 7) == 0 && value[7] != '\0')
        || (strncmp(value, "smtps://", 8) == 0 && value[8] != '\0'))
        if (strpbrk(value, " \t\"<>\\") == NULL)
            return 0;
    buf_printf(why, "%s: \"%s\" is not an smtp:// or smtps:// URL", name,
               value);
    return -1;
}

/* At most one %s, no other '%' but "%%", no control characters. */
static int check_subject_format(const char *name, const char *value,
                                struct buf *why)
{
    const char *cp;
    int conversions = 0;

    for (cp = value; *cp; cp++) {
        if ((unsigned char) *cp < 0x20 || *cp == 0x7f)
            break;
        if (*cp != '%')
            continue;
        if (cp[1] == 's' && ++conversions == 1)
            cp++;
        else if (cp[1] == '%')
            cp++;
        else
            break;
    }
    if (*cp == '\0')
        return 0;
    buf_printf(why, "%s: \"%s\": at most one %%s (the listing title), "
               "%%%% for a percent sign, and no control characters", name,
               value);
    return -1;
}

/* A line of text, short enough to leave most of a Twilio message. */
static int check_note_line(const char *name, const char *value,
                            struct buf *why)
{
    const char *cp;

    for (cp = value; *cp; cp++)
        if ((unsigned char) *cp < 0x20 || *cp == 0x7f)
            break;
    if (*cp == '\0' && cp - value <= 200 && utf8_valid(value, strlen(value)))
        return 0;
    buf_printf(why, "%s: at most 200 bytes of UTF-8 text on one line, "
               "without control characters", name);
    return -1;
}

static int check_reply_marker(const char *name, const char *value,
                              struct buf *why)
{
    struct buf *detail = buf_create(128);
    int ret = reply_marker_check(value, detail);

    if (ret < 0)
        buf_printf(why, "%s: \"%s\": %s", name, value, detail->data);
    buf_free(detail);
    return ret;
}
