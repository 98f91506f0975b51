// Scalar datasketch kernel: the reference every SIMD set must match.
#include "neardup/internal/datasketch_kernels.hpp"

namespace neardup::internal {
namespace {

void UpdateScalar(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b,
                  uint32_t* mins, size_t k) {
  for (size_t i = 0; i < k; ++i) {
    uint32_t m = mins[i];
    for (size_t t = 0; t < n; ++t) {
      const uint32_t v = DatasketchPermute(a[i], b[i], hv[t]);
      m = v < m ? v : m;
    }
    mins[i] = m;
  }
}

}  // namespace

const DatasketchKernelSet& ScalarDatasketchKernels() {
  static constexpr DatasketchKernelSet kSet{"scalar", &UpdateScalar};
  return kSet;
}

}  // namespace neardup::internal
