/*
 * capture_text - the new text of a reply; see capture_text.h.
 *
 * A line classifier in the manner of the reply trimmers (talon,
 * email_reply_trimmer), written for postmask.  The text is split into
 * lines; each line is quoted (its first non-blank character is ">"),
 * blank, or text.  Scanning down the text lines, the first of these ends
 * the new text:
 *   - an "Original Message" separator ("-----Original Message-----",
 *     "-------- Original message --------" and their translations), or the
 *     line above the returned copy in a bounce (Exim, qmail);
 *   - an Outlook header block: a "From:" line (Von:, De :, Van:, ...)
 *     followed within six lines by two more header lines (Sent:, To:,
 *     Subject:, Gesendet:, An:, Objet:, Asunto:, Onderwerp:, Assunto:, ...);
 *     a line of underscores or dashes just above it goes with it;
 *   - a quote introduction ("On <date>, <name> wrote:" and its German,
 *     French, Spanish, Dutch and Portuguese forms, verb last or name first,
 *     on one line or wrapped over up to three), unless the writer answered
 *     inline: when unquoted text of the writer follows a quoted line after
 *     it, the introduction is dropped and scanning goes on.
 * What is kept is the text lines above that point (quoted lines are always
 * dropped), up to a signature separator ("-- ", or "--" alone), without
 * mobile footers; trailing white space is trimmed from each line, runs of
 * blank lines become one, and blank lines at both ends go, as does white
 * space before the first character.
 *
 * A quote introduction must carry a date or time (digits such as 2024,
 * 10:15, 4/3/24 or 04.03.) or, in the name-first form, an address: "On the
 * whole, he wrote:" is text.  Work is linear in the input (at most
 * CAPTURE_TEXT_MAX bytes are read) and no line longer than INTRO_MAX takes
 * part in pattern matching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "capture_text.h"
#include "xalloc.h"

#define INTRO_MAX   600     /* longest quote introduction, joined */
#define LABEL_MAX   24      /* longest header label ("Enviado el") */
#define FOOTER_MAX  160     /* longest mobile footer line */

struct line {
    const char *s;          /* first byte */
    size_t len;             /* without line end and trailing white space */
    unsigned quoted:1;
    unsigned blank:1;
    unsigned sig:1;         /* "-- " or "--" */
    unsigned drop:1;        /* an introduction dropped in an inline reply */
};

struct footer {
    const char *prefix;     /* lower case */
    const char *needs;      /* must also contain, lower case; or NULL */
};

static const struct footer footers[] = {
    {"sent from my ", NULL}, {"sent from yahoo mail", NULL},
    {"sent from outlook", NULL}, {"sent from mail for windows", NULL},
    {"sent from samsung", NULL}, {"sent with proton", NULL},
    {"sent from proton", NULL}, {"sent via ", NULL},
    {"get outlook for ", NULL},
    {"von meinem ", "gesendet"}, {"gesendet von meinem ", NULL},
    {"gesendet von outlook", NULL}, {"gesendet mit ", NULL},
    {"outlook für ios", NULL}, {"outlook für android", NULL},
    {"holen sie sich outlook für ", NULL},
    {"envoyé de mon ", NULL}, {"envoyé depuis mon ", NULL},
    {"envoyé de yahoo mail", NULL}, {"envoyé à partir de ", NULL},
    {"envoyé depuis yahoo mail", NULL},
    {"télécharger outlook pour ", NULL}, {"obtenir outlook pour ", NULL},
    {"enviado desde mi ", NULL}, {"enviado desde yahoo mail", NULL},
    {"enviado desde outlook", NULL}, {"obtener outlook para ", NULL},
    {"descargar outlook para ", NULL},
    {"verzonden vanaf mijn ", NULL}, {"verstuurd vanaf mijn ", NULL},
    {"verzonden met ", NULL}, {"verzonden vanuit ", NULL},
    {"outlook voor ios", NULL}, {"outlook voor android", NULL},
    {"download outlook voor ", NULL},
    {"enviado do meu ", NULL}, {"enviado de meu ", NULL},
    {"enviado do yahoo mail", NULL}, {"enviado do outlook", NULL},
    {"obter o outlook para ", NULL}, {"baixe o outlook para ", NULL},
    {NULL, NULL},
};

