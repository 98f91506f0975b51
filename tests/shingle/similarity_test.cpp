#include "neardup/shingle/similarity.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "neardup/shingle/shingle.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(MakeShingleSet, SortsAndRemovesRepeats) {
  EXPECT_THAT(MakeShingleSet({5, 3, 5, 1, 3, 9}), ElementsAre(1, 3, 5, 9));
  EXPECT_THAT(MakeShingleSet({}), IsEmpty());
  EXPECT_THAT(MakeShingleSet({~0ULL, 0, ~0ULL}), ElementsAre(0, ~0ULL));
}

TEST(ExactJaccard, KnownAnswers) {
  const std::vector<uint64_t> a = {1, 2, 3, 4};
  const std::vector<uint64_t> b = {3, 4, 5, 6};
  const std::vector<uint64_t> c = {7, 8};
  EXPECT_EQ(IntersectionSize(a, b), 2u);
  EXPECT_DOUBLE_EQ(ExactJaccard(a, b), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(ExactJaccard(b, a), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(ExactJaccard(a, a), 1.0);
  EXPECT_DOUBLE_EQ(ExactJaccard(a, c), 0.0);
  EXPECT_DOUBLE_EQ(ExactJaccard(std::vector<uint64_t>{1, 2, 3}, std::vector<uint64_t>{2}), 1.0 / 3.0);
}

TEST(ExactJaccard, EmptySetsAreNeverDuplicates) {
  const std::vector<uint64_t> empty;
  const std::vector<uint64_t> a = {1};
  EXPECT_DOUBLE_EQ(ExactJaccard(empty, empty), 0.0);
  EXPECT_DOUBLE_EQ(ExactJaccard(empty, a), 0.0);
  EXPECT_DOUBLE_EQ(ExactJaccard(a, empty), 0.0);
}

TEST(Containment, KnownAnswers) {
  const std::vector<uint64_t> small = {1, 2};
  const std::vector<uint64_t> big = {1, 2, 3};
  const std::vector<uint64_t> other = {2, 9, 10, 11};
  EXPECT_DOUBLE_EQ(Containment(small, big), 1.0);
  EXPECT_DOUBLE_EQ(Containment(big, small), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(Containment(other, big), 0.25);
  EXPECT_DOUBLE_EQ(Containment(std::vector<uint64_t>{}, big), 0.0);
  EXPECT_DOUBLE_EQ(Containment(big, std::vector<uint64_t>{}), 0.0);
}

TEST(ExactJaccard, SyntheticPairsHaveTheirConstructedSimilarity) {
  for (const size_t shared : {0u, 1u, 100u, 500u, 999u, 1000u}) {
    const auto p = neardup_test::MakeSetPair(1000, shared, shared + 1);
    const auto a = MakeShingleSet(p.a);
    const auto b = MakeShingleSet(p.b);
    EXPECT_EQ(IntersectionSize(a, b), shared);
    EXPECT_DOUBLE_EQ(ExactJaccard(a, b), static_cast<double>(shared) / 1000.0);
  }
}

TEST(ExactJaccard, MatchesStdSetOnRandomSets) {
  std::mt19937_64 rng(3);
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<uint64_t> a(rng() % 50), b(rng() % 50);
    for (auto& v : a) v = rng() % 64;
    for (auto& v : b) v = rng() % 64;
    const std::set<uint64_t> sa(a.begin(), a.end()), sb(b.begin(), b.end());
    size_t inter = 0;
    for (const uint64_t v : sa) inter += sb.count(v);
    const auto ma = MakeShingleSet(a), mb = MakeShingleSet(b);
    ASSERT_EQ(IntersectionSize(ma, mb), inter);
    if (!sa.empty() && !sb.empty()) {
      ASSERT_DOUBLE_EQ(ExactJaccard(ma, mb),
                       static_cast<double>(inter) / static_cast<double>(sa.size() + sb.size() - inter));
      ASSERT_DOUBLE_EQ(Containment(ma, mb), static_cast<double>(inter) / static_cast<double>(sa.size()));
    }
  }
}

TEST(ExactJaccard, WordShinglesOfText) {
  // Unigram sets {a b c d e} and {c d e f}: 3 shared of 6.
  Shingler sh({.kind = ShingleKind::kWord, .n = 1, .seed = 0});
  const auto a = MakeShingleSet(sh.Shingle("a b c d e a b"));
  const auto b = MakeShingleSet(sh.Shingle("c d e f"));
  EXPECT_EQ(a.size(), 5u);
  EXPECT_DOUBLE_EQ(ExactJaccard(a, b), 0.5);
  EXPECT_DOUBLE_EQ(Containment(b, a), 0.75);
  // Bigrams of "a b c d" vs "b c d e": {ab bc cd} vs {bc cd de} share 2 of 4.
  Shingler bi({.kind = ShingleKind::kWord, .n = 2, .seed = 0});
  EXPECT_DOUBLE_EQ(ExactJaccard(MakeShingleSet(bi.Shingle("a b c d")), MakeShingleSet(bi.Shingle("b c d e"))),
                   0.5);
}

}  // namespace
}  // namespace neardup
