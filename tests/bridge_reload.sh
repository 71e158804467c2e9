#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# postmask-bridge reloads on SIGHUP and SIGUSR1 (bridge/bridge_reload.h),
# checked as an admin would, with real signals to the running bridge (the
# Twilio stand-in behind it):
#   a. webhook token rotation: a webhook signed with the new token gets 200
#      and one signed with the old token 403 (before the reload, the
#      reverse); a rotated Twilio auth token is what the next Twilio
#      request uses; the log names no secret;
#   b. a broken main.cf keeps the running configuration with one warning
#      naming the file, the line and the parameter, and so does a secret
#      file that cannot be read (a change to main.cf made with it does not
#      take either); the bridge still answers /healthz and takes webhooks
#      with the running token;
#   c. a changed restart-only parameter (bridge_listen) is named in a
#      warning and the bridge still answers on the old port;
#   d. live parameters change (SIGUSR1): after a new first key in the keys
#      file, a new first proxy domain and new SMS proxy numbers, the next
#      conversation's proxy address is made with the new key and domain,
#      decodes with postmaskctl, and its SMS participant gets a new number;
#   e. an HTTP request in progress across a reload (headers sent before the
#      signal, the body after) gets its 200;
#   g. a conversation start waiting on a Twilio retry across a reload
#      finishes (with the number it chose), and the next start uses the
#      new proxy numbers;
#   f. systemd hears RELOADING=1, then READY=1 again, for each reload.
# Every wait is a bounded poll for a log line; nothing is timed.
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"
export LC_ALL=C

command -v jq >/dev/null || t_fail "jq not installed (run make deps)"
command -v python3 >/dev/null || t_fail "python3 is needed"
dir=$(t_tmpdir reload)
t_standin_start "$dir/standin"

# A fake systemd: every sd_notify message, one a line, in $dir/notify.
NOTIFY_SOCKET=$dir/notify.sock
export NOTIFY_SOCKET
python3 - "$NOTIFY_SOCKET" "$dir/notify" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(300)       # never outlives a test that failed to stop it
with open(sys.argv[2], "w") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        out.flush()
PY
notify_pid=$!
until [ -S "$NOTIFY_SOCKET" ]; do
    kill -0 $notify_pid 2>/dev/null || t_fail "the notify listener exited"
    sleep 0.1
done

OLD_TOKEN=webhook-token-old-5f1e
NEW_TOKEN=webhook-token-new-8c2a
(umask 077; echo "$OLD_TOKEN" > "$dir/webhook_token")
URL="https://bridge.example.com/twilio/webhook"
t_bridge_start "$dir" "$T_STANDIN_URL" "$T_STANDIN_ACCOUNT" "$T_STANDIN_TOKEN_FILE" <<CF
webhook_url = $URL
twilio_webhook_token_file = $dir/webhook_token
sms_proxy_numbers = +15005550001
catchup_interval = 0
smtp_submit_url = smtp://127.0.0.1:9
job_minimal_backoff = 1h
job_maximal_backoff = 1h
CF
cleanup() {
    kill $notify_pid 2>/dev/null
    wait $notify_pid 2>/dev/null
    t_bridge_cleanup
}
t_on_exit cleanup

# set_param NAME VALUE: NAME = VALUE in main.cf, replaced or added;
# del_param NAME: its line removed.
set_param() {
    awk -v n="$1" -v v="$2" '$1 == n && $2 == "=" { print n " = " v; done = 1; next }
        { print } END { if (!done) print n " = " v }' "$dir/main.cf" > "$dir/main.cf.new"
    mv "$dir/main.cf.new" "$dir/main.cf"
}
del_param() {
    awk -v n="$1" '!($1 == n && $2 == "=")' "$dir/main.cf" > "$dir/main.cf.new"
    mv "$dir/main.cf.new" "$dir/main.cf"
}

