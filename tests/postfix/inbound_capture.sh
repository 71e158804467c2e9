#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# inbound_capture - a building contact's reply to a proxy address through a
# real Postfix (the MX of the proxy domains) with postmask-milter attached:
#   - a valid proxy recipient is captured into the spool and delivered
#     nowhere;
#   - a forged proxy address is refused at RCPT with 550 5.1.1;
#   - with mixed recipients the other one is delivered (without internal
#     X-Postmask headers) and the proxy one is captured;
#   - with the spool unwritable the client gets 4xx, and when it retries
#     after the spool is back exactly one capture exists;
#   - with the milter stopped Postfix tempfails, and after it is back the
#     retry is captured: nothing is lost;
#   - a message over capture_size_limit gets 552 at the end of DATA.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"
. "$SRC/tests/postfix/reply_lib.sh"

pf_setup
pf_pmconf -e 'capture_size_limit = 200000'
pf_start
pf_milter_start || t_fail "the milter did not start: $(cat "$PF_MILTER_LOG")"

reply_setup

# 1. A reply to a proxy address: captured, delivered nowhere.
reply "$T_WORK/r1" r1@building.example
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r1"
[ "$(jobs)" -eq 1 ] || t_fail "the reply was not captured: $(jobs) jobs; $(cat "$PF_MILTER_LOG")"
grep -q ": captured: conversation $sid, reply, job " "$PF_MILTER_LOG" \
    || t_fail "no capture log line: $(cat "$PF_MILTER_LOG")"
qid=$(sed -n 's/.*: \([0-9A-Za-z]*\): captured: conversation.*/\1/p' "$PF_MILTER_LOG" | head -1)
[ -n "$qid" ] || t_fail "no queue ID in the capture log line"
pf_wait_log "$qid: milter-discard: END-OF-MESSAGE" \
    || t_fail "Postfix did not discard $qid: $(pf_log | tail -5)"
pf_wait_queue_empty || t_fail "the reply stayed in Postfix's queue"
[ "$(pf_sink_count)" -eq 0 ] || t_fail "the reply was delivered downstream"
job=$(ls "$PF_PM_SPOOL/active")
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue show "$job" > "$T_WORK/job"
grep -q '"text":"Yes, it is still available."' "$T_WORK/job" \
    || t_fail "the capture does not hold the new text: $(cat "$T_WORK/job")"
grep -q "\"queue_id\":\"$qid\"" "$T_WORK/job" || t_fail "the capture lacks Postfix's queue ID $qid"

# 2. A forged proxy address: 550 5.1.1 at RCPT.
pf_swaks --from contact@building.example --to "$forged" --data "$T_WORK/r1"
[ "$PF_SWAKS_RC" -ne 0 ] || t_fail "the forged address was accepted"
pf_swaks_saw "^<\*\* +550 5\.1\.1 <$forged>: Recipient address rejected: forged proxy address" \
    || t_fail "no 550 5.1.1 for the forged address: $(cat "$PF_SWAKS_LOG")"
grep -q "NOQUEUE: reject: RCPT from localhost\[127.0.0.1\]: 550 5.1.1 <$forged>: forged proxy address" "$PF_MILTER_LOG" \
    || grep -q "NOQUEUE: reject: RCPT from unknown\[127.0.0.1\]: 550 5.1.1 <$forged>: forged proxy address" "$PF_MILTER_LOG" \
    || t_fail "no reject log line naming the client: $(cat "$PF_MILTER_LOG")"
[ "$(jobs)" -eq 1 ] || t_fail "the forged address made a job"

# 3. Mixed recipients: the other one gets the message, the proxy one is
#    captured; internal headers from outside do not get through.
reply "$T_WORK/r3" r3@building.example "X-Postmask-Conversation: $sid"
pf_swaks_expect 0 --from contact@building.example --to "$proxy,someone@other.example" \
    --data "$T_WORK/r3"
pf_wait_delivered 1 || t_fail "the other recipient got nothing"
dump=$(pf_sink_files)
[ "$(pf_sink_rcpts "$dump")" = someone@other.example ] \
    || t_fail "the proxy recipient went downstream: $(pf_sink_rcpts "$dump")"
