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
// Tokens are views into the input: no allocation. ASCII text is scanned 64 bytes at a
// time (token boundaries from a bit mask of word bytes); other text code point by code
// point.
// Thread safety: stateless; safe from any thread.
#ifndef NEARDUP_TEXT_TOKENIZE_HPP_
#define NEARDUP_TEXT_TOKENIZE_HPP_

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
// ClassifyCodePoint for every code point below U+D800 (every script in everyday use,
// Hangul syllables included), computed from it at first use: one load instead of a
// utf8proc property lookup per code point.
inline CharClass ClassifyCodePointCached(char32_t c) noexcept {
  constexpr char32_t kLimit = 0xD800;
  static const std::array<CharClass, kLimit>* const table = [] {
    auto* t = new std::array<CharClass, kLimit>;
    for (char32_t x = 0; x < kLimit; ++x) (*t)[x] = ClassifyCodePoint(x);
    return t;
  }();
  return c < kLimit ? (*table)[c] : ClassifyCodePoint(c);
}

inline constexpr std::array<bool, 128> kAsciiWord = [] {
  std::array<bool, 128> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  return t;
}();

inline constexpr uint64_t kHighBits = 0x8080808080808080ULL;  // bit 7 of each byte

// The byte tests below use GNU vector extensions (GCC and Clang), which compile to SSE2
// on x86-64 and to NEON on ARM: portable source, no intrinsics.
using Bytes16 = unsigned char __attribute__((vector_size(16)));

// Bit j of the result is bit 7 of byte j of `flags` (0xFF / 0x00 per byte).
inline uint32_t GatherHighBits16(Bytes16 flags) noexcept {
  uint64_t halves[2];
  std::memcpy(halves, &flags, 16);
  uint32_t m = 0;
  for (int h = 0; h < 2; ++h) {
    // One flag per byte at bit 8j; the multiply gathers byte j's flag into bit 56 + j
    // (the partial products never overlap, so nothing carries).
    const uint64_t bits = (halves[h] & kHighBits) >> 7;
    m |= static_cast<uint32_t>((bits * 0x0102040810204080ULL) >> 56) << (8 * h);
  }
  return m;
}

// 0xFF for the bytes of x that are ASCII letters or digits, 0x00 for the others (bytes
// of 0x80 and above included): (x | 0x20) folds 'A'-'Z' onto 'a'-'z'.
inline Bytes16 AsciiWordBytes(Bytes16 x) noexcept {
  return (Bytes16)((Bytes16)((x | 0x20) - 'a') < 26) | (Bytes16)((Bytes16)(x - '0') < 10);
}

// For the 64 bytes at p: bit i of the result is set when p[i] is an ASCII letter or
// digit. Returns false, leaving *mask alone, when any of the bytes is not ASCII.
inline bool AsciiWordMask64(const unsigned char* p, uint64_t* mask) noexcept {
  uint64_t m = 0;
  for (int i = 0; i < 4; ++i) {
    Bytes16 x;
    std::memcpy(&x, p + 16 * i, 16);
    uint64_t raw[2];
    std::memcpy(raw, &x, 16);
    if (((raw[0] | raw[1]) & kHighBits) != 0) return false;  // fails fast on non-ASCII
    m |= uint64_t{GatherHighBits16(AsciiWordBytes(x))} << (16 * i);
  }
  *mask = m;
  return true;
}

// The tokens of a 64-byte block at p whose word bytes are the set bits of `word`.
// *start is the open token's first byte (nullptr: none) on entry, and on return the
// token still open at the block's end. Calls emit(first, last) for every token that
// ends in the block; returns how many. The loop branches once per token, never per
// byte.
template <class Emit>
inline size_t EmitBlockTokens(const unsigned char* p, uint64_t word, const unsigned char** start,
                              Emit&& emit) {
  const uint64_t before = (word << 1) | (*start != nullptr ? 1 : 0);
  uint64_t starts = word & ~before;
  uint64_t stops = ~word & before;
  size_t emitted = 0;
  if (*start != nullptr && stops != 0) {  // the token open before the block
    emit(*start, p + std::countr_zero(stops));
    ++emitted;
    *start = nullptr;
    stops &= stops - 1;
  }
  // Every other token lies inside the block: the i-th stop closes the i-th start.
  while (stops != 0) {
    emit(p + std::countr_zero(starts), p + std::countr_zero(stops));
    ++emitted;
    starts &= starts - 1;
    stops &= stops - 1;
  }
  if (starts != 0) *start = p + std::countr_zero(starts);
  return emitted;
}
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
  // Bytes the code-point loop takes after a block that is not all ASCII: doubled
  // while blocks keep failing, so that non-ASCII text rarely tries the block path.
  ptrdiff_t slow_span = 64;
  while (p < end) {
    // Blocks of 64 ASCII bytes: token boundaries come from the word-byte mask, so the
    // loop branches once per token and once per block, never per byte.
    const unsigned char* slow_stop = end;
    if constexpr (std::endian::native == std::endian::little) {
      if (end - p >= 64) {
        uint64_t word;
        if (internal::AsciiWordMask64(p, &word)) {
          if (single) flush(p);  // p[0] is ASCII, so the open character ends here
          // A local count: `count` itself is captured by flush() and lives in memory.
          count += internal::EmitBlockTokens(
              p, word, &start, [&](const unsigned char* first, const unsigned char* last) {
                emit(std::string_view(reinterpret_cast<const char*>(first),
                                      static_cast<size_t>(last - first)));
              });
          p += 64;
          slow_span = 64;
          continue;
        }
        slow_stop = p + std::min(slow_span, end - p);
        slow_span = std::min<ptrdiff_t>(2 * slow_span, 1024);
      }
    }
    while (p < slow_stop) {
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
      switch (internal::ClassifyCodePointCached(d.code_point)) {
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
  }
  flush(p);
  return count;
}

}  // namespace neardup

#endif  // NEARDUP_TEXT_TOKENIZE_HPP_
