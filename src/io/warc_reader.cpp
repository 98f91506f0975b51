// WarcReader: decompressed chunks -> WARC records -> HTTP payloads -> UTF-8 text.
//
// One buffer holds the bytes from the current record on; a text record's block is
// parsed in place, a skipped record's block is passed over chunk by chunk. The HTTP
// layer undoes chunked transfer encoding and then the Content-Encoding; the charset
// layer converts to UTF-8 with iconv; HTML goes through text/html.hpp.
#include <brotli/decode.h>
#include <iconv.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neardup/io/warc.hpp"
#include "neardup/text/html.hpp"
#include "neardup/text/utf8.hpp"

namespace neardup {

const char* WarcSkipKindName(WarcSkipKind kind) {
  switch (kind) {
    case WarcSkipKind::kWarcinfo:
      return "warcinfo";
    case WarcSkipKind::kRequest:
      return "request";
    case WarcSkipKind::kMetadata:
      return "metadata";
    case WarcSkipKind::kRevisit:
      return "revisit";
    case WarcSkipKind::kOtherType:
      return "other_type";
    case WarcSkipKind::kRedirect:
      return "redirect";
    case WarcSkipKind::kHttpStatus:
      return "http_status";
    case WarcSkipKind::kNonText:
      return "non_text";
    case WarcSkipKind::kBadEncoding:
      return "bad_encoding";
  }
  return "unknown";
}

bool HasWarcName(std::string_view path) {
  for (std::string_view suffix : {".gz", ".zst", ".zstd"}) {
    if (path.ends_with(suffix)) {
      path.remove_suffix(suffix.size());
      break;
    }
  }
  return path.ends_with(".warc") || path.ends_with(".wet") || path.ends_with(".WARC");
}

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) != absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Digits only (no sign, no space), base 10 or 16, at most 19 / 15 digits.
bool ParseUint(std::string_view s, int base, uint64_t* out) {
  if (s.empty() || s.size() > (base == 10 ? 19u : 15u)) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// Printable ASCII as is, other bytes as \xNN: for quoting stray bytes in messages.
std::string Escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

std::string WarcIdAssigner::Assign(const WarcDocument& doc, std::string_view fallback) {
  std::string record_id(doc.record_id);
  if (record_id.size() >= 2 && record_id.front() == '<' && record_id.back() == '>') {
    record_id = record_id.substr(1, record_id.size() - 2);
  }
  std::string base = doc.target_uri;
  if (base.empty()) base = !record_id.empty() ? record_id : std::string(fallback);
  std::string id = base;
  if (seen_.contains(id) && !doc.date.empty()) id = absl::StrCat(base, "#", std::string(doc.date));
  if (seen_.contains(id) && !record_id.empty()) id = absl::StrCat(base, "#", record_id);
  if (seen_.contains(id)) id = absl::StrCat(base, "#", std::string(fallback));
  for (int n = 2; seen_.contains(id); ++n) id = absl::StrCat(base, "#", std::string(fallback), "-", n);
  seen_.insert(id);
  return id;
}

namespace {

constexpr size_t kMaxHeaderBytes = 1 << 20;
constexpr std::string_view kVersion = "WARC/1.";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "Name: value" lines up to a blank line. Names compare case-insensitively. Owned
// copies: the reader's buffer may move while a record's block is read.
struct Headers {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string_view Get(std::string_view name) const {
    for (const auto& [k, v] : fields) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return {};
  }
  bool Has(std::string_view name) const {
    for (const auto& f : fields) {
      if (EqualsIgnoreCase(f.first, name)) return true;
    }
    return false;
  }
};

// Parses header lines from `text` (after the first line); returns the offset just past
// the blank line, or npos when there is none.
size_t ParseHeaderLines(std::string_view text, size_t at, Headers* h) {
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return std::string_view::npos;
    std::string_view line = text.substr(at, nl - at);
    if (line.ends_with('\r')) line.remove_suffix(1);
    at = nl + 1;
    if (line.empty()) return at;
    if ((line.front() == ' ' || line.front() == '\t') && !h->fields.empty()) {
      continue;  // folded continuation: the first line's value is enough for us
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    h->fields.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return std::string_view::npos;
}

// "text/html; charset=ISO-8859-1" -> media type "text/html", charset "iso-8859-1".
void SplitContentType(std::string_view value, std::string* media, std::string* charset) {
  const size_t semi = value.find(';');
  *media = Lower(Trim(value.substr(0, semi)));
  charset->clear();
  if (semi == std::string_view::npos) return;
  const std::string params = Lower(value.substr(semi));
  const size_t c = params.find("charset");
  if (c == std::string::npos) return;
  size_t i = c + 7;
  while (i < params.size() && (params[i] == ' ' || params[i] == '=' || params[i] == '"' || params[i] == '\'')) ++i;
  size_t j = i;
  while (j < params.size() && params[j] != ';' && params[j] != '"' && params[j] != '\'' && params[j] != ' ') ++j;
  *charset = params.substr(i, j - i);
}

enum class Payload { kHtml, kPlain, kOther };

Payload KindOfMedia(std::string_view media) {
  if (media == "text/html" || media == "application/xhtml+xml") return Payload::kHtml;
  if (media == "text/plain") return Payload::kPlain;
  return Payload::kOther;
}

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const Utf8Decoded d = DecodeUtf8(p, end);
    if (!d.ok) return false;
    p += d.length;
  }
  return true;
}

// No declared type: HTML if it looks like markup, text if it is valid UTF-8 without
// control bytes, else something else.
Payload SniffPayload(std::string_view body) {
  std::string_view head = body.substr(0, 1024);
  while (!head.empty() && absl::ascii_isspace(static_cast<unsigned char>(head.front()))) head.remove_prefix(1);
  const std::string lower = Lower(head.substr(0, 512));
  if (lower.starts_with("<!doctype html") || lower.starts_with("<html") ||
      lower.find("<html") != std::string::npos || lower.find("<body") != std::string::npos) {
    return Payload::kHtml;
  }
  for (unsigned char c : body.substr(0, 4096)) {
    if (c < 0x09 || (c > 0x0D && c < 0x20)) return Payload::kOther;
  }
  return Payload::kPlain;
}

// Chunked transfer encoding -> the body; keeps what decoded before a malformed size.
std::string Dechunk(std::string_view in) {
  std::string out;
  size_t at = 0;
  while (at < in.size()) {
    const size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) break;
    std::string_view size_line = Trim(in.substr(at, nl - at));
    size_line = size_line.substr(0, size_line.find(';'));
    uint64_t size = 0;
    if (size_line.empty() || size_line.size() > 15 || !ParseUint(size_line, 16, &size)) break;
    at = nl + 1;
    if (size == 0) break;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, in.size() - at));
    out.append(in.substr(at, take));
    at += take;
    if (at < in.size() && in[at] == '\r') ++at;
    if (at < in.size() && in[at] == '\n') ++at;
  }
  return out;
}

