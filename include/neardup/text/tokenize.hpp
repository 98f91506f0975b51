// Stage 2: tokenization of (normalized) UTF-8 text into words.
//
// A word is a maximal run of Unicode letters, marks and digits; everything else
// (punctuation, symbols, spaces, ill-formed bytes) separates words. Scripts written
// without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar)
// give one token per character, with any following combining marks attached, so that
// Chinese, Japanese and Thai text gets word-like shingles.
//
//   neardup::ForEachToken("the cat, the hat", [](std::string_view t) { ... });
//   // "the" "cat" "the" "hat"
//
// Tokens are views into the input: no allocation. ASCII takes a table-driven path.
// Thread safety: stateless; safe from any thread.
#ifndef NEARDUP_TEXT_TOKENIZE_HPP_
#define NEARDUP_TEXT_TOKENIZE_HPP_

#include <utf8proc.h>

#include <array>
#include <cstddef>
#include <string_view>

#include "neardup/text/utf8.hpp"

namespace neardup {

enum class CharClass : uint8_t { kSeparator, kWord, kMark, kSingle };

// True for code points of scripts that do not separate words with spaces.
constexpr bool IsSpacelessScript(char32_t c) noexcept {
  if (c < 0x0E00) return false;
  return (c >= 0x0E00 && c <= 0x0EFF) ||    // Thai, Lao
         (c >= 0x1000 && c <= 0x109F) ||    // Myanmar
         (c >= 0x1780 && c <= 0x17FF) ||    // Khmer
         (c >= 0x19E0 && c <= 0x19FF) ||    // Khmer symbols
         (c >= 0x2E80 && c <= 0x2FDF) ||    // CJK and Kangxi radicals
         (c >= 0x3005 && c <= 0x3007) ||    // iteration mark, closing mark, zero
         (c >= 0x3021 && c <= 0x3029) ||    // Hangzhou numerals
         (c >= 0x3038 && c <= 0x303C) ||
         (c >= 0x3040 && c <= 0x30FF) ||    // Hiragana, Katakana
         (c >= 0x3100 && c <= 0x312F) ||    // Bopomofo
         (c >= 0x31A0 && c <= 0x31BF) ||    // Bopomofo extended
         (c >= 0x31F0 && c <= 0x31FF) ||    // Katakana phonetic extensions
         (c >= 0x3400 && c <= 0x4DBF) ||    // CJK extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||    // CJK unified ideographs
         (c >= 0xA9E0 && c <= 0xA9FF) ||    // Myanmar extended B
         (c >= 0xAA60 && c <= 0xAA7F) ||    // Myanmar extended A
         (c >= 0xF900 && c <= 0xFAFF) ||    // CJK compatibility ideographs
         (c >= 0xFF66 && c <= 0xFF9F) ||    // halfwidth Katakana
         (c >= 0x1B000 && c <= 0x1B16F) ||  // Kana supplement and extended
         (c >= 0x20000 && c <= 0x3134F);    // CJK extensions B-G
}

inline CharClass ClassifyCodePoint(char32_t c) noexcept {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  switch (cat) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return CharClass::kMark;
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return IsSpacelessScript(c) ? CharClass::kSingle : CharClass::kWord;
    default:
      return CharClass::kSeparator;
  }
}

namespace internal {
inline constexpr std::array<bool, 128> kAsciiWord = [] {
  std::array<bool, 128> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  return t;
}();
}  // namespace internal

// Calls emit(std::string_view token) for each token in order; returns the count.
template <class Emit>
size_t ForEachToken(std::string_view text, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  const unsigned char* start = nullptr;
  bool single = false;  // the open token is one character of a spaceless script
  size_t count = 0;
  auto flush = [&](const unsigned char* stop) {
    if (start != nullptr) {
      emit(std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(stop - start)));
      ++count;
      start = nullptr;
    }
    single = false;
  };
  while (p < end) {
    if (*p < 0x80) {
      if (internal::kAsciiWord[*p]) {
        if (single) flush(p);
        if (start == nullptr) start = p;
        ++p;
        while (p < end && *p < 0x80 && internal::kAsciiWord[*p]) ++p;
      } else {
        flush(p);
        ++p;
      }
      continue;
    }
    const Utf8Decoded d = DecodeUtf8(p, end);
    if (!d.ok) {
      flush(p);
      p += d.length;
      continue;
    }
    switch (ClassifyCodePoint(d.code_point)) {
      case CharClass::kWord:
        if (single) flush(p);
        if (start == nullptr) start = p;
        break;
      case CharClass::kMark:
        if (start == nullptr) start = p;
        break;
      case CharClass::kSingle:
        flush(p);
        start = p;
        single = true;
        break;
      case CharClass::kSeparator:
        flush(p);
        break;
    }
    p += d.length;
  }
  flush(p);
  return count;
}

}  // namespace neardup

#endif  // NEARDUP_TEXT_TOKENIZE_HPP_
