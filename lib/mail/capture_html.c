/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_html - HTML to plain text; see capture_text.h.
 *
 * A tolerant one-pass tokenizer, not a DOM: tags, comments, declarations,
 * character references and text, with a bounded stack of open elements.
 *   - dropped with their content: head, style, script, title, template,
 *     noscript, textarea; every blockquote (Gmail's class gmail_quote,
 *     Apple Mail's type="cite", Thunderbird's); elements whose class is
 *     gmail_quote, gmail_quote_container, gmail_attr, yahoo_quoted,
 *     moz-cite-prefix (quote containers and introductions), gmail_signature,
 *     moz-signature, or whose id is Signature or ms-outlook-mobile-signature
 *     (signatures and footers);
 *   - dropped with everything after them, to the end of the document: the
 *     reply headers of Outlook on the web and Outlook mobile (id
 *     appendonsend, divRplyFwdMsg), Outlook for Mac
 *     (mail-editor-reference-message-container), Hotmail (stopSpelling),
 *     and Outlook desktop's "From:" block (a div whose style has a solid
 *     border-top);
 *   - block elements (div, li, tr, table, ...) start and end a line, br
 *     ends one; paragraphs (p, ul, ol, dl, h1-h6, pre) have a blank line
 *     above and below, but Outlook's margin-less <p class=MsoNormal> (and
 *     any p styled margin:0) is a line; li starts with "- " (or "N. " in an
 *     ol); cells are
 *     separated by a space; a link whose text is not its http(s) or mailto
 *     target is followed by " <target>";
 *   - white space collapses outside pre; character references (named,
 *     decimal, hexadecimal) are decoded, &nbsp; (and a literal U+00A0) to a
 *     space that does not collapse, invalid ones to U+FFFD, unknown names
 *     left as written;
 *   - finally trailing white space goes from each line, runs of blank lines
 *     become one, and blank lines at both ends go.
 * At most CAPTURE_HTML_MAX bytes are read; the element stack holds at most
 * STACK_MAX elements (deeper ones are counted, not tracked).  Work is linear
 * in the input, but for end tags that search the bounded stack.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "capture_text.h"
#include "xalloc.h"

#define STACK_MAX   256
#define NAME_MAX_   16      /* element names compared on this many bytes */
#define ATTR_MAX    2048    /* attribute values kept up to this length */

struct frame {
    char name[NAME_MAX_];
    unsigned skip:1;        /* content dropped */
    unsigned block:1;
    unsigned pre:1;
    unsigned para:1;        /* a paragraph: blank lines around it */
    int counter;            /* ol: next item number; ul: 0 */
    size_t anchor_at;       /* a: out->len at the start tag */
    char *href;             /* a: http(s) or mailto target, owned */
};

struct html {
    struct buf *out;
    struct frame stack[STACK_MAX];
    size_t depth;
    size_t overflow;        /* open elements beyond STACK_MAX */
    size_t skip;            /* frames with skip set */
    size_t pre;             /* frames with pre set */
    int stopped;            /* a reply header seen: drop the rest */
    int space;              /* white space pending */
};

struct attrs {
    char id[64];
    char klass[256];
    char style[512];
    char type[16];
    char *href;             /* owned while parsing */
};

static const char *const void_elements[] = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link",
    "meta", "param", "source", "track", "wbr", "keygen", NULL,
};

static const char *const raw_elements[] = {
    "script", "style", "title", "textarea", "xmp", "noscript", "iframe",
    "noembed", "noframes", "template", NULL,
};

static const char *const block_elements[] = {
    "address", "article", "aside", "blockquote", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "body",
    "html", NULL,
};

/* Elements with margins above and below: a blank line around them. */
static const char *const para_elements[] = {
    "p", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "pre", NULL,
};

static const char *const skip_classes[] = {
    "gmail_quote", "gmail_quote_container", "gmail_attr", "yahoo_quoted",
    "moz-cite-prefix", "gmail_signature", "moz-signature", NULL,
};

