#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build-deb.sh [OUTDIR]: builds the postmask .deb from this source tree,
# unsigned and binary-only (dpkg-buildpackage -us -uc -b), in OUTDIR
# (default build-deb/ at the top of the tree): the tree is copied to
# OUTDIR/src (without build directories), packaging/debian becomes
# OUTDIR/src/debian, and the .deb, .buildinfo and .changes land in OUTDIR.
# The source tree itself is never written to.
#
# Needs debhelper and dpkg-dev (apt-get install debhelper devscripts) and
# the Build-Depends of packaging/debian/control.  The tests are not run
# again in the package build (DEB_BUILD_OPTIONS=nocheck; make check runs
# them) unless DEB_BUILD_OPTIONS says otherwise.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}

for tool in dpkg-buildpackage dh; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-deb: $tool is missing: apt-get install debhelper devscripts" >&2
        exit 1
    fi
done

case $out in
/*) ;;
*) out=$(pwd)/$out ;;
esac
case $out/ in
"$src"/build*/*) ;;
"$src"/*) echo "build-deb: $out: inside the source tree, use a build* directory" >&2
          exit 1 ;;
esac
rm -rf "$out"
mkdir -p "$out/src"

# Everything at the top of the tree but build directories, a debian/ left
# by hand, and fuzzer crash files.
for entry in "$src"/* "$src"/.gitignore; do
    name=$(basename "$entry")
    case $name in
    build*|debian|crash-*|leak-*|timeout-*) continue ;;
    esac
    [ -e "$entry" ] && cp -a "$entry" "$out/src/"
done
cp -a "$src/packaging/debian" "$out/src/debian"

# The maintainer is whoever builds the package, as dch(1) has it: from
# DEBFULLNAME and DEBEMAIL, into debian/control and the changelog's
# trailer line; without them the placeholder stays, and this says so.
if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
    case "$DEBFULLNAME$DEBEMAIL" in
    *[\|\&\<\>]*) echo "build-deb: DEBFULLNAME or DEBEMAIL holds | & < or >" >&2
                exit 1 ;;
    esac
    sed -i "s|^Maintainer: .*|Maintainer: $DEBFULLNAME <$DEBEMAIL>|" \
        "$out/src/debian/control"
    sed -i "s|^ -- [^<]*<[^>]*>  | -- $DEBFULLNAME <$DEBEMAIL>  |" \
        "$out/src/debian/changelog"
else
    echo "build-deb: DEBFULLNAME and DEBEMAIL are not set: Maintainer stays \"$(sed -n 's/^Maintainer: //p' "$out/src/debian/control")\"" >&2
fi

cd "$out/src"
DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck}
export DEB_BUILD_OPTIONS
# Without the tests, their tools (postfix, swaks, ...) need not be there.
case " $DEB_BUILD_OPTIONS " in
*" nocheck "*) DEB_BUILD_PROFILES=${DEB_BUILD_PROFILES-nocheck}
               export DEB_BUILD_PROFILES ;;
esac
dpkg-buildpackage -us -uc -b
ls "$out"/*.deb
