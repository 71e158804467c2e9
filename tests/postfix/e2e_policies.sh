#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_policies - the whole chain (e2e_lib.sh) with each setting of the
# reply policies:
#   unauthenticated_sender_action = hold    a stranger's reply waits in
#                                   hold/ with the reason; postmaskctl queue
#                                   requeue runs it again (held again: the
#                                   policy still says so), postmaskctl queue
#                                   release posts it
#   unauthenticated_sender_action = post    posted, its attributes saying
#                                   why it is unverified
#   unauthenticated_sender_action = reject  a dead letter with the reason
#   auto_reply_action = note        a short note instead of the auto-reply
#   a delivery report not from <>   not believed
#   from <> without a valid bounce  discarded by the milter (untagged,
#   tag                             forged or expired tag)
#   a report we did not cause       with a valid tag but naming nobody, or
#                                   not the contact: nothing recorded
#   a real bounce                   the private Postfix bounces the
#                                   bridge's email (5.1.1) back to the
#                                   tagged sender through the MX: the
#                                   contact's email_status is "bouncing"
#   an empty reply                  not posted
#   a reply whose structure cannot  held with the reason (visible in
#   be read                         postmaskctl queue, the raw message in
#                                   the job), not posted; released, what
#                                   could be read is posted; with readable
#                                   text beside the broken part, posted
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

# hold (the default), then requeue, then release by the admin.
HELD="reply not posted: the From address is not the building contact's (unauthenticated_sender_action = hold"
stranger eve1@elsewhere.example "Hold me."
wait_for "the held job" bridge_logged "held: capture: $SID: $HELD"
id=$(job_of hold)
[ -n "$id" ] || t_fail "no held job: $("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list)"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue list | grep "$id" | grep -q "not the building contact's" \
    || t_fail "postmaskctl queue does not show why $id is held: $("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list)"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue requeue "$id" > "$T_WORK/rq" 2>&1 || t_fail "requeue $id failed: $(cat "$T_WORK/rq")"
wait_for "the requeued job to be held again" \
    sh -c "[ \$(grep -c \"held: capture: $SID: $HELD\" '$T_BRIDGE_LOG') -ge 2 ]"
[ "$(message_count)" = 0 ] || t_fail "a held reply was posted"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue release "$id" > "$T_WORK/rl" 2>&1 || t_fail "release $id failed: $(cat "$T_WORK/rl")"
wait_for "the released reply to be posted" count_is 1
M=$(messages | jq -c '.messages[0]')
[ "$(printf '%s\n' "$M" | jq -r .body)" = "Hold me." ] || t_fail "released body: $M"
[ "$(printf '%s\n' "$M" | jq -r .author)" = bc_bc-77 ] || t_fail "released author: $M"
printf '%s\n' "$M" | jq -r '.attributes | fromjson | .postmask.unverified' | grep -q "not the building contact's" \
    || t_fail "the released reply's attributes do not say it is unverified: $M"
bridge_logged "$SID: job $id: the From address is not the building contact's; released by the admin, posted" \
    || t_fail "no log line for the released post"

# post: posted as the contact, its attributes saying why it is unverified.
restart_with "unauthenticated_sender_action = post"
stranger eve2@elsewhere.example "Post me anyway."
wait_for "the stranger's reply to be posted" count_is 2
M=$(messages | jq -c '.messages[1]')
[ "$(printf '%s\n' "$M" | jq -r .body)" = "Post me anyway." ] || t_fail "posted body: $M"
printf '%s\n' "$M" | jq -r '.attributes | fromjson | .postmask.unverified' | grep -q "not the building contact's" \
    || t_fail "the unverified post does not say why: $M"
bridge_logged "the From address is not the building contact's; posted all the same (unauthenticated_sender_action = post" \
    || t_fail "no warning for the unverified post"

# reject: a dead letter.
restart_with "unauthenticated_sender_action = reject"
stranger eve3@elsewhere.example "Reject me."
wait_for "the rejected job" bridge_logged "dead: capture: $SID: reply not posted: the From address is not the building contact's (unauthenticated_sender_action = reject"
[ -n "$(job_of dead)" ] || t_fail "postmaskctl queue shows no dead letter"
[ "$(message_count)" = 2 ] || t_fail "a rejected reply was posted"

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
wait_for "the auto-reply note" count_is 3
N=$(messages | jq -c '.messages[2]')
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
wait_for "the forged report's job" bridge_logged "done: capture: $SID: delivery report not from the null sender"
curl -s "$T_STANDIN_URL/_standin/conversations" | jq -r --arg sid "$SID" \
    '.conversations[] | select(.sid == $sid) | .participants[] | .attributes' \
    | grep -q bouncing && t_fail "a forged delivery report marked the contact as bouncing"

