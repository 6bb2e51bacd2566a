#!/usr/bin/env bash
# Builds the documentation of the ESock module (its DocC catalog, Sources/ESock/ESock.docc,
# and the doc comments of its public API) with swift-docc-plugin. Every DocC warning is an
# error, so a symbol link that does not resolve, a missing article or a bad topic fails it.
#
#   Scripts/docs.sh                        # archive in .build/plugins/Swift-DocC/outputs/ESock.doccarchive
#   ESOCK_SCRATCH_PATH=.build-docs ...     # another build folder
#   Scripts/docs.sh --transform-for-static-hosting   # further arguments go to docc
#
# It installs nothing beyond what building ESock needs (liburing-dev, pkg-config).
set -euo pipefail
cd "$(dirname "$0")/.."

source Scripts/needs.sh

scratch="${ESOCK_SCRATCH_PATH:-.build}"
# The same manifest settings as Scripts/test.sh, so the symbol graph reuses its build.
export ESOCK_WARNINGS_AS_ERRORS=${ESOCK_WARNINGS_AS_ERRORS:-1}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The plugin builds ESock's symbol graph, then runs docc convert with --warnings-as-errors.
status=0
timeout 1500 swift package --scratch-path "$scratch" generate-documentation \
  --target ESock --warnings-as-errors "$@" 2>&1 | tee "$log" || status=$?
# Belt and braces: a docc that printed a warning without failing still fails here.
if grep -qE '^(warning|error):' "$log"; then
  echo "docs.sh: DocC reported warnings or errors (above)" >&2
  exit 1
fi
if [ "$status" != 0 ]; then
  echo "docs.sh: generate-documentation failed with status $status" >&2
  exit "$status"
fi
echo "docs.sh: documentation built with no warnings: $scratch/plugins/Swift-DocC/outputs/ESock.doccarchive"
