#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The bridge's participant cache is bounded by participant_cache_limit:
# with a limit of 1 and two conversations, a seeker text in one
# conversation, then in the other, then in the first again makes the
# bridge fetch the first conversation from Twilio twice (it was forgotten
# for the second); with the default limit, once (cached for
# participant_cache_ttl).  Counted at the Twilio stand-in, which posts its
# signed webhooks to the bridge.  The emails themselves cannot be sent (no
# SMTP server here): each job is deferred after reading the conversation.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

command -v jq >/dev/null || t_fail "jq not installed (run make deps)"
command -v python3 >/dev/null || t_fail "python3 is needed"
dir=$(t_tmpdir conv-cache)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOOK="http://127.0.0.1:$port/twilio/webhook"
t_standin_start "$dir" "$HOOK"

# start_bridge LIMIT: the bridge with participant_cache_limit = LIMIT.
start_bridge() {
    t_bridge_start "$dir" "$T_STANDIN_URL" "$T_STANDIN_ACCOUNT" "$T_STANDIN_TOKEN_FILE" <<CF
webhook_listen = 127.0.0.1:$port
webhook_url = $HOOK
sms_proxy_numbers = +15005550001 +15005550002
participant_cache_ttl = 1h
participant_cache_limit = $1
smtp_submit_url = smtp://127.0.0.1:9
smtp_submit_timeout = 2s
job_minimal_backoff = 1h
job_maximal_backoff = 1h
catchup_interval = 0
CF
}

api() {     # api SEEKER: starts a conversation; prints its SID
    curl -s -H "Authorization: Bearer $T_BRIDGE_API_TOKEN" \
        -H 'Content-Type: application/json' --data-binary \
        "{\"seeker\":{\"id\":\"$1\",\"name\":\"Ann\",\"sms\":\"+1415555$2\"},\"building_contact\":{\"id\":\"bc-1\",\"name\":\"Bob\",\"email\":\"bob@example.net\"},\"listing\":{\"id\":\"L-1\",\"title\":\"Unit 4B\"}}" \
        "$T_BRIDGE_URL/v1/conversations" | jq -r .conversation_sid
}
# fetches SID: how many times the bridge fetched that conversation.
fetches() {
    curl -s "$T_STANDIN_URL/_standin/requests" | jq --arg p "/v1/Conversations/$1" \
        '[.requests[] | select(.operation == "fetch_conversation" and (.path | startswith($p)))] | length'
}
deferred() { [ "$(grep -c ": deferred: twilio_message: " "$T_BRIDGE_LOG")" -ge "$1" ]; }
# text SID PHONE-SUFFIX N: the seeker texts; waits until N jobs were
# deferred in all (each after it read the conversation).
text() {
    curl -s -o /dev/null -d "ConversationSid=$1" --data-urlencode "From=+1415555$2" \
        --data-urlencode "Body=Is it free?" "$T_STANDIN_URL/_standin/inbound" \
        || t_fail "the stand-in did not answer"
    i=0
    until deferred "$3"; do
        i=$((i + 1))
        [ $i -lt 100 ] || t_fail "job $3 was not deferred: $(tail -5 "$T_BRIDGE_LOG")"
        sleep 0.1
    done
}

# 1. The default limit: the first conversation is fetched once.
start_bridge 1000
a=$(api s-1 0101)
b=$(api s-2 0102)
case "$a$b" in CH*CH*) ;; *) t_fail "cannot start the conversations: '$a' '$b'" ;; esac
text "$a" 0101 1
text "$b" 0102 2
text "$a" 0101 3
[ "$(fetches "$a")" = 1 ] || t_fail "default limit: $a fetched $(fetches "$a") times, want 1"

# 2. A limit of 1: the second conversation pushes the first out.
t_bridge_stop
curl -s -o /dev/null -X POST "$T_STANDIN_URL/_standin/reset"
: > "$T_BRIDGE_LOG"
rm -rf "$dir/spool"
start_bridge 1
a=$(api s-3 0103)
b=$(api s-4 0104)
text "$a" 0103 1
text "$b" 0104 2
text "$a" 0103 3
[ "$(fetches "$a")" = 2 ] || t_fail "limit 1: $a fetched $(fetches "$a") times, want 2"
[ "$(fetches "$b")" = 1 ] || t_fail "limit 1: $b fetched $(fetches "$b") times, want 1"
t_bridge_stop
t_pass
