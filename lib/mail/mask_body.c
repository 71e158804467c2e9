/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mask_body - mask the original addresses in a message's text parts; see
 * mask.h for the contract.
 *
 * GMime is used to find the parts, never to write them: serializing a
 * GMime message re-folds headers and may re-encode parts, which would
 * change bytes the contract keeps.  So:
 *   1. the input is bounded as capture.c bounds it (mime_bound.h),
 *      but here a message over the bounds is refused, not cut: a part past
 *      the cut would leave unmasked;
 *   2. GMime parses it from a memory stream it keeps (persist stream), so
 *      each leaf part's content is a window of that stream whose offsets
 *      are offsets into raw;
 *   3. every text/plain and text/html leaf (multiparts and attached
 *      messages followed, at most MASK_MAX_DEPTH deep and MASK_MAX_PARTS
 *      parts) goes through mask_text_part(); a changed part becomes a
 *      splice: its content window and the new content bytes;
 *   4. the body, from the end of the top-level header block (its empty
 *      line) to the end, is copied with the splices put in, bare LF made
 *      CRLF.
 * A content window that is not within raw's body, or that overlaps
 * another, makes the message one mask_body() cannot promise to mask (-1).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mask_int.h"
#include "mime_bound.h"
#include "xalloc.h"

struct splice {
    size_t start;
    size_t end;
    struct buf *bytes;
};

struct body_walk {
    const char *raw;
    size_t len;
    GByteArray *array;          /* the parser stream's bytes */
    const struct mask_matcher *matcher;
    const char *proxy;
    struct buf *why;
    struct splice *splices;
    size_t count;
    size_t alloc;
    size_t parts;
    int failed;
};

/* Where the body starts: after the first empty line, else at the end. */
static size_t body_start(const char *raw, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(raw + pos, '\n', len - pos);
        size_t n;

        if (nl == NULL)
            return len;
        n = (size_t) (nl - (raw + pos));
        if (n == 0 || (n == 1 && raw[pos] == '\r'))
            return pos + n + 1;
        pos += n + 1;
    }
    return len;
}

static void fail(struct body_walk *w, const char *why)
{
    if (!w->failed)
        buf_append_str(w->why, why);
    w->failed = 1;
}

static int is_text(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    return ct != NULL && (g_mime_content_type_is_type(ct, "text", "plain")
                          || g_mime_content_type_is_type(ct, "text", "html"));
}

static int is_html(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    return ct != NULL && g_mime_content_type_is_type(ct, "text", "html");
}

static void mask_part(struct body_walk *w, GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *stream = content ? g_mime_data_wrapper_get_stream(content)
        : NULL;
    struct buf *bytes;
    size_t start, end;
    int rc;

    if (stream == NULL)
        return;                         /* no content at all */
    if (!GMIME_IS_STREAM_MEM(stream)
        || g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream))
        != w->array || stream->bound_start < 0
        || stream->bound_end < stream->bound_start
        || (size_t) stream->bound_end > w->len) {
        fail(w, "a text part's content cannot be located in the message");
        return;
    }
    start = (size_t) stream->bound_start;
    end = (size_t) stream->bound_end;
    bytes = buf_create(end - start + 64);
    rc = mask_text_part(w->raw + start, end - start,
                        g_mime_data_wrapper_get_encoding(content),
                        g_mime_object_get_content_type_parameter(
                            GMIME_OBJECT(part), "charset"),
                        is_html(GMIME_OBJECT(part)),
                        w->matcher, w->proxy, bytes, w->why);
    if (rc <= 0) {
        if (rc < 0)
            w->failed = 1;
        buf_free(bytes);
        return;
    }
    if (w->count == w->alloc) {
        w->alloc = w->alloc ? w->alloc * 2 : 8;
        w->splices = xrealloc(w->splices, w->alloc * sizeof(*w->splices));
    }
    w->splices[w->count].start = start;
    w->splices[w->count].end = end;
    w->splices[w->count].bytes = bytes;
    w->count++;
}

