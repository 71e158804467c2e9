/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_patterns - compiles the pattern tables once and matches them; see
 * reply_patterns.h.  The tables are reply_patterns_<group>.c; this file
 * only wraps each pattern for its kind, compiles it (PCRE2_UTF, PCRE2_UCP,
 * PCRE2_CASELESS, PCRE2_ANCHORED, PCRE2_MATCH_INVALID_UTF; JIT-compiled
 * where the platform allows) and runs the patterns of one kind in table
 * order under a match limit (and, for the interpreter, a depth limit; the
 * JIT's own stack is bounded too).  An attempt that hits a limit does not
 * match.
 * The compiled patterns live until the process exits; each thread's match
 * data (one per thread, kept with pthread_setspecific) is freed when the
 * thread ends.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "pcre_compile.h"
#include "reply_patterns_int.h"
#include "xalloc.h"


static const struct reply_pattern *const tables[] = {
    reply_patterns_en, reply_patterns_west, reply_patterns_nordic,
    reply_patterns_east, reply_patterns_cjk,
};

static struct pcre_table compiled;
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;
static pthread_key_t match_data_key;    /* each thread's match data */

static void match_data_free(void *md)
{
    pcre2_match_data_free(md);
}

/* The pattern text for an entry, wrapped for its kind, into src. */
static void wrap(const struct reply_pattern *p, struct buf *src)
{
    static const char around[] = "[-_*=~\\s]*";

    buf_reset(src);
    switch (p->kind) {
    case REPLY_FROM_LABEL:
    case REPLY_DATE_LABEL:
    case REPLY_HEADER_LABEL:
        buf_append_str(src, "(?:");
        buf_append_str(src, p->re);
        buf_append_str(src, ")$");
        break;
    case REPLY_SEPARATOR:
    case REPLY_FORWARD:
        buf_append_str(src, around);
        buf_append_str(src, "(?:");
        buf_append_str(src, p->re);
        buf_append_str(src, ")");
        buf_append_str(src, around);
        buf_append_str(src, "[:：]?");
        buf_append_str(src, around);
        buf_append_str(src, "$");
        break;
    case REPLY_FOOTER:
        buf_append_str(src, "[(\\[]?\\s?(?:");
        buf_append_str(src, p->re);
        buf_append_str(src, ")\\s?[)\\]]?[\\s.!…。！]*$");
        break;
    default:
        buf_append_str(src, "(?:");
        buf_append_str(src, p->re);
        buf_append_str(src, ")");
        break;
    }
}

static void compile_all(void)
{
    struct buf *src = buf_create(256);
    const struct reply_pattern *p;
    size_t t;

    pcre_table_init(&compiled, "reply pattern", REPLY_KIND_COUNT);
    for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (p = tables[t]; p->re; p++) {
            wrap(p, src);
            pcre_table_add(&compiled, p->kind, p->rule, src->data, src->len);
        }
    pcre_table_finish(&compiled);
    if (pthread_key_create(&match_data_key, match_data_free) != 0)
        msg_panic("reply patterns: pthread_key_create failed");
    buf_free(src);
}

/* A colon (ASCII or full width) in s; at its end only, when at_end. */
static int has_colon(const char *s, size_t len, int at_end)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '-'))
        len--;
    if (at_end)
        return (len >= 1 && s[len - 1] == ':')
            || (len >= 3 && memcmp(s + len - 3, "\xef\xbc\x9a", 3) == 0);
    return memchr(s, ':', len) != NULL
        || memmem(s, len, "\xef\xbc\x9a", 3) != NULL;
}

/*
 * Cheap tests that skip texts no pattern of the kind can match, by the
 * rules of reply_patterns_int.h: an attribution has a colon or a digit
 * (its date); a separator has two dashes or ends in a colon.
 */
static int may_match(enum reply_kind kind, const char *s, size_t len)
{
    size_t i;

    switch (kind) {
    case REPLY_ATTRIBUTION:
        if (has_colon(s, len, 0))
            return 1;
        for (i = 0; i < len; i++)
            if (s[i] >= '0' && s[i] <= '9')
                return 1;
        return 0;
    case REPLY_SEPARATOR:
    case REPLY_FORWARD:
        return memmem(s, len, "--", 2) != NULL || has_colon(s, len, 1);
    default:
        return 1;
    }
}

const char *reply_patterns_match(enum reply_kind kind, const char *s,
                                 size_t len)
{
    pcre2_match_data *md;

    if ((unsigned) kind >= REPLY_KIND_COUNT || len > REPLY_PATTERN_MAX
        || !may_match(kind, s, len))
        return NULL;
    pthread_once(&compile_once, compile_all);
    if ((md = pthread_getspecific(match_data_key)) == NULL) {
        if ((md = pcre2_match_data_create(1, NULL)) == NULL)
            msg_panic("reply patterns: out of memory");
        if (pthread_setspecific(match_data_key, md) != 0)
            msg_panic("reply patterns: pthread_setspecific failed");
    }
    return pcre_table_match(&compiled, kind, s, len, md, NULL);
}
