// MinHash LSH (index/minhash_lsh.hpp, index/lsh_batch.hpp, index/lsh_params.hpp) on 1M
// signatures of k = 128 values, banded 9 x 13 (ChooseLshParams(0.8, 128)).
//
// Signatures are random 32-bit values (what MinHash values of unrelated documents look
// like, and far cheaper to make than signing text); every tenth document is a near copy
// of a random earlier one with each value redrawn with probability 0.05 (J about 0.9).
//
//   BM_MinHashLsh_Insert     builds the 1M-document index one Insert at a time;
//       counters: bytes_per_doc_band from Stats() and heap_per_doc_band, the heap
//       growth measured by counting operator new / delete in this program
//   BM_MinHashLsh_Query      one Query of the 1M-document index (a tenth are copies of
//       indexed documents); counter: candidates per query
//   BM_MinHashLsh_Remove     removing 100k documents from it (and putting them back)
//   BM_LshBatch_Candidates   GenerateLshCandidates over the 1M x 128 matrix; counters:
//       pairs, peak_per_doc from LshBatchStats and heap_peak_per_doc measured
//   BM_LshParams_Choose/<k>  ChooseLshParams(0.8, k)
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "neardup/index/lsh_batch.hpp"
#include "neardup/index/lsh_params.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/internal/mix.hpp"

// Heap accounting: every allocation of this program goes through these, so the live byte
// count and its peak are exact (malloc_usable_size, so the allocator's rounding counts).
namespace {
std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_peak_bytes{0};

void* CountedAlloc(size_t n, size_t align) {
  void* p = align <= alignof(std::max_align_t) ? std::malloc(n == 0 ? 1 : n)
                                               : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  const int64_t live = g_live_bytes.fetch_add(static_cast<int64_t>(malloc_usable_size(p))) +
                       static_cast<int64_t>(malloc_usable_size(p));
  int64_t peak = g_peak_bytes.load(std::memory_order_relaxed);
  while (live > peak && !g_peak_bytes.compare_exchange_weak(peak, live)) {
  }
  return p;
}

void CountedFree(void* p) {
  if (p == nullptr) return;
  g_live_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)));
  std::free(p);
}

int64_t LiveBytes() { return g_live_bytes.load(); }
void ResetPeak() { g_peak_bytes.store(g_live_bytes.load()); }
int64_t PeakBytes() { return g_peak_bytes.load(); }
}  // namespace

