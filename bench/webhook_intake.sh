#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# webhook_intake - how many Twilio webhooks postmask-bridge takes in per
# second, measured, not asserted, against the handler a user would
# otherwise write (issue 13): the Express peer of bench/express-peer/
# (Node + Express 4 + express.urlencoded + the twilio SDK's
# validateRequest, each job written with write + fsync + close + rename,
# one fsync per request, no directory fsync).
#
# Both get the same load: BODIES distinct onMessageAdded form bodies (a
# MessageSid each, so nothing is a duplicate), signed (X-Twilio-Signature)
# for the URL of the server they go to, posted by wrk (one thread; a Lua
# script cycles through the pre-signed bodies) for SECONDS per run at 1, 32
# and 128 connections.  A round is one connection count: the peer, the
# bridge as shipped (each webhook answered once it is in the intake
# journal, one fdatasync per batch; job files made from the journal in the
# background with spool_sync_method = fsync), the bridge with
# spool_sync_method = syncfs, and the bridge with its spool on a tmpfs
# (/dev/shm: what the bridge does when the disk costs nothing), in an
# order that alternates from round to round.  Every
# run starts its server afresh on an empty spool (the bridge's and the
# peer's on the file system of $BIN, the tmpfs one under /dev/shm), warms
# it up with 1 s of the same load on 5,000 other bodies (Node's JIT), then
# measures.  The jobs each run left in its spool are counted (warm-up
# included; the bridge makes its whole journal into job files before it
# exits) as a check that the answers were not empty words.
# Prints req/s, p50 and p99 latency, the server's CPU seconds, the ratios
# to the peer, and a summary table.
#
# The bridge's side: webhook_listen and webhook_url on a fixed loopback
# port; Twilio (twilio_api_url) is a socket that listens and never
# accepts, so the first job_concurrency jobs wait on it for the whole run
# and the job runner takes no more (it neither fails jobs nor lists the
# spool while the webhooks come in: intake alone is measured, as the peer
# has no job runner); catchup_interval = 0 (no catch-up);
# bridge_client_connection_limit = 256 (every connection comes from
# 127.0.0.1; the default 32 would refuse some at 128).  The bridge logs
# one info line per webhook to its log file, as it does in production.
#
# Needs: node and npm (Node 20; `npm ci` installs bench/express-peer's
# pinned packages into bench/express-peer/node_modules when it is missing),
# wrk (apt-get installs the Debian package when it is missing, as root),
# python3, curl.  Nothing here is part of `make check`.
#
# usage: BIN=build SRC=. sh bench/webhook_intake.sh [SECONDS] [BODIES]
#        (defaults 15 and 150000: enough for 10,000 req/s without a
#        duplicate; CONNECTIONS="1 32 128" in the environment chooses the
#        connection counts)
set -eu
: "${BIN:=build}"
: "${SRC:=.}"
BIN=$(cd "$BIN" && pwd)
SRC=$(cd "$SRC" && pwd)
export BIN SRC
DURATION=${1:-15}
BODIES=${2:-150000}
CONNECTIONS=${CONNECTIONS:-1 32 128}
PEER_DIR=$SRC/bench/express-peer
TOKEN=0123456789abcdef0123456789abcdef
ACCOUNT=AC0123456789abcdef0123456789abcdef

. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
. "$SRC/bench/lib.sh"

for tool in node npm python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || t_fail "$tool is not installed"
done
if ! command -v wrk >/dev/null 2>&1; then
    echo "webhook_intake: installing wrk" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null \
        || t_fail "wrk is not installed and apt-get could not install it"
fi
if [ ! -d "$PEER_DIR/node_modules" ]; then
    echo "webhook_intake: npm ci in $PEER_DIR" >&2
    (cd "$PEER_DIR" && npm ci --no-audit --no-fund >&2) \
        || t_fail "npm ci failed in $PEER_DIR"
fi

