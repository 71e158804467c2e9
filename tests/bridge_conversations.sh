#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# POST /v1/conversations against the Twilio stand-in: a conversation is
# created with both participants and their role attributes; the same
# request again is the same conversation; proxy numbers come from the pool,
# 50416 moves on and an exhausted pool answers 409; closing a conversation
# frees its number; a start that failed half-way (Twilio 500s, a hang, a
# conversation made by an earlier crashed attempt) is completed by the next
# request without duplicates; Twilio down answers 503 with Retry-After.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

command -v jq >/dev/null || t_fail "jq not installed (run make deps)"
dir=$(t_tmpdir conversations)
t_standin_start "$dir"
t_bridge_start "$dir" "$T_STANDIN_URL" "$T_STANDIN_ACCOUNT" "$T_STANDIN_TOKEN_FILE" <<CF
sms_proxy_numbers = +15005550001 +15005550002
whatsapp_proxy_numbers = +15005550009
conversation_inactive_timer = 1d
conversation_closed_timer = 2d
twilio_retry_limit = 3
twilio_maximal_retry_delay = 1s
twilio_request_timeout = 2s
CF

# api JSON: POST /v1/conversations; sets $code (HTTP status) and $body file.
body="$T_WORK/body"
api() {
    code=$(curl -s -o "$body" -D "$T_WORK/headers" -w '%{http_code}' \
        -H "Authorization: Bearer $T_BRIDGE_API_TOKEN" \
        -H 'Content-Type: application/json' --data-binary "$1" \
        "$T_BRIDGE_URL/v1/conversations") || t_fail "curl to the bridge failed"
}
jbody() { jq -r "$1" "$body"; }
standin() { curl -s "$T_STANDIN_URL$1"; }
fault() {
    curl -s -o /dev/null -d "Operation=$1" -d "Fault=$2" -d "Count=$3" \
        ${4:+-d "RetryAfter=$4"} "$T_STANDIN_URL/_standin/faults" \
        || t_fail "cannot set a fault"
}
# participants SID: the stand-in's participants of a conversation, one
# "identity|address proxy role" line each, sorted.
participants() {
    standin /_standin/conversations | jq -r --arg sid "$1" '
        .conversations[] | select(.sid == $sid) | .participants[] |
        "\(.identity // .messaging_binding.address) \(.messaging_binding.proxy_address // "-") \(.attributes | fromjson | .role)"' | sort
}
posts() { standin /_standin/requests | jq '[.requests[] | select(.method == "POST")] | length'; }

req() {   # req SEEKER CONTACT LISTING [PHONE [SEEKER-EXTRA]]
    printf '{"seeker":{"id":"%s","name":"Ann Example","email":"ann@example.org","sms":"%s","chat":true%s},"building_contact":{"id":"%s","name":"Bob Builder","email":"bob@example.net"},"listing":{"id":"%s","title":"Unit 4B"}}' \
        "$1" "${4:-+14155550123}" "${5:-}" "$2" "$3"
}
close() {
    curl -s -o /dev/null -w '%{http_code}' -u "$T_STANDIN_ACCOUNT:$(cat "$T_STANDIN_TOKEN_FILE")" \
        -d State=closed "$T_STANDIN_URL/v1/Conversations/$1" | grep -q 200 \
        || t_fail "cannot close conversation $1 at the stand-in"
}

# 1. A new conversation.
api "$(req s1 bc1 L1)"
[ "$code" = 201 ] || t_fail "first start: HTTP $code, want 201: $(cat "$body")"
sid=$(jbody .conversation_sid)
echo "$sid" | grep -Eq '^CH[0-9a-f]{32}$' || t_fail "no conversation SID: $(cat "$body")"
[ "$(jbody .unique_name)" = "postmask:s1:bc1:L1" ] || t_fail "unique name: $(jbody .unique_name)"
proxy=$(jbody .proxy_address)
t_expect 0 "$BIN/postmaskctl" -c "$T_BRIDGE_DIR" address decode "$proxy"
[ "$T_OUT" = "$sid" ] || t_fail "proxy address $proxy decodes to $T_OUT, not $sid"
[ "$(jbody '[.participants[] | "\(.role)/\(.channel)"] | join(",")')" = \
  "building_contact/email,seeker/chat,seeker/sms" ] \
    || t_fail "participants in the answer: $(jbody .participants)"
