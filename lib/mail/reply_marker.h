/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply_marker - the line above the content of every email postmask sends
 * a building contact ("Reply above this line to answer Ann by SMS."), and
 * its recognition in the replies that quote it.
 *
 * The format (email_reply_marker) is text with conversions: %s the
 * seeker's name, %c how the seeker reads the answer (the channel phrase:
 * "by SMS", "on WhatsApp", "in chat"), %% a percent sign.  Each of %s and
 * %c may appear at most once; no other conversion, no control character,
 * at most REPLY_MARKER_MAX bytes, valid UTF-8.  Recognition cannot know
 * the name or the channel, so it looks for the format's own text: its
 * longest run of literal text between conversions, trimmed of white space
 * (the key), which must be at least REPLY_MARKER_KEY_MIN bytes long.  The
 * empty format means no marker: nothing is written, nothing recognized.
 *
 * reply_marker_check() returns 0 when format is one of these, or -1 with
 * why ("needs at least 12 bytes of its own text ...").
 * reply_marker_format() returns the marker line for a name (NULL or "":
 * "them") and a channel phrase (NULL or "": none, and the space before
 * the conversion's place is not doubled), as a new string the caller
 * frees; NULL when format is empty.  It assumes a checked format.
 * reply_marker_channel() maps a Twilio messaging binding type ("sms",
 * "whatsapp"; NULL or anything else: chat) to its phrase (static).
 * reply_marker_key() appends the key of a checked format to out.
 * reply_marker_find() looks for the marker in text (len bytes), where a
 * reply's client may have quoted it: with "> " prefixes at any depth, in
 * another line wrapping, with the white space of HTML made text.  It
 * returns the byte offset of the start of the first line that holds the
 * key (case ignored for ASCII), or -1 when none does or the format is
 * empty.  In detail: each line is read without its quote prefix (white
 * space, ">", "|" and "*" before anything else), runs of white space
 * (ASCII, NBSP, narrow NBSP, zero width space, BOM) count as one space in
 * the text and in the key (which loses a leading prefix as a line does;
 * a key that is nothing else is never found), and consecutive non-blank lines are read as one
 * (a line wrapped anywhere between words, over any number of lines; a
 * blank line ends that); the line returned is the one holding the key's
 * first byte.  It reads at most REPLY_MARKER_SCAN_MAX bytes of text, never
 * past len, in time linear in them and fixed memory.
 * reply_marker_locate() is reply_marker_find() that says more of what it
 * found, in *hit (when not NULL): it returns 0 (found) or -1 (not).  The
 * caller that wants the marker line, not any line that mentions its text
 * (capture_text.h), reads in_place: the key stands where the marker line
 * has it, with before it on its line (after the prefix) no more than the
 * format puts there (its own bytes, and REPLY_MARKER_NAME_ROOM bytes for
 * each %s or %c before the key); "Reply above this line ..." at the start
 * of a line, "Ann: reply above this line ..." for "%s: reply above ...",
 * but not "I don't get what Reply above this line ... means".
 * No state is kept; every function is thread-safe.
 */
#ifndef POSTMASK_REPLY_MARKER_H
#define POSTMASK_REPLY_MARKER_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define REPLY_MARKER_MAX        200
#define REPLY_MARKER_KEY_MIN    12
#define REPLY_MARKER_SCAN_MAX   (1024 * 1024)   /* text read by find */
#define REPLY_MARKER_NAME_ROOM  100     /* bytes a %s or %c may take */

struct reply_marker_hit {
    size_t line;                /* offset of the line holding the key's
                                 * first byte (what find returns) */
    size_t next;                /* offset of the line after the one holding
                                 * its last byte (len when none) */
    size_t lead;                /* bytes before the key on its first line,
                                 * after the quote prefix */
    int quoted;                 /* that line's prefix has ">" or "|" */
    int in_place;               /* lead fits what the format puts there */
};

int reply_marker_check(const char *format, struct buf *why);
char *reply_marker_format(const char *format, const char *name,
                          const char *channel);
const char *reply_marker_channel(const char *binding_type);
void reply_marker_key(const char *format, struct buf *out);
ssize_t reply_marker_find(const char *format, const char *text, size_t len);
int reply_marker_locate(const char *format, const char *text, size_t len,
                        struct reply_marker_hit *hit);

#endif
