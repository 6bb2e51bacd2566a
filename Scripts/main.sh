#!/usr/bin/env bash
# The main job: build esock-stress, show what this machine allows, check ESock's load
# generator against the C one on a C echo server, and compare the two backends side by side
# in a short run (about a minute), with a plot (compare.svg).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists liburing 2>/dev/null || ! command -v gcc >/dev/null || ! command -v taskset >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y liburing-dev pkg-config gcc util-linux >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y liburing-dev pkg-config gcc util-linux >/dev/null; }
fi
swift build -c release --product esock-stress
bin=.build/release/esock-stress
"$bin" doctor || echo "(io_uring is not usable here: compare runs poll only)"
backends=poll
"$bin" doctor >/dev/null 2>&1 && backends=uring,poll

echo
echo "== The load generator: esock-stress load vs the C load generator, same C epoll server =="
echo "The numbers below are measured by esock-stress load (ESock's own load generator: it checks"
echo "every echoed byte). This check runs it and Benchmarks/C/loadgen.c against the same C server;"
echo "esock/C near 1.00x means its req/s are what the C load generator would report (README:"
echo "Performance, 'The main job's numbers')."
if ! SERVERS=c-epoll ROUNDS=1 DURATION=2 WARMUP=1 NO_BUILD="${NO_BUILD:-0}" Scripts/loadgen-compare.sh; then
  echo "(the side-by-side check could not run here; the comparison below still does)"
fi

echo
echo "== ESock's backends: esock-stress serve, loaded by esock-stress load =="
echo "Each backend's server (the streaming path) on one CPU, esock-stress load on another;"
echo "req/s and latency are what the load generator measured, CPU µs/req is the server's own"
echo "CPU time per request. Plot: compare.svg."
"$bin" compare --backends "$backends" --rounds 3 --duration 2 --connections 64 --size 64 --plot compare.svg
