/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_signature - a trailing contact block after a sign-off and a
 * name; see capture_signature.h for the policy.
 *
 * The lines are classified with the patterns of signature_patterns.h
 * (data: sign-offs, honorifics, contact items, company and title lines,
 * disclaimers, register lines, rules).  Everything else (counting words,
 * name lines, the block rules) is plain C.  Only the last
 * CAPTURE_SIGNATURE_TAIL lines are classified, at most LINE_CAP bytes of
 * each take part in matching, and the search above a sign-off reads at
 * most ABOVE_MAX lines, so the work is linear in the input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "capture_signature.h"
#include "msg.h"
#include "signature_patterns.h"
#include "utf8.h"
#include "xalloc.h"

#define LINE_CAP      400   /* bytes of a line classified */
#define ABOVE_MAX     20    /* lines above a sign-off searched for text */
#define NAME_MAX_LEN  60    /* longest name line, bytes */
#define NAME_WORDS    5     /* most words in a name line */
#define SHORT_WORDS   6     /* most words in an unclassified block line */
#define ORG_WORDS     8     /* most words in a company or title line */
#define ITEM_WORDS    10    /* most words in a contact item */
#define DISCLAIMER_WORDS 12 /* fewest words in a disclaimer without opener */

/* The rule of the first pattern of the kind that matches s, or NULL. */
static const char *match_kind(enum sig_kind kind, const char *s, size_t len,
                              pcre2_match_data *md, size_t *end)
{
    return signature_patterns_match(kind, s, len, md, end);
}

/* Length of the white space at s (utf8_space_at(), and CR). */
static size_t space_at(const char *s, size_t len)
{
    if (len >= 1 && s[0] == '\r')
        return 1;
    return utf8_space_at(s, len);
}

/*
 * Appends the matching form of s to out: white space runs made one space,
 * "*" dropped, trimmed, at most LINE_CAP bytes (cut before a character).
 * Returns 1 when it had to cut.
 */
static int normalize(const char *s, size_t len, struct buf *out)
{
    size_t i = 0, n, start = out->len;
    int space = 0;

    while (i < len) {
        if ((n = space_at(s + i, len - i)) > 0) {
            space = out->len > start;
            i += n;
            continue;
        }
        if (s[i] == '*') {
            i++;
            continue;
        }
        if (out->len - start >= LINE_CAP) {
            while (out->len > start
                   && ((unsigned char) out->data[out->len - 1] & 0xc0) == 0x80)
                buf_truncate(out, out->len - 1);
            if (out->len > start
                && ((unsigned char) out->data[out->len - 1] & 0xc0) == 0xc0)
                buf_truncate(out, out->len - 1);
            return 1;
        }
        if (space)
            buf_append_char(out, ' ');
        space = 0;
        buf_append_char(out, s[i]);
        i++;
    }
    return 0;
}

static size_t count_words(const char *s, size_t len)
{
    size_t i, words = 0;
    int in = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == ' ') {
            in = 0;
        } else if (!in) {
            in = 1;
            words++;
        }
    }
    return words;
}

/* Does s hold any of the strings in the NULL-ended list? */
static int holds_any(const char *s, size_t len, const char *const *list)
{
    for (; *list; list++)
        if (memmem(s, len, *list, strlen(*list)) != NULL)
            return 1;
    return 0;
}

static const char *const asking[] = {"?", "!", "\xef\xbc\x9f", "\xef\xbc\x81",
                                     NULL};

/* s ends a sentence or a label: ".", ":", "。", "：". */
static int ends_sentence(const char *s, size_t len)
{
    return (len >= 1 && (s[len - 1] == '.' || s[len - 1] == ':'))
        || (len >= 3 && (memcmp(s + len - 3, "\xe3\x80\x82", 3) == 0
                         || memcmp(s + len - 3, "\xef\xbc\x9a", 3) == 0));
}

