#!/usr/bin/env bash
# Scripts/loadgen-compare.sh: ESock's load generator (`esock-stress load`) against the C one
# (Benchmarks/C/loadgen.c), side by side against the same C echo servers.
#
# For each server (the C epoll and liburing echo servers) and round, each load generator
# gets a fresh server process: server on CPU 0, load generator on CPU 1, the two load
# generators' order alternating by round. Both check every echoed byte. Prints each run and
# then the medians, with ESock's requests/s as a multiple of the C load generator's, and
# each load generator's own CPU time per request (user+system over the whole run, divided
# by requests/s x (duration + warm-up)): on a busy machine requests/s swing between runs,
# CPU per request much less.
#
# Environment (all optional):
#   SERVERS      c-epoll c-uring (default: both)
#   ROUNDS       rounds (default 3)         DURATION  measured seconds (default 3)
#   WARMUP       unmeasured seconds first (default 1)
#   CONNECTIONS  (default 64)  SIZE  bytes per request (default 64)  PIPELINE  (default 1)
#   LOAD_BACKEND backend of esock-stress load: uring, poll or auto (default auto)
#   NO_BUILD=1   use the programs already built
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/Benchmarks/bin"
ESOCK="$ROOT/.build/release/esock-stress"
SERVERS=${SERVERS:-"c-epoll c-uring"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-64}
SIZE=${SIZE:-64}
PIPELINE=${PIPELINE:-1}
LOAD_BACKEND=${LOAD_BACKEND:-auto}
SERVER_CPU=0 CLIENT_CPU=1
[ "$(nproc)" -ge 2 ] || { SERVER_CPU=0 CLIENT_CPU=0; echo "loadgen-compare: one CPU: server and load generator share it" >&2; }

die() { echo "loadgen-compare: $*" >&2; exit 1; }
[ "$ROUNDS" -ge 1 ] 2>/dev/null && [ "$ROUNDS" -le 20 ] || die "ROUNDS must be 1..20"
awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { exit !(d > 0 && d <= 60 && w >= 0 && w <= 10) }' \
    || die "DURATION must be in (0, 60] and WARMUP in [0, 10]"

if [ "${NO_BUILD:-0}" != 1 ] || [ ! -x "$BIN/loadgen" ]; then
    mkdir -p "$BIN"
    gcc -O2 -Wall -o "$BIN/loadgen" "$ROOT/Benchmarks/C/loadgen.c" || die "cannot build loadgen"
    gcc -O2 -Wall -o "$BIN/epoll_echo" "$ROOT/Benchmarks/C/epoll_echo.c" || die "cannot build epoll_echo"
    gcc -O2 -Wall -o "$BIN/uring_echo" "$ROOT/Benchmarks/C/uring_echo.c" -luring || die "cannot build uring_echo"
fi
if [ "${NO_BUILD:-0}" != 1 ] || [ ! -x "$ESOCK" ]; then
    (cd "$ROOT" && swift build -c release --product esock-stress) >&2 || die "cannot build esock-stress"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-compare.XXXXXX")
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() {  # start_server c-epoll|c-uring: sets SERVER_PID and PORT
    local prog=epoll_echo i
    [ "$1" = c-uring ] && prog=uring_echo
    : > "$WORK/server.out"
    taskset -c "$SERVER_CPU" "$BIN/$prog" --port 0 > "$WORK/server.out" 2> "$WORK/server.err" &
    SERVER_PID=$!
    PORT=""
    for ((i = 0; i < 100; i++)); do
        PORT=$(awk '$1 == "listening" { print $2; exit }' "$WORK/server.out")
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    die "$1 did not start: $(cat "$WORK/server.err")"
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
}

LIMIT=$(awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", d + w + 30 }')
run_one() {  # run_one SERVER c|esock: prints the requests/s and the client's CPU seconds
    local out="$WORK/load.out" rps cpu TIMEFORMAT='%U %S'
    start_server "$1"
    if [ "$2" = c ]; then
        { time timeout -k 5 "$LIMIT" taskset -c "$CLIENT_CPU" "$BIN/loadgen" --port "$PORT" \
            --connections "$CONNECTIONS" --size "$SIZE" --pipeline "$PIPELINE" \
            --duration "$DURATION" --warmup "$WARMUP" > "$out" 2> "$WORK/load.err"; } 2> "$WORK/time"
        rps=$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["rps"] if r["errors"] == 0 else "")' "$out" 2>/dev/null)
    else
        { time timeout -k 5 "$LIMIT" taskset -c "$CLIENT_CPU" "$ESOCK" load --port "$PORT" --backend "$LOAD_BACKEND" \
            --connections "$CONNECTIONS" --size "$SIZE" --pipeline "$PIPELINE" \
            --duration "$DURATION" --warmup "$WARMUP" --json > "$out" 2> "$WORK/load.err"; } 2> "$WORK/time"
        rps=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["requestsPerSecond"] if r["errors"] == 0 else "")' "$out" 2>/dev/null)
    fi
    stop_server
    [ -n "$rps" ] || die "$2 load generator against $1 failed: $(tail -2 "$WORK/load.err")"
    cpu=$(awk 'NF == 2 { print $1 + $2 }' "$WORK/time" | tail -1)
    printf '%s\t%s' "$rps" "$cpu"
}

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
echo "loadgen-compare: $CONNECTIONS connections, $SIZE B, pipeline $PIPELINE, pingpong; $ROUNDS rounds x ${DURATION}s (+${WARMUP}s warm-up); server on CPU $SERVER_CPU, load generator on CPU $CLIENT_CPU; esock-stress load --backend $LOAD_BACKEND" >&2
for server in $SERVERS; do
    case "$server" in c-epoll|c-uring) ;; *) die "unknown server $server" ;; esac
    for ((round = 1; round <= ROUNDS; round++)); do
        order="c esock"
        [ $((round % 2)) = 0 ] && order="esock c"
        for gen in $order; do
            got=$(run_one "$server" "$gen") || exit 1
            rps=${got%%$'\t'*} cpu=${got#*$'\t'}
            us=$(awk -v c="$cpu" -v r="$rps" -v t="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%.2f", c * 1e6 / (r * (t + w)) }')
            printf '%s\t%s\t%s\t%s\n' "$server" "$gen" "$rps" "$us" >> "$RESULTS"
            printf '  %-8s round %d  %-6s %10.0f req/s  %6.2f us CPU/req (client)\n' "$server" "$round" "$gen" "$rps" "$us" >&2
        done
    done
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
runs, cpu = {}, {}
for line in open(sys.argv[1]):
    server, gen, rps, us = line.rstrip("\n").split("\t")
    runs.setdefault(server, {}).setdefault(gen, []).append(float(rps))
    cpu.setdefault(server, {}).setdefault(gen, []).append(float(us))
print("| server | C loadgen req/s (median, min-max) | esock-stress load req/s (median, min-max) | esock / C req/s |"
      " client CPU µs/req C / esock (medians) |")
print("|---|---:|---:|---:|---:|")
for server, g in runs.items():
    c, e = g["c"], g["esock"]
    mc, me = statistics.median(c), statistics.median(e)
    uc, ue = statistics.median(cpu[server]["c"]), statistics.median(cpu[server]["esock"])
    print(f"| {server} | {mc:,.0f} ({min(c):,.0f}-{max(c):,.0f}) | {me:,.0f} ({min(e):,.0f}-{max(e):,.0f}) |"
          f" {me / mc:.2f}x | {uc:.2f} / {ue:.2f} |")
PY
