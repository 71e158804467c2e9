#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bridge_sync - what postmask-bridge costs on the Twilio -> email path,
# measured, not asserted: the whole chain of tests/postfix/e2e_lib.sh (a
# private Postfix, postmask-milter, postmask-bridge, the Twilio stand-in)
# in one run, two loads interleaved, and the ratio of the times printed.
#
#   bridge:   MESSAGES seeker SMS pushed into the stand-in's control API
#             (POST /_standin/inbound; one curl process, CONCURRENCY
#             transfers at a time), each answered once its signed webhook
#             reached the bridge: webhook -> spool -> job -> Twilio fetch
#             (cached after the first) -> compose -> SMTP to the masking
#             listener -> postmask-milter masks -> delivered to smtp-sink.
#   baseline: the same number of emails, already composed (one the bridge
#             produced, byte for byte, with its X-Postmask-Conversation
#             header and envelope), sent by smtp-source with CONCURRENCY
#             sessions straight to the masking listener, so that the milter
#             still masks each one.
#
# Both are timed from the first message sent until the last one is complete
# at smtp-sink (polled every 20 ms); the sink is emptied between rounds.
# Both clients are one process with CONCURRENCY connections; both open one
# SMTP connection per message (the bridge's submitter never reuses one,
# smtp-source without -d neither).  smtp-source ends the data with an empty
# line of its own: the baseline's emails are 2 bytes longer.  Before the
# rounds, 2 x CONCURRENCY messages of each load, not measured, start every
# process and thread.  Nothing here asserts a time; a failure to deliver
# fails the run.
#
# usage: BIN=build SRC=. sh bench/bridge_sync.sh [MESSAGES] [CONCURRENCY] [ROUNDS]
set -eu
: "${BIN:=build}"
: "${SRC:=.}"
BIN=$(cd "$BIN" && pwd)
SRC=$(cd "$SRC" && pwd)
export BIN SRC
MESSAGES=${1:-200}
CONCURRENCY=${2:-8}
ROUNDS=${3:-3}
WAIT=$((60 + MESSAGES))         # bound of one round's wait, seconds

# The instance starts without the milter attached, so that the email the
# bridge submits can be taken as it left the bridge; attached after that.
# shellcheck disable=SC2034
PF_MILTER=no
. "$SRC/tests/postfix/e2e_lib.sh"

command -v smtp-source >/dev/null 2>&1 || _pf_skip "smtp-source is not installed"
T_BRIDGE_LOG=$T_WORK/bridge.log
: > "$T_BRIDGE_LOG"             # before the bridge writes it: t_bridge_run reads it
e2e_setup
t_on_exit bench_cleanup
e2e_start_conversation
INBOUND_URL="$T_STANDIN_URL/_standin/inbound"

# bench_cleanup: the work directory goes when the run succeeded (everything
# started is stopped by e2e_lib.sh's and the harness's own exit hooks).
bench_cleanup() {
    if [ "${PF_EXIT_STATUS:-1}" = 0 ]; then
        rm -rf "$T_WORK"
    fi
}

now() {
    date +%s.%N
}

# delivered N: waits (bounded by WAIT) until N complete messages are at the
# sink; polls every 20 ms (pf_wait_delivered's 100 ms would blur rounds of
# a fraction of a second).
delivered() {
    d_n=$((WAIT * 50))
    until [ "$(pf_sink_count)" -ge "$1" ]; do
        [ "$d_n" -gt 0 ] || return 1
        d_n=$((d_n - 1))
        sleep 0.02
    done
}

# sink_clear: empties the sink (no message is in flight between rounds).
sink_clear() {
    find "$PF_SINK_DIR" -name 'msg.*' -type f -exec rm -f {} +
}

# sms_text I: the seeker's text, with an email address for the milter to
# mask in the body, numbered so that every message is a new one.
sms_text() {
    printf 'Message %04d. Hi Bob, is unit 4B still free next month? You can also write to me at %s.' \
        "$1" "$SEEKER_EMAIL"
}

