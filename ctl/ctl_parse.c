/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_parse - `postmaskctl parse`: what the milter would capture from a
 * message, as JSON.
 *
 *   postmaskctl parse [-f SENDER] [--explain] [FILE]
 *
 * Reads one RFC 5322 message from FILE (or standard input) and prints
 * capture_to_json() of capture_parse() with the configured
 * attachment_size_limit and trusted_authserv_ids, without attachment data:
 * the milter's code path and options.  With --explain the JSON is followed
 * by a blank line and the explanation of capture_parse_explain():
 *
 *   explain: SOURCE, N lines[, inline reply][, forwarded part dropped]
 *   line A: RULE: ACTION | EXCERPT
 *   lines A-B: RULE: ACTION | EXCERPT
 *   ...
 *
 * SOURCE is the part whose text was trimmed ("text/plain", "text/html
 * converted" or "none"), N its number of lines; one line per span of that
 * text that a rule cut or dropped, in line order (1-based line numbers of
 * the decoded text, the rule names of capture_text.h, the action from
 * capture_text_action_text(), the start of the span's first line), or
 * "nothing cut or dropped".  The envelope sender is SENDER
 * ("" or "<>" for the null sender), else the address of the message's first
 * Return-Path header (what local delivery records), else unknown (not
 * null).  Exit status as in ctl.h: 0, or 1 with "postmaskctl: parse: ..."
 * on stderr when the input cannot be read or is not a message, or 2 for
 * wrong arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "capture.h"
#include "ctl.h"
#include "msg.h"
#include "utf8.h"
#include "xalloc.h"

#define PARSE_USAGE "usage: postmaskctl parse [-f SENDER] [--explain] [FILE]\n"

static int read_all(FILE *fp, struct buf *out)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        buf_append(out, chunk, n);
    return ferror(fp) ? -1 : 0;
}

/*
 * The address in the first Return-Path header of the header section, as a
 * new string ("" for "<>"), or NULL when there is none.
 */
static char *return_path(const char *raw, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *line = raw + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - line) : len - pos;

        if (n == 0 || (n == 1 && line[0] == '\r'))
            return NULL;                /* end of the header section */
        if (n > 12 && strncasecmp(line, "Return-Path:", 12) == 0) {
            struct buf *value = buf_create(64);
            const char *lt, *gt;
            char *addr;

            buf_append(value, line + 12, n - 12);
            /* Unfold the continuation lines. */
            pos += n + (nl ? 1 : 0);
            while (pos < len && (raw[pos] == ' ' || raw[pos] == '\t')) {
                nl = memchr(raw + pos, '\n', len - pos);
                n = nl ? (size_t) (nl - (raw + pos)) : len - pos;
                buf_append(value, raw + pos, n);
                pos += n + (nl ? 1 : 0);
            }
            lt = strchr(value->data, '<');
            gt = lt ? strchr(lt, '>') : NULL;
            if (lt != NULL && gt != NULL) {
                addr = xstrndup(lt + 1, (size_t) (gt - lt - 1));
            } else {
                size_t a = strspn(value->data, " \t");
                size_t b = strcspn(value->data + a, " \t\r\n");

                addr = xstrndup(value->data + a, b);
            }
            buf_free(value);
            return addr;
        }
        pos += n + (nl ? 1 : 0);
    }
    return NULL;
}

/* The explanation after the JSON: see the top of this file. */
static void print_explain(const struct capture *cap,
                          const struct capture_explain *ex)
{
    struct buf *line = buf_create(256);
    size_t i, j;

    printf("\nexplain: %s, %zu line%s%s%s\n", ex->source, ex->report.lines,
           ex->report.lines == 1 ? "" : "s",
           cap->reply_inline ? ", inline reply" : "",
           cap->forward_dropped ? ", forwarded part dropped" : "");
    if (ex->report.span_count == 0)
        printf("nothing cut or dropped\n");
    for (i = 0; i < ex->report.span_count; i++) {
        const struct capture_text_span *sp = &ex->report.spans[i];

        buf_reset(line);
        if (sp->first == sp->last)
            buf_printf(line, "line %zu: ", sp->first);
        else
            buf_printf(line, "lines %zu-%zu: ", sp->first, sp->last);
        buf_printf(line, "%s: %s | ", sp->rule,
                   capture_text_action_text(sp->action));
        utf8_sanitize_append(sp->excerpt, strlen(sp->excerpt), line);
        for (j = 0; j < line->len; j++)
            if ((unsigned char) line->data[j] < 0x20
                || line->data[j] == 0x7f)
                line->data[j] = ' ';
        printf("%s\n", line->data);
    }
    buf_free(line);
}

int ctl_parse(const struct config *cfg, int argc, char **argv)
{
    const char *sender_opt = NULL, *path = NULL;
    char *sender = NULL;
    struct buf *raw, *why;
    struct capture_options opts;
    struct capture *cap;
    struct capture_explain explain;
    FILE *fp;
    json_t *json;
    char *text;
    static const struct option long_opts[] = {
        {"explain", no_argument, NULL, 'E'},
        {NULL, 0, NULL, 0},
    };
    int ch, status = CTL_OK, want_explain = 0;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+f:", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            sender_opt = optarg;
            break;
        case 'E':
            want_explain = 1;
            break;
        default:
            fputs(PARSE_USAGE, stderr);
            return CTL_USAGE;
        }
    }
    if (argc - optind > 1) {
        fputs(PARSE_USAGE, stderr);
        return CTL_USAGE;
    }
    if (argc - optind == 1)
        path = argv[optind];

    if (path == NULL || strcmp(path, "-") == 0) {
        fp = stdin;
    } else if ((fp = fopen(path, "rb")) == NULL) {
        return ctl_failed("parse", path, strerror(errno));
    }
    raw = buf_create(65536);
    if (read_all(fp, raw) < 0) {
        status = ctl_failed("parse", path ? path : "standard input",
                            strerror(errno));
        if (fp != stdin)
            fclose(fp);
        buf_free(raw);
        return status;
    }
    if (fp != stdin)
        fclose(fp);

    if (sender_opt != NULL)
        sender = xstrdup(strcmp(sender_opt, "<>") == 0 ? "" : sender_opt);
    else
        sender = return_path(raw->data, raw->len);

    memset(&opts, 0, sizeof(opts));
    opts.attachment_size_limit = (size_t) cfg->attachment_size_limit;
    opts.trusted_authserv_ids = cfg->trusted_authserv_ids.items;
    opts.trusted_authserv_count = cfg->trusted_authserv_ids.count;
    opts.reply_marker = cfg->email_reply_marker;

    capture_init();
    why = buf_create(128);
    if (capture_parse_explain(raw->data, raw->len, sender, &opts, &cap, why,
                              want_explain ? &explain : NULL) < 0) {
        status = ctl_failed("parse", path ? path : "standard input",
                            why->data);
    } else {
        json = capture_to_json(cap, 0);
        text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text == NULL)
            msg_fatal("parse: out of memory");
        printf("%s\n", text);
        free(text);
        json_decref(json);
        if (want_explain)
            print_explain(cap, &explain);
        capture_free(cap);
        if (fflush(stdout) != 0 || ferror(stdout))
            status = ctl_failed("parse", NULL, "cannot write standard output");
    }
    if (want_explain)
        capture_explain_release(&explain);
    buf_free(why);
    buf_free(raw);
    free(sender);
    return status;
}