// zlib inflate with the given window bits (31: gzip, 15: zlib, -15: raw deflate).
bool Inflate(std::string_view in, int window_bits, uint64_t limit, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return false;
  out->clear();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
  char buf[64 * 1024];
  int ret = Z_OK;
  while (ret == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    ret = inflate(&z, Z_NO_FLUSH);
    out->append(buf, sizeof(buf) - z.avail_out);
    if (out->size() > limit) ret = Z_MEM_ERROR;
    if (ret == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated: keep what decoded
    if (ret == Z_STREAM_END && z.avail_in > 0 && window_bits == 31) {
      // Several gzip members: go on with the next.
      inflateReset(&z);
      ret = Z_OK;
    }
  }
  inflateEnd(&z);
  return (ret == Z_STREAM_END || ret == Z_BUF_ERROR) && !out->empty();
}

bool Unbrotli(std::string_view in, uint64_t limit, std::string* out) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (s == nullptr) return false;
  out->clear();
  size_t avail_in = in.size();
  const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  uint8_t buf[64 * 1024];
  while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    size_t avail_out = sizeof(buf);
    uint8_t* next_out = buf;
    r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out->append(reinterpret_cast<char*>(buf), sizeof(buf) - avail_out);
    if (out->size() > limit) r = BROTLI_DECODER_RESULT_ERROR;
  }
  BrotliDecoderDestroyInstance(s);
  return r == BROTLI_DECODER_RESULT_SUCCESS ||
         (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && !out->empty());
}

