// Raw speed of the hashes neardup could build on or is compared with, over short and
// medium inputs: XXH3-64 (the one shingles use), XXH64, XXH3-128, absl::Hash (in-memory
// tables only: it is salted per process), SHA-1 truncated to 32 bits (datasketch's token
// hash), MurmurHash3 x64-128 and x86-32, FNV-1a 64 and CRC-32C (SSE4.2 instruction and
// table), the same implementations `neardup bench` times (internal/hashes.hpp). Sizes span a token (8 bytes), a word 5-gram
// of token hashes (40 bytes falls between 32 and 64) and a short paragraph.
//
//   build-bench/bench/hash_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <cstdint>
#include <string>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "neardup/internal/hashes.hpp"
#include "neardup/signature/datasketch.hpp"
#include "news_corpus.hpp"

namespace {

// Bytes to hash: random, so no size behaves specially because of its content.
const std::string& Input() {
  static const std::string* input = [] {
    auto* s = new std::string(4096, '\0');
    neardup::bench::CorpusRng rng(2024);
    for (char& c : *s) c = static_cast<char>(rng.Next());
    return s;
  }();
  return *input;
}

// The input pointer goes through DoNotOptimize every iteration, so an inlined hash
// cannot be hoisted out of the loop: each iteration really hashes `len` bytes.
template <class Hash>
void RunHash(benchmark::State& state, Hash hash) {
  const size_t len = static_cast<size_t>(state.range(0));
  const char* data = Input().data();
  for (auto _ : state) {
    benchmark::DoNotOptimize(data);
    auto h = hash(data, len);
    benchmark::DoNotOptimize(h);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Hash_XXH3_64(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return XXH3_64bits_withSeed(p, n, 0); });
}
void BM_Hash_XXH64(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return XXH64(p, n, 0); });
}
void BM_Hash_XXH3_128(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return XXH3_128bits_withSeed(p, n, 0); });
}
void BM_Hash_AbslHash(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) {
    return absl::Hash<absl::string_view>{}(absl::string_view(p, n));
  });
}

void BM_Hash_Sha1_32Datasketch(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return neardup::datasketch::Sha1Hash32(std::string_view(p, n)); });
}
void BM_Hash_Murmur3X64_128(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) {
    const neardup::internal::Hash128 h = neardup::internal::Murmur3X64_128(p, n, 0);
    return h.low ^ h.high;
  });
}
void BM_Hash_Murmur3X86_32(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return neardup::internal::Murmur3X86_32(p, n, 0); });
}
void BM_Hash_Fnv1a64(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return neardup::internal::Fnv1a64(p, n); });
}
void BM_Hash_Crc32c(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return neardup::internal::Crc32c(p, n); });
}
void BM_Hash_Crc32cTable(benchmark::State& state) {
  RunHash(state, [](const char* p, size_t n) { return neardup::internal::Crc32cTable(0, p, n); });
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t len : {8, 16, 32, 64, 128, 256, 512, 1024, 4096}) b->Arg(len);
}

BENCHMARK(BM_Hash_XXH3_64)->Apply(Sizes);
BENCHMARK(BM_Hash_XXH64)->Apply(Sizes);
BENCHMARK(BM_Hash_XXH3_128)->Apply(Sizes);
BENCHMARK(BM_Hash_AbslHash)->Apply(Sizes);
BENCHMARK(BM_Hash_Sha1_32Datasketch)->Apply(Sizes);
BENCHMARK(BM_Hash_Murmur3X64_128)->Apply(Sizes);
BENCHMARK(BM_Hash_Murmur3X86_32)->Apply(Sizes);
BENCHMARK(BM_Hash_Fnv1a64)->Apply(Sizes);
BENCHMARK(BM_Hash_Crc32c)->Apply(Sizes);
BENCHMARK(BM_Hash_Crc32cTable)->Apply(Sizes);

}  // namespace

BENCHMARK_MAIN();
