// Document input: the files a user points neardup at -> a stream of documents.
//
// Input paths, each one of:
//   - a JSONL file, one `{"id": ..., "text": ...}` object per line (field names
//     configurable, see io/jsonl.hpp); plain, gzip (".gz") or zstd (".zst"). A file
//     with another extension is sniffed: gzip and zstd are recognized by their magic
//     bytes. Lines may end in LF or CRLF, the first line may start with a UTF-8 BOM,
//     blank lines are ignored, and a line may be of any length. With an empty
//     id_field, each record's id is "file:line";
//   - "-": standard input, read as JSONL (sniffed like above), named "<stdin>";
//   - a directory: every regular file ending in ".txt" below it (recursively; links to
//     directories are not followed), in byte order of the relative path, each file one
//     document whose id is that relative path with '/' separators;
//   - a single ".txt" file: one document whose id is the path as given;
//   - a WARC or WET file (WARC 1.0 / 1.1; plain, gzip per record or whole file, zstd),
//     recognized by its name (.warc, .wet, with .gz / .zst) or by its first
//     decompressed bytes ("WARC/1."), also on stdin: one document per HTML or text
//     record (io/warc.hpp says which; others are counted in
//     InputStats::warc_skipped_by_kind). The id is the WARC-Target-URI; a URI captured
//     again (a re-crawl) gets "URI#WARC-Date" (or "URI#WARC-Record-ID" when the dates
//     collide), so every capture is a document and the dedup keep rule decides which
//     one stays. Document::warc_date and warc_record_id say which record it came from.
// Output: Document{id, text, file, line, input, record, offset} in input order.
//
// Global ordinals. Every document is located by (input, record, offset): the index of
// its path in the reader's input list, its 1-based record number within that input
// (the JSONL line number; the position of the .txt file in the directory's sorted
// listing; 1 for a single .txt file) and the byte offset of its first byte in the
// input's decompressed bytes (the line start; 0 for a .txt file; for WARC the record
// number among all the file's records and the offset of its "WARC/1." line). They depend only on
// the input's bytes, not on how the work was split, so stages on different machines
// agree on them, and ReadRecords re-reads a document from them later.
//
// Nothing is dropped silently and nothing aborts. A record that cannot be used (bad
// JSON, missing field, over a size limit, unreadable file, truncated or corrupt
// compressed stream) becomes an InputProblem{file, line, kind, reason}, passed to
// InputOptions::on_problem, and reading goes on with the next record or file. With
// InputOptions::strict, the first problem is returned by Next() as an error instead
// (and returned again by any later call). Problems that lose a whole input or the
// rest of one (cannot open, list or read; truncated or corrupt compressed stream) are
// also input failures: counted in InputStats::failed_inputs and kept in
// input_failures(), so that a caller can tell "some records were bad" from "some
// input was not read" (the CLI exits with 3 for the latter).
//
//   neardup::InputOptions opts;
//   opts.on_problem = [](const neardup::InputProblem& p) { std::cerr << p.ToString() << "\n"; };
//   neardup::DocumentReader reader({"data.jsonl.gz", "articles/"}, opts);
//   neardup::Document doc;
//   for (auto more = reader.Next(&doc); more.ok() && *more; more = reader.Next(&doc)) { ... }
//
// Problem messages name the file, the 1-based line (JSONL) and the reason:
//   data.jsonl:7: missing string field "text"
//   data.jsonl.gz:12: truncated gzip stream (ended after 4096 compressed bytes)
//   articles/a.txt: cannot open: Permission denied
//
// Byte ranges (InputOptions::byte_ranges) split a big uncompressed JSONL file across
// workers: a range [begin, end) reads the lines that start in it, so ranges that tile
// the file read every line exactly once. Line numbers stay global: the reader counts
// the newlines before `begin` (one sequential pass over that prefix, memchr speed).
//
// Guarantees: deterministic order for the same inputs and files. Memory: the current
// line or text file, the parser's buffers and 1 MiB of read buffers; with
// max_line_bytes set, a longer line is skipped without being held in memory.
// Thread safety: a DocumentReader is used by one thread at a time; ReadRecords keeps
// no state between calls.
#ifndef NEARDUP_IO_INPUT_HPP_
#define NEARDUP_IO_INPUT_HPP_

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/io/input_identity.hpp"
#include "neardup/io/jsonl.hpp"
#include "neardup/io/warc.hpp"
#include "neardup/text/html.hpp"

namespace neardup {

struct Document {
  std::string id;
  std::string text;
  std::string file;   // the input path (for directories: the path of the .txt file)
  uint64_t line = 0;  // 1-based JSONL line; 0 for a whole-file document
  // With InputOptions::keep_raw, the JSONL line as read (without the line break, a
  // final '\r' or the BOM); empty for whole-file documents or without keep_raw.
  std::string raw;
  uint32_t input = 0;    // index of the input path in the reader's input list
  uint64_t record = 0;   // 1-based: the JSONL line, the position in a directory, or 1
  uint64_t offset = 0;   // first byte in the input's decompressed bytes (0 for .txt)
  // WARC input only (empty otherwise): the record's WARC-Date ("" when absent or
  // "null") and WARC-Record-ID, e.g. "<urn:uuid:...>".
  std::string warc_date;
  std::string warc_record_id;
};

struct InputProblem {
  std::string file;
  uint64_t line = 0;  // 0 when the problem is not about one line (e.g. cannot open)
  ProblemKind kind = ProblemKind::kNone;
  absl::StatusCode code = absl::StatusCode::kOk;  // the code it has as a strict error
  std::string reason;
  uint32_t input = 0;   // index of the input path in the reader's input list
  uint64_t offset = 0;  // decompressed byte offset of the bad line's start (JSONL)

