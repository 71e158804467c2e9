# SPDX-License-Identifier: Apache-2.0
# Helpers for the shell tests.  $BIN is the build directory, $SRC the source.
set -u

T_NAME=$(basename "$0" .sh)
T_TMP_BASE=${BIN:-/tmp}/tests/tmp

t_fail() {
    echo "FAIL: $T_NAME: $*" >&2
    exit 1
}

t_pass() {
    echo "PASS: $T_NAME"
    exit 0
}

t_tmpdir() {
    mkdir -p "$T_TMP_BASE"
    mktemp -d "$T_TMP_BASE/$1.XXXXXX"
}

# t_daemons_config DIR < EXTRA: a configuration both daemons start with
# in DIR: main.cf (a proxy domain, the keys, the spool, the milter's socket
# and the bridge's ports of the kernel's choosing, the Twilio account and
# secrets, then the lines of stdin) and its key and secret files (0600).
t_daemons_config() {
    { cat <<CF
proxy_domains = reply.example.com
address_keys_file = $1/address.keys
spool_directory = $1/spool
milter_listen = unix:$1/milter.sock
twilio_account_sid = AC0123456789abcdef0123456789abcdef
twilio_auth_token_file = $1/twilio_auth_token
api_token_file = $1/api_token
bridge_listen = 127.0.0.1:0
webhook_listen = 127.0.0.1:0
CF
      cat; } > "$1/main.cf"
    (umask 077
     echo "k1 0123456789abcdef0123456789abcdef" > "$1/address.keys"
     echo "twilio-token" > "$1/twilio_auth_token"
     echo "api-token" > "$1/api_token")
}

# t_expect_status WANT CMD...: runs CMD, output to $T_OUT/$T_ERR files.
t_run() {
    T_STATUS=0
    "$@" >"$T_WORK/out" 2>"$T_WORK/err" || T_STATUS=$?
    T_OUT=$(cat "$T_WORK/out")
    T_ERR=$(cat "$T_WORK/err")
}

t_expect() {
    want=$1
    shift
    t_run "$@"
    [ "$T_STATUS" = "$want" ] || t_fail "$* exited $T_STATUS, want $want; stdout: $T_OUT; stderr: $T_ERR"
}

T_WORK=$(t_tmpdir work)

# Tests that go on after a failed check and report them all at the end:
# t_check_fail counts a failure, t_ctl runs postmaskctl, t_expect_exact
# compares what the last t_ctl printed, t_done exits.
t_failures=0

t_check_fail() {
    echo "$T_NAME: FAIL: $*" >&2
    t_failures=$((t_failures + 1))
}

# t_ctl DIR ARGS...: runs postmaskctl -c DIR ARGS; sets $rc, $out, $err.
t_ctl() {
    t_ctl_dir=$1
    shift
    rc=0
    "$BIN/postmaskctl" -c "$t_ctl_dir" "$@" >"$T_WORK/ctl.out" 2>"$T_WORK/ctl.err" || rc=$?
    out=$(cat "$T_WORK/ctl.out")
    err=$(cat "$T_WORK/ctl.err")
}

# t_expect_exact NAME RC OUT ERR: the last t_ctl exited RC and printed
# exactly OUT on stdout and exactly ERR on stderr.
t_expect_exact() {
    [ "$rc" = "$2" ] || t_check_fail "$1: exit $rc, want $2 (stderr: $err)"
    [ "$out" = "$3" ] || t_check_fail "$1: stdout \"$out\", want \"$3\""
    [ "$err" = "$4" ] || t_check_fail "$1: stderr \"$err\", want \"$4\""
}

# t_on_exit FUNCTION: FUNCTION runs when the test exits.  Under the Postfix
# harness (tests/postfix/harness.sh), whose EXIT trap must stay, it goes
# into PF_ON_EXIT; otherwise it becomes the EXIT trap, replacing an earlier
# one (the cleanup functions here call each other in turn).
t_on_exit() {
    if [ -n "${PF_DIR:-}" ]; then
        case " ${PF_ON_EXIT:-} " in
            *" $1 "*) ;;
            *) PF_ON_EXIT="${PF_ON_EXIT:+$PF_ON_EXIT; }$1" ;;
        esac
    else
        trap "$1" EXIT
    fi
}

t_done() {
    if [ "$t_failures" -ne 0 ]; then
        echo "FAIL: $T_NAME: $t_failures failure(s)" >&2
        exit 1
    fi
    t_pass
}

