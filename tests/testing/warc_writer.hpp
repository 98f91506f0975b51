// Builds WARC files for tests, fuzz seeds and benchmarks: records with the headers a
// crawler writes, HTTP responses (optionally chunked or gzip / deflate encoded), and
// the file as plain bytes, one gzip member per record, or one gzip stream.
#ifndef NEARDUP_TESTS_TESTING_WARC_WRITER_HPP_
#define NEARDUP_TESTS_TESTING_WARC_WRITER_HPP_

#include <zlib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neardup_test {

// One record. `length` overrides the Content-Length written (-1: the block's size).
struct WarcRecord {
  std::string type = "response";
  std::string uri;
  std::string date = "2024-05-01T12:00:00Z";
  std::string record_id;  // empty: "<urn:uuid:" + a counter + ">"
  std::string content_type = "application/http; msgtype=response";
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::string block;
  long long length = -1;
  std::string version = "WARC/1.0";
};

// An HTTP response block: status line, headers, blank line, body.
inline std::string HttpResponse(int status, std::string_view content_type, std::string_view body,
                                std::vector<std::pair<std::string, std::string>> headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " X") + "\r\n";
  if (!content_type.empty()) out += "Content-Type: " + std::string(content_type) + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

// A chunked body: the text cut into pieces of `piece` bytes.
inline std::string Chunked(std::string_view body, size_t piece) {
  std::string out;
  char size[32];
  for (size_t at = 0; at < body.size(); at += piece) {
    const std::string_view p = body.substr(at, piece);
    std::snprintf(size, sizeof(size), "%zx;ext=1\r\n", p.size());
    out += size;
    out += p;
    out += "\r\n";
  }
  out += "0\r\n\r\n";
  return out;
}

// zlib deflate with window bits 31 (gzip), 15 (zlib) or -15 (raw deflate).
inline std::string Deflate(std::string_view in, int window_bits = 31) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string RecordBytes(const WarcRecord& r, int n) {
  std::string out = r.version + "\r\n";
  out += "WARC-Type: " + r.type + "\r\n";
  if (!r.uri.empty()) out += "WARC-Target-URI: " + r.uri + "\r\n";
  if (!r.date.empty()) out += "WARC-Date: " + r.date + "\r\n";
  out += "WARC-Record-ID: " + (r.record_id.empty() ? "<urn:uuid:rec-" + std::to_string(n) + ">" : r.record_id) + "\r\n";
  if (!r.content_type.empty()) out += "Content-Type: " + r.content_type + "\r\n";
  for (const auto& [k, v] : r.extra_headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(r.length >= 0 ? static_cast<size_t>(r.length) : r.block.size()) + "\r\n";
  out += "\r\n";
  out += r.block;
  out += "\r\n\r\n";
  return out;
}

enum class WarcCompression { kNone, kGzipPerRecord, kGzipWhole };

inline std::string WarcFile(const std::vector<WarcRecord>& records,
                            WarcCompression compression = WarcCompression::kNone) {
  std::string out;
  std::string all;
  int n = 0;
  for (const WarcRecord& r : records) {
    const std::string bytes = RecordBytes(r, ++n);
    if (compression == WarcCompression::kGzipPerRecord) {
      out += Deflate(bytes, 31);
    } else {
      all += bytes;
    }
  }
  if (compression == WarcCompression::kGzipPerRecord) return out;
  return compression == WarcCompression::kGzipWhole ? Deflate(all, 31) : all;
}

// A warcinfo record, as every crawler writes first.
inline WarcRecord WarcInfo() {
  WarcRecord r;
  r.type = "warcinfo";
  r.content_type = "application/warc-fields";
  r.block = "software: neardup-tests\r\nformat: WARC File Format 1.1\r\n";
  return r;
}

// A 200 text/html response for `uri`.
inline WarcRecord Page(std::string uri, std::string_view html, std::string date = "2024-05-01T12:00:00Z",
                       std::string content_type = "text/html; charset=utf-8") {
  WarcRecord r;
  r.uri = std::move(uri);
  r.date = std::move(date);
  r.block = HttpResponse(200, content_type, html);
  return r;
}

}  // namespace neardup_test

#endif  // NEARDUP_TESTS_TESTING_WARC_WRITER_HPP_