/* "From:" in the languages we read, then the other header labels. */
static const char *const from_labels[] = {
    "from", "von", "de", "van", "expéditeur", "absender", "remetente", NULL,
};

static const char *const header_labels[] = {
    "sent", "date", "to", "cc", "bcc", "subject", "reply-to",
    "gesendet", "datum", "an", "betreff", "antwort an",
    "envoyé", "à", "À", "objet", "répondre à",
    "enviado", "enviado el", "fecha", "para", "asunto", "responder a",
    "verzonden", "aan", "onderwerp", "beantwoorden - aan",
    "enviada", "enviada em", "enviado em", "data", "assunto",
    NULL,
};

static const char *const original_markers[] = {
    "original message", "ursprüngliche nachricht", "originalnachricht",
    "original-nachricht", "message d'origine", "message d’origine",
    "message original", "mensaje original", "oorspronkelijk bericht",
    "origineel bericht", "mensagem original",
    "this is a copy of the message, including all the headers.",
    "below this line is a copy of the message.", NULL,
};

/* Verbs that end a verb-last introduction, after the intro word. */
static const struct intro {
    const char *word;       /* "on " */
    const char *ends[4];    /* the text before ":" ends with one of these */
    const char *inside;     /* or: ends in ":" and contains this */
} intros[] = {
    {"on ", {" wrote", " writes", NULL, NULL}, NULL},
    {"am ", {" geschrieben", NULL, NULL, NULL}, " schrieb "},
    {"le ", {" a écrit", " a ecrit", NULL, NULL}, NULL},
    {"el ", {" escribió", " escribio", NULL, NULL}, NULL},
    {"op ", {" geschreven", NULL, NULL, NULL}, " schreef "},
    {"em ", {" escreveu", NULL, NULL, NULL}, NULL},
    {NULL, {NULL, NULL, NULL, NULL}, NULL},
};

/* Name-first introductions: "Anna <a@b> schrieb am Mo., 4. März 2024:". */
static const char *const name_first_verbs[] = {
    " wrote", " schrieb", " a écrit", " escribió",
    " schreef", " escreveu", " het volgende geschreven", NULL,
};

/* Length of the white space (ASCII, NBSP, narrow NBSP) at s, or 0. */
static size_t space_at(const char *s, size_t len)
{
    if (len >= 1 && (s[0] == ' ' || s[0] == '\t'))
        return 1;
    if (len >= 2 && (unsigned char) s[0] == 0xc2
        && (unsigned char) s[1] == 0xa0)
        return 2;
    if (len >= 3 && (unsigned char) s[0] == 0xe2
        && (unsigned char) s[1] == 0x80
        && ((unsigned char) s[2] == 0xaf || (unsigned char) s[2] == 0x8b))
        return 3;
    if (len >= 3 && (unsigned char) s[0] == 0xef
        && (unsigned char) s[1] == 0xbb && (unsigned char) s[2] == 0xbf)
        return 3;                       /* BOM, as white space */
    return 0;
}

/* Length of s without trailing white space. */
static size_t trim_end(const char *s, size_t len)
{
    for (;;) {
        if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        else if (len >= 2 && space_at(s + len - 2, 2) == 2)
            len -= 2;
        else if (len >= 3 && space_at(s + len - 3, 3) == 3)
            len -= 3;
        else
            return len;
    }
}

static size_t skip_space(const char *s, size_t len)
{
    size_t i = 0, n;

    while (i < len && (n = space_at(s + i, len - i)) > 0)
        i += n;
    return i;
}

/*
 * Appends s to out in the matching form: white space runs made one space,
 * ASCII lower-cased, "*" dropped (bold from HTML), trimmed.
 */
