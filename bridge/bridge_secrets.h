/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bridge_secrets - the secret files postmask-bridge reads, at start-up and
 * again on every reload (bridge_reload.h), through one reader.
 *
 * bridge_secrets_read() reads every secret that cfg names: the API token
 * (api_token_file), the Twilio auth token (twilio_auth_token_file), the
 * token that signs Twilio's webhooks (twilio_webhook_token_file, or the
 * auth token file when that is empty) and, when twilio_api_key_sid is set,
 * the API key secret (twilio_api_key_secret_file), each through
 * secret_file_read() (secret_file.h: no access for "other", 1 byte to
 * SECRET_FILE_MAX).  It returns 0 with all of them in *out, or -1 with
 * "PARAMETER: reason" in why (the reason names the file) and *out left
 * empty: nothing is kept of a set that could not be read whole.  It never
 * stops the program; the caller decides (start-up stops, a reload keeps
 * the running secrets).
 *
 * Ownership: *out owns its strings; bridge_secrets_free() wipes and frees
 * them (secret_free()) and empties *out; it may be called on an empty set.
 * Lengths exclude the terminating NUL.  Nothing here is ever logged.
 */
#ifndef POSTMASK_BRIDGE_SECRETS_H
#define POSTMASK_BRIDGE_SECRETS_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

struct bridge_secrets {
    char *api_token;            /* the application's bearer token */
    size_t api_token_len;
    char *twilio_auth_token;    /* the Twilio client's password */
    size_t twilio_auth_token_len;
    char *api_key_secret;       /* NULL when chat tokens are off */
    size_t api_key_secret_len;
    char *webhook_token;        /* signs webhooks; twilio_webhook_token_file */
    size_t webhook_token_len;
};

int bridge_secrets_read(const struct config *cfg, struct bridge_secrets *out,
                        struct buf *why);
void bridge_secrets_free(struct bridge_secrets *secrets);

#endif
