// datasketch's token hash (the first 4 bytes of SHA-1, little-endian) with the SHA
// extensions. Compiled with -msha -msse4.1; only called after CPUID says the CPU has
// them. Bit-identical to OpenSSL's SHA-1 (tests/signature/datasketch_test.cpp compares
// every length from 0 to 300 bytes). Four tokens are hashed at once: a SHA-1 block is a
// chain of 20 dependent sha1rnds4 instructions, and interleaving independent tokens
// keeps the SHA unit busy. On the 40-byte tokens of python/bench/bench_python.py (AMD
// EPYC, best of 5 runs on a shared machine): 31 ns per token with four lanes, 36 with
// three, 40 with two, against 70 ns for OpenSSL's SHA1_Init/Update/Final.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "neardup/internal/datasketch_kernels.hpp"

namespace neardup::internal {
namespace {

constexpr int kLanes = 4;

struct Sha1State {
  __m128i abcd;  // A in the highest lane, as sha1rnds4 wants it
  __m128i e;     // E in the highest lane
};

inline Sha1State InitialState() {
  return {_mm_set_epi32(0x67452301, static_cast<int>(0xEFCDAB89), static_cast<int>(0x98BADCFE), 0x10325476),
          _mm_set_epi32(static_cast<int>(0xC3D2E1F0), 0, 0, 0)};
}

// One 64-byte block into each of kLanes states.
inline void Compress(Sha1State* s, const unsigned char* const* blocks) {
  const __m128i kByteSwap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i w[kLanes][4], abcd[kLanes], e0[kLanes], e1[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    for (int i = 0; i < 4; ++i) {
      w[l][i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[l] + 16 * i)), kByteSwap);
    }
    abcd[l] = s[l].abcd;
    e0[l] = s[l].e;
  }
  // Rounds 4g .. 4g + 3 use the schedule words W_g in w[g % 4], and E alternates
  // between e0 and e1. W_j (j >= 4) = sha1msg2(sha1msg1(W_{j-4}, W_{j-3}) ^ W_{j-2},
  // W_{j-1}) is built up in w[j % 4] over the groups before j, as each of its inputs
  // becomes available (Intel's reference order).
#define NEARDUP_SHA1_GROUP(g, F)                                                                      \
  for (int l = 0; l < kLanes; ++l) {                                                                  \
    const __m128i m = w[l][(g) % 4];                                                                  \
    if ((g) % 2 == 0) {                                                                               \
      e0[l] = (g) == 0 ? _mm_add_epi32(e0[l], m) : _mm_sha1nexte_epu32(e0[l], m);                     \
      e1[l] = abcd[l];                                                                                \
    } else {                                                                                          \
      e1[l] = _mm_sha1nexte_epu32(e1[l], m);                                                          \
      e0[l] = abcd[l];                                                                                \
    }                                                                                                 \
    if ((g) >= 3 && (g) <= 18) w[l][((g) + 1) % 4] = _mm_sha1msg2_epu32(w[l][((g) + 1) % 4], m);     \
    abcd[l] = _mm_sha1rnds4_epu32(abcd[l], (g) % 2 == 0 ? e0[l] : e1[l], F);                         \
    if ((g) >= 1 && (g) <= 16) w[l][((g) + 3) % 4] = _mm_sha1msg1_epu32(w[l][((g) + 3) % 4], m);     \
    if ((g) >= 2 && (g) <= 17) w[l][((g) + 2) % 4] = _mm_xor_si128(w[l][((g) + 2) % 4], m);          \
  }
  NEARDUP_SHA1_GROUP(0, 0)
  NEARDUP_SHA1_GROUP(1, 0)
  NEARDUP_SHA1_GROUP(2, 0)
  NEARDUP_SHA1_GROUP(3, 0)
  NEARDUP_SHA1_GROUP(4, 0)
  NEARDUP_SHA1_GROUP(5, 1)
  NEARDUP_SHA1_GROUP(6, 1)
  NEARDUP_SHA1_GROUP(7, 1)
  NEARDUP_SHA1_GROUP(8, 1)
  NEARDUP_SHA1_GROUP(9, 1)
  NEARDUP_SHA1_GROUP(10, 2)
  NEARDUP_SHA1_GROUP(11, 2)
  NEARDUP_SHA1_GROUP(12, 2)
  NEARDUP_SHA1_GROUP(13, 2)
  NEARDUP_SHA1_GROUP(14, 2)
  NEARDUP_SHA1_GROUP(15, 3)
  NEARDUP_SHA1_GROUP(16, 3)
  NEARDUP_SHA1_GROUP(17, 3)
  NEARDUP_SHA1_GROUP(18, 3)
  NEARDUP_SHA1_GROUP(19, 3)
#undef NEARDUP_SHA1_GROUP
  for (int l = 0; l < kLanes; ++l) {
    // After group 19 (odd) the next E is in e0; it still needs the rotate of sha1nexte.
    s[l].e = _mm_sha1nexte_epu32(e0[l], s[l].e);
    s[l].abcd = _mm_add_epi32(abcd[l], s[l].abcd);
  }
}