/* Only punctuation (and white space) in s: "," "!" "..." "。" ":)". */
static int only_punct(const char *s, size_t len)
{
    static const char *const wide[] = {
        "\xe2\x80\xa6", "\xe3\x80\x82", "\xe3\x80\x81", "\xef\xbc\x81",
        "\xef\xbc\x8c", "\xef\xbd\x9e", NULL
    };
    size_t i = 0;

    while (i < len) {
        const char *const *w;

        if (strchr(" ,.!:;~()-", s[i]) != NULL && s[i] != '\0') {
            i++;
            continue;
        }
        for (w = wide; *w; w++)
            if (len - i >= 3 && memcmp(s + i, *w, 3) == 0)
                break;
        if (*w == NULL)
            return 0;
        i += 3;
    }
    return 1;
}

struct cls {
    const char *s;          /* normalized text (in the arena) */
    size_t len;
    size_t words;
    unsigned blank:1;
    unsigned cut:1;         /* longer than LINE_CAP */
    unsigned signoff:1;
    unsigned name:1;        /* may be a name line */
    unsigned contact:1;     /* every part is a contact item */
    unsigned org:1;
    unsigned disclaimer:1;  /* opens a disclaimer paragraph */
    unsigned legal:1;       /* a register, tax or membership line */
    unsigned deco:1;        /* a rule: no letter, no digit */
    unsigned shortok:1;     /* short, no sentence punctuation */
    unsigned items;         /* contact items */
    unsigned reach:1;       /* one is a phone, e-mail, URL or profile */
    const char *rule;       /* of signoff, contact, org or disclaimer */
};

/*
 * Length of " - ", " – ", " — " or " / " at i ("Tel. ... – Port. ..."),
 * or 0.
 */
static size_t spaced_dash(const char *s, size_t len, size_t i)
{
    static const char *const dashes[] = {
        " - ", " / ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", NULL
    };
    const char *const *d;

    for (d = dashes; *d; d++)
        if (len - i >= strlen(*d) && memcmp(s + i, *d, strlen(*d)) == 0)
            return strlen(*d);
    return 0;
}

/* Sets *reach when the rule is a phone, e-mail, URL or profile. */
static void reach_of(const char *rule, int *reach)
{
    static const char *const reaching[] = {
        "contact.phone", "contact.email", "contact.url", "contact.domain",
        "contact.social", NULL
    };
    const char *const *q;

    for (q = reaching; *q; q++)
        if (strcmp(rule, *q) == 0)
            *reach = 1;
}

/*
 * The contact items in a line: 1 when the whole line is one, else the
 * number of its parts between "|", ";", "•", "·" and ", " when every part
 * is one; 0 otherwise.
 */
static unsigned contact_items(const char *s, size_t len, pcre2_match_data *md,
                              const char **rule, int *reach)
{
    unsigned items = 0;
    size_t i = 0, start = 0;

    /* "ул. Ленина, д. 5", "Calle Mayor 5, 2º": one item, commas and all. */
    if (count_words(s, len) <= ITEM_WORDS
        && (*rule = match_kind(SIG_CONTACT, s, len, md, NULL)) != NULL) {
        reach_of(*rule, reach);
        return 1;
    }
    *rule = NULL;
    while (i <= len) {
        size_t sep = 0;

        if (i == len)
            sep = 1;
        else if (s[i] == '|' || s[i] == ';')
            sep = 1;
        else if (s[i] == ',' && i + 1 < len && s[i + 1] == ' ')
            sep = 1;
        else if (len - i >= 3 && memcmp(s + i, "\xe2\x80\xa2", 3) == 0)
            sep = 3;
        else if ((sep = spaced_dash(s, len, i)) > 0)
            ;
        else if (len - i >= 2 && memcmp(s + i, "\xc2\xb7", 2) == 0)
            sep = 2;
        if (sep == 0) {
            i++;
            continue;
        }
        {
            size_t a = start, b = i;
            const char *r;

            while (a < b && s[a] == ' ')
                a++;
            while (b > a && s[b - 1] == ' ')
                b--;
            if (b > a) {
                if (count_words(s + a, b - a) > ITEM_WORDS
                    || (r = match_kind(SIG_CONTACT, s + a, b - a, md,
                                       NULL)) == NULL)
                    return 0;
                if (*rule == NULL)
                    *rule = r;
                reach_of(r, reach);
                items++;
            }
        }
        i += sep;
        start = i;
    }
    return items;
}