// Appends valid UTF-8, each ill-formed subpart replaced by U+FFFD; returns the bytes
// replaced.
uint64_t AppendUtf8Replacing(std::string_view in, std::string* out) {
  uint64_t replaced = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  const auto* run = p;
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const Utf8Decoded d = DecodeUtf8(p, end);
    if (d.ok) {
      p += d.length;
      continue;
    }
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    out->append(kReplacement);
    replaced += d.length;
    p += d.length;
    run = p;
  }
  out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
  return replaced;
}

// iconv descriptors by charset name, opened once per reader.
class Converter {
 public:
  ~Converter() {
    for (auto& [name, cd] : open_) {
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    }
  }

  // Converts `in` from `charset` to UTF-8 in *out; returns the bytes replaced.
  // Unknown charsets fall back to the no-label rule.
  uint64_t ToUtf8(std::string_view in, std::string charset, std::string* out) {
    out->clear();
    charset = Canonical(charset);
    if (charset.empty() || (charset != "utf-8" && Open(charset) == reinterpret_cast<iconv_t>(-1))) {
      charset = ValidUtf8(in) ? "utf-8" : "windows-1252";
    }
    if (charset == "utf-8") return AppendUtf8Replacing(in, out);
    iconv_t cd = Open(charset);
    if (cd == reinterpret_cast<iconv_t>(-1)) return AppendUtf8Replacing(in, out);
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    uint64_t replaced = 0;
    char* src = const_cast<char*>(in.data());
    size_t src_left = in.size();
    std::string buf(4 * in.size() + 16, '\0');
    char* dst = buf.data();
    size_t dst_left = buf.size();
    while (src_left > 0) {
      const size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
      if (r != static_cast<size_t>(-1)) break;
      if (errno == E2BIG) {
        const size_t used = static_cast<size_t>(dst - buf.data());
        buf.resize(buf.size() * 2);
        dst = buf.data() + used;
        dst_left = buf.size() - used;
        continue;
      }
      // EILSEQ or EINVAL (incomplete at the end): replace one byte and go on.
      if (dst_left < kReplacement.size()) {
        const size_t used = static_cast<size_t>(dst - buf.data());
        buf.resize(buf.size() * 2);
        dst = buf.data() + used;
        dst_left = buf.size() - used;
      }
      std::memcpy(dst, kReplacement.data(), kReplacement.size());
      dst += kReplacement.size();
      dst_left -= kReplacement.size();
      ++src;
      --src_left;
      ++replaced;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
    buf.resize(static_cast<size_t>(dst - buf.data()));
    // iconv's output is UTF-8 by contract; check anyway, the text is data users keep.
    replaced += AppendUtf8Replacing(buf, out);
    return replaced;
  }

 private:
  static std::string Canonical(std::string charset) {
    charset = Lower(Trim(charset));
    if (charset == "utf8" || charset == "utf-8" || charset == "unicode-1-1-utf-8") return "utf-8";
    // As browsers do (WHATWG Encoding): these labels mean windows-1252.
    if (charset == "iso-8859-1" || charset == "latin1" || charset == "us-ascii" ||
        charset == "ascii" || charset == "iso8859-1" || charset == "cp1252" ||
        charset == "l1" || charset == "x-cp1252") {
      return "windows-1252";
    }
    for (char c : charset) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':') {
        return "";
      }
    }
    if (charset.size() > 40) return "";
    return charset;
  }

  iconv_t Open(const std::string& charset) {
    auto it = open_.find(charset);
    if (it != open_.end()) return it->second;
    const iconv_t cd = iconv_open("UTF-8", charset.c_str());
    open_.emplace(charset, cd);
    return cd;
  }

  absl::flat_hash_map<std::string, iconv_t> open_;
};

}  // namespace

