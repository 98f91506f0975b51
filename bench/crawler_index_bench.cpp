// The crawler index (store/crawler_index.hpp) and index files (io/index_file.hpp).
//
//   BM_CrawlerIndex_QueryOrInsertText/<sync>   QueryOrInsert of ~3 KB pages made of news
//       articles (bench/news_corpus.hpp), signing included, into an index that starts
//       empty; every tenth page is a mirror of an earlier one (inserted_pct about 90).
//       sync 3 = kNever (each change written before it is acknowledged, no fsync),
//       1 = kEveryOp (fdatasync before acknowledging, group commit).
//   BM_CrawlerIndex_QuerySignature_1M           Query with a precomputed signature of a
//       1M-document index; a tenth of the queries are near copies of indexed documents.
//   BM_CrawlerIndex_QueryOrInsertLatency_1M/<sync>  QueryOrInsert with precomputed
//       signatures on the 1M-document index (which grows by the inserts): 90% new
//       pages, 10% near copies; counters p50_us / p99_us of the call, per thread
//       (averaged over threads).
//   BM_CrawlerIndex_Open_1M                     CrawlerIndex::Open of the 1M-document
//       snapshot (empty log): load, checks, id hash set.
//   BM_IndexFile_Load_1M/<stored_bits>          LoadMinHashLsh of a plain 1M-document
//       MinHashLsh file.
//
// The 1M documents are random signatures (k = 128, 9 x 13 bands, 8-bit stored), as in
// index_bench.cpp: signing a million articles would dominate the run. Files go to a
// temporary directory removed at exit.
//
//   build-bench/bench/crawler_index_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/store/crawler_index.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/internal/mix.hpp"
#include "news_corpus.hpp"

namespace {

namespace fs = std::filesystem;
constexpr size_t kBigIndex = 1000000;

// A scratch directory for the run.
const std::string& Dir() {
  static const std::string* dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "neardup_crawler_bench_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    auto* d = new std::string(tmpl);
    std::atexit([] { fs::remove_all(Dir()); });
    return d;
  }();
  return *dir;
}

neardup::CrawlerIndexOptions Options(neardup::SyncPolicy sync) {
  neardup::CrawlerIndexOptions o;
  o.sync = sync;
  return o;
}

neardup::MinHashSignature RandomSignature(neardup::internal::SplitMix64& rng) {
  neardup::MinHashSignature s{.params = {}, .values = std::vector<uint32_t>(128), .empty = false};
  for (uint32_t& v : s.values) v = static_cast<uint32_t>(rng.Next());
  return s;
}

neardup::MinHashSignature NearCopy(const neardup::MinHashSignature& s, neardup::internal::SplitMix64& rng) {
  neardup::MinHashSignature c = s;
  for (uint32_t& v : c.values) {
    if (rng.Next() % 20 == 0) v = static_cast<uint32_t>(rng.Next());
  }
  return c;
}

// ---------------------------------------------------------------------------------
// Text, signing included.

const std::vector<std::string>& Articles() {
  static const auto* docs = new std::vector<std::string>(neardup::bench::NewsArticles(4000, 1));
  return *docs;
}

// Page n: the first half of one article and the second half of another (about 3 KB),
// so pages stay new for millions of calls; every tenth is a mirror of page n - 5.
void Page(uint64_t n, std::string* out) {
  if (n % 10 == 9) n -= 5;
  const std::vector<std::string>& docs = Articles();
  const size_t a = n % docs.size();
  const size_t b = (a + 1 + (n / docs.size()) % (docs.size() - 1)) % docs.size();
  out->assign(docs[a], 0, docs[a].size() / 2);
  out->append(docs[b], docs[b].size() / 2, std::string::npos);
}

