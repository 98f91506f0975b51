// Known answers for the hashes `neardup bench` compares: the published check values of
// each algorithm, so a slip in any step (a constant, a rotation, the tail) fails.
#include "neardup/internal/hashes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace neardup::internal {
namespace {

uint64_t Fnv(std::string_view s) { return Fnv1a64(s.data(), s.size()); }

// The FNV authors' test vectors (draft-eastlake-fnv, appendix C).
TEST(Fnv1a64, PublishedVectors) {
  EXPECT_EQ(Fnv(""), 0xCBF29CE484222325ULL);
  EXPECT_EQ(Fnv("a"), 0xAF63DC4C8601EC8CULL);
  EXPECT_EQ(Fnv("foobar"), 0x85944171F73967E8ULL);
}

// SMHasher's VerificationTest: hash the keys {}, {0}, {0, 1}, ..., {0..254} with seed
// 256 - length, hash the concatenated results with seed 0, and read the first four
// bytes of that as a little-endian word.
template <class Hash>
uint32_t SmhasherVerification(size_t hash_bytes, Hash hash) {
  std::vector<unsigned char> key(256), results(256 * hash_bytes), out(hash_bytes);
  for (size_t i = 0; i < 256; ++i) {
    key[i] = static_cast<unsigned char>(i);
    hash(key.data(), i, static_cast<uint32_t>(256 - i), results.data() + i * hash_bytes);
  }
  hash(results.data(), results.size(), 0, out.data());
  return uint32_t{out[0]} | uint32_t{out[1]} << 8 | uint32_t{out[2]} << 16 | uint32_t{out[3]} << 24;
}

void StoreLe(uint64_t v, unsigned char* out, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

TEST(Murmur3X86_32, SmhasherVerificationValue) {
  const uint32_t v = SmhasherVerification(4, [](const void* p, size_t n, uint32_t seed, unsigned char* out) {
    StoreLe(Murmur3X86_32(p, n, seed), out, 4);
  });
  EXPECT_EQ(v, 0xB0F57EE3u);
}

TEST(Murmur3X86_32, PublishedVectors) {
  EXPECT_EQ(Murmur3X86_32("", 0, 0), 0u);
  EXPECT_EQ(Murmur3X86_32("", 0, 1), 0x514E28B7u);
  EXPECT_EQ(Murmur3X86_32("", 0, 0xFFFFFFFFu), 0x81F16F39u);
  EXPECT_EQ(Murmur3X86_32("\0\0\0\0", 4, 0), 0x2362F9DEu);
  EXPECT_EQ(Murmur3X86_32("aaaa", 4, 0x9747B28Cu), 0x5A97808Au);
}

TEST(Murmur3X64_128, SmhasherVerificationValue) {
  const uint32_t v = SmhasherVerification(16, [](const void* p, size_t n, uint32_t seed, unsigned char* out) {
    const Hash128 h = Murmur3X64_128(p, n, seed);
    StoreLe(h.low, out, 8);
    StoreLe(h.high, out + 8, 8);
  });
  EXPECT_EQ(v, 0x6384BA69u);
}

uint32_t Crc(uint32_t (*f)(uint32_t, const void*, size_t), const std::string& s) {
  return f(0, s.data(), s.size());
}

// The CRC catalogue's check value and the iSCSI vectors of RFC 3720, B.4, for the table
// and (when the CPU has it) the instruction, and for inputs split at every point.
TEST(Crc32c, PublishedVectors) {
  std::vector<uint32_t (*)(uint32_t, const void*, size_t)> impls = {&Crc32cTable};
#if NEARDUP_HAVE_CRC32C_SSE42
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) impls.push_back(&Crc32cSse42);
#endif
  std::string inc(32, '\0'), dec(32, '\0');
  for (int i = 0; i < 32; ++i) {
    inc[i] = static_cast<char>(i);
    dec[i] = static_cast<char>(31 - i);
  }
  for (auto* f : impls) {
    SCOPED_TRACE(f == &Crc32cTable ? "table" : "sse4.2");
    EXPECT_EQ(Crc(f, "123456789"), 0xE3069283u);
    EXPECT_EQ(Crc(f, std::string(32, '\0')), 0x8A9136AAu);
    EXPECT_EQ(Crc(f, std::string(32, '\xFF')), 0x62A8AB43u);
    EXPECT_EQ(Crc(f, inc), 0x46DD794Eu);
    EXPECT_EQ(Crc(f, dec), 0x113FDB5Cu);
    EXPECT_EQ(Crc(f, ""), 0u);
    const std::string text = "The quick brown fox jumps over the lazy dog, twice: The quick brown fox.";
    const uint32_t whole = Crc(f, text);
    for (size_t cut = 0; cut <= text.size(); ++cut) {
      EXPECT_EQ(f(f(0, text.data(), cut), text.data() + cut, text.size() - cut), whole) << cut;
    }
  }
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
}

TEST(Crc32c, InstructionMatchesTableOnEveryLength) {
#if NEARDUP_HAVE_CRC32C_SSE42
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("sse4.2")) GTEST_SKIP() << "no SSE4.2";
  std::string bytes(300, '\0');
  uint64_t x = 1;
  for (char& c : bytes) c = static_cast<char>((x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);
  for (size_t off = 0; off < 8; ++off) {
    for (size_t len = 0; off + len <= bytes.size(); ++len) {
      ASSERT_EQ(Crc32cSse42(7, bytes.data() + off, len), Crc32cTable(7, bytes.data() + off, len)) << off << " " << len;
    }
  }
#else
  GTEST_SKIP() << "not x86-64";
#endif
}

}  // namespace
}  // namespace neardup::internal