struct WarcReader::Impl {
  Impl(NextChunk next, WarcOptions opts, uint64_t base, uint64_t records_before)
      : next_chunk(std::move(next)), options(opts), buf_base(base), record(records_before) {}

  // Appends the next chunk; false at the end of the stream.
  bool Fill() {
    if (eof) return false;
    const std::string_view chunk = next_chunk();
    if (chunk.empty()) {
      eof = true;
      return false;
    }
    buf.append(chunk);
    return true;
  }
  bool Ensure(size_t n) {
    while (buf.size() - pos < n) {
      if (!Fill()) return false;
    }
    return true;
  }
  uint64_t At(size_t i) const { return buf_base + i; }
  // Drops the bytes before pos. Only between records: indexes into buf move.
  void Compact() {
    if (pos == 0) return;
    buf.erase(0, pos);
    buf_base += pos;
    pos = 0;
  }

  // Moves pos to the next line start at or after `from` that begins with "WARC/1.".
  // False (with pos at the end) when the stream ends first.
  bool Resync(size_t from) {
    pos = std::min(from, buf.size());
    for (;;) {
      const size_t hit = buf.find(std::string_view("\nWARC/1."), pos > 0 ? pos - 1 : 0);
      if (hit != std::string::npos && hit + 1 >= pos) {
        pos = hit + 1;
        return true;
      }
      // Keep the tail that could start a match.
      pos = buf.size() > 8 ? std::max(pos, buf.size() - 8) : pos;
      Compact();
      if (!Fill()) {
        pos = buf.size();
        return false;
      }
    }
  }

  Result Problem(WarcProblem* problem, uint64_t offset, uint64_t rec, ProblemKind kind,
                 std::string reason) {
    problem->offset = offset;
    problem->record = rec;
    problem->kind = kind;
    problem->reason = std::move(reason);
    return Result::kProblem;
  }

