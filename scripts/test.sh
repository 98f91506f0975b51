#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds neardup and runs every test:
#   1. Release build (library, CLI, tests, benchmarks, examples): unit, CLI and
#      find_package tests; then the Python package installed into a fresh venv and its
#      pytest tests (python/tests);
#   2. the unit and CLI tests again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the concurrent tests under ThreadSanitizer, with the crawler index's 1M-operation
#      stress test;
#   4. the libFuzzer targets (tests/fuzz/) for a bounded time each.
# Stress cases that take minutes (1 GB document, 10M documents, every byte of an index
# flipped) run with: bash scripts/stress.sh
# Usage: bash scripts/test.sh        (from anywhere; builds under ./build/)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs" --timeout 600

echo "== Python package: installed into a fresh venv exactly as the README says, then pytest"
# Debian's interpreter (the python3 first on PATH may not see Debian's packages). The
# extension is built under build/python (kept between runs); the venv is made anew.
rm -rf build/venv
/usr/bin/python3 -m venv --system-site-packages build/venv
build/venv/bin/pip install --no-build-isolation --no-deps . -q
# From build/ so that `import neardup` is the installed package, not python/neardup.
# pytest exits 5 when it collects no tests: that fails this step like any other code.
(cd build && NEARDUP_CLI="$root/build/release/neardup" venv/bin/python -m pytest -q "$root/python/tests")

echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1 without debug info: sanitizer builds compile in about half the time of
# RelWithDebInfo and still report function names.
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
  -DNEARDUP_SANITIZE=address,undefined \
  -DNEARDUP_BUILD_BENCH=OFF -DNEARDUP_BUILD_EXAMPLES=OFF
cmake --build build/asan -j "$jobs" --target neardup_tests neardup_cli
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 900 -LE package
# The crawler index's 1M-operation, 8-thread stress test (NEARDUP_STRESS=1) runs here,
# under TSan, checked against each thread's model (about 100 s). Left out under TSan:
# its 200k-operation sibling and the 100 MB document (single-threaded), both run above.
echo "== ThreadSanitizer: both crawler stores (incl. 1M-op stress, the log's sync thread), threaded SimHash pairs, batch signing"
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNEARDUP_SANITIZE=thread \
  -DNEARDUP_BUILD_BENCH=OFF -DNEARDUP_BUILD_EXAMPLES=OFF -DNEARDUP_BUILD_CLI=OFF \
  -DNEARDUP_TEST_ONLY='simhash_index_test;signer_test;sign_batches_test;crawler_index_test;simhash_crawler_index_test'
cmake --build build/tsan -j "$jobs" --target neardup_tests
NEARDUP_STRESS=1 TSAN_OPTIONS=halt_on_error=1 \
  GTEST_FILTER='-CrawlerIndexTest.ConcurrentQueryOrInsertMatchesTheModel:Signer.HundredMegabyteSingleLineDocument' \
  ctest --test-dir build/tsan --output-on-failure -j 1 --timeout 1200

echo "== libFuzzer (clang, ASan + UBSan): 10 s per target on the committed seed corpora"
bash scripts/fuzz.sh 10
echo "== all tests passed"
