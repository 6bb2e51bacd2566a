#!/usr/bin/env bash
# Check ESock with io_uring switched off host-wide (kernel.io_uring_disabled=2), outside containers.
#
#   Scripts/iouring-disabled-check.sh              # default checks (below)
#   Scripts/iouring-disabled-check.sh CMD ARGS...  # run CMD instead, with io_uring disabled
#
# Needs root and a writable /proc/sys/kernel/io_uring_disabled (Linux >= 6.6); otherwise it
# prints "skipped" with the reason and exits 0. The previous value is restored by a trap on
# EXIT/INT/TERM/HUP whatever happens (only SIGKILL can defeat it: then restore by hand with
# `sysctl kernel.io_uring_disabled=0`). The setting is host-wide: io_uring programs started by
# anyone else while the check runs also see EPERM, so everything is built *before* the switch
# is flipped and the disabled window is kept as short as possible. A lock serialises concurrent
# invocations, so one never "restores" the other's 2.
#
# Default checks (with ESOCK_EXPECT_URING=0 and ESOCK_IOURING_DISABLED=2 in the environment):
#   1. swift test --skip-build --filter "$ESOCK_DISABLED_FILTER" (default IOURingDisabled);
#      a filter that matches no test is a failure
#   2. esock-stress doctor, which must exit 1 (io_uring not usable)
#
# Environment:
#   ESOCK_SCRATCH_PATH            build directory (default .build)
#   ESOCK_DISABLED_FILTER         test filter (default IOURingDisabled)
#   ESOCK_DISABLED_BUILD_TIMEOUT  seconds for the build before the switch (default 1800)
#   ESOCK_DISABLED_TIMEOUT        seconds for each check while io_uring is disabled (default 600)
set -u -o pipefail

cd "$(dirname "$0")/.." || exit 2
SYSCTL=/proc/sys/kernel/io_uring_disabled
SCRATCH=${ESOCK_SCRATCH_PATH:-.build}
FILTER=${ESOCK_DISABLED_FILTER:-IOURingDisabled}
BUILD_TIMEOUT=${ESOCK_DISABLED_BUILD_TIMEOUT:-1800}
CHECK_TIMEOUT=${ESOCK_DISABLED_TIMEOUT:-600}
LOCK=/run/lock/esock-iouring-disabled.lock
[ -d /run/lock ] || LOCK=/tmp/esock-iouring-disabled.lock

log() { printf '[iouring-disabled] %s\n' "$*"; }
skip() { log "SKIPPED: $*"; exit 0; }

[ -e "$SYSCTL" ] || skip "$SYSCTL does not exist (kernel older than 6.6 or no io_uring)"
[ "$(id -u)" = 0 ] || skip "not root (writing $SYSCTL needs root)"
OLD=$(cat "$SYSCTL" 2>/dev/null) || skip "cannot read $SYSCTL"
# Writable for real? (inside a container /proc/sys is read-only even for root)
( echo "$OLD" >"$SYSCTL" ) 2>/dev/null || skip "$SYSCTL is not writable here (read-only /proc/sys, container?)"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    PATH=/opt/swift/usr/bin:$PATH
fi

TMP=$(mktemp -d /tmp/esock-iouring-disabled.XXXXXX)
CHILD=""
CHANGED=0
restore() {
    # No signal may interrupt the restore (`timeout` and terminals send a signal twice: to the
    # process and to its group; a second trap run would `exit` from inside this one).
    trap '' INT TERM HUP
    if [ "$CHANGED" = 1 ]; then
        # First put the value back, then deal with the child.
        if echo "$OLD" >"$SYSCTL"; then
            log "restored kernel.io_uring_disabled=$(cat "$SYSCTL")"
        else
            log "ERROR: could not restore kernel.io_uring_disabled=$OLD: run 'sysctl kernel.io_uring_disabled=$OLD'"
        fi
        CHANGED=0
    fi
    if [ -n "$CHILD" ]; then kill -TERM "$CHILD" 2>/dev/null; wait "$CHILD" 2>/dev/null; CHILD=""; fi
    rm -rf "$TMP"
}
on_signal() { trap '' INT TERM HUP; log "$1"; restore; exit "$2"; }
trap restore EXIT
trap 'on_signal interrupted 130' INT
trap 'on_signal terminated 143' TERM
trap 'on_signal hangup 129' HUP

