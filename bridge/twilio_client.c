/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_client - Twilio's REST calls on the bridge's curl_loop, with
 * Twilio's error bodies, retries and metrics (twilio_client.h).
 *
 * The transfers run on the shared curl_loop (curl_loop.h).  Each request
 * keeps one easy handle for all its tries (out of the loop between tries),
 * and one timer event that either starts the next try after a backoff or
 * delivers the final result.  Results are always delivered from that
 * timer, never from inside the loop's processing, so a callback may start
 * requests or free the client.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "curl_loop.h"
#include "metrics.h"
#include "msg.h"
#include "twilio_client.h"
#include "xalloc.h"

#define TWILIO_BODY_LIMIT       ((size_t) 4 << 20)     /* 4 MiB */
#define TWILIO_MEDIA_BODY_LIMIT ((size_t) 64 << 20)    /* 64 MiB */
#define TWILIO_BACKOFF_MS       250L
#define TWILIO_MAX_REDIRS       3L

/* One request, over all its tries. */
struct twilio_req {
    struct twilio_client *tc;
    struct twilio_req *prev;
    struct twilio_req *next;
    char *op;
    char *method;
    char *url;
    const char *path;           /* into url, for the log */
    char *body;                 /* POST body, or NULL */
    size_t body_len;
    twilio_cb *cb;
    void *arg;
    CURL *easy;
    struct curl_slist *headers;
    int in_loop;                /* the easy handle is in the curl_loop */
    struct event *timer;        /* next try, or delivery when done */
    int done;
    unsigned tries;
    int once;                   /* not idempotent: see twilio_client.h */
    size_t limit;
    int too_big;
    struct buf *answer;
    char errbuf[CURL_ERROR_SIZE];
    /* The last try's outcome. */
    int status;
    int code;
    char *message;
    char *more_info;
    json_t *json;
    char *content_type;
    long retry_after;
};

struct twilio_client {
    struct event_base *base;
    struct curl_loop *loop;     /* not owned */
    char *api_url;
    char *media_url;
    char *username;
    char *password;
    size_t password_len;
    long connect_timeout_ms;
    long request_timeout_ms;
    unsigned retry_limit;
    long max_retry_delay_ms;
    struct metrics *metrics;
    struct twilio_req *reqs;
    unsigned pending;
    uint64_t rng;
};

/* xorshift64*: jitter only, nothing secret. */
static uint64_t next_random(struct twilio_client *tc)
{
    tc->rng ^= tc->rng >> 12;
    tc->rng ^= tc->rng << 25;
    tc->rng ^= tc->rng >> 27;
    return tc->rng * 2685821657736338717ULL;
}

static void seed_random(struct twilio_client *tc)
{
    uint64_t seed = 0;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
        seed = (uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);
    tc->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static int is_http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0
        || strncasecmp(url, "https://", 8) == 0;
}

/* A copy of url without trailing slashes. */
static char *base_url(const char *url)
{
    size_t len = strlen(url);

    while (len > 0 && url[len - 1] == '/')
        len--;
    return xstrndup(url, len);
}

/* The path (and query) of an absolute URL: what the log shows. */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    const char *slash;

    if (p == NULL)
        return url;
    slash = strchr(p + 3, '/');
    return slash ? slash : "/";
}

/* Printable ASCII of an answer, at most max bytes, for messages. */
static void append_snippet(struct buf *out, const char *data, size_t len,
                           size_t max)
{
    size_t i;

    for (i = 0; i < len && i < max; i++) {
        unsigned char c = (unsigned char) data[i];

        buf_append_char(out, (c >= 0x20 && c < 0x7f) ? c : ' ');
    }
    if (len > max)
        buf_append_str(out, "...");
}

/* ---- metrics ---- */

static void count_try(struct twilio_req *req)
{
    char status[16];

    if (req->tc->metrics == NULL)
        return;
    snprintf(status, sizeof(status), "%d", req->status);
    metrics_add(req->tc->metrics, "postmask_twilio_requests_total",
                (const char *const[]) {"operation", req->op,
                                       "status", status, NULL}, 1);
}

