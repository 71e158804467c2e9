#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The bridge's HTTP API as a client sees it, against the real daemon:
# /healthz, /metrics (format, counters that move), bearer tokens (401 with
# WWW-Authenticate), JSON errors (400 naming the field, 404, 405 with
# Allow, 413), a chat token verified here with openssl and base64 alone,
# 501 when chat tokens are off, the connection limit (a further client is
# let in by closing the oldest idle connection), the idle-client timeout, the
# log line of each answer, and start-up refusing a missing API key secret.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

command -v jq >/dev/null || t_fail "jq not installed (run make deps)"
ACCOUNT=AC0123456789abcdef0123456789abcdef
KEY_SID=SKfedcba9876543210fedcba9876543210
SERVICE=IS00112233445566778899aabbccddeeff
KEY_SECRET=test-api-key-secret-$$
dir=$(t_tmpdir bridge-http)
(umask 077
 echo twilio-auth-token > "$dir/auth_token"
 echo "$KEY_SECRET" > "$dir/api_key_secret")

t_bridge_start "$dir" http://127.0.0.1:9 "$ACCOUNT" "$dir/auth_token" <<CF
twilio_api_key_sid = $KEY_SID
twilio_api_key_secret_file = $dir/api_key_secret
twilio_chat_service_sid = $SERVICE
chat_token_ttl = 2h
bridge_request_size_limit = 1024
bridge_connection_limit = 3
catchup_interval = 0
CF
port=${T_BRIDGE_URL##*:}
body="$T_WORK/body"
headers="$T_WORK/headers"

# call METHOD PATH [CURL-ARGS...]: sets $code; the body is in $body, the
# response headers in $headers.
call() {
    c_method=$1 c_path=$2
    shift 2
    code=$(curl -s -X "$c_method" -o "$body" -D "$headers" -w '%{http_code}' \
        "$@" "$T_BRIDGE_URL$c_path") || t_fail "curl $c_method $c_path failed"
}
header() {      # header NAME: the value of a response header
    tr -d '\r' < "$headers" | sed -n "s/^$1: //Ip" | head -1
}
jbody() { jq -r "$1" "$body"; }
expect_error() {   # expect_error STATUS CODE FIELD: a JSON error answer
    [ "$code" = "$1" ] || t_fail "status $code, want $1: $(cat "$body")"
    [ "$(header Content-Type)" = application/json ] \
        || t_fail "error is not JSON: $(header Content-Type)"
    [ "$(jbody .error)" = "$2" ] || t_fail "error $(jbody .error), want $2: $(cat "$body")"
    [ "$(jbody '.message | type')" = string ] || t_fail "no message: $(cat "$body")"
    [ "$(jbody '.field // "-"')" = "$3" ] \
        || t_fail "field $(jbody '.field // "-"'), want $3: $(cat "$body")"
}
auth="Authorization: Bearer $T_BRIDGE_API_TOKEN"
tokens() {      # tokens JSON: POST /v1/chat-tokens with the API token
    call POST /v1/chat-tokens -H "$auth" -H 'Content-Type: application/json' \
        --data-binary "$1"
}

# 1. /healthz and /metrics, without a token.
call GET /healthz
[ "$code" = 200 ] || t_fail "/healthz: $code $(cat "$body")"
[ "$(jbody .status)" = ok ] || t_fail "/healthz: $(cat "$body")"
[ "$(jbody '.spool | [.active, .deferred, .hold, .dead] | map(type) | unique | .[]')" = number ] \
    || t_fail "/healthz spool counts: $(cat "$body")"
[ "$(jbody .twilio_pending)" = 0 ] || t_fail "/healthz: $(cat "$body")"
[ "$(jbody .version)" != null ] || t_fail "/healthz: no version"

call GET /metrics
[ "$code" = 200 ] || t_fail "/metrics: $code"
header Content-Type | grep -q '^text/plain; version=0.0.4' \
    || t_fail "/metrics content type: $(header Content-Type)"
# Every line is a HELP or TYPE comment or a sample "name{labels} value".
bad=$(grep -Ev '^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* |^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eE]+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [+-]?(Inf|NaN)$' "$body")
[ -z "$bad" ] || t_fail "/metrics lines not in the exposition format: $bad"
for m in postmask_http_requests_total postmask_http_dropped_replies_total \
         postmask_http_connections postmask_spool_jobs postmask_jobs_in_hand \
         postmask_twilio_requests_total postmask_twilio_retries_total; do
    grep -q "^# TYPE $m " "$body" || t_fail "/metrics has no TYPE for $m"
    grep -q "^# HELP $m " "$body" || t_fail "/metrics has no HELP for $m"
done
grep -q '^postmask_spool_jobs{state="active"} 0$' "$body" \
    || t_fail "/metrics: no spool gauge: $(grep spool "$body")"
grep -q '^postmask_jobs_in_hand{state="working"} 0$' "$body" \
    && grep -q '^postmask_jobs_in_hand{state="parked"} 0$' "$body" \
    || t_fail "/metrics: no jobs-in-hand gauges: $(grep jobs_in_hand "$body")"
metric() {      # metric SERIES: its value in a fresh scrape (0 if absent)
    curl -s "$T_BRIDGE_URL/metrics" | awk -v s="$1" '$1 == s { v = $2 } END { print v + 0 }'
}
series='postmask_http_requests_total{route="healthz",status="200"}'
before=$(metric "$series")
[ "$before" -ge 1 ] || t_fail "healthz not counted: $before"
curl -s -o /dev/null "$T_BRIDGE_URL/healthz"
curl -s -o /dev/null "$T_BRIDGE_URL/healthz"
after=$(metric "$series")
[ "$after" -eq $((before + 2)) ] || t_fail "healthz counter went from $before to $after"

# 2. Bearer tokens.
for path in /v1/chat-tokens /v1/conversations; do
    call POST $path --data-binary '{}'
    expect_error 401 unauthorized -
    [ "$(header WWW-Authenticate)" = Bearer ] || t_fail "$path: no WWW-Authenticate"
    call POST $path -H "Authorization: Bearer wrong-$T_BRIDGE_API_TOKEN" --data-binary '{}'
    expect_error 401 unauthorized -
    call POST $path -H "Authorization: Basic $T_BRIDGE_API_TOKEN" --data-binary '{}'
    expect_error 401 unauthorized -
done
[ "$(metric 'postmask_http_requests_total{route="chat_tokens",status="401"}')" = 3 ] \
    || t_fail "401s not counted under chat_tokens"

# 3. 400: the field at fault.
tokens 'not json';                 expect_error 400 invalid_json -
jbody .message | grep -q 'line 1, column' || t_fail "no position: $(cat "$body")"
tokens '["x"]';                    expect_error 400 invalid_json -
tokens '{}';                       expect_error 400 missing_field identity
tokens '{"identity":5}';           expect_error 400 invalid_field identity
tokens '{"identity":""}';          expect_error 400 invalid_field identity
tokens '{"identity":"ann@example.org"}'; expect_error 400 invalid_field identity
jbody .message | grep -q "'@'" || t_fail "message does not name '@': $(cat "$body")"
tokens '{"identity":"ann smith"}'; expect_error 400 invalid_field identity
tokens '{"identity":"a\tb"}';      expect_error 400 invalid_field identity
tokens '{"identity":"a/b"}';       expect_error 400 invalid_field identity
tokens '{"identity":"s-1","role":"admin"}'; expect_error 400 unknown_field role
tokens '{"identity":"s-1","identity":"s-2"}'; expect_error 400 invalid_json -
long=$(printf '%0257d' 0)
tokens "{\"identity\":\"$long\"}";  expect_error 400 invalid_field identity
tokens "{\"identity\":\"${long#0}\"}"
[ "$code" = 201 ] || t_fail "an identity of 256 characters: $code $(cat "$body")"

# 4. 404, 405 with Allow, 413.
call GET /nothing
expect_error 404 not_found -
call GET /v1/chat-tokens -H "$auth"
expect_error 405 method_not_allowed -
[ "$(header Allow)" = POST ] || t_fail "405 Allow: $(header Allow)"
call DELETE /healthz
expect_error 405 method_not_allowed -
[ "$(header Allow)" = "GET, HEAD" ] || t_fail "405 Allow: $(header Allow)"
printf '{"identity":"%01020d"}' 0 > "$T_WORK/big.json"     # 1035 bytes
call POST /v1/chat-tokens -H "$auth" --data-binary @"$T_WORK/big.json"
expect_error 413 payload_too_large -
printf '{"identity":"%01000d"}' 0 > "$T_WORK/fits.json"    # 1015 bytes
call POST /v1/chat-tokens -H "$auth" --data-binary @"$T_WORK/fits.json"
expect_error 400 invalid_field identity     # within the limit: checked

# 5. A chat token, verified here: signature and every claim.
t0=$(date +%s)
tokens '{"identity":"seeker-1001"}'
t1=$(date +%s)
[ "$code" = 201 ] || t_fail "chat token: $code $(cat "$body")"
[ "$(header Cache-Control)" = no-store ] || t_fail "token answer may be cached"
token=$(jbody .token)
[ "$(jbody .identity)" = seeker-1001 ] || t_fail "identity: $(cat "$body")"
[ "$(jbody .ttl)" = 7200 ] || t_fail "ttl: $(cat "$body")"
b64url_decode() {
    printf '%s' "$1" | tr -- '-_' '+/' | {
        read -r s
        case $(( ${#s} % 4 )) in 2) s="$s==" ;; 3) s="$s=" ;; esac
        printf '%s' "$s" | base64 -d
    }
}
h=${token%%.*}
rest=${token#*.}
p=${rest%%.*}
sig=${rest#*.}
[ "$h.$p.$sig" = "$token" ] || t_fail "not three parts: $token"
want_sig=$(printf '%s' "$h.$p" | openssl dgst -sha256 -hmac "$KEY_SECRET" -binary \
    | base64 | tr -- '+/' '-_' | tr -d '=\n')
[ "$sig" = "$want_sig" ] || t_fail "signature $sig, want $want_sig"
[ "$(b64url_decode "$h")" = '{"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}' ] \
    || t_fail "header: $(b64url_decode "$h")"
payload=$(b64url_decode "$p")
nbf=$(printf '%s' "$payload" | jq -r .nbf)
[ "$nbf" -ge "$t0" ] && [ "$nbf" -le "$t1" ] || t_fail "nbf $nbf not in [$t0, $t1]"
want="{\"jti\":\"$KEY_SID-$nbf\",\"iss\":\"$KEY_SID\",\"sub\":\"$ACCOUNT\",\"nbf\":$nbf,\"exp\":$((nbf + 7200)),\"grants\":{\"identity\":\"seeker-1001\",\"chat\":{\"service_sid\":\"$SERVICE\"}}}"
[ "$payload" = "$want" ] || t_fail "payload $payload, want $want"
[ "$(jbody .expires_at)" = "$(date -u -d "@$((nbf + 7200))" +%Y-%m-%dT%H:%M:%SZ)" ] \
    || t_fail "expires_at: $(cat "$body")"

# 6. One log line per answer.
grep -Eq "postmask-bridge\[[0-9]+\]: http: 127\.0\.0\.1:[0-9]+ POST /v1/chat-tokens 201 [0-9]+ [0-9]+ms$" "$T_BRIDGE_LOG" \
    || t_fail "no log line for the token: $(grep 'http:' "$T_BRIDGE_LOG" | tail -3)"
grep -Eq "http: 127\.0\.0\.1:[0-9]+ GET /nothing 404 " "$T_BRIDGE_LOG" \
    || t_fail "no log line for the 404"
grep -q "$token" "$T_BRIDGE_LOG" && t_fail "the token was logged"

# 7. The connection limit (3): three idle connections fill it; a fourth
# client is let in by closing the oldest idle one (idle for over a second),
# which is logged and counted.
holders=""
hold() {        # an idle connection, open until killed
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && exec sleep 600" &
    holders="$holders $!"
}
trap 'kill $holders 2>/dev/null; t_bridge_cleanup' EXIT
queued() {      # connections waiting in the bridge's listen queue
    ss -Hltn "sport = :$port" | awk '{ print $2 }'
}
established() {
    ss -Htn state established "dport = :$port" | wc -l
}
hold; hold; hold
i=0
until [ "$(established)" -ge 3 ] && [ "$(queued)" = 0 ]; do
    i=$((i + 1)); [ $i -lt 100 ] || t_fail "the idle connections were not accepted"
    sleep 0.1
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$T_BRIDGE_URL/healthz") \
    || t_fail "a fourth client was not served while three idle ones held the slots"
[ "$code" = 200 ] || t_fail "the fourth client: $code"
grep -Eq "http: 127\.0\.0\.1:[0-9]+: closed on bridge_listen: the listener is full" "$T_BRIDGE_LOG" \
    || t_fail "no log line for the closed idle connection: $(grep 'http:' "$T_BRIDGE_LOG" | tail -3)"
curl -s "$T_BRIDGE_URL/metrics" \
    | grep -q '^postmask_http_refused_total{listener="bridge_listen",reason="listener_full"} [1-9]' \
    || t_fail "the closed idle connection is not counted: $(curl -s "$T_BRIDGE_URL/metrics" | grep refused)"
kill $holders 2>/dev/null
wait $holders 2>/dev/null
holders=""
t_bridge_stop

# 8. Another bridge: chat tokens off (501), idle clients cut after 1s.
dir2=$(t_tmpdir bridge-http2)
t_bridge_start "$dir2" http://127.0.0.1:9 "$ACCOUNT" "$dir/auth_token" <<CF
bridge_client_timeout = 1s
CF
port=${T_BRIDGE_URL##*:}
tokens '{"identity":"seeker-1001"}'
expect_error 501 chat_tokens_disabled -
call POST /v1/chat-tokens --data-binary '{}'
expect_error 401 unauthorized -
bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && cat <&3 >/dev/null && echo closed" \
    > "$T_WORK/idle.out" 2>&1 &
idle=$!
holders=$idle
i=0
while kill -0 $idle 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 200 ] || t_fail "an idle client was not disconnected"
    sleep 0.1
done
holders=""
[ "$(cat "$T_WORK/idle.out")" = closed ] || t_fail "idle client: $(cat "$T_WORK/idle.out")"
t_bridge_stop

# 9. Start-up: the API key secret is read when chat tokens are on.
rm "$dir/api_key_secret"
t_expect 1 "$BIN/postmask-bridge" -f -c "$dir"
echo "$T_ERR" | grep -q "fatal: twilio_api_key_secret_file: open secret file $dir/api_key_secret: No such file" \
    || t_fail "missing API key secret: $T_ERR"
t_pass
