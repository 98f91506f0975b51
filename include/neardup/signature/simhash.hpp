// Stage 4b: SimHash fingerprints (Charikar 2002) estimating cosine similarity.
//
// Input: shingle hashes in document order; a shingle seen c times weighs c. Each
// shingle hash is remixed with the seed into a 64-bit word (two words for 128-bit
// fingerprints); fingerprint bit b is 1 when more than half of the weighted shingles
// have bit b set. For two documents at angle theta between their shingle-count
// vectors, P[bit differs] is close to theta / pi, so the Hamming distance estimates
// cosine similarity.
//
//   neardup::SimHasher sh;                      // seed 0
//   uint64_t a = sh.Sign64(shingles_a), b = sh.Sign64(shingles_b);
//   int d = neardup::HammingDistance(a, b);     // 0..64
//
// The bit counters run in SIMD kernels (AVX-512: one masked add per 32 bits per
// shingle), bit-identical to the scalar path. Deterministic on every CPU.
// Thread safety: a SimHasher keeps scratch space; use one per thread.
#ifndef NEARDUP_SIGNATURE_SIMHASH_HPP_
#define NEARDUP_SIGNATURE_SIMHASH_HPP_

#include <array>
#include <bit>
#include <cstdint>
#include <span>

#include "neardup/internal/kernels.hpp"

namespace neardup {

struct SimHash128 {
  uint64_t lo = 0;
  uint64_t hi = 0;
  friend bool operator==(const SimHash128&, const SimHash128&) = default;
};

inline int HammingDistance(uint64_t a, uint64_t b) noexcept { return std::popcount(a ^ b); }
inline int HammingDistance(const SimHash128& a, const SimHash128& b) noexcept {
  return std::popcount(a.lo ^ b.lo) + std::popcount(a.hi ^ b.hi);
}

class SimHasher {
 public:
  explicit SimHasher(uint64_t seed = 0) : seed_(seed) {}

  uint64_t seed() const noexcept { return seed_; }

  uint64_t Sign64(std::span<const uint64_t> shingles) {
    return Sign64With(internal::ActiveKernels(), shingles);
  }
  SimHash128 Sign128(std::span<const uint64_t> shingles) {
    return Sign128With(internal::ActiveKernels(), shingles);
  }

  uint64_t Sign64With(const internal::KernelSet& k, std::span<const uint64_t> shingles) {
    counts_.fill(0);
    k.simhash_count(shingles.data(), shingles.size(), seed_, false, counts_.data());
    return Bits(0, shingles.size());
  }
  SimHash128 Sign128With(const internal::KernelSet& k, std::span<const uint64_t> shingles) {
    counts_.fill(0);
    k.simhash_count(shingles.data(), shingles.size(), seed_, true, counts_.data());
    return {Bits(0, shingles.size()), Bits(64, shingles.size())};
  }

 private:
  uint64_t Bits(size_t offset, size_t n) const noexcept {
    uint64_t out = 0;
    for (size_t b = 0; b < 64; ++b) out |= static_cast<uint64_t>(2 * counts_[offset + b] > n) << b;
    return out;
  }

  uint64_t seed_;
  std::array<uint64_t, 128> counts_{};
};

}  // namespace neardup

#endif  // NEARDUP_SIGNATURE_SIMHASH_HPP_
