#!/usr/bin/env bash
# Run the ESock test suite (Scripts/test.sh) inside a container, twice:
#   run "default": the engine's default seccomp profile; io_uring is expected to be blocked
#                  (ESOCK_EXPECT_URING=0: everything must pass on poll, `auto` must say why).
#   run "iouring": Scripts/seccomp-iouring.json (Docker's default profile + the three io_uring
#                  syscalls), or seccomp=unconfined if the engine rejects that profile
#                  (ESOCK_EXPECT_URING=1: the suite runs on both backends).
#
# Engine: a working Docker engine (`docker info` answers) runs the image built from ./Dockerfile.
# Otherwise Podman (installed with apt-get if missing) runs the host's own root file system as a
# throw-away overlay (`--rootfs /:O`) with the project bind-mounted at the same path: no registry
# is needed. Container builds use their own build directory (.build-container) so they never
# fight with the native .build.
#
# Environment:
#   ESOCK_CONTAINER_ENGINE=auto|docker|podman   engine choice (default auto)
#   ESOCK_CONTAINER_RUNS="default iouring"      which runs, in order (default both)
#   ESOCK_CONTAINER_TIMEOUT=2400                seconds per run (the first build is a full build)
#   ESOCK_CONTAINER_OPTIONAL=1                  no usable engine -> print "skipped" and exit 0
#   ESOCK_CONTAINER_BLOCK_PROFILE=auto|0|1      run "default" with an explicit profile that blocks
#                                               io_uring (auto: only on Docker < 25, whose default
#                                               profile still allows it)
#   ESOCK_CONTAINER_SCRATCH=.build-container    build directory for podman runs
#   ESOCK_DOCKER_IMAGE=esock-ci:local           image tag for docker runs
# Other ESOCK_* variables (ESOCK_USE_SOCKET_REGISTRY, ...) are passed into the container.
#
# Inside the container Scripts/test.sh gets ESOCK_IN_CONTAINER=1, ESOCK_EXPECT_URING=0|1 and,
# for podman, ESOCK_SCRATCH_PATH=.build-container.
set -u -o pipefail

cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
PROFILE="$ROOT/Scripts/seccomp-iouring.json"
RUNS=${ESOCK_CONTAINER_RUNS:-default iouring}
RUN_TIMEOUT=${ESOCK_CONTAINER_TIMEOUT:-2400}
SCRATCH=${ESOCK_CONTAINER_SCRATCH:-.build-container}
IMAGE=${ESOCK_DOCKER_IMAGE:-esock-ci:local}
WANT_ENGINE=${ESOCK_CONTAINER_ENGINE:-auto}
BLOCK_PROFILE=${ESOCK_CONTAINER_BLOCK_PROFILE:-auto}

log() { printf '[container-test] %s\n' "$*"; }

# No engine at all: fail, or skip when the caller said containers are optional.
no_engine() {
    log "no container engine can run here: $*"
    if [ "${ESOCK_CONTAINER_OPTIONAL:-0}" = 1 ]; then
        log "SKIPPED: container tests skipped (ESOCK_CONTAINER_OPTIONAL=1): $*"
        exit 0
    fi
    exit 3
}

ENGINE=""
TMPDIR_CT=$(mktemp -d /tmp/esock-container-test.XXXXXX)
CURRENT_CONTAINER=""
CHILD=""
cleanup() {
    trap '' INT TERM HUP   # a second signal (timeout signals the process and its group) must not cut this short
    if [ -n "$CHILD" ]; then
        kill -TERM "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
        CHILD=""
    fi
    if [ -n "$CURRENT_CONTAINER" ]; then
        engine_rm "$CURRENT_CONTAINER"
        CURRENT_CONTAINER=""
    fi
    rm -rf "$TMPDIR_CT"
}
trap cleanup EXIT
trap 'trap "" INT TERM HUP; log "interrupted"; exit 130' INT
trap 'trap "" INT TERM HUP; log "terminated"; exit 143' TERM
trap 'trap "" INT TERM HUP; log "hangup"; exit 129' HUP

# ---------------------------------------------------------------- engines

PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)

docker_works() {
    command -v docker >/dev/null 2>&1 || return 1
    # podman-docker's `docker` is podman: treat it as podman.
    docker --version 2>/dev/null | grep -qi podman && return 1
    timeout 30 docker info >/dev/null 2>&1
}

