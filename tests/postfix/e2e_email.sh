#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_email - the email a building contact gets, against a real Postfix,
# postmask-milter, postmask-bridge and the Twilio stand-in:
#
#   1. a burst of three SMS becomes one email (email_coalesce_delay): its
#      Message-ID from the first SMS, each text once and in order, a
#      multipart/alternative with a text and an HTML part that parse without
#      MIME defects, the HTML free of errors under `tidy -errors -q`, the
#      reply marker first in both, no seeker address in any byte or decoded
#      part; every SMS carries the emailed marker naming the first;
#   1b. the contact replies from a client whose quoting no pattern knows
#      (its own attribution line, the email quoted without "> "): the text
#      posted to the seeker is cut at the reply marker;
#   2. the bridge is killed (SIGKILL) while a batch waits: after the restart
#      one email carries both texts;
#   3. email_rate_limit holds: with the limit reached, a new SMS waits (log
#      line, metric, postmaskctl queue shows why), across a restart too, and
#      what waited goes out as one email once the limit allows it (here:
#      the hour's first email aged out by hand, the jobs requeued), nothing
#      dropped;
#   4. a photo Twilio no longer has (its download answers 404): the batch
#      goes without it, the other file attached, and the email says which
#      file is missing, in both parts;
#   5. a waiting message is marked emailed at Twilio while its job reads
#      the conversation (another bridge emailed it): the job ends without
#      an email;
#   6. a burst in one conversation does not hold up another: with
#      job_concurrency = 2 and Twilio slow to answer the burst's first job,
#      the burst's other jobs wait parked, holding no slot (the tenth, past
#      the 4 x job_concurrency parked, in the spool), and another
#      conversation's SMS is emailed meanwhile; then the burst goes as one
#      email.
# With PM_DEMO=1 (make demo) it prints what the contact receives.
. "$SRC/tests/postfix/e2e_lib.sh"

e2e_setup
restart_bridge() {
    t_bridge_stop
    t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not start again"
}
pf_pmconf -e "email_coalesce_delay = 3s" "email_coalesce_limit = 30s" \
    "email_context_messages = 3"
restart_bridge
e2e_start_conversation

# parts N: the Nth email's MIME tree into $T_WORK/parts.N, its decoded text
# and HTML parts into $T_WORK/mail.N/.
parts() {
    pf_sink_message "$(pf_sink_files | sed -n "${1}p")" > "$T_WORK/mail.$1.eml"
    mkdir -p "$T_WORK/mail.$1"
    python3 "$SRC/tests/postfix/mime_parts.py" "$T_WORK/mail.$1.eml" "$T_WORK/mail.$1" \
        > "$T_WORK/parts.$1" || t_fail "email $1 is not valid MIME: $(cat "$T_WORK/mail.$1.eml")"
}
job_logged() { grep -c -- "$1" "$T_BRIDGE_LOG"; }
jobs_ended() { [ "$(grep -c "done: twilio_message: $SID: " "$T_BRIDGE_LOG")" -ge "$1" ]; }

# --- 1. A burst.
step "1. The seeker sends three SMS in a burst (email_coalesce_delay = 3s)"
e2e_sms "Hi Bob"
M1=$MSG
e2e_sms "is 4B still free? Write to me at $SEEKER_EMAIL & I'll come <today>."
M2=$MSG
e2e_sms "I can come Monday 🙂"
M3=$MSG
say "Twilio messages $M1, $M2, $M3"
pf_wait_delivered 1 || t_fail "no email: $(tail -5 "$T_BRIDGE_LOG")"
wait_for "the three jobs to end" jobs_ended 3
[ "$(pf_sink_count)" = 1 ] || t_fail "the burst became $(pf_sink_count) emails, want 1"
bridge_logged "waiting: twilio_message: $SID: $M1: waiting for more messages" \
    || t_fail "no log line for the waiting batch"
bridge_logged "done: twilio_message: $SID: [^ ]*: emailed 3 message(s) as one email (Message-ID from $M1)" \
    || t_fail "no log line for the batch: $(grep "twilio_message: $SID" "$T_BRIDGE_LOG")"
[ "$(job_logged "already emailed, in the email of $M1")" = 2 ] \
    || t_fail "the other two jobs did not find their message emailed: $(grep "twilio_message: $SID" "$T_BRIDGE_LOG")"
