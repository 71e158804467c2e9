#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bridge_memory - whether postmask-bridge gives back the memory a backlog
# took, measured, not asserted (issue 13: "RSS back within 10 % of rest
# after a backlog drains").
#
# The bridge runs against the Twilio stand-in (tests/twilio-standin) and
# an smtp-sink that discards what it gets; no Postfix, no milter.
# CONVERSATIONS conversations are started through the bridge's API, then:
#
#   rest:    WARMUP seeker SMS pushed into the stand-in (POST
#            /_standin/inbound), each emailed by the bridge; SETTLE seconds
#            later the bridge's VmRSS is read from /proc/PID/status, and
#            its VmHWM reset (/proc/PID/clear_refs);
#   backlog: smtp-sink is stopped (SIGSTOP: the bridge's job_concurrency
#            jobs wait in SMTP, smtp_submit_timeout is an hour), and
#            MESSAGES more SMS are pushed, CONCURRENCY at a time, round
#            robin over the conversations: each signed webhook reaches the
#            bridge, is spooled and answered, and its job waits in active/;
#   drain:   smtp-sink continues (SIGCONT); timed until every message was
#            emailed (one "done: twilio_message" log line each) and no job
#            is left in active/ or deferred/;
#   after:   SETTLE seconds later, VmRSS again.
#
# Prints VmRSS at rest, when the backlog was built, VmHWM (the peak) over
# backlog and drain, VmRSS after, and after / rest; the drain time and the
# bridge's CPU seconds.  The bridge is not asked to trim its heap
# (malloc_trim): what is printed is what the process holds.  The bridge
# runs with the main.cf defaults except for what the setup needs (ports,
# secrets, smtp_submit_timeout = 3600s) and one email per message, sent at
# once (no coalescing, rate limit or context: a backlog of one
# conversation would otherwise be a handful of emails); EXTRA_MAIN_CF adds
# lines.
#
# Needs smtp-sink (Postfix), curl, python3.  Nothing here is part of
# `make check`.  Run after `make build` (as root: smtp-sink drops to
# SINK_USER, default nobody):
#     BIN=build SRC=. sh bench/bridge_memory.sh [MESSAGES] [CONCURRENCY] [CONVERSATIONS]
# (defaults 15000, 16, 4; 2000 runs in about a minute).
set -eu
: "${BIN:=build}"
: "${SRC:=.}"
BIN=$(cd "$BIN" && pwd)
SRC=$(cd "$SRC" && pwd)
export BIN SRC
MESSAGES=${1:-15000}
CONCURRENCY=${2:-16}
CONVERSATIONS=${3:-4}
WARMUP=${WARMUP:-100}
SETTLE=${SETTLE:-5}
SINK_USER=${SINK_USER:-nobody}
WAIT=$((120 + MESSAGES / 10))   # bound of the drain, seconds

. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
. "$SRC/bench/lib.sh"

for tool in smtp-sink curl python3; do
    command -v "$tool" >/dev/null 2>&1 || t_fail "$tool is not installed"
done

