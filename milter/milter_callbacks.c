/* SPDX-License-Identifier: Apache-2.0 */
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
 *
 * Round trips are most of what a milter costs (each answer is a write, a
 * context switch and a wait in Postfix), so the steps that never refuse
 * anything are negotiated as "no reply" (SMFIP_NR_CONN, _MAIL, _HDR) and
 * their callbacks answer SMFIS_NOREPLY: Postfix streams the headers
 * without waiting.  The flags hold for the whole milter connection, MX and
 * masking listener alike, so a header callback never refuses: a header
 * section past capture_size_limit is refused at its end (eoh).  libmilter
 * answers CONTINUE itself when an MTA does not offer a flag.
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
        conn->set = milter_settings_acquire();
        conn->client = xstrdup("unknown");
        smfi_setpriv(ctx, conn);
    }
    return conn;
}

/* What a callback of step (an SMFIP_NR_* bit) answers to go on. */
static sfsistat go_on(const struct milter_conn *conn, unsigned long step)
{
    return (conn->noreply & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    struct milter_conn *conn = conn_of(ctx);
    unsigned long need = SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_ADDHDRS
        | SMFIF_CHGFROM | (conn->set->cfg->mask_bodies ? SMFIF_CHGBODY : 0);
    unsigned long steps = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;
    /* Steps whose callbacks never refuse: no answer, no waiting. */
    unsigned long noreply = SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_HDR;

    if ((f0 & need) != need) {
        msg_error("the MTA does not offer the milter actions postmask needs "
                  "(need 0x%lx, offered 0x%lx)", need, f0);
        return SMFIS_REJECT;
    }
    steps &= f1;                        /* only what the MTA can skip */
    if (f1 & SMFIP_HDR_LEADSPC) {
        steps |= SMFIP_HDR_LEADSPC;     /* header values verbatim */
        conn->leadspc = 1;
    }
    if (f1 & SMFIP_SKIP)
        steps |= SMFIP_SKIP;
    noreply &= f1;
    steps |= noreply;
    conn->noreply = noreply;
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
    conn->masking = milter_is_masking(conn->set, daemon);
    return go_on(conn, SMFIP_NR_CONN);
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
    struct milter_conn *conn = conn_of(ctx);

    milter_msg_reset(&conn->msg);
    milter_msg_set_sender(&conn->msg, argv[0] ? argv[0] : "");
    return go_on(conn, SMFIP_NR_MAIL);
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
    struct milter_conn *conn = conn_of(ctx);

    if (argv[0] == NULL || conn->masking)
        return SMFIS_CONTINUE;
    return milter_inbound_rcpt(ctx, conn, argv[0]);
}

/* Refuses a message past capture_size_limit: 552 5.3.4. */
static sfsistat refuse_too_big(SMFICTX *ctx, struct milter_conn *conn)
{
    size_t limit = (size_t) conn->set->cfg->capture_size_limit;
    const char *queue_id = milter_queue_id(ctx);
    char text[128];

    snprintf(text, sizeof(text), "Message too big for %s (limit %zu "
             "bytes)", conn->masking ? "body masking" : "a proxy address",
             limit);
    msg_info("%s: reject: %s larger than capture_size_limit (%zu bytes) "
             "from %s", queue_id, conn->masking ? "message to mask"
             : "message to proxy address", limit, conn->client);
    milter_setreply(ctx, queue_id, "552", "5.3.4", text);
    return SMFIS_REJECT;
}

/* Marks the message too big when raw passed capture_size_limit after
 * appending from old_len, and then drops what was appended. */
static int check_size(const struct milter_conn *conn, struct milter_msg *m,
                      size_t old_len)
{
    if (m->raw->len > (size_t) conn->set->cfg->capture_size_limit) {
        m->too_big = 1;
        buf_truncate(m->raw, old_len);
    }
    return m->too_big;
}

/* Appends to the raw message unless that passes capture_size_limit. */
static sfsistat append_raw(SMFICTX *ctx, struct milter_conn *conn,
                           const void *data, size_t len)
{
    struct milter_msg *m = &conn->msg;
    size_t old_len = m->raw->len;

    if (m->too_big)
        return refuse_too_big(ctx, conn);
    buf_append(m->raw, data, len);
    if (check_size(conn, m, old_len))
        return refuse_too_big(ctx, conn);
    return SMFIS_CONTINUE;
}

/*
 * Appends "name:value" CRLF to raw, each bare LF of a folded value made
 * CRLF, copying whole line spans rather than byte by byte.
 */
static void append_header_line(struct buf *raw, const char *name,
                               const char *value)
{
    const char *cp, *lf;

    buf_append_str(raw, name);
    buf_append_char(raw, ':');
    for (cp = value; (lf = strchr(cp, '\n')) != NULL; cp = lf + 1) {
        if (lf > value && lf[-1] == '\r') {
            buf_append(raw, cp, (size_t) (lf - cp) + 1);
        } else {
            buf_append(raw, cp, (size_t) (lf - cp));
            buf_append(raw, "\r\n", 2);
        }
    }
    buf_append_str(raw, cp);
    buf_append(raw, "\r\n", 2);
}

/* Header callbacks never refuse (SMFIP_NR_HDR, see above): a message whose
 * headers pass capture_size_limit is marked too big and refused at eoh. */
static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    struct milter_conn *conn = conn_of(ctx);
    struct milter_msg *m = &conn->msg;
    size_t old_len;

    if (conn->masking) {
        milter_msg_add_header(m, name, value);
        if (!conn->set->cfg->mask_bodies)
            return go_on(conn, SMFIP_NR_HDR);
    } else if (strncasecmp(name, INTERNAL_PREFIX, INTERNAL_PREFIX_LEN) == 0) {
        milter_msg_add_internal(m, name);
        return go_on(conn, SMFIP_NR_HDR);       /* never part of a capture */
    }
    if ((m->proxy_count == 0 && !conn->masking) || m->too_big)
        return go_on(conn, SMFIP_NR_HDR);
    if (m->raw == NULL)
        m->raw = buf_create(8192);
    old_len = m->raw->len;
    append_header_line(m->raw, name, value);
    (void) check_size(conn, m, old_len);
    return go_on(conn, SMFIP_NR_HDR);
}

static sfsistat on_eoh(SMFICTX *ctx)
{
    struct milter_conn *conn = conn_of(ctx);
    struct milter_msg *m = &conn->msg;

    if (m->too_big)
        return refuse_too_big(ctx, conn);
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

    if (conn->masking ? !conn->set->cfg->mask_bodies
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
        milter_msg_free(&conn->msg);
        free(conn->client);
        free(conn->client_addr);
        free(conn->daemon_name);
        milter_settings_release(conn->set);
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
