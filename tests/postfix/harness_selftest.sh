#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# harness_selftest - proves tests/postfix/harness.sh, the private Postfix
# instance the milter's real-Postfix tests run on:
#  - cleanup: a test that fails, one interrupted by SIGTERM, and one killed
#    by SIGKILL (reaped by pf_reap_stale, as the next pf_setup does) leave
#    no process behind;
#  - no milter: a message to someone@other.example on the MX listener
#    reaches smtp-sink with its envelope; the MX does not relay elsewhere,
#    the masking listener (trusted loopback) does, with both recipients in
#    one transaction; sendmail -C works; listener ports taken by someone
#    else are replaced;
#  - milter attached, socket absent (postmask-milter not running): both
#    listeners answer 4xx (milter_default_action = tempfail), nothing is
#    queued or delivered;
#  - postmask-milter itself: pf_milter_start runs it with $PF_PM_DIR, and
#    pf_milter_stop stops it and leaves no socket; if it does not listen
#    (the early skeleton did not), Postfix still tempfails;
#  - a stand-in milter (fake_milter.pl) that listens and hangs up: the
#    harness waits for its socket, smtpd (user postfix) can connect to it,
#    Postfix still tempfails, and stopping it removes the socket;
#  - detached again: delivery resumes;
#  - afterwards no process of the instance is left and the system's
#    /etc/postfix, /var/spool/postfix and /var/lib/postfix are untouched.
# Assertions are only about what the harness guarantees, not about what
# postmask-milter does with a message.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"
pf_require

# --- The system instance, before. -----------------------------------------

sys_dirs="/etc/postfix /var/spool/postfix /var/lib/postfix"
marker=$T_WORK/marker
: >"$marker"
sys_state() {
    for d in $sys_dirs; do
        [ -e "$d" ] || { echo "$d: absent"; continue; }
        ls -la --time-style=full-iso "$d"
    done 2>/dev/null | cksum
}
sys_masters() {
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        [ "$exe" = /usr/lib/postfix/sbin/master ] || continue
        cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
        [ "$cwd" = /var/spool/postfix ] && echo "${p#/proc/}"
    done
    return 0
}
sys_state_before=$(sys_state)
sys_masters_before=$(sys_masters)

# --- Cleanup when a test fails, is interrupted or is killed. --------------

cat >"$T_WORK/child.sh" <<'EOF'
# child.sh OUTDIR fail|term|kill: starts an instance with everything
# running, then fails, or waits for a signal.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"
# Instances in a base of their own, out of reach of other tests' pf_setup.
# The failing child asks for one the postfix user cannot reach (in T_WORK,
# mode 0700): the harness falls back to PF_TMP_FALLBACK.
T_TMP_BASE=$PRIVATE_BASE
[ "$2" != fail ] || T_TMP_BASE=$1/unreachable
PF_TMP_FALLBACK=$PRIVATE_BASE
PF_QUIET=yes
PF_MILTER_PROG=$SRC/tests/postfix/fake_milter.pl
pf_setup
pf_start
pf_milter_start || t_fail "fake milter did not start"
echo "$PF_DIR" >"$1/dir"
case $2 in
    fail) t_fail "a deliberate failure" ;;
esac
: >"$1/ready"
while :; do
    sleep 0.1
done
EOF

# The children's instances live in a base directory of their own (under
# /tmp, reachable by the postfix user), so that only this test reaps them.
PRIVATE_BASE=$(mktemp -d "${TMPDIR:-/tmp}/pf-selftest.XXXXXX")
chmod 0711 "$PRIVATE_BASE"
export PRIVATE_BASE
holder=
partial=
selftest_cleanup() {
    for pid in $holder $partial; do
        kill -KILL "$pid" 2>/dev/null || :
    done
    pf_reap_stale "$PRIVATE_BASE" 2>/dev/null
    [ "$PF_EXIT_STATUS" != 0 ] || rm -rf "$PRIVATE_BASE"
}
PF_ON_EXIT=selftest_cleanup
trap 'PF_EXIT_STATUS=$?; selftest_cleanup' EXIT     # until pf_setup's trap

