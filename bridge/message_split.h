/* SPDX-License-Identifier: Apache-2.0 */
/*
 * message_split - cut a reply into Twilio messages of at most max
 * characters.
 *
 * Twilio accepts at most 1,600 characters in a message that fans out to
 * SMS or WhatsApp.  A longer text is cut into parts posted in order.  Each
 * cut is made at the last boundary that keeps the part within max, the
 * best kind first: a blank line (paragraph), a line break, the end of a
 * sentence ('.', '!' or '?' followed by white space), white space; only a
 * text with none of these within max characters is cut mid-word.  The
 * white space at a cut is dropped; nothing else is, so the parts joined
 * with the dropped separators give back the text.  Characters are Unicode
 * code points (the text must be valid UTF-8), never split.
 *
 * message_split() returns the number of parts (0 for an empty or
 * all-white-space text) and sets *parts to an array of that many
 * NUL-terminated strings; the caller frees it with message_split_free().
 */
#ifndef POSTMASK_MESSAGE_SPLIT_H
#define POSTMASK_MESSAGE_SPLIT_H

#include <stddef.h>

#define TWILIO_BODY_MAX 1600

size_t message_split(const char *text, size_t max, char ***parts);
void message_split_free(char **parts, size_t count);

#endif
