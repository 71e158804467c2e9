#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctl_queue - `postmaskctl queue` end to end: list (empty, then jobs in
# every state, escaped last errors), show (metadata and the exact payload),
# hold, requeue, release and delete with their confirmations (release: only
# held or dead jobs, the mark shown by list and show, and kept), unknown and
# malformed IDs, usage errors, a missing spool, webhook jobs still in
# the intake journal, and, as root, that it works
# as the spool's owner so the files keep their owner.  Jobs come from
# tests/spool_crash_writer (in COUNT mode) and from files written here by
# hand.  Needs $BIN/postmaskctl; $BIN and $SRC come from CTest.
set -eu
. "$SRC/tests/lib.sh"

: "${BIN:?BIN must name the build directory}"
CTL="$BIN/postmaskctl"
WRITER="$BIN/tests/spool_crash_writer"
for prog in "$CTL" "$WRITER"; do
    if [ ! -x "$prog" ]; then
        echo "ctl_queue: $prog is not built" >&2
        exit 1
    fi
done
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ctl_queue.XXXXXX")
trap 'rm -rf "$DIR"' EXIT INT TERM
chmod 0755 "$DIR"               # the spool's owner must reach it (below)
SPOOL=$DIR/spool
KEYS=$DIR/address.keys

cat >"$DIR/main.cf" <<EOF
spool_directory = $SPOOL
proxy_domains = reply.example.com
address_keys_file = $KEYS
EOF
(umask 077 && printf 'k1 0123456789abcdef0123456789abcdef\n' >"$KEYS")
chmod 0600 "$KEYS"

# run ARGS...: postmaskctl -c DIR queue ARGS; sets $rc, $out, $err.
run() {
    t_ctl "$DIR" queue "$@"
}

expect() {
    t_expect_exact "$@"
}

# expect_line NAME REGEX: some line of the last stdout matches REGEX.
expect_line() {
    grep -Eq -- "$2" "$T_WORK/ctl.out" || t_check_fail "$1: no line matches /$2/ in: $out"
}

USAGE="usage: postmaskctl queue [list]
       postmaskctl queue show|requeue|release|hold|delete ID"

# No spool yet: an error, and postmaskctl does not create it.
run
expect "missing spool" 1 "" \
    "postmaskctl: error: queue: spool directory $SPOOL: No such file or directory"
[ ! -e "$SPOOL" ] || t_check_fail "missing spool: postmaskctl created $SPOOL"

# An empty spool.
"$WRITER" "$SPOOL" 1 0 >/dev/null
run
expect "empty list" 0 "Spool is empty" ""
run list
expect "empty list, spelled out" 0 "Spool is empty" ""

# Webhook jobs still in the bridge's intake journal (a bridge stopped
# before it moved them in) are counted; one whose key a job's marker
# already holds is not.  The segment is written as spool_journal.h says.
mkdir -m 0700 "$SPOOL/journal"
python3 - "$SPOOL/journal/0000000000000001" <<'PY'
import hashlib, struct, sys
def rec(id_, key):
    body = (id_.encode() + struct.pack("<Q", 1764756000) + b"twilio_message\0"
            + key.encode() + b"\0" + b"EventType=onMessageAdded")
    return (b"PMJ1" + struct.pack("<I", len(body))
            + hashlib.sha256(body).digest()[:4] + body)
open(sys.argv[1], "wb").write(rec("6745A1B200000001", "IMjournal1")
                              + rec("6745A1B200000002", "IMjournal2"))
PY
run list
expect "journal only" 0 "Spool is empty
-- 2 jobs in the intake journal, not yet in the queue (postmask-bridge moves them in)" ""
marker=$(printf 'twilio_message\000IMjournal2' | sha256sum | cut -d' ' -f1)
ln -s 6745A1B200000002 "$SPOOL/dedupe/$marker"
run list
expect "journal, one already a job" 0 "Spool is empty
-- 1 job in the intake journal, not yet in the queue (postmask-bridge moves them in)" ""
rm -r "$SPOOL/journal" "$SPOOL/dedupe/$marker"

