// The compiled kernels behind signature/datasketch.hpp, and their dispatcher.
// Not API: namespace neardup::internal.
//
// One set per instruction set (scalar, AVX2, AVX-512), each bit-identical to scalar
// (tests/signature/datasketch_test.cpp runs every set the CPU supports). The set in
// use follows the signature kernels' choice (internal/kernels.hpp: CPUID, overridden
// by NEARDUP_KERNEL=scalar|avx2|avx512).
#ifndef NEARDUP_INTERNAL_DATASKETCH_KERNELS_HPP_
#define NEARDUP_INTERNAL_DATASKETCH_KERNELS_HPP_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace neardup::internal {

// datasketch's permuted hash, ((a * hv + b) mod 2^64 mod (2^61 - 1)) & (2^32 - 1),
// without a division: x mod p for p = 2^61 - 1 is y = (x & p) + (x >> 61) <= p + 7,
// minus p when y >= p; and since p = -1 mod 2^32, subtracting p adds 1 to the low 32
// bits. y >= p exactly when (y + 1) >> 61 is 1 (y + 1 < 2^62).
inline uint32_t DatasketchPermute(uint64_t a, uint64_t b, uint32_t hv) {
  const uint64_t x = a * hv + b;
  const uint64_t y = (x & ((uint64_t{1} << 61) - 1)) + (x >> 61);
  return static_cast<uint32_t>(y + ((y + 1) >> 61));
}

// The scalar update for permutations [begin, end): the reference, and the SIMD
// kernels' tail.
inline void DatasketchUpdateRange(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b,
                                  uint32_t* mins, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    uint32_t m = mins[i];
    for (size_t t = 0; t < n; ++t) {
      const uint32_t v = DatasketchPermute(a[i], b[i], hv[t]);
      m = v < m ? v : m;
    }
    mins[i] = m;
  }
}

struct DatasketchKernelSet {
  std::string_view name;
  // For all t < n and i < k: mins[i] = min(mins[i], DatasketchPermute(a[i], b[i], hv[t])).
  void (*update)(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b,
                 uint32_t* mins, size_t k);
};

const DatasketchKernelSet& ActiveDatasketchKernels();
std::vector<const DatasketchKernelSet*> SupportedDatasketchKernels();

const DatasketchKernelSet& ScalarDatasketchKernels();
#if defined(__x86_64__) || defined(_M_X64)
const DatasketchKernelSet& Avx2DatasketchKernels();
const DatasketchKernelSet& Avx512DatasketchKernels();
#endif

// datasketch's token hash with the SHA extensions (src/kernels/datasketch_sha1_shani.cpp),
// four tokens at a time: out[i] = Sha1Hash32(tokens[i]). Only on an x86 CPU that has
// them (CpuHasShaNi); Sha1Hash32Batch uses it then unless NEARDUP_KERNEL=scalar.
bool CpuHasShaNi();
void Sha1Hash32BatchShaNi(const std::string_view* tokens, size_t n, uint32_t* out);

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_DATASKETCH_KERNELS_HPP_
