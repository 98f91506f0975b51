#include "neardup/text/normalized_tokens.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../../bench/news_corpus.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/text/normalize.hpp"
#include "neardup/text/tokenize.hpp"

namespace neardup {
namespace {

struct Tokens {
  std::vector<std::string> tokens;
  NormalizeStats stats;
};

// The reference: normalize the whole text, then tokenize it.
Tokens Reference(const NormalizeOptions& o, std::string_view text) {
  Normalizer norm(o);
  std::string normalized;
  Tokens r;
  r.stats = norm.Normalize(text, &normalized);
  ForEachToken(normalized, [&](std::string_view t) { r.tokens.emplace_back(t); });
  return r;
}

Tokens Fused(Normalizer& norm, std::string_view text, std::string* scratch, size_t* pieces) {
  Tokens r;
  const bool lower = norm.options().case_fold;
  r.stats = ForEachNormalizedToken(
      norm, text, scratch,
      [&](const unsigned char* first, const unsigned char* last) {
        std::string t(first, last);
        for (char& c : t) {
          EXPECT_TRUE(internal::kAsciiWord[static_cast<unsigned char>(c) & 0x7F] &&
                      static_cast<unsigned char>(c) < 0x80);
          if (lower) c = static_cast<char>(c | 0x20);
        }
        r.tokens.push_back(std::move(t));
      },
      [&](std::string_view piece, size_t raw_after) {
        EXPECT_LE(raw_after, text.size());
        ++*pieces;
        ForEachToken(piece, [&](std::string_view t) { r.tokens.emplace_back(t); });
      });
  return r;
}

// Pieces of text that stress the places where the fused path hands over to the
// normalizer: entities (whole, cut short, decoding to marks and letters), combining marks
// after letters and after '<' '=' '>', the quotes and dashes it takes itself and their
// neighbours it does not, other scripts, expanding compatibility characters, ill-formed
// bytes, controls, and tokens of every length class of the hash (1-3, 4-8, 9-16, 17-128,
// over 128 bytes).
constexpr std::string_view kFragments[] = {
    " ", "  ", "\t", "\n", "\r\n", std::string_view("\0", 1), "\x7f", ",", ".", ";", "#", "-", "'",
    "\"", "`", "<", "=", ">", "&", "&amp;", "&AMP;", "&#769;", "&#x301;", "&#65;", "&#x41;",
    "&eacute;", "&Eacute;", "&#824;", "&nbsp;", "&lt;", "&#8217;", "&#x2019;", "&am", "&#", "&#6",
    "&#1114112;", "&#0;", "&#150;", "&zwj;", "&shy;",
    "\u2010", "\u2013", "\u2014", "\u2015", "\u2016", "\u2017", "\u2018", "\u2019", "\u201A",
    "\u201B", "\u201C", "\u201D", "\u201E", "\u201F", "\u2020", "\u2026", "\u2032",
    "\u0301", "\u0338", "\u0308\u0301", "\u00e9", "\u00C9", "e\u0301", "<\u0338", "=\u0338",
    "\u041F\u0440\u0438\u0432\u0435\u0442", "\u0439", "\u4e2d\u6587", "\u0e20\u0e32\u0e29\u0e32", "\ud55c",
    "\uff21", "\uff0c", "\ufb01", "\u212a", "\u1e9e", "\ufdfa", "\u3300", "\u00a0", "\u200b", "\u00ad",
    "\xff", "\xe2\x80", "\xe2", "\xc3", "\xe2\x80\x9d\xff", "\xed\xa0\x80",
    "a", "I", "Z9", "the", "Cat", "WORD", "news", "Lorem", "x2y3z4", "Mississippi",
    "ABCDEFGHIJKLMNOP", "abcdefghijklmnopq", "Supercalifragilisticexpialidocious0123456789",
};

std::string LongToken(neardup::bench::CorpusRng& rng, size_t len) {
  static constexpr std::string_view kAlnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string t;
  for (size_t i = 0; i < len; ++i) t += kAlnum[rng.Below(kAlnum.size())];
  return t;
}

// ASCII prose of `len` bytes: words of mixed case and digits between spaces and
// punctuation, so that a fragment after it lands anywhere in a 64-byte block.
std::string AsciiRun(neardup::bench::CorpusRng& rng, size_t len) {
  static constexpr std::string_view kSeparators[] = {" ", " ", " ", ", ", ". ", "\n", "-", "'", "<", "("};
  std::string s;
  while (s.size() < len) {
    s += LongToken(rng, 1 + rng.Below(rng.Chance(10) ? 20 : 9));
    s += kSeparators[rng.Below(std::size(kSeparators))];
  }
  s.resize(len);
  return s;
}

std::vector<std::string> Texts() {
  neardup::bench::CorpusRng rng(11);
  std::string expanding;  // 300 bytes that normalize to 400 one-character tokens
  for (int i = 0; i < 100; ++i) expanding += "\u3300";
  std::vector<std::string> texts = {expanding, "", " ", "a", "&", "&amp;", "\u0301", "e\u0301", "A&#769;",
                                    std::string(64, 'A'), std::string(63, 'b') + "\u0301",
                                    std::string(64, 'c') + "\u0301", std::string(200, 'D') + "\u00e9"};
  // A fragment at every offset around the first block boundary.
  for (size_t at = 50; at < 80; ++at) {
    for (const std::string_view f : {"\u0301", "<\u0338", "&#769;", "\u2019s", "\u2016", "\xff", "&amp;x"}) {
      texts.push_back(std::string(at, 'W') + std::string(f) + "Word " + AsciiRun(rng, 70));
      texts.push_back(AsciiRun(rng, at) + std::string(f) + AsciiRun(rng, 140));
    }
  }
  // Random mixtures: mostly ASCII prose with fragments, mostly fragments, long tokens.
  for (int i = 0; i < 400; ++i) {
    std::string t;
    const size_t parts = 1 + rng.Below(12);
    for (size_t j = 0; j < parts; ++j) {
      switch (rng.Below(4)) {
        case 0:
          t += AsciiRun(rng, rng.Below(200));
          break;
        case 1:
          t += LongToken(rng, rng.Chance(50) ? 17 + rng.Below(112) : 129 + rng.Below(200));
          break;
        default:
          for (size_t k = rng.Below(6); k-- > 0;) t += kFragments[rng.Below(std::size(kFragments))];
      }
    }
    texts.push_back(std::move(t));
  }
  return texts;
}

// Every option set the normalizer has, every text: the same tokens as normalizing then
// tokenizing, and the same counts of replaced bytes and decoded entities.
TEST(ForEachNormalizedToken, EqualsNormalizeThenTokenize) {
  const std::vector<std::string> texts = Texts();
  size_t pieces = 0, tokens = 0;
  for (uint32_t bits = 0; bits < 64; ++bits) {
    const NormalizeOptions o = NormalizeOptions::FromBits(bits);
    Normalizer norm(o);
    std::string scratch;
    for (size_t i = 0; i < texts.size(); ++i) {
      const Tokens want = Reference(o, texts[i]);
      const Tokens got = Fused(norm, texts[i], &scratch, &pieces);
      ASSERT_EQ(got.tokens, want.tokens) << "options " << bits << ", text " << i << ": " << texts[i];
      EXPECT_EQ(got.stats.replaced_bytes, want.stats.replaced_bytes) << bits << " " << i;
      EXPECT_EQ(got.stats.decoded_entities, want.stats.decoded_entities) << bits << " " << i;
      tokens += want.tokens.size();
    }
  }
  // Both paths were taken: plain ASCII tokens and the normalizer's pieces.
  EXPECT_GT(tokens, 100000u);
  EXPECT_GT(pieces, 10000u);
}

TEST(ForEachNormalizedToken, PlainAsciiNeedsNoNormalizer) {
  Normalizer norm;
  std::string scratch;
  size_t pieces = 0;
  const std::string text = "The QUICK brown fox, 42 times & more: `jumps` \u201Cover\u201D the lazy dog\u2019s tail. " +
                           std::string(100, 'x');
  const Tokens got = Fused(norm, text, &scratch, &pieces);
  EXPECT_EQ(pieces, 0u);
  EXPECT_EQ(got.tokens, Reference({}, text).tokens);
  EXPECT_EQ(got.tokens.size(), 15u);
  EXPECT_EQ(got.tokens[1], "quick");
}

// The token hash read through | 0x20 equals the hash of the lower-case copy, at every
// length of the inlined forms and past them.
TEST(Xxh3Seeded, LowerAlnumEqualsHashOfLowerCaseCopy) {
  neardup::bench::CorpusRng rng(5);
  const internal::Xxh3Seeded hash(0x1234);
  std::string scratch;
  for (size_t len = 0; len <= 300; ++len) {
    const std::string t = LongToken(rng, len);
    std::string lower = t;
    for (char& c : lower) c = static_cast<char>(c | 0x20);
    EXPECT_EQ(hash.LowerAlnum(reinterpret_cast<const unsigned char*>(t.data()), len, &scratch),
              XXH3_64bits_withSeed(lower.data(), len, 0x1234))
        << len;
  }
}

// Shingler::ShingleText is Shingle() of the normalized text, for words and characters.
TEST(Shingler, ShingleTextEqualsShingleOfNormalizedText) {
  const std::vector<std::string> texts = Texts();
  for (const ShingleKind kind : {ShingleKind::kWord, ShingleKind::kChar}) {
    for (const uint32_t n : {1u, 3u, 5u}) {
      for (const uint32_t bits : {0u, 63u, 59u}) {  // none, all, all but case folding
        Shingler shingler({.kind = kind, .n = n, .seed = 9});
        Shingler reference({.kind = kind, .n = n, .seed = 9});
        Normalizer norm(NormalizeOptions::FromBits(bits));
        std::vector<uint64_t> got, want;
        std::vector<uint64_t> longer;
        for (const std::string& text : texts) {
          // Shingle() of a longer text first grows the same shingler's token buffer: all
          // of ShingleText()'s buffers must have grown with it.
          shingler.Shingle(text + " " + text, &longer);
          NormalizeStats stats;
          const size_t units = shingler.ShingleText(text, norm, &got, &stats);
          const std::string normalized = norm.Normalize(text);
          EXPECT_EQ(units, reference.Shingle(normalized, &want));
          ASSERT_EQ(got, want) << text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace neardup
