#!/usr/bin/env bash
# Soak: runs the seeded model test (Tests/ESockTests/Model) again and again with fresh random
# base seeds and a larger budget, on every backend this machine allows, until SECONDS pass.
# Stops at the first failure with the backend, the seed and the command that replays it;
# exits 0 when no run failed. Prints totals at the end.
#
#   Scripts/soak.sh 600                         # ten minutes
#   ESOCK_SOAK_SEEDS=40 ESOCK_SOAK_STEPS=120 Scripts/soak.sh 300
#   ESOCK_SOAK_SCRATCH=.build Scripts/soak.sh 60  # reuse an existing build folder
#   ESOCK_MODEL_EXCLUDE=writeWithSend Scripts/soak.sh 60   # leave an operation kind out
#
# Each round also requires the process's descriptor count to return to its starting value
# (ESOCK_MODEL_FD_COUNT=1): only the model test runs in the process.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-}"
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ]; then
  echo "usage: Scripts/soak.sh SECONDS" >&2
  exit 2
fi
seeds="${ESOCK_SOAK_SEEDS:-30}"
steps="${ESOCK_SOAK_STEPS:-100}"
scratch="${ESOCK_SOAK_SCRATCH:-.build-soak}"

echo "soak.sh: building tests in $scratch" >&2
timeout 1500 swift build --build-tests --scratch-path "$scratch" >/dev/null

log="$(mktemp -t esock-soak.XXXXXX)"
trap 'rm -f "$log"' EXIT
end=$(( $(date +%s) + duration ))
rounds=0
declare -A total_seeds=() total_ops=() total_bytes=() total_reordered=()

while [ "$(date +%s)" -lt "$end" ]; do
  base=$(( ($(od -An -N4 -tu4 /dev/urandom | tr -d ' ') << 16) ^ RANDOM ))
  rounds=$((rounds + 1))
  status=0
  ESOCK_MODEL_BASE_SEED="$base" ESOCK_MODEL_SEEDS="$seeds" ESOCK_MODEL_STEPS="$steps" ESOCK_MODEL_FD_COUNT=1 \
    timeout 900 swift test --skip-build --scratch-path "$scratch" --filter ModelTests >"$log" 2>&1 || status=$?
  while read -r line; do
    backend=$(sed -n 's/.*backend=\([a-z]*\).*/\1/p' <<<"$line")
    for k in seeds operations bytes reordered; do
      v=$(sed -n "s/.* $k=\([0-9]*\).*/\1/p" <<<"$line")
      case $k in
        seeds) total_seeds[$backend]=$(( ${total_seeds[$backend]:-0} + v )) ;;
        operations) total_ops[$backend]=$(( ${total_ops[$backend]:-0} + v )) ;;
        bytes) total_bytes[$backend]=$(( ${total_bytes[$backend]:-0} + v )) ;;
        reordered) total_reordered[$backend]=$(( ${total_reordered[$backend]:-0} + v )) ;;
      esac
    done
  done < <(grep '^ESOCK_MODEL_SUMMARY' "$log" || true)
  if [ "$status" -ne 0 ] || grep -q '^ESOCK_MODEL_FAILED' "$log"; then
    kept="${TMPDIR:-/tmp}/esock-soak-failure-$base.log"
    cp "$log" "$kept"
    echo "soak.sh: round $rounds (base seed $base) FAILED (exit $status; log in $kept)" >&2
    grep -E 'ESOCK_MODEL_FAILED|model \.(poll|uring) seed|did not finish|descriptors open' "$log" | head -20 >&2 || true
    first=$(grep -m1 '^ESOCK_MODEL_FAILED' "$log" | sed 's/.*seed=//' || true)
    if [ -n "$first" ]; then
      echo "replay: ESOCK_MODEL_SEED=$first ESOCK_MODEL_STEPS=$steps${ESOCK_MODEL_EXCLUDE:+ ESOCK_MODEL_EXCLUDE=$ESOCK_MODEL_EXCLUDE} swift test --filter Model" >&2
    else
      # A crash ends the output in the middle of a backend's seeds: replay them all.
      echo "no seed failed: the test run itself failed (exit $status):" >&2
      grep -A2 -E 'recorded an issue|error:|Fatal|Crash|signal' "$log" | grep -v '^↳ ///' | head -30 >&2 || tail -15 "$log" >&2
      echo "replay the round: ESOCK_MODEL_BASE_SEED=$base ESOCK_MODEL_SEEDS=$seeds ESOCK_MODEL_STEPS=$steps${ESOCK_MODEL_EXCLUDE:+ ESOCK_MODEL_EXCLUDE=$ESOCK_MODEL_EXCLUDE} swift test --filter Model" >&2
    fi
    exit 1
  fi
  echo "soak.sh: round $rounds (base seed $base): $(grep '^ESOCK_MODEL_SUMMARY' "$log" | sed 's/ESOCK_MODEL_SUMMARY //' | tr '\n' ' ')" >&2
done

echo "soak.sh: $rounds rounds in ${duration} s, no failures"
for b in "${!total_seeds[@]}"; do
  echo "  $b: ${total_seeds[$b]} seeds, ${total_ops[$b]} operations, ${total_bytes[$b]} bytes checked, ${total_reordered[$b]} reordered by a late cancel"
done