static const char *const skip_ids[] = {
    "signature", "ms-outlook-mobile-signature", NULL,
};

static const char *const stop_ids[] = {
    "appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container",
    "stopspelling", NULL,
};

static const struct entity {
    const char *name;
    unsigned cp;
} entities[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    {"nbsp", ' '}, {"ensp", ' '}, {"emsp", ' '}, {"thinsp", ' '},
    {"shy", 0}, {"zwnj", 0}, {"zwj", 0}, {"lrm", 0}, {"rlm", 0},
    {"copy", 0xa9}, {"reg", 0xae}, {"trade", 0x2122}, {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018},
    {"rsquo", 0x2019}, {"sbquo", 0x201a}, {"ldquo", 0x201c},
    {"rdquo", 0x201d}, {"bdquo", 0x201e}, {"laquo", 0xab}, {"raquo", 0xbb},
    {"lsaquo", 0x2039}, {"rsaquo", 0x203a}, {"bull", 0x2022},
    {"middot", 0xb7}, {"euro", 0x20ac}, {"pound", 0xa3}, {"yen", 0xa5},
    {"cent", 0xa2}, {"sect", 0xa7}, {"para", 0xb6}, {"deg", 0xb0},
    {"plusmn", 0xb1}, {"times", 0xd7}, {"divide", 0xf7}, {"frac12", 0xbd},
    {"frac14", 0xbc}, {"frac34", 0xbe}, {"sup1", 0xb9}, {"sup2", 0xb2},
    {"sup3", 0xb3}, {"micro", 0xb5}, {"iexcl", 0xa1}, {"iquest", 0xbf},
    {"ordf", 0xaa}, {"ordm", 0xba}, {"not", 0xac}, {"macr", 0xaf},
    {"acute", 0xb4}, {"cedil", 0xb8}, {"uml", 0xa8}, {"curren", 0xa4},
    {"brvbar", 0xa6}, {"rarr", 0x2192}, {"larr", 0x2190},
    {"uarr", 0x2191}, {"darr", 0x2193}, {"hearts", 0x2665},
    {"Agrave", 0xc0}, {"Aacute", 0xc1}, {"Acirc", 0xc2}, {"Atilde", 0xc3},
    {"Auml", 0xc4}, {"Aring", 0xc5}, {"AElig", 0xc6}, {"Ccedil", 0xc7},
    {"Egrave", 0xc8}, {"Eacute", 0xc9}, {"Ecirc", 0xca}, {"Euml", 0xcb},
    {"Igrave", 0xcc}, {"Iacute", 0xcd}, {"Icirc", 0xce}, {"Iuml", 0xcf},
    {"ETH", 0xd0}, {"Ntilde", 0xd1}, {"Ograve", 0xd2}, {"Oacute", 0xd3},
    {"Ocirc", 0xd4}, {"Otilde", 0xd5}, {"Ouml", 0xd6}, {"Oslash", 0xd8},
    {"Ugrave", 0xd9}, {"Uacute", 0xda}, {"Ucirc", 0xdb}, {"Uuml", 0xdc},
    {"Yacute", 0xdd}, {"THORN", 0xde}, {"szlig", 0xdf}, {"agrave", 0xe0},
    {"aacute", 0xe1}, {"acirc", 0xe2}, {"atilde", 0xe3}, {"auml", 0xe4},
    {"aring", 0xe5}, {"aelig", 0xe6}, {"ccedil", 0xe7}, {"egrave", 0xe8},
    {"eacute", 0xe9}, {"ecirc", 0xea}, {"euml", 0xeb}, {"igrave", 0xec},
    {"iacute", 0xed}, {"icirc", 0xee}, {"iuml", 0xef}, {"eth", 0xf0},
    {"ntilde", 0xf1}, {"ograve", 0xf2}, {"oacute", 0xf3}, {"ocirc", 0xf4},
    {"otilde", 0xf5}, {"ouml", 0xf6}, {"oslash", 0xf8}, {"ugrave", 0xf9},
    {"uacute", 0xfa}, {"ucirc", 0xfb}, {"uuml", 0xfc}, {"yacute", 0xfd},
    {"thorn", 0xfe}, {"yuml", 0xff}, {"OElig", 0x152}, {"oelig", 0x153},
    {"Scaron", 0x160}, {"scaron", 0x161}, {"Yuml", 0x178},
    {NULL, 0},
};

