// datasketch-compatible MinHash: SHA-1 token hashing, the permutation kernels, and the
// whole update_batch path. Items are tokens, so items/s is tokens per second and
// ns per item is ns per token for all num_perm permutations.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/internal/datasketch_kernels.hpp"
#include "neardup/signature/datasketch.hpp"

namespace {

namespace ds = neardup::datasketch;

// Word-like tokens of 3..12 bytes, the shape datasketch users feed (words or shingles).
std::vector<std::string> Tokens(size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(absl::StrCat("w", i * 2654435761u % 1000003));
  return out;
}

constexpr size_t kTokens = 1000;

void BM_Datasketch_Sha1Hash32(benchmark::State& state) {
  const std::vector<std::string> tokens = Tokens(kTokens);
  const std::vector<std::string_view> views(tokens.begin(), tokens.end());
  std::vector<uint32_t> hv(kTokens);
  for (auto _ : state) {
    ds::Sha1Hash32Batch(views, hv);
    benchmark::DoNotOptimize(hv.data());
  }
  state.SetItemsProcessed(state.iterations() * kTokens);
}
BENCHMARK(BM_Datasketch_Sha1Hash32);

// The permutation kernel alone on precomputed hashes, per kernel set.
void BM_Datasketch_Permute(benchmark::State& state, const neardup::internal::DatasketchKernelSet* k) {
  const size_t num_perm = state.range(0);
  const ds::Permutations perms = *ds::MakePermutations(1, num_perm);
  const std::vector<std::string> tokens = Tokens(kTokens);
  std::vector<uint32_t> hv(kTokens);
  for (size_t i = 0; i < kTokens; ++i) hv[i] = ds::Sha1Hash32(tokens[i]);
  std::vector<uint32_t> mins(num_perm);
  for (auto _ : state) {
    std::fill(mins.begin(), mins.end(), 0xFFFFFFFFu);
    k->update(hv.data(), hv.size(), perms.a.data(), perms.b.data(), mins.data(), num_perm);
    benchmark::DoNotOptimize(mins.data());
  }
  state.SetItemsProcessed(state.iterations() * kTokens);
}

// MinHash.update_batch(tokens) for a fresh MinHash: SHA-1 + permutations.
void BM_Datasketch_Update(benchmark::State& state) {
  const size_t num_perm = state.range(0);
  const std::vector<std::string> tokens = Tokens(kTokens);
  const std::vector<std::string_view> views(tokens.begin(), tokens.end());
  ds::MinHash m = *ds::MinHash::Create(num_perm, 1);
  for (auto _ : state) {
    m.Clear();
    m.UpdateBatch(views);
    benchmark::DoNotOptimize(m.hashvalues().data());
  }
  state.SetItemsProcessed(state.iterations() * kTokens);
}
BENCHMARK(BM_Datasketch_Update)->Arg(128)->Arg(256);

void BM_Datasketch_MakePermutations(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ds::MakePermutations(1, state.range(0)));
}
BENCHMARK(BM_Datasketch_MakePermutations)->Arg(128);

void BM_Datasketch_OptimalParam(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ds::OptimalParam(0.8, state.range(0), 0.5, 0.5));
}
BENCHMARK(BM_Datasketch_OptimalParam)->Arg(128)->Arg(256);

const bool kRegistered = [] {
  for (const auto* k : neardup::internal::SupportedDatasketchKernels()) {
    benchmark::RegisterBenchmark(("BM_Datasketch_Permute/" + std::string(k->name)).c_str(),
                                 BM_Datasketch_Permute, k)
        ->Arg(128)
        ->Arg(256);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
