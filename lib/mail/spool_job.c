/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_job - the on-disk format of one spool job, and its parser; see
 * spool_job.h.
 *
 * The parser trusts nothing: every length is bounded before it is used, every
 * field is checked for its syntax and range, and each way an image can be
 * wrong has its own message, so that an admin reading the log can tell a
 * truncated file from a corrupted one.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "msg.h"
#include "spool_job.h"
#include "xalloc.h"

#define SPOOL_JOB_MAGIC     "postmask-job "
#define SPOOL_JOB_VERSION   "1"
#define SPOOL_TIME_MAX      253402300799LL  /* 9999-12-31T23:59:59Z */
#define SPOOL_NAME_MAX      16              /* longest field name */

enum spool_field {
    F_ID, F_KIND, F_DEDUPE, F_CREATED, F_ATTEMPTS, F_NEXT_ATTEMPT,
    F_LAST_ERROR, F_PAYLOAD_SIZE, F_RELEASED, F_COUNT
};

static const char *const spool_field_names[F_COUNT] = {
    "id", "kind", "dedupe", "created", "attempts", "next-attempt",
    "last-error", "payload-size", "released",
};

#define F_BIT(f)        (1u << (f))
#define F_REQUIRED      (((1u << F_COUNT) - 1) \
                         & ~(F_BIT(F_DEDUPE) | F_BIT(F_LAST_ERROR) \
                             | F_BIT(F_RELEASED)))

static const char spool_hex[] = "0123456789ABCDEF";

int spool_id_valid(const char *id)
{
    size_t i;

    for (i = 0; i < SPOOL_ID_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'F')))
            return 0;
    return id[SPOOL_ID_LEN] == '\0';
}

int spool_kind_valid(const char *kind)
{
    size_t i;

    for (i = 0; kind[i]; i++) {
        if (i >= SPOOL_KIND_MAX)
            return 0;
        if (!((kind[i] >= 'a' && kind[i] <= 'z')
              || (kind[i] >= '0' && kind[i] <= '9') || kind[i] == '_'))
            return 0;
    }
    return i > 0;
}

void spool_job_free(struct spool_job *job)
{
    if (job == NULL)
        return;
    free(job->kind);
    free(job->dedupe_key);
    free(job->last_error);
    free(job->payload);
    free(job);
}

/* Formatting. */

static int spool_byte_plain(unsigned char ch)
{
    return ch >= 0x21 && ch <= 0x7e && ch != '%';
}

void spool_job_format_head(const struct spool_job *job, struct buf *out)
{
    const unsigned char *cp;
    size_t len;
    size_t i;

    if (!spool_id_valid(job->id) || !spool_kind_valid(job->kind))
        msg_panic("spool_job_format: bad job ID or kind");
    if (job->created < 0 || job->created > SPOOL_TIME_MAX
        || job->next_attempt < 0 || job->next_attempt > SPOOL_TIME_MAX)
        msg_panic("spool_job_format: %s: time out of range", job->id);
    if (job->payload_len > SPOOL_PAYLOAD_MAX)
        msg_panic("spool_job_format: %s: bad payload size", job->id);

    buf_printf(out, "%s%s\nid: %s\nkind: %s\n", SPOOL_JOB_MAGIC,
               SPOOL_JOB_VERSION, job->id, job->kind);
    if (job->dedupe_key) {
        len = strlen(job->dedupe_key);
        if (len == 0 || len > SPOOL_KEY_MAX)
            msg_panic("spool_job_format: %s: bad dedupe key length %zu",
                      job->id, len);
        buf_append_str(out, "dedupe: ");
        for (cp = (const unsigned char *) job->dedupe_key; *cp; cp++) {
            if (spool_byte_plain(*cp)) {
                buf_append_char(out, *cp);
            } else {
                buf_append_char(out, '%');
                buf_append_char(out, spool_hex[*cp >> 4]);
                buf_append_char(out, spool_hex[*cp & 0xf]);
            }
        }
        buf_append_char(out, '\n');
    }
    buf_printf(out, "created: %lld\nattempts: %u\nnext-attempt: %lld\n",
               (long long) job->created, job->attempts,
               (long long) job->next_attempt);
    if (job->last_error && *job->last_error) {
        len = strnlen(job->last_error, SPOOL_ERROR_MAX);
        buf_append_str(out, "last-error: ");
        for (i = 0; i < len; i++) {
            unsigned char ch = (unsigned char) job->last_error[i];

            buf_append_char(out, (ch < 0x20 || ch == 0x7f) ? ' ' : ch);
        }
        buf_append_char(out, '\n');
    }
    if (job->released)
        buf_append_str(out, "released: 1\n");
    buf_printf(out, "payload-size: %zu\n\n", job->payload_len);
}

