#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Twilio stand-in's global webhook configuration,
# /v1/Configuration/Webhooks: fetch shows the -w URL; an update of
# PostWebhookUrl moves the next onMessageAdded webhook from one receiver to
# another (two sinks, as two bridges), signed over the NEW URL (checked
# here independently with python3's hmac); Filters without onMessageAdded
# stop the webhooks, an empty PostWebhookUrl too; what the stand-in does
# not do (Method GET, Target flex, a pre-event URL) and bad values are
# refused with 400 and change nothing; Basic auth is required.
. "$SRC/tests/lib.sh"
. "$SRC/tests/standin_lib.sh"
command -v python3 >/dev/null || t_fail "python3 is not installed"

dir=$(t_tmpdir standin-config-webhooks)
CFG=/v1/Configuration/Webhooks

# signature_of URL TOKEN BODY: Twilio's X-Twilio-Signature of a form POST
# (FACTS.md 4: the URL, then each name and value sorted by name, HMAC-SHA1
# with the auth token, base64).
signature_of() {
    python3 -c '
import base64, hashlib, hmac, sys, urllib.parse
url, token, body = sys.argv[1:4]
pairs = sorted(urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=True))
data = url + "".join(n + v for n, v in pairs)
print(base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode())
' "$1" "$2" "$3"
}

# sink_json SINK_URL: what that sink received, into $T_WORK/sink.
sink_json() {
    curl -s -o "$T_WORK/sink" "$1/_standin/sink" || t_fail "$what: the sink did not answer"
}

# sink_count SINK_URL: how many requests that sink received.
sink_count() {
    sink_json "$1"
    jq -r '.requests | length' "$T_WORK/sink"
}

# check_last SINK_URL HOOK_URL MESSAGE_SID: the sink's last request is the
# webhook of MESSAGE_SID, sent to HOOK_URL and signed over it.
check_last() {
    sink_json "$1"
    cl_path=$(jq -r '.requests[-1].path' "$T_WORK/sink")
    cl_sig=$(jq -r '.requests[-1].signature' "$T_WORK/sink")
    cl_body=$(jq -r '.requests[-1].body' "$T_WORK/sink")
    same "http://127.0.0.1:${1##*:}$cl_path" "$2"
    case $cl_body in
    *"MessageSid=$3"*) ;;
    *) t_fail "$what: the sink's last request is not the webhook of $3: $cl_body" ;;
    esac
    same "$cl_sig" "$(signature_of "$2" "$token" "$cl_body")"
}

# inbound: a message from the SMS participant; sets $msg and $fired.
inbound() {
    ctl POST /_standin/inbound -d "ConversationSid=$conv" --data-urlencode "From=+15558675310" \
        --data-urlencode "Body=${1:-hello}"
    expect 201
    msg=$(field .sid)
    fired=$(field .webhook.fired)
}

# config_is POST_URL FILTERS: the configuration fetched now has this
# post_webhook_url ("null" for none) and these filters (comma-separated).
config_is() {
    api GET "$CFG"
    expect 200
    same "$(field .post_webhook_url)" "$1"
    same "$(field '.filters | join(",")')" "$2"
}

# Two receivers, as the old and the new bridge, then the stand-in under
# test sending to the first.
t_standin_start "$dir/sink-a"
SINK_A=$T_STANDIN_URL
SINK_A_PID=$T_STANDIN_PID
t_standin_start "$dir/sink-b"
SINK_B=$T_STANDIN_URL
SINK_B_PID=$T_STANDIN_PID
HOOK_A="$SINK_A/_standin/sink/bridge-a/twilio?v=1"
HOOK_B="$SINK_B/_standin/sink/bridge-b/twilio"
t_standin_start "$dir/main" "$HOOK_A"
token=$T_STANDIN_TOKEN

step "the configuration needs Basic auth"
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' "$T_STANDIN_URL$CFG")
body=$(cat "$T_WORK/body")
expect 401 20003
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -X POST -u "$T_STANDIN_ACCOUNT:wrong" \
    --data-urlencode "PostWebhookUrl=$HOOK_B" "$T_STANDIN_URL$CFG")
body=$(cat "$T_WORK/body")
expect 401 20003
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "$T_STANDIN_KEY:$T_STANDIN_KEY_SECRET" \
    "$T_STANDIN_URL$CFG")
body=$(cat "$T_WORK/body")
expect 200

step "fetch: the -w URL and Twilio's fields"
api GET "$CFG"
expect 200
same "$(field '[keys[]] | join(" ")')" \
    "account_sid filters method post_webhook_url pre_webhook_url target url"
same "$(field .account_sid)" "$T_STANDIN_ACCOUNT"
same "$(field .method)" POST
same "$(field '.filters | tojson')" '["onMessageAdded"]'
same "$(field .pre_webhook_url)" null
same "$(field .post_webhook_url)" "$HOOK_A"
same "$(field .target)" webhook
same "$(field .url)" "$T_STANDIN_URL$CFG"

new_conversation
api POST "/v1/Conversations/$conv/Participants" --data-urlencode "MessagingBinding.Address=+15558675310" \
    --data-urlencode "MessagingBinding.ProxyAddress=+15017122661"
expect 201