/* Windows-1252 for numeric references &#128; to &#159; (HTML5). */
static const unsigned short c1_refs[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int dropping(const struct html *h)
{
    return h->skip > 0 || h->stopped;
}

static int at_line_start(const struct html *h)
{
    return h->out->len == 0 || h->out->data[h->out->len - 1] == '\n';
}

static void emit(struct html *h, const char *s, size_t n)
{
    if (dropping(h) || n == 0)
        return;
    if (h->space && !at_line_start(h))
        buf_append_char(h->out, ' ');
    h->space = 0;
    buf_append(h->out, s, n);
}

static void emit_cp(struct html *h, unsigned cp)
{
    char tmp[4];
    size_t n;

    if (cp == 0)
        return;
    if (cp < 0x80) {
        tmp[0] = (char) cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char) (0xc0 | (cp >> 6));
        tmp[1] = (char) (0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char) (0xe0 | (cp >> 12));
        tmp[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char) (0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char) (0xf0 | (cp >> 18));
        tmp[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char) (0x80 | (cp & 0x3f));
        n = 4;
    }
    emit(h, tmp, n);
}

static void line_break(struct html *h)
{
    if (dropping(h))
        return;
    if (!at_line_start(h))
        buf_append_char(h->out, '\n');
    h->space = 0;
}

/* A blank line, unless at the start or after one already. */
static void para_break(struct html *h)
{
    size_t n;

    if (dropping(h))
        return;
    line_break(h);
    n = h->out->len;
    if (n > 0 && !(n >= 2 && h->out->data[n - 2] == '\n'))
        buf_append_char(h->out, '\n');
}

static void hard_break(struct html *h)
{
    if (dropping(h))
        return;
    buf_append_char(h->out, '\n');
    h->space = 0;
}

/* A character reference at s[0] == '&'; returns the bytes it took. */
static size_t reference(struct html *h, const char *s, size_t len)
{
    size_t i = 1;
    unsigned long cp = 0;
    const struct entity *e;

    if (len > 2 && s[1] == '#') {
        int hex = s[2] == 'x' || s[2] == 'X';
        size_t digits = 0;

        i = hex ? 3 : 2;
        while (i < len && digits < 8) {
            int c = s[i], d;

            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long) d;
            i++;
            digits++;
        }
        if (digits == 0) {
            emit(h, "&", 1);
            return 1;
        }
        if (digits == 8 && i < len && is_alnum(s[i])) {
            while (i < len && is_alnum(s[i]))
                i++;
            cp = 0x110000;              /* absurdly long: invalid */
        }
        if (i < len && s[i] == ';')
            i++;
        if (cp >= 0x80 && cp < 0xa0)
            cp = c1_refs[cp - 0x80];
        else if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            cp = 0xfffd;
        emit_cp(h, (unsigned) cp);
        return i;
    }
    while (i < len && i < 12 && is_alnum(s[i]))
        i++;
    if (i > 1) {
        for (e = entities; e->name; e++) {
            size_t n = strlen(e->name);

            if (n == i - 1 && memcmp(s + 1, e->name, n) == 0
                && ((i < len && s[i] == ';') || n <= 4)) {
                if (e->cp == ' ') {
                    /* A non-breaking space: kept, not collapsed. */
                    if (!dropping(h)) {
                        if (h->space && !at_line_start(h))
                            buf_append_char(h->out, ' ');
                        h->space = 0;
                        buf_append_char(h->out, ' ');
                    }
                } else {
                    emit_cp(h, e->cp);
                }
                return i + (i < len && s[i] == ';');
            }
        }
    }
    emit(h, "&", 1);
    return 1;
}

