// DocumentReader: files -> decoded byte chunks -> lines -> documents.
//
// Layers, bottom up: RawFile reads a file (or stdin) into a reusable buffer;
// a ByteStream (plain, gzip, zstd) turns those bytes into decoded chunks; LineReader
// cuts chunks into lines without copying a line that lies inside one chunk; a Source
// (JSONL or text files) turns lines or files into documents. Every buffer a line can
// point into has kJsonlPadding spare bytes at its end, so lines go to simdjson
// without a copy.
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
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
  RawFile(std::FILE* file, bool owned) : file_(file), owned_(owned), buf_(kRawChunk + kJsonlPadding) {}
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
    const size_t n = std::fread(buf_.data(), 1, kRawChunk, file_);
    end_ = n;
    if (n < kRawChunk) {
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

// Lines of a ByteStream, without the "\n" or "\r\n".
class LineReader {
 public:
  enum class Result { kLine, kTooLong, kEnd, kError };

  LineReader(std::unique_ptr<ByteStream> stream, uint64_t max_line_bytes, uint64_t* bytes)
      : stream_(std::move(stream)), max_line_bytes_(max_line_bytes), bytes_(bytes) {}

  uint64_t line_number() const { return line_; }
  uint64_t too_long_bytes() const { return too_long_bytes_; }
  const std::optional<StreamError>& error() const { return stream_->error(); }

  // kLine: *line is valid until the next call and is followed by kJsonlPadding
  // readable bytes. kTooLong: the line was skipped (too_long_bytes() says how long).
  // kError: the stream failed in line line_number() + 1; its partial line is dropped.
  Result Next(std::string_view* line) {
    partial_.clear();
    if (partial_.capacity() > kKeepLineCapacity) std::string().swap(partial_);
    for (;;) {
      if (pos_ == chunk_.size()) {
        chunk_ = stream_->Next();
        pos_ = 0;
        *bytes_ += chunk_.size();
        if (chunk_.empty()) {
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

 private:
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
  std::string partial_;
  uint64_t line_ = 0;
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
  JsonlSource(std::string name, std::unique_ptr<ByteStream> stream, JsonlRecordParser* parser,
              const InputOptions* options, uint64_t* bytes)
      : name_(std::move(name)),
        lines_(std::move(stream), options->max_line_bytes, bytes),
        parser_(parser),
        options_(options) {}

  Result Next(Document* doc, InputProblem* problem) override {
    if (done_) return Result::kEnd;
    std::string_view line;
    for (;;) {
      switch (lines_.Next(&line)) {
        case LineReader::Result::kEnd:
          done_ = true;
          return Result::kEnd;
        case LineReader::Result::kError: {
          done_ = true;
          const StreamError& e = *lines_.error();
          *problem = MakeProblem(name_, lines_.line_number() + 1, e.kind, e.reason, e.code);
          return Result::kProblem;
        }
        case LineReader::Result::kTooLong:
          *problem = MakeProblem(name_, lines_.line_number(), ProblemKind::kTooLarge,
                                 TooLargeReason("line", lines_.too_long_bytes(),
                                                options_->max_line_bytes, "max_line_bytes"));
          return Result::kProblem;
        case LineReader::Result::kLine:
          break;
      }
      const uint64_t n = lines_.line_number();
      if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      std::string reason;
      const ProblemKind kind = parser_->ParsePadded(line, &doc->id, &doc->text, &reason);
      if (kind != ProblemKind::kNone) {
        *problem = MakeProblem(name_, n, kind, std::move(reason));
        return Result::kProblem;
      }
      if (options_->max_document_bytes != 0 && doc->text.size() > options_->max_document_bytes) {
        *problem = MakeProblem(name_, n, ProblemKind::kTooLarge,
                               TooLargeReason("text", doc->text.size(),
                                              options_->max_document_bytes, "max_document_bytes"));
        return Result::kProblem;
      }
      if (parser_->fields().id_field.empty()) doc->id = absl::StrCat(name_, ":", n);
      doc->file = name_;
      doc->line = n;
      if (options_->keep_raw) {
        doc->raw.assign(line);
      } else {
        doc->raw.clear();
      }
      return Result::kDocument;
    }
  }

 private:
  std::string name_;
  LineReader lines_;
  JsonlRecordParser* parser_;
  const InputOptions* options_;
  bool done_ = false;
};

// Whole-file documents, after any problems met while listing them.
class TextFilesSource final : public Source {
 public:
  struct File {
    std::string path;
    std::string id;
  };

  TextFilesSource(std::vector<InputProblem> listing_problems, std::vector<File> files,
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
    const File& f = files_[next_file_++];
    if (std::optional<InputProblem> p = ReadFile(f.path, &doc->text)) {
      *problem = std::move(*p);
      return Result::kProblem;
    }
    doc->id = f.id;
    doc->file = f.path;
    doc->line = 0;
    doc->raw.clear();
    return Result::kDocument;
  }

 private:
  std::optional<InputProblem> ReadFile(const std::string& path, std::string* text) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      const int e = errno;
      return MakeProblem(path, 0, ProblemKind::kUnreadable,
                         absl::StrCat("cannot open: ", ErrnoMessage(e)), absl::ErrnoToStatusCode(e));
    }
    ++stats_->files;
    const uint64_t limit = options_->max_document_bytes;
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
    stats_->bytes += size;
    if (failed) {
      return MakeProblem(path, 0, ProblemKind::kUnreadable,
                         absl::StrCat("read error: ", ErrnoMessage(e)), absl::ErrnoToStatusCode(e));
    }
    return std::nullopt;
  }

  std::vector<InputProblem> problems_;
  size_t next_problem_ = 0;
  std::vector<File> files_;
  size_t next_file_ = 0;
  const InputOptions* options_;
  InputStats* stats_;
};

// Every ".txt" file below root, sorted by relative path. Directories that cannot be
// listed become problems (sorted too, so the order does not depend on the file system).
void ListTextFiles(const std::filesystem::path& root, std::vector<TextFilesSource::File>* files,
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

std::unique_ptr<ByteStream> MakeStream(std::unique_ptr<RawFile> raw, Compression compression) {
  if (compression == Compression::kSniff) {
    compression = Compression::kNone;
    if (raw->Fill()) {
      const std::string_view head = raw->available();
      if (head.starts_with("\x1f\x8b")) {
        compression = Compression::kGzip;
      } else if (head.starts_with("\x28\xb5\x2f\xfd")) {
        compression = Compression::kZstd;
      }
    }
  }
  switch (compression) {
    case Compression::kGzip:
      return std::make_unique<GzipStream>(std::move(raw));
    case Compression::kZstd:
      return std::make_unique<ZstdStream>(std::move(raw));
    default:
      return std::make_unique<PlainStream>(std::move(raw));
  }
}

}  // namespace

struct DocumentReader::Impl {
  Impl(std::vector<std::string> in, InputOptions opts)
      : inputs(std::move(in)), options(std::move(opts)), parser(options.fields) {}

  absl::Status Report(InputProblem problem) {
    ++stats.problems;
    ++stats.problems_by_kind[static_cast<size_t>(problem.kind)];
    if (options.strict) {
      sticky = problem.ToStatus();
      return sticky;
    }
    if (options.on_problem) options.on_problem(problem);
    return absl::OkStatus();
  }

  // Sets `source` for the path, or returns the problem that prevents reading it.
  std::optional<InputProblem> Open(const std::string& path) {
    namespace fs = std::filesystem;
    if (path == "-") {
      ++stats.files;
      source = MakeJsonl(std::string(kStdinName),
                         std::make_unique<RawFile>(stdin, /*owned=*/false), Compression::kSniff);
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
      std::vector<TextFilesSource::File> files;
      std::vector<InputProblem> problems;
      ListTextFiles(path, &files, &problems);
      source = std::make_unique<TextFilesSource>(std::move(problems), std::move(files), &options,
                                                 &stats);
      return std::nullopt;
    }
    if (path.ends_with(".txt")) {
      source = std::make_unique<TextFilesSource>(
          std::vector<InputProblem>{}, std::vector<TextFilesSource::File>{{path, path}}, &options,
          &stats);
      return std::nullopt;
    }
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      const int e = errno;
      return MakeProblem(path, 0, ProblemKind::kUnreadable,
                         absl::StrCat("cannot open: ", ErrnoMessage(e)),
                         absl::ErrnoToStatusCode(e));
    }
    ++stats.files;
    Compression compression = Compression::kSniff;
    if (path.ends_with(".gz")) {
      compression = Compression::kGzip;
    } else if (path.ends_with(".zst") || path.ends_with(".zstd")) {
      compression = Compression::kZstd;
    }
    source = MakeJsonl(path, std::make_unique<RawFile>(file, /*owned=*/true), compression);
    return std::nullopt;
  }

  std::unique_ptr<Source> MakeJsonl(std::string name, std::unique_ptr<RawFile> raw,
                                    Compression compression) {
    return std::make_unique<JsonlSource>(std::move(name), MakeStream(std::move(raw), compression),
                                         &parser, &options, &stats.bytes);
  }

  absl::StatusOr<bool> Next(Document* doc) {
    if (!sticky.ok()) return sticky;
    if (options.fields.text_field.empty()) {
      return absl::InvalidArgumentError("the text field name must not be empty");
    }
    for (;;) {
      if (source == nullptr) {
        if (next_input == inputs.size()) return false;
        if (std::optional<InputProblem> p = Open(inputs[next_input++])) {
          if (absl::Status s = Report(std::move(*p)); !s.ok()) return s;
        }
        continue;
      }
      InputProblem problem;
      switch (source->Next(doc, &problem)) {
        case Source::Result::kDocument:
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
  size_t next_input = 0;
  std::unique_ptr<Source> source;
  absl::Status sticky;
};

DocumentReader::DocumentReader(std::vector<std::string> inputs, InputOptions options)
    : impl_(std::make_unique<Impl>(std::move(inputs), std::move(options))) {}
DocumentReader::~DocumentReader() = default;
DocumentReader::DocumentReader(DocumentReader&&) noexcept = default;
DocumentReader& DocumentReader::operator=(DocumentReader&&) noexcept = default;

absl::StatusOr<bool> DocumentReader::Next(Document* doc) { return impl_->Next(doc); }
const InputStats& DocumentReader::stats() const noexcept { return impl_->stats; }

}  // namespace neardup