# run_child MODE: runs child.sh in the background; sets $child_dir (its
# instance) once it is up, or fails.
run_child() {
    out=$T_WORK/child-$1
    mkdir -p "$out"
    sh "$T_WORK/child.sh" "$out" "$1" >"$out/log" 2>&1 &
    child=$!
    want=$out/ready
    [ "$1" != fail ] || want=$out/dir
    i=0
    until [ -e "$want" ]; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then
            kill -KILL $child
            t_fail "child ($1) did not start: $(cat "$out/log")"
        fi
        if ! kill -0 $child 2>/dev/null && [ ! -e "$want" ]; then
            t_fail "child ($1) exited early: $(cat "$out/log")"
        fi
        sleep 0.1
    done
    read -r child_dir <"$out/dir"
}

# wait_gone DIR WHAT: no process of instance DIR is left (bounded wait).
no_procs() {
    [ -z "$(pf_procs_in "$1")" ]
}
wait_gone() {
    _pf_poll 10 no_procs "$1" \
        || t_fail "$2: processes of $1 left: $(for p in $(pf_procs_in "$1"); do tr '\000' ' ' </proc/$p/cmdline; echo; done)"
}

# A failing test: t_fail runs the EXIT trap; everything stops, the
# instance is kept for diagnosis.
run_child fail
status=0
wait $child || status=$?
[ $status = 1 ] || t_fail "failing child exited $status, want 1: $(cat "$out/log")"
grep -q "a deliberate failure" "$out/log" || t_fail "child did not fail as planned: $(cat "$out/log")"
wait_gone "$child_dir" "after t_fail"
case $child_dir in
    "$PRIVATE_BASE"/postfix.*) ;;
    *) t_fail "an unreachable T_TMP_BASE did not fall back to PF_TMP_FALLBACK: $child_dir" ;;
esac
grep -q "not reachable by the postfix user" "$out/log" || t_fail "no fallback note: $(cat "$out/log")"
[ -s "$child_dir/maillog" ] || t_fail "a failed test's instance was not kept"
[ ! -e "$child_dir/owner" ] || t_fail "a cleaned-up instance still has an owner"

# An interrupted test (SIGTERM): the trap stops everything.
run_child term
[ -n "$(pf_procs_in "$child_dir")" ] || t_fail "child (term) runs nothing"
kill -TERM $child
status=0
wait $child || status=$?
[ $status = 143 ] || t_fail "SIGTERMed child exited $status, want 143: $(cat "$out/log")"
wait_gone "$child_dir" "after SIGTERM"

# A killed test (SIGKILL, as a CTest timeout does): its processes survive
# it, and pf_reap_stale, which pf_setup runs, reaps them.
run_child kill
kill -KILL $child
wait $child 2>/dev/null || :
killed_dir=$child_dir
master=$(sed 1q "$killed_dir/queue/pid/master.pid" | tr -d ' ')
_pf_alive "$master" || t_fail "the killed child's master is already gone: the test proves nothing"
[ -n "$(pf_procs_in "$killed_dir")" ] || t_fail "the killed child left nothing to reap"
pf_reap_stale "$PRIVATE_BASE" 2>"$T_WORK/reap.err"
wait_gone "$killed_dir" "pf_reap_stale did not reap a killed test's instance"
[ ! -e "$killed_dir/owner" ] || t_fail "a reaped instance still has an owner"
grep -q "reaping process group $master left by a killed test" "$T_WORK/reap.err" \
    || t_fail "no reaping note: $(cat "$T_WORK/reap.err")"

# --- No milter: the plumbing. ---------------------------------------------

# Someone else holds the first ports the harness picks for the listeners:
# pf_start moves them.
pf_setup --no-milter

holder_mx=$PF_PORT_MX
perl -MSocket -e '
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die;
    bind($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or die "bind: $!";
    listen($s, 1) or die;
    open my $f, ">", $ARGV[1]; close $f;
    alarm 30; sleep 30;' "$holder_mx" "$T_WORK/holder.ready" &
holder=$!
_pf_poll 5 test -e "$T_WORK/holder.ready" || t_fail "port holder did not start"
PF_QUIET=yes
pf_start
PF_QUIET=
kill $holder 2>/dev/null
wait $holder 2>/dev/null || :
holder=
[ "$PF_PORT_MX" != "$holder_mx" ] || t_fail "MX port $holder_mx was taken, yet not changed"
grep -q "^127\.0\.0\.1:$PF_PORT_MX inet" "$PF_CONF/master.cf" \
    || t_fail "master.cf does not have the new MX port $PF_PORT_MX"

# The instance is made of its own directories.
case $PF_DIR in
    "$BIN"/tests/tmp/postfix.* | "$PF_TMP_FALLBACK"/postfix.*) ;;
    *) t_fail "instance directory $PF_DIR is not a test directory" ;;
