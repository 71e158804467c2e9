#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Slow and abusive clients on the webhook listener (webhook_listen) do not
# reach the API listener (bridge_listen) and do not keep Twilio out:
#
# 1. Slowloris for 45 s: 400
#    connections from 40 client addresses (10 each, under
#    bridge_client_connection_limit), each sending a byte of an endless
#    header a second and connecting again when closed.  The listener
#    (bridge_connection_limit 256) closes the oldest of them for newcomers.
#    Meanwhile /healthz
#    on the API listener answers every second, and real signed webhooks
#    sent 5 s and 40 s into the attack are answered 200 (bounded at 5 s,
#    generously: no timing is asserted).
# 2. 10,000 idle connections from one address on the webhook listener,
#    held for 8 s: all but bridge_client_connection_limit (32) are closed
#    at once; /healthz answers, and a signed webhook from another address
#    is answered 200.
# 3. Five clients trickling a byte a second, alone: cut at
#    bridge_header_timeout (5 s here) although never idle.
# Each counts its refusals in /metrics and logs them.  The whole test takes
# about 65 s.  Loopback addresses 127.0.0.2 and up stand for other clients.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

command -v python3 >/dev/null || t_fail "python3 is needed"
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge 10300 ] || t_fail "ulimit -n is $(ulimit -n); 10,300 descriptors are needed"

