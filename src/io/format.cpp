// The format layer's compiled part: header checks and atomic writes (io/format.hpp).
#include "neardup/io/format.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

namespace neardup {

std::string FileKind::Name() const {
  return absl::StrCat(ObjectTypeName(type), ", format version ", version);
}

absl::StatusOr<FileKind> IdentifyFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return internal::ErrnoError(path, "cannot open", errno);
  char h[128];
  const size_t got = std::fread(h, 1, sizeof(h), f);
  std::fclose(f);
  const std::string_view have(h, got);
  // The header's length and checksum place depend on the type: 64 bytes for a log.
  const bool log = got >= 12 && (internal::LoadLe32(h + 8) == kObjectTypeCrawlerLog ||
                                 internal::LoadLe32(h + 8) == kObjectTypeSimHashCrawlerLog ||
                                 internal::ClassifyLegacyType4(have) == kObjectTypeCrawlerLog);
  internal::HeaderPrefix prefix;
  if (absl::Status s = internal::CheckHeader(have, path, {1, 2, 3, 4, 5, 6, 7}, ~uint32_t{0}, log ? 64 : 128,
                                             log ? 56 : 120, &prefix);
      !s.ok()) {
    return s;
  }
  FileKind kind;
  kind.type = static_cast<ObjectType>(prefix.type);
  kind.stored_type = internal::LoadLe32(h + 8);
  kind.version = prefix.version;
  return kind;
}

namespace internal {

void SealHeader(char* header, size_t checksum_offset) {
  StoreLe64(header + checksum_offset, XXH3_64bits(header, checksum_offset));
}

absl::Status CheckHeader(std::string_view have, std::string_view name, std::initializer_list<uint32_t> types,
                         uint32_t max_version, size_t header_bytes, size_t checksum_offset, HeaderPrefix* out,
                         std::string_view section) {
  auto error = [&](absl::StatusCode code, uint64_t at, std::string_view what) {
    return FormatError(code, name, section, at, what);
  };
  const size_t got = std::min(have.size(), header_bytes);
  const std::string_view magic(kNeardupFileMagic, 8);
  if (have.substr(0, 8) != magic.substr(0, std::min<size_t>(got, 8))) {
    return error(absl::StatusCode::kInvalidArgument, 0,
                 absl::StrCat("bad magic: expected ", HexBytes(magic), ", found ", HexBytes(have.substr(0, 8)),
                              "; not a neardup file"));
  }
  auto truncated = [&](std::string_view field) {
    return error(absl::StatusCode::kDataLoss, got,
                 absl::StrCat("truncated: the file ends after ", got, " bytes, before the ", std::string(field), " (the header is ",
                              header_bytes, " bytes)"));
  };
  if (got < 16) return truncated("format version");
  const uint32_t stored_type = LoadLe32(have.data() + 8);
  // Format version 1 crawler logs say 4, the SimHash index's code: their layout tells.
  const bool legacy_log = stored_type == 4 && ClassifyLegacyType4(have) == kObjectTypeCrawlerLog;
  out->type = legacy_log ? kObjectTypeCrawlerLog : stored_type;
  if (std::find(types.begin(), types.end(), out->type) == types.end()) {
    std::string want;
    for (const uint32_t t : types) {
      absl::StrAppend(&want, want.empty() ? "" : " or ", t, " (", ObjectTypeName(t), ")");
    }
    return error(absl::StatusCode::kFailedPrecondition, 8,
                 absl::StrCat("object type is ", stored_type, " (",
                              legacy_log ? "crawler log, format version 1" : ObjectTypeName(stored_type),
                              "), expected ", want));
  }
  out->version = LoadLe32(have.data() + 12);
  if (out->version > max_version) {
    return error(absl::StatusCode::kFailedPrecondition, 12,
                 absl::StrCat("format version ", out->version, " is newer than this build of neardup reads (up to ",
                              max_version, ")"));
  }
  if (out->version == 0) return error(absl::StatusCode::kDataLoss, 12, "format version 0 is not valid");
  if (got < header_bytes) return truncated("end of the header");
  const uint64_t stored = LoadLe64(have.data() + checksum_offset);
  const uint64_t computed = XXH3_64bits(have.data(), checksum_offset);
  if (stored != computed) {
    return error(absl::StatusCode::kDataLoss, checksum_offset,
                 absl::StrCat("header ", ChecksumMismatch(0, checksum_offset, stored, computed)));
  }
  return absl::OkStatus();
}

uint32_t ClassifyLegacyType4(std::string_view have) {
  if (have.size() < 16 || have.substr(0, 8) != std::string_view(kNeardupFileMagic, 8) ||
      LoadLe32(have.data() + 8) != 4) {
    return 0;
  }
  // A SimHash index header is 128 bytes, says so at offset 20 and is sealed at 120.
  if (have.size() >= 128 && LoadLe32(have.data() + 20) == 128 &&
      LoadLe64(have.data() + 120) == XXH3_64bits(have.data(), 120)) {
    return kObjectTypeSimHashIndex;
  }
  // A crawler log header is 64 bytes sealed at 56 (offset 20 holds the high half of
  // the first sequence number, never 128 in practice, and the checksums differ).
  if (have.size() >= 64 && LoadLe64(have.data() + 56) == XXH3_64bits(have.data(), 56)) {
    return kObjectTypeCrawlerLog;
  }
  return 0;
}

absl::Status ErrnoError(const std::string& path, std::string_view what, int error_number) {
  return absl::Status(absl::ErrnoToStatusCode(error_number),
                      absl::StrCat(path, ": ", std::string(what), ": ", std::generic_category().message(error_number)));
}

absl::Status SyncDirectoryOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(1, '.') : parent.string();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(dir, "cannot open directory", errno);
  absl::Status s;
  if (::fsync(fd) != 0) s = ErrnoError(dir, "fsync of directory failed", errno);
  ::close(fd);
  return s;
}

