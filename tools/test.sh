#!/bin/bash
# Builds (installing missing packages through tools/bootstrap.sh) and runs the
# whole test suite twice: in build/, then in build-asan/ under AddressSanitizer
# and UndefinedBehaviorSanitizer; then each libFuzzer harness briefly.
# Exits nonzero on any failure.
# Usage: tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Both builds with -Dwerror=true: a new warning fails CI instead of scrolling by.
echo "== build (tools/bootstrap.sh -Dwerror=true)"
tools/bootstrap.sh -Dwerror=true
# Any sanitizer report fails the test that triggered it (UBSan only reports
# by default; leaks count as errors).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

status=0
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
echo "== meson test -C build"
meson test -C build --print-errorlogs | tee -a "$summary" || status=1

echo "== build-asan (address, undefined)"
if [ -f build-asan/build.ninja ]; then
  meson configure build-asan -Dwerror=true
else
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true >/dev/null
fi
ninja -C build-asan
echo "== meson test -C build-asan (crash-states runs for minutes, printing its progress)"
meson test -C build-asan --print-errorlogs | tee -a "$summary" || status=1

# Each parser's fuzzer briefly, from the committed seed corpus; longer runs:
# tools/fuzz.sh SECONDS.
echo "== fuzzers (${CKPT_FUZZ_SECONDS:-20}s each)"
fuzz_failed=0
tools/fuzz.sh "${CKPT_FUZZ_SECONDS:-20}" || { status=1; fuzz_failed=1; }

# One closing line over both suites' tests and the fuzz run (counted as one).
awk -v fuzz_failed=$fuzz_failed '
  /^Ok:/ {passed += $2} /^Expected Fail:/ {passed += $3}
  /^Fail:/ {failed += $2} /^Unexpected Pass:/ {failed += $3} /^Timeout:/ {failed += $2}
  END {printf "%d passed, %d failed\n", passed + 1 - fuzz_failed, failed + fuzz_failed}
' "$summary"

if [ $status -ne 0 ]; then
  echo "tools/test.sh: FAILED (see the logs above, and build*/meson-logs/testlog.txt)" >&2
fi
exit $status
