#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The daemon skeletons: they start with a good configuration, log a start
# line, stop cleanly on SIGTERM with status 0, and refuse to start (status 1,
# nothing created) on configuration errors and insecure secret files.
. "$SRC/tests/lib.sh"

dir=$(t_tmpdir daemons)
# The bridge listens on a loopback port the kernel picks (port 0).
t_daemons_config "$dir" < /dev/null

# run_until_started PROGRAM: starts it in the foreground mode, waits for its
# start line, sends SIGTERM and checks the exit status and the stop line.
run_and_stop() {
    prog=$1
    log="$T_WORK/$prog.log"
    "$BIN/$prog" -f -c "$dir" 2>"$log" &
    pid=$!
    i=0
    until grep -q "starting:" "$log"; do
        i=$((i + 1))
        [ $i -lt 100 ] || { kill -9 $pid; t_fail "$prog did not start: $(cat "$log")"; }
        kill -0 $pid 2>/dev/null || t_fail "$prog exited early: $(cat "$log")"
        sleep 0.1
    done
    grep -q "^$prog\[$pid\]: starting: config $dir/main.cf" "$log" \
        || t_fail "$prog start line is not 'prog[pid]: starting: ...': $(cat "$log")"
    kill -TERM $pid
    status=0
    wait $pid || status=$?
    [ $status -eq 0 ] || t_fail "$prog exited $status after SIGTERM: $(cat "$log")"
    grep -q "^$prog\[$pid\]: stopping: signal" "$log" \
        || t_fail "$prog did not log its stop: $(cat "$log")"
}

run_and_stop postmask-milter
[ -d "$dir/spool/active" ] || t_fail "the milter did not create the spool"
run_and_stop postmask-bridge

# Version and usage.
t_expect 0 "$BIN/postmask-milter" -V
echo "$T_OUT" | grep -q '^postmask-milter [0-9]' || t_fail "-V printed: $T_OUT"
t_expect 2 "$BIN/postmask-milter" -x
echo "$T_ERR" | grep -q '^usage: postmask-milter' || t_fail "usage: $T_ERR"
t_expect 2 "$BIN/postmask-bridge" -c

# Configuration errors: status 1, file + line + name, nothing created.
bad=$(t_tmpdir daemons-bad)
cat > "$bad/main.cf" <<CF
proxy_domains = reply.example.com
spool_directory = $bad/spool
job_maximal_backoff = forever
no_such_parameter = 1
CF
for prog in postmask-milter postmask-bridge postmaskctl; do
    t_expect 1 "$BIN/$prog" -f -c "$bad"
    echo "$T_ERR" | grep -q "error: $bad/main.cf, line 3: job_maximal_backoff: \"forever\" is not a time" \
        || t_fail "$prog: bad value not reported with file and line: $T_ERR"
    echo "$T_ERR" | grep -q "error: $bad/main.cf, line 4: unknown parameter no_such_parameter" \
        || t_fail "$prog: unknown name not reported: $T_ERR"
    echo "$T_ERR" | grep -q "fatal: $bad/main.cf: configuration errors; nothing started" \
        || t_fail "$prog: no fatal line: $T_ERR"
done
[ -e "$bad/spool" ] && t_fail "a daemon touched the spool despite configuration errors"

# Required parameters.
sed '/twilio_account_sid/d' "$dir/main.cf" > "$bad/main.cf"
t_expect 1 "$BIN/postmask-bridge" -f -c "$bad"
echo "$T_ERR" | grep -q "$bad/main.cf: twilio_account_sid is required but not set" \
    || t_fail "missing required parameter: $T_ERR"
t_expect 1 "$BIN/postmask-milter" -f -c /nonexistent
echo "$T_ERR" | grep -q "open /nonexistent/main.cf: No such file or directory" \
    || t_fail "missing main.cf: $T_ERR"

# Insecure secret files are refused by name.
chmod 0644 "$dir/address.keys"
t_expect 1 "$BIN/postmask-milter" -f -c "$dir"
echo "$T_ERR" | grep -q "secret file $dir/address.keys has mode 0644: it must not be accessible by other users" \
    || t_fail "milter accepted a world-readable keys file: $T_ERR"
chmod 0600 "$dir/address.keys"
chmod 0606 "$dir/twilio_auth_token"
t_expect 1 "$BIN/postmask-bridge" -f -c "$dir"
echo "$T_ERR" | grep -q "twilio_auth_token_file: secret file $dir/twilio_auth_token has mode 0606" \
    || t_fail "bridge accepted a world-writable token file: $T_ERR"
t_pass
