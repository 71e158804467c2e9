/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rfc2047_join - works around a GMime 3.2.13 decoder bug (GMime issue
 * #133, in Debian 12): when a header holds adjacent RFC 2047 "B"
 * encoded-words of one charset, GMime joins their base64 texts before it
 * decodes them, and its decoder stops at the padding ("=") that ends the
 * first, so everything after it is lost: "=?utf-8?B?0JLQsNGB0LjQu9GMINCo
 * 0LXQstGH0YM=?= =?utf-8?B?0Lo=?=" comes out "Василь Шевчу", not
 * "Василь Шевчук".  Mail clients split long names and subjects like that.
 *
 * rfc2047_join() rewrites such a run -- B encoded-words of one charset
 * (letter case ignored) separated only by white space, a word other than
 * the last ending in padding -- into one encoded-word holding the bytes of
 * all of them, which GMime then decodes whole.  The bytes are joined, not
 * the characters, so a character split across words (which RFC 2047
 * forbids and clients do) still decodes.  Everything else, a word whose
 * base64 is not canonical included, is copied as it is.
 *
 * Returns a new string the caller frees with free(), or NULL when nothing
 * needed rewriting (or value is NULL).  Linear in the length of value.
 */
#ifndef POSTMASK_RFC2047_JOIN_H
#define POSTMASK_RFC2047_JOIN_H

char *rfc2047_join(const char *value);

#endif
