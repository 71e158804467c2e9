#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The layering of lib/README.md, checked on every #include "..." of the
# source tree: a file may include headers of its own directory and of the
# layers it may use, found by name; never a path with a directory in it.
# CMake's include paths enforce the same at build time; this says which
# include broke it, by file and line.
set -eu
: "${SRC:?}"
cd "$SRC"

# allowed DIR: the directories whose headers DIR's files may include
allowed() {
    case $1 in
    lib/util) echo "lib/util" ;;
    lib/twilio) echo "lib/twilio lib/util" ;;
    lib/mail) echo "lib/mail lib/twilio lib/util" ;;
    milter | bridge | ctl) echo "$1 lib/mail lib/twilio lib/util" ;;
    esac
}

fail=0
checked=0
for dir in lib/util lib/twilio lib/mail milter bridge ctl; do
    dirs=$(allowed "$dir")
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -e "$f" ] || continue
        # "LINE:HEADER" for each quoted include
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
            sed 's/^\([0-9]*\):.*"\(.*\)".*/\1:\2/' >"${TMPDIR:-/tmp}/layering.$$"
        while IFS=: read -r line header; do
            checked=$((checked + 1))
            case $header in
            */*)
                echo "$f:$line: includes \"$header\": a path; include headers by name"
                fail=1
                continue
                ;;
            esac
            found=
            for d in $dirs; do
                [ -e "$d/$header" ] && found=$d && break
            done
            if [ -z "$found" ]; then
                owner=$(ls -d lib/*/"$header" milter/"$header" bridge/"$header" \
                    ctl/"$header" 2>/dev/null | head -n 1)
                echo "$f:$line: includes \"$header\" (${owner:-not in the tree}), outside what $dir may use: $dirs"
                fail=1
            fi
        done <"${TMPDIR:-/tmp}/layering.$$"
        rm -f "${TMPDIR:-/tmp}/layering.$$"
    done
done

# A header name must say one module: the same name in two directories would
# make "which one" depend on the include path.
dups=$(ls lib/util lib/twilio lib/mail milter bridge ctl | grep '\.h$' | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "headers with the same name in two directories: $dups"
    fail=1
fi

[ "$checked" -gt 100 ] || { echo "only $checked includes checked: is SRC the source tree?"; exit 1; }
[ $fail -eq 0 ] || exit 1
echo "layering: $checked includes checked, all within their layer"
