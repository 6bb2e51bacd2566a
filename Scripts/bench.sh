#!/usr/bin/env bash
# Scripts/bench.sh: ESock's side-by-side echo benchmark (see Benchmarks/README.md).
#
# Builds the C peers (liburing and epoll echo servers, the load generator), the
# SwiftNIO echo server, the Erlang `socket` echo server and, when asked for,
# esock-stress; then runs each scenario against every server: server pinned to
# one core, load generator to the other (in `scale` the server may use every
# core), servers interleaved within a round, ROUNDS rounds, a fresh server
# process per run. Prints one markdown table per scenario (medians with min-max)
# and writes Benchmarks/results/latest.{json,md}.
#
# Environment (all optional):
#   SERVERS     servers to compare (default: c-uring c-epoll esock-uring esock-poll nio erlang)
#   SCENARIOS   c1-64 c64-64 c256-64 c64-512 c256-512 c64-64-p8 c64-16k bulk16 accept
#               (default: all of these), and two that run only when named:
#               scale  c64-64 with the server free to use every CPU (SCALE_SERVER_CPUS),
#                      the load generator still pinned to CLIENT_CPU, so that the client
#                      side is the same for every server and run; servers from
#                      SCALE_SERVERS. Server CPU per request is the figure to compare.
#               c10k   C10K_CONNECTIONS connections held open, idle, then all busy
#                      (2 echoes each, one at a time): the server's RSS per connection;
#                      servers from C10K_SERVERS (server and load generator pinned)
#   SCALE_SERVERS  (default: c-uring c-uring-x2 c-epoll c-epoll-x2 esock-uring-l1
#               esock-uring-l2 esock-uring-async-l1 esock-uring-async-l2 esock-poll-l1
#               esock-poll-l2 esock-poll-async-l1 esock-poll-async-l2 nio-t1 nio-t2)
#   C10K_SERVERS   (default: c-uring c-epoll esock-uring esock-poll esock-uring-async
#               esock-poll-async nio)
#   SCALE_SERVER_CPUS  the server's CPUs in `scale` (default: all, 0-(nproc-1))
#   C10K_CONNECTIONS   (default 10000; the soft descriptor limit of server and load
#               generator is raised for it, up to the hard limit)
#   Server names: c-uring, c-epoll; c-uring-xN / c-epoll-xN (N processes on one port,
#               SO_REUSEPORT); esock-{uring,poll}[-{stream,async,nowait}][-lN] (data
#               path, --loops N); nio, nio-tN (N event loop threads); erlang
#   ROUNDS      rounds (default 3)      DURATION  measured seconds per run (default 3)
#   WARMUP      unmeasured seconds before each measured window (default 1)
#   QUICK=1     c64-64 only, 1 round, 2 s (each still overridable by the variables above;
#               QUICK=1 SCENARIOS=scale is a short scaling run)
#   ESOCK_SERVE_CMD  command of the ESock servers, run from the repo root; "{backend}" is
#               replaced by uring / poll (default:
#               .build/release/esock-stress serve --port 0 --backend {backend})
#   ESOCK_URING_CMD, ESOCK_POLL_CMD  override one of the two ESock commands entirely
#   SERVER_CPU / CLIENT_CPU  cores for server and load generator (default 0 / 1)
#   NIO_THREADS event loop threads of nio-echo (default 1)
#   ERLANG_ARGS extra `erl` emulator flags (default: +Bd)
#   NO_BUILD=1  do not (re)build what is already built
#   ROBUST=0    skip the disconnect torture (Scripts/bench/robust.py) run against
#               every server before the scenarios
#   RESULTS_DIR where latest.json / latest.md go (default Benchmarks/results)
#
# Every server prints "listening PORT" on stdout when ready. Every server is
# started in its own process group and killed (TERM, then KILL) at the end of
# its run, and by the EXIT/INT/TERM trap if anything fails.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/Benchmarks"
BIN="$BENCH/bin"
RESULTS_DIR=${RESULTS_DIR:-"$BENCH/results"}

if [ "${QUICK:-0}" = 1 ]; then
    : "${SCENARIOS:=c64-64}" "${ROUNDS:=1}" "${DURATION:=2}"
