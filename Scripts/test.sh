#!/usr/bin/env bash
# The project's test command: installs what the build needs, builds, runs the whole suite.
#
#   Scripts/test.sh                 # native run
#   ESOCK_SCRATCH_PATH=.build-x ... # another build folder (the container runs use one)
#
# Environment read by the suite: ESOCK_EXPECT_URING=0|1 (containers: is io_uring expected
# to be blocked or usable), ESOCK_IN_CONTAINER=1, ESOCK_IOURING_DISABLED=2 (sysctl check).
# ESOCK_TEST_LOOPS: the loop counts the whole suite runs with, one run each (default "1 3":
# every behaviour with one loop per backend and with sockets spread over three; containers
# run once, with 2).
set -euo pipefail
cd "$(dirname "$0")/.."

source Scripts/needs.sh

scratch=(--scratch-path "${ESOCK_SCRATCH_PATH:-.build}")
# The project's own warnings fail the build here (ESOCK_WARNINGS_AS_ERRORS=0 to relax).
export ESOCK_WARNINGS_AS_ERRORS=${ESOCK_WARNINGS_AS_ERRORS:-1}
timeout 1500 swift build --build-tests "${scratch[@]}"
# IOURingDisabled runs only from Scripts/iouring-disabled-check.sh, with the sysctl set.
# One test at a time by default: on two cores the suite's heavy cases (10,000 connections,
# the model test, megabytes through shrunk buffers) starve the timing of the others.
# ESOCK_TEST_PARALLEL=1 runs them in parallel (about 12 s instead of 60 s here).
parallel=(--no-parallel)
[ "${ESOCK_TEST_PARALLEL:-0}" = 1 ] && parallel=()
default_loops="1 3"
[ "${ESOCK_IN_CONTAINER:-0}" = 1 ] && default_loops="2"
for loops in ${ESOCK_TEST_LOOPS:-$default_loops}; do
  echo "test.sh: the suite with ESOCK_LOOPS=$loops"
  ESOCK_LOOPS=$loops timeout 900 swift test --skip-build "${scratch[@]}" "${parallel[@]}" --skip IOURingDisabled "$@"
done
