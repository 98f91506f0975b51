#include "neardup/shingle/shingle.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "neardup/signature/signer.hpp"
#include "neardup/text/normalize.hpp"

namespace neardup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<uint64_t> Word(std::string_view text, uint32_t n = 5, uint64_t seed = 0) {
  Shingler sh({.kind = ShingleKind::kWord, .n = n, .seed = seed});
  return sh.Shingle(text);
}

std::vector<uint64_t> Char(std::string_view text, uint32_t n = 5, uint64_t seed = 0) {
  Shingler sh({.kind = ShingleKind::kChar, .n = n, .seed = seed});
  return sh.Shingle(text);
}

// Word shingles rebuilt from their documented definition: XXH3-64 of the window's
// token hashes (little-endian 64-bit words; this test runs on little-endian hosts).
std::vector<uint64_t> WordByDefinition(const std::vector<std::string>& tokens, size_t n,
                                       uint64_t seed) {
  std::vector<uint64_t> th;
  for (const auto& t : tokens) th.push_back(XXH3_64bits_withSeed(t.data(), t.size(), seed));
  std::vector<uint64_t> out;
  if (th.empty()) return out;
  if (th.size() < n) {
    out.push_back(XXH3_64bits_withSeed(th.data(), th.size() * 8, seed));
    return out;
  }
  for (size_t i = 0; i + n <= th.size(); ++i) {
    out.push_back(XXH3_64bits_withSeed(th.data() + i, n * 8, seed));
  }
  return out;
}

TEST(ShingleOptions, Defaults) {
  const ShingleOptions o;
  EXPECT_EQ(o.kind, ShingleKind::kWord);
  EXPECT_EQ(o.n, 5u);
  EXPECT_EQ(o.seed, 0u);
  EXPECT_TRUE(o.Validate().ok());
  EXPECT_STREQ(ShingleKindName(ShingleKind::kWord), "word");
  EXPECT_STREQ(ShingleKindName(ShingleKind::kChar), "char");
}

TEST(ShingleOptions, ValidateMessages) {
  ShingleOptions o;
  o.n = 0;
  EXPECT_EQ(o.Validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(o.Validate().message(), "shingle size n must be in [1, 64], got 0");
  o.n = 65;
  EXPECT_EQ(o.Validate().message(), "shingle size n must be in [1, 64], got 65");
  o.n = 64;
  EXPECT_TRUE(o.Validate().ok());
  o.kind = static_cast<ShingleKind>(3);
  EXPECT_EQ(o.Validate().message(), "shingle kind must be word (1) or char (2), got 3");
}

TEST(ShingleOptions, ShinglerRefusesNOutOfRangeInsteadOfClamping) {
  absl::StatusOr<Shingler> s = Shingler::Create({.n = 0});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "shingle size n must be in [1, 64], got 0");
  EXPECT_EQ(Shingler::Create({.n = 1000}).status().message(), "shingle size n must be in [1, 64], got 1000");
  ASSERT_TRUE(Shingler::Create({.n = 64}).ok());
  EXPECT_EQ(Shingler::Create({.n = 64})->options().n, 64u);
}

TEST(WordShingles, CountsAndDefinition) {
  const std::string text = "the quick brown fox jumps over the lazy dog";
  Shingler sh;  // word 5-grams, seed 0
  std::vector<uint64_t> out;
  EXPECT_EQ(sh.Shingle(text, &out), 9u);  // tokens seen
  ASSERT_EQ(out.size(), 5u);              // 9 - 5 + 1 windows
  const std::vector<std::string> tokens = {"the", "quick", "brown", "fox", "jumps",
                                           "over", "the", "lazy", "dog"};
  EXPECT_EQ(out, WordByDefinition(tokens, 5, 0));
  EXPECT_EQ(Word(text, 3, 99), WordByDefinition(tokens, 3, 99));
  EXPECT_EQ(Word(text, 1, 5), WordByDefinition(tokens, 1, 5));
}

TEST(WordShingles, WindowsSlide) {
  const auto a = Word("a b c d e f g", 5);
  const auto b = Word("b c d e f g h", 5);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(a[1], b[0]);
  EXPECT_EQ(a[2], b[1]);
  EXPECT_NE(a[0], b[2]);
}

TEST(WordShingles, RepeatsIncludedInDocumentOrder) {
  const auto s = Word("to be or not to be or not to be", 2);
  ASSERT_EQ(s.size(), 9u);
  EXPECT_EQ(s[0], s[4]);  // "to be"
  EXPECT_EQ(s[0], s[8]);
  EXPECT_EQ(s[1], s[5]);  // "be or"
  EXPECT_NE(s[0], s[1]);
}

