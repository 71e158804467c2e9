#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The licence is stated where a reader or a tool looks for it: LICENSE is
# the Apache License 2.0, every source file (C, headers, shell, CMake,
# Makefiles, Lua, Python, Perl, JavaScript, units, maintainer scripts, man
# pages) names it in an SPDX line within its first three lines, and the
# Debian copyright file says the same in DEP-5 form.  Test data (mail
# corpora, fuzz seeds, JSON) carries no comments and is not checked.
. "$SRC/tests/lib.sh"

grep -q "Apache License" "$SRC/LICENSE" && grep -q "Version 2.0, January 2004" "$SRC/LICENSE" \
    || t_fail "LICENSE is not the Apache License 2.0"

missing=$(find "$SRC" \( -name .git -o -name 'build*' -o -name node_modules \
                         -o -path "$SRC/tests/data" -o -name corpus \) -prune -o \
               -type f \( -name '*.[ch]' -o -name '*.sh' -o -name '*.cmake' \
                          -o -name CMakeLists.txt -o -name Makefile -o -name '*.py' \
                          -o -name '*.lua' -o -name '*.pl' -o -name '*.js' \
                          -o -name '*.service' -o -name '*.conf' -o -name '*.prerm' \
                          -o -name '*.postinst' -o -name '*.postrm' -o -name '*.[58]' \
                          -o -path "$SRC/.ci/run" -o -path "$SRC/scripts/install-deps" \
                          -o -path "$SRC/packaging/debian/rules" \) -print |
    while read -r f; do
        head -3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || echo "$f"
    done)
[ -z "$missing" ] || t_fail "no SPDX-License-Identifier: Apache-2.0 line in: $missing"

# DEP-5: the project's files are Apache-2.0, Twilio's derived ones MIT.
copyright=$SRC/packaging/debian/copyright
head -1 "$copyright" | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    || t_fail "debian/copyright is not in DEP-5 format"
awk '/^Files: \*$/ { f = 1; next } f && /^License:/ { print $2; exit }' "$copyright" \
    | grep -qx 'Apache-2.0' || t_fail "debian/copyright: Files: * is not Apache-2.0"
grep -q '^License: Apache-2.0$' "$copyright" && grep -q '^License: MIT$' "$copyright" \
    || t_fail "debian/copyright lacks a stand-alone Apache-2.0 or MIT licence paragraph"
grep -q 'conversations-v1-params.json' "$copyright" \
    || t_fail "debian/copyright does not name the MIT-licensed derived file"
t_pass
