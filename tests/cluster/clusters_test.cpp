#include "neardup/cluster/clusters.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "neardup/cluster/union_find.hpp"

namespace neardup {
namespace {

TEST(UnionFindTest, RootIsSmallestIndexWhateverTheOrder) {
  std::vector<std::pair<uint32_t, uint32_t>> edges = {{5, 9}, {9, 2}, {7, 8}, {2, 4}, {8, 3}};
  for (int round = 0; round < 20; ++round) {
    std::mt19937 rng(round);
    std::shuffle(edges.begin(), edges.end(), rng);
    UnionFind uf(10);
    for (auto [a, b] : edges) uf.Union(round % 2 ? a : b, round % 2 ? b : a);
    EXPECT_EQ(uf.Find(9), 2u);
    EXPECT_EQ(uf.Find(5), 2u);
    EXPECT_EQ(uf.Find(4), 2u);
    EXPECT_EQ(uf.Find(8), 3u);
    EXPECT_EQ(uf.Find(7), 3u);
    EXPECT_EQ(uf.Find(0), 0u);
  }
}

// A table of similarities between documents; missing pairs are 0.
struct SimTable {
  std::map<std::pair<uint32_t, uint32_t>, double> s;
  void Set(uint32_t a, uint32_t b, double v) { s[{std::min(a, b), std::max(a, b)}] = v; }
  double operator()(uint32_t a, uint32_t b) const {
    auto it = s.find({std::min(a, b), std::max(a, b)});
    return it == s.end() ? 0.0 : it->second;
  }
};

TEST(VerifyPairsTest, NormalizesDeduplicatesAndFilters) {
  SimTable sim;
  sim.Set(0, 1, 0.9);
  sim.Set(1, 2, 0.5);
  sim.Set(3, 4, 0.8);
  const auto verified = VerifyPairs({{1, 0}, {0, 1}, {2, 1}, {4, 3}, {2, 2}}, 0.8, sim, 2);
  ASSERT_EQ(verified.size(), 2u);
  EXPECT_EQ(verified[0], (ScoredPair{0, 1, 0.9f}));
  EXPECT_EQ(verified[1], (ScoredPair{3, 4, 0.8f}));
}

TEST(BuildClustersTest, ChainIsSplitByDefault) {
  // 0 ~ 1 ~ 2 with 0 far from 2: a false-positive chain.
  SimTable sim;
  sim.Set(0, 1, 0.85);
  sim.Set(1, 2, 0.85);
  sim.Set(0, 2, 0.6);
  const auto verified = VerifyPairs({{0, 1}, {1, 2}, {0, 2}}, 0.8, sim);
  const std::vector<uint32_t> rank = {0, 1, 2};
  const auto star = BuildClusters(3, verified, rank, {.threshold = 0.8}, sim);
  ASSERT_EQ(star.size(), 1u);
  EXPECT_EQ(star[0].representative, 0u);
  ASSERT_EQ(star[0].members.size(), 2u);  // 2 is not within 0.8 of 0: left out
  EXPECT_EQ(star[0].members[1].doc, 1u);
  EXPECT_FLOAT_EQ(star[0].members[1].similarity, 0.85f);

  const auto connected =
      BuildClusters(3, verified, rank, {.threshold = 0.8, .policy = ClusterPolicy::kConnected}, sim);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].members.size(), 3u);
}

TEST(BuildClustersTest, LongChainBecomesSeveralClustersAllWithinThreshold) {
  // 0 ~ 1 ~ 2 ~ 3 ~ 4 ~ 5, each only close to its neighbours.
  SimTable sim;
  for (uint32_t i = 0; i + 1 < 6; ++i) sim.Set(i, i + 1, 0.9);
  std::vector<std::pair<uint32_t, uint32_t>> cand;
  for (uint32_t i = 0; i + 1 < 6; ++i) cand.push_back({i, i + 1});
  const auto verified = VerifyPairs(cand, 0.8, sim);
  const std::vector<uint32_t> rank = {0, 1, 2, 3, 4, 5};
  const auto clusters = BuildClusters(6, verified, rank, {.threshold = 0.8}, sim);
  ASSERT_EQ(clusters.size(), 3u);
  for (const auto& c : clusters) {
    for (const auto& m : c.members) {
      if (m.doc != c.representative) {
        EXPECT_GE(sim(m.doc, c.representative), 0.8);
      }
    }
  }
  EXPECT_EQ(clusters[0].representative, 0u);
  EXPECT_EQ(clusters[1].representative, 2u);
  EXPECT_EQ(clusters[2].representative, 4u);
}

TEST(KeepRanksTest, Rules) {
  const std::vector<std::string> ids = {"c", "a", "b", "a2"};
  const std::vector<uint64_t> bytes = {10, 30, 30, 5};
  EXPECT_EQ(KeepRanks(KeepRule::kFirst, ids, bytes, 4), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(KeepRanks(KeepRule::kLongest, ids, bytes, 4), (std::vector<uint32_t>{2, 0, 1, 3}));
  EXPECT_EQ(KeepRanks(KeepRule::kEarliestId, ids, bytes, 4), (std::vector<uint32_t>{3, 0, 2, 1}));
  EXPECT_EQ(ParseKeepRule("longest").value(), KeepRule::kLongest);
  EXPECT_EQ(ParseKeepRule("biggest").status().message(),
            "unknown keep rule 'biggest': expected first, longest or earliest-id");
}

TEST(BuildClustersTest, RepresentativeFollowsKeepRuleAndOutputIsOrderIndependent) {
  SimTable sim;
  sim.Set(0, 1, 0.9);
  sim.Set(0, 2, 0.95);
  sim.Set(1, 2, 0.9);
  sim.Set(5, 6, 1.0);
  std::vector<std::pair<uint32_t, uint32_t>> cand = {{0, 1}, {0, 2}, {1, 2}, {5, 6}};
  const std::vector<std::string> ids = {"z", "y", "b", "q", "r", "d", "c"};
  const std::vector<uint64_t> bytes = {1, 9, 5, 1, 1, 3, 3};
  const auto rank = KeepRanks(KeepRule::kLongest, ids, bytes, 7);
  const auto first = BuildClusters(7, VerifyPairs(cand, 0.8, sim), rank, {}, sim);
  std::reverse(cand.begin(), cand.end());
  const auto second = BuildClusters(7, VerifyPairs(cand, 0.8, sim, 4), rank, {}, sim);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].representative, 1u);  // the longest of {0, 1, 2}
  EXPECT_EQ(first[1].representative, 5u);  // tie on length: input order
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].representative, second[i].representative);
    ASSERT_EQ(first[i].members.size(), second[i].members.size());
    for (size_t m = 0; m < first[i].members.size(); ++m) {
      EXPECT_EQ(first[i].members[m].doc, second[i].members[m].doc);
    }
  }
}

}  // namespace
}  // namespace neardup
