/* SPDX-License-Identifier: Apache-2.0 */
/*
 * milter - postmask-milter's shared declarations.
 *
 * struct milter_context holds what lives as long as the process: the spool
 * and the two rate limiters (each with its own mutex, rate_limit.h), and
 * the current settings.  milter_main.c fills it before smfi_main().
 *
 * struct milter_settings is what a reload (SIGUSR1, milter_reload.c)
 * replaces: the configuration, the address keys and the capture options
 * derived from them.  A settings object never changes once installed; it
 * is reference-counted under the context's lock.  A connection takes a
 * reference at its first callback (milter_settings_acquire()) and gives it
 * back when it closes, so an SMTP session keeps the settings it started
 * with from negotiation to its end, and a reload never changes what a
 * message in progress sees.  The last reference frees a replaced object.
 *
 * Per-connection state (struct milter_conn, made in the connect callback,
 * freed in close) holds per-message state (struct milter_msg, reset at each
 * MAIL FROM, at end of message and on abort).  Both belong to the one
 * libmilter thread that serves the connection.
 */
#ifndef POSTMASK_MILTER_H
#define POSTMASK_MILTER_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include <libmilter/mfapi.h>

#include "address_keys.h"
#include "buf.h"
#include "capture.h"
#include "config.h"
#include "mask.h"
#include "mempool.h"
#include "proxy_address.h"
#include "rate_limit.h"
#include "spool.h"

struct milter_settings {
    struct config *cfg;                 /* owned */
    struct address_keys *keys;          /* owned */
    struct capture_options capture;     /* points into cfg */
    unsigned refs;                      /* under milter_context.lock */
};

struct milter_context {
    struct spool *spool;
    struct rate_limit *capture_rate;    /* by conversation SID, per hour */
    struct rate_limit *rcpt_failures;   /* by client IP, per minute */
    pthread_mutex_t lock;               /* settings and refs */
    struct milter_settings *settings;   /* the current ones */
};

/* The one context; set by milter_main.c before smfi_main(). */
extern struct milter_context *milter_ctx;

/*
 * milter_settings.c.  milter_settings_create() takes ownership of cfg and
 * keys (never NULL) and warns about settings that work but lose something
 * (no trusted_authserv_ids).  milter_settings_install() makes settings current
 * (the context holds one reference to the current object) and drops the
 * context's reference to the one it replaces; acquire and release count
 * the users of the current object.  All three take the context's lock.
 */
struct milter_settings *milter_settings_create(struct config *cfg,
                                               struct address_keys *keys);
void milter_settings_install(struct milter_settings *settings);
const struct milter_settings *milter_settings_acquire(void);
void milter_settings_release(const struct milter_settings *settings);

/*
 * milter_reload.c: milter_reload_start() starts the thread that reloads
 * on SIGUSR1 (main() blocked it, and every thread inherits the mask), from
 * config_dir (a string that lives as long as the process);
 * milter_reload_stop() ends it, waiting for a reload under way.
 * milter_reload_signals() fills set with what main() blocks before it
 * creates any thread.
 */
void milter_reload_signals(sigset_t *set);
pthread_t milter_reload_start(const char *config_dir);
void milter_reload_stop(pthread_t tid);

struct milter_rcpt {
    char *arg;                  /* as given at RCPT TO, for smfi_delrcpt() */
    char *address;              /* without <> */
    char sid[CONVERSATION_SID_LEN + 1];
    int bounce_tag;             /* enum bounce_tag_status of its +b detail */
};

/*
 * Everything a message collects that is not the raw message lives in one
 * alloc-only pool (mempool.h): the sender, the recipients' strings, the
 * header names and values and the arrays that point to them.  One
 * milter_msg_reset() releases it all; the pool's first block is kept for
 * the connection's next message.
 */
struct milter_msg {
    struct mempool *pool;       /* owns every pointer below but raw */
    char *sender;               /* envelope sender without <>; "" for <> */
    struct milter_rcpt *proxies;    /* proxy recipients that verified */
    size_t proxy_count;
    size_t proxy_cap;
    size_t other_count;         /* every other recipient */
    struct buf *raw;            /* headers and body, when capturing */
    int too_big;                /* raw passed capture_size_limit */
    char **internal_headers;    /* X-Postmask-* names, in arrival order */
    size_t internal_count;
    size_t internal_cap;
    /* Masking listener only: every header, in arrival order. */
    struct mask_header *headers;
    size_t header_count;
    size_t header_cap;
    char conversation[CONVERSATION_SID_LEN + 1];   /* from the header */
};

struct milter_conn {
    const struct milter_settings *set;  /* a reference, for the session */
    char *client;               /* "name[addr]" for logs */
    char *client_addr;          /* the client's IP address; NULL: unknown */
    char *daemon_name;          /* Postfix's {daemon_name} */
    int masking;                /* daemon_name is a masking listener */
    int leadspc;                /* header values verbatim (SMFIP_HDR_LEADSPC) */
    unsigned long noreply;      /* SMFIP_NR_* negotiated: answer NOREPLY */
    struct milter_msg msg;
};

/* milter_msg.c: milter_msg_reset() empties the state for the next message
 * (safe on an empty one); milter_msg_free() also releases the pool, when
 * the connection closes.  The add functions copy their arguments into the
 * pool. */
void milter_msg_reset(struct milter_msg *msg);
void milter_msg_free(struct milter_msg *msg);
void milter_msg_set_sender(struct milter_msg *msg, const char *arg);
void milter_msg_add_proxy(struct milter_msg *msg, const char *arg,
                          const char *address, const char *sid);
void milter_msg_add_internal(struct milter_msg *msg, const char *name);
void milter_msg_add_header(struct milter_msg *msg, const char *name,
                           const char *value);

/* milter_rate.c: the MX rate limits (capture_rate_limit,
 * rcpt_failure_limit).  milter_rate_configure() creates the limiters
 * from cfg, or gives existing ones cfg's limits (a reload). */
void milter_rate_configure(struct milter_context *context,
                           const struct config *cfg);
sfsistat milter_rate_rcpt(SMFICTX *ctx, struct milter_conn *conn,
                          const char *address, enum proxy_status status,
                          const char *sid);
void milter_rate_refused(SMFICTX *ctx, struct milter_conn *conn);
void milter_rate_captured(const char *queue_id, const char *sid);

/* milter_callbacks.c: the smfiDesc that milter_main.c registers. */
extern struct smfiDesc milter_desc;

/* milter_inbound.c: replies to proxy addresses. */
sfsistat milter_inbound_rcpt(SMFICTX *ctx, struct milter_conn *conn,
                             const char *arg);
sfsistat milter_inbound_eom(SMFICTX *ctx, struct milter_conn *conn,
                            const char *queue_id);

/* milter_outbound.c: masking seeker addresses on the masking listener. */
int milter_is_masking(const struct milter_settings *set,
                      const char *daemon_name);
sfsistat milter_outbound_eoh(SMFICTX *ctx, struct milter_conn *conn);
sfsistat milter_outbound_eom(SMFICTX *ctx, struct milter_conn *conn,
                             const char *queue_id);

/* milter_reply.c: smfi_* calls that log their failures. */
const char *milter_queue_id(SMFICTX *ctx);
void milter_setreply(SMFICTX *ctx, const char *queue_id, const char *rcode,
                     const char *xcode, const char *text);
int milter_delrcpt(SMFICTX *ctx, const char *queue_id, const char *rcpt);
int milter_delheader(SMFICTX *ctx, const char *queue_id, const char *name,
                     int index);

#endif