# Run "$@" bounded in time, in the background so that signals reach the traps at once.
bounded() {
    local t=$1; shift
    timeout -k 10 "$t" "$@" &
    CHILD=$!
    wait "$CHILD"
    local rc=$?
    CHILD=""
    return $rc
}

# Like bounded, and also keep the output in file $2 (shown live).
bounded_log() {
    local t=$1 out=$2; shift 2
    : >"$out"
    timeout -k 10 "$t" "$@" >"$out" 2>&1 &
    CHILD=$!
    tail -n +1 -f --pid="$CHILD" "$out" &
    local tailpid=$!
    wait "$CHILD"
    local rc=$?
    CHILD=""
    wait "$tailpid" 2>/dev/null
    return $rc
}

if [ $# -eq 0 ]; then
    # Build everything first, while io_uring still works for everyone else.
    log "building tests and esock-stress (scratch path $SCRATCH) before disabling io_uring"
    bounded "$BUILD_TIMEOUT" swift build --scratch-path "$SCRATCH" --build-tests \
        || { log "FAIL: build failed; io_uring_disabled was not touched"; exit 1; }
    HAVE_DOCTOR=0
    if bounded "$BUILD_TIMEOUT" swift build --scratch-path "$SCRATCH" --product esock-stress >"$TMP/doctor-build.log" 2>&1 \
        && [ -x "$SCRATCH/debug/esock-stress" ]; then
        HAVE_DOCTOR=1
    else
        log "esock-stress does not build (yet): the doctor check will be skipped"
        tail -3 "$TMP/doctor-build.log" | sed 's/^/    /'
    fi
fi

exec 9>"$LOCK"
command -v flock >/dev/null 2>&1 && { flock -w 900 9 || { log "FAIL: another io_uring-disabled check holds $LOCK"; exit 1; }; }
OLD=$(cat "$SYSCTL")    # re-read under the lock

export ESOCK_EXPECT_URING=0 ESOCK_IOURING_DISABLED=2
CHANGED=1
echo 2 >"$SYSCTL" || { CHANGED=0; log "FAIL: could not write 2 to $SYSCTL"; exit 1; }
log "kernel.io_uring_disabled: $OLD -> $(cat "$SYSCTL") (will be restored on exit)"

FAILED=0
t0=$SECONDS
if [ $# -gt 0 ]; then
    log "check: $*"
    bounded "$CHECK_TIMEOUT" "$@"
    rc=$?
    [ $rc -eq 0 ] || { log "FAIL: '$*' exited $rc"; FAILED=1; }
else
    log "check 1: swift test --filter $FILTER (ESOCK_EXPECT_URING=0)"
    bounded_log "$CHECK_TIMEOUT" "$TMP/test.log" swift test --scratch-path "$SCRATCH" --skip-build --filter "$FILTER"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        log "FAIL: swift test --filter $FILTER exited $rc"; FAILED=1
    elif grep -q 'No matching test cases were run' "$TMP/test.log" \
         && ! grep -Eq 'Test run with [1-9][0-9]* test' "$TMP/test.log"; then
        log "FAIL: no test matched --filter $FILTER"; FAILED=1
    fi
    if [ "$HAVE_DOCTOR" = 1 ]; then
        log "check 2: esock-stress doctor (must exit 1: io_uring not usable)"
        bounded "$CHECK_TIMEOUT" "$SCRATCH/debug/esock-stress" doctor
        rc=$?
        if [ "$rc" -eq 1 ]; then log "doctor exit 1, as expected"
        else log "FAIL: esock-stress doctor exited $rc, expected 1"; FAILED=1; fi
    fi
fi
log "checks took $((SECONDS - t0))s with io_uring disabled"
restore
if [ "$FAILED" = 0 ]; then log "PASS"; else log "FAIL"; fi
exit "$FAILED"
