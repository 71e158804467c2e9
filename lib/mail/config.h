/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config - postmask's configuration: DIR/main.cf in Postfix's main.cf syntax.
 *
 * config_load() reads DIR/main.cf (see config_parse.h for the syntax),
 * expands $name references (config_expand.h), checks every name against the
 * one parameter table (config_params.h), converts and range-checks every
 * value, and checks that the parameters the running program needs are set.
 * Errors name the file, the line and the parameter.  It returns a config the
 * caller frees with config_free(), or NULL with every error in why (one per
 * line).  Secrets are not read here: their files are read by whoever needs
 * them, through secret_file.h.
 *
 * The program masks say who needs a parameter: a parameter marked
 * CONFIG_FOR_MILTER is required when prog is CONFIG_FOR_MILTER, and so on.
 */
#ifndef POSTMASK_CONFIG_H
#define POSTMASK_CONFIG_H

#include <stddef.h>

#include "buf.h"

#define CONFIG_DIR_DEFAULT  "/etc/postmask"

/* Programs, for "required by". */
#define CONFIG_FOR_MILTER   (1u << 0)
#define CONFIG_FOR_BRIDGE   (1u << 1)
#define CONFIG_FOR_CTL      (1u << 2)

struct config_list {
    size_t count;
    char **items;               /* owned, count entries */
};

struct config {
    char *config_directory;     /* DIR */
    char *config_file;          /* DIR/main.cf */

    /* Addresses. */
    struct config_list proxy_domains;
    char *address_keys_file;

    /* Spool. */
    char *spool_directory;
    long minimal_backoff;       /* seconds */
    long maximal_backoff;       /* seconds */
    long maximal_job_lifetime;  /* seconds */
    long dedupe_lifetime;       /* seconds */
    char *spool_sync_method;    /* "fsync" or "syncfs" */

    /* Capturing replies (milter, inbound). */
    long capture_size_limit;    /* bytes */
    long attachment_size_limit; /* bytes */
    struct config_list trusted_authserv_ids;
    long capture_rate_limit;        /* captures per conversation per hour; 0: none */
    long rcpt_failure_limit;        /* refused proxy RCPTs per client IP per minute; 0: none */
    long bounce_tag_lifetime;       /* seconds a bounce tag stays valid */

    /* Masking outbound mail (milter, masking listener). */
    struct config_list masking_daemon_names;
    struct config_list unmasked_senders;
    int mask_bodies;
    char *masked_display_format;

    /* Daemons. */
    char *milter_listen;
    char *bridge_listen;
    char *webhook_listen;           /* Twilio's webhooks; "" on bridge_listen */
    char *log_facility;

    /* Twilio and the application API. */
    char *twilio_api_url;
    char *twilio_account_sid;
    char *twilio_auth_token_file;
    char *api_token_file;
    char *twilio_media_url;
    char *twilio_messaging_service_sid;     /* MG...; "" when none */
    long twilio_connect_timeout;    /* seconds */
    long twilio_request_timeout;    /* seconds */
    long twilio_retry_limit;        /* retries after the first attempt */
    long twilio_maximal_retry_delay;        /* seconds */

    /* Starting conversations. */
    struct config_list sms_proxy_numbers;       /* +E.164 */
    struct config_list whatsapp_proxy_numbers;  /* +E.164, no "whatsapp:" */
    long conversation_inactive_timer;   /* seconds; 0: none */
    long conversation_closed_timer;     /* seconds; 0: none */

    /* Chat access tokens. */
    char *twilio_api_key_sid;       /* SK...; "" when chat tokens are off */
    char *twilio_api_key_secret_file;
    char *twilio_chat_service_sid;  /* IS... */
    long chat_token_ttl;            /* seconds */

    /* The bridge's HTTP server. */
    long bridge_request_size_limit;     /* bytes of a request body */
    long bridge_header_size_limit;      /* bytes of all request headers */
    long bridge_connection_limit;       /* concurrent client connections */
    long bridge_client_timeout;         /* seconds of client inactivity */
    long bridge_header_timeout;         /* seconds for request line and headers */
    long bridge_body_timeout;           /* seconds for a request body */
    long bridge_client_connection_limit;    /* connections per client address */

    /* Sync: Twilio webhooks to email, captured replies to Twilio. */
    char *webhook_url;              /* "" when webhooks are refused */
    char *twilio_webhook_token_file;    /* "": twilio_auth_token_file */
    char *smtp_submit_url;
    long smtp_submit_timeout;       /* seconds */
    char *email_subject_format;     /* with one %s */
    long email_coalesce_delay;      /* seconds of quiet that end a batch; 0: none */
    long email_coalesce_limit;      /* seconds a batch stays open at most */
    long email_context_messages;    /* earlier messages quoted in an email */
    long email_rate_limit;          /* emails per conversation and hour; 0: no limit */
    char *email_reply_marker;       /* reply_marker.h; "": none */
    long email_loop_window;         /* seconds; 0: no loop guard */
    char *unauthenticated_sender_action;    /* hold | post | reject */
    long reply_part_limit;          /* Twilio messages one reply becomes */
    char *reply_cut_marker;         /* ends the last part of a cut reply */
    char *inline_reply_note;        /* before an inline reply; "": none */
    char *forwarded_part_note;      /* after a reply whose forward went */
    char *auto_reply_action;        /* ignore | note */
    long participant_cache_ttl;     /* seconds */
    long participant_cache_limit;   /* conversations cached, at most */
    long job_concurrency;           /* jobs worked on at once */
    long catchup_interval;          /* seconds between catch-ups; 0: none */
    long catchup_window;            /* seconds back a conversation counts */
    long catchup_rate_limit;        /* Twilio requests per second */
    long catchup_minimal_age;       /* seconds a message waits for its webhook */

    /* Private to config.c: expanded text of each parameter, by table index. */
    char **texts;
};

struct config *config_load(const char *dir, unsigned prog, struct buf *why);
/* The same for text already in memory, as if it were DIR/main.cf. */
struct config *config_load_text(const char *dir, const char *text,
                                size_t len, unsigned prog, struct buf *why);
void config_free(struct config *cfg);

/*
 * config_value_text() returns the expanded text of one parameter as loaded
 * (what `postconf -c DIR -x -h NAME` prints), or NULL for an unknown name.
 * The string belongs to cfg.
 */
const char *config_value_text(const struct config *cfg, const char *name);

/* The syslog facility that log_facility names. */
int config_log_facility(const struct config *cfg);

#endif