static void norm_append(const char *s, size_t len, struct buf *out)
{
    size_t i = 0, n;
    int space = out->len > 0;

    while (i < len) {
        if ((n = space_at(s + i, len - i)) > 0) {
            space = 1;
            i += n;
            continue;
        }
        if (s[i] == '*') {
            i++;
            continue;
        }
        if (space && out->len > 0 && out->data[out->len - 1] != ' ')
            buf_append_char(out, ' ');
        space = 0;
        buf_append_char(out, (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        i++;
    }
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static int contains(const char *s, size_t len, const char *what)
{
    return memmem(s, len, what, strlen(what)) != NULL;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A date or time: 4 digits in a row, or digit [:./-] digit. */
static int has_date(const char *s, size_t len)
{
    size_t i, run = 0;

    for (i = 0; i < len; i++) {
        if (is_digit(s[i])) {
            if (++run >= 4)
                return 1;
            if (i + 2 < len && strchr(":./-", s[i + 1]) != NULL
                && is_digit(s[i + 2]))
                return 1;
        } else {
            run = 0;
        }
    }
    return 0;
}

/*
 * The verb followed by ":" anywhere in t: clients that flatten the quote
 * put the quoted text on the introduction's line ("... wrote:   Can we").
 */
static int verb_colon(const char *t, size_t len, const char *verb)
{
    size_t n = strlen(verb);
    const char *p = t, *end = t + len;

    while ((p = memmem(p, (size_t) (end - p), verb, n)) != NULL) {
        p += n;
        if (p < end && *p == ' ')
            p++;
        if (p < end && *p == ':')
            return 1;
    }
    return 0;
}

/* Is the normalized text t a quote introduction? */
static int intro_text(const char *t, size_t len)
{
    const struct intro *in;
    const char *const *v;
    int colon;
    size_t body = len;

    if (len == 0 || len > INTRO_MAX)
        return 0;
    colon = t[len - 1] == ':';
    if (colon)
        body--;
    while (body > 0 && t[body - 1] == ' ')
        body--;
    for (in = intros; in->word; in++) {
        size_t e;

        if (strncmp(t, in->word, strlen(in->word)) != 0)
            continue;
        if (!has_date(t, len))
            return 0;
        for (e = 0; e < 4 && in->ends[e]; e++)
            if (ends_with(t, body, in->ends[e]) || verb_colon(t, len, in->ends[e]))
                return 1;
        if (colon && in->inside && contains(t, body, in->inside))
            return 1;
        return 0;
    }
    /* Name first: needs an address, and ends in ":". */
    if (!colon || memchr(t, '@', len) == NULL)
        return 0;
    for (v = name_first_verbs; *v; v++) {
        char tmp[40];

        if (ends_with(t, body, *v))
            return 1;
        snprintf(tmp, sizeof(tmp), "%s am ", *v);
        if (contains(t, body, tmp))
            return 1;
        snprintf(tmp, sizeof(tmp), "%s on ", *v);
        if (contains(t, body, tmp))
            return 1;
        snprintf(tmp, sizeof(tmp), "%s le ", *v);
        if (contains(t, body, tmp))
            return 1;
        snprintf(tmp, sizeof(tmp), "%s el ", *v);
        if (contains(t, body, tmp))
            return 1;
        snprintf(tmp, sizeof(tmp), "%s op ", *v);
        if (contains(t, body, tmp))
            return 1;
        snprintf(tmp, sizeof(tmp), "%s em ", *v);
        if (contains(t, body, tmp))
            return 1;
    }
    return 0;
}

static int intro_lines(const struct line *lines, size_t from, size_t count,
                       struct buf *scratch)
{
    size_t i;

    buf_reset(scratch);
    for (i = from; i < from + count; i++) {
        if (lines[i].len > INTRO_MAX)
            return 0;
        norm_append(lines[i].s, lines[i].len, scratch);
        if (scratch->len > INTRO_MAX)
            return 0;
    }
    return intro_text(scratch->data, scratch->len);
}

static int starts_intro_word(const struct line *l)
{
    const struct intro *in;
    size_t off = skip_space(l->s, l->len);

    for (in = intros; in->word; in++)
        if (l->len - off > 3 && strncasecmp(l->s + off, in->word, 3) == 0)
            return 1;
    return 0;
}

/*
 * The number of lines (1 to 3) of the quote introduction at line i, or 0.
 * A wrapped introduction starts with an intro word ("On", "Am", ...) or
 * holds the "<" or "(" of a wrapped address; in the second case none of
 * its later lines may be an introduction alone ("Call me (mornings)" above
 * "On ... wrote:" is the writer's line).
 */
static size_t intro_at(const struct line *lines, size_t n, size_t i,
                       struct buf *scratch)
{
    size_t k;
    int word;

    if (lines[i].quoted || lines[i].blank)
        return 0;
    if (intro_lines(lines, i, 1, scratch))
        return 1;
    word = starts_intro_word(&lines[i]);
    if (!word && memchr(lines[i].s, '<', lines[i].len) == NULL
        && memchr(lines[i].s, '(', lines[i].len) == NULL)
        return 0;
    for (k = 2; k <= 3 && i + k <= n; k++) {
        const struct line *last = &lines[i + k - 1];

        if (last->quoted || last->blank || last->sig)
            return 0;
        if (!word && intro_lines(lines, i + k - 1, 1, scratch))
            return 0;
        if (intro_lines(lines, i, k, scratch))
            return k;
    }
    return 0;
}

/* The label before ":" in normalized form, in label (LABEL_MAX + 1). */
static int label_of(const struct line *l, char *label, struct buf *scratch)
{
    const char *colon;
    size_t n;

    if (l->quoted || l->blank)
        return 0;
    n = l->len < LABEL_MAX * 2 ? l->len : LABEL_MAX * 2;
    if ((colon = memchr(l->s, ':', n)) == NULL)
        return 0;
    buf_reset(scratch);
    norm_append(l->s, (size_t) (colon - l->s), scratch);
    while (scratch->len > 0 && scratch->data[scratch->len - 1] == ' ')
        buf_truncate(scratch, scratch->len - 1);
    if (scratch->len == 0 || scratch->len > LABEL_MAX)
        return 0;
    memcpy(label, scratch->data, scratch->len + 1);
    return 1;
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* An Outlook header block starts at line i. */
static int header_block_at(const struct line *lines, size_t n, size_t i,
                           struct buf *scratch)
{
    char label[LABEL_MAX + 1];
    size_t j, found = 0;

    if (!label_of(&lines[i], label, scratch) || !in_list(label, from_labels))
        return 0;
    for (j = i + 1; j < n && j <= i + 6; j++)
        if (label_of(&lines[j], label, scratch)
            && in_list(label, header_labels))
            found++;
    return found >= 2;
}

/* A line of 8 or more underscores or dashes, nothing else. */
static int rule_line(const struct line *l)
{
    size_t i, off = skip_space(l->s, l->len);

    if (l->len - off < 8)
        return 0;
    for (i = off; i < l->len; i++)
        if (l->s[i] != l->s[off] || (l->s[i] != '_' && l->s[i] != '-'))
            return 0;
    return 1;
}

/* "-----Original Message-----" and the like. */
static int original_marker(const struct line *l, struct buf *scratch)
{
    size_t a = skip_space(l->s, l->len), b = l->len;
    size_t dashes = 0;

    if (l->quoted || l->len > 80)
        return 0;
    while (a < b && (l->s[a] == '-' || l->s[a] == '*' || l->s[a] == ' ')) {
        dashes += l->s[a] == '-';
        a++;
    }
    while (b > a && (l->s[b - 1] == '-' || l->s[b - 1] == '*'
                     || l->s[b - 1] == ' '))
        b--;
    if (dashes < 2 || a >= b)
        return 0;
    buf_reset(scratch);
    norm_append(l->s + a, b - a, scratch);
    return in_list(scratch->data, original_markers);
}

static int footer_line(const struct line *l, struct buf *scratch)
{
    const struct footer *f;
    const char *link;
    size_t len = l->len;

    if (l->quoted || l->blank)
        return 0;
    /* "Get Outlook for iOS<https://aka.ms/...>": the link does not count. */
    if ((link = memmem(l->s, len, "<http", 5)) != NULL)
        len = (size_t) (link - l->s);
    if (len > FOOTER_MAX)
        return 0;
    buf_reset(scratch);
    norm_append(l->s, len, scratch);
    for (f = footers; f->prefix; f++)
        if (strncmp(scratch->data, f->prefix, strlen(f->prefix)) == 0
            && (f->needs == NULL || strstr(scratch->data, f->needs)))
            return 1;
    return 0;
}

/* Splits text into lines; returns the count. */
static size_t split_lines(const char *text, size_t len, struct line **out)
{
    size_t cap = 64, n = 0, pos = 0;
    struct line *lines = xmalloc(cap * sizeof(*lines));

    while (pos < len) {
        const char *s = text + pos;
        size_t raw = 0, off;
        struct line *l;

        while (pos + raw < len && s[raw] != '\n' && s[raw] != '\r')
            raw++;
        pos += raw;
        if (pos < len && text[pos] == '\r') {
            pos++;
            if (pos < len && text[pos] == '\n')
                pos++;
        } else if (pos < len) {
            pos++;                      /* "\n" */
        }
        if (n == cap) {
            cap *= 2;
            lines = xrealloc(lines, cap * sizeof(*lines));
        }
        l = &lines[n++];
        memset(l, 0, sizeof(*l));
        l->s = s;
        l->len = trim_end(s, raw);
        off = skip_space(s, l->len);
        l->blank = off == l->len;
        l->quoted = !l->blank && s[off] == '>';
        l->sig = l->len == 2 && s[0] == '-' && s[1] == '-';
    }
    *out = lines;
    return n;
}

/*
 * inline_after[i]: a quoted line at or after i is followed by writer's text
 * (an unquoted line that is neither blank, a footer, a header line nor an
 * introduction) before any signature separator.
 */
static unsigned char *inline_map(const struct line *lines, size_t n,
                                 struct buf *scratch)
{
    unsigned char *map = xcalloc(n + 1, 1);
    int writer_after = 0;
    size_t i = n;

    while (i-- > 0) {
        const struct line *l = &lines[i];

        map[i] = map[i + 1];
        if (l->sig) {
            writer_after = 0;
            map[i] = 0;
        } else if (l->quoted) {
            if (writer_after)
                map[i] = 1;
        } else if (!l->blank && !footer_line(l, scratch)
                   && !original_marker(l, scratch)
                   && !intro_lines(lines, i, 1, scratch)
                   && !header_block_at(lines, n, i, scratch)) {
            writer_after = 1;
        }
    }
    return map;
}

int capture_text_extract(const char *text, size_t len, struct buf *out)
{
    struct buf *scratch = buf_create(INTRO_MAX + 64);
    struct buf *kept = buf_create(len < 4096 ? len + 16 : 4096);
    struct line *lines;
    unsigned char *inline_after;
    size_t n, i, cut, k;
    int blank_pending = 0;

    if (len > CAPTURE_TEXT_MAX) {
        len = CAPTURE_TEXT_MAX;
        while (len > 0 && ((unsigned char) text[len] & 0xc0) == 0x80)
            len--;                      /* not inside a character */
    }
    n = split_lines(text, len, &lines);
    inline_after = inline_map(lines, n, scratch);

    /* Where the new text ends. */
    cut = n;
    for (i = 0; i < n; i++) {
        const struct line *l = &lines[i];

        if (l->quoted || l->blank)
            continue;
        if (l->sig)
            break;
        if (original_marker(l, scratch)) {
            cut = i;
            break;
        }
        if (header_block_at(lines, n, i, scratch)) {
            size_t p = i;

            while (p > 0 && lines[p - 1].blank)
                p--;
            cut = (p > 0 && rule_line(&lines[p - 1])) ? p - 1 : i;
            break;
        }
        if ((k = intro_at(lines, n, i, scratch)) > 0) {
            if (!inline_after[i + k]) {
                cut = i;
                break;
            }
            while (k-- > 0)
                lines[i++].drop = 1;
            i--;
        }
    }

    /* The writer's lines above it. */
    for (i = 0; i < cut; i++) {
        const struct line *l = &lines[i];

        if (l->sig)
            break;
        if (l->quoted || l->drop) {
            blank_pending = kept->len > 0;
            continue;
        }
        if (footer_line(l, scratch))
            continue;
        if (l->blank) {
            blank_pending = kept->len > 0;
            continue;
        }
        if (kept->len > 0) {
            buf_append(kept, blank_pending ? "\n\n" : "\n", blank_pending + 1);
            buf_append(kept, l->s, l->len);
        } else {
            size_t off = skip_space(l->s, l->len);  /* the text's start */

            buf_append(kept, l->s + off, l->len - off);
        }
        blank_pending = 0;
    }
    buf_append(out, kept->data, kept->len);

    free(inline_after);
    free(lines);
    buf_free(kept);
    buf_free(scratch);
    return 0;
}
