#include "neardup/text/normalize.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "neardup/shingle/shingle.hpp"
#include "neardup/text/utf8.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace internal {
// Switches a normalizer to the general path only (every non-ASCII code point through
// utf8proc): the reference the fast table is checked against.
struct NormalizerTestPeer {
  static void UseUtf8procOnly(Normalizer& n) { n.fast_ = nullptr; }
};
}  // namespace internal
namespace {

std::string Norm(std::string_view in, NormalizeOptions options = {}) {
  Normalizer n(options);
  return n.Normalize(in);
}

NormalizeStats Stats(std::string_view in, NormalizeOptions options = {}) {
  Normalizer n(options);
  std::string out;
  return n.Normalize(in, &out);
}

// ---------------------------------------------------------------------------
// Golden samples, one script at a time.

TEST(NormalizeGolden, LatinEnglish) {
  EXPECT_EQ(Norm("Don\u2019t &amp; WON\u2019T"), "don't & won't");
  EXPECT_EQ(Norm("  The  Quick\tBrown\r\nFox  "), "the quick brown fox");
}

TEST(NormalizeGolden, LatinIndonesian) {
  EXPECT_EQ(Norm("Menteri Luar Negeri \u201cRusia\u201d mengatakan\u2014pada hari Senin\u2026"),
            "menteri luar negeri \"rusia\" mengatakan-pada hari senin...");
  EXPECT_EQ(Norm("JAKARTA \u2013 Presiden  Joko\u00a0Widodo (Jokowi) meresmikan"),
            "jakarta - presiden joko widodo (jokowi) meresmikan");
}

TEST(NormalizeGolden, LatinAccentsComposedAndDecomposed) {
  // U+00E9 and e + U+0301 are the same letter; NFKC makes them the same bytes.
  const std::string composed = "caf\u00e9 \u00c9T\u00c9";
  const std::string decomposed = "cafe\u0301 E\u0301TE\u0301";
  EXPECT_EQ(Norm(composed), "caf\u00e9 \u00e9t\u00e9");
  EXPECT_EQ(Norm(decomposed), Norm(composed));
  // Marks given in non-canonical order are reordered before composing:
  // e + dot below + circumflex and e + circumflex + dot below are both U+1EC7.
  EXPECT_EQ(Norm("e\u0323\u0302"), "\u1ec7");
  EXPECT_EQ(Norm("e\u0302\u0323"), "\u1ec7");
  EXPECT_EQ(Norm("\u1ec6"), "\u1ec7");  // capital composed form, case folded
  // The angstrom sign is canonically A with ring above.
  EXPECT_EQ(Norm("\u212b"), "\u00e5");
  EXPECT_EQ(Norm("A\u030a"), "\u00e5");
}

TEST(NormalizeGolden, NfkcCompatibilityForms) {
  EXPECT_EQ(Norm("\uff2e\uff45\uff41\uff52\uff24\uff55\uff50"), "neardup");  // fullwidth
  EXPECT_EQ(Norm("\ufb01nal \ufb02ow"), "final flow");                      // ligatures
  EXPECT_EQ(Norm("x\u00b2 \u2460 \u00bd"), "x2 1 1\u20442");                // super, circled, frac
  EXPECT_EQ(Norm("\u2122"), "tm");                                          // trade mark sign
}

TEST(NormalizeGolden, GermanFullCaseFolding) {
  EXPECT_EQ(Norm("Stra\u00dfe STRASSE Strasse STRA\u1e9eE"), "strasse strasse strasse strasse");
  EXPECT_EQ(Norm("\u00c4RGER \u00fcber \u00d6L"), "\u00e4rger \u00fcber \u00f6l");
}

TEST(NormalizeGolden, Cyrillic) {
  EXPECT_EQ(Norm("\u041c\u041e\u0421\u041a\u0412\u0410 \u0438 \u0412\u0430\u0448\u0438\u043d\u0433\u0442\u043e\u043d"),
            "\u043c\u043e\u0441\u043a\u0432\u0430 \u0438 \u0432\u0430\u0448\u0438\u043d\u0433\u0442\u043e\u043d");
  EXPECT_EQ(Norm("\u0401\u0416"), "\u0451\u0436");  // Ё Ж -> ё ж
  // й written as и + combining breve composes to U+0439.
  EXPECT_EQ(Norm("\u0438\u0306"), "\u0439");
  EXPECT_EQ(Norm("\u0419"), "\u0439");
}

TEST(NormalizeGolden, Greek) {
  // Capital, small and final sigma all fold to σ.
  EXPECT_EQ(Norm("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3"),
            "\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c3");
  EXPECT_EQ(Norm("\u03bf\u03b4\u03cc\u03c2"), "\u03bf\u03b4\u03cc\u03c3");
  EXPECT_EQ(Norm("\u039f\u0394\u038c\u03a3"), "\u03bf\u03b4\u03cc\u03c3");
  // Omicron + combining acute composes to the precomposed tonos form.
  EXPECT_EQ(Norm("\u03bf\u0301"), "\u03cc");
}

TEST(NormalizeGolden, Arabic) {
  const std::string salam = "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645";
  EXPECT_EQ(Norm(salam), salam);
  // Presentation form lam-alef ligature -> lam + alef.
  EXPECT_EQ(Norm("\ufefb"), "\u0644\u0627");
  // Arabic-Indic digits are not compatibility characters: kept.
  EXPECT_EQ(Norm("\u0662\u0660\u0662\u0663"), "\u0662\u0660\u0662\u0663");
}

TEST(NormalizeGolden, Chinese) {
  // Fullwidth comma and digits become ASCII; the ideographic full stop and space too
  // (the space becomes one ASCII space).
  EXPECT_EQ(Norm("\u4e2d\u6587\uff0c\u6d4b\u8bd5\u3002\u3000\uff12\uff10\uff12\uff13\u5e74"),
            "\u4e2d\u6587,\u6d4b\u8bd5\u3002 2023\u5e74");
}

TEST(NormalizeGolden, Japanese) {
  // Halfwidth katakana become fullwidth; halfwidth voiced mark composes.
  EXPECT_EQ(Norm("\uff76\uff80\uff76\uff85"), "\u30ab\u30bf\u30ab\u30ca");
  EXPECT_EQ(Norm("\uff76\uff9e"), "\u30ac");
  // Hiragana + combining voiced sound mark composes to the precomposed letter.
  EXPECT_EQ(Norm("\u304b\u3099"), "\u304c");
  const std::string hira = "\u3072\u3089\u304c\u306a\u3068\u6f22\u5b57";
  EXPECT_EQ(Norm(hira), hira);
}

TEST(NormalizeGolden, Thai) {
  const std::string thai = "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22";
  EXPECT_EQ(Norm(thai), thai);
  // SARA AM has a compatibility decomposition: NIKHAHIT + SARA AA.
  EXPECT_EQ(Norm("\u0e19\u0e49\u0e33"), "\u0e19\u0e49\u0e4d\u0e32");
}

TEST(NormalizeGolden, KoreanHangulComposes) {
  // Conjoining jamo compose to the precomposed syllable.
  EXPECT_EQ(Norm("\u1112\u1161\u11ab"), "\ud55c");
  EXPECT_EQ(Norm("\ud55c\uad6d\uc5b4"), "\ud55c\uad6d\uc5b4");
}

// ---------------------------------------------------------------------------
// Punctuation, spaces, zero-width characters.

TEST(NormalizePunctuation, QuotesAndApostrophes) {
  EXPECT_EQ(Norm("\u2018a\u2019 \u201cb\u201d \u201ec\u201d \u201ad\u2018 \u00abe\u00bb `f'"),
            "'a' \"b\" \"c\" 'd' \"e\" 'f'");
  EXPECT_EQ(Norm("it\u2019s it's it\u02bcs it\uff07s"), "it's it's it's it's");
}

TEST(NormalizePunctuation, Dashes) {
  EXPECT_EQ(Norm("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h"), "a-b-c-d-e-f-g-h");
}

TEST(NormalizePunctuation, Ellipsis) {
  EXPECT_EQ(Norm("wait\u2026 what"), "wait... what");
  EXPECT_EQ(Norm("wait\u2026"), Norm("wait..."));
}

TEST(NormalizeSpaces, UnicodeSpacesBecomeOneSpace) {
  // NBSP, thin space, ideographic space, en space, narrow NBSP, line and paragraph
  // separators, NEL and ASCII controls.
  EXPECT_EQ(Norm("a\u00a0b\u2009c\u3000d\u2002e\u202ff\u2028g\u2029h\u0085i\x01j\x7fk"),
            "a b c d e f g h i j k");
  EXPECT_EQ(Norm("a \u00a0\u2009\u3000 \t\n b"), "a b");
}

TEST(NormalizeSpaces, CollapsedAndTrimmed) {
  EXPECT_EQ(Norm(""), "");
  EXPECT_EQ(Norm("   "), "");
  EXPECT_EQ(Norm("\u00a0\u3000"), "");
  EXPECT_EQ(Norm("\n\n  hello \t\t world \n"), "hello world");
  EXPECT_EQ(Norm("\u3000\u4e2d\u3000\u3000\u6587\u3000"), "\u4e2d \u6587");
}

TEST(NormalizeZeroWidth, Removed) {
  EXPECT_EQ(Norm("zero\u200bwidth\u200c jo\u200diner\u2060 \ufeffbom so\u00adft"),
            "zerowidth joiner bom soft");
  EXPECT_EQ(Norm("\u200b"), "");
  EXPECT_EQ(Norm("a \u200b b"), "a b");
  // Bidirectional controls are invisible too.
  EXPECT_EQ(Norm("\u202aab\u202c\u200ecd\u200f"), "abcd");
}

TEST(NormalizeNulBytes, AreSeparators) {
  const std::string in("a\0b\0\0c", 6);
  EXPECT_EQ(Norm(in), "a b c");
  NormalizeOptions keep;
  keep.collapse_whitespace = false;
  EXPECT_EQ(Norm(in, keep), "a b  c");
}

// ---------------------------------------------------------------------------
// HTML character references.

TEST(NormalizeEntities, CommonReferences) {
  EXPECT_EQ(Norm("Tom &amp; Jerry"), "tom & jerry");
  EXPECT_EQ(Norm("a&nbsp;b"), "a b");
  EXPECT_EQ(Norm("don&#8217;t"), "don't");
  EXPECT_EQ(Norm("don&#x2019;t"), "don't");
  EXPECT_EQ(Norm("don&#X2019;t"), "don't");
  EXPECT_EQ(Norm("don&rsquo;t"), "don't");
  EXPECT_EQ(Norm("&lt;b&gt; &quot;q&quot; &apos;"), "<b> \"q\" '");
  EXPECT_EQ(Norm("caf&eacute; CAF&Eacute;"), "caf\u00e9 caf\u00e9");
  EXPECT_EQ(Norm("&#65;&#x42;c"), "abc");
  EXPECT_EQ(Norm("wait&hellip;"), "wait...");
  // Decoded only once: "&amp;amp;" is the text "&amp;".
  EXPECT_EQ(Norm("&amp;amp;"), "&amp;");
  EXPECT_EQ(Stats("&amp; &#8217; &#x2019; &rsquo; &nbsp;").decoded_entities, 5u);
}

TEST(NormalizeEntities, Windows1252NumericRange) {
  // HTML reads numeric references 0x80-0x9F as Windows-1252.
  EXPECT_EQ(Norm("don&#146;t"), "don't");           // 0x92 -> U+2019
  EXPECT_EQ(Norm("&#147;q&#148;"), "\"q\"");        // 0x93 0x94 -> curly double quotes
  EXPECT_EQ(Norm("a&#150;b&#x97;c"), "a-b-c");     // en and em dash
  EXPECT_EQ(Norm("&#128;5"), "\u20ac5");            // euro sign
  EXPECT_EQ(Norm("&#x8A;"), "\u0161");              // S caron, case folded
  NormalizeOptions raw;
  raw.unify_punctuation = false;
  EXPECT_EQ(Norm("&#146;", raw), "\u2019");
}

TEST(NormalizeEntities, InvalidReferencesStayText) {
  EXPECT_EQ(Norm("&bogus; &amp &#; &#x; &#xzz; &; & x"), "&bogus; &amp &#; &#x; &#xzz; &; & x");
  EXPECT_EQ(Norm("AT&T"), "at&t");
  EXPECT_EQ(Norm("&"), "&");
  EXPECT_EQ(Norm("&#123456789012;"), "&#123456789012;");  // too long to be a reference
  EXPECT_EQ(Stats("&bogus; &amp &#;").decoded_entities, 0u);
}

TEST(NormalizeEntities, ReferencesToNonCharactersAreSeparators) {
  // Well-formed references to NUL, surrogates or beyond U+10FFFF mean U+FFFD,
  // which separates words like any other replaced character.
  EXPECT_EQ(Norm("a&#0;b&#xD800;c&#x110000;d"), "a b c d");
}

TEST(NormalizeEntities, NamedTableIsSortedForBinarySearch) {
  EXPECT_TRUE(std::is_sorted(std::begin(internal::kNamedEntities), std::end(internal::kNamedEntities),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  for (const auto& e : internal::kNamedEntities) {
    std::string ref = "&";
    ref.append(e.name);
    ref.push_back(';');
    char32_t cp = 0;
    size_t len = 0;
    ASSERT_TRUE(internal::ParseEntity(reinterpret_cast<const unsigned char*>(ref.data()),
                                      reinterpret_cast<const unsigned char*>(ref.data()) + ref.size(),
                                      &cp, &len))
        << ref;
    EXPECT_EQ(cp, e.code_point) << ref;
    EXPECT_EQ(len, ref.size()) << ref;
  }
}

// ---------------------------------------------------------------------------
// Each option can be switched off.

TEST(NormalizeOptionsTest, DecodeEntitiesOff) {
  NormalizeOptions o;
  o.decode_entities = false;
  EXPECT_EQ(Norm("Tom &amp; Jerry&#8217;s", o), "tom &amp; jerry&#8217;s");
  EXPECT_EQ(Stats("&amp;", o).decoded_entities, 0u);
}

TEST(NormalizeOptionsTest, NfkcOff) {
  NormalizeOptions o;
  o.unicode_nfkc = false;
  EXPECT_EQ(Norm("\uff11\uff12\uff13", o), "\uff11\uff12\uff13");  // fullwidth digits kept
  EXPECT_EQ(Norm("cafe\u0301", o), "cafe\u0301");                  // not composed
  EXPECT_EQ(Norm("x\u00b2", o), "x\u00b2");
  EXPECT_EQ(Norm("ABC", o), "abc");  // case folding still on
}

TEST(NormalizeOptionsTest, CaseFoldOff) {
  NormalizeOptions o;
  o.case_fold = false;
  EXPECT_EQ(Norm("Hello STRA\u00dfE \u039f\u0394\u038c\u03a3", o), "Hello STRA\u00dfE \u039f\u0394\u038c\u03a3");
  EXPECT_EQ(Norm("\uff21\uff22", o), "AB");  // NFKC still on
}

TEST(NormalizeOptionsTest, UnifyPunctuationOff) {
  NormalizeOptions o;
  o.unify_punctuation = false;
  EXPECT_EQ(Norm("don\u2019t \u201cx\u201d a\u2014b `c`", o), "don\u2019t \u201cx\u201d a\u2014b `c`");
}

TEST(NormalizeOptionsTest, RemoveZeroWidthOff) {
  NormalizeOptions o;
  o.remove_zero_width = false;
  EXPECT_EQ(Norm("zero\u200bwidth", o), "zero\u200bwidth");
  o.unicode_nfkc = false;
  EXPECT_EQ(Norm("zero\u200bwidth", o), "zero\u200bwidth");
  NormalizeOptions on;
  on.unicode_nfkc = false;
  EXPECT_EQ(Norm("zero\u200bwidth", on), "zerowidth");  // removed without NFKC too
}

TEST(NormalizeOptionsTest, CollapseWhitespaceOff) {
  NormalizeOptions o;
  o.collapse_whitespace = false;
  EXPECT_EQ(Norm("  a  b\t\nc\u00a0\u3000d ", o), "  a  b\t\nc  d ");
}

TEST(NormalizeOptionsTest, AllOffIsIdentityOnValidText) {
  NormalizeOptions o = NormalizeOptions::FromBits(0);
  const std::string in = "  Don\u2019t &amp; STRA\u00dfE\u200b \uff21\u2026 cafe\u0301\t";
  EXPECT_EQ(Norm(in, o), in);
}

TEST(NormalizeOptionsTest, BitsRoundTrip) {
  EXPECT_EQ(NormalizeOptions{}.Bits(), 63u);
  for (uint32_t bits = 0; bits < 64; ++bits) {
    EXPECT_EQ(NormalizeOptions::FromBits(bits).Bits(), bits);
  }
  NormalizeOptions o;
  o.case_fold = false;
  EXPECT_EQ(o.Bits(), 63u & ~4u);
  EXPECT_EQ(NormalizeOptions::FromBits(o.Bits()), o);
}

// ---------------------------------------------------------------------------
// Ill-formed UTF-8: never crashes, each maximal ill-formed subpart is one separator,
// replaced_bytes counts the bytes.

struct BadCase {
  const char* name;
  std::string bytes;
  size_t replaced;
};

TEST(NormalizeInvalidUtf8, EachKindBecomesASeparator) {
  const std::vector<BadCase> cases = {
      {"stray continuation", "\x80", 1},
      {"two stray continuations", "\xbf\x80", 2},
      {"overlong 2-byte NUL", "\xc0\x80", 2},
      {"overlong 2-byte C1", "\xc1\xbf", 2},
      {"overlong 3-byte", "\xe0\x80\x80", 3},
      {"overlong 4-byte", "\xf0\x80\x80\x80", 4},
      {"surrogate", "\xed\xa0\x80", 3},
      {"low surrogate", "\xed\xbf\xbf", 3},
      {"above U+10FFFF", "\xf4\x90\x80\x80", 4},
      {"F5 lead", "\xf5\x80\x80\x80", 4},
      {"FF byte", "\xff", 1},
      {"truncated 2-byte", "\xc3", 1},
      {"truncated 3-byte", "\xe2\x82", 2},
      {"truncated 4-byte", "\xf0\x9f\x98", 3},
      {"lead then ASCII", "\xe2" "x", 1},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    for (const std::string& in : {"ab" + c.bytes + "cd", "ab " + c.bytes + " cd"}) {
      Normalizer n;
      std::string out;
      const NormalizeStats s = n.Normalize(in, &out);
      EXPECT_EQ(s.replaced_bytes, c.replaced);
      if (c.bytes.back() == 'x') {
        EXPECT_EQ(out, in.find(' ') == std::string::npos ? "ab xcd" : "ab x cd");
      } else {
        EXPECT_EQ(out, "ab cd");
      }
    }
    // At the very end of the input (truncated sequences are most dangerous there).
    Normalizer n;
    std::string out;
    const std::string in = "ab" + c.bytes;
    const NormalizeStats s = n.Normalize(in, &out);
    EXPECT_EQ(s.replaced_bytes, c.replaced);
    EXPECT_TRUE(neardup_test::IsValidUtf8(out));
  }
}

TEST(NormalizeInvalidUtf8, BetweenNonAsciiLetters) {
  Normalizer n;
  std::string out;
  const NormalizeStats s = n.Normalize("\u00e9\xff\u00e9\xed\xa0\x80\u4e2d", &out);
  EXPECT_EQ(out, "\u00e9 \u00e9 \u4e2d");
  EXPECT_EQ(s.replaced_bytes, 4u);
  // A combining mark after a replaced byte has nothing to compose with.
  EXPECT_EQ(n.Normalize("e\xff\u0301"), "e \u0301");
}

TEST(NormalizeInvalidUtf8, RandomBytesGiveValidCollapsedOutput) {
  std::mt19937_64 rng(20240601);
  // Bias towards bytes that start or continue multi-byte sequences.
  const std::string alphabet =
      "ab &;#x9\xc2\xa0\xc3\xa9\xcc\x81\xe2\x80\x99\xe3\x80\x80\xed\xa0\xf0\x9f\x98\x80\xf4\x90\xff\x80\xbf\xc0";
  Normalizer n;
  std::string out;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string in(rng() % 64, '\0');
    for (char& c : in) {
      c = (rng() % 4 == 0) ? static_cast<char>(rng() & 0xff) : alphabet[rng() % alphabet.size()];
    }
    const NormalizeStats s = n.Normalize(in, &out);
    ASSERT_TRUE(neardup_test::IsValidUtf8(out)) << iter;
    ASSERT_LE(s.replaced_bytes, in.size());
    ASSERT_EQ(out.find("  "), std::string::npos) << iter;
    if (!out.empty()) {
      ASSERT_NE(out.front(), ' ');
      ASSERT_NE(out.back(), ' ');
    }
  }
}

TEST(NormalizeInvalidUtf8, ReplacedBytesCountIsExactOnMixedInput) {
  // Bytes that DecodeUtf8 rejects, counted independently of the normalizer.
  std::mt19937_64 rng(7);
  Normalizer n;
  std::string out;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string in(rng() % 48, '\0');
    for (char& c : in) c = static_cast<char>(rng() & 0xff);
    // Entities would be skipped as text, not decoded as UTF-8: keep them out.
    std::replace(in.begin(), in.end(), '&', 'a');
    size_t bad = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const auto* end = p + in.size();
    while (p < end) {
      const Utf8Decoded d = DecodeUtf8(p, end);
      if (!d.ok) bad += d.length;
      p += d.length;
    }
    ASSERT_EQ(n.Normalize(in, &out).replaced_bytes, bad) << iter;
  }
}

// ---------------------------------------------------------------------------
// Properties over random valid text.

TEST(NormalizeProperties, DecomposedInputMatchesComposedInput) {
  // Pairs of (precomposed, decomposed) spellings of the same text.
  const std::vector<std::pair<std::string, std::string>> units = {
      {"\u00e9", "e\u0301"},          {"\u00c9", "E\u0301"},          {"\u00f1", "n\u0303"},
      {"\u0439", "\u0438\u0306"},     {"\u304c", "\u304b\u3099"},     {"\u00c5", "A\u030a"},
      {"\u1ec7", "e\u0302\u0323"},    {"\u03cc", "\u03bf\u0301"},     {"\ud55c", "\u1112\u1161\u11ab"},
      {"a", "a"},                     {" ", " "},                     {"\u4e2d", "\u4e2d"},
      {"\u2019", "\u2019"},           {"\u00a0", "\u00a0"},           {"x", "x"},
      {"\u0644\u0627", "\u0644\u0627"}, {"\u0e01\u0e34", "\u0e01\u0e34"},
  };
  std::mt19937_64 rng(99);
  Normalizer n;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string composed, decomposed;
    const size_t len = 1 + rng() % 40;
    for (size_t i = 0; i < len; ++i) {
      const auto& u = units[rng() % units.size()];
      composed += u.first;
      decomposed += u.second;
    }
    ASSERT_EQ(n.Normalize(decomposed), n.Normalize(composed)) << composed;
  }
}

