#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# milter_overhead - what postmask-milter costs Postfix, measured, not
# asserted.  One private Postfix instance (tests/postfix/harness.sh,
# smtp-source -> smtpd -> cleanup -> smtp -> smtp-sink on loopback), one
# run, three paths at two sizes, each under three variants:
#
#   none      no milter on the listener;
#   null      bench/null_milter.c: a libmilter milter that asks for and
#             receives the whole message and does nothing (the price of the
#             milter protocol itself);
#   postmask  postmask-milter (trusted_authserv_ids set, mask_bodies = no,
#             capture_rate_limit = 0 so that a benchmark is not a flood),
#             with postmask-bridge running on the same spool as deployed
#             (BRIDGE=no: the milter alone).
#
# The paths, each a prepared message file sent by smtp-source -F:
#   mx        MX pass-through: to someone@other.example on the MX listener
#             (not a proxy address); timed until all are at the sink;
#   masking   a seeker's email as the bridge submits it (From the seeker,
#             X-Postmask-Conversation) to bob@building.example on the
#             masking listener; timed until all are at the sink;
#   capture   a building contact's reply (with an Authentication-Results
#             header of the trusted authserv-id, dmarc=pass) to a proxy
#             address on the MX; timed until smtp-source is done, i.e. until
#             every message was answered 250 (SMTP acceptance time: the
#             milter answers after the capture is durable: in the bridge's
#             intake journal, or in a job file of its own without a bridge;
#             and discards the message).  The milter must have logged one
#             capture per message; under none/null the messages go to the
#             sink (waited for, not timed).
#
# Every run starts from a freshly restarted Postfix (pf_reload: full stop
# and start, so every run pays the same process start-up), with the sink
# empty.  Rounds are interleaved: each round runs every size and path,
# the variants in the order none, null, postmask in odd rounds and the
# reverse in even ones.  Before the rounds, 2 x SESSIONS messages of every
# path and size go through postmask-milter, not measured.
#
# Printed per size and path: the median seconds per round and messages/s of
# each variant, the median of the per-round ratios to none and to null, the
# milter's CPU ms per message (utime + stime of /proc/PID/stat, all
# threads, over the round, divided by the messages), postmask-milter's
# memory: VmRSS before and after the run and VmHWM during it (the peak is
# reset before each postmask run through /proc/PID/clear_refs), and the
# bridge's CPU ms per message during the postmask runs (for captures: its
# intake, the journal, and making the job files).
#
# Runs as root (the harness needs it), after `make build`:
# usage: BIN=build SRC=. [SIZES="4096 102400"] [PATHS="mx masking capture"]
#            [BRIDGE=yes|no] sh bench/milter_overhead.sh [MESSAGES] [SESSIONS] [ROUNDS]
set -eu
: "${BIN:=build}"
: "${SRC:=.}"
BIN=$(cd "$BIN" && pwd)
SRC=$(cd "$SRC" && pwd)
export BIN SRC
MESSAGES=${1:-500}
SESSIONS=${2:-16}
ROUNDS=${3:-3}
: "${SIZES:=4096 102400}"
: "${PATHS:=mx masking capture}"
WAIT=$((60 + MESSAGES))         # bound of one run's wait, seconds

. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"

command -v smtp-source >/dev/null 2>&1 || _pf_skip "smtp-source is not installed"
command -v cc >/dev/null 2>&1 || _pf_skip "no C compiler for bench/null_milter.c"
WORK=$T_WORK
cc -O2 -o "$WORK/null_milter" "$SRC/bench/null_milter.c" -lmilter -lpthread \
    || t_fail "cannot build bench/null_milter.c (libmilter-dev?)"

# shellcheck disable=SC2034
PF_MILTER=no
pf_setup
t_on_exit bench_cleanup
pf_pmconf -e 'trusted_authserv_ids = mx.test.example' 'capture_rate_limit = 0' \
    'mask_bodies = no'
pf_start
pf_milter_start || t_fail "postmask-milter did not start: $(cat "$PF_MILTER_LOG")"
PM_PID=$PF_MILTER_PID

# postmask-bridge beside it on the same spool, as deployed (BRIDGE=no: the
# milter alone, writing every capture job itself).  The bridge takes the
# captures through its intake, into its journal, and makes them into job
# files (its CPU is printed too).  What it would do with the jobs next,
# posting them to Twilio, is not what this measures: its "Twilio" is a
# socket that takes connections and never answers, and one job at a time
# waits there for the longest request timeout.
BR_PID=
SILENT_PID=
if [ "${BRIDGE:-yes}" = yes ]; then
    . "$SRC/tests/lib_bridge.sh"
    python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
