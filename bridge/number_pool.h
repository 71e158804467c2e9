/* SPDX-License-Identifier: Apache-2.0 */
/*
 * number_pool - the order in which a person's proxy numbers are tried.
 *
 * Twilio lets an (Address, ProxyAddress) pair be in only one open
 * conversation (error 50416), so a person talking in several conversations
 * needs a different Twilio number in each.  The bridge tries the numbers of
 * a pool (sms_proxy_numbers, whatsapp_proxy_numbers) in an order fixed per
 * person: starting at SHA-256(person id) modulo the pool size and going
 * round.  Different people thus start on different numbers (the load
 * spreads), and the same person always tries the same sequence, so a
 * conversation re-started after a crash finds the number it had.
 *
 * number_pool_order() writes count indexes into order (the caller's array of
 * at least count entries).
 */
#ifndef POSTMASK_NUMBER_POOL_H
#define POSTMASK_NUMBER_POOL_H

#include <stddef.h>

void number_pool_order(size_t count, const char *person_id, size_t *order);

#endif
