#include "neardup/index/simhash_index.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace {

using ::neardup::FindSimHashPairs;
using ::neardup::SimHashIndex;
using ::neardup::SimHashIndexOptions;
using ::neardup::SimHashMatch;
using ::neardup::SimHashPair;
using ::neardup::SimHashPairsOptions;
using ::neardup::SimHashPlan;

constexpr int kFarthestPlanted = 10;  // d + 3 for the largest d tested, 7

int Distance(uint64_t a, uint64_t b) { return std::popcount(a ^ b); }

// fp with exactly k distinct random bits flipped.
uint64_t FlipBits(uint64_t fp, int k, std::mt19937_64& rng) {
  uint64_t mask = 0;
  while (std::popcount(mask) < k) mask |= uint64_t{1} << (rng() % 64);
  return fp ^ mask;
}

// 20k fingerprints: random ones; near copies of them planted at every distance
// 0..kFarthestPlanted; clusters of variants around shared centers, whose members are
// pairwise near; and a run of fingerprints equal on their high 40 bits, which share
// the keys of many tables without being near. Shuffled with a fixed seed.
std::vector<uint64_t> MakeFingerprints() {
  std::mt19937_64 rng(20070508);
  std::vector<uint64_t> fps;
  for (int i = 0; i < 12000; ++i) fps.push_back(rng());
  for (int i = 0; i < 5500; ++i) {
    fps.push_back(FlipBits(fps[rng() % 12000], i % (kFarthestPlanted + 1), rng));
  }
  for (int c = 0; c < 200; ++c) {
    const uint64_t center = rng();
    for (int v = 0; v < 10; ++v) fps.push_back(FlipBits(center, static_cast<int>(rng() % 5), rng));
  }
  const uint64_t high = rng() & ~uint64_t{0xFFFFFF};
  for (int i = 0; i < 500; ++i) fps.push_back(high | (rng() & 0xFFFFFF));
  std::shuffle(fps.begin(), fps.end(), rng);
  return fps;
}

// The popcount instruction makes the 2e8 comparisons below ~5x faster; the library
// itself is built for baseline x86-64 and does without it. Not under ThreadSanitizer:
// its ifunc resolver would run before the sanitizer's runtime is up.
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define NEARDUP_TEST_POPCNT __attribute__((target_clones("popcnt", "default")))
#else
#define NEARDUP_TEST_POPCNT
#endif

// All pairs within kFarthestPlanted, by comparing every pair, sorted by (i, j).
NEARDUP_TEST_POPCNT std::vector<SimHashPair> BruteForcePairs(const std::vector<uint64_t>& fps) {
  std::vector<SimHashPair> out;
  const size_t n = fps.size();
  for (size_t i = 0; i < n; ++i) {
    const uint64_t a = fps[i];
    for (size_t j = i + 1; j < n; ++j) {
      const int d = std::popcount(a ^ fps[j]);
      if (d <= kFarthestPlanted) {
        out.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j), d});
      }
    }
  }
  return out;
}

std::vector<SimHashPair> WithinDistance(const std::vector<SimHashPair>& pairs, int d) {
  std::vector<SimHashPair> out;
  for (const SimHashPair& p : pairs) {
    if (p.distance <= d) out.push_back(p);
  }
  return out;
}

// Built at most once per test process; the brute force is the slow part.
const std::vector<uint64_t>& Fingerprints() {
  static const auto* fps = new std::vector<uint64_t>(MakeFingerprints());
  return *fps;
}

const std::vector<SimHashPair>& Truth() {
  static const auto* truth = new std::vector<SimHashPair>(BruteForcePairs(Fingerprints()));
  return *truth;
}

TEST(SimHashPlanTest, BlocksAndKeysForDistanceThree) {
  const SimHashPlan plan = *SimHashPlan::Create(3, 5);
  ASSERT_EQ(plan.num_tables(), 10);  // C(5, 3)
  // Blocks of 13, 13, 13, 13, 12 bits; tables key on two of them, in lexicographic order.
  EXPECT_EQ(plan.blocks(0), 0b00011u);
  EXPECT_EQ(plan.key_bits(0), 26);
  EXPECT_EQ(plan.blocks(9), 0b11000u);
  EXPECT_EQ(plan.key_bits(9), 25);
  // Table 9's key is blocks 3 (bits 39..51) and 4 (bits 52..63), in that order.
  const uint64_t fp = 0x0123456789abcdefULL;
  const uint64_t expected_key = (((fp >> 39) & 0x1FFF) << 12) | (fp >> 52);
  EXPECT_EQ(plan.Permute(9, fp) >> (64 - 25), expected_key);
}