apt_install() {
    [ "$(id -u)" = 0 ] || { log "not root: cannot apt-get install $*"; return 1; }
    command -v apt-get >/dev/null 2>&1 || { log "no apt-get: cannot install $*"; return 1; }
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 900 apt-get install -y -q "$@" >"$TMPDIR_CT/apt.log" 2>&1; then
        log "apt-get install $* failed; running apt-get update and retrying"
        timeout 600 apt-get update -q >>"$TMPDIR_CT/apt.log" 2>&1
        if ! timeout 900 apt-get install -y -q "$@" >>"$TMPDIR_CT/apt.log" 2>&1; then
            tail -5 "$TMPDIR_CT/apt.log" | sed 's/^/    /'
            return 1
        fi
    fi
}

# Limits runc may set without CAP_SYS_RESOURCE: nofile up to the current hard limit; nproc is
# given explicitly (runc fails to raise it here; root is exempt from RLIMIT_NPROC anyway).
NOFILE=$(ulimit -Hn 2>/dev/null || echo 1024)
case "$NOFILE" in unlimited|''|*[!0-9]*) NOFILE=65536 ;; esac
[ "$NOFILE" -gt 65536 ] && NOFILE=65536

SWIFT_BIN=""
podman_base_opts() {
    # Options common to every podman run; all of them must come before --rootfs.
    P_OPTS=(--rm --init
            --ulimit "nofile=$NOFILE:$NOFILE" --ulimit nproc=1024:1024
            -v "$ROOT:$ROOT" -w "$ROOT"
            --env "PATH=$SWIFT_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

podman_preflight() {
    command -v runc >/dev/null 2>&1 || apt_install runc || return 1
    podman_base_opts
    local out
    if ! out=$(timeout 180 "${PODMAN[@]}" run "${P_OPTS[@]}" --rootfs /:O true 2>&1); then
        if [ "$NOFILE" != 1024 ]; then
            log "podman refused nofile=$NOFILE ($out); retrying with nofile=1024"
            NOFILE=1024; podman_base_opts
            out=$(timeout 180 "${PODMAN[@]}" run "${P_OPTS[@]}" --rootfs /:O true 2>&1) && return 0
        fi
        log "podman cannot start a container: $out"
        return 1
    fi
}

choose_engine() {
    ENGINE=""
    case "$WANT_ENGINE" in
        auto|docker)
            if docker_works; then ENGINE=docker; return 0; fi
            if [ "$WANT_ENGINE" = docker ]; then
                no_engine "ESOCK_CONTAINER_ENGINE=docker but \`docker info\` fails (no Docker engine reachable)"
            fi
            log "no working Docker engine (\`docker info\` fails); using podman" ;;
        podman) ;;
        *) log "ESOCK_CONTAINER_ENGINE must be auto, docker or podman, not '$WANT_ENGINE'"; exit 2 ;;
    esac
    if ! command -v podman >/dev/null 2>&1; then
        log "podman not installed: apt-get install -y podman runc"
        apt_install podman runc || no_engine "podman is not installed and apt-get could not install it"
    fi
    SWIFT_BIN=$(dirname "$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)")
    [ -x "$SWIFT_BIN/swift" ] || no_engine "podman runs the host root file system, but the host has no swift (PATH or /opt/swift/usr/bin)"
    podman_preflight || no_engine "podman is installed but cannot run a container (see above)"
    ENGINE=podman
}

engine_rm() {
    case "$ENGINE" in
        docker) timeout 60 docker rm -f "$1" >/dev/null 2>&1 ;;
        podman) timeout 60 "${PODMAN[@]}" rm -f --time 0 "$1" >/dev/null 2>&1 ;;
    esac
    return 0
}

# ---------------------------------------------------------------- host preparation

