#!/usr/bin/env bash
# The project's test command: installs what the build needs, builds, runs the whole suite.
#
#   Scripts/test.sh                 # native run
#   ESOCK_SCRATCH_PATH=.build-x ... # another build folder (the container runs use one)
#
# Environment read by the suite: ESOCK_EXPECT_URING=0|1 (containers: is io_uring expected
# to be blocked or usable), ESOCK_IN_CONTAINER=1, ESOCK_IOURING_DISABLED=2 (sysctl check).
set -euo pipefail
cd "$(dirname "$0")/.."

need_install=0
pkg-config --exists liburing 2>/dev/null || need_install=1
command -v pkg-config >/dev/null 2>&1 || need_install=1
if [ "$need_install" = 1 ]; then
  if [ "${ESOCK_IN_CONTAINER:-0}" = 1 ] && [ -f /usr/include/liburing.h ]; then
    : # the container shares the host's headers
  else
    echo "test.sh: installing liburing-dev and pkg-config" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y liburing-dev pkg-config >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y liburing-dev pkg-config >/dev/null; }
  fi
fi
command -v ip >/dev/null 2>&1 || apt-get install -y iproute2 >/dev/null 2>&1 || true

scratch=(--scratch-path "${ESOCK_SCRATCH_PATH:-.build}")
timeout 1500 swift build --build-tests "${scratch[@]}"
# IOURingDisabled runs only from Scripts/iouring-disabled-check.sh, with the sysctl set.
timeout 900 swift test --skip-build "${scratch[@]}" --skip IOURingDisabled "$@"
