// SimHash index (index/simhash_index.hpp) on 1M fingerprints: 900k random ones and
// 100k near copies, each of a different random one, at distance 1..3, shuffled.
//
//   BM_SimHashIndex_AllPairs/<blocks>/<threads>   all pairs within distance 3;
//       blocks 0 is the automatic choice; counters: pairs found, blocks, tables
//   BM_SimHashIndex_Query/<blocks>   one query of a 1M-entry streaming index,
//       distance 3; half the queries are near copies of held fingerprints, half random
//   BM_SimHashIndex_Insert    building that index one Insert at a time
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "neardup/index/simhash_index.hpp"
#include "neardup/io/simhash_index_file.hpp"

namespace {

constexpr size_t kNumFingerprints = 1'000'000;
constexpr size_t kNumPlanted = 100'000;
constexpr int kDistance = 3;

uint64_t FlipBits(uint64_t fp, int k, std::mt19937_64& rng) {
  uint64_t mask = 0;
  while (std::popcount(mask) < k) mask |= uint64_t{1} << (rng() % 64);
  return fp ^ mask;
}

const std::vector<uint64_t>& Fingerprints() {
  static const std::vector<uint64_t> fps = [] {
    std::mt19937_64 rng(2007);
    std::vector<uint64_t> out(kNumFingerprints - kNumPlanted);
    for (uint64_t& fp : out) fp = rng();
    // The first kNumPlanted random ones are the originals: one copy each.
    for (size_t i = 0; i < kNumPlanted; ++i) {
      out.push_back(FlipBits(out[i], 1 + static_cast<int>(i % 3), rng));
    }
    std::shuffle(out.begin(), out.end(), rng);
    return out;
  }();
  return fps;
}

// The streaming index over Fingerprints(), ids 0..N-1, built once per block count.
const neardup::SimHashIndex& StreamingIndex(int num_blocks) {
  static std::map<int, neardup::SimHashIndex> built;
  auto it = built.find(num_blocks);
  if (it == built.end()) {
    const std::vector<uint64_t>& fps = Fingerprints();
    std::vector<uint64_t> ids(fps.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = i;
    it = built
             .emplace(num_blocks,
                      *neardup::SimHashIndex::Build(
                          {.max_distance = kDistance, .num_blocks = num_blocks}, ids, fps))
             .first;
  }
  return it->second;
}

void BM_SimHashIndex_AllPairs(benchmark::State& state) {
  const std::vector<uint64_t>& fps = Fingerprints();
  const neardup::SimHashPairsOptions options = {
      .max_distance = kDistance,
      .num_blocks = static_cast<int>(state.range(0)),
      .num_threads = static_cast<unsigned>(state.range(1))};
  std::vector<neardup::SimHashPair> pairs;
  for (auto _ : state) {
    if (!neardup::FindSimHashPairs(fps, options, &pairs).ok()) {
      state.SkipWithError("FindSimHashPairs failed");
    }
    benchmark::DoNotOptimize(pairs.data());
  }
  const int blocks =
      options.num_blocks != 0
          ? options.num_blocks
          : *neardup::ChooseSimHashBlocks(kDistance, fps.size(), neardup::SimHashWorkload::kBatch);
  state.counters["pairs"] = static_cast<double>(pairs.size());
  state.counters["blocks"] = blocks;
  state.counters["tables"] = neardup::SimHashPlan::Create(kDistance, blocks)->num_tables();
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(fps.size()));
}
BENCHMARK(BM_SimHashIndex_AllPairs)
    ->ArgNames({"blocks", "threads"})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({4, 1})
    ->Args({5, 1})
    ->Args({6, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SimHashIndex_Query(benchmark::State& state) {
  const neardup::SimHashIndex& index = StreamingIndex(static_cast<int>(state.range(0)));
  std::mt19937_64 rng(42);
  std::vector<uint64_t> queries(1 << 16);
  for (size_t i = 0; i < queries.size(); ++i) {
    queries[i] = i % 2 == 0 ? FlipBits(index.fingerprints()[rng() % index.size()],
                                       static_cast<int>(rng() % 4), rng)
                            : rng();
  }
  std::vector<neardup::SimHashMatch> found;
  size_t i = 0, matches = 0;
  for (auto _ : state) {
    if (!index.Query(queries[i++ & (queries.size() - 1)], kDistance, &found).ok()) {
      state.SkipWithError("Query failed");
    }
    matches += found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.counters["matches_per_query"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
  state.counters["blocks"] = index.plan().num_blocks();
  state.counters["tables"] = index.plan().num_tables();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimHashIndex_Query)->ArgName("blocks")->Arg(0)->Arg(4)->Arg(5)->Arg(6);

void BM_SimHashIndex_Insert(benchmark::State& state) {
  const std::vector<uint64_t>& fps = Fingerprints();
  for (auto _ : state) {
    neardup::SimHashIndex index = *neardup::SimHashIndex::Create({.max_distance = kDistance});
    for (size_t i = 0; i < fps.size(); ++i) {
      if (!index.Insert(i, fps[i]).ok()) state.SkipWithError("Insert failed");
    }
    benchmark::DoNotOptimize(index.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(fps.size()));
}
BENCHMARK(BM_SimHashIndex_Insert)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// Save and load of the 1M-entry streaming index (simhash_index_file.hpp), in memory:
// the load reads 16 bytes per entry and rebuilds the tables.
void BM_SimHashIndexFile_Load_1M(benchmark::State& state) {
  const neardup::SimHashIndex& index = StreamingIndex(0);
  const neardup::SignerOptions signer;
  const std::string bytes = *neardup::SerializeSimHashIndex(index, signer);
  for (auto _ : state) {
    absl::StatusOr<neardup::SimHashIndex> back = neardup::ParseSimHashIndex(bytes, "bench", signer, index.options());
    if (!back.ok()) state.SkipWithError(std::string(back.status().message()).c_str());
    benchmark::DoNotOptimize(back->size());
  }
  state.counters["file_mb"] = static_cast<double>(bytes.size()) / 1e6;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(index.size()));
}
BENCHMARK(BM_SimHashIndexFile_Load_1M)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
