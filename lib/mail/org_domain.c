/* SPDX-License-Identifier: Apache-2.0 */
/*
 * org_domain - organizational domains from the Public Suffix List; see
 * org_domain.h.
 */
#include <pthread.h>
#include <string.h>

#include <libpsl.h>

#include "org_domain.h"

#define DOMAIN_MAX 253

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_list;

static void psl_load(void)
{
    /* NULL: libpsl's distribution file, else its built-in copy. */
    psl_list = psl_latest(NULL);
    if (psl_list == NULL)
        psl_list = psl_builtin();
}

/* Lowercased, without a trailing dot, into out; 0, or -1 when malformed. */
static int normalize(const char *domain, char out[DOMAIN_MAX + 2])
{
    size_t len = domain ? strlen(domain) : 0, i;
    char prev = '.';

    if (len > 0 && domain[len - 1] == '.')
        len--;
    if (len == 0 || len > DOMAIN_MAX)
        return -1;
    for (i = 0; i < len; i++) {
        char c = domain[i];

        if (c >= 'A' && c <= 'Z')
            c = (char) (c + 'a' - 'A');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '.'))
            return -1;
        if (c == '.' && prev == '.')
            return -1;          /* an empty label */
        out[i] = prev = c;
    }
    out[len] = '\0';
    return 0;
}

int org_domain(const char *domain, struct buf *out)
{
    char norm[DOMAIN_MAX + 2];
    const char *reg;

    if (normalize(domain, norm) < 0)
        return -1;
    pthread_once(&psl_once, psl_load);
    reg = psl_list ? psl_registrable_domain(psl_list, norm) : NULL;
    /* NULL: the domain is a public suffix itself (or no list at all). */
    buf_append_str(out, reg ? reg : norm);
    return 0;
}

int org_domain_aligned(const char *a, const char *b)
{
    struct buf *oa = buf_create(64), *ob = buf_create(64);
    int ok = org_domain(a, oa) == 0 && org_domain(b, ob) == 0
        && strcmp(oa->data, ob->data) == 0;

    buf_free(oa);
    buf_free(ob);
    return ok;
}