time.sleep(86400)' > "$WORK/silent.port" &
    SILENT_PID=$!
    _pf_poll 10 test -s "$WORK/silent.port" || t_fail "the silent Twilio did not start"
    SILENT=http://127.0.0.1:$(cat "$WORK/silent.port")
    (umask 077
     echo "bench-api-token" > "$PF_PM_DIR/api_token"
     echo "bench-twilio-token" > "$PF_PM_DIR/twilio_auth_token")
    pf_pmconf -e 'bridge_listen = 127.0.0.1:0' 'webhook_listen = 127.0.0.1:0' \
        "twilio_api_url = $SILENT" "twilio_media_url = $SILENT" \
        'twilio_account_sid = AC00000000000000000000000000000000' \
        "twilio_auth_token_file = $PF_PM_DIR/twilio_auth_token" \
        "api_token_file = $PF_PM_DIR/api_token" 'job_concurrency = 1' \
        'twilio_request_timeout = 600s' 'catchup_interval = 0'
    T_BRIDGE_LOG=$PF_DIR/bridge.log
    t_bridge_run "$PF_PM_DIR" || t_fail "postmask-bridge could not listen"
    BR_PID=$T_BRIDGE_PID
fi

# The null milter next to it, reachable by smtpd the same way.
if [ -n "$PF_MILTER_SOCK" ]; then
    NULL_SOCK=$PF_QUEUE/postmask/null.sock
    NULL_LISTEN=unix:$NULL_SOCK
    NULL_SPEC=unix:postmask/null.sock
else
    NULL_SOCK=
    NULL_PORT=$(_pf_free_ports 1) || t_fail "no free port"
    NULL_LISTEN=inet:$NULL_PORT@127.0.0.1
    NULL_SPEC=inet:127.0.0.1:$NULL_PORT
fi
_pf_spawn "$PF_DIR/null_milter.pid" 007 "$WORK/null_milter" "$NULL_LISTEN" \
    >> "$PF_DIR/null_milter.log" 2>&1
# shellcheck disable=SC2154
NULL_PID=$_pf_spawn_pid
null_ready() {
    if [ -n "$NULL_SOCK" ]; then [ -S "$NULL_SOCK" ]; else _pf_listening "$NULL_PORT"; fi
}
_pf_poll 10 null_ready || t_fail "the null milter does not listen: $(cat "$PF_DIR/null_milter.log")"

# bench_cleanup: stops the null milter at once (it has no state, and
# libmilter takes seconds to exit after SIGTERM; the harness stops the
# rest); the work directory goes when the run succeeded.
bench_cleanup() {
    [ -z "${SILENT_PID:-}" ] || kill "$SILENT_PID" 2>/dev/null || :
    if [ -n "${NULL_PID:-}" ]; then
        kill -KILL "$NULL_PID" 2>/dev/null || :
        _pf_poll 5 _pf_dead "$NULL_PID" || :
    fi
    if [ "${PF_EXIT_STATUS:-1}" = 0 ]; then
        rm -rf "$T_WORK"
    fi
}

SID=CH0123456789abcdef0123456789abcdef
PROXY=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $SID) || t_fail "address encode"
SEEKER=sam.seeker@gmail.example

# ---------------------------------------------------------------------------
# The messages: LF line ends (smtp-source -F sends CRLF), SIZE bytes in all.

# fill BYTES [PREFIX]: plain-text lines of about 70 characters, BYTES in all.
fill() {
    awk -v n="$1" -v pre="${2:-}" 'BEGIN {
        nw = split("the office at 12 Main Street is still available from the first of next month, " \
              "with two meeting rooms, a kitchen and parking for four cars; the rent includes " \
              "heating and cleaning, and we can show it to you on Tuesday or Thursday afternoon " \
              "if that suits you, otherwise let me know which day works better for your team.", w, " ")
        line = pre; got = 0; i = 0
        while (got < n) {
            word = w[i++ % nw + 1]
            if (length(line) + length(word) + 1 > 70) {
                if (got + length(line) + 1 > n) break
                print line; got += length(line) + 1; line = pre
            }
            line = line (line == pre ? "" : " ") word
        }
        rest = n - got - 1
        if (rest > 0) print substr(line, 1, rest)
    }'
}

