// Fuzzes JSONL input: JsonlRecordParser on every line (plain and JSON Pointer field
// names, Parse and ParsePadded), then DocumentReader over the same bytes as a file, which
// also reaches the gzip and zstd decoders when the bytes start with their magic.
// Invariants: Parse and ParsePadded agree; a record is either a document or exactly one
// problem with a non-empty reason; DocumentReader never fails outside strict mode and
// accounts for every line it counted.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "neardup/io/input.hpp"
#include "neardup/io/jsonl.hpp"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

void ParseLine(neardup::JsonlRecordParser& parser, std::string_view line) {
  std::string id, text, reason;
  const neardup::ProblemKind kind = parser.Parse(line, &id, &text, &reason);
  std::string padded(line);
  padded.append(neardup::kJsonlPadding, '\0');
  std::string id2, text2, reason2;
  const neardup::ProblemKind kind2 =
      parser.ParsePadded(std::string_view(padded.data(), line.size()), &id2, &text2, &reason2);
  Check(kind == kind2, "Parse and ParsePadded disagree on the kind");
  if (kind == neardup::ProblemKind::kNone) {
    Check(id == id2 && text == text2, "Parse and ParsePadded disagree on the record");
    Check(parser.fields().id_field.empty() || !id.empty(), "empty id accepted");
  } else {
    Check(!reason.empty() && reason == reason2, "problem reasons missing or differ");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  static neardup::JsonlRecordParser plain;
  static neardup::JsonlRecordParser pointer({.id_field = "/meta/id", .text_field = "/body/0"});
  static neardup::JsonlRecordParser no_id({.id_field = "", .text_field = "t"});
  neardup::JsonlRecordParser& parser = (mode & 3) == 0 ? plain : (mode & 3) == 1 ? pointer : no_id;
  size_t lines = 0;
  for (size_t start = 0; start <= bytes.size();) {
    size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    ParseLine(parser, bytes.substr(start, end - start));
    ++lines;
    start = end + 1;
  }

  // The same bytes as an input file, in memory (memfd), named without an extension so
  // that gzip / zstd are sniffed from the magic bytes.
  const int fd = memfd_create("neardup_jsonl_fuzz", 0);
  if (fd < 0) return 0;
  for (size_t off = 0; off < bytes.size();) {
    const ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  neardup::InputOptions options;
  options.fields = parser.fields();
  options.keep_raw = mode & 4;
  options.max_document_bytes = (mode & 8) ? 16 : 0;
  options.max_line_bytes = (mode & 16) ? 64 : 0;
  uint64_t problems = 0;
  options.on_problem = [&problems](const neardup::InputProblem& p) {
    Check(p.kind != neardup::ProblemKind::kNone && !p.reason.empty(), "empty problem");
    ++problems;
  };
  {
    neardup::DocumentReader reader({"/proc/self/fd/" + std::to_string(fd)}, std::move(options));
    neardup::Document doc;
    uint64_t docs = 0;
    for (;;) {
      absl::StatusOr<bool> more = reader.Next(&doc);
      Check(more.ok(), "DocumentReader failed outside strict mode");
      if (!*more) break;
      ++docs;
      Check(doc.line >= 1, "JSONL document without a line number");
    }
    const neardup::InputStats& stats = reader.stats();
    Check(stats.documents == docs && stats.problems == problems, "stats disagree with the calls");
    if (bytes.size() < 2 || (static_cast<uint8_t>(bytes[0]) != 0x1f && static_cast<uint8_t>(bytes[0]) != 0x28)) {
      // Plain text: never more records than lines.
      Check(docs + problems <= lines, "more records than lines");
    }
  }
  close(fd);
  return 0;
}