/* May the line be a name: "Anna Berg", "Dr. Anna Berg-Schulz", "山田太郎". */
static int name_like(const struct cls *c, pcre2_match_data *md)
{
    static const char *const banned[] = {
        "@", "://", "www.", ":", ";", "\xef\xbc\x9a", "\xef\xbc\x9b", NULL
    };
    size_t i, commas = 0;
    unsigned char first;

    if (c->blank || c->cut || c->len > NAME_MAX_LEN || c->words > NAME_WORDS)
        return 0;
    first = (unsigned char) c->s[0];
    if (first < 0x80 && !((first | 0x20) >= 'a' && (first | 0x20) <= 'z'))
        return 0;
    for (i = 0; i < c->len; i++) {
        if (c->s[i] >= '0' && c->s[i] <= '9')
            return 0;
        commas += c->s[i] == ',';
    }
    if (commas > 1 || holds_any(c->s, c->len, asking)
        || holds_any(c->s, c->len, banned))
        return 0;
    if (ends_sentence(c->s, c->len) || c->s[c->len - 1] == ','
        || (c->len >= 3 && memcmp(c->s + c->len - 3, "\xef\xbc\x8c", 3) == 0))
        return 0;
    return match_kind(SIG_HONORIFIC, c->s, c->len, md, NULL) == NULL;
}

/* "P.S.", "PS:", "PPS" open a postscript: the writer's words. */
static int postscript(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len && (s[i] == 'p' || s[i] == 'P' || s[i] == '.'))
        i++;
    if (i < len && (s[i] == 's' || s[i] == 'S'))
        i++;
    else
        return 0;
    return i >= 2 && (i == len || s[i] == '.' || s[i] == ':' || s[i] == ' ');
}

static void classify(struct cls *c, pcre2_match_data *md)
{
    size_t end, i;
    const char *r;
    int reach = 0;

    c->words = count_words(c->s, c->len);
    if ((c->blank = c->len == 0))
        return;
    if (!c->cut && (r = match_kind(SIG_SIGNOFF, c->s, c->len, md, &end))
        != NULL && only_punct(c->s + end, c->len - end)) {
        c->signoff = 1;
        c->rule = r;
        return;
    }
    if (!c->cut && (r = match_kind(SIG_DECO, c->s, c->len, md, NULL)) != NULL) {
        c->deco = 1;
        c->rule = r;
        return;
    }
    if (!c->cut
        && (c->items = contact_items(c->s, c->len, md, &r, &reach)) > 0) {
        c->contact = 1;
        c->reach = reach;
        c->rule = r;
        return;
    }
    c->name = name_like(c, md);
    if (!c->cut && c->words <= ORG_WORDS && !holds_any(c->s, c->len, asking)
        && !(c->s[0] >= 'a' && c->s[0] <= 'z')      /* "ask the caretaker" */
        && memmem(c->s, c->len, "\xe3\x80\x82", 3) == NULL     /* "。" */
        && (r = match_kind(SIG_ORG, c->s, c->len, md, NULL)) != NULL
        && (strcmp(r, "org.title") != 0         /* not "... the owner asked." */
            || !(ends_sentence(c->s, c->len) || c->s[c->len - 1] == ','))) {
        c->org = 1;
        c->rule = r;
        return;
    }
    /* An opener we know, or a long line that says "confidential message". */
    if ((r = match_kind(SIG_DISCLAIMER, c->s, c->len, md, NULL)) != NULL
        && (strcmp(r, "disclaimer.words") != 0 || c->cut
            || c->words >= DISCLAIMER_WORDS)) {
        c->disclaimer = 1;
        c->rule = r;
        return;
    }
    if ((r = match_kind(SIG_LEGAL, c->s, c->len, md, NULL)) != NULL) {
        c->legal = 1;
        c->rule = r;
        return;
    }
    if (c->cut || c->words > SHORT_WORDS || holds_any(c->s, c->len, asking)
        || ends_sentence(c->s, c->len))
        return;
    for (i = 0; i < c->len; i++)
        if (c->s[i] >= '0' && c->s[i] <= '9')
            return;                     /* "Code 4711": not a contact line */
    c->shortok = 1;
}

