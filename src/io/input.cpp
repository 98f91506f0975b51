// DocumentReader: files -> decoded byte chunks -> lines -> documents.
//
// Layers, bottom up: RawFile reads a file (or stdin) into a reusable buffer;
// a ByteStream (plain, gzip, zstd) turns those bytes into decoded chunks; LineReader
// cuts chunks into lines without copying a line that lies inside one chunk, and knows
// each line's decoded byte offset; a Source (JSONL or text files) turns lines or files
// into documents. Every buffer a line can point into has kJsonlPadding spare bytes at
// its end, so lines go to simdjson without a copy. ReadRecords reuses the same layers:
// a re-read line goes through the same LineReader and line-to-document code, so it
// gives exactly the document the sequential reader gave.
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/io/input.hpp"

namespace neardup {

std::string InputProblem::ToString() const {
  if (line == 0) return absl::StrCat(file, ": ", reason);
  return absl::StrCat(file, ":", line, ": ", reason);
}

namespace {

constexpr size_t kRawChunk = 256 * 1024;
// ReadRecords reads one line at a place: small reads, grown by LineReader if longer.
constexpr size_t kRandomAccessChunk = 4 * 1024;
constexpr size_t kDecodedChunk = 1024 * 1024;
// A line buffer that grew past this for one long line is released afterwards.
constexpr size_t kKeepLineCapacity = 16u << 20;
constexpr std::string_view kStdinName = "<stdin>";

std::string ErrnoMessage(int error) { return std::generic_category().message(error); }

// A failure below the line level: it ends the current file.
struct StreamError {
  ProblemKind kind;
  absl::StatusCode code;
  std::string reason;
};

StreamError ErrnoError(std::string_view what, int error) {
  return {ProblemKind::kUnreadable, absl::ErrnoToStatusCode(error),
          absl::StrCat(std::string(what), ": ", ErrnoMessage(error))};
}

// A file's raw bytes through one reusable buffer. Owns the FILE* unless it is stdin.
class RawFile {
 public:
  RawFile(std::FILE* file, bool owned, size_t chunk = kRawChunk)
      : file_(file), owned_(owned), chunk_(chunk), buf_(chunk + kJsonlPadding) {}
  ~RawFile() {
    if (owned_) std::fclose(file_);
  }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  std::string_view available() const { return {buf_.data() + begin_, end_ - begin_}; }
  void Consume(size_t n) { begin_ += n; }
  uint64_t consumed() const { return offset_ + begin_; }  // raw bytes handed out so far
  const std::optional<StreamError>& error() const { return error_; }

  // Reads more bytes once everything available has been consumed. False at the end
  // of the file or on a read error (then error() is set).
  bool Fill() {
    if (begin_ < end_) return true;
    offset_ += end_;
    begin_ = end_ = 0;
    if (eof_) return false;
    const size_t n = std::fread(buf_.data(), 1, chunk_, file_);
    end_ = n;
    if (n < chunk_) {
      if (std::ferror(file_)) {
        error_ = ErrnoError("read error", errno != 0 ? errno : EIO);
        eof_ = true;
        return false;
      }
      eof_ = true;
    }
    return n > 0;
  }

 private:
  std::FILE* file_;
  bool owned_;
  size_t chunk_;
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  bool eof_ = false;
  std::optional<StreamError> error_;
};

// Decoded bytes of one file, one chunk at a time.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // The next chunk, readable for kJsonlPadding bytes past its end and valid until the
  // next call. Empty at the end of the stream or on error (then error() is set).
  virtual std::string_view Next() = 0;
  const std::optional<StreamError>& error() const { return error_; }

 protected:
  std::optional<StreamError> error_;
};

class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(std::unique_ptr<RawFile> raw) : raw_(std::move(raw)) {}
  std::string_view Next() override {
    if (!raw_->Fill()) {
      error_ = raw_->error();
      return {};
    }
    const std::string_view chunk = raw_->available();
    raw_->Consume(chunk.size());
    return chunk;
  }

 private:
  std::unique_ptr<RawFile> raw_;
};

class GzipStream final : public ByteStream {
 public:
  explicit GzipStream(std::unique_ptr<RawFile> raw)
      : raw_(std::move(raw)), out_(kDecodedChunk + kJsonlPadding) {
    // 16 + MAX_WBITS: gzip framing only; the ".gz" name or the magic promised gzip.
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) {
      error_ = StreamError{ProblemKind::kCorruptStream, absl::StatusCode::kResourceExhausted,
                           "cannot start gzip decoder"};
    } else {
      initialized_ = true;
    }
  }
  ~GzipStream() override {
    if (initialized_) inflateEnd(&z_);
  }

  std::string_view Next() override {
    if (error_ || done_) return {};
    for (;;) {
      if (!raw_->Fill()) {
        if (raw_->error()) {
          error_ = raw_->error();
        } else if (member_open_ || raw_->consumed() == 0) {
          error_ = StreamError{ProblemKind::kCorruptStream, absl::StatusCode::kDataLoss,
                               absl::StrCat("truncated gzip stream (ended after ",
                                            raw_->consumed(), " compressed bytes)")};
        }
        done_ = true;
        return {};
      }
      const std::string_view in = raw_->available();
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(kDecodedChunk);
      const uInt fed = z_.avail_in;
      const int ret = inflate(&z_, Z_NO_FLUSH);
      raw_->Consume(fed - z_.avail_in);
      member_open_ = true;
      const size_t produced = kDecodedChunk - z_.avail_out;
      if (ret == Z_STREAM_END) {
        // Concatenated members (pigz, bgzip, `cat a.gz b.gz`) form one stream.
        member_open_ = false;
        inflateReset(&z_);
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        error_ = StreamError{
            ProblemKind::kCorruptStream, absl::StatusCode::kDataLoss,
            absl::StrCat("corrupt gzip stream at compressed byte ", raw_->consumed(), ": ",
                         z_.msg != nullptr ? z_.msg : zError(ret))};
        done_ = true;
        return {};
      }
      if (produced > 0) return {out_.data(), produced};
    }
  }

 private:
  std::unique_ptr<RawFile> raw_;
  std::vector<char> out_;
  z_stream z_{};
  bool initialized_ = false;
  bool member_open_ = false;
  bool done_ = false;
};

class ZstdStream final : public ByteStream {
 public:
  explicit ZstdStream(std::unique_ptr<RawFile> raw)
      : raw_(std::move(raw)), out_(kDecodedChunk + kJsonlPadding), ctx_(ZSTD_createDCtx()) {
    if (ctx_ == nullptr) {
      error_ = StreamError{ProblemKind::kCorruptStream, absl::StatusCode::kResourceExhausted,
                           "cannot start zstd decoder"};
    }
  }
  ~ZstdStream() override { ZSTD_freeDCtx(ctx_); }