TEST(SimHashPlanTest, PermutationsKeepDistancesAndExactlyOneTableOwnsEachNearPair) {
  std::mt19937_64 rng(7);
  for (const auto& [d, b] : {std::pair{0, 1},
                             {0, 6},
                             {1, 2},
                             {2, 7},
                             {3, 4},
                             {3, 6},
                             {4, 9},
                             {7, 8},
                             {7, 11},
                             {2, 64}}) {
    const SimHashPlan plan = *SimHashPlan::Create(d, b);
    for (int trial = 0; trial < 40; ++trial) {
      const uint64_t a = rng();
      const uint64_t near = FlipBits(a, static_cast<int>(rng() % (d + 1)), rng);
      int owners = 0;
      for (int t = 0; t < plan.num_tables(); ++t) {
        ASSERT_EQ(Distance(plan.Permute(t, a), plan.Permute(t, near)), Distance(a, near));
        for (const int bits : {1, 7, plan.key_bits(t), 64}) {
          ASSERT_EQ(plan.KeyPrefix(t, a, bits), plan.Permute(t, a) >> (64 - bits)) << bits;
        }
        if (plan.Owns(t, a ^ near)) {
          ++owners;
          // The owner's key is shared, so the pair meets in that table.
          const int shift = 64 - plan.key_bits(t);
          ASSERT_EQ(plan.Permute(t, a) >> shift, plan.Permute(t, near) >> shift);
        }
      }
      ASSERT_EQ(owners, 1) << "d=" << d << " B=" << b << " x=" << (a ^ near);
    }
  }
}

TEST(SimHashPlanTest, RejectsBadParameters) {
  EXPECT_EQ(SimHashPlan::Create(8, 9).status(),
            absl::InvalidArgumentError("max_distance must be in [0, 7], got 8"));
  EXPECT_EQ(SimHashPlan::Create(-1, 2).status(),
            absl::InvalidArgumentError("max_distance must be in [0, 7], got -1"));
  EXPECT_EQ(SimHashPlan::Create(3, 3).status(),
            absl::InvalidArgumentError("num_blocks must be in [4, 64] for max_distance 3, got 3"));
  EXPECT_EQ(SimHashPlan::Create(3, 65).status(),
            absl::InvalidArgumentError("num_blocks must be in [4, 64] for max_distance 3, got 65"));
  EXPECT_EQ(SimHashPlan::Create(7, 20).status(),
            absl::InvalidArgumentError("num_blocks 20 with max_distance 7 needs C(20, 7) = 77520 "
                                       "tables, more than the limit 4096"));
}

TEST(ChooseSimHashBlocksTest, KnownChoices) {
  using neardup::ChooseSimHashBlocks;
  using neardup::SimHashWorkload;
  EXPECT_EQ(*ChooseSimHashBlocks(3, 20000, SimHashWorkload::kBatch), 4);
  EXPECT_EQ(*ChooseSimHashBlocks(3, 1000000, SimHashWorkload::kBatch), 4);
  EXPECT_EQ(*ChooseSimHashBlocks(3, 10000000, SimHashWorkload::kBatch), 5);
  EXPECT_EQ(*ChooseSimHashBlocks(7, 1000000, SimHashWorkload::kBatch), 9);
  EXPECT_EQ(*ChooseSimHashBlocks(3, 100000, SimHashWorkload::kStreaming), 4);
  EXPECT_EQ(*ChooseSimHashBlocks(3, 20000, SimHashWorkload::kStreaming), 4);
  EXPECT_EQ(*ChooseSimHashBlocks(3, 1000000, SimHashWorkload::kStreaming), 5);
  // d = 0 has one table whatever B is: the smallest B is taken.
  EXPECT_EQ(*ChooseSimHashBlocks(0, 1000000, SimHashWorkload::kBatch), 1);
}

TEST(ChooseSimHashBlocksTest, RefusesDistancesOutOfRangeInsteadOfClamping) {
  using neardup::ChooseSimHashBlocks;
  using neardup::SimHashWorkload;
  absl::StatusOr<int> b = ChooseSimHashBlocks(9, 1000, SimHashWorkload::kBatch);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(), "max_distance must be in [0, 7], got 9");
  b = ChooseSimHashBlocks(-1, 1000, SimHashWorkload::kStreaming);
  EXPECT_EQ(b.status().message(), "max_distance must be in [0, 7], got -1");
}

