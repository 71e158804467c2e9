/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_settings - the configuration, keys and capture options that a
 * reload replaces, shared by reference count; see milter.h.
 */
#include <stdlib.h>

#include "milter.h"
#include "msg.h"
#include "xalloc.h"

struct milter_settings *milter_settings_create(struct config *cfg,
                                               struct address_keys *keys)
{
    struct milter_settings *set = xcalloc(1, sizeof(*set));

    set->cfg = cfg;
    set->keys = keys;
    set->capture.attachment_size_limit = (size_t) cfg->attachment_size_limit;
    set->capture.trusted_authserv_ids = cfg->trusted_authserv_ids.items;
    set->capture.trusted_authserv_count = cfg->trusted_authserv_ids.count;
    set->capture.reply_marker = cfg->email_reply_marker;
    if (cfg->trusted_authserv_ids.count == 0)
        msg_warn("trusted_authserv_ids is empty: no reply can be "
                 "authenticated as its building contact's; every reply "
                 "follows unauthenticated_sender_action");
    return set;
}

static void settings_free(struct milter_settings *set)
{
    address_keys_free(set->keys);
    config_free(set->cfg);
    free(set);
}

/* Drops one reference; returns the object when that was the last. */
static struct milter_settings *unref(struct milter_settings *set)
{
    if (set->refs == 0)
        msg_panic("milter_settings: released more often than acquired");
    return --set->refs == 0 ? set : NULL;
}

void milter_settings_install(struct milter_settings *set)
{
    struct milter_settings *old, *done = NULL;

    set->refs = 1;                      /* the context's */
    pthread_mutex_lock(&milter_ctx->lock);
    old = milter_ctx->settings;
    milter_ctx->settings = set;
    if (old != NULL)
        done = unref(old);
    pthread_mutex_unlock(&milter_ctx->lock);
    if (done != NULL)
        settings_free(done);
}

const struct milter_settings *milter_settings_acquire(void)
{
    struct milter_settings *set;

    pthread_mutex_lock(&milter_ctx->lock);
    set = milter_ctx->settings;
    set->refs++;
    pthread_mutex_unlock(&milter_ctx->lock);
    return set;
}

void milter_settings_release(const struct milter_settings *cset)
{
    /* The const is for the users; the count is the owner's. */
    struct milter_settings *set = (struct milter_settings *) cset, *done;

    if (set == NULL)
        return;
    pthread_mutex_lock(&milter_ctx->lock);
    done = unref(set);
    pthread_mutex_unlock(&milter_ctx->lock);
    if (done != NULL)
        settings_free(done);
}