SINK_PID=
SAMPLER_PID=
bench_cleanup() {
    set +e
    [ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null
    if [ -n "$SINK_PID" ]; then
        kill -CONT "$SINK_PID" 2>/dev/null
        kill "$SINK_PID" 2>/dev/null
        wait "$SINK_PID" 2>/dev/null
    fi
    t_bridge_cleanup
    [ "${BENCH_OK:-0}" = 1 ] && rm -rf "$T_WORK"
    return 0
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# status_kib PID FIELD: VmRSS, VmHWM, ... of PID in KiB.
status_kib() {
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

mib() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# emailed: how many jobs the bridge has emailed so far.
emailed() {
    grep -c ': done: twilio_message: ' "$T_BRIDGE_LOG" || true
}

# pending: jobs in the spool's active/ and deferred/.
pending() {
    find "$T_BRIDGE_DIR/spool/active" "$T_BRIDGE_DIR/spool/deferred" \
        -type f -name '[0-9A-F]*' | wc -l
}

# wait_emailed N SECONDS: until N messages were emailed and nothing is
# pending, polled every 0.2 s.
wait_emailed() {
    w_n=$(($2 * 5))
    until [ "$(emailed)" -ge "$1" ] && [ "$(pending)" = 0 ]; do
        [ "$w_n" -gt 0 ] || t_fail "$(emailed) of $1 emailed, $(pending) pending after $2 s: $(tail -3 "$T_BRIDGE_LOG")"
        w_n=$((w_n - 1))
        sleep 0.2
    done
}

# curl_config FILE FIRST COUNT: COUNT POST /_standin/inbound for curl -K,
# numbered from FIRST, round robin over the conversations.
curl_config() {
    # shellcheck disable=SC2086 # SIDS: one argument per conversation
    python3 - "$1" "$2" "$3" "$T_STANDIN_URL/_standin/inbound" $SIDS <<'PY'
import sys
path, first, count, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sids = sys.argv[5:]
with open(path, "w") as f:
    for i in range(first, first + count):
        c = i % len(sids)
        if i > first:
            f.write("next\n")
        f.write('url = "%s"\n' % url)
        f.write('data = "ConversationSid=%s"\n' % sids[c])
        f.write('data-urlencode = "From=+1415555%04d"\n' % (1000 + c))
        f.write('data-urlencode = "Body=Message %06d. Hi Bob, is unit 4B '
                'still free next month? Could I visit on Saturday morning?"\n' % i)
        f.write('output = "/dev/null"\nwrite-out = "%{http_code}\\n"\n')
PY
}

# push FIRST COUNT: the SMS, CONCURRENCY at a time; each answered 201.
push() {
    curl_config "$T_WORK/inbound.curl" "$1" "$2"
    curl --no-progress-meter --parallel --parallel-max "$CONCURRENCY" \
        -K "$T_WORK/inbound.curl" > "$T_WORK/inbound.codes" 2> "$T_WORK/inbound.err" \
        || t_fail "curl failed: $(sort -u "$T_WORK/inbound.err" | head -3)"
    p_ok=$(grep -c '^201$' "$T_WORK/inbound.codes" || true)
    [ "$p_ok" = "$2" ] \
        || t_fail "the stand-in did not answer 201 to every SMS: $(sort "$T_WORK/inbound.codes" | uniq -c)"
}

# --- smtp-sink, the stand-in, the bridge.
SINK_PORT=$(free_port)
WEBHOOK_PORT=$(free_port)
WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_PORT/twilio/webhook"
smtp-sink -u "$SINK_USER" "127.0.0.1:$SINK_PORT" 256 > "$T_WORK/sink.log" 2>&1 &
SINK_PID=$!
t_standin_start "$T_WORK/standin" "$WEBHOOK_URL"
B=$T_WORK/bridge
mkdir -p "$B"
API_TOKEN="api-token-$$-bench"
(umask 077
 echo "k1 0123456789abcdef0123456789abcdef" > "$B/address.keys"
 echo "$API_TOKEN" > "$B/api_token"
 cp "$T_STANDIN_TOKEN_FILE" "$B/twilio_auth_token")
cat > "$B/main.cf" <<CF
proxy_domains = reply.example.com
address_keys_file = $B/address.keys
spool_directory = $B/spool
bridge_listen = 127.0.0.1:0
webhook_listen = 127.0.0.1:$WEBHOOK_PORT
webhook_url = $WEBHOOK_URL
twilio_api_url = $T_STANDIN_URL
twilio_media_url = $T_STANDIN_URL
twilio_account_sid = $T_STANDIN_ACCOUNT
twilio_auth_token_file = $B/twilio_auth_token
api_token_file = $B/api_token
smtp_submit_url = smtp://127.0.0.1:$SINK_PORT
smtp_submit_timeout = 3600s
sms_proxy_numbers = +15005550006
email_coalesce_delay = 0
email_rate_limit = 0
email_context_messages = 0
${EXTRA_MAIN_CF:-}
CF
T_BRIDGE_LOG=$T_WORK/bridge.log
t_bridge_run "$B" || t_fail "the bridge could not listen on $WEBHOOK_PORT"
trap bench_cleanup EXIT             # t_bridge_run set its own
kill -0 "$SINK_PID" 2>/dev/null || t_fail "smtp-sink exited: $(cat "$T_WORK/sink.log")"

# --- The conversations: seeker i texts from +1415555(1000 + i).
SIDS=
c=0
while [ "$c" -lt "$CONVERSATIONS" ]; do
    code=$(curl -s -o "$T_WORK/started.json" -w '%{http_code}' \
        -H "Authorization: Bearer $API_TOKEN" --data-binary @- \
        "$T_BRIDGE_URL/v1/conversations" <<JSON
{"seeker": {"id": "s-$c", "name": "Ann Seeker $c", "email": "ann$c@seeker.example",
            "sms": "+1415555$((1000 + c))"},
 "building_contact": {"id": "bc-77", "name": "Bob Builder", "email": "bob@building.example",
                      "sms": "+1415555$((2000 + c))"},
 "listing": {"id": "L-$c", "title": "Unit $c, 12 Harbour St"}}
JSON
)
    [ "$code" = 201 ] || t_fail "start: HTTP $code: $(cat "$T_WORK/started.json")"
    SIDS="$SIDS $(sed -n 's/.*"conversation_sid": *"\(CH[0-9a-f]*\)".*/\1/p' "$T_WORK/started.json")"
    c=$((c + 1))
done

PID=$T_BRIDGE_PID
echo "bridge_memory: $MESSAGES messages in the backlog, concurrency $CONCURRENCY," \
    "$CONVERSATIONS conversations, warm-up $WARMUP; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
START_KIB=$(status_kib "$PID" VmRSS)

# --- Rest: after the warm-up.
push 0 "$WARMUP"
wait_emailed "$WARMUP" 120
sleep "$SETTLE"
REST_KIB=$(status_kib "$PID" VmRSS)
echo 5 > "/proc/$PID/clear_refs"      # VmHWM := VmRSS

# --- The backlog.
kill -STOP "$SINK_PID"
CPU0=$(cpu_seconds "$PID")
T0=$(date +%s.%N)
push "$WARMUP" "$MESSAGES"
T1=$(date +%s.%N)
BUILT_KIB=$(status_kib "$PID" VmRSS)
BUILT_PENDING=$(pending)

# --- The drain.
kill -CONT "$SINK_PID"
wait_emailed $((WARMUP + MESSAGES)) "$WAIT"
T2=$(date +%s.%N)
CPU1=$(cpu_seconds "$PID")
DRAINED_KIB=$(status_kib "$PID" VmRSS)
sleep "$SETTLE"
AFTER_KIB=$(status_kib "$PID" VmRSS)
PEAK_KIB=$(status_kib "$PID" VmHWM)

echo "  backlog: $MESSAGES webhooks spooled in $(echo "$T0 $T1" | awk '{ printf "%.1f", $2 - $1 }') s," \
    "$BUILT_PENDING jobs pending; drained in $(echo "$T1 $T2" | awk '{ printf "%.1f", $2 - $1 }') s;" \
    "bridge CPU $(echo "$CPU0 $CPU1" | awk '{ printf "%.2f", $2 - $1 }') s"
echo "  VmRSS MiB: start $(mib "$START_KIB"), rest $(mib "$REST_KIB")," \
    "backlog built $(mib "$BUILT_KIB"), peak (VmHWM) $(mib "$PEAK_KIB")," \
    "drained $(mib "$DRAINED_KIB"), after ${SETTLE}s $(mib "$AFTER_KIB")"
echo "  rest / peak / after: $(mib "$REST_KIB") / $(mib "$PEAK_KIB") / $(mib "$AFTER_KIB") MiB;" \
    "after / rest = $(awk -v a="$AFTER_KIB" -v r="$REST_KIB" 'BEGIN { printf "%.3f", a / r }')"
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
t_bridge_stop
BENCH_OK=1