# An empty reply (only the quoted history): not posted.
e2e_reply empty1@mail.building.example "> Hi Bob, is 4B free?"
wait_for "the empty reply's job" bridge_logged "done: capture: $SID: empty"
[ "$(message_count)" = 3 ] || t_fail "an empty reply was posted"

# A reply far longer than reply_part_limit messages: cut, the last part
# ends with reply_cut_marker, the log says how much; the capture keeps all.
restart_with "reply_part_limit = 2" "reply_cut_marker = [cut: see the email]"
LONG=$(awk 'BEGIN { for (i = 1; i <= 60; i++)
    printf "Line %02d of the house rules: keep the stairwell clear, and tell us before you move furniture in.\n", i }')
e2e_reply long1@mail.building.example "$LONG"
wait_for "the cut reply" bridge_logged "reply cut to 2 of 4 parts (reply_part_limit); [0-9]* characters not posted"
wait_for "the cut reply's parts" count_is 5
P2=$(messages | jq -r '.messages[4].body')
case "$P2" in
    *"

[cut: see the email]") ;;
    *) t_fail "the last part does not end with the marker: ...$(printf '%s' "$P2" | tail -c 80)" ;;
esac
[ "$(messages | jq '[.messages[3,4].body | length <= 1600] | all')" = true ] \
    || t_fail "a part is over 1,600 characters"
[ "$(messages | jq -r '.messages[3].body' | head -1)" = "Line 01 of the house rules: keep the stairwell clear, and tell us before you move furniture in." ] \
    || t_fail "part 1: $(messages | jq -r '.messages[3].body' | head -1)"
# What the milter captures from that email (postmaskctl parse runs its
# code) is the whole text: only the posting is cut.
"$BIN/postmaskctl" -c "$PF_PM_DIR" parse "$T_WORK/reply.long1@mail.building.example.eml" \
    | jq -r .text | grep -q "^Line 60 of the house rules" || t_fail "the capture did not keep the whole text"