void spool_job_format(const struct spool_job *job, struct buf *out)
{
    if (job->payload == NULL && job->payload_len > 0)
        msg_panic("spool_job_format: %s: no payload", job->id);
    spool_job_format_head(job, out);
    if (job->payload_len)
        buf_append(out, job->payload, job->payload_len);
}

/* Parsing. */

/* Plain decimal, no sign, no leading zero, at most max. */
static int spool_parse_number(const char *cp, size_t len,
                              unsigned long long max,
                              unsigned long long *out)
{
    unsigned long long val = 0;
    size_t i;

    if (len == 0 || len > 20 || (cp[0] == '0' && len > 1))
        return -1;
    for (i = 0; i < len; i++) {
        unsigned digit;

        if (cp[i] < '0' || cp[i] > '9')
            return -1;
        digit = (unsigned) (cp[i] - '0');
        /* digit > max first: max - digit must not wrap around. */
        if (digit > max || val > (max - digit) / 10)
            return -2;
        val = val * 10 + digit;
    }
    *out = val;
    return 0;
}

/* Decodes a percent-encoded dedupe key; NULL with the reason in why. */
static char *spool_decode_key(const char *cp, size_t len, unsigned line,
                              struct buf *why)
{
    char *key = xmalloc(len + 1);
    size_t n = 0;
    size_t i;
    int hi;
    int lo;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char) cp[i];

        if (ch == '%') {
            if (len - i < 3
                || (hi = hex_digit_value((unsigned char) cp[i + 1])) < 0
                || (lo = hex_digit_value((unsigned char) cp[i + 2])) < 0) {
                buf_printf(why, "line %u: bad percent-encoding in field "
                           "\"dedupe\" at offset %zu", line, i);
                free(key);
                return NULL;
            }
            if (hi == 0 && lo == 0) {
                buf_printf(why, "line %u: encoded NUL byte in field "
                           "\"dedupe\"", line);
                free(key);
                return NULL;
            }
            key[n++] = (char) (hi << 4 | lo);
            i += 2;
        } else if (spool_byte_plain(ch)) {
            key[n++] = (char) ch;
        } else {
            buf_printf(why, "line %u: byte 0x%02x must be percent-encoded "
                       "in field \"dedupe\"", line, ch);
            free(key);
            return NULL;
        }
    }
    if (n > SPOOL_KEY_MAX) {
        buf_printf(why, "line %u: dedupe key longer than %d bytes", line,
                   SPOOL_KEY_MAX);
        free(key);
        return NULL;
    }
    key[n] = '\0';
    return key;
}

/* Parses one "name: value" header line into job; -1 with why on error. */
static int spool_parse_field(struct spool_job *job, const char *cp,
                             size_t len, unsigned line, unsigned *seen,
                             unsigned long long *payload_size,
                             struct buf *why)
{
    const char *colon = memchr(cp, ':', len);
    const char *val;
    size_t name_len;
    size_t val_len;
    unsigned long long num;
    int field;
    int rc;
    size_t i;

