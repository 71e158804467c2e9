/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool_journal - the intake log in front of the spool; see
 * spool_journal.h.
 *
 * Who touches what.  The appending thread owns wfd, wbuf and the ID
 * counter; the draining thread owns rfd, rseq, roff and rdata.  wseq, wlen
 * and the two byte counters are shared under lock: the drain reads the
 * writer's position there, so it never reads past what is durable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/evp.h>

#include "fsutil.h"
#include "le_bytes.h"
#include "msg.h"
#include "spool_job.h"
#include "spool_journal.h"
#include "xalloc.h"

#define MAGIC           "PMJ1"
#define MAGIC_LEN       4
#define SEQ_DIGITS      16
#define READ_CHUNK      (256 * 1024)
#define CREATED_MAX     ((uint64_t) 1 << 40)    /* seconds: year 36812 */
/* Where a segment's first record's time ends (header, ID, time). */
#define FIRST_TIME_END  (SPOOL_JOURNAL_HEADER + SPOOL_ID_LEN + 8)

struct spool_journal {
    struct spool *spool;
    char *dir;                      /* DIR/journal */
    int lockfd;                     /* dir, flock'd: one journal user */
    pthread_mutex_t append_lock;    /* held by an append, or by a trim */
    pthread_mutex_t lock;
    /* Under lock. */
    uint64_t wseq;                  /* the segment being appended to */
    uint64_t wlen;                  /* its durable length */
    uint64_t appended;              /* bytes, since open */
    uint64_t drained;
    GHashTable *pending;            /* "kind\nkey" -> ID, not yet drained */
    /* The appending thread's (or a trim's, under append_lock). */
    int wfd;
    time_t wopened;                 /* when the segment was started
                                     * (CLOCK_MONOTONIC seconds) */
    uint32_t counter;               /* the low half of new job IDs */
    struct buf *wbuf;
    /* The draining thread's. */
    uint64_t rseq;
    int rfd;                        /* rseq's, or -1 */
    uint64_t roff;                  /* rseq's bytes already in the spool */
    unsigned char *rdata;           /* rseq's bytes from roff on, read */
    size_t rlen;
    size_t rcap;
    size_t single_left;             /* records still to store one by one */
    uint64_t fail_seq;              /* where a store failed last, */
    uint64_t fail_off;
    unsigned fail_count;            /* how often in a row there */
    uint64_t own_from;              /* the first segment this process made */
};

static time_t monotonic_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* Encoding. */

static uint32_t body_check(const unsigned char *body, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;

    if (EVP_Digest(body, len, md, &md_len, EVP_sha256(), NULL) != 1)
        msg_fatal("spool journal: SHA-256 failed");
    return le_get_u32(md);
}

void spool_journal_encode(const struct spool_journal_rec *rec,
                          struct buf *out)
{
    unsigned char head[SPOOL_JOURNAL_HEADER];
    unsigned char created[8];
    size_t start = out->len;
    size_t body;

    memset(head, 0, sizeof(head));
    buf_append(out, head, sizeof(head));        /* filled in below */
    body = out->len;
    buf_append(out, rec->id, SPOOL_ID_LEN);
    le_put_u64(created, (uint64_t) rec->created);
    buf_append(out, created, sizeof(created));
    buf_append(out, rec->kind, strlen(rec->kind) + 1);
    buf_append(out, rec->key, strlen(rec->key) + 1);
    buf_append(out, rec->payload, rec->payload_len);
    memcpy(head, MAGIC, MAGIC_LEN);
    le_put_u32(head + 4, (uint32_t) (out->len - body));
    le_put_u32(head + 8, body_check((unsigned char *) out->data + body,
                                 out->len - body));
    memcpy(out->data + start, head, sizeof(head));
}

/* The NUL-terminated string at *p within end, advanced past; NULL if none. */
static const char *take_string(const unsigned char **p,
                               const unsigned char *end, size_t max)
{
    const unsigned char *nul = memchr(*p, '\0', (size_t) (end - *p));
    const char *s = (const char *) *p;

    if (nul == NULL || (size_t) (nul - *p) > max)
        return NULL;
    *p = nul + 1;
    return s;
}

int spool_journal_parse(const unsigned char *data, size_t len,
                        struct spool_journal_rec *rec, size_t *used,
                        struct buf *why)
{
    const unsigned char *p, *end;
    uint64_t t;
    uint32_t body_len;

