# SPDX-License-Identifier: Apache-2.0
# Helpers the benchmarks share.  Source after tests/lib.sh.

# free_port: a loopback port nothing listens on now.
free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cpu_seconds PID: user + system CPU time of PID so far, all threads.
BENCH_CLK_TCK=$(getconf CLK_TCK)
cpu_seconds() {
    awk -v hz="$BENCH_CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
        "/proc/$1/stat"
}
