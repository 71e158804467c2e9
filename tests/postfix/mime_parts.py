#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mime_parts.py - what a mail client sees of an email, for the shell tests.

Usage: mime_parts.py MESSAGE OUTDIR
Parses MESSAGE strictly with Python's email package (policy.default, with
raise_on_defect), prints its MIME tree one part a line ("multipart/mixed",
"multipart/alternative", "image/png name=plan.png", ...) and writes the decoded text/plain body to
OUTDIR/text.txt and the decoded text/html body to OUTDIR/html.html (the
first of each).  Exit status 1 with a message when the message has MIME
defects or lacks either part.
"""
import email
import email.policy
import os
import sys


def main():
    path, outdir = sys.argv[1], sys.argv[2]
    policy = email.policy.default.clone(raise_on_defect=True)
    with open(path, "rb") as f:
        try:
            msg = email.message_from_binary_file(f, policy=policy)
        except Exception as e:  # a defect is an error here
            print("MIME defect: %s" % e, file=sys.stderr)
            return 1
    found = {}
    for part in msg.walk():
        name = part.get_filename()
        print("%s%s" % (part.get_content_type(),
                        " name=%s" % name if name else ""))
        if part.get_content_type() in ("text/plain", "text/html") \
                and part.get_content_disposition() != "attachment" \
                and part.get_content_type() not in found:
            found[part.get_content_type()] = part.get_content()
    for ctype, name in (("text/plain", "text.txt"), ("text/html", "html.html")):
        if ctype not in found:
            print("no %s part" % ctype, file=sys.stderr)
            return 1
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write(found[ctype])
    return 0


if __name__ == "__main__":
    sys.exit(main())