    if (colon == NULL || colon == cp || (size_t) (colon - cp) > SPOOL_NAME_MAX
        || (size_t) (colon - cp) + 1 >= len || colon[1] != ' ') {
        buf_printf(why, "line %u: malformed header line", line);
        return -1;
    }
    name_len = (size_t) (colon - cp);
    for (i = 0; i < name_len; i++) {
        if (!((cp[i] >= 'a' && cp[i] <= 'z') || cp[i] == '-')) {
            buf_printf(why, "line %u: malformed header line", line);
            return -1;
        }
    }
    for (field = 0; field < F_COUNT; field++)
        if (strlen(spool_field_names[field]) == name_len
            && memcmp(spool_field_names[field], cp, name_len) == 0)
            break;
    if (field == F_COUNT) {
        buf_printf(why, "line %u: unknown field \"%.*s\"", line,
                   (int) name_len, cp);
        return -1;
    }
    if (*seen & F_BIT(field)) {
        buf_printf(why, "line %u: duplicate field \"%s\"", line,
                   spool_field_names[field]);
        return -1;
    }
    *seen |= F_BIT(field);
    val = colon + 2;
    val_len = len - name_len - 2;
    if (val_len == 0) {
        buf_printf(why, "line %u: empty field \"%s\"", line,
                   spool_field_names[field]);
        return -1;
    }
    for (i = 0; i < val_len; i++) {
        if ((unsigned char) val[i] < 0x20 || val[i] == 0x7f) {
            buf_printf(why, "line %u: control character in field \"%s\"",
                       line, spool_field_names[field]);
            return -1;
        }
    }

    switch (field) {
    case F_ID:
        if (val_len != SPOOL_ID_LEN) {
            buf_printf(why, "line %u: bad job ID", line);
            return -1;
        }
        memcpy(job->id, val, SPOOL_ID_LEN);
        job->id[SPOOL_ID_LEN] = '\0';
        if (!spool_id_valid(job->id)) {
            buf_printf(why, "line %u: bad job ID", line);
            return -1;
        }
        return 0;
    case F_KIND:
        job->kind = xstrndup(val, val_len);
        if (val_len > SPOOL_KIND_MAX || !spool_kind_valid(job->kind)) {
            buf_printf(why, "line %u: bad job kind", line);
            return -1;
        }
        return 0;
    case F_DEDUPE:
        if ((job->dedupe_key = spool_decode_key(val, val_len, line, why)) == 0)
            return -1;
        return 0;
    case F_LAST_ERROR:
        if (val_len > SPOOL_ERROR_MAX) {
            buf_printf(why, "line %u: last-error longer than %d bytes", line,
                       SPOOL_ERROR_MAX);
            return -1;
        }
        job->last_error = xstrndup(val, val_len);
        return 0;
    case F_CREATED:
    case F_NEXT_ATTEMPT:
        rc = spool_parse_number(val, val_len, SPOOL_TIME_MAX, &num);
        break;
    case F_ATTEMPTS:
        rc = spool_parse_number(val, val_len, UINT_MAX, &num);
        break;
    case F_PAYLOAD_SIZE:
        rc = spool_parse_number(val, val_len, SPOOL_PAYLOAD_MAX, &num);
        break;
    case F_RELEASED:
        rc = spool_parse_number(val, val_len, 1, &num);
        if (rc == 0 && num == 0)
            rc = -2;            /* written only as 1 */
        break;
    default:
        msg_panic("spool_parse_field: field %d", field);
    }
    if (rc == -1) {
        buf_printf(why, "line %u: bad number in field \"%s\"", line,
                   spool_field_names[field]);
        return -1;
    }
    if (rc == -2) {
        buf_printf(why, "line %u: number out of range in field \"%s\"", line,
                   spool_field_names[field]);
        return -1;
    }
    switch (field) {
    case F_CREATED:
        job->created = (time_t) num;
        break;
    case F_NEXT_ATTEMPT:
        job->next_attempt = (time_t) num;
        break;
    case F_ATTEMPTS:
        job->attempts = (unsigned) num;
        break;
    case F_RELEASED:
        job->released = 1;
        break;
    default:
        *payload_size = num;
        break;
    }
    return 0;
}