pf_sink_message "$dump" | grep -qi '^X-Postmask' && t_fail "an X-Postmask header got through"
pf_sink_message "$dump" | grep -q '^Yes, it is still available.' || t_fail "the delivered copy lost its body"
[ "$(jobs)" -eq 2 ] || t_fail "mixed: $(jobs) jobs, want 2"

# 4. The spool cannot be written: 4xx; the client retries after it is back
#    and exactly one capture exists.
reply "$T_WORK/r4" r4@building.example
mv "$PF_PM_SPOOL/incoming" "$PF_PM_SPOOL/incoming.away"
: > "$PF_PM_SPOOL/incoming"
pf_swaks --from contact@building.example --to "$proxy" --data "$T_WORK/r4"
pf_swaks_saw '^<\*\* +451 4\.3\.0 Temporary failure storing the message' \
    || t_fail "no 451 when the spool fails: $(cat "$PF_SWAKS_LOG")"
rm "$PF_PM_SPOOL/incoming"
mv "$PF_PM_SPOOL/incoming.away" "$PF_PM_SPOOL/incoming"
[ "$(jobs)" -eq 2 ] || t_fail "a failed capture left a job"
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r4"
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r4"
[ "$(jobs)" -eq 3 ] || t_fail "after the retries: $(jobs) jobs, want exactly 3"
[ "$(grep -c 'duplicate: conversation' "$PF_MILTER_LOG")" -eq 1 ] \
    || t_fail "the second retry was not recognised as a duplicate"

# 5. The milter is down: Postfix tempfails (milter_default_action =
#    tempfail); nothing is accepted, so nothing is lost; the retry after the
#    milter is back is captured.
pf_milter_stop 1
reply "$T_WORK/r5" r5@building.example
pf_swaks --from contact@building.example --to "$proxy" --data "$T_WORK/r5"
[ "$PF_SWAKS_RC" -ne 0 ] || t_fail "Postfix accepted mail for a proxy address without the milter"
pf_swaks_saw '^<\*\* +4[0-9][0-9] ' || t_fail "no 4xx without the milter: $(cat "$PF_SWAKS_LOG")"
[ "$(pf_queue_count)" -eq 0 ] || t_fail "Postfix queued mail it could not filter"
pf_milter_start || t_fail "the milter did not restart: $(cat "$PF_MILTER_LOG")"
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/r5"
[ "$(jobs)" -eq 4 ] || t_fail "the retry after the milter came back: $(jobs) jobs, want 4"

# 6. Larger than capture_size_limit: 552 5.3.4, nothing captured.
reply "$T_WORK/r6" r6@building.example
head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 76 | sed 's/$/\r/' >> "$T_WORK/r6"
pf_swaks --from contact@building.example --to "$proxy" --data "$T_WORK/r6"
pf_swaks_saw '^<\*\* +552 5\.3\.4 Message too big for a proxy address' \
    || t_fail "no 552 for an oversized message: $(tail -5 "$PF_SWAKS_LOG")"
[ "$(jobs)" -eq 4 ] || t_fail "an oversized message made a job"

# 7. Many SMTP sessions at once, to two conversations: every message is
#    captured once, for its own conversation.
sid2=CHfedcba9876543210fedcba9876543210
proxy2=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $sid2) || t_fail "encode"
pids=
for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
    reply "$T_WORK/c$n" "c$n@building.example"
    to=$proxy
    [ $((n % 2)) -eq 0 ] && to=$proxy2
    swaks --server 127.0.0.1 --port "$PF_PORT_MX" --helo client.test.example \
        --from contact@building.example --to "$to" --data "$T_WORK/c$n" \
        >"$T_WORK/c$n.log" 2>&1 </dev/null &
    pids="$pids $!"
done
for p in $pids; do
    wait "$p" || t_fail "a concurrent session failed: $(cat "$T_WORK"/c*.log | grep '<\*\*' | head -3)"
done
[ "$(jobs)" -eq 16 ] || t_fail "concurrent sessions: $(jobs) jobs, want 16"
[ "$(grep -c "captured: conversation $sid2, reply" "$PF_MILTER_LOG")" -eq 6 ] \
    || t_fail "the second conversation did not get its 6 captures"
t_pass
