#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The intake journal under SIGKILL: 32 clients post signed onMessageAdded
# webhooks as fast as the bridge answers; the bridge is SIGKILLed while
# dozens are in flight, in the writer's queue, being appended to the
# journal or being made into job files.  Every webhook that got its 200
# must have exactly one job in the spool once the bridge is back (nothing
# answered is lost, nothing made twice), and a webhook retried after the
# restart is a duplicate of that job, never a second one.  Three kills
# with spool_sync_method = fsync, three with syncfs (the job files' sync).  Twilio is never called
# (nothing listens on port 9): jobs stay in the spool.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

dir=$(t_tmpdir webhook_crash)
TOKEN=webhook-crash-auth-token-7
(umask 077; echo "$TOKEN" > "$dir/token")
URL="https://bridge.example.com/twilio/webhook"

# blast ROUND: posts until 150 webhooks were answered 200 (then SIGKILLs
# the bridge from inside, so that requests are in flight), and writes the
# MessageSid of every 200 to $T_WORK/ok.ROUND.
blast() {
    python3 - "$T_BRIDGE_WEBHOOK_URL" "$URL" "$TOKEN" "$T_BRIDGE_PID" "$1" \
        "$T_WORK/ok.$1" <<'PY'
import base64, hashlib, hmac, http.client, os, signal, sys, threading, urllib.parse
target, url, token, pid, rnd, out = sys.argv[1:7]
host, port = target[len("http://"):].split(":")
lock = threading.Lock()
ok = []
state = {"n": 0, "killed": False}

def body(n):
    p = {"AccountSid": "AC0123456789abcdef0123456789abcdef",
         "EventType": "onMessageAdded", "Source": "SMS",
         "ConversationSid": "CH0123456789abcdef0123456789abcdef",
         "MessageSid": "IM%02d%030x" % (int(rnd), n),
         "ParticipantSid": "MB00000000000000000000000000000001",
         "Author": "+14155550123", "Index": str(n),
         "Body": "Is unit %d still free?" % n}
    s = url + "".join(k + p[k] for k in sorted(p))
    sig = base64.b64encode(hmac.new(token.encode(), s.encode(),
                                    hashlib.sha1).digest()).decode()
    return p["MessageSid"], sig, urllib.parse.urlencode(p)

def client():
    conn = None
    while True:
        with lock:
            if state["killed"]:
                return
            n = state["n"]; state["n"] += 1
        sid, sig, data = body(n)
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("POST", "/twilio/webhook", data, {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sig})
            r = conn.getresponse(); r.read()
        except Exception:
            return                      # the bridge is gone
        if r.status != 200:
            print("HTTP %d for %s" % (r.status, sid), file=sys.stderr)
            sys.exit(1)
        with lock:
            ok.append(sid)
            if len(ok) == 150 and not state["killed"]:
                os.kill(int(pid), signal.SIGKILL)
                state["killed"] = True

threads = [threading.Thread(target=client) for _ in range(32)]
for t in threads: t.start()
for t in threads: t.join()
with open(out, "w") as f:
    f.write("\n".join(ok) + "\n")
print(len(ok), state["n"])
PY
}

# check ROUND SYNC: with the bridge stopped after the restart that
# follows a kill (the restart drains the journal into the spool first),
# every webhook answered in ROUND has exactly one job, whatever state it
# is in (counted by file name across the states: nothing moves them now).
check() {
    missing=0
    for sid in $(cat "$T_WORK/ok.$1"); do
        n=$(grep -rl "$sid" "$dir/spool/active" "$dir/spool/deferred" \
                "$dir/spool/hold" "$dir/spool/dead" | sed 's|.*/||' | sort -u | wc -l)
        [ "$n" = 1 ] || { missing=$((missing + 1)); echo "$sid: $n jobs" >&2; }
    done
    [ "$missing" = 0 ] || t_fail "round $1 ($2): $missing of $(wc -l < "$T_WORK/ok.$1") answered webhooks do not have exactly one job"
    echo "round $1 ($2): $(wc -l < "$T_WORK/ok.$1") answered before the kill; each has its one job"
}

# start SYNC: the bridge on the spool, with spool_sync_method = SYNC.
start() {
    t_bridge_start "$dir" http://127.0.0.1:9 AC0123456789abcdef0123456789abcdef "$dir/token" <<CF
webhook_url = $URL
spool_sync_method = $1
catchup_interval = 0
CF
}

round=0
for sync in fsync fsync fsync syncfs syncfs syncfs; do
    round=$((round + 1))
    start $sync
    counts=$(blast $round) || t_fail "round $round: the clients failed"
    wait "$T_BRIDGE_PID" 2>/dev/null
    T_BRIDGE_PID=
    set -- $counts
    answered=$1 sent=$2
    [ "$answered" -ge 150 ] || t_fail "round $round: only $answered answered"
    start $sync                 # drains what the kill left in the journal
    t_bridge_stop
    [ -z "$(find "$dir/spool/journal" -type f -size +0)" ] \
        || t_fail "round $round: the journal is not empty after a restart and a stop"
    check $round $sync
done

# After a restart, spool_recover() has finished any job file the kill cut
# short, and a retried webhook is a duplicate of its job.
start fsync
sid=$(head -1 "$T_WORK/ok.1")
# jobs SID: how many jobs (by name, whatever their state) hold SID.
jobs() {
    grep -rl "$1" "$dir/spool/active" "$dir/spool/deferred" "$dir/spool/hold" \
        "$dir/spool/dead" | sed 's|.*/||' | sort -u | wc -l
}
jobs_before=$(jobs "$sid")
[ "$jobs_before" = 1 ] || t_fail "$sid has $jobs_before jobs, want 1"
python3 - "$T_BRIDGE_WEBHOOK_URL" "$URL" "$TOKEN" "$sid" <<'PY' || t_fail "the retry failed"
import base64, hashlib, hmac, urllib.parse, urllib.request, sys
target, url, token, sid = sys.argv[1:5]
n = int(sid[4:], 16)
p = {"AccountSid": "AC0123456789abcdef0123456789abcdef",
     "EventType": "onMessageAdded", "Source": "SMS",
     "ConversationSid": "CH0123456789abcdef0123456789abcdef",
     "MessageSid": sid, "ParticipantSid": "MB00000000000000000000000000000001",
     "Author": "+14155550123", "Index": str(n), "Body": "Is unit %d still free?" % n}
s = url + "".join(k + p[k] for k in sorted(p))
sig = base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()
req = urllib.request.Request(target + "/twilio/webhook", urllib.parse.urlencode(p).encode(),
                             {"X-Twilio-Signature": sig})
assert urllib.request.urlopen(req, timeout=10).status == 200
PY
grep -q "webhook: $sid from .*: duplicate of job" "$T_BRIDGE_LOG" \
    || t_fail "the retry of $sid was not a duplicate: $(grep "$sid" "$T_BRIDGE_LOG" | tail -3)"
t_bridge_stop
[ "$(jobs "$sid")" = 1 ] \
    || t_fail "the retry of $sid made a second job"
t_pass
