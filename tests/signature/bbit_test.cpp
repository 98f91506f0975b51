#include "neardup/signature/bbit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "neardup/signature/minhash.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

constexpr uint32_t kWidths[] = {1, 2, 4, 8, 16, 32};
constexpr MinHashAlgorithm kAlgorithms[] = {MinHashAlgorithm::kClassic,
                                            MinHashAlgorithm::kOnePermutation};
constexpr double kJaccards[] = {0.1, 0.3, 0.5, 0.8, 0.9, 0.95};

MinHashParams Params(MinHashAlgorithm a, uint32_t k, uint64_t seed) {
  return {.algorithm = a, .num_perm = k, .seed = seed};
}

// The b-bit estimator without clamping to [0, 1], from the raw match count.
double RawEstimate(const BBitSignature& a, const BBitSignature& b) {
  const double m = static_cast<double>(CountBBitMatches(a, b)) / a.params.num_perm;
  const double r = std::ldexp(1.0, -static_cast<int>(a.bits));
  return (m - r) / (1 - r);
}

// Standard error of the b-bit estimate: sqrt(P (1 - P) / k) / (1 - r), with
// P = J + (1 - J) r the probability that two b-bit values match.
double BBitStandardError(double j, uint32_t b, uint32_t k) {
  const double r = std::ldexp(1.0, -static_cast<int>(b));
  const double p = j + (1 - j) * r;
  return std::sqrt(p * (1 - p) / k) / (1 - r);
}

TEST(BBit, InvalidWidthRejectedWithMessage) {
  MinHasher mh;
  const auto sig = mh.Sign(std::vector<uint64_t>{1, 2, 3});
  for (const uint32_t b : {0u, 3u, 5u, 7u, 12u, 31u, 33u, 64u}) {
    const auto r = CompressBBit(sig, b);
    ASSERT_FALSE(r.ok()) << b;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "b-bit width must be 1, 2, 4, 8, 16 or 32, got " + std::to_string(b));
    EXPECT_FALSE(IsValidBBitWidth(b));
  }
  for (const uint32_t b : kWidths) EXPECT_TRUE(IsValidBBitWidth(b));
}

TEST(BBit, PackUnpackRoundTrip) {
  const auto values = neardup_test::DistinctRandomValues(400, 31);
  for (const uint32_t k : {1u, 7u, 63u, 64u, 100u, 128u, 256u}) {
    MinHasher mh(Params(MinHashAlgorithm::kOnePermutation, k, 3));
    const MinHashSignature sig = mh.Sign(values);
    for (const uint32_t b : kWidths) {
      SCOPED_TRACE("k=" + std::to_string(k) + " b=" + std::to_string(b));
      const auto packed = CompressBBit(sig, b);
      ASSERT_TRUE(packed.ok());
      EXPECT_EQ(packed->bits, b);
      EXPECT_EQ(packed->params, sig.params);
      EXPECT_FALSE(packed->empty);
      EXPECT_EQ(packed->words.size(), (static_cast<size_t>(k) * b + 63) / 64);
      const uint64_t mask = b == 32 ? 0xffffffffULL : (1ULL << b) - 1;
      for (uint32_t i = 0; i < k; ++i) {
        ASSERT_EQ(packed->Value(i), sig.values[i] & mask) << i;
      }
      // Padding bits past the last value stay zero (the match count relies on it).
      const size_t used = static_cast<size_t>(k) * b;
      if (used % 64 != 0) {
        EXPECT_EQ(packed->words.back() >> (used % 64), 0u);
      }
      EXPECT_EQ(CountBBitMatches(*packed, *packed), k);
      EXPECT_EQ(*EstimateJaccard(*packed, *packed), 1.0);
    }
  }
}

TEST(BBit, ThirtyTwoBitsMatchesFullMinHash) {
  const auto p = neardup_test::MakeSetPair(600, 300, 8);
  MinHasher mh(Params(MinHashAlgorithm::kClassic, 128, 4));
  const auto a = mh.Sign(p.a), b = mh.Sign(p.b);
  const auto pa = CompressBBit(a, 32), pb = CompressBBit(b, 32);
  EXPECT_EQ(CountBBitMatches(*pa, *pb), CountMatches(a.values, b.values));
}

TEST(BBit, ZeroGroupsCountsAllZeroGroups) {
  EXPECT_EQ(internal::ZeroGroups(0, 1), 64u);
  EXPECT_EQ(internal::ZeroGroups(~0ULL, 1), 0u);
  EXPECT_EQ(internal::ZeroGroups(0x8000000000000001ULL, 32), 0u);
  EXPECT_EQ(internal::ZeroGroups(0x0000000100000000ULL, 32), 1u);
  EXPECT_EQ(internal::ZeroGroups(0x00000000000000f0ULL, 4), 15u);
  EXPECT_EQ(internal::ZeroGroups(0x8000000000000000ULL, 16), 3u);
  EXPECT_EQ(internal::ZeroGroups(0x0101010101010101ULL, 8), 0u);
  EXPECT_EQ(internal::ZeroGroups(0x0101010101010101ULL, 2), 24u);
}