static void walk(struct body_walk *w, GMimeObject *obj, int depth)
{
    if (obj == NULL || w->failed)
        return;
    if (depth > MASK_MAX_DEPTH || ++w->parts > MASK_MAX_PARTS) {
        fail(w, "the message nests or holds too many MIME parts to mask");
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int i, n = g_mime_multipart_get_count(mp);

        for (i = 0; i < n && !w->failed; i++)
            walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *msg =
            g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

        if (msg != NULL)
            walk(w, g_mime_message_get_mime_part(msg), depth + 1);
    } else if (GMIME_IS_PART(obj) && is_text(obj)) {
        mask_part(w, GMIME_PART(obj));
    }
}

static int splice_cmp(const void *a, const void *b)
{
    const struct splice *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* Appends data with every LF not after a CR made CRLF. */
static void append_crlf(struct buf *out, const char *data, size_t len,
                        int *after_cr)
{
    size_t i, from = 0;

    for (i = 0; i < len; i++) {
        if (data[i] == '\n' && !(i > 0 ? data[i - 1] == '\r' : *after_cr)) {
            buf_append(out, data + from, i - from);
            buf_append(out, "\r\n", 2);
            from = i + 1;
        }
    }
    buf_append(out, data + from, len - from);
    if (len > 0)
        *after_cr = data[len - 1] == '\r';
}

static int parse_and_walk(struct body_walk *w)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(w->raw, w->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeParserOptions *opts = mask_parser_options();
    GMimeMessage *msg;

    g_mime_parser_set_persist_stream(parser, TRUE);
    w->array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    msg = g_mime_parser_construct_message(parser, opts);
    if (msg == NULL) {
        fail(w, "the message cannot be parsed as MIME");
    } else {
        walk(w, g_mime_message_get_mime_part(msg), 0);
        g_object_unref(msg);
    }
    g_object_unref(parser);
    g_object_unref(stream);
    g_mime_parser_options_free(opts);
    return w->failed ? -1 : 0;
}

int mask_body(const void *raw, size_t len, const struct mask_list *originals,
              const char *proxy, struct buf *out, struct buf *why)
{
    struct mask_matcher matcher;
    struct body_walk w;
    size_t start, pos, i;
    int after_cr = 0, rc = 0;

    if (mask_inputs_ok(originals, proxy, why) < 0)
        return -1;
    mask_matcher_init(&matcher, originals);
    if (matcher.count == 0) {
        mask_matcher_free(&matcher);
        return 0;
    }
    if (mime_structure_bound(raw, len) < len) {
        mask_matcher_free(&matcher);
        buf_append_str(why, "the message has too much MIME structure to mask "
                       "(header fields, boundaries or multiparts)");
        return -1;
    }
    memset(&w, 0, sizeof(w));
    w.raw = raw;
    w.len = len;
    w.matcher = &matcher;
    w.proxy = proxy;
    w.why = why;
    start = body_start(raw, len);
    if (parse_and_walk(&w) < 0) {
        rc = -1;
    } else if (w.count > 0) {
        qsort(w.splices, w.count, sizeof(*w.splices), splice_cmp);
        for (i = 0; i < w.count; i++) {
            if (w.splices[i].start < start
                || (i > 0 && w.splices[i].start < w.splices[i - 1].end)) {
                buf_append_str(why, "a text part's content overlaps the "
                               "header block or another part");
                rc = -1;
                break;
            }
        }
        if (rc == 0) {
            pos = start;
            for (i = 0; i < w.count; i++) {
                append_crlf(out, w.raw + pos, w.splices[i].start - pos,
                            &after_cr);
                append_crlf(out, w.splices[i].bytes->data,
                            w.splices[i].bytes->len, &after_cr);
                pos = w.splices[i].end;
            }
            append_crlf(out, w.raw + pos, len - pos, &after_cr);
            rc = 1;
        }
    }
    for (i = 0; i < w.count; i++)
        buf_free(w.splices[i].bytes);
    free(w.splices);
    mask_matcher_free(&matcher);
    return rc;
}
