#!/usr/bin/env bash
# The main job: build esock-stress, show what this machine allows, and compare the two
# backends side by side in a short run (under a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists liburing 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y liburing-dev pkg-config >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y liburing-dev pkg-config >/dev/null; }
fi
swift build -c release --product esock-stress
bin=.build/release/esock-stress
"$bin" doctor || echo "(io_uring is not usable here: compare runs poll only)"
backends=poll
"$bin" doctor >/dev/null 2>&1 && backends=uring,poll
"$bin" compare --backends "$backends" --rounds 3 --duration 2 --connections 64 --size 64 --plot compare.svg
