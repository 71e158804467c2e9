#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Twilio stand-in's onMessageAdded webhooks, received by a second
# stand-in's sink: fired for messages from seeker-side channels (SMS,
# WhatsApp, chat, with media) and for REST messages only with
# X-Twilio-Webhook-Enabled: true; exactly the fields of FACTS.md section 3;
# X-Twilio-Signature verified here independently (the form decoded by awk,
# HMAC-SHA1 by openssl dgst); the webhook's status recorded per message
# (200, 500, none after a timeout, none when refused); inbound refusals.
. "$SRC/tests/lib.sh"
. "$SRC/tests/standin_lib.sh"
command -v openssl >/dev/null || t_fail "openssl is not installed"

dir=$(t_tmpdir standin-webhooks)

# urldecode: decodes the form component on stdin.
urldecode() {
    LC_ALL=C awk 'BEGIN { for (i = 0; i < 256; i++) h[sprintf("%02X", i)] = i; RS = "\001" }
        { s = $0; gsub(/\+/, " ", s); out = ""
          while ((p = index(s, "%")) > 0) {
              out = out substr(s, 1, p - 1) sprintf("%c", h[toupper(substr(s, p + 1, 2))])
              s = substr(s, p + 3)
          }
          printf "%s", out s }'
}

# decode_form BODY: "name<TAB>value" lines, sorted by name in byte order,
# into $T_WORK/pairs.
decode_form() {
    printf '%s' "$1" | tr '&' '\n' | while IFS= read -r pair || [ -n "$pair" ]; do
        printf '%s\t%s\n' "$(printf '%s' "${pair%%=*}" | urldecode)" \
            "$(printf '%s' "${pair#*=}" | urldecode)"
    done | LC_ALL=C sort > "$T_WORK/pairs"
}

# param NAME: its value in $T_WORK/pairs.
param() {
    LC_ALL=C awk -F '\t' -v n="$1" '$1 == n { print substr($0, length($1) + 2) }' "$T_WORK/pairs"
}

# signature_of URL TOKEN: Twilio's signature of URL and $T_WORK/pairs.
signature_of() {
    { printf '%s' "$1"
      LC_ALL=C awk -F '\t' '{ printf "%s%s", $1, substr($0, length($1) + 2) }' "$T_WORK/pairs"
    } | openssl dgst -sha1 -hmac "$2" -binary | base64
}

# sink_request N: the Nth request the sink received (from 0) into $sink_*.
sink_request() {
    code=$(curl -s -o "$T_WORK/sink" -w '%{http_code}' "$SINK/_standin/sink")
    [ "$code" = 200 ] || t_fail "$what: the sink answered $code"
    sink_count=$(jq -r '.requests | length' "$T_WORK/sink")
    [ "$sink_count" -gt "$1" ] || t_fail "$what: the sink got $sink_count request(s)"
    sink_path=$(jq -r ".requests[$1].path" "$T_WORK/sink")
    sink_type=$(jq -r ".requests[$1].content_type" "$T_WORK/sink")
    sink_sig=$(jq -r ".requests[$1].signature" "$T_WORK/sink")
    sink_body=$(jq -r ".requests[$1].body" "$T_WORK/sink")
    decode_form "$sink_body"
}

# sink_total: how many requests the sink received.
sink_total() {
    curl -s "$SINK/_standin/sink" | jq -r '.requests | length'
}

# record MESSAGE_SID: the stand-in's record of a message, once its webhook
# attempt (if any) ended, into $body.
record() {
    rc_i=0
    while :; do
        ctl GET "/_standin/conversations/$conv/messages"
        rec=$(printf '%s' "$body" | jq -c ".messages[] | select(.sid == \"$1\")")
        [ -n "$rec" ] || t_fail "$what: no record of $1"
        [ "$(printf '%s' "$rec" | jq -r .webhook_pending)" = false ] && break
        rc_i=$((rc_i + 1))
        [ $rc_i -lt 100 ] || t_fail "$what: the webhook of $1 never ended"
        sleep 0.1
    done
    body=$rec
}

# The receiving end, then the stand-in under test sending to it.
t_standin_start "$dir/sink"
SINK=$T_STANDIN_URL
SINK_PID=$T_STANDIN_PID
HOOK="$SINK/_standin/sink/twilio/conversations?v=1"
t_standin_start "$dir/main" "$HOOK"
token=$T_STANDIN_TOKEN

new_conversation --data-urlencode "FriendlyName=Unit 4B"
mg=$(field .messaging_service_sid)
api POST "/v1/Conversations/$conv/Participants" --data-urlencode "MessagingBinding.Address=+15558675310" \
    --data-urlencode "MessagingBinding.ProxyAddress=+15017122661"
expect 201
sms=$(field .sid)
api POST "/v1/Conversations/$conv/Participants" --data-urlencode "MessagingBinding.Address=whatsapp:+15558675311" \
    --data-urlencode "MessagingBinding.ProxyAddress=whatsapp:+15017122661"
expect 201
wa=$(field .sid)
api POST "/v1/Conversations/$conv/Participants" --data-urlencode "Identity=seeker@example.com"
expect 201
chat=$(field .sid)

step "inbound SMS: stored as Twilio would, webhook fired and answered"
text='Hi – is unit 4B free? 5+5=10 & 100% sure'
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=+15558675310" \
    --data-urlencode "Body=$text"
expect 201
msg=$(field .sid)
same "$(field .author)" "+15558675310"
same "$(field .participant_sid)" "$sms"
same "$(field .body)" "$text"
same "$(field .index)" 0
same "$(field .webhook.fired)" true
same "$(field .webhook.status)" 200
created=$(field .date_created)

step "the SMS webhook: where, how, which fields"
sink_request 0
same "$sink_path" "/_standin/sink/twilio/conversations?v=1"
same "$sink_type" "application/x-www-form-urlencoded; charset=utf-8"
same "$(cut -f1 "$T_WORK/pairs" | tr '\n' ' ')" \
    "AccountSid Attributes Author Body ConversationSid DateCreated EventType Index MessageSid MessagingServiceSid ParticipantSid Source "
same "$(param AccountSid)" "$T_STANDIN_ACCOUNT"
same "$(param EventType)" onMessageAdded
same "$(param Source)" SMS
same "$(param ConversationSid)" "$conv"
same "$(param MessageSid)" "$msg"
same "$(param MessagingServiceSid)" "$mg"
same "$(param Index)" 0
same "$(param DateCreated)" "$created"
same "$(param Body)" "$text"
same "$(param Author)" "+15558675310"
same "$(param ParticipantSid)" "$sms"
same "$(param Attributes)" "{}"
step "the SMS webhook's signature, checked with openssl"
same "$sink_sig" "$(signature_of "$HOOK" "$token")"
[ "$sink_sig" != "$(signature_of "$HOOK" "wrong-$token")" ] || t_fail "$what: any token verifies"
[ "$sink_sig" != "$(signature_of "$SINK/_standin/sink/twilio/conversations" "$token")" ] \
    || t_fail "$what: the query is not signed"

step "REST message with X-Twilio-Webhook-Enabled: true fires the webhook"
api POST "/v1/Conversations/$conv/Messages" --data-urlencode "Body=From the email side" \
    --data-urlencode "Author=bc@example.com" --data-urlencode 'Attributes={"k":"v"}' \
    -H "X-Twilio-Webhook-Enabled: true"
expect 201
rest=$(field .sid)
record "$rest"
same "$(field .webhook_enabled_header)" true
same "$(field .webhook_fired)" true
same "$(field .webhook_status)" 200
same "$(field .source)" API
sink_request 1
same "$(cut -f1 "$T_WORK/pairs" | tr '\n' ' ')" \
    "AccountSid Attributes Author Body ConversationSid DateCreated EventType Index MessageSid MessagingServiceSid Source "
same "$(param Source)" API
same "$(param Author)" bc@example.com
same "$(param Attributes)" '{"k":"v"}'
same "$(param Index)" 1
same "$sink_sig" "$(signature_of "$HOOK" "$token")"

step "REST messages with false or without the header fire nothing"
api POST "/v1/Conversations/$conv/Messages" -d Body=quiet -H "X-Twilio-Webhook-Enabled: false"
expect 201
quiet=$(field .sid)
api POST "/v1/Conversations/$conv/Messages" -d Body=default
expect 201
default=$(field .sid)
record "$quiet"
same "$(field .webhook_enabled_header)" false
same "$(field .webhook_fired)" false
same "$(field .webhook_status)" null
record "$default"
same "$(field .webhook_enabled_header)" null
same "$(field .webhook_fired)" false
same "$(sink_total)" 2

step "inbound WhatsApp"
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=whatsapp:+15558675311" -d Body=wa
expect 201
same "$(field .participant_sid)" "$wa"
same "$(field .author)" "whatsapp:+15558675311"
sink_request 2
same "$(param Source)" WHATSAPP
same "$(param Author)" "whatsapp:+15558675311"
same "$(param ParticipantSid)" "$wa"
same "$sink_sig" "$(signature_of "$HOOK" "$token")"

step "inbound chat: Source SDK and ClientIdentity"
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=seeker@example.com" -d Body=chat
expect 201
same "$(field .participant_sid)" "$chat"
sink_request 3
same "$(param Source)" SDK
same "$(param ClientIdentity)" seeker@example.com
same "$(param Author)" seeker@example.com
same "$sink_sig" "$(signature_of "$HOOK" "$token")"

step "inbound MMS with media"
printf '\211PNG\r\n\032\n-not-really-a-png-' > "$T_WORK/pic.png"
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=+15558675310" \
    -d MediaContentType=image/png -d MediaFilename=pic.png \
    --data-urlencode "MediaBase64=$(base64 -w0 < "$T_WORK/pic.png")"
expect 201
same "$(field .body)" null
same "$(field '.media | length')" 1
media=$(field '.media[0].sid')
same "$(field '.media[0].filename')" pic.png
same "$(field '.media[0].content_type')" image/png
same "$(field '.webhook.status')" 200
sink_request 4
same "$(cut -f1 "$T_WORK/pairs" | tr '\n' ' ')" \
    "AccountSid Attributes Author ConversationSid DateCreated EventType Index Media MessageSid MessagingServiceSid ParticipantSid Source "
same "$(param Media | jq -r '.[0] | [.Sid, .Filename, .ContentType, (.Size|tostring)] | join(" ")')" \
    "$media pic.png image/png $(wc -c < "$T_WORK/pic.png" | tr -d ' ')"
same "$sink_sig" "$(signature_of "$HOOK" "$token")"
api GET "/v1/Services/IS00000000000000000000000000000000/Media/$media/Content"
expect 200
cmp -s "$T_WORK/body" "$T_WORK/pic.png" || t_fail "$what: media content differs"
api GET "/v1/Services/IS00000000000000000000000000000000/Media/$media"
same "$(field .author)" "+15558675310"

step "inbound refusals"
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=+15550000000" -d Body=x
expect 400 20001 "not a participant"
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=stranger" -d Body=x
expect 400 20001 "not a participant"
ctl POST /_standin/inbound -d ConversationSid=CH0123456789abcdef0123456789abcdef \
    --data-urlencode "From=+15558675310" -d Body=x
expect 404 20404
ctl POST /_standin/inbound -d "ConversationSid=$conv" -d Body=x
expect 400 20001 "required"
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=+15558675310" \
    -d MediaContentType=image/png -d MediaBase64=@@@
expect 400 20001 "base64"
ctl GET /_standin/inbound
expect 405 20004
same "$(sink_total)" 5

step "the request log records the header"
ctl GET /_standin/requests
same "$(field '[.requests[] | select(.operation == "create_message") | .webhook_enabled | tostring] | join(",")')" \
    "true,false,null"

step "inbound to a closed conversation"
api POST "/v1/Conversations/$conv" -d State=closed
expect 200
ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=+15558675310" -d Body=x
expect 409 50377
t_standin_stop

step "a webhook target answering 500"
t_standin_start "$dir/fail" "$SINK/_standin/sink/fail?status=500"
new_conversation
api POST "/v1/Conversations/$conv/Participants" -d Identity=alice
ctl POST /_standin/inbound -d "ConversationSid=$conv" -d From=alice -d Body=x
expect 201
same "$(field .webhook.fired)" true
same "$(field .webhook.status)" 500
msg=$(field .sid)
record "$msg"
same "$(field .webhook_status)" 500
t_standin_stop

step "a webhook target that never answers: the timeout (-T 1 here, Twilio's 5 s)"
T_STANDIN_OPTS="-T 1"
t_standin_start "$dir/hang" "$SINK/_standin/sink/hang?status=hang"
T_STANDIN_OPTS=
new_conversation
api POST "/v1/Conversations/$conv/Participants" -d Identity=alice
ctl POST /_standin/inbound -d "ConversationSid=$conv" -d From=alice -d Body=x
expect 201
same "$(field .webhook.fired)" true
same "$(field .webhook.status)" null
grep -q "webhook onMessageAdded for $(field .sid): no answer" "$T_STANDIN_LOG" \
    || t_fail "$what: no log line: $(cat "$T_STANDIN_LOG")"
t_standin_stop

step "a webhook target that refuses connections"
t_standin_start "$dir/refused" "http://127.0.0.1:1/hook"
new_conversation
api POST "/v1/Conversations/$conv/Participants" -d Identity=alice
ctl POST /_standin/inbound -d "ConversationSid=$conv" -d From=alice -d Body=x
expect 201
same "$(field .webhook.fired)" true
same "$(field .webhook.status)" null
t_standin_stop

step "no webhook URL: nothing fires"
t_standin_start "$dir/none"
new_conversation
api POST "/v1/Conversations/$conv/Participants" -d Identity=alice
ctl POST /_standin/inbound -d "ConversationSid=$conv" -d From=alice -d Body=x
expect 201
same "$(field .webhook.fired)" false
same "$(field .webhook.status)" null
t_standin_stop

step "a webhook URL the stand-in cannot use"
"$BIN/tests/twilio-standin" -a "$T_STANDIN_ACCOUNT" -t "$T_STANDIN_TOKEN_FILE" \
    -w "https://example.com/hook" 2>"$T_WORK/err" && t_fail "$what: started"
grep -q "not an http://" "$T_WORK/err" || t_fail "$what: $(cat "$T_WORK/err")"

t_standin_stop "$SINK_PID"
t_pass
