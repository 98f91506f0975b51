// Every kernel set the CPU supports must return exactly the scalar result: signatures
// are stored data, and a user's index must not depend on the machine that built it.
#include "neardup/internal/kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "neardup/signature/minhash.hpp"
#include "neardup/signature/simhash.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

using internal::KernelSet;
using internal::ScalarKernels;
using internal::SupportedKernels;

std::string Name(const KernelSet* k) { return std::string(k->name); }

TEST(Kernels, Registry) {
  const auto supported = SupportedKernels();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(supported.front(), &ScalarKernels());
  EXPECT_EQ(ScalarKernels().name, "scalar");
  for (const KernelSet* k : supported) {
    EXPECT_EQ(internal::FindKernels(k->name), k) << Name(k);
    EXPECT_NE(k->minhash_classic, nullptr);
    EXPECT_NE(k->simhash_count, nullptr);
  }
  EXPECT_EQ(internal::FindKernels("nonsense"), nullptr);
  EXPECT_EQ(internal::FindKernels(""), nullptr);
  const KernelSet& active = internal::ActiveKernels();
  EXPECT_NE(std::find(supported.begin(), supported.end(), &active), supported.end());
}

TEST(Kernels, ClassicMinHashMatchesScalar) {
  const auto shingles = neardup_test::DistinctRandomValues(1000, 77);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const uint32_t k : {1u, 7u, 8u, 63u, 64u, 128u, 200u, 256u}) {
      for (const size_t n : {0u, 1u, 1000u}) {
        SCOPED_TRACE(Name(kernels) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
        MinHasher mh({.algorithm = MinHashAlgorithm::kClassic, .num_perm = k, .seed = 4242});
        std::vector<uint32_t> expect(k), got(k);
        const std::span<const uint64_t> in(shingles.data(), n);
        mh.SignClassicWith(ScalarKernels(), in, expect.data());
        mh.SignClassicWith(*kernels, in, got.data());
        ASSERT_EQ(got, expect);
        if (n > 0) {
          // And the public path (whichever kernel is active) agrees.
          ASSERT_EQ(mh.Sign(in).values, expect);
        }
      }
    }
  }
}

TEST(Kernels, ClassicMinHashKeepsCallerState) {
  // The kernel contract is state[i] = min(state[i], ...): a running minimum must be
  // kept whatever it holds, including values above 2^63 and values below every hash.
  std::mt19937_64 rng(5);
  const auto shingles = neardup_test::DistinctRandomValues(300, 78);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const size_t k : {1u, 5u, 32u, 64u, 100u, 256u}) {
      for (const size_t n : {0u, 1u, 3u, 300u}) {
        SCOPED_TRACE(Name(kernels) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
        std::vector<uint64_t> lanes(k), start(k);
        for (auto& c : lanes) c = rng();
        for (size_t i = 0; i < k; ++i) {
          switch (i % 4) {
            case 0: start[i] = std::numeric_limits<uint64_t>::max(); break;
            case 1: start[i] = rng(); break;
            case 2: start[i] = rng() >> 40; break;  // small: usually kept
            default: start[i] = 0x8000000000000000ULL + (rng() >> 1); break;
          }
        }
        std::vector<uint64_t> expect = start, got = start;
        ScalarKernels().minhash_classic(shingles.data(), n, lanes.data(), expect.data(), k);
        kernels->minhash_classic(shingles.data(), n, lanes.data(), got.data(), k);
        ASSERT_EQ(got, expect);
      }
    }
  }
}

TEST(Kernels, SimHashMatchesScalar) {
  // Sizes around the SIMD counter flush points (255 for 8-bit, 65535 for 16-bit
  // counters) and beyond them.
  const auto shingles = neardup_test::DistinctRandomValues(70000, 79);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const size_t n : {0u, 1u, 2u, 255u, 256u, 1000u, 65535u, 65536u, 70000u}) {
      SCOPED_TRACE(Name(kernels) + " n=" + std::to_string(n));
      const std::span<const uint64_t> in(shingles.data(), n);
      for (const uint64_t seed : {0ULL, 99ULL}) {
        SimHasher sh(seed);
        EXPECT_EQ(sh.Sign64With(*kernels, in), sh.Sign64With(ScalarKernels(), in));
        EXPECT_EQ(sh.Sign128With(*kernels, in), sh.Sign128With(ScalarKernels(), in));
        // The raw counters too, which are stricter than the majority bits.
        for (const bool wide : {false, true}) {
          std::array<uint64_t, 128> expect{}, got{};
          ScalarKernels().simhash_count(in.data(), n, seed, wide, expect.data());
          kernels->simhash_count(in.data(), n, seed, wide, got.data());
          ASSERT_EQ(got, expect) << "wide=" << wide;
        }
      }
    }
  }
}

TEST(Kernels, SimHashCountsAccumulate) {
  // Counters add to what the caller holds; the sum of all counts is n per word.
  const auto shingles = neardup_test::DistinctRandomValues(600, 80);
  for (const KernelSet* kernels : SupportedKernels()) {
    std::array<uint64_t, 128> counts{};
    counts.fill(1000);
    kernels->simhash_count(shingles.data(), shingles.size(), 1, true, counts.data());
    for (const uint64_t c : counts) {
      EXPECT_GE(c, 1000u);
      EXPECT_LE(c, 1600u);
    }
    // A SimHash bit count is ~ Binomial(600, 1/2): 300 +- 4 * 12.2.
    for (const uint64_t c : counts) {
      EXPECT_NEAR(static_cast<double>(c - 1000), 300.0, 4 * 12.25) << Name(kernels);
    }
  }
}

}  // namespace
}  // namespace neardup
