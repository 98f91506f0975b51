// AVX-512 datasketch kernel. Compiled with -mavx512f; only called after CPUID says
// AVX-512 is present.
// GCC 12 warns about its own intrinsics headers (_mm512_undefined_*); not our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "neardup/internal/datasketch_kernels.hpp"

namespace neardup::internal {
namespace {

// One 64-bit lane per permutation: x = a * hv + b with one 64-bit multiply (DQ), then
// DatasketchPermute's reduction. The result is left in the low 32 bits of each lane;
// the high bits are not cleared because the running minimum compares 32-bit halves
// independently and only the low halves are read out. With y = (x & p) + (x >> 61),
// the low half of y is that of x plus x >> 61, and y >= p adds one more.
struct Perm {
  __m512i a, b;
};

inline Perm LoadPerm(const uint64_t* a, const uint64_t* b) {
  return {_mm512_loadu_si512(a), _mm512_loadu_si512(b)};
}

inline __m512i Permute(const Perm& p, __m512i h) {
  const __m512i prime = _mm512_set1_epi64((1LL << 61) - 1);
  const __m512i x = _mm512_add_epi64(_mm512_mullo_epi64(p.a, h), p.b);
  const __m512i y = _mm512_add_epi64(_mm512_and_si512(x, prime), _mm512_srli_epi64(x, 61));
  const __mmask8 wrap = _mm512_cmpge_epu64_mask(y, prime);
  return _mm512_mask_add_epi64(y, wrap, y, _mm512_set1_epi64(1));
}

inline void FoldLow32(__m512i m, uint32_t* mins) {
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, m);
  for (int j = 0; j < 8; ++j) {
    const uint32_t v = static_cast<uint32_t>(lanes[j]);
    mins[j] = v < mins[j] ? v : mins[j];
  }
}

template <size_t kBlock>
void UpdateBlock(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b, uint32_t* mins) {
  Perm p[kBlock];
  __m512i m[kBlock];
  for (size_t v = 0; v < kBlock; ++v) {
    p[v] = LoadPerm(a + 8 * v, b + 8 * v);
    m[v] = _mm512_set1_epi64(0xFFFFFFFFLL);
  }
  for (size_t t = 0; t < n; ++t) {
    const __m512i h = _mm512_set1_epi64(static_cast<long long>(hv[t]));
    for (size_t v = 0; v < kBlock; ++v) m[v] = _mm512_min_epu32(m[v], Permute(p[v], h));
  }
  for (size_t v = 0; v < kBlock; ++v) FoldLow32(m[v], mins + 8 * v);
}

void UpdateAvx512(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b,
                uint32_t* mins, size_t k) {
  if (n == 0) return;
  size_t i = 0;
  // 4 x 8 lanes of (a, b, min) and the constants fit the 32 registers.
  for (; i + 32 <= k; i += 32) UpdateBlock<4>(hv, n, a + i, b + i, mins + i);
  for (; i + 8 <= k; i += 8) UpdateBlock<1>(hv, n, a + i, b + i, mins + i);
  DatasketchUpdateRange(hv, n, a, b, mins, i, k);
}

}  // namespace

const DatasketchKernelSet& Avx512DatasketchKernels() {
  static constexpr DatasketchKernelSet kSet{"avx512", &UpdateAvx512};
  return kSet;
}

}  // namespace neardup::internal
