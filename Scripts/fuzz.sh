#!/usr/bin/env bash
# Fuzzes ESock's decoders: builds the Fuzz/ package with libFuzzer and AddressSanitizer, then
# runs each target for SECONDS (default 60) on a fresh corpus seeded from Fuzz/Corpus/<Target>/.
#
#   Scripts/fuzz.sh [SECONDS]
#   ESOCK_FUZZ_SCRATCH=.build-x Scripts/fuzz.sh   # another build folder (default .build-fuzz)
#   ESOCK_FUZZ_TARGETS="FuzzOption" ...           # a part of the targets
#
# A crashing (or hanging, or memory-exhausting) input is copied into
# Tests/ESockTests/Fuzz/Regressions/<Target>/, where FuzzRegressionTests replays it, and the
# script exits 1. Exits 0 when every target ran clean.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-60}
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
read -r -a targets <<< "${ESOCK_FUZZ_TARGETS:-FuzzAddress FuzzOption FuzzMessage}"
scratch=${ESOCK_FUZZ_SCRATCH:-.build-fuzz}
case "$scratch" in /*) ;; *) scratch="$root/$scratch" ;; esac

if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists liburing 2>/dev/null; then
  echo "fuzz.sh: installing liburing-dev and pkg-config" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y liburing-dev pkg-config >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y liburing-dev pkg-config >/dev/null; }
fi

# SwiftPM's --sanitize=fuzzer links libFuzzer's main in place of the targets' own; the gold
# linker warns once per ASan helper symbol, which says nothing about the build.
echo "fuzz.sh: building Fuzz/ (libFuzzer + ASan) in $scratch"
timeout 1500 swift build -c debug --package-path Fuzz --scratch-path "$scratch" \
  --sanitize=fuzzer --sanitize=address 2>&1 | { grep -v "Cannot export local symbol" || true; }
bin="$scratch/debug"

work=$(mktemp -d "${TMPDIR:-/tmp}/esock-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The Swift runtime's backtracer reads the crashed process's memory, which ASan reports as a
# second error over the real one: libFuzzer's own report is enough.
export SWIFT_BACKTRACE=enable=no

failed=()
total=0
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t" artifacts="$work/artifacts/$t/" log="$work/$t.log"
  mkdir -p "$corpus" "$artifacts"
  cp Fuzz/Corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz.sh: $t for ${seconds}s"
  rc=0
  # libFuzzer stops itself after -max_total_time; the outer timeout only guards a wedged run.
  timeout $((seconds + 120)) "$bin/$t" "$corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1 || rc=$?
  execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -n 1)
  echo "fuzz.sh: $t: ${execs:-0} executions, exit $rc"
  total=$((total + ${execs:-0}))
  found=("$artifacts"*)
  if [ "$rc" -ne 0 ] || [ -e "${found[0]}" ]; then
    failed+=("$t")
    grep -E "ERROR|Fatal error|SUMMARY|^    #[0-9]+ .* in .*ESock" "$log" | head -n 20 || tail -n 20 "$log"
    mkdir -p "Tests/ESockTests/Fuzz/Regressions/$t"
    for f in "${found[@]}"; do
      [ -e "$f" ] || continue
      cp "$f" "Tests/ESockTests/Fuzz/Regressions/$t/"
      echo "fuzz.sh: kept Tests/ESockTests/Fuzz/Regressions/$t/$(basename "$f")"
    done
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: FAILED ${failed[*]} (${#targets[@]} targets, $total executions, ${seconds}s each)"
  exit 1
fi
echo "fuzz.sh: clean: ${#targets[@]} targets, $total executions, ${seconds}s each"