sms_proxy=$(jbody '.participants[] | select(.channel == "sms") | .proxy_address')
case $sms_proxy in +15005550001|+15005550002) ;; *) t_fail "SMS proxy $sms_proxy is not from the pool" ;; esac
want="+14155550123 $sms_proxy seeker
bc_bc1 - building_contact
seeker_s1 - seeker"
[ "$(participants "$sid")" = "$want" ] || t_fail "stand-in participants: $(participants "$sid"), want $want"
conv=$(standin /_standin/conversations | jq -c --arg sid "$sid" '.conversations[] | select(.sid == $sid)')
[ "$(echo "$conv" | jq -r '.attributes | fromjson | .listing_title')" = "Unit 4B" ] \
    || t_fail "conversation attributes: $conv"
[ "$(echo "$conv" | jq -r .friendly_name)" = "Ann Example and Bob Builder: Unit 4B" ] \
    || t_fail "friendly name: $conv"
echo "$conv" | jq -e '.timers.date_inactive != null and .timers.date_closed != null' >/dev/null \
    || t_fail "timers not set: $conv"
attrs=$(standin /_standin/conversations | jq -r --arg sid "$sid" \
    '.conversations[] | select(.sid == $sid) | .participants[] | select(.identity == "bc_bc1") | .attributes')
[ "$(echo "$attrs" | jq -r '.role + " " + .email + " " + .name')" = \
  "building_contact bob@example.net Bob Builder" ] || t_fail "contact attributes: $attrs"

# 2. The same request again: the same conversation, nothing created.
before=$(posts)
api "$(req s1 bc1 L1)"
[ "$code" = 200 ] || t_fail "repeated start: HTTP $code, want 200: $(cat "$body")"
[ "$(jbody .conversation_sid)" = "$sid" ] || t_fail "repeated start gave another conversation"
[ "$(posts)" = "$before" ] || t_fail "repeated start made Twilio POSTs"

# 3. The same seeker with two more building contacts: the second gets the
# other pool number; the third finds the pool exhausted (409) and is
# reported with its conversation; closing the first frees a number.
api "$(req s1 bc2 L1)"
[ "$code" = 201 ] || t_fail "second contact: HTTP $code: $(cat "$body")"
sid2=$(jbody .conversation_sid)
proxy2=$(jbody '.participants[] | select(.channel == "sms") | .proxy_address')
[ -n "$proxy2" ] && [ "$proxy2" != "$sms_proxy" ] \
    || t_fail "second conversation reuses proxy number $proxy2"
api "$(req s1 bc3 L1)"
[ "$code" = 409 ] || t_fail "exhausted pool: HTTP $code, want 409: $(cat "$body")"
[ "$(jbody .error)/$(jbody .field)/$(jbody .incomplete)" = "proxy_numbers_exhausted/seeker.sms/true" ] \
    || t_fail "exhausted pool answer: $(cat "$body")"
sid3=$(jbody .conversation_sid)
echo "$sid3" | grep -Eq '^CH' || t_fail "the half-made conversation is not reported: $(cat "$body")"
grep -q "$sid3: conversation incomplete: seeker.sms: every proxy number" "$T_BRIDGE_LOG" \
    || t_fail "no log line for the exhausted pool"
close "$sid"
api "$(req s1 bc3 L1)"
[ "$code" = 200 ] || t_fail "after closing one: HTTP $code, want 200: $(cat "$body")"
[ "$(jbody .conversation_sid)" = "$sid3" ] || t_fail "the half-made conversation was not completed"
[ "$(jbody '.participants[] | select(.channel == "sms") | .proxy_address')" = "$sms_proxy" ] \
    || t_fail "the freed number was not given: $(cat "$body")"

# 4. A closed conversation is not reused: the next generation starts.
close "$sid2"
api "$(req s1 bc1 L1)"
[ "$code" = 201 ] || t_fail "after close: HTTP $code, want 201: $(cat "$body")"
[ "$(jbody .unique_name)" = "postmask:s1:bc1:L1:2" ] || t_fail "generation 2: $(cat "$body")"

# 5. Twilio failing half-way: every create_participant answers 500 until the
# client gives up (503, Retry-After, incomplete); the next request
# completes the conversation without duplicates.
fault create_participant 500 4      # the first try and 3 retries
api "$(req s2 bc1 L2 +14155550200 ',"whatsapp":"+14155550124"')"
[ "$code" = 503 ] || t_fail "Twilio 500s: HTTP $code, want 503: $(cat "$body")"
grep -qi '^Retry-After: [1-9]' "$T_WORK/headers" || t_fail "503 without Retry-After"
[ "$(jbody .error)/$(jbody .incomplete)" = "twilio_unavailable/true" ] || t_fail "503 body: $(cat "$body")"
sid4=$(jbody .conversation_sid)
fault create_participant 500 1      # one more: retried invisibly
fault fetch_conversation 429 2 1    # rate-limited: Retry-After honoured
api "$(req s2 bc1 L2 +14155550200 ',"whatsapp":"+14155550124"')"
[ "$code" = 200 ] || t_fail "completing after 500s: HTTP $code, want 200: $(cat "$body")"
[ "$(jbody .conversation_sid)" = "$sid4" ] || t_fail "completion made another conversation"
got=$(participants "$sid4" | sed 's/^+14155550200 +1500555000[12] seeker$/SMS/')
want="SMS
bc_bc1 - building_contact
seeker_s2 - seeker
whatsapp:+14155550124 whatsapp:+15005550009 seeker"
[ "$got" = "$want" ] || t_fail "participants after completion: $(participants "$sid4")"

