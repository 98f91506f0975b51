// The compiled SIMD kernels behind the signature stages, and their dispatcher.
// Not API: namespace neardup::internal.
//
// Every kernel set (scalar, AVX2, AVX-512) implements the same functions and must
// return bit-identical results; tests/signature/kernels_test.cpp checks each one the
// CPU supports against scalar. The active set is chosen once, on first use, from
// CPUID; the environment variable NEARDUP_KERNEL=scalar|avx2|avx512 overrides the
// choice (a set the CPU cannot run is refused and the best supported one is used).
#ifndef NEARDUP_INTERNAL_KERNELS_HPP_
#define NEARDUP_INTERNAL_KERNELS_HPP_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace neardup::internal {

struct KernelSet {
  std::string_view name;
  // Classic k-permutation MinHash. For every shingle x and lane i, with c = lanes[i]
  // and all 32-bit arithmetic mod 2^32:
  //   lo = lo32(x) * (lo32(c) | 1) + hi32(c),  hi = hi32(x) * (hi32(c) | 1) + lo32(c),
  //   state[i] = min(state[i], (uint64)lo * hi >> 1).
  // Each half is hashed by multiply-add (Dietzfelbinger) and the halves are combined
  // by one 32x32->64 multiply, which every SIMD width does natively. Adding c to the
  // halves alone (no multiply) is not enough: a shift keeps the cyclic order of the
  // values, so the minimum favours elements after large gaps and the estimate of a
  // small set is biased however large k is.
  void (*minhash_classic)(const uint64_t* shingles, size_t n, const uint64_t* lanes,
                          uint64_t* state, size_t k);
  // SimHash bit counters: for every x, y = Mix64(x ^ seed), counts[b] += bit b of y.
  // With wide == true a second word Mix64(x ^ seed ^ kSimHashWideSalt) feeds
  // counts[64..127].
  void (*simhash_count)(const uint64_t* shingles, size_t n, uint64_t seed, bool wide,
                        uint64_t* counts);
};

inline constexpr uint64_t kSimHashWideSalt = 0x5bd1e9955bd1e995ULL;

// The kernel set in use (chosen once, thread-safe).
const KernelSet& ActiveKernels();
// Every kernel set compiled in and runnable on this CPU, scalar first.
std::vector<const KernelSet*> SupportedKernels();
// Kernel set by name if compiled in and supported here, else nullptr.
const KernelSet* FindKernels(std::string_view name);

const KernelSet& ScalarKernels();
#if defined(__x86_64__) || defined(_M_X64)
const KernelSet& Avx2Kernels();
const KernelSet& Avx512Kernels();
#endif

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_KERNELS_HPP_
