#include "neardup/text/tokenize.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace neardup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> out;
  const size_t n = ForEachToken(text, [&](std::string_view t) { out.emplace_back(t); });
  EXPECT_EQ(n, out.size());
  return out;
}

TEST(Tokenize, AsciiWordsAndPunctuation) {
  EXPECT_THAT(Tokens("the cat, the hat"), ElementsAre("the", "cat", "the", "hat"));
  EXPECT_THAT(Tokens("don't stop-now!"), ElementsAre("don", "t", "stop", "now"));
  EXPECT_THAT(Tokens("abc123 4.5 x_y"), ElementsAre("abc123", "4", "5", "x", "y"));
  EXPECT_THAT(Tokens("  (hello)\t[world]\n"), ElementsAre("hello", "world"));
  EXPECT_THAT(Tokens("MiXeD Case"), ElementsAre("MiXeD", "Case"));
}

TEST(Tokenize, EmptyAndSeparatorsOnly) {
  EXPECT_THAT(Tokens(""), IsEmpty());
  EXPECT_THAT(Tokens("   "), IsEmpty());
  EXPECT_THAT(Tokens(" ,.;!? -- \u2014 \u00a0 \u3002 "), IsEmpty());
}

TEST(Tokenize, SymbolsSeparate) {
  EXPECT_THAT(Tokens("a+b=c $5 \u20ac10 a\u00a9b"), ElementsAre("a", "b", "c", "5", "10", "a", "b"));
}

TEST(Tokenize, LettersOfOtherAlphabetsFormWords) {
  EXPECT_THAT(Tokens("caf\u00e9 na\u00efve"), ElementsAre("caf\u00e9", "na\u00efve"));
  EXPECT_THAT(Tokens("\u043c\u0438\u0440, \u03c3\u03bf\u03c6\u03af\u03b1; \u0633\u0644\u0627\u0645"),
              ElementsAre("\u043c\u0438\u0440", "\u03c3\u03bf\u03c6\u03af\u03b1", "\u0633\u0644\u0627\u0645"));
  // Combining marks stay inside the word.
  EXPECT_THAT(Tokens("cafe\u0301 x"), ElementsAre("cafe\u0301", "x"));
  // Digits of other scripts are digits.
  EXPECT_THAT(Tokens("\u0662\u0660\u0662\u0663 \u0968\u0966"), ElementsAre("\u0662\u0660\u0662\u0663", "\u0968\u0966"));
  // Devanagari: vowel signs (marks) inside the word.
  EXPECT_THAT(Tokens("\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e"),
              ElementsAre("\u0928\u092e\u0938\u094d\u0924\u0947", "\u0926\u0941\u0928\u093f\u092f\u093e"));
}

TEST(Tokenize, HanOneTokenPerCharacter) {
  EXPECT_THAT(Tokens("\u4e2d\u6587\u6d4b\u8bd5"), ElementsAre("\u4e2d", "\u6587", "\u6d4b", "\u8bd5"));
  EXPECT_THAT(Tokens("abc\u4e2d\u6587def 12\u5e74"),
              ElementsAre("abc", "\u4e2d", "\u6587", "def", "12", "\u5e74"));
  // CJK extension B (4-byte UTF-8).
  EXPECT_THAT(Tokens("\U00020000\U00020001"), ElementsAre("\U00020000", "\U00020001"));
}

TEST(Tokenize, KanaOneTokenPerCharacterMarksAttached) {
  EXPECT_THAT(Tokens("\u3072\u3089\u304c\u306a"), ElementsAre("\u3072", "\u3089", "\u304c", "\u306a"));
  EXPECT_THAT(Tokens("\u30ab\u30bf\u30ab\u30ca\u30fc"),
              ElementsAre("\u30ab", "\u30bf", "\u30ab", "\u30ca", "\u30fc"));
  // Combining voiced sound mark attaches to its kana.
  EXPECT_THAT(Tokens("\u304b\u3099\u3044"), ElementsAre("\u304b\u3099", "\u3044"));
}