# message PATH SIZE: writes $WORK/PATH.SIZE.eml.
message() {
    m_file=$WORK/$1.$2.eml
    case $1 in
        mx)
            printf 'From: Bench Sender <bench@sender.example>\n'
            printf 'To: Someone <someone@other.example>\n'
            printf 'Subject: Quarterly figures\n'
            printf 'Date: Thu, 26 Nov 2026 10:00:00 +0000\n'
            printf 'MIME-Version: 1.0\n'
            printf 'Content-Type: text/plain; charset=utf-8\n'
            printf 'Content-Transfer-Encoding: 8bit\n\n'
            printf 'Hello,\n\n'
            ;;
        masking)
            printf 'From: Sam Seeker <%s>\n' "$SEEKER"
            printf 'To: Bob Building <bob@building.example>\n'
            printf 'Reply-To: %s\n' "$SEEKER"
            printf 'Subject: Office at 12 Main St\n'
            printf 'Date: Thu, 26 Nov 2026 10:00:00 +0000\n'
            printf 'X-Postmask-Conversation: %s\n' "$SID"
            printf 'MIME-Version: 1.0\n'
            printf 'Content-Type: text/plain; charset=utf-8\n'
            printf 'Content-Transfer-Encoding: 8bit\n\n'
            printf 'Hello Bob,\n\n'
            ;;
        capture)
            printf 'Authentication-Results: mx.test.example; dkim=pass header.d=building.example;\n'
            printf '\tdmarc=pass header.from=building.example\n'
            printf 'From: Building Contact <contact@building.example>\n'
            printf 'To: Sam via Example <%s>\n' "$PROXY"
            printf 'Subject: Re: Office at 12 Main St\n'
            printf 'Date: Thu, 26 Nov 2026 10:00:00 +0000\n'
            printf 'MIME-Version: 1.0\n'
            printf 'Content-Type: text/plain; charset=utf-8\n'
            printf 'Content-Transfer-Encoding: 8bit\n\n'
            printf 'Yes, it is still available. Details below.\n\n'
            printf 'On Wed, 25 Nov 2026 at 09:00, Sam <%s> wrote:\n' "$PROXY"
            ;;
    esac > "$m_file"
    # No Message-ID: each capture gets its own dedupe key (the spool keys
    # on the Message-ID, else on the bytes, Postfix's Received included).
    m_have=$(wc -c < "$m_file")
    if [ "$1" = capture ]; then
        fill $(($2 - m_have)) '> ' >> "$m_file"
    else
        fill $(($2 - m_have)) >> "$m_file"
    fi
}

for size in $SIZES; do
    for path in $PATHS; do
        message "$path" "$size"
    done
done

# ---------------------------------------------------------------------------
# Measuring.

now() {
    date +%s.%N
}
HZ=$(getconf CLK_TCK)

# ticks PID: CPU clock ticks (user + system, all threads) PID has used.
ticks() {
    awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"
}

# vm PID FIELD: a /proc/PID/status field in KiB (VmRSS, VmHWM).
vm() {
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# captures: how many captures the milter has logged (its job files, or
# the bridge's journal records, or jobs the bridge already worked on).
captures() {
    grep -c ': captured: conversation ' "$PF_MILTER_LOG" || :
}

# at_sink N: waits (bounded by WAIT) until N complete messages are at the
# sink.  Polls every 20 ms by counting the sink's files (cheap: a shell
# loop over them at 50 Hz would compete with Postfix for the 2 cores),
# then makes sure with pf_wait_delivered that none is still being written.
at_sink() {
    a_n=$((WAIT * 50))
    until [ "$(find "$PF_SINK_DIR" -name 'msg.*' | wc -l)" -ge "$1" ]; do
        [ "$a_n" -gt 0 ] || return 1
        a_n=$((a_n - 1))
        sleep 0.02
    done
    pf_wait_delivered "$1" "$WAIT"
}

sink_clear() {
    find "$PF_SINK_DIR" -name 'msg.*' -type f -exec rm -f {} +
}

# use VARIANT: restarts Postfix with VARIANT on both listeners.
use() {
    case $1 in
        none) u_spec= ;;
        null) u_spec=$NULL_SPEC ;;
        postmask) u_spec=$PF_MILTER_SPEC ;;
    esac
    pf_postconf -e "postmask_mx_milters = $u_spec" "postmask_masking_milters = $u_spec"
    pf_reload
}