void BM_CrawlerIndex_QueryOrInsertText(benchmark::State& state) {
  static std::unique_ptr<neardup::CrawlerIndex> index;
  static std::atomic<uint64_t> next{0};
  static std::atomic<uint64_t> inserted{0};
  const auto sync = static_cast<neardup::SyncPolicy>(state.range(0));
  Articles();
  static int run = 0;
  if (state.thread_index() == 0) {
    index.reset();
    // A new index for every run (Google Benchmark repeats runs to size them).
    const std::string path = absl::StrCat(Dir(), "/text_", run++, ".ndidx");
    index = *neardup::CrawlerIndex::Open(path, Options(sync));
    next = 0;
    inserted = 0;
  }
  uint64_t bytes = 0;
  std::string text;
  for (auto _ : state) {
    const uint64_t n = next.fetch_add(1, std::memory_order_relaxed);
    Page(n, &text);
    absl::StatusOr<neardup::QueryOrInsertResult> r =
        index->QueryOrInsert(absl::StrCat("https://news.example/", n), text);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    if (r.ok() && r->inserted) inserted.fetch_add(1, std::memory_order_relaxed);
    bytes += text.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  if (state.thread_index() == 0) {
    // Set by one thread only, so not averaged over threads.
    state.counters["inserted_pct"] =
        100.0 * static_cast<double>(inserted.load()) / std::max<double>(1.0, static_cast<double>(next.load()));
  }
}
BENCHMARK(BM_CrawlerIndex_QueryOrInsertText)->ArgName("sync")->Arg(3)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();
BENCHMARK(BM_CrawlerIndex_QueryOrInsertText)->ArgName("sync")->Arg(1)->Threads(1)->Threads(2)->UseRealTime();

// ---------------------------------------------------------------------------------
// The 1M-document index.

struct BigIndex {
  std::string path;
  std::vector<neardup::MinHashSignature> indexed_sample;  // signatures of some documents
  std::unique_ptr<neardup::CrawlerIndex> index;
  neardup::SyncPolicy sync = neardup::SyncPolicy::kNever;
  uint64_t snapshot_bytes = 0;
};

std::mutex big_mu;

// Builds the index once (and checkpoints it); reopens it when another sync policy is
// asked for. Returns with the index open.
BigIndex& Big(neardup::SyncPolicy sync) {
  static BigIndex* big = nullptr;
  std::lock_guard<std::mutex> l(big_mu);
  if (big == nullptr) {
    big = new BigIndex;
    big->path = Dir() + "/big.ndidx";
    big->index = *neardup::CrawlerIndex::Open(big->path, Options(neardup::SyncPolicy::kNever));
    neardup::internal::SplitMix64 rng(42);
    std::vector<neardup::MinHashSignature> recent;
    for (size_t i = 0; i < kBigIndex; ++i) {
      neardup::MinHashSignature sig =
          (i % 10 == 9) ? NearCopy(recent[rng.Next() % recent.size()], rng) : RandomSignature(rng);
      if (!big->index->InsertSignature(absl::StrCat("https://site", i % 5000, ".example/page/", i), sig).ok()) {
        std::abort();
      }
      if (recent.size() < 4096) {
        recent.push_back(sig);
      } else if (rng.Next() % 64 == 0) {
        recent[rng.Next() % recent.size()] = sig;
      }
      if (i % 97 == 0 && big->indexed_sample.size() < 100000) big->indexed_sample.push_back(std::move(sig));
    }
    if (!big->index->Checkpoint().ok()) std::abort();
    big->snapshot_bytes = fs::file_size(big->path);
  }
  if (big->index == nullptr || big->sync != sync) {
    big->index.reset();
    big->index = *neardup::CrawlerIndex::Open(big->path, Options(sync));
    big->sync = sync;
  }
  return *big;
}

// 90% unrelated signatures, 10% near copies of indexed documents. 4096 of them (2 MB):
// a crawler queries a signature it has just computed, which is in cache, so the set is
// kept small enough to stay in the last-level cache next to the index's random probes.
// (With 65536 signatures, 32 MB read from memory, single queries measured 0.72M/s
// before the two-line prefetch and 0.88M/s after.)
constexpr size_t kQuerySet = 4096;

const std::vector<neardup::MinHashSignature>& Queries() {
  static const auto* q = [] {
    const BigIndex& big = Big(neardup::SyncPolicy::kNever);
    auto* out = new std::vector<neardup::MinHashSignature>;
    neardup::internal::SplitMix64 rng(7);
    for (size_t i = 0; i < kQuerySet; ++i) {
      out->push_back(i % 10 == 0 ? NearCopy(big.indexed_sample[rng.Next() % big.indexed_sample.size()], rng)
                                 : RandomSignature(rng));
    }
    return out;
  }();
  return *q;
}

void BM_CrawlerIndex_QuerySignature_1M(benchmark::State& state) {
  const std::vector<neardup::MinHashSignature>& queries = Queries();
  neardup::CrawlerIndex& index = *Big(neardup::SyncPolicy::kNever).index;
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  uint64_t matches = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<neardup::CrawlerMatch>> m = index.Query(queries[i++ % queries.size()]);
    matches += m->size();
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_query"] =
      benchmark::Counter(static_cast<double>(matches) / static_cast<double>(std::max<int64_t>(1, state.iterations())),
                         benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_CrawlerIndex_QuerySignature_1M)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

// QueryBatch of `batch` signatures; items are queries.
void BM_CrawlerIndex_QueryBatchSignature_1M(benchmark::State& state) {
  const std::vector<neardup::MinHashSignature>& queries = Queries();
  neardup::CrawlerIndex& index = *Big(neardup::SyncPolicy::kNever).index;
  const size_t batch = static_cast<size_t>(state.range(0));
  size_t i = static_cast<size_t>(state.thread_index()) * 7919 % (queries.size() - batch);
  uint64_t matches = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<std::vector<neardup::CrawlerMatch>>> m =
        index.QueryBatch(std::span(queries).subspan(i, batch));
    for (const auto& one : *m) matches += one.size();
    benchmark::DoNotOptimize(m);
    i += batch;
    if (i + batch > queries.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
  state.counters["matches_per_query"] = benchmark::Counter(
      static_cast<double>(matches) / static_cast<double>(std::max<int64_t>(1, state.iterations() * batch)),
      benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_CrawlerIndex_QueryBatchSignature_1M)
    ->ArgName("batch")
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime();

// Each call offers a new page: 90% are new (inserted), 10% near copies of indexed ones.
void BM_CrawlerIndex_QueryOrInsertLatency_1M(benchmark::State& state) {
  static std::atomic<uint64_t> next{0};
  BigIndex& big = Big(static_cast<neardup::SyncPolicy>(state.range(0)));
  neardup::CrawlerIndex& index = *big.index;
  std::vector<double> micros;
  micros.reserve(1 << 20);
  neardup::internal::SplitMix64 rng(1000 + static_cast<uint64_t>(state.thread_index()) + 10 * next.load());
  neardup::MinHashSignature sig;
  uint64_t inserted = 0;
  for (auto _ : state) {
    const uint64_t n = next.fetch_add(1, std::memory_order_relaxed);
    const std::string id = absl::StrCat("https://new.example/", n);
    sig =
        n % 10 == 0 ? NearCopy(big.indexed_sample[rng.Next() % big.indexed_sample.size()], rng) : RandomSignature(rng);
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<neardup::QueryOrInsertResult> r = index.QueryOrInsert(id, sig);
    const auto stop = std::chrono::steady_clock::now();
    inserted += r.ok() && r->inserted;
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    micros.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) {
    return micros.empty() ? 0.0 : micros[std::min(micros.size() - 1, static_cast<size_t>(p * micros.size()))];
  };
  state.SetItemsProcessed(state.iterations());
  state.counters["p50_us"] = benchmark::Counter(pct(0.50), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] = benchmark::Counter(pct(0.99), benchmark::Counter::kAvgThreads);
  state.counters["inserted_pct"] = benchmark::Counter(
      100.0 * static_cast<double>(inserted) / static_cast<double>(std::max<int64_t>(1, state.iterations())),
      benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_CrawlerIndex_QueryOrInsertLatency_1M)
    ->ArgName("sync")
    ->Arg(3)
    ->Arg(1)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime();

void BM_CrawlerIndex_Open_1M(benchmark::State& state) {
  BigIndex& big = Big(neardup::SyncPolicy::kNever);
  // A fresh snapshot of the current contents, with an empty log.
  if (!big.index->Checkpoint().ok()) std::abort();
  size_t documents = big.index->size();
  for (auto _ : state) {
    state.PauseTiming();
    big.index.reset();
    state.ResumeTiming();
    big.index = *neardup::CrawlerIndex::Open(big.path, Options(big.sync));
  }
  documents = big.index->size();
  state.counters["documents"] = static_cast<double>(documents);
  state.counters["snapshot_MB"] = static_cast<double>(fs::file_size(big.path)) / 1e6;
}
BENCHMARK(BM_CrawlerIndex_Open_1M)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IndexFile_Load_1M(benchmark::State& state) {
  const auto stored_bits = static_cast<uint32_t>(state.range(0));
  const neardup::MinHashLshOptions options{.minhash = {}, .banding = {9, 13}, .stored_bits = stored_bits};
  const std::string path = absl::StrCat(Dir(), "/plain_", stored_bits, ".ndidx");
  {
    neardup::MinHashLsh<uint32_t> lsh = *neardup::MinHashLsh<uint32_t>::Create(options);
    neardup::internal::SplitMix64 rng(42);
    std::vector<neardup::MinHashSignature> recent;
    for (uint32_t i = 0; i < kBigIndex; ++i) {
      neardup::MinHashSignature sig =
          (i % 10 == 9) ? NearCopy(recent[rng.Next() % recent.size()], rng) : RandomSignature(rng);
      if (!lsh.Insert(i, sig).ok()) std::abort();
      if (recent.size() < 4096) recent.push_back(std::move(sig));
    }
    if (!neardup::SaveMinHashLsh(lsh, neardup::SignerOptions{}, path).ok()) std::abort();
  }
  for (auto _ : state) {
    absl::StatusOr<neardup::MinHashLsh<uint32_t>> lsh =
        neardup::LoadMinHashLsh<uint32_t>(path, neardup::SignerOptions{}, options);
    if (!lsh.ok()) state.SkipWithError(std::string(lsh.status().message()).c_str());
    benchmark::DoNotOptimize(lsh);
    state.PauseTiming();
    lsh = absl::UnknownError("freed outside the timing");
    state.ResumeTiming();
  }
  state.counters["file_MB"] = static_cast<double>(fs::file_size(path)) / 1e6;
}
BENCHMARK(BM_IndexFile_Load_1M)->ArgName("stored_bits")->Arg(0)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
