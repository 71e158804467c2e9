#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_flow - the whole chain, as a building contact and a seeker live it:
# a real Postfix (MX and masking listeners), postmask-milter,
# postmask-bridge and the Twilio stand-in.
#
#   1. the application starts a conversation through the bridge's API;
#   2. the seeker's SMS arrives at Twilio -> a signed webhook -> the spool
#      -> an email through the masking listener -> the contact's mailbox
#      holds one email with the proxy address as From and envelope sender,
#      and no seeker address anywhere in its bytes;
#   3. the same webhook again sends no second email; a forged one is 403;
#   4. the contact replies (Gmail style, with quoted history) to the proxy
#      address at the MX -> the milter captures it -> the bridge posts only
#      the new text into the conversation, authored by the contact, with
#      X-Twilio-Webhook-Enabled: false; no webhook fires, no email goes back;
#   5. an auto-reply and a bounce are not posted (the bounce marks the
#      contact's participant); a stranger's reply is held.
#
# With PM_DEMO=1 (make demo) it also prints the transcript of each hop.
. "$SRC/tests/postfix/e2e_lib.sh"

e2e_setup

# --- 1. Start a conversation.
step "1. The application starts a conversation (POST /v1/conversations)"
e2e_start_conversation

# --- 2. The seeker texts; the contact gets an email.
step "2. The seeker texts from $SEEKER_PHONE (Twilio -> webhook -> email)"
SMS="Hi Bob, is unit 4B still free next month? You can also write to me at $SEEKER_EMAIL."
e2e_sms "$SMS"
[ "$(jq -r '.webhook.fired' "$T_WORK/inbound.json")/$(jq -r '.webhook.status' "$T_WORK/inbound.json")" = true/200 ] \
    || t_fail "the webhook was not answered 200: $(cat "$T_WORK/inbound.json"); $(tail "$T_BRIDGE_LOG")"
MSG1=$MSG
say "Twilio message $MSG1: \"$SMS\""
say "webhook onMessageAdded -> bridge: HTTP 200"
pf_wait_delivered 1 || t_fail "no email reached the building contact: $(tail -5 "$T_BRIDGE_LOG")"
MAIL=$(pf_sink_files | head -1)
pf_sink_message "$MAIL" > "$T_WORK/mail1.eml"
step "The building contact's mailbox (envelope from $(pf_sink_mail_from "$MAIL"))"
show "$T_WORK/mail1.eml"

# The envelope sender: the proxy address with a bounce tag (bounce_tag.h).
TAGGED=$(pf_sink_mail_from "$MAIL")
case "$TAGGED" in
    "${PROXY%@*}"+b????????????@"${PROXY#*@}") ;;
    *) t_fail "envelope sender $(pf_sink_mail_from "$MAIL"), want the proxy address $PROXY with a bounce tag" ;;
esac
[ "$(pf_sink_rcpts "$MAIL")" = "$CONTACT_EMAIL" ] || t_fail "recipients: $(pf_sink_rcpts "$MAIL")"
# The bytes as delivered, and with quoted-printable soft breaks joined.
perl -0pe 's/=\r?\n//g' "$MAIL" > "$T_WORK/mail1.joined"
for f in "$MAIL" "$T_WORK/mail1.joined"; do
    grep -qi "seeker\.example" "$f" && t_fail "the seeker's address reached the contact: $(grep -i seeker.example "$f")"
    grep -q "$SEEKER_PHONE" "$f" && t_fail "the seeker's phone number reached the contact"
done
# The header block with folded lines unfolded (a long From may be folded).
sed -e '/^$/q' "$T_WORK/mail1.eml" | awk '/^[ \t]/ { sub(/^[ \t]+/, " "); h = h $0; next }
    { if (h != "") print h; h = $0 } END { if (h != "") print h }' > "$T_WORK/mail1.head"
grep -q "^From: Ann Seeker <$PROXY>$" "$T_WORK/mail1.head" || t_fail "From: $(grep '^From:' "$T_WORK/mail1.head")"
grep -q "^Subject: Re: Unit 4B, 12 Harbour St" "$T_WORK/mail1.eml" || t_fail "Subject: $(grep '^Subject:' "$T_WORK/mail1.eml")"
grep -q "^Message-Id: <$MSG1@reply.example.com>" "$T_WORK/mail1.eml" \
    || grep -q "^Message-ID: <$MSG1@reply.example.com>" "$T_WORK/mail1.eml" \
    || t_fail "Message-ID not derived from $MSG1: $(grep -i '^Message-Id:' "$T_WORK/mail1.eml")"