static void count_retry(struct twilio_req *req)
{
    if (req->tc->metrics == NULL)
        return;
    metrics_add(req->tc->metrics, "postmask_twilio_retries_total",
                (const char *const[]) {"operation", req->op, NULL}, 1);
}

/* ---- requests ---- */

static void req_link(struct twilio_client *tc, struct twilio_req *req)
{
    req->next = tc->reqs;
    if (tc->reqs)
        tc->reqs->prev = req;
    tc->reqs = req;
    tc->pending++;
}

static void req_unlink(struct twilio_req *req)
{
    struct twilio_client *tc = req->tc;

    if (req->prev)
        req->prev->next = req->next;
    else
        tc->reqs = req->next;
    if (req->next)
        req->next->prev = req->prev;
    req->prev = req->next = NULL;
    tc->pending--;
}

static void req_clear_outcome(struct twilio_req *req)
{
    req->status = 0;
    req->code = 0;
    free(req->message);
    req->message = NULL;
    free(req->more_info);
    req->more_info = NULL;
    json_decref(req->json);
    req->json = NULL;
    free(req->content_type);
    req->content_type = NULL;
    req->retry_after = -1;
}

/* Releases the curl side: the easy handle and its headers. */
static void req_release_curl(struct twilio_req *req)
{
    if (req->easy) {
        if (req->in_loop)
            curl_loop_remove(req->tc->loop, req->easy);
        req->in_loop = 0;
        curl_easy_cleanup(req->easy);
        req->easy = NULL;
    }
    curl_slist_free_all(req->headers);
    req->headers = NULL;
}

static void req_free(struct twilio_req *req)
{
    req_release_curl(req);
    if (req->timer)
        event_free(req->timer);
    req_clear_outcome(req);
    buf_free(req->answer);
    free(req->op);
    free(req->method);
    free(req->url);
    free(req->body);
    free(req);
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct twilio_req *req = arg;
    size_t len = size * nmemb;

    if (req->answer->len + len > req->limit) {
        req->too_big = 1;
        return 0;
    }
    buf_append(req->answer, data, len);
    return len;
}

/* Retry-After in seconds (delta or HTTP date), or -1. */
static long answer_retry_after(CURL *easy)
{
    struct curl_header *h;
    const char *v;
    char *end;
    long secs;
    time_t when;

    if (curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1, &h)
        != CURLHE_OK || h->value == NULL)
        return -1;
    v = h->value;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        secs = strtol(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        return *end == 0 && secs >= 0 ? secs : -1;
    }
    when = curl_getdate(v, NULL);
    if (when == -1)
        return -1;
    return when > time(NULL) ? (long) (when - time(NULL)) : 0;
}

static int is_json_type(const char *ct)
{
    return ct != NULL && strcasestr(ct, "json") != NULL;
}

/* Twilio's {"code","message","more_info","status"} (or RFC 9457). */
static void parse_error_body(struct twilio_req *req)
{
    json_t *root, *v;
    json_error_t jerr;
    const char *text;
    struct buf *m;

    root = req->answer->len > 0
        ? json_loadb(req->answer->data, req->answer->len, 0, &jerr) : NULL;
    if (json_is_object(root)) {
        v = json_object_get(root, "code");
        if (json_is_integer(v))
            req->code = (int) json_integer_value(v);
        text = json_string_value(json_object_get(root, "message"));
        if (text == NULL)
            text = json_string_value(json_object_get(root, "detail"));
        if (text == NULL)
            text = json_string_value(json_object_get(root, "title"));
        if (text != NULL)
            req->message = xstrdup(text);
        else if (req->code != 0)
            req->message = xstrdup("no message");
        text = json_string_value(json_object_get(root, "more_info"));
        if (text != NULL)
            req->more_info = xstrdup(text);
    }
    json_decref(root);
    if (req->message != NULL)
        return;
    m = buf_create(160);
    if (req->answer->len == 0) {
        buf_append_str(m, "empty answer");
    } else {
        buf_printf(m, "not a Twilio error answer (%s, %zu bytes): ",
                   req->content_type ? req->content_type
                   : "no content type", req->answer->len);
        append_snippet(m, req->answer->data, req->answer->len, 120);
    }
    req->message = buf_detach(m, NULL);
}