  std::string_view Next() override {
    if (error_ || done_) return {};
    ZSTD_outBuffer out{out_.data(), kDecodedChunk, 0};
    for (;;) {
      // A frame may still hold decoded bytes when the input is used up, so
      // decompress again before asking for more input.
      if (raw_->available().empty() && !frame_has_output_) {
        if (!raw_->Fill()) {
          if (raw_->error()) {
            error_ = raw_->error();
          } else if (frame_open_ || raw_->consumed() == 0) {
            error_ = StreamError{ProblemKind::kCorruptStream, absl::StatusCode::kDataLoss,
                                 absl::StrCat("truncated zstd stream (ended after ",
                                              raw_->consumed(), " compressed bytes)")};
          }
          done_ = true;
          return {};
        }
      }
      const std::string_view avail = raw_->available();
      ZSTD_inBuffer in{avail.data(), avail.size(), 0};
      const size_t ret = ZSTD_decompressStream(ctx_, &out, &in);
      raw_->Consume(in.pos);
      if (ZSTD_isError(ret)) {
        error_ = StreamError{ProblemKind::kCorruptStream, absl::StatusCode::kDataLoss,
                             absl::StrCat("corrupt zstd stream at compressed byte ",
                                          raw_->consumed(), ": ", ZSTD_getErrorName(ret))};
        done_ = true;
        return {};
      }
      // ret == 0: a frame ended and is fully flushed. Otherwise more is expected; if
      // the output buffer filled up, the decoder may hold more output.
      frame_open_ = ret != 0;
      frame_has_output_ = frame_open_ && out.pos == out.size;
      if (out.pos == out.size || (out.pos > 0 && raw_->available().empty())) {
        return {out_.data(), out.pos};
      }
    }
  }

 private:
  std::unique_ptr<RawFile> raw_;
  std::vector<char> out_;
  ZSTD_DCtx* ctx_;
  bool frame_open_ = false;
  bool frame_has_output_ = false;
  bool done_ = false;
};

// Lines of a ByteStream, without the "\n" or "\r\n", each with its line number and
// the decoded byte offset of its first byte.
class LineReader {
 public:
  enum class Result { kLine, kTooLong, kEnd, kError };

  // `base` is the decoded offset of the stream's first byte (ReadRecords starts
  // mid-file); `*bytes` grows by the bytes consumed from the first line read on.
  LineReader(std::unique_ptr<ByteStream> stream, uint64_t max_line_bytes, uint64_t* bytes,
             uint64_t base = 0)
      : stream_(std::move(stream)),
        max_line_bytes_(max_line_bytes),
        bytes_(bytes),
        base_(base),
        accounted_(base) {}

  // Only lines that start in [begin, end); line numbers still count from the start.
  // Call before the first Next(), on a reader whose base is 0.
  void SetRange(ByteRange range) {
    begin_ = range.begin;
    end_ = range.end;
    positioned_ = begin_ <= base_;
  }
  // The number of lines before the stream's first byte (ReadRecords knows it).
  void set_line_number(uint64_t lines_before) { line_ = lines_before; }

  uint64_t line_number() const { return line_; }
  // The first byte of the line last returned (or of the line that failed or was cut).
  uint64_t line_offset() const { return line_offset_; }
  uint64_t too_long_bytes() const { return too_long_bytes_; }
  const std::optional<StreamError>& error() const { return stream_->error(); }

  // kLine: *line is valid until the next call and is followed by kJsonlPadding
  // readable bytes. kTooLong: the line was skipped (too_long_bytes() says how long).
  // kError: the stream failed in line line_number() + 1; its partial line is dropped.
  Result Next(std::string_view* line) {
    const Result r = NextUnaccounted(line);
    *bytes_ += base_ + pos_ - accounted_;
    accounted_ = base_ + pos_;
    return r;
  }

 private:
  Result NextUnaccounted(std::string_view* line) {
    partial_.clear();
    if (partial_.capacity() > kKeepLineCapacity) std::string().swap(partial_);
    if (!positioned_ && !Position()) {
      line_offset_ = base_ + pos_;
      return stream_->error() ? Result::kError : Result::kEnd;
    }
    line_offset_ = base_ + pos_;
    if (line_offset_ >= end_) return Result::kEnd;
    for (;;) {
      if (pos_ == chunk_.size()) {
        if (!NextChunk()) {
          if (stream_->error()) return Result::kError;
          if (discarding_) {
            ++line_;
            return FinishTooLong();
          }
          if (partial_.empty()) return Result::kEnd;
          ++line_;
          return Finish(partial_, line);
        }
      }
      const std::string_view rest = chunk_.substr(pos_);
      const size_t nl = rest.find('\n');
      if (nl != std::string_view::npos) {
        const std::string_view piece = rest.substr(0, nl);
        pos_ += nl + 1;
        ++line_;
        if (discarding_) {
          too_long_bytes_ += piece.size();
          return FinishTooLong();
        }
        if (partial_.empty()) return Finish(piece, line);
        Append(piece);
        return Finish(partial_, line);
      }
      pos_ = chunk_.size();
      if (discarding_) {
        too_long_bytes_ += rest.size();
      } else if (max_line_bytes_ != 0 && partial_.size() + rest.size() > max_line_bytes_) {
        discarding_ = true;
        too_long_bytes_ = partial_.size() + rest.size();
        partial_.clear();
      } else {
        Append(rest);
      }
    }
  }

  bool NextChunk() {
    base_ += chunk_.size();
    chunk_ = stream_->Next();
    pos_ = 0;
    return !chunk_.empty();
  }

  // Moves to the first line that starts at or after begin_, counting the newlines on
  // the way. A line starts at begin_ exactly when byte begin_ - 1 is '\n', so the
  // first line in range starts after the first '\n' at or after begin_ - 1. False at
  // the end of the stream (no line starts in range) or on a stream error.
  bool Position() {
    const uint64_t last_before = begin_ - 1;
    for (;;) {
      if (pos_ == chunk_.size() && !NextChunk()) {
        positioned_ = true;
        accounted_ = base_;  // the skipped prefix is not part of this range's bytes
        return false;
      }
      const uint64_t at = base_ + pos_;
      const char* p = chunk_.data() + pos_;
      if (at < last_before) {
        const size_t n = std::min<uint64_t>(last_before - at, chunk_.size() - pos_);
        line_ += static_cast<uint64_t>(std::count(p, p + n, '\n'));
        pos_ += n;
        continue;
      }
      const void* nl = std::memchr(p, '\n', chunk_.size() - pos_);
      if (nl == nullptr) {
        pos_ = chunk_.size();
        continue;
      }
      pos_ = static_cast<size_t>(static_cast<const char*>(nl) - chunk_.data()) + 1;
      ++line_;
      positioned_ = true;
      accounted_ = base_ + pos_;
      return true;
    }
  }

