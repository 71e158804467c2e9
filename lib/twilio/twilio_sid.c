/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_sid - check Twilio resource SIDs; see twilio_sid.h.
 */
#include <ctype.h>
#include <string.h>

#include "twilio_sid.h"

int twilio_sid_valid(const char *sid, const char *prefix)
{
    size_t i;

    if (sid == NULL || strncmp(sid, prefix, 2) != 0)
        return 0;
    for (i = 2; i < TWILIO_SID_LEN; i++)
        if (!isxdigit((unsigned char) sid[i]))
            return 0;
    return sid[TWILIO_SID_LEN] == '\0';
}