    if (len == 0)
        return 0;
    if (len < MAGIC_LEN)
        return memcmp(data, MAGIC, len) == 0 ? 0
            : (buf_printf(why, "no record magic"), -1);
    if (memcmp(data, MAGIC, MAGIC_LEN) != 0) {
        buf_printf(why, "no record magic");
        return -1;
    }
    if (len < SPOOL_JOURNAL_HEADER)
        return 0;
    body_len = le_get_u32(data + 4);
    if (body_len < SPOOL_ID_LEN + 8 + 4
        || body_len > (uint64_t) SPOOL_JOURNAL_BODY_MAX) {
        buf_printf(why, "record length %" PRIu32 " out of range", body_len);
        return -1;
    }
    if (len - SPOOL_JOURNAL_HEADER < body_len)
        return 0;
    p = data + SPOOL_JOURNAL_HEADER;
    end = p + body_len;
    if (body_check(p, body_len) != le_get_u32(data + 8)) {
        buf_printf(why, "record check does not match its contents");
        return -1;
    }
    memcpy(rec->id, p, SPOOL_ID_LEN);
    rec->id[SPOOL_ID_LEN] = '\0';
    p += SPOOL_ID_LEN;
    t = le_get_u64(p);
    p += 8;
    rec->created = (time_t) t;
    if ((rec->kind = take_string(&p, end, SPOOL_KIND_MAX)) == NULL
        || (rec->key = take_string(&p, end, SPOOL_KEY_MAX)) == NULL
        || *rec->kind == '\0' || *rec->key == '\0') {
        buf_printf(why, "record without a kind or key");
        return -1;
    }
    rec->payload = p;
    rec->payload_len = (size_t) (end - p);
    /* What the spool would refuse is damage: the writer never wrote it. */
    if (!spool_id_valid(rec->id) || !spool_kind_valid(rec->kind)
        || t == 0 || t > CREATED_MAX
        || rec->payload_len > SPOOL_PAYLOAD_MAX) {
        buf_printf(why, "record with an invalid ID, kind, time or size");
        return -1;
    }
    *used = SPOOL_JOURNAL_HEADER + body_len;
    return 1;
}

/* Segments. */

static char *segment_path(const struct spool_journal *j, uint64_t seq,
                          char path[PATH_MAX])
{
    if (snprintf(path, PATH_MAX, "%s/%016" PRIX64, j->dir, seq) >= PATH_MAX)
        msg_panic("spool journal: path too long");
    return path;
}

/* A segment's name: 16 uppercase hex digits, its sequence number. */
static int segment_seq(const char *name, uint64_t *seq)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < SEQ_DIGITS; i++) {
        char c = name[i];

        if (c >= '0' && c <= '9')
            v = v << 4 | (uint64_t) (c - '0');
        else if (c >= 'A' && c <= 'F')
            v = v << 4 | (uint64_t) (c - 'A' + 10);
        else
            return -1;
    }
    if (name[SEQ_DIGITS] != '\0')
        return -1;
    *seq = v;
    return 0;
}

/*
 * The lowest segment number above after (first: any), or none: 0 with
 * *found, 1 when there is none, -1 with why.  *highest is the highest.
 */
static int segment_scan(const struct spool_journal *j, uint64_t after,
                        int first, uint64_t *found, uint64_t *highest,
                        struct buf *why)
{
    struct dirent *dp;
    DIR *dir;
    uint64_t seq;
    int none = 1;

    *highest = 0;
    if ((dir = opendir(j->dir)) == NULL) {
        buf_printf(why, "open %s: %s", j->dir, strerror(errno));
        return -1;
    }
    while ((errno = 0, dp = readdir(dir)) != NULL) {
        if (segment_seq(dp->d_name, &seq) < 0)
            continue;
        if (seq > *highest)
            *highest = seq;
        if ((first || seq > after) && (none || seq < *found)) {
            *found = seq;
            none = 0;
        }
    }
    if (errno != 0) {
        buf_printf(why, "read %s: %s", j->dir, strerror(errno));
        closedir(dir);
        return -1;
    }
    closedir(dir);
    return none;
}

/* Creates segment seq and makes its name durable: its fd, or -1. */
static int segment_create(struct spool_journal *j, uint64_t seq,
                          struct buf *why)
{
    char path[PATH_MAX];
    int fd;

