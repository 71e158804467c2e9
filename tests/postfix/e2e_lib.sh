# SPDX-License-Identifier: Apache-2.0
# tests/postfix/e2e_lib.sh - the whole chain for the end-to-end tests and
# the demo: a private Postfix (tests/postfix/harness.sh) with its MX and
# masking listeners, postmask-milter, postmask-bridge sharing the milter's
# configuration and spool (as in production), and the Twilio stand-in
# posting its webhooks to the bridge.  Sourced by the test; e2e_setup
# starts it all, e2e_start_conversation makes the conversation the tests
# play in ($SID, $PROXY).
#
# The MX runs the recommended verifier stack (verifiers.sh: OpenDKIM,
# OpenDMARC with its own SPF check, dnsmasq serving the test domains), so
# the script re-executes itself in a private mount and network namespace
# first.  The building contact's mail comes from their server's address
# ($VF_CONTACT_IP, allowed by building.example's SPF record: dmarc=pass);
# anyone else's from addresses no SPF record names.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
. "$SRC/tests/postfix/harness.sh"
. "$SRC/tests/postfix/verifiers.sh"
export LC_ALL=C
vf_unshare "$@"
PF_VERIFIERS=yes

DEMO=${PM_DEMO:-}
say() { [ -z "$DEMO" ] || printf '%s\n' "$*"; }
show() { [ -z "$DEMO" ] || sed 's/^/    /' "$1"; }
step() { [ -z "$DEMO" ] || printf '\n== %s\n' "$*"; }

SEEKER_EMAIL=ann.seeker@seeker.example
SEEKER_PHONE=+14155550123
CONTACT_EMAIL=bob@building.example
CONTACT_PHONE=+14155550777
API_TOKEN=e2e-api-token-0123456789

e2e_setup() {
    pf_setup
    pf_start
    e2e_pick_ports
    t_standin_start "$PF_DIR/standin" "$WEBHOOK_URL"
    e2e_configure
    pf_milter_start || t_fail "the milter did not start: $(cat "$PF_MILTER_LOG")"
    # The ports were free when picked, but anything that binds a port of
    # the kernel's choosing meanwhile (the stand-in, a client's socket) may
    # have got one: then new ports, and the stand-in again with the new
    # webhook URL.
    e2e_tries=1
    until t_bridge_run "$PF_PM_DIR"; do
        [ $e2e_tries -lt 5 ] || t_fail "port $BRIDGE_PORT or $WEBHOOK_PORT was taken, $e2e_tries times"
        e2e_tries=$((e2e_tries + 1))
        t_standin_stop
        e2e_pick_ports
        t_standin_start "$PF_DIR/standin" "$WEBHOOK_URL"
        e2e_configure
    done
}

# e2e_pick_ports: sets BRIDGE_PORT (the API, /healthz, /metrics),
# WEBHOOK_PORT (Twilio's webhooks) and WEBHOOK_URL.
e2e_pick_ports() {
    set -- $(_pf_free_ports 2)
    BRIDGE_PORT=$1
    WEBHOOK_PORT=$2
    WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_PORT/twilio/webhook"
}

# e2e_configure: the current instance's postmask main.cf and secrets for
# the ports e2e_pick_ports chose and the running stand-in.
e2e_configure() {
    (umask 077
     echo "$API_TOKEN" > "$PF_PM_DIR/api_token"
     cp "$T_STANDIN_TOKEN_FILE" "$PF_PM_DIR/twilio_auth_token")
    pf_pmconf -e "bridge_listen = 127.0.0.1:$BRIDGE_PORT" \
        "webhook_listen = 127.0.0.1:$WEBHOOK_PORT" \
        "twilio_api_url = $T_STANDIN_URL" "twilio_media_url = $T_STANDIN_URL" \
        "twilio_account_sid = $T_STANDIN_ACCOUNT" \
        "twilio_auth_token_file = $PF_PM_DIR/twilio_auth_token" \
        "api_token_file = $PF_PM_DIR/api_token" \
        "webhook_url = $WEBHOOK_URL" \
        "smtp_submit_url = smtp://127.0.0.1:$PF_PORT_MASKING" \
        "sms_proxy_numbers = +15005550006" \
        "mask_bodies = yes" \
        "job_minimal_backoff = 1s" "job_maximal_backoff = 2s" \
        "twilio_retry_limit = 2" "twilio_maximal_retry_delay = 1s" \
        "twilio_request_timeout = 5s" "smtp_submit_timeout = 5s" \
        "email_coalesce_delay = 0" "email_rate_limit = 0" \
        "email_context_messages = 0"
}

