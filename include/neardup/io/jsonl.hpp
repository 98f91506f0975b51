// JSONL records: one JSON object per line -> (id, text).
//
// Input: the bytes of one line (no newline). Output: the document id and text, or the
// reason the line cannot be used. The line must be one complete, valid JSON object
// (simdjson DOM: every byte is validated, including UTF-8 and anything after the
// object). Field names are configurable; a name starting with '/' is a JSON Pointer
// (RFC 6901) into nested objects, e.g. "/meta/url". The id may be a string or an
// integer (stored as its decimal text); an empty id_field means "no id field": the
// caller makes one from the source location.
//
//   neardup::JsonlRecordParser parser({.id_field = "url", .text_field = "body"});
//   std::string id, text, reason;
//   neardup::ProblemKind kind = parser.Parse(line, &id, &text, &reason);
//   // kind == ProblemKind::kNone, or e.g. kBadText with reason
//   // `missing string field "body"`
//
// ProblemKind also names the reasons the multi-file reader (io/input.hpp) skips a
// record, so that per-reason counts read the same everywhere.
// Cost: one validating parse per line (simdjson, GB/s); the parser's buffers grow to
// the longest line seen and are reused. Thread safety: one parser per thread.
#ifndef NEARDUP_IO_JSONL_HPP_
#define NEARDUP_IO_JSONL_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace neardup {

// Why an input record was skipped. Values are stable (they index per-reason counts).
enum class ProblemKind : uint8_t {
  kNone = 0,
  kMalformedJson = 1,   // not valid JSON (syntax, invalid UTF-8, bad escape)
  kNotAnObject = 2,     // valid JSON, but not an object
  kBadText = 3,         // text field missing or not a string
  kBadId = 4,           // id field missing, empty, or neither a string nor an integer
  kTooLarge = 5,        // over max_document_bytes or max_line_bytes
  kUnreadable = 6,      // file or directory cannot be opened, listed or read
  kCorruptStream = 7,   // truncated or corrupt gzip / zstd stream
  kDuplicateId = 8,     // an id seen before in the same run (decided by the dedup pipeline)
  kMalformedRecord = 9, // a WARC record without a version line or Content-Length, whose
                        // Content-Length does not end at a record boundary, or whose HTTP
                        // body does not decode as its Content-Encoding (gzip, deflate, br)
};
inline constexpr size_t kNumProblemKinds = 10;

// Short snake_case name, used in summaries ("malformed_json: 3").
inline const char* ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kNone:
      return "none";
    case ProblemKind::kMalformedJson:
      return "malformed_json";
    case ProblemKind::kNotAnObject:
      return "not_an_object";
    case ProblemKind::kBadText:
      return "bad_text";
    case ProblemKind::kBadId:
      return "bad_id";
    case ProblemKind::kTooLarge:
      return "too_large";
    case ProblemKind::kUnreadable:
      return "unreadable";
    case ProblemKind::kDuplicateId:
      return "duplicate_id";
    case ProblemKind::kCorruptStream:
      return "corrupt_stream";
    case ProblemKind::kMalformedRecord:
      return "malformed_record";
  }
  return "unknown";
}

// The status code a problem becomes in strict mode. kUnreadable carries the errno's
// own code instead (NotFound, PermissionDenied, ...), chosen where the errno is known.
inline absl::StatusCode ProblemKindCode(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kTooLarge:
      return absl::StatusCode::kOutOfRange;
    case ProblemKind::kUnreadable:
      return absl::StatusCode::kUnavailable;
    case ProblemKind::kDuplicateId:
      return absl::StatusCode::kAlreadyExists;
    case ProblemKind::kCorruptStream:
      return absl::StatusCode::kDataLoss;
    default:
      return absl::StatusCode::kInvalidArgument;
  }
}

struct JsonlFields {
  std::string id_field = "id";      // "" = records have no id
  std::string text_field = "text";
};

// Bytes that must be readable (any value) after a line passed to ParsePadded.
inline constexpr size_t kJsonlPadding = 64;

class JsonlRecordParser {
 public:
  explicit JsonlRecordParser(JsonlFields fields = {});
  ~JsonlRecordParser();
  JsonlRecordParser(JsonlRecordParser&&) noexcept;
  JsonlRecordParser& operator=(JsonlRecordParser&&) noexcept;

  const JsonlFields& fields() const noexcept { return fields_; }

  // Parses one line. On success returns kNone and replaces *id (left empty when
  // id_field is "") and *text; otherwise returns the kind and sets *reason, e.g.
  // `missing string field "text"` or `malformed JSON: <parser message>`.
  ProblemKind Parse(std::string_view line, std::string* id, std::string* text,
                    std::string* reason);

  // As Parse, without a copy: kJsonlPadding bytes after line.end() must be readable.
  ProblemKind ParsePadded(std::string_view line, std::string* id, std::string* text,
                          std::string* reason);

 private:
  ProblemKind ParseInto(std::string_view line, std::string* id, std::string* text,
                        std::string* reason);

  struct Impl;
  JsonlFields fields_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup

#endif  // NEARDUP_IO_JSONL_HPP_