TEST(BBit, MismatchedSignaturesRefuse) {
  const auto v = neardup_test::DistinctRandomValues(100, 2);
  MinHasher mh(Params(MinHashAlgorithm::kOnePermutation, 128, 1));
  MinHasher other_seed(Params(MinHashAlgorithm::kOnePermutation, 128, 9));
  const auto sig = mh.Sign(v);
  const auto b8 = CompressBBit(sig, 8), b4 = CompressBBit(sig, 4);
  auto r = EstimateJaccard(*b8, *b4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "cannot compare b-bit signatures: b differs (8 vs 4)");

  const auto s8 = CompressBBit(other_seed.Sign(v), 8);
  r = EstimateJaccard(*b8, *s8);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "cannot compare MinHash signatures: seed differs (1 vs 9)");

  BBitSignature truncated = *b8;
  truncated.words.pop_back();
  r = EstimateJaccard(*b8, truncated);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "b-bit signature has 16 and 15 words, expected 16");
}

TEST(BBit, EmptySignatures) {
  MinHasher mh;
  const auto e = CompressBBit(mh.Sign(std::vector<uint64_t>{}), 4);
  const auto f = CompressBBit(mh.Sign(std::vector<uint64_t>{1, 2}), 4);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->empty);
  EXPECT_EQ(*EstimateJaccard(*e, *e), 0.0);
  EXPECT_EQ(*EstimateJaccard(*e, *f), 0.0);
  EXPECT_EQ(*EstimateJaccard(*f, *f), 1.0);
}

// Each estimate lies within 4 of its own standard errors of J (see BBitStandardError),
// for every b, both algorithms, k = 128.
TEST(BBitAccuracy, WithinFourStandardErrors) {
  constexpr uint32_t k = 128;
  double max_z = 0.0;
  for (const MinHashAlgorithm alg : kAlgorithms) {
    for (const double jaccard : kJaccards) {
      const size_t shared = static_cast<size_t>(std::llround(jaccard * 1000));
      const double j = static_cast<double>(shared) / 1000.0;
      const auto pair = neardup_test::MakeSetPair(1000, shared, 500 + shared);
      MinHasher mh(Params(alg, k, 23));
      const auto a = mh.Sign(pair.a), b = mh.Sign(pair.b);
      for (const uint32_t bits : kWidths) {
        const auto pa = CompressBBit(a, bits), pb = CompressBBit(b, bits);
        const auto est = EstimateJaccard(*pa, *pb);
        ASSERT_TRUE(est.ok());
        const double raw = RawEstimate(*pa, *pb);
        EXPECT_DOUBLE_EQ(*est, std::clamp(raw, 0.0, 1.0));
        const double se = BBitStandardError(j, bits, k);
        EXPECT_LE(std::abs(raw - j), 4 * se)
            << MinHashAlgorithmName(alg) << " b=" << bits << " J=" << j << " estimate " << raw;
        max_z = std::max(max_z, std::abs(raw - j) / se);
      }
    }
  }
  RecordProperty("max_abs_z", std::to_string(max_z));
}

// Over 200 seeds, the mean of the unclamped estimator is within 4 standard errors of
// the mean, 4 * BBitStandardError / sqrt(200), of J: +-0.025 at b = 1, J = 0.5 and
// +-0.0125 at b = 32. (The clamped EstimateJaccard is biased near 0 and 1 by design.)
TEST(BBitAccuracy, NoBiasOverSeeds) {
  constexpr int kSeeds = 200;
  constexpr uint32_t k = 128;
  double max_z = 0.0;
  for (const MinHashAlgorithm alg : kAlgorithms) {
    for (const double jaccard : {0.1, 0.5, 0.9}) {
      const size_t shared = static_cast<size_t>(std::llround(jaccard * 300));
      const double j = static_cast<double>(shared) / 300.0;
      double sum[std::size(kWidths)] = {};
      for (int s = 0; s < kSeeds; ++s) {
        const auto pair = neardup_test::MakeSetPair(300, shared, 104729u * s + shared);
        MinHasher mh(Params(alg, k, 1000 + s));
        const auto a = mh.Sign(pair.a), b = mh.Sign(pair.b);
        for (size_t w = 0; w < std::size(kWidths); ++w) {
          sum[w] += RawEstimate(*CompressBBit(a, kWidths[w]), *CompressBBit(b, kWidths[w]));
        }
      }
      for (size_t w = 0; w < std::size(kWidths); ++w) {
        const double mean = sum[w] / kSeeds;
        const double se_mean = BBitStandardError(j, kWidths[w], k) / std::sqrt(double{kSeeds});
        EXPECT_LE(std::abs(mean - j), 4 * se_mean)
            << MinHashAlgorithmName(alg) << " b=" << kWidths[w] << " J=" << j << " mean " << mean;
        max_z = std::max(max_z, std::abs(mean - j) / se_mean);
      }
    }
  }
  RecordProperty("max_abs_z_of_mean", std::to_string(max_z));
}

}  // namespace
}  // namespace neardup
