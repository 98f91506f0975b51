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

// Mix64 (mix.hpp) on eight words.
inline __m512i Mix64x8(__m512i x) {
  x = _mm512_xor_si512(x, _mm512_srli_epi64(x, 30));
  x = _mm512_mullo_epi64(x, _mm512_set1_epi64(static_cast<long long>(0xbf58476d1ce4e5b9ULL)));
  x = _mm512_xor_si512(x, _mm512_srli_epi64(x, 27));
  x = _mm512_mullo_epi64(x, _mm512_set1_epi64(static_cast<long long>(0x94d049bb133111ebULL)));
  return _mm512_xor_si512(x, _mm512_srli_epi64(x, 31));
}

// The hashes and bins of eight shingles at once, then each bin's minimum in turn (two
// shingles may share a bin). MulHiRange(h, k) for k < 2^32 from 32x32-bit products:
// floor(h k / 2^64) = floor((hi32(h) k + floor(lo32(h) k / 2^32)) / 2^32), exactly.
void OphUpdateAvx512(const uint64_t* shingles, size_t n, uint64_t salt, uint64_t* state, uint32_t k) {
  const __m512i vsalt = _mm512_set1_epi64(static_cast<long long>(salt));
  const __m512i vk = _mm512_set1_epi64(k);
  alignas(64) uint64_t h[8];
  alignas(64) uint64_t bin[8];
  for (size_t s = 0; s < n; s += 8) {
    const size_t left = n - s;
    const __mmask8 m = left >= 8 ? 0xFF : static_cast<__mmask8>((1u << left) - 1);
    const __m512i v = Mix64x8(_mm512_xor_si512(_mm512_maskz_loadu_epi64(m, shingles + s), vsalt));
    const __m512i low = _mm512_srli_epi64(_mm512_mul_epu32(v, vk), 32);
    const __m512i b = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epu32(_mm512_srli_epi64(v, 32), vk), low), 32);
    _mm512_store_si512(h, v);
    _mm512_store_si512(bin, b);
    const size_t lanes = left >= 8 ? 8 : left;
    for (size_t j = 0; j < lanes; ++j) {
      uint64_t& slot = state[bin[j]];
      slot = h[j] < slot ? h[j] : slot;
    }
  }
}

bool OphFoldAvx512(const uint64_t* state, uint32_t k, uint32_t* values, uint64_t* empty_bits) {
  const __m512i empty = _mm512_set1_epi64(-1);
  uint64_t any_empty = 0;
  for (uint32_t w = 0; 64 * w < k; ++w) {
    uint64_t bits = 0;
    for (uint32_t i = 64 * w; i < k && i < 64 * w + 64; i += 8) {
      const uint32_t left = k - i;
      const __mmask8 m = left >= 8 ? 0xFF : static_cast<__mmask8>((1u << left) - 1);
      const __m512i s = _mm512_maskz_loadu_epi64(m, state + i);
      bits |= uint64_t{_mm512_mask_cmpeq_epu64_mask(m, s, empty)} << (i & 63);
      _mm256_mask_storeu_epi32(values + i, m, _mm512_cvtepi64_epi32(Mix64x8(s)));
    }
    empty_bits[w] = bits;
    any_empty |= bits;
  }
  return any_empty != 0;
}

// MulFold64 (mix.hpp) on eight pairs: the 128-bit products from four 32x32-bit ones.
inline __m512i MulFold64x8(__m512i a, __m512i b) {
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i a_hi = _mm512_srli_epi64(a, 32), b_hi = _mm512_srli_epi64(b, 32);
  const __m512i ll = _mm512_mul_epu32(a, b), lh = _mm512_mul_epu32(a, b_hi);
  const __m512i hl = _mm512_mul_epu32(a_hi, b), hh = _mm512_mul_epu32(a_hi, b_hi);
  // Bits 32..95 of the product, before the carry out of bit 63 is taken.
  const __m512i cross = _mm512_add_epi64(_mm512_add_epi64(_mm512_srli_epi64(ll, 32), _mm512_and_si512(lh, low32)),
                                         _mm512_and_si512(hl, low32));
  const __m512i hi = _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(lh, 32)),
                                      _mm512_add_epi64(_mm512_srli_epi64(hl, 32), _mm512_srli_epi64(cross, 32)));
  // lo = low half of ll with cross's low half above it.
  const __m512i lo = _mm512_mask_blend_epi32(0xAAAA, ll, _mm512_slli_epi64(cross, 32));
  return _mm512_xor_si512(lo, hi);
}