dir=$(t_tmpdir slow-clients)
TOKEN=slow-clients-auth-token-7
(umask 077; echo "$TOKEN" > "$dir/token")
# Twilio is never called here: nothing listens on port 9.
t_bridge_start "$dir" http://127.0.0.1:9 AC0123456789abcdef0123456789abcdef "$dir/token" <<CF
webhook_url = https://bridge.example.com/twilio/webhook
bridge_header_timeout = 5s
catchup_interval = 0
CF
URL="https://bridge.example.com/twilio/webhook"
CONV=CH0123456789abcdef0123456789abcdef
wport=${T_BRIDGE_WEBHOOK_URL##*:}
[ "$T_BRIDGE_WEBHOOK_URL" != "$T_BRIDGE_URL" ] || t_fail "one listener for both"

# The webhook is not served on the API listener, nor the API on the webhook's.
code=$(curl -s -o /dev/null -w '%{http_code}' -d x=y "$T_BRIDGE_URL/twilio/webhook")
[ "$code" = 404 ] || t_fail "POST /twilio/webhook on bridge_listen: $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' "$T_BRIDGE_WEBHOOK_URL/healthz")
[ "$code" = 404 ] || t_fail "GET /healthz on webhook_listen: $code, want 404"

# webhook MESSAGE_SID: posts a signed onMessageAdded from 127.0.0.2; sets
# $code ("000" when there was no answer within 5 s).
webhook() {
    set -- "AccountSid=AC0123456789abcdef0123456789abcdef" "EventType=onMessageAdded" \
        "ConversationSid=$CONV" "MessageSid=$1" "Author=+14155550123" \
        "ParticipantSid=MB00000000000000000000000000000001" "Body=Hello" "Index=0" "Source=SMS"
    w_sig=$(t_twilio_sign "$TOKEN" "$URL" "$@")
    w_args=""
    for p in "$@"; do w_args="$w_args --data-urlencode $p"; done
    # shellcheck disable=SC2086
    code=$(curl -s -o "$T_WORK/answer" -w '%{http_code}' --max-time 5 --interface 127.0.0.2 \
        -H "X-Twilio-Signature: $w_sig" $w_args "$T_BRIDGE_WEBHOOK_URL/twilio/webhook") || true
}
healthz() {
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$T_BRIDGE_URL/healthz") || true
    [ "$code" = 200 ] || t_fail "/healthz on bridge_listen during the $1: '$code'"
}
metric() {      # metric REASON: postmask_http_refused_total on webhook_listen
    curl -s "$T_BRIDGE_URL/metrics" \
        | sed -n "s/^postmask_http_refused_total{listener=\"webhook_listen\",reason=\"$1\"} //p"
}

attack=""
trap 'kill $attack 2>/dev/null; t_bridge_cleanup' EXIT

cat > "$T_WORK/attack.py" <<'PY'
import errno, selectors, socket, sys, time
mode, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sel = selectors.DefaultSelector()
socks = {}
closed = 0

def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks[s] = [src, 0]
    sel.register(s, selectors.EVENT_READ)

if mode == "slowloris":
    sources = ["127.0.0.%d" % (10 + i // 10) for i in range(400)]
elif mode == "trickle":
    sources = ["127.0.0.4"] * 5
else:
    sources = ["127.0.0.3"] * 10000
for src in sources:
    connect(src)
print("opened %d" % len(socks), flush=True)
line = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
end = time.time() + seconds
next_tick = time.time()
while time.time() < end:
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            closed += 1
            src = socks.pop(s)[0]
            sel.unregister(s)
            s.close()
            if mode == "slowloris":
                connect(src)
    if mode != "idle" and time.time() >= next_tick:
        next_tick += 1
        for s, st in list(socks.items()):
            try:
                s.send(line[st[1]:st[1] + 1])
                st[1] += 1
            except OSError:
                pass
print("closed by the server: %d" % closed, flush=True)
PY

# 1. Slowloris.
python3 "$T_WORK/attack.py" slowloris "$wport" 45 > "$T_WORK/slowloris.out" 2>&1 &
attack=$!
i=0
while kill -0 $attack 2>/dev/null; do
    i=$((i + 1))
    healthz slowloris
    if [ $i = 5 ] || [ $i = 40 ]; then
        webhook "IM0000000000000000000000000000000$((i / 5))"
        [ "$code" = 200 ] || t_fail "a signed webhook $i s into the slowloris: '$code' $(cat "$T_WORK/answer" 2>/dev/null)"
    fi
    sleep 1
done
wait $attack || t_fail "the slowloris client failed: $(cat "$T_WORK/slowloris.out")"
[ $i -ge 40 ] || t_fail "the slowloris ended early: $(cat "$T_WORK/slowloris.out")"
[ "$(metric listener_full)" -ge 1 ] 2>/dev/null \
    || t_fail "no slow connection was closed for a newcomer: $(curl -s "$T_BRIDGE_URL/metrics" | grep refused)"

# 2. 10,000 idle connections from one address.
python3 "$T_WORK/attack.py" idle "$wport" 8 > "$T_WORK/idle.out" 2>&1 &
attack=$!
i=0
while kill -0 $attack 2>/dev/null; do
    i=$((i + 1))
    healthz "10,000 idle connections"
    if [ $i = 3 ]; then
        webhook IM0000000000000000000000000000000a
        [ "$code" = 200 ] || t_fail "a signed webhook during the idle flood: '$code'"
    fi
    sleep 1
done
wait $attack || t_fail "the idle client failed: $(cat "$T_WORK/idle.out")"
grep -q "opened 10000" "$T_WORK/idle.out" || t_fail "idle: $(cat "$T_WORK/idle.out")"
[ "$(metric client_limit)" -ge 5000 ] 2>/dev/null \
    || t_fail "the connections over bridge_client_connection_limit were not closed: $(curl -s "$T_BRIDGE_URL/metrics" | grep refused); $(cat "$T_WORK/idle.out")"
grep -Eq "http: 127\.0\.0\.3:[0-9]+: closed on webhook_listen: too many connections from this client address" "$T_BRIDGE_LOG" \
    || t_fail "no log line for the per-address limit"
# The three webhooks were queued.
[ "$("$BIN/postmaskctl" -c "$dir" queue list 2>/dev/null | grep -c twilio_message)" = 3 ] \
    || t_fail "the webhooks were not both queued: $("$BIN/postmaskctl" -c "$dir" queue list 2>&1)"

# 3. A few slow clients alone (no one waits for their slots): cut at
# bridge_header_timeout (5 s) although they are never idle.
python3 "$T_WORK/attack.py" trickle "$wport" 8 > "$T_WORK/trickle.out" 2>&1 \
    || t_fail "the trickling client failed: $(cat "$T_WORK/trickle.out")"
grep -q "closed by the server: 5" "$T_WORK/trickle.out" \
    || t_fail "the trickling clients were not cut: $(cat "$T_WORK/trickle.out")"
[ "$(metric header_timeout)" -ge 5 ] 2>/dev/null \
    || t_fail "the cut is not counted: $(curl -s "$T_BRIDGE_URL/metrics" | grep refused)"
grep -Eq "http: 127\.0\.0\.4:[0-9]+: refused on webhook_listen: no whole request line and headers within bridge_header_timeout" "$T_BRIDGE_LOG" \
    || t_fail "no log line for a header timeout"
t_bridge_stop
