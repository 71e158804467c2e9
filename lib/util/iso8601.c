/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iso8601 - UTC timestamps in Twilio's form; see iso8601.h.
 */
#include <string.h>
#include <time.h>

#include "iso8601.h"

void iso8601_format(time_t t, char out[ISO8601_SIZE])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, ISO8601_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int iso8601_parse(const char *text, time_t *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (text == NULL || strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return -1;
    *t = timegm(&tm);
    return 0;
}
