// Stages 1 and 2 fused for word shingles: the tokens of Normalizer::Normalize(text), found
// without writing the normalized text where it is plain ASCII.
//
// Input: raw UTF-8 text and the Normalizer whose output is meant. Output, in order, exactly
// the tokens ForEachToken() gives on normalizer.Normalize(text), delivered two ways:
//   - ascii(first, last): a token of ASCII letters and digits read from the raw text,
//     whose normalized bytes are these bytes in lower case when the normalizer folds
//     case (each byte | 0x20), or these bytes as they are;
//   - piece(normalized, raw_after): a stretch of the text the normalizer has written
//     (`normalized`, a view valid during the call), to be tokenized with ForEachToken();
//     raw_after is the number of raw bytes still to come.
//
//   std::string scratch;
//   NormalizeStats stats = neardup::ForEachNormalizedToken(
//       normalizer, text, &scratch, [&](const unsigned char* first, const unsigned char* last) {...},
//       [&](std::string_view normalized, size_t raw_after) { ForEachToken(normalized, ...); });
//
// Why it is exact. The text is cut into pieces that are normalized independently (the
// stretches of plain ASCII need no normalizer at all). A cut c is only made where the
// normalizer and the tokenizer carry nothing across it:
//   - a token boundary: text[c - 1] or text[c] is an ASCII byte that is not a letter or
//     digit (to the normalizer, ASCII punctuation and spaces stay separators), or
//     text[c - 1] ends a quote or dash the normalizer writes as ASCII punctuation;
//   - text[c] is ASCII and not an HTML entity, or text[c - 1] is an ASCII separator other
//     than '<', '=' and '>': the normalizer takes back the byte before a combining mark
//     (or an entity decoding to one), and in Unicode composition the only ASCII
//     characters a mark composes with are the letters and those three;
//   - no HTML entity (at most 12 bytes from its '&') spans c.
// The stretches read as plain ASCII hold only bytes the normalizer writes as one ASCII
// byte of the same class: ASCII other than the '&' of an entity (with entity decoding on),
// and the quotes and dashes U+2010-U+201F that punctuation unification writes as ASCII
// punctuation. Everything else (accents, other scripts, entities, ill-formed bytes) goes
// through the normalizer, in pieces extending to the next block of 64 such bytes.
// A Normalizer's output is deterministic, so is this; scratch and normalizer are the
// caller's: one per thread.
#ifndef NEARDUP_TEXT_NORMALIZED_TOKENS_HPP_
#define NEARDUP_TEXT_NORMALIZED_TOKENS_HPP_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "neardup/text/normalize.hpp"
#include "neardup/text/tokenize.hpp"

namespace neardup {
namespace internal {

// The 64 bytes at `p` (of a text ending at `end`) as the fused path sees them.
struct RawBlock {
  uint64_t word = 0;      // bit i: p[i] is an ASCII letter or digit
  uint64_t non_ascii = 0;  // bit i: p[i] >= 0x80 (bytes of the punctuation it took)
  unsigned spill = 0;     // bytes of a taken punctuation character past the block's end
  bool plain = false;     // every byte is one the normalizer writes as ASCII of its class
};

class RawBlockReader {
 public:
  explicit RawBlockReader(const NormalizeOptions& o) noexcept
      : amp_(o.decode_entities ? '&' : 0), unify_(o.unify_punctuation) {}

  // `p` has 64 readable bytes; fewer than 64 of them may be the text's (`end` - p):
  // callers pass a copy of the text's tail padded with spaces, and `text` where its
  // bytes are in the text (entities and punctuation are read there, up to `end`).
  RawBlock Read(const unsigned char* p, const unsigned char* text, const unsigned char* end) const noexcept {
    RawBlock b;
    // Text of another script fails at its first byte, before any mask is made.
    for (int i = 0; i < 64; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      w &= kHighBits;
      if (w == 0) continue;
      const int first = i + std::countr_zero(w) / 8;
      if (!unify_ || text + first >= end || text[first] != 0xE2) return b;
      break;
    }
    uint64_t special = 0;
    for (int i = 0; i < 4; ++i) {
      Bytes16 x;
      std::memcpy(&x, p + 16 * i, 16);
      b.word |= uint64_t{GatherHighBits16(AsciiWordBytes(x))} << (16 * i);
      // With entity decoding off, amp_ is NUL: a separator either way.
      const auto odd = (Bytes16)(x >= 0x80) | (Bytes16)(x == amp_);
      uint64_t raw[2];
      std::memcpy(raw, &odd, 16);
      if ((raw[0] | raw[1]) != 0) special |= uint64_t{GatherHighBits16(odd)} << (16 * i);
    }
    b.plain = special == 0 || TakeSpecial(special, text, end, &b);
    return b;
  }

