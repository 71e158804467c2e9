#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# milter_reload - postmask-milter reloads main.cf and the address keys on
# SIGUSR1 (ExecReload=) without dropping a session, through a real Postfix:
#   - key rotation: an address signed with a new key is refused (550)
#     before the reload and captured after it; with the old key removed,
#     a new session refuses an old-key address;
#   - an SMTP session open across the reload is not dropped and finishes
#     with the settings it started with (its old-key recipient added after
#     the reload is accepted, its message captured);
#   - a main.cf with an error: one warning naming file, line and parameter,
#     "keeping the running configuration", and mail flows as before;
#   - a start-up-only parameter (milter_listen) changed: a warning that it
#     applies after a restart, and Postfix still reaches the milter where
#     it listens; a live limit (rcpt_failure_limit) applies at once;
#   - SIGHUP stops the milter, as libmilter does (documented).
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"
. "$SRC/tests/postfix/reply_lib.sh"

pf_setup
pf_start
pf_milter_start || t_fail "the milter did not start: $(cat "$PF_MILTER_LOG")"
reply_setup                     # sid, proxy (key k1), forged

K1="k1 0123456789abcdef0123456789abcdef"
K2="k2 fedcba9876543210fedcba9876543210"

# The same conversation's address under key k2, encoded with a configuration
# of our own that signs with k2.
mkdir "$T_WORK/k2"
(umask 077 && printf '%s\n%s\n' "$K2" "$K1" > "$T_WORK/k2/address.keys")
cat > "$T_WORK/k2/main.cf" <<CF
proxy_domains = $PF_PROXY_DOMAINS
address_keys_file = $T_WORK/k2/address.keys
CF
proxy2=$("$BIN/postmaskctl" -c "$T_WORK/k2" address encode $sid) || t_fail "encode with k2"
case $proxy2 in k2-*) ;; *) t_fail "not a k2 address: $proxy2" ;; esac
sid_b=CH00000000000000000000000000000b0b
proxy_b=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $sid_b) || t_fail "encode b"

# reload PATTERN: SIGUSR1, then waits for PATTERN in the milter's log after
# the lines it had.
new_log_has() {
    tail -n +"$((rl_lines + 1))" "$PF_MILTER_LOG" | grep -q -- "$1"
}
reload() {
    rl_lines=$(wc -l < "$PF_MILTER_LOG")
    kill -USR1 "$PF_MILTER_PID" || t_fail "cannot signal the milter"
    _pf_poll 10 new_log_has "$1" \
        || t_fail "no '$1' after SIGUSR1: $(tail -n +"$((rl_lines + 1))" "$PF_MILTER_LOG")"
    pf_milter_running || t_fail "the milter stopped on SIGUSR1"
}

# Each message has a Message-ID of its own: a second capture of one
# Message-ID for one conversation is a duplicate.
for n in 1 2 3 4 5 6 7 8; do
    reply "$T_WORK/r$n" "r$n@building.example"
done

# 1. Before the reload, k2 is unknown: 550.
pf_swaks --from contact@building.example --to "$proxy2" --data "$T_WORK/r1"
pf_swaks_saw "^<\*\* +550 5\.1\.1 <$proxy2>" \
    || t_fail "a k2 address before the reload: want 550, got: $(cat "$PF_SWAKS_LOG")"
[ "$(jobs)" -eq 0 ] || t_fail "a refused address made a job"

# 2. A session opens before the reload: its first proxy recipient (k1) is
#    accepted, then it waits for $T_WORK/go.
cat > "$T_WORK/held.py" <<'PY'
import os, smtplib, sys, time
port, rcpt1, rcpt2, data, go, out = sys.argv[1:7]
log = open(out, "w", buffering=1)
s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
s.ehlo("held.test.example")
s.mail("contact@building.example")
log.write("rcpt1 %d\n" % s.rcpt(rcpt1)[0])
deadline = time.time() + 60
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.05)
log.write("rcpt2 %d\n" % s.rcpt(rcpt2)[0])
code, text = s.data(open(data, "rb").read())
log.write("data %d %s\n" % (code, text.decode(errors="replace")))
s.quit()
PY
python3 "$T_WORK/held.py" "$PF_PORT_MX" "$proxy" "$proxy_b" "$T_WORK/r2" \
    "$T_WORK/go" "$T_WORK/held.out" 2> "$T_WORK/held.err" &
