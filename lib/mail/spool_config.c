/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_config - main.cf's spool parameters onto a spool; see
 * spool_config.h.
 */
#include "msg.h"
#include "spool_config.h"

void spool_configure(struct spool *spool, const struct config *cfg)
{
    struct spool_policy policy;
    enum spool_sync sync;

    policy.minimal_backoff = cfg->minimal_backoff;
    policy.maximal_backoff = cfg->maximal_backoff;
    policy.maximal_lifetime = cfg->maximal_job_lifetime;
    spool_set_policy(spool, &policy);
    if (spool_sync_parse(cfg->spool_sync_method, &sync) < 0)
        msg_panic("spool_sync_method \"%s\" passed the configuration check",
                  cfg->spool_sync_method);
    spool_set_sync(spool, sync);
}
