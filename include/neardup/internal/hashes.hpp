// Reference implementations of the non-cryptographic hashes users compare neardup's
// XXH3 against, for `neardup bench` and bench/hash_bench.cpp. Not API, and not used
// by any signing path: signatures hash with XXH3 only (see shingle/shingle.hpp).
//
//   uint64_t a = neardup::internal::Fnv1a64(p, n);
//   neardup::internal::Hash128 b = neardup::internal::Murmur3X64_128(p, n, /*seed=*/0);
//   uint32_t c = neardup::internal::Crc32c(p, n);   // SSE4.2 when the CPU has it
//
// Each is written from its published description and pinned in
// tests/internal/hashes_test.cpp by the published check values:
//   - FNV-1a 64 (Fowler, Noll, Vo; draft-eastlake-fnv): offset basis
//     0xcbf29ce484222325, prime 0x100000001b3, one xor and one multiply per byte;
//   - MurmurHash3 x86_32 and x64_128 (Appleby, SMHasher): 4- and 16-byte blocks,
//     tail, fmix finalizers; results as the reference code's little-endian outputs;
//   - CRC-32C (Castagnoli; RFC 3720 appendix B.4): reflected polynomial 0x82F63B78,
//     initial value and final xor 0xFFFFFFFF. The SSE4.2 `crc32` instruction computes
//     exactly this polynomial, 8 bytes per instruction; CPUs without it use a
//     slicing-by-8 table. The choice is made once, from CPUID, and can be forced to
//     the table with NEARDUP_CRC32C=table (tests run both).
// Thread safety: pure functions.
#ifndef NEARDUP_INTERNAL_HASHES_HPP_
#define NEARDUP_INTERNAL_HASHES_HPP_

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace neardup::internal {

struct Hash128 {
  uint64_t low;   // the first 8 bytes of the reference output, little-endian
  uint64_t high;  // the next 8
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

namespace hashes_detail {
inline uint32_t Load32(const unsigned char* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}
inline uint64_t Load64(const unsigned char* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}
constexpr uint32_t Fmix32(uint32_t h) noexcept {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  return h ^ (h >> 16);
}
constexpr uint64_t Fmix64(uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xFF51AFD7ED558CCDULL;
  k ^= k >> 33;
  k *= 0xC4CEB9FE1A85EC53ULL;
  return k ^ (k >> 33);
}
}  // namespace hashes_detail

// FNV-1a, 64-bit.
inline uint64_t Fnv1a64(const void* data, size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 0xCBF29CE484222325ULL;
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x00000100000001B3ULL;
  }
  return h;
}

// MurmurHash3_x86_32.
inline uint32_t Murmur3X86_32(const void* data, size_t len, uint32_t seed) noexcept {
  using hashes_detail::Load32;
  const auto* p = static_cast<const unsigned char*>(data);
  constexpr uint32_t c1 = 0xCC9E2D51u, c2 = 0x1B873593u;
  uint32_t h = seed;
  const size_t blocks = len / 4;
  for (size_t i = 0; i < blocks; ++i) {
    uint32_t k = Load32(p + 4 * i);
    k *= c1;
    k = std::rotl(k, 15);
    k *= c2;
    h ^= k;
    h = std::rotl(h, 13);
    h = h * 5 + 0xE6546B64u;
  }
  const unsigned char* tail = p + 4 * blocks;
  uint32_t k = 0;
  switch (len & 3) {
    case 3: k ^= uint32_t{tail[2]} << 16; [[fallthrough]];
    case 2: k ^= uint32_t{tail[1]} << 8; [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = std::rotl(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(len);
  return hashes_detail::Fmix32(h);
}

// MurmurHash3_x64_128.
inline Hash128 Murmur3X64_128(const void* data, size_t len, uint32_t seed) noexcept {
  using hashes_detail::Fmix64;
  using hashes_detail::Load64;
  const auto* p = static_cast<const unsigned char*>(data);
  constexpr uint64_t c1 = 0x87C37B91114253D5ULL, c2 = 0x4CF5AD432745937FULL;
  uint64_t h1 = seed, h2 = seed;
  const size_t blocks = len / 16;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = Load64(p + 16 * i), k2 = Load64(p + 16 * i + 8);
    k1 *= c1;
    k1 = std::rotl(k1, 31);
    k1 *= c2;
    h1 ^= k1;
    h1 = std::rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52DCE729;
    k2 *= c2;
    k2 = std::rotl(k2, 33);
    k2 *= c1;
    h2 ^= k2;
    h2 = std::rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495AB5;
  }
  const unsigned char* tail = p + 16 * blocks;
  uint64_t k1 = 0, k2 = 0;
  switch (len & 15) {
    case 15: k2 ^= uint64_t{tail[14]} << 48; [[fallthrough]];
    case 14: k2 ^= uint64_t{tail[13]} << 40; [[fallthrough]];
    case 13: k2 ^= uint64_t{tail[12]} << 32; [[fallthrough]];
    case 12: k2 ^= uint64_t{tail[11]} << 24; [[fallthrough]];
    case 11: k2 ^= uint64_t{tail[10]} << 16; [[fallthrough]];
    case 10: k2 ^= uint64_t{tail[9]} << 8; [[fallthrough]];
    case 9:
      k2 ^= uint64_t{tail[8]};
      k2 *= c2;
      k2 = std::rotl(k2, 33);
      k2 *= c1;
      h2 ^= k2;
      [[fallthrough]];
    case 8: k1 ^= uint64_t{tail[7]} << 56; [[fallthrough]];
    case 7: k1 ^= uint64_t{tail[6]} << 48; [[fallthrough]];
    case 6: k1 ^= uint64_t{tail[5]} << 40; [[fallthrough]];
    case 5: k1 ^= uint64_t{tail[4]} << 32; [[fallthrough]];
    case 4: k1 ^= uint64_t{tail[3]} << 24; [[fallthrough]];
    case 3: k1 ^= uint64_t{tail[2]} << 16; [[fallthrough]];
    case 2: k1 ^= uint64_t{tail[1]} << 8; [[fallthrough]];
    case 1:
      k1 ^= uint64_t{tail[0]};
      k1 *= c1;
      k1 = std::rotl(k1, 31);
      k1 *= c2;
      h1 ^= k1;
  }
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = Fmix64(h1);
  h2 = Fmix64(h2);
  h1 += h2;
  h2 += h1;
  return {h1, h2};
}

// ---------------------------------------------------------------------------------
// CRC-32C.

// Slicing-by-8 tables: kCrc32cTable[0] is the classic byte-at-a-time table; table j
// advances a byte's contribution by j more zero bytes.
inline constexpr std::array<std::array<uint32_t, 256>, 8> kCrc32cTable = [] {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int b = 0; b < 8; ++b) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
    t[0][i] = c;
  }
  for (size_t j = 1; j < 8; ++j) {
    for (uint32_t i = 0; i < 256; ++i) t[j][i] = (t[j - 1][i] >> 8) ^ t[0][t[j - 1][i] & 0xFF];
  }
  return t;
}();

// Continues a CRC-32C: `crc` is a previous result (0 to start).
inline uint32_t Crc32cTable(uint32_t crc, const void* data, size_t len) noexcept {
  const auto& t = kCrc32cTable;
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  for (; len >= 8; len -= 8, p += 8) {
    const uint64_t v = hashes_detail::Load64(p) ^ c;
    c = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
        t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
  }
  for (; len > 0; --len, ++p) c = (c >> 8) ^ t[0][(c ^ *p) & 0xFF];
  return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NEARDUP_HAVE_CRC32C_SSE42 1
// The SSE4.2 `crc32` instruction (compiler builtins, enabled for this function only):
// callers must check the CPU first (Crc32c does).
__attribute__((target("sse4.2"))) inline uint32_t Crc32cSse42(uint32_t crc, const void* data,
                                                               size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t c = ~crc;
  for (; len >= 8; len -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
  }
  auto c32 = static_cast<uint32_t>(c);
  if (len >= 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    c32 = __builtin_ia32_crc32si(c32, v);
    p += 4;
    len -= 4;
  }
  for (; len > 0; --len, ++p) c32 = __builtin_ia32_crc32qi(c32, *p);
  return ~c32;
}
#else
#define NEARDUP_HAVE_CRC32C_SSE42 0
#endif

// True when Crc32c uses the instruction: the CPU has SSE4.2 and NEARDUP_CRC32C is not
// "table". Decided once.
inline bool Crc32cUsesSse42() noexcept {
#if NEARDUP_HAVE_CRC32C_SSE42
  static const bool use = [] {
    const char* env = std::getenv("NEARDUP_CRC32C");
    if (env != nullptr && std::string_view(env) == "table") return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return use;
#else
  return false;
#endif
}

inline uint32_t Crc32c(uint32_t crc, const void* data, size_t len) noexcept {
#if NEARDUP_HAVE_CRC32C_SSE42
  if (Crc32cUsesSse42()) return Crc32cSse42(crc, data, len);
#endif
  return Crc32cTable(crc, data, len);
}
inline uint32_t Crc32c(const void* data, size_t len) noexcept { return Crc32c(0, data, len); }

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_HASHES_HPP_