/* A line of the writer's message: 3+ words, or one that ends a sentence. */
static int body_line(const struct capture_sig_line *l)
{
    static const char *const enders[] = {
        ".", "?", "!", "\xe3\x80\x82", "\xef\xbc\x9f", "\xef\xbc\x81",
        "\xe2\x80\xa6", NULL
    };
    size_t len = l->len, i, words = 0;
    int in = 0;
    const char *const *e;

    while (len > 0 && space_at(l->s + len - 1, 1) == 1)
        len--;
    for (i = 0; i < len && i < LINE_CAP && words < 3; i++) {
        if (l->s[i] == ' ' || l->s[i] == '\t') {
            in = 0;
        } else if (!in) {
            in = 1;
            words++;
        }
    }
    if (words >= 3 || len > LINE_CAP)
        return 1;
    for (e = enders; *e; e++)
        if (len >= strlen(*e) && memcmp(l->s + len - strlen(*e), *e,
                                        strlen(*e)) == 0)
            return 1;
    return 0;
}

/* The line holds only white space. */
static int blank_raw(const struct capture_sig_line *l)
{
    size_t i = 0, k;

    while (i < l->len && (k = space_at(l->s + i, l->len - i)) > 0)
        i += k;
    return i == l->len;
}

/* The line ends in a colon (ASCII or full width): what follows answers. */
static int colon_end(const struct capture_sig_line *l)
{
    size_t len = l->len;

    while (len > 0 && space_at(l->s + len - 1, 1) == 1)
        len--;
    return (len >= 1 && l->s[len - 1] == ':')
        || (len >= 3 && memcmp(l->s + len - 3, "\xef\xbc\x9a", 3) == 0);
}

/* Next non-blank line at or after i, or n. */
static size_t next_text(const struct cls *cls, size_t n, size_t i)
{
    while (i < n && cls[i].blank)
        i++;
    return i;
}

/*
 * Is everything from line b (the first non-blank after the names) to the
 * end a contact block?  Rules ("━━━━", "____") are neutral; the first other
 * line must be a contact or company/title line.
 */
static int block_at(const struct cls *cls, size_t n, size_t b)
{
    size_t i, contact_lines = 0, others = 0;
    unsigned items = 0;
    int in_disclaimer = 0, reach = 0;

    while (b < n && (cls[b].deco || cls[b].blank))
        b++;                            /* a rule above the block goes too */
    if (b >= n || !(cls[b].contact || cls[b].org))
        return 0;
    for (i = b; i < n; i++) {
        const struct cls *c = &cls[i];

        if (c->blank) {
            in_disclaimer = 0;
        } else if (postscript(c->s, c->len)) {
            return 0;                   /* the writer goes on */
        } else if (in_disclaimer) {
            continue;                   /* the disclaimer's next line */
        } else if (c->contact) {
            contact_lines++;
            items += c->items;
            reach |= c->reach;
        } else if (c->disclaimer) {
            in_disclaimer = 1;
        } else if (c->shortok) {
            others++;
        } else if (!c->org && !c->legal && !c->deco) {
            return 0;                   /* prose, a question, a sign-off */
        }
    }
    return items >= 2 && reach && others <= contact_lines;
}

