#!/usr/bin/env bash
# Counts heap allocations per request in an ESock echo server's steady state, for each
# backend and data path: an LD_PRELOAD counter (Benchmarks/C/malloc_count.c) is sampled twice
# during a ping-pong load (64 connections, 64 B) and the difference divided by the requests
# served in between.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p Benchmarks/bin
gcc -O2 -shared -fPIC -o Benchmarks/bin/malloc_count.so Benchmarks/C/malloc_count.c -ldl
gcc -O2 -o Benchmarks/bin/loadgen Benchmarks/C/loadgen.c -lm
swift build -c release --product esock-stress >/dev/null
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
printf '%-8s %-8s %12s %12s %14s\n' backend path requests mallocs mallocs/req
for backend in uring poll; do
  for path in stream nowait async; do
    MALLOC_COUNT_FILE="$work/count" LD_PRELOAD="$PWD/Benchmarks/bin/malloc_count.so" \
      .build/release/esock-stress serve --port 0 --backend "$backend" --path "$path" --duration 30 \
      > "$work/srv.out" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$work/srv.out" 2>/dev/null && break; sleep 0.1; done
    if ! grep -q listening "$work/srv.out"; then echo "$backend $path: server did not start"; kill $pid 2>/dev/null; continue; fi
    port=$(awk '/listening/{print $2}' "$work/srv.out")
    Benchmarks/bin/loadgen --port "$port" --connections 64 --size 64 --duration 4 --warmup 0 > "$work/load.json" &
    lp=$!
    sleep 1.5; kill -USR2 $pid; sleep 0.1; a=$(cat "$work/count")
    sleep 2;   kill -USR2 $pid; sleep 0.1; b=$(cat "$work/count")
    wait $lp
    kill $pid; wait $pid 2>/dev/null || true
    python3 - "$work/load.json" "$a" "$b" "$backend" "$path" <<'PY'
import json, sys
load = json.load(open(sys.argv[1])); a, b = int(sys.argv[2]), int(sys.argv[3])
req = load["rps"] * 2.1  # requests served between the two samples (2 s plus the sampling gap)
print(f"{sys.argv[4]:<8} {sys.argv[5]:<8} {int(req):>12} {b - a:>12} {(b - a) / req:>14.4f}")
PY
  done
done
