// AVX2 kernels. Compiled with -mavx2; only called after CPUID says AVX2 is present.
#include <immintrin.h>

#include "neardup/internal/kernels.hpp"
#include "neardup/internal/mix.hpp"

namespace neardup::internal {
namespace {

// Unsigned 64-bit min: AVX2 only compares signed, so flip the sign bits first.
inline __m256i MinU64(__m256i a, __m256i b) {
  const __m256i sign = _mm256_set1_epi64x(static_cast<long long>(0x8000000000000000ULL));
  const __m256i a_gt_b =
      _mm256_cmpgt_epi64(_mm256_xor_si256(a, sign), _mm256_xor_si256(b, sign));
  return _mm256_blendv_epi8(a, b, a_gt_b);
}

// The lane constants as the hash uses them (see kernels.hpp): odd multipliers (each
// 32-bit half of c with its low bit set) and addends (c with its halves swapped).
struct Lanes {
  __m256i mul;
  __m256i add;
};
inline Lanes LoadLanes(const uint64_t* lanes) {
  const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes));
  return {_mm256_or_si256(c, _mm256_set1_epi32(1)), _mm256_shuffle_epi32(c, 0xB1)};
}

// (lo * hi) >> 1 of the multiply-added 32-bit halves of x, per 64-bit lane.
inline __m256i LaneHash(__m256i x, const Lanes& c) {
  const __m256i r = _mm256_add_epi32(_mm256_mullo_epi32(x, c.mul), c.add);
  return _mm256_srli_epi64(_mm256_mul_epu32(r, _mm256_srli_epi64(r, 32)), 1);
}

// AVX2 has no unsigned 64-bit min, but lane values are products shifted right by one
// (< 2^63), so the signed compare orders them correctly as long as the running minimum
// also stays below 2^63. The caller's state may not (it starts at UINT64_MAX), so the
// registers start at INT64_MAX, which no product reaches, and are merged into the
// caller's state with one unsigned min at the end. With no shingles the state is left
// untouched.
void MinHashClassicAvx2(const uint64_t* shingles, size_t n, const uint64_t* lanes,
                        uint64_t* state, size_t k) {
  if (n == 0) return;
  // 4 vectors x 4 lanes of state, with their multipliers and addends, fill the 16
  // registers.
  constexpr size_t kBlock = 4;
  const __m256i start = _mm256_set1_epi64x(0x7fffffffffffffffLL);
  size_t i = 0;
  for (; i + 4 * kBlock <= k; i += 4 * kBlock) {
    __m256i st[kBlock];
    Lanes c[kBlock];
    for (size_t v = 0; v < kBlock; ++v) {
      st[v] = start;
      c[v] = LoadLanes(lanes + i + 4 * v);
    }
    for (size_t s = 0; s < n; ++s) {
      const __m256i x = _mm256_set1_epi64x(static_cast<long long>(shingles[s]));
      for (size_t v = 0; v < kBlock; ++v) {
        const __m256i p = LaneHash(x, c[v]);
        st[v] = _mm256_blendv_epi8(st[v], p, _mm256_cmpgt_epi64(st[v], p));
      }
    }
    for (size_t v = 0; v < kBlock; ++v) {
      auto* out = reinterpret_cast<__m256i*>(state + i + 4 * v);
      _mm256_storeu_si256(out, MinU64(_mm256_loadu_si256(out), st[v]));
    }
  }
  for (; i + 4 <= k; i += 4) {
    __m256i st = start;
    const Lanes c = LoadLanes(lanes + i);
    for (size_t s = 0; s < n; ++s) {
      const __m256i x = _mm256_set1_epi64x(static_cast<long long>(shingles[s]));
      const __m256i p = LaneHash(x, c);
      st = _mm256_blendv_epi8(st, p, _mm256_cmpgt_epi64(st, p));
    }
    auto* out = reinterpret_cast<__m256i*>(state + i);
    _mm256_storeu_si256(out, MinU64(_mm256_loadu_si256(out), st));
  }
  if (i < k) ScalarKernels().minhash_classic(shingles, n, lanes + i, state + i, k - i);
}

// Bits are expanded to bytes (0 or -1) and subtracted from 8-bit counters, which are
// flushed into the 64-bit totals before they can wrap.
inline void AddBits(uint64_t y, __m256i* c0, __m256i* c1) {
  const __m256i shuffle = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
                                           2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bitsel = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  const __m256i lo = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(y)));
  const __m256i hi = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(y >> 32)));
  const __m256i blo = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(lo, shuffle), bitsel), bitsel);
  const __m256i bhi = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(hi, shuffle), bitsel), bitsel);
  *c0 = _mm256_sub_epi8(*c0, blo);
  *c1 = _mm256_sub_epi8(*c1, bhi);
}

inline void Flush(__m256i c, uint64_t* counts) {
  alignas(32) uint8_t b[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(b), c);
  for (int i = 0; i < 32; ++i) counts[i] += b[i];
}

void SimHashCountAvx2(const uint64_t* shingles, size_t n, uint64_t seed, bool wide,
                      uint64_t* counts) {
  constexpr size_t kChunk = 255;
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t stop = start + kChunk < n ? start + kChunk : n;
    __m256i c0 = _mm256_setzero_si256(), c1 = _mm256_setzero_si256();
    __m256i w0 = _mm256_setzero_si256(), w1 = _mm256_setzero_si256();
    for (size_t s = start; s < stop; ++s) {
      AddBits(Mix64(shingles[s] ^ seed), &c0, &c1);
      if (wide) AddBits(Mix64(shingles[s] ^ seed ^ kSimHashWideSalt), &w0, &w1);
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

const KernelSet& Avx2Kernels() {
  // OPH's Mix64 and XXH3's 128-bit products need 64-bit multiplies, which AVX2 lacks:
  // those kernels are scalar's.
  static const KernelSet k{"avx2", &MinHashClassicAvx2, &SimHashCountAvx2, ScalarKernels().oph_update,
                           ScalarKernels().oph_fold, ScalarKernels().xxh3_windows40,
                           ScalarKernels().xxh3_finish4to8};
  return k;
}

}  // namespace neardup::internal