void* operator new(size_t n) { return CountedAlloc(n, 0); }
void* operator new[](size_t n) { return CountedAlloc(n, 0); }
void* operator new(size_t n, std::align_val_t a) { return CountedAlloc(n, static_cast<size_t>(a)); }
void* operator new[](size_t n, std::align_val_t a) { return CountedAlloc(n, static_cast<size_t>(a)); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return CountedAlloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t) noexcept { CountedFree(p); }
void operator delete(void* p, std::align_val_t) noexcept { CountedFree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { CountedFree(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { CountedFree(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { CountedFree(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { CountedFree(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { CountedFree(p); }

namespace {

constexpr size_t kDocs = 1'000'000;
constexpr uint32_t kK = 128;
constexpr neardup::MinHashParams kParams{
    .algorithm = neardup::MinHashAlgorithm::kOnePermutation, .num_perm = kK, .seed = 1};
constexpr neardup::LshParams kBanding{9, 13};

// kDocs x kK values, row-major.
const std::vector<uint32_t>& Matrix() {
  static const std::vector<uint32_t> values = [] {
    neardup::internal::SplitMix64 rng(2024);
    std::vector<uint32_t> v(kDocs * kK);
    for (size_t i = 0; i < kDocs; ++i) {
      uint32_t* row = &v[i * kK];
      if (i % 10 == 9) {
        const uint32_t* from = &v[(rng.Next() % i) * kK];
        for (uint32_t j = 0; j < kK; ++j)
          row[j] = rng.Next() % 20 == 0 ? static_cast<uint32_t>(rng.Next()) : from[j];
      } else {
        for (uint32_t j = 0; j < kK; j += 2) {
          const uint64_t x = rng.Next();
          row[j] = static_cast<uint32_t>(x);
          row[j + 1] = static_cast<uint32_t>(x >> 32);
        }
      }
    }
    return v;
  }();
  return values;
}

// Loads row i into sig (the index API takes MinHashSignature; one buffer is reused).
void Load(size_t i, neardup::MinHashSignature* sig) {
  const uint32_t* row = &Matrix()[i * kK];
  sig->values.assign(row, row + kK);
}

neardup::MinHashSignature Buffer() {
  return {.params = kParams, .values = std::vector<uint32_t>(kK), .empty = false};
}

std::unique_ptr<neardup::MinHashLsh<>> BuildIndex() {
  auto index = std::make_unique<neardup::MinHashLsh<>>(
      *neardup::MinHashLsh<>::Create({.minhash = kParams, .banding = kBanding}));
  neardup::MinHashSignature sig = Buffer();
  for (size_t i = 0; i < kDocs; ++i) {
    Load(i, &sig);
    if (!index->Insert(static_cast<uint32_t>(i), sig).ok()) std::abort();
  }
  return index;
}

neardup::MinHashLsh<>& SharedIndex() {
  static std::unique_ptr<neardup::MinHashLsh<>> index = BuildIndex();
  return *index;
}

void BM_MinHashLsh_Insert(benchmark::State& state) {
  Matrix();
  double per_doc_band = 0, heap_per_doc_band = 0, shared = 0;
  for (auto _ : state) {
    const int64_t before = LiveBytes();
    std::unique_ptr<neardup::MinHashLsh<>> index = BuildIndex();
    const neardup::MinHashLshStats s = index->Stats();
    per_doc_band = s.BytesPerDocumentBand();
    heap_per_doc_band =
        static_cast<double>(LiveBytes() - before) / (static_cast<double>(kDocs) * kBanding.bands);
    shared = static_cast<double>(s.shared_entries);
    state.PauseTiming();
    index.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kDocs));
  state.counters["bytes_per_doc_band"] = per_doc_band;
  state.counters["heap_per_doc_band"] = heap_per_doc_band;
  state.counters["shared_entries"] = shared;
}
BENCHMARK(BM_MinHashLsh_Insert)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_MinHashLsh_Query(benchmark::State& state) {
  const neardup::MinHashLsh<>& index = SharedIndex();
  // Queries: copies of every 97th indexed document and fresh random signatures, mixed.
  std::vector<neardup::MinHashSignature> queries;
  neardup::internal::SplitMix64 rng(7);
  for (size_t q = 0; q < 10000; ++q) {
    neardup::MinHashSignature sig = Buffer();
    if (q % 10 == 0) {
      Load(q * 97 % kDocs, &sig);
    } else {
      for (uint32_t& v : sig.values) v = static_cast<uint32_t>(rng.Next());
    }
    queries.push_back(std::move(sig));
  }
  std::vector<uint32_t> out;
  size_t q = 0, candidates = 0;
  for (auto _ : state) {
    if (!index.Query(queries[q], &out).ok()) std::abort();
    candidates += out.size();
    benchmark::DoNotOptimize(out.data());
    q = q + 1 == queries.size() ? 0 : q + 1;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["candidates_per_query"] =
      benchmark::Counter(static_cast<double>(candidates), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_MinHashLsh_Query);

void BM_MinHashLsh_Remove(benchmark::State& state) {
  neardup::MinHashLsh<>& index = SharedIndex();
  neardup::MinHashSignature sig = Buffer();
  constexpr size_t kRemoved = 100'000;
  for (auto _ : state) {
    for (size_t i = 0; i < kRemoved; ++i) {
      Load(i * 10, &sig);
      if (!index.Remove(static_cast<uint32_t>(i * 10), sig).ok()) std::abort();
    }
    state.PauseTiming();
    for (size_t i = 0; i < kRemoved; ++i) {
      Load(i * 10, &sig);
      if (!index.Insert(static_cast<uint32_t>(i * 10), sig).ok()) std::abort();
    }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRemoved));
}
BENCHMARK(BM_MinHashLsh_Remove)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_LshBatch_Candidates(benchmark::State& state) {
  const std::vector<uint32_t>& values = Matrix();
  const neardup::MinHashMatrixView view{kParams, values, {}};
  const neardup::LshBatchOptions options{.banding = kBanding, .verify_threshold = 0.8};
  double pairs = 0, peak_per_doc = 0, heap_peak_per_doc = 0;
  for (auto _ : state) {
    const int64_t before = LiveBytes();
    ResetPeak();
    absl::StatusOr<neardup::LshBatchResult> r = neardup::GenerateLshCandidates(view, options);
    if (!r.ok()) std::abort();
    heap_peak_per_doc = static_cast<double>(PeakBytes() - before) / kDocs;
    pairs = static_cast<double>(r->pairs.size());
    peak_per_doc = static_cast<double>(r->stats.peak_bytes) / kDocs;
    benchmark::DoNotOptimize(r->pairs.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kDocs));
  state.counters["pairs"] = pairs;
  state.counters["peak_per_doc"] = peak_per_doc;
  state.counters["heap_peak_per_doc"] = heap_peak_per_doc;
}
BENCHMARK(BM_LshBatch_Candidates)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_LshParams_Choose(benchmark::State& state) {
  const auto k = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    absl::StatusOr<neardup::LshChoice> c = neardup::ChooseLshParams(0.8, k);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_LshParams_Choose)->Arg(128)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LshParams_Choose)->Arg(8192)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
