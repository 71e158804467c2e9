#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# reply_parse - what reply extraction costs as replies grow, measured, not
# asserted: `postmaskctl parse` (MIME, classification, quote and footer
# trimming: the milter's capture without the milter) on one reply made in
# three sizes, 4 KiB, 100 KiB and 1 MiB, by the build under test ("after")
# and by a baseline build ("before": by default the same sources at
# BASE_REV, built here), in interleaved rounds.
#
# The reply: a few lines of the contact's own words, a Gmail attribution,
# then quoted history -- quote levels, attributions and Outlook header
# blocks in several languages, footers, long and short lines, URLs --
# repeated until the size is reached, in a multipart/alternative with the
# same text as HTML, quoted-printable.  The lines that trimming looks at
# are all there, in every size.
#
# Prints, per size and build, the median of ROUNDS timings of RUNS parses
# each (milliseconds per parse), the after/before ratio per size, and each
# build's growth: what a KiB costs between 100 KiB and 1 MiB over what it
# costs between 4 and 100 KiB (1.0 is linear; start-up cancels out).
# Nothing is asserted; a parse that fails ends the run.
#
# usage: BIN=build SRC=. sh bench/reply_parse.sh [ROUNDS] [RUNS]
#   BASE_BIN=DIR   a baseline build directory holding postmaskctl (else
#                  BASE_REV, default HEAD, is built into a temporary one)
set -eu
: "${BIN:=build}"
: "${SRC:=.}"
BIN=$(cd "$BIN" && pwd)
SRC=$(cd "$SRC" && pwd)
ROUNDS=${1:-5}
RUNS=${2:-20}
BASE_REV=${BASE_REV:-HEAD}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reply_parse.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

[ -x "$BIN/postmaskctl" ] || { echo "reply_parse: $BIN/postmaskctl is not built" >&2; exit 1; }
if [ -z "${BASE_BIN:-}" ]; then
    echo "building the baseline ($BASE_REV) ..." >&2
    mkdir "$WORK/base-src"
    git -C "$SRC" archive "$BASE_REV" | tar -x -C "$WORK/base-src"
    cmake -S "$WORK/base-src" -B "$WORK/base-build" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$WORK/base-build" --target postmaskctl -j2 >/dev/null
    BASE_BIN=$WORK/base-build
fi
BASE_BIN=$(cd "$BASE_BIN" && pwd)

# A configuration for postmaskctl parse.
mkdir "$WORK/conf" "$WORK/conf/spool"
(umask 077 && echo "k1 0123456789abcdef0123456789abcdef" >"$WORK/conf/address.keys")
cat >"$WORK/conf/main.cf" <<EOF
spool_directory = $WORK/conf/spool
proxy_domains = reply.example.com
address_keys_file = $WORK/conf/address.keys
trusted_authserv_ids = mx1.reply.example.com
EOF

# history: one block of quoted history (about 1.5 KiB).
history() {
    cat <<'EOF'
> On Mon, 4 Mar 2024 at 10:15, Ann Seeker <k1-abc@reply.example.com> wrote:
>> Could I see the unit on Tuesday morning? I work nearby and could come
>> at ten, or later in the week if that suits you better.
>>
>> Am Mo., 4. März 2024 um 09:02 Uhr schrieb Bob Builder <bob@building.example>:
>>> Danke für Ihre Nachricht. Die Einheit ist noch frei.
>>> Le lun. 4 mars 2024 à 08:40, Ann <k1-abc@reply.example.com> a écrit :
>>>> Is it still available? https://listings.example/units/4b?ref=mail&utm=x
>
> ________________________________
> From: Bob Builder <bob@building.example>
> Sent: Monday, March 4, 2024 8:12 AM
> To: Ann Seeker <k1-abc@reply.example.com>
> Subject: RE: Unit 4B, 12 Harbour St
>
> Sent from my iPhone
> --
> Bob Builder | Harbour Buildings Ltd | +1 415 555 0777
EOF
}

