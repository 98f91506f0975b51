// Scalar reference kernels: the definition every SIMD kernel must match bit for bit.
#include <bit>

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

void OphUpdateScalar(const uint64_t* shingles, size_t n, uint64_t salt, uint64_t* state, uint32_t k) {
  for (size_t s = 0; s < n; ++s) {
    const uint64_t h = Mix64(shingles[s] ^ salt);
    uint64_t& slot = state[MulHiRange(h, k)];
    slot = h < slot ? h : slot;
  }
}

// Every bin is folded, and the empty ones noted, without a branch per bin: on short
// documents a third of the bins may be empty, in no predictable order.
bool OphFoldScalar(const uint64_t* state, uint32_t k, uint32_t* values, uint64_t* empty_bits) {
  constexpr uint64_t kEmpty = ~uint64_t{0};
  uint64_t any_empty = 0;
  for (uint32_t w = 0; 64 * w < k; ++w) {
    const uint32_t stop = k < 64 * w + 64 ? k : 64 * w + 64;
    uint64_t bits = 0;
    for (uint32_t i = 64 * w; i < stop; ++i) {
      values[i] = FoldMinimum(state[i]);
      bits |= uint64_t{state[i] == kEmpty} << (i & 63);
    }
    empty_bits[w] = bits;
    any_empty |= bits;
  }
  return any_empty != 0;
}

void Xxh3Windows40Scalar(const uint64_t* units, size_t count, const uint64_t* keys, uint64_t* out) {
  for (size_t i = 0; i + 5 <= count; ++i) {
    uint64_t w[5];
    for (size_t j = 0; j < 5; ++j) {
      w[j] = units[i + j];
      if constexpr (std::endian::native == std::endian::big) w[j] = __builtin_bswap64(w[j]);
    }
    out[i] = Xxh3Words40(w, keys);
  }
}

void Xxh3Finish4to8Scalar(uint64_t* words, const uint8_t* lens, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (lens[i] == 0) continue;
    const uint64_t h = Xxh3Finish4to8(words[i], lens[i]);
    words[i] = std::endian::native == std::endian::big ? __builtin_bswap64(h) : h;
  }
}

}  // namespace

const KernelSet& ScalarKernels() {
  static const KernelSet k{"scalar", &MinHashClassicScalar, &SimHashCountScalar, &OphUpdateScalar,
                           &OphFoldScalar, &Xxh3Windows40Scalar, &Xxh3Finish4to8Scalar};
  return k;
}

}  // namespace neardup::internal
