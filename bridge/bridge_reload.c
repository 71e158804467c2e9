/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge_reload - reload main.cf, the address keys and the secrets; see
 * bridge_reload.h.
 */
#include <string.h>

#include "address_keys.h"
#include "bridge_reload.h"
#include "config_reload.h"
#include "msg.h"
#include "service_notify.h"
#include "twilio_client.h"

/*
 * The parameters postmask-bridge builds into what it creates once at
 * start-up: a reload keeps their running values (a change waits for a
 * restart).  Every other parameter the bridge uses is read through br->cfg
 * when it is needed, and so changes with a reload: webhook_url, the proxy
 * domains and numbers, the conversation timers, the messaging service,
 * chat tokens, the email and reply formats and policies, attachment and
 * reply limits, dedupe_lifetime (each expiry pass), participant_cache_ttl
 * and _limit (each lookup), catchup_window, _rate_limit and _minimal_age
 * (each pass), and the files of the keys and the secrets (read again).
 * Keep this list in step with docs/postmask-bridge.8 (SIGNALS).
 */
static const char *const restart_only[] = {
    /* The two HTTP servers: their sockets, bound before detaching, and
     * their limits and timeouts, copied into evhttp (create_http()). */
    "bridge_listen",
    "webhook_listen",
    "bridge_request_size_limit",
    "bridge_header_size_limit",
    "bridge_connection_limit",
    "bridge_client_timeout",
    "bridge_header_timeout",
    "bridge_body_timeout",
    "bridge_client_connection_limit",
    /* The spool: opened once, watched by inotify (job_runner), holding
     * catch-up's records, written by the spool writer's thread; its policy
     * and sync method are set into it once (spool_configure()) and that
     * thread reads them. */
    "spool_directory",
    "job_minimal_backoff",
    "job_maximal_backoff",
    "job_maximal_lifetime",
    "spool_sync_method",
    /* The job runner sizes its list of ready jobs by it (job_runner_create). */
    "job_concurrency",
    /* Catch-up off (0) creates no timers and no records at start. */
    "catchup_interval",
    /* The Twilio client copies its URLs, username, timeouts and retry policy
     * (create_twilio()); only its password follows a reload. */
    "twilio_api_url",
    "twilio_media_url",
    "twilio_account_sid",
    "twilio_connect_timeout",
    "twilio_request_timeout",
    "twilio_retry_limit",
    "twilio_maximal_retry_delay",
    /* The SMTP submitter and its threads copy them (sync_email_init()). */
    "smtp_submit_url",
    "smtp_submit_timeout",
    /* Set into the logger at start-up (program_start()). */
    "log_facility",
    NULL,
};

/*
 * Puts next, keys and secrets in place and frees what they replace.  The
 * running objects are borrowed by no one past the current callback
 * (bridge.h), so they go at once.
 */
static void swap_in(struct bridge *br, struct config *next,
                    struct address_keys *keys, struct bridge_secrets *secrets)
{
    /* struct bridge lends them const; main() and this file own them. */
    struct config *old_cfg = (struct config *) br->cfg;
    struct address_keys *old_keys = (struct address_keys *) br->keys;

    br->cfg = next;
    br->keys = keys;
    bridge_secrets_free(&br->secrets);
    br->secrets = *secrets;
    memset(secrets, 0, sizeof(*secrets));
    if (br->twilio != NULL)
        twilio_client_set_password(br->twilio, br->secrets.twilio_auth_token);
    config_free(old_cfg);
    address_keys_free(old_keys);
}

/* Reads all that a reload replaces; 0, or -1 with why and nothing kept. */
static int load_all(const char *dir, struct config **cfg,
                    struct address_keys **keys, struct bridge_secrets *secrets,
                    struct buf *why)
{
    if ((*cfg = config_load(dir, CONFIG_FOR_BRIDGE, why)) == NULL) {
        config_why_line(why);
        return -1;
    }
    if ((*keys = address_keys_load((*cfg)->address_keys_file, why)) == NULL
        || bridge_secrets_read(*cfg, secrets, why) < 0) {
        address_keys_free(*keys);
        config_free(*cfg);
        *keys = NULL;
        *cfg = NULL;
        return -1;
    }
    return 0;
}

int bridge_reload(struct bridge *br)
{
    struct buf *why = buf_create(256), *kept = buf_create(128);
    struct config *next;
    struct address_keys *keys;
    struct bridge_secrets secrets;
    int ret;

    service_reloading();
    memset(&secrets, 0, sizeof(secrets));
    if ((ret = load_all(br->cfg->config_directory, &next, &keys, &secrets,
                        why)) < 0) {
        msg_warn("reload failed: %s; keeping the running configuration",
                 why->data);
    } else {
        config_keep_running(next, br->cfg, restart_only, kept);
        swap_in(br, next, keys, &secrets);
        config_warn_kept(kept);
        msg_info("reload: config %s, %zu proxy domain(s), %zu address key(s)",
                 br->cfg->config_file, br->cfg->proxy_domains.count,
                 br->keys->count);
    }
    service_ready("serving");
    buf_free(kept);
    buf_free(why);
    return ret;
}

void bridge_release(struct bridge *br)
{
    config_free((struct config *) br->cfg);
    address_keys_free((struct address_keys *) br->keys);
    bridge_secrets_free(&br->secrets);
    br->cfg = NULL;
    br->keys = NULL;
}
