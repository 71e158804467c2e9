#!/bin/sh
# e2e_policies - the whole chain (e2e_lib.sh) with each setting of the
# reply policies:
#   unknown_sender_action = hold    a stranger's reply waits in hold/;
#                                   postmaskctl queue requeue releases it
#                                   (held again: the policy still says so)
#   unknown_sender_action = post    posted, its attributes naming the
#                                   unverified sender
#   unknown_sender_action = reject  a dead letter with the reason
#   auto_reply_action = note        a short note instead of the auto-reply
#   a delivery report not from <>   not believed
#   an empty reply                  not posted
. "$SRC/tests/postfix/e2e_lib.sh"

# stranger ID TEXT: eve@elsewhere.example writes to the proxy address.
stranger() {
    {
        echo "From: Eve <eve@elsewhere.example>"
        echo "To: $PROXY"
        echo "Subject: Re: Unit 4B"
        echo "Message-ID: <$1>"
        echo
        echo "$2"
    } > "$T_WORK/$1.eml"
    pf_swaks_expect 0 mx --from eve@elsewhere.example --to "$PROXY" --data "$T_WORK/$1.eml"
}
restart_with() {
    t_bridge_stop
    pf_pmconf -e "$@"
    t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
}
job_of() { "$BIN/postmaskctl" -c "$PF_PM_DIR" queue list | awk -v s="$1" '$0 ~ s { print $1; exit }'; }

e2e_setup
e2e_start_conversation

# hold (the default), then requeue by the admin.
stranger eve1@elsewhere.example "Hold me."
wait_for "the held job" bridge_logged "held: capture: $SID: sender eve@elsewhere.example"
id=$(job_of hold)
[ -n "$id" ] || t_fail "no held job: $("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list)"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue requeue "$id" > "$T_WORK/rq" 2>&1 || t_fail "requeue $id failed: $(cat "$T_WORK/rq")"
wait_for "the requeued job to be held again" \
    sh -c "[ \$(grep -c 'held: capture: $SID: sender eve@elsewhere.example' '$T_BRIDGE_LOG') -ge 2 ]"
[ "$(message_count)" = 0 ] || t_fail "a held reply was posted"

# post: posted as the contact, with the sender named.
restart_with "unknown_sender_action = post"
stranger eve2@elsewhere.example "Post me anyway."
wait_for "the stranger's reply to be posted" count_is 1
M=$(messages | jq -c '.messages[0]')
[ "$(printf '%s\n' "$M" | jq -r .body)" = "Post me anyway." ] || t_fail "posted body: $M"
[ "$(printf '%s\n' "$M" | jq -r '.attributes | fromjson | .postmask.unverified_sender')" = eve@elsewhere.example ] \
    || t_fail "the unverified sender is not named: $M"
bridge_logged "sender eve@elsewhere.example is not the building contact; posted all the same" \
    || t_fail "no warning for the unverified post"

# reject: a dead letter.
restart_with "unknown_sender_action = reject"
stranger eve3@elsewhere.example "Reject me."
wait_for "the rejected job" bridge_logged "dead: capture: $SID: sender eve@elsewhere.example is not the building contact (unknown_sender_action = reject"
[ -n "$(job_of dead)" ] || t_fail "postmaskctl queue shows no dead letter"
[ "$(message_count)" = 1 ] || t_fail "a rejected reply was posted"

# auto_reply_action = note.
restart_with "auto_reply_action = note"
cat > "$T_WORK/ooo.eml" <<EOF
From: Bob Builder <$CONTACT_EMAIL>
To: $PROXY
Subject: Out of office
Auto-Submitted: auto-replied
Message-ID: <ooo2@mail.building.example>

Back on Monday.
EOF
pf_swaks_expect 0 mx --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/ooo.eml"
wait_for "the auto-reply note" count_is 2
N=$(messages | jq -c '.messages[1]')
printf '%s\n' "$N" | jq -r .body | grep -q "automatic reply" || t_fail "note: $N"
[ "$(printf '%s\n' "$N" | jq -r .author)" = bc_bc-77 ] || t_fail "note author: $N"
[ "$(printf '%s\n' "$N" | jq -r '.attributes | fromjson | .postmask.kind')" = auto_reply_note ] || t_fail "note attributes: $N"
printf '%s\n' "$N" | jq -r .body | grep -q "Back on Monday" && t_fail "the auto-reply's text was posted"

# A delivery report that does not come from the null sender is not
# believed: anyone who knows the proxy address could send one.
cat > "$T_WORK/fakebounce.eml" <<EOF
From: Eve <eve@elsewhere.example>
To: $PROXY
Subject: Undelivered Mail Returned to Sender
Message-ID: <fakebounce@elsewhere.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B2"

--B2
Content-Type: text/plain

Your message could not be delivered.

--B2
Content-Type: message/delivery-status

Reporting-MTA: dns; elsewhere.example

Final-Recipient: rfc822; $CONTACT_EMAIL
Action: failed
Status: 5.1.1

--B2--
EOF
pf_swaks_expect 0 mx --from eve@elsewhere.example --to "$PROXY" --data "$T_WORK/fakebounce.eml"
wait_for "the forged report's job" bridge_logged "done: capture: $SID: delivery report from eve@elsewhere.example, not from the null sender"
curl -s "$T_STANDIN_URL/_standin/conversations" | jq -r --arg sid "$SID" \
    '.conversations[] | select(.sid == $sid) | .participants[] | .attributes' \
    | grep -q bouncing && t_fail "a forged delivery report marked the contact as bouncing"

# An empty reply (only the quoted history): not posted.
e2e_reply empty1@mail.building.example "> Hi Bob, is 4B free?"
wait_for "the empty reply's job" bridge_logged "done: capture: $SID: empty"
[ "$(message_count)" = 2 ] || t_fail "an empty reply was posted"
t_bridge_stop
t_pass
