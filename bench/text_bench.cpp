// Stages 1-3 one at a time: normalization, tokenization and word 5-gram shingling, on
// synthetic news articles (ASCII with curly quotes and dashes) and on non-ASCII heavy
// text (Cyrillic and CJK mixed; and Cyrillic, CJK, Thai, Indonesian one script at a time;
// and short documents of mixed scripts). Throughput is reported in input bytes of the stage; items
// are documents (normalize), tokens (tokenize) or shingles (shingle).
//
//   build-bench/bench/text_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "neardup/shingle/shingle.hpp"
#include "neardup/text/normalize.hpp"
#include "neardup/text/tokenize.hpp"
#include "news_corpus.hpp"

namespace {

// 64 articles, about 190 KB: large enough to average over article shapes, small enough
// to stay in L2 so the benchmark measures the code, not memory.
constexpr size_t kDocs = 64;

const std::vector<std::string>& News() {
  static const auto* docs = new std::vector<std::string>(neardup::bench::NewsArticles(kDocs, 1));
  return *docs;
}

const std::vector<std::string>& NonAscii() {
  static const auto* docs = [] {
    auto* out = new std::vector<std::string>;
    for (uint64_t i = 0; i < kDocs; ++i) {
      out->push_back(neardup::bench::NonAsciiText(3000, 100 + i));
    }
    return out;
  }();
  return *docs;
}

// 64 documents of ~3 KB in one script each (see bench::ScriptText).
const std::vector<std::string>& OneScript(neardup::bench::Script script) {
  static auto* cache = new std::vector<std::string>[4];
  auto& docs = cache[static_cast<int>(script)];
  if (docs.empty()) {
    for (uint64_t i = 0; i < kDocs; ++i) docs.push_back(neardup::bench::ScriptText(script, 3000, 200 + i));
  }
  return docs;
}

// 1,024 short documents (300-1,000 bytes, mixed scripts; see bench::ShortDocuments).
const std::vector<std::string>& Short() {
  static const auto* docs = new std::vector<std::string>(neardup::bench::ShortDocuments(1024, 1));
  return *docs;
}

std::vector<std::string> NormalizeAll(const std::vector<std::string>& docs) {
  neardup::Normalizer norm;
  std::vector<std::string> out;
  for (const auto& d : docs) out.push_back(norm.Normalize(d));
  return out;
}

const std::vector<std::string>& NormalizedNews() {
  static const auto* docs = new std::vector<std::string>(NormalizeAll(News()));
  return *docs;
}

const std::vector<std::string>& NormalizedNonAscii() {
  static const auto* docs = new std::vector<std::string>(NormalizeAll(NonAscii()));
  return *docs;
}

void RunNormalize(benchmark::State& state, const std::vector<std::string>& docs) {
  neardup::Normalizer norm;
  std::string out;
  for (auto _ : state) {
    for (const auto& d : docs) {
      norm.Normalize(d, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * neardup::bench::TotalBytes(docs)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * docs.size()));
}

void BM_Normalize_News(benchmark::State& state) { RunNormalize(state, News()); }
void BM_Normalize_NonAscii(benchmark::State& state) { RunNormalize(state, NonAscii()); }
void BM_Normalize_Cyrillic(benchmark::State& state) {
  RunNormalize(state, OneScript(neardup::bench::Script::kCyrillic));
}
void BM_Normalize_Cjk(benchmark::State& state) { RunNormalize(state, OneScript(neardup::bench::Script::kCjk)); }
void BM_Normalize_Thai(benchmark::State& state) { RunNormalize(state, OneScript(neardup::bench::Script::kThai)); }
void BM_Normalize_Indonesian(benchmark::State& state) {
  RunNormalize(state, OneScript(neardup::bench::Script::kIndonesian));
}
void BM_Normalize_Short(benchmark::State& state) { RunNormalize(state, Short()); }

void RunTokenize(benchmark::State& state, const std::vector<std::string>& docs) {
  size_t tokens = 0;
  for (auto _ : state) {
    for (const auto& d : docs) {
      tokens += neardup::ForEachToken(d, [](std::string_view t) { benchmark::DoNotOptimize(t); });
    }
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * neardup::bench::TotalBytes(docs)));
  state.SetItemsProcessed(static_cast<int64_t>(tokens));
}

void BM_Tokenize_News(benchmark::State& state) { RunTokenize(state, NormalizedNews()); }
void BM_Tokenize_NonAscii(benchmark::State& state) { RunTokenize(state, NormalizedNonAscii()); }

void RunShingle(benchmark::State& state, const std::vector<std::string>& docs,
                neardup::ShingleOptions options) {
  neardup::Shingler shingler(options);
  std::vector<uint64_t> hashes;
  size_t shingles = 0;
  for (auto _ : state) {
    for (const auto& d : docs) {
      shingler.Shingle(d, &hashes);
      shingles += hashes.size();
      benchmark::DoNotOptimize(hashes.data());
    }
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * neardup::bench::TotalBytes(docs)));
  state.SetItemsProcessed(static_cast<int64_t>(shingles));
}

// Tokenization plus one XXH3 per token plus one XXH3 per 5-token window.
void BM_Shingle_Word5News(benchmark::State& state) {
  RunShingle(state, NormalizedNews(), {.kind = neardup::ShingleKind::kWord, .n = 5, .seed = 0});
}
void BM_Shingle_Word5NonAscii(benchmark::State& state) {
  RunShingle(state, NormalizedNonAscii(), {.kind = neardup::ShingleKind::kWord, .n = 5, .seed = 0});
}
void BM_Shingle_Char5News(benchmark::State& state) {
  RunShingle(state, NormalizedNews(), {.kind = neardup::ShingleKind::kChar, .n = 5, .seed = 0});
}

BENCHMARK(BM_Normalize_News);
BENCHMARK(BM_Normalize_NonAscii);
BENCHMARK(BM_Normalize_Cyrillic);
BENCHMARK(BM_Normalize_Cjk);
BENCHMARK(BM_Normalize_Thai);
BENCHMARK(BM_Normalize_Indonesian);
BENCHMARK(BM_Normalize_Short);
BENCHMARK(BM_Tokenize_News);
BENCHMARK(BM_Tokenize_NonAscii);
BENCHMARK(BM_Shingle_Word5News);
BENCHMARK(BM_Shingle_Word5NonAscii);
BENCHMARK(BM_Shingle_Char5News);

}  // namespace

BENCHMARK_MAIN();