# curl_config FILE COUNT: COUNT POST /_standin/inbound, for curl -K.
curl_config() {
    i=1
    while [ "$i" -le "$2" ]; do
        printf 'url = "%s"\ndata = "ConversationSid=%s"\n' "$INBOUND_URL" "$SID"
        printf 'data-urlencode = "From=%s"\ndata-urlencode = "Body=%s"\n' \
            "$SEEKER_PHONE" "$(sms_text "$i")"
        printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
        [ "$i" = "$2" ] || echo next
        i=$((i + 1))
    done > "$1"
}

# metric NAME [LABELS]: the sum of the bridge's /metrics series NAME whose
# labels contain LABELS (e.g. 'route="webhook"').
metric() {
    curl -s "$T_BRIDGE_URL/metrics" | awk -v m="$1" -v l="${2:-}" '
        /^#/ { next }
        { n = $1; sub(/\{.*/, "", n) }
        n == m && index($1, l) { s += $2 }
        END { print s + 0 }'
}

# cpu PID: the CPU seconds (user and system, all threads) PID has used.
cpu() {
    awk -v hz="$HZ" '{ sub(/.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) / hz }' \
        "/proc/$1/stat"
}
HZ=$(getconf CLK_TCK)

elapsed() {
    echo "$1 $2" | awk '{ printf "%.3f\n", $2 - $1 }'
}

# run_bridge COUNT CONFIG: the SMS load (COUNT messages, curl_config
# CONFIG); prints seconds in all, seconds until the last webhook was
# answered (every job spooled), Twilio requests and webhooks meanwhile,
# and the CPU seconds the bridge and the stand-in used.
run_bridge() {
    tw0=$(metric postmask_twilio_requests_total)
    wh0=$(metric postmask_http_requests_total webhook)
    cb0=$(cpu "$T_BRIDGE_PID")
    cs0=$(cpu "$T_STANDIN_PID")
    t0=$(now)
    curl --no-progress-meter --parallel --parallel-max "$CONCURRENCY" \
        -K "$2" > "$T_WORK/inbound.codes" 2> "$T_WORK/inbound.err" \
        || t_fail "curl failed: $(sort -u "$T_WORK/inbound.err")"
    [ "$(grep -c '^201$' "$T_WORK/inbound.codes")" = "$1" ] \
        || t_fail "the stand-in did not answer 201 to every SMS: $(sort "$T_WORK/inbound.codes" | uniq -c)"
    t_spooled=$(now)
    delivered "$1" || t_fail "not all delivered: $(tail -5 "$T_BRIDGE_LOG")"
    t1=$(now)
    echo "$(elapsed "$t0" "$t1") $(elapsed "$t0" "$t_spooled")" \
        "$(metric postmask_twilio_requests_total) $tw0" \
        "$(metric postmask_http_requests_total webhook) $wh0" \
        "$(cpu "$T_BRIDGE_PID") $cb0 $(cpu "$T_STANDIN_PID") $cs0" \
        | awk '{ printf "%s %s %d %d %.2f %.2f\n", $1, $2, $3 - $4, $5 - $6, $7 - $8, $9 - $10 }'
    sink_clear
}

# run_baseline COUNT: the composed emails; prints seconds.
run_baseline() {
    t0=$(now)
    smtp-source -s "$CONCURRENCY" -m "$1" -F "$T_WORK/bridge.eml" \
        -f "$ENV_FROM" -t "$CONTACT_EMAIL" "127.0.0.1:$PF_PORT_MASKING" \
        > "$T_WORK/smtp-source.log" 2>&1 \
        || t_fail "smtp-source failed: $(tail -3 "$T_WORK/smtp-source.log")"
    delivered "$1" || t_fail "not all delivered: $(tail -5 "$PF_MILTER_LOG")"
    t1=$(now)
    elapsed "$t0" "$t1"
    sink_clear
}

# --- The email as the bridge submits it, milter not yet attached.
e2e_sms "$(sms_text 0)"
pf_wait_delivered 1 || t_fail "the bridge's first email did not arrive: $(tail -5 "$T_BRIDGE_LOG")"
MAIL=$(pf_sink_files | head -1)
# Without Postfix's Received header: the bytes the bridge sent.
pf_sink_message "$MAIL" | awk '
    NR == 1 && /^Received: / { skip = 1; next }
    skip && /^[ \t]/ { next }
    { skip = 0; print }' > "$T_WORK/bridge.eml"
ENV_FROM=$(pf_sink_mail_from "$MAIL")
grep -q "^X-Postmask-Conversation: $SID" "$T_WORK/bridge.eml" \
    || t_fail "no X-Postmask-Conversation header in the bridge's email"
sink_clear
masking_port=$PF_PORT_MASKING
pf_milter_attach
[ "$PF_PORT_MASKING" = "$masking_port" ] \
    || t_fail "the masking listener moved to another port; run again"

# --- Both paths once with the milter, not measured: they work (the milter
# masks both), and every process and thread they use is started.
e2e_sms "$(sms_text 0)"
smtp-source -m 1 -F "$T_WORK/bridge.eml" -f "$ENV_FROM" -t "$CONTACT_EMAIL" \
    "127.0.0.1:$PF_PORT_MASKING" > /dev/null 2>&1 || t_fail "smtp-source failed"
pf_wait_delivered 2 || t_fail "the first masked emails did not arrive: $(tail -5 "$PF_MILTER_LOG")"
for f in $(pf_sink_files); do
    ! grep -qi "seeker\.example" "$f" || t_fail "an email was not masked: $f"
done
sink_clear
WARMUP=$((2 * CONCURRENCY))
curl_config "$T_WORK/warmup.curl" "$WARMUP"
run_bridge "$WARMUP" "$T_WORK/warmup.curl" > /dev/null
run_baseline "$WARMUP" > /dev/null
curl_config "$T_WORK/inbound.curl" "$MESSAGES"

echo "bridge_sync: $MESSAGES messages, concurrency $CONCURRENCY, $ROUNDS rounds;" \
    "email $(wc -c < "$T_WORK/bridge.eml") bytes as the bridge submits it"
: > "$T_WORK/results"
round=1
while [ "$round" -le "$ROUNDS" ]; do
    # Interleaved, and the order alternates from round to round.
    if [ $((round % 2)) = 1 ]; then
        bridge=$(run_bridge "$MESSAGES" "$T_WORK/inbound.curl")
        baseline=$(run_baseline "$MESSAGES")
    else
        baseline=$(run_baseline "$MESSAGES")
        bridge=$(run_bridge "$MESSAGES" "$T_WORK/inbound.curl")
    fi
    # shellcheck disable=SC2086
    set -- $bridge
    bridge=$1
    echo "$round $bridge $baseline" | awk -v n="$MESSAGES" '{
        printf "round %d: bridge %.3fs (%.1f msg/s), baseline %.3fs (%.1f msg/s), ratio %.2f\n",
            $1, $2, n / $2, $3, n / $3, $2 / $3 }'
    echo "         bridge path: last webhook answered after ${2}s;" \
        "/metrics: $4 webhooks, $3 Twilio requests; CPU: bridge ${5}s, stand-in ${6}s"
    echo "$bridge $baseline" >> "$T_WORK/results"
    round=$((round + 1))
done

# median COLUMN: the median of a column of results (1 bridge, 2 baseline,
# 3 their ratio).
median() {
    awk '{ print $1, $2, $1 / $2 }' "$T_WORK/results" | cut -d' ' -f"$1" | sort -g \
        | awk '{ v[NR] = $1 } END {
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "$(median 1) $(median 2) $(median 3) $MESSAGES" | awk '{
    printf "median: bridge %.3fs (%.1f msg/s), baseline %.3fs (%.1f msg/s), bridge/baseline = %.2f (median of the per-round ratios)\n",
        $1, $4 / $1, $2, $4 / $2, $3 }'
echo "bridge /metrics at the end: spool jobs active $(metric postmask_spool_jobs active)," \
    "deferred $(metric postmask_spool_jobs deferred), dead $(metric postmask_spool_jobs dead);" \
    "Twilio retries $(metric postmask_twilio_retries_total)"