esac
for name in config_directory queue_directory data_directory maillog_file; do
    value=$(pf_postconf -h "$name")
    case $value in
        "$PF_DIR"/*) ;;
        *) t_fail "$name = $value is outside $PF_DIR" ;;
    esac
done
chroots=$(pf_postconf -F '*/*/chroot' | sed 's/.* = //' | sort -u)
[ "$chroots" = n ] || t_fail "some service is chrooted: $(pf_postconf -F '*/*/chroot')"
check=$(postfix -c "$PF_CONF" check 2>&1) || t_fail "postfix check failed: $check"
[ -z "$check" ] || t_fail "postfix check warns: $check"
[ "$(stat -c %U "$PF_DATA")" = postfix ] || t_fail "data_directory is not owned by postfix"
master=$(_pf_master_pid) || t_fail "no master.pid"
[ "$(readlink "/proc/$master/cwd")" = "$PF_QUEUE" ] || t_fail "master $master runs elsewhere"
for port in "$PF_PORT_MX" "$PF_PORT_MASKING" "$PF_PORT_SINK"; do
    case $port in
        '' | *[!0-9]*) t_fail "bad port '$port'" ;;
    esac
done

# MX listener, a relay domain: delivered to the sink with its envelope,
# and the message exactly as sent, plus Postfix's Received header.
token=selftest-$$-1
cat >"$T_WORK/msg0" <<EOF
Date: Thu, 01 Jan 2026 00:00:00 +0000
From: Seeker <seeker@example.net>
To: someone@other.example
Subject: harness self-test
Message-ID: <$token@example.net>
X-Selftest: $token

first line
.a line that starts with a dot
last line
EOF
# swaks sends CRLF after the data, final newline or not: leave it out.
printf '%s' "$(cat "$T_WORK/msg0")" >"$T_WORK/msg0.swaks"
pf_swaks_expect 0 --from seeker@example.net --to someone@other.example \
    --data "@$T_WORK/msg0.swaks"
qid=$(sed -n 's/^<-  250 .*queued as \([0-9A-F]*\).*/\1/p' "$PF_SWAKS_LOG")
[ -n "$qid" ] || t_fail "no queue ID in: $(cat "$PF_SWAKS_LOG")"
pf_wait_delivered 1 || t_fail "the message did not reach the sink"
[ "$(pf_sink_count)" = 1 ] || t_fail "$(pf_sink_count) dumps, want 1"
dump=$(pf_sink_files)
[ "$(pf_sink_mail_from "$dump")" = seeker@example.net ] \
    || t_fail "envelope sender '$(pf_sink_mail_from "$dump")': $(cat "$dump")"
[ "$(pf_sink_rcpts "$dump")" = someone@other.example ] \
    || t_fail "envelope recipients '$(pf_sink_rcpts "$dump")': $(cat "$dump")"
pf_sink_message "$dump" >"$T_WORK/msg1"
grep -q "^X-Selftest: $token\$" "$T_WORK/msg1" || t_fail "header missing: $(cat "$T_WORK/msg1")"
grep -q "by mx.test.example (Postfix) with ESMTP id $qid" "$T_WORK/msg1" \
    || t_fail "not the message queued as $qid: $(cat "$T_WORK/msg1")"
awk 'NR == 1 && /^Received: / { skip = 1; next }
     skip && /^[ \t]/ { next }
     { skip = 0; print }' "$T_WORK/msg1" >"$T_WORK/msg1.sent"
cmp -s "$T_WORK/msg0" "$T_WORK/msg1.sent" \
    || t_fail "delivered message differs from the one sent: $(diff "$T_WORK/msg0" "$T_WORK/msg1.sent")"
grep -q '^X-Mail-Args\|^X-Rcpt-Args\|smtp-sink' "$T_WORK/msg1" \
    && t_fail "pf_sink_message kept the sink's own headers: $(cat "$T_WORK/msg1")"
pf_wait_log "postfix/mx/smtpd.*: $qid: client=" || t_fail "MX log line missing"
pf_wait_log "$qid: to=<someone@other.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$PF_PORT_SINK,.* status=sent" \
    || t_fail "no delivery to the sink logged for $qid: $(pf_log)"
