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

// One 64-bit lane per permutation. hv < 2^32, so a * hv mod 2^64 needs two 32x32->64
// multiplies: lo32(a) * hv + (hi32(a) * hv << 32). The result is left in the low 32
// bits of each lane (see DatasketchPermute); the high bits are not cleared because the
// running minimum compares 32-bit halves independently and only the low halves are
// read out.
struct Perm {
  __m512i a, a_hi, b;
};

inline Perm LoadPerm(const uint64_t* a, const uint64_t* b) {
  const __m512i va = _mm512_loadu_si512(a);
  return {va, _mm512_srli_epi64(va, 32), _mm512_loadu_si512(b)};
}

inline __m512i Permute(const Perm& p, __m512i h) {
  const __m512i prime = _mm512_set1_epi64((1LL << 61) - 1);
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i x = _mm512_add_epi64(
      _mm512_add_epi64(_mm512_mul_epu32(p.a, h), _mm512_slli_epi64(_mm512_mul_epu32(p.a_hi, h), 32)),
      p.b);
  const __m512i s = _mm512_srli_epi64(x, 61);
  const __m512i y = _mm512_add_epi64(_mm512_and_si512(x, prime), s);
  const __m512i c = _mm512_srli_epi64(_mm512_add_epi64(y, one), 61);
  return _mm512_add_epi64(_mm512_add_epi64(x, s), c);
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
  // 4 x 8 lanes of (a, a_hi, b, min) take 16 of the 32 registers.
  for (; i + 32 <= k; i += 32) UpdateBlock<4>(hv, n, a + i, b + i, mins + i);
  for (; i + 8 <= k; i += 8) UpdateBlock<1>(hv, n, a + i, b + i, mins + i);
  for (; i < k; ++i) {
    uint32_t m = mins[i];
    for (size_t t = 0; t < n; ++t) {
      const uint32_t v = DatasketchPermute(a[i], b[i], hv[t]);
      m = v < m ? v : m;
    }
    mins[i] = m;
  }
}

}  // namespace

const DatasketchKernelSet& Avx512DatasketchKernels() {
  static constexpr DatasketchKernelSet kSet{"avx512", &UpdateAvx512};
  return kSet;
}

}  // namespace neardup::internal