int capture_signature_find(const struct capture_sig_line *lines, size_t n,
                           struct capture_signature *sig)
{
    size_t base = n > CAPTURE_SIGNATURE_TAIL ? n - CAPTURE_SIGNATURE_TAIL : 0;
    size_t tail = n - base, i;
    struct buf *arena;
    size_t *offs;
    struct cls *cls;
    pcre2_match_data *md;
    int found = 0;

    if (tail == 0)
        return 0;
    if ((md = pcre2_match_data_create(1, NULL)) == NULL)
        msg_panic("signature patterns: out of memory");
    arena = buf_create(tail * 64);
    offs = xcalloc(tail, sizeof(*offs));
    cls = xcalloc(tail, sizeof(*cls));
    for (i = 0; i < tail; i++) {
        offs[i] = arena->len;
        cls[i].cut = normalize(lines[base + i].s, lines[base + i].len, arena);
        cls[i].len = arena->len - offs[i];
    }
    for (i = 0; i < tail; i++) {
        cls[i].s = arena->data + offs[i];
        classify(&cls[i], md);
    }

    /* The last sign-off that opens a block wins. */
    for (i = tail; i-- > 0 && !found;) {
        size_t j, k, names = 0, above;

        if (!cls[i].signoff)
            continue;
        for (above = 1; above <= ABOVE_MAX && above <= base + i; above++)
            if (body_line(&lines[base + i - above]))
                break;
        if (above > ABOVE_MAX || above > base + i)
            continue;                   /* no text of the writer's above */
        for (above = 1; above <= base + i
             && blank_raw(&lines[base + i - above]); above++)
            ;
        if (above <= base + i && colon_end(&lines[base + i - above]))
            continue;                   /* "Send it to:" above the name */
        j = next_text(cls, tail, i + 1);
        for (k = 0; k < 2 && j < tail; k++) {
            if (k > 0 && (cls[j].contact || cls[j].org))
                break;                  /* the block starts */
            if (!cls[j].name)
                break;
            names++;
            j = next_text(cls, tail, j + 1);
        }
        if (names == 0 || !block_at(cls, tail, j))
            continue;
        if (sig != NULL) {
            sig->signoff = base + i;
            sig->first_dropped = base + j;
            sig->signoff_rule = cls[i].rule;
            sig->block_rule = cls[j].rule;
        }
        found = 1;
    }

    free(cls);
    free(offs);
    buf_free(arena);
    pcre2_match_data_free(md);
    return found;
}

size_t capture_signature_cut(const char *text, size_t len,
                             struct capture_signature *sig)
{
    enum { WINDOW = CAPTURE_SIGNATURE_TAIL + ABOVE_MAX };
    struct capture_sig_line lines[WINDOW];
    struct capture_signature found;
    size_t n = 0, end = len, first, keep, i, before = 0;

    /* The last WINDOW lines, collected backwards. */
    while (n < WINDOW) {
        size_t start = end;

        while (start > 0 && text[start - 1] != '\n')
            start--;
        lines[WINDOW - 1 - n].s = text + start;
        lines[WINDOW - 1 - n].len = end - start;
        n++;
        if (start == 0)
            break;
        end = start - 1;
    }
    first = WINDOW - n;
    if (!capture_signature_find(lines + first, n, &found))
        return len;

    /* Keep up to the end of the last non-blank line before the block. */
    i = found.first_dropped;
    while (i > found.signoff && blank_raw(&lines[first + i - 1]))
        i--;
    keep = (size_t) (lines[first + i - 1].s + lines[first + i - 1].len - text);
    if (sig != NULL) {
        const char *p;

        for (p = text; p < lines[first].s; p++)
            before += *p == '\n';
        *sig = found;
        sig->signoff += before;
        sig->first_dropped += before;
    }
    return keep;
}