grep -qi "^X-Postmask" "$T_WORK/mail1.eml" && t_fail "X-Postmask headers reached the contact"
grep -q "is unit 4B still free next month" "$T_WORK/mail1.eml" || t_fail "the text is not in the email"
grep -q "write to me at $PROXY" "$T_WORK/mail1.joined" || t_fail "the address in the text was not masked"

# --- 3. A retried webhook is a duplicate; a forged one is refused.
step "3. Twilio's webhook again (a retry), and a forged one"
M=$(messages | jq -c '.messages[0]')
set -- "AccountSid=$T_STANDIN_ACCOUNT" "Author=$(printf "%s\n" "$M" | jq -r .author)" \
    "Body=$(printf "%s\n" "$M" | jq -r .body)" "ConversationSid=$SID" \
    "DateCreated=$(printf "%s\n" "$M" | jq -r .date_created)" "EventType=onMessageAdded" \
    "Index=$(printf "%s\n" "$M" | jq -r .index)" "MessageSid=$MSG1" \
    "ParticipantSid=$(printf "%s\n" "$M" | jq -r .participant_sid)" "Source=SMS"
signed=$WEBHOOK_URL
for p in "$@"; do signed="$signed${p%%=*}${p#*=}"; done
SIG=$(printf '%s' "$signed" | openssl dgst -sha1 -hmac "$T_STANDIN_TOKEN" -binary | base64)
post_webhook() {   # post_webhook SIGNATURE PARAMS...
    pw_sig=$1
    shift
    pw_args=
    for p in "$@"; do pw_args="$pw_args --data-urlencode \"$p\""; done
    eval curl -s -o /dev/null -w '%{http_code}' -H "\"X-Twilio-Signature: $pw_sig\"" \
        $pw_args "\"$WEBHOOK_URL\""
}
code=$(post_webhook "$SIG" "$@")
[ "$code" = 200 ] || t_fail "the retried webhook got $code"
bridge_logged "webhook: $MSG1 from MB[0-9a-f]\{32\}: duplicate of job" \
    || t_fail "the retry was not recognised as a duplicate: $(grep webhook: "$T_BRIDGE_LOG")"
say "retry -> HTTP 200, duplicate: no second job"
code=$(post_webhook "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$@")
[ "$code" = 403 ] || t_fail "a forged webhook got $code, want 403"
bridge_logged "webhook: refused from 127.0.0.1" || t_fail "no log line for the forged webhook"
say "forged signature -> HTTP 403"

# --- 3b. A photo by MMS reaches the contact as an attachment.
step "3b. The seeker sends a photo by MMS"
# A tiny but complete PNG (1x1 pixel).
PNG_B64=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==
curl -s -o "$T_WORK/mms.json" -d "ConversationSid=$SID" \
    --data-urlencode "From=$SEEKER_PHONE" --data-urlencode "Body=Here is the photo." \
    -d MediaContentType=image/png -d MediaFilename=street.png \
    --data-urlencode "MediaBase64=$PNG_B64" "$T_STANDIN_URL/_standin/inbound"
