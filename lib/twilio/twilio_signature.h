/* SPDX-License-Identifier: Apache-2.0 */
/*
 * twilio_signature - compute and verify X-Twilio-Signature, Twilio's
 * signature on the webhook requests it sends.
 *
 * The signature is base64(HMAC-SHA1(auth token, S)) with padding, where S
 * is the full URL Twilio called (scheme, any userinfo, host as configured,
 * any port, path, query) followed, for a form body, by every parameter
 * name and value, decoded, without separators, in byte order of the names;
 * a repeated name contributes each distinct value, the values in byte order
 * (what twilio-python and twilio-node do).  A JSON body is not in S:
 * Twilio adds bodySHA256=<lowercase hex SHA-256 of the body> to the URL's
 * query, signs the URL alone, and the receiver checks the hash.
 *
 * twilio_signature_compute() appends the signature of url and params
 * (NULL: none) to out.
 *
 * twilio_signature_verify() checks one request: the URL it was sent to
 * (rebuilt as the public URL configured at Twilio, not from the local
 * socket), its Content-Type (NULL when none), raw body and the
 * X-Twilio-Signature header value (NULL when absent).  A form body
 * (application/x-www-form-urlencoded) is parsed (at most
 * TWILIO_SIGNATURE_MAX_PARAMS pairs, see form.h) and signed with the URL;
 * any other body must come with bodySHA256 in the URL's query matching its
 * SHA-256, and the URL alone is signed; an empty body without bodySHA256
 * signs the URL alone (GET webhooks).  Like the SDKs, the URL is tried in
 * variants: as given; with its port removed when it has one, or with :443
 * (https) or :80 (http) added when it has none; and each of those with the
 * query re-encoded as WHATWG URL serialisation does (', ", <, >, space,
 * controls and non-ASCII bytes as %XX; twilio-node signs `It's` as
 * `It%27s`).  The host's letter case is kept: a signature over a
 * lower-cased host does not verify a mixed-case one.  Signatures and body
 * hashes are compared with CRYPTO_memcmp() over equal-length buffers.
 * Returns 0 when the request verifies, -1 with why otherwise (no
 * signature, malformed URL or body, body hash mismatch, no variant
 * matching).
 *
 * The two halves are also available separately:
 * twilio_signature_check_form() for a URL and parsed form parameters
 * (NULL: none), twilio_signature_check_json() for a URL carrying
 * bodySHA256 and the raw body.  Same returns.
 *
 * The token is key bytes (the account's primary Auth Token), token_len of
 * them.  Nothing is allocated that outlives a call.
 */
#ifndef POSTMASK_TWILIO_SIGNATURE_H
#define POSTMASK_TWILIO_SIGNATURE_H

#include <stddef.h>

#include "buf.h"
#include "form.h"

#define TWILIO_SIGNATURE_MAX_PARAMS  1000
#define TWILIO_SIGNATURE_LEN         28     /* base64 of 20 bytes */

void twilio_signature_compute(const char *token, size_t token_len,
                              const char *url, const struct form *params,
                              struct buf *out);

int twilio_signature_verify(const char *token, size_t token_len,
                            const char *url, const char *content_type,
                            const char *body, size_t body_len,
                            const char *signature, struct buf *why);

int twilio_signature_check_form(const char *token, size_t token_len,
                                const char *url, const struct form *params,
                                const char *signature, struct buf *why);

int twilio_signature_check_json(const char *token, size_t token_len,
                                const char *url, const char *body,
                                size_t body_len, const char *signature,
                                struct buf *why);

#endif
