/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr_match - the same mailbox; see addr_match.h.
 */
#include <string.h>
#include <strings.h>

#include "addr_match.h"
#include "buf.h"

/* The local part of addr, unquoted, into out; the domain, or NULL. */
static const char *split(const char *addr, struct buf *out)
{
    const char *at = strrchr(addr, '@'), *cp;
    int quoted = 0;

    if (at == NULL || at == addr || at[1] == '\0')
        return NULL;
    for (cp = addr; cp < at; cp++) {
        if (*cp == '"') {
            quoted = !quoted;
        } else if (quoted && *cp == '\\' && cp + 1 < at) {
            buf_append_char(out, *++cp);
        } else {
            buf_append_char(out, *cp);
        }
    }
    return out->len > 0 ? at + 1 : NULL;
}

int addr_same_mailbox(const char *a, const char *b)
{
    struct buf *la, *lb;
    const char *da, *db;
    int same;

    if (a == NULL || b == NULL)
        return 0;
    la = buf_create(64);
    lb = buf_create(64);
    da = split(a, la);
    db = split(b, lb);
    same = da != NULL && db != NULL && la->len == lb->len
        && memcmp(la->data, lb->data, la->len) == 0
        && strcasecmp(da, db) == 0;
    buf_free(la);
    buf_free(lb);
    return same;
}