TEST(NormalizeProperties, IdempotentWithoutEntities) {
  const std::vector<std::string> units = {
      "a", "B", " ", "\u00e9", "e", "\u0301", "\u00df", "\u1e9e", "\u03a3", "\u03c2",
      "\u0416", "\u2019", "\u201c", "\u2014", "\u2026", "\u00a0", "\u3000", "\u200b",
      "\ufb01", "\uff21", "\u4e2d", "\u304b", "\u3099", "\uff76", "\uff9e", "\u0e19",
      "\u0e49", "\u0e33", "\u1112", "\u1161", "\u11ab", "\ufefb", "\u0130", "\u0345",
      "\n", ".", "\u00ad", "\u2126", "\u1f80",
  };
  NormalizeOptions o;
  o.decode_entities = false;
  Normalizer n(o);
  std::mt19937_64 rng(123);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string in;
    const size_t len = 1 + rng() % 30;
    for (size_t i = 0; i < len; ++i) in += units[rng() % units.size()];
    const std::string once = n.Normalize(in);
    ASSERT_EQ(n.Normalize(once), once) << in;
  }
}

TEST(NormalizeProperties, LongRunsOfNonAsciiText) {
  // Composition runs are flushed in pieces; the result must equal piecewise output.
  std::string han, expect_han;
  for (int i = 0; i < 5000; ++i) han += "\u4e2d\u6587";
  EXPECT_EQ(Norm(han), han);
  std::string marks = "e";
  for (int i = 0; i < 300; ++i) marks += "\u0301";
  const std::string out = Norm(marks);
  EXPECT_EQ(out.substr(0, 2), "\u00e9");
  EXPECT_EQ(out.size(), 2u + 299u * 2u);
}