// The blocks of one token: the whole 64-byte blocks in place, then the padded tail
// (one or two blocks) in `tail`.
struct TokenBlocks {
  const unsigned char* data = nullptr;
  size_t whole = 0;  // whole blocks in data
  size_t count = 0;  // whole + tail blocks
  alignas(16) unsigned char tail[128];

  void Set(std::string_view token) {
    data = reinterpret_cast<const unsigned char*>(token.data());
    whole = token.size() / 64;
    const size_t rest = token.size() % 64;
    const size_t tail_blocks = rest < 56 ? 1 : 2;
    count = whole + tail_blocks;
    unsigned char* len = tail + 64 * tail_blocks - 8;
    if (rest != 0) std::memcpy(tail, data + 64 * whole, rest);
    tail[rest] = 0x80;
    std::memset(tail + rest + 1, 0, static_cast<size_t>(len - tail) - rest - 1);
    const uint64_t bits = static_cast<uint64_t>(token.size()) * 8;
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
  }
  const unsigned char* Block(size_t i) const { return i < whole ? data + 64 * i : tail + 64 * (i - whole); }
};

uint32_t FirstWordLittleEndian(const Sha1State& s) {
  // A is the highest lane; the digest's first 4 bytes are A big-endian.
  return __builtin_bswap32(static_cast<uint32_t>(_mm_extract_epi32(s.abcd, 3)));
}

}  // namespace

void Sha1Hash32BatchShaNi(const std::string_view* tokens, size_t n, uint32_t* out) {
  TokenBlocks blocks[kLanes];
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    size_t most = 0;
    for (int l = 0; l < kLanes; ++l) {
      blocks[l].Set(tokens[i + l]);
      most = std::max(most, blocks[l].count);
    }
    Sha1State s[kLanes];
    Sha1State done[kLanes] = {};
    for (int l = 0; l < kLanes; ++l) s[l] = InitialState();
    // Tokens of unequal lengths: a lane that has run out hashes its last block again
    // (a wasted but harmless computation) and keeps the state it had when it finished.
    for (size_t b = 0; b < most; ++b) {
      const unsigned char* p[kLanes];
      for (int l = 0; l < kLanes; ++l) p[l] = blocks[l].Block(std::min(b, blocks[l].count - 1));
      Compress(s, p);
      for (int l = 0; l < kLanes; ++l) {
        if (b + 1 == blocks[l].count) done[l] = s[l];
      }
    }
    for (int l = 0; l < kLanes; ++l) out[i + l] = FirstWordLittleEndian(done[l]);
  }
  for (; i < n; ++i) {
    // The last tokens: the first lane carries the token, the others repeat it.
    std::string_view rest[kLanes];
    std::fill(rest, rest + kLanes, tokens[i]);
    uint32_t h[kLanes];
    Sha1Hash32BatchShaNi(rest, kLanes, h);
    out[i] = h[0];
  }
}

}  // namespace neardup::internal