namespace {

constexpr size_t kWriteBufferBytes = 1u << 20;

absl::Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path, "write failed", errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

}  // namespace

AtomicFile::AtomicFile(int fd, std::string path, std::string temp_path)
    : fd_(fd), path_(std::move(path)), temp_path_(std::move(temp_path)) {
  buffer_.reserve(kWriteBufferBytes);
}

absl::StatusOr<std::unique_ptr<AtomicFile>> AtomicFile::Create(std::string path, std::string_view suffix) {
  std::string temp = absl::StrCat(path, std::string(suffix));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(temp, "cannot create", errno);
  return std::unique_ptr<AtomicFile>(new AtomicFile(fd, std::move(path), std::move(temp)));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

absl::Status AtomicFile::Flush() {
  absl::Status s = WriteAll(fd_, buffer_.data(), buffer_.size(), temp_path_);
  buffer_.clear();
  return s;
}

absl::Status AtomicFile::Write(const char* p, size_t n) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(temp_path_, ": write after commit"));
  offset_ += n;
  if (buffer_.size() + n > kWriteBufferBytes) {
    if (absl::Status s = Flush(); !s.ok()) return s;
    if (n >= kWriteBufferBytes) return WriteAll(fd_, p, n, temp_path_);
  }
  buffer_.append(p, n);
  return absl::OkStatus();
}

absl::Status AtomicFile::Patch(uint64_t offset, const char* p, size_t n) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(temp_path_, ": write after commit"));
  if (absl::Status s = Flush(); !s.ok()) return s;
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(temp_path_, "write failed", errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return absl::OkStatus();
}

absl::Status AtomicFile::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(temp_path_, ": committed twice"));
  absl::Status s = Flush();
  if (s.ok() && ::fsync(fd_) != 0) s = ErrnoError(temp_path_, "fsync failed", errno);
  if (::close(fd_) != 0 && s.ok()) s = ErrnoError(temp_path_, "close failed", errno);
  fd_ = -1;
  if (s.ok() && std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    s = ErrnoError(path_, absl::StrCat("cannot rename ", temp_path_, " to it"), errno);
  }
  if (!s.ok()) return s;  // the destructor removes the temporary file
  committed_ = true;
  return SyncDirectoryOf(path_);
}

absl::Status WriteFileAtomically(const std::string& path, const std::function<absl::Status(ByteSink&)>& fill) {
  absl::StatusOr<std::unique_ptr<AtomicFile>> file = AtomicFile::Create(path);
  if (!file.ok()) return file.status();
  if (absl::Status s = fill(**file); !s.ok()) return s;
  return (*file)->Commit();
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  return WriteFileAtomically(path, [&](ByteSink& sink) { return sink.Write(bytes.data(), bytes.size()); });
}

}  // namespace internal
}  // namespace neardup