prepare_podman_host() {
    # The container is the host's root file system: install the build dependencies on the host
    # once, so Scripts/test.sh never needs apt-get inside the throw-away overlay.
    local missing=()
    [ -e /usr/include/liburing.h ] || missing+=(liburing-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing on the host (the podman container uses the host rootfs): ${missing[*]}"
        apt_install "${missing[@]}" || log "warning: could not install ${missing[*]}; Scripts/test.sh will try inside"
    fi
    mkdir -p "$ROOT/$SCRATCH"
}

DOCKER_VERSION=""
prepare_docker_image() {
    DOCKER_VERSION=$(timeout 30 docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
    log "building $IMAGE from Dockerfile (timeout ${RUN_TIMEOUT}s)"
    local t0=$SECONDS
    if ! timeout -k 30 "$RUN_TIMEOUT" docker build -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT"; then
        log "FAIL: docker build failed or timed out after $((SECONDS - t0))s"
        exit 1
    fi
    log "image built in $((SECONDS - t0))s"
}

# A profile that blocks io_uring even where the engine's default allows it (Docker < 25):
# Scripts/seccomp-iouring.json without its io_uring entry, i.e. Docker's current default.
blocked_profile() {
    local out="$TMPDIR_CT/seccomp-default-blocked.json"
    if command -v jq >/dev/null 2>&1; then
        jq 'del(.syscalls[] | select(.names | index("io_uring_setup")))' "$PROFILE" >"$out" || return 1
    elif command -v python3 >/dev/null 2>&1; then
        python3 - "$PROFILE" "$out" <<'EOF' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
d["syscalls"] = [s for s in d["syscalls"] if "io_uring_setup" not in s.get("names", [])]
json.dump(d, open(sys.argv[2], "w"), indent="\t")
EOF
    else
        return 1
    fi
    echo "$out"
}

want_block_profile() {
    case "$BLOCK_PROFILE" in
        1) return 0 ;;
        0) return 1 ;;
    esac
    [ "$ENGINE" = docker ] || return 1
    local major=${DOCKER_VERSION%%.*}
    case "$major" in ''|*[!0-9]*) return 1 ;; esac
    [ "$major" -lt 25 ]
}

# Does the engine accept this seccomp option? (a rejected profile fails before the process runs)
seccomp_accepted() {
    local opt=$1 out
    case "$ENGINE" in
        docker) out=$(timeout 120 docker run --rm --security-opt "$opt" "$IMAGE" true 2>&1) ;;
        podman) out=$(timeout 120 "${PODMAN[@]}" run "${P_OPTS[@]}" --security-opt "$opt" --rootfs /:O true 2>&1) ;;
    esac
    local rc=$?
    [ $rc -eq 0 ] || { REJECT_REASON=$(printf '%s' "$out" | tail -2 | tr '\n' ' '); return 1; }
}

# ---------------------------------------------------------------- one run

# What runs inside: show where we are and what io_uring does here, then the test command.
INNER_SCRIPT='
S="${ESOCK_SCRATCH_PATH:-.build}"
echo "[in-container] kernel $(uname -r); $(grep -E "^Seccomp:" /proc/self/status | tr "\t" " "); $(grep -E "^Seccomp_filters:" /proc/self/status | tr "\t" " "); kernel.io_uring_disabled=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo n/a); ESOCK_EXPECT_URING=$ESOCK_EXPECT_URING"
if swift build --scratch-path "$S" --product esock-stress >/tmp/esock-doctor-build.log 2>&1 && [ -x "$S/debug/esock-stress" ]; then
    echo "[in-container] esock-stress doctor:"
    "$S/debug/esock-stress" doctor
    rc=$?
    want=$([ "$ESOCK_EXPECT_URING" = 1 ] && echo 0 || echo 1)
    if [ "$rc" = "$want" ]; then v="as expected"; else v="NOT as expected: the suite will say more"; fi
    echo "[in-container] doctor exit $rc (expected $want: $v)"
else
    echo "[in-container] esock-stress doctor: not available (esock-stress does not build yet):"
    tail -3 /tmp/esock-doctor-build.log | sed "s/^/    /"
fi
exec bash Scripts/test.sh
'

PASSTHROUGH=()
collect_passthrough() {
    local v
    for v in $(compgen -e); do
        case "$v" in
            ESOCK_CONTAINER_*|ESOCK_DOCKER_IMAGE|ESOCK_IN_CONTAINER|ESOCK_EXPECT_URING|ESOCK_SCRATCH_PATH) ;;
            ESOCK_*) PASSTHROUGH+=(--env "$v=${!v}") ;;
        esac
    done
}