step "before the move: the webhook goes to the first receiver"
inbound first
same "$fired" true
same "$(sink_count "$SINK_A")" 1
same "$(sink_count "$SINK_B")" 0
check_last "$SINK_A" "$HOOK_A" "$msg"

step "update PostWebhookUrl: answered with the new configuration"
api POST "$CFG" --data-urlencode "PostWebhookUrl=$HOOK_B"
expect 200
same "$(field .post_webhook_url)" "$HOOK_B"
same "$(field .method)" POST
same "$(field '.filters | tojson')" '["onMessageAdded"]'
same "$(field .target)" webhook
config_is "$HOOK_B" onMessageAdded

step "after the move: the webhook goes to the second receiver, signed over its URL"
inbound second
same "$fired" true
same "$(sink_count "$SINK_A")" 1
same "$(sink_count "$SINK_B")" 1
check_last "$SINK_B" "$HOOK_B" "$msg"
[ "$cl_sig" != "$(signature_of "$HOOK_A" "$token" "$cl_body")" ] \
    || t_fail "$what: signed over the old URL"
grep -q "webhook onMessageAdded for $msg: POST $HOOK_B" "$T_STANDIN_LOG" \
    || t_fail "$what: no log line for the new target"

step "refusals: 400, Twilio's error, the reason, nothing changed"
api POST "$CFG" -d Method=GET
expect 400 20001 "POST webhooks only"
api POST "$CFG" --data-urlencode "PostWebhookUrl=$HOOK_A" -d Method=GET
expect 400 20001 "POST webhooks only"
api POST "$CFG" -d Method=PUT
expect 400 20001 "Method"
api POST "$CFG" -d Target=flex
expect 400 20001 "Flex"
api POST "$CFG" -d Target=studio
expect 400 20001 "Target"
api POST "$CFG" --data-urlencode "PreWebhookUrl=$HOOK_A"
expect 400 20001 "no pre-event webhooks"
api POST "$CFG" --data-urlencode "PostWebhookUrl=https://example.com/hook"
expect 400 20001 "not an http://"
api POST "$CFG" --data-urlencode "PostWebhookUrl=not a url"
expect 400 20001 "PostWebhookUrl"
api POST "$CFG" -d Filters=onMessageAdded -d Filters=onBogus
expect 400 20001 "onBogus"
api POST "$CFG" -d FriendlyName=x
expect 400 20001 "FriendlyName"
config_is "$HOOK_B" onMessageAdded

step "what the stand-in does is accepted"
api POST "$CFG" -d Method=POST -d Target=webhook -d PreWebhookUrl=
expect 200
same "$(field .pre_webhook_url)" null
config_is "$HOOK_B" onMessageAdded

step "Filters without onMessageAdded: no webhook"
api POST "$CFG" -d Filters=onMessageUpdated -d Filters=onParticipantAdded
expect 200
same "$(field '.filters | tojson')" '["onMessageUpdated","onParticipantAdded"]'
same "$(field .post_webhook_url)" "$HOOK_B"
inbound filtered
same "$fired" false
same "$(field .webhook.status)" null
same "$(sink_count "$SINK_A")" 1
same "$(sink_count "$SINK_B")" 1
grep -q "webhook onMessageAdded for $msg: not in the configured filters" "$T_STANDIN_LOG" \
    || t_fail "$what: no log line"
api POST "/v1/Conversations/$conv/Messages" -d Body=rest -H "X-Twilio-Webhook-Enabled: true"
expect 201
same "$(sink_count "$SINK_B")" 1

step "Filters with onMessageAdded again: webhooks fire"
api POST "$CFG" -d Filters=onMessageAdded -d Filters=onMessageUpdated
expect 200
inbound refiltered
same "$fired" true
same "$(sink_count "$SINK_B")" 2
check_last "$SINK_B" "$HOOK_B" "$msg"

step "an empty PostWebhookUrl: no target, no webhook"
api POST "$CFG" -d PostWebhookUrl=
expect 200
same "$(field .post_webhook_url)" null
config_is null onMessageAdded,onMessageUpdated
inbound unset
same "$fired" false
same "$(sink_count "$SINK_A")" 1
same "$(sink_count "$SINK_B")" 2

step "back to the first receiver"
api POST "$CFG" --data-urlencode "PostWebhookUrl=$HOOK_A"
expect 200
inbound back
same "$fired" true
same "$(sink_count "$SINK_A")" 2
check_last "$SINK_A" "$HOOK_A" "$msg"

step "the stand-in stops cleanly"
t_standin_stop

step "without -w: fetch says null, an update sets a target"
t_standin_start "$dir/none"
api GET "$CFG"
expect 200
same "$(field .post_webhook_url)" null
new_conversation
api POST "/v1/Conversations/$conv/Participants" --data-urlencode "MessagingBinding.Address=+15558675310" \
    --data-urlencode "MessagingBinding.ProxyAddress=+15017122661"
expect 201
inbound none
same "$fired" false
api POST "$CFG" --data-urlencode "PostWebhookUrl=$HOOK_B"
expect 200
inbound set
same "$fired" true
same "$(sink_count "$SINK_B")" 3
check_last "$SINK_B" "$HOOK_B" "$msg"
t_standin_stop

t_standin_stop "$SINK_B_PID"
t_standin_stop "$SINK_A_PID"
t_pass
