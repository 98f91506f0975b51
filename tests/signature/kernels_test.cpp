// Every kernel set the CPU supports must return exactly the scalar result: signatures
// are stored data, and a user's index must not depend on the machine that built it.
#include "neardup/internal/kernels.hpp"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "neardup/shingle/shingle.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/signer.hpp"
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
    EXPECT_NE(k->oph_update, nullptr);
    EXPECT_NE(k->oph_fold, nullptr);
    EXPECT_NE(k->xxh3_windows40, nullptr);
    EXPECT_NE(k->xxh3_finish4to8, nullptr);
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

// Shingle hashes with every 32-bit half at an edge (0, 1, all ones, the top bit) or
// random: the SIMD 64x64-bit products are made of 32-bit ones, and their carries are
// where a slip would show.
std::vector<uint64_t> EdgeAndRandomWords(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const uint32_t edges[] = {0u, 1u, 0xFFFFFFFFu, 0x80000000u, 0x7FFFFFFFu};
  std::vector<uint64_t> out(count);
  for (auto& w : out) {
    const uint64_t r = rng();
    const uint32_t hi = (r & 3) == 0 ? edges[(r >> 2) % 5] : static_cast<uint32_t>(r >> 32);
    const uint32_t lo = (r & 12) == 0 ? edges[(r >> 5) % 5] : static_cast<uint32_t>(rng());
    w = uint64_t{hi} << 32 | lo;
  }
  return out;
}

TEST(Kernels, OphUpdateAndFoldMatchScalar) {
  const auto shingles = EdgeAndRandomWords(1000, 81);
  std::mt19937_64 rng(6);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const uint32_t k : {1u, 2u, 7u, 8u, 9u, 63u, 64u, 65u, 128u, 200u, 8192u}) {
      for (const size_t n : {0u, 1u, 7u, 8u, 9u, 15u, 17u, 296u, 1000u}) {
        SCOPED_TRACE(Name(kernels) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
        // A running minimum from an earlier call is kept, like the empty start.
        std::vector<uint64_t> start(k, ~uint64_t{0});
        for (size_t i = 0; i < k; i += 3) start[i] = rng();
        std::vector<uint64_t> expect = start, got = start;
        const uint64_t salt = rng();
        ScalarKernels().oph_update(shingles.data(), n, salt, expect.data(), k);
        kernels->oph_update(shingles.data(), n, salt, got.data(), k);
        ASSERT_EQ(got, expect);
        // Fold: values and empty bits; the words past k are the caller's, untouched.
        const size_t words = (k + 63) / 64;
        std::vector<uint32_t> values_expect(k + 3, 7u), values_got(k + 3, 7u);
        std::vector<uint64_t> bits_expect(words + 1, 5u), bits_got(words + 1, 5u);
        const bool any_expect = ScalarKernels().oph_fold(expect.data(), k, values_expect.data(), bits_expect.data());
        const bool any_got = kernels->oph_fold(got.data(), k, values_got.data(), bits_got.data());
        EXPECT_EQ(any_got, any_expect);
        ASSERT_EQ(values_got, values_expect);
        ASSERT_EQ(bits_got, bits_expect);
        EXPECT_EQ(values_got[k], 7u);
        EXPECT_EQ(bits_got[words], 5u);
        size_t empty = 0;
        for (size_t i = 0; i < k; ++i) {
          const bool bit = (bits_expect[i / 64] >> (i % 64)) & 1;
          EXPECT_EQ(bit, expect[i] == ~uint64_t{0}) << i;
          empty += bit;
          EXPECT_EQ(values_expect[i], static_cast<uint32_t>(internal::Mix64(expect[i]))) << i;
        }
        EXPECT_EQ(any_expect, empty != 0);
      }
    }
  }
}

TEST(Kernels, OnePermutationMinHashMatchesScalar) {
  const auto shingles = EdgeAndRandomWords(600, 82);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const uint32_t k : {1u, 8u, 64u, 100u, 128u, 256u}) {
      for (const size_t n : {1u, 2u, 5u, 8u, 33u, 296u, 600u}) {
        SCOPED_TRACE(Name(kernels) + " k=" + std::to_string(k) + " n=" + std::to_string(n));
        MinHasher mh({.algorithm = MinHashAlgorithm::kOnePermutation, .num_perm = k, .seed = 31});
        std::vector<uint32_t> expect(k), got(k);
        const std::span<const uint64_t> in(shingles.data(), n);
        mh.SignOnePermutationWith(ScalarKernels(), in, expect.data());
        mh.SignOnePermutationWith(*kernels, in, got.data());
        ASSERT_EQ(got, expect);
        ASSERT_EQ(mh.Sign(in).values, expect);
      }
    }
  }
}

TEST(Kernels, Xxh3Windows40IsXxh3OfTheWindowBytes) {
  // Every kernel against the xxHash library on the 40 bytes of each window, for window
  // counts below, at and past every SIMD width (units 5..40, and 296 as in a text of
  // 300 words), and with out[] guarded past the last window.
  const auto units = EdgeAndRandomWords(300, 83);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const uint64_t seed : {0ULL, 1ULL, 0x9E3779B97F4A7C15ULL}) {
      const internal::Xxh3Seeded hash(seed);
      ASSERT_TRUE(hash.inline_ok());
      for (size_t count = 5; count <= 300; count += count < 40 ? 1 : 128) {
        SCOPED_TRACE(Name(kernels) + " count=" + std::to_string(count) + " seed=" + std::to_string(seed));
        const size_t windows = count - 4;
        std::vector<uint64_t> out(windows + 2, 0x1234u);
        kernels->xxh3_windows40(units.data(), count, hash.For40Bytes().keys(), out.data());
        for (size_t i = 0; i < windows; ++i) {
          unsigned char bytes[40];
          for (size_t j = 0; j < 5; ++j) {
            for (size_t b = 0; b < 8; ++b) bytes[8 * j + b] = static_cast<unsigned char>(units[i + j] >> (8 * b));
          }
          ASSERT_EQ(out[i], XXH3_64bits_withSeed(bytes, 40, seed)) << "window " << i;
        }
        EXPECT_EQ(out[windows], 0x1234u);
        EXPECT_EQ(out[windows + 1], 0x1234u);
      }
    }
  }
}

