#include "neardup/signature/simhash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "neardup/internal/mix.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/text/normalize.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

using internal::Mix64;

TEST(SimHash, EmptyInput) {
  SimHasher sh(5);
  EXPECT_EQ(sh.Sign64(std::vector<uint64_t>{}), 0u);
  EXPECT_EQ(sh.Sign128(std::vector<uint64_t>{}), (SimHash128{0, 0}));
}

TEST(SimHash, SingleShingleIsItsMixedHash) {
  for (const uint64_t seed : {0ULL, 1ULL, 0xdeadbeefULL}) {
    SimHasher sh(seed);
    EXPECT_EQ(sh.seed(), seed);
    const uint64_t x = 0x0123456789abcdefULL;
    EXPECT_EQ(sh.Sign64(std::vector<uint64_t>{x}), Mix64(x ^ seed));
    EXPECT_EQ(sh.Sign128(std::vector<uint64_t>{x}),
              (SimHash128{Mix64(x ^ seed), Mix64(x ^ seed ^ internal::kSimHashWideSalt)}));
  }
}

TEST(SimHash, MajorityAndTies) {
  SimHasher sh(3);
  const uint64_t x = 11, y = 22, z = 33;
  const uint64_t hx = Mix64(x ^ 3), hy = Mix64(y ^ 3), hz = Mix64(z ^ 3);
  // Bit b is set when more than half of the weighted shingles have it.
  EXPECT_EQ(sh.Sign64(std::vector<uint64_t>{x, y, z}), (hx & hy) | (hx & hz) | (hy & hz));
  // A tie (exactly half) leaves the bit clear.
  EXPECT_EQ(sh.Sign64(std::vector<uint64_t>{x, y}), hx & hy);
}

TEST(SimHash, WeightingByCountMatters) {
  SimHasher sh(3);
  const uint64_t x = 11, y = 22, z = 33;
  const uint64_t hx = Mix64(x ^ 3);
  // x seen three times outweighs y and z together: the fingerprint is x's.
  EXPECT_EQ(sh.Sign64(std::vector<uint64_t>{x, y, x, z, x}), hx);
  EXPECT_NE(sh.Sign64(std::vector<uint64_t>{x, y, z}), hx);
  // Weight also beats many distinct shingles.
  std::vector<uint64_t> doc = neardup_test::DistinctRandomValues(100, 5);
  doc.insert(doc.end(), 101, x);
  EXPECT_EQ(sh.Sign64(doc), hx);
}

TEST(SimHash, OrderDoesNotMatterAndIdenticalInputHasDistanceZero) {
  auto values = neardup_test::DistinctRandomValues(500, 6);
  values.insert(values.end(), values.begin(), values.begin() + 50);  // some repeats
  SimHasher sh(8);
  const uint64_t a = sh.Sign64(values);
  const SimHash128 a128 = sh.Sign128(values);
  std::mt19937_64 rng(1);
  std::shuffle(values.begin(), values.end(), rng);
  EXPECT_EQ(sh.Sign64(values), a);
  EXPECT_EQ(sh.Sign128(values), a128);
  EXPECT_EQ(HammingDistance(a, sh.Sign64(values)), 0);
  EXPECT_EQ(HammingDistance(a128, sh.Sign128(values)), 0);
  // The low half of the 128-bit fingerprint is the 64-bit fingerprint.
  EXPECT_EQ(a128.lo, a);
  EXPECT_NE(a128.hi, a128.lo);
}

TEST(SimHash, SeedChangesFingerprint) {
  const auto values = neardup_test::DistinctRandomValues(300, 9);
  SimHasher a(0), b(1);
  EXPECT_GT(HammingDistance(a.Sign64(values), b.Sign64(values)), 10);
}

TEST(SimHash, HammingDistance) {
  EXPECT_EQ(HammingDistance(uint64_t{0}, ~uint64_t{0}), 64);
  EXPECT_EQ(HammingDistance(uint64_t{0b1011}, uint64_t{0b0001}), 2);
  EXPECT_EQ(HammingDistance(SimHash128{0, 0}, SimHash128{~0ULL, ~0ULL}), 128);
  EXPECT_EQ(HammingDistance(SimHash128{1, 1}, SimHash128{0, 1}), 1);
}

TEST(SimHashKnownAnswers, FixedText) {
  Normalizer norm;
  Shingler shingler;  // word 5-grams, seed 0
  const auto shingles =
      shingler.Shingle(norm.Normalize("The quick brown fox jumps over the lazy dog near the river bank"));
  ASSERT_EQ(shingles.size(), 9u);
  SimHasher sh(0);
  EXPECT_EQ(sh.Sign64(shingles), 0x475d998af3f6d4ceULL);
  EXPECT_EQ(sh.Sign128(shingles), (SimHash128{0x475d998af3f6d4ceULL, 0x6211c666f2746d2fULL}));
}

// ---------------------------------------------------------------------------
// Hamming distance tracks the angle between weighted shingle-count vectors.
//
// A case is two weighted multisets over `shared` common values (weight wa in A, wb in
// B) plus `only` values private to each side (weight 1). Its cosine is known exactly;
// P[bit differs] ~ theta / pi. Total weights are odd so that no bit is a tie.