held=$!
_pf_poll 20 grep -q '^rcpt1 ' "$T_WORK/held.out" \
    || t_fail "the held session did not get to RCPT: $(cat "$T_WORK/held.err")"
grep -q '^rcpt1 250$' "$T_WORK/held.out" || t_fail "held RCPT 1: $(cat "$T_WORK/held.out")"

# 3. Rotate: k2 only (k1 retired), reload.
(umask 077 && printf '%s\n' "$K2" > "$PF_PM_KEYS.new") && mv "$PF_PM_KEYS.new" "$PF_PM_KEYS"
reload ": reload: config $PF_PM_DIR/main.cf, 1 proxy domain(s), 1 address key(s)"

# 4. New sessions use the new keys: k2 captured, k1 refused.
pf_swaks_expect 0 --from contact@building.example --to "$proxy2" --data "$T_WORK/r3"
[ "$(jobs)" -eq 1 ] || t_fail "the k2 reply was not captured: $(jobs) jobs"
pf_swaks --from contact@building.example --to "$proxy" --data "$T_WORK/r4"
pf_swaks_saw "^<\*\* +550 5\.1\.1 <$proxy>" \
    || t_fail "a k1 address after k1 was retired: want 550, got: $(cat "$PF_SWAKS_LOG")"

# 5. The held session was not dropped and keeps its settings: another k1
#    recipient is accepted and its message captured for both.
touch "$T_WORK/go"
wait $held || t_fail "the held session failed: $(cat "$T_WORK/held.err")"
grep -q '^rcpt2 250$' "$T_WORK/held.out" \
    || t_fail "held RCPT 2 after the reload: $(cat "$T_WORK/held.out")"
grep -q '^data 250 ' "$T_WORK/held.out" || t_fail "held DATA: $(cat "$T_WORK/held.out")"
[ "$(jobs)" -eq 3 ] || t_fail "the held message: $(jobs) jobs, want 3"

# 6. An error in main.cf: one warning, and nothing of the reload takes,
#    not even the key file that changed with it (k2 dropped): k2 still
#    verifies.
pf_pmconf -e 'capture_size_limit = huge'
(umask 077 && printf '%s\n' "$K1" > "$PF_PM_KEYS.new") && mv "$PF_PM_KEYS.new" "$PF_PM_KEYS"
reload "warning: reload failed: $PF_PM_DIR/main.cf, line [0-9]*: capture_size_limit: .*; keeping the running configuration"
pf_swaks_expect 0 --from contact@building.example --to "$proxy2" --data "$T_WORK/r5"
[ "$(jobs)" -eq 4 ] || t_fail "after a failed reload: $(jobs) jobs, want 4"
pf_pmconf -X capture_size_limit
(umask 077 && printf '%s\n' "$K2" > "$PF_PM_KEYS.new") && mv "$PF_PM_KEYS.new" "$PF_PM_KEYS"

# 7. A start-up-only parameter: kept, with a warning.
pf_pmconf -e 'milter_listen = inet:9@127.0.0.1'
reload "warning: reload: milter_listen changed; it takes effect when postmask-milter restarts"
new_log_has ": reload: config " || t_fail "no reload line after the warning"
pf_swaks_expect 0 --from contact@building.example --to "$proxy2" --data "$T_WORK/r6"
[ "$(jobs)" -eq 5 ] || t_fail "Postfix lost the milter: $(jobs) jobs, want 5"

# 8. A live limit: rcpt_failure_limit = 1 holds from the next refusal on.
pf_pmconf -e 'rcpt_failure_limit = 1'
reload ": reload: config "
pf_swaks --from contact@building.example --to "$forged" --data "$T_WORK/r7"
pf_swaks --from contact@building.example --to "$proxy2" --data "$T_WORK/r8"
pf_swaks_saw "^<\*\* +450 4\.7\.1 too many unknown recipients from 127\.0\.0\.1" \
    || t_fail "rcpt_failure_limit = 1 did not apply: $(cat "$PF_SWAKS_LOG")"

# 9. SIGHUP is libmilter's: it stops the milter.
kill -HUP "$PF_MILTER_PID"
_pf_poll 15 _pf_dead "$PF_MILTER_PID" \
    || t_fail "the milter still runs after SIGHUP"
grep -q ": stopping: signal" "$PF_MILTER_LOG" || t_fail "no stopping line: $(tail -3 "$PF_MILTER_LOG")"
t_pass
