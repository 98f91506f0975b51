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
//   - a single ".txt" file: one document whose id is the path as given.
// Output: Document{id, text, file, line} in input order.
//
// Nothing is dropped silently and nothing aborts. A record that cannot be used (bad
// JSON, missing field, over a size limit, unreadable file, truncated or corrupt
// compressed stream) becomes an InputProblem{file, line, kind, reason}, passed to
// InputOptions::on_problem, and reading goes on with the next record or file. With
// InputOptions::strict, the first problem is returned by Next() as an error instead
// (and returned again by any later call).
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
// Guarantees: deterministic order for the same inputs and files. Memory: the current
// line or text file, the parser's buffers and 1 MiB of read buffers; with
// max_line_bytes set, a longer line is skipped without being held in memory.
// Thread safety: a DocumentReader is used by one thread at a time.
#ifndef NEARDUP_IO_INPUT_HPP_
#define NEARDUP_IO_INPUT_HPP_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/io/jsonl.hpp"

namespace neardup {

struct Document {
  std::string id;
  std::string text;
  std::string file;   // the input path (for directories: the path of the .txt file)
  uint64_t line = 0;  // 1-based JSONL line; 0 for a whole-file document
  uint32_t input = 0;   // index of the input path in the reader's list
  uint64_t record = 0;  // 1-based record number within that input
  uint64_t offset = 0;  // byte offset of the record in the input's (decompressed) bytes
  // With InputOptions::keep_raw, the JSONL line as read (without the line break, a
  // final '\r' or the BOM); empty for whole-file documents or without keep_raw.
  std::string raw;
};

struct InputProblem {
  std::string file;
  uint64_t line = 0;  // 0 when the problem is not about one line (e.g. cannot open)
  ProblemKind kind = ProblemKind::kNone;
  absl::StatusCode code = absl::StatusCode::kOk;  // the code it has as a strict error
  std::string reason;

  // "file:line: reason", or "file: reason" when line is 0.
  std::string ToString() const;
  absl::Status ToStatus() const { return absl::Status(code, ToString()); }
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
  // Called for every skipped record when not strict. May be empty.
  std::function<void(const InputProblem&)> on_problem;
};

struct InputStats {
  uint64_t documents = 0;  // returned by Next()
  uint64_t problems = 0;   // skipped records (files count once when unreadable)
  std::array<uint64_t, kNumProblemKinds> problems_by_kind{};
  uint64_t bytes = 0;      // bytes read after decompression (lines with newlines, files)
  uint64_t files = 0;      // files opened
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup

#endif  // NEARDUP_IO_INPUT_HPP_
