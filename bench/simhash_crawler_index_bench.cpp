// The SimHash crawler index (store/simhash_crawler_index.hpp).
//
//   BM_SimHashCrawlerIndex_QueryOrInsert/docs:<n>/sync:<policy>
//       QueryOrInsert of precomputed 64-bit fingerprints, d = 3, into an index holding
//       n documents (1M or 10M, random fingerprints, 12-byte ids): 90% new random
//       fingerprints, 10% near copies (1-3 bits flipped) of indexed ones. Every call
//       writes its log record before returning (the kill -9 promise); sync 2 =
//       kEveryN (the log's sync thread fdatasyncs every <every> records while the
//       calls go on; a call waits only when 2 x <every> records are unsynced),
//       3 = kNever, 1 = kEveryOp (fdatasync before every acknowledgement).
//       Counters: p50_us / p99_us of the call, inserted_pct.
//   BM_SimHashCrawlerIndex_Query/docs:<n>   Query of a precomputed fingerprint.
//
// The n-document index is built once per process (inserting n fingerprints and a
// checkpoint; about a minute for 10M) and reopened with each sync policy; it grows by
// the benchmark's inserts. Files go to a temporary directory removed at exit.
//
//   build/release/bench/simhash_crawler_index_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/internal/mix.hpp"
#include "neardup/store/simhash_crawler_index.hpp"

namespace {

namespace fs = std::filesystem;

const std::string& Dir() {
  static const std::string* dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "neardup_simcrawler_bench_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    auto* d = new std::string(tmpl);
    std::atexit([] { fs::remove_all(Dir()); });
    return d;
  }();
  return *dir;
}

neardup::SimHashCrawlerIndexOptions Options(neardup::SyncPolicy sync, uint32_t every = 256) {
  neardup::SimHashCrawlerIndexOptions o;
  o.max_distance = 3;
  o.sync = sync;
  o.sync_every = every;
  return o;
}

// The indexed fingerprints of the n-document index: doc i is "u<i>" with Base(n)[i].
const std::vector<uint64_t>& Base(size_t n) {
  static size_t built_n = 0;
  static std::vector<uint64_t> fps;
  if (built_n != n) {
    neardup::internal::SplitMix64 rng(n);
    fps.resize(n);
    for (uint64_t& f : fps) f = rng.Next();
    built_n = n;
  }
  return fps;
}

std::string PathFor(size_t n) { return absl::StrCat(Dir(), "/docs", n, ".ndsci"); }

// The n-document index open with `sync`: built on first use, reopened on a policy change.
neardup::SimHashCrawlerIndex& Index(size_t n, neardup::SyncPolicy sync, uint32_t every = 256) {
  static std::unique_ptr<neardup::SimHashCrawlerIndex> index;
  static size_t index_n = 0;
  static neardup::SyncPolicy index_sync = neardup::SyncPolicy::kNever;
  static uint32_t index_every = 0;
  if (index != nullptr && index_n == n && index_sync == sync && index_every == every) return *index;
  index.reset();
  if (!fs::exists(PathFor(n))) {
    auto fresh = neardup::SimHashCrawlerIndex::Open(PathFor(n), Options(neardup::SyncPolicy::kNever));
    if (!fresh.ok()) std::abort();
    const std::vector<uint64_t>& fps = Base(n);
    for (size_t i = 0; i < n; ++i) {
      if (!(*fresh)->InsertFingerprint(absl::StrCat("u", i), fps[i]).ok()) std::abort();
    }
    if (!(*fresh)->Checkpoint().ok()) std::abort();
  }
  auto opened = neardup::SimHashCrawlerIndex::Open(PathFor(n), Options(sync, every));
  if (!opened.ok()) std::abort();
  index = *std::move(opened);
  index_n = n;
  index_sync = sync;
  index_every = every;
  return *index;
}

void BM_SimHashCrawlerIndex_QueryOrInsert(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto sync = static_cast<neardup::SyncPolicy>(state.range(1));
  neardup::SimHashCrawlerIndex& index = Index(n, sync, static_cast<uint32_t>(state.range(2)));
  const std::vector<uint64_t>& base = Base(n);
  static uint64_t next_id = 0;  // across runs: ids stay new
  neardup::internal::SplitMix64 rng(next_id + 1);
  // Queries made before timing: 90% random, 10% near copies.
  constexpr size_t kQueries = 1 << 20;
  std::vector<uint64_t> queries(kQueries);
  for (size_t i = 0; i < kQueries; ++i) {
    if (i % 10 == 9) {
      uint64_t fp = base[rng.Next() % n];
      for (uint64_t flips = 1 + rng.Next() % 3; flips > 0; --flips) fp ^= uint64_t{1} << (rng.Next() % 64);
      queries[i] = fp;
    } else {
      queries[i] = rng.Next();
    }
  }
  std::vector<std::string> ids(kQueries);
  for (size_t i = 0; i < kQueries; ++i) ids[i] = absl::StrCat("n", next_id + i);
  std::vector<float> latency;
  latency.reserve(kQueries);
  size_t i = 0;
  uint64_t inserted = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<neardup::SimHashQueryOrInsertResult> r = index.QueryOrInsert(ids[i], queries[i]);
    const auto end = std::chrono::steady_clock::now();
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    inserted += r->inserted;
    if (latency.size() < kQueries) latency.push_back(std::chrono::duration<float, std::micro>(end - start).count());
    if (++i == kQueries) {
      state.PauseTiming();
      next_id += i;
      for (size_t j = 0; j < kQueries; ++j) ids[j] = absl::StrCat("n", next_id + j);
      i = 0;
      state.ResumeTiming();
    }
  }
  next_id += i;
  std::sort(latency.begin(), latency.end());
  auto pct = [&](double p) {
    return latency.empty() ? 0.0 : static_cast<double>(latency[static_cast<size_t>(p * (latency.size() - 1))]);
  };
  state.SetItemsProcessed(state.iterations());
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["inserted_pct"] =
      100.0 * static_cast<double>(inserted) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
  state.counters["docs_after"] = static_cast<double>(index.size());
}
BENCHMARK(BM_SimHashCrawlerIndex_QueryOrInsert)
    ->ArgNames({"docs", "sync", "every"})
    ->Args({1000000, 2, 256})
    ->Args({1000000, 2, 8192})
    ->Args({1000000, 3, 0})
    ->Args({1000000, 1, 0})
    ->Args({10000000, 2, 256})
    ->Args({10000000, 2, 8192})
    ->Args({10000000, 3, 0})
    ->Args({10000000, 1, 0})
    ->UseRealTime();

void BM_SimHashCrawlerIndex_Query(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  neardup::SimHashCrawlerIndex& index = Index(n, neardup::SyncPolicy::kNever, 0);
  const std::vector<uint64_t>& base = Base(n);
  neardup::internal::SplitMix64 rng(7);
  std::vector<uint64_t> queries(1 << 16);
  for (size_t i = 0; i < queries.size(); ++i) queries[i] = i % 10 == 9 ? base[rng.Next() % n] ^ 5 : rng.Next();
  size_t i = 0, matches = 0;
  for (auto _ : state) {
    matches += index.Query(queries[i]).size();
    i = (i + 1) & (queries.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_query"] =
      static_cast<double>(matches) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
BENCHMARK(BM_SimHashCrawlerIndex_Query)->ArgName("docs")->Arg(1000000)->Arg(10000000)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
