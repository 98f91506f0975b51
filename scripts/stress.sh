#!/usr/bin/env bash
# Runs the slow malformed-input cases that the normal test suite skips: a 1 GB document,
# 10 million one-word documents, every byte of an index file flipped
# (tests/malformed/malformed_input_test.cpp, enabled by NEARDUP_STRESS=1). Takes minutes
# and a few GB of memory and temporary disk.
#   bash scripts/stress.sh [build dir, default build/release]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/release}
jobs=$(( $(nproc) < 2 ? $(nproc) : 2 ))
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j "$jobs" --target neardup_tests
NEARDUP_STRESS=1 "$build/tests/neardup_tests" --gtest_filter='*Stress*' --gtest_brief=0
