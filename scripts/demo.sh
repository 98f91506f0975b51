#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds the neardup command-line tool and runs the
# main job on the bundled example corpus (examples/corpus/news.jsonl): near-duplicate
# article clusters and repeated passages, printed readably.
# Usage: bash scripts/demo.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target neardup_cli
out=$(mktemp -d)
neardup=build/release/neardup

echo "== neardup dedup examples/corpus/news.jsonl --threshold 0.5 --passages"
"$neardup" dedup examples/corpus/news.jsonl -o "$out/clusters.jsonl" --threshold 0.5 \
  --pairs "$out/pairs.tsv" --passages --passages-out "$out/repeats.jsonl" \
  --write-deduped "$out/deduped.jsonl"
echo
echo "== clusters ($out/clusters.jsonl)"
cat "$out/clusters.jsonl"
echo
echo "== verified pairs ($out/pairs.tsv)"
cat "$out/pairs.tsv"
echo
echo "== repeated passages ($out/repeats.jsonl), with their text"
python3 - "$out/repeats.jsonl" examples/corpus/news.jsonl <<'PY' 2>/dev/null || cat "$out/repeats.jsonl"
import json, sys
texts = {}
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    texts[r["id"]] = r["text"].encode("utf-8")
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    t = texts[r["id"]][r["start"]:r["end"]].decode("utf-8")
    print(f'{r["id"]} [{r["start"]},{r["end"]}) = {r["dup_of"]["id"]} [{r["dup_of"]["start"]},{r["dup_of"]["end"]}) sim {r["similarity"]:.2f}: {t[:70]}')
PY
echo
echo "== $(wc -l < "$out/deduped.jsonl") of $(wc -l < examples/corpus/news.jsonl) records kept in $out/deduped.jsonl"