/*
 * A 2xx answer: its JSON when it declares JSON (or declares nothing).  One
 * that declares JSON and does not parse is no usable answer: status 0, not
 * retried.  Returns 0 (never retried).
 */
static int parse_ok_body(struct twilio_req *req)
{
    json_error_t jerr;
    struct buf *m;

    if (req->answer->len == 0)
        return 0;
    if (!is_json_type(req->content_type) && req->content_type != NULL)
        return 0;
    req->json = json_loadb(req->answer->data, req->answer->len, 0, &jerr);
    if (req->json == NULL && is_json_type(req->content_type)) {
        m = buf_create(160);
        buf_printf(m, "HTTP %d answer is not valid JSON: %s: ", req->status,
                   jerr.text);
        append_snippet(m, req->answer->data, req->answer->len, 80);
        req->message = buf_detach(m, NULL);
        req->status = 0;
    }
    return 0;
}

/* Transport errors that another try cannot fix. */
static int curl_final_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_LOGIN_DENIED:
        return 1;
    default:
        return 0;
    }
}

/* Records a finished try's outcome; returns 1 when it may be retried. */
static int record_try(struct twilio_req *req, CURLcode rc)
{
    long status = 0;
    char *ct = NULL;
    struct buf *m;

    req_clear_outcome(req);
    req->tries++;
    if (rc != CURLE_OK) {
        m = buf_create(128);
        if (req->too_big || rc == CURLE_FILESIZE_EXCEEDED)
            buf_printf(m, "the answer is larger than the limit of %zu bytes",
                       req->limit);
        else
            buf_append_str(m, req->errbuf[0] ? req->errbuf
                           : curl_easy_strerror(rc));
        req->message = buf_detach(m, NULL);
        count_try(req);
        if (req->once)          /* only when nothing reached Twilio */
            return rc == CURLE_COULDNT_CONNECT
                || rc == CURLE_COULDNT_RESOLVE_HOST;
        return !req->too_big && !curl_final_error(rc);
    }
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ct);
    req->status = (int) status;
    if (ct != NULL)
        req->content_type = xstrdup(ct);
    req->retry_after = answer_retry_after(req->easy);
    count_try(req);
    if (req->status >= 200 && req->status < 300)
        return parse_ok_body(req);
    parse_error_body(req);
    if (req->once)              /* Twilio: a 429 was never processed */
        return req->status == 429;
    return req->status == 429 || (req->status >= 500 && req->status < 600);
}

static long retry_delay(struct twilio_req *req)
{
    struct twilio_client *tc = req->tc;
    long cap = tc->max_retry_delay_ms;
    long base = TWILIO_BACKOFF_MS;
    unsigned i;

    if ((req->status == 429 || req->status == 503) && req->retry_after >= 0)
        return req->retry_after > cap / 1000 ? cap : req->retry_after * 1000;
    for (i = 1; i < req->tries && base < cap; i++)
        base *= 2;
    if (base > cap)
        base = cap;
    return (long) (next_random(tc) % (uint64_t) (base + 1));
}

/* What went wrong with the last try, for the retry log line. */
static void describe_outcome(const struct twilio_req *req, struct buf *out)
{
    if (req->status == 0) {
        buf_printf(out, "%s", req->message);
        return;
    }
    buf_printf(out, "HTTP %d", req->status);
    if (req->code)
        buf_printf(out, ", Twilio error %d", req->code);
    if (req->message)
        buf_printf(out, ": %s", req->message);
    if (req->retry_after >= 0)
        buf_printf(out, " (Retry-After %ld)", req->retry_after);
}

