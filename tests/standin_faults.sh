#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Faults injected into the Twilio stand-in: 429 with Retry-After and
# Twilio's 20429 body, 503 (20503), 500 (20500), 404 (20404), slow (held,
# then carried out with what is true when it runs), hang (the client's timeout
# fires: curl --max-time), hang after applying the request; Count, "any",
# matching by operation, faults surviving unauthenticated calls, reset,
# refused fault requests; and a clean exit with requests and webhooks still
# in flight.
. "$SRC/tests/lib.sh"
. "$SRC/tests/standin_lib.sh"

dir=$(t_tmpdir standin-faults)
t_standin_start "$dir/sink"
SINK=$T_STANDIN_URL
SINK_PID=$T_STANDIN_PID
t_standin_start "$dir/main"

# fault OPERATION FAULT COUNT [RETRY_AFTER]
fault() {
    ctl POST /_standin/faults -d "Operation=$1" -d "Fault=$2" -d "Count=$3" ${4:+-d "RetryAfter=$4"}
    expect 201
}

# count OPERATION STATUS: requests of the log with that operation and status.
count() {
    ctl GET /_standin/requests
    field "[.requests[] | select(.operation == \"$1\" and (.status|tostring) == \"$2\")] | length"
}

new_conversation
c1=$conv

step "429 twice, with Retry-After, then the call goes through"
fault create_message 429 2 7
for i in 1 2; do
    api POST "/v1/Conversations/$c1/Messages" -d Body=x
    expect 429 20429 "Too Many Requests"
    echo "$headers" | grep -qi '^Retry-After: 7$' || t_fail "$what: no Retry-After: $headers"
done
api POST "/v1/Conversations/$c1/Messages" -d Body=x
expect 201
same "$(count create_message 429)" 2
same "$(count create_message 201)" 1
ctl GET "/_standin/conversations/$c1/messages"
same "$(field '.messages | length')" 1

step "503 with Retry-After; 500 without"
fault fetch_conversation 503 1 3
api GET "/v1/Conversations/$c1"
expect 503 20503
echo "$headers" | grep -qi '^Retry-After: 3$' || t_fail "$what: no Retry-After: $headers"
fault fetch_conversation 500 1 3
api GET "/v1/Conversations/$c1"
expect 500 20500
echo "$headers" | grep -qi '^Retry-After' && t_fail "$what: Retry-After on a 500"
fault fetch_conversation 429 1
api GET "/v1/Conversations/$c1"
expect 429 20429
echo "$headers" | grep -qi '^Retry-After' && t_fail "$what: Retry-After without RetryAfter"
api GET "/v1/Conversations/$c1"
expect 200

step "404: the resource is gone for that one call"
fault fetch_conversation 404 1 9
api GET "/v1/Conversations/$c1"
expect 404 20404 "was not found"
echo "$headers" | grep -qi '^Retry-After' && t_fail "$what: Retry-After on a 404"
api GET "/v1/Conversations/$c1"
expect 200

step "slow: held for Delay seconds, then carried out as it stands then"
ctl POST /_standin/faults -d Operation=fetch_conversation -d Fault=slow -d Delay=2
expect 201
same "$(field .delay)" 2
curl -s -o "$T_WORK/slow.json" -w '%{http_code}' -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    "$T_STANDIN_URL/v1/Conversations/$c1" > "$T_WORK/slow.code" &
slow_pid=$!
i=0
until grep -q "GET /v1/Conversations/$c1 -> slow 2s op=fetch_conversation" "$T_STANDIN_LOG"; do
    i=$((i + 1)); [ $i -lt 100 ] || t_fail "$what: no slow log line"; sleep 0.1
done
# Other requests go on meanwhile; the held one sees their effect.
api POST "/v1/Conversations/$c1" -d FriendlyName=renamed-while-held
expect 200
wait "$slow_pid"
same "$(cat "$T_WORK/slow.code")" 200
same "$(jq -r .friendly_name "$T_WORK/slow.json")" renamed-while-held
grep -q "GET /v1/Conversations/$c1 -> 200 op=fetch_conversation (injected fault slow)" "$T_STANDIN_LOG" \
    || t_fail "$what: no answer log line"

step "a fault waits for its operation"
fault list_messages 500 1
api GET "/v1/Conversations/$c1"
expect 200
api POST "/v1/Conversations/$c1/Participants" -d Identity=a
expect 201
api GET "/v1/Conversations/$c1/Messages"
expect 500 20500
api GET "/v1/Conversations/$c1/Messages"
expect 200

step "an unauthenticated call does not use up a fault"
fault list_participants 503 1
code=$(curl -s -o /dev/null -w '%{http_code}' "$T_STANDIN_URL/v1/Conversations/$c1/Participants")
same "$code" 401
api GET "/v1/Conversations/$c1/Participants"
expect 503 20503

step "any operation"
fault any 500 2
api GET /v1/Conversations
expect 500 20500
api POST /v1/Services/IS00000000000000000000000000000000/Media -H "Content-Type: text/plain" -d x
expect 500 20500
api GET /v1/Conversations
expect 200

