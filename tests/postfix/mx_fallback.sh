#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mx_fallback - the MX stays open without postmask-milter: the setup of
# `postmaskctl postfix attach --mx-fallback` on a real Postfix:
# milter_default_action = accept, transport_maps sends the proxy domain to
# the "postmask" pipe(8) service running `postmaskctl capture` as an
# unprivileged user.
#   - milter stopped: mail for other.example is delivered; a reply to a
#     proxy address is captured by the transport, once;
#   - milter stopped, spool unwritable: Postfix defers (EX_TEMPFAIL) and,
#     once the spool is back, the reply is captured once;
#   - milter running: the milter captures, the transport sees nothing;
#   - the same message through both paths: one job (dedupe key);
#   - a forged proxy address through the transport: bounced 5.1.1, nothing
#     captured;
#   - a null-sender message without a valid bounce tag: discarded by the
#     transport (exit 0) with a log line, nothing captured.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"
. "$SRC/tests/postfix/reply_lib.sh"

PIPE_USER=nobody        # pipe(8) refuses root and mail_owner
# The milter and the transport run as the same user (postmask when
# packaged), so the spool and its dedupe markers have one owner.  That user
# cannot make a socket in the root-owned queue/postmask: inet.
PF_MILTER_TRANSPORT=inet
PF_MILTER_PROG=$T_WORK/milter-as-user
printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=nogroup --clear-groups %s "$@"\n' \
    "$PIPE_USER" "$BIN/postmask-milter" > "$PF_MILTER_PROG"
chmod 0755 "$PF_MILTER_PROG"
pf_setup
mkdir "$PF_PM_SPOOL"
chown "$PIPE_USER" "$PF_PM_SPOOL" "$PF_PM_KEYS"
setpriv --reuid="$PIPE_USER" --regid=nogroup --clear-groups \
    test -x "$BIN/postmaskctl" || _pf_skip "$BIN/postmaskctl is not reachable by $PIPE_USER"
pf_start

# What attach --mx-fallback sets (ctl_postfix.sh checks attach itself).
pf_postconf -M "postmask/unix=postmask unix - n n - - pipe flags=X user=$PIPE_USER null_sender= argv=$BIN/postmaskctl -c $PF_PM_DIR capture -q \${queue_id} -f \${sender} -- \${recipient}"
pf_postconf -e 'milter_default_action = accept' \
    'transport_maps = inline:{reply.example.com=postmask:}' \
    'postmask_destination_recipient_limit = 1'
pf_reload

reply_setup

# The queue ID of the last accepted message.
queued_as() {
    sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$PF_SWAKS_LOG" | tail -1
}

# 1. Milter stopped: other.example is delivered (no 451 from CONNECT on).
pf_swaks_expect 0 --from contact@building.example --to someone@other.example
pf_wait_delivered 1 || t_fail "other.example got nothing with the milter down"

# 2. Milter stopped: a reply to a proxy address is queued for the
#    transport and captured there, once.
reply "$T_WORK/r1" r1@building.example
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r1"
q1=$(queued_as)
[ -n "$q1" ] || t_fail "no queue ID: $(cat "$PF_SWAKS_LOG")"
pf_wait_log "$q1: to=<$proxy>, relay=postmask, .*status=sent \(delivered via postmask service \(captured: job [0-9A-F]{16}\)\)" \
    || t_fail "the transport did not capture $q1: $(pf_log | grep "$q1" | tail -5)"
[ "$(jobs)" -eq 1 ] || t_fail "after the transport: $(jobs) jobs, want 1"
job=$(ls "$PF_PM_SPOOL/active")
[ "$(stat -c %U "$PF_PM_SPOOL/active/$job")" = "$PIPE_USER" ] \
    || t_fail "the job does not belong to $PIPE_USER"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue show "$job" > "$T_WORK/job"
grep -q '"text":"Yes, it is still available."' "$T_WORK/job" \
    || t_fail "the capture lacks the text: $(cat "$T_WORK/job")"
grep -q "\"queue_id\":\"$q1\"" "$T_WORK/job" || t_fail "the capture lacks $q1"
pf_wait_queue_empty || t_fail "the reply stayed in Postfix's queue"
[ "$(pf_sink_count)" -eq 1 ] || t_fail "the reply went downstream"