TEST(WordShingles, FewerTokensThanNGivesOneShingleOfAll) {
  const auto one = Word("alpha");
  const auto two = Word("alpha beta");
  const auto four = Word("alpha beta gamma delta");
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(two.size(), 1u);
  ASSERT_EQ(four.size(), 1u);
  EXPECT_EQ(four, WordByDefinition({"alpha", "beta", "gamma", "delta"}, 5, 0));
  EXPECT_NE(one, two);
  EXPECT_NE(two, four);
  EXPECT_NE(Word("alpha beta"), Word("beta alpha"));
  // Exactly n tokens is one ordinary window.
  EXPECT_EQ(Word("a b c d e").size(), 1u);
  EXPECT_NE(Word("a b c d e"), Word("a b c d"));
}

TEST(WordShingles, EmptyGivesNone) {
  Shingler sh;
  std::vector<uint64_t> out = {1, 2, 3};
  EXPECT_EQ(sh.Shingle("", &out), 0u);
  EXPECT_THAT(out, IsEmpty());
  EXPECT_THAT(Word(" ,.;  -- ! "), IsEmpty());
  EXPECT_THAT(Char(""), IsEmpty());
}

TEST(WordShingles, SeedChangesEveryHash) {
  const std::string text = "one two three four five six seven eight nine ten";
  const auto s0 = Word(text, 5, 0);
  const auto s1 = Word(text, 5, 1);
  ASSERT_EQ(s0.size(), s1.size());
  for (size_t i = 0; i < s0.size(); ++i) EXPECT_NE(s0[i], s1[i]) << i;
  EXPECT_NE(Word("short", 5, 0), Word("short", 5, 1));
}

TEST(CharShingles, CodePointsNotBytes) {
  // 11 code points (é and ö are 2 bytes each) -> 7 windows of 5.
  Shingler sh({.kind = ShingleKind::kChar, .n = 5, .seed = 0});
  std::vector<uint64_t> out;
  EXPECT_EQ(sh.Shingle("h\u00e9llo w\u00f6rld", &out), 11u);
  EXPECT_EQ(out.size(), 7u);
  // 7 Japanese code points, 3 bytes each -> 3 windows.
  EXPECT_EQ(sh.Shingle("\u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8", &out), 7u);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(Char("abcdef")[1], Char("bcdef")[0]);
  EXPECT_NE(Char("abcdef")[0], Char("abcdef")[1]);
  EXPECT_EQ(Char("ab", 5).size(), 1u);
  EXPECT_NE(Char("ab", 5), Char("ba", 5));
  EXPECT_NE(Char("ab", 5), Char("abc", 5));
}

TEST(CharShingles, SpacesCount) { EXPECT_NE(Char("ab cd", 5), Char("abcd", 5)); }

TEST(CharShingles, IllFormedBytesCountAsReplacementCharacter) {
  EXPECT_EQ(Char("a\xff" "bcde", 3), Char("a\ufffd" "bcde", 3));
  EXPECT_EQ(Char("a\xe2\x82", 3), Char("a\ufffd", 3));
}

TEST(CharShingles, SeedChangesEveryHash) {
  const auto s0 = Char("character shingles", 4, 0);
  const auto s1 = Char("character shingles", 4, 1);
  ASSERT_EQ(s0.size(), s1.size());
  for (size_t i = 0; i < s0.size(); ++i) EXPECT_NE(s0[i], s1[i]) << i;
}

TEST(Shingles, WordAndCharKindsNeverCollide) {
  // The same bytes shingled as words and as characters give different hashes, for
  // short documents (one shingle of everything) and for ordinary windows.
  std::set<uint64_t> words, chars;
  for (const char* t : {"abcde", "abcdefgh", "a b c d e", "x", "ab"}) {
    for (const uint32_t n : {1u, 2u, 5u}) {
      for (const uint64_t h : Word(t, n)) words.insert(h);
      for (const uint64_t h : Char(t, n)) chars.insert(h);
    }
  }
  for (const uint64_t h : words) EXPECT_EQ(chars.count(h), 0u);
  EXPECT_GT(words.size(), 5u);
  EXPECT_GT(chars.size(), 20u);
}