parts 1
step "What Bob receives: the MIME structure"
show "$T_WORK/parts.1"
grep -q "^multipart/alternative$" "$T_WORK/parts.1" || t_fail "not multipart/alternative: $(cat "$T_WORK/parts.1")"
grep -qi "^Message-I[dD]: <$M1@reply.example.com>" "$T_WORK/mail.1.eml" || t_fail "Message-ID not from $M1"
step "The text part"
show "$T_WORK/mail.1/text.txt"
step "The HTML part"
show "$T_WORK/mail.1/html.html"
# The texts, once each and in order, in both parts.
for part in text.txt html.html; do
    f=$T_WORK/mail.1/$part
    head -3 "$f" | grep -q "Reply above this line to answer Ann Seeker by SMS" \
        || grep -m1 -o "Reply above this line[^<]*" "$f" | head -1 | grep -q "answer Ann Seeker by SMS" \
        || t_fail "$part: no reply marker: $(head -5 "$f")"
    n1=$(grep -n "Hi Bob" "$f" | head -1 | cut -d: -f1)
    n2=$(grep -n "is 4B still free" "$f" | head -1 | cut -d: -f1)
    n3=$(grep -n "I can come Monday 🙂" "$f" | head -1 | cut -d: -f1)
    [ -n "$n1" ] && [ -n "$n2" ] && [ -n "$n3" ] && [ "$n1" -lt "$n2" ] && [ "$n2" -lt "$n3" ] \
        || t_fail "$part: the three texts are not there in order ($n1, $n2, $n3)"
    [ "$(grep -c "is 4B still free" "$f")" = 1 ] || t_fail "$part: a text appears twice"
    grep -qi "seeker\.example" "$f" && t_fail "$part: the seeker's address reached the contact"
    grep -q "$SEEKER_PHONE" "$f" && t_fail "$part: the seeker's phone number reached the contact"
done
grep -q "Write to me at $PROXY & I'll come <today>" "$T_WORK/mail.1/text.txt" \
    || t_fail "the address in the text was not masked: $(cat "$T_WORK/mail.1/text.txt")"
grep -q "Write to me at $PROXY &amp; I'll come &lt;today&gt;\|Write to me at $PROXY &amp; I&#39;ll come &lt;today&gt;\|Write to me at $PROXY &amp; I&#x27;ll come &lt;today&gt;" \
    "$T_WORK/mail.1/html.html" || t_fail "the HTML part does not hold the text, escaped: $(grep -o "Write to me[^<]*" "$T_WORK/mail.1/html.html")"
grep -qi "seeker\.example" "$T_WORK/mail.1.eml" && t_fail "the seeker's address is in the email's bytes"
perl -0pe 's/=\r?\n//g' "$T_WORK/mail.1.eml" | grep -qi "seeker\.example" \
    && t_fail "the seeker's address is in the email's bytes (quoted-printable joined)"
grep -qi "<script\|src=\|https\?://" "$T_WORK/mail.1/html.html" && t_fail "the HTML has a script or a remote resource"
tidy -errors -q "$T_WORK/mail.1/html.html" > "$T_WORK/tidy.out" 2>&1 \
    || t_fail "tidy finds errors in the HTML part: $(cat "$T_WORK/tidy.out")"
say "tidy -errors -q: no errors"
for m in $M1 $M2 $M3; do
    got=$(messages | jq -r --arg m "$m" '.messages[] | select(.sid == $m) | .attributes | fromjson | .postmask.email')
    [ "$got" = "$M1" ] || t_fail "message $m: emailed marker names $got, want $M1"
done