fi
SERVERS=${SERVERS:-"c-uring c-epoll esock-uring esock-poll nio erlang"}
SCENARIOS=${SCENARIOS:-"c1-64 c64-64 c256-64 c64-512 c256-512 c64-64-p8 c64-16k bulk16 accept"}
SCALE_SERVERS=${SCALE_SERVERS:-"c-uring c-uring-x2 c-epoll c-epoll-x2 esock-uring-l1 esock-uring-l2 esock-uring-async-l1 esock-uring-async-l2 esock-poll-l1 esock-poll-l2 esock-poll-async-l1 esock-poll-async-l2 nio-t1 nio-t2"}
C10K_SERVERS=${C10K_SERVERS:-"c-uring c-epoll esock-uring esock-poll esock-uring-async esock-poll-async nio"}
C10K_CONNECTIONS=${C10K_CONNECTIONS:-10000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
NIO_THREADS=${NIO_THREADS:-1}
ERLANG_ARGS=${ERLANG_ARGS:-"+Bd"}
ESOCK_SERVE_CMD_DEFAULT='.build/release/esock-stress serve --port 0 --backend {backend}'
ESOCK_SERVE_CMD=${ESOCK_SERVE_CMD:-$ESOCK_SERVE_CMD_DEFAULT}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-30}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

case "$ROUNDS$DURATION$WARMUP" in *[!0-9.]*) die "ROUNDS, DURATION and WARMUP must be numbers" ;; esac
[ "$ROUNDS" -ge 1 ] 2>/dev/null && [ "$ROUNDS" -le 50 ] || die "ROUNDS must be 1..50"
awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { exit !(d > 0 && d <= 600 && w >= 0 && w <= 60) }' \
    || die "DURATION must be in (0, 600] and WARMUP in [0, 60]"
[ "$C10K_CONNECTIONS" -ge 1 ] 2>/dev/null && [ "$C10K_CONNECTIONS" -le 100000 ] \
    || die "C10K_CONNECTIONS must be 1..100000"

servers_for() {  # the servers of a scenario
    case "$1" in
        scale) printf '%s' "$SCALE_SERVERS" ;;
        c10k) printf '%s' "$C10K_SERVERS" ;;
        *) printf '%s' "$SERVERS" ;;
    esac
}
ALL_SERVERS=""  # every server of the chosen scenarios, in order of first appearance
for sc in $SCENARIOS; do
    for s in $(servers_for "$sc"); do
        case " $ALL_SERVERS " in *" $s "*) ;; *) ALL_SERVERS="$ALL_SERVERS $s" ;; esac
    done
done
ALL_SERVERS=${ALL_SERVERS# }

# c10k: one descriptor per connection in the server and in the load generator
C10K_NOFILE=""
case " $SCENARIOS " in *" c10k "*)
    hard=$(ulimit -Hn)
    C10K_NOFILE=$((C10K_CONNECTIONS + 1000))
    if [ "$hard" != unlimited ] && [ "$hard" -lt "$C10K_NOFILE" ]; then
        [ "$hard" -ge $((C10K_CONNECTIONS + 100)) ] \
            || die "c10k needs $((C10K_CONNECTIONS + 100)) descriptors, the hard limit is $hard (ulimit -Hn): lower C10K_CONNECTIONS"
        C10K_NOFILE=$hard
    fi ;;
esac

for tool in gcc taskset python3 setsid timeout; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
NCPU=$(nproc)
if [ "$NCPU" -lt 2 ]; then
    say "bench: only $NCPU CPU: server and load generator share CPU 0 (numbers are not comparable)"
    SERVER_CPU=0 CLIENT_CPU=0
fi
# scale: the server may use every CPU, the load generator stays on CLIENT_CPU
SCALE_SERVER_CPUS=${SCALE_SERVER_CPUS:-0-$((NCPU - 1))}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/esock-bench.XXXXXX")
export ERL_CRASH_DUMP="$WORK/erl_crash.dump"   # never into the repo
mkdir -p "$BIN" "$RESULTS_DIR"
RUNS="$WORK/runs.jsonl"
SKIPS="$WORK/skips.tsv"
: > "$RUNS"
: > "$SKIPS"

