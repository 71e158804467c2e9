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
    trap 'kill $T_MILTER_PID 2>/dev/null; wait $T_MILTER_PID 2>/dev/null' EXIT
    t_ms_i=0
    until [ -S "$1/milter.sock" ]; do
        t_ms_i=$((t_ms_i + 1))
        [ $t_ms_i -lt 100 ] || t_fail "the milter did not open its socket: $(cat "$T_MILTER_LOG")"
        kill -0 $T_MILTER_PID 2>/dev/null || t_fail "the milter exited: $(cat "$T_MILTER_LOG")"
        sleep 0.1
    done
}