    fd = open(segment_path(j, seq, path),
              O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd < 0) {
        buf_printf(why, "create %s: %s", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, 0600) < 0 || fsync_dir(j->dir) < 0) {
        buf_printf(why, "create %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

/* Appending. */

/* Moves on to a new segment; the old one is left to the drain. */
static int segment_next(struct spool_journal *j, struct buf *why)
{
    uint64_t seq;
    int fd;

    pthread_mutex_lock(&j->lock);
    seq = j->wseq + 1;
    pthread_mutex_unlock(&j->lock);
    if ((fd = segment_create(j, seq, why)) < 0)
        return -1;
    if (j->wfd >= 0)
        close(j->wfd);
    j->wfd = fd;
    j->wopened = monotonic_now();
    pthread_mutex_lock(&j->lock);
    j->wseq = seq;
    j->wlen = 0;
    pthread_mutex_unlock(&j->lock);
    return 0;
}

/* What the spool would refuse of a record: a static reason, or NULL. */
static const char *append_invalid(const struct spool_journal_rec *rec)
{
    if (rec->kind == NULL || !spool_kind_valid(rec->kind))
        return "invalid job kind";
    if (strlen(rec->key) > SPOOL_KEY_MAX)
        return "dedupe key is too long";
    if (rec->payload_len > SPOOL_PAYLOAD_MAX)
        return "payload exceeds the spool's limit";
    return NULL;
}

/* The pending table's key for a record: "kind\nkey" (kinds have no LF). */
static char *pending_key(const struct spool_journal_rec *rec)
{
    return g_strconcat(rec->kind, "\n", rec->key, NULL);
}

/*
 * Is the record's key taken, by a record not yet drained or by a job's
 * marker?  1 with the holder's ID in rec->id, 0, or -1 with why.
 */
static int append_taken(struct spool_journal *j,
                        struct spool_journal_rec *rec, struct buf *why)
{
    char *name = pending_key(rec);
    const char *holder;
    int rc;

    pthread_mutex_lock(&j->lock);
    holder = g_hash_table_lookup(j->pending, name);
    if (holder != NULL)
        memcpy(rec->id, holder, SPOOL_ID_LEN + 1);
    pthread_mutex_unlock(&j->lock);
    g_free(name);
    if (holder != NULL)
        return 1;
    rc = spool_dedupe_lookup(j->spool, rec->kind, rec->key, rec->id, why);
    return rc == 0 ? 1 : rc == SPOOL_NOTFOUND ? 0 : -1;
}

static void pending_add(struct spool_journal *j,
                        const struct spool_journal_rec *rec)
{
    pthread_mutex_lock(&j->lock);
    g_hash_table_insert(j->pending, pending_key(rec), g_strdup(rec->id));
    pthread_mutex_unlock(&j->lock);
}

/* Forgets rec's key, if rec (its ID) is what holds it. */
static void pending_remove(struct spool_journal *j,
                           const struct spool_journal_rec *rec)
{
    char *name = pending_key(rec);
    const char *holder;

    pthread_mutex_lock(&j->lock);
    holder = g_hash_table_lookup(j->pending, name);
    if (holder != NULL && strcmp(holder, rec->id) == 0)
        g_hash_table_remove(j->pending, name);
    pthread_mutex_unlock(&j->lock);
    g_free(name);
}

/*
 * A drained record must not stay on disk long: once its job is done and
 * its marker expired (dedupe_lifetime, at least a minute), a replay would
 * make it again.  So a segment older than SEGMENT_AGE seconds is left at
 * the next append, and the drain removes it; when no append comes, the
 * drain trims the segment itself (spool_journal_trim()).
 */
#define SEGMENT_AGE     30

static int append_locked(struct spool_journal *j,
                         struct spool_journal_rec *recs, size_t count,
                         struct buf *why)
{
    char path[PATH_MAX];
    uint32_t now = (uint32_t) ((uint64_t) time(NULL) & 0xffffffffu);
    struct buf *err = buf_create(64);
    uint64_t wlen;
    size_t i;
    int rc;

    buf_reset(j->wbuf);
    for (i = 0; i < count; i++)
        recs[i].rc = -1;
    for (i = 0; i < count; i++) {
        if (recs[i].key == NULL || *recs[i].key == '\0')
            msg_panic("spool_journal_append: a record without a dedupe key");
        if ((recs[i].error = append_invalid(&recs[i])) != NULL)
            continue;
        if ((rc = append_taken(j, &recs[i], err)) != 0) {
            if (rc < 0) {
                /* This record only: the others go on. */
                msg_warn("journal: %s", err->data);
                buf_reset(err);
                recs[i].error = "cannot read its dedupe marker";
            } else
                recs[i].rc = SPOOL_DUPLICATE;
            continue;
        }
        /* Unique in this process for 2^32 jobs; the spool checks the
         * rest (spool_entry's id_given). */
        snprintf(recs[i].id, sizeof(recs[i].id), "%08" PRIX32 "%08" PRIX32,
                 now, j->counter++);
        recs[i].created = (time_t) time(NULL);
        recs[i].rc = SPOOL_ACCEPTED;
        spool_journal_encode(&recs[i], j->wbuf);
        pending_add(j, &recs[i]);       /* later ones of the batch see it */
    }
    buf_free(err);
    if (j->wbuf->len == 0)
        return 0;
    pthread_mutex_lock(&j->lock);
    wlen = j->wlen;
    pthread_mutex_unlock(&j->lock);
    if (wlen > 0 && (wlen + j->wbuf->len > SPOOL_JOURNAL_SEGMENT_SIZE
                     || monotonic_now() - j->wopened >= SEGMENT_AGE)) {
        if (segment_next(j, why) < 0)
            goto fail;
        wlen = 0;
    }
    /* At the durable length, not at the file's end: what a failed
     * append left beyond it is written over. */
    if (pwrite_all(j->wfd, j->wbuf->data, j->wbuf->len, (off_t) wlen) < 0
        || fdatasync(j->wfd) < 0) {
        pthread_mutex_lock(&j->lock);
        buf_printf(why, "append to %s: %s", segment_path(j, j->wseq, path),
                   strerror(errno));
        pthread_mutex_unlock(&j->lock);
        /* Cut back what may be there, or leave the segment; either way
         * the next append writes at the durable length. */
        if (ftruncate(j->wfd, (off_t) wlen) < 0) {
            buf_append_str(why, "; ");
            (void) segment_next(j, why);
        }
        goto fail;
    }
    pthread_mutex_lock(&j->lock);
    j->wlen = wlen + j->wbuf->len;
    j->appended += j->wbuf->len;
    pthread_mutex_unlock(&j->lock);
    return 0;

fail:
    for (i = 0; i < count; i++)
        if (recs[i].rc == SPOOL_ACCEPTED)
            pending_remove(j, &recs[i]);
    return -1;
}

int spool_journal_append(struct spool_journal *j,
                         struct spool_journal_rec *recs, size_t count,
                         struct buf *why)
{
    int rc;

    pthread_mutex_lock(&j->append_lock);
    rc = append_locked(j, recs, count, why);
    pthread_mutex_unlock(&j->append_lock);
    return rc;
}

/* Draining. */

static void drain_close(struct spool_journal *j)
{
    if (j->rfd >= 0)
        close(j->rfd);
    j->rfd = -1;
    j->roff = 0;
    j->rlen = 0;
}

/* Drops the first n bytes of rdata: they are in the spool (or skipped). */
static void drain_consume(struct spool_journal *j, size_t n)
{
    if (n == 0)
        return;
    memmove(j->rdata, j->rdata + n, j->rlen - n);
    j->rlen -= n;
    j->roff += n;
    if (j->rseq >= j->own_from) {       /* counted in appended */
        pthread_mutex_lock(&j->lock);
        j->drained += n;
        pthread_mutex_unlock(&j->lock);
    }
}

/*
 * Reads what follows rdata in the segment, up to limit: the number of
 * bytes read (0: nothing more there), or -1.
 */
static ssize_t drain_read(struct spool_journal *j, uint64_t limit,
                          struct buf *why)
{
    char path[PATH_MAX];
    uint64_t at = j->roff + j->rlen;
    size_t want;
    ssize_t n;

    if (at >= limit)
        return 0;
    want = limit - at > READ_CHUNK ? READ_CHUNK : (size_t) (limit - at);
    if (j->rcap - j->rlen < want) {
        j->rcap = j->rlen + want;
        j->rdata = xrealloc(j->rdata, j->rcap);
    }
    while ((n = pread(j->rfd, j->rdata + j->rlen, want, (off_t) at)) < 0
           && errno == EINTR)
        continue;
    if (n < 0) {
        buf_printf(why, "read %s: %s", segment_path(j, j->rseq, path),
                   strerror(errno));
        return -1;
    }
    j->rlen += (size_t) n;
    return n;
}

/* The next record at the start of rdata is corrupt: skips to the next. */
static void drain_skip(struct spool_journal *j, const char *reason)
{
    char path[PATH_MAX];
    const unsigned char *p = j->rdata + 1;
    const unsigned char *end = j->rdata + j->rlen;
    size_t n;

    for (; p + MAGIC_LEN <= end; p++)
        if (memcmp(p, MAGIC, MAGIC_LEN) == 0)
            break;
    /* None found: keep a tail that may begin one, once more is read. */
    n = p + MAGIC_LEN <= end ? (size_t) (p - j->rdata)
        : j->rlen >= MAGIC_LEN ? j->rlen - (MAGIC_LEN - 1) : 0;
    msg_error("journal %s, offset %" PRIu64 ": %s; skipping %zu byte(s) to "
              "the next record", segment_path(j, j->rseq, path), j->roff,
              reason, n ? n : 1);
    drain_consume(j, n ? n : 1);
}

/*
 * A record stored alone failed again (why says how).  The records before
 * and after it are in the spool or on their way, and a failure that the
 * disk causes (full, failing) fails them all alike; one that fails alone
 * DRAIN_TRIES times in a row is this record's own (a corrupt marker for
 * its key, say).  Then it is copied to journal/failed/ID, logged, and
 * consumed, so that it stops holding up the journal: 1.  Otherwise, or
 * when the copy cannot be made durable, 0: tried again later.
 */
#define DRAIN_TRIES     10

static int drain_failed(struct spool_journal *j,
                        const struct spool_journal_rec *rec, size_t used,
                        struct buf *why)
{
    char dir[PATH_MAX], path[PATH_MAX + SPOOL_ID_LEN + 2];
    int fd;

    if (j->fail_seq == j->rseq && j->fail_off == j->roff)
        j->fail_count++;
    else {
        j->fail_seq = j->rseq;
        j->fail_off = j->roff;
        j->fail_count = 1;
    }
    if (j->fail_count < DRAIN_TRIES)
        return 0;
    snprintf(dir, sizeof(dir), "%s/failed", j->dir);
    snprintf(path, sizeof(path), "%s/%s", dir, rec->id);
    if ((mkdir(dir, 0700) < 0 && errno != EEXIST)
        || (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
                      | O_NOFOLLOW, 0600)) < 0)
        return 0;
    if (write_all(fd, j->rdata, used) < 0 || fdatasync(fd) < 0
        || close(fd) < 0 || fsync_dir(dir) < 0) {
        unlink(path);
        return 0;
    }
    msg_error("%s: journal record failed %d times alone, set aside as %s: "
              "%s", rec->id, DRAIN_TRIES, path, why->data);
    buf_reset(why);
    pending_remove(j, rec);
    drain_consume(j, used);
    j->fail_count = 0;
    if (j->single_left > 0)
        j->single_left--;
    return 1;
}

/*
 * Stores the records parsed from rdata (count of them, their bytes used):
 * 0, or -1 with the first failing entry's reason.
 */
static int drain_store(struct spool_journal *j, struct spool_entry *entries,
                       const struct spool_journal_rec *recs, size_t count,
                       size_t used, struct buf *why)
{
    size_t i;

    for (i = 0; i < count; i++) {
        entries[i].rc = -1;
        buf_reset(entries[i].why);
        entries[i].kind = recs[i].kind;
        entries[i].dedupe_key = recs[i].key;
        entries[i].payload = recs[i].payload;
        entries[i].payload_len = recs[i].payload_len;
        entries[i].id_given = 1;
        entries[i].created = recs[i].created;
        memcpy(entries[i].id, recs[i].id, SPOOL_ID_LEN + 1);
    }
    spool_enqueue_batch(j->spool, entries, count);
    for (i = 0; i < count; i++)
        if (entries[i].rc < 0) {
            buf_printf(why, "journal job %s: %s", recs[i].id,
                       entries[i].why->data);
            /* From here, one record at a time for a batch's worth: the
             * others go on, and the one that fails is found. */
            if (count == 1 && drain_failed(j, &recs[0], used, why))
                return 0;               /* set aside: go on */
            j->single_left = SPOOL_BATCH_MAX;
            return -1;
        }
    if (j->single_left > 0)
        j->single_left--;
    for (i = 0; i < count; i++) {
        if (entries[i].rc == SPOOL_DUPLICATE
            && strcmp(entries[i].id, recs[i].id) != 0)
            msg_info("%s: duplicate of job %s (kind %s): dropped", recs[i].id,
                     entries[i].id, recs[i].kind);
        pending_remove(j, &recs[i]);    /* its marker answers from now on */
    }
    drain_consume(j, used);
    return 0;
}

/*
 * Opens segment rseq (or the next one there is, when it is gone and the
 * writer has left it): 1 when there is one to read, 0 when it is the
 * writer's and does not exist yet, -1 with why.
 */
static int drain_open(struct spool_journal *j, uint64_t wseq, struct buf *why)
{
    char path[PATH_MAX];
    uint64_t next, highest;
    int rc;

    while (j->rfd < 0) {
        j->rfd = open(segment_path(j, j->rseq, path), O_RDONLY | O_CLOEXEC
                      | O_NOFOLLOW);
        if (j->rfd >= 0)
            break;
        if (errno != ENOENT) {
            buf_printf(why, "open %s: %s", path, strerror(errno));
            return -1;
        }
        if (j->rseq >= wseq)
            return 0;
        if ((rc = segment_scan(j, j->rseq, 0, &next, &highest, why)) < 0)
            return -1;
        j->rseq = rc == 0 && next < wseq ? next : wseq;
    }
    return 1;
}

/* The writer has left segment rseq and all of it is in: it goes. */
static void drain_finish(struct spool_journal *j)
{
    char path[PATH_MAX];

    /* A record that runs past the end but has another after it: its
     * length is damaged, not the end cut short.  Skip to the next. */
    if (j->rlen > MAGIC_LEN
        && memmem(j->rdata + 1, j->rlen - 1, MAGIC, MAGIC_LEN) != NULL) {
        drain_skip(j, "record longer than what follows it");
        return;
    }
    if (j->rlen > 0)
        msg_warn("journal %s: %zu byte(s) at its end are a record cut "
                 "short (never acknowledged): dropped",
                 segment_path(j, j->rseq, path), j->rlen);
    drain_consume(j, j->rlen);
    if (unlink(segment_path(j, j->rseq, path)) < 0 && errno != ENOENT)
        msg_warn("remove %s: %s", path, strerror(errno));
    else if (fsync_dir(j->dir) < 0)     /* gone for good: not replayed */
        msg_warn("fsync %s: %s", j->dir, strerror(errno));
    drain_close(j);
    j->rseq++;
}

/*
 * Parses up to want records from the start of rdata into recs, reading
 * more of the segment (up to limit) while the next one is incomplete and
 * skipping corrupt ones.  Returns how many it parsed, with their bytes in
 * *used (0: nothing complete there yet), or -1 with why.
 */
static long drain_parse(struct spool_journal *j, uint64_t limit,
                        struct spool_journal_rec *recs, size_t want,
                        size_t *used, struct buf *why)
{
    struct buf *err = buf_create(128);
    size_t n = 0, rec_len;
    ssize_t got;
    int rc;

    *used = 0;
    while (n < want) {
        buf_reset(err);
        rc = spool_journal_parse(j->rdata + *used, j->rlen - *used, &recs[n],
                                 &rec_len, err);
        if (rc == 1) {
            *used += rec_len;
            n++;
        } else if (rc < 0 && n == 0) {
            drain_skip(j, err->data);
        } else if (rc < 0 || n > 0) {
            break;      /* store these first; rdata must not move now */
        } else if ((got = drain_read(j, limit, why)) <= 0) {
            buf_free(err);
            return got < 0 ? -1 : 0;
        }
    }
    buf_free(err);
    return (long) n;
}

long spool_journal_drain(struct spool_journal *j, size_t max,
                         struct buf *why)
{
    struct spool_entry entries[SPOOL_BATCH_MAX];
    struct spool_journal_rec recs[SPOOL_BATCH_MAX];
    struct stat st;
    long taken = 0, n = 0;
    size_t i, used;
    int rc;

    memset(entries, 0, sizeof(entries));
    for (i = 0; i < SPOOL_BATCH_MAX; i++)
        entries[i].why = buf_create(64);
    for (;;) {
        uint64_t wseq, wlen, limit;
        /* After a failed batch, one record at a time: the others go on,
         * and the one that fails is found (drain_failed()). */
        size_t want = j->single_left > 0 ? 1 : SPOOL_BATCH_MAX;
        int closed;

        if (max != 0 && (size_t) taken + want > max)
            want = max - (size_t) taken;
        if (want == 0)
            break;
        pthread_mutex_lock(&j->lock);
        wseq = j->wseq;
        wlen = j->wlen;
        pthread_mutex_unlock(&j->lock);
        if ((rc = drain_open(j, wseq, why)) < 0) {
            n = -1;
            break;
        }
        if (rc == 0)
            break;                      /* nothing written yet */
        closed = j->rseq < wseq;
        if (closed && fstat(j->rfd, &st) < 0) {
            buf_printf(why, "fstat journal segment: %s", strerror(errno));
            n = -1;
            break;
        }
        limit = closed ? (uint64_t) st.st_size : wlen;
        if ((n = drain_parse(j, limit, recs, want, &used, why)) < 0)
            break;
        if (n > 0) {
            if (drain_store(j, entries, recs, (size_t) n, used, why) < 0) {
                n = -1;
                break;
            }
            taken += n;
        } else if (closed) {
            drain_finish(j);            /* all of it read, and left (or
                                         * a damaged length skipped) */
        } else {
            break;                      /* caught up with the writer */
        }
    }
    for (i = 0; i < SPOOL_BATCH_MAX; i++)
        buf_free(entries[i].why);
    return n < 0 ? -1 : taken;
}

int spool_journal_trim(struct spool_journal *j, struct buf *why)
{
    int trimmed = 0;

    if (pthread_mutex_trylock(&j->append_lock) != 0)
        return 0;                       /* an append is on: not idle */
    pthread_mutex_lock(&j->lock);
    if (j->rseq == j->wseq && j->rfd >= 0 && j->roff == j->wlen
        && j->rlen == 0 && j->wlen > 0) {
        if (ftruncate(j->wfd, 0) < 0) {
            buf_printf(why, "trim journal segment: %s", strerror(errno));
            trimmed = -1;
        } else {
            /* Emptied, durably or not: appends start at 0 again (a trim
             * that a crash undoes only brings back drained records). */
            j->wlen = 0;
            j->roff = 0;
            j->wopened = monotonic_now();
            trimmed = 1;
            if (fdatasync(j->wfd) < 0)
                msg_warn("trim journal segment: fdatasync: %s",
                         strerror(errno));
        }
    }
    pthread_mutex_unlock(&j->lock);
    pthread_mutex_unlock(&j->append_lock);
    return trimmed;
}

uint64_t spool_journal_backlog(struct spool_journal *j)
{
    uint64_t n;

    pthread_mutex_lock(&j->lock);
    n = j->appended > j->drained ? j->appended - j->drained : 0;
    pthread_mutex_unlock(&j->lock);
    return n;
}

/* Counts the records of one segment's data that no marker holds. */
static size_t pending_in(struct spool *spool, const unsigned char *data,
                         size_t len)
{
    struct spool_journal_rec rec;
    struct buf *err = buf_create(64);
    char holder[SPOOL_ID_LEN + 1];
    size_t at = 0, used, n = 0;
    int rc;

    while (at < len) {
        buf_reset(err);
        rc = spool_journal_parse(data + at, len - at, &rec, &used, err);
        if (rc == 0)
            break;
        if (rc < 0) {
            at++;                       /* as the drain skips */
            continue;
        }
        if (spool_dedupe_lookup(spool, rec.kind, rec.key, holder, err)
            == SPOOL_NOTFOUND)
            n++;
        at += used;
    }
    buf_free(err);
    return n;
}

/*
 * Calls each() with the first max bytes of every segment in DIR/journal
 * that is not empty, read-only and without a journal open (a segment
 * removed meanwhile is skipped).  0, or -1 with why; a journal directory
 * that does not exist holds no segment.
 */
static int segment_walk(const char *spool_dir, size_t max,
                        void (*each)(const unsigned char *data, size_t len,
                                     void *arg),
                        void *arg, struct buf *why)
{
    struct buf *dir = buf_create(strlen(spool_dir) + 16);
    struct buf *path = buf_create(256);
    struct dirent *dp;
    uint64_t seq;
    size_t len, size;
    char *data;
    DIR *d;
    int rc = 0;

    buf_printf(dir, "%s/%s", spool_dir, SPOOL_JOURNAL_DIR);
    if ((d = opendir(dir->data)) == NULL) {
        if (errno != ENOENT) {
            buf_printf(why, "open %s: %s", dir->data, strerror(errno));
            rc = -1;
        }
        goto out;
    }
    while ((errno = 0, dp = readdir(d)) != NULL) {
        if (segment_seq(dp->d_name, &seq) < 0)
            continue;
        buf_reset(path);
        buf_printf(path, "%s/%s", dir->data, dp->d_name);
        if (read_file_head(path->data, max, &data, &len, &size) < 0) {
            if (errno == ENOENT)
                continue;               /* drained meanwhile */
            buf_printf(why, "read %s: %s", path->data, strerror(errno));
            rc = -1;
            break;
        }
        if (size > 0)                   /* else trimmed or new */
            each((unsigned char *) data, len, arg);
        free(data);
    }
    if (rc == 0 && errno != 0) {
        buf_printf(why, "read %s: %s", dir->data, strerror(errno));
        rc = -1;
    }
    closedir(d);
out:
    buf_free(dir);
    buf_free(path);
    return rc;
}

struct pending_count {
    struct spool *spool;
    size_t records;
};

static void count_pending(const unsigned char *data, size_t len, void *arg)
{
    struct pending_count *pc = arg;

    pc->records += pending_in(pc->spool, data, len);
}

int spool_journal_pending(struct spool *spool, const char *spool_dir,
                          size_t *records, struct buf *why)
{
    struct pending_count pc = {spool, 0};
    int rc = segment_walk(spool_dir, SIZE_MAX / 2, count_pending, &pc, why);

    *records = pc.records;
    return rc;
}

/*
 * The time of a segment's first record, from its first bytes; 1 when it
 * cannot be read there (then every marker is kept).  The payload is not
 * read, so no check either.
 */
static void first_time(const unsigned char *data, size_t len, void *arg)
{
    time_t *oldest = arg;
    time_t t = 1;
    uint64_t v;

    if (len == FIRST_TIME_END && memcmp(data, MAGIC, MAGIC_LEN) == 0
        && (v = le_get_u64(data + FIRST_TIME_END - 8)) > 0 && v <= CREATED_MAX)
        t = (time_t) v;
    if (*oldest == 0 || t < *oldest)
        *oldest = t;
}

int spool_journal_oldest(const char *spool_dir, time_t *oldest,
                         struct buf *why)
{
    *oldest = 0;
    return segment_walk(spool_dir, FIRST_TIME_END, first_time, oldest, why);
}

/* Opening and closing. */

struct spool_journal *spool_journal_open(struct spool *spool,
                                         const char *spool_dir,
                                         struct buf *why)
{
    struct spool_journal *j = xcalloc(1, sizeof(*j));
    struct buf *dir = buf_create(strlen(spool_dir) + 16);
    uint64_t first = 0, highest = 0;
    int rc;

    buf_printf(dir, "%s/%s", spool_dir, SPOOL_JOURNAL_DIR);
    j->dir = buf_detach(dir, NULL);
    j->spool = spool;
    j->wfd = j->rfd = j->lockfd = -1;
    j->wbuf = buf_create(64 * 1024);
    pthread_mutex_init(&j->lock, NULL);
    pthread_mutex_init(&j->append_lock, NULL);
    j->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       g_free);
    if (mkdir(j->dir, 0700) == 0) {
        if (fsync_dir(spool_dir) < 0) {
            buf_printf(why, "fsync %s: %s", spool_dir, strerror(errno));
            goto fail;
        }
    } else if (errno != EEXIST) {
        buf_printf(why, "create %s: %s", j->dir, strerror(errno));
        goto fail;
    }
    /* Two writers would take each other's segment for a closed one. */
    if ((j->lockfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
        || flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
        buf_printf(why, errno == EWOULDBLOCK ? "%s is in use by another "
                   "process (a second postmask-bridge on this spool?)"
                   : "lock %s: %s", j->dir, strerror(errno));
        goto fail;
    }
    if ((rc = segment_scan(j, 0, 1, &first, &highest, why)) < 0)
        goto fail;
    /* What an earlier process left is drained before anything new. */
    j->rseq = rc == 0 ? first : highest + 1;
    j->wseq = rc == 0 ? highest + 1 : 1;
    j->own_from = j->wseq;
    if (rc == 0) {
        struct buf *err = buf_create(128);
        long n = spool_journal_drain(j, 0, err);

        if (n < 0)
            msg_error("cannot move the journal's jobs into the spool: %s; "
                      "trying again later", err->data);
        else if (n > 0)
            msg_info("journal: %ld record(s) left by an earlier run "
                     "drained into the spool", n);
        buf_free(err);
    }
    if ((j->wfd = segment_create(j, j->wseq, why)) < 0)
        goto fail;
    j->wopened = monotonic_now();
    if (getrandom(&j->counter, sizeof(j->counter), 0) != sizeof(j->counter))
        j->counter = (uint32_t) getpid() << 16;
    return j;

fail:
    spool_journal_close(j);
    return NULL;
}

void spool_journal_close(struct spool_journal *j)
{
    if (j == NULL)
        return;
    if (j->wfd >= 0)
        close(j->wfd);
    if (j->lockfd >= 0)
        close(j->lockfd);               /* and its lock */
    drain_close(j);
    buf_free(j->wbuf);
    free(j->rdata);
    g_hash_table_destroy(j->pending);
    pthread_mutex_destroy(&j->lock);
    pthread_mutex_destroy(&j->append_lock);
    free(j->dir);
    free(j);
}
