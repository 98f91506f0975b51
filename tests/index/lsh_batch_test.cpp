#include "neardup/index/lsh_batch.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "neardup/index/minhash_lsh.hpp"
#include "neardup/internal/mix.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {
namespace {

constexpr MinHashParams kParams{.algorithm = MinHashAlgorithm::kOnePermutation, .num_perm = 128, .seed = 1};
constexpr LshParams kBanding{9, 13};

MinHashSignature RandomSignature(internal::SplitMix64& rng) {
  MinHashSignature s{.params = kParams, .values = std::vector<uint32_t>(kParams.num_perm), .empty = false};
  for (uint32_t& v : s.values) v = static_cast<uint32_t>(rng.Next());
  return s;
}

// A corpus of shingle sets signed with OPH: clusters of near-duplicates at Jaccard from
// about 0.5 to 1, unrelated documents, and a few empty ones.
std::vector<MinHashSignature> SignedCorpus(uint64_t seed, int clusters) {
  internal::SplitMix64 rng(seed);
  MinHasher hasher(kParams);
  std::vector<MinHashSignature> out;
  for (int c = 0; c < clusters; ++c) {
    std::vector<uint64_t> base(150);
    for (uint64_t& x : base) x = rng.Next();
    const int members = 1 + static_cast<int>(rng.Next() % 5);
    for (int m = 0; m < members; ++m) {
      std::vector<uint64_t> v = base;
      const int replaced = static_cast<int>(rng.Next() % 50);
      for (int i = 0; i < replaced; ++i) v[rng.Next() % v.size()] = rng.Next();
      out.push_back(hasher.Sign(v));
    }
    if (c % 97 == 0) out.push_back(hasher.Sign(std::vector<uint64_t>{}));
  }
  // Interleave clusters so members are not neighbours by position.
  internal::SplitMix64 shuffle(seed + 1);
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[shuffle.Next() % i]);
  return out;
}