TEST(FindSimHashPairsTest, KnownAnswer) {
  const std::vector<uint64_t> fps = {0, 1, 3, 0xFF, 0, ~uint64_t{0}};
  const std::vector<SimHashPair> expected = {{0, 1, 1}, {0, 2, 2}, {0, 4, 0},
                                             {1, 2, 1}, {1, 4, 1}, {2, 4, 2}};
  EXPECT_EQ(*FindSimHashPairs(fps, {.max_distance = 2}), expected);
  EXPECT_THAT(*FindSimHashPairs(fps, {.max_distance = 0}),
              ::testing::ElementsAre(SimHashPair{0, 4, 0}));
  EXPECT_TRUE(FindSimHashPairs(std::vector<uint64_t>{}, {})->empty());
  EXPECT_TRUE(FindSimHashPairs(std::vector<uint64_t>{5}, {})->empty());
}

TEST(FindSimHashPairsTest, RejectsBadParameters) {
  const std::vector<uint64_t> fps = {1, 2, 3};
  EXPECT_EQ(FindSimHashPairs(fps, {.max_distance = 8}).status(),
            absl::InvalidArgumentError("max_distance must be in [0, 7], got 8"));
  EXPECT_EQ(FindSimHashPairs(fps, {.max_distance = 2, .num_blocks = 2}).status(),
            absl::InvalidArgumentError("num_blocks must be in [3, 64] for max_distance 2, got 2"));
  EXPECT_EQ(FindSimHashPairs(fps, {.num_blocks = -4}).status(),
            absl::InvalidArgumentError("num_blocks must be 0 (automatic) or positive, got -4"));
}

TEST(SimHashPairsTest, DataHasPairsAtEveryDistance) {
  const std::vector<SimHashPair>& truth = Truth();
  std::vector<int> per_distance(kFarthestPlanted + 1);
  for (const SimHashPair& p : truth) ++per_distance[p.distance];
  for (int d = 0; d <= kFarthestPlanted; ++d) EXPECT_GE(per_distance[d], 300) << "distance " << d;
}

TEST(SimHashPairsTest, EqualsBruteForce) {
  const std::vector<uint64_t>& fps = Fingerprints();
  const std::vector<SimHashPair>& truth = Truth();
  for (const int d : {0, 1, 2, 3, 4, 7}) {
    const std::vector<SimHashPair> expected = WithinDistance(truth, d);
    const std::vector<SimHashPair> found = *FindSimHashPairs(fps, {.max_distance = d});
    // Equal as sorted lists: recall 1.0, nothing beyond d, each pair once, right distance.
    ASSERT_EQ(found.size(), expected.size()) << "d=" << d;
    EXPECT_TRUE(found == expected) << "d=" << d;
  }
}

TEST(SimHashPairsTest, AnyBlockCountGivesTheSamePairs) {
  const std::vector<uint64_t>& fps = Fingerprints();
  const std::vector<SimHashPair>& truth = Truth();
  const std::vector<SimHashPair> expected = WithinDistance(truth, 3);
  for (const int b : {4, 5, 6, 7, 9}) {
    EXPECT_TRUE(*FindSimHashPairs(fps, {.max_distance = 3, .num_blocks = b}) == expected)
        << "B=" << b;
  }
  const std::vector<SimHashPair> duplicates = WithinDistance(truth, 0);
  for (const int b : {1, 3, 64}) {
    EXPECT_TRUE(*FindSimHashPairs(fps, {.max_distance = 0, .num_blocks = b}) == duplicates)
        << "B=" << b;
  }
}

TEST(SimHashPairsTest, DeterministicForAnyThreadCount) {
  const std::vector<uint64_t>& fps = Fingerprints();
  const std::vector<SimHashPair> once = *FindSimHashPairs(fps, {.max_distance = 4});
  EXPECT_TRUE(*FindSimHashPairs(fps, {.max_distance = 4}) == once);
  for (const unsigned threads : {0u, 2u, 3u, 8u}) {
    EXPECT_TRUE(*FindSimHashPairs(fps, {.max_distance = 4, .num_threads = threads}) == once)
        << threads << " threads";
  }
}

