#!/usr/bin/env bash
# System calls per request of each echo server under a 64-connection, 64 B ping-pong load:
# perf's syscall tracepoints counted on the server for 2 s of a 3 s load (strace would slow
# the server down and change what it measures), divided by the requests of that window.
# Needs perf (Debian's linux-perf) and the programs Scripts/bench.sh builds.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v perf >/dev/null || apt-get install -y linux-perf >/dev/null
[ -x Benchmarks/bin/loadgen ] || { echo "run Scripts/bench.sh once first (it builds the C programs)" >&2; exit 1; }
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
count() {  # count NAME COMMAND...
    local name=$1; shift
    "$@" > "$work/srv.out" 2>/dev/null &
    local pid=$!
    for _ in $(seq 50); do grep -q listening "$work/srv.out" 2>/dev/null && break; sleep 0.1; done
    local port; port=$(awk '/listening/{print $2}' "$work/srv.out")
    Benchmarks/bin/loadgen --port "$port" --connections 64 --size 64 --duration 3 --warmup 0 > "$work/load.json" &
    local lp=$!
    sleep 0.5
    perf stat -x, -o "$work/perf.txt" -p "$pid" -e raw_syscalls:sys_enter \
        -e syscalls:sys_enter_io_uring_enter -e syscalls:sys_enter_recvfrom \
        -e syscalls:sys_enter_sendto -e syscalls:sys_enter_epoll_wait -- sleep 2 >/dev/null 2>&1 || true
    wait "$lp"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$name" "$work/load.json" "$work/perf.txt" <<'PY'
import json, sys
name, load, counts = sys.argv[1:4]
rps = json.load(open(load))["rps"]
calls = {}
for line in open(counts):
    f = line.strip().split(",")
    if len(f) >= 3 and f[0].isdigit():
        calls[f[2].split(":")[-1].replace("sys_enter_", "")] = int(f[0])
req = rps * 2  # the counting window is 2 s of the load
total = calls.pop("sys_enter", 0)
parts = ", ".join(f"{k} {v / req:.2f}" for k, v in calls.items() if v)
print(f"{name:<12} {rps:9,.0f} req/s  {total / req:5.2f} syscalls/request  ({parts})")
PY
}
count c-uring Benchmarks/bin/uring_echo --port 0
count esock-uring .build/release/esock-stress serve --port 0 --backend uring
count c-epoll Benchmarks/bin/epoll_echo --port 0
count esock-poll .build/release/esock-stress serve --port 0 --backend poll