[ "$(jq -r .webhook.status "$T_WORK/mms.json")" = 200 ] || t_fail "MMS webhook: $(cat "$T_WORK/mms.json")"
pf_wait_delivered 2 || t_fail "the MMS email did not arrive"
MAIL2=$(pf_sink_files | tail -1)
grep -q 'filename="\{0,1\}street.png' "$MAIL2" || t_fail "the photo is not attached: $(cat "$MAIL2")"
# The attachment's base64 lines, joined: the photo's bytes, unchanged.
got=$(awk '/^Content-Disposition: attachment/ { a = 1; next }
           a == 1 && /^\r?$/ { a = 2; next }
           a == 2 && /^\r?$/ { exit }
           a == 2 { sub(/\r$/, ""); printf "%s", $0 }' "$MAIL2")
[ "$got" = "$PNG_B64" ] || t_fail "the attachment's bytes differ from the photo: $got"
grep -qi "seeker\.example" "$MAIL2" && t_fail "the seeker's address reached the contact in the MMS email"
say "MMS -> email with attachment street.png ($(printf '%s' "$PNG_B64" | base64 -d | wc -c) bytes, identical)"

# --- 4. The contact replies by email.
step "4. The building contact replies to $PROXY (MX -> milter -> spool -> Twilio)"
cat > "$T_WORK/reply.eml" <<EOF
From: Bob Builder <$CONTACT_EMAIL>
To: Ann Seeker <$PROXY>
Subject: Re: Unit 4B, 12 Harbour St
Date: Thu, 26 Nov 2026 17:02:11 +0000
Message-ID: <CAB7reply0001@mail.building.example>
In-Reply-To: <$MSG1@reply.example.com>
References: <$SID@reply.example.com> <$MSG1@reply.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

Yes, 4B is free from the 1st. Come by on Monday at 10?

Bob

On Thu, 26 Nov 2026 at 16:58, Ann Seeker <$PROXY> wrote:
> Hi Bob, is unit 4B still free next month? You can also write to me at
> $PROXY.
EOF
show "$T_WORK/reply.eml"
pf_swaks_expect 0 mx --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/reply.eml"
wait_for "the reply in the conversation" count_is 3
REPLY=$(messages | jq -c ".messages[2]")
say "-> Twilio message as posted:"
[ -z "$DEMO" ] || printf "%s\n" "$REPLY" | jq '{author, body, attributes: (.attributes | fromjson), webhook_enabled_header, webhook_fired}' | sed 's/^/    /'
[ "$(printf "%s\n" "$REPLY" | jq -r .author)" = "bc_bc-77" ] || t_fail "author: $REPLY"
[ "$(printf "%s\n" "$REPLY" | jq -r .body)" = "Yes, 4B is free from the 1st. Come by on Monday at 10?

Bob" ] || t_fail "body: $(printf "%s\n" "$REPLY" | jq -r .body)"
[ "$(printf "%s\n" "$REPLY" | jq -r .webhook_enabled_header)" = false ] || t_fail "X-Twilio-Webhook-Enabled: $REPLY"
[ "$(printf "%s\n" "$REPLY" | jq -r .webhook_fired)" = false ] || t_fail "a webhook fired for the reply"
[ "$(printf "%s\n" "$REPLY" | jq -r '.attributes | fromjson | .postmask.origin')" = email ] || t_fail "attributes: $REPLY"
[ "$(printf "%s\n" "$REPLY" | jq -r '.attributes | fromjson | .postmask.message_id')" = CAB7reply0001@mail.building.example ] \
    || t_fail "attributes: $REPLY"
wait_for "the capture job to finish" bridge_logged "done: capture: $SID: reply posted as bc_bc-77"

# --- 4b. A long reply with an attachment: two messages, the first with it.
step "4b. A long reply (2,400 characters) with a PDF attached"
LONG=$(i=1; while [ $i -le 40 ]; do printf 'Paragraph %02d of the house rules: quiet hours start at ten. ' $i; [ $((i % 8)) = 0 ] && printf '\n\n'; i=$((i + 1)); done)
cat > "$T_WORK/long.eml" <<EOF
From: Bob Builder <$CONTACT_EMAIL>
To: $PROXY
Subject: Re: Unit 4B, 12 Harbour St
Message-ID: <long0001@mail.building.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="LB"

--LB
Content-Type: text/plain; charset=UTF-8

$LONG
--LB
Content-Type: application/pdf; name="rules.pdf"
Content-Disposition: attachment; filename="rules.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg==
--LB--
EOF
pf_swaks_expect 0 mx --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/long.eml"
wait_for "the long reply in the conversation" count_is 5
L1=$(messages | jq -c '.messages[3]')
L2=$(messages | jq -c '.messages[4]')
[ "$(printf '%s\n' "$L1" | jq -r '.attributes | fromjson | .postmask | "\(.part)/\(.parts)"')" = 1/2 ] || t_fail "part 1: $L1"
[ "$(printf '%s\n' "$L2" | jq -r '.attributes | fromjson | .postmask | "\(.part)/\(.parts)"')" = 2/2 ] || t_fail "part 2: $L2"
for m in "$L1" "$L2"; do
    n=$(printf '%s\n' "$m" | jq -r '.body | length')
    [ "$n" -le 1600 ] || t_fail "a part has $n characters"
    [ "$(printf '%s\n' "$m" | jq -r .author)" = bc_bc-77 ] || t_fail "author of a part: $m"
done
printf '%s\n' "$L1" | jq -r .body | tail -c 3 | grep -q '\.' || t_fail "part 1 does not end at a sentence: $(printf '%s\n' "$L1" | jq -r .body | tail -c 80)"
[ "$(printf '%s\n' "$L1" | jq -r '.media[0].content_type')" = application/pdf ] || t_fail "the PDF is not on part 1: $L1"
[ "$(printf '%s\n' "$L2" | jq -r '.media')" = null ] || t_fail "part 2 has media: $L2"
MEDIA=$(printf '%s\n' "$L1" | jq -r '.media[0].sid')
curl -s -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    "$T_STANDIN_URL/v1/Services/$(curl -s "$T_STANDIN_URL/_standin/conversations" | jq -r --arg sid "$SID" '.conversations[] | select(.sid == $sid) | .chat_service_sid')/Media/$MEDIA/Content" \
    | cmp -s - "$(printf 'JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg==' | base64 -d > "$T_WORK/rules.pdf"; echo "$T_WORK/rules.pdf")" \
    || t_fail "the PDF at Twilio differs from the attachment"
say "-> 2 messages ($(printf '%s\n' "$L1" | jq -r '.body | length') + $(printf '%s\n' "$L2" | jq -r '.body | length') characters), rules.pdf on the first"
[ "$(printf '%s\n' "$L1" "$L2" | jq -r .webhook_fired | sort -u)" = false ] || t_fail "a webhook fired for a part"

# --- 4c. The contact texts from their phone: Twilio delivers it to the
# seeker itself; no email goes to the contact.
step "4c. The building contact texts from $CONTACT_PHONE"
e2e_sms "Sorry, one more thing: no pets." "$CONTACT_PHONE"
wait_for "the contact's text job" bridge_logged "done: twilio_message: $SID: $MSG: author MB[0-9a-f]\{32\} is the building contact; no email"
say "-> $(grep "done: twilio_message: $SID: $MSG" "$T_BRIDGE_LOG" | sed 's/.*done: //')"

# --- 5. Auto-reply, bounce, stranger.
step "5. An auto-reply, a bounce and a stranger's reply"
cat > "$T_WORK/auto.eml" <<EOF
From: Bob Builder <$CONTACT_EMAIL>
To: $PROXY
Subject: Out of office: Re: Unit 4B, 12 Harbour St
Auto-Submitted: auto-replied
Message-ID: <ooo0001@mail.building.example>
Content-Type: text/plain

I am away until Monday.
EOF
pf_swaks_expect 0 mx --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/auto.eml"
wait_for "the auto-reply job" bridge_logged "done: capture: $SID: auto_reply"
say "auto-reply: $(grep "done: capture: $SID: auto_reply" "$T_BRIDGE_LOG" | sed 's/.*done: //')"

cat > "$T_WORK/bounce.eml" <<EOF
From: Mail Delivery System <MAILER-DAEMON@mail.building.example>
To: $TAGGED
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-ID: <bounce0001@mail.building.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

Your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.building.example

Final-Recipient: rfc822; $CONTACT_EMAIL
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 mailbox full

--B1--
EOF
# A delivery report goes to the envelope sender: the tagged address.
pf_swaks_expect 0 mx --from '<>' --to "$TAGGED" --data "$T_WORK/bounce.eml"
wait_for "the bounce job" bridge_logged "done: capture: $SID: bounce recorded"
ATTRS=$(curl -s "$T_STANDIN_URL/_standin/conversations" | jq -r --arg sid "$SID" \
    '.conversations[] | select(.sid == $sid) | .participants[] | select(.identity == "bc_bc-77") | .attributes')
[ "$(printf "%s\n" "$ATTRS" | jq -r .email_status)" = bouncing ] || t_fail "bounce not recorded: $ATTRS"
printf "%s\n" "$ATTRS" | jq -r .last_bounce_reason | grep -q "5.2.2" || t_fail "bounce reason: $ATTRS"
say "bounce: the contact's participant now says $(printf "%s\n" "$ATTRS" | jq -c '{email_status, last_bounce_reason}')"

cat > "$T_WORK/stranger.eml" <<EOF
From: Eve <eve@elsewhere.example>
To: $PROXY
Subject: Re: Unit 4B
Message-ID: <eve0001@elsewhere.example>
Content-Type: text/plain

I saw your address somewhere. Want to buy a boat?
EOF
pf_swaks_expect 0 mx --from eve@elsewhere.example --to "$PROXY" --data "$T_WORK/stranger.eml"
wait_for "the stranger's job to be held" bridge_logged "held: capture: $SID: reply not posted"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue list > "$T_WORK/queue" 2>&1
grep -q "hold" "$T_WORK/queue" || t_fail "postmaskctl queue does not show the held job: $(cat "$T_WORK/queue")"
say "stranger: held; postmaskctl queue list:"
show "$T_WORK/queue"

# Nothing else reached the conversation or the contact.
[ "$(message_count)" = 6 ] || t_fail "the conversation has $(message_count) messages, want 6: $(messages)"
[ "$(pf_sink_count)" = 2 ] || t_fail "the contact got $(pf_sink_count) emails, want 2"

# --- 5b. The milter restarts while the seeker texts: the masking listener
# answers 451 (milter_default_action = tempfail) and Postfix logs the
# envelope sender of the refused submission; the bridge defers the job and
# delivers once the milter is back.  (Step 6 checks that those log lines
# name no seeker.)
step "5b. The seeker texts while the milter restarts"
pf_milter_stop || t_fail "the milter did not stop"
e2e_sms "Monday at 10 is fine, see you then."
MSG5=$MSG
wait_for "the email job to be deferred" bridge_logged "deferred: twilio_message: $SID: $MSG5"
pf_milter_start || t_fail "the milter did not start again: $(tail "$PF_MILTER_LOG")"
pf_wait_delivered 3 || t_fail "the deferred email was not delivered: $(tail -5 "$T_BRIDGE_LOG")"
MAIL3=$(pf_sink_files | tail -1)
case "$(pf_sink_mail_from "$MAIL3")" in
    "$PROXY" | "${PROXY%@*}"+b*@"${PROXY#*@}") ;;
    *) t_fail "envelope sender after the retry: $(pf_sink_mail_from "$MAIL3")" ;;