TEST(NormalizeProperties, OutputBufferIsReused) {
  Normalizer n;
  std::string out = "previous content that is longer than the next result";
  n.Normalize("Short", &out);
  EXPECT_EQ(out, "short");
  n.Normalize("", &out);
  EXPECT_EQ(out, "");
}

// ---------------------------------------------------------------------------
// Copies that differ only in presentation shingle identically.

TEST(NormalizeShingles, PresentationVariantsGiveIdenticalShingles) {
  const std::string original =
      "The harbor council voted on Tuesday to add three evening ferry crossings. "
      "\"Commuters have waited years for a late boat,\" said the council chair. "
      "It's the first new route since 2009 - and it won't be the last.";
  const std::vector<std::string> variants = {
      // Curly quotes and apostrophes, en dash.
      "The harbor council voted on Tuesday to add three evening ferry crossings. "
      "\u201cCommuters have waited years for a late boat,\u201d said the council chair. "
      "It\u2019s the first new route since 2009 \u2013 and it won\u2019t be the last.",
      // Case.
      "THE HARBOR COUNCIL voted on Tuesday to add three evening ferry crossings. "
      "\"COMMUTERS have waited years for a late boat,\" said the Council Chair. "
      "IT'S the first new route since 2009 - and it WON'T be the last.",
      // HTML entities.
      "The harbor council voted on Tuesday to add three evening ferry crossings. "
      "&quot;Commuters have waited years for a late boat,&quot; said the council&nbsp;chair. "
      "It&#8217;s the first new route since 2009 &ndash; and it won&rsquo;t be the last.",
      // Spacing and line breaks, NBSP, ideographic space, zero-width space.
      "  The harbor  council voted\non Tuesday to add three\u00a0evening ferry crossings.\r\n"
      "\"Commuters have waited\tyears for a late boat,\" said the\u3000council chair.  "
      "It's the first new route since\u2009 2009 - and it won't be the\u200b last.\n\n",
  };
  for (const ShingleKind kind : {ShingleKind::kWord, ShingleKind::kChar}) {
    Shingler sh({.kind = kind, .n = 5, .seed = 7});
    Normalizer n;
    const std::vector<uint64_t> expect = sh.Shingle(n.Normalize(original));
    ASSERT_FALSE(expect.empty());
    for (const std::string& v : variants) {
      EXPECT_EQ(sh.Shingle(n.Normalize(v)), expect) << v;
    }
  }
}

