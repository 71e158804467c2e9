/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcre_compile - one way to compile and bound table patterns; see
 * pcre_compile.h.
 */
#include "msg.h"
#include "pcre_compile.h"
#include "xalloc.h"

pcre2_code *pcre_table_compile(const char *what, const char *rule,
                               const char *src, size_t len, int jit)
{
    pcre2_code *code;
    PCRE2_SIZE off;
    int err;

    code = pcre2_compile((PCRE2_SPTR) src, len,
                         PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS
                         | PCRE2_ANCHORED | PCRE2_MATCH_INVALID_UTF,
                         &err, &off, NULL);
    if (code == NULL) {
        PCRE2_UCHAR why[120];

        pcre2_get_error_message(err, why, sizeof(why));
        msg_panic("%s %s: %s at offset %zu", what, rule, (const char *) why,
                  (size_t) off);
    }
    /* JIT where the platform has it; the interpreter if not. */
    if (jit)
        (void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    return code;
}

pcre2_match_context *pcre_table_match_context(const char *what)
{
    pcre2_match_context *ctx = pcre2_match_context_create(NULL);

    if (ctx == NULL)
        msg_panic("%s: out of memory", what);
    pcre2_set_match_limit(ctx, PCRE_TABLE_MATCH_LIMIT);
    pcre2_set_depth_limit(ctx, PCRE_TABLE_DEPTH_LIMIT);
    return ctx;
}

void pcre_table_init(struct pcre_table *t, const char *what, size_t nkinds)
{
    t->what = what;
    t->nkinds = nkinds;
    t->kinds = xcalloc(nkinds, sizeof(*t->kinds));
    t->ctx = pcre_table_match_context(what);
    /*
     * The patterns one by one run in the interpreter, where the depth
     * limit applies; JIT code (which they ran as before the alternations)
     * knows none.  So that a line matches the same rule either way, their
     * depth is bounded by the match limit alone, as in the JIT.
     */
    t->one_ctx = pcre_table_match_context(what);
    pcre2_set_depth_limit(t->one_ctx, PCRE_TABLE_MATCH_LIMIT);
}

void pcre_table_add(struct pcre_table *t, size_t kind, const char *rule,
                    const char *src, size_t len)
{
    struct pcre_table_kind *k;

    if (kind >= t->nkinds)
        msg_panic("%s %s: kind %zu out of range", t->what, rule, kind);
    k = &t->kinds[kind];
    if (k->count == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 16;
        k->entries = xrealloc(k->entries, k->cap * sizeof(*k->entries));
    }
    k->entries[k->count].rule = rule;
    k->entries[k->count].code = pcre_table_compile(t->what, rule, src, len,
                                                   0);
    k->count++;
    if (k->any_src == NULL)
        k->any_src = buf_create(len + 8);
    else
        buf_append_char(k->any_src, '|');
    buf_append_str(k->any_src, "(?:");
    buf_append(k->any_src, src, len);
    buf_append_char(k->any_src, ')');
}

void pcre_table_finish(struct pcre_table *t)
{
    size_t i;

    for (i = 0; i < t->nkinds; i++) {
        struct pcre_table_kind *k = &t->kinds[i];

        if (k->count > 1)
            k->any = pcre_table_compile(t->what, "(all of a kind)",
                                        k->any_src->data, k->any_src->len, 1);
        else if (k->count == 1)
            (void) pcre2_jit_compile(k->entries[0].code, PCRE2_JIT_COMPLETE);
        buf_free(k->any_src);
        k->any_src = NULL;
    }
}

const char *pcre_table_match(const struct pcre_table *t, size_t kind,
                             const char *s, size_t len,
                             pcre2_match_data *md, size_t *end)
{
    const struct pcre_table_kind *k;
    size_t i;

    if (kind >= t->nkinds)
        return NULL;
    k = &t->kinds[kind];
    if (k->any != NULL
        && pcre2_match(k->any, (PCRE2_SPTR) s, len, 0, 0, md, t->ctx)
        == PCRE2_ERROR_NOMATCH)
        return NULL;
    for (i = 0; i < k->count; i++)
        if (pcre2_match(k->entries[i].code, (PCRE2_SPTR) s, len, 0, 0, md,
                        k->any != NULL ? t->one_ctx : t->ctx) >= 0) {
            if (end != NULL)
                *end = (size_t) pcre2_get_ovector_pointer(md)[1];
            return k->entries[i].rule;
        }
    return NULL;
}
