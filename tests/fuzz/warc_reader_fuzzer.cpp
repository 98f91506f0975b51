// Fuzzes WARC input: WarcReader over the bytes cut into chunks at a position the
// input chooses (so records straddle chunk boundaries), in both HTML modes, and the
// bytes as a file through the DocumentReader, which also reaches the gzip / zstd
// decoders. Invariants: records are met in increasing offset order with increasing
// record numbers; every problem has a reason; texts are valid UTF-8; the reader
// never fails outside strict mode.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "neardup/io/input.hpp"
#include "neardup/io/warc.hpp"
#include "neardup/text/utf8.hpp"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const neardup::Utf8Decoded d = neardup::DecodeUtf8(p, end);
    if (!d.ok) return false;
    p += d.length;
  }
  return true;
}

void ReadChunked(std::string_view bytes, size_t chunk, neardup::HtmlMode mode) {
  size_t at = 0;
  neardup::WarcReader reader(
      [&]() -> std::string_view {
        const std::string_view c = bytes.substr(at, chunk);
        at += c.size();
        return c;
      },
      {.html = mode, .max_record_bytes = 1 << 20});
  neardup::WarcDocument doc;
  neardup::WarcProblem problem;
  uint64_t last_offset = 0;
  uint64_t last_record = 0;
  bool first = true;
  for (int guard = 0; guard < 100000; ++guard) {
    const auto r = reader.Next(&doc, &problem);
    if (r == neardup::WarcReader::Result::kEnd) return;
    if (r == neardup::WarcReader::Result::kProblem) {
      Check(!problem.reason.empty(), "problem without a reason");
      continue;
    }
    Check(first || doc.offset > last_offset, "document offsets increase");
    Check(doc.record > last_record, "record numbers increase");
    Check(doc.offset < bytes.size(), "offset inside the input");
    Check(bytes.substr(doc.offset, 7) == "WARC/1.", "offset at a version line");
    Check(ValidUtf8(doc.text), "text is UTF-8");
    first = false;
    last_offset = doc.offset;
    last_record = doc.record;
  }
  Check(false, "reader did not end");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
  ReadChunked(bytes, chunk, neardup::HtmlMode::kMain);
  ReadChunked(bytes, size + 1, neardup::HtmlMode::kAll);

  char path[] = "/tmp/neardup_warc_fuzz_XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return 0;
  if (::write(fd, data, size) == static_cast<ssize_t>(size)) {
    neardup::InputOptions options;
    options.on_problem = [](const neardup::InputProblem& p) { Check(!p.reason.empty(), "input problem reason"); };
    neardup::DocumentReader reader({path}, options);
    neardup::Document doc;
    for (;;) {
      absl::StatusOr<bool> more = reader.Next(&doc);
      Check(more.ok(), "reader fails only in strict mode");
      if (!*more) break;
      Check(ValidUtf8(doc.text), "document text is UTF-8");
    }
  }
  ::close(fd);
  ::unlink(path);
  return 0;
}