// Option sets the differential tests run: the default and each step switched off.
std::vector<NormalizeOptions> OptionSets() {
  std::vector<NormalizeOptions> out;
  for (uint32_t off : {0u, 2u, 4u, 8u, 16u, 32u, 63u}) out.push_back(NormalizeOptions::FromBits(63u & ~off));
  return out;
}

// Every code point the fast table covers (and the fullwidth ASCII forms), between neighbours that compose,
// reorder, separate or are ignorable, normalizes exactly as utf8proc alone does.
TEST(NormalizeFastTable, EveryCodePointInTheTableRangeMatchesUtf8proc) {
  const char32_t neighbours[] = {0x301, 0x316, 0x323, 0x0E48, 0x3099, 0x11A7, 0x0BBE, 0x200B, 0xA0, ' ', 0x5B6};
  // The default, and the two steps that change the table (case folding, ignorables).
  for (const NormalizeOptions& o : {NormalizeOptions::FromBits(63), NormalizeOptions::FromBits(63 & ~4),
                                    NormalizeOptions::FromBits(63 & ~16)}) {
    SCOPED_TRACE(o.Bits());
    Normalizer fast(o), slow(o);
    internal::NormalizerTestPeer::UseUtf8procOnly(slow);
    size_t mismatches = 0;
    for (char32_t c = 0x80; c < 0xFF5F; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) continue;
      if (c == internal::kFastNormalizeLimit) c = 0xFF01;  // and the fullwidth ASCII forms
      for (const char32_t a : neighbours) {
        std::string forms[3];
        AppendUtf8(c, &forms[0]), AppendUtf8(a, &forms[0]);
        AppendUtf8(a, &forms[1]), AppendUtf8(c, &forms[1]);
        forms[2] = "x ";
        for (const char32_t u : {char32_t{0x438}, c, char32_t{0x200B}, a, char32_t{0x301}, char32_t{' '}, c}) {
          AppendUtf8(u, &forms[2]);
        }
        for (const std::string& s : forms) {
          if (fast.Normalize(s) != slow.Normalize(s) && ++mismatches <= 10) {
            ADD_FAILURE() << "U+" << std::hex << static_cast<uint32_t>(c) << " next to U+" << static_cast<uint32_t>(a);
          }
        }
      }
    }
    EXPECT_EQ(mismatches, 0u);
  }
}

