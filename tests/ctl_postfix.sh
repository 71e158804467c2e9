#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctl_postfix - `postmaskctl postfix attach|detach|status` against private
# Postfix configuration directories (postconf -c DIR; no Postfix runs):
# what attach adds (relay_domains, smtpd_milters in front of OpenDKIM,
# milter_default_action, milter_protocol, the masking listener and its -o
# settings, the milter in front of a service's own smtpd_milters), that a
# second attach changes nothing, that detach gives back exactly what was
# there (postconf -n, -M and -P as before) and keeps what the admin added
# since, -n (changes nothing), -r (runs postfix reload from
# command_directory), status and its exit code, and the refusals.  Needs
# postconf(1); skipped (77) without it.
set -u
. "$SRC/tests/lib.sh"
. "$SRC/tests/lib_bridge.sh"

: "${BIN:?BIN must name the build directory}"
command -v postconf >/dev/null 2>&1 || [ -x /usr/sbin/postconf ] || {
    echo "ctl_postfix: postconf is not installed; skipped"
    exit 77
}
CTL="$BIN/postmaskctl"
T=$(t_tmpdir ctl_postfix)
trap 'rm -rf "$T"' EXIT INT TERM
PC=/usr/sbin/postconf

# new_postfix DIR: a Postfix configuration as Debian ships it, plus an
# OpenDKIM milter, a submission service with its own smtpd_milters, and a
# content-filter return service without milters.  Its queue directory is
# $T/queue, its command directory DIR.bin.
new_postfix() {
    mkdir -p "$1" "$T/queue" "$1.bin"
    cat >"$1/main.cf" <<EOF
# a Postfix main.cf for a test
compatibility_level = 3.6
queue_directory = $T/queue
command_directory = $1.bin
myhostname = mx.example.com
smtpd_milters = inet:localhost:8891
non_smtpd_milters = \$smtpd_milters
EOF
    cat >"$1/master.cf" <<'EOF'
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_milters=inet:localhost:8891
127.0.0.1:10025 inet n  -       n       -       -       smtpd
  -o smtpd_milters=
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
smtp      unix  -       -       y       -       -       smtp
EOF
    age "$1"
}