  void Append(std::string_view piece) {
    const size_t need = partial_.size() + piece.size() + kJsonlPadding;
    if (partial_.capacity() < need) partial_.reserve(std::max(need, 2 * partial_.capacity()));
    partial_.append(piece);
  }

  Result Finish(std::string_view text, std::string_view* line) {
    if (max_line_bytes_ != 0 && text.size() > max_line_bytes_) {
      too_long_bytes_ = text.size();
      return Result::kTooLong;
    }
    if (text.ends_with('\r')) text.remove_suffix(1);
    *line = text;
    return Result::kLine;
  }

  Result FinishTooLong() {
    discarding_ = false;
    return Result::kTooLong;
  }

  std::unique_ptr<ByteStream> stream_;
  uint64_t max_line_bytes_;
  uint64_t* bytes_;
  std::string_view chunk_;
  size_t pos_ = 0;
  uint64_t base_;       // decoded offset of chunk_[0]
  uint64_t accounted_;  // decoded offset up to which *bytes_ has counted
  uint64_t begin_ = 0;
  uint64_t end_ = ByteRange::kToEnd;
  bool positioned_ = true;
  std::string partial_;
  uint64_t line_ = 0;
  uint64_t line_offset_ = 0;
  uint64_t too_long_bytes_ = 0;
  bool discarding_ = false;
};

// One input path's documents.
class Source {
 public:
  enum class Result { kDocument, kProblem, kEnd };
  virtual ~Source() = default;
  virtual Result Next(Document* doc, InputProblem* problem) = 0;
};

InputProblem MakeProblem(std::string file, uint64_t line, ProblemKind kind, std::string reason,
                         absl::StatusCode code = absl::StatusCode::kOk) {
  InputProblem p;
  p.file = std::move(file);
  p.line = line;
  p.kind = kind;
  p.code = code == absl::StatusCode::kOk ? ProblemKindCode(kind) : code;
  p.reason = std::move(reason);
  return p;
}

std::string TooLargeReason(std::string_view what, uint64_t size, uint64_t limit,
                           std::string_view option) {
  return absl::StrCat(std::string(what), " is ", size, " bytes, over the limit of ", limit,
                      " bytes (", std::string(option), ")");
}

class JsonlSource final : public Source {
 public:
  // What one line is; kBlank and kSkipped only come from NextLine.
  enum class LineResult { kDocument, kProblem, kEnd, kBlank, kSkipped };

  JsonlSource(std::string name, std::unique_ptr<ByteStream> stream, JsonlRecordParser* parser,
              const InputOptions* options, uint64_t* bytes, uint64_t base = 0)
      : name_(std::move(name)),
        lines_(std::move(stream), options->max_line_bytes, bytes, base),
        parser_(parser),
        options_(options) {}

  LineReader& lines() { return lines_; }

  Result Next(Document* doc, InputProblem* problem) override {
    for (;;) {
      switch (NextLine(doc, problem)) {
        case LineResult::kDocument:
          return Result::kDocument;
        case LineResult::kProblem:
          return Result::kProblem;
        case LineResult::kEnd:
          return Result::kEnd;
        default:
          break;
      }
    }
  }

  // The next line as a document, a problem or a blank line. With `only_at` set, a
  // line that starts before *only_at is kSkipped without being parsed.
  LineResult NextLine(Document* doc, InputProblem* problem,
                      std::optional<uint64_t> only_at = std::nullopt) {
    if (done_) return LineResult::kEnd;
    std::string_view line;
    switch (lines_.Next(&line)) {
      case LineReader::Result::kEnd:
        done_ = true;
        return LineResult::kEnd;
      case LineReader::Result::kError: {
        done_ = true;
        const StreamError& e = *lines_.error();
        *problem = MakeProblem(name_, lines_.line_number() + 1, e.kind, e.reason, e.code);
        problem->offset = lines_.line_offset();
        return LineResult::kProblem;
      }
      case LineReader::Result::kTooLong:
        if (only_at && lines_.line_offset() < *only_at) return LineResult::kSkipped;
        *problem = MakeProblem(name_, lines_.line_number(), ProblemKind::kTooLarge,
                               TooLargeReason("line", lines_.too_long_bytes(),
                                              options_->max_line_bytes, "max_line_bytes"));
        problem->offset = lines_.line_offset();
        return LineResult::kProblem;
      case LineReader::Result::kLine:
        break;
    }
    const uint64_t n = lines_.line_number();
    const uint64_t offset = lines_.line_offset();
    if (only_at && offset < *only_at) return LineResult::kSkipped;
    if (offset == 0 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return LineResult::kBlank;
    std::string reason;
    ProblemKind kind = parser_->ParsePadded(line, &doc->id, &doc->text, &reason);
    if (kind == ProblemKind::kNone && options_->max_document_bytes != 0 &&
        doc->text.size() > options_->max_document_bytes) {
      kind = ProblemKind::kTooLarge;
      reason = TooLargeReason("text", doc->text.size(), options_->max_document_bytes,
                              "max_document_bytes");
    }
    if (kind != ProblemKind::kNone) {
      *problem = MakeProblem(name_, n, kind, std::move(reason));
      problem->offset = offset;
      return LineResult::kProblem;
    }
    if (parser_->fields().id_field.empty()) doc->id = absl::StrCat(name_, ":", n);
    doc->file = name_;
    doc->line = n;
    doc->record = n;
    doc->offset = offset;
    if (options_->keep_raw) {
      doc->raw.assign(line);
    } else {
      doc->raw.clear();
    }
    return LineResult::kDocument;
  }

 private:
  std::string name_;
  LineReader lines_;
  JsonlRecordParser* parser_;
  const InputOptions* options_;
  bool done_ = false;
};

struct TextFile {
  std::string path;
  std::string id;
};

// Reads a whole text file into *text, or returns why it cannot be used.
std::optional<InputProblem> ReadTextFile(const std::string& path, const InputOptions& options,
                                         InputStats* stats, std::string* text) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int e = errno;
    return MakeProblem(path, 0, ProblemKind::kUnreadable,
                       absl::StrCat("cannot open: ", ErrnoMessage(e)), absl::ErrnoToStatusCode(e));
  }
  ++stats->files;
  const uint64_t limit = options.max_document_bytes;
  struct stat st;
  if (::fstat(fileno(file), &st) == 0 && limit != 0 && static_cast<uint64_t>(st.st_size) > limit) {
    std::fclose(file);
    return MakeProblem(path, 0, ProblemKind::kTooLarge,
                       TooLargeReason("file", static_cast<uint64_t>(st.st_size), limit,
                                      "max_document_bytes"));
  }
  // Read to the end rather than trusting st_size: the file may be growing or special.
  text->clear();
  size_t size = 0;
  for (;;) {
    if (text->size() - size < 64 * 1024) text->resize(std::max<size_t>(2 * size, size + 64 * 1024));
    const size_t n = std::fread(text->data() + size, 1, text->size() - size, file);
    size += n;
    if (limit != 0 && size > limit) {
      std::fclose(file);
      return MakeProblem(path, 0, ProblemKind::kTooLarge,
                         absl::StrCat("file is over the limit of ", limit,
                                      " bytes (max_document_bytes)"));
    }
    if (n == 0) break;
  }
  const bool failed = std::ferror(file) != 0;
  const int e = errno;
  std::fclose(file);
  text->resize(size);
  stats->bytes += size;
  if (failed) {
    return MakeProblem(path, 0, ProblemKind::kUnreadable,
                       absl::StrCat("read error: ", ErrnoMessage(e)), absl::ErrnoToStatusCode(e));
  }
  return std::nullopt;
}