# Bounces (bounce_tag.h).  contact_attrs [ROLE]: the attributes of the
# building contact's (or ROLE's) participants as the stand-in holds them.
contact_attrs() {
    curl -s "$T_STANDIN_URL/_standin/conversations" | jq -c --arg sid "$SID" \
        --arg role "${1:-building_contact}" \
        '.conversations[] | select(.sid == $sid) | .participants[]
         | .attributes | (fromjson? // .) | select(.role? == $role)'
}
captures() { grep -c ": captured: " "$PF_MILTER_LOG"; }
# report NAME RCPT FINAL-RECIPIENT: a delivery report from <> to RCPT.
report() {
    sed -e "s/^Message-ID: .*/Message-ID: <$1@elsewhere.example>/" -e "s/^To: .*/To: $2/" \
        -e "s/^Final-Recipient: .*/Final-Recipient: rfc822; $3/" \
        "$T_WORK/fakebounce.eml" > "$T_WORK/$1.eml"
    pf_swaks_expect 0 mx --from '<>' --to "$2" --data "$T_WORK/$1.eml"
}
before=$(captures)
# Forged reports from the null sender: to the untagged proxy address, to a
# tag signed with another secret, to an expired tag.  Accepted, discarded
# by the milter, never captured.
(umask 077; echo "k1 not-the-real-secret-0123456789abcdef" > "$T_WORK/other.keys")
for c in "none $PROXY" \
         "forged $(python3 "$SRC/tests/bounce_tag.py" "$T_WORK/other.keys" "$PROXY")" \
         "expired $(python3 "$SRC/tests/bounce_tag.py" "$PF_PM_KEYS" "$PROXY" -30)"; do
    set -- $c
    report "null-$1" "$2" "$CONTACT_EMAIL"
    wait_for "the discard of the $1 report" grep -q \
        "discard: null sender to conversation $SID: no valid bounce tag ($1)" "$PF_MILTER_LOG"
done
[ "$(captures)" = "$before" ] || t_fail "a forged report from <> was captured: $(cat "$PF_MILTER_LOG")"
grep -i "$CONTACT_EMAIL" "$PF_MILTER_LOG" && t_fail "the milter logged the contact's address"
# With a valid tag, but naming not the contact, or no failed recipient at
# all: captured, nothing recorded.
TAGGED=$(python3 "$SRC/tests/bounce_tag.py" "$PF_PM_KEYS" "$PROXY")
report tagged-stranger "$TAGGED" stranger@elsewhere.example
wait_for "the report about a stranger" bridge_logged \
    "done: capture: $SID: bounce (queue id [^)]*) names no building contact of the conversation; nothing recorded"
sed -e '/^Final-Recipient: /d' "$T_WORK/fakebounce.eml" > "$T_WORK/norcpt.eml"
mv "$T_WORK/norcpt.eml" "$T_WORK/fakebounce.eml"
report tagged-norcpt "$TAGGED" unused
wait_for "the report without a recipient" bridge_logged \
    "done: capture: $SID: delivery report (queue id [^)]*) names no failed recipient; nothing recorded"
# A delay report (Action: delayed, 4.x.x) for the contact: their mailbox is
# not failing, nothing recorded.
cat > "$T_WORK/delay.eml" <<EOF
From: MAILER-DAEMON@elsewhere.example
To: $TAGGED
Subject: Delayed Mail (still being retried)
Message-ID: <delay1@elsewhere.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="D1"

--D1
Content-Type: text/plain

Your message is delayed; we keep trying.

--D1
Content-Type: message/delivery-status

Reporting-MTA: dns; elsewhere.example

Final-Recipient: rfc822; $CONTACT_EMAIL
Action: delayed
Status: 4.4.1
Diagnostic-Code: smtp; 421 try again later

--D1--
EOF
pf_swaks_expect 0 mx --from '<>' --to "$TAGGED" --data "$T_WORK/delay.eml"
wait_for "the delay report" bridge_logged \
    "done: capture: $SID: delivery report with status 4.4.1 (queue id [^)]*) is no failure; nothing recorded"
contact_attrs | grep -q bouncing && t_fail "a report we did not cause marked the contact as bouncing: $(contact_attrs)"

# A real bounce: the contact's mailbox is gone.  The next hop for the
# contact's address is a listener of the private Postfix that refuses it
# with 550 5.1.1 at RCPT; Postfix bounces the bridge's email and sends its
# delivery report from <> to the tagged envelope sender, and the transport
# routes the proxy domain back to the MX listener.  Both go through an smtp
# client with a hostname of its own (else Postfix sees a mail loop).
GONE_PORT=$(_pf_free_ports 1)
echo "$CONTACT_EMAIL 550 5.1.1 User unknown" > "$PF_CONF/gone_access"
pf_postconf -Me "127.0.0.1:$GONE_PORT/inet=127.0.0.1:$GONE_PORT inet n - n - - smtpd" \
    "mxreturn/unix=mxreturn unix - - n - - smtp" || t_fail "postconf -M"
pf_postconf -P "127.0.0.1:$GONE_PORT/inet/syslog_name=postfix/gone" \
    "127.0.0.1:$GONE_PORT/inet/smtpd_recipient_restrictions=check_recipient_access,texthash:$PF_CONF/gone_access" \
    "mxreturn/unix/myhostname=bounces.test.example" \
    "mxreturn/unix/syslog_name=postfix/mxreturn" || t_fail "postconf -P"
cat > "$PF_CONF/transport" <<EOF
$CONTACT_EMAIL mxreturn:[127.0.0.1]:$GONE_PORT
${PROXY#*@} mxreturn:[127.0.0.1]:$PF_PORT_MX
EOF
pf_postconf -e "transport_maps = texthash:$PF_CONF/transport" || t_fail "postconf -e"
pf_reload
e2e_sms "Hi Bob, are you still there?"
wait_for "the bounce to be recorded" bridge_logged "done: capture: $SID: bounce recorded for the building contact"
pf_wait_log "postfix/mxreturn/smtp\[[0-9]+\]: .*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$PF_PORT_MX, .*status=sent" \
    || t_fail "the bounce did not go back through the MX listener: $(pf_log | tail -20)"
grep -q ": captured: conversation $SID, bounce, job " "$PF_MILTER_LOG" || t_fail "the bounce was not captured"
# Each of the contact's participants (email and SMS) holds their email.
A=$(contact_attrs)
[ "$(printf '%s\n' "$A" | jq -s 'length > 0 and all(.email_status == "bouncing")')" = true ] \
    || t_fail "the real bounce was not recorded: $A"
[ "$(printf '%s\n' "$A" | jq -s 'all(.last_bounce_reason | startswith("5.1.1 smtp; 550 5.1.1"))')" = true ] \
    || t_fail "bounce reason: $A"
contact_attrs seeker | grep -q bouncing && t_fail "the seeker was marked as bouncing: $(contact_attrs seeker)"

# Replies whose MIME structure cannot be read (capture.h structure_error),
# from the contact's own server (authenticated): each is held with its
# reason, not dropped as empty, and not posted.
# malformed ID CONTENT-TYPE BODY-FILE: the contact sends such a reply.
malformed() {
    {
        echo "From: Bob Builder <$CONTACT_EMAIL>"
        echo "To: Ann Seeker <$PROXY>"
        echo "Subject: Re: Unit 4B, 12 Harbour St"
        echo "Message-ID: <$1@mail.building.example>"
        echo "MIME-Version: 1.0"
        echo "Content-Type: $2"
        echo
        cat "$3"
    } > "$T_WORK/$1.eml"
    contact_swaks --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/$1.eml"
}
queue_list() { "$BIN/postmaskctl" -c "$PF_PM_DIR" queue list; }
posted=$(message_count)
printf -- '--x\nContent-Type: text/plain\n\nThe flat is free.\n--x--\n' > "$T_WORK/parts.txt"
malformed nobound "multipart/mixed" "$T_WORK/parts.txt"
malformed neverbound "multipart/mixed; boundary=zzz" "$T_WORK/parts.txt"
printf -- '--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!! not base64 at all !!!!\n--b--\n' \
    > "$T_WORK/garbage.txt"
malformed garbage "multipart/mixed; boundary=b" "$T_WORK/garbage.txt"
awk 'BEGIN { for (i = 1; i < 40; i++)
        printf "--d%d\nContent-Type: multipart/mixed; boundary=d%d\n\n", i - 1, i
    print "--d39\nContent-Type: text/plain\n\nToo deep to read." }' > "$T_WORK/deep.txt"
malformed deep "multipart/mixed; boundary=d0" "$T_WORK/deep.txt"
# Base64 garbage as the text, beside a photo.
printf -- '--p\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n@@ garbage @@\n--p\nContent-Type: image/png; name=photo.png\nContent-Transfer-Encoding: base64\n\n%s\n--p--\n' \
    "$(printf 'not really a png' | base64)" > "$T_WORK/photo.txt"
malformed photo "multipart/mixed; boundary=p" "$T_WORK/photo.txt"
for c in "nobound:multipart without a boundary" \
         "neverbound:multipart whose boundary never appears" \
         "garbage:base64 body part cannot be decoded" \
         "deep:MIME nesting deeper than 32" \
         "photo:base64 body part cannot be decoded"; do
    name=${c%%:*}
    why=${c#*:}
    wait_for "the $name reply to be held" bridge_logged \
        "held: capture: $SID: reply not posted: its structure cannot be read: $why (queue id"
done
[ "$(queue_list | grep -c "reply not posted: its structure cannot be read")" = 5 ] \
    || t_fail "postmaskctl queue does not show the 5 held replies with their reason: $(queue_list)"
[ "$(message_count)" = "$posted" ] || t_fail "a malformed reply was posted: $(messages)"
[ "$(grep -c "done: capture: $SID: empty" "$T_BRIDGE_LOG")" = 1 ] \
    || t_fail "a malformed reply was dropped as empty: $(grep "done: capture: $SID: empty" "$T_BRIDGE_LOG")"
# The admin reads the raw message in the held job, then releases it: what
# could be read (the photo) is posted; a release with nothing readable
# posts nothing and ends the job.
id=$(queue_list | awk '/its structure cannot be read: base64/ { print $1 }' | while read -r j; do
    "$BIN/postmaskctl" -c "$PF_PM_DIR" queue show "$j" | sed '1,/^$/d' | sed 1d \
        | grep -q '^Message-ID: <photo@' && echo "$j"; done)
[ -n "$id" ] || t_fail "no held job keeps the raw photo reply: $(queue_list)"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue release "$id" > "$T_WORK/rl" 2>&1 || t_fail "release $id failed: $(cat "$T_WORK/rl")"
wait_for "the released photo" count_is $((posted + 1))
M=$(messages | jq -c ".messages[$posted]")
[ "$(printf '%s\n' "$M" | jq -r '.media[0].content_type')" = image/png ] || t_fail "released photo: $M"
[ "$(printf '%s\n' "$M" | jq -r .author)" = bc_bc-77 ] || t_fail "released photo author: $M"
bridge_logged "$SID: job $id: its structure cannot be read: base64 body part cannot be decoded; released by the admin" \
    || t_fail "no log line for the released malformed reply"
id=$(queue_list | awk '/its structure cannot be read: multipart without/ { print $1 }')
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue release "$id" > "$T_WORK/rl" 2>&1 || t_fail "release $id failed: $(cat "$T_WORK/rl")"
wait_for "the released empty reply" bridge_logged "done: capture: $SID: empty has no text and no attachment; nothing posted"
# Readable text beside a broken part: posted, the error logged.
printf -- '--m\nContent-Type: text/plain\n\nStill free on Friday.\n--m\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n*garbage*\n--m--\n' \
    > "$T_WORK/mixed.txt"
malformed mixed "multipart/mixed; boundary=m" "$T_WORK/mixed.txt"
wait_for "the readable reply" count_is $((posted + 2))
[ "$(messages | jq -r ".messages[$((posted + 1))].body")" = "Still free on Friday." ] \
    || t_fail "the readable text was not posted: $(messages)"
bridge_logged "part of the reply cannot be read: base64 body part cannot be decoded; its text is posted" \
    || t_fail "no log line for the reply with a broken part"
# The same email captured again as another job -- what a second MX host
# does when the sender retries there, or this one after its dedupe marker
# expired (removed here): found among the conversation's messages by its
# Message-ID and part, and not posted twice.
e2e_reply twice1@mail.building.example "Posted once, wherever it lands."
once_posted() { [ "$(bodies_with "Posted once, wherever it lands.")" = 1 ]; }
wait_for "the reply" once_posted
before=$(message_count)
caps=$(grep -c ": captured: conversation $SID, reply, job " "$PF_MILTER_LOG")
rm -f "$PF_PM_SPOOL"/dedupe/*
e2e_reply twice1@mail.building.example "Posted once, wherever it lands."
wait_for "the second capture's job" bridge_logged "part 1/1 of job [0-9A-F]* is already in the conversation (job [0-9A-F]*); not posted again"
[ "$(message_count)" = "$before" ] && once_posted \
    || t_fail "the same email was posted twice: $(messages | jq -c '[.messages[].body]')"
[ "$(grep -c ": captured: conversation $SID, reply, job " "$PF_MILTER_LOG")" = $((caps + 1)) ] \
    || t_fail "the resent email was not captured as a new job"
# A reply written between the quoted lines: the contact's lines only,
# after inline_reply_note, and the attributes say so.
e2e_reply inline1@mail.building.example "$(printf '%s\n' \
    "On Mon, 4 Mar 2024 at 10:15, Ann Seeker <$PROXY> wrote:" \
    "> Is parking included?" "" "Yes, one space." "" \
    "> Can I move in on the 1st?" "" "The 3rd at the earliest." "" \
    "> Are pets allowed?" "" "Cats only.")"
INLINE="(Answered between the lines of your message.)

Yes, one space.

The 3rd at the earliest.

Cats only."
inline_posted() { [ "$(bodies_with "$INLINE")" = 1 ]; }
wait_for "the inline reply" inline_posted
[ "$(messages | jq --arg b "$INLINE" '.messages[] | select(.body == $b) | .attributes | fromjson | .postmask.inline')" = true ] \
    || t_fail "the inline reply's attributes do not say inline: $(messages | jq -c '.messages[-1]')"
# A reply that forwards an email: the forward is left out, and a line says
# so.
e2e_reply forward1@mail.building.example "$(printf '%s\n' \
    "Here is the caretaker's note about the keys." "" \
    "---------- Forwarded message ---------" \
    "From: Caretaker <caretaker@building.example>" \
    "Date: Mon, 4 Mar 2024 at 09:00" "Subject: Keys" \
    "To: Bob Builder <$CONTACT_EMAIL>" "" "Keys are in the office safe.")"
FORWARD="Here is the caretaker's note about the keys.

(A forwarded email was left out.)"
forward_posted() { [ "$(bodies_with "$FORWARD")" = 1 ]; }
wait_for "the reply with a forward" forward_posted
[ "$(messages | jq --arg b "$FORWARD" '.messages[] | select(.body == $b) | .attributes | fromjson | .postmask.forward_dropped')" = true ] \
    || t_fail "the attributes do not say the forward was dropped: $(messages | jq -c '.messages[-1]')"
t_bridge_stop
t_pass
