// Run-time kernel selection: once, from CPUID, overridable with NEARDUP_KERNEL.
#include <cstdlib>
#include <string_view>
#include <vector>

#include "neardup/internal/kernels.hpp"

namespace neardup::internal {
namespace {

#if NEARDUP_HAVE_X86_KERNELS
bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
}

bool CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("bmi2");
}
#endif

const KernelSet& Choose() {
  const auto supported = SupportedKernels();
  if (const char* env = std::getenv("NEARDUP_KERNEL"); env != nullptr && *env != '\0') {
    if (const KernelSet* k = FindKernels(env)) return *k;
  }
  return *supported.back();
}

}  // namespace

std::vector<const KernelSet*> SupportedKernels() {
  std::vector<const KernelSet*> out{&ScalarKernels()};
#if NEARDUP_HAVE_X86_KERNELS
  if (CpuHasAvx2()) out.push_back(&Avx2Kernels());
  if (CpuHasAvx512()) out.push_back(&Avx512Kernels());
#endif
  return out;
}

const KernelSet* FindKernels(std::string_view name) {
  for (const KernelSet* k : SupportedKernels()) {
    if (k->name == name) return k;
  }
  return nullptr;
}

const KernelSet& ActiveKernels() {
  static const KernelSet& active = Choose();
  return active;
}

}  // namespace neardup::internal