void Xxh3Windows40Avx512(const uint64_t* units, size_t count, const uint64_t* keys, uint64_t* out) {
  if (count < 5) return;
  const size_t windows = count - 4;
  __m512i k[8];
  for (int j = 0; j < 8; ++j) k[j] = _mm512_set1_epi64(static_cast<long long>(keys[j]));
  const __m512i start = _mm512_set1_epi64(static_cast<long long>(40 * 0x9E3779B185EBCA87ULL));
  const __m512i prime = _mm512_set1_epi64(static_cast<long long>(0x165667919E3779F9ULL));
  for (size_t i = 0; i < windows; i += 8) {
    const size_t left = windows - i;
    const __mmask8 m = left >= 8 ? 0xFF : static_cast<__mmask8>((1u << left) - 1);
    __m512i w[5];
    for (int j = 0; j < 5; ++j) w[j] = _mm512_maskz_loadu_epi64(m, units + i + j);
    __m512i acc = _mm512_add_epi64(start, MulFold64x8(_mm512_xor_si512(w[0], k[0]), _mm512_xor_si512(w[1], k[1])));
    acc = _mm512_add_epi64(acc, MulFold64x8(_mm512_xor_si512(w[3], k[2]), _mm512_xor_si512(w[4], k[3])));
    acc = _mm512_add_epi64(acc, MulFold64x8(_mm512_xor_si512(w[2], k[4]), _mm512_xor_si512(w[3], k[5])));
    acc = _mm512_add_epi64(acc, MulFold64x8(_mm512_xor_si512(w[1], k[6]), _mm512_xor_si512(w[2], k[7])));
    acc = _mm512_xor_si512(acc, _mm512_srli_epi64(acc, 37));
    acc = _mm512_mullo_epi64(acc, prime);
    acc = _mm512_xor_si512(acc, _mm512_srli_epi64(acc, 32));
    _mm512_mask_storeu_epi64(out + i, m, acc);
  }
}

void Xxh3Finish4to8Avx512(uint64_t* words, const uint8_t* lens, size_t n) {
  const __m512i prime = _mm512_set1_epi64(static_cast<long long>(0x9FB21C651E98DF25ULL));
  for (size_t i = 0; i < n; i += 8) {
    const size_t left = n - i;
    const __mmask8 in = left >= 8 ? 0xFF : static_cast<__mmask8>((1u << left) - 1);
    const __m512i len = _mm512_cvtepu8_epi64(_mm_maskz_loadu_epi8(in, lens + i));
    const __mmask8 m = _mm512_mask_test_epi64_mask(in, len, len);
    if (m == 0) continue;
    __m512i h = _mm512_maskz_loadu_epi64(m, words + i);
    h = _mm512_ternarylogic_epi64(h, _mm512_rol_epi64(h, 49), _mm512_rol_epi64(h, 24), 0x96);  // a ^ b ^ c
    h = _mm512_mullo_epi64(h, prime);
    h = _mm512_xor_si512(h, _mm512_add_epi64(_mm512_srli_epi64(h, 35), len));
    h = _mm512_mullo_epi64(h, prime);
    h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 28));
    _mm512_mask_storeu_epi64(words + i, m, h);
  }
}

}  // namespace

const KernelSet& Avx512Kernels() {
  static const KernelSet k{"avx512", &MinHashClassicAvx512, &SimHashCountAvx512, &OphUpdateAvx512,
                           &OphFoldAvx512, &Xxh3Windows40Avx512,
                           &Xxh3Finish4to8Avx512};
  return k;
}

}  // namespace neardup::internal
