// WARC / WET records -> documents: the crawl-native input of io/input.hpp.
//
// Input: the decompressed bytes of a WARC 1.0 or 1.1 file (ISO 28500), given in chunks;
// the DocumentReader supplies them from .warc, .warc.gz (one gzip member per record, or
// the whole file), .warc.zst and WET files, recognized by name or by their first
// decompressed bytes ("WARC/1."). Output: one WarcDocument per record that holds a
// page's text:
//   - `response` records with an HTTP 2xx status and an HTML, XHTML or plain-text
//     Content-Type (HTML goes through text/html.hpp);
//   - `resource` and `conversion` (WET) records with such a Content-Type.
// Every other record is skipped and counted by WarcSkipKind (warcinfo, request,
// metadata, revisit, redirect, other HTTP status, non-text payload, ...), never
// reported as a problem.
//
//   neardup::WarcReader reader([&] { return NextDecodedChunk(); }, {});
//   neardup::WarcDocument doc;
//   neardup::WarcProblem problem;
//   while (auto r = reader.Next(&doc, &problem); r != neardup::WarcReader::Result::kEnd) { ... }
//
// Real-world quirks that are handled: records without an HTTP header block (Wayback
// exports: the block is the payload), `WARC-Target-URI: <...>` in angle brackets
// (wget), `WARC-Date: null`, LF instead of CRLF line ends, chunked transfer encoding,
// HTTP Content-Encoding gzip / x-gzip / deflate / br, and charsets other than UTF-8
// (from the HTTP Content-Type, else the page's <meta> charset, else UTF-8 when the
// bytes are valid UTF-8, else windows-1252; converted with iconv, undecodable bytes
// replaced by U+FFFD and counted). A Content-Length that does not end at a record
// boundary becomes a WarcProblem (the record is skipped) and reading resynchronises on
// the next line that starts with "WARC/1."; so does a record that does not start with
// a version line or lacks a Content-Length.
//
// Location: WarcDocument::offset is the byte offset of the record's "WARC/1." line in
// the decompressed stream, and ::record its 1-based position among all records of the
// stream (skipped ones included); ReadRecords re-reads a record from them.
//
// Guarantees: deterministic; never aborts or prints on any bytes (fuzzed:
// tests/fuzz/warc_reader_fuzzer.cpp). Memory: one record block (a text record is
// buffered whole, with decoded payload and text; a skipped record's block is passed
// over in chunks). Thread safety: one WarcReader per thread.
#ifndef NEARDUP_IO_WARC_HPP_
#define NEARDUP_IO_WARC_HPP_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "neardup/io/jsonl.hpp"
#include "neardup/text/html.hpp"

namespace neardup {

// Why a WARC record is not a document. Values are stable (they index counts).
enum class WarcSkipKind : uint8_t {
  kWarcinfo = 0,
  kRequest = 1,
  kMetadata = 2,
  kRevisit = 3,
  kOtherType = 4,     // continuation or an unknown WARC-Type
  kRedirect = 5,      // HTTP 3xx
  kHttpStatus = 6,    // HTTP 1xx, 4xx, 5xx, or no parsable status line
  kNonText = 7,       // a payload that is not HTML, XHTML or plain text
  kBadEncoding = 8,   // a Content-Encoding this reader does not know (gzip, deflate or br
                      // bodies that do not decode are reported as problems instead)
};
inline constexpr size_t kNumWarcSkipKinds = 9;

// Short snake_case name for summaries ("request: 12").
const char* WarcSkipKindName(WarcSkipKind kind);

struct WarcOptions {
  HtmlMode html = HtmlMode::kMain;
  // A text record whose block is longer is reported (kTooLarge) and passed over
  // without being buffered; also bounds a decoded (decompressed) payload.
  uint64_t max_record_bytes = uint64_t{256} << 20;
};

struct WarcDocument {
  std::string target_uri;  // WARC-Target-URI without angle brackets; may be empty
  std::string date;        // WARC-Date; empty when absent or "null"
  std::string record_id;   // WARC-Record-ID as written, e.g. "<urn:uuid:...>"
  std::string type;        // WARC-Type: response, resource or conversion
  std::string text;        // UTF-8 text (HTML converted to text)
  uint64_t offset = 0;     // decompressed byte offset of the record's "WARC/1." line
  uint64_t record = 0;     // 1-based record number in the stream
  uint64_t replaced_bytes = 0;  // undecodable bytes replaced by U+FFFD
};

struct WarcProblem {
  uint64_t offset = 0;  // the record's (or the stray bytes') decompressed offset
  uint64_t record = 0;  // the record number, 0 when no record started there
  ProblemKind kind = ProblemKind::kMalformedRecord;
  std::string reason;
};

struct WarcStats {
  uint64_t records = 0;
  std::array<uint64_t, kNumWarcSkipKinds> skipped_by_kind{};
  uint64_t replaced_bytes = 0;
};

class WarcReader {
 public:
  enum class Result { kDocument, kProblem, kEnd };
  // The next chunk of decompressed bytes, valid until the next call; empty at the end.
  using NextChunk = std::function<std::string_view()>;

  // `base` is the decompressed offset of the first byte next_chunk gives and
  // `records_before` the number of records before it (when starting mid-stream).
  WarcReader(NextChunk next_chunk, WarcOptions options, uint64_t base = 0,
             uint64_t records_before = 0);
  ~WarcReader();
  WarcReader(WarcReader&&) noexcept;
  WarcReader& operator=(WarcReader&&) noexcept;

  Result Next(WarcDocument* doc, WarcProblem* problem);

  // When set, a document for which want_text(offset) is false comes back without its
  // text (no decoding or HTML parsing): ReadRecords uses it to pass over records.
  void set_want_text(std::function<bool(uint64_t offset)> want_text);

  // After kEnd: the offset of a record that the stream ended inside (the stream was
  // cut short), if any. A caller whose decompressor failed reports it; otherwise
  // the reader itself reported the record as truncated.
  bool ended_inside_record() const;
  uint64_t unfinished_record_offset() const;

  const WarcStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when `head` (the first decompressed bytes of a file) starts a WARC file.
inline bool LooksLikeWarc(std::string_view head) { return head.starts_with("WARC/1."); }

// True for the names crawlers give WARC and WET files: .warc, .wet, .arc-less
// .warc.gz / .warc.zst / .wet.gz / .wet.zst (Common Crawl: .warc.wet.gz).
bool HasWarcName(std::string_view path);

// Unique document ids for WARC records, across every WARC input of one reader: the
// first capture of a URI gets the URI; a later capture (a re-crawl) gets
// "URI#WARC-Date", or "URI#WARC-Record-ID" when that date was taken too, or
// "URI#<fallback>" after that. A record without a target URI is named by its record
// id, else by the fallback.
class WarcIdAssigner {
 public:
  std::string Assign(const WarcDocument& doc, std::string_view fallback);

 private:
  absl::flat_hash_set<std::string> seen_;
};

}  // namespace neardup

#endif  // NEARDUP_IO_WARC_HPP_
