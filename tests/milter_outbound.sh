#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# postmask-milter's masking listener at the protocol level, with miltertest
# (tests/milter/outbound.lua): header changes of a masked message, refusals
# (no conversation header, a malformed SID, two headers, a leak the rewrite
# cannot fix), the unmasked sender, and no masking on the MX listener.
. "$SRC/tests/lib.sh"

command -v miltertest >/dev/null || t_fail "miltertest is not installed (make deps)"
dir=$(t_tmpdir milter-outbound)
cat > "$dir/main.cf" <<CF
proxy_domains = reply.example.com
address_keys_file = $dir/address.keys
spool_directory = $dir/spool
milter_listen = unix:$dir/milter.sock
masking_daemon_names = postmask-masking
unmasked_senders = no-reply@example.com
CF
(umask 077; echo "k1 0123456789abcdef0123456789abcdef" > "$dir/address.keys")
sid=CH0123456789abcdef0123456789abcdef
proxy=$("$BIN/postmaskctl" -c "$dir" address encode $sid) || t_fail "encode failed"

t_milter_start "$dir"
log=$T_MILTER_LOG

run_case() {
    PM_SOCK="unix:$dir/milter.sock" PM_PROXY=$proxy PM_SID=$sid PM_CASE=$1 \
        miltertest -s "$SRC/tests/milter/outbound.lua" >"$T_WORK/mt.out" 2>&1 \
        || t_fail "miltertest case $1: $(cat "$T_WORK/mt.out"); milter log: $(cat "$log")"
}

run_case masked
grep -q "4OUTmasked: masked: conversation $sid, 2 address(es) rewritten: From=1 Reply-To=1, envelope sender" "$log" \
    || t_fail "no masked log line: $(cat "$log")"
run_case noheader
grep -q "4OUTnoheader: reject: masking listener: no X-Postmask-Conversation header and the sender is not in unmasked_senders" "$log" \
    || t_fail "no reject log line (no header): $(cat "$log")"
run_case badsid
grep -q "4OUTbadsid: reject: masking listener: X-Postmask-Conversation is not a conversation SID" "$log" \
    || t_fail "no reject log line (bad SID)"
run_case twoheaders
grep -q "4OUTtwoheaders: reject: masking listener: more than one X-Postmask-Conversation header" "$log" \
    || t_fail "no reject log line (two headers)"
run_case unmasked
grep -q "4OUTunmasked: pass: unmasked sender, no conversation" "$log" || t_fail "no pass log line"
run_case leak
grep -q "4OUTleak: reject: masking listener: conversation $sid: an original sender address would remain in the Subject header" "$log" \
    || t_fail "no reject log line (leak)"
run_case toomany
grep -q "4OUTtoomany: reject: masking listener: more than 64 sender addresses to mask" "$log" \
    || t_fail "no reject log line (too many addresses)"
run_case mx
grep -q "4OUTmx: masked" "$log" && t_fail "the MX listener masked a message"
grep -qi "gmail.example" "$log" && t_fail "the milter logged the seeker's address"
t_pass
