// Scalar datasketch kernel: the reference every SIMD set must match.
#include "neardup/internal/datasketch_kernels.hpp"

namespace neardup::internal {
namespace {

void UpdateScalar(const uint32_t* hv, size_t n, const uint64_t* a, const uint64_t* b,
                  uint32_t* mins, size_t k) {
  DatasketchUpdateRange(hv, n, a, b, mins, 0, k);
}

}  // namespace

const DatasketchKernelSet& ScalarDatasketchKernels() {
  static constexpr DatasketchKernelSet kSet{"scalar", &UpdateScalar};
  return kSet;
}

}  // namespace neardup::internal