/* Does the space-separated class list hold a class in list? */
static int class_in(const char *klass, const char *const *list)
{
    const char *p = klass;

    while (*p) {
        char word[64];
        size_t n = 0;

        while (*p && is_space(*p))
            p++;
        while (*p && !is_space(*p)) {
            if (n < sizeof(word) - 1)
                word[n++] = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
            p++;
        }
        word[n] = '\0';
        if (n > 0 && in_list(word, list))
            return 1;
    }
    return 0;
}

/* Outlook desktop's reply header: style has a solid border-top. */
static int border_top_block(const char *style)
{
    char flat[sizeof(((struct attrs *) 0)->style)];
    size_t i, n = 0;

    for (i = 0; style[i] && n < sizeof(flat) - 1; i++)
        if (!is_space(style[i]))
            flat[n++] = (char) ((style[i] >= 'A' && style[i] <= 'Z')
                                ? style[i] + 32 : style[i]);
    flat[n] = '\0';
    return strstr(flat, "border-top:solid") != NULL
        || (strstr(flat, "border-top") != NULL && strstr(flat, "solid") != NULL
            && strstr(flat, "border:none") != NULL);
}

/*
 * Outlook's Word HTML writes every line as <p class=MsoNormal> with no
 * margin; so do others with style="margin:0": those are lines, not
 * paragraphs.
 */
static int office_paragraph(const struct attrs *a)
{
    char flat[sizeof(a->style)];
    size_t i, n = 0;

    if (strncasecmp(a->klass, "Mso", 3) == 0)
        return 1;
    for (i = 0; a->style[i] && n < sizeof(flat) - 1; i++)
        if (!is_space(a->style[i]))
            flat[n++] = (char) ((a->style[i] >= 'A' && a->style[i] <= 'Z')
                                ? a->style[i] + 32 : a->style[i]);
    flat[n] = '\0';
    return strstr(flat, "margin:0") != NULL
        || (strstr(flat, "margin-top:0") != NULL
            && strstr(flat, "margin-bottom:0") != NULL);
}

