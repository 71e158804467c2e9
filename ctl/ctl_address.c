/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_address - `postmaskctl address`: proxy addresses by hand.
 *
 *   postmaskctl address encode SID       the address of conversation SID, in
 *                                        the first proxy domain, signed with
 *                                        the first key
 *   postmaskctl address decode ADDRESS   the conversation SID of ADDRESS
 *   postmaskctl address newkey [KEYID]   a new "KEYID SECRET" line for the
 *                                        keys file (256 random bits in hex;
 *                                        KEYID defaults to today's UTC date,
 *                                        YYYYMMDD)
 *
 * Keys come from address_keys_file, domains from proxy_domains.  Exit status
 * as in ctl.h: a malformed SID or key id, a keys file that cannot be loaded,
 * or an address that does not decode is 1, with one line on stderr; wrong
 * arguments are 2.  Nothing here knows the address format: that is
 * proxy_address.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>

#include "address_keys.h"
#include "ctl.h"
#include "hex.h"
#include "msg.h"
#include "proxy_address.h"

#define ADDRESS_USAGE \
    "usage: postmaskctl address encode SID | decode ADDRESS | newkey [KEYID]\n"
#define NEWKEY_BYTES  32

static struct address_keys *load_keys(const struct config *cfg)
{
    struct buf *why = buf_create(0);
    struct address_keys *keys = address_keys_load(cfg->address_keys_file, why);

    if (keys == NULL)
        ctl_failed("address", NULL, why->data);
    buf_free(why);
    return keys;
}

static int address_encode(const struct config *cfg, const char *sid)
{
    struct address_keys *keys;
    struct buf *out;
    struct buf *why;
    int status = CTL_OK;

    if (!conversation_sid_valid(sid))
        return ctl_failed("address", sid,
                          "not a conversation SID (CH and 32 hex "
                              "digits)");
    if (cfg->proxy_domains.count == 0)
        return ctl_failed("address", NULL, "proxy_domains is empty");
    if ((keys = load_keys(cfg)) == NULL)
        return CTL_FAILED;
    out = buf_create(0);
    why = buf_create(0);
    if (proxy_address_encode(keys, cfg->proxy_domains.items[0], sid, out,
                             why) < 0)
        status = ctl_failed("address", NULL, why->data);
    else
        printf("%s\n", out->data);
    buf_free(out);
    buf_free(why);
    address_keys_free(keys);
    return status;
}

static int address_decode(const struct config *cfg, const char *address)
{
    struct address_keys *keys;
    char sid[CONVERSATION_SID_LEN + 1];
    enum proxy_status status;
    const char *const *domains =
        (const char *const *) cfg->proxy_domains.items;

    if ((keys = load_keys(cfg)) == NULL)
        return CTL_FAILED;
    status = proxy_address_decode(keys, domains, cfg->proxy_domains.count,
                                  address, sid);
    address_keys_free(keys);
    if (status != PROXY_OK)
        return ctl_failed("address", address, proxy_status_text(status));
    printf("%s\n", sid);
    return CTL_OK;
}

static int address_newkey(const char *keyid)
{
    unsigned char secret[NEWKEY_BYTES];
    char text[2 * NEWKEY_BYTES + 1];
    char today[ADDRESS_KEYID_MAX + 1];
    size_t got = 0;
    ssize_t n;
    time_t now = time(NULL);
    struct tm tm;

    if (keyid == NULL) {
        if (gmtime_r(&now, &tm) == NULL
            || strftime(today, sizeof(today), "%Y%m%d", &tm) == 0)
            return ctl_failed("address", NULL, "cannot format today's date");
        keyid = today;
    }
    if (!address_keyid_valid(keyid, strlen(keyid)))
        return ctl_failed("address", keyid,
                          "bad key id: expected 1 to 8 characters "
                              "of a-z and 0-9");
    while (got < sizeof(secret)) {
        if ((n = getrandom(secret + got, sizeof(secret) - got, 0)) < 0) {
            if (errno == EINTR)
                continue;
            return ctl_failed("address", NULL, strerror(errno));
        }
        got += (size_t) n;
    }
    hex_encode(text, secret, sizeof(secret));
    text[sizeof(text) - 1] = '\0';
    printf("%s %s\n", keyid, text);
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(text, sizeof(text));
    return CTL_OK;
}

int ctl_address(const struct config *cfg, int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "encode") == 0)
        return address_encode(cfg, argv[2]);
    if (argc == 3 && strcmp(argv[1], "decode") == 0)
        return address_decode(cfg, argv[2]);
    if ((argc == 2 || argc == 3) && strcmp(argv[1], "newkey") == 0)
        return address_newkey(argc == 3 ? argv[2] : NULL);
    fputs(ADDRESS_USAGE, stderr);
    return CTL_USAGE;
}
