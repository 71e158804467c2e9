/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcre_compile - how postmask's pattern tables (reply_patterns.h,
 * capture_signature.h) compile and bound their PCRE2 patterns, in one
 * place.
 *
 * pcre_table_compile() compiles src (len bytes) as UTF with Unicode
 * properties, caseless, anchored, matching invalid UTF-8 without error,
 * and, with jit set, JIT-compiles it where the platform can (the
 * interpreter otherwise).
 * A pattern that does not compile is a bug in a table: msg_panic() names
 * what ("reply pattern", "signature pattern"), the rule and the error.
 * The caller owns the code (pcre2_code_free()).
 *
 * pcre_table_match_context() returns a new match context with the limits
 * every table match runs under (PCRE_TABLE_MATCH_LIMIT backtracking steps,
 * PCRE_TABLE_DEPTH_LIMIT nested frames), so that no input makes one match
 * expensive; out of memory panics.  The caller owns it.
 *
 * struct pcre_table holds a table's compiled patterns by kind, in the
 * order they were added: pcre_table_init() makes it empty for nkinds kinds
 * (what names it in panics), pcre_table_add() compiles one pattern
 * (pcre_table_compile()) under its kind and rule name (a static string),
 * and pcre_table_match() returns the rule of the first pattern of the kind
 * that matches s, or NULL, with the length matched in *end when end is not
 * NULL; md is the caller's match data (one per thread).  pcre_table_finish(),
 * once every pattern is added, compiles each kind's patterns into one
 * alternation too: a text that none of them matches (nearly every line of
 * a reply) then costs one match instead of one per pattern, and only a
 * text that one matches is tried pattern by pattern, for its rule.  Only
 * the alternation is JIT-compiled (and a kind's pattern when it is alone):
 * the patterns one by one run rarely, and JIT code for each would cost
 * the milter a megabyte of memory for nothing.  (The
 * patterns are anchored and use no backreferences, so the alternation
 * matches exactly when one of them does; when it runs into a limit, the
 * patterns are tried one by one, as without it.)  Tables are built once
 * per process (pthread_once) and never freed; matching is safe from any
 * thread.
 */
#ifndef POSTMASK_PCRE_COMPILE_H
#define POSTMASK_PCRE_COMPILE_H

#include <stddef.h>

#include "buf.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#define PCRE_TABLE_MATCH_LIMIT  20000   /* backtracking steps per attempt */
#define PCRE_TABLE_DEPTH_LIMIT  2000    /* nested backtracking frames */

pcre2_code *pcre_table_compile(const char *what, const char *rule,
                               const char *src, size_t len, int jit);
pcre2_match_context *pcre_table_match_context(const char *what);

struct pcre_table_entry {
    pcre2_code *code;
    const char *rule;
};

struct pcre_table {
    const char *what;
    size_t nkinds;
    struct pcre_table_kind {
        struct pcre_table_entry *entries;
        size_t count, cap;
        struct buf *any_src;    /* until pcre_table_finish() */
        pcre2_code *any;        /* the alternation of them all, or NULL */
    } *kinds;
    pcre2_match_context *ctx;
    pcre2_match_context *one_ctx;   /* for the patterns one by one */
};

void pcre_table_init(struct pcre_table *t, const char *what, size_t nkinds);
void pcre_table_add(struct pcre_table *t, size_t kind, const char *rule,
                    const char *src, size_t len);
void pcre_table_finish(struct pcre_table *t);
const char *pcre_table_match(const struct pcre_table *t, size_t kind,
                             const char *s, size_t len,
                             pcre2_match_data *md, size_t *end);

#endif
