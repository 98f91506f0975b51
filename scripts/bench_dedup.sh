#!/usr/bin/env bash
# Throughput and peak memory of `neardup dedup` on generated news-like JSONL with
# planted near-duplicates (bench/gen_corpus.cpp, deterministic).
#
#   scripts/bench_dedup.sh [BUILD_DIR] [SIZES...]
#     BUILD_DIR  directory holding the neardup executable (default: build)
#     SIZES      any of 100k 1m 10m (short ~500-byte documents), short100k,
#                short1m and short1gb (300-1,000-byte documents in a mix of scripts:
#                English, Indonesian, Cyrillic, CJK, Thai; short1gb: ~1.4M of them,
#                >= 1 GB) and 1gb (~3 KB articles, >= 1 GB of text); default: 100k
#                short100k 1m 1gb
#   env: THREADS (default 2), WORK_DIR (default /tmp/neardup_bench_dedup; corpora
#        are kept there and reused), KEEP_CORPORA=0 to delete them afterwards,
#        SIGN=1 to also time `neardup sign` (one thread) and print the signature
#        file's size as a share of the input's.
#
# Prints one row per corpus: documents, input MB, wall seconds, MB/s of input, CPU
# seconds and MB per CPU-second, peak RSS, and the stage times neardup dedup reports
# on stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
shift || true
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(100k short100k 1m 1gb)
threads="${THREADS:-2}"
work="${WORK_DIR:-/tmp/neardup_bench_dedup}"
neardup="$build/neardup"
[[ -x "$neardup" ]] || { echo "no neardup executable at $neardup" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (GNU time) for peak memory" >&2; exit 1; }
mkdir -p "$work"

gen="$work/gen_corpus"
if [[ ! -x "$gen" || "$here/bench/gen_corpus.cpp" -nt "$gen" || "$here/tests/testing/labelled_corpus.hpp" -nt "$gen" ||
      "$here/bench/news_corpus.hpp" -nt "$gen" ]]; then
  g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic -o "$gen" "$here/bench/gen_corpus.cpp"
fi

corpus_for() {
  local size="$1" file="$work/corpus_$1.jsonl"
  if [[ ! -s "$file" ]]; then
    case "$size" in
      100k) "$gen" --docs 100000 --doc-bytes 150 --seed 1 > "$file" ;;
      1m) "$gen" --docs 1000000 --doc-bytes 150 --seed 1 > "$file" ;;
      10m) "$gen" --docs 10000000 --doc-bytes 150 --seed 1 > "$file" ;;
      short100k) "$gen" --docs 100000 --short-mixed 1 --seed 1 > "$file" ;;
      short1m) "$gen" --docs 1000000 --short-mixed 1 --seed 1 > "$file" ;;
      short1gb) "$gen" --bytes 1000000000 --short-mixed 1 --seed 1 > "$file" ;;
      1gb) "$gen" --bytes 1000000000 --doc-bytes 3000 --seed 1 > "$file" ;;
      *) echo "unknown size $size" >&2; exit 1 ;;
    esac
  fi
  echo "$file"
}

printf '%-6s %10s %9s %8s %8s %8s %10s %9s  %s\n' corpus docs input_MB wall_s MB/s cpu_s MB/cpu_s peak_MB \
  "stages (neardup stderr)"
for size in "${sizes[@]}"; do
  file="$(corpus_for "$size")"
  out="$work/out_$size"
  mkdir -p "$out"
  /usr/bin/time -v "$neardup" dedup "$file" -o "$out/clusters.jsonl" --threads "$threads" \
    > /dev/null 2> "$out/stderr.txt"
  docs=$(wc -l < "$file")
  mb=$(awk -v b="$(stat -L -c %s "$file")" 'BEGIN { printf "%.1f", b / 1e6 }')
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                     for (i = 1; i <= n; ++i) s = s * 60 + t[i]; printf "%.2f", s }' "$out/stderr.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$out/stderr.txt")
  rate=$(awk -v m="$mb" -v w="$wall" 'BEGIN { printf "%.1f", m / w }')
  # CPU seconds (user + system): on a shared machine wall time measures the neighbours;
  # MB per CPU-second times the thread count bounds what dedicated cores would reach.
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$out/stderr.txt")
  cpu_rate=$(awk -v m="$mb" -v c="$cpu" 'BEGIN { printf "%.1f", m / c }')
  stages=$(grep -o 'time: .*' "$out/stderr.txt" || true)
  printf '%-6s %10s %9s %8s %8s %8s %10s %9s  %s\n' "$size" "$docs" "$mb" "$wall" "$rate" "$cpu" "$cpu_rate" \
    "$rss" "$stages"
  grep '^neardup dedup' "$out/stderr.txt" | grep -v 'time:' | sed 's/^/         /'
  if [[ "${SIGN:-0}" == 1 ]]; then
    /usr/bin/time -v "$neardup" sign "$file" -o "$out/signatures.ndsig" --threads 1 > /dev/null 2> "$out/sign.txt"
    awk -F': ' -v b="$(stat -L -c %s "$file")" -v s="$(stat -L -c %s "$out/signatures.ndsig")" '
      /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; ++i) w = w * 60 + t[i] }
      /User time|System time/ { c += $2 }
      /Maximum resident set size/ { r = $2 / 1024 }
      END { printf "         sign (1 thread): %.2f s wall, %.1f MB/s, %.2f CPU s, peak %.0f MB; " \
                   "signature file %.1f MB = %.1f%% of the input\n", w, b / 1e6 / w, c, r, s / 1e6, 100 * s / b }' \
      "$out/sign.txt"
  fi
  [[ "${KEEP_CORPORA:-1}" == 0 ]] && rm -f "$file"
done