SHM=$(mktemp -d /dev/shm/webhook_intake.XXXXXX)
PEER_PID=
HOLE_PID=
bench_cleanup() {
    set +e
    t_bridge_cleanup
    [ -z "$PEER_PID" ] || { kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null; }
    [ -z "$HOLE_PID" ] || { kill "$HOLE_PID" 2>/dev/null; wait "$HOLE_PID" 2>/dev/null; }
    rm -rf "$SHM"
    [ "${BENCH_OK:-0}" = 1 ] && rm -rf "$T_WORK"
    return 0
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Twilio for the bridge: listens, never accepts, never answers.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1024)
print(s.getsockname()[1], flush=True); time.sleep(86400)' > "$T_WORK/hole.port" &
HOLE_PID=$!
i=0
until [ -s "$T_WORK/hole.port" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || t_fail "the Twilio black hole did not start"
    sleep 0.05
done
HOLE_URL="http://127.0.0.1:$(cat "$T_WORK/hole.port")"

BRIDGE_PORT=$(free_port)
PEER_PORT=$(free_port)
BRIDGE_HOOK="http://127.0.0.1:$BRIDGE_PORT/twilio/webhook"
PEER_HOOK="http://127.0.0.1:$PEER_PORT/twilio/webhook"
printf '%s\n' "$TOKEN" > "$T_WORK/token"

# The bodies, one line each: signature, a space, the form body.
# The first BODIES are measured, the WARM after them warm a server up.
WARM=5000
python3 - "$BODIES" "$WARM" "$TOKEN" "$ACCOUNT" \
    "$BRIDGE_HOOK" "$T_WORK/bodies.bridge" "$PEER_HOOK" "$T_WORK/bodies.peer" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
n, warm = int(sys.argv[1]), int(sys.argv[2])
token, account = sys.argv[3].encode(), sys.argv[4]
targets = list(zip(sys.argv[5::2], sys.argv[6::2]))
outs = [open(path, "w") for _, path in targets]
warms = [open(path + ".warm", "w") for _, path in targets]
for i in range(n + warm):
    p = {
        "AccountSid": account,
        "EventType": "onMessageAdded",
        "Source": "SMS",
        "ConversationSid": "CH%032x" % (0xc0ffee000 + i % 1000),
        "MessageSid": "IM%032x" % (0xbe9c4000000 + i),
        "MessagingServiceSid": "MG" + "5" * 32,
        "Index": str(i // 1000),
        "DateCreated": "2026-03-01T12:%02d:%02dZ" % (i // 60 % 60, i % 60),
        "Body": "Hi \u2013 is unit 4B still free? Could I visit on "
                "Saturday morning? (%d)" % i,
        "Author": "+1415555%04d" % (i % 10000),
        "ParticipantSid": "MB%032x" % (0x7a000 + i % 1000),
        "Attributes": "{}",
    }
    body = urllib.parse.urlencode(p)
    for (url, _), out, wout in zip(targets, outs, warms):
        s = url + "".join(k + p[k] for k in sorted(p))
        sig = base64.b64encode(hmac.new(token, s.encode(), hashlib.sha1)
                               .digest()).decode()
        (out if i < n else wout).write(sig + " " + body + "\n")
for out in outs + warms:
    out.close()
PY
BODY_BYTES=$(head -1 "$T_WORK/bodies.bridge" | cut -d' ' -f2 | tr -d '\n' | wc -c)

cat > "$T_WORK/bodies.lua" <<'LUA'
-- Cycles through pre-signed webhook bodies: "signature body" per line of
-- the file named after wrk's "--".
local reqs, n, i = {}, 0, 0
function init(args)
   for line in io.lines(args[1]) do
      local sig, body = line:match("^(%S+) (.*)$")
      n = n + 1
      reqs[n] = wrk.format("POST", "/twilio/webhook",
         {["Content-Type"] = "application/x-www-form-urlencoded",
          ["X-Twilio-Signature"] = sig}, body)
   end
end
function request()
   i = i % n + 1
   return reqs[i]
end
LUA

# bridge_up SPOOL [SYNC]: the bridge on webhook port BRIDGE_PORT, spool
# SPOOL, spool_sync_method SYNC (default fsync).
bridge_up() {
    dir=$T_WORK/bridge
    mkdir -p "$dir"
    (umask 077
     echo "k1 0123456789abcdef0123456789abcdef" > "$dir/address.keys"
     echo "api-token-$$-bench" > "$dir/api_token"
     cp "$T_WORK/token" "$dir/twilio_auth_token")
    cat > "$dir/main.cf" <<CF
proxy_domains = reply.example.com
address_keys_file = $dir/address.keys
spool_directory = $1
bridge_listen = 127.0.0.1:0
webhook_listen = 127.0.0.1:$BRIDGE_PORT
webhook_url = $BRIDGE_HOOK
twilio_api_url = $HOLE_URL
twilio_media_url = $HOLE_URL
twilio_account_sid = $ACCOUNT
twilio_auth_token_file = $dir/twilio_auth_token
api_token_file = $dir/api_token
twilio_request_timeout = 600s
catchup_interval = 0
bridge_client_connection_limit = 256
spool_sync_method = ${2:-fsync}
CF
    T_BRIDGE_LOG=$T_WORK/run.log
    rm -f "$T_BRIDGE_LOG"
    t_bridge_run "$dir" || t_fail "the bridge could not listen on $BRIDGE_PORT"
    trap bench_cleanup EXIT            # t_bridge_run set its own
    SERVER_PID=$T_BRIDGE_PID
}

# peer_up SPOOL: the Express peer on PEER_PORT, spool SPOOL.
peer_up() {
    mkdir -p "$1"
    rm -f "$T_WORK/run.log"
    PEER_PORT=$PEER_PORT PEER_URL=$PEER_HOOK PEER_TOKEN_FILE=$T_WORK/token \
        PEER_SPOOL=$1 node "$PEER_DIR/server.js" > "$T_WORK/run.log" 2>&1 &
    PEER_PID=$!
    i=0
    until grep -qs '^listening' "$T_WORK/run.log"; do
        kill -0 "$PEER_PID" 2>/dev/null \
            || t_fail "the Express peer exited: $(cat "$T_WORK/run.log")"
        i=$((i + 1)); [ $i -lt 200 ] || t_fail "the Express peer does not listen"
        sleep 0.05
    done
    SERVER_PID=$PEER_PID
}

# to_ms VALUE: wrk's "628.00us" / "1.20ms" / "1.03s" in milliseconds.
to_ms() {
    echo "$1" | awk '/us$/ { printf "%.2f", $0 / 1000; next }
                     /ms$/ { printf "%.2f", $0 + 0; next }
                     /m$/  { printf "%.0f", $0 * 60000; next }
                     /s$/  { printf "%.1f", $0 * 1000; next }'
}

# run WHO CONNECTIONS: one run; sets RPS_<who>, P50_<who>, P99_<who> and
# prints a line.  WHO is peer, bridge, syncfs or tmpfs.
run() {
    RUN=$((RUN + 1))
    case $1 in
        peer)   spool=$T_WORK/spool.$RUN; peer_up "$spool"
                url=$PEER_HOOK; bodies=$T_WORK/bodies.peer ;;
        bridge) spool=$T_WORK/spool.$RUN; bridge_up "$spool"
                url=$BRIDGE_HOOK; bodies=$T_WORK/bodies.bridge ;;
        syncfs) spool=$T_WORK/spool.$RUN; bridge_up "$spool" syncfs
                url=$BRIDGE_HOOK; bodies=$T_WORK/bodies.bridge ;;
        tmpfs)  spool=$SHM/spool.$RUN; bridge_up "$spool"
                url=$BRIDGE_HOOK; bodies=$T_WORK/bodies.bridge ;;
    esac
    wrk -t1 -c"$2" -d1s --timeout 10s -s "$T_WORK/bodies.lua" "$url" \
        -- "$bodies.warm" > "$T_WORK/wrk.out" 2>&1 \
        || t_fail "wrk failed: $(cat "$T_WORK/wrk.out")"
    wrk -t1 -c"$2" -d"${DURATION}s" --timeout 10s --latency \
        -s "$T_WORK/bodies.lua" "$url" -- "$bodies" > "$T_WORK/wrk.out" 2>&1 \
        || t_fail "wrk failed: $(cat "$T_WORK/wrk.out")"
    cpu=$(cpu_seconds "$SERVER_PID")
    if [ "$1" = peer ]; then
        kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=
        jobs=$(find "$spool" -name '*.json' | wc -l)
    else
        t_bridge_stop
        jobs=$(find "$spool/dedupe" \( -type l -o -type f \) | wc -l)
    fi
    rps=$(sed -n 's/^Requests\/sec: *//p' "$T_WORK/wrk.out")
    total=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T_WORK/wrk.out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$T_WORK/wrk.out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$T_WORK/wrk.out")")
    bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$T_WORK/wrk.out")
    errs=$(sed -n 's/^ *Socket errors: *//p' "$T_WORK/wrk.out")
    rm -rf "$spool"
    eval "RPS_$1=\$rps P50_$1=\$p50 P99_$1=\$p99"
    case $1 in
        peer) label="Express peer" ;; bridge) label="bridge" ;;
        syncfs) label="bridge, syncfs" ;; tmpfs) label="bridge, tmpfs" ;;
    esac
    printf '  %-14s %8.1f req/s  p50 %7s ms  p99 %7s ms  CPU %6ss  %s jobs\n' \
        "$label" "$rps" "$p50" "$p99" "$cpu" "$jobs"
    [ -z "$bad" ] || echo "    WARNING: $bad responses were not 2xx"
    [ -z "$errs" ] || echo "    WARNING: socket errors: $errs"
    [ "$jobs" -ge $((total - ${bad:-0})) ] \
        || echo "    WARNING: $jobs jobs in the spool for $((total - ${bad:-0})) answers"
    [ "$total" -le "$BODIES" ] \
        || echo "    WARNING: $total requests > $BODIES bodies: some were duplicates"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