# new_postmask DIR MILTER_LISTEN [SUBMIT_URL]: postmask's configuration.
new_postmask() {
    mkdir -p "$1"
    cat >"$1/main.cf" <<EOF
proxy_domains = reply.example.com, reply2.example.com
milter_listen = $2
spool_directory = $1/spool
smtp_submit_url = ${3:-smtp://127.0.0.1:10026}
EOF
}

# age DIR: main.cf and master.cf 10 seconds old.  postconf waits up to
# two seconds before it reads a file changed within the last second or so;
# the test does not need to.
age() {
    touch -d '10 seconds ago' "$1/main.cf" "$1/master.cf"
}

# pf DIR ARGS...: postmaskctl -c PM postfix -c DIR ARGS; sets rc, out, err.
pf() {
    pf_dir=$1
    shift
    rc=0
    "$CTL" -c "$PM" postfix -c "$pf_dir" "$@" >"$T/out" 2>"$T/err" || rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
    [ ! -d "$pf_dir" ] || age "$pf_dir"
}

# snap DIR NAME: what postconf says about DIR, kept as $T/NAME.{n,M,P}.
snap() {
    $PC -c "$1" -n >"$T/$2.n" 2>&1
    $PC -c "$1" -M >"$T/$2.M" 2>&1
    $PC -c "$1" -P >"$T/$2.P" 2>&1
}

same_snap() {
    for part in n M P; do
        cmp -s "$T/$2.$part" "$T/$3.$part" \
            || t_check_fail "$1: postconf -$part differs: $(diff "$T/$2.$part" "$T/$3.$part" | tr '\n' '|')"
    done
}

# want WHAT VALUE ACTUAL
want() {
    [ "$3" = "$2" ] || t_check_fail "$1: \"$3\", want \"$2\""
}

has_line() {
    printf '%s\n' "$2" | grep -qxF -- "$3" || t_check_fail "$1: no line \"$3\" in: $2"
}

lacks_line() {
    if printf '%s\n' "$2" | grep -qxF -- "$3"; then
        t_check_fail "$1: unexpected line \"$3\""
    fi
}

P=$T/postfix
PM=$T/postmask
new_postfix "$P"
new_postmask "$PM" "unix:$T/queue/postmask/milter.sock"
MILTER=unix:postmask/milter.sock
snap "$P" before

# status before attach: not attached, exit 1, and why; nothing runs yet,
# so the milter, the bridge and the spool are named as failed too.
pf "$P" status
want "status before attach: exit" 1 "$rc"
has_line "status before attach" "$out" "milter: $MILTER"
has_line "status before attach" "$out" "failed: postmask-milter answers a milter negotiation at unix:$T/queue/postmask/milter.sock: connect $T/queue/postmask/milter.sock: No such file or directory"
printf '%s\n' "$out" | grep -q "^failed: postmask-bridge answers /healthz at 127.0.0.1:8025: http://127.0.0.1:8025/healthz: " \
    || t_check_fail "status before attach: no failed bridge line in: $out"
has_line "status before attach" "$out" "failed: spool $PM/spool is writable: $PM/spool: No such file or directory"
has_line "status before attach" "$out" "missing: smtpd_milters = inet:localhost:8891 (the milter is not listed)"
has_line "status before attach" "$out" "missing: relay_domains lists reply.example.com"
has_line "status before attach" "$out" "missing: masking listener 127.0.0.1:10026/inet: no such service"
has_line "status before attach" "$out" "status: not attached, 8 problem(s)"

# -n: prints the commands and changes nothing.
pf "$P" -n attach
want "attach -n: exit" 0 "$rc"
has_line "attach -n" "$out" "$PC -c $P -e 'smtpd_milters = $MILTER, inet:localhost:8891'"
has_line "attach -n" "$out" "postmaskctl: postfix: dry run (-n): nothing changed"
snap "$P" dry
same_snap "attach -n" before dry
[ ! -e "$P/postmask-attach.state" ] || t_check_fail "attach -n wrote the state file"

# attach.
pf "$P" attach
want "attach: exit" 0 "$rc"
want "attach: stderr" "" "$err"
has_line "attach" "$out" "postmaskctl: postfix: attached; \"postfix reload\" applies it"
want "smtpd_milters" "$MILTER, inet:localhost:8891" "$($PC -c "$P" -h smtpd_milters)"
want "relay_domains" "reply.example.com, reply2.example.com" "$($PC -c "$P" -h relay_domains)"
main=$($PC -c "$P" -n)
has_line "main.cf" "$main" "milter_default_action = tempfail"
has_line "main.cf" "$main" "milter_protocol = 6"
has_line "main.cf" "$main" "postmask_masking_milters = $MILTER, inet:localhost:8891"
has_line "main.cf" "$main" "non_smtpd_milters = \$smtpd_milters"
master=$($PC -c "$P" -M)
has_line "master.cf" "$master" "127.0.0.1:10026 inet n   -       n       -       -       smtpd -o syslog_name=postfix/masking -o milter_macro_daemon_name=postmask-masking -o smtpd_milters=\$postmask_masking_milters -o milter_default_action=tempfail"
params=$($PC -c "$P" -P -x)
has_line "master.cf -o" "$params" "127.0.0.1:10026/inet/smtpd_milters = $MILTER, inet:localhost:8891"
has_line "master.cf -o" "$params" "submission/inet/smtpd_milters = $MILTER,inet:localhost:8891"
has_line "master.cf -o, empty override kept" "$params" "127.0.0.1:10025/inet/smtpd_milters ="
has_line "master.cf -o, others kept" "$params" "submission/inet/smtpd_tls_security_level = encrypt"
# postconf has nothing to warn about (postmask_masking_milters is used).
warnings=$($PC -c "$P" -n 2>&1 >/dev/null)
want "postconf warnings after attach" "" "$warnings"
[ -f "$P/postmask-attach.state" ] || t_check_fail "attach wrote no state file"
grep -qx 'service 127.0.0.1:10026/inet' "$P/postmask-attach.state" \
    || t_check_fail "state file: no service record: $(cat "$P/postmask-attach.state")"

# The running system: the real postmask-milter on milter_listen (it makes
# the spool), the real postmask-bridge (Twilio is never called), and
# bridge_listen pointing status at it.
stop_daemons() {
    [ -z "${MILTER_PID:-}" ] || { kill "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; }
    t_bridge_cleanup
    rm -rf "$T"
}
t_on_exit stop_daemons
printf 'k1 0123456789abcdef0123456789abcdef\n' >"$PM/address.keys"
chmod 600 "$PM/address.keys"
printf 'address_keys_file = %s\n' "$PM/address.keys" >>"$PM/main.cf"
mkdir -p "$T/queue/postmask"
"$BIN/postmask-milter" -f -c "$PM" 2>"$T/milter.log" &
MILTER_PID=$!
i=0
until [ -S "$T/queue/postmask/milter.sock" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || t_fail "the milter did not open its socket: $(cat "$T/milter.log")"
    sleep 0.1
done
mkdir -p "$T/bridge"
printf 'token\n' >"$T/bridge/token"
t_bridge_start "$T/bridge" http://127.0.0.1:9 AC0123456789abcdef0123456789abcdef "$T/bridge/token" </dev/null
t_on_exit stop_daemons
printf 'bridge_listen = %s\n' "${T_BRIDGE_URL#http://}" >>"$PM/main.cf"

pf "$P" status
want "status after attach: exit" 0 "$rc"
has_line "status after attach" "$out" "ok: smtpd_milters = $MILTER, inet:localhost:8891 (the milter first)"
has_line "status after attach" "$out" "ok: masking listener 127.0.0.1:10026/inet: smtpd_milters = $MILTER, inet:localhost:8891 ($MILTER first)"
has_line "status after attach" "$out" "note: 127.0.0.1:10025/inet: -o smtpd_milters is empty: no milter there"
has_line "status after attach" "$out" "state: $P/postmask-attach.state"
has_line "status after attach" "$out" "ok: postmask-milter answers a milter negotiation at unix:$T/queue/postmask/milter.sock"
has_line "status after attach" "$out" "ok: postmask-bridge answers /healthz at ${T_BRIDGE_URL#http://}"
has_line "status after attach" "$out" "ok: spool $PM/spool is writable"
has_line "status after attach" "$out" "status: attached"
# A spool directory its owner cannot write: one failed line, exit 1.
chmod 0500 "$PM/spool/active"
pf "$P" status
chmod 0700 "$PM/spool/active"
want "status, spool not writable: exit" 1 "$rc"
has_line "status, spool not writable" "$out" "failed: spool $PM/spool is writable: $PM/spool/active: owner $(id -u), mode 0500: the spool's owner ($(id -u)) cannot write it"
has_line "status, spool not writable" "$out" "status: not attached, 1 problem(s)"

# A second attach changes nothing, not even a byte.
cp "$P/main.cf" "$T/main.cf.attached"
cp "$P/master.cf" "$T/master.cf.attached"
cp "$P/postmask-attach.state" "$T/state.attached"
pf "$P" attach
want "second attach: exit" 0 "$rc"
want "second attach" "postmaskctl: postfix: already attached; nothing to change" "$out"
cmp -s "$P/main.cf" "$T/main.cf.attached" || t_check_fail "second attach changed main.cf"
cmp -s "$P/master.cf" "$T/master.cf.attached" || t_check_fail "second attach changed master.cf"
cmp -s "$P/postmask-attach.state" "$T/state.attached" || t_check_fail "second attach changed the state file"

# detach -n changes nothing; detach gives back exactly what was there.
pf "$P" -n detach
want "detach -n: exit" 0 "$rc"
has_line "detach -n" "$out" "$PC -c $P -MX 127.0.0.1:10026/inet"
cmp -s "$P/main.cf" "$T/main.cf.attached" || t_check_fail "detach -n changed main.cf"
[ -f "$P/postmask-attach.state" ] || t_check_fail "detach -n removed the state file"
pf "$P" detach
want "detach: exit" 0 "$rc"
want "detach: stderr" "" "$err"
has_line "detach" "$out" "$PC -c $P -X relay_domains"
has_line "detach" "$out" "$PC -c $P -e 'smtpd_milters = inet:localhost:8891'"
snap "$P" detached
same_snap "detach" before detached
[ ! -e "$P/postmask-attach.state" ] || t_check_fail "detach left the state file"
pf "$P" detach
want "second detach: exit" 0 "$rc"
want "second detach" "postmaskctl: postfix: not attached; nothing to undo" "$out"
pf "$P" status
want "status after detach: exit" 1 "$rc"

# What the admin adds after attach survives detach; a value the admin
# changed since is left alone, with a note.
pf "$P" attach
want "attach again: exit" 0 "$rc"
$PC -c "$P" -e 'smtpd_milters = unix:postmask/milter.sock, inet:localhost:8891, inet:localhost:11332' \
    'relay_domains = reply.example.com, reply2.example.com, other.example.org' \
    'milter_default_action = accept'
age "$P"
pf "$P" detach
want "detach after admin changes: exit" 0 "$rc"
want "detach after admin changes: note" "postmaskctl: postfix: milter_default_action = accept: changed since attach set tempfail; left as it is" "$err"
want "smtpd_milters kept" "inet:localhost:8891, inet:localhost:11332" "$($PC -c "$P" -h smtpd_milters)"
want "relay_domains kept" "other.example.org" "$($PC -c "$P" -h relay_domains)"
want "milter_default_action kept" "accept" "$($PC -c "$P" -h milter_default_action)"
lacks_line "detach after admin changes" "$($PC -c "$P" -n)" "milter_protocol = 6"

# Settings that were there before attach stay: relay_domains already set,
# one proxy domain already listed, milter_protocol already 6.
P2=$T/postfix2
new_postfix "$P2"
$PC -c "$P2" -e 'relay_domains = $mydestination, reply.example.com' 'milter_protocol = 6'
age "$P2"
snap "$P2" before2
pf "$P2" attach
want "attach, settings there: exit" 0 "$rc"
want "relay_domains appended" "\$mydestination, reply.example.com, reply2.example.com" "$($PC -c "$P2" -h relay_domains)"
lacks_line "attach, settings there" "$out" "$PC -c $P2 -e 'milter_protocol = 6'"
pf "$P2" detach
want "detach, settings there: exit" 0 "$rc"
snap "$P2" after2
same_snap "detach, settings there" before2 after2

# A milter with its own settings ("{ ... }") stays one item, behind
# postmask, in main.cf and in the masking listener's list.
P9=$T/postfix9
new_postfix "$P9"
$PC -c "$P9" -e 'smtpd_milters = { inet:localhost:8891, default_action=accept }'
age "$P9"
snap "$P9" before9
pf "$P9" attach
want "braced milter: exit" 0 "$rc"
want "braced milter: smtpd_milters" "$MILTER, { inet:localhost:8891, default_action=accept }" "$($PC -c "$P9" -h smtpd_milters)"
want "braced milter: masking milters" "$MILTER, { inet:localhost:8891, default_action=accept }" "$($PC -c "$P9" -h postmask_masking_milters)"
pf "$P9" detach
want "braced milter, detach: exit" 0 "$rc"
snap "$P9" after9
same_snap "braced milter, detach" before9 after9

# -r: postfix reload from Postfix's command_directory, only when asked and
# only after a change; a failing reload is an error.
P3=$T/postfix3
new_postfix "$P3"
# The fake postfix logs and exits FAKE_POSTFIX_STATUS.  Postfix "runs"
# while $T/queue/pid/master.pid names a live process (this shell).
printf '#!/bin/sh\necho "$@" >>%s\nexit ${FAKE_POSTFIX_STATUS:-0}\n' "$P3.bin/calls" >"$P3.bin/postfix"
chmod 755 "$P3.bin/postfix"
mkdir -p "$T/queue/pid"
printf "%32s\n" "$$" >"$T/queue/pid/master.pid"   # as Postfix pads it
pf "$P3" attach
[ ! -e "$P3.bin/calls" ] || t_check_fail "attach without -r ran postfix: $(cat "$P3.bin/calls")"
pf "$P3" detach
pf "$P3" -r attach
want "attach -r: exit" 0 "$rc"
has_line "attach -r" "$out" "$P3.bin/postfix -c $P3 reload"
want "attach -r: postfix called" "-c $P3 reload" "$(cat "$P3.bin/calls" 2>/dev/null)"
pf "$P3" -r attach
want "attach -r, nothing to change: postfix calls" 1 "$(wc -l <"$P3.bin/calls")"
# Postfix stopped (no master.pid): the change is made and said to apply
# when it starts; exit 0; postfix is not run.
rm "$P3.bin/calls" "$T/queue/pid/master.pid"
rc=0
"$CTL" -c "$PM" postfix -c "$P3" -r detach >"$T/out" 2>"$T/err" || rc=$?
want "detach -r, Postfix stopped: exit" 0 "$rc"
has_line "detach -r, Postfix stopped" "$(cat "$T/out")" \
    "postmaskctl: postfix: detached; Postfix is not running: the change applies when it starts"
[ ! -e "$P3.bin/calls" ] || t_check_fail "detach -r, Postfix stopped: postfix called: $(cat "$P3.bin/calls")"
[ ! -e "$P3/postmask-attach.state" ] || t_check_fail "detach -r with Postfix stopped left the state file"
printf "%32s\n" "$$" >"$T/queue/pid/master.pid"   # as Postfix pads it
pf "$P3" attach
rc=0
FAKE_POSTFIX_STATUS=1 "$CTL" -c "$PM" postfix -c "$P3" -r detach >"$T/out" 2>"$T/err" || rc=$?
want "detach -r, reload fails: exit" 1 "$rc"
want "detach -r, reload fails" "postmaskctl: error: postfix: $P3.bin/postfix exited with status 1" "$(cat "$T/err")"

# A masking listener made by hand is left alone.
P4=$T/postfix4
new_postfix "$P4"
cat >>"$P4/master.cf" <<'EOF'
127.0.0.1:10026 inet n  -       n       -       -       smtpd
  -o milter_macro_daemon_name=postmask-masking
  -o smtpd_milters=unix:postmask/milter.sock
EOF
age "$P4"
pf "$P4" attach
want "hand-made listener: exit" 0 "$rc"
want "hand-made listener: note" "postmaskctl: postfix: masking listener 127.0.0.1:10026/inet: made by hand, left as it is" "$err"
lacks_line "hand-made listener" "$out" "$PC -c $P4 -M '127.0.0.1:10026/inet=127.0.0.1:10026 inet n - n - - smtpd'"
pf "$P4" detach
want "hand-made listener, detach: exit" 0 "$rc"
[ -n "$($PC -c "$P4" -M 127.0.0.1:10026/inet)" ] || t_check_fail "detach removed the hand-made listener"

# Any other service on the listener's address is refused; nothing changes.
P5=$T/postfix5
new_postfix "$P5"
printf '127.0.0.1:10026 inet n - n - - smtpd\n  -o syslog_name=postfix/other\n' >>"$P5/master.cf"
age "$P5"
snap "$P5" before5
pf "$P5" attach
want "listener address taken: exit" 1 "$rc"
want "listener address taken" "postmaskctl: error: postfix: master.cf already has a service 127.0.0.1:10026/inet that is not a masking listener: point smtp_submit_url at a free port" "$err"
snap "$P5" after5
same_snap "listener address taken" before5 after5
[ ! -e "$P5/postmask-attach.state" ] || t_check_fail "refused attach wrote a state file"

# smtp_submit_url elsewhere: no masking listener here, said so; an inet
# milter_listen becomes Postfix's inet:HOST:PORT.
PM6=$T/postmask6
new_postmask "$PM6" inet:8899@127.0.0.1 smtp://mail.example.com:10026
P6=$T/postfix6
new_postfix "$P6"
rc=0
"$CTL" -c "$PM6" postfix -c "$P6" attach >"$T/out" 2>"$T/err" || rc=$?
want "remote submit url: exit" 0 "$rc"
want "remote submit url: note" "postmaskctl: postfix: smtp_submit_url smtp://mail.example.com:10026 is not smtp://HOST:PORT on loopback with a port other than 25: the masking listener is not set up here (see postmaskctl(8))" "$(cat "$T/err")"
want "inet milter" "inet:127.0.0.1:8899, inet:localhost:8891" "$($PC -c "$P6" -h smtpd_milters)"
[ -z "$($PC -c "$P6" -M 127.0.0.1:10026/inet 2>/dev/null)" ] || t_check_fail "a listener was made for a remote smtp_submit_url"

# A unix milter_listen outside Postfix's queue directory: absolute, noted.
PM7=$T/postmask7
new_postmask "$PM7" "unix:$T/elsewhere/postmask/milter.sock"
P7=$T/postfix7
new_postfix "$P7"
rc=0
"$CTL" -c "$PM7" postfix -c "$P7" -n attach >"$T/out" 2>"$T/err" || rc=$?
want "milter outside the queue: exit" 0 "$rc"
want "milter outside the queue: note" "postmaskctl: postfix: milter_listen unix:$T/elsewhere/postmask/milter.sock is outside Postfix's queue_directory $T/queue: only an smtpd that is not chrooted can reach it" "$(cat "$T/err")"
has_line "milter outside the queue" "$(cat "$T/out")" "$PC -c $P7 -e 'smtpd_milters = unix:$T/elsewhere/postmask/milter.sock, inet:localhost:8891'"

# Detach of a milter wired by hand (no state file) is refused.
P8=$T/postfix8
new_postfix "$P8"
$PC -c "$P8" -e "smtpd_milters = $MILTER"
age "$P8"
pf "$P8" detach
want "hand-wired detach: exit" 1 "$rc"
want "hand-wired detach" "postmaskctl: error: postfix: smtpd_milters lists $MILTER, but postmaskctl did not attach it (no $P8/postmask-attach.state): remove it with postconf by hand" "$err"

# A damaged state file is refused, with its line.
printf 'frob x\n' >"$P8/postmask-attach.state"
pf "$P8" attach
want "damaged state: exit" 1 "$rc"
want "damaged state" "postmaskctl: error: postfix: unknown record \"frob\" ($P8/postmask-attach.state, line 1)" "$err"

# --mx-fallback: the pipe(8) service running `postmaskctl capture` as
# postmask, transport_maps for each proxy domain, one recipient per
# delivery, milter_default_action = accept in main.cf (the masking listener
# keeps its own tempfail); status checks it; detach restores main.cf byte
# for byte and postconf -n/-M/-P as they were.
P9=$T/postfix9
new_postfix "$P9"
cp "$P9/main.cf" "$T/main.cf.before9"
snap "$P9" before9
pf "$P9" --mx-fallback attach
want "attach --mx-fallback: exit" 0 "$rc"
want "attach --mx-fallback: stderr" "" "$err"
ENTRY="postmask unix - n n - - pipe flags=X user=postmask null_sender= argv=$CTL -c $PM capture -q \${queue_id} -f \${sender} -- \${recipient}"
has_line "attach --mx-fallback" "$out" "$PC -c $P9 -M 'postmask/unix=$ENTRY'"
want "transport_maps" "inline:{reply.example.com=postmask:}, inline:{reply2.example.com=postmask:}" "$($PC -c "$P9" -h transport_maps)"
want "recipient limit" 1 "$($PC -c "$P9" -h postmask_destination_recipient_limit)"
want "milter_default_action with the fallback" accept "$($PC -c "$P9" -h milter_default_action)"
want "masking listener keeps tempfail" tempfail "$($PC -c "$P9" -Ph 127.0.0.1:10026/inet/milter_default_action)"
master=$($PC -c "$P9" -M postmask/unix)
case $master in
"postmask   unix  -       n       n       -       -       pipe flags=X user=postmask null_sender= argv=$CTL -c $PM capture -q \${queue_id} -f \${sender} -- \${recipient}") ;;
*) t_check_fail "the pipe service: \"$master\"" ;;
esac
warnings=$($PC -c "$P9" -n 2>&1 >/dev/null)
want "postconf warnings after attach --mx-fallback" "" "$warnings"
pf "$P9" status
want "status with the fallback: exit" 0 "$rc"
has_line "status with the fallback" "$out" "ok: milter_default_action = accept"
has_line "status with the fallback" "$out" "ok: mx fallback: service postmask/unix runs pipe"
has_line "status with the fallback" "$out" "ok: mx fallback: transport_maps lists inline:{reply2.example.com=postmask:}"
has_line "status with the fallback" "$out" "ok: mx fallback: postmask_destination_recipient_limit = 1"
cp "$P9/main.cf" "$T/main.cf.fallback"
pf "$P9" --mx-fallback attach
want "second attach --mx-fallback" "postmaskctl: postfix: already attached; nothing to change" "$out"
cmp -s "$P9/main.cf" "$T/main.cf.fallback" || t_check_fail "second attach --mx-fallback changed main.cf"
$PC -c "$P9" -e 'transport_maps = inline:{reply.example.com=postmask:}, inline:{reply2.example.com=postmask:}, hash:/etc/postfix/transport'
age "$P9"
pf "$P9" detach
want "detach of the fallback: exit" 0 "$rc"
has_line "detach of the fallback" "$out" "$PC -c $P9 -MX postmask/unix"
want "transport_maps the admin added kept" "hash:/etc/postfix/transport" "$($PC -c "$P9" -h transport_maps)"
$PC -c "$P9" -X transport_maps
age "$P9"
snap "$P9" detached9
same_snap "detach of the fallback" before9 detached9
cmp -s "$P9/main.cf" "$T/main.cf.before9" \
    || t_check_fail "detach of the fallback: main.cf differs: $(diff "$T/main.cf.before9" "$P9/main.cf" | tr '\n' '|')"
# Plain attach, then --mx-fallback, then detach: back to the start too.
pf "$P9" attach
pf "$P9" --mx-fallback attach
want "fallback after a plain attach: exit" 0 "$rc"
want "fallback after a plain attach" accept "$($PC -c "$P9" -h milter_default_action)"
pf "$P9" detach
want "detach after both: exit" 0 "$rc"
want "detach after both: stderr" "" "$err"
snap "$P9" detached9b
same_snap "detach after both" before9 detached9b
# A service "postmask" that is not a pipe is refused.
P10=$T/postfix10
new_postfix "$P10"
$PC -c "$P10" -M 'postmask/unix=postmask unix - - n - - smtp'
age "$P10"
pf "$P10" --mx-fallback attach
want "postmask service taken: exit" 1 "$rc"
want "postmask service taken" "postmaskctl: error: postfix: master.cf already has a service postmask/unix that is not a pipe(8): remove it, or attach without --mx-fallback" "$err"

# A directory that is not a Postfix configuration; usage errors.
pf "$T/nonexistent" status
want "no such directory: exit" 1 "$rc"
case $err in
*"postmaskctl: error: postfix: cannot read the Postfix configuration in $T/nonexistent: /usr/sbin/postconf exited with status 1"*) ;;
*) t_check_fail "no such directory: stderr \"$err\"" ;;
esac
USAGE="usage: postmaskctl postfix [-c postfix_dir] [-n] [-r] [--mx-fallback] attach|detach|status"
for args in "" "frob" "attach detach" "-x status"; do
    # shellcheck disable=SC2086 # split on purpose
    pf "$P" $args
    want "usage \"$args\": exit" 2 "$rc"
    want "usage \"$args\"" "$USAGE" "$(echo "$err" | grep -v 'invalid option')"
done

t_done