static void log_failure(const struct twilio_req *req)
{
    if (req->status == 0) {
        msg_warn("twilio: %s: %s %s: no usable answer after %u tr%s: %s",
                 req->op, req->method, req->path, req->tries,
                 req->tries == 1 ? "y" : "ies", req->message);
    } else if (req->status == 404 && strcmp(req->method, "GET") == 0) {
        /* A lookup that found nothing: often the expected answer (is
         * there a conversation with this unique name yet?). */
        msg_info("twilio: %s: %s %s: not found (HTTP 404)", req->op,
                 req->method, req->path);
    } else if (req->code) {
        msg_warn("twilio: %s: %s %s: HTTP %d, Twilio error %d: %s%s%s%s",
                 req->op, req->method, req->path, req->status, req->code,
                 req->message, req->more_info ? " (" : "",
                 req->more_info ? req->more_info : "",
                 req->more_info ? ")" : "");
    } else {
        msg_warn("twilio: %s: %s %s: HTTP %d: %s", req->op, req->method,
                 req->path, req->status, req->message);
    }
}

/* The request's timer: the next try, or the final result. */
static void deliver(struct twilio_req *req)
{
    struct twilio_result res;

    req_unlink(req);
    req_release_curl(req);
    event_free(req->timer);
    req->timer = NULL;
    if (!(req->status >= 200 && req->status < 300))
        log_failure(req);
    memset(&res, 0, sizeof(res));
    res.op = req->op;
    res.status = req->status;
    res.code = req->code;
    res.message = req->message;
    res.more_info = req->more_info;
    res.json = req->json;
    res.body = (const unsigned char *) req->answer->data;
    res.body_len = req->answer->len;
    res.content_type = req->content_type;
    res.retry_after = req->retry_after;
    res.tries = req->tries;
    req->cb(&res, req->arg);
    req_free(req);
}

static void on_try_done(CURL *easy, CURLcode rc, void *arg);

static void on_req_timer(evutil_socket_t fd, short what, void *arg)
{
    struct twilio_req *req = arg;
    struct buf *why;

    (void) fd;
    (void) what;
    if (req->done) {
        deliver(req);
        return;
    }
    buf_reset(req->answer);
    req->too_big = 0;
    req->errbuf[0] = 0;
    why = buf_create(64);
    if (curl_loop_add(req->tc->loop, req->easy, on_try_done, req, why) < 0) {
        req_clear_outcome(req);
        req->message = buf_detach(why, NULL);
        deliver(req);
        return;
    }
    buf_free(why);
    req->in_loop = 1;
}

static void schedule(struct twilio_req *req, long delay_ms)
{
    struct timeval tv;

    tv.tv_sec = delay_ms / 1000;
    tv.tv_usec = (delay_ms % 1000) * 1000;
    evtimer_add(req->timer, &tv);
}

static void try_finished(struct twilio_req *req, CURLcode rc)
{
    struct buf *why;
    long delay;

    if (record_try(req, rc) && req->tries <= req->tc->retry_limit) {
        delay = retry_delay(req);
        why = buf_create(128);
        describe_outcome(req, why);
        msg_warn("twilio: %s: retry %u in %ldms: %s", req->op, req->tries,
                 delay, why->data);
        buf_free(why);
        count_retry(req);
        schedule(req, delay);
        return;
    }
    req->done = 1;
    schedule(req, 0);
}

/* The loop's report of one try. */
static void on_try_done(CURL *easy, CURLcode rc, void *arg)
{
    struct twilio_req *req = arg;

    (void) easy;
    req->in_loop = 0;
    try_finished(req, rc);
}

/* ---- the client ---- */

struct twilio_client *twilio_client_create(struct event_base *base,
                                           const struct twilio_client_opts *opts,
                                           struct buf *why)
{
    struct twilio_client *tc;