echo "webhook_intake: $BODIES signed onMessageAdded bodies ($BODY_BYTES bytes each), wrk -t1, ${DURATION}s runs, connections $CONNECTIONS"
echo "  $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); spool on $(df -PT "$T_WORK" | awk 'NR == 2 { print $2 }') ($T_WORK), tmpfs row on /dev/shm"
RUN=0
ROUND=0
SUMMARY=
RPS_peer= P50_peer= P99_peer= RPS_bridge= P50_bridge= P99_bridge=
RPS_tmpfs= P99_tmpfs= RPS_syncfs= P50_syncfs= P99_syncfs=
for c in $CONNECTIONS; do
    ROUND=$((ROUND + 1))
    if [ $((ROUND % 2)) = 1 ]; then order="peer bridge syncfs tmpfs"
    else order="tmpfs syncfs bridge peer"; fi
    echo "round $ROUND: $c connection(s), order: $order"
    for who in $order; do
        run "$who" "$c"
    done
    r=$(ratio "$RPS_bridge" "$RPS_peer")
    rs=$(ratio "$RPS_syncfs" "$RPS_peer")
    rt=$(ratio "$RPS_tmpfs" "$RPS_peer")
    rd=$(ratio "$RPS_bridge" "$RPS_tmpfs")
    echo "  bridge/peer = $r, bridge with syncfs/peer = $rs, bridge on tmpfs/peer = $rt, bridge/bridge on tmpfs = $rd"
    SUMMARY="$SUMMARY$(printf '| %s | %.0f req/s (p50 %s, p99 %s ms) | %.0f req/s (p50 %s, p99 %s ms) | x%s | %.0f req/s (p50 %s, p99 %s ms) | x%s | %.0f req/s (p99 %s ms) | x%s |' \
        "$c" "$RPS_peer" "$P50_peer" "$P99_peer" "$RPS_bridge" "$P50_bridge" "$P99_bridge" "$r" \
        "$RPS_syncfs" "$P50_syncfs" "$P99_syncfs" "$rs" "$RPS_tmpfs" "$P99_tmpfs" "$rt")
"
done
echo "summary:"
echo "| connections | Express peer | postmask-bridge | bridge / peer | bridge, spool_sync_method = syncfs | syncfs / peer | bridge, tmpfs spool | tmpfs / peer |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s' "$SUMMARY"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_OK=1