// Whole-file documents, after any problems met while listing them. Record numbers are
// positions in the listing, so a file that fails still uses up its number.
class TextFilesSource final : public Source {
 public:
  TextFilesSource(std::vector<InputProblem> listing_problems, std::vector<TextFile> files,
                  const InputOptions* options, InputStats* stats)
      : problems_(std::move(listing_problems)),
        files_(std::move(files)),
        options_(options),
        stats_(stats) {}

  Result Next(Document* doc, InputProblem* problem) override {
    if (next_problem_ < problems_.size()) {
      *problem = std::move(problems_[next_problem_++]);
      return Result::kProblem;
    }
    if (next_file_ == files_.size()) return Result::kEnd;
    const TextFile& f = files_[next_file_++];
    if (std::optional<InputProblem> p = ReadTextFile(f.path, *options_, stats_, &doc->text)) {
      *problem = std::move(*p);
      return Result::kProblem;
    }
    doc->id = f.id;
    doc->file = f.path;
    doc->line = 0;
    doc->record = next_file_;
    doc->offset = 0;
    doc->raw.clear();
    return Result::kDocument;
  }

 private:
  std::vector<InputProblem> problems_;
  size_t next_problem_ = 0;
  std::vector<TextFile> files_;
  size_t next_file_ = 0;
  const InputOptions* options_;
  InputStats* stats_;
};

// Every ".txt" file below root, sorted by relative path. Directories that cannot be
// listed become problems (sorted too, so the order does not depend on the file system).
void ListTextFiles(const std::filesystem::path& root, std::vector<TextFile>* files,
                   std::vector<InputProblem>* problems) {
  namespace fs = std::filesystem;
  std::vector<fs::path> pending = {root};
  while (!pending.empty()) {
    const fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      problems->push_back(MakeProblem(dir.string(), 0, ProblemKind::kUnreadable,
                                      absl::StrCat("cannot list directory: ", ec.message()),
                                      absl::ErrnoToStatusCode(ec.value())));
      continue;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const fs::directory_entry& entry = *it;
      std::error_code type_ec;
      if (entry.is_directory(type_ec) && !entry.is_symlink(type_ec)) {
        pending.push_back(entry.path());
      } else if (entry.path().extension() == ".txt" && entry.is_regular_file(type_ec)) {
        files->push_back({entry.path().string(),
                          entry.path().lexically_relative(root).generic_string()});
      }
    }
    if (ec) {
      problems->push_back(MakeProblem(dir.string(), 0, ProblemKind::kUnreadable,
                                      absl::StrCat("cannot list directory: ", ec.message()),
                                      absl::ErrnoToStatusCode(ec.value())));
    }
  }
  std::sort(files->begin(), files->end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  std::sort(problems->begin(), problems->end(),
            [](const auto& a, const auto& b) { return a.file < b.file; });
}

enum class Compression { kNone, kGzip, kZstd, kSniff };

Compression CompressionFromName(const std::string& path) {
  if (path.ends_with(".gz")) return Compression::kGzip;
  if (path.ends_with(".zst") || path.ends_with(".zstd")) return Compression::kZstd;
  return Compression::kSniff;
}

Compression CompressionFromMagic(std::string_view head) {
  if (head.starts_with("\x1f\x8b")) return Compression::kGzip;
  if (head.starts_with("\x28\xb5\x2f\xfd")) return Compression::kZstd;
  return Compression::kNone;
}

// The stream for raw bytes; *chosen says which decoder (after sniffing) it uses.
std::unique_ptr<ByteStream> MakeStream(std::unique_ptr<RawFile> raw, Compression compression,
                                       Compression* chosen = nullptr) {
  if (compression == Compression::kSniff) {
    compression = raw->Fill() ? CompressionFromMagic(raw->available()) : Compression::kNone;
  }
  if (chosen != nullptr) *chosen = compression;
  switch (compression) {
    case Compression::kGzip:
      return std::make_unique<GzipStream>(std::move(raw));
    case Compression::kZstd:
      return std::make_unique<ZstdStream>(std::move(raw));
    default:
      return std::make_unique<PlainStream>(std::move(raw));
  }
}

// A stream whose first chunk was read ahead (to sniff WARC) and is given first.
class PeekedStream final : public ByteStream {
 public:
  explicit PeekedStream(std::unique_ptr<ByteStream> inner) : inner_(std::move(inner)) {
    first_ = inner_->Next();
    error_ = inner_->error();
  }
  std::string_view head() const { return first_; }
  std::string_view Next() override {
    if (!given_first_) {
      given_first_ = true;
      if (!first_.empty()) return first_;
    }
    const std::string_view chunk = inner_->Next();
    error_ = inner_->error();
    return chunk;
  }

 private:
  std::unique_ptr<ByteStream> inner_;
  std::string_view first_;
  bool given_first_ = false;
};

// WARC records of one input as documents. Ids come from the reader-wide assigner, so
// a URI captured in two inputs is told apart too.
class WarcSource final : public Source {
 public:
  WarcSource(std::string name, std::unique_ptr<ByteStream> stream, const InputOptions* options,
             InputStats* stats, WarcIdAssigner* ids, uint64_t base = 0, uint64_t records_before = 0)
      : name_(std::move(name)),
        stream_(std::move(stream)),
        reader_(
            [this] {
              const std::string_view chunk = stream_->Next();
              stats_->bytes += chunk.size();
              return chunk;
            },
            WarcOptions{.html = options->html}, base, records_before),
        options_(options),
        stats_(stats),
        ids_(ids) {}

  WarcReader& reader() { return reader_; }

