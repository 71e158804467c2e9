#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_intake - a reply to a proxy address goes from the milter to the
# bridge's capture intake (capture_intake.h) while the bridge runs, and
# into the spool directly while it does not; either way it is posted once:
#   1. bridge running: its socket is in the spool, mode 0600; a reply is
#      handed over (the intake counts it accepted) and posted; the same
#      reply again is a duplicate at the intake, answered 250, not posted
#      again;
#   2. bridge stopped (its socket gone) and 3. bridge killed (a stale
#      socket with nobody behind it): the milter writes the job itself,
#      without a warning, answers 250, and the reply is posted once the
#      bridge is back;
#   4. bridge frozen (SIGSTOP) with the reply in its socket: the milter
#      gives up waiting, says so, writes the job itself and answers 250;
#      the thawed bridge stores its copy too, and the dedupe key makes the
#      two one job: posted once;
#   5. requests that are not the protocol get an error line with the
#      reason, logged, and store nothing.
. "$SRC/tests/postfix/e2e_lib.sh"

accepted() { e2e_v=$(metric 'postmask_capture_intake_total{result="accepted"}'); echo "${e2e_v:-0}"; }
milter_logged() { grep -q -- "$1" "$PF_MILTER_LOG"; }
posted() { [ "$(bodies_with "$1")" = 1 ]; }
# posted_once TEXT: posted, and still once after the job runner settled.
posted_once() {
    wait_for "\"$1\" to be posted" posted "$1"
    wait_for "the spool to empty" spool_idle
    [ "$(bodies_with "$1")" = 1 ] || t_fail "\"$1\" was posted $(bodies_with "$1") times"
}
spool_idle() {
    [ -z "$(find "$PF_PM_SPOOL/active" "$PF_PM_SPOOL/incoming" -type f)" ] \
        && [ "$("$BIN/postmaskctl" -c "$PF_PM_DIR" queue 2>/dev/null | grep -c 'journal')" = 0 ]
}

e2e_setup
e2e_start_conversation
SOCK=$PF_PM_SPOOL/intake.sock

# --- 1. Through the intake.
[ -S "$SOCK" ] || t_fail "no intake socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 600 ] || t_fail "the intake socket has mode $(stat -c %a "$SOCK")"
e2e_reply intake1@mail.building.example "First: handed to the bridge." \
    || t_fail "the first reply was not accepted"
posted_once "First: handed to the bridge."
[ "$(accepted)" = 1 ] || t_fail "the intake accepted $(accepted) captures, want 1"
job=$(sed -n 's/.*: captured: conversation '"$SID"', reply, job \([0-9A-F]*\)$/\1/p' "$PF_MILTER_LOG" | tail -1)
[ -n "$job" ] || t_fail "no capture line in the milter's log: $(tail -3 "$PF_MILTER_LOG")"
bridge_logged "job $job" || t_fail "the bridge never worked on job $job: $(tail -5 "$T_BRIDGE_LOG")"
e2e_reply intake1@mail.building.example "First: handed to the bridge." \
    || t_fail "the resent reply was not accepted"
wait_for "the duplicate" milter_logged "duplicate: conversation $SID, already captured as job $job"
[ "$(metric 'postmask_capture_intake_total{result="duplicate"}')" = 1 ] \
    || t_fail "the intake did not count the duplicate"
posted_once "First: handed to the bridge."

# --- 2. Bridge stopped: no socket, the milter writes the job.
t_bridge_stop
[ ! -e "$SOCK" ] || t_fail "the stopped bridge left its socket"
e2e_reply intake2@mail.building.example "Second: the bridge is stopped." \
    || t_fail "the reply was refused while the bridge was stopped"
[ -n "$(find "$PF_PM_SPOOL/active" -type f)" ] || t_fail "no job file in active/"
! milter_logged "did not take the capture" || t_fail "a warning for a stopped bridge"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
posted_once "Second: the bridge is stopped."

# --- 3. Bridge killed: a stale socket, nobody behind it.
t_bridge_kill
[ -S "$SOCK" ] || t_fail "the killed bridge's socket is gone"
e2e_reply intake3@mail.building.example "Third: the bridge was killed." \
    || t_fail "the reply was refused while the bridge was dead"
! milter_logged "did not take the capture" || t_fail "a warning for a dead bridge"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
[ -S "$SOCK" ] || t_fail "the restarted bridge did not replace the stale socket"
posted_once "Third: the bridge was killed."
[ "$(accepted)" = 0 ] || t_fail "a fresh bridge counts $(accepted) accepted"

# --- 4. Bridge frozen: the milter waits, then writes the job itself.
kill -STOP "$T_BRIDGE_PID"
e2e_reply intake4@mail.building.example "Fourth: the bridge froze." \
    || { kill -CONT "$T_BRIDGE_PID"; t_fail "the reply was refused while the bridge was frozen"; }
kill -CONT "$T_BRIDGE_PID"
milter_logged "conversation $SID: the bridge did not take the capture (timed out" \
    || t_fail "no warning about the frozen bridge: $(tail -3 "$PF_MILTER_LOG")"
posted_once "Fourth: the bridge froze."

# --- 5. Not the protocol.
ask() {
    python3 - "$SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(bytes.fromhex(sys.argv[2]))
print(s.recv(1000).decode(), end="")
PY
}
got=$(ask 58585858000000000000000000000000)
[ "$got" = "error not a capture intake request (bad magic)" ] || t_fail "bad magic: \"$got\""
got=$(ask 504d433100000000000000000000000000)
[ "$got" = "error dedupe key of 0 bytes (1 to 998)" ] || t_fail "empty key: \"$got\""
got=$(ask 504d4331010000000100000001000000)
[ "$got" = "error payload of 4294967297 bytes exceeds the limit of 67108864 bytes" ] \
    || t_fail "huge payload: \"$got\""
got=$(ask 504d4331030000000100000000000000610062787979)
[ "$got" = "error bytes after the request" ] || t_fail "trailing bytes: \"$got\""
got=$(ask 504d433103000000010000000000000061006278)
[ "$got" = "error the dedupe key holds a NUL byte" ] || t_fail "NUL in the key: \"$got\""
bridge_logged "intake: refused: not a capture intake request (bad magic)" \
    || t_fail "the refusal is not logged"
[ "$(metric 'postmask_capture_intake_total{result="refused"}')" = 5 ] \
    || t_fail "refusals counted: $(metric 'postmask_capture_intake_total{result="refused"}')"
t_pass
