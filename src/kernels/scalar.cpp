// Scalar reference kernels: the definition every SIMD kernel must match bit for bit.
#include "neardup/internal/kernels.hpp"
#include "neardup/internal/mix.hpp"

namespace neardup::internal {
namespace {

void MinHashClassicScalar(const uint64_t* shingles, size_t n, const uint64_t* lanes,
                          uint64_t* state, size_t k) {
  for (size_t s = 0; s < n; ++s) {
    const uint64_t x = shingles[s];
    for (size_t i = 0; i < k; ++i) {
      // Each 32-bit half goes through its own multiply-add mod 2^32 (as vpmulld and
      // vpaddd do), then the two halves are multiplied to 64 bits.
      const uint32_t c_lo = static_cast<uint32_t>(lanes[i]);
      const uint32_t c_hi = static_cast<uint32_t>(lanes[i] >> 32);
      const uint32_t lo = static_cast<uint32_t>(x) * (c_lo | 1u) + c_hi;
      const uint32_t hi = static_cast<uint32_t>(x >> 32) * (c_hi | 1u) + c_lo;
      const uint64_t v = (static_cast<uint64_t>(lo) * hi) >> 1;
      state[i] = v < state[i] ? v : state[i];
    }
  }
}

void SimHashCountScalar(const uint64_t* shingles, size_t n, uint64_t seed, bool wide,
                        uint64_t* counts) {
  for (size_t s = 0; s < n; ++s) {
    const uint64_t y = Mix64(shingles[s] ^ seed);
    for (int b = 0; b < 64; ++b) counts[b] += (y >> b) & 1;
    if (wide) {
      const uint64_t z = Mix64(shingles[s] ^ seed ^ kSimHashWideSalt);
      for (int b = 0; b < 64; ++b) counts[64 + b] += (z >> b) & 1;
    }
  }
}

}  // namespace

const KernelSet& ScalarKernels() {
  static const KernelSet k{"scalar", &MinHashClassicScalar, &SimHashCountScalar};
  return k;
}

}  // namespace neardup::internal