// What a SimHashIndex must answer: every held id within d, sorted by (distance, id).
std::vector<SimHashMatch> BruteForceQuery(const SimHashIndex& index, uint64_t fp, int d) {
  std::vector<SimHashMatch> out;
  for (size_t s = 0; s < index.size(); ++s) {
    const int dist = Distance(index.fingerprints()[s], fp);
    if (dist <= d) out.push_back({index.ids()[s], dist});
  }
  std::sort(out.begin(), out.end(), [](const SimHashMatch& a, const SimHashMatch& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  return out;
}

// Ids far from positions, so that sorting by id and by position differ.
uint64_t IdOf(size_t i) { return (i * 0x9E3779B97F4A7C15ULL) ^ 0xabcdef; }

// Queries near held fingerprints (at distance 0..max_d+1 from one) and a few random
// ones, each at every distance up to max_d, against brute force.
void ExpectQueriesMatchBruteForce(const SimHashIndex& index, int num_queries, uint64_t seed) {
  const int max_d = index.options().max_distance;
  std::mt19937_64 rng(seed);
  int nonempty = 0;
  std::vector<SimHashMatch> got;
  for (int q = 0; q < num_queries; ++q) {
    const std::span<const uint64_t> held = index.fingerprints();
    const uint64_t fp =
        q % 10 == 9 ? rng() : FlipBits(held[rng() % held.size()], q % (max_d + 2), rng);
    for (int d = 0; d <= max_d; ++d) {
      ASSERT_TRUE(index.Query(fp, d, &got).ok());
      const std::vector<SimHashMatch> expected = BruteForceQuery(index, fp, d);
      ASSERT_EQ(got, expected) << "query " << q << " d=" << d;
      if (d == max_d) nonempty += !expected.empty();
    }
  }
  EXPECT_GE(nonempty, num_queries / 3);
}

TEST(SimHashIndexTest, QueryEqualsBruteForceWhileGrowing) {
  const std::vector<uint64_t>& fps = Fingerprints();
  SimHashIndex index = *SimHashIndex::Create({.max_distance = 3});
  size_t inserted = 0;
  for (const size_t upto : {size_t{100}, size_t{1000}, fps.size()}) {
    for (; inserted < upto; ++inserted) {
      ASSERT_TRUE(index.Insert(IdOf(inserted), fps[inserted]).ok());
    }
    ASSERT_EQ(index.size(), upto);
    ExpectQueriesMatchBruteForce(index, 100, upto);
  }
  EXPECT_EQ(index.plan().num_blocks(),
            *neardup::ChooseSimHashBlocks(3, 32768, neardup::SimHashWorkload::kStreaming));
}

TEST(SimHashIndexTest, EveryDistanceAndBlockCount) {
  const std::vector<uint64_t> fps(Fingerprints().begin(), Fingerprints().begin() + 5000);
  std::vector<uint64_t> ids;
  for (size_t i = 0; i < fps.size(); ++i) ids.push_back(IdOf(i));
  for (const auto& [d, b] : {std::pair{0, 0}, {1, 0}, {2, 0}, {4, 0}, {7, 0}, {3, 6}, {7, 8}}) {
    SimHashIndex index = *SimHashIndex::Build({.max_distance = d, .num_blocks = b}, ids, fps);
    if (b != 0) {
      EXPECT_EQ(index.plan().num_blocks(), b);
    }
    ExpectQueriesMatchBruteForce(index, 60, 100 + d);
  }
}

TEST(SimHashIndexTest, RemoveAndReinsert) {
  const std::vector<uint64_t>& fps = Fingerprints();
  SimHashIndex index = *SimHashIndex::Create({.max_distance = 3});
  const size_t n = 8000;
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(index.Insert(IdOf(i), fps[i]).ok());
  for (size_t i = 0; i < n; i += 3) ASSERT_TRUE(index.Remove(IdOf(i)).ok());
  EXPECT_EQ(index.size(), n - (n + 2) / 3);
  EXPECT_FALSE(index.Contains(IdOf(0)));
  EXPECT_FALSE(index.Fingerprint(IdOf(3)).has_value());
  EXPECT_EQ(index.Fingerprint(IdOf(4)), fps[4]);
  for (size_t i = 0; i < n; i += 3) {
    // Nothing removed comes back from a query for its own fingerprint.
    const std::vector<SimHashMatch> same = *index.Query(fps[i], 0);
    for (const SimHashMatch& m : same) ASSERT_NE(m.id, IdOf(i));
  }
  ExpectQueriesMatchBruteForce(index, 200, 1);

  EXPECT_EQ(index.Remove(IdOf(0)),
            absl::NotFoundError(absl::StrCat("id ", IdOf(0), " is not in the index")));
  EXPECT_EQ(index.Insert(IdOf(1), 42),
            absl::AlreadyExistsError(absl::StrCat("id ", IdOf(1), " is already in the index")));
  ASSERT_TRUE(index.Insert(IdOf(0), 0xF0F0).ok());
  EXPECT_THAT(*index.Query(0xF0F1, 1), ::testing::Contains(SimHashMatch{IdOf(0), 1}));

  // Down to empty and back.
  for (const uint64_t id : std::vector<uint64_t>(index.ids().begin(), index.ids().end())) {
    ASSERT_TRUE(index.Remove(id).ok());
  }
  EXPECT_TRUE(index.empty());
  EXPECT_TRUE(index.Query(fps[1], 3)->empty());
  ASSERT_TRUE(index.Insert(5, fps[1]).ok());
  EXPECT_THAT(*index.Query(fps[1], 3), ::testing::ElementsAre(SimHashMatch{5, 0}));
}

TEST(SimHashIndexTest, ReserveSizesTablesUpFront) {
  const std::vector<uint64_t>& fps = Fingerprints();
  SimHashIndex index = *SimHashIndex::Create({.max_distance = 3});
  for (size_t i = 0; i < 50; ++i) ASSERT_TRUE(index.Insert(IdOf(i), fps[i]).ok());
  index.Reserve(300000);
  EXPECT_EQ(index.plan().num_blocks(), 5);  // the streaming choice for 2^19 entries
  for (size_t i = 50; i < 3000; ++i) ASSERT_TRUE(index.Insert(IdOf(i), fps[i]).ok());
  EXPECT_EQ(index.plan().num_blocks(), 5);
  ExpectQueriesMatchBruteForce(index, 100, 9);
}

TEST(SimHashIndexTest, BuildFromStoredArraysAnswersTheSame) {
  const std::vector<uint64_t>& fps = Fingerprints();
  SimHashIndex index = *SimHashIndex::Create({.max_distance = 2});
  for (size_t i = 0; i < 6000; ++i) ASSERT_TRUE(index.Insert(IdOf(i), fps[i]).ok());
  for (size_t i = 0; i < 6000; i += 7) ASSERT_TRUE(index.Remove(IdOf(i)).ok());
  const SimHashIndex loaded =
      *SimHashIndex::Build(index.options(), index.ids(), index.fingerprints());
  std::mt19937_64 rng(3);
  for (int q = 0; q < 300; ++q) {
    const uint64_t fp = FlipBits(fps[rng() % 6000], q % 3, rng);
    ASSERT_EQ(*loaded.Query(fp, 2), *index.Query(fp, 2));
  }
}

TEST(SimHashIndexErrorsTest, RejectsBadParameters) {
  EXPECT_EQ(SimHashIndex::Create({.max_distance = 8}).status(),
            absl::InvalidArgumentError("max_distance must be in [0, 7], got 8"));
  EXPECT_EQ(SimHashIndex::Create({.max_distance = 3, .num_blocks = 2}).status(),
            absl::InvalidArgumentError("num_blocks must be in [4, 64] for max_distance 3, got 2"));
  SimHashIndex index = *SimHashIndex::Create({.max_distance = 3});
  EXPECT_EQ(index.Query(1, 4).status(),
            absl::InvalidArgumentError(
                "query distance must be in [0, 3] (the index's max_distance), got 4"));
  EXPECT_EQ(index.Query(1, -1).status(),
            absl::InvalidArgumentError(
                "query distance must be in [0, 3] (the index's max_distance), got -1"));
  const std::vector<uint64_t> ids = {1, 2, 1}, fps = {10, 20, 30};
  EXPECT_EQ(SimHashIndex::Build({}, ids, std::vector<uint64_t>{10}).status(),
            absl::InvalidArgumentError("Build got 3 ids but 1 fingerprints"));
  EXPECT_EQ(SimHashIndex::Build({}, ids, fps).status(),
            absl::InvalidArgumentError("duplicate id 1 at positions 0 and 2"));
}

}  // namespace
