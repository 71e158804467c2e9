#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# POST /twilio/webhook on its own: a correctly signed onMessageAdded is
# queued in the spool (one job, keyed by MessageSid, also when it comes
# again); a missing, wrong or replayed-elsewhere signature is 403 and
# queues nothing; the URL variants Twilio's SDKs accept (port added) are
# accepted; other event types and messages postmask made from email are
# acknowledged and not queued; a webhook without a valid MessageSid, or
# with a field that is not UTF-8, is 400.
# Signatures are computed here with openssl, as Twilio computes them.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

dir=$(t_tmpdir webhook)
TOKEN=webhook-test-auth-token-42
(umask 077; echo "$TOKEN" > "$dir/token")
# Twilio is never called here: nothing listens on port 9.
t_bridge_start "$dir" http://127.0.0.1:9 AC0123456789abcdef0123456789abcdef "$dir/token" <<CF
webhook_url = https://bridge.example.com/twilio/webhook?site=1
CF
URL="https://bridge.example.com/twilio/webhook?site=1"
CONV=CH0123456789abcdef0123456789abcdef

# sign URL NAME=VALUE...: Twilio's signature (FACTS.md section 4).
sign() {
    t_twilio_sign "$TOKEN" "$@"
}
# post SIGNATURE NAME=VALUE...: sets $code.
post() {
    p_sig=$1
    shift
    set -- "$@"
    p_args=""
    for p in "$@"; do p_args="$p_args --data-urlencode $p"; done
    # shellcheck disable=SC2086
    code=$(curl -s -o "$T_WORK/answer" -w '%{http_code}' ${p_sig:+-H "X-Twilio-Signature: $p_sig"} \
        $p_args "$T_BRIDGE_WEBHOOK_URL/twilio/webhook")
}
jobs() { "$BIN/postmaskctl" -c "$dir" queue list 2>/dev/null | grep -c twilio_message; }

# Values without spaces or '&' keep the shell simple; the signature code
# itself is tested on Twilio's own vectors (test_twilio_signature).
event() {
    echo "AccountSid=AC0123456789abcdef0123456789abcdef" "EventType=${2:-onMessageAdded}" \
        "ConversationSid=$CONV" "MessageSid=$1" "Author=+14155550123" \
        "ParticipantSid=MB00000000000000000000000000000001" "Body=Hello" "Index=0" "Source=SMS" ${3:+"Attributes=$3"}
}

# A good one, then the same again (Twilio's duplicate, or a retry).
M1=IM00000000000000000000000000000001
set -- $(event $M1)
post "$(sign "$URL" "$@")" "$@"
[ "$code" = 200 ] || t_fail "signed webhook: HTTP $code: $(cat "$T_WORK/answer")"
post "$(sign "$URL" "$@")" "$@"
[ "$code" = 200 ] || t_fail "the same webhook again: HTTP $code"
grep -q "webhook: $M1 from MB00000000000000000000000000000001: duplicate of job" "$T_BRIDGE_LOG" \
    || t_fail "the second one was not a duplicate: $(grep webhook: "$T_BRIDGE_LOG")"
# The Author (a phone number) is personal data: not logged at info level.
grep -q "4155550123" "$T_BRIDGE_LOG" && t_fail "the author's number is in the log: $(grep 4155550123 "$T_BRIDGE_LOG")"
# (No Twilio here: the job stays queued, its attempt deferred.)
[ "$(jobs)" = 1 ] || t_fail "$(jobs) jobs queued, want 1"

# The SDKs' URL variants: signed with :443 added.
M2=IM00000000000000000000000000000002
set -- $(event $M2)
post "$(sign "https://bridge.example.com:443/twilio/webhook?site=1" "$@")" "$@"
[ "$code" = 200 ] || t_fail "signature over the URL with :443: HTTP $code"