pf_wait_queue_empty || t_fail "queue not empty: $(pf_postqueue -p)"

# The MX relays only for its relay domains.
pf_swaks_expect 24 --from seeker@example.net --to someone@elsewhere.example
pf_swaks_saw '^<\*\* 554 5\.7\.1 ' || t_fail "MX relayed: $(cat "$PF_SWAKS_LOG")"

# The masking listener relays from loopback anywhere; two recipients (of
# the same transport: see the README), one dump.
pf_swaks_expect 0 masking --from app@example.net \
    --to contact@elsewhere.example,contact@another.example
pf_wait_delivered 2 || t_fail "masking listener: not delivered"
dump=$(pf_sink_files | tail -n 1)
[ "$(pf_sink_rcpts "$dump" | sort | tr '\n' ' ')" = "contact@another.example contact@elsewhere.example " ] \
    || t_fail "masking listener: recipients $(pf_sink_rcpts "$dump")"
pf_wait_log "postfix/masking/smtpd.*: client=" || t_fail "masking log line missing"

# Postfix's sendmail for the instance.
printf 'Subject: via sendmail\n\nsendmail body\n' \
    | pf_sendmail -f app@example.net -- someone@other.example \
    || t_fail "pf_sendmail failed"
pf_wait_delivered 3 || t_fail "sendmail message not delivered"
dump=$(pf_sink_files | tail -n 1)
[ "$(pf_sink_mail_from "$dump")" = app@example.net ] || t_fail "sendmail sender: $(cat "$dump")"
pf_wait_queue_empty || t_fail "queue not empty after sendmail: $(pf_postqueue -p)"

# A message the sink is still receiving is not counted: smtp-sink creates
# its dump at MAIL FROM.
count=$(pf_sink_count)
perl -MSocket -e '
    my ($port, $ready, $go) = @ARGV;
    alarm 30;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    connect($s, pack_sockaddr_in($port, inet_aton("127.0.0.1"))) or die "connect: $!";
    select((select($s), $| = 1)[0]);
    sub reply { my $l; do { $l = <$s>; die "EOF\n" unless defined $l } while $l =~ /^\d\d\d-/; $l }
    reply();
    for my $c ("EHLO client.test.example", "MAIL FROM:<partial\@example.net>",
               "RCPT TO:<someone\@other.example>", "DATA") {
        print $s "$c\r\n";
        my $r = reply();
        die "$c: $r" unless $r =~ /^[23]/;
    }
    print $s "Subject: partial\r\n\r\nhalf a message\r\n";
    open my $f, ">", $ready or die; close $f;
    select(undef, undef, undef, 0.1) until -e $go;
    print $s ".\r\n";
    reply() =~ /^250/ or die "dot refused";
    print $s "QUIT\r\n";
    exit 0;' "$PF_PORT_SINK" "$T_WORK/partial.ready" "$T_WORK/partial.go" \
    2>"$T_WORK/partial.err" &
partial=$!
_pf_poll 10 test -e "$T_WORK/partial.ready" || t_fail "partial client: $(cat "$T_WORK/partial.err")"
[ "$(ls "$PF_SINK_DIR" | grep -c '^msg\.')" = $((count + 1)) ] \
    || t_fail "the sink made no dump file for the partial message"
[ "$(pf_sink_count)" = "$count" ] || t_fail "pf_sink_count counts a message still being received"
: >"$T_WORK/partial.go"
status=0
wait $partial || status=$?
partial=
[ $status = 0 ] || t_fail "partial client failed: $(cat "$T_WORK/partial.err")"
pf_wait_delivered $((count + 1)) || t_fail "the completed message is not counted"

# --- Milter attached, nothing listening: tempfail, nothing accepted. ------

tempfails() {
    # tempfails LISTENER WHAT
    before=$(pf_sink_count)
    pf_swaks "$1" --from seeker@example.net --to someone@other.example
    [ "$PF_SWAKS_RC" != 0 ] || t_fail "$2: $1 accepted: $(cat "$PF_SWAKS_LOG")"
    pf_swaks_saw '^<\*\* 4[0-9][0-9] ' || t_fail "$2: $1 did not answer 4xx: $(cat "$PF_SWAKS_LOG")"
    pf_swaks_saw '^<\*\* 5' && t_fail "$2: $1 answered 5xx: $(cat "$PF_SWAKS_LOG")"
    pf_swaks_saw 'queued as' && t_fail "$2: $1 queued it: $(cat "$PF_SWAKS_LOG")"
    pf_queue_empty || t_fail "$2: $1: something is queued: $(pf_postqueue -p)"
    [ "$(pf_sink_count)" = "$before" ] || t_fail "$2: $1: something reached the sink"
}