TEST(Shingles, DifferentShortDocumentsNeverShareASignature) {
  // Every document of 1 to 4 words over a 5-word vocabulary. All are shorter than
  // n = 5 words, so each is exactly one word shingle, and no two may collide: not in
  // shingles, MinHash or SimHash. As characters, those under 5 code points are short.
  // (Longer documents can share a signature legitimately: e.g. "a dd a dd" and
  // "dd a dd a" have the same set of character 5-grams.)
  const std::vector<std::string> vocab = {"a", "b", "c", "dd", "e"};
  std::vector<std::string> all_docs;
  std::vector<std::string> frontier = {""};
  for (int len = 1; len <= 4; ++len) {
    std::vector<std::string> next;
    for (const auto& prefix : frontier) {
      for (const auto& w : vocab) next.push_back(prefix.empty() ? w : prefix + " " + w);
    }
    all_docs.insert(all_docs.end(), next.begin(), next.end());
    frontier = std::move(next);
  }
  ASSERT_EQ(all_docs.size(), 5u + 25u + 125u + 625u);
  for (const ShingleKind kind : {ShingleKind::kWord, ShingleKind::kChar}) {
    std::vector<std::string> docs;
    for (const auto& d : all_docs) {
      if (kind == ShingleKind::kWord || d.size() < 5) docs.push_back(d);
    }
    ASSERT_GT(docs.size(), 20u);
    for (const MinHashAlgorithm alg : {MinHashAlgorithm::kClassic, MinHashAlgorithm::kOnePermutation}) {
      SCOPED_TRACE(std::string(ShingleKindName(kind)) + " " + MinHashAlgorithmName(alg));
      SignerOptions options;
      options.shingle.kind = kind;
      options.minhash.algorithm = alg;
      Signer signer(options);
      std::set<uint64_t> shingles;
      std::set<std::vector<uint32_t>> minhashes;
      std::set<uint64_t> simhashes;
      std::vector<DocumentSignature> sigs;
      for (const auto& d : docs) {
        sigs.push_back(signer.Sign(d));
        ASSERT_EQ(signer.last_shingles().size(), 1u) << d;
        shingles.insert(signer.last_shingles()[0]);
        minhashes.insert(sigs.back().minhash.values);
        simhashes.insert(sigs.back().simhash);
      }
      EXPECT_EQ(shingles.size(), docs.size());
      EXPECT_EQ(minhashes.size(), docs.size());
      EXPECT_EQ(simhashes.size(), docs.size());
      // One shingle each and all distinct: the estimated similarity of two different
      // documents is 0. Check each against its neighbours.
      for (size_t i = 1; i < sigs.size(); ++i) {
        EXPECT_EQ(*EstimateJaccard(sigs[i - 1].minhash, sigs[i].minhash), 0.0) << docs[i];
      }
    }
  }
}

// The inlined XXH3 of the shingler is the library's XXH3_64bits_withSeed on every
// length it handles itself (0-128 bytes) and past it, for seeds from a fixed stream.
TEST(Xxh3Seeded, EqualsLibraryOnEveryLengthAndSeed) {
  std::vector<unsigned char> bytes(300);
  uint64_t state = 0x5eed;
  auto next = [&] {
    state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  for (auto& b : bytes) b = static_cast<unsigned char>(next());
  std::vector<uint64_t> seeds = {0, 1, 42, ~uint64_t{0}};
  for (int i = 0; i < 16; ++i) seeds.push_back(next());
  for (const uint64_t seed : seeds) {
    const internal::Xxh3Seeded hash(seed);
    ASSERT_TRUE(hash.inline_ok());
    for (size_t len = 0; len <= 256; ++len) {
      // Inputs at several alignments, so that no length is only seen aligned.
      for (size_t at : {size_t{0}, size_t{3}, size_t{13}}) {
        ASSERT_EQ(hash(bytes.data() + at, len), XXH3_64bits_withSeed(bytes.data() + at, len, seed))
            << "seed " << seed << " length " << len << " offset " << at;
      }
    }
    const internal::Xxh3Seeded::Fixed40 hash40 = hash.For40Bytes();
    for (size_t at = 0; at + 40 <= bytes.size(); at += 7) {
      ASSERT_EQ(hash40(bytes.data() + at), XXH3_64bits_withSeed(bytes.data() + at, 40, seed)) << seed;
    }
  }
}

// Known answers: computed once with this implementation (XXH3 0.8.1), checked above to
// follow the documented construction, and pinned so that a change of hashing is seen.
TEST(ShingleKnownAnswers, WordAndChar) {
  Normalizer norm;
  const std::string text =
      norm.Normalize("The quick brown fox jumps over the lazy dog near the river bank");
  EXPECT_THAT(Word(text, 5, 0).size(), 9u);
  const auto w0 = Word(text, 5, 0);
  EXPECT_THAT(std::vector<uint64_t>(w0.begin(), w0.begin() + 3),
              ElementsAre(0xe44ad0d4a2feccdeULL, 0xb8f7dd4ed98c54e4ULL, 0x5a2485b2b09ef47aULL));
  const auto w42 = Word(text, 5, 42);
  EXPECT_THAT(std::vector<uint64_t>(w42.begin(), w42.begin() + 3),
              ElementsAre(0x2455354bcd1a308eULL, 0x2390c47005cbed63ULL, 0x24abf72d3b6567e0ULL));
  const std::string hello = norm.Normalize("h\u00e9llo w\u00f6rld");
  const auto c0 = Char(hello, 5, 0);
  ASSERT_EQ(c0.size(), 7u);
  EXPECT_THAT(std::vector<uint64_t>(c0.begin(), c0.begin() + 3),
              ElementsAre(0x2c578a6c8e21fca0ULL, 0x665c93cb793a2acfULL, 0xa711c0237f3e8a7aULL));
  const auto c42 = Char(hello, 5, 42);
  EXPECT_THAT(std::vector<uint64_t>(c42.begin(), c42.begin() + 3),
              ElementsAre(0xcf5b5020f32a1c5fULL, 0x6244797172634f6aULL, 0x107e1d23e7106e7eULL));
}

}  // namespace
}  // namespace neardup