# 6. A conversation made by an attempt that crashed before adding anyone
# (created here straight at Twilio) is found and completed: 200.
curl -s -o /dev/null -u "$T_STANDIN_ACCOUNT:$(cat "$T_STANDIN_TOKEN_FILE")" \
    --data-urlencode "UniqueName=postmask:s3:bc1:L3" "$T_STANDIN_URL/v1/Conversations"
api "$(req s3 bc1 L3 +14155550300)"
[ "$code" = 200 ] || t_fail "crash leftover: HTTP $code, want 200: $(cat "$body")"
[ "$(participants "$(jbody .conversation_sid)" | wc -l)" = 3 ] \
    || t_fail "crash leftover not completed: $(participants "$(jbody .conversation_sid)")"

# 7. A hang on create_conversation: the client times out and retries; one
# conversation results.
fault create_conversation hang 1
api "$(req s4 bc1 L4 +14155550400)"
[ "$code" = 201 ] || [ "$code" = 200 ] || t_fail "after a hang: HTTP $code: $(cat "$body")"
n=$(standin /_standin/conversations | jq '[.conversations[] | select(.unique_name == "postmask:s4:bc1:L4")] | length')
[ "$n" = 1 ] || t_fail "$n conversations after a hang"

# 8. Bad requests and tokens never reach Twilio.
before=$(posts)
api '{"seeker":{"id":"s9","name":"A","sms":"+14155550123"},"building_contact":{"id":"b9","name":"B"}}'
[ "$code/$(jbody .field)" = "400/building_contact.email" ] || t_fail "no contact email: $code $(cat "$body")"
api '{"seeker":{"id":"s9","name":"A","sms":"4155550123"},"building_contact":{"id":"b9","name":"B","email":"b@example.net"}}'
[ "$code/$(jbody .field)" = "400/seeker.sms" ] || t_fail "bad E.164: $code $(cat "$body")"
api '{"seeker":{"id":"s9","name":"A","sms":"+14155550123","age":3},"building_contact":{"id":"b9","name":"B","email":"b@example.net"}}'
[ "$code/$(jbody .error)/$(jbody .field)" = "400/unknown_field/seeker.age" ] || t_fail "unknown field: $code $(cat "$body")"
api '{"seeker":'
[ "$code/$(jbody .error)" = "400/invalid_json" ] || t_fail "invalid JSON: $code $(cat "$body")"
code=$(curl -s -o "$body" -w '%{http_code}' -H 'Authorization: Bearer wrong' \
    --data-binary "$(req s1 bc1 L1)" "$T_BRIDGE_URL/v1/conversations")
[ "$code/$(jbody .error)" = "401/unauthorized" ] || t_fail "wrong token: $code $(cat "$body")"
code=$(curl -s -o "$body" -w '%{http_code}' --data-binary "$(req s1 bc1 L1)" \
    "$T_BRIDGE_URL/v1/conversations")
[ "$code" = 401 ] || t_fail "no token: $code"
[ "$(posts)" = "$before" ] || t_fail "refused requests reached Twilio"

# 9. The metrics saw it all.
metrics=$(curl -s "$T_BRIDGE_URL/metrics")
echo "$metrics" | grep -q '^postmask_http_requests_total{route="conversations",status="409"} 1$' \
    || t_fail "metrics: no 409 counted: $metrics"
echo "$metrics" | grep -Eq '^postmask_twilio_retries_total\{operation="create_participant"\} [1-9]' \
    || t_fail "metrics: no retries counted"

# 10. Twilio gone: 503 with Retry-After.
kill "$T_STANDIN_PID"; wait "$T_STANDIN_PID" 2>/dev/null; T_STANDIN_PID=
api "$(req s5 bc1 L5 +14155550500)"
[ "$code/$(jbody .error)" = "503/twilio_unavailable" ] || t_fail "Twilio down: $code $(cat "$body")"
grep -qi '^Retry-After: [1-9]' "$T_WORK/headers" || t_fail "503 without Retry-After"
t_bridge_stop

t_pass