# send PATH SIZE COUNT: smtp-source with PATH's envelope and message.
send() {
    case $1 in
        mx) s_from=bench@sender.example; s_to=someone@other.example; s_port=$PF_PORT_MX ;;
        masking) s_from=$SEEKER; s_to=bob@building.example; s_port=$PF_PORT_MASKING ;;
        capture) s_from=contact@building.example; s_to=$PROXY; s_port=$PF_PORT_MX ;;
    esac
    smtp-source -s "$SESSIONS" -m "$3" -F "$WORK/$1.$2.eml" -f "$s_from" -t "$s_to" \
        "127.0.0.1:$s_port" > "$WORK/smtp-source.log" 2>&1 \
        || t_fail "smtp-source failed ($1, $2 bytes): $(tail -3 "$WORK/smtp-source.log")"
}

# run ROUND SIZE PATH VARIANT [COUNT]: one measured run (with COUNT: a
# warm-up, not recorded).  Appends to $WORK/results:
#   ROUND SIZE PATH VARIANT SECONDS CPU-TICKS RSS-BEFORE HWM RSS-AFTER
# (CPU of the variant's milter, memory of postmask-milter, KiB; "-" where
# there is nothing to measure).
run() {
    r_count=${5:-$MESSAGES}
    use "$4"
    case $4 in
        none) r_pid= ;;
        null) r_pid=$NULL_PID ;;
        postmask) r_pid=$PM_PID ;;
    esac
    if [ "$4" = postmask ]; then
        echo 5 > "/proc/$PM_PID/clear_refs"     # VmHWM := VmRSS
    fi
    r_rss0=$(vm "$PM_PID" VmRSS)
    r_jobs0=$(captures)
    r_cpu0=0
    [ -z "$r_pid" ] || r_cpu0=$(ticks "$r_pid")
    r_bcpu0=0
    [ -z "$BR_PID" ] || r_bcpu0=$(ticks "$BR_PID")
    r_t0=$(now)
    send "$3" "$2" "$r_count"
    if [ "$3" = capture ]; then
        r_t1=$(now)
        if [ "$4" = postmask ]; then
            r_jobs=$(($(captures) - r_jobs0))
            [ "$r_jobs" = "$r_count" ] \
                || t_fail "capture: $r_jobs captures for $r_count messages: $(tail -3 "$PF_MILTER_LOG")"
        else
            at_sink "$r_count" || t_fail "capture ($4): not all at the sink"
        fi
    else
        at_sink "$r_count" || t_fail "$3 ($4): not all at the sink: $(tail -3 "$PF_MILTER_LOG")"
        r_t1=$(now)
    fi
    r_cpu=-
    [ -z "$r_pid" ] || r_cpu=$(($(ticks "$r_pid") - r_cpu0))
    r_bcpu=-
    [ -z "$BR_PID" ] || [ "$4" != postmask ] || r_bcpu=$(($(ticks "$BR_PID") - r_bcpu0))
    r_hwm=-
    [ "$4" != postmask ] || r_hwm=$(vm "$PM_PID" VmHWM)
    r_rss1=$(vm "$PM_PID" VmRSS)
    pf_wait_queue_empty "$WAIT" || t_fail "$3 ($4): Postfix's queue did not drain"
    sink_clear
    [ -z "${5:-}" ] || return 0
    echo "$1 $2 $3 $4 $r_t0 $r_t1 $r_cpu $r_rss0 $r_hwm $r_rss1 $r_bcpu" \
        | awk '{ printf "%s %s %s %s %.3f %s %s %s %s %s\n", $1, $2, $3, $4, $6 - $5, $7, $8, $9, $10, $11 }' \
        >> "$WORK/results"
}

REST0=$(vm "$PM_PID" VmRSS)
NULL_REST0=$(vm "$NULL_PID" VmRSS)
for size in $SIZES; do
    for path in $PATHS; do
        run 0 "$size" "$path" postmask $((2 * SESSIONS))
    done
done
REST1=$(vm "$PM_PID" VmRSS)

echo "milter_overhead: $MESSAGES messages x $ROUNDS rounds per path, size and variant, $SESSIONS sessions;" \
    "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