# --- 1b. Bob answers from a mail client whose quoting no pattern knows: an
# attribution line of its own and the email quoted without "> ".  The
# milter cuts at the reply marker (and the line above it).
step "1b. Bob replies; his client quotes the email its own way"
{
    echo "From: Bob Builder <$CONTACT_EMAIL>"
    echo "To: Ann Seeker <$PROXY>"
    echo "Subject: Re: Unit 4B, 12 Harbour St"
    echo "Message-ID: <marker-reply-1@mail.building.example>"
    echo "In-Reply-To: <$M1@reply.example.com>"
    echo "References: <$SID@reply.example.com> <$M1@reply.example.com>"
    echo "Content-Type: text/plain; charset=\"UTF-8\""
    echo
    echo "Yes, 4B is free. Monday at 10 works."
    echo
    echo "Bob"
    echo
    echo "---- Ann Seeker schrieb am Fr., 4. Dez. 2026 ----"
    cat "$T_WORK/mail.1/text.txt"
} > "$T_WORK/reply1.eml"
show "$T_WORK/reply1.eml"
contact_swaks --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/reply1.eml"
wait_for "the reply in the conversation" count_is 4
REPLY=$(messages | jq -r '.messages[3].body')
[ "$REPLY" = "Yes, 4B is free. Monday at 10 works.

Bob" ] || t_fail "the reply was not trimmed at the marker: $REPLY"
say "-> posted to Ann: $(printf '%s' "$REPLY" | tr '\n' ' ')"

# --- 2. A crash while a batch waits.
step "2. Two more SMS; the bridge is killed while they wait for the batch to close"
pf_pmconf -e "email_coalesce_delay = 20s"
restart_bridge
e2e_sms "One more question:"
C1=$MSG
e2e_sms "is there a bike room?"
C2=$MSG
wait_for "both jobs to wait" sh -c "grep -q 'waiting: twilio_message: $SID: $C2' '$T_BRIDGE_LOG' && grep -q 'waiting: twilio_message: $SID: $C1' '$T_BRIDGE_LOG'"
t_bridge_kill
[ "$(pf_sink_count)" = 1 ] || t_fail "an email left before the batch closed"
pf_pmconf -e "email_coalesce_delay = 2s"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not start after the crash"
pf_wait_delivered 2 || t_fail "the batch was lost in the crash: $(tail -5 "$T_BRIDGE_LOG")"
wait_for "the two jobs to end" jobs_ended 5
[ "$(pf_sink_count)" = 2 ] || t_fail "the batch became $(pf_sink_count) emails in all, want 2"
parts 2
grep -q "One more question:" "$T_WORK/mail.2/text.txt" && grep -q "is there a bike room?" "$T_WORK/mail.2/text.txt" \
    || t_fail "the email after the crash does not hold both texts: $(cat "$T_WORK/mail.2/text.txt")"
grep -qi "^Message-I[dD]: <$C1@reply.example.com>" "$T_WORK/mail.2.eml" || t_fail "Message-ID not from $C1"
# The context: the burst's last texts, quoted as earlier.
grep -q "^> .*I can come Monday" "$T_WORK/mail.2/text.txt" || t_fail "no earlier messages quoted: $(cat "$T_WORK/mail.2/text.txt")"
say "after SIGKILL and restart: one email with both texts, Message-ID from $C1:"
show "$T_WORK/mail.2/text.txt"

# --- 3. The flood limit.
step "3. email_rate_limit = 2: two emails went this hour, so a new SMS waits"
pf_pmconf -e "email_rate_limit = 2" "email_coalesce_delay = 0"
restart_bridge
e2e_sms "Hello? Are you there?"
R1=$MSG
wait_for "the rate limit" bridge_logged "waiting: twilio_message: $SID: $R1: rate limit: 2 email(s) in the last hour (email_rate_limit = 2)"
say "-> $(grep "twilio_message: $SID: $R1: rate limit" "$T_BRIDGE_LOG" | sed 's/.*waiting: //' | head -1)"
v=$(metric postmask_email_rate_limited_total)
[ "${v:-0}" -ge 1 ] || t_fail "postmask_email_rate_limited_total is ${v:-absent}"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue list > "$T_WORK/queue" 2>&1
grep -q "rate limit" "$T_WORK/queue" || t_fail "postmaskctl queue does not say why the job waits: $(cat "$T_WORK/queue")"
show "$T_WORK/queue"
# Across a restart the limit still holds (its record is on disk).
restart_bridge
e2e_sms "Hello again"
R2=$MSG
wait_for "the rate limit after the restart" bridge_logged "waiting: twilio_message: $SID: $R2: rate limit"
[ "$(pf_sink_count)" = 2 ] || t_fail "an email went out over the limit"
# An hour later the first email of the hour ages out: one slot frees, and
# everything that waited goes in that one email.  The hour is simulated:
# the first recorded time is moved back by an hour, and the waiting jobs
# are requeued (instead of waiting for their time).
t_bridge_stop
RATE_FILE="$PF_PM_SPOOL/email_rate/$SID"
[ "$(wc -l < "$RATE_FILE")" = 2 ] || t_fail "the rate record holds $(wc -l < "$RATE_FILE") emails, want 2: $(cat "$RATE_FILE")"
{ echo $(( $(sed -n 1p "$RATE_FILE") - 3600 )); sed -n 2p "$RATE_FILE"; } > "$RATE_FILE.new"
mv "$RATE_FILE.new" "$RATE_FILE"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not start again"
for id in $("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list 2>/dev/null | awk '/deferred/ { print $1 }'); do
    "$BIN/postmaskctl" -c "$PF_PM_DIR" queue requeue "$id" || t_fail "requeue $id"
done
pf_wait_delivered 3 || t_fail "the held messages never went out: $(tail -5 "$T_BRIDGE_LOG")"
wait_for "the held jobs to end" jobs_ended 7
[ "$(pf_sink_count)" = 3 ] || t_fail "the held messages became $(pf_sink_count) emails in all, want 3"
parts 3
grep -q "Hello? Are you there?" "$T_WORK/mail.3/text.txt" && grep -q "Hello again" "$T_WORK/mail.3/text.txt" \
    || t_fail "what the limit held did not go as one email: $(cat "$T_WORK/mail.3/text.txt")"
say "a slot freed: the two held texts went as one email"

# --- 4. A medium that is gone.
step "4. Two MMS in a burst; Twilio no longer has the first photo"
pf_pmconf -e "email_rate_limit = 0" "email_coalesce_delay = 3s" "catchup_interval = 0"
restart_bridge
printf '\211PNG\r\n\032\nnot really a picture\n' > "$T_WORK/id.png"
printf '%%PDF-1.4\n%% a floor plan, marked\n%%%%EOF\n' > "$T_WORK/plan.pdf"
standin_fault download_media 404
e2e_mms "Here is my ID" id.png image/png "$T_WORK/id.png"
P1=$MSG
e2e_mms "and the floor plan, marked" plan.pdf application/pdf "$T_WORK/plan.pdf"
P2=$MSG
pf_wait_delivered 4 || t_fail "no email for the MMS: $(tail -5 "$T_BRIDGE_LOG")"
wait_for "the MMS jobs to end" jobs_ended 9
[ "$(pf_sink_count)" = 4 ] || t_fail "the MMS became $(pf_sink_count) emails in all, want 4"
parts 4
show "$T_WORK/parts.4"
grep -q "^application/pdf name=plan.pdf$" "$T_WORK/parts.4" || t_fail "plan.pdf is not attached: $(cat "$T_WORK/parts.4")"
grep -q "id.png" "$T_WORK/parts.4" && t_fail "a part for the missing photo: $(cat "$T_WORK/parts.4")"
for part in text.txt html.html; do
    grep -q "id.png could not be fetched from Twilio" "$T_WORK/mail.4/$part" \
        || t_fail "$part does not say the photo is missing: $(cat "$T_WORK/mail.4/$part")"
    grep -q "Here is my ID" "$T_WORK/mail.4/$part" && grep -q "and the floor plan, marked" "$T_WORK/mail.4/$part" \
        || t_fail "$part lacks a text of the batch"
done
bridge_logged "$SID: IM[0-9a-f]*: media ME[0-9a-f]*: HTTP 404; left out of the email" \
    || t_fail "no log line for the missing medium: $(grep "$SID" "$T_BRIDGE_LOG" | tail -5)"
say "the email went without the photo Twilio no longer had, and says so:"
show "$T_WORK/mail.4/text.txt"

# --- 5. Twilio changes under a running job.
step "5. A waiting message is marked emailed at Twilio while its job reads the conversation"
pf_pmconf -e "email_coalesce_delay = 0"
restart_bridge
standin_fault list_messages slow Delay=3
e2e_sms "Are pets allowed?"
N1=$MSG
wait_for "the job's listing to be held" grep -q "GET /v1/Conversations/$SID/Messages -> slow 3s" "$T_STANDIN_LOG"
# What another bridge sets once Postfix took its email of the message.
e2e_code=$(curl -s -o "$T_WORK/update.json" -w '%{http_code}' -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    -H "X-Twilio-Webhook-Enabled: false" \
    --data-urlencode "Attributes={\"postmask\": {\"emailed\": \"2026-12-04T10:00:00Z\", \"email\": \"$N1\"}}" \
    "$T_STANDIN_URL/v1/Conversations/$SID/Messages/$N1")
[ "$e2e_code" = 200 ] || t_fail "marking $N1 emailed: HTTP $e2e_code: $(cat "$T_WORK/update.json")"
wait_for "the job to end" bridge_logged "done: twilio_message: $SID: $N1: no longer waiting for an email"
[ "$(pf_sink_count)" = 4 ] || t_fail "a message emailed elsewhere was emailed again"
say "-> $(grep "$SID: $N1: no longer waiting" "$T_BRIDGE_LOG" | sed 's/.*done: //' | head -1)"

# --- 6. One conversation's burst and another conversation.
step "6. job_concurrency = 2; Twilio is slow for a burst of ten SMS; another seeker writes meanwhile"
pf_pmconf -e "job_concurrency = 2" "twilio_request_timeout = 30s" "email_coalesce_delay = 2s"
restart_bridge
A=$SID
CLEO_PHONE=+14155550124
cat > "$T_WORK/start2.json" <<JSON
{"seeker": {"id": "s-1002", "name": "Cleo Seeker", "email": "cleo@seeker.example",
            "sms": "$CLEO_PHONE"},
 "building_contact": {"id": "bc-77", "name": "Bob Builder", "email": "$CONTACT_EMAIL"},
 "listing": {"id": "L-6", "title": "Unit 2A, 12 Harbour St"}}
JSON
e2e_code=$(curl -s -o "$T_WORK/started2.json" -w '%{http_code}' \
    -H "Authorization: Bearer $API_TOKEN" --data-binary @"$T_WORK/start2.json" \
    "$T_BRIDGE_URL/v1/conversations")
[ "$e2e_code" = 201 ] || t_fail "start 2: HTTP $e2e_code: $(cat "$T_WORK/started2.json")"
B=$(jq -r .conversation_sid "$T_WORK/started2.json")
[ "$B" != "$A" ] || t_fail "the second seeker got the first conversation"
# The burst's first job waits 20 s for Twilio to answer its fetch.
standin_fault fetch_message slow Delay=20
BURST=""
for i in 1 2 3 4 5 6 7 8 9 10; do
    e2e_sms "Burst text $i"
    BURST="$BURST $MSG"
done
F1=$(echo $BURST | cut -d' ' -f1)
F10=$(echo $BURST | cut -d' ' -f10)
wait_for "the burst's first job held by Twilio" grep -q "GET /v1/Conversations/$A/Messages/$F1 -> slow 20s" "$T_STANDIN_LOG"
# Eight jobs park behind it (4 x job_concurrency); the tenth waits in the spool.
wait_for "the tenth job to wait its turn" bridge_logged "waiting: twilio_message: $A: $F10: waiting behind other jobs of the conversation"
v=$(metric 'postmask_jobs_in_hand{state="parked"}')
[ "$v" = 8 ] || t_fail "postmask_jobs_in_hand{state=\"parked\"} is ${v:-absent}, want 8"
say "-> /metrics: postmask_jobs_in_hand{state=\"parked\"} $v, {state=\"working\"} $(metric 'postmask_jobs_in_hand{state="working"}')"
SID=$B
e2e_sms "Is 2A still free?" "$CLEO_PHONE"
pf_wait_delivered 5 || t_fail "the other conversation's SMS waited behind the burst: $(tail -5 "$T_BRIDGE_LOG")"
grep -q "GET /v1/Conversations/$A/Messages/$F1 -> 200" "$T_STANDIN_LOG" \
    && t_fail "Twilio answered the burst's first job before the other conversation's email went: nothing was shown"
parts 5
grep -q "Is 2A still free?" "$T_WORK/mail.5/text.txt" || t_fail "email 5 is not the other conversation's: $(cat "$T_WORK/mail.5/text.txt")"
say "Cleo's SMS was emailed while the burst's first job still waited for Twilio"
SID=$A
pf_wait_delivered 6 60 || t_fail "the burst never went: $(tail -5 "$T_BRIDGE_LOG")"
# The tenth job comes back from the spool within QUEUED_RETRY (10 s).
_pf_poll 40 jobs_ended 20 || t_fail "the burst's jobs did not all end: $(tail -5 "$T_BRIDGE_LOG")"
[ "$(pf_sink_count)" = 6 ] || t_fail "the burst became $(pf_sink_count) emails in all, want 6"
parts 6
for i in 1 2 3 4 5 6 7 8 9 10; do
    grep -q "Burst text $i$" "$T_WORK/mail.6/text.txt" || t_fail "burst text $i is not in its email: $(cat "$T_WORK/mail.6/text.txt")"
done
say "then the burst went as one email"
t_bridge_stop
t_pass