# POST /v1/conversations for Ann (SMS) and Bob (email): sets SID, PROXY.
e2e_start_conversation() {
    cat > "$T_WORK/start.json" <<JSON
{"seeker": {"id": "s-1001", "name": "Ann Seeker", "email": "$SEEKER_EMAIL",
            "sms": "$SEEKER_PHONE"},
 "building_contact": {"id": "bc-77", "name": "Bob Builder", "email": "$CONTACT_EMAIL",
                      "sms": "$CONTACT_PHONE"},
 "listing": {"id": "L-5", "title": "Unit 4B, 12 Harbour St"}}
JSON
    show "$T_WORK/start.json"
    e2e_code=$(curl -s -o "$T_WORK/started.json" -w '%{http_code}' \
        -H "Authorization: Bearer $API_TOKEN" --data-binary @"$T_WORK/start.json" \
        "$T_BRIDGE_URL/v1/conversations")
    [ "$e2e_code" = 201 ] || t_fail "start: HTTP $e2e_code: $(cat "$T_WORK/started.json")"
    say "-> HTTP $e2e_code"
    [ -z "$DEMO" ] || jq . "$T_WORK/started.json" | sed 's/^/    /'
    SID=$(jq -r .conversation_sid "$T_WORK/started.json")
    PROXY=$(jq -r .proxy_address "$T_WORK/started.json")
}

# e2e_sms TEXT [FROM]: the seeker (or FROM) texts TEXT; sets MSG (the
# message SID).
e2e_sms() {
    curl -s -o "$T_WORK/inbound.json" -d "ConversationSid=$SID" \
        --data-urlencode "From=${2:-$SEEKER_PHONE}" --data-urlencode "Body=$1" \
        "$T_STANDIN_URL/_standin/inbound" || t_fail "the stand-in did not answer"
    MSG=$(jq -r .sid "$T_WORK/inbound.json")
}

# e2e_mms TEXT FILENAME CONTENT-TYPE FILE: the seeker sends TEXT with the
# file FILE as its medium, named FILENAME; sets MSG.
e2e_mms() {
    curl -s -o "$T_WORK/inbound.json" -d "ConversationSid=$SID" \
        --data-urlencode "From=$SEEKER_PHONE" --data-urlencode "Body=$1" \
        --data-urlencode "MediaFilename=$2" --data-urlencode "MediaContentType=$3" \
        --data-urlencode "MediaBase64=$(base64 -w0 "$4")" \
        "$T_STANDIN_URL/_standin/inbound" || t_fail "the stand-in did not answer"
    MSG=$(jq -r .sid "$T_WORK/inbound.json")
    [ "$(jq -r '.media | length' "$T_WORK/inbound.json")" = 1 ] \
        || t_fail "the stand-in did not store the medium: $(cat "$T_WORK/inbound.json")"
}

# standin_fault OPERATION FAULT [NAME=VALUE...]: injects a fault into the
# Twilio stand-in (tests/twilio-standin/README.md).
standin_fault() {
    e2e_op=$1
    e2e_kind=$2
    shift 2
    e2e_code=$(curl -s -o "$T_WORK/fault.json" -w '%{http_code}' \
        -d "Operation=$e2e_op" -d "Fault=$e2e_kind" $(for e2e_a in "$@"; do printf -- '-d %s ' "$e2e_a"; done) \
        "$T_STANDIN_URL/_standin/faults")
    [ "$e2e_code" = 201 ] || t_fail "fault $e2e_op $e2e_kind: HTTP $e2e_code: $(cat "$T_WORK/fault.json")"
}

# contact_swaks SWAKS-ARGS...: like pf_swaks_expect 0 mx, as the building
# contact's own mail server (client address $VF_CONTACT_IP, via XCLIENT).
contact_swaks() {
    pf_swaks_expect 0 mx "$@" --xclient-addr "$VF_CONTACT_IP" \
        --xclient-name "[UNAVAILABLE]"
}