  Result Next(Document* doc, InputProblem* problem) override {
    if (done_) return Result::kEnd;
    WarcProblem wp;
    const WarcReader::Result r = reader_.Next(&warc_, &wp);
    SyncStats();
    switch (r) {
      case WarcReader::Result::kDocument: {
        doc->id = ids_->Assign(warc_, absl::StrCat(name_, ":", warc_.record));
        doc->file = name_;
        doc->line = 0;
        doc->record = warc_.record;
        doc->offset = warc_.offset;
        doc->raw.clear();
        doc->warc_date = warc_.date;
        doc->warc_record_id = warc_.record_id;
        if (options_->max_document_bytes != 0 && warc_.text.size() > options_->max_document_bytes) {
          *problem = MakeProblem(name_, 0, ProblemKind::kTooLarge,
                                 absl::StrCat("record ", warc_.record, " at byte ", warc_.offset, " (",
                                              doc->id, "): ",
                                              TooLargeReason("text", warc_.text.size(),
                                                             options_->max_document_bytes,
                                                             "max_document_bytes")));
          problem->offset = warc_.offset;
          return Result::kProblem;
        }
        doc->text.swap(warc_.text);
        return Result::kDocument;
      }
      case WarcReader::Result::kProblem:
        if (reader_.ended_inside_record() && stream_->error()) {
          // The decompressor failed inside a record: one input failure, naming both.
          *problem = StreamProblem(absl::StrCat("; record ", wp.record, " at decompressed byte ",
                                                wp.offset, " is incomplete (the records before it were read)"));
          problem->offset = wp.offset;
          return Result::kProblem;
        }
        *problem = MakeProblem(name_, 0, wp.kind, std::move(wp.reason));
        problem->offset = wp.offset;
        return Result::kProblem;
      case WarcReader::Result::kEnd:
        if (stream_->error() && !stream_problem_given_) {
          *problem = StreamProblem("");
          return Result::kProblem;
        }
        done_ = true;
        return Result::kEnd;
    }
    return Result::kEnd;
  }

 private:
  InputProblem StreamProblem(std::string_view detail) {
    stream_problem_given_ = true;
    const StreamError& e = *stream_->error();
    return MakeProblem(name_, 0, e.kind, absl::StrCat(e.reason, std::string(detail)), e.code);
  }

  void SyncStats() {
    const WarcStats& now = reader_.stats();
    stats_->warc_records += now.records - synced_.records;
    for (size_t k = 0; k < kNumWarcSkipKinds; ++k) {
      stats_->warc_skipped_by_kind[k] += now.skipped_by_kind[k] - synced_.skipped_by_kind[k];
    }
    stats_->warc_replaced_bytes += now.replaced_bytes - synced_.replaced_bytes;
    synced_ = now;
  }

  std::string name_;
  std::unique_ptr<ByteStream> stream_;
  WarcReader reader_;
  const InputOptions* options_;
  InputStats* stats_;
  WarcIdAssigner* ids_;
  WarcDocument warc_;
  WarcStats synced_;
  bool stream_problem_given_ = false;
  bool done_ = false;
};

// What an input path is, from its name and a stat.
enum class InputKind { kStdin, kDirectory, kTextFile, kJsonl };

// The kind, or the problem that prevents reading the path at all.
std::optional<InputProblem> Classify(const std::string& path, InputKind* kind) {
  namespace fs = std::filesystem;
  if (path == "-") {
    *kind = InputKind::kStdin;
    return std::nullopt;
  }
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) {
    return MakeProblem(path, 0, ProblemKind::kUnreadable,
                       absl::StrCat("cannot open: ", ec.message()),
                       absl::ErrnoToStatusCode(ec.value()));
  }
  if (fs::is_directory(status)) {
    *kind = InputKind::kDirectory;
  } else if (path.ends_with(".txt")) {
    *kind = InputKind::kTextFile;
  } else {
    *kind = InputKind::kJsonl;
  }
  return std::nullopt;
}

std::optional<InputProblem> OpenFile(const std::string& path, std::FILE** file) {
  *file = std::fopen(path.c_str(), "rb");
  if (*file != nullptr) return std::nullopt;
  const int e = errno;
  return MakeProblem(path, 0, ProblemKind::kUnreadable,
                     absl::StrCat("cannot open: ", ErrnoMessage(e)), absl::ErrnoToStatusCode(e));
}

}  // namespace

struct DocumentReader::Impl {
  Impl(std::vector<std::string> in, InputOptions opts)
      : inputs(std::move(in)), options(std::move(opts)), parser(options.fields) {}

  absl::Status Report(InputProblem problem) {
    problem.input = current_input;
    ++stats.problems;
    ++stats.problems_by_kind[static_cast<size_t>(problem.kind)];
    if (IsInputFailure(problem.kind)) {
      ++stats.failed_inputs;
      input_failures.push_back(problem);
    }
    if (options.strict) {
      sticky = problem.ToStatus();
      return sticky;
    }
    if (options.on_problem) options.on_problem(problem);
    return absl::OkStatus();
  }

  absl::Status RangeError(const std::string& path, std::string_view what) {
    sticky = absl::InvalidArgumentError(
        absl::StrCat(path, ": a byte range needs an uncompressed JSONL file, not ", std::string(what)));
    return sticky;
  }

  // Sets `source` for the path, or returns the problem that prevents reading it.
  // Errors (not problems): a byte range on an input that cannot take one.
  absl::StatusOr<std::optional<InputProblem>> Open(const std::string& path, ByteRange range) {
    InputKind kind;
    if (std::optional<InputProblem> p = Classify(path, &kind)) return p;
    if (!range.whole() && kind != InputKind::kJsonl) {
      return RangeError(path, kind == InputKind::kStdin       ? "standard input"
                              : kind == InputKind::kDirectory ? "a directory"
                                                              : "a .txt file");
    }
    switch (kind) {
      case InputKind::kStdin:
        ++stats.files;
        source = MakeJsonl(std::string(kStdinName),
                           std::make_unique<RawFile>(stdin, /*owned=*/false), Compression::kSniff,
                           range);
        if (source == nullptr) return RangeError(path, "a WARC file");
        return std::nullopt;
      case InputKind::kDirectory: {
        std::vector<TextFile> files;
        std::vector<InputProblem> problems;
        ListTextFiles(path, &files, &problems);
        source = std::make_unique<TextFilesSource>(std::move(problems), std::move(files), &options,
                                                   &stats);
        return std::nullopt;
      }
      case InputKind::kTextFile:
        source = std::make_unique<TextFilesSource>(std::vector<InputProblem>{},
                                                   std::vector<TextFile>{{path, path}}, &options,
                                                   &stats);
        return std::nullopt;
      case InputKind::kJsonl:
        break;
    }
    std::FILE* file = nullptr;
    if (std::optional<InputProblem> p = OpenFile(path, &file)) return p;
    ++stats.files;
    source = MakeJsonl(path, std::make_unique<RawFile>(file, /*owned=*/true),
                       CompressionFromName(path), range);
    if (source == nullptr) {
      return RangeError(path, HasWarcName(path) ? "a WARC file" : "a compressed stream");
    }
    return std::nullopt;
  }