# reload SIGNAL: sends it to the bridge and waits for the reload's outcome
# line; the lines it logged meanwhile are in $T_WORK/reload.log.
OUTCOME=': reload: config |: warning: reload failed: '
reload() {
    r_from=$(wc -l < "$T_BRIDGE_LOG")
    r_before=$(grep -Ec "$OUTCOME" "$T_BRIDGE_LOG")
    kill -"$1" "$T_BRIDGE_PID" || t_fail "cannot signal the bridge"
    r_i=0
    until [ "$(grep -Ec "$OUTCOME" "$T_BRIDGE_LOG")" -gt "$r_before" ]; do
        kill -0 "$T_BRIDGE_PID" 2>/dev/null \
            || t_fail "the bridge exited on SIG$1: $(tail -5 "$T_BRIDGE_LOG")"
        r_i=$((r_i + 1))
        [ $r_i -lt 150 ] || t_fail "no reload outcome after SIG$1: $(tail -5 "$T_BRIDGE_LOG")"
        sleep 0.1
    done
    tail -n +"$((r_from + 1))" "$T_BRIDGE_LOG" > "$T_WORK/reload.log"
}
# logged PATTERN: a line of the last reload matches (grep -E).
logged() {
    grep -Eq -- "$1" "$T_WORK/reload.log" \
        || t_fail "no line /$1/ in the reload's log: $(cat "$T_WORK/reload.log")"
}
not_logged() {
    grep -Eq -- "$1" "$T_WORK/reload.log" \
        && t_fail "line /$1/ in the reload's log: $(cat "$T_WORK/reload.log")"
    return 0
}

# sign TOKEN NAME=VALUE...: Twilio's signature over $URL and the fields.
sign() {
    s_token=$1
    shift
    t_twilio_sign "$s_token" "$URL" "$@"
}
# event N: the fields of onMessageAdded number N (plain values: the form
# body is the fields joined with '&').
CONV=CH0123456789abcdef0123456789abcdef
event() {
    echo "AccountSid=$T_STANDIN_ACCOUNT EventType=onMessageAdded" \
        "ConversationSid=$CONV MessageSid=IM$(printf '%032d' "$1")" \
        "Author=seeker_1 Body=Hello Index=$1 Source=SDK"
}
# webhook TOKEN N: posts event N signed with TOKEN; prints the status.
webhook() {
    # shellcheck disable=SC2046
    set -- "$1" $(event "$2")
    w_sig=$(sign "$@")
    shift
    curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Signature: $w_sig" \
        --data "$(echo "$@" | tr ' ' '&')" "$T_BRIDGE_WEBHOOK_URL/twilio/webhook"
}
expect_webhook() {     # expect_webhook TOKEN N STATUS WHAT
    w_code=$(webhook "$1" "$2")
    [ "$w_code" = "$3" ] || t_fail "$4: HTTP $w_code, want $3"
}
healthz() {
    [ "$(curl -s "$T_BRIDGE_URL/healthz" | jq -r .status)" = ok ] \
        || t_fail "$1: /healthz does not answer ok"
}
# conversation SEEKER PHONE: POST /v1/conversations; the answer in $answer.
conversation() {
    curl -s -o "$T_WORK/answer" -H "Authorization: Bearer $T_BRIDGE_API_TOKEN" \
        -H 'Content-Type: application/json' --data-binary \
        "{\"seeker\":{\"id\":\"$1\",\"name\":\"Ann\",\"sms\":\"$2\"},\"building_contact\":{\"id\":\"bc-1\",\"name\":\"Bob\",\"email\":\"bob@example.net\"},\"listing\":{\"id\":\"L-1\",\"title\":\"Unit 4B\"}}" \
        "$T_BRIDGE_URL/v1/conversations" || t_fail "POST /v1/conversations failed"
    answer=$(cat "$T_WORK/answer")
}
seeker_proxy_number() {
    jq -r '.participants[] | select(.role == "seeker" and .channel == "sms") | .proxy_address' \
        "$T_WORK/answer"
}

# a. Webhook token rotation.
expect_webhook "$OLD_TOKEN" 1 200 "before the reload, the running token"
expect_webhook "$NEW_TOKEN" 2 403 "before the reload, the new token"
(umask 077; echo "$NEW_TOKEN" > "$dir/webhook_token")
reload HUP
logged ": reload: config $dir/main.cf, 1 proxy domain\(s\), 1 address key\(s\)$"
not_logged "warning"
expect_webhook "$NEW_TOKEN" 3 200 "after the reload, the new token"
expect_webhook "$OLD_TOKEN" 4 403 "after the reload, the old token"

