// Fuzzes HTML -> text (libxml2 SAX push parser) in both modes and the <meta> charset
// sniffer. Invariants: valid UTF-8 in gives valid UTF-8 out, without trailing spaces
// or line breaks; nothing is printed (libxml2's reporting is silenced; stderr output
// would show in the fuzzer log).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "neardup/text/html.hpp"
#include "neardup/text/utf8.hpp"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

// Replaces ill-formed UTF-8 so that the parser gets what the WARC reader gives it.
std::string Sanitize(std::string_view in) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  while (p < end) {
    const neardup::Utf8Decoded d = neardup::DecodeUtf8(p, end);
    if (d.ok && d.code_point != 0) {
      out.append(reinterpret_cast<const char*>(p), d.length);
    } else {
      out += "\xEF\xBF\xBD";
    }
    p += d.length;
  }
  return out;
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

void CheckShape(const std::string& text) {
  Check(ValidUtf8(text), "output is UTF-8");
  if (text.empty()) return;
  Check(text.back() != ' ' && text.back() != '\n', "no trailing spaces or line breaks");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  (void)neardup::SniffHtmlCharset(raw);
  const std::string html = Sanitize(raw);
  const std::string all = neardup::HtmlToText(html, neardup::HtmlMode::kAll);
  const std::string main = neardup::HtmlToText(html, neardup::HtmlMode::kMain);
  CheckShape(all);
  CheckShape(main);
  return 0;
}
