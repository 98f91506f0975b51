// Integer mixers shared by the signature stages. Not API.
//
// These are fixed bijections on 64-bit words (the SplitMix64 / Murmur3 finalizer
// family). Their outputs are persisted inside signatures, so they must never change.
#ifndef NEARDUP_INTERNAL_MIX_HPP_
#define NEARDUP_INTERNAL_MIX_HPP_

#include <cstdint>

namespace neardup::internal {

// SplitMix64 finalizer: a bijection with full avalanche.
constexpr uint64_t Mix64(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Deterministic stream of 64-bit words derived from a seed (SplitMix64).
class SplitMix64 {
 public:
  constexpr explicit SplitMix64(uint64_t seed) noexcept : state_(seed) {}
  constexpr uint64_t Next() noexcept {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }

 private:
  uint64_t state_;
};

// floor(x * n / 2^64): maps a uniform 64-bit word onto [0, n) without modulo bias
// worth caring about and without a division.
inline uint32_t MulHiRange(uint64_t x, uint32_t n) noexcept {
  __extension__ using Uint128 = unsigned __int128;
  return static_cast<uint32_t>((static_cast<Uint128>(x) * n) >> 64);
}

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_MIX_HPP_