# ---- cleanup: every server and load generator we started, by process group ----
LIVE_PGIDS=""
LOADGEN_PID=""
cleanup() {
    local pg f
    if [ -n "$LOADGEN_PID" ]; then kill -KILL "$LOADGEN_PID" 2>/dev/null; fi
    # servers whose pid file exists but that were not yet in the list
    for f in "$WORK"/*.pid; do
        [ -s "$f" ] || continue
        pg=$(cat "$f")
        case " $LIVE_PGIDS " in *" $pg "*) ;; *) LIVE_PGIDS="$LIVE_PGIDS $pg" ;; esac
    done
    for pg in $LIVE_PGIDS; do
        kill -TERM -- "-$pg" 2>/dev/null
    done
    if [ -n "$LIVE_PGIDS" ]; then
        sleep 0.5
        for pg in $LIVE_PGIDS; do kill -KILL -- "-$pg" 2>/dev/null; done
    fi
    LIVE_PGIDS=""
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'say "bench: interrupted"; exit 130' INT TERM

SKIPPED=""           # servers skipped (with a reason in $SKIPS)
skip() {             # skip SERVER REASON
    case " $SKIPPED " in *" $1 "*) return ;; esac
    SKIPPED="$SKIPPED $1"
    printf '%s\t%s\n' "$1" "$2" >> "$SKIPS"
    say "bench: skipping $1: $2"
}
skipped() { case " $SKIPPED " in *" $1 "*) return 0 ;; esac; return 1; }
family() {  # the program behind a server name
    case "$1" in
        c-uring|c-uring-x*) echo c-uring ;;
        c-epoll|c-epoll-x*) echo c-epoll ;;
        nio|nio-t*) echo nio ;;
        esock-*) echo esock ;;
        *) echo "$1" ;;
    esac
}
wanted() {  # wanted FAMILY: a server of that family is to run
    local s
    for s in $ALL_SERVERS; do [ "$(family "$s")" = "$1" ] && return 0; done
    return 1
}
skip_family() {  # skip_family FAMILY REASON
    local s
    for s in $ALL_SERVERS; do [ "$(family "$s")" = "$1" ] && skip "$s" "$2"; done
}

# ---- build ----
build_c() {
    local prog=$1; shift
    [ "${NO_BUILD:-0}" = 1 ] && [ -x "$BIN/$prog" ] && return 0
    # build next to it and rename: a copy that is running keeps running
    gcc -O2 -Wall -o "$BIN/.$prog.new" "$BENCH/C/$prog.c" "$@" 2> "$WORK/build-$prog.log" || {
        cat "$WORK/build-$prog.log" >&2
        rm -f "$BIN/.$prog.new"
        return 1
    }
    mv -f "$BIN/.$prog.new" "$BIN/$prog"
}

say "bench: building the C programs (gcc -O2)"
build_c loadgen || die "cannot build the load generator"
if wanted c-uring; then
    build_c uring_echo -luring || skip_family c-uring "uring_echo.c does not build (liburing-dev 2.3+ installed?)"
fi
if wanted c-epoll; then
    build_c epoll_echo || skip_family c-epoll "epoll_echo.c does not build"
fi

if wanted nio; then
    if [ "${NO_BUILD:-0}" = 1 ] && [ -x "$BENCH/.build/release/nio-echo" ]; then
        :
    else
        say "bench: building nio-echo (swift build -c release --package-path Benchmarks)"
        if ! nice -n 5 swift build -c release --package-path "$BENCH" --product nio-echo \
                > "$WORK/build-nio.log" 2>&1; then
            tail -20 "$WORK/build-nio.log" >&2
            skip_family nio "swift build of Benchmarks/ (SwiftNIO) failed"
        fi
    fi
    [ -x "$BENCH/.build/release/nio-echo" ] || skip_family nio "no Benchmarks/.build/release/nio-echo"
fi

if wanted erlang; then
    if ! command -v erl >/dev/null || ! command -v erlc >/dev/null; then
        say "bench: Erlang is missing: apt-get install -y erlang-nox"
        if ! { apt-get install -y erlang-nox > "$WORK/apt.log" 2>&1 ||
               { apt-get update > "$WORK/apt.log" 2>&1 &&
                 apt-get install -y erlang-nox >> "$WORK/apt.log" 2>&1; }; }; then
            tail -5 "$WORK/apt.log" >&2
        fi
    fi
    if ! command -v erl >/dev/null || ! command -v erlc >/dev/null; then
        skip_family erlang "erl/erlc not found and apt-get install -y erlang-nox failed"
    else
        mkdir -p "$BIN/erl"
        erlc -o "$BIN/erl" "$BENCH/Erlang/echo.erl" 2> "$WORK/build-erl.log" || {
            cat "$WORK/build-erl.log" >&2
            skip_family erlang "erlc of Benchmarks/Erlang/echo.erl failed"
        }
    fi
fi

esock_cmd() {  # esock_cmd uring|poll
    local b=$1
    if [ "$b" = uring ] && [ -n "${ESOCK_URING_CMD:-}" ]; then printf '%s' "$ESOCK_URING_CMD"; return; fi
    if [ "$b" = poll ] && [ -n "${ESOCK_POLL_CMD:-}" ]; then printf '%s' "$ESOCK_POLL_CMD"; return; fi
    printf '%s' "${ESOCK_SERVE_CMD//\{backend\}/$b}"
}
if wanted esock; then
    needs_build=0
    if [ "$ESOCK_SERVE_CMD" = "$ESOCK_SERVE_CMD_DEFAULT" ]; then
        if [ -z "${ESOCK_URING_CMD:-}" ] || [ -z "${ESOCK_POLL_CMD:-}" ]; then
            needs_build=1
        fi
    fi
    if [ "$needs_build" = 1 ]; then
        exe="$ROOT/.build/release/esock-stress"
        if [ -x "$exe" ] && [ "${NO_BUILD:-0}" = 1 ]; then
            :
        else
            # missing: build it; present: an incremental build keeps it current
            say "bench: building esock-stress (swift build -c release --product esock-stress)"
            if ! (cd "$ROOT" && nice -n 5 swift build -c release --product esock-stress) \
                    > "$WORK/build-esock.log" 2>&1; then
                tail -20 "$WORK/build-esock.log" >&2
                if [ -x "$exe" ]; then
                    say "bench: the build failed: using the existing, possibly stale, $exe"
                else
                    skip_family esock "swift build -c release --product esock-stress failed (see its output above)"
                fi
            fi
        fi
    fi
fi

# N copies of a C server on one port (SO_REUSEPORT): the first picks the port,
# the others bind it; "listening PORT" once all of them listen. The shell stays
# their parent, so the load generator counts the CPU of all of them.
REUSEPORT_LAUNCHER='n=$1 prog=$2 out=$3 limit=$4 port=0
for ((k = 1; k <= n; k++)); do
    : > "$out.$k"  # here, not in the child: a stale line must never be read
    "$prog" --port "$port" --reuseport > "$out.$k" &
    got=""
    for ((i = 0; i < limit * 10; i++)); do
        got=$(awk '"'"'$1 == "listening" { print $2; exit }'"'"' "$out.$k")
        [ -n "$got" ] && break
        kill -0 $! 2>/dev/null || exit 1
        sleep 0.1
    done
    [ -n "$got" ] || exit 1
    port=$got
done
echo "listening $port"
wait'

server_cmd() {  # the shell command line of a server (run from $ROOT)
    local n
    case "$1" in
        c-uring) printf '%q --port 0' "$BIN/uring_echo" ;;
        c-epoll) printf '%q --port 0' "$BIN/epoll_echo" ;;
        c-uring-x[0-9]|c-uring-x[0-9][0-9]|c-epoll-x[0-9]|c-epoll-x[0-9][0-9])
            n=${1##*-x}
            [ "$n" -ge 1 ] && [ "$n" -le 16 ] || return 1
            local prog=uring_echo
            [ "$(family "$1")" = c-epoll ] && prog=epoll_echo
            printf 'bash -c %q bench-reuseport %d %q %q %d' "$REUSEPORT_LAUNCHER" "$n" \
                "$BIN/$prog" "$WORK/$1.out" "$STARTUP_TIMEOUT" ;;
        nio) printf '%q --port 0 --threads %d' "$BENCH/.build/release/nio-echo" "$NIO_THREADS" ;;
        nio-t[0-9]|nio-t[0-9][0-9])
            n=${1#nio-t}
            [ "$n" -ge 1 ] && [ "$n" -le 64 ] || return 1
            printf '%q --port 0 --threads %d' "$BENCH/.build/release/nio-echo" "$n" ;;
        erlang) printf 'erl -noshell %s -pa %q -run echo main 0' "$ERLANG_ARGS" "$BIN/erl" ;;
        # esock-BACKEND[-PATH][-lN]: the data path of `serve --path` (stream, the
        # default; async: awaiting calls on the loop executor; nowait: Erlang-shaped
        # calls with a mailbox) and `--loops N` (without it: one loop per CPU the
        # server may run on)
        esock-*)
            [[ $1 =~ ^esock-(uring|poll)(-(stream|async|nowait))?(-l([0-9]+))?$ ]] || return 1
            local backend=${BASH_REMATCH[1]} path=${BASH_REMATCH[3]} loops=${BASH_REMATCH[5]}
            printf '%s' "$(esock_cmd "$backend")"
            [ -n "$path" ] && printf ' --path %s' "$path"
            if [ -n "$loops" ]; then
                [ "$loops" -ge 1 ] && [ "$loops" -le 64 ] || return 1
                printf ' --loops %d' "$loops"
            fi
            return 0 ;;
        *) return 1 ;;
    esac
}

# ---- servers ----
SERVER_PID=""       # the server process; also its process group id
SERVER_LAUNCHER=""  # our direct child (the server itself, or setsid's parent)
SERVER_PORT=""
SERVER_WHY=""
alive() {  # alive PID: exists and is not a zombie
    local st
    st=$(sed -n 's/^.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
start_server() {  # start_server NAME [CPUS [NOFILE]]: sets SERVER_PID / SERVER_PORT, or SERVER_WHY
    local name=$1 cpus=${2:-$SERVER_CPU} nofile=${3:-} cmd out err pidfile i
    SERVER_PID="" SERVER_LAUNCHER="" SERVER_PORT="" SERVER_WHY=""
    cmd=$(server_cmd "$name") || { SERVER_WHY="unknown server"; return 1; }
    out="$WORK/$name.out" err="$WORK/$name.err" pidfile="$WORK/$name.pid"
    : > "$out"
    rm -f "$pidfile"
    # setsid: a session and process group of its own (pgid = pid), so the whole
    # tree can be killed. setsid forks only when it is already a group leader
    # (under job control); either way the shell below writes the pid that every
    # following exec keeps: the server's.
    (cd "$ROOT" && { [ -z "$nofile" ] || ulimit -Sn "$nofile"; } &&
        exec setsid bash -c 'echo $$ > "$1"; shift; exec taskset -c "$@"' \
        bench-server "$pidfile" "$cpus" bash -c "exec $cmd") \
        > "$out" 2> "$err" < /dev/null &
    SERVER_LAUNCHER=$!
    for ((i = 0; i < 100; i++)); do
        [ -s "$pidfile" ] && break
        sleep 0.02
    done
    SERVER_PID=$(cat "$pidfile" 2>/dev/null)
    if [ -z "$SERVER_PID" ]; then
        SERVER_WHY="could not start: $(tail -3 "$err" | tr '\n' ' ')"
        stop_server
        return 1
    fi
    LIVE_PGIDS="$LIVE_PGIDS $SERVER_PID"
    for ((i = 0; i < STARTUP_TIMEOUT * 10; i++)); do
        SERVER_PORT=$(awk '$1 == "listening" && $2 ~ /^[0-9]+$/ { print $2; exit }' "$out")
        [ -n "$SERVER_PORT" ] && return 0
        if ! alive "$SERVER_PID"; then
            SERVER_WHY="exited before listening: $(tail -3 "$err" | tr '\n' ' ')"
            stop_server
            return 1
        fi
        sleep 0.1
    done
    SERVER_WHY="no 'listening PORT' line within ${STARTUP_TIMEOUT}s: $(tail -3 "$err" | tr '\n' ' ')"
    stop_server
    return 1
}

stop_server() {  # TERM the server's process group, KILL it after 5 s
    local pid=$SERVER_PID i
    if [ -n "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            # a server that has exited but is our child stays a zombie (and a
            # member of its group) until reaped: reap it, then look again
            alive "$pid" || wait "$SERVER_LAUNCHER" 2>/dev/null
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 -- "-$pid" 2>/dev/null; then
            say "bench: server $pid ignored SIGTERM for 5 s: SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null
        fi
        LIVE_PGIDS=${LIVE_PGIDS/ $pid/}
        rm -f "$WORK"/*.pid
    fi
    [ -n "$SERVER_LAUNCHER" ] && wait "$SERVER_LAUNCHER" 2>/dev/null
    SERVER_PID="" SERVER_LAUNCHER=""
}

# ---- scenarios ----
scenario_args() {  # the load generator's arguments for a scenario
    case "$1" in
        c1-64)     echo "--connections 1 --size 64 --pipeline 1 --mode pingpong" ;;
        c64-64)    echo "--connections 64 --size 64 --pipeline 1 --mode pingpong" ;;
        c256-64)   echo "--connections 256 --size 64 --pipeline 1 --mode pingpong" ;;
        c64-512)   echo "--connections 64 --size 512 --pipeline 1 --mode pingpong" ;;
        c256-512)  echo "--connections 256 --size 512 --pipeline 1 --mode pingpong" ;;
        c64-64-p8) echo "--connections 64 --size 64 --pipeline 8 --mode pingpong" ;;
        c64-16k)   echo "--connections 64 --size 16384 --pipeline 1 --mode pingpong" ;;
        bulk16)    echo "--connections 16 --size 65536 --pipeline 4 --mode bulk" ;;
        accept)    echo "--connections 16 --size 64 --pipeline 1 --mode connect" ;;
        scale)     echo "--connections 64 --size 64 --pipeline 1 --mode pingpong" ;;
        # bounded: every phase of hold ends by --timeout
        c10k)      echo "--connections $C10K_CONNECTIONS --size 64 --mode hold --echoes 2 --timeout 40" ;;
        *) return 1 ;;
    esac
}
for s in $SCENARIOS; do scenario_args "$s" >/dev/null || die "unknown scenario $s"; done

ACTIVE=""
for s in $ALL_SERVERS; do
    server_cmd "$s" >/dev/null || die "unknown server $s (known: c-uring c-epoll c-{uring,epoll}-xN esock-{uring,poll}[-{stream,async,nowait}][-lN] nio nio-tN erlang)"
    skipped "$s" || ACTIVE="$ACTIVE $s"
done
read -r -a ACTIVE_LIST <<< "$ACTIVE"
[ "${#ACTIVE_LIST[@]}" -gt 0 ] || say "bench: no server left to run"

say "bench: servers:${ACTIVE:- none}; scenarios: $SCENARIOS; rounds $ROUNDS x ${DURATION}s (+${WARMUP}s warmup)"
say "bench: server on CPU $SERVER_CPU, load generator on CPU $CLIENT_CPU"
case " $SCENARIOS " in *" scale "*)
    say "bench: scale: server on CPUs $SCALE_SERVER_CPUS, load generator on CPU $CLIENT_CPU" ;;
esac

# ---- disconnect torture (Scripts/bench/robust.py): every server must survive it ----
ROBUST_LOG="$WORK/robust.tsv"
: > "$ROBUST_LOG"
if [ "${ROBUST:-1}" = 1 ]; then
    for name in "${ACTIVE_LIST[@]}"; do
        skipped "$name" && continue
        if ! start_server "$name"; then
            skip "$name" "$SERVER_WHY"
            continue
        fi
        verdict=$(timeout -k 5 90 python3 "$ROOT/Scripts/bench/robust.py" --port "$SERVER_PORT" 2>&1 | tail -1)
        alive "$SERVER_PID" || verdict="server died: $verdict"
        stop_server
        [ -n "$verdict" ] || verdict="no verdict (timed out?)"
        printf '%s\t%s\n' "$name" "$verdict" >> "$ROBUST_LOG"
        say "  robust     $name: $verdict"
    done
fi

for scenario in $SCENARIOS; do
    args=$(scenario_args "$scenario")
    cpus=$SERVER_CPU nofile=""
    LG_TIMEOUT=$(awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", d + w + 30 }')
    case "$scenario" in
        scale) cpus=$SCALE_SERVER_CPUS ;;
        c10k) nofile=$C10K_NOFILE LG_TIMEOUT=50 ;;
    esac
    list=()
    for name in $(servers_for "$scenario"); do skipped "$name" || list+=("$name"); done
    n=${#list[@]}
    for ((round = 1; round <= ROUNDS; round++)); do
        # interleave, rotating the order every round so no server always goes first
        for ((k = 0; k < n; k++)); do
            name=${list[$(( (k + round - 1) % n ))]}
            skipped "$name" && continue
            if ! start_server "$name" "$cpus" "$nofile"; then
                skip "$name" "$SERVER_WHY"
                continue
            fi
            out="$WORK/lg.out"
            # shellcheck disable=SC2086
            ( { [ -z "$nofile" ] || ulimit -Sn "$nofile"; } &&
              exec timeout -k 5 "$LG_TIMEOUT" taskset -c "$CLIENT_CPU" "$BIN/loadgen" \
                --host 127.0.0.1 --port "$SERVER_PORT" $args \
                --duration "$DURATION" --warmup "$WARMUP" --server-pid "$SERVER_PID" ) \
                > "$out" 2> "$WORK/lg.err" &
            LOADGEN_PID=$!
            wait "$LOADGEN_PID"
            rc=$?
            LOADGEN_PID=""
            up=1
            alive "$SERVER_PID" || up=0
            stop_server
            line=$(grep -m1 '^{' "$out")
            if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
                why="load generator failed (exit $rc): $(tail -2 "$WORK/lg.err" | tr '\n' ' ')"
                line='{"requests":null}'
            else
                why=""
                [ "$up" = 1 ] || why="server died during the run"
            fi
            python3 - "$line" "$scenario" "$name" "$round" "$why" >> "$RUNS" <<'PY'
import json, sys
rec = json.loads(sys.argv[1])
rec.update(scenario=sys.argv[2], server=sys.argv[3], round=int(sys.argv[4]))
if sys.argv[5]:
    rec["failure"] = sys.argv[5]
print(json.dumps(rec))
PY
            python3 - "$line" "$scenario" "$name" "$round" "$why" >&2 <<'PY'
import json, sys
r = json.loads(sys.argv[1])
if r.get("requests") is None or sys.argv[5]:
    print(f"  {sys.argv[2]:<10} round {sys.argv[4]} {sys.argv[3]:<20} FAILED: {sys.argv[5]}")
elif r.get("mode") == "hold":
    per = r.get("rss_busy_per_conn_b")
    print(f"  {sys.argv[2]:<10} round {sys.argv[4]} {sys.argv[3]:<20} {r['connections_held']} of"
          f" {r['connections']} held  RSS {r.get('rss_before_kb', 0) / 1024:.1f} ->"
          f" {r.get('rss_idle_kb', 0) / 1024:.1f} (idle) -> {r.get('rss_busy_kb', 0) / 1024:.1f} MiB (busy)"
          f"  {per if per is not None else float('nan'):.0f} B/conn  errors {r['errors']}")
else:
    cpu = r.get("server_cpu_us_per_req")
    other = r.get("other_cpu_pct")
    print(f"  {sys.argv[2]:<10} round {sys.argv[4]} {sys.argv[3]:<20} {r['rps']:>11.0f} req/s"
          f" {r['mbps']:>9.1f} MB/s  p50 {r['p50_us']:>8.1f} us  p99 {r['p99_us']:>8.1f} us"
          f"  cpu {cpu if cpu is not None else float('nan'):>6.2f} us/req  errors {r['errors']}"
          + (f"  (others used {other:.0f}% of a core)" if other is not None and other > 10 else ""))
PY
        done
    done
done

# ---- report ----
python3 "$ROOT/Scripts/bench/report.py" \
    --runs "$RUNS" --skips "$SKIPS" --robust "$ROBUST_LOG" \
    --json "$RESULTS_DIR/latest.json" --md "$RESULTS_DIR/latest.md" \
    --servers "$ALL_SERVERS" --scenarios "$SCENARIOS" \
    --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" \
    --server-cpu "$SERVER_CPU" --client-cpu "$CLIENT_CPU" --scale-server-cpus "$SCALE_SERVER_CPUS" \
    --esock-uring-cmd "$(esock_cmd uring)" --esock-poll-cmd "$(esock_cmd poll)"
status=$?
say "bench: wrote $RESULTS_DIR/latest.json and $RESULTS_DIR/latest.md"
exit $status
