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
  // One-permutation MinHash bins: for every shingle x, h = Mix64(x ^ salt) goes to bin
  // b = floor(h * k / 2^64) (MulHiRange) and state[b] = min(state[b], h).
  void (*oph_update)(const uint64_t* shingles, size_t n, uint64_t salt, uint64_t* state,
                     uint32_t k);
  // For i < k: values[i] = low 32 bits of Mix64(state[i]), and bit i % 64 of
  // empty_bits[i / 64] is set where state[i] is all ones (a bin no shingle reached).
  // Returns whether any bin is empty.
  bool (*oph_fold)(const uint64_t* state, uint32_t k, uint32_t* values, uint64_t* empty_bits);
  // Word 5-gram shingles: for every i with i + 5 <= count, out[i] = Xxh3Words40 (mix.hpp)
  // of units[i..i+5), the units stored little-endian, with the eight key words `keys`.
  void (*xxh3_windows40)(const uint64_t* units, size_t count, const uint64_t* keys, uint64_t* out);
  // Token hashes finished: for every i < n with lens[i] != 0, words[i] becomes
  // Xxh3Finish4to8(words[i], lens[i]) (mix.hpp), stored little-endian; the others are
  // left as they are.
  void (*xxh3_finish4to8)(uint64_t* words, const uint8_t* lens, size_t n);
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
