/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter_reply - the smfi_* calls postmask-milter makes, each logging its
 * failure with the queue ID (as OpenDKIM's wrappers do), and a safe SMTP
 * reply text.
 */
#include <string.h>

#include "milter.h"
#include "msg.h"

const char *milter_queue_id(SMFICTX *ctx)
{
    const char *id = smfi_getsymval(ctx, "i");

    return id && *id ? id : "NOQUEUE";
}

void milter_setreply(SMFICTX *ctx, const char *queue_id, const char *rcode,
                     const char *xcode, const char *text)
{
    char safe[512];
    size_t i;

    /* The text may hold an address from the sender: keep it printable and
     * free of '%', which sendmail-style MTAs would interpret. */
    for (i = 0; text[i] && i < sizeof(safe) - 1; i++)
        safe[i] = (text[i] < 0x20 || text[i] > 0x7e || text[i] == '%')
            ? '?' : text[i];
    safe[i] = '\0';
    if (smfi_setreply(ctx, (char *) rcode, (char *) xcode, safe) != MI_SUCCESS)
        msg_warn("%s: smfi_setreply %s %s failed", queue_id, rcode, xcode);
}

int milter_delrcpt(SMFICTX *ctx, const char *queue_id, const char *rcpt)
{
    if (smfi_delrcpt(ctx, (char *) rcpt) != MI_SUCCESS) {
        msg_warn("%s: smfi_delrcpt failed", queue_id);
        return -1;
    }
    return 0;
}

int milter_delheader(SMFICTX *ctx, const char *queue_id, const char *name,
                     int index)
{
    if (smfi_chgheader(ctx, (char *) name, index, NULL) != MI_SUCCESS) {
        msg_warn("%s: smfi_chgheader %s[%d] delete failed", queue_id, name,
                 index);
        return -1;
    }
    return 0;
}
