#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# inbound_limits - the rate limits at the MX, through a real Postfix with
# postmask-milter attached (milter_rate.c):
#   - rcpt_failure_limit = 3: from one client IP (XCLIENT ADDR=127.0.0.5)
#     three guessed proxy addresses get 550 5.1.1, then every recipient in
#     a proxy domain gets 450 4.7.1, even a valid proxy address, while a
#     recipient in other.example still gets 250 and is delivered; another
#     client IP is not affected;
#   - capture_rate_limit = 2: two captures for one conversation (a
#     duplicate in between does not count), then the third message gets
#     450 4.7.1 at RCPT and the spool holds 2 captures; another
#     conversation is unaffected;
#   - the log lines carry the queue ID / NOQUEUE, the client IP and the
#     conversation SID, never a sender's or contact's address.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"

pf_setup
pf_pmconf -e 'rcpt_failure_limit = 3' 'capture_rate_limit = 2'
pf_start
pf_milter_start || t_fail "the milter did not start: $(cat "$PF_MILTER_LOG")"

sid=CH0123456789abcdef0123456789abcdef
sid2=CHfedcba9876543210fedcba9876543210
proxy=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $sid) || t_fail "encode"
proxy2=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $sid2) || t_fail "encode"
# Guessed addresses: the valid one with one character changed.
guess() {
    echo "$proxy" | sed "s/^\(k1-...\)./\1$1/"
}
g1=$(guess z); g2=$(guess y); g3=$(guess x); g4=$(guess w)
for g in "$g1" "$g2" "$g3" "$g4"; do
    [ "$g" != "$proxy" ] || t_fail "a guess equals the proxy address"
done

jobs() {
    ls "$PF_PM_SPOOL/active" 2>/dev/null | wc -l
}

# reply FILE MESSAGE-ID TO: writes a building contact's reply.
reply() {
    {
        printf 'From: Building Contact <contact@building.example>\r\n'
        printf 'To: Seeker via Example <%s>\r\n' "$3"
        printf 'Subject: Re: Office at 12 Main St\r\n'
        printf 'Message-ID: <%s>\r\n' "$2"
        printf 'Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n'
        printf 'MIME-Version: 1.0\r\n'
        printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
        printf 'Yes, it is still available (%s).\r\n' "$2"
    } > "$1"
}

# rcpt_reply N: the server's answer to the Nth RCPT TO of the last session.
rcpt_reply() {
    awk '/^ -> RCPT TO:/ { n++; if (n == '"$1"') { getline; print; exit } }' \
        "$PF_SWAKS_LOG"
}

# 1. rcpt_failure_limit = 3, client 127.0.0.5: 550 three times, then 450
#    4.7.1 for proxy recipients (the valid one too); other.example gets 250.
reply "$T_WORK/a" a@building.example "$proxy"
pf_swaks --xclient "ADDR=127.0.0.5" --from contact@building.example \
    --to "$g1,$g2,$g3,$g4,$proxy,someone@other.example" --data "$T_WORK/a"
for n in 1 2 3; do
    rcpt_reply $n | grep -Eq '^<\*\* +550 5\.1\.1 ' \
        || t_fail "RCPT $n: want 550 5.1.1, got '$(rcpt_reply $n)': $(cat "$PF_SWAKS_LOG")"
done
rcpt_reply 4 | grep -Eq "^<\*\* +450 4\.7\.1 too many unknown recipients from 127\.0\.0\.5; try again later" \
    || t_fail "RCPT 4 (guessed, over the limit): want 450 4.7.1, got '$(rcpt_reply 4)': $(cat "$PF_SWAKS_LOG")"
rcpt_reply 5 | grep -Eq "^<\*\* +450 4\.7\.1 too many unknown recipients from 127\.0\.0\.5" \
    || t_fail "RCPT 5 (valid proxy, over the limit): want 450 4.7.1, got '$(rcpt_reply 5)'"
rcpt_reply 6 | grep -Eq '^<- +250 ' \
    || t_fail "RCPT 6 (other.example): want 250, got '$(rcpt_reply 6)': $(cat "$PF_SWAKS_LOG")"
pf_wait_delivered 1 || t_fail "the other.example recipient got nothing"
[ "$(pf_sink_rcpts "$(pf_sink_files)")" = someone@other.example ] \
    || t_fail "downstream got $(pf_sink_rcpts "$(pf_sink_files)")"
[ "$(jobs)" -eq 0 ] || t_fail "a refused proxy recipient was captured"
grep -Eq ": reject: RCPT from [^ ]*\[127\.0\.0\.5\]: 450 4\.7\.1 too many unknown recipients from 127\.0\.0\.5 \(rcpt_failure_limit 3 per minute\)" \
    "$PF_MILTER_LOG" || t_fail "no 450 log line naming the client IP: $(cat "$PF_MILTER_LOG")"
