/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_twilio_signature - the X-Twilio-Signature verifier (it parses URLs,
 * form bodies and query strings) on arbitrary requests.
 *
 * The input is cut at its first three newlines into a URL, a Content-Type
 * ("-" for none), an X-Twilio-Signature value ("-" for none) and the body.
 * Beyond "no crash, no leak": a refusal always says why; and the signature
 * twilio_signature_compute() gives for the URL and the parsed body is
 * accepted for that request, by the whole-request and the parameter-level
 * checks alike, unless the URL is malformed.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "twilio_signature.h"
#include "xalloc.h"

#define FUZZ_TOKEN "fuzz-auth-token-0123456789abcdef"
#define FORM_TYPE  "application/x-www-form-urlencoded"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of [*p, end) as a new string; advances *p. */
static char *next_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t) (end - *p));
    size_t len = nl ? (size_t) (nl - *p) : (size_t) (end - *p);
    char *s = xstrndup(*p, len);

    *p += nl ? len + 1 : len;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *) data, *end = p + size;
    char *url = next_line(&p, end);
    char *ctype = next_line(&p, end);
    char *sig = next_line(&p, end);
    struct buf *why = buf_create(64), *good = buf_create(32);
    struct form *params;
    int ret;

    ret = twilio_signature_verify(FUZZ_TOKEN, sizeof(FUZZ_TOKEN) - 1, url,
                                  strcmp(ctype, "-") ? ctype : NULL, p,
                                  (size_t) (end - p),
                                  strcmp(sig, "-") ? sig : NULL, why);
    if (ret != 0 && why->len == 0)
        __builtin_trap();

    /* What we sign for this URL and body must verify. */
    buf_reset(why);
    params = form_parse(p, (size_t) (end - p), TWILIO_SIGNATURE_MAX_PARAMS,
                        why);
    if (params != NULL) {
        twilio_signature_compute(FUZZ_TOKEN, sizeof(FUZZ_TOKEN) - 1, url,
                                 params, good);
        buf_reset(why);
        ret = twilio_signature_verify(FUZZ_TOKEN, sizeof(FUZZ_TOKEN) - 1, url,
                                      FORM_TYPE, p, (size_t) (end - p),
                                      good->data, why);
        if (ret != 0 && strstr(why->data, "malformed URL") == NULL)
            __builtin_trap();
        if (ret != 0 && twilio_signature_check_form(FUZZ_TOKEN,
                                                    sizeof(FUZZ_TOKEN) - 1,
                                                    url, params, good->data,
                                                    why) == 0)
            __builtin_trap();
    }
    form_free(params);
    buf_free(good);
    buf_free(why);
    free(url);
    free(ctype);
    free(sig);
    return 0;
}
