/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_config - applies main.cf's spool parameters (job_minimal_backoff,
 * job_maximal_backoff, job_maximal_lifetime, spool_sync_method) to an open
 * spool, the same way in every program that opens one.  The configuration
 * was checked when it was loaded, so nothing here can fail.
 */
#ifndef POSTMASK_SPOOL_CONFIG_H
#define POSTMASK_SPOOL_CONFIG_H

#include "config.h"
#include "spool.h"

void spool_configure(struct spool *spool, const struct config *cfg);

#endif