: > "$WORK/results"
round=1
while [ "$round" -le "$ROUNDS" ]; do
    if [ $((round % 2)) = 1 ]; then order="none null postmask"; else order="postmask null none"; fi
    for size in $SIZES; do
        for path in $PATHS; do
            for variant in $order; do
                run "$round" "$size" "$path" "$variant"
            done
            awk -v r="$round" -v s="$size" -v p="$path" -v n="$MESSAGES" '
                $1 == r && $2 == s && $3 == p { t[$4] = $5 }
                END { printf "round %d, %6d bytes, %-8s none %7.3fs, null %7.3fs, postmask %7.3fs (x%.2f of none, x%.2f of null)\n",
                    r, s, p, t["none"], t["null"], t["postmask"],
                    t["postmask"] / t["none"], t["postmask"] / t["null"] }' "$WORK/results"
        done
    done
    round=$((round + 1))
done
REST2=$(vm "$PM_PID" VmRSS)

# The table: medians over the rounds (ratios: median of the per-round ones).
echo
echo "$MESSAGES messages x $ROUNDS rounds, $SESSIONS sessions; medians over the rounds;" \
    "ratios are medians of the per-round ratios; CPU ms/msg of the variant's milter;" \
    "postmask-milter memory in MiB (RSS before/after the run, peak during it)"
awk -v n="$MESSAGES" -v hz="$HZ" '
    function median(list,    a, k, i, j, x) {
        k = split(list, a, " ")
        for (i = 2; i <= k; i++) {          # insertion sort: k is small
            x = a[i] + 0
            for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]
            a[j + 1] = x
        }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { key = $2 " " $3; rk = $1 " " key
      sec[key, $4] = sec[key, $4] " " $5; t[rk, $4] = $5
      if ($6 != "-") cpu[key, $4] = cpu[key, $4] " " $6 * 1000 / hz / n
      if ($10 != "-") bcpu[key] = bcpu[key] " " $10 * 1000 / hz / n
      if ($4 == "postmask") { rss0[key] = rss0[key] " " $7; hwm[key] = hwm[key] " " $8; rss1[key] = rss1[key] " " $9 }
      rounds[$1] = 1; if (!(key in seen)) { seen[key] = 1; keys[++nk] = key } }
    END {
        printf "%-8s %-8s %-9s %9s %8s %7s %7s %8s %17s %10s\n", "size", "path", "variant",
            "s/round", "msg/s", "/none", "/null", "CPU ms", "RSS MiB b/a/peak", "bridge ms"
        for (i = 1; i <= nk; i++) {
            key = keys[i]; split(key, kk, " ")
            for (v = 1; v <= 3; v++) {
                var = v == 1 ? "none" : v == 2 ? "null" : "postmask"
                rn = ""; rl = ""
                for (r in rounds) {
                    rn = rn " " t[r " " key, var] / t[r " " key, "none"]
                    rl = rl " " t[r " " key, var] / t[r " " key, "null"]
                }
                s = median(sec[key, var])
                c = ((key, var) in cpu) ? sprintf("%.2f", median(cpu[key, var])) : "-"
                m = var == "postmask" ? sprintf("%.1f/%.1f/%.1f", median(rss0[key]) / 1024,
                    median(rss1[key]) / 1024, median(hwm[key]) / 1024) : ""
                b = var == "postmask" && (key in bcpu) ? sprintf("%.2f", median(bcpu[key])) : ""
                line = sprintf("%-8s %-8s %-9s %9.3f %8.1f %7s %7s %8s %17s %10s",
                    (kk[1] == 4096 ? "4 KiB" : kk[1] == 102400 ? "100 KiB" : kk[1] " B"), kk[2], var,
                    s, n / s, sprintf("x%.2f", median(rn)), sprintf("x%.2f", median(rl)), c, m, b)
                sub(/ +$/, "", line)
                print line
            }
        }
    }' "$WORK/results"
PEAK=$(awk '$4 == "postmask" && $8 > p { p = $8 } END { print p + 0 }' "$WORK/results")
echo "$REST0 $REST1 $REST2 $PEAK $NULL_REST0 $(vm "$NULL_PID" VmRSS) $(vm "$NULL_PID" VmHWM)" | awk '{
    printf "postmask-milter RSS at rest: %.1f MiB after start, %.1f after the warm-up, %.1f at the end; peak of any run %.1f MiB\n",
        $1 / 1024, $2 / 1024, $3 / 1024, $4 / 1024
    printf "null milter RSS: %.1f MiB after start, %.1f at the end, peak %.1f MiB\n", $5 / 1024, $6 / 1024, $7 / 1024 }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