RESULTS=()
FAILED=0

run_one() {
    local name=$1 expect seccomp_opt="" note=""
    case "$name" in
        default)
            expect=0
            if want_block_profile; then
                local bp
                if bp=$(blocked_profile); then
                    seccomp_opt="seccomp=$bp"
                    if [ "$BLOCK_PROFILE" = 1 ]; then
                        note="Docker's default profile without io_uring (ESOCK_CONTAINER_BLOCK_PROFILE=1)"
                    else
                        note="Docker's current default profile, without io_uring (Docker $DOCKER_VERSION's own default allows it)"
                    fi
                else
                    note="WARNING: Docker $DOCKER_VERSION's default profile allows io_uring and no jq/python3 to derive a blocking one"
                fi
            else
                note="engine default seccomp profile"
            fi ;;
        iouring)
            expect=1
            if seccomp_accepted "seccomp=$PROFILE"; then
                seccomp_opt="seccomp=$PROFILE"
                note="Scripts/seccomp-iouring.json"
            else
                log "the engine REJECTED Scripts/seccomp-iouring.json: $REJECT_REASON"
                log "falling back to --security-opt seccomp=unconfined for the io_uring run"
                seccomp_opt="seccomp=unconfined"
                note="seccomp=unconfined (fallback: profile rejected)"
            fi ;;
        *) log "unknown run '$name' in ESOCK_CONTAINER_RUNS (use default, iouring)"; FAILED=1; return ;;
    esac

    local cname="esock-ci-$name-$$"
    local sec=()
    [ -n "$seccomp_opt" ] && sec=(--security-opt "$seccomp_opt")
    local cmd
    case "$ENGINE" in
        docker)
            log "=== run '$name': engine docker $DOCKER_VERSION, image $IMAGE, seccomp: $note, ESOCK_EXPECT_URING=$expect"
            cmd=(docker run --rm --init --name "$cname" "${sec[@]}"
                 --env ESOCK_IN_CONTAINER=1 --env "ESOCK_EXPECT_URING=$expect" "${PASSTHROUGH[@]}"
                 "$IMAGE" sh -c "$INNER_SCRIPT") ;;
        podman)
            log "=== run '$name': engine $(podman --version 2>/dev/null) (runtime runc, host rootfs overlay), seccomp: $note, ESOCK_EXPECT_URING=$expect, scratch $SCRATCH"
            cmd=("${PODMAN[@]}" run "${P_OPTS[@]}" --name "$cname" "${sec[@]}"
                 --env ESOCK_IN_CONTAINER=1 --env "ESOCK_EXPECT_URING=$expect"
                 --env "ESOCK_SCRATCH_PATH=$SCRATCH" "${PASSTHROUGH[@]}"
                 --rootfs /:O sh -c "$INNER_SCRIPT") ;;
    esac

    local t0=$SECONDS rc
    CURRENT_CONTAINER=$cname
    # In the background with `wait`, so that INT/TERM reach the traps at once (and the
    # container is removed) instead of after the run.
    timeout -k 30 "$RUN_TIMEOUT" "${cmd[@]}" &
    CHILD=$!
    wait "$CHILD"
    rc=$?
    CHILD=""
    engine_rm "$cname"
    CURRENT_CONTAINER=""
    local dt=$((SECONDS - t0)) verdict
    case $rc in
        0) verdict=PASS ;;
        124|137) verdict="FAIL (timed out after ${RUN_TIMEOUT}s)"; FAILED=1 ;;
        *) verdict="FAIL (exit $rc)"; FAILED=1 ;;
    esac
    log "=== run '$name': $verdict in ${dt}s"
    RESULTS+=("$name (ESOCK_EXPECT_URING=$expect, $note): $verdict in ${dt}s")
}

# ---------------------------------------------------------------- main

choose_engine
case "$ENGINE" in
    docker) prepare_docker_image ;;
    podman) prepare_podman_host ;;
esac
collect_passthrough
log "engine: $ENGINE; runs: $RUNS; timeout per run: ${RUN_TIMEOUT}s"
for r in $RUNS; do
    run_one "$r"
done
log "summary ($ENGINE):"
for line in "${RESULTS[@]}"; do log "  $line"; done
exit $FAILED