  Result Next(WarcDocument* doc, WarcProblem* problem) {
    for (;;) {
      // Drop consumed bytes once they are most of the buffer: compacting after every
      // record would move the rest of a 1 MiB chunk each time.
      if (pos >= (64u << 10) && pos >= buf.size() / 2) Compact();
      // Blank lines between records.
      for (;;) {
        if (!Ensure(1)) return Result::kEnd;
        const char c = buf[pos];
        if (c != '\r' && c != '\n') break;
        ++pos;
      }
      const size_t start = pos;
      const uint64_t offset = At(start);
      if (!Ensure(kVersion.size()) || std::string_view(buf).substr(start, kVersion.size()) != kVersion) {
        const std::string found(std::string_view(buf).substr(start, std::min<size_t>(buf.size() - start, 16)));
        const bool more = Resync(start + 1);
        return Problem(problem, offset, 0, ProblemKind::kMalformedRecord,
                       absl::StrCat("byte ", offset, ": expected a \"WARC/1.x\" line, found \"",
                                    Escape(found), "\"; ",
                                    more ? absl::StrCat("resumed at the next record, byte ", At(pos))
                                         : std::string("no record follows")));
      }
      // Header block.
      Headers headers;
      size_t header_end;
      for (;;) {
        const std::string_view view(buf);
        const size_t nl = view.find('\n', start);
        header_end = nl == std::string_view::npos ? nl : ParseHeaderLines(view, nl + 1, &headers);
        if (header_end != std::string_view::npos) break;
        headers.fields.clear();
        if (buf.size() - start > kMaxHeaderBytes || !Fill()) {
          ++record;
          if (eof && buf.size() - start <= kMaxHeaderBytes) {
            unfinished = true;
            unfinished_offset = offset;
            pos = buf.size();
            return Problem(problem, offset, record, ProblemKind::kMalformedRecord,
                           absl::StrCat("record ", record, " at byte ", offset,
                                        ": the input ends inside its header"));
          }
          const bool more = Resync(start + 1);
          return Problem(problem, offset, record, ProblemKind::kMalformedRecord,
                         absl::StrCat("record ", record, " at byte ", offset, ": header longer than ",
                                      kMaxHeaderBytes, " bytes; ",
                                      more ? absl::StrCat("resumed at byte ", At(pos)) : "no record follows"));
        }
      }
      ++record;
      ++stats.records;
      const uint64_t rec = record;
      uint64_t length = 0;
      const std::string_view length_text = headers.Get("Content-Length");
      if (length_text.empty() || !ParseUint(length_text, 10, &length)) {
        const bool more = Resync(start + 1);
        return Problem(problem, offset, rec, ProblemKind::kMalformedRecord,
                       absl::StrCat("record ", rec, " at byte ", offset,
                                    length_text.empty() ? ": no Content-Length"
                                                        : absl::StrCat(": bad Content-Length \"",
                                                                       Escape(length_text), "\""),
                                    "; ", more ? absl::StrCat("resumed at byte ", At(pos)) : "no record follows"));
      }
      const std::string type = Lower(headers.Get("WARC-Type"));
      const bool wanted = type == "response" || type == "resource" || type == "conversion";
      const size_t block_start = header_end;
      if (!wanted || length > options.max_record_bytes) {
        // Copy what the record says before the buffer moves.
        std::string uri(headers.Get("WARC-Target-URI"));
        if (!PassOver(block_start, length)) return Truncated(problem, offset, rec);
        if (!CheckTrailer()) return WrongLength(problem, offset, rec, length, pos);
        if (!wanted) {
          ++stats.skipped_by_kind[static_cast<size_t>(SkipKindOfType(type))];
          continue;
        }
        return Problem(problem, offset, rec, ProblemKind::kTooLarge,
                       absl::StrCat("record ", rec, " at byte ", offset, " (", uri, "): block is ", length,
                                    " bytes, over the limit of ", options.max_record_bytes,
                                    " bytes (max_record_bytes)"));
      }
      if (!Ensure(block_start - pos + length)) {
        // The stream ended inside the block: a Content-Length too large (a record
        // follows inside it) or a cut-off file.
        const size_t next = buf.find("\nWARC/1.", block_start);
        if (next != std::string::npos) {
          pos = next + 1;
          return Problem(problem, offset, rec, ProblemKind::kMalformedRecord,
                         absl::StrCat("record ", rec, " at byte ", offset, ": Content-Length ", length,
                                      " runs past the next record; resumed at byte ", At(pos)));
        }
        return Truncated(problem, offset, rec);
      }
      const size_t block_end = block_start + static_cast<size_t>(length);
      pos = block_end;
      if (!CheckTrailer()) return WrongLength(problem, offset, rec, length, start + 1);
      // The block stays valid: buf only moves in Fill, which is not called again for
      // this record.
      const std::string_view block = std::string_view(buf).substr(block_start, block_end - block_start);
      doc->offset = offset;
      doc->record = rec;
      doc->type = type;
      doc->target_uri = std::string(headers.Get("WARC-Target-URI"));
      if (doc->target_uri.size() >= 2 && doc->target_uri.front() == '<' && doc->target_uri.back() == '>') {
        doc->target_uri = doc->target_uri.substr(1, doc->target_uri.size() - 2);
      }
      doc->date = std::string(headers.Get("WARC-Date"));
      if (EqualsIgnoreCase(doc->date, "null")) doc->date.clear();
      doc->record_id = std::string(headers.Get("WARC-Record-ID"));
      doc->replaced_bytes = 0;
      std::optional<WarcSkipKind> skip = Extract(type, headers, block, doc);
      if (skip && !undecodable.empty()) {
        const std::string encoding = std::exchange(undecodable, std::string());
        return Problem(problem, offset, rec, ProblemKind::kMalformedRecord,
                       absl::StrCat("record ", rec, " at byte ", offset, " (", doc->target_uri,
                                    "): its HTTP body does not decode as Content-Encoding ", encoding,
                                    " (corrupt or not what the header says); record skipped"));
      }
      if (skip) {
        ++stats.skipped_by_kind[static_cast<size_t>(*skip)];
        continue;
      }
      stats.replaced_bytes += doc->replaced_bytes;
      return Result::kDocument;
    }
  }

