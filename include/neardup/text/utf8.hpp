// Strict UTF-8 decoding and encoding.
//
// DecodeUtf8 follows the Unicode "maximal subpart" practice: an ill-formed sequence
// (stray continuation byte, overlong form, surrogate, value above U+10FFFF, or a
// truncated sequence) is reported with the number of bytes to skip, so that callers
// replace each maximal ill-formed subpart by one separator and count the bytes.
// Never reads past `end`.
#ifndef NEARDUP_TEXT_UTF8_HPP_
#define NEARDUP_TEXT_UTF8_HPP_

#include <cstddef>
#include <cstdint>
#include <string>

namespace neardup {

struct Utf8Decoded {
  char32_t code_point;  // valid only when ok
  uint8_t length;       // bytes consumed (ill-formed: bytes to replace, >= 1)
  bool ok;
};

inline Utf8Decoded DecodeUtf8(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return {b0, 1, true};
  const ptrdiff_t avail = end - p;
  if (b0 < 0xC2) return {0, 1, false};  // continuation byte or overlong 2-byte lead
  if (b0 < 0xE0) {
    if (avail < 2 || (p[1] & 0xC0) != 0x80) return {0, 1, false};
    return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (p[1] & 0x3F)), 2, true};
  }
  if (b0 < 0xF0) {
    // Second byte bounds exclude overlongs (E0) and surrogates (ED).
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (avail < 2 || p[1] < lo || p[1] > hi) return {0, 1, false};
    if (avail < 3 || (p[2] & 0xC0) != 0x80) return {0, 2, false};
    return {static_cast<char32_t>(((b0 & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)), 3,
            true};
  }
  if (b0 < 0xF5) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (avail < 2 || p[1] < lo || p[1] > hi) return {0, 1, false};
    if (avail < 3 || (p[2] & 0xC0) != 0x80) return {0, 2, false};
    if (avail < 4 || (p[3] & 0xC0) != 0x80) return {0, 3, false};
    return {static_cast<char32_t>(((b0 & 0x07) << 18) | ((p[1] & 0x3F) << 12) |
                                  ((p[2] & 0x3F) << 6) | (p[3] & 0x3F)),
            4, true};
  }
  return {0, 1, false};
}

// Appends the UTF-8 encoding of a valid scalar value.
inline void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    out->append(b, 2);
  } else if (c < 0x10000) {
    const char b[3] = {static_cast<char>(0xE0 | (c >> 12)),
                       static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (c & 0x3F))};
    out->append(b, 3);
  } else {
    const char b[4] = {static_cast<char>(0xF0 | (c >> 18)),
                       static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
                       static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (c & 0x3F))};
    out->append(b, 4);
  }
}

}  // namespace neardup

#endif  // NEARDUP_TEXT_UTF8_HPP_