  // A JSONL or, by name or first bytes, a WARC source. Null when a byte range meets a
  // compressed stream or a WARC file.
  std::unique_ptr<Source> MakeJsonl(std::string name, std::unique_ptr<RawFile> raw,
                                    Compression compression, ByteRange range) {
    Compression chosen;
    std::unique_ptr<ByteStream> stream = MakeStream(std::move(raw), compression, &chosen);
    // A byte range splits plain JSONL only: do not read ahead into it.
    if (range.whole()) {
      auto peeked = std::make_unique<PeekedStream>(std::move(stream));
      if (HasWarcName(name) || LooksLikeWarc(peeked->head())) {
        return std::make_unique<WarcSource>(std::move(name), std::move(peeked), &options, &stats,
                                            &warc_ids);
      }
      stream = std::move(peeked);
    } else if (HasWarcName(name)) {
      return nullptr;
    }
    auto jsonl = std::make_unique<JsonlSource>(std::move(name), std::move(stream), &parser,
                                               &options, &stats.bytes);
    if (!range.whole()) {
      if (chosen != Compression::kNone) return nullptr;
      jsonl->lines().SetRange(range);
    }
    return jsonl;
  }

  absl::Status CheckOptions() const {
    if (options.fields.text_field.empty()) {
      return absl::InvalidArgumentError("the text field name must not be empty");
    }
    if (!options.byte_ranges.empty()) {
      if (options.byte_ranges.size() != inputs.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("byte_ranges has ", options.byte_ranges.size(), " ranges for ",
                         inputs.size(), " inputs; give one per input or none"));
      }
      for (size_t i = 0; i < inputs.size(); ++i) {
        const ByteRange& r = options.byte_ranges[i];
        if (r.begin > r.end) {
          return absl::InvalidArgumentError(absl::StrCat(
              inputs[i], ": byte range begins at ", r.begin, ", after its end ", r.end));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Next(Document* doc) {
    if (!sticky.ok()) return sticky;
    if (absl::Status s = CheckOptions(); !s.ok()) return s;
    for (;;) {
      if (source == nullptr) {
        if (next_input == inputs.size()) return false;
        current_input = static_cast<uint32_t>(next_input);
        const ByteRange range =
            options.byte_ranges.empty() ? ByteRange{} : options.byte_ranges[next_input];
        absl::StatusOr<std::optional<InputProblem>> p = Open(inputs[next_input++], range);
        if (!p.ok()) return p.status();
        if (*p) {
          if (absl::Status s = Report(std::move(**p)); !s.ok()) return s;
        }
        continue;
      }
      InputProblem problem;
      doc->warc_date.clear();
      doc->warc_record_id.clear();
      switch (source->Next(doc, &problem)) {
        case Source::Result::kDocument:
          doc->input = current_input;
          ++stats.documents;
          return true;
        case Source::Result::kProblem:
          if (absl::Status s = Report(std::move(problem)); !s.ok()) return s;
          break;
        case Source::Result::kEnd:
          source.reset();
          break;
      }
    }
  }

  std::vector<std::string> inputs;
  InputOptions options;
  JsonlRecordParser parser;
  InputStats stats;
  std::vector<InputProblem> input_failures;
  size_t next_input = 0;
  uint32_t current_input = 0;
  std::unique_ptr<Source> source;
  WarcIdAssigner warc_ids;
  absl::Status sticky;
};

DocumentReader::DocumentReader(std::vector<std::string> inputs, InputOptions options)
    : impl_(std::make_unique<Impl>(std::move(inputs), std::move(options))) {}
DocumentReader::~DocumentReader() = default;
DocumentReader::DocumentReader(DocumentReader&&) noexcept = default;
DocumentReader& DocumentReader::operator=(DocumentReader&&) noexcept = default;

absl::StatusOr<bool> DocumentReader::Next(Document* doc) { return impl_->Next(doc); }
const InputStats& DocumentReader::stats() const noexcept { return impl_->stats; }
std::function<void(const InputProblem&)> DocumentReader::ExchangeOnProblem(
    std::function<void(const InputProblem&)> fn) {
  std::swap(fn, impl_->options.on_problem);
  return fn;
}
const std::vector<InputProblem>& DocumentReader::input_failures() const noexcept {
  return impl_->input_failures;
}

absl::StatusOr<InputIdentity> IdentifyInput(const std::string& path) {
  if (path == "-") {
    return absl::FailedPreconditionError("standard input (\"-\") has no identity to check");
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    return absl::Status(absl::ErrnoToStatusCode(e),
                        absl::StrCat(path, ": cannot stat: ", ErrnoMessage(e)));
  }
  InputIdentity id;
  id.path = path;
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

// ---------------------------------------------------------------------------------------
// ReadRecords

namespace {

using OnDoc = std::function<absl::Status(size_t, Document&)>;

// By name, else by the first decompressed bytes.
absl::StatusOr<bool> IsWarc(const std::string& path) {
  if (HasWarcName(path)) return true;
  std::FILE* file = nullptr;
  if (std::optional<InputProblem> p = OpenFile(path, &file)) return p->ToStatus();
  PeekedStream stream(MakeStream(std::make_unique<RawFile>(file, /*owned=*/true, kRandomAccessChunk),
                                 CompressionFromName(path)));
  return LooksLikeWarc(stream.head());
}

// Refs into one input, in (offset, record) order, as indices into the caller's span.
struct RecordGroup {
  uint32_t input;
  std::span<const size_t> order;
};

class RecordReader {
 public:
  RecordReader(const std::vector<std::string>& inputs, std::span<const RecordRef> refs,
               const InputOptions& options, const OnDoc& on_doc)
      : inputs_(inputs), refs_(refs), options_(options), on_doc_(on_doc), parser_(options.fields) {
    options_.strict = false;
    options_.on_problem = nullptr;
    options_.byte_ranges.clear();
  }

  absl::Status Read(const RecordGroup& group) {
    const std::string& path = inputs_[group.input];
    InputKind kind;
    if (std::optional<InputProblem> p = Classify(path, &kind)) return p->ToStatus();
    switch (kind) {
      case InputKind::kStdin:
        return absl::FailedPreconditionError(
            "standard input (\"-\") cannot be re-read; save it to a file first");
      case InputKind::kDirectory:
        return ReadTextFiles(group, path, /*directory=*/true);
      case InputKind::kTextFile:
        return ReadTextFiles(group, path, /*directory=*/false);
      case InputKind::kJsonl: {
        absl::StatusOr<bool> warc = IsWarc(path);
        if (!warc.ok()) return warc.status();
        if (*warc) return ReadWarc(group);
        return ReadJsonl(group, path);
      }
    }
    return absl::InternalError("unknown input kind");
  }

 private:
  // Delivers *doc for refs_[order[i]], and again (copied) for the refs right after it
  // that name the same record. Returns the index of the last ref delivered.
  absl::StatusOr<size_t> Deliver(std::span<const size_t> order, size_t i, Document* doc) {
    const RecordRef& ref = refs_[order[i]];
    doc->input = ref.input;
    size_t last = i;
    while (last + 1 < order.size() && refs_[order[last + 1]].offset == ref.offset &&
           refs_[order[last + 1]].record == ref.record) {
      ++last;
    }
    for (size_t j = i; j < last; ++j) {
      Document copy = *doc;
      if (absl::Status s = on_doc_(order[j], copy); !s.ok()) return s;
    }
    if (absl::Status s = on_doc_(order[last], *doc); !s.ok()) return s;
    return last;
  }

  static absl::Status JsonlError(absl::StatusCode code, const std::string& name,
                                 const RecordRef& ref, std::string_view reason) {
    return absl::Status(code, absl::StrCat(name, ": record at byte ", ref.offset, " (line ",
                                           ref.record, "): ", std::string(reason)));
  }

  absl::Status ReadTextFiles(const RecordGroup& group, const std::string& path, bool directory) {
    std::vector<TextFile> files;
    if (directory) {
      std::vector<InputProblem> problems;
      ListTextFiles(path, &files, &problems);
      if (!problems.empty()) {
        // Positions would shift: refuse rather than return another file's text.
        return absl::Status(problems[0].code,
                            absl::StrCat(path, ": cannot list every directory to find records: ",
                                         problems[0].ToString()));
      }
    } else {
      files.push_back({path, path});
    }
    InputStats unused;
    for (size_t i = 0; i < group.order.size(); ++i) {
      const RecordRef& ref = refs_[group.order[i]];
      if (ref.record == 0 || ref.record > files.size()) {
        return absl::OutOfRangeError(absl::StrCat(
            path, ": record ", ref.record, " is not there: ",
            directory ? absl::StrCat("the directory has ", files.size(), " .txt files")
                      : std::string("a .txt file is record 1")));
      }
      if (ref.offset != 0) {
        return absl::OutOfRangeError(absl::StrCat(path, ": record ", ref.record, " at byte ",
                                                  ref.offset,
                                                  ": a .txt file's document starts at byte 0"));
      }
      const TextFile& f = files[ref.record - 1];
      Document doc;
      if (std::optional<InputProblem> p = ReadTextFile(f.path, options_, &unused, &doc.text)) {
        return absl::Status(p->code, absl::StrCat(path, ": record ", ref.record, ": ",
                                                  p->ToString()));
      }
      doc.id = f.id;
      doc.file = f.path;
      doc.record = ref.record;
      absl::StatusOr<size_t> last = Deliver(group.order, i, &doc);
      if (!last.ok()) return last.status();
      i = *last;
    }
    return absl::OkStatus();
  }

  absl::Status ReadJsonl(const RecordGroup& group, const std::string& path) {
    std::FILE* file = nullptr;
    if (std::optional<InputProblem> p = OpenFile(path, &file)) return p->ToStatus();
    const int fd = fileno(file);
    Compression compression = CompressionFromName(path);
    if (compression == Compression::kSniff) {
      char head[4] = {};
      const ssize_t n = ::pread(fd, head, sizeof(head), 0);
      if (n < 0) {
        const int e = errno;
        std::fclose(file);
        return absl::Status(absl::ErrnoToStatusCode(e),
                            absl::StrCat(path, ": cannot be re-read: ", ErrnoMessage(e)));
      }
      compression = CompressionFromMagic(std::string_view(head, static_cast<size_t>(n)));
    }
    absl::Status s = compression == Compression::kNone ? ReadPlainJsonl(group, path, file)
                                                       : ReadCompressedJsonl(group, path, file,
                                                                             compression);
    std::fclose(file);
    return s;
  }

  // One positioned read per record.
  absl::Status ReadPlainJsonl(const RecordGroup& group, const std::string& path, std::FILE* file) {
    const int fd = fileno(file);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      return absl::Status(absl::ErrnoToStatusCode(e),
                          absl::StrCat(path, ": cannot stat: ", ErrnoMessage(e)));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t unused_bytes = 0;
    for (size_t i = 0; i < group.order.size(); ++i) {
      const RecordRef& ref = refs_[group.order[i]];
      if (ref.offset >= size) {
        return JsonlError(absl::StatusCode::kOutOfRange, path, ref,
                          absl::StrCat("past the end of the file (", size, " bytes)"));
      }
      if (ref.offset > 0) {
        char before = 0;
        const ssize_t n = ::pread(fd, &before, 1, static_cast<off_t>(ref.offset - 1));
        if (n != 1) {
          const int e = n < 0 ? errno : EIO;
          return JsonlError(absl::ErrnoToStatusCode(e), path, ref,
                            absl::StrCat("read error: ", ErrnoMessage(e)));
        }
        if (before != '\n') {
          return JsonlError(absl::StatusCode::kFailedPrecondition, path, ref,
                            "not at the start of a line (has the file changed?)");
        }
      }
      if (ref.record == 0) {
        return JsonlError(absl::StatusCode::kOutOfRange, path, ref, "line numbers start at 1");
      }
      if (::fseeko(file, static_cast<off_t>(ref.offset), SEEK_SET) != 0) {
        const int e = errno;
        return JsonlError(absl::ErrnoToStatusCode(e), path, ref,
                          absl::StrCat("cannot seek: ", ErrnoMessage(e)));
      }
      std::clearerr(file);
      JsonlSource source(path,
                         MakeStream(std::make_unique<RawFile>(file, /*owned=*/false,
                                                              kRandomAccessChunk),
                                    Compression::kNone),
                         &parser_, &options_, &unused_bytes, ref.offset);
      source.lines().set_line_number(ref.record - 1);
      absl::StatusOr<size_t> last = ReadAt(group.order, i, path, &source);
      if (!last.ok()) return last.status();
      i = *last;
    }
    return absl::OkStatus();
  }

  // One sequential pass for every record of the input.
  absl::Status ReadCompressedJsonl(const RecordGroup& group, const std::string& path,
                                   std::FILE* file, Compression compression) {
    uint64_t unused_bytes = 0;
    JsonlSource source(path,
                       MakeStream(std::make_unique<RawFile>(file, /*owned=*/false), compression),
                       &parser_, &options_, &unused_bytes);
    for (size_t i = 0; i < group.order.size(); ++i) {
      absl::StatusOr<size_t> last = ReadAt(group.order, i, path, &source);
      if (!last.ok()) return last.status();
      i = *last;
    }
    return absl::OkStatus();
  }

  // Reads on in `source` to the line at refs_[order[i]].offset and delivers it.
  absl::StatusOr<size_t> ReadAt(std::span<const size_t> order, size_t i, const std::string& path,
                                JsonlSource* source) {
    const RecordRef& ref = refs_[order[i]];
    Document doc;
    InputProblem problem;
    for (;;) {
      const JsonlSource::LineResult r = source->NextLine(&doc, &problem, ref.offset);
      const uint64_t at = source->lines().line_offset();
      if (r == JsonlSource::LineResult::kSkipped) continue;
      if (r == JsonlSource::LineResult::kEnd) {
        return JsonlError(absl::StatusCode::kOutOfRange, path, ref,
                          absl::StrCat("past the end of the input (", at, " bytes)"));
      }
      if (at > ref.offset && !(r == JsonlSource::LineResult::kProblem &&
                               IsInputFailure(problem.kind))) {
        return JsonlError(absl::StatusCode::kFailedPrecondition, path, ref,
                          "not at the start of a line (has the file changed?)");
      }
      if (r == JsonlSource::LineResult::kProblem) {
        return JsonlError(problem.code, path, ref, problem.reason);
      }
      if (r == JsonlSource::LineResult::kBlank) {
        return JsonlError(absl::StatusCode::kFailedPrecondition, path, ref,
                          "a blank line, not a record (has the file changed?)");
      }
      if (source->lines().line_number() != ref.record) {
        return JsonlError(absl::StatusCode::kFailedPrecondition, path, ref,
                          absl::StrCat("the line there is line ",
                                       source->lines().line_number(),
                                       " (has the file changed?)"));
      }
      return Deliver(order, i, &doc);
    }
  }


  // WARC ids depend on every WARC document before them (a re-crawled URI gets a
  // suffix), so the WARC inputs before this one are read again for their ids (no text
  // is decoded), then this one is read in one pass, decoding only the records wanted.
  absl::Status ReadWarc(const RecordGroup& group) {
    for (; warc_replayed_ < group.input; ++warc_replayed_) {
      const std::string& path = inputs_[warc_replayed_];
      InputKind kind;
      if (Classify(path, &kind) || kind != InputKind::kJsonl) continue;
      absl::StatusOr<bool> warc = IsWarc(path);
      if (!warc.ok() || !*warc) continue;
      if (absl::Status s = PassWarc(path, {}, nullptr); !s.ok()) return s;
    }
    warc_replayed_ = group.input + 1;
    return PassWarc(inputs_[group.input], group.order, &group);
  }

  absl::Status PassWarc(const std::string& path, std::span<const size_t> order, const RecordGroup* group) {
    std::FILE* file = nullptr;
    if (std::optional<InputProblem> p = OpenFile(path, &file)) return p->ToStatus();
    InputStats unused;
    WarcSource source(path,
                      MakeStream(std::make_unique<RawFile>(file, /*owned=*/true), CompressionFromName(path)),
                      &options_, &unused, &warc_ids_);
    std::vector<uint64_t> offsets;
    for (size_t i : order) offsets.push_back(refs_[i].offset);
    source.reader().set_want_text(
        [&offsets](uint64_t at) { return std::binary_search(offsets.begin(), offsets.end(), at); });
    const auto error = [&path](absl::StatusCode code, const RecordRef& ref, std::string_view reason) {
      return absl::Status(code, absl::StrCat(path, ": WARC record ", ref.record, " at byte ", ref.offset,
                                             ": ", std::string(reason)));
    };
    size_t k = 0;
    Document doc;
    InputProblem problem;
    for (;;) {
      const Source::Result r = source.Next(&doc, &problem);
      if (r == Source::Result::kEnd) break;
      const uint64_t at = r == Source::Result::kDocument ? doc.offset : problem.offset;
      if (k < order.size() && refs_[order[k]].offset < at) {
        return error(absl::StatusCode::kFailedPrecondition, refs_[order[k]],
                     "no document record starts there (has the file changed?)");
      }
      if (k == order.size() || refs_[order[k]].offset != at) continue;
      const RecordRef& ref = refs_[order[k]];
      if (r == Source::Result::kProblem) return error(problem.code, ref, problem.reason);
      if (doc.record != ref.record) {
        return error(absl::StatusCode::kFailedPrecondition, ref,
                     absl::StrCat("the record there is record ", doc.record, " (has the file changed?)"));
      }
      doc.input = group->input;
      absl::StatusOr<size_t> last = Deliver(order, k, &doc);
      if (!last.ok()) return last.status();
      k = *last + 1;
    }
    if (k < order.size()) {
      return error(absl::StatusCode::kOutOfRange, refs_[order[k]], "past the end of the input");
    }
    return absl::OkStatus();
  }

  const std::vector<std::string>& inputs_;
  std::span<const RecordRef> refs_;
  InputOptions options_;
  const OnDoc& on_doc_;
  JsonlRecordParser parser_;
  WarcIdAssigner warc_ids_;
  uint32_t warc_replayed_ = 0;  // WARC inputs before this one have been read for ids
};

}  // namespace

bool CanReadRecordsInPlace(const std::string& path) {
  InputKind kind;
  if (Classify(path, &kind) || kind != InputKind::kJsonl) return false;
  Compression compression = CompressionFromName(path);
  if (compression == Compression::kSniff) {
    std::FILE* file = nullptr;
    if (OpenFile(path, &file)) return false;
    char head[4] = {};
    const ssize_t n = ::pread(fileno(file), head, sizeof(head), 0);
    std::fclose(file);
    if (n < 0) return false;
    compression = CompressionFromMagic(std::string_view(head, static_cast<size_t>(n)));
  }
  if (compression != Compression::kNone) return false;
  absl::StatusOr<bool> warc = IsWarc(path);
  return warc.ok() && !*warc;
}

absl::Status ReadRecords(const std::vector<std::string>& inputs, std::span<const RecordRef> refs,
                         const InputOptions& options, const OnDoc& on_doc) {
  if (options.fields.text_field.empty()) {
    return absl::InvalidArgumentError("the text field name must not be empty");
  }
  for (const RecordRef& ref : refs) {
    if (ref.input >= inputs.size()) {
      return absl::OutOfRangeError(absl::StrCat("record ", ref.record, " at byte ", ref.offset,
                                                " names input ", ref.input, ", but there are ",
                                                inputs.size(), " inputs"));
    }
  }
  std::vector<size_t> order(refs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&refs](size_t a, size_t b) {
    const RecordRef& x = refs[a];
    const RecordRef& y = refs[b];
    if (x.input != y.input) return x.input < y.input;
    if (x.offset != y.offset) return x.offset < y.offset;
    if (x.record != y.record) return x.record < y.record;
    return a < b;
  });
  RecordReader reader(inputs, refs, options, on_doc);
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin;
    while (end < order.size() && refs[order[end]].input == refs[order[begin]].input) ++end;
    const RecordGroup group{refs[order[begin]].input,
                            std::span<const size_t>(order).subspan(begin, end - begin)};
    if (absl::Status s = reader.Read(group); !s.ok()) return s;
    begin = end;
  }
  return absl::OkStatus();
}

}  // namespace neardup
