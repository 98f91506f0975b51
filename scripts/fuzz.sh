#!/usr/bin/env bash
# Builds neardup's libFuzzer targets (tests/fuzz, clang++ with ASan + UBSan) and runs
# each for a bounded time on a scratch copy of its committed seed corpus; fails if any
# fuzzer finds a crash, a leak, a timeout or a failed invariant.
#   bash scripts/fuzz.sh [seconds per fuzzer, default 30] [fuzzer name ...]
# Builds in build/fuzz, or in $NEARDUP_FUZZ_BUILD_DIR.
# First the committed reproducers (tests/fuzz/regressions/<fuzzer>/*) are replayed, so a
# fixed crash stays fixed. Fuzzing works on a scratch directory, kept (and printed) only
# when something fails; nothing is written into the repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-30}
shift || true
build="${NEARDUP_FUZZ_BUILD_DIR:-$root/build/fuzz}"
jobs=$(( $(nproc) < 2 ? $(nproc) : 2 ))

cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$jobs"

if [ $# -gt 0 ]; then
  fuzzers=("$@")
else
  fuzzers=()
  for f in "$root"/tests/fuzz/*_fuzzer.cpp; do fuzzers+=("$(basename "$f" .cpp)"); done
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/neardup_fuzz.XXXXXX")
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for name in "${fuzzers[@]}"; do
  bin="$build/$name"
  regressions="$root/tests/fuzz/regressions/$name"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    echo "== $name: replaying $(ls "$regressions" | wc -l) reproducers"
    if ! "$bin" "$regressions"/* > "$scratch/$name.replay.log" 2>&1; then
      tail -n 60 "$scratch/$name.replay.log"
      failed+=("$name (reproducer)")
      continue
    fi
  fi
  echo "== $name: fuzzing for ${seconds}s"
  corpus="$scratch/$name/corpus"
  artifacts="$scratch/$name/artifacts/"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "$root/tests/fuzz/corpus/$name" ]; then cp -r "$root/tests/fuzz/corpus/$name/." "$corpus/"; fi
  if ! "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" > "$scratch/$name.log" 2>&1; then
    tail -n 80 "$scratch/$name.log"
    echo "!! $name failed; reproducer(s): $(ls "$artifacts")"
    failed+=("$name")
    continue
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$scratch/$name.log" | tail -n 2 || true
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzz scratch directory (corpora, logs, reproducers): $scratch"
  echo "== fuzzing FAILED: ${failed[*]}"
  exit 1
fi
rm -rf "$scratch"
echo "== all fuzzers ran ${seconds}s without a finding"