step "hang: the client times out, the next call is answered"
fault fetch_conversation hang 1
api GET "/v1/Conversations/$c1" --max-time 1
same "$code" "curl exit 28"
api GET "/v1/Conversations/$c1"
expect 200
grep -q "GET /v1/Conversations/$c1 -> hang op=fetch_conversation" "$T_STANDIN_LOG" \
    || t_fail "$what: no hang log line"
same "$(count fetch_conversation null)" 1

step "hang_applied: no answer, but the conversation exists"
fault create_conversation hang_applied 1
api POST /v1/Conversations -d UniqueName=applied --max-time 1
same "$code" "curl exit 28"
api GET /v1/Conversations/applied
expect 200

step "refused fault requests"
ctl POST /_standin/faults -d Operation=create_everything -d Fault=500
expect 400 20001 "unknown Operation"
ctl POST /_standin/faults -d Operation=any -d Fault=418
expect 400 20001 "unknown Fault"
ctl POST /_standin/faults -d Operation=any -d Fault=500 -d Count=0
expect 400 20001 "Count"
ctl POST /_standin/faults -d Operation=any -d Fault=429 -d RetryAfter=soon
expect 400 20001 "RetryAfter"
ctl POST /_standin/faults -d Fault=429
expect 400 20001 "required"
ctl POST /_standin/faults -d Operation=any -d Fault=slow
expect 400 20001 "Delay must be 1 to 600"
ctl POST /_standin/faults -d Operation=any -d Fault=slow -d Delay=601
expect 400 20001 "Delay must be 1 to 600"
ctl POST /_standin/faults -d Operation=any -d Fault=500 -d Delay=2
expect 400 20001 "Delay is for Fault slow only"
ctl POST /_standin/faults -d Operation=any -d Fault=slow -d Delay=-1
expect 400 20001 "Delay must be a positive number"
ctl GET /_standin/nothing
expect 404 20404

step "reset forgets faults and answers a request a slow fault holds"
ctl POST /_standin/faults -d Operation=create_conversation -d Fault=slow -d Delay=60
expect 201
curl -s -o "$T_WORK/held.json" -w '%{http_code}' --max-time 20 -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    -d UniqueName=held-over-reset "$T_STANDIN_URL/v1/Conversations" > "$T_WORK/held.code" &
held_pid=$!
i=0
until grep -q "POST /v1/Conversations -> slow 60s" "$T_STANDIN_LOG"; do
    i=$((i + 1)); [ $i -lt 100 ] || t_fail "$what: no slow log line"; sleep 0.1
done
fault any 500 5
ctl POST /_standin/reset
expect 204
wait "$held_pid"
same "$(cat "$T_WORK/held.code")" 503
same "$(jq -r .message "$T_WORK/held.json")" "Service Unavailable (stand-in reset)"
api GET /v1/Conversations
expect 200
same "$(field '.conversations | length')" 0

step "stopping with a request hanging and one held by a slow fault"
fault list_conversations hang 1
ctl POST /_standin/faults -d Operation=fetch_conversation -d Fault=slow -d Delay=60
expect 201
curl -s -o /dev/null --max-time 20 -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    "$T_STANDIN_URL/v1/Conversations" &
curl_pid=$!
curl -s -o /dev/null -w '%{http_code}' --max-time 20 -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    "$T_STANDIN_URL/v1/Conversations/$c1" > "$T_WORK/held.code" &
held_pid=$!
i=0
until grep -q "GET /v1/Conversations -> hang" "$T_STANDIN_LOG" \
    && grep -q "GET /v1/Conversations/$c1 -> slow 60s" "$T_STANDIN_LOG"; do
    i=$((i + 1))
    [ $i -lt 100 ] || t_fail "$what: the requests never arrived"
    sleep 0.1
done
t_standin_stop
wait $curl_pid
wait $held_pid
same "$(cat "$T_WORK/held.code")" 503

step "stopping with a webhook in flight"
t_standin_start "$dir/webhook" "$SINK/_standin/sink/hang?status=hang"
new_conversation
api POST "/v1/Conversations/$conv/Participants" -d Identity=alice
expect 201
curl -s -o "$T_WORK/inbound" --max-time 20 -d "ConversationSid=$conv" -d From=alice -d Body=x \
    "$T_STANDIN_URL/_standin/inbound" &
curl_pid=$!
i=0
until grep -q "webhook onMessageAdded for IM.*: POST" "$T_STANDIN_LOG"; do
    i=$((i + 1))
    [ $i -lt 100 ] || t_fail "$what: the webhook never started"
    sleep 0.1
done
t_standin_stop
wait $curl_pid || t_fail "$what: the inbound request was not answered"
same "$(jq -r .webhook.fired "$T_WORK/inbound")" true
same "$(jq -r .webhook.status "$T_WORK/inbound")" null

t_standin_stop "$SINK_PID"
t_pass