static void copy_attr(char *dst, size_t size, const char *v, size_t n)
{
    if (n > size - 1)
        n = size - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* An attribute value with &amp; &lt; &gt; &quot; &apos; &#39; decoded. */
static char *attr_unescape(const char *v, size_t n)
{
    static const struct {
        const char *ref;
        char c;
    } refs[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
        {"&apos;", '\''}, {"&#39;", '\''}, {"&#x27;", '\''}, {NULL, 0},
    };
    char *out = xmalloc(n + 1);
    size_t i = 0, o = 0, k;

    while (i < n) {
        for (k = 0; refs[k].ref; k++) {
            size_t len = strlen(refs[k].ref);

            if (n - i >= len && strncasecmp(v + i, refs[k].ref, len) == 0) {
                out[o++] = refs[k].c;
                i += len;
                break;
            }
        }
        if (refs[k].ref == NULL)
            out[o++] = v[i++];
    }
    out[o] = '\0';
    return out;
}

/*
 * Parses the attributes of a start tag from s (after the name) to the
 * closing ">"; returns the bytes taken, *selfclose set for "/>".
 */
static size_t parse_attrs(const char *s, size_t len, struct attrs *a,
                          int *selfclose)
{
    size_t i = 0;

    *selfclose = 0;
    while (i < len && s[i] != '>') {
        char name[16];
        size_t n = 0, vstart, vlen;

        if (is_space(s[i]) || s[i] == '/') {
            *selfclose = s[i] == '/';
            i++;
            continue;
        }
        *selfclose = 0;
        while (i < len && !is_space(s[i]) && s[i] != '=' && s[i] != '>'
               && s[i] != '/') {
            if (n < sizeof(name) - 1)
                name[n++] = (char) ((s[i] >= 'A' && s[i] <= 'Z')
                                    ? s[i] + 32 : s[i]);
            i++;
        }
        if (n == 0) {                   /* a stray "=" */
            i++;
            continue;
        }
        name[n] = '\0';
        while (i < len && is_space(s[i]))
            i++;
        if (i >= len || s[i] != '=')
            continue;
        i++;
        while (i < len && is_space(s[i]))
            i++;
        if (i < len && (s[i] == '"' || s[i] == '\'')) {
            char q = s[i++];
            const char *end = memchr(s + i, q, len - i);

            vstart = i;
            vlen = end ? (size_t) (end - (s + i)) : len - i;
            i += vlen + (end ? 1 : 0);
        } else {
            vstart = i;
            while (i < len && !is_space(s[i]) && s[i] != '>')
                i++;
            vlen = i - vstart;
        }
        if (strcmp(name, "id") == 0)
            copy_attr(a->id, sizeof(a->id), s + vstart, vlen);
        else if (strcmp(name, "class") == 0)
            copy_attr(a->klass, sizeof(a->klass), s + vstart, vlen);
        else if (strcmp(name, "style") == 0)
            copy_attr(a->style, sizeof(a->style), s + vstart, vlen);
        else if (strcmp(name, "type") == 0)
            copy_attr(a->type, sizeof(a->type), s + vstart, vlen);
        else if (strcmp(name, "href") == 0 && vlen <= ATTR_MAX) {
            free(a->href);
            a->href = attr_unescape(s + vstart, vlen);
        }
    }
    return i < len ? i + 1 : len;
}

static int link_target(const char *href)
{
    return strncasecmp(href, "http://", 7) == 0
        || strncasecmp(href, "https://", 8) == 0
        || strncasecmp(href, "mailto:", 7) == 0;
}

static void close_frame(struct html *h, struct frame *f)
{
    if (f->href != NULL) {
        if (!dropping(h) && h->out->len > f->anchor_at) {
            const char *text = h->out->data + f->anchor_at;
            size_t n = h->out->len - f->anchor_at;
            const char *target = f->href;

            while (n > 0 && is_space(*text))
                text++, n--;
            if (strncasecmp(target, "mailto:", 7) == 0
                && !(strlen(target) == n && memcmp(target, text, n) == 0))
                target += 7;
            if (n > 0 && !(strlen(target) == n
                           && memcmp(target, text, n) == 0)) {
                buf_append(h->out, " <", 2);
                buf_append_str(h->out, f->href);
                buf_append_char(h->out, '>');
            }
        }
        free(f->href);
        f->href = NULL;
    }
    if (f->skip)
        h->skip--;
    if (f->pre)
        h->pre--;
    if (f->para)
        para_break(h);
    else if (f->block)
        line_break(h);
}

static int pop_to(struct html *h, const char *name);

static void start_tag(struct html *h, const char *name, struct attrs *a,
                      int selfclose)
{
    struct frame *f;
    char id[sizeof(a->id)];
    size_t i;

    for (i = 0; a->id[i]; i++)
        id[i] = (char) ((a->id[i] >= 'A' && a->id[i] <= 'Z')
                        ? a->id[i] + 32 : a->id[i]);
    id[i] = '\0';
    if (h->skip == 0
        && (in_list(id, stop_ids)
            || (strcmp(name, "div") == 0 && border_top_block(a->style)))) {
        h->stopped = 1;
        return;
    }
    if (strcmp(name, "body") == 0)
        pop_to(h, "head");              /* head ends where body starts */
    if (strcmp(name, "br") == 0) {
        hard_break(h);
        return;
    }
    if (strcmp(name, "hr") == 0) {
        line_break(h);
        return;
    }
    if (in_list(name, void_elements) || selfclose)
        return;
    if (h->depth == STACK_MAX) {
        h->overflow++;
        return;
    }
    f = &h->stack[h->depth++];
    memset(f, 0, sizeof(*f));
    memcpy(f->name, name, strlen(name) + 1);
    f->skip = strcmp(name, "head") == 0 || strcmp(name, "blockquote") == 0
        || class_in(a->klass, skip_classes) || in_list(id, skip_ids);
    f->block = in_list(name, block_elements);
    f->pre = strcmp(name, "pre") == 0;
    f->counter = strcmp(name, "ol") == 0 ? 1 : 0;
    f->para = in_list(name, para_elements) && !office_paragraph(a);
    if (f->para)
        para_break(h);
    else if (f->block)
        line_break(h);
    if (f->skip)
        h->skip++;
    if (f->pre)
        h->pre++;
    if (strcmp(name, "li") == 0) {
        size_t d = h->depth - 1;
        char mark[24];

        while (d-- > 0)
            if (strcmp(h->stack[d].name, "ol") == 0
                || strcmp(h->stack[d].name, "ul") == 0)
                break;
        if (d != (size_t) -1 && h->stack[d].counter > 0) {
            snprintf(mark, sizeof(mark), "%d. ", h->stack[d].counter);
            if (h->stack[d].counter < 100000)
                h->stack[d].counter++;
        } else {
            snprintf(mark, sizeof(mark), "- ");
        }
        emit(h, mark, strlen(mark) - 1);
        h->space = 1;
    }
    if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
        h->space = 1;
    if (strcmp(name, "a") == 0 && a->href != NULL && link_target(a->href)) {
        f->href = a->href;
        a->href = NULL;
        f->anchor_at = h->out->len;
    }
}

/* Closes the innermost open element called name and those inside it. */
static int pop_to(struct html *h, const char *name)
{
    size_t d;

    for (d = h->depth; d > 0; d--)
        if (strcmp(h->stack[d - 1].name, name) == 0)
            break;
    if (d == 0)
        return 0;
    while (h->depth >= d) {
        h->depth--;
        close_frame(h, &h->stack[h->depth]);
    }
    return 1;
}

static void end_tag(struct html *h, const char *name)
{
    if (strcmp(name, "br") == 0) {
        hard_break(h);
        return;
    }
    if (h->overflow > 0) {
        h->overflow--;
        return;
    }
    if (!pop_to(h, name) && in_list(name, block_elements))
        line_break(h);
}

/* The name of a tag at s; returns its length in s. */
static size_t tag_name(const char *s, size_t len, char *name)
{
    size_t i = 0, n = 0;

    while (i < len && (is_alnum(s[i]) || s[i] == ':' || s[i] == '-'
                       || s[i] == '_')) {
        if (n < NAME_MAX_ - 1)
            name[n++] = (char) ((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        i++;
    }
    name[n] = '\0';
    return i;
}

/* Skips a raw-text element's content; returns where its end tag ends. */
static size_t skip_raw(const char *s, size_t len, size_t pos, const char *name)
{
    size_t n = strlen(name);

    while (pos < len) {
        const char *lt = memchr(s + pos, '<', len - pos);

        if (lt == NULL)
            return len;
        pos = (size_t) (lt - s);
        if (pos + 2 + n <= len && s[pos + 1] == '/'
            && strncasecmp(s + pos + 2, name, n) == 0
            && (pos + 2 + n == len || !is_alnum(s[pos + 2 + n]))) {
            const char *gt = memchr(s + pos, '>', len - pos);

            return gt ? (size_t) (gt - s) + 1 : len;
        }
        pos++;
    }
    return len;
}

static size_t find_str(const char *s, size_t len, size_t pos, const char *what)
{
    const char *hit = memmem(s + pos, len - pos, what, strlen(what));

    return hit ? (size_t) (hit - s) + strlen(what) : len;
}

static void tidy(const char *s, size_t len, struct buf *out)
{
    size_t pos = 0;
    int blank_pending = 0, any = 0;

    while (pos < len) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - (s + pos)) : len - pos;
        size_t end = n;

        while (end > 0 && (s[pos + end - 1] == ' ' || s[pos + end - 1] == '\t'))
            end--;
        if (end == 0) {
            blank_pending = any;
        } else {
            if (any)
                buf_append(out, blank_pending ? "\n\n" : "\n",
                           blank_pending ? 2 : 1);
            buf_append(out, s + pos, end);
            any = 1;
            blank_pending = 0;
        }
        pos += n + (nl ? 1 : 0);
    }
}

int capture_html_to_text(const char *html, size_t len, struct buf *out)
{
    struct html *h = xcalloc(1, sizeof(*h));
    size_t pos = 0;

    if (len > CAPTURE_HTML_MAX) {
        len = CAPTURE_HTML_MAX;
        while (len > 0 && ((unsigned char) html[len] & 0xc0) == 0x80)
            len--;                      /* not inside a character */
    }
    h->out = buf_create(len / 2 + 16);
    while (pos < len) {
        char c = html[pos];

        if (c == '<' && pos + 1 < len) {
            char next = html[pos + 1];

            if (len - pos >= 4 && memcmp(html + pos, "<!--", 4) == 0) {
                pos = find_str(html, len, pos + 4, "-->");
                continue;
            }
            if (len - pos >= 9 && memcmp(html + pos, "<![CDATA[", 9) == 0) {
                pos = find_str(html, len, pos + 9, "]]>");
                continue;
            }
            if (next == '!' || next == '?') {
                pos = find_str(html, len, pos + 2, ">");
                continue;
            }
            if (next == '/' && pos + 2 < len && is_alpha(html[pos + 2])) {
                char name[NAME_MAX_];

                pos += 2;
                pos += tag_name(html + pos, len - pos, name);
                pos = find_str(html, len, pos, ">");
                end_tag(h, name);
                continue;
            }
            if (is_alpha(next)) {
                char name[NAME_MAX_];
                struct attrs a;
                int selfclose;

                memset(&a, 0, sizeof(a));
                pos += 1;
                pos += tag_name(html + pos, len - pos, name);
                pos += parse_attrs(html + pos, len - pos, &a, &selfclose);
                if (in_list(name, raw_elements) && !selfclose)
                    pos = skip_raw(html, len, pos, name);
                else
                    start_tag(h, name, &a, selfclose);
                free(a.href);
                continue;
            }
        }
        if (c == '&') {
            pos += reference(h, html + pos, len - pos);
            continue;
        }
        if (is_space(c)) {
            if (h->pre > 0 && !dropping(h)) {
                if (c == '\r') {
                    if (pos + 1 < len && html[pos + 1] == '\n')
                        pos++;
                    c = '\n';
                }
                buf_append_char(h->out, c == '\f' ? ' ' : c);
                h->space = 0;
            } else {
                h->space = 1;
            }
            pos++;
            continue;
        }
        if ((unsigned char) c == 0xc2 && pos + 1 < len
            && (unsigned char) html[pos + 1] == 0xa0) {
            reference(h, "&nbsp;", 6);  /* U+00A0 written as is */
            pos += 2;
            continue;
        }
        {
            size_t start = pos++;

            while (pos < len && html[pos] != '<' && html[pos] != '&'
                   && !is_space(html[pos])
                   && !((unsigned char) html[pos] == 0xc2 && pos + 1 < len
                        && (unsigned char) html[pos + 1] == 0xa0))
                pos++;
            emit(h, html + start, pos - start);
        }
    }
    while (h->depth > 0) {
        h->depth--;
        free(h->stack[h->depth].href);
    }
    tidy(h->out->data, h->out->len, out);
    buf_free(h->out);
    free(h);
    return 0;
}