# e2e_reply MESSAGE-ID TEXT: the contact replies by email to the proxy
# address, through the MX, from their own mail server.
e2e_reply() {
    {
        echo "From: Bob Builder <$CONTACT_EMAIL>"
        echo "To: Ann Seeker <$PROXY>"
        echo "Subject: Re: Unit 4B, 12 Harbour St"
        echo "Message-ID: <$1>"
        echo "Content-Type: text/plain; charset=\"UTF-8\""
        echo
        printf '%s\n' "$2"
    } > "$T_WORK/reply.$1.eml"
    contact_swaks --from "$CONTACT_EMAIL" --to "$PROXY" \
        --data "$T_WORK/reply.$1.eml"
}

# For the catch-up tests: sms TEXT sends a seeker text (e2e_sms) and counts
# it (ALL: every text's MessageSid, in order; TOTAL); metric NAME reads the
# current bridge's /metrics; settle [SECONDS] waits SECONDS (for the texts
# to pass catchup_minimal_age), then for two more catch-up passes of the
# current bridge, so that a duplicate email would have been queued by now.
ALL=""
TOTAL=0
sms() {
    e2e_sms "$1"
    ALL="$ALL $MSG"
    TOTAL=$((TOTAL + 1))
}
metric() {
    curl -s "$T_BRIDGE_URL/metrics" | sed -n "s/^$1 //p"
}
passes() { e2e_v=$(metric 'postmask_catchup_passes_total{result="ok"}'); echo "${e2e_v:-0}"; }
passes_above() { [ "$(passes)" -gt "$1" ]; }
settle() {
    [ -z "${1:-}" ] || sleep "$1"
    e2e_p0=$(passes)
    wait_for "two catch-up passes" passes_above $((e2e_p0 + 1))
}

# e2e_kill_in_flight K TEXT: the bridge stopped (SIGSTOP) while K texts
# ("TEXT, 1", ...) go through, so that their webhooks connect and wait for
# an answer that never comes; then it is SIGKILLed, as a crash would.  Sets
# IN_FLIGHT to their MessageSids; fails the test when one was answered.
e2e_kill_in_flight() {
    kill -STOP "$T_BRIDGE_PID"
    e2e_pids=""
    e2e_i=0
    while [ $e2e_i -lt "$1" ]; do
        e2e_i=$((e2e_i + 1))
        curl -s -o "$T_WORK/inflight.$e2e_i.json" -d "ConversationSid=$SID" \
            --data-urlencode "From=$SEEKER_PHONE" \
            --data-urlencode "Body=$2, $e2e_i" \
            "$T_STANDIN_URL/_standin/inbound" &
        e2e_pids="$e2e_pids $!"
    done
    wait_for "$1 webhooks in flight" _e2e_pending "$1"
    kill -KILL "$T_BRIDGE_PID"
    wait "$T_BRIDGE_PID" 2>/dev/null
    T_BRIDGE_PID=
    for e2e_p in $e2e_pids; do wait "$e2e_p"; done
    IN_FLIGHT=
    e2e_i=0
    while [ $e2e_i -lt "$1" ]; do
        e2e_i=$((e2e_i + 1))
        IN_FLIGHT="$IN_FLIGHT $(jq -r .sid "$T_WORK/inflight.$e2e_i.json")"
        [ "$(jq .webhook.status "$T_WORK/inflight.$e2e_i.json")" = null ] \
            || t_fail "in-flight webhook $e2e_i was answered: $(cat "$T_WORK/inflight.$e2e_i.json")"
    done
}
_e2e_pending() {
    [ "$(messages | jq '[.messages[] | select(.webhook_pending)] | length')" = "$1" ]
}

# Waits (bounded) until CMD succeeds.
wait_for() {
    w_what=$1
    shift
    _pf_poll "$PF_TIMEOUT" "$@" || t_fail "timed out waiting for $w_what: $(tail -5 "$T_BRIDGE_LOG")"
}
messages() { curl -s "$T_STANDIN_URL/_standin/conversations/$SID/messages"; }
message_count() { messages | jq '.messages | length'; }
count_is() { [ "$(message_count)" = "$1" ]; }
bodies_with() { messages | jq --arg b "$1" '[.messages[] | select(.body == $b)] | length'; }
bridge_logged() { grep -q -- "$1" "$T_BRIDGE_LOG"; }
# standin_count OPERATION: how many requests of it reached the stand-in.
standin_count() {
    curl -s "$T_STANDIN_URL/_standin/requests" | jq --arg op "$1" \
        '[.requests[] | select(.operation == $op)] | length'
}
standin_count_above() { [ "$(standin_count "$1")" -gt "$2" ]; }
