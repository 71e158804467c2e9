/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_sid - Twilio resource SIDs: two letters that name the kind of
 * resource ("CH" a conversation, "IM" a message, "MB" a participant, "AC"
 * an account, "SK" an API key, ...) and 32 hexadecimal digits, either case.
 *
 * twilio_sid_valid() tells whether sid is exactly that, with the given
 * two-letter prefix; a NULL sid is not.
 */
#ifndef POSTMASK_TWILIO_SID_H
#define POSTMASK_TWILIO_SID_H

#define TWILIO_SID_LEN  34

int twilio_sid_valid(const char *sid, const char *prefix);

#endif
