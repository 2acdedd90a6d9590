#!/bin/bash
# Runs each libFuzzer harness for SECONDS (default 60) from the committed seed
# corpus in tests/fuzz/corpus/<target>; new inputs go to a scratch copy so the
# committed corpus only changes when you copy findings back by hand.
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]   (targets: info config log history)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(info config log history)

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Dgtk=disabled -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C build-fuzz $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  cp tests/fuzz/corpus/$target/* "$scratch/$target/" 2>/dev/null || true
  echo "fuzz-$target: ${seconds}s"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      build-fuzz/tests/fuzz/fuzz-$target "$scratch/$target" \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$scratch/" -print_final_stats=1 > "$scratch/$target.log" 2>&1; then
    echo "fuzz-$target FAILED:"; tail -40 "$scratch/$target.log"
    mkdir -p tests/fuzz/out && cp "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* tests/fuzz/out/ 2>/dev/null || true
    status=1
  else
    grep -E '^stat::number_of_executed_units|^Done' "$scratch/$target.log" | tr '\n' ' '; echo
  fi
done
exit $status
