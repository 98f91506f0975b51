// Integer mixers shared by the signature stages. Not API.
//
// These are fixed bijections on 64-bit words (the SplitMix64 / Murmur3 finalizer
// family). Their outputs are persisted inside signatures, so they must never change.
#ifndef NEARDUP_INTERNAL_MIX_HPP_
#define NEARDUP_INTERNAL_MIX_HPP_

#include <bit>
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

// A MinHash value from a bin's (or permutation's) minimum: the low 32 bits of its mix.
inline uint32_t FoldMinimum(uint64_t v) noexcept { return static_cast<uint32_t>(Mix64(v)); }

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

// The 128-bit product of a and b, its two halves xor-ed (XXH3's mul128_fold64).
inline uint64_t MulFold64(uint64_t a, uint64_t b) noexcept {
  __extension__ using Uint128 = unsigned __int128;
  const Uint128 p = static_cast<Uint128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

// XXH3-64's last steps for inputs of 4 to 8 bytes (XXH3_rrmxmx): `h` is the input's
// first and last 32-bit words combined and keyed (shingle.hpp's Xxh3Seeded::Keyed4to8),
// `len` its length.
inline uint64_t Xxh3Finish4to8(uint64_t h, uint64_t len) noexcept {
  h ^= std::rotl(h, 49) ^ std::rotl(h, 24);
  h *= 0x9FB21C651E98DF25ULL;
  h ^= (h >> 35) + len;
  h *= 0x9FB21C651E98DF25ULL;
  return h ^ (h >> 28);
}

// XXH3's final avalanche for inputs of 17 bytes and more (XXH3_avalanche).
inline uint64_t Xxh3Avalanche(uint64_t h) noexcept {
  h ^= h >> 37;
  h *= 0x165667919E3779F9ULL;
  return h ^ (h >> 32);
}

// XXH3-64 of 40 bytes, the five words w[0..4] (read little-endian), with the seed
// already folded into the eight key words (shingle.hpp's Xxh3Seeded::For40Bytes): the
// hash of one word 5-gram of token hashes.
inline uint64_t Xxh3Words40(const uint64_t* w, const uint64_t* key) noexcept {
  return Xxh3Avalanche(40 * 0x9E3779B185EBCA87ULL + MulFold64(w[0] ^ key[0], w[1] ^ key[1]) +
                       MulFold64(w[3] ^ key[2], w[4] ^ key[3]) + MulFold64(w[2] ^ key[4], w[3] ^ key[5]) +
                       MulFold64(w[1] ^ key[6], w[2] ^ key[7]));
}

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_MIX_HPP_
