/* SPDX-License-Identifier: Apache-2.0 */
/*
 * capture_sender_auth - is the From domain of a reply authenticated?
 *
 * capture_sender_auth() looks at the results of the trusted
 * Authentication-Results headers (capture_authres.c) and sets
 * cap->auth_method to the check that authenticates the domain of
 * cap->from_address, in this order:
 *
 *   "dmarc"  dmarc=pass with header.from equal to the From domain;
 *   "dkim"   dkim=pass whose signing domain (header.d, else the domain of
 *            header.i) is aligned with the From domain;
 *   "spf"    spf=pass whose smtp.mailfrom domain is aligned with it;
 *
 * aligned meaning DMARC's relaxed alignment: the same organizational
 * domain (org_domain.h).  A dmarc=fail for the From domain vetoes the
 * other two: the domain's owner says this message is not theirs (it can
 * come with an aligned DKIM or SPF pass only under strict alignment).
 * Nothing is authenticated when the message has other than one From
 * header, or that header other than one mailbox (whose domain would the
 * checks be about?), or when no trusted header was seen.
 *
 * cap->auth_detail always says what passed, or why nothing did, in one
 * line that names domains and results, never a local part.  Both strings
 * are owned by cap; auth_method is NULL when nothing authenticated.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"
#include "org_domain.h"
#include "xalloc.h"

#define DETAIL_RESULTS 4        /* results named when none passed */

static const struct capture_auth_result *
find(const struct capture_auth_results *list, const char *method,
     const char *result, const char *from_domain, int aligned)
{
    size_t i;

    for (i = 0; i < list->count; i++) {
        const struct capture_auth_result *r = &list->items[i];

        if (strcmp(r->method, method) != 0
            || (result && strcmp(r->result, result) != 0))
            continue;
        if (aligned ? org_domain_aligned(r->domain, from_domain)
            : strcasecmp(r->domain, from_domain) == 0)
            return r;
    }
    return NULL;
}

static const char *property_of(const char *method)
{
    if (strcmp(method, "dkim") == 0)
        return "header.d";
    if (strcmp(method, "spf") == 0)
        return "smtp.mailfrom";
    return "header.from";
}

/* Why nothing passed: the results seen, a few of them. */
static void describe(const struct capture_auth_results *list,
                     const char *from_domain, struct buf *detail)
{
    size_t i, named = 0;

    buf_printf(detail, "no DMARC, aligned DKIM or aligned SPF pass for %s",
               from_domain);
    for (i = 0; i < list->count && named < DETAIL_RESULTS; i++) {
        const struct capture_auth_result *r = &list->items[i];

        buf_printf(detail, "%s%s=%s", named++ ? ", " : ": ", r->method,
                   r->result);
        if (r->domain[0])
            buf_printf(detail, " %s=%s", property_of(r->method), r->domain);
    }
    if (list->count > DETAIL_RESULTS)
        buf_printf(detail, ", ...");
}

void capture_sender_auth(const struct capture_auth_results *list,
                         size_t from_mailboxes, size_t from_headers,
                         struct capture *cap)
{
    struct buf *detail = buf_create(128);
    const char *at = cap->from_address ? strrchr(cap->from_address, '@')
        : NULL;
    const char *domain = at ? at + 1 : "";
    const struct capture_auth_result *r;

    if (from_headers != 1) {
        buf_printf(detail, "the message has %zu From headers", from_headers);
    } else if (from_mailboxes != 1) {
        buf_printf(detail, "the From header has %zu mailboxes",
                   from_mailboxes);
    } else if (*domain == '\0') {
        buf_printf(detail, "the From header has no address");
    } else if (list->trusted_headers == 0) {
        buf_printf(detail, "no Authentication-Results header of a trusted "
                   "authserv-id");
    } else if ((r = find(list, "dmarc", "pass", domain, 0)) != NULL) {
        cap->auth_method = xstrdup("dmarc");
        buf_printf(detail, "dmarc=pass header.from=%s", r->domain);
    } else if (find(list, "dmarc", "fail", domain, 0) != NULL) {
        buf_printf(detail, "dmarc=fail header.from=%s", domain);
    } else if ((r = find(list, "dkim", "pass", domain, 1)) != NULL) {
        cap->auth_method = xstrdup("dkim");
        buf_printf(detail, "dkim=pass header.d=%s, aligned with %s",
                   r->domain, domain);
    } else if ((r = find(list, "spf", "pass", domain, 1)) != NULL) {
        cap->auth_method = xstrdup("spf");
        buf_printf(detail, "spf=pass smtp.mailfrom domain %s, aligned with %s",
                   r->domain, domain);
    } else {
        describe(list, domain, detail);
    }
    cap->auth_detail = capture_clean_line(detail->data, detail->len,
                                          CAPTURE_FIELD_MAX);
    buf_free(detail);
}