std::vector<CandidatePair> StreamingPairs(const std::vector<MinHashSignature>& sigs) {
  auto index = MinHashLsh<>::Create({.minhash = kParams, .banding = kBanding});
  EXPECT_TRUE(index.ok());
  for (uint32_t i = 0; i < sigs.size(); ++i) {
    if (!sigs[i].empty) {
      EXPECT_TRUE(index->Insert(i, sigs[i]).ok());
    }
  }
  std::vector<CandidatePair> pairs;
  for (uint32_t i = 0; i < sigs.size(); ++i) {
    const std::vector<uint32_t> found = *index->Query(sigs[i]);
    for (const uint32_t j : found) {
      if (i < j) pairs.push_back({i, j});
    }
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

TEST(LshBatch, MatchesTheStreamingIndex) {
  const std::vector<MinHashSignature> sigs = SignedCorpus(1, 1500);
  absl::StatusOr<LshBatchResult> batch = GenerateLshCandidates(sigs, {.banding = kBanding});
  ASSERT_TRUE(batch.ok()) << batch.status();
  const std::vector<CandidatePair> streaming = StreamingPairs(sigs);
  EXPECT_GT(streaming.size(), 500u);  // the corpus has plenty of candidates
  EXPECT_EQ(batch->pairs, streaming);
  EXPECT_EQ(batch->stats.documents, sigs.size());
  EXPECT_EQ(batch->stats.empty_documents, 16u);
  EXPECT_EQ(batch->stats.pairs, streaming.size());
  EXPECT_EQ(batch->stats.long_runs, 0u);
  EXPECT_GE(batch->stats.pairs_emitted, batch->stats.pairs);

  // The same from a row-major matrix.
  std::vector<uint32_t> values;
  std::vector<uint8_t> empty;
  for (const MinHashSignature& s : sigs) {
    values.insert(values.end(), s.values.begin(), s.values.end());
    empty.push_back(s.empty);
  }
  absl::StatusOr<LshBatchResult> from_matrix =
      GenerateLshCandidates(MinHashMatrixView{kParams, values, empty}, {.banding = kBanding});
  ASSERT_TRUE(from_matrix.ok()) << from_matrix.status();
  EXPECT_EQ(from_matrix->pairs, batch->pairs);
}

TEST(LshBatch, IsDeterministic) {
  const std::vector<MinHashSignature> sigs = SignedCorpus(2, 800);
  const LshBatchOptions options{.banding = {16, 8}, .max_clique_run = 3, .verify_threshold = 0.7};
  const LshBatchResult a = *GenerateLshCandidates(sigs, options);
  const LshBatchResult b = *GenerateLshCandidates(sigs, options);
  EXPECT_EQ(a.pairs, b.pairs);
  EXPECT_EQ(a.stats.pairs_emitted, b.stats.pairs_emitted);
  EXPECT_EQ(a.stats.peak_bytes, b.stats.peak_bytes);
  EXPECT_TRUE(std::is_sorted(a.pairs.begin(), a.pairs.end()));
  for (const CandidatePair& p : a.pairs) ASSERT_LT(p.first, p.second);
  EXPECT_EQ(std::adjacent_find(a.pairs.begin(), a.pairs.end()), a.pairs.end());
}

TEST(LshBatch, ResultDoesNotDependOnThreads) {
  // Bands run on several threads and are merged in band order: the pairs and every
  // count are those of one thread, whichever thread finishes first. Long runs (copies)
  // and refinement are included.
  std::vector<MinHashSignature> sigs = SignedCorpus(6, 600);
  internal::SplitMix64 rng(9);
  const MinHashSignature page = RandomSignature(rng);
  for (int i = 0; i < 40; ++i) sigs.push_back(page);
  const LshBatchOptions one{.banding = {16, 8}, .max_clique_run = 8, .verify_threshold = 0.7};
  const LshBatchResult a = *GenerateLshCandidates(sigs, one);
  ASSERT_GT(a.stats.long_runs, 0u);
  for (const unsigned threads : {2u, 3u, 16u, 40u}) {
    LshBatchOptions many = one;
    many.threads = threads;
    const LshBatchResult b = *GenerateLshCandidates(sigs, many);
    EXPECT_EQ(b.pairs, a.pairs) << threads;
    EXPECT_EQ(b.stats.pairs, a.stats.pairs) << threads;
    EXPECT_EQ(b.stats.pairs_emitted, a.stats.pairs_emitted) << threads;
    EXPECT_EQ(b.stats.runs, a.stats.runs) << threads;
    EXPECT_EQ(b.stats.long_runs, a.stats.long_runs) << threads;
    EXPECT_EQ(b.stats.capped_subruns, a.stats.capped_subruns) << threads;
    EXPECT_GE(b.stats.peak_bytes, a.stats.peak_bytes) << threads;  // bands held at once
  }
}

TEST(LshBatch, SplitsRunsWhoseKeysShareTheHighHalf) {
  // Find two 13-value rows whose band-0 keys agree in the high 32 bits only (birthday
  // search), so the sort puts them in one run that must then be split by the full key.
  internal::SplitMix64 rng(3);
  const uint64_t seed0 = LshBandSeed(kParams.seed, 0);
  std::unordered_map<uint32_t, std::vector<uint32_t>> by_high;
  std::vector<uint32_t> row_a, row_b;
  while (row_a.empty()) {
    std::vector<uint32_t> row(13);
    for (uint32_t& v : row) v = static_cast<uint32_t>(rng.Next());
    const uint64_t key = LshBandKey(row, seed0);
    auto [it, fresh] = by_high.emplace(static_cast<uint32_t>(key >> 32), row);
    if (!fresh && LshBandKey(it->second, seed0) != key) {
      row_a = it->second;
      row_b = row;
    }
  }
  std::vector<MinHashSignature> sigs;
  for (const auto* row : {&row_a, &row_b, &row_a, &row_b, &row_a}) {
    MinHashSignature s = RandomSignature(rng);
    std::copy(row->begin(), row->end(), s.values.begin());
    sigs.push_back(s);
  }
  const LshBatchResult r = *GenerateLshCandidates(sigs, {.banding = kBanding});
  EXPECT_EQ(r.pairs, (std::vector<CandidatePair>{{0, 2}, {0, 4}, {1, 3}, {2, 4}}));
  EXPECT_EQ(r.pairs, StreamingPairs(sigs));
}

// Agreeing positions of two signatures.
size_t Matches(const MinHashSignature& a, const MinHashSignature& b) {
  return CountMatches(a.values, b.values);
}

TEST(LshBatch, LongRunsKeepEveryPairVerificationAccepts) {
  // 400 documents share band 0 (boilerplate) and are random elsewhere. Twelve planted
  // pairs agree on 108 of 128 positions (estimated J = 0.84 >= 0.8) but share no other
  // band: only the band-0 run can find them.
  internal::SplitMix64 rng(4);
  const MinHashSignature boiler = RandomSignature(rng);
  std::vector<MinHashSignature> sigs;
  for (int i = 0; i < 400; ++i) {
    MinHashSignature s = RandomSignature(rng);
    std::copy_n(boiler.values.begin(), 13, s.values.begin());
    sigs.push_back(s);
  }
  std::vector<std::pair<uint32_t, uint32_t>> planted;
  for (uint32_t p = 0; p < 12; ++p) {
    const uint32_t a = 7 + 31 * p, b = 395 - 29 * p;
    sigs[b] = sigs[a];
    // 20 changes: one in each of bands 1..8, the rest anywhere outside band 0.
    for (uint32_t band = 1; band < 9; ++band) sigs[b].values[band * 13 + p % 13] ^= 0x5a5a5a5au;
    for (uint32_t i = 0; i < 12; ++i) sigs[b].values[13 + (p * 7 + i * 9) % 115] ^= 0x01000001u + i;
    ASSERT_GE(Matches(sigs[a], sigs[b]), 103u);
    planted.emplace_back(std::min(a, b), std::max(a, b));
  }

  const LshBatchOptions options{.banding = kBanding, .max_clique_run = 16, .verify_threshold = 0.8};
  const LshBatchResult r = *GenerateLshCandidates(sigs, options);
  const std::set<CandidatePair> got(r.pairs.begin(), r.pairs.end());
  size_t accepted = 0;
  for (uint32_t i = 0; i < sigs.size(); ++i) {
    for (uint32_t j = i + 1; j < sigs.size(); ++j) {
      if (Matches(sigs[i], sigs[j]) >= 103) {  // ceil(0.8 * 128)
        ++accepted;
        EXPECT_TRUE(got.contains({i, j})) << i << " " << j;
      }
    }
  }
  EXPECT_GE(accepted, planted.size());
  for (uint32_t x = 1; x < sigs.size(); ++x) EXPECT_TRUE(got.contains({0, x})) << x;  // the star
  EXPECT_LT(r.pairs.size(), 2000u);  // instead of 79800 for the whole run
  EXPECT_EQ(r.stats.long_runs, 1u);
  EXPECT_EQ(r.stats.capped_subruns, 0u);
  EXPECT_EQ(r.stats.unrefined_runs, 0u);

  // Without refinement the star and chain alone miss planted pairs.
  const LshBatchResult plain = *GenerateLshCandidates(sigs, {.banding = kBanding, .max_clique_run = 16});
  const std::set<CandidatePair> plain_set(plain.pairs.begin(), plain.pairs.end());
  size_t missed = 0;
  for (const auto& [a, b] : planted) missed += !plain_set.contains({a, b});
  EXPECT_EQ(missed, planted.size());
}

TEST(LshBatch, CopiesFormAStarAndAChain) {
  internal::SplitMix64 rng(5);
  const MinHashSignature page = RandomSignature(rng);
  std::vector<MinHashSignature> sigs(200, page);
  sigs.push_back(RandomSignature(rng));
  const LshBatchResult r =
      *GenerateLshCandidates(sigs, {.banding = kBanding, .max_clique_run = 16, .verify_threshold = 0.8});
  std::vector<CandidatePair> expect;
  for (uint32_t x = 1; x < 200; ++x) expect.push_back({0, x});
  for (uint32_t x = 1; x + 1 < 200; ++x) expect.push_back({x, x + 1});
  std::sort(expect.begin(), expect.end());
  EXPECT_EQ(r.pairs, expect);
  EXPECT_EQ(r.stats.runs, 9u);
  EXPECT_EQ(r.stats.long_runs, 9u);
  EXPECT_EQ(r.stats.capped_subruns, 9u);  // each band's run comes back whole in every group
}

TEST(LshBatch, PeakMemoryPerDocument) {
  internal::SplitMix64 rng(6);
  const size_t n = 20000;
  std::vector<uint32_t> values(n * 128);
  for (uint32_t& v : values) v = static_cast<uint32_t>(rng.Next());
  for (size_t i = 10; i < n; i += 10) std::copy_n(&values[(i - 7) * 128], 128, &values[i * 128]);  // copies
  const LshBatchResult r =
      *GenerateLshCandidates(MinHashMatrixView{kParams, values, {}}, {.banding = kBanding});
  EXPECT_EQ(r.pairs.size(), n / 10 - 1);
  EXPECT_LE(r.stats.peak_bytes, 32 * n);
  EXPECT_GE(r.stats.peak_bytes, 16 * n);  // the band's words and the sort's scratch
}

TEST(LshBatch, InvalidInput) {
  internal::SplitMix64 rng(7);
  std::vector<MinHashSignature> sigs = {RandomSignature(rng), RandomSignature(rng)};
  EXPECT_EQ(GenerateLshCandidates(sigs, {.banding = {10, 13}}).status().message(),
            "LSH banding b x r = 10 x 13 = 130 needs more than the k = 128 MinHash values");
  EXPECT_EQ(GenerateLshCandidates(sigs, {.banding = kBanding, .max_clique_run = 1}).status().message(),
            "max_clique_run must be at least 2, got 1");
  EXPECT_EQ(GenerateLshCandidates(sigs, {.banding = kBanding, .verify_threshold = 1.0}).status().message(),
            "verify_threshold must be in [0, 1), got 1");
  sigs[1].params.seed = 9;
  EXPECT_EQ(GenerateLshCandidates(sigs, {.banding = kBanding}).status().message(),
            "signature 1: MinHash parameters differ from signature 0's: expected oph k=128 seed=1, got oph "
            "k=128 seed=9");
  sigs[1].params.seed = 1;
  sigs[1].values.pop_back();
  EXPECT_EQ(GenerateLshCandidates(sigs, {.banding = kBanding}).status().message(),
            "signature 1 has 127 values, expected 128");
  const std::vector<uint32_t> values(300);
  EXPECT_EQ(
      GenerateLshCandidates(MinHashMatrixView{kParams, values, {}}, {.banding = kBanding}).status().message(),
      "matrix has 300 values, not a multiple of k = 128");
  const std::vector<uint32_t> two(256);
  const std::vector<uint8_t> flags(3);
  EXPECT_EQ(
      GenerateLshCandidates(MinHashMatrixView{kParams, two, flags}, {.banding = kBanding}).status().message(),
      "matrix has 2 rows but 3 empty flags");
  EXPECT_TRUE(GenerateLshCandidates(std::vector<MinHashSignature>{}, {.banding = kBanding})->pairs.empty());
}

}  // namespace
}  // namespace neardup
