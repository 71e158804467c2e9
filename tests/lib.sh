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
