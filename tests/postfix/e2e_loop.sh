#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_loop - the loop guard (email_loop_window, bridge/sync_reply.c) on
# the whole chain (e2e_lib.sh), every reply from the building contact's
# own server (authenticated):
#   the same text from two emails       the first posted, the second held
#   within the window                   with the reason (logged, in
#                                       postmaskctl queue, counted in
#                                       /metrics); released: posted
#   References of a normal reply        posted
#   (our thread root and email once)
#   References repeating one of our     held; released: posted
#   Message-IDs
#   email_loop_window = 0               the same text and repeated
#                                       References: posted
#   the window passed (2s)              the same text: posted
. "$SRC/tests/postfix/e2e_lib.sh"

# loop_reply ID TEXT [REFERENCES]: the contact replies with TEXT, Message-ID
# <ID@mail.building.example>, and that References header.
loop_reply() {
    {
        echo "From: Bob Builder <$CONTACT_EMAIL>"
        echo "To: Ann Seeker <$PROXY>"
        echo "Subject: Re: Unit 4B, 12 Harbour St"
        echo "Message-ID: <$1@mail.building.example>"
        [ -z "${3:-}" ] || echo "References: $3"
        echo "Content-Type: text/plain; charset=\"UTF-8\""
        echo
        printf '%s\n' "$2"
    } > "$T_WORK/$1.eml"
    contact_swaks --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/$1.eml"
}
restart_with() {
    t_bridge_stop
    pf_pmconf -e "$@"
    t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
}
queue_list() { "$BIN/postmaskctl" -c "$PF_PM_DIR" queue list; }
# held_job TEXT: the ID of the held job whose reason has TEXT.
held_job() { queue_list | awk -v s="$1" '$0 ~ /hold/ && index($0, s) { print $1; exit }'; }
release() {
    "$BIN/postmaskctl" -c "$PF_PM_DIR" queue release "$1" > "$T_WORK/rl" 2>&1 \
        || t_fail "release $1 failed: $(cat "$T_WORK/rl")"
}
loop_holds() { metric 'postmask_replies_held_total{reason="loop"}'; }
held_lines() { grep -c "held: capture: $SID: loop guard: " "$T_BRIDGE_LOG"; }

e2e_setup
e2e_start_conversation
[ "$(loop_holds)" = 0 ] || t_fail "/metrics: no loop holds yet, got '$(loop_holds)'"

# One of our emails, for its real Message-ID and References.
e2e_sms "Hi Bob, is 4B still free?"
pf_wait_delivered 1 || t_fail "no email reached the building contact: $(tail -5 "$T_BRIDGE_LOG")"
pf_sink_message "$(pf_sink_files | head -1)" > "$T_WORK/mail1.eml"
OUR_ID=$(sed -n 's/^Message-I[dD]: *\(<IM[0-9a-f]*@[^>]*>\).*/\1/p' "$T_WORK/mail1.eml")
OUR_REFS=$(sed -n 's/^References: *//p' "$T_WORK/mail1.eml" | tr -d '\r')
[ "$OUR_ID" = "<$MSG@${PROXY#*@}>" ] || t_fail "our email's Message-ID: '$OUR_ID'"
[ "$OUR_REFS" = "<$SID@${PROXY#*@}>" ] || t_fail "our email's References: '$OUR_REFS'"

# The same text from two emails within the window (10m, the default): the
# first, with a normal reply's References (its parent's References and
# Message-ID), posted; the second held.
SAME="Yes, 4B is free. Come on Monday."
loop_reply same1 "$SAME" "$OUR_REFS $OUR_ID"
wait_for "the first reply" count_is 2
loop_reply same2 "Yes, 4B is free.
Come on   Monday."
wait_for "the second reply to be held" bridge_logged \
    "held: capture: $SID: loop guard: the same text was posted from email [0-9]*s ago (IM[0-9a-f]\{32\}, job [0-9A-F]*); held (queue id"
[ "$(message_count)" = 2 ] || t_fail "the same text was posted twice: $(messages | jq -c '[.messages[].body]')"
id=$(held_job "loop guard: the same text was posted from email")
[ -n "$id" ] || t_fail "postmaskctl queue does not show the held reply with its reason: $(queue_list)"
[ "$(loop_holds)" = 1 ] || t_fail "/metrics: loop holds '$(loop_holds)', want 1"
grep "loop guard" "$T_BRIDGE_LOG" | grep -qi "building.example\|$CONTACT_PHONE" \
    && t_fail "the loop guard logged the contact's address: $(grep "loop guard" "$T_BRIDGE_LOG")"
# Released by the admin: posted as it came.
release "$id"
wait_for "the released reply" count_is 3
[ "$(messages | jq -r '.messages[2].body')" = "Yes, 4B is free.
Come on   Monday." ] || t_fail "released body: $(messages | jq -c '.messages[2]')"
bridge_logged "$SID: job $id: loop guard: the same text was posted from email [0-9]*s ago (IM[0-9a-f]\{32\}, job [0-9A-F]*); released by the admin, posted" \
    || t_fail "no log line for the released reply"

# References that list one of our Message-IDs twice: held, then released.
loop_reply refs1 "The keys are with the caretaker." \
    "$OUR_REFS $OUR_ID <fwd1@forwarder.example> $OUR_ID"
wait_for "the reply with repeating References to be held" bridge_logged \
    "held: capture: $SID: loop guard: References repeat our Message-ID $OUR_ID; held (queue id"
[ "$(message_count)" = 3 ] || t_fail "the reply with repeating References was posted"
[ "$(loop_holds)" = 2 ] || t_fail "/metrics: loop holds '$(loop_holds)', want 2"
id=$(held_job "loop guard: References repeat our Message-ID")
[ -n "$id" ] || t_fail "postmaskctl queue does not show the References hold: $(queue_list)"
release "$id"
wait_for "the released reply" count_is 4
[ "$(messages | jq -r '.messages[3].body')" = "The keys are with the caretaker." ] \
    || t_fail "released body: $(messages | jq -c '.messages[3]')"

# email_loop_window = 0: no guard.
restart_with "email_loop_window = 0"
loop_reply off1 "$SAME"
loop_reply off2 "Again the keys." "$OUR_REFS $OUR_ID $OUR_REFS"
wait_for "both replies with the guard off" count_is 6
[ "$(bodies_with "$SAME")" = 2 ] || t_fail "with the guard off: $(messages | jq -c '[.messages[].body]')"
[ "$(held_lines)" = 2 ] || t_fail "held with the guard off: $(grep "loop guard" "$T_BRIDGE_LOG")"

# The window passed: the same text is posted again.
restart_with "email_loop_window = 2s"
loop_reply late1 "See you on Monday."
wait_for "the first reply" count_is 7
sleep 4
loop_reply late2 "See you on Monday."
wait_for "the same text after the window" count_is 8
[ "$(held_lines)" = 2 ] || t_fail "held after the window: $(grep "loop guard" "$T_BRIDGE_LOG")"
t_bridge_stop
t_pass
