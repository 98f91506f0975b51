// The normalizer's table of code points that normalize to themselves. Not API.
//
// For every code point below kFastNormalizeLimit (Latin, Greek, Cyrillic, Arabic,
// Indic, Thai, Georgian, Hangul jamo, kana, CJK ideographs, Hangul syllables) one byte:
// kNotFast, kPrecomposed, or the canonical combining class of a code point c that
//   - NFKC + case folding (utf8proc, with the normalizer's options) maps to itself,
//   - is never a later element of a canonical decomposition, so canonical composition
//     never joins it to what precedes it (Hangul medial vowels and final consonants
//     count as such: they compose algorithmically),
//   - or, for kPrecomposed: decomposes to a starter that is never such a later element
//     plus marks or jamo, and composes back to c (é, й, が, Hangul syllables),
//   - the normalizer outputs as itself (not a space, control, zero-width character,
//     replacement character or a quote, dash or ellipsis it folds to ASCII).
// Normalizer copies runs of such code points through unchanged (see normalize.hpp for
// why that is exact); everything else goes through utf8proc as before. The table is
// computed from the linked utf8proc at first use (a few milliseconds, once per process
// and option set), so it always agrees with the library the slow path calls, and
// tests/text/normalize_test.cpp checks every code point of the range against that path.
#ifndef NEARDUP_INTERNAL_NORMALIZE_TABLE_HPP_
#define NEARDUP_INTERNAL_NORMALIZE_TABLE_HPP_

#include <utf8proc.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace neardup::internal {

inline constexpr char32_t kFastNormalizeLimit = 0xD7A4;  // through the Hangul syllables
inline constexpr uint8_t kNotFast = 0xFF;
// A precomposed starter (é, й, が) that the normalizer writes as itself: copied like a
// starter, but no non-starter is copied after it (it could reorder with or compose onto
// the marks inside it), and a code point of the general path that follows takes it
// back decomposed.
inline constexpr uint8_t kPrecomposed = 0xFE;

class FastNormalizeTable {
 public:
  // The table for utf8proc decomposition options `decompose_options` (0 when the
  // normalizer neither folds nor applies NFKC); `output_differs(c)` says the normalizer
  // writes something other than c itself for a c that utf8proc keeps (spaces, quotes).
  // The first call for an option set builds its table; later calls return it.
  static const FastNormalizeTable& For(int decompose_options, bool (*output_differs)(char32_t)) {
    // UTF8PROC_COMPOSE, UTF8PROC_COMPAT, UTF8PROC_CASEFOLD and UTF8PROC_IGNORE are the
    // only options the normalizer passes: 16 combinations of their bits.
    static std::array<std::once_flag, 16> once;
    static std::array<std::unique_ptr<FastNormalizeTable>, 16> tables;
    const int slot = ((decompose_options & UTF8PROC_COMPOSE) ? 1 : 0) | ((decompose_options & UTF8PROC_COMPAT) ? 2 : 0) |
                     ((decompose_options & UTF8PROC_CASEFOLD) ? 4 : 0) | ((decompose_options & UTF8PROC_IGNORE) ? 8 : 0);
    std::call_once(once[slot], [&] {
      tables[slot].reset(new FastNormalizeTable(decompose_options, output_differs));
    });
    return *tables[slot];
  }

  uint8_t operator[](char32_t c) const noexcept { return bytes_[c]; }

  // For the fullwidth forms U+FF01-U+FF5E (the comma and full stop of Chinese and
  // Japanese text among them): the ASCII character NFKC and folding make of c, which
  // composes with nothing before or after it; 0 when c is outside or stays non-ASCII.
  char FullwidthAscii(char32_t c) const noexcept {
    return c - kFullwidthFirst < fullwidth_.size() ? fullwidth_[c - kFullwidthFirst] : '\0';
  }

 private:
  FastNormalizeTable(int decompose_options, bool (*output_differs)(char32_t)) : bytes_(kFastNormalizeLimit, kNotFast) {
    // Code points that canonical composition may join to what precedes them: every
    // element after the first of a canonical decomposition (canonical decompositions
    // all lie below U+30000), and the Hangul jamo that compose algorithmically.
    std::vector<bool> joins_back(kFastNormalizeLimit, false);
    utf8proc_int32_t buf[32];
    for (utf8proc_int32_t x = 0xA0; x < 0x30000; ++x) {
      if (utf8proc_get_property(x)->decomp_seqindex == UINT16_MAX) continue;
      const utf8proc_ssize_t n = utf8proc_decompose_char(x, buf, 32, UTF8PROC_DECOMPOSE, nullptr);
      for (utf8proc_ssize_t i = 1; i < n && i < 32; ++i) {
        if (buf[i] >= 0 && static_cast<char32_t>(buf[i]) < kFastNormalizeLimit) joins_back[buf[i]] = true;
      }
    }
    // Medial vowels and final consonants (U+1161-U+1175, U+11A8-U+11C2), with room to
    // spare: utf8proc also joins U+11A7, the final-consonant base, to an LV syllable.
    for (char32_t j = 0x1160; j <= 0x11FF; ++j) joins_back[j] = true;
    for (char32_t c = 0x80; c < kFastNormalizeLimit; ++c) {
      if ((c >= 0xD800 && c <= 0xDFFF) || joins_back[c] || output_differs(c)) continue;
      const auto cp = static_cast<utf8proc_int32_t>(c);
      bool precomposed = false;
      if (decompose_options != 0) {
        const utf8proc_ssize_t n = utf8proc_decompose_char(cp, buf, 32,
                                                           static_cast<utf8proc_option_t>(decompose_options), nullptr);
        if (n < 1 || n > 32) continue;
        if (n > 1) {
          // Composed back to itself, from a starter that joins nothing before it.
          if ((decompose_options & UTF8PROC_COMPOSE) == 0 || buf[0] < 0 ||
              static_cast<char32_t>(buf[0]) >= kFastNormalizeLimit || joins_back[buf[0]] ||
              utf8proc_get_property(buf[0])->combining_class != 0) {
            continue;
          }
          const utf8proc_ssize_t m =
              utf8proc_normalize_utf32(buf, n, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
          if (m != 1) continue;
          precomposed = true;
        }
        if (buf[0] != cp) continue;
      }
      const auto cat = utf8proc_category(cp);
      if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP ||
          cat == UTF8PROC_CATEGORY_CC || c == 0xFFFD) {
        continue;
      }
      const auto ccc = utf8proc_get_property(cp)->combining_class;
      if (ccc < 0 || ccc >= kPrecomposed || (precomposed && ccc != 0)) continue;
      bytes_[c] = precomposed ? kPrecomposed : static_cast<uint8_t>(ccc);
    }
    for (char32_t c = kFullwidthFirst; c < kFullwidthFirst + fullwidth_.size(); ++c) {
      if (decompose_options == 0) break;
      const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 32,
                                                         static_cast<utf8proc_option_t>(decompose_options), nullptr);
      if (n == 1 && buf[0] > 0 && buf[0] < 0x80) fullwidth_[c - kFullwidthFirst] = static_cast<char>(buf[0]);
    }
  }

  static constexpr char32_t kFullwidthFirst = 0xFF01;
  std::vector<uint8_t> bytes_;
  std::array<char, 0x5E> fullwidth_{};
};

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_NORMALIZE_TABLE_HPP_