# Refused: no signature, a wrong one, one over another URL, one over other
# parameters; nothing is queued for them.
M3=IM00000000000000000000000000000003
set -- $(event $M3)
post "" "$@"
[ "$code" = 403 ] || t_fail "no signature: HTTP $code"
post "$(sign "$URL" "$@" | tr 'A-Za-z' 'B-ZAb-za')" "$@"
[ "$code" = 403 ] || t_fail "wrong signature: HTTP $code"
post "$(sign "https://evil.example.com/twilio/webhook?site=1" "$@")" "$@"
[ "$code" = 403 ] || t_fail "signature over another URL: HTTP $code"
good=$(sign "$URL" "$@")
set -- $(event $M3 onMessageAdded) "Extra=1"
post "$good" "$@"
[ "$code" = 403 ] || t_fail "signature over other parameters: HTTP $code"
[ "$(jq -r .error "$T_WORK/answer")" = forbidden ] || t_fail "403 body: $(cat "$T_WORK/answer")"
grep -q "webhook: refused from 127.0.0.1" "$T_BRIDGE_LOG" || t_fail "no log line for refusals"
grep -q "$M3" "$T_BRIDGE_LOG" && t_fail "a refused webhook was acted on"

# Acknowledged and ignored: another event type; an echo of our own message.
M4=IM00000000000000000000000000000004
set -- $(event $M4 onConversationUpdated)
post "$(sign "$URL" "$@")" "$@"
[ "$code" = 200 ] || t_fail "onConversationUpdated: HTTP $code"
grep -q "webhook: onConversationUpdated: not handled; acknowledged" "$T_BRIDGE_LOG" \
    || t_fail "no log line for the ignored event type"
M5=IM00000000000000000000000000000005
set -- $(event $M5 onMessageAdded '{"postmask":{"origin":"email"}}')
post "$(sign "$URL" "$@")" "$@"
[ "$code" = 200 ] || t_fail "echo: HTTP $code"
grep -q "$CONV: webhook: $M5: made from email; ignored" "$T_BRIDGE_LOG" \
    || t_fail "the echo was not recognised"

# A signed webhook without a valid MessageSid.
set -- $(event IMnotasid)
post "$(sign "$URL" "$@")" "$@"
[ "$code/$(jq -r .field "$T_WORK/answer")" = 400/MessageSid ] || t_fail "bad MessageSid: $code $(cat "$T_WORK/answer")"

# post_chat MESSAGESID INDEX BODY: a signed chat onMessageAdded whose Body
# may hold any bytes but white space.
post_chat() {
    set -- "AccountSid=AC0123456789abcdef0123456789abcdef" "EventType=onMessageAdded" \
        "ConversationSid=$CONV" "MessageSid=$1" "Author=seeker_1" "Body=$3" \
        "Index=$2" "Source=SDK"
    post "$(sign "$URL" "$@")" "$@"
}

# A long chat message (32,000 characters, 96 KB of UTF-8, about 190 KB
# percent-encoded) is larger than bridge_request_size_limit but is a
# webhook Twilio may send: accepted.
M6=IM00000000000000000000000000000006
post_chat $M6 1 "$(awk 'BEGIN { for (i = 0; i < 32000; i++) printf "\342\202\254" }')"
[ "$code" = 200 ] || t_fail "a 32,000-character message: HTTP $code: $(head -c 300 "$T_WORK/answer")"

# A field that is not valid UTF-8 cannot be stored in the job: refused
# with 400 naming it and a log line, not queued without it.  (Twilio's
# webhooks are UTF-8; catch-up fetches the message from the REST API.)
M7=IM00000000000000000000000000000007
post_chat $M7 2 "$(printf 'caf\351?')"
[ "$code/$(jq -r .error "$T_WORK/answer")/$(jq -r .field "$T_WORK/answer")" = 400/invalid_field/Body ] \
    || t_fail "a Body that is not UTF-8: HTTP $code: $(cat "$T_WORK/answer")"
grep -q "$CONV: webhook: $M7: refused: field Body is not valid UTF-8" "$T_BRIDGE_LOG" \
    || t_fail "no log line for the field that is not UTF-8: $(grep "$M7" "$T_BRIDGE_LOG")"

[ "$(jobs)" = 3 ] || t_fail "$(jobs) jobs queued, want 3 (M1, M2, M6)"
t_bridge_stop
t_pass
