/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_config - Twilio's global webhook configuration,
 * /v1/Configuration/Webhooks: where and for which events the post-event
 * webhooks go, changed at run time the way an operator changes it at
 * Twilio (FACTS.md section 1.5).
 *
 *   GET  /v1/Configuration/Webhooks   FetchConfigurationWebhook
 *   POST /v1/Configuration/Webhooks   UpdateConfigurationWebhook
 *
 * Both answer 200 with Twilio's configuration_webhook JSON: account_sid,
 * method ("POST"), filters, pre_webhook_url (null), post_webhook_url (or
 * null), target ("webhook"), url.  The state is si->webhook_url (the
 * post-event URL, initially -w) and si->webhook_filters (a JSON array of
 * event names, initially ["onMessageAdded"]).  An update is checked whole
 * before anything changes; it sets what it is given:
 *   PostWebhookUrl  an http:// URL (si_webhook_url_ok()); empty clears it
 *   Filters         repeated; replaces the list; names from Twilio's list
 *   Method          POST only: the stand-in sends POST webhooks
 *   Target          webhook only: no Flex
 *   PreWebhookUrl   empty only: the stand-in sends no pre-event webhooks
 * Anything else is refused with 400, code 20001, before any change.  The
 * form itself was validated against the derived spec first.
 *
 * si_config_fires() says whether an event's post-event webhook is sent
 * now: a URL is set and the filters name the event (Twilio: "events not
 * configured here will not fire").
 *
 * Ownership: si_config_init() sets the initial filters, si_config_free()
 * frees them.  An update replaces si->webhook_url (freeing the old one);
 * main frees the last one at exit.
 */
#ifndef STANDIN_CONFIG_H
#define STANDIN_CONFIG_H

#include "standin.h"
#include "standin_server.h"

void si_config_init(struct standin *si);
void si_config_free(struct standin *si);

int si_config_fires(const struct standin *si, const char *event);

void si_config_fetch(struct si_req *r);
void si_config_update(struct si_req *r);

#endif
