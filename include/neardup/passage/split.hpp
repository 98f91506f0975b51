// Passage splitting: a document's byte spans that are paragraphs or sentences.
//
// Spans are [start, end) byte offsets into the original UTF-8 text, trimmed of
// surrounding whitespace, never empty, in document order.
//   - kLine: every line (split at \n, \r\n or \r) is a passage: scraped news puts
//     one paragraph per line;
//   - kBlankLine: blocks separated by one or more blank lines;
//   - kSentence: sentences ending in . ! ? (and CJK 。！？) followed by whitespace or
//     the end, within lines;
//   - kQuote: the text inside each pair of quotation marks (" “ ” „ « ») within a line:
//     quotes are what outlets reuse verbatim while rewording everything around them.
//
//   for (neardup::Span s : neardup::SplitPassages(text, neardup::PassageSplit::kLine))
//     std::string_view passage = text.substr(s.start, s.end - s.start);
#ifndef NEARDUP_PASSAGE_SPLIT_HPP_
#define NEARDUP_PASSAGE_SPLIT_HPP_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace neardup {

enum class PassageSplit : uint8_t { kLine, kBlankLine, kSentence, kQuote };

inline const char* PassageSplitName(PassageSplit s) {
  switch (s) {
    case PassageSplit::kLine:
      return "line";
    case PassageSplit::kBlankLine:
      return "blank-line";
    case PassageSplit::kSentence:
      return "sentence";
    case PassageSplit::kQuote:
      return "quote";
  }
  return "unknown";
}

inline absl::StatusOr<PassageSplit> ParsePassageSplit(std::string_view s) {
  if (s == "line" || s == "paragraph") return PassageSplit::kLine;
  if (s == "blank-line") return PassageSplit::kBlankLine;
  if (s == "sentence") return PassageSplit::kSentence;
  if (s == "quote") return PassageSplit::kQuote;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown passage split '", std::string(s), "': expected line, blank-line, sentence or quote"));
}

struct Span {
  uint32_t start = 0;
  uint32_t end = 0;
  friend bool operator==(const Span&, const Span&) = default;
};

namespace internal {
inline bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

inline void PushTrimmed(std::string_view text, size_t start, size_t end, std::vector<Span>* out) {
  while (start < end && IsAsciiSpace(text[start])) ++start;
  while (end > start && IsAsciiSpace(text[end - 1])) --end;
  if (end > start) out->push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
}

inline size_t LineEnd(std::string_view text, size_t i) {
  while (i < text.size() && text[i] != '\n' && text[i] != '\r') ++i;
  return i;
}
inline size_t SkipNewline(std::string_view text, size_t i) {
  if (i < text.size() && text[i] == '\r') ++i;
  if (i < text.size() && text[i] == '\n') ++i;
  return i;
}
inline bool IsBlank(std::string_view text, size_t start, size_t end) {
  for (size_t i = start; i < end; ++i) {
    if (!IsAsciiSpace(text[i])) return false;
  }
  return true;
}

inline void SplitSentences(std::string_view text, size_t start, size_t end, std::vector<Span>* out) {
  size_t s = start;
  for (size_t i = start; i < end; ++i) {
    size_t after = 0;  // bytes of the terminator
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '.' || c == '!' || c == '?') {
      after = 1;
    } else if (c == 0xE3 && i + 2 < end && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               static_cast<unsigned char>(text[i + 2]) == 0x82) {
      after = 3;  // 。
    } else if (c == 0xEF && i + 2 < end && static_cast<unsigned char>(text[i + 1]) == 0xBC &&
               (static_cast<unsigned char>(text[i + 2]) == 0x81 ||
                static_cast<unsigned char>(text[i + 2]) == 0x9F)) {
      after = 3;  // ！ ？
    }
    if (after == 0) continue;
    size_t j = i + after;
    while (j < end && (text[j] == '.' || text[j] == '!' || text[j] == '?' || text[j] == '"' ||
                       text[j] == '\'' || text[j] == ')')) {
      ++j;
    }
    if (after == 3 || j >= end || IsAsciiSpace(text[j])) {
      PushTrimmed(text, s, j, out);
      s = j;
      i = j - 1;
    }
  }
  PushTrimmed(text, s, end, out);
}

// Bytes of the quotation mark at text[i], or 0.
inline size_t QuoteMarkAt(std::string_view text, size_t i, size_t end) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (text[i] == '"') return 1;
  if (b(0) == 0xC2 && i + 1 < end && (b(1) == 0xAB || b(1) == 0xBB)) return 2;  // « »
  if (b(0) == 0xE2 && i + 2 < end && b(1) == 0x80 && (b(2) == 0x9C || b(2) == 0x9D || b(2) == 0x9E)) {
    return 3;  // “ ” „
  }
  return 0;
}

inline void SplitQuotes(std::string_view text, size_t start, size_t end, std::vector<Span>* out) {
  size_t open = std::string_view::npos;
  for (size_t i = start; i < end;) {
    const size_t q = QuoteMarkAt(text, i, end);
    if (q == 0) {
      ++i;
      continue;
    }
    if (open == std::string_view::npos) {
      open = i + q;
    } else {
      PushTrimmed(text, open, i, out);
      open = std::string_view::npos;
    }
    i += q;
  }
}
}  // namespace internal

inline std::vector<Span> SplitPassages(std::string_view text, PassageSplit mode) {
  std::vector<Span> out;
  size_t i = 0;
  if (mode == PassageSplit::kBlankLine) {
    size_t block = 0;
    while (i < text.size()) {
      const size_t e = internal::LineEnd(text, i);
      if (internal::IsBlank(text, i, e)) {
        internal::PushTrimmed(text, block, i, &out);
        block = internal::SkipNewline(text, e);
      }
      i = internal::SkipNewline(text, e);
      if (e == text.size()) break;
    }
    internal::PushTrimmed(text, block, text.size(), &out);
    return out;
  }
  while (i < text.size()) {
    const size_t e = internal::LineEnd(text, i);
    if (mode == PassageSplit::kLine) {
      internal::PushTrimmed(text, i, e, &out);
    } else if (mode == PassageSplit::kQuote) {
      internal::SplitQuotes(text, i, e, &out);
    } else {
      internal::SplitSentences(text, i, e, &out);
    }
    if (e == text.size()) break;
    i = internal::SkipNewline(text, e);
  }
  return out;
}

}  // namespace neardup

#endif  // NEARDUP_PASSAGE_SPLIT_HPP_
