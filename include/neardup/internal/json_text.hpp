// JSON text for the outputs neardup writes (clusters, passages, records): a string
// literal and the shortest number that reads back exactly. Not API.
#ifndef NEARDUP_INTERNAL_JSON_TEXT_HPP_
#define NEARDUP_INTERNAL_JSON_TEXT_HPP_

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"

namespace neardup::internal {

// `s` as a JSON string literal, quotes included. Bytes >= 0x80 pass through (the
// inputs are UTF-8); control characters are escaped.
inline void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

inline std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(s, &out);
  return out;
}

// Shortest text that reads back as exactly `v`; null for NaN and infinities.
inline std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// The same for a float (similarities are floats): the shortest text that reads back
// as exactly `v` as a float, so 0.7051282 rather than the 0.7051281929016113 of its
// widening to double. Readers that parse it as a double get the nearest double to
// that text, which is what the Python package returns too (ShortestAsDouble).
inline std::string JsonNumber(float v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// The double that the text JsonNumber(v) reads back as.
inline double ShortestAsDouble(float v) {
  if (!std::isfinite(v)) return v;
  const std::string text = JsonNumber(v);
  double out = 0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_JSON_TEXT_HPP_