grep -q "client [^ ]*\[127\.0\.0\.5\] reached rcpt_failure_limit" "$PF_MILTER_LOG" \
    || t_fail "no log line when the client reached the limit: $(cat "$PF_MILTER_LOG")"
# The limit holds across sessions: a new one from 127.0.0.5 gets 450 at once.
pf_swaks --xclient "ADDR=127.0.0.5" --from contact@building.example \
    --to "$proxy" --data "$T_WORK/a"
[ "$PF_SWAKS_RC" -eq 24 ] || t_fail "a new session from 127.0.0.5 was not refused at RCPT"
rcpt_reply 1 | grep -Eq '^<\*\* +450 4\.7\.1 too many unknown recipients' \
    || t_fail "a new session from 127.0.0.5: got '$(rcpt_reply 1)'"

# 2. Another client IP (127.0.0.6) is not affected: a guess gets 550, the
#    valid proxy address 250 and is captured.
pf_swaks --xclient "ADDR=127.0.0.6" --from contact@building.example \
    --to "$g1,$proxy" --data "$T_WORK/a"
rcpt_reply 1 | grep -Eq '^<\*\* +550 5\.1\.1 ' || t_fail "127.0.0.6, guess: got '$(rcpt_reply 1)'"
rcpt_reply 2 | grep -Eq '^<- +250 ' || t_fail "127.0.0.6, proxy: got '$(rcpt_reply 2)'"
[ "$PF_SWAKS_RC" -eq 0 ] || t_fail "127.0.0.6: swaks exited $PF_SWAKS_RC: $(cat "$PF_SWAKS_LOG")"
[ "$(jobs)" -eq 1 ] || t_fail "127.0.0.6: $(jobs) jobs, want 1"

# 3. capture_rate_limit = 2: that was the first capture of $sid; its exact
#    retry is a duplicate and does not count; the second is captured; the
#    third gets 450 4.7.1 at RCPT.
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/a"
grep -q "duplicate: conversation $sid" "$PF_MILTER_LOG" || t_fail "the retry was not a duplicate"
reply "$T_WORK/b" b@building.example "$proxy"
pf_swaks_expect 0 --from contact@building.example --to "$proxy" --data "$T_WORK/b"
[ "$(jobs)" -eq 2 ] || t_fail "second message: $(jobs) jobs, want 2"
grep -q ": conversation $sid reached capture_rate_limit (2 captures per hour)" "$PF_MILTER_LOG" \
    || t_fail "no log line when the conversation reached its limit: $(cat "$PF_MILTER_LOG")"
reply "$T_WORK/c" c@building.example "$proxy"
pf_swaks --from contact@building.example --to "$proxy" --data "$T_WORK/c"
[ "$PF_SWAKS_RC" -eq 24 ] || t_fail "the third message was not refused at RCPT: $(cat "$PF_SWAKS_LOG")"
pf_swaks_saw "^<\*\* +450 4\.7\.1 <$proxy>: too many messages to this conversation; try again later" \
    || t_fail "no 450 4.7.1 for the third message: $(cat "$PF_SWAKS_LOG")"
[ "$(jobs)" -eq 2 ] || t_fail "third message: $(jobs) jobs, want 2"
[ "$(pf_queue_count)" -eq 0 ] || t_fail "Postfix queued the refused message"
grep -Eq ": reject: RCPT from [^ ]*\[127\.0\.0\.1\]: 450 4\.7\.1 conversation $sid: too many messages \(capture_rate_limit 2 per hour\)" \
    "$PF_MILTER_LOG" || t_fail "no 450 log line naming the conversation: $(cat "$PF_MILTER_LOG")"

# 4. Another conversation is unaffected, also in the same session as a
#    refused recipient; a recipient outside the proxy domains too.
reply "$T_WORK/d" d@building.example "$proxy2"
pf_swaks --from contact@building.example --to "$proxy,$proxy2,someone@other.example" \
    --data "$T_WORK/d"
rcpt_reply 1 | grep -Eq '^<\*\* +450 4\.7\.1 ' || t_fail "session 4, first conversation: got '$(rcpt_reply 1)'"
rcpt_reply 2 | grep -Eq '^<- +250 ' || t_fail "session 4, second conversation: got '$(rcpt_reply 2)'"
rcpt_reply 3 | grep -Eq '^<- +250 ' || t_fail "session 4, other.example: got '$(rcpt_reply 3)'"
[ "$(jobs)" -eq 3 ] || t_fail "the second conversation: $(jobs) jobs, want 3"
grep -q "captured: conversation $sid2, " "$PF_MILTER_LOG" || t_fail "the second conversation was not captured"
pf_wait_delivered 2 || t_fail "the other.example recipient of session 4 got nothing"

# 5. No address of a sender or contact in the milter's limit lines.
grep -E 'too many|rate_limit|failure_limit' "$PF_MILTER_LOG" | grep -E '@' \
    && t_fail "a limit log line carries an address"
t_pass