esac
grep -q "Monday at 10 is fine" "$MAIL3" || t_fail "the deferred text is not in the email"
say "milter down -> $(grep "deferred: twilio_message: $SID: $MSG5" "$T_BRIDGE_LOG" | sed 's/.*deferred: //' | head -1)"
step "Transcript of the conversation at Twilio"
[ -z "$DEMO" ] || messages | jq -r '.messages[] | (.body | if length > 160
    then .[0:160] + "... (\(length) characters)" else . end) as $b
    | "    [\(.index)] \(.author): \($b | gsub("\n"; "\n        "))"'
t_bridge_stop

# --- 6. Privacy in logs: postmask's info-level logs (the milter's, the
# bridge's) never carry a seeker's or a contact's email address or phone
# number, nor the stranger's; they name conversation, participant, message
# and job IDs instead.  Postfix's maillog must not carry the seeker's
# either (the bridge submits with the proxy address as envelope sender);
# it necessarily logs the contact's address (the recipient of the mail it
# delivers, the sender of the replies) and the stranger's (a sender), so
# only the seeker's are asserted there.  A phone number is searched without
# its "+" and an address also URL-encoded, to find every spelling.  The
# stand-in plays Twilio, which knows every number: its log is not
# postmask's and is not searched.
step "6. No personal data in the logs"
spellings() {   # spellings VALUE...: each, and its other spellings in logs
    for v in "$@"; do
        case $v in
        +*) printf '%s\n' "${v#+}" ;;
        *@*) printf '%s\n%s\n' "$v" "${v%@*}%40${v#*@}" ;;
        esac
    done
}
spellings "$SEEKER_EMAIL" "$SEEKER_PHONE" > "$T_WORK/seeker.pii"
spellings "$CONTACT_EMAIL" "$CONTACT_PHONE" eve@elsewhere.example > "$T_WORK/others.pii"
cat "$T_WORK/seeker.pii" "$T_WORK/others.pii" > "$T_WORK/all.pii"
for log in "$PF_MILTER_LOG" "$T_BRIDGE_LOG"; do
    [ -s "$log" ] || t_fail "$log is empty: nothing was checked"
    grep -iF -f "$T_WORK/all.pii" "$log" > "$T_WORK/leaks" \
        && t_fail "personal data in $(basename "$log"): $(cat "$T_WORK/leaks")"
done
[ -s "$PF_MAILLOG" ] || t_fail "the maillog is empty: nothing was checked"
grep -iF -f "$T_WORK/seeker.pii" "$PF_MAILLOG" > "$T_WORK/leaks" \
    && t_fail "the seeker's address or number in Postfix's maillog: $(cat "$T_WORK/leaks")"
say "none of $(tr '\n' ' ' < "$T_WORK/all.pii")in the milter's or the bridge's log;"
say "none of the seeker's in Postfix's maillog"
say ""
say "Demo complete: every hop above was checked; the private Postfix, the milter"
say "and the stand-in are stopped now, and their directory removed."
t_pass