# 3. Milter stopped and the spool unwritable: EX_TEMPFAIL, Postfix keeps
#    the reply; when the spool is back it is captured, once.
reply "$T_WORK/r2" r2@building.example
mv "$PF_PM_SPOOL/incoming" "$PF_PM_SPOOL/incoming.away"
: > "$PF_PM_SPOOL/incoming"
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r2"
q2=$(queued_as)
pf_wait_log "$q2: to=<$proxy>, relay=postmask, .*status=deferred \(temporary failure\. Command output: tempfail: " \
    || t_fail "no deferral for $q2: $(pf_log | grep "$q2" | tail -5)"
[ "$(jobs)" -eq 1 ] || t_fail "a failed capture left a job"
[ "$(pf_queue_count)" -eq 1 ] || t_fail "Postfix did not keep the reply"
rm "$PF_PM_SPOOL/incoming"
mv "$PF_PM_SPOOL/incoming.away" "$PF_PM_SPOOL/incoming"
pf_postqueue -f
pf_wait_log "$q2: to=<$proxy>, relay=postmask, .*status=sent .*\(captured: job " \
    || t_fail "$q2 was not captured after the spool came back: $(pf_log | grep "$q2" | tail -3)"
pf_wait_queue_empty || t_fail "the deferred reply stayed in the queue"
[ "$(jobs)" -eq 2 ] || t_fail "after the retry: $(jobs) jobs, want 2"

# 4. Milter running: it captures at SMTP time; the transport sees nothing.
pf_milter_start || t_fail "the milter did not restart: $(cat "$PF_MILTER_LOG")"
reply "$T_WORK/r3" r3@building.example
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r3"
q3=$(queued_as)
grep -q "$q3: captured: conversation $sid, reply" "$PF_MILTER_LOG" \
    || t_fail "the milter did not capture $q3: $(cat "$PF_MILTER_LOG")"
pf_wait_log "$q3: milter-discard: END-OF-MESSAGE" \
    || t_fail "Postfix did not discard $q3: $(pf_log | tail -5)"
pf_log | grep -q "$q3: to=<" && t_fail "the transport saw $q3: $(pf_log | grep "$q3")"
[ "$(jobs)" -eq 3 ] || t_fail "with the milter: $(jobs) jobs, want 3"

# 5. The same message through both paths: one job.  r1 went through the
#    transport; sent again the milter finds it is a duplicate.  r3 went
#    through the milter; sent again with the milter down, the transport does.
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r1"
grep -q "$(queued_as): duplicate: conversation $sid, already captured as job " \
    "$PF_MILTER_LOG" || t_fail "the milter captured r1 again: $(tail -3 "$PF_MILTER_LOG")"
pf_milter_stop 1
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r3"
q5=$(queued_as)
pf_wait_log "$q5: to=<$proxy>, relay=postmask, .*status=sent .*\(duplicate: already captured as job " \
    || t_fail "the transport captured r3 again: $(pf_log | grep "$q5" | tail -3)"
[ "$(jobs)" -eq 3 ] || t_fail "after both paths: $(jobs) jobs, want 3"

# 6. A forged proxy address through the transport: bounced 5.1.1 (EX_NOUSER),
#    nothing captured.
reply "$T_WORK/r6" r6@building.example
pf_swaks_expect 0 --from contact@building.example --to "$forged" --data "$T_WORK/r6"
q6=$(queued_as)
pf_wait_log "$q6: to=<$forged>, relay=postmask, .*dsn=5\.1\.1, status=bounced \(<$forged>: forged proxy address" \
    || t_fail "the forged address was not bounced 5.1.1: $(pf_log | grep "$q6" | tail -3)"
[ "$(jobs)" -eq 3 ] || t_fail "the forged address made a job"

# 7. The null sender without a valid bounce tag: discarded (exit 0) with a
#    log line, nothing captured.
reply "$T_WORK/r7" r7@building.example
pf_swaks_expect 0 --from '<>' --to "$proxy" --data "$T_WORK/r7"
q7=$(queued_as)
pf_wait_log "$q7: to=<$proxy>, relay=postmask, .*status=sent .*\(discarded: null sender without a valid bounce tag \(none\)\)" \
    || t_fail "the null-sender message was not discarded: $(pf_log | grep "$q7" | tail -3)"
[ "$(jobs)" -eq 3 ] || t_fail "a null-sender message without a tag made a job"
pf_wait_queue_empty || t_fail "something stayed in Postfix's queue: $(pf_postqueue -p)"
t_pass