pf_milter_attach
[ "$(pf_postconf -h postmask_mx_milters)" = "$PF_MILTER_SPEC" ] || t_fail "milter not attached to the MX"
[ "$(pf_postconf -h milter_default_action)" = tempfail ] || t_fail "milter_default_action is not tempfail"
pf_milter_listening && t_fail "something listens on the milter socket already"
tempfails mx "no milter"
tempfails masking "no milter"
pf_wait_log "connect to Milter service $PF_MILTER_SPEC" || t_fail "no milter connect failure logged"

# The real postmask-milter.  Today's skeleton loads its configuration and
# waits for SIGTERM without listening; once it listens, only the socket's
# presence is checked here (the milter's own tests check what it does).
pf_milter_start --no-wait
_pf_poll 10 grep -q "starting:" "$PF_MILTER_LOG" \
    || t_fail "postmask-milter did not start: $(cat "$PF_MILTER_LOG")"
pf_milter_running || t_fail "postmask-milter exited: $(cat "$PF_MILTER_LOG")"
grep -q "config $PF_PM_DIR/main.cf" "$PF_MILTER_LOG" \
    || t_fail "postmask-milter did not read $PF_PM_DIR/main.cf: $(cat "$PF_MILTER_LOG")"
if _pf_poll 1 pf_milter_listening; then
    echo "$T_NAME: postmask-milter listens on $PF_MILTER_LISTEN: socket-present case only"
else
    echo "$T_NAME: postmask-milter does not listen yet: socket-absent case"
    tempfails mx "skeleton milter"
fi
# (Not waiting for libmilter's ~5 s exit: this is not the milter's test.)
pf_milter_stop 1 || :
pf_milter_running && t_fail "postmask-milter still runs after pf_milter_stop"
pf_milter_listening && t_fail "the milter socket is still there after pf_milter_stop"

# A stand-in that listens and hangs up: pf_milter_start waits for its
# socket; smtpd, as user postfix, reaches it; Postfix still tempfails.
PF_MILTER_PROG=$SRC/tests/postfix/fake_milter.pl
pf_milter_start || t_fail "pf_milter_start: status $?: $(cat "$PF_MILTER_LOG")"
pf_milter_listening || t_fail "pf_milter_start returned before the milter listened"
if [ -n "$PF_MILTER_SOCK" ]; then
    [ "$(stat -c %G "$PF_MILTER_SOCK")" = postfix ] \
        || t_fail "the socket's group is $(stat -c %G "$PF_MILTER_SOCK"), not postfix"
fi
tempfails mx "stand-in milter"
grep -q "fake_milter: connection" "$PF_MILTER_LOG" \
    || t_fail "smtpd did not reach the milter socket: $(pf_log | grep -i milter)"
pf_milter_stop 5 || t_fail "stand-in milter did not stop"
pf_milter_listening && t_fail "socket left after pf_milter_stop"

# Detached again: delivery resumes.
count=$(pf_sink_count)
pf_milter_detach
pf_swaks_expect 0 --from seeker@example.net --to someone@other.example
pf_wait_delivered $((count + 1)) || t_fail "no delivery after pf_milter_detach"

# --- Nothing left, nothing touched. ---------------------------------------

dir=$PF_DIR
mx_port=$PF_PORT_MX
sink_port=$PF_PORT_SINK
pf_cleanup
wait_gone "$dir" "after pf_cleanup"
_pf_listening "$mx_port" && t_fail "the MX port still accepts after pf_cleanup"
_pf_listening "$sink_port" && t_fail "the sink port still accepts after pf_cleanup"
[ "$(sys_state)" = "$sys_state_before" ] || t_fail "the system Postfix directories changed"
changed=$(find $sys_dirs -newer "$marker" 2>/dev/null | head -5)
[ -z "$changed" ] || t_fail "system Postfix files changed: $changed"
[ "$(sys_masters)" = "$sys_masters_before" ] || t_fail "the system Postfix was started or stopped"
t_pass