# make_reply SIZE FILE: the reply, padded with history to SIZE bytes.
make_reply() {
    {
        echo "Thanks, Tuesday at ten works."
        echo "The entrance is on Dock Lane; ring 4B."
        echo
        echo "Bob"
        echo
        while :; do history; done | head -c "$1"
    } >"$WORK/text"
    python3 - "$WORK/text" "$2" <<'PY'
import html, quopri, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
lines = text.split("\n")
body_html = "<div dir=\"ltr\">" + "<br>\n".join(html.escape(l) for l in lines) + "</div>"
def qp(s):
    return quopri.encodestring(s.encode("utf-8")).decode("ascii")
msg = (
    "Return-Path: <bob@building.example>\n"
    "Authentication-Results: mx1.reply.example.com; dmarc=pass header.from=building.example\n"
    "From: Bob Builder <bob@building.example>\n"
    "To: Ann Seeker <k1-abc@reply.example.com>\n"
    "Subject: Re: Unit 4B, 12 Harbour St\n"
    "Message-ID: <bench-1@building.example>\n"
    "Date: Mon, 4 Mar 2024 11:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\n"
    "\n--b1\nContent-Type: text/plain; charset=\"UTF-8\"\n"
    "Content-Transfer-Encoding: quoted-printable\n\n" + qp(text) +
    "\n--b1\nContent-Type: text/html; charset=\"UTF-8\"\n"
    "Content-Transfer-Encoding: quoted-printable\n\n" + qp(body_html) +
    "\n--b1--\n")
open(sys.argv[2], "w", encoding="ascii").write(msg)
PY
}

SIZES="4096 102400 1048576"
for size in $SIZES; do
    make_reply "$size" "$WORK/reply.$size.eml"
done

# time_runs CTL FILE: seconds for RUNS parses (each must succeed).
time_runs() {
    t0=$(date +%s.%N)
    n=0
    while [ $n -lt "$RUNS" ]; do
        "$1" -c "$WORK/conf" parse "$2" >/dev/null \
            || { echo "reply_parse: $1 parse $2 failed" >&2; exit 1; }
        n=$((n + 1))
    done
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Interleaved rounds, the order alternating.
r=0
while [ $r -lt "$ROUNDS" ]; do
    r=$((r + 1))
    for size in $SIZES; do
        f=$WORK/reply.$size.eml
        if [ $((r % 2)) = 1 ]; then
            time_runs "$BASE_BIN/postmaskctl" "$f" >>"$WORK/before.$size"
            time_runs "$BIN/postmaskctl" "$f" >>"$WORK/after.$size"
        else
            time_runs "$BIN/postmaskctl" "$f" >>"$WORK/after.$size"
            time_runs "$BASE_BIN/postmaskctl" "$f" >>"$WORK/before.$size"
        fi
    done
done

printf '%-10s %14s %14s %8s\n' size "before ms" "after ms" ratio
for size in $SIZES; do
    b=$(median <"$WORK/before.$size")
    a=$(median <"$WORK/after.$size")
    echo "$size $b $a $RUNS" | awk '{ printf "%-10s %14.3f %14.3f %8.2f\n", $1, $2 * 1000 / $4, $3 * 1000 / $4, $3 / $2 }'
    echo "$b" >"$WORK/mb.$size"
    echo "$a" >"$WORK/ma.$size"
done
# Growth: the cost of each extra KiB between 100 KiB and 1 MiB over the
# cost of each extra KiB between 4 KiB and 100 KiB (start-up cancels out):
# 1.0 is linear, 2 would mean a KiB costs twice as much in a big reply.
for which in before after; do
    w=$(echo "$which" | cut -c1)
    awk -v s="$(cat "$WORK/m$w.4096")" -v m="$(cat "$WORK/m$w.102400")" \
        -v b="$(cat "$WORK/m$w.1048576")" -v who="$which" \
        'BEGIN { printf "%s: growth (ms per KiB from 100 KiB to 1 MiB over ms per KiB from 4 to 100 KiB) = %.2f (1.0: linear)\n", who, ((b - m) / 924) / ((m - s) / 96) }'
done
