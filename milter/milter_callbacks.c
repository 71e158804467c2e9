/*
 * milter_callbacks - postmask-milter's libmilter callbacks: the SMTP
 * conversation as libmilter reports it, turned into per-message state and
 * handed to the module that acts on it: milter_outbound.c on a masking
 * listener ({daemon_name} in masking_daemon_names), milter_inbound.c
 * (replies to proxy addresses) everywhere else.
 *
 * Mail that has no proxy recipient costs little: its body is skipped
 * (SMFIP_SKIP) and, unless it carries internal X-Postmask-* headers that
 * must be removed, it is accepted at the end of its headers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "milter.h"
#include "msg.h"
#include "xalloc.h"

#define INTERNAL_PREFIX      "X-Postmask-"
#define INTERNAL_PREFIX_LEN  (sizeof(INTERNAL_PREFIX) - 1)

static struct milter_conn *conn_of(SMFICTX *ctx)
{
    struct milter_conn *conn = smfi_getpriv(ctx);

    if (conn == NULL) {
        /* A callback without connect (libmilter negotiated it away). */
        conn = xcalloc(1, sizeof(*conn));
        conn->client = xstrdup("unknown");
        smfi_setpriv(ctx, conn);
    }
    return conn;
}

/* Strips one pair of angle brackets. */
static char *strip_brackets(const char *arg)
{
    size_t len = strlen(arg);

    if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        return xstrndup(arg + 1, len - 2);
    return xstrdup(arg);
}

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    unsigned long need = SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_ADDHDRS
        | SMFIF_CHGFROM | (milter_ctx->cfg->mask_bodies ? SMFIF_CHGBODY : 0);
    unsigned long steps = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;

    if ((f0 & need) != need) {
        msg_error("the MTA does not offer the milter actions postmask needs "
                  "(need 0x%lx, offered 0x%lx)", need, f0);
        return SMFIS_REJECT;
    }
    steps &= f1;                        /* only what the MTA can skip */
    if (f1 & SMFIP_HDR_LEADSPC) {
        steps |= SMFIP_HDR_LEADSPC;     /* header values verbatim */
        conn_of(ctx)->leadspc = 1;
    }
    if (f1 & SMFIP_SKIP)
        steps |= SMFIP_SKIP;
    *pf0 = need;
    *pf1 = steps;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

/* The client's IP address as text, or NULL when it has none. */
static char *client_addr(const struct sockaddr *sa)
{
    char addr[INET6_ADDRSTRLEN];

    if (sa != NULL && sa->sa_family == AF_INET
        && inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
                     addr, sizeof(addr)) != NULL)
        return xstrdup(addr);
    if (sa != NULL && sa->sa_family == AF_INET6
        && inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
                     addr, sizeof(addr)) != NULL)
        return xstrdup(addr);
    return NULL;
}

/* "name[addr]" as Postfix logs a client; "unknown" for a missing part. */
static char *client_text(const char *hostname, const char *addr)
{
    struct buf *text = buf_create(64);

    if (hostname == NULL || *hostname == '\0' || *hostname == '[')
        hostname = "unknown";
    buf_printf(text, "%s[%s]", hostname, addr ? addr : "unknown");
    return buf_detach(text, NULL);
}

static sfsistat on_connect(SMFICTX *ctx, char *hostname,
                           struct sockaddr *hostaddr)
{
    struct milter_conn *conn = conn_of(ctx);
    const char *daemon = smfi_getsymval(ctx, "{daemon_name}");

    free(conn->client_addr);
    conn->client_addr = client_addr(hostaddr);
    free(conn->client);
    conn->client = client_text(hostname, conn->client_addr);
    free(conn->daemon_name);
    conn->daemon_name = daemon ? xstrdup(daemon) : NULL;
    conn->masking = milter_is_masking(daemon);
    return SMFIS_CONTINUE;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
    struct milter_conn *conn = conn_of(ctx);

    milter_msg_reset(&conn->msg);
    conn->msg.sender = strip_brackets(argv[0] ? argv[0] : "");
    return SMFIS_CONTINUE;
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
    struct milter_conn *conn = conn_of(ctx);

    if (argv[0] == NULL || conn->masking)
        return SMFIS_CONTINUE;
    return milter_inbound_rcpt(ctx, conn, argv[0]);
}

