#!/bin/sh
# milter_overhead - what postmask-milter costs Postfix, measured, not
# asserted: the same load through a private Postfix instance without a
# milter and with postmask-milter attached, in one run, interleaved, and the
# ratio of the times printed.  The load is smtp-source sessions to a
# recipient that is not a proxy address (the MX path every message takes),
# delivered to smtp-sink.
#
# usage: BIN=build SRC=. sh bench/milter_overhead.sh [MESSAGES] [SESSIONS] [SIZE] [ROUNDS]
set -eu
: "${BIN:=build}"
: "${SRC:=.}"
BIN=$(cd "$BIN" && pwd)
SRC=$(cd "$SRC" && pwd)
export BIN SRC
MESSAGES=${1:-500}
SESSIONS=${2:-8}
SIZE=${3:-4096}
ROUNDS=${4:-3}

. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"

pf_setup --no-milter
pf_start
pf_milter_start || t_fail "the milter did not start: $(cat "$PF_MILTER_LOG")"

now() {
    date +%s.%N
}

# run: sends MESSAGES and waits until all reached the sink; prints seconds.
run() {
    start_count=$(pf_sink_count)
    t0=$(now)
    smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f bench@sender.example \
        -t someone@other.example "127.0.0.1:$PF_PORT_MX" >/dev/null 2>&1 \
        || t_fail "smtp-source failed"
    pf_wait_delivered $((start_count + MESSAGES)) 300 || t_fail "not all delivered"
    t1=$(now)
    echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
}

echo "milter_overhead: $MESSAGES messages of $SIZE bytes, $SESSIONS sessions, $ROUNDS rounds"
total_without=0
total_with=0
round=1
while [ $round -le "$ROUNDS" ]; do
    pf_milter_detach
    without=$(run)
    pf_milter_attach
    with=$(run)
    ratio=$(echo "$with $without" | awk '{ printf "%.2f", $1 / $2 }')
    echo "round $round: without milter ${without}s, with postmask-milter ${with}s, ratio $ratio"
    total_without=$(echo "$total_without $without" | awk '{ print $1 + $2 }')
    total_with=$(echo "$total_with $with" | awk '{ print $1 + $2 }')
    round=$((round + 1))
done
echo "$total_with $total_without $MESSAGES $ROUNDS" | awk '{
    printf "total: with/without = %.2f (%.1f vs %.1f messages/s)\n",
        $1 / $2, $3 * $4 / $1, $3 * $4 / $2 }'