# ... and the Twilio auth token: a wrong one makes Twilio refuse the next
# request, the right one again makes it work.
(umask 077; echo "not-the-auth-token" > "$dir/twilio_auth_token")
reload HUP
conversation s-1 +14155550101
[ "$(echo "$answer" | jq -r .twilio_status)" = 401 ] \
    || t_fail "with a wrong auth token reloaded: $answer"
cp "$T_STANDIN_TOKEN_FILE" "$dir/twilio_auth_token"
reload HUP
conversation s-1 +14155550101
case $(echo "$answer" | jq -r .proxy_address) in
    k1-*@reply.example.com) ;;
    *) t_fail "with the auth token back: $answer" ;;
esac
[ "$(seeker_proxy_number)" = +15005550001 ] || t_fail "proxy number: $answer"
for secret in "$OLD_TOKEN" "$NEW_TOKEN" not-the-auth-token "$T_STANDIN_TOKEN"; do
    grep -qF -- "$secret" "$T_BRIDGE_LOG" && t_fail "a secret is in the log: $secret"
done

# b. A broken main.cf: the running configuration stays.
set_param job_concurrency many
reload HUP
logged "warning: reload failed: $dir/main.cf, line [0-9]+: job_concurrency: .*; keeping the running configuration$"
not_logged ": reload: config "
[ "$(grep -c "reload failed" "$T_WORK/reload.log")" = 1 ] \
    || t_fail "not one line for the failed reload: $(cat "$T_WORK/reload.log")"
healthz "after a failed reload"
expect_webhook "$NEW_TOKEN" 5 200 "after a failed reload, the running token"
del_param job_concurrency

# A secret file the bridge may not read (other users may): nothing of the
# reload takes, not the webhook_url changed with it either.
set_param webhook_url https://elsewhere.example.com/twilio/webhook
chmod 644 "$dir/webhook_token"
reload HUP
logged "warning: reload failed: twilio_webhook_token_file: .*$dir/webhook_token.*; keeping the running configuration$"
expect_webhook "$NEW_TOKEN" 6 200 "after a failed reload, the running webhook_url"
chmod 600 "$dir/webhook_token"
set_param webhook_url "$URL"

# c. A restart-only parameter: named, and the bridge stays where it was.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
set_param bridge_listen "127.0.0.1:$port"
reload HUP
logged "warning: reload: bridge_listen changed; it takes effect when postmask-bridge restarts$"
[ "$(grep -c "takes effect when" "$T_WORK/reload.log")" = 1 ] \
    || t_fail "other parameters named: $(cat "$T_WORK/reload.log")"
logged ": reload: config $dir/main.cf, "
healthz "after bridge_listen changed"
[ "$(curl -s "http://127.0.0.1:$port/healthz" | jq -r .status 2>/dev/null)" = ok ] \
    && t_fail "the bridge answers on the new port before a restart"

# d. Live parameters (SIGUSR1): a new first key, a new first proxy domain
# and other SMS proxy numbers.
(umask 077
 { echo "k2 fedcba9876543210fedcba9876543210"; cat "$dir/address.keys"; } > "$dir/address.keys.new")
mv "$dir/address.keys.new" "$dir/address.keys"
set_param proxy_domains "new.example.org, reply.example.com"
set_param sms_proxy_numbers "+15005550009"
reload USR1
logged ": reload: config $dir/main.cf, 2 proxy domain\(s\), 2 address key\(s\)$"
conversation s-2 +14155550102
address=$(echo "$answer" | jq -r .proxy_address)
case $address in
    k2-*@new.example.org) ;;
    *) t_fail "after the reload, the proxy address is $address, want k2-...@new.example.org: $answer" ;;
esac
sid=$("$BIN/postmaskctl" -c "$dir" address decode "$address") \
    || t_fail "postmaskctl cannot decode $address"
[ "$sid" = "$(echo "$answer" | jq -r .conversation_sid)" ] \
    || t_fail "$address decodes to $sid: $answer"
[ "$(seeker_proxy_number)" = +15005550009 ] \
    || t_fail "after the reload, the seeker's proxy number: $answer"