  // "file:line: reason", or "file: reason" when line is 0.
  std::string ToString() const;
  absl::Status ToStatus() const { return absl::Status(code, ToString()); }
};

// Bytes [begin, end) of one input, for splitting a big uncompressed JSONL file: the
// lines whose first byte lies in the range. The default range is the whole input.
struct ByteRange {
  static constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();
  uint64_t begin = 0;
  uint64_t end = kToEnd;
  bool whole() const { return begin == 0 && end == kToEnd; }
};

struct InputOptions {
  JsonlFields fields;
  bool strict = false;
  // A document whose text is longer is skipped (0 = no limit).
  uint64_t max_document_bytes = 0;
  // A JSONL line longer than this is skipped while reading, never buffered (0 = no
  // limit). Bounds memory against a file without newlines.
  uint64_t max_line_bytes = 0;
  // Keep each JSONL record's line in Document::raw (e.g. to write kept records out
  // unchanged). Off by default: it copies every line.
  bool keep_raw = false;
  // WARC input: HTML pages to main content (kMain) or all visible text (kAll); see
  // text/html.hpp.
  HtmlMode html = HtmlMode::kMain;
  // Called for every skipped record when not strict. May be empty.
  std::function<void(const InputProblem&)> on_problem;
  // Empty: read every input whole. Otherwise one range per input (same order); a
  // range other than the whole input is only allowed on an uncompressed JSONL file
  // (not stdin, a directory, a .txt file or a gzip / zstd stream): Next() returns
  // InvalidArgument naming the input otherwise.
  std::vector<ByteRange> byte_ranges;
};

struct InputStats {
  uint64_t documents = 0;  // returned by Next()
  uint64_t problems = 0;   // skipped records (files count once when unreadable)
  std::array<uint64_t, kNumProblemKinds> problems_by_kind{};
  uint64_t bytes = 0;      // bytes read after decompression (lines with newlines, files)
  uint64_t files = 0;      // files opened
  // Inputs, or files or directories inside a directory input, that could not be
  // opened, listed or read to the end, and compressed streams that were truncated or
  // corrupt. Also counted in problems; a bad record never counts here.
  uint64_t failed_inputs = 0;
  // WARC input: records read, and the records that are not documents by kind
  // (request, metadata, warcinfo, revisit, redirect, non-text, ...; WarcSkipKindName
  // names them). Skipped records are not problems.
  uint64_t warc_records = 0;
  std::array<uint64_t, kNumWarcSkipKinds> warc_skipped_by_kind{};
  // Bytes that did not decode in the page's charset, replaced by U+FFFD.
  uint64_t warc_replaced_bytes = 0;
};

class DocumentReader {
 public:
  DocumentReader(std::vector<std::string> inputs, InputOptions options);
  ~DocumentReader();
  DocumentReader(DocumentReader&&) noexcept;
  DocumentReader& operator=(DocumentReader&&) noexcept;

  // Stores the next document and returns true; false at the end of the last input.
  // Errors: in strict mode, the first problem (code from ProblemKindCode, or from the
  // errno for unreadable files); InvalidArgument for an empty text_field.
  absl::StatusOr<bool> Next(Document* doc);

  const InputStats& stats() const noexcept;
  // Replaces InputOptions::on_problem and returns the handler it had: for a user that
  // reads on one thread and reports on another (SignInBatches).
  std::function<void(const InputProblem&)> ExchangeOnProblem(std::function<void(const InputProblem&)> fn);
  // The problems counted in stats().failed_inputs, in the order met.
  const std::vector<InputProblem>& input_failures() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for the problem kinds that lose (the rest of) an input rather than one record.
inline bool IsInputFailure(ProblemKind kind) {
  return kind == ProblemKind::kUnreadable || kind == ProblemKind::kCorruptStream;
}

// A document to read again, as the sequential reader gave it (Document::input,
// record, offset).
struct RecordRef {
  uint32_t input = 0;
  uint64_t record = 0;
  uint64_t offset = 0;
};

// Reads the documents `refs` point at from `inputs` (the list the DocumentReader had)
// and calls on_doc(index into refs, document) for each, with the id, text and raw line
// (with options.keep_raw) the sequential reader gives and the ref's input, record and
// offset. Calls come in (input, offset, record) order, not in the order of refs; a
// ref given twice is read and delivered twice. An error from on_doc stops the call and
// is returned.
// Cost: an uncompressed JSONL record is one positioned read of its line (small reads,
// no scan); a .txt record reads that file (a directory is listed once per call); all
// refs into one gzip / zstd input share one sequential pass up to the last of them.
// Errors name the input and the record, e.g.
//   data.jsonl: record at byte 1234 (line 7): not at the start of a line
// and are: FailedPrecondition for "-" (stdin cannot be re-read) and for an offset that
// is not a line start or a line number that does not match (the input changed since it
// was read: compare IdentifyInput before re-reading); OutOfRange for an offset past
// the end, a record past the directory listing, or an input index past `inputs`; the
// problem's own code for a record that is bad now (malformed, too large, unreadable).
// options.strict, on_problem and byte_ranges are not used.
absl::Status ReadRecords(const std::vector<std::string>& inputs, std::span<const RecordRef> refs,
                         const InputOptions& options,
                         const std::function<absl::Status(size_t ref_index, Document& doc)>& on_doc);

// True if ReadRecords reads the records of `path` each at its place (an uncompressed
// JSONL file, not WARC): its records can then be split among several ReadRecords calls,
// on several threads, at no extra cost. Compressed and WARC inputs are read in one pass
// from the start by each call, a directory is listed by each: their records belong in
// one call. False also for standard input and paths that cannot be opened.
bool CanReadRecordsInPlace(const std::string& path);

}  // namespace neardup

#endif  // NEARDUP_IO_INPUT_HPP_