TEST(Kernels, Xxh3Finish4to8IsXxh3OfTheToken) {
  // Tokens of 0 to 12 bytes, some upper case, marked in lens[] only when 4 to 8 bytes
  // long (as the shingler does): every kernel's finished words are the library's hashes
  // of the tokens (in lower case for LowerAlnum's keying), and every other word is left
  // as it was, at every position in and past a SIMD width.
  std::mt19937_64 rng(10);
  for (const KernelSet* kernels : SupportedKernels()) {
    for (const uint64_t seed : {0ULL, 77ULL}) {
      const internal::Xxh3Seeded hash(seed);
      ASSERT_TRUE(hash.inline_ok());
      for (const bool lower : {false, true}) {
        for (const size_t n : {0u, 1u, 7u, 8u, 9u, 16u, 23u, 100u}) {
          SCOPED_TRACE(Name(kernels) + " n=" + std::to_string(n) + " lower=" + std::to_string(lower));
          std::vector<std::string> tokens(n);
          std::vector<uint64_t> words(n + 1, 0xABCDu);
          std::vector<uint8_t> lens(n + 1, 0);
          for (size_t i = 0; i < n; ++i) {
            const size_t len = rng() % 13;
            for (size_t j = 0; j < len; ++j) tokens[i] += "aZ09qX7k"[rng() % 8];
            const auto* p = reinterpret_cast<const unsigned char*>(tokens[i].data());
            if (len >= 4 && len <= 8) {
              words[i] = lower ? hash.Keyed4to8<true>(p, len) : hash.Keyed4to8<false>(p, len);
              lens[i] = static_cast<uint8_t>(len);
            } else {
              words[i] = i;  // a hash made in full: left alone
            }
          }
          kernels->xxh3_finish4to8(words.data(), lens.data(), n);
          for (size_t i = 0; i < n; ++i) {
            if (lens[i] == 0) {
              ASSERT_EQ(words[i], i);
              continue;
            }
            std::string bytes = tokens[i];
            if (lower) {
              for (char& c : bytes) c = static_cast<char>(c | 0x20);
            }
            ASSERT_EQ(words[i], XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed)) << tokens[i];
          }
          EXPECT_EQ(words[n], 0xABCDu);
        }
      }
    }
  }
}

// The whole signing path (whichever kernel set is active) against its definition on
// texts of 0 to 40 words, plain ASCII and mixed with other scripts: word shingles are
// XXH3-64 of each window of XXH3-64 token hashes of the normalized text, and the
// MinHash is the scalar kernels' over them.
TEST(Kernels, SignerMatchesReferenceOnVariedTexts) {
  const std::string_view words[] = {"w3fa91c", "Über", "naïve", "data", "x", "Привет", "数据", "a1b2c3d4e5f6g7h8i9"};
  std::mt19937_64 rng(9);
  SignerOptions options;
  options.compute_simhash = false;
  Signer signer(options);
  Normalizer normalizer(options.normalize);
  MinHasher reference(options.minhash);
  for (int doc = 0; doc < 400; ++doc) {
    std::string text;
    const size_t count = doc % 41;
    for (size_t i = 0; i < count; ++i) {
      if (i != 0) text += rng() % 7 == 0 ? ", " : " ";
      text += doc % 2 == 0 ? words[0] : words[rng() % std::size(words)];
      if (doc % 2 == 0) text += std::to_string(rng() % 1000);
    }
    SCOPED_TRACE(text);
    std::vector<uint64_t> tokens;
    ForEachToken(normalizer.Normalize(text), [&](std::string_view t) {
      tokens.push_back(XXH3_64bits_withSeed(t.data(), t.size(), options.shingle.seed));
    });
    std::vector<uint64_t> shingles;
    if (!tokens.empty() && tokens.size() < 5) {
      shingles.push_back(XXH3_64bits_withSeed(tokens.data(), 8 * tokens.size(), options.shingle.seed));
    }
    for (size_t i = 0; i + 5 <= tokens.size(); ++i) {
      shingles.push_back(XXH3_64bits_withSeed(&tokens[i], 40, options.shingle.seed));
    }
    const DocumentSignature sig = signer.Sign(text);
    ASSERT_EQ(sig.num_tokens, tokens.size());
    ASSERT_EQ(std::vector<uint64_t>(signer.last_shingles().begin(), signer.last_shingles().end()), shingles);
    ASSERT_EQ(sig.empty(), shingles.empty());
    if (shingles.empty()) continue;
    std::vector<uint32_t> expect(options.minhash.num_perm);
    reference.SignOnePermutationWith(ScalarKernels(), shingles, expect.data());
    ASSERT_EQ(sig.minhash.values, expect);
  }
}

}  // namespace
}  // namespace neardup
