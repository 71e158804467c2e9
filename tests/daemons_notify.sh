#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The daemons under a Type=notify unit, without systemd: a Python socket
# plays systemd's NOTIFY_SOCKET.  Each daemon sends READY=1 (with its
# MAINPID) once it serves, pings WATCHDOG=1 at half of WATCHDOG_USEC while
# it works, RELOADING=1 and READY=1 again on a reload (SIGUSR1), and
# STOPPING=1 on SIGTERM.  The milter pings only after its own
# socket answered a milter negotiation: with the socket gone it stops
# pinging and says why.  Under the journal (JOURNAL_STREAM naming its
# stderr) a log line is "<PRIORITY>text", the identifier and PID being the
# journal's to add; elsewhere it stays "program[pid]: text".
. "$SRC/tests/lib.sh"

dir=$(t_tmpdir notify)
t_daemons_config "$dir" <<CF
twilio_api_url = http://127.0.0.1:9
catchup_interval = 0
CF

# notify PROGRAM SECONDS [ACTION]: runs PROGRAM -f under a fake
# NOTIFY_SOCKET with WATCHDOG_USEC=400000 for SECONDS, doing ACTION
# ("rmsock": remove the milter's socket; "reload": SIGUSR1) halfway, then
# SIGTERM; writes
# every message received, one per line, with the time in ms, to
# $T_WORK/PROGRAM.notify, and the daemon's stderr to $T_WORK/PROGRAM.log.
notify() {
    python3 - "$BIN/$1" "$dir" "$2" "${3:-}" "$T_WORK/$1.notify" "$T_WORK/$1.log" <<'PY'
import os, signal, socket, subprocess, sys, time
prog, cfgdir, secs, action, out, log = sys.argv[1:7]
secs = float(secs)
path = cfgdir + "/notify.sock"
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.1)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
env.pop("JOURNAL_STREAM", None)
# WATCHDOG_PID must be the daemon's own PID: a shell that execs it.
p = subprocess.Popen(["/bin/sh", "-c", 'WATCHDOG_PID=$$ exec "$0" -f -c "$1"',
                      prog, cfgdir], env=env, stderr=open(log, "w"))
start = time.time()
msgs = []
acted = termed = ready = False
while time.time() - start < secs + 1.5:
    now = time.time() - start
    if action == "rmsock" and not acted and now > secs / 2:
        os.unlink(cfgdir + "/milter.sock")
        msgs.append("%d ACTION rmsock" % (now * 1000))
        acted = True
    # A reload once the daemon said READY=1 (systemd sends none before).
    if action == "reload" and not acted and now > secs / 2 and ready:
        p.send_signal(signal.SIGUSR1)
        msgs.append("%d ACTION reload" % (now * 1000))
        acted = True
    if not termed and now > secs:
        p.send_signal(signal.SIGTERM)
        msgs.append("%d ACTION SIGTERM" % (now * 1000))
        termed = True
    try:
        data = s.recv(4096).decode()
        msgs.append("%d %s pid=%d" % (now * 1000, data.replace("\n", " "), p.pid))
        ready = ready or "READY=1" in data
    except socket.timeout:
        pass
p.wait(timeout=10)
with open(out, "w") as f:
    f.write("\n".join(msgs) + "\n")
sys.exit(p.returncode)
PY
}

for prog in postmask-milter postmask-bridge; do
    notify $prog 2.5 || t_fail "$prog exited $? after SIGTERM: $(cat "$T_WORK/$prog.log")"
    n=$T_WORK/$prog.notify
    grep -Eq "^[0-9]+ READY=1 MAINPID=([0-9]+) STATUS=[^ ].* pid=\\1$" "$n" \
        || t_fail "$prog: no READY=1 with its own MAINPID: $(cat "$n")"
    pings=$(awk '/ACTION SIGTERM/ { exit } / WATCHDOG=1 / { n++ } END { print n + 0 }' "$n")
    [ "$pings" -ge 3 ] || t_fail "$prog: $pings watchdog pings in 2.5 s at 200 ms: $(cat "$n")"
    awk '/ACTION SIGTERM/ { t = 1 } t && / STOPPING=1 / { found = 1 } END { exit !found }' "$n" \
        || t_fail "$prog: no STOPPING=1 after SIGTERM: $(cat "$n")"
    # READY comes before the first ping, and only once.
    [ "$(grep -c ' READY=1 ' "$n")" = 1 ] || t_fail "$prog: READY=1 not once: $(cat "$n")"
    grep -q "^$prog\[[0-9]*\]: starting:" "$T_WORK/$prog.log" \
        || t_fail "$prog: stderr outside the journal lost its prefix: $(cat "$T_WORK/$prog.log")"
done

# The milter's socket gone: no more pings, and a warning that says why.
notify postmask-milter 3 rmsock || t_fail "the milter exited $?: $(cat "$T_WORK/postmask-milter.log")"
n=$T_WORK/postmask-milter.notify
after=$(awk '/ACTION rmsock/ { t = 1; next } /ACTION SIGTERM/ { exit } t && / WATCHDOG=1 / { n++ } END { print n + 0 }' "$n")
[ "$after" -le 1 ] || t_fail "the milter pinged $after times with its socket gone: $(cat "$n")"
grep -q "warning: watchdog: the milter does not answer its own probe (connect $dir/milter.sock: No such file or directory); not pinging systemd's watchdog" \
    "$T_WORK/postmask-milter.log" || t_fail "no watchdog warning: $(cat "$T_WORK/postmask-milter.log")"

# A reload (ExecReload= sends SIGUSR1): RELOADING=1 with MONOTONIC_USEC,
# then READY=1 again, and the daemon goes on serving.
for prog in postmask-milter postmask-bridge; do
    notify $prog 2 reload || t_fail "$prog exited $? after a reload: $(cat "$T_WORK/$prog.log")"
    n=$T_WORK/$prog.notify
    awk '/ACTION reload/ { t = 1 } t && / RELOADING=1 MONOTONIC_USEC=[0-9]+ / { r = 1 }
         r && / READY=1 / { found = 1 } END { exit !found }' "$n" \
        || t_fail "$prog: no RELOADING=1 then READY=1 after SIGUSR1: $(cat "$n")"
    grep -q "^$prog\[[0-9]*\]: reload: config $dir/main.cf" "$T_WORK/$prog.log" \
        || t_fail "$prog: no reload line: $(cat "$T_WORK/$prog.log")"
done

# Under the journal: "<6>starting: ...", no program[pid] (the journal adds it).
log=$T_WORK/journal.log
: > "$log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$log") "$BIN/postmask-milter" -f -c "$dir" 2>>"$log" &
pid=$!
i=0
until grep -q "starting:" "$log"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { kill $pid; t_fail "the milter did not start: $(cat "$log")"; }
    sleep 0.1
done
kill -TERM $pid
wait $pid || t_fail "the milter exited $? on SIGTERM"
grep -q "^<6>starting: config $dir/main.cf" "$log" \
    || t_fail "journal line is not '<6>starting: ...': $(cat "$log")"
grep -q "postmask-milter\[" "$log" && t_fail "journal lines carry program[pid]: $(cat "$log")"
t_pass
