/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge_secrets - read postmask-bridge's secret files; see
 * bridge_secrets.h.
 */
#include <string.h>

#include "bridge_secrets.h"
#include "secret_file.h"
#include "xalloc.h"

/* Reads the secret file that parameter name names; 0, or -1 with why. */
static int read_one(const char *name, const char *path, char **out,
                    size_t *len, struct buf *why)
{
    struct buf *reason = buf_create(128);
    int ret;

    if ((ret = secret_file_read(path, SECRET_FILE_MAX, out, len, reason)) < 0)
        buf_printf(why, "%s: %s", name, reason->data);
    buf_free(reason);
    return ret;
}

int bridge_secrets_read(const struct config *cfg, struct bridge_secrets *out,
                        struct buf *why)
{
    struct bridge_secrets s;
    int ret;

    memset(&s, 0, sizeof(s));
    memset(out, 0, sizeof(*out));
    ret = read_one("twilio_auth_token_file", cfg->twilio_auth_token_file,
                   &s.twilio_auth_token, &s.twilio_auth_token_len, why);
    if (ret == 0)
        ret = read_one("api_token_file", cfg->api_token_file, &s.api_token,
                       &s.api_token_len, why);
    if (ret == 0 && *cfg->twilio_webhook_token_file != '\0')
        ret = read_one("twilio_webhook_token_file",
                       cfg->twilio_webhook_token_file, &s.webhook_token,
                       &s.webhook_token_len, why);
    else if (ret == 0) {
        /* The auth token signs them: the same bytes, not a second read
         * that a rotation in between could make differ. */
        s.webhook_token = xmemdup(s.twilio_auth_token,
                                  s.twilio_auth_token_len + 1);
        s.webhook_token_len = s.twilio_auth_token_len;
    }
    if (ret == 0 && *cfg->twilio_api_key_sid != '\0')
        ret = read_one("twilio_api_key_secret_file",
                       cfg->twilio_api_key_secret_file, &s.api_key_secret,
                       &s.api_key_secret_len, why);
    if (ret < 0) {
        bridge_secrets_free(&s);
        return -1;
    }
    *out = s;
    return 0;
}

void bridge_secrets_free(struct bridge_secrets *secrets)
{
    secret_free(secrets->api_token, secrets->api_token_len);
    secret_free(secrets->twilio_auth_token, secrets->twilio_auth_token_len);
    secret_free(secrets->api_key_secret, secrets->api_key_secret_len);
    secret_free(secrets->webhook_token, secrets->webhook_token_len);
    memset(secrets, 0, sizeof(*secrets));
}
