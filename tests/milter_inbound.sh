#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# postmask-milter's inbound side at the protocol level, with miltertest
# (tests/milter/inbound.lua): what the milter answers at each step, which
# changes it asks for at end of message, and what it leaves in the spool and
# the log.
. "$SRC/tests/lib.sh"

command -v miltertest >/dev/null || t_fail "miltertest is not installed (make deps)"
dir=$(t_tmpdir milter-inbound)
cat > "$dir/main.cf" <<CF
proxy_domains = reply.example.com
address_keys_file = $dir/address.keys
spool_directory = $dir/spool
milter_listen = unix:$dir/milter.sock
capture_size_limit = 65536
CF
(umask 077; echo "k1 0123456789abcdef0123456789abcdef" > "$dir/address.keys")

sid=CH0123456789abcdef0123456789abcdef
proxy=$("$BIN/postmaskctl" -c "$dir" address encode $sid) || t_fail "encode failed"
# Flip one character in the middle of the tag: a forged address.
forged=$(echo "$proxy" | python3 -c 'import sys
a = sys.stdin.read().strip(); i = a.index("@") - 5
print(a[:i] + ("a" if a[i] != "a" else "b") + a[i + 1:])')
"$BIN/postmaskctl" -c "$dir" address decode "$forged" >/dev/null 2>&1 \
    && t_fail "the forged address decodes"

t_milter_start "$dir"
log=$T_MILTER_LOG

# run_case CASE [MESSAGE-ID]
run_case() {
    PM_SOCK="unix:$dir/milter.sock" PM_PROXY=$proxy PM_FORGED=$forged PM_CASE=$1 \
        PM_MSGID=${2:-reply-$1@building.example} \
        miltertest -s "$SRC/tests/milter/inbound.lua" >"$T_WORK/mt.out" 2>&1 \
        || t_fail "miltertest case $1: $(cat "$T_WORK/mt.out"); milter log: $(cat "$log")"
}

jobs() {
    ls "$dir/spool/active" | wc -l
}

# payload JOBID EXPR: evaluates a Python expression over the job's
# payload, its JSON line bound to p and the message after it to raw, and
# prints the result.
payload() {
    python3 - "$dir/spool/active/$1" "$2" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
line, raw = data.split(b"\n\n", 1)[1].split(b"\n", 1)
p = json.loads(line)
print(eval(sys.argv[2]))
PY
}

run_case forged
grep -q "4QUEUEIDforged: reject: RCPT from mail.sender.example\[192.0.2.7\]: 550 5.1.1 <$forged>: forged proxy address" "$log" \
    || t_fail "no reject log line for the forged address: $(cat "$log")"
run_case malformed
grep -q "reject: RCPT from .*: 550 5.1.1 <not-a-proxy@reply.example.com>: malformed proxy address" "$log" \
    || t_fail "no reject log line for a malformed address: $(cat "$log")"
[ -d "$dir/spool/active" ] || t_fail "no spool"
[ "$(jobs)" -eq 0 ] || t_fail "a refused recipient left a job"

run_case capture
[ "$(jobs)" -eq 1 ] || t_fail "capture: $(jobs) jobs in the spool, want 1"
job=$(ls "$dir/spool/active")
grep -q "4QUEUEIDcapture: captured: conversation $sid, reply, job $job" "$log" \
    || t_fail "no capture log line: $(cat "$log")"
grep -q "4QUEUEIDcapture: discard: captured for 1 proxy recipient(s), no other recipient" "$log" \
    || t_fail "no discard log line"
[ "$(payload "$job" 'p["conversation_sid"]')" = "$sid" ] || t_fail "payload: conversation_sid"
[ "$(payload "$job" 'p["proxy_address"]')" = "$proxy" ] || t_fail "payload: proxy_address"
[ "$(payload "$job" 'p["envelope_sender"]')" = "contact@building.example" ] || t_fail "payload: envelope_sender"
[ "$(payload "$job" 'p["queue_id"]')" = "4QUEUEIDcapture" ] || t_fail "payload: queue_id"
[ "$(payload "$job" 'p["capture"]["text"]')" = "Yes, it is still available. Come on Monday." ] \
    || t_fail "payload: text is [$(payload "$job" 'p["capture"]["text"]')]"
[ "$(payload "$job" 'p["capture"]["from"]["address"]')" = "contact@building.example" ] || t_fail "payload: from"
[ "$(payload "$job" 'p["capture"]["message_id"]')" = "reply-capture@building.example" ] || t_fail "payload: message_id"
[ "$(payload "$job" 'p["raw_size"] == len(raw)')" = True ] || t_fail "payload: raw_size is not the message's"
payload "$job" 'raw.decode()' | grep -q "^> Is the office still available?" \
    || t_fail "payload: the raw message is not kept whole"

# The same message again (a sender's retry): no second capture.
run_case capture
[ "$(jobs)" -eq 1 ] || t_fail "a resent message was captured twice"
grep -q "4QUEUEIDcapture: duplicate: conversation $sid, already captured as job $job" "$log" \
    || t_fail "no duplicate log line: $(cat "$log")"

run_case mixed
[ "$(jobs)" -eq 2 ] || t_fail "mixed: $(jobs) jobs, want 2"
grep -q "4QUEUEIDmixed: removed 1 internal X-Postmask header(s) from outside" "$log" \
    || t_fail "no log line for the removed internal header"
grep -q "4QUEUEIDmixed: discard" "$log" && t_fail "mixed: the message was discarded"

# The spool fails: 451, nothing captured, nothing lost (the sender retries).
mv "$dir/spool/incoming" "$dir/spool/incoming.away"
: > "$dir/spool/incoming"
run_case tempfail
rm "$dir/spool/incoming"
mv "$dir/spool/incoming.away" "$dir/spool/incoming"
[ "$(jobs)" -eq 2 ] || t_fail "tempfail: a job appeared"
grep -q "4QUEUEIDtempfail: tempfail: conversation $sid: cannot spool the capture" "$log" \
    || t_fail "no tempfail log line: $(cat "$log")"
# The sender retries the same message: now it is captured, exactly once.
run_case capture reply-tempfail@building.example
[ "$(jobs)" -eq 3 ] || t_fail "the retry after the tempfail: $(jobs) jobs, want 3"
run_case capture reply-tempfail@building.example
[ "$(jobs)" -eq 3 ] || t_fail "a second retry made another job"

run_case toobig
grep -q "4QUEUEIDtoobig: reject: message to proxy address larger than capture_size_limit (65536 bytes)" "$log" \
    || t_fail "no reject log line for the oversized message: $(cat "$log")"
[ "$(jobs)" -eq 3 ] || t_fail "toobig: a job appeared"
run_case toobighdr
grep -q "4QUEUEIDtoobighdr: reject: message to proxy address larger than capture_size_limit (65536 bytes)" "$log" \
    || t_fail "no reject log line for the oversized headers: $(cat "$log")"
[ "$(jobs)" -eq 3 ] || t_fail "toobighdr: a job appeared"

# The null sender: only a valid bounce tag (bounce_tag.h) lets a delivery
# report in; anything else is accepted and discarded, nothing captured.
(umask 077; echo "k1 another-secret-0123456789abcdef" > "$dir/other.keys")
tagged=$(python3 "$SRC/tests/bounce_tag.py" "$dir/address.keys" "$proxy") || t_fail "tag"
expired=$(python3 "$SRC/tests/bounce_tag.py" "$dir/address.keys" "$proxy" -30) || t_fail "tag"
future=$(python3 "$SRC/tests/bounce_tag.py" "$dir/address.keys" "$proxy" 3) || t_fail "tag"
forged_tag=$(python3 "$SRC/tests/bounce_tag.py" "$dir/other.keys" "$proxy") || t_fail "tag"
null_case() {   # NAME RCPTS STATUS: discarded, and only this line logged
    lines=$(wc -l < "$log")
    PM_RCPT=$2 run_case null "$1@bounce.example"
    [ "$(jobs)" -eq 3 ] || t_fail "null sender, $1: $(jobs) jobs, want 3"
    tail -n +$((lines + 1)) "$log" > "$T_WORK/new.log"
    grep -q "4QUEUEIDnull: discard: null sender to conversation $sid: no valid bounce tag ($3)\$" "$T_WORK/new.log" \
        || t_fail "null sender, $1: no discard line with ($3): $(cat "$T_WORK/new.log")"
    grep -q ": captured: " "$T_WORK/new.log" && t_fail "null sender, $1: captured"
    grep -q "4QUEUEIDnull: discard: nothing captured for [0-9]* proxy recipient(s), no other recipient\$" "$T_WORK/new.log" \
        || t_fail "null sender, $1: the discard line does not say nothing was captured: $(cat "$T_WORK/new.log")"
}
null_case untagged "$proxy" none
null_case expired "$expired" expired
null_case future "$future" expired
null_case forged "$forged_tag" forged
null_case malformed "${proxy%@*}+bjtn7t6bu2d@reply.example.com" malformed
null_case twice "$proxy $forged_tag" forged
PM_RCPT="$proxy $tagged" run_case null valid@bounce.example
[ "$(jobs)" -eq 4 ] || t_fail "null sender, valid tag: $(jobs) jobs, want 4"
job=$(grep "4QUEUEIDnull: captured: conversation $sid, bounce, job " "$log" | sed 's/.* job //')
[ -n "$job" ] || t_fail "null sender, valid tag: no captured line: $(cat "$log")"
[ "$(payload "$job" 'p["bounce_tag"]')" = valid ] || t_fail "payload: bounce_tag"
[ "$(payload "$job" 'p["proxy_address"]')" = "$tagged" ] || t_fail "payload: proxy_address"
[ "$(payload "$job" 'p["envelope_sender"]')" = "" ] || t_fail "payload: envelope_sender"

run_case passthrough
run_case internal
grep -q "4QUEUEIDinternal: removed 2 internal X-Postmask header(s) from outside" "$log" \
    || t_fail "no log line for removed internal headers"
[ "$(jobs)" -eq 4 ] || t_fail "mail without proxy recipients left a job"
t_pass
