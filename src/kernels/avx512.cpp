// AVX-512 kernels (F, BW, DQ, VL). Compiled with -mavx512*; only called after CPUID
// says the CPU and OS support them.
// GCC 12 warns about its own intrinsics headers (_mm512_undefined_*); not our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "neardup/internal/kernels.hpp"
#include "neardup/internal/mix.hpp"

namespace neardup::internal {
namespace {

// The lane constants as the hash uses them (see kernels.hpp): odd multipliers (each
// 32-bit half of c with its low bit set) and addends (c with its halves swapped).
struct Lanes {
  __m512i mul;
  __m512i add;
};
inline Lanes MakeLanes(__m512i c) {
  return {_mm512_or_si512(c, _mm512_set1_epi32(1)), _mm512_shuffle_epi32(c, _MM_PERM_CDAB)};
}

// lo * hi of the multiply-added 32-bit halves of x, per 64-bit lane (not yet shifted).
inline __m512i LaneProduct(__m512i x, const Lanes& c) {
  const __m512i r = _mm512_add_epi32(_mm512_mullo_epi32(x, c.mul), c.add);
  return _mm512_mul_epu32(r, _mm512_srli_epi64(r, 32));
}

// min over shifted products equals the shifted min of products, so the shift by one
// is applied once at the end instead of once per shingle. With no shingles the state
// is left untouched (the all-ones start would otherwise be merged in as INT64_MAX).
void MinHashClassicAvx512(const uint64_t* shingles, size_t n, const uint64_t* lanes,
                          uint64_t* state, size_t k) {
  if (n == 0) return;
  constexpr size_t kBlock = 8;  // 8 vectors x 8 lanes of state held in registers
  size_t i = 0;
  const __m512i ones = _mm512_set1_epi64(-1);
  for (; i + 8 * kBlock <= k; i += 8 * kBlock) {
    __m512i st[kBlock];
    Lanes c[kBlock];
    for (size_t v = 0; v < kBlock; ++v) {
      st[v] = ones;
      c[v] = MakeLanes(_mm512_loadu_si512(lanes + i + 8 * v));
    }
    for (size_t s = 0; s < n; ++s) {
      const __m512i x = _mm512_set1_epi64(static_cast<long long>(shingles[s]));
      for (size_t v = 0; v < kBlock; ++v) {
        st[v] = _mm512_min_epu64(st[v], LaneProduct(x, c[v]));
      }
    }
    for (size_t v = 0; v < kBlock; ++v) {
      const __m512i old = _mm512_loadu_si512(state + i + 8 * v);
      _mm512_storeu_si512(state + i + 8 * v, _mm512_min_epu64(old, _mm512_srli_epi64(st[v], 1)));
    }
  }
  for (; i < k; i += 8) {
    const size_t left = k - i;
    const __mmask8 m = left >= 8 ? 0xFF : static_cast<__mmask8>((1u << left) - 1);
    __m512i st = ones;
    const Lanes c = MakeLanes(_mm512_maskz_loadu_epi64(m, lanes + i));
    for (size_t s = 0; s < n; ++s) {
      const __m512i x = _mm512_set1_epi64(static_cast<long long>(shingles[s]));
      st = _mm512_min_epu64(st, LaneProduct(x, c));
    }
    const __m512i old = _mm512_maskz_loadu_epi64(m, state + i);
    _mm512_mask_storeu_epi64(state + i, m, _mm512_min_epu64(old, _mm512_srli_epi64(st, 1)));
  }
}

inline void Flush(__m512i c, uint64_t* counts) {
  alignas(64) uint16_t b[32];
  _mm512_store_si512(b, c);
  for (int i = 0; i < 32; ++i) counts[i] += b[i];
}

// 16-bit counters, one masked add per 32 bits of each word; flushed before wrapping.
void SimHashCountAvx512(const uint64_t* shingles, size_t n, uint64_t seed, bool wide,
                        uint64_t* counts) {
  constexpr size_t kChunk = 65535;
  const __m512i one = _mm512_set1_epi16(1);
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t stop = start + kChunk < n ? start + kChunk : n;
    __m512i c0 = _mm512_setzero_si512(), c1 = _mm512_setzero_si512();
    __m512i w0 = _mm512_setzero_si512(), w1 = _mm512_setzero_si512();
    if (wide) {
      for (size_t s = start; s < stop; ++s) {
        const uint64_t y = Mix64(shingles[s] ^ seed);
        const uint64_t z = Mix64(shingles[s] ^ seed ^ kSimHashWideSalt);
        c0 = _mm512_mask_add_epi16(c0, static_cast<__mmask32>(y), c0, one);
        c1 = _mm512_mask_add_epi16(c1, static_cast<__mmask32>(y >> 32), c1, one);
        w0 = _mm512_mask_add_epi16(w0, static_cast<__mmask32>(z), w0, one);
        w1 = _mm512_mask_add_epi16(w1, static_cast<__mmask32>(z >> 32), w1, one);
      }
    } else {
      for (size_t s = start; s < stop; ++s) {
        const uint64_t y = Mix64(shingles[s] ^ seed);
        c0 = _mm512_mask_add_epi16(c0, static_cast<__mmask32>(y), c0, one);
        c1 = _mm512_mask_add_epi16(c1, static_cast<__mmask32>(y >> 32), c1, one);
      }
    }
    Flush(c0, counts);
    Flush(c1, counts + 32);
    if (wide) {
      Flush(w0, counts + 64);
      Flush(w1, counts + 96);
    }
  }
}

}  // namespace

const KernelSet& Avx512Kernels() {
  static const KernelSet k{"avx512", &MinHashClassicAvx512, &SimHashCountAvx512};
  return k;
}

}  // namespace neardup::internal