 private:
  // The bytes that are not plain ASCII: '&' that starts no entity is a separator, and so
  // are the quotes and dashes punctuation unification writes as ASCII; anything else
  // makes the block one for the normalizer.
  bool TakeSpecial(uint64_t special, const unsigned char* text, const unsigned char* end,
                   RawBlock* b) const noexcept {
    while (special != 0) {
      const int i = std::countr_zero(special);
      const unsigned char* q = text + i;
      if (q >= end) return true;  // padding
      if (*q < 0x80) {
        char32_t cp;
        size_t len;
        if (*q == '&' && ParseEntity(q, end, &cp, &len)) return false;
        special &= special - 1;
        continue;
      }
      // (Without punctuation unification Read() has already refused any byte >= 0x80.)
      if (*q != 0xE2 || end - q < 3 || q[1] != 0x80 || (q[2] & 0xF0) != 0x90 ||
          !kTaken[q[2] & 0x0F]) {
        return false;
      }
      const uint64_t three = uint64_t{7} << i;  // i + 2 may lie past the block
      b->non_ascii |= three;
      special &= ~three;
      if (i > 61) b->spill = static_cast<unsigned>(i - 61);
    }
    return true;
  }

  // U+2010-U+201F that punctuation unification writes as ASCII ('-', '\'', '"').
  static constexpr std::array<bool, 16> kTaken = [] {
    std::array<bool, 16> t{};
    for (char32_t c = 0x2010; c < 0x2020; ++c) t[c - 0x2010] = PunctuationToAscii(c) != 0;
    return t;
  }();

  unsigned char amp_;
  bool unify_;
};

}  // namespace internal

template <class EmitAscii, class EmitPiece>
NormalizeStats ForEachNormalizedToken(Normalizer& normalizer, std::string_view text, std::string* scratch,
                                      EmitAscii&& ascii, EmitPiece&& piece) {
  if constexpr (std::endian::native != std::endian::little) {  // the masks read bytes little-endian
    const NormalizeStats all = normalizer.Normalize(text, scratch);
    piece(std::string_view(*scratch), size_t{0});
    return all;
  }
  NormalizeStats stats;
  const internal::RawBlockReader reader(normalizer.options());
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = begin + text.size();
  // The text's last partial block, padded with spaces (separators).
  unsigned char tail[64];
  auto read = [&](const unsigned char* p) {
    if (end - p >= 64) return reader.Read(p, p, end);
    std::memset(tail, ' ', sizeof(tail));
    std::memcpy(tail, p, static_cast<size_t>(end - p));
    return reader.Read(tail, p, end);
  };
  const unsigned char* pos = begin;  // a cut: every token before it has been delivered
  while (pos < end) {
    // Plain blocks: tokens straight from the word-byte masks.
    const unsigned char* p = pos;
    const unsigned char* start = nullptr;  // the open token
    const unsigned char* cut = end;
    while (p < end) {
      const internal::RawBlock b = read(p);
      if (!b.plain) {
        // The cut in front of this block: before the open token, or before a '<', '='
        // or '>' that a combining mark at p might compose with.
        if (p == pos) {
          cut = pos;
        } else if (start != nullptr) {
          cut = start;
        } else {
          cut = p[-1] == '<' || p[-1] == '=' || p[-1] == '>' ? p - 1 : p;
        }
        break;
      }
      // Padding is not word, so a token at the text's end closes in its block.
      internal::EmitBlockTokens(p, b.word, &start, ascii);
      p = std::min(end, p + 64 + b.spill);
    }
    if (p >= end) {
      if (start != nullptr) ascii(start, end);
      break;
    }
    // The normalizer's piece, [cut, stop): it ends at the first cut at least 11 bytes
    // into a later plain block (no entity from before the block can reach it), where an
    // ASCII separator is followed by ASCII.
    const unsigned char* stop = end;
    for (const unsigned char* q = p + 64; q < end;) {
      const internal::RawBlock b = read(q);
      if (!b.plain) {
        q += 64;
        continue;
      }
      const uint64_t ascii_bytes = ~b.non_ascii;
      uint64_t cuts = ((~b.word & ascii_bytes) << 1) & ascii_bytes & ~uint64_t{0x7FF};
      if (end - q < 64) cuts &= (uint64_t{1} << (end - q)) - 1;
      if (cuts != 0) {
        stop = q + std::countr_zero(cuts);
        break;
      }
      q += 64 + b.spill;
    }
    const NormalizeStats s = normalizer.Normalize(
        std::string_view(reinterpret_cast<const char*>(cut), static_cast<size_t>(stop - cut)), scratch);
    stats.replaced_bytes += s.replaced_bytes;
    stats.decoded_entities += s.decoded_entities;
    piece(std::string_view(*scratch), static_cast<size_t>(end - stop));
    pos = stop;
  }
  return stats;
}

}  // namespace neardup

#endif  // NEARDUP_TEXT_NORMALIZED_TOKENS_HPP_
