/* SPDX-License-Identifier: Apache-2.0 */
/*
 * org_domain - organizational domains and DMARC's relaxed alignment
 * (RFC 7489 3.2), from the Public Suffix List as Debian ships it.
 *
 * The list is read once per process, on first use, with libpsl's
 * psl_latest(): /usr/share/publicsuffix/public_suffix_list.dafsa (package
 * publicsuffix) when it is newer than the copy built into libpsl, else the
 * built-in one.  After that the list is read-only, so any thread may call
 * these functions at once.  It is the only state this module keeps.
 *
 * org_domain() appends the organizational domain of domain to out: the
 * public suffix plus one label ("mail.building.example" ->
 * "building.example", "a.b.example.co.uk" -> "example.co.uk"), lowercased
 * (ASCII), without a trailing dot.  A domain that is itself a public suffix
 * is its own organizational domain.  It returns -1 and appends nothing for
 * an empty or malformed domain (empty labels, characters outside letters,
 * digits, '-' and '.', or longer than 253).
 *
 * org_domain_aligned() is relaxed alignment: 1 when both domains are valid
 * and have the same organizational domain, else 0.
 */
#ifndef POSTMASK_ORG_DOMAIN_H
#define POSTMASK_ORG_DOMAIN_H

#include "buf.h"

int org_domain(const char *domain, struct buf *out);
int org_domain_aligned(const char *a, const char *b);

#endif
