#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The HTML part of the email a building contact receives passes Debian's
# HTML Tidy without an error or a warning: email_compose_driver composes a
# batch whose every field is hostile (markup, raw ampersands, quotes, RTL
# text, emoji, control characters) and prints the decoded text/html part.
# tidy is a test dependency (scripts/install-deps, debian/control): its
# absence fails the test rather than skipping it.
. "$SRC/tests/lib.sh"

command -v tidy >/dev/null 2>&1 \
    || t_fail "tidy is not installed (scripts/install-deps installs it)"
tmp=$(t_tmpdir email_compose_tidy)
"$BIN/tests/email_compose_driver" html >"$tmp/mail.html" \
    || t_fail "email_compose_driver failed"
[ -s "$tmp/mail.html" ] || t_fail "no HTML part"

# tidy exits 0 when clean, 1 on warnings, 2 on errors.
status=0
tidy -errors -q "$tmp/mail.html" >"$tmp/tidy.out" 2>&1 || status=$?
if [ "$status" -ge 2 ]; then
    cat "$tmp/tidy.out" >&2
    t_fail "tidy -errors -q found errors in the HTML part (exit $status)"
fi
if [ "$status" -ne 0 ] || [ -s "$tmp/tidy.out" ]; then
    cat "$tmp/tidy.out" >&2
    t_fail "tidy -errors -q warned about the HTML part (exit $status)"
fi

# What no email of ours may hold, whatever its input.
for bad in '<script' '<style' '<img' '<a ' 'http' 'href=' '<link' '@import' 'url('; do
    grep -qi -- "$bad" "$tmp/mail.html" && t_fail "the HTML part holds $bad"
done
rm -rf "$tmp"
t_pass