/*
 * Parses the header in the first len bytes of an image of file_size bytes.
 * On success *head_len is the header's length (with its blank line).
 */
static int spool_parse_image(const char *data, size_t len, size_t file_size,
                             size_t *head_len, struct spool_job **job_out,
                             struct buf *why)
{
    static const char magic[] = SPOOL_JOB_MAGIC SPOOL_JOB_VERSION "\n";
    struct spool_job *job;
    unsigned long long payload_size = 0;
    size_t limit = len < SPOOL_JOB_HEAD_MAX ? len : SPOOL_JOB_HEAD_MAX;
    size_t pos;
    const char *nl;
    unsigned seen = 0;
    unsigned line = 1;
    int field;

    if (len > file_size)
        msg_panic("spool_job_parse_head: %zu bytes of a %zu-byte file",
                  len, file_size);
    if (len < sizeof(magic) - 1
        || memcmp(data, magic, sizeof(magic) - 1) != 0) {
        nl = memchr(data, '\n', limit);
        if (len >= sizeof(SPOOL_JOB_MAGIC) - 1 && nl != NULL
            && memcmp(data, SPOOL_JOB_MAGIC, sizeof(SPOOL_JOB_MAGIC) - 1) == 0)
            buf_printf(why, "unsupported job format version");
        else
            buf_printf(why, "bad version line: not a postmask job");
        return -1;
    }
    job = xcalloc(1, sizeof(*job));
    for (pos = sizeof(magic) - 1;; pos = (size_t) (nl - data) + 1) {
        line++;
        if ((nl = memchr(data + pos, '\n', limit - pos)) == NULL) {
            if (limit == SPOOL_JOB_HEAD_MAX)
                buf_printf(why, "header longer than %d bytes",
                           SPOOL_JOB_HEAD_MAX);
            else
                buf_printf(why, "truncated header: no blank line");
            goto fail;
        }
        if (nl == data + pos)
            break;
        if (spool_parse_field(job, data + pos, (size_t) (nl - data) - pos,
                              line, &seen, &payload_size, why) < 0)
            goto fail;
    }
    if ((seen & F_REQUIRED) != F_REQUIRED) {
        for (field = 0; field < F_COUNT; field++)
            if ((F_REQUIRED & F_BIT(field)) && !(seen & F_BIT(field)))
                break;
        buf_printf(why, "missing field \"%s\"", spool_field_names[field]);
        goto fail;
    }
    *head_len = (size_t) (nl - data) + 1;
    if (file_size - *head_len < payload_size) {
        buf_printf(why, "truncated payload: %zu of %llu bytes",
                   file_size - *head_len, payload_size);
        goto fail;
    }
    if (file_size - *head_len > payload_size) {
        buf_printf(why, "%llu trailing bytes after the payload",
                   (unsigned long long) (file_size - *head_len) - payload_size);
        goto fail;
    }
    job->payload_len = (size_t) payload_size;
    *job_out = job;
    return 0;

fail:
    spool_job_free(job);
    return -1;
}

int spool_job_parse_head(const char *data, size_t len, size_t file_size,
                         struct spool_job **job_out, struct buf *why)
{
    size_t head_len;

    return spool_parse_image(data, len, file_size, &head_len, job_out, why);
}

int spool_job_parse(const char *data, size_t len, int want_payload,
                    struct spool_job **job_out, struct buf *why)
{
    struct spool_job *job;
    size_t head_len;

    if (spool_parse_image(data, len, len, &head_len, &job, why) < 0)
        return -1;
    if (want_payload)
        job->payload = xmemdup(data + head_len, job->payload_len);
    *job_out = job;
    return 0;
}
