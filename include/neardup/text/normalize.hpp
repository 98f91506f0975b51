// Stage 1 of the pipeline: text normalization.
//
// Input: UTF-8 bytes (possibly ill-formed). Output: normalized UTF-8 in which two
// copies of an article that differ only in quote style, case, HTML entities, Unicode
// spaces, zero-width characters or spacing are byte-identical. Each step is on by
// default and can be switched off:
//   - HTML character entities decoded (&amp; &nbsp; &#8217; &#x2019; and ~100 named);
//   - Unicode NFKC and full case folding (utf8proc), not ASCII-only lowercasing;
//   - straight and curly quotes, apostrophes, dashes and ellipses unified to ASCII;
//   - zero-width and other default-ignorable characters removed;
//   - every Unicode space, line break and control character becomes one space, runs
//     collapse to one, and the ends are trimmed.
// Ill-formed UTF-8 never fails: each maximal ill-formed subpart becomes a separator and
// its bytes are counted in NormalizeStats::replaced_bytes.
//
//   neardup::Normalizer norm;                 // default options
//   std::string out;
//   auto stats = norm.Normalize("Don\u2019t &amp; WON\u2019T", &out);  // "don't & won't"
//
// Cost: ASCII text, with the curly quotes and dashes of English, takes a fast path 16
// bytes at a time (no call into utf8proc, about 2 GB/s on news text); only runs of
// other non-ASCII code points are decomposed and recomposed. No allocation per token;
// `out` and internal buffers are reused across calls.
// Thread safety: a Normalizer is not thread-safe; use one per thread (they are cheap).
#ifndef NEARDUP_TEXT_NORMALIZE_HPP_
#define NEARDUP_TEXT_NORMALIZE_HPP_

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/internal/normalize_table.hpp"
#include "neardup/text/utf8.hpp"

namespace neardup {

struct NormalizeOptions {
  bool decode_entities = true;
  bool unicode_nfkc = true;
  bool case_fold = true;
  bool unify_punctuation = true;
  bool remove_zero_width = true;
  bool collapse_whitespace = true;