  static WarcSkipKind SkipKindOfType(std::string_view type) {
    if (type == "warcinfo") return WarcSkipKind::kWarcinfo;
    if (type == "request") return WarcSkipKind::kRequest;
    if (type == "metadata") return WarcSkipKind::kMetadata;
    if (type == "revisit") return WarcSkipKind::kRevisit;
    return WarcSkipKind::kOtherType;
  }

  // Consumes `length` bytes from `from` on without keeping them. False at the end.
  bool PassOver(size_t from, uint64_t length) {
    pos = from;
    while (length > 0) {
      const uint64_t have = buf.size() - pos;
      if (have >= length) {
        pos += static_cast<size_t>(length);
        return true;
      }
      length -= have;
      pos = buf.size();
      Compact();
      if (!Fill()) return false;
    }
    return true;
  }

  // After a block: "\r\n\r\n" (or "\n\n"), then the next record or the end.
  bool CheckTrailer() {
    Ensure(4);
    const std::string_view rest = std::string_view(buf).substr(pos);
    for (std::string_view t : {"\r\n\r\n", "\n\n", "\r\n"}) {
      if (rest.starts_with(t)) {
        pos += t.size();
        return true;
      }
    }
    if (eof && rest.find_first_not_of("\r\n") == std::string_view::npos) {
      pos = buf.size();
      return true;
    }
    return false;
  }

  Result WrongLength(WarcProblem* problem, uint64_t offset, uint64_t rec, uint64_t length, size_t resync_from) {
    const bool more = Resync(resync_from);
    return Problem(problem, offset, rec, ProblemKind::kMalformedRecord,
                   absl::StrCat("record ", rec, " at byte ", offset, ": Content-Length ", length,
                                " does not end at a record boundary; ",
                                more ? absl::StrCat("resumed at the next record, byte ", At(pos))
                                     : std::string("no record follows")));
  }

  Result Truncated(WarcProblem* problem, uint64_t offset, uint64_t rec) {
    unfinished = true;
    unfinished_offset = offset;
    pos = buf.size();
    return Problem(problem, offset, rec, ProblemKind::kMalformedRecord,
                   absl::StrCat("record ", rec, " at byte ", offset, ": the input ends inside its block"));
  }

