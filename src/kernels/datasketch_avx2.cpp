// AVX2 datasketch kernel. Compiled with -mavx2; only called after CPUID says AVX2 is
// present.
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
  __m256i a, a_hi, b;
};

inline Perm LoadPerm(const uint64_t* a, const uint64_t* b) {
  const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
  return {va, _mm256_srli_epi64(va, 32), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b))};
}

inline __m256i Permute(const Perm& p, __m256i h) {
  const __m256i prime = _mm256_set1_epi64x((1LL << 61) - 1);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i x = _mm256_add_epi64(
      _mm256_add_epi64(_mm256_mul_epu32(p.a, h), _mm256_slli_epi64(_mm256_mul_epu32(p.a_hi, h), 32)),
      p.b);
  const __m256i s = _mm256_srli_epi64(x, 61);
  const __m256i y = _mm256_add_epi64(_mm256_and_si256(x, prime), s);
  const __m256i c = _mm256_srli_epi64(_mm256_add_epi64(y, one), 61);
  return _mm256_add_epi64(_mm256_add_epi64(x, s), c);
}

inline void FoldLow32(__m256i m, uint32_t* mins) {
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), m);
  for (int j = 0; j < 4; ++j) {
    const uint32_t v = static_cast<uint32_t>(lanes[j]);
    mins[j] = v < mins[j] ? v : mins[j];
  }
}

template <size_t kBlock>
void UpdateBlock(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b, uint32_t* mins) {
  Perm p[kBlock];
  __m256i m[kBlock];
  for (size_t v = 0; v < kBlock; ++v) {
    p[v] = LoadPerm(a + 4 * v, b + 4 * v);
    m[v] = _mm256_set1_epi64x(0xFFFFFFFFLL);
  }
  for (size_t t = 0; t < n; ++t) {
    const __m256i h = _mm256_set1_epi64x(static_cast<long long>(hv[t]));
    for (size_t v = 0; v < kBlock; ++v) m[v] = _mm256_min_epu32(m[v], Permute(p[v], h));
  }
  for (size_t v = 0; v < kBlock; ++v) FoldLow32(m[v], mins + 4 * v);
}

void UpdateAvx2(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b,
                uint32_t* mins, size_t k) {
  if (n == 0) return;
  size_t i = 0;
  // 3 x 4 lanes of (a, a_hi, b, min) take 12 of the 16 registers.
  for (; i + 12 <= k; i += 12) UpdateBlock<3>(hv, n, a + i, b + i, mins + i);
  for (; i + 4 <= k; i += 4) UpdateBlock<1>(hv, n, a + i, b + i, mins + i);
  DatasketchUpdateRange(hv, n, a, b, mins, i, k);
}

}  // namespace

const DatasketchKernelSet& Avx2DatasketchKernels() {
  static constexpr DatasketchKernelSet kSet{"avx2", &UpdateAvx2};
  return kSet;
}

}  // namespace neardup::internal