# t_milter_start DIR: starts postmask-milter -f -c DIR in the background,
# logging to $T_MILTER_LOG, and waits until its socket DIR/milter.sock
# exists (DIR/main.cf must say milter_listen = unix:DIR/milter.sock).  An
# EXIT trap stops it.  Sets $T_MILTER_PID.
t_milter_start() {
    T_MILTER_LOG="$T_WORK/milter.log"
    "$BIN/postmask-milter" -f -c "$1" 2>"$T_MILTER_LOG" &
    T_MILTER_PID=$!
    t_on_exit t_standin_cleanup         # stops the milter too
    t_ms_i=0
    until [ -S "$1/milter.sock" ]; do
        t_ms_i=$((t_ms_i + 1))
        [ $t_ms_i -lt 100 ] || t_fail "the milter did not open its socket: $(cat "$T_MILTER_LOG")"
        kill -0 $T_MILTER_PID 2>/dev/null || t_fail "the milter exited: $(cat "$T_MILTER_LOG")"
        sleep 0.1
    done
}

# t_standin_start DIR [WEBHOOK_URL]: starts the Twilio stand-in
# ($BIN/tests/twilio-standin, see tests/twilio-standin/README.md) on a free
# loopback port, with an account SID, its auth token in DIR/token (mode
# 0600), an API key (secret in DIR/key_secret) and, when given, the
# post-event webhook target WEBHOOK_URL; waits until it listens.  Sets
# T_STANDIN_PID, T_STANDIN_URL (http://127.0.0.1:PORT), T_STANDIN_ACCOUNT,
# T_STANDIN_TOKEN_FILE, T_STANDIN_TOKEN, T_STANDIN_KEY (the SK SID),
# T_STANDIN_KEY_SECRET and T_STANDIN_LOG.  Extra options for the stand-in
# may be given in T_STANDIN_OPTS (e.g. "-T 1").  May be called again with
# another DIR for a second stand-in (the variables then describe the new
# one).  An EXIT trap stops every stand-in started, and the milter of
# t_milter_start if one runs (both install the same trap, in any order).
t_standin_start() {
    mkdir -p "$1"
    T_STANDIN_ACCOUNT=AC5e7a1d0c0ffee00123456789abcdef01
    T_STANDIN_TOKEN=standin-test-auth-token-0123456789
    T_STANDIN_KEY=SK5e7a1d0c0ffee00123456789abcdef01
    T_STANDIN_KEY_SECRET=standin-test-key-secret-0123456789
    T_STANDIN_TOKEN_FILE="$1/token"
    T_STANDIN_LOG="$1/standin.log"
    (umask 077
     printf '%s\n' "$T_STANDIN_TOKEN" > "$T_STANDIN_TOKEN_FILE"
     printf '%s\n' "$T_STANDIN_KEY_SECRET" > "$1/key_secret")
    chmod 600 "$T_STANDIN_TOKEN_FILE" "$1/key_secret"
    rm -f "$1/port"
    # shellcheck disable=SC2086
    "$BIN/tests/twilio-standin" -l 127.0.0.1:0 -p "$1/port" \
        -a "$T_STANDIN_ACCOUNT" -t "$T_STANDIN_TOKEN_FILE" \
        -k "$T_STANDIN_KEY:$1/key_secret" ${2:+-w "$2"} \
        ${T_STANDIN_OPTS:-} >/dev/null 2>"$T_STANDIN_LOG" &
    T_STANDIN_PID=$!
    T_STANDIN_PIDS="${T_STANDIN_PIDS:-} $T_STANDIN_PID"
    t_on_exit t_standin_cleanup
    t_ss_i=0
    until [ -s "$1/port" ]; do
        t_ss_i=$((t_ss_i + 1))
        [ $t_ss_i -lt 100 ] || t_fail "the stand-in did not start: $(cat "$T_STANDIN_LOG")"
        kill -0 "$T_STANDIN_PID" 2>/dev/null || t_fail "the stand-in exited: $(cat "$T_STANDIN_LOG")"
        sleep 0.1
    done
    T_STANDIN_URL="http://127.0.0.1:$(cat "$1/port")"
}

# t_standin_stop [PID]: SIGTERM to the stand-in (default: the last one
# started), which must exit 0 -- under ASan, without leaks.
t_standin_stop() {
    t_ss_pid=${1:-$T_STANDIN_PID}
    kill -TERM "$t_ss_pid" 2>/dev/null
    t_ss_status=0
    wait "$t_ss_pid" || t_ss_status=$?
    T_STANDIN_PIDS=$(echo "$T_STANDIN_PIDS" | sed "s/ $t_ss_pid\$//; s/ $t_ss_pid / /")
    [ "$t_ss_status" = 0 ] || t_fail "the stand-in exited $t_ss_status on SIGTERM: $(tail -20 "$T_STANDIN_LOG")"
}

t_standin_cleanup() {
    for t_sc_pid in ${T_STANDIN_PIDS:-}; do
        kill "$t_sc_pid" 2>/dev/null
        wait "$t_sc_pid" 2>/dev/null
    done
    if [ -n "${T_MILTER_PID:-}" ]; then
        kill "$T_MILTER_PID" 2>/dev/null
        wait "$T_MILTER_PID" 2>/dev/null
    fi
    return 0
}
