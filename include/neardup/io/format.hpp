// The format layer every stored neardup object goes through: one registry of object
// types, the little-endian field codec, the header prefix and checksum codec, and the
// atomic-write helper. Signature files (signature_file.hpp), MinHash and SimHash index
// files (index_file.hpp, simhash_index_file.hpp) and the crawler stores' snapshots and
// logs (store/crawler_index.hpp, store/simhash_crawler_index.hpp) all use it, so a header is written and checked one way.
//
//   std::array<char, 128> h{};
//   neardup::internal::EncodeHeaderPrefix(neardup::ObjectType::kSignatureSet, 2, h.data());
//   neardup::internal::SealHeader(h.data(), 120);            // XXH3-64 of [0, 120) at 120
//
// Every header starts with the same 16 bytes:
//   0   8  magic 89 4E 44 55 50 0D 0A 1A ("\x89NDUP\r\n\x1a"; the PNG-style bytes catch
//          text-mode and 7-bit mangling)
//   8   4  object type (ObjectType below; codes are never reused)
//   12  4  format version of that object type (a reader refuses a newer one)
// and ends with an XXH3-64 (seed 0) of the bytes before it. All integers little-endian.
//
// Object type 4 was given to both the SimHash index and the crawler log by format
// version 1. The log now has its own code (5); a reader tells an old log from a SimHash
// index by its header layout (ClassifyLegacyType4), so old files keep their meaning.
//
// Guarantees: the codec never reads past the bytes it is given and every error names
// the file, the section and the byte offset. Atomic writes leave either the old file or
// the complete new one: write "<path>.tmp" in the same directory, fsync it, rename it
// over <path>, fsync the directory.
#ifndef NEARDUP_IO_FORMAT_HPP_
#define NEARDUP_IO_FORMAT_HPP_

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace neardup {

inline constexpr char kNeardupFileMagic[8] = {'\x89', 'N', 'D', 'U', 'P', '\r', '\n', '\x1a'};

// Every kind of stored object, with a code unique among neardup files.
enum class ObjectType : uint32_t {
  kSignatureSet = 1,     // io/signature_file.hpp
  kMinHashLsh = 2,       // io/index_file.hpp
  kCrawlerSnapshot = 3,  // store/crawler_index.hpp: an index file with id and state sections
  kSimHashIndex = 4,     // io/simhash_index_file.hpp
  kCrawlerLog = 5,       // store/crawler_index.hpp (format version 1 logs say 4: see above)
  kSimHashCrawlerSnapshot = 6,  // store/simhash_crawler_index.hpp
  kSimHashCrawlerLog = 7,       // store/simhash_crawler_index.hpp: the crawler log's layout
  kExchange = 8,                // dedup/distributed.hpp: records a task hands to the next stage
};

// "signature set", "MinHash LSH index", ...; "unknown" for other codes.
inline const char* ObjectTypeName(uint32_t code) {
  switch (code) {
    case 1:
      return "signature set";
    case 2:
      return "MinHash LSH index";
    case 3:
      return "crawler index snapshot";
    case 4:
      return "SimHash index";
    case 5:
      return "crawler log";
    case 6:
      return "SimHash crawler index snapshot";
    case 7:
      return "SimHash crawler log";
    case 8:
      return "exchange file";
    default:
      return "unknown";
  }
}
inline const char* ObjectTypeName(ObjectType type) { return ObjectTypeName(static_cast<uint32_t>(type)); }

// The codes as plain integers, as older code spelled them.
inline constexpr uint32_t kObjectTypeSignatureSet = static_cast<uint32_t>(ObjectType::kSignatureSet);
inline constexpr uint32_t kObjectTypeMinHashLsh = static_cast<uint32_t>(ObjectType::kMinHashLsh);
inline constexpr uint32_t kObjectTypeCrawlerIndex = static_cast<uint32_t>(ObjectType::kCrawlerSnapshot);
inline constexpr uint32_t kObjectTypeSimHashIndex = static_cast<uint32_t>(ObjectType::kSimHashIndex);
inline constexpr uint32_t kObjectTypeCrawlerLog = static_cast<uint32_t>(ObjectType::kCrawlerLog);
inline constexpr uint32_t kObjectTypeSimHashCrawlerSnapshot = static_cast<uint32_t>(ObjectType::kSimHashCrawlerSnapshot);
inline constexpr uint32_t kObjectTypeSimHashCrawlerLog = static_cast<uint32_t>(ObjectType::kSimHashCrawlerLog);
// What format version 1 crawler logs carry in their type field.
inline constexpr uint32_t kObjectTypeCrawlerLogV1 = 4;

// What kind of neardup file a path holds, from its header (magic, type, version and
// header checksum checked; nothing else). A format version 1 crawler log, stored as
// type 4, is reported as kCrawlerLog with stored_type 4.
struct FileKind {
  ObjectType type = ObjectType::kSignatureSet;
  uint32_t stored_type = 0;
  uint32_t version = 0;
  std::string Name() const;  // e.g. "crawler log, format version 1"
};
absl::StatusOr<FileKind> IdentifyFile(const std::string& path);

namespace internal {

// Little-endian fields.
inline void StoreLe32(char* p, uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline void StoreLe64(char* p, uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t LoadLe32(const char* p) noexcept {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
inline uint64_t LoadLe64(const char* p) noexcept {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
inline void AppendLe32(std::string* s, uint32_t v) {
  char b[4];
  StoreLe32(b, v);
  s->append(b, 4);
}
inline void AppendLe64(std::string* s, uint64_t v) {
  char b[8];
  StoreLe64(b, v);
  s->append(b, 8);
}

// For messages about file bytes: a 64-bit value as 0x%016x, and bytes as "89 4E 44".
inline std::string Hex(uint64_t v) { return absl::StrFormat("0x%016x", v); }
inline std::string HexBytes(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    absl::StrAppendFormat(&out, "%s%02X", i == 0 ? "" : " ", static_cast<unsigned char>(bytes[i]));
  }
  return out;
}

// "<name>: <section> at byte offset <at>: <what>", the form of every format error.
inline absl::Status FormatError(absl::StatusCode code, std::string_view name, std::string_view section, uint64_t at,
                                std::string_view what) {
  return absl::Status(code, absl::StrCat(std::string(name), ": ", std::string(section), " at byte offset ", at, ": ", std::string(what)));
}

// The message every checksummed section gives when its bytes do not match:
// "checksum mismatch over bytes [begin, end): stored 0x..., computed 0x...".
inline std::string ChecksumMismatch(uint64_t begin, uint64_t end, uint64_t stored, uint64_t computed) {
  return absl::StrCat("checksum mismatch over bytes [", begin, ", ", end, "): stored ", Hex(stored), ", computed ",
                      Hex(computed));
}

// Writes magic, type and version into bytes [0, 16) of a header.
inline void EncodeHeaderPrefix(ObjectType type, uint32_t version, char* header) {
  std::memcpy(header, kNeardupFileMagic, 8);
  StoreLe32(header + 8, static_cast<uint32_t>(type));
  StoreLe32(header + 12, version);
}

// Stores the XXH3-64 of header bytes [0, checksum_offset) at checksum_offset.
void SealHeader(char* header, size_t checksum_offset);

// What a header prefix says, once CheckHeader accepted it.
struct HeaderPrefix {
  uint32_t type = 0;  // kObjectTypeCrawlerLog for a format version 1 log (stored as 4)
  uint32_t version = 0;
};

// Checks a header's magic, object type (one of `types`; a version 1 crawler log, stored
// as 4, counts as kObjectTypeCrawlerLog), version (1 .. max_version),
// length and checksum. `have` is the file's first bytes (fewer than header_bytes when
// the file is shorter). Errors: InvalidArgument (not a neardup file), FailedPrecondition
// (other object type, newer version), DataLoss (truncated, version 0, checksum).
absl::Status CheckHeader(std::string_view have, std::string_view name, std::initializer_list<uint32_t> types,
                         uint32_t max_version, size_t header_bytes, size_t checksum_offset, HeaderPrefix* out,
                         std::string_view section = "header");

// The old type 4 header (format version 1): a SimHash index's (128 bytes, header size
// 128 at offset 20, checksum at 120) or a crawler log's (64 bytes, checksum at 56).
// Returns the type the bytes are laid out as (kSimHashIndex or kCrawlerLog), or 0.
uint32_t ClassifyLegacyType4(std::string_view have);

// "<path>: <what>: <strerror>" with the errno's status code.
absl::Status ErrnoError(const std::string& path, std::string_view what, int error_number);

// fsyncs the directory holding `path`, so a rename or a new file in it is durable.
absl::Status SyncDirectoryOf(const std::string& path);

// Where writers put their bytes: a file being written atomically, or a string.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual absl::Status Write(const char* p, size_t n) = 0;
  // Overwrites bytes already written (e.g. a header written last).
  virtual absl::Status Patch(uint64_t offset, const char* p, size_t n) = 0;
  uint64_t offset() const noexcept { return offset_; }

 protected:
  uint64_t offset_ = 0;
};

class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  absl::Status Write(const char* p, size_t n) override {
    out_->append(p, n);
    offset_ += n;
    return absl::OkStatus();
  }
  absl::Status Patch(uint64_t offset, const char* p, size_t n) override {
    std::memcpy(out_->data() + offset, p, n);
    return absl::OkStatus();
  }

 private:
  std::string* out_;
};

// A file written under a temporary name in its directory ("<path><suffix>") and put in
// place by Commit(): flush, fsync, close, rename over <path>, fsync the directory.
// Destroying it uncommitted removes the temporary file. Writes are buffered.
class AtomicFile final : public ByteSink {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicFile>> Create(std::string path, std::string_view suffix = ".tmp");
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  absl::Status Write(const char* p, size_t n) override;
  absl::Status Patch(uint64_t offset, const char* p, size_t n) override;
  absl::Status Commit();

  const std::string& path() const noexcept { return path_; }
  const std::string& temp_path() const noexcept { return temp_path_; }

 private:
  AtomicFile(int fd, std::string path, std::string temp_path);
  absl::Status Flush();

  int fd_;
  std::string path_;
  std::string temp_path_;
  std::string buffer_;
  bool committed_ = false;
};

// Writes `path` atomically (AtomicFile with ".tmp") with what `fill` writes.
absl::Status WriteFileAtomically(const std::string& path, const std::function<absl::Status(ByteSink&)>& fill);
absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace internal
}  // namespace neardup

#endif  // NEARDUP_IO_FORMAT_HPP_