  // Fills doc->text, or says why the record is not a document.
  std::optional<WarcSkipKind> Extract(const std::string& type, const Headers& warc, std::string_view block,
                                      WarcDocument* doc) {
    std::string media;
    std::string charset;
    std::string_view body = block;
    std::string decoded;
    if (type == "response" && block.starts_with("HTTP/")) {
      Headers http;
      const size_t nl = block.find('\n');
      const std::string_view status_line = block.substr(0, nl);
      size_t body_at = nl == std::string_view::npos ? std::string_view::npos : ParseHeaderLines(block, nl + 1, &http);
      body = body_at == std::string_view::npos ? std::string_view() : block.substr(body_at);
      const size_t sp = status_line.find(' ');
      uint64_t status = 0;
      if (sp == std::string_view::npos || !ParseUint(Trim(status_line.substr(sp + 1, 3)), 10, &status)) {
        return WarcSkipKind::kHttpStatus;
      }
      if (status >= 300 && status < 400) return WarcSkipKind::kRedirect;
      if (status < 200 || status >= 300) return WarcSkipKind::kHttpStatus;
      SplitContentType(http.Get("Content-Type"), &media, &charset);
      const std::string transfer = Lower(http.Get("Transfer-Encoding"));
      if (transfer.find("chunked") != std::string::npos) {
        decoded = Dechunk(body);
        body = decoded;
      }
      const std::string encoding = Lower(Trim(http.Get("Content-Encoding")));
      if (!encoding.empty() && encoding != "identity") {
        Payload kind = media.empty() ? Payload::kHtml : KindOfMedia(media);
        if (kind == Payload::kOther) return WarcSkipKind::kNonText;
        std::string out;
        bool ok = false;
        if (encoding == "gzip" || encoding == "x-gzip") {
          ok = Inflate(body, 31, options.max_record_bytes, &out);
        } else if (encoding == "deflate") {
          ok = Inflate(body, 15, options.max_record_bytes, &out) ||
               Inflate(body, -15, options.max_record_bytes, &out);
        } else if (encoding == "br") {
          ok = Unbrotli(body, options.max_record_bytes, &out);
        }
        if (!ok) {
          // Crawlers often store the payload already decoded but keep the header.
          if (!(encoding != "br" && SniffPayload(body) != Payload::kOther && !body.starts_with("\x1f\x8b"))) {
            const bool known = encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate" || encoding == "br";
            if (known) undecodable = encoding;  // a damaged body: reported, not only counted
            return WarcSkipKind::kBadEncoding;
          }
        } else {
          decoded = std::move(out);
          body = decoded;
        }
      }
    } else {
      // resource / conversion, or a response without an HTTP header block.
      std::string_view declared = warc.Get("WARC-Identified-Payload-Type");
      const std::string_view content_type = warc.Get("Content-Type");
      std::string unused;
      std::string warc_media;
      SplitContentType(content_type, &warc_media, &charset);
      if (declared.empty() && !warc_media.starts_with("application/http")) declared = content_type;
      std::string declared_charset;
      SplitContentType(declared, &media, &declared_charset);
      if (!declared_charset.empty()) charset = declared_charset;
      if (type == "conversion" && media.empty()) media = "text/plain";
    }
    Payload kind = media.empty() ? SniffPayload(body) : KindOfMedia(media);
    if (kind == Payload::kOther) return WarcSkipKind::kNonText;
    if (want_text && !want_text(doc->offset)) {
      doc->text.clear();
      return std::nullopt;
    }
    if (kind == Payload::kHtml && charset.empty()) charset = SniffHtmlCharset(body);
    doc->replaced_bytes = converter.ToUtf8(body, charset, &utf8);
    if (kind == Payload::kHtml) {
      HtmlToText(utf8, options.html, &doc->text);
    } else {
      doc->text = utf8;
    }
    return std::nullopt;
  }

  NextChunk next_chunk;
  WarcOptions options;
  std::string buf;
  size_t pos = 0;
  uint64_t buf_base;
  bool eof = false;
  uint64_t record;
  bool unfinished = false;
  uint64_t unfinished_offset = 0;
  WarcStats stats;
  Converter converter;
  std::string utf8;
  std::function<bool(uint64_t)> want_text;
  std::string undecodable;  // set by Extract: the Content-Encoding a body failed to decode from
};

WarcReader::WarcReader(NextChunk next_chunk, WarcOptions options, uint64_t base, uint64_t records_before)
    : impl_(std::make_unique<Impl>(std::move(next_chunk), options, base, records_before)) {}
WarcReader::~WarcReader() = default;
WarcReader::WarcReader(WarcReader&&) noexcept = default;
WarcReader& WarcReader::operator=(WarcReader&&) noexcept = default;

WarcReader::Result WarcReader::Next(WarcDocument* doc, WarcProblem* problem) {
  return impl_->Next(doc, problem);
}
void WarcReader::set_want_text(std::function<bool(uint64_t)> want_text) {
  impl_->want_text = std::move(want_text);
}
bool WarcReader::ended_inside_record() const { return impl_->unfinished; }
uint64_t WarcReader::unfinished_record_offset() const { return impl_->unfinished_offset; }
const WarcStats& WarcReader::stats() const { return impl_->stats; }

}  // namespace neardup