/* Appends to the raw message unless that passes capture_size_limit. */
static sfsistat append_raw(SMFICTX *ctx, struct milter_conn *conn,
                           const void *data, size_t len)
{
    struct milter_msg *m = &conn->msg;
    size_t limit = (size_t) milter_ctx->cfg->capture_size_limit;

    if (m->too_big || m->raw->len + len > limit) {
        const char *queue_id = milter_queue_id(ctx);
        char text[128];

        m->too_big = 1;
        snprintf(text, sizeof(text), "Message too big for %s (limit %zu "
                 "bytes)", conn->masking ? "body masking" : "a proxy address",
                 limit);
        msg_info("%s: reject: %s larger than capture_size_limit (%zu bytes) "
                 "from %s", queue_id, conn->masking ? "message to mask"
                 : "message to proxy address", limit, conn->client);
        milter_setreply(ctx, queue_id, "552", "5.3.4", text);
        return SMFIS_REJECT;
    }
    buf_append(m->raw, data, len);
    return SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    struct milter_conn *conn = conn_of(ctx);
    struct milter_msg *m = &conn->msg;
    struct buf *line;
    const char *cp;
    sfsistat ret;

    if (conn->masking) {
        milter_msg_add_header(m, name, value);
        if (!milter_ctx->cfg->mask_bodies)
            return SMFIS_CONTINUE;
    } else if (strncasecmp(name, INTERNAL_PREFIX, INTERNAL_PREFIX_LEN) == 0) {
        milter_msg_add_internal(m, name);
        return SMFIS_CONTINUE;          /* never part of a capture */
    }
    if (m->proxy_count == 0 && !conn->masking)
        return SMFIS_CONTINUE;
    if (m->raw == NULL)
        m->raw = buf_create(8192);
    /* name ":" value CRLF, with folded lines ending in CRLF too. */
    line = buf_create(strlen(name) + strlen(value) + 8);
    buf_printf(line, "%s:", name);
    for (cp = value; *cp; cp++) {
        if (*cp == '\n' && (cp == value || cp[-1] != '\r'))
            buf_append_char(line, '\r');
        buf_append_char(line, *cp);
    }
    buf_append_str(line, "\r\n");
    ret = append_raw(ctx, conn, line->data, line->len);
    buf_free(line);
    return ret;
}

static sfsistat on_eoh(SMFICTX *ctx)
{
    struct milter_conn *conn = conn_of(ctx);
    struct milter_msg *m = &conn->msg;

    if (conn->masking)
        return milter_outbound_eoh(ctx, conn);
    if (m->proxy_count == 0 && m->internal_count == 0)
        return SMFIS_ACCEPT;            /* nothing for us: cheap exit */
    if (m->proxy_count == 0)
        return SMFIS_CONTINUE;
    if (m->raw == NULL)
        m->raw = buf_create(8192);
    return append_raw(ctx, conn, "\r\n", 2);
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct milter_conn *conn = conn_of(ctx);

    if (conn->masking ? !milter_ctx->cfg->mask_bodies
        : conn->msg.proxy_count == 0)
        return SMFIS_SKIP;
    return append_raw(ctx, conn, chunk, len);
}

/* Removes the X-Postmask-* headers, last first so indexes stay valid. */
static void remove_internal_headers(SMFICTX *ctx, struct milter_msg *m,
                                    const char *queue_id)
{
    size_t i, j;

    for (i = m->internal_count; i-- > 0;) {
        int index = 1;

        for (j = 0; j < i; j++)
            if (strcasecmp(m->internal_headers[j], m->internal_headers[i]) == 0)
                index++;
        milter_delheader(ctx, queue_id, m->internal_headers[i], index);
    }
    if (m->internal_count > 0)
        msg_info("%s: removed %zu internal X-Postmask header(s) from "
                 "outside", queue_id, m->internal_count);
}

static sfsistat on_eom(SMFICTX *ctx)
{
    struct milter_conn *conn = conn_of(ctx);
    struct milter_msg *m = &conn->msg;
    const char *queue_id = milter_queue_id(ctx);
    sfsistat ret = SMFIS_CONTINUE;

    if (conn->masking) {
        ret = milter_outbound_eom(ctx, conn, queue_id);
        milter_msg_reset(m);
        return ret;
    }
    if (m->proxy_count > 0)
        ret = milter_inbound_eom(ctx, conn, queue_id);
    if (ret == SMFIS_CONTINUE)
        remove_internal_headers(ctx, m, queue_id);
    milter_msg_reset(m);
    return ret;
}

static sfsistat on_abort(SMFICTX *ctx)
{
    struct milter_conn *conn = smfi_getpriv(ctx);

    if (conn != NULL)
        milter_msg_reset(&conn->msg);
    return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
    struct milter_conn *conn = smfi_getpriv(ctx);

    if (conn != NULL) {
        milter_msg_reset(&conn->msg);
        free(conn->client);
        free(conn->client_addr);
        free(conn->daemon_name);
        free(conn);
        smfi_setpriv(ctx, NULL);
    }
    return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "postmask",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_ADDHDRS
        | SMFIF_CHGFROM | SMFIF_CHGBODY,
    .xxfi_connect = on_connect,
    .xxfi_helo = NULL,
    .xxfi_envfrom = on_envfrom,
    .xxfi_envrcpt = on_envrcpt,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
    .xxfi_unknown = NULL,
    .xxfi_data = NULL,
    .xxfi_negotiate = on_negotiate,
};