    if (opts->api_url == NULL || !is_http_url(opts->api_url)) {
        buf_printf(why, "twilio: the API URL must be an http(s) URL");
        return NULL;
    }
    if (opts->media_url == NULL || !is_http_url(opts->media_url)) {
        buf_printf(why, "twilio: the media URL must be an http(s) URL");
        return NULL;
    }
    if (opts->username == NULL || *opts->username == 0
        || opts->password == NULL) {
        buf_printf(why, "twilio: no credentials");
        return NULL;
    }
    if (opts->connect_timeout_ms <= 0 || opts->request_timeout_ms <= 0
        || opts->max_retry_delay_ms <= 0) {
        buf_printf(why, "twilio: the timeouts and the retry delay must be "
                   "positive");
        return NULL;
    }
    if (opts->loop == NULL) {
        buf_printf(why, "twilio: no curl loop");
        return NULL;
    }
    tc = xcalloc(1, sizeof(*tc));
    tc->base = base;
    tc->loop = opts->loop;
    tc->api_url = base_url(opts->api_url);
    tc->media_url = base_url(opts->media_url);
    tc->username = xstrdup(opts->username);
    tc->password_len = strlen(opts->password);
    tc->password = xstrdup(opts->password);
    tc->connect_timeout_ms = opts->connect_timeout_ms;
    tc->request_timeout_ms = opts->request_timeout_ms;
    tc->retry_limit = opts->retry_limit;
    tc->max_retry_delay_ms = opts->max_retry_delay_ms;
    tc->metrics = opts->metrics;
    seed_random(tc);
    return tc;
}

void twilio_client_free(struct twilio_client *tc)
{
    struct twilio_req *req;

    if (tc == NULL)
        return;
    while ((req = tc->reqs) != NULL) {
        req_unlink(req);
        req_free(req);
    }
    free(tc->api_url);
    free(tc->media_url);
    free(tc->username);
    if (tc->password) {
        explicit_bzero(tc->password, tc->password_len);
        free(tc->password);
    }
    free(tc);
}

void twilio_client_set_password(struct twilio_client *tc,
                                const char *password)
{
    explicit_bzero(tc->password, tc->password_len);
    free(tc->password);
    tc->password_len = strlen(password);
    tc->password = xstrdup(password);
}

const char *twilio_client_media_url(const struct twilio_client *tc)
{
    return tc->media_url;
}

unsigned twilio_client_pending(const struct twilio_client *tc)
{
    return tc->pending;
}

/* The options every try of req uses. */
static int setup_easy(struct twilio_req *req, const struct twilio_request *r,
                      struct buf *why)
{
    struct twilio_client *tc = req->tc;
    CURL *e = req->easy;
    struct buf *h;
    CURLcode rc = CURLE_OK;

#define SET(opt, val) \
    do { \
        if (rc == CURLE_OK) \
            rc = curl_easy_setopt(e, opt, val); \
    } while (0)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_ERRORBUFFER, req->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, tc->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, tc->request_timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
    SET(CURLOPT_USERNAME, tc->username);
    SET(CURLOPT_PASSWORD, tc->password);
    SET(CURLOPT_USERAGENT, "postmask-bridge/" POSTMASK_VERSION);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, req);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) req->limit);
    if (strcmp(req->method, "GET") == 0) {
        /* Media content answers with a redirect to its temporary URL;
         * curl never sends the credentials to another host. */
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, TWILIO_MAX_REDIRS);
    } else if (strcmp(req->method, "POST") == 0) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, req->method);
    }
#undef SET
    if (rc != CURLE_OK) {
        buf_printf(why, "twilio: %s: cannot set up the request: %s", req->op,
                   curl_easy_strerror(rc));
        return -1;
    }
    req->headers = curl_slist_append(req->headers, "Accept: application/json");
    req->headers = curl_slist_append(req->headers, "Expect:");
    h = buf_create(128);
    if (r->raw != NULL) {
        buf_printf(h, "Content-Type: %s",
                   r->raw_type ? r->raw_type : "application/octet-stream");
        req->headers = curl_slist_append(req->headers, h->data);
    } else if (strcmp(req->method, "POST") == 0) {
        req->headers = curl_slist_append(req->headers,
                        "Content-Type: application/x-www-form-urlencoded");
    }
    if (r->webhook_enabled != NULL) {
        buf_reset(h);
        buf_printf(h, "X-Twilio-Webhook-Enabled: %s", r->webhook_enabled);
        req->headers = curl_slist_append(req->headers, h->data);
    }
    buf_free(h);
    if (req->headers == NULL
        || curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers) != CURLE_OK) {
        buf_printf(why, "twilio: %s: cannot set the request headers", req->op);
        return -1;
    }
    return 0;
}