  // Stable bit encoding, stored in signature and index files.
  uint32_t Bits() const noexcept {
    return (decode_entities ? 1u : 0u) | (unicode_nfkc ? 2u : 0u) | (case_fold ? 4u : 0u) |
           (unify_punctuation ? 8u : 0u) | (remove_zero_width ? 16u : 0u) |
           (collapse_whitespace ? 32u : 0u);
  }
  static NormalizeOptions FromBits(uint32_t bits) noexcept {
    NormalizeOptions o;
    o.decode_entities = bits & 1u;
    o.unicode_nfkc = bits & 2u;
    o.case_fold = bits & 4u;
    o.unify_punctuation = bits & 8u;
    o.remove_zero_width = bits & 16u;
    o.collapse_whitespace = bits & 32u;
    return o;
  }
  friend bool operator==(const NormalizeOptions&, const NormalizeOptions&) = default;
};

struct NormalizeStats {
  size_t replaced_bytes = 0;    // bytes of ill-formed UTF-8 replaced by a separator
  size_t decoded_entities = 0;  // HTML character references decoded
};

namespace internal {

// Named HTML character references decoded by the normalizer, sorted by name.
struct NamedEntity {
  std::string_view name;
  char32_t code_point;
};
inline constexpr NamedEntity kNamedEntities[] = {
    {"AElig", 0xC6},   {"Aacute", 0xC1}, {"Acirc", 0xC2},   {"Agrave", 0xC0},
    {"Aring", 0xC5},   {"Atilde", 0xC3}, {"Auml", 0xC4},    {"Ccedil", 0xC7},
    {"Eacute", 0xC9},  {"Ecirc", 0xCA},  {"Egrave", 0xC8},  {"Euml", 0xCB},
    {"Iacute", 0xCD},  {"Icirc", 0xCE},  {"Iuml", 0xCF},    {"Ntilde", 0xD1},
    {"Oacute", 0xD3},  {"Ocirc", 0xD4},  {"Ograve", 0xD2},  {"Oslash", 0xD8},
    {"Otilde", 0xD5},  {"Ouml", 0xD6},   {"Uacute", 0xDA},  {"Ucirc", 0xDB},
    {"Ugrave", 0xD9},  {"Uuml", 0xDC},   {"Yacute", 0xDD},  {"aacute", 0xE1},
    {"acirc", 0xE2},   {"acute", 0xB4},  {"aelig", 0xE6},   {"agrave", 0xE0},
    {"amp", 0x26},     {"apos", 0x27},   {"aring", 0xE5},   {"atilde", 0xE3},
    {"auml", 0xE4},    {"bdquo", 0x201E}, {"brvbar", 0xA6}, {"bull", 0x2022},
    {"ccedil", 0xE7},  {"cedil", 0xB8},  {"cent", 0xA2},    {"copy", 0xA9},
    {"curren", 0xA4},  {"dagger", 0x2020}, {"deg", 0xB0},   {"divide", 0xF7},
    {"eacute", 0xE9},  {"ecirc", 0xEA},  {"egrave", 0xE8},  {"emsp", 0x2003},
    {"ensp", 0x2002},  {"eth", 0xF0},    {"euml", 0xEB},    {"euro", 0x20AC},
    {"frac12", 0xBD},  {"frac14", 0xBC}, {"frac34", 0xBE},  {"gt", 0x3E},
    {"hellip", 0x2026}, {"iacute", 0xED}, {"icirc", 0xEE},  {"iexcl", 0xA1},
    {"igrave", 0xEC},  {"iquest", 0xBF}, {"iuml", 0xEF},    {"laquo", 0xAB},
    {"ldquo", 0x201C}, {"lrm", 0x200E},  {"lsaquo", 0x2039}, {"lsquo", 0x2018},
    {"lt", 0x3C},      {"macr", 0xAF},   {"mdash", 0x2014}, {"micro", 0xB5},
    {"middot", 0xB7},  {"minus", 0x2212}, {"nbsp", 0xA0},   {"ndash", 0x2013},
    {"not", 0xAC},     {"ntilde", 0xF1}, {"oacute", 0xF3},  {"ocirc", 0xF4},
    {"ograve", 0xF2},  {"ordf", 0xAA},   {"ordm", 0xBA},    {"oslash", 0xF8},
    {"otilde", 0xF5},  {"ouml", 0xF6},   {"para", 0xB6},    {"permil", 0x2030},
    {"plusmn", 0xB1},  {"pound", 0xA3},  {"prime", 0x2032}, {"quot", 0x22},
    {"raquo", 0xBB},   {"rdquo", 0x201D}, {"reg", 0xAE},    {"rlm", 0x200F},
    {"rsaquo", 0x203A}, {"rsquo", 0x2019}, {"sbquo", 0x201A}, {"sect", 0xA7},
    {"shy", 0xAD},     {"sup1", 0xB9},   {"sup2", 0xB2},    {"sup3", 0xB3},
    {"szlig", 0xDF},   {"thinsp", 0x2009}, {"thorn", 0xFE}, {"times", 0xD7},
    {"trade", 0x2122}, {"uacute", 0xFA}, {"ucirc", 0xFB},   {"ugrave", 0xF9},
    {"uml", 0xA8},     {"uuml", 0xFC},   {"yacute", 0xFD},  {"yen", 0xA5},
    {"yuml", 0xFF},    {"zwj", 0x200D},  {"zwnj", 0x200C},
};

// Numeric references to 0x80-0x9F mean Windows-1252 (HTML5 parsing rules).
inline constexpr char32_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

// Parses an HTML character reference at p[0] == '&'. On success stores the code point
// and the reference's length (including '&' and ';'). References must end in ';'.
inline bool ParseEntity(const unsigned char* p, const unsigned char* end, char32_t* cp,
                        size_t* len) noexcept {
  constexpr size_t kMaxLen = 12;  // "&#x0010FFFF;" and the longest names fit
  const size_t avail = static_cast<size_t>(end - p);
  const size_t limit = avail < kMaxLen ? avail : kMaxLen;
  if (limit < 3) return false;
  if (p[1] == '#') {
    size_t i = 2;
    const bool hex = p[2] == 'x' || p[2] == 'X';
    if (hex) ++i;
    uint32_t value = 0;
    size_t digits = 0;
    for (; i < limit; ++i) {
      const unsigned char c = p[i];
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        d = (c | 0x20) - 'a' + 10;
      } else {
        break;
      }
      value = value * (hex ? 16 : 10) + d;
      if (value > 0x10FFFF) value = 0x110000;  // saturate: invalid, and no overflow
      ++digits;
    }
    if (digits == 0 || i >= limit || p[i] != ';') return false;
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      value = 0xFFFD;
    } else if (value >= 0x80 && value <= 0x9F) {
      value = kCp1252High[value - 0x80];
    }
    *cp = value;
    *len = i + 1;
    return true;
  }
  size_t i = 1;
  while (i < limit && (((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') || (p[i] >= '0' && p[i] <= '9'))) {
    ++i;
  }
  if (i == 1 || i >= limit || p[i] != ';') return false;
  const std::string_view name(reinterpret_cast<const char*>(p + 1), i - 1);
  const auto* it = std::lower_bound(
      std::begin(kNamedEntities), std::end(kNamedEntities), name,
      [](const NamedEntity& e, std::string_view n) { return e.name < n; });
  if (it == std::end(kNamedEntities) || it->name != name) return false;
  *cp = it->code_point;
  *len = i + 1;
  return true;
}

// Quote, apostrophe and dash variants folded to ASCII; 0 if `c` is not one of them.
constexpr char PunctuationToAscii(char32_t c) noexcept {
  switch (c) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: case 0x2035:
    case 0x02BC: case 0x00B4: case 0x2039: case 0x203A: case 0xFF07:
      return '\'';
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033: case 0x2036:
    case 0x00AB: case 0x00BB: case 0x301D: case 0x301E: case 0x301F: case 0xFF02:
      return '"';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2212: case 0x2043: case 0xFE58: case 0xFE63: case 0xFF0D:
      return '-';
    default:
      return 0;
  }
}

constexpr bool IsZeroWidth(char32_t c) noexcept {
  return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF ||
         c == 0x00AD || c == 0x180E || (c >= 0x2061 && c <= 0x2064) || c == 0x200E ||
         c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// Code points the normalizer writes as something other than themselves even when
// utf8proc keeps them: the fast table leaves them to the general path.
constexpr bool OutputDiffers(char32_t c) noexcept {
  return PunctuationToAscii(c) != 0 || c == 0x2026 || IsZeroWidth(c);
}

struct NormalizerTestPeer;

// True for code points that never compose with a preceding starter, so a pending
// composition run may be flushed in front of them.
inline bool IsSafeCompositionBoundary(char32_t c, const utf8proc_property_t* prop) noexcept {
  if (prop->combining_class != 0) return false;
  const auto cat = prop->category;
  const bool letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
  const bool hangul_jamo = (c >= 0x1100 && c <= 0x11FF) || (c >= 0xA960 && c <= 0xA97F) ||
                           (c >= 0xD7B0 && c <= 0xD7FF);
  return letter && !hangul_jamo;
}

}  // namespace internal

class Normalizer {
 public:
  explicit Normalizer(NormalizeOptions options = {}) : options_(options) {
    for (int c = 0; c < 128; ++c) {
      ascii_map_[c] = static_cast<char>(c);
      ascii_class_[c] = kPlain;
      if (options_.case_fold && c >= 'A' && c <= 'Z') ascii_map_[c] = static_cast<char>(c + 32);
      if (c < 0x20 || c == 0x7F || c == ' ') ascii_class_[c] = kSpace;
      if (c == '&' && options_.decode_entities) ascii_class_[c] = kAmp;
      if (c == '`' && options_.unify_punctuation) ascii_map_[c] = '\'';
    }
    for (char32_t c = 0x2010; c < 0x2020; ++c) {
      punctuation_2010_[c - 0x2010] =
          options_.unify_punctuation ? internal::PunctuationToAscii(c) : '\0';
    }
    decompose_options_ = 0;
    if (options_.unicode_nfkc) decompose_options_ |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    if (options_.case_fold) decompose_options_ |= UTF8PROC_CASEFOLD;
    if (options_.remove_zero_width && options_.unicode_nfkc) decompose_options_ |= UTF8PROC_IGNORE;
    fast_ = &internal::FastNormalizeTable::For(decompose_options_, &internal::OutputDiffers);
  }

  const NormalizeOptions& options() const noexcept { return options_; }

  // Normalizes `in` into `out` (overwritten). Never fails.
  NormalizeStats Normalize(std::string_view in, std::string* out) {
    NormalizeStats stats;
    out_ = out;
    out_->resize(in.size() + 64);
    w_ = 0;
    pending_space_ = false;
    pending_.clear();
    tail_end_ = kNoTail;
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const auto* end = p + in.size();
    while (p < end) {
      const unsigned char c = *p;
      if (c < 0x80) {
        tail_end_ = kNoTail;
        if (!pending_.empty()) FlushPending();
        // A run of plain ASCII writes at most one byte per input byte plus one pending
        // space (AsciiRuns() may store up to 17 bytes past its final position), so one
        // capacity check per run replaces a check per byte.
        const size_t need = w_ + static_cast<size_t>(end - p) + 32;
        if (need > out_->size()) out_->resize(need + 64);
        // Locals, not members: stores through `o` may alias any member, which would
        // otherwise force a reload and store of w_ for every byte.
        char* o = out_->data();
        size_t w = w_;
        bool pending_space = pending_space_;
        if constexpr (std::endian::native == std::endian::little) {
          AsciiRuns(&p, end, o, &w, &pending_space);
        }
        while (p < end && *p < 0x80 && ascii_class_[*p] == kPlain) {
          if (pending_space) {
            if (w != 0) o[w++] = ' ';
            pending_space = false;
          }
          o[w++] = ascii_map_[*p++];
        }
        w_ = w;
        pending_space_ = pending_space;
        if (p >= end || *p >= 0x80) continue;
        if (ascii_class_[*p] == kSpace) {
          EmitSpaceByte(*p);
          ++p;
          continue;
        }
        char32_t cp;
        size_t len;
        if (internal::ParseEntity(p, end, &cp, &len)) {
          ++stats.decoded_entities;
          p += len;
          EmitCodePoint(cp, /*from_entity=*/true);
        } else {
          EmitAscii('&');
          ++p;
        }
        continue;
      }
      const Utf8Decoded d = DecodeUtf8(p, end);
      if (d.ok && d.code_point < internal::kFastNormalizeLimit && fast_ != nullptr) {
        // Code points that normalize to themselves are copied, a run at a time.
        const uint8_t ccc = (*fast_)[d.code_point];
        if (ccc == 0 || ccc == internal::kPrecomposed ||
            (ccc != internal::kNotFast && InCopiedRun() && ccc >= tail_ccc_)) {
          p = FastRun(p, end);
          continue;
        }
      }
      if (!d.ok) {
        tail_end_ = kNoTail;
        stats.replaced_bytes += d.length;
        if (!pending_.empty()) FlushPending();
        EmitSeparator();
        p += d.length;
        continue;
      }
      p += d.length;
      // Curly quotes and dashes are most of the non-ASCII in English text: the short
      // way to what EmitCodePoint() and Output() would write for them.
      if (options_.unify_punctuation) {
        if (const char a = internal::PunctuationToAscii(d.code_point)) {
          tail_end_ = kNoTail;
          if (!pending_.empty()) FlushPending();
          EmitAscii(a);
          continue;
        }
      }
      if (fast_ != nullptr) {
        // Fullwidth ASCII (Chinese and Japanese commas and stops): what utf8proc and
        // Output() would make of it, without the detour.
        if (const char a = fast_->FullwidthAscii(d.code_point)) {
          tail_end_ = kNoTail;
          if (!pending_.empty()) FlushPending();
          Output(static_cast<char32_t>(static_cast<unsigned char>(a)));
          continue;
        }
      }
      EmitCodePoint(d.code_point, /*from_entity=*/false);
      // A code point that added nothing (an ignorable one) leaves a copied run open, as
      // it leaves a pending utf8proc run open.
      if (!pending_.empty() || w_ != tail_end_) tail_end_ = kNoTail;
    }
    if (!pending_.empty()) FlushPending();
    out_->resize(w_);
    out_ = nullptr;
    return stats;
  }

  std::string Normalize(std::string_view in) {
    std::string out;
    Normalize(in, &out);
    return out;
  }

 private:
  friend struct internal::NormalizerTestPeer;
  enum : uint8_t { kPlain = 0, kSpace = 1, kAmp = 2 };
  static constexpr size_t kNoTail = ~size_t{0};

  // Copies the run of code points at p that normalize to themselves (FastNormalizeTable)
  // straight to the output; returns where the run ends. Exact, because the output of
  // the general path splits wherever a code point is a starter (combining class 0) that
  // composes with nothing before it: canonical ordering and composition both restart
  // there. So a pending utf8proc run is flushed in front of such a starter, and the
  // starter is copied. A non-starter of the table is copied only right after a copied
  // run whose combining classes it does not undercut (no reordering), and composes with
  // nothing. What the copied run leaves open is the part from its last starter on
  // [tail_start_, tail_end_): a code point of the general path that follows at once
  // takes that part back into the pending utf8proc run (EmitCodePoint), as if it had
  // never been copied.
  bool InCopiedRun() const noexcept { return tail_end_ == w_ && !pending_space_; }

  const unsigned char* FastRun(const unsigned char* p, const unsigned char* end) {
    if (!InCopiedRun()) {  // a new run: it starts with a starter
      if (!pending_.empty()) FlushPending();
      Reserve(1);
      if (pending_space_) {
        if (w_ != 0) (*out_)[w_++] = ' ';
        pending_space_ = false;
      }
    }
    const unsigned char* q = p;
    size_t tail_offset = kNoTail;  // offset of the last starter from p
    uint8_t last_ccc = tail_ccc_;
    const internal::FastNormalizeTable& table = *fast_;
    while (q < end) {
      if (*q < 0x80) {
        // One space between words of a script like Cyrillic: both paths write it as
        // is, and the ASCII byte would end a utf8proc run, as the starter after it does.
        if (*q != ' ' || end - q < 2 || q[1] < 0x80) break;
        const Utf8Decoded next = DecodeUtf8(q + 1, end);
        if (!next.ok || next.code_point >= internal::kFastNormalizeLimit) break;
        const uint8_t next_ccc = table[next.code_point];
        if (next_ccc != 0 && next_ccc != internal::kPrecomposed) break;
        tail_offset = static_cast<size_t>(q + 1 - p);
        last_ccc = next_ccc;
        q += 1 + next.length;
        continue;
      }
      // Two- and three-byte sequences only (the table ends below U+D800), decoded
      // here without DecodeUtf8's general cases; anything else ends the run.
      char32_t cp;
      size_t len;
      const unsigned char b0 = q[0];
      if (b0 >= 0xC2 && b0 < 0xE0 && end - q >= 2 && (q[1] & 0xC0) == 0x80) {
        cp = (char32_t{b0 & 0x1Fu} << 6) | (q[1] & 0x3Fu);
        len = 2;
      } else if (b0 >= 0xE0 && b0 < 0xEE && end - q >= 3 && (q[1] & 0xC0) == 0x80 && (q[2] & 0xC0) == 0x80 &&
                 (b0 != 0xE0 || q[1] >= 0xA0)) {
        cp = (char32_t{b0 & 0x0Fu} << 12) | (char32_t{q[1] & 0x3Fu} << 6) | (q[2] & 0x3Fu);
        len = 3;
      } else {
        break;
      }
      if (cp >= internal::kFastNormalizeLimit) break;
      const uint8_t ccc = table[cp];
      if (ccc == 0 || ccc == internal::kPrecomposed) {
        tail_offset = static_cast<size_t>(q - p);
      } else if (ccc == internal::kNotFast || ccc < last_ccc) {
        break;
      }
      last_ccc = ccc;
      q += len;
    }
    const auto n = static_cast<size_t>(q - p);
    Reserve(n);
    std::memcpy(out_->data() + w_, p, n);
    if (tail_offset != kNoTail) tail_start_ = w_ + tail_offset;
    w_ += n;
    tail_end_ = w_;
    tail_ccc_ = last_ccc;
    return q;
  }

  // The ASCII fast path, sixteen input bytes per step, exactly equivalent to the byte
  // loop in Normalize(). A step takes plain bytes and separators (with collapsing on:
  // controls, spaces and DEL, output as one space; otherwise spaces only, as they
  // are) up to the first byte that is anything else, or the second of two separators.
  // Separators are branch-free: a leading one merges with a pending one, a trailing
  // one becomes pending. Between steps, runs of separators (paragraph breaks) and the
  // quotes and dashes U+2010-U+201F (E2 80 9x; curly quotes are most of the
  // non-ASCII in English text) are taken here too; anything else ends the run:
  // '&' and '`' when special, other non-ASCII, and the last 15 bytes of the input.
  // `o` must have room for 17 bytes past each step's output.
  // The byte tests use GNU vector extensions (GCC and Clang), which compile to SSE2 on
  // x86-64 and to NEON on ARM: portable source, no intrinsics.
  void AsciiRuns(const unsigned char** pp, const unsigned char* end, char* o, size_t* wp,
                 bool* pending_space) const {
    using Bytes16 = unsigned char __attribute__((vector_size(16)));
    __extension__ using Uint128 = unsigned __int128;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    const unsigned char* p = *pp;
    size_t w = *wp;
    bool pending = *pending_space;
    // A test that is off compares with NUL instead, which is special or a separator
    // anyway.
    const unsigned char amp = options_.decode_entities ? '&' : 0;
    const unsigned char backtick = options_.unify_punctuation ? '`' : 0;
    const unsigned char fold = options_.case_fold ? 0x20 : 0;
    const bool collapse = options_.collapse_whitespace;
    while (end - p >= 16) {
      if (p[0] >= 0x80) {
        const char a = p[0] == 0xE2 && p[1] == 0x80 && (p[2] & 0xF0) == 0x90
                           ? punctuation_2010_[p[2] & 0x0F]
                           : 0;
        if (a == 0) break;
        o[w] = ' ';
        w += static_cast<size_t>(pending & (w != 0));
        o[w++] = a;
        pending = false;
        p += 3;
        continue;
      }
      // One ASCII byte in front of non-ASCII (a space between Cyrillic words, say) is
      // quicker in the byte loop.
      if (p[1] >= 0x80) break;
      Bytes16 x;
      std::memcpy(&x, p, 16);
      // Comparisons give 0xFF / 0x00 per byte; only the high bits are kept below.
      const auto low_or_high = (Bytes16)((Bytes16)(x - 0x21) >= 0x5E);  // <= 0x20, >= 0x7F
      const auto high = (Bytes16)(x >= 0x80);
      const auto marked = (Bytes16)(x == amp) | (Bytes16)(x == backtick);
      Bytes16 sep, special;
      if (collapse) {
        sep = low_or_high & ~high;
        special = high | marked;
        x = (x & ~sep) | (sep & 0x20);
      } else {
        sep = (Bytes16)(x == ' ');
        special = (low_or_high & ~sep) | marked;
      }
      x |= (Bytes16)((Bytes16)(x - 'A') < 26) & fold;
      uint64_t sw[2], aw[2];
      std::memcpy(sw, &special, 16);
      std::memcpy(aw, &sep, 16);
      const uint64_t s0 = sw[0] & kHigh, s1 = sw[1] & kHigh;
      const uint64_t a0 = aw[0] & kHigh, a1 = aw[1] & kHigh;
      Uint128 v;
      std::memcpy(&v, &x, 16);
      if (!collapse) {  // every space is output as is and nothing is ever pending
        const int t0 = std::countr_zero(s0);
        const unsigned len = t0 < 64 ? t0 / 8 : 8 + std::countr_zero(s1) / 8;
        if (len == 0) break;
        std::memcpy(o + w, &v, 16);
        w += len;
        p += len;
        continue;
      }
      const uint64_t stop0 = s0 | (a0 & (a0 << 8));
      const uint64_t stop1 = s1 | (a1 & ((a1 << 8) | (a0 >> 56)));
      const int t0 = std::countr_zero(stop0);
      const unsigned len = t0 < 64 ? t0 / 8 : 8 + std::countr_zero(stop1) / 8;
      const unsigned first_sep = static_cast<unsigned>(a0 >> 7) & 1;
      if (len <= first_sep) {
        // p[0] is a stop, or a separator followed by one: a run of separators is one
        // pending separator; anything else is for the byte loop.
        if (first_sep == 0 || (a0 & 0x8000) == 0) break;
        while (p < end && *p < 0x80 && ascii_class_[*p] == kSpace) ++p;
        pending = true;
        continue;
      }
      const unsigned last_sep = ascii_class_[p[len - 1]] == kSpace;  // p[len - 1] < 0x80
      v >>= 8 * first_sep;
      o[w] = ' ';
      w += static_cast<size_t>((pending | (first_sep != 0)) & (w != 0));
      std::memcpy(o + w, &v, 16);
      w += len - first_sep - last_sep;
      pending = last_sep != 0;
      p += len;
    }
    *pp = p;
    *wp = w;
    *pending_space = pending;
  }

  void Reserve(size_t extra) {
    if (w_ + extra > out_->size()) out_->resize(std::max(out_->size() * 2, w_ + extra + 64));
  }
  void EmitSeparator() {
    if (options_.collapse_whitespace) {
      pending_space_ = true;
    } else {
      Reserve(1);
      (*out_)[w_++] = ' ';
    }
  }
  void EmitSpaceByte(unsigned char c) {
    if (options_.collapse_whitespace) {
      pending_space_ = true;
    } else {
      Reserve(1);
      (*out_)[w_++] = (c == '\t' || c == '\n' || c == '\r') ? static_cast<char>(c) : ' ';
    }
  }
  void EmitAscii(char c) {
    Reserve(2);
    if (pending_space_) {
      if (w_ != 0) (*out_)[w_++] = ' ';
      pending_space_ = false;
    }
    (*out_)[w_++] = c;
  }
  // Final output of one code point after decomposition / composition.
  void Output(char32_t c) {
    if (c < 0x80) {
      if (ascii_class_[c] == kSpace) {
        EmitSpaceByte(static_cast<unsigned char>(c));
      } else {
        EmitAscii(ascii_map_[c]);
      }
      return;
    }
    if (options_.unify_punctuation) {
      if (const char a = internal::PunctuationToAscii(c)) {
        EmitAscii(a);
        return;
      }
      if (c == 0x2026) {  // horizontal ellipsis, also when NFKC is off
        EmitAscii('.'), EmitAscii('.'), EmitAscii('.');
        return;
      }
    }
    if (options_.remove_zero_width && internal::IsZeroWidth(c)) return;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
        cat == UTF8PROC_CATEGORY_ZP || cat == UTF8PROC_CATEGORY_CC || c == 0xFFFD) {
      EmitSeparator();
      return;
    }
    Reserve(5);
    if (pending_space_) {
      if (w_ != 0) (*out_)[w_++] = ' ';
      pending_space_ = false;
    }
    char buf[4];
    const int n = EncodeUtf8(c, buf);
    for (int i = 0; i < n; ++i) (*out_)[w_++] = buf[i];
  }
  static int EncodeUtf8(char32_t c, char* b) {
    if (c < 0x800) {
      b[0] = static_cast<char>(0xC0 | (c >> 6));
      b[1] = static_cast<char>(0x80 | (c & 0x3F));
      return 2;
    }
    if (c < 0x10000) {
      b[0] = static_cast<char>(0xE0 | (c >> 12));
      b[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      b[2] = static_cast<char>(0x80 | (c & 0x3F));
      return 3;
    }
    b[0] = static_cast<char>(0xF0 | (c >> 18));
    b[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    b[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    b[3] = static_cast<char>(0x80 | (c & 0x3F));
    return 4;
  }

  void EmitCodePoint(char32_t c, bool from_entity) {
    if (c < 0x80) {
      if (!pending_.empty()) FlushPending();
      if (from_entity || ascii_class_[c] != kAmp) {
        Output(c);
      } else {
        EmitAscii('&');
      }
      return;
    }
    if (options_.unify_punctuation && (internal::PunctuationToAscii(c) != 0 || c == 0x2026)) {
      if (!pending_.empty()) FlushPending();
      Output(c);
      return;
    }
    if (decompose_options_ == 0) {
      Output(c);
      return;
    }
    utf8proc_int32_t buf[32];
    auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 32,
                                     static_cast<utf8proc_option_t>(decompose_options_), nullptr);
    if (n <= 0 || n > 32) {  // ignorable (removed) or impossible: nothing to add
      return;
    }
    const auto* first = utf8proc_get_property(buf[0]);
    if (options_.unicode_nfkc) {
      if (pending_.empty() && InCopiedRun()) {
        // Right after a copied run: its open part joins this code point's utf8proc run,
        // decomposed as the general path would have (a kPrecomposed code point; every
        // other code point of the table is its own decomposition).
        for (size_t i = tail_start_; i < w_;) {
          const auto* b = reinterpret_cast<const unsigned char*>(out_->data());
          const Utf8Decoded t = DecodeUtf8(b + i, b + w_);
          const auto cp = static_cast<utf8proc_int32_t>(t.code_point);
          if (fast_ != nullptr && t.code_point < internal::kFastNormalizeLimit &&
              (*fast_)[t.code_point] == internal::kPrecomposed) {
            utf8proc_int32_t parts[32];
            const auto m = utf8proc_decompose_char(cp, parts, 32, static_cast<utf8proc_option_t>(decompose_options_),
                                                   nullptr);
            if (m >= 1 && m <= 32) pending_.insert(pending_.end(), parts, parts + m);
          } else {
            pending_.push_back(cp);
          }
          i += t.length;
        }
        w_ = tail_start_;
      } else if (pending_.empty()) {
        // A combining mark may compose with the ASCII letter just written: take it back.
        if (first->combining_class != 0 && !pending_space_ && w_ > 0 &&
            static_cast<unsigned char>((*out_)[w_ - 1]) < 0x80 && (*out_)[w_ - 1] != ' ') {
          pending_.push_back(static_cast<unsigned char>((*out_)[--w_]));
        }
      } else if (pending_.size() >= 64 && internal::IsSafeCompositionBoundary(buf[0], first)) {
        FlushPending();
      }
      pending_.insert(pending_.end(), buf, buf + n);
    } else {
      if (!pending_.empty()) FlushPending();
      for (int i = 0; i < n; ++i) Output(static_cast<char32_t>(buf[i]));
    }
  }

  void FlushPending() {
    // Canonical ordering: stable sort of each run of non-starters by combining class.
    const size_t n = pending_.size();
    for (size_t i = 1; i < n; ++i) {
      const auto cc = utf8proc_get_property(pending_[i])->combining_class;
      if (cc == 0) continue;
      size_t j = i;
      const utf8proc_int32_t v = pending_[i];
      while (j > 0) {
        const auto pc = utf8proc_get_property(pending_[j - 1])->combining_class;
        if (pc == 0 || pc <= cc) break;
        pending_[j] = pending_[j - 1];
        --j;
      }
      pending_[j] = v;
    }
    auto len = static_cast<utf8proc_ssize_t>(n);
    if (options_.unicode_nfkc) {
      const auto r = utf8proc_normalize_utf32(pending_.data(), len,
                                              static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
      if (r >= 0) len = r;
    }
    for (utf8proc_ssize_t i = 0; i < len; ++i) Output(static_cast<char32_t>(pending_[i]));
    pending_.clear();
  }

  NormalizeOptions options_;
  int decompose_options_ = 0;
  std::array<char, 128> ascii_map_{};
  std::array<uint8_t, 128> ascii_class_{};
  std::array<char, 16> punctuation_2010_{};  // U+2010-U+201F folded to ASCII, or 0
  const internal::FastNormalizeTable* fast_ = nullptr;  // null: every code point via utf8proc
  size_t tail_start_ = 0;       // the open part of the last copied run (see FastRun)
  size_t tail_end_ = kNoTail;   // == w_ only right after a copied run
  uint8_t tail_ccc_ = 0;        // combining class of the run's last code point
  std::string* out_ = nullptr;
  size_t w_ = 0;
  bool pending_space_ = false;
  std::vector<utf8proc_int32_t> pending_;
};

}  // namespace neardup

#endif  // NEARDUP_TEXT_NORMALIZE_HPP_
