#!/bin/bash
# Seeds known bugs into a copy of the tree and expects the tests to catch
# each: the suite's own check that it still kills the bugs it was written to
# kill. Each tests/crash/mutations/NN-name.patch says in its header what
# it breaks, what to build and what to run:
#   # mutation: the bug, in words
#   # build: ninja targets (test programs, tui/ckpt)
#   # run: a command, run from the copy's top, that must fail with the bug
# The copy (git archive of HEAD; with --worktree, the files checked out now)
# is built once; each patch is applied, only its targets rebuilt, its run
# made, and the patch taken back. The unmutated copy must pass every run
# first, or a failure would prove nothing.
#
# Usage: tools/mutation-smoke.sh [--worktree] [--keep] [PATCH...]
# Exit status: 0 every mutant killed, 1 some survived (or the baseline
# failed), 2 the copy could not be set up. About 3-4 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
worktree=0 keep=0
patches=()
for arg in "$@"; do
  case "$arg" in
    --worktree) worktree=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) patches+=("$arg") ;;
  esac
done
[ ${#patches[@]} -gt 0 ] || patches=(tests/crash/mutations/*.patch)
for i in "${!patches[@]}"; do
  case "${patches[$i]}" in /*) ;; *) patches[$i]=$top/${patches[$i]} ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ckpt-mutants-XXXXXX")
trap '[ $keep = 1 ] && echo "copy kept in $work" || rm -rf "$work"' EXIT
src=$work/src
mkdir "$src"
echo "== copying the tree to $src"
if [ $worktree = 1 ]; then
  # What is checked out now, uncommitted and new files included (not ignored ones).
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -c | tar -x -C "$src" || exit 2
else
  git archive HEAD | tar -x -C "$src" || exit 2
fi

field() { sed -n "s/^# $1: //p" "$2" | head -1; }

# Every target any patch names, built once unmutated.
targets=$(for p in "${patches[@]}"; do field build "$p"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
echo "== building ($targets)"
(cd "$src" && meson setup build -Dgtk=disabled >/dev/null && ninja -C build $targets >/dev/null) ||
  { echo "mutation-smoke: the unmutated copy does not build" >&2; exit 2; }

# Tests read their fixtures, home and cache as meson would give them.
export CKPT_FIXTURES=$src/tests/data/fixtures LC_ALL=C.UTF-8 TZ=UTC G_DEBUG=fatal-warnings
export HOME=$work/home XDG_CACHE_HOME=$work/home/.cache
mkdir -p "$HOME"

# "; exit": a run killed by a signal (a failed assertion) is reported by the
# inner shell, into the output, not by this one.
run_check() { (cd "$src" && timeout 600 bash -c "$1; exit \$?") >"$work/out" 2>&1; }

echo "== baseline: every run passes unmutated"
for run in $(for p in "${patches[@]}"; do field run "$p" | tr ' ' '\001'; done | sort -u); do
  run=${run//$'\001'/ }
  if ! run_check "$run"; then
    echo "mutation-smoke: passes nothing to kill: '$run' fails without a mutation:" >&2
    tail -20 "$work/out" >&2
    exit 1
  fi
done

survived=0 killed=0
for p in "${patches[@]}"; do
  name=$(basename "$p" .patch)
  start=$SECONDS
  build=$(field build "$p")
  if ! (cd "$src" && git apply "$p"); then
    echo "  $name: does not apply to this tree" >&2
    survived=$((survived + 1))
    continue
  fi
  if ! (cd "$src" && ninja -C build $build >/dev/null 2>"$work/build-err"); then
    echo "  $name: the mutant does not build:" >&2
    tail -5 "$work/build-err" >&2
    survived=$((survived + 1))
  elif run_check "$(field run "$p")"; then
    echo "  SURVIVED $name ($((SECONDS - start)) s): $(field mutation "$p")"
    survived=$((survived + 1))
  else
    echo "  killed   $name ($((SECONDS - start)) s): $(field mutation "$p")"
    killed=$((killed + 1))
  fi
  (cd "$src" && git apply -R "$p") || { echo "cannot take $name back" >&2; exit 2; }
done
# The last mutant's objects go, so that a kept copy is the tree as it is.
(cd "$src" && ninja -C build $targets >/dev/null)
echo "$killed killed, $survived survived"
[ $survived = 0 ]
