/* SPDX-License-Identifier: Apache-2.0 */
/*
 * null_milter - the baseline of bench/milter_overhead.sh: a libmilter
 * milter that does nothing, yet asks for and receives the whole message
 * (connect, HELO, envelope, every header, every body chunk, end of
 * message), so that what it costs Postfix is the price of the milter
 * protocol itself.  Every callback answers SMFIS_CONTINUE; the end of
 * the message SMFIS_ACCEPT.  It changes nothing and keeps no state.
 *
 * usage: null_milter SOCKET    (unix:/path or inet:PORT@HOST)
 * build: cc -O2 -o null_milter bench/null_milter.c -lmilter -lpthread
 */
#include <stdio.h>
#include <stdlib.h>

#include <libmilter/mfapi.h>

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void) ctx, (void) host, (void) addr;
    return SMFIS_CONTINUE;
}

static sfsistat on_helo(SMFICTX *ctx, char *name)
{
    (void) ctx, (void) name;
    return SMFIS_CONTINUE;
}

static sfsistat on_envelope(SMFICTX *ctx, char **argv)
{
    (void) ctx, (void) argv;
    return SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    (void) ctx, (void) name, (void) value;
    return SMFIS_CONTINUE;
}

static sfsistat on_ctx(SMFICTX *ctx)
{
    (void) ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void) ctx, (void) chunk, (void) len;
    return SMFIS_CONTINUE;
}

static sfsistat on_eom(SMFICTX *ctx)
{
    (void) ctx;
    return SMFIS_ACCEPT;
}

int main(int argc, char **argv)
{
    struct smfiDesc desc = {
        .xxfi_name = "null_milter",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = 0,                /* asks to modify nothing */
        .xxfi_connect = on_connect,
        .xxfi_helo = on_helo,
        .xxfi_envfrom = on_envelope,
        .xxfi_envrcpt = on_envelope,
        .xxfi_header = on_header,
        .xxfi_eoh = on_ctx,
        .xxfi_body = on_body,
        .xxfi_eom = on_eom,
        .xxfi_abort = on_ctx,
        .xxfi_close = on_ctx,
        /* No xxfi_negotiate: libmilter then asks the MTA for every step
         * whose callback is set, which is all of them. */
    };

    if (argc != 2) {
        fprintf(stderr, "usage: null_milter unix:PATH|inet:PORT@HOST\n");
        return 2;
    }
    if (smfi_setconn(argv[1]) != MI_SUCCESS
        || smfi_register(desc) != MI_SUCCESS
        || smfi_opensocket(1) != MI_SUCCESS) {
        fprintf(stderr, "null_milter: cannot listen on %s\n", argv[1]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
