/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64 - standard base64 through OpenSSL; see base64.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "msg.h"
#include "xalloc.h"

#define BASE64_CHUNK  (3 * 4096)        /* input bytes per EVP call */

void base64_encode(const void *data, size_t len, struct buf *out)
{
    const unsigned char *in = data;
    unsigned char tmp[BASE64_CHUNK / 3 * 4 + 1];

    while (len > 0) {
        size_t n = len < BASE64_CHUNK ? len : BASE64_CHUNK;
        int m = EVP_EncodeBlock(tmp, in, (int) n);

        if (m < 0)
            msg_panic("EVP_EncodeBlock failed");
        buf_append(out, tmp, (size_t) m);
        in += n;
        len -= n;
    }
}

int base64_decode(const char *text, size_t len, unsigned char **data,
                  size_t *data_len)
{
    unsigned char *out;
    size_t pad = 0, i;
    int n;

    if (len % 4 != 0 || len / 4 * 3 > (size_t) 0x7fffffff)
        return -1;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];

        if (c == '=') {
            if (i < len - 2)
                return -1;
            pad++;
        } else if (pad || !(c == '+' || c == '/' || (c >= '0' && c <= '9')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= 'a' && c <= 'z'))) {
            return -1;
        }
    }
    out = xmalloc(len / 4 * 3 + 1);
    if (len > 0 && (n = EVP_DecodeBlock(out, (const unsigned char *) text,
                                        (int) len)) < 0) {
        free(out);
        return -1;
    }
    *data = out;
    *data_len = len ? len / 4 * 3 - pad : 0;
    return 0;
}