TEST(Tokenize, ThaiLaoKhmerMyanmarOneTokenPerCharacter) {
  // Thai: letters are tokens; the above-vowel and tone marks attach.
  EXPECT_THAT(Tokens("\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22"),
              ElementsAre("\u0e20", "\u0e32", "\u0e29", "\u0e32", "\u0e44", "\u0e17", "\u0e22"));
  EXPECT_THAT(Tokens("\u0e01\u0e34\u0e19 \u0e19\u0e49\u0e33"),
              ElementsAre("\u0e01\u0e34", "\u0e19", "\u0e19\u0e49", "\u0e33"));
  // Lao.
  EXPECT_THAT(Tokens("\u0ea5\u0eb2\u0ea7"), ElementsAre("\u0ea5", "\u0eb2", "\u0ea7"));
  // Khmer: coeng (Mn) and vowel sign (Mc) attach to the preceding letter.
  EXPECT_THAT(Tokens("\u1781\u17d2\u1798\u17c2\u179a"),
              ElementsAre("\u1781\u17d2", "\u1798\u17c2", "\u179a"));
  // Myanmar: medial (Mc), asat (Mn) and vowel sign (Mc) attach.
  EXPECT_THAT(Tokens("\u1019\u103c\u1014\u103a\u1019\u102c"),
              ElementsAre("\u1019\u103c", "\u1014\u103a", "\u1019\u102c"));
}

TEST(Tokenize, KoreanHangulWordsStayWords) {
  EXPECT_THAT(Tokens("\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4"),
              ElementsAre("\uc548\ub155\ud558\uc138\uc694", "\uc138\uacc4"));
  EXPECT_THAT(Tokens("\ud55c\uad6d\uc5b4abc"), ElementsAre("\ud55c\uad6d\uc5b4abc"));
}

TEST(Tokenize, ScriptChangesSplitWords) {
  // A spaceless character closes an open word and a word closes a spaceless token.
  EXPECT_THAT(Tokens("\u043c\u0438\u0440\u4e16\u754c\u043c\u0438\u0440"),
              ElementsAre("\u043c\u0438\u0440", "\u4e16", "\u754c", "\u043c\u0438\u0440"));
  EXPECT_THAT(Tokens("\u0e01a\u0e01"), ElementsAre("\u0e01", "a", "\u0e01"));
}

TEST(Tokenize, IllFormedBytesSeparate) {
  EXPECT_THAT(Tokens("ab\xff" "cd"), ElementsAre("ab", "cd"));
  EXPECT_THAT(Tokens("ab\xed\xa0\x80" "cd\xe2\x82"), ElementsAre("ab", "cd"));
  EXPECT_THAT(Tokens("\xc0\x80"), IsEmpty());
  EXPECT_THAT(Tokens(std::string_view("a\0b", 3)), ElementsAre("a", "b"));
}

TEST(Tokenize, TokensAreViewsIntoTheInput) {
  const std::string text = "alpha \u4e2d beta";
  std::vector<std::string_view> views;
  ForEachToken(text, [&](std::string_view t) { views.push_back(t); });
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0].data(), text.data());
  EXPECT_EQ(views[1].data(), text.data() + 6);
  EXPECT_EQ(views[2].data(), text.data() + 10);
}

TEST(Tokenize, RandomBytesNeverCrashAndTokensAreValidUtf8) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string in(rng() % 64, '\0');
    for (char& c : in) c = static_cast<char>(rng() & 0xff);
    size_t total = 0;
    ForEachToken(in, [&](std::string_view t) {
      ASSERT_FALSE(t.empty());
      ASSERT_GE(t.data(), in.data());
      ASSERT_LE(t.data() + t.size(), in.data() + in.size());
      total += t.size();
    });
    ASSERT_LE(total, in.size());
  }
}

// The table the tokenizer reads agrees with ClassifyCodePoint on every code point.
TEST(Tokenize, CachedClassesMatchClassifyCodePointEverywhere) {
  for (char32_t c = 0; c < 0x110000; ++c) {
    ASSERT_EQ(internal::ClassifyCodePointCached(c), ClassifyCodePoint(c)) << std::hex << static_cast<uint32_t>(c);
  }
}

TEST(Tokenize, ClassifyCodePoint) {
  EXPECT_EQ(ClassifyCodePoint(U'a'), CharClass::kWord);
  EXPECT_EQ(ClassifyCodePoint(U'7'), CharClass::kWord);
  EXPECT_EQ(ClassifyCodePoint(U'\u0301'), CharClass::kMark);
  EXPECT_EQ(ClassifyCodePoint(U'\u4e2d'), CharClass::kSingle);
  EXPECT_EQ(ClassifyCodePoint(U'\u0e01'), CharClass::kSingle);
  EXPECT_EQ(ClassifyCodePoint(U'\uac00'), CharClass::kWord);
  EXPECT_EQ(ClassifyCodePoint(U','), CharClass::kSeparator);
  EXPECT_EQ(ClassifyCodePoint(U'\u3002'), CharClass::kSeparator);
  EXPECT_EQ(ClassifyCodePoint(U'\u20ac'), CharClass::kSeparator);
}

}  // namespace
}  // namespace neardup