static int header_value_ok(const char *v)
{
    for (; *v; v++)
        if (*v == '\r' || *v == '\n')
            return 0;
    return 1;
}

int twilio_client_start(struct twilio_client *tc,
                        const struct twilio_request *r,
                        twilio_cb *cb, void *arg, struct buf *why)
{
    struct twilio_req *req;
    struct buf *url, *err;
    size_t media_len;

    if (r->op == NULL || r->method == NULL || r->url == NULL || cb == NULL) {
        buf_printf(why, "twilio: a request needs an operation, a method, "
                   "a URL and a callback");
        form_free(r->form);
        return -1;
    }
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "POST") != 0
        && strcmp(r->method, "DELETE") != 0) {
        buf_printf(why, "twilio: %s: unsupported method %s", r->op, r->method);
        form_free(r->form);
        return -1;
    }
    if ((r->form != NULL || r->raw != NULL) && strcmp(r->method, "POST") != 0) {
        buf_printf(why, "twilio: %s: a body needs POST, not %s", r->op,
                   r->method);
        form_free(r->form);
        return -1;
    }
    if (r->form != NULL && r->raw != NULL) {
        buf_printf(why, "twilio: %s: a form and a raw body at once", r->op);
        form_free(r->form);
        return -1;
    }
    if (strstr(r->url, "://") != NULL ? !is_http_url(r->url)
        : r->url[0] != '/') {
        buf_printf(why, "twilio: %s: %s is neither an http(s) URL nor a path",
                   r->op, r->url);
        form_free(r->form);
        return -1;
    }
    if ((r->webhook_enabled && !header_value_ok(r->webhook_enabled))
        || (r->raw_type && !header_value_ok(r->raw_type))) {
        buf_printf(why, "twilio: %s: a header value holds a line break", r->op);
        form_free(r->form);
        return -1;
    }

    req = xcalloc(1, sizeof(*req));
    req->tc = tc;
    req->op = xstrdup(r->op);
    req->once = r->not_idempotent;
    req->method = xstrdup(r->method);
    url = buf_create(256);
    if (r->url[0] == '/')
        buf_append_str(url, tc->api_url);
    buf_append_str(url, r->url);
    req->url = buf_detach(url, NULL);
    req->path = url_path(req->url);
    media_len = strlen(tc->media_url);
    req->limit = strncasecmp(req->url, tc->media_url, media_len) == 0
        && (req->url[media_len] == '/' || req->url[media_len] == 0)
        ? TWILIO_MEDIA_BODY_LIMIT : TWILIO_BODY_LIMIT;
    if (r->form != NULL) {
        struct buf *encoded = buf_create(128);

        form_encode(r->form, encoded);
        req->body = buf_detach(encoded, &req->body_len);
    } else if (r->raw != NULL) {
        req->body_len = r->raw_len;
        req->body = xmalloc(r->raw_len + 1);
        memcpy(req->body, r->raw, r->raw_len);
        req->body[r->raw_len] = 0;
    }
    form_free(r->form);
    req->cb = cb;
    req->arg = arg;
    req->retry_after = -1;
    req->answer = buf_create(1024);
    req->timer = evtimer_new(tc->base, on_req_timer, req);
    req->easy = curl_easy_init();
    if (req->timer == NULL || req->easy == NULL) {
        buf_printf(why, "twilio: %s: cannot create the request", r->op);
        req_free(req);
        return -1;
    }
    if (setup_easy(req, r, why) < 0) {
        req_free(req);
        return -1;
    }
    err = buf_create(64);
    if (curl_loop_add(tc->loop, req->easy, on_try_done, req, err) < 0) {
        buf_printf(why, "twilio: %s: %s", r->op, err->data);
        buf_free(err);
        req_free(req);
        return -1;
    }
    buf_free(err);
    req->in_loop = 1;
    req_link(tc, req);
    return 0;
}

void twilio_form_add_json(struct form *form, const char *name,
                          const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

    if (text == NULL)
        msg_panic("twilio_form_add_json: %s: cannot encode the JSON value",
                  name);
    form_add(form, name, text);
    free(text);
}