# Three jobs from the writer: "ID SHA256" lines after READY.
"$WRITER" "$SPOOL" 42 3 >"$DIR/accepted"
set -- $(sed -n '2,$p' "$DIR/accepted" | cut -d' ' -f1)
[ $# -eq 3 ] || t_check_fail "writer: $# jobs, want 3"
A=$1 B=$2 C=$3
HASH_A=$(sed -n "s/^$A //p" "$DIR/accepted")

# One more by hand: deferred, with a last error holding a C1 control (CSI,
# UTF-8 encoded) that must not reach a terminal as it is.
OLD=00000001AAAAAAAA
{
    printf 'postmask-job 1\nid: %s\nkind: capture\n' "$OLD"
    printf 'created: 1000\nattempts: 3\nnext-attempt: 2000\n'
    printf 'last-error: 451 busy \302\233[31m\npayload-size: 5\n\nhello'
} >"$SPOOL/deferred/$OLD"

run
[ "$rc" = 0 ] || t_check_fail "list: exit $rc ($err)"
HEADER="-Queue ID-       -Kind-         -State-   -Age- -Tries-  -Last error-"
[ "$(sed -n 1p "$T_WORK/ctl.out")" = "$HEADER" ] ||
    t_check_fail "list: header \"$(sed -n 1p "$T_WORK/ctl.out")\""
# Oldest first: the hand-made job is from 1970.
[ "$(sed -n 2p "$T_WORK/ctl.out" | cut -d' ' -f1)" = "$OLD" ] ||
    t_check_fail "list: $OLD is not first"
expect_line "list, deferred job" \
    "^$OLD capture +deferred +[0-9]+d +3  451 busy \\\\xc2\\\\x9b\\[31m\$"
for id in "$A" "$B" "$C"; do
    expect_line "list, $id" "^$id crash_test +active +[0-9]+s +0\$"
done
[ "$(tail -n 1 "$T_WORK/ctl.out")" = "-- 4 jobs" ] ||
    t_check_fail "list: trailer \"$(tail -n 1 "$T_WORK/ctl.out")\""
lines=$(wc -l <"$T_WORK/ctl.out")
[ "$lines" -eq 6 ] || t_check_fail "list: $lines lines, want 6"

# Show: the metadata, then the payload byte for byte.
run show "$A"
[ "$rc" = 0 ] || t_check_fail "show: exit $rc ($err)"
[ "$(sed -n 1p "$T_WORK/ctl.out")" = "id: $A" ] || t_check_fail "show: first line"
expect_line "show, kind" "^kind: crash_test\$"
expect_line "show, state" "^state: active\$"
expect_line "show, attempts" "^attempts: 0\$"
expect_line "show, next attempt" "^next-attempt: as soon as possible\$"
size=$(sed -n 's/^payload-size: \([0-9]*\)$/\1/p' "$T_WORK/ctl.out" | head -n 1)
[ -n "$size" ] || t_check_fail "show: no payload-size"
got=$(tail -c "$size" "$T_WORK/ctl.out" | sha256sum | cut -d' ' -f1)
[ "$got" = "$HASH_A" ] || t_check_fail "show: payload hash $got, want $HASH_A"
run show "$OLD"
expect_line "show, deferred" "^state: deferred\$"
expect_line "show, created" "^created: 1970-01-01 00:16:40 UTC \\(1000\\)\$"
expect_line "show, next attempt" \
    "^next-attempt: 1970-01-01 00:33:20 UTC \\(2000\\)\$"
expect_line "show, escaped error" '^last-error: 451 busy \\xc2\\x9b\[31m$'
[ "$(tail -c 6 "$T_WORK/ctl.out")" = "
hello" ] || t_check_fail "show: payload of $OLD"

# Hold, requeue, delete: a confirmation each, and the state follows.
run hold "$B"
expect "hold" 0 "$B: held" ""
run show "$B"
expect_line "held job" "^state: hold\$"
run list
expect_line "list, held" "^$B crash_test +hold "
run requeue "$B"
expect "requeue held" 0 "$B: requeued" ""
run show "$B"
expect_line "requeued job" "^state: active\$"
run release "$B"
expect "release active" 1 "" \
    "postmaskctl: error: queue: job $B is active, not held or dead"
run show "$B"
grep -q "^released:" "$T_WORK/ctl.out" &&
    t_check_fail "a refused release marked $B"
run hold "$B"
run release "$B"
expect "release held" 0 "$B: released" ""
run show "$B"
expect_line "released job" "^state: active\$"
expect_line "released job, flag" "^released: yes\$"
run list
expect_line "list, released" \
    "^$B crash_test +active +[0-9]+s +0  \\(released\\)\$"
run hold "$B"
run show "$B"
expect_line "released job held again keeps its flag" "^released: yes\$"
run requeue "$B"
run release "$OLD"
expect "release deferred" 1 "" \
    "postmaskctl: error: queue: job $OLD is deferred, not held or dead"
run requeue "$OLD"
expect "requeue deferred" 0 "$OLD: requeued" ""
run show "$OLD"
expect_line "requeued deferred job" "^state: active\$"
expect_line "requeued deferred job, attempts" "^attempts: 0\$"
run delete "$C"
expect "delete" 0 "$C: deleted" ""
run show "$C"
expect "show deleted" 1 "" "postmaskctl: error: queue: no job $C"
run
[ "$(tail -n 1 "$T_WORK/ctl.out")" = "-- 3 jobs" ] ||
    t_check_fail "list after delete: \"$(tail -n 1 "$T_WORK/ctl.out")\""

# Release as the admin does it: a reply the bridge held (a job file as
# written before the released field existed), and a dead letter.
HELD=00000002AAAAAAAA
DEAD=00000003AAAAAAAA
for job in "hold $HELD" "dead $DEAD"; do
    # shellcheck disable=SC2086  # word splitting wanted
    set -- $job
    {
        printf 'postmask-job 1\nid: %s\nkind: capture\n' "$2"
        printf 'created: 1000\nattempts: 0\nnext-attempt: 0\n'
        printf 'last-error: CH00: reply not posted: not authenticated\n'
        printf 'payload-size: 2\n\n{}'
    } >"$SPOOL/$1/$2"
done
run
expect_line "list, held reply" \
    "^$HELD capture +hold +[0-9]+d +0  CH00: reply not posted: not auth"
grep -Eq "^($HELD|$DEAD) .*released" "$T_WORK/ctl.out" &&
    t_check_fail "list shows (released) before the release: $out"
run show "$HELD"
grep -q "^released:" "$T_WORK/ctl.out" && t_check_fail "$HELD shows released"
run release "$HELD"
expect "release held reply" 0 "$HELD: released" ""
run show "$HELD"
expect_line "released reply" "^state: active\$"
expect_line "released reply, flag" "^released: yes\$"
grep -q "^last-error:" "$T_WORK/ctl.out" &&
    t_check_fail "released $HELD kept its last error"
run release "$HELD"
expect "release twice" 1 "" \
    "postmaskctl: error: queue: job $HELD is active, not held or dead"
run release "$DEAD"
expect "release dead letter" 0 "$DEAD: released" ""
run
expect_line "list, released dead letter" \
    "^$DEAD capture +active +[0-9]+s +0  \\(released\\)\$"
run delete "$HELD"
run delete "$DEAD"

# Unknown and malformed IDs: exit 1, one line; nothing outside the spool.
: >"$DIR/victim"
for action in show requeue release hold delete; do
    run "$action" 0123456789ABCDEF
    expect "$action unknown" 1 "" "postmaskctl: error: queue: no job 0123456789ABCDEF"
    run "$action" ../../victim
    expect "$action ../../victim" 1 "" \
        "postmaskctl: error: queue: invalid job ID \"../../victim\""
    run "$action" 0123456789abcdef
    expect "$action lowercase" 1 "" \
        "postmaskctl: error: queue: invalid job ID \"0123456789abcdef\""
done
[ -e "$DIR/victim" ] ||
    t_check_fail "delete ../../victim removed a file outside the spool"

# Usage errors: exit 2.
for args in bogus show hold release "requeue $A $B" "release $A $B" \
    "delete $A extra" "list extra"
do
    # shellcheck disable=SC2086  # word splitting wanted
    run $args
    expect "usage: queue $args" 2 "" "$USAGE"
done

# As root on a spool owned by another user: it acts as that user, so what it
# writes keeps the spool's owner.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chown -R nobody "$SPOOL"
    run hold "$A"
    expect "hold as owner" 0 "$A: held" ""
    run requeue "$A"
    expect "requeue as owner" 0 "$A: requeued" ""
    run hold "$A"
    run release "$A"
    expect "release as owner" 0 "$A: released" ""
    not_owned=$(find "$SPOOL" ! -user nobody)
    [ -z "$not_owned" ] || t_check_fail "files not owned by nobody: $not_owned"
    # Owner but for the mode: nobody may not write, so neither may we.
    chmod 0500 "$SPOOL/active"
    run hold "$A"
    expect "hold, owner cannot write" 1 "" \
        "postmaskctl: error: queue: spool directory $SPOOL/active: Permission denied"
    chmod 0700 "$SPOOL/active"
fi

t_done
