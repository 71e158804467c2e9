#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_faults - the whole chain (e2e_lib.sh) under faults; every message
# still arrives exactly once:
#   1. the bridge killed with SIGKILL after Twilio accepted a reply and
#      before the job was finished, and more than a page of newer messages
#      posted meanwhile: after the restart the job runs again, finds its
#      message in the conversation, and posts nothing twice;
#   2. the bridge killed while an email job waits for Twilio: after the
#      restart the contact gets the email, once;
#   3. Twilio answering 500 and 429 for a while: the reply is deferred by
#      the spool and arrives after Twilio recovers;
#   4. Postfix's masking listener down: the email job is deferred, then
#      delivered when Postfix is back;
#   5. a reply to a conversation deleted at Twilio: a dead letter that
#      postmaskctl queue shows with its reason.
. "$SRC/tests/postfix/e2e_lib.sh"

fault() {
    curl -s -o /dev/null -d "Operation=$1" -d "Fault=$2" -d "Count=$3" \
        ${4:+-d "RetryAfter=$4"} "$T_STANDIN_URL/_standin/faults" \
        || t_fail "cannot set a fault at the stand-in"
}

e2e_setup
e2e_start_conversation

# --- 1. SIGKILL after Twilio accepted the reply.
fault create_message hang_applied 1
e2e_reply crash1@mail.building.example "First reply: the crash test."
wait_for "the reply to reach Twilio" count_is 1
t_bridge_kill
# While the bridge is down the conversation goes on: 120 newer messages,
# more than one page, lie between the reply and the restarted job.
FILL=120
i=0
while [ $i -lt $FILL ]; do
    i=$((i + 1))
    curl -s -o /dev/null -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
        -d Author=system -d "Body=filler $i" \
        "$T_STANDIN_URL/v1/Conversations/$SID/Messages" \
        || t_fail "cannot post filler message $i"
done
count_is $((FILL + 1)) || t_fail "the filler messages did not all arrive: $(message_count)"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
wait_for "the job to be finished after the restart" \
    bridge_logged "part 1/1 of job .* is already in the conversation"
wait_for "the capture job to be done" bridge_logged "done: capture: $SID: reply posted"
[ "$(bodies_with "First reply: the crash test.")" = 1 ] \
    || t_fail "the reply is in the conversation $(bodies_with "First reply: the crash test.") times"

# --- 2. SIGKILL while an email job waits for Twilio.  A fresh bridge has
# nothing cached, so the job asks Twilio for the conversation first.
t_bridge_stop
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
fetches=$(standin_count fetch_conversation)
fault fetch_conversation hang 1
e2e_sms "Second: is there parking?"
wait_for "the email job to ask Twilio" standin_count_above fetch_conversation "$fetches"
t_bridge_kill
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
pf_wait_delivered 1 || t_fail "the email did not arrive after the restart"
wait_for "the email job to be done" bridge_logged "done: twilio_message: $SID: $MSG: emailed"
[ "$(pf_sink_count)" = 1 ] || t_fail "$(pf_sink_count) emails, want 1"

# --- 3. Twilio failing for a while: 500s, then 429s with Retry-After.
fault create_message 500 4
fault list_messages 429 2 1
e2e_reply flaky1@mail.building.example "Third reply: Twilio was flaky."
wait_for "the reply after Twilio recovered" count_is $((FILL + 3))
wait_for "the capture job to be done" bridge_logged "done: capture: $SID: reply posted"
bridge_logged "deferred: capture: $SID" || t_fail "the reply was never deferred: the faults did not bite"
[ "$(bodies_with "Third reply: Twilio was flaky.")" = 1 ] \
    || t_fail "the flaky reply is in the conversation $(bodies_with "Third reply: Twilio was flaky.") times"

# --- 4. The masking listener down.
pf_postfix_stop
e2e_sms "Fourth: what is the rent?"
wait_for "the email job to be deferred" \
    bridge_logged "deferred: twilio_message: $SID: $MSG: email to MB[0-9a-f]\{32\} deferred"
pf_postfix_start
pf_wait_delivered 2 || t_fail "the deferred email was not delivered after Postfix came back"
wait_for "the email job to be done" bridge_logged "done: twilio_message: $SID: $MSG: emailed"
[ "$(pf_sink_count)" = 2 ] || t_fail "$(pf_sink_count) emails, want 2"
# Exactly once: 2 replies in, 2 texts out.
[ "$(message_count)" = $((FILL + 4)) ] || t_fail "the conversation has $(message_count) messages, want $((FILL + 4))"

# --- 5. A job that can never succeed is a dead letter with its reason:
# a reply to a conversation that was deleted at Twilio.
curl -s -o /dev/null -X DELETE -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    "$T_STANDIN_URL/v1/Conversations/$SID"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue list > "$T_WORK/before" 2>&1
e2e_reply gone1@mail.building.example "Fifth reply, to nobody."
wait_for "the dead letter" bridge_logged "dead: capture: $SID: cannot"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue list > "$T_WORK/queue" 2>&1
grep -q "capture .*dead .*$SID: cannot .*(HTTP 404)" "$T_WORK/queue" \
    || t_fail "postmaskctl queue does not show the dead letter with its reason: $(cat "$T_WORK/queue")"
t_bridge_stop
t_pass