struct CosineCase {
  int shared;
  int only;
  int wa;  // weight of the shared values in A
  int wb;  // weight of the shared values in B
  double Cosine() const {
    const double dot = static_cast<double>(shared) * wa * wb;
    const double na = std::sqrt(static_cast<double>(shared) * wa * wa + only);
    const double nb = std::sqrt(static_cast<double>(shared) * wb * wb + only);
    return dot / (na * nb);
  }
};

struct Docs {
  std::vector<uint64_t> a, b;
};

Docs MakeDocs(const CosineCase& c, uint64_t seed) {
  const auto v = neardup_test::DistinctRandomValues(static_cast<size_t>(c.shared + 2 * c.only), seed);
  Docs d;
  for (int i = 0; i < c.shared; ++i) {
    d.a.insert(d.a.end(), static_cast<size_t>(c.wa), v[i]);
    d.b.insert(d.b.end(), static_cast<size_t>(c.wb), v[i]);
  }
  for (int i = 0; i < c.only; ++i) {
    d.a.push_back(v[c.shared + i]);
    d.b.push_back(v[c.shared + c.only + i]);
  }
  std::mt19937_64 rng(seed);
  std::shuffle(d.a.begin(), d.a.end(), rng);
  std::shuffle(d.b.begin(), d.b.end(), rng);
  return d;
}

// Over 200 seeds (fresh values and a fresh SimHash seed each), the mean Hamming
// distance / bits must be within 4 standard errors of the mean, 4 sqrt(p (1 - p) /
// (bits * 200)) with p = theta / pi, plus 0.005 for the gap between the +-1 bit votes
// of a few hundred shingles and the Gaussian random hyperplanes of the theta / pi law.
TEST(SimHashAccuracy, HammingTracksAngle) {
  constexpr int kSeeds = 200;
  constexpr double kModelGap = 0.005;
  const std::vector<CosineCase> cases = {
      // Unit weights: cosine = shared / (shared + only).
      {40, 361, 1, 1},  {120, 281, 1, 1}, {200, 201, 1, 1},
      {320, 81, 1, 1},  {360, 41, 1, 1},  {380, 21, 1, 1},
      // The same sets, shared values weighted 3: much more similar.
      {40, 361, 3, 3},  {120, 281, 3, 3},
      // Shared values weighted differently in A and B.
      {200, 201, 2, 4}, {100, 151, 1, 3},
  };
  double max_z = 0.0;
  for (const CosineCase& c : cases) {
    ASSERT_EQ((c.shared * c.wa + c.only) % 2, 1);
    ASSERT_EQ((c.shared * c.wb + c.only) % 2, 1);
    const double p = std::acos(c.Cosine()) / std::numbers::pi;
    double sum64 = 0.0, sum128 = 0.0;
    for (int s = 0; s < kSeeds; ++s) {
      const Docs d = MakeDocs(c, 7777u * s + static_cast<uint64_t>(c.shared * 31 + c.wa));
      SimHasher sh(static_cast<uint64_t>(s));
      sum64 += HammingDistance(sh.Sign64(d.a), sh.Sign64(d.b)) / 64.0;
      sum128 += HammingDistance(sh.Sign128(d.a), sh.Sign128(d.b)) / 128.0;
    }
    const double mean64 = sum64 / kSeeds, mean128 = sum128 / kSeeds;
    const double se64 = std::sqrt(p * (1 - p) / (64.0 * kSeeds));
    const double se128 = std::sqrt(p * (1 - p) / (128.0 * kSeeds));
    const std::string label = "shared=" + std::to_string(c.shared) + " only=" + std::to_string(c.only) +
                              " wa=" + std::to_string(c.wa) + " wb=" + std::to_string(c.wb) +
                              " cos=" + std::to_string(c.Cosine()) + " theta/pi=" + std::to_string(p);
    EXPECT_LE(std::abs(mean64 - p), 4 * se64 + kModelGap) << label << " mean64 " << mean64;
    EXPECT_LE(std::abs(mean128 - p), 4 * se128 + kModelGap) << label << " mean128 " << mean128;
    max_z = std::max({max_z, std::abs(mean64 - p) / se64, std::abs(mean128 - p) / se128});
  }
  RecordProperty("max_abs_z_of_mean", std::to_string(max_z));
}

TEST(SimHashAccuracy, WeightingSharedShinglesReducesDistance) {
  // Same underlying sets; weighting the shared part raises the cosine from 0.1 to 0.5
  // and the mean distance must drop accordingly (by ~0.13 of the bits).
  const CosineCase flat{40, 361, 1, 1}, heavy{40, 361, 3, 3};
  double flat_sum = 0.0, heavy_sum = 0.0;
  for (int s = 0; s < 100; ++s) {
    const Docs f = MakeDocs(flat, 555u + s), h = MakeDocs(heavy, 555u + s);
    SimHasher sh(static_cast<uint64_t>(s));
    flat_sum += HammingDistance(sh.Sign64(f.a), sh.Sign64(f.b));
    heavy_sum += HammingDistance(sh.Sign64(h.a), sh.Sign64(h.b));
  }
  EXPECT_LT(heavy_sum / 100 / 64, flat_sum / 100 / 64 - 0.1);
}

}  // namespace
}  // namespace neardup