# g. A conversation start in flight across a reload: Twilio answers its
# first participant 429 (Retry-After: 2), the bridge reloads with other
# proxy numbers while the retry waits, and the start then finishes, with
# the number it chose from the pool it started with (the ASan build fails
# it on any use of the replaced configuration); the next start uses the
# new pool.
curl -s -o /dev/null -X POST "$T_STANDIN_URL/_standin/faults" \
    -d Operation=create_participant -d Fault=429 -d Count=1 -d RetryAfter=2 \
    || t_fail "cannot inject the fault"
(conversation s-3 +14155550103; cp "$T_WORK/answer" "$T_WORK/answer.g") &
start_pid=$!
i=0
until [ "$(curl -s "$T_STANDIN_URL/_standin/requests" \
           | jq '[.requests[] | select(.operation == "create_participant" and .status == 429)] | length')" -ge 1 ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || t_fail "the start never met its 429"
    sleep 0.1
done
set_param sms_proxy_numbers "+15005550077"
reload USR1
logged ": reload: config $dir/main.cf, "
wait $start_pid || t_fail "the start in flight failed"
cp "$T_WORK/answer.g" "$T_WORK/answer"
[ "$(jq -r .conversation_sid "$T_WORK/answer")" != null ] \
    || t_fail "the start across the reload: $(cat "$T_WORK/answer")"
[ "$(seeker_proxy_number)" = +15005550009 ] \
    || t_fail "the start across the reload did not keep its pool: $(cat "$T_WORK/answer")"
conversation s-4 +14155550104
[ "$(seeker_proxy_number)" = +15005550077 ] \
    || t_fail "a start after the reload does not use the new pool: $answer"

# e. A request in progress across a reload: headers, signal, body.
# shellcheck disable=SC2046
set -- $(event 7)
body=$(echo "$@" | tr ' ' '&')
sig=$(sign "$NEW_TOKEN" "$@")
from=$(grep -Ec "$OUTCOME" "$T_BRIDGE_LOG")
status=$(python3 - "${T_BRIDGE_WEBHOOK_URL#http://}" "$sig" "$body" "$T_BRIDGE_PID" \
                   "$T_BRIDGE_LOG" "$from" <<'PY'
import os, re, signal, socket, sys, time
hostport, sig, body, pid, log, before = sys.argv[1:7]
host, port = hostport.rsplit(":", 1)
outcome = re.compile(r": reload: config |: warning: reload failed: ")
s = socket.create_connection((host, int(port)))
s.sendall(("POST /twilio/webhook HTTP/1.1\r\nHost: %s\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n"
           "X-Twilio-Signature: %s\r\nContent-Length: %d\r\n\r\n"
           % (hostport, sig, len(body))).encode())
os.kill(int(pid), signal.SIGHUP)
for _ in range(150):
    with open(log) as f:
        if sum(1 for line in f if outcome.search(line)) > int(before):
            break
    time.sleep(0.1)
else:
    sys.exit("no reload outcome")
s.sendall(body.encode())
s.settimeout(30)
answer = b""
while b"\r\n" not in answer:
    chunk = s.recv(4096)
    if not chunk:
        break
    answer += chunk
print(answer.split(b" ")[1].decode() if answer else "no answer")
PY
) || t_fail "the request across the reload: $status"
[ "$status" = 200 ] || t_fail "the request across the reload got $status"
[ "$(grep -Ec "$OUTCOME" "$T_BRIDGE_LOG")" -gt "$from" ] || t_fail "no reload during the request"

# f. systemd: a RELOADING=1 and a READY=1 after it for every reload.
reloads=$(grep -Ec "$OUTCOME" "$T_BRIDGE_LOG")
t_bridge_stop
i=0
until grep -q '^STOPPING=1' "$dir/notify"; do      # the last one sent
    i=$((i + 1))
    [ $i -lt 100 ] || t_fail "no STOPPING=1: $(cat "$dir/notify")"
    sleep 0.1
done
[ "$(grep -c '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' "$dir/notify")" = "$reloads" ] \
    || t_fail "$reloads reloads, notify: $(cat "$dir/notify")"
awk '/^RELOADING=1/ { if (open) bad = 1; open = 1 } /^READY=1/ { open = 0 }
     END { exit bad || open }' "$dir/notify" \
    || t_fail "a RELOADING=1 without READY=1 after it: $(cat "$dir/notify")"
t_pass
