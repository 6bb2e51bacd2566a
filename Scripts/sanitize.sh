#!/usr/bin/env bash
# The suite under ThreadSanitizer, then under AddressSanitizer with leak detection. Exits 0
# only when both runs pass and no sanitizer reported anything (the CLI tests' child
# processes are the same sanitized build and inherit the options).
#
#   Scripts/sanitize.sh             # both sanitizers
#   Scripts/sanitize.sh thread      # one of them: thread | address
#   Scripts/sanitize.sh address --filter Async   # further arguments go to `swift test`
#
# Build folders: .build-tsan and .build-asan. Logs: .build-tsan/sanitize.log, .build-asan/...
# Suppressions (runtime and toolchain reports only): Scripts/sanitizers/*.supp.
set -euo pipefail
cd "$(dirname "$0")/.."

source Scripts/needs.sh

sanitizers=(thread address)
case "${1:-}" in thread|address) sanitizers=("$1"); shift ;; esac
supp="$PWD/Scripts/sanitizers"

# Every option that makes a report fail the run: a distinct exit status (66) for the process
# that saw it, and the log is searched for reports too, since a test may swallow a child's.
export TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1 history_size=4 suppressions=$supp/tsan.supp"
export ASAN_OPTIONS="detect_leaks=1 exitcode=66"
export LSAN_OPTIONS="exitcode=66 suppressions=$supp/lsan.supp print_suppressions=0"
# The Swift runtime's crash backtracer copies other threads' stacks, which AddressSanitizer
# stops as an overflow, hiding the crash itself: let the sanitizer report crashes instead.
export SWIFT_BACKTRACE=enable=no
# LeakSanitizer cannot run under ptrace (a debugger or strace): it would say so and stop.
if [ "$(awk '/^TracerPid/ {print $2}' /proc/self/status)" != 0 ]; then
  echo "sanitize.sh: running under a tracer; LeakSanitizer cannot work here" >&2
fi

# Builds with the current sanitizer's flags into its folder. The linker warns about every
# sanitizer symbol it cannot export: the log keeps those lines out of sight.
build() { timeout 2400 swift build --build-tests "${flags[@]}" >"$dir/sanitize-build.log" 2>&1; }

summary=()
failed=0
for s in "${sanitizers[@]}"; do
  case "$s" in
    thread) dir=.build-tsan; pattern='WARNING: ThreadSanitizer' ;;
    address) dir=.build-asan; pattern='ERROR: (AddressSanitizer|LeakSanitizer)' ;;
  esac
  flags=(--sanitize="$s" -Xswiftc -DESOCK_SANITIZER_LOCK --scratch-path "$dir")
  # Tests that count work done in a time window give themselves more time when it is set.
  export ESOCK_SANITIZER="$s"
  start=$SECONDS
  mkdir -p "$dir"
  log="$dir/sanitize.log"
  echo "== $s: building in $dir" >&2
  # A source saved or removed while it compiles stops the build; another try builds what is
  # there now.
  built=0
  for _ in 1 2 3; do
    if build; then built=1; break; fi
    grep -Eq 'was modified during the build|error opening input file' "$dir/sanitize-build.log" || break
  done
  if [ "$built" = 0 ]; then
    grep -v 'warning: Cannot export local symbol' "$dir/sanitize-build.log" | tail -40 >&2
    summary+=("$s: FAILED to build (log $dir/sanitize-build.log)"); failed=1; continue
  fi
  echo "== $s: testing (log: $log)" >&2
  status=0
  # IOURingDisabled runs only from Scripts/iouring-disabled-check.sh, with the sysctl set.
  # One test at a time, as in test.sh: sanitizers slow everything, and the suite's timing
  # bounds are hang detectors, not races to win against parallel heavy cases.
  timeout 2400 swift test --skip-build "${flags[@]}" --no-parallel --skip IOURingDisabled "$@" 2>&1 | tee "$log" \
    || status=$?
  reports=$(grep -Ec "$pattern" "$log" || true)
  verdict=clean
  if [ "$status" != 0 ] || [ "$reports" != 0 ]; then verdict=FAILED; failed=1; fi
  summary+=("$s: $verdict (swift test status $status, $reports sanitizer reports, $((SECONDS - start))s; log $log)")
done

echo
printf 'sanitize.sh: %s\n' "${summary[@]}"
exit "$failed"