// Random strings over a pool of troublemakers (composing and reordering marks, jamo,
// casefolding letters, compatibility forms, spaces, entities, ill-formed bytes).
TEST(NormalizeFastTable, RandomMixedStringsMatchUtf8proc) {
  const char32_t pool[] = {'a', 'B', ' ', ' ', '\n', '.', 0xE9, 0xC9, 0xE6, 0x301, 0x327, 0x308, 0x316, 0x0E48, 0x0E38,
                           0x0E01, 0x0E31, 0x0E33, 0x438, 0x418, 0x419, 0x306, 0x4E00, 0x30AB, 0x3099, 0xFF76,
                           0xFF0C, 0xFF21, 0xFF06, 0xFF40, 0xFF07, 0xFF01, 0x1100, 0x1161, 0x11A7, 0x11A8, 0xAC00, 0xA0, 0x3000, 0x200B, 0xAD, 0x2019,
                           0x2026, 0xFFFD, 0x1E9E, 0xDF, 0x3A3, 0x3C2, 0x5D0, 0x5B4, 0x5C1, 0x64B, 0x650, 0x93F,
                           0x304C, 0x1EB9, 0x1EC7, 0x323, 0x302, 0x439, 0xFC, 0xAC01,
                           0x94D, 0x928, 0x1F600, 0x0BBE, 0x0BC6, 0x0B95, 0x1D15E};
  std::mt19937_64 rng(11);
  for (const NormalizeOptions& o : OptionSets()) {
    SCOPED_TRACE(o.Bits());
    Normalizer fast(o), slow(o);
    internal::NormalizerTestPeer::UseUtf8procOnly(slow);
    size_t mismatches = 0;
    for (int iteration = 0; iteration < 40000; ++iteration) {
      std::string s;
      const int length = 1 + static_cast<int>(rng() % 16);
      for (int i = 0; i < length; ++i) {
        const uint64_t r = rng() % 64;
        if (r == 0) {
          s.push_back(static_cast<char>(0x80 + rng() % 64));  // a stray continuation byte
        } else if (r == 1) {
          s += "&eacute;";
        } else if (r == 2) {
          s += "&#x301;";
        } else {
          AppendUtf8(pool[rng() % std::size(pool)], &s);
        }
      }
      if (fast.Normalize(s) != slow.Normalize(s) && ++mismatches <= 10) {
        std::string hex;
        for (const unsigned char b : s) hex += absl::StrFormat(" %02X", b);
        ADD_FAILURE() << "input bytes" << hex;
      }
    }
    EXPECT_EQ(mismatches, 0u);
  }
}

}  // namespace
}  // namespace neardup
