// Stage 4: signatures from pre-hashed shingles. Every kernel set this CPU supports is
// measured for classic MinHash and SimHash; one-permutation MinHash (OPH) has a single
// portable implementation. Input: the word 5-gram hashes of 64 synthetic news articles
// (about 470 shingles each), signed one article at a time as the Signer does.
// Items are shingles; the ns_per_shingle counter is CPU time / shingles.
//
//   build-bench/bench/signature_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "neardup/internal/kernels.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/simhash.hpp"
#include "neardup/text/normalize.hpp"
#include "news_corpus.hpp"

namespace {

const std::vector<std::vector<uint64_t>>& ArticleShingles() {
  static const auto* lists = [] {
    auto* out = new std::vector<std::vector<uint64_t>>;
    neardup::Normalizer norm;
    neardup::Shingler shingler;
    for (const auto& doc : neardup::bench::NewsArticles(64, 1)) {
      out->push_back(shingler.Shingle(norm.Normalize(doc)));
    }
    return out;
  }();
  return *lists;
}

size_t CountShingles(const std::vector<std::vector<uint64_t>>& lists) {
  size_t n = 0;
  for (const auto& l : lists) n += l.size();
  return n;
}

// Process CPU time, the clock Google Benchmark reports by default, so that the
// derived counters agree with its "CPU" column.
double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// items/s is shingles per second; ns_per_shingle is CPU time over shingles.
void ReportPerShingle(benchmark::State& state, double cpu_seconds, size_t shingles_per_iteration) {
  const double shingles = static_cast<double>(state.iterations() * shingles_per_iteration);
  state.SetItemsProcessed(static_cast<int64_t>(shingles));
  state.counters["ns_per_shingle"] = cpu_seconds * 1e9 / shingles;
}

void BM_MinHash_Classic(benchmark::State& state, const neardup::internal::KernelSet* kernels) {
  const auto& lists = ArticleShingles();
  const auto k = static_cast<uint32_t>(state.range(0));
  neardup::MinHasher hasher(
      {.algorithm = neardup::MinHashAlgorithm::kClassic, .num_perm = k, .seed = 1});
  std::vector<uint32_t> values(k);
  const double start = CpuSeconds();
  for (auto _ : state) {
    for (const auto& l : lists) {
      hasher.SignClassicWith(*kernels, l, values.data());
      benchmark::DoNotOptimize(values.data());
    }
  }
  ReportPerShingle(state, CpuSeconds() - start, CountShingles(lists));
}

void BM_MinHash_Oph(benchmark::State& state) {
  const auto& lists = ArticleShingles();
  const auto k = static_cast<uint32_t>(state.range(0));
  neardup::MinHasher hasher(
      {.algorithm = neardup::MinHashAlgorithm::kOnePermutation, .num_perm = k, .seed = 1});
  neardup::MinHashSignature sig;
  const double start = CpuSeconds();
  for (auto _ : state) {
    for (const auto& l : lists) {
      hasher.Sign(l, &sig);
      benchmark::DoNotOptimize(sig.values.data());
    }
  }
  ReportPerShingle(state, CpuSeconds() - start, CountShingles(lists));
}

// A 100-shingle passage into 128 bins leaves about 59 bins empty, so this is mostly a
// measure of densification. 64 different passages are cycled so that neither the
// branch predictor nor the probe sequence repeats from one iteration to the next.
void BM_MinHash_OphPassage100(benchmark::State& state) {
  std::vector<std::vector<uint64_t>> passages;
  for (const auto& l : ArticleShingles()) {
    if (l.size() >= 100) passages.emplace_back(l.begin(), l.begin() + 100);
  }
  neardup::MinHasher hasher(
      {.algorithm = neardup::MinHashAlgorithm::kOnePermutation, .num_perm = 128, .seed = 1});
  neardup::MinHashSignature sig;
  size_t i = 0;
  const double start = CpuSeconds();
  for (auto _ : state) {
    hasher.Sign(passages[i], &sig);
    benchmark::DoNotOptimize(sig.values.data());
    if (++i == passages.size()) i = 0;
  }
  const double seconds = CpuSeconds() - start;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["ns_per_passage"] = seconds * 1e9 / static_cast<double>(state.iterations());
  state.counters["ns_per_shingle"] =
      seconds * 1e9 / (100.0 * static_cast<double>(state.iterations()));
}

void BM_SimHash_Sign64(benchmark::State& state, const neardup::internal::KernelSet* kernels) {
  const auto& lists = ArticleShingles();
  neardup::SimHasher hasher(0);
  const double start = CpuSeconds();
  for (auto _ : state) {
    for (const auto& l : lists) benchmark::DoNotOptimize(hasher.Sign64With(*kernels, l));
  }
  ReportPerShingle(state, CpuSeconds() - start, CountShingles(lists));
}

void BM_SimHash_Sign128(benchmark::State& state, const neardup::internal::KernelSet* kernels) {
  const auto& lists = ArticleShingles();
  neardup::SimHasher hasher(0);
  const double start = CpuSeconds();
  for (auto _ : state) {
    for (const auto& l : lists) benchmark::DoNotOptimize(hasher.Sign128With(*kernels, l));
  }
  ReportPerShingle(state, CpuSeconds() - start, CountShingles(lists));
}

// Kernel sets are only known at run time, so these are registered from main().
void RegisterKernelBenchmarks() {
  for (const neardup::internal::KernelSet* k : neardup::internal::SupportedKernels()) {
    const std::string name(k->name);
    benchmark::RegisterBenchmark(("BM_MinHash_Classic/" + name).c_str(), BM_MinHash_Classic, k)
        ->Arg(64)
        ->Arg(128)
        ->Arg(256);
    benchmark::RegisterBenchmark(("BM_SimHash_Sign64/" + name).c_str(), BM_SimHash_Sign64, k);
    benchmark::RegisterBenchmark(("BM_SimHash_Sign128/" + name).c_str(), BM_SimHash_Sign128, k);
  }
}

BENCHMARK(BM_MinHash_Oph)->Arg(64)->Arg(128)->Arg(256);
BENCHMARK(BM_MinHash_OphPassage100);

}  // namespace

int main(int argc, char** argv) {
  RegisterKernelBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
