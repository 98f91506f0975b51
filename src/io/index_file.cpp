// Index file writer and reader. The layout is documented in io/index_file.hpp.
#include "neardup/io/index_file.hpp"
#include "neardup/io/simhash_index_file.hpp"
#include "neardup/io/internal/header_fields.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "neardup/internal/mix.hpp"

namespace neardup {
namespace internal {

// Friend of MinHashLsh and its tables (minhash_lsh.hpp): the only code that sees or
// installs their private vectors.
template <typename DocId>
struct LshIndexAccess {
  using Lsh = MinHashLsh<DocId>;
  using Table = LshBandTable<DocId>;
  using Slot = typename Table::Slot;
  using Pool = LshIdListPool<DocId>;
  static constexpr DocId kTag = Lsh::kListTag;
  static constexpr DocId kEmpty = Table::kEmpty;
  static_assert(sizeof(Slot) == 8 + sizeof(DocId), "slots are written as they are in memory");

  static const std::vector<Table>& Tables(const Lsh& l) { return l.tables_; }
  static const Pool& PoolOf(const Lsh& l) { return l.pool_; }
  static const std::vector<uint64_t>& Records(const Lsh& l) { return l.records_; }
  static size_t RecordWords(const Lsh& l) { return l.record_words_; }
  static size_t PackedWords(const Lsh& l) { return l.packed_words_; }
  static uint64_t LastWordMask(const Lsh& l) { return l.LastWordMask(); }
  static uint32_t HomeCapacity(const Table& t) { return t.home_capacity_; }
  // Words a list of `size` ids takes in a tight pool: [size][ids][padding].
  static size_t BlockWords(size_t size) { return Pool::BlockWords(size); }

  struct TableState {
    uint32_t home_capacity = 0;
    size_t entries = 0;
    std::vector<Slot> slots;
  };

  static void Install(Lsh& l, std::vector<TableState>& tables, std::vector<DocId>& pool_words,
                      std::vector<uint64_t>& records, absl::flat_hash_map<DocId, uint32_t>& record_of,
                      size_t documents) {
    for (size_t i = 0; i < tables.size(); ++i) {
      l.tables_[i].home_capacity_ = tables[i].home_capacity;
      l.tables_[i].count_ = tables[i].entries;
      l.tables_[i].slots_ = std::move(tables[i].slots);
    }
    l.pool_.words_ = std::move(pool_words);
    l.records_ = std::move(records);
    l.record_of_ = std::move(record_of);
    l.num_docs_ = documents;
  }
};

namespace {

constexpr size_t kHeaderChecksumOffset = 120;
constexpr uint32_t kFlagWideIds = 1u << 0;
constexpr uint32_t kTagBandTable = 1;
constexpr uint32_t kTagIdListPool = 2;
constexpr uint32_t kTagStoredRecords = 3;
constexpr uint32_t kTagSimHashEntries = 5;
constexpr size_t kSimHashEntryBytes = 16;
constexpr size_t kTablePrefixBytes = 16;
constexpr size_t kWriteBufferBytes = 1u << 20;

std::string DescribeShingles(const ShingleOptions& s) {
  return absl::StrCat(ShingleKindName(s.kind), " ", s.n, "-grams seed ", s.seed);
}

std::string DescribeNormalize(uint32_t bits) { return absl::StrFormat("bits 0x%02x", bits); }

struct XxhStateDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using XxhState = std::unique_ptr<XXH3_state_t, XxhStateDeleter>;

// Bytes of `n` values of T, little-endian, appended through `emit` (a bulk copy on
// little-endian machines).
template <typename T, typename Emit>
absl::Status EmitLe(const T* values, size_t n, Emit&& emit) {
  if constexpr (std::endian::native == std::endian::little) {
    return emit(reinterpret_cast<const char*>(values), n * sizeof(T));
  } else {
    char buf[4096];
    size_t used = 0;
    for (size_t i = 0; i < n; ++i) {
      if (used + sizeof(T) > sizeof(buf)) {
        if (absl::Status s = emit(buf, used); !s.ok()) return s;
        used = 0;
      }
      for (size_t j = 0; j < sizeof(T); ++j) buf[used + j] = static_cast<char>(values[i] >> (8 * j));
      used += sizeof(T);
    }
    return emit(buf, used);
  }
}

// Sizes a vector that is about to be filled from the file. Large ones are first
// advised to use transparent huge pages (where the kernel offers them on request): the
// load then faults in 512 times fewer pages, which took most of the time of sizing the
// vectors of a 1M-document index (120 ms -> 30 ms of its records), and the randomly
// probed tables need fewer TLB entries.
template <typename T>
void SizeForRead(std::vector<T>& v, size_t n) {
  v.clear();
  v.reserve(n);
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const size_t bytes = n * sizeof(T);
  if (bytes >= 2 * kHuge) {
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(v.data()) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(v.data()) + bytes) & ~(kHuge - 1);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  v.resize(n);
}

// Values read as little-endian bytes into their own memory, to native order.
template <typename T>
void FixEndianness(T* values, size_t n) {
  if constexpr (std::endian::native != std::endian::little) {
    for (size_t i = 0; i < n; ++i) {
      T v = 0;
      const unsigned char* p = reinterpret_cast<const unsigned char*>(values + i);
      for (size_t j = 0; j < sizeof(T); ++j) v |= static_cast<T>(p[j]) << (8 * j);
      values[i] = v;
    }
  } else {
    (void)values;
    (void)n;
  }
}

using Sink = ByteSink;

// ---------------------------------------------------------------------------------
// Header

std::array<char, kIndexHeaderBytes> EncodeHeader(const IndexFileInfo& info) {
  std::array<char, kIndexHeaderBytes> h{};
  const SignerOptions& o = info.signer;
  EncodeHeaderPrefix(static_cast<ObjectType>(info.object_type), kIndexFormatVersion, h.data());
  StoreLe32(&h[16], info.wide_ids ? kFlagWideIds : 0u);
  StoreLe32(&h[20], kIndexHeaderBytes);
  EncodeSignerFields(o.normalize, o.shingle, info.lsh.minhash, h.data());
  StoreLe32(&h[56], info.lsh.banding.bands);
  StoreLe32(&h[60], info.lsh.banding.rows);
  StoreLe32(&h[64], info.lsh.stored_bits);
  StoreLe32(&h[68], info.sections);
  StoreLe64(&h[72], info.documents);
  StoreLe64(&h[80], info.file_bytes);
  SealHeader(h.data(), kHeaderChecksumOffset);
  return h;
}

uint32_t ExpectedSections(const MinHashLshOptions& o, size_t extra) {
  return 1 + (o.stored_bits != 0 ? 1 : 0) + o.banding.bands + static_cast<uint32_t>(extra);
}

// ---------------------------------------------------------------------------------
// Writer

template <typename DocId>
class IndexWriter {
  using A = LshIndexAccess<DocId>;
  using Slot = typename A::Slot;

 public:
  IndexWriter(Sink& sink, const MinHashLsh<DocId>& index) : sink_(sink), index_(index) {}

  absl::Status Write(const SignerOptions& signer, uint32_t object_type, std::span<const IndexFileSection> extra) {
    if (!(signer.minhash == index_.options().minhash)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the signer's MinHash parameters (", DescribeMinHashParams(signer.minhash),
                       ") differ from the index's (", DescribeMinHashParams(index_.options().minhash), ")"));
    }
    if (absl::Status s = signer.Validate(); !s.ok()) return s;
    hash_.reset(XXH3_createState());
    if (!hash_) return absl::ResourceExhaustedError("cannot allocate an XXH3 state");
    const char zeros[kIndexHeaderBytes] = {};
    if (absl::Status s = sink_.Write(zeros, sizeof(zeros)); !s.ok()) return s;
    if (absl::Status s = WritePool(); !s.ok()) return s;
    if (index_.stores_signatures()) {
      const std::vector<uint64_t>& records = A::Records(index_);
      if (absl::Status s = BeginSection(kTagStoredRecords, 0, index_.size(), records.size() * 8); !s.ok()) return s;
      if (absl::Status s = Emit(records.data(), records.size()); !s.ok()) return s;
      if (absl::Status s = EndSection(); !s.ok()) return s;
    }
    if (absl::Status s = WriteTables(); !s.ok()) return s;
    for (const IndexFileSection& e : extra) {
      if (absl::Status s = BeginSection(e.tag, 0, e.elements, e.payload.size()); !s.ok()) return s;
      if (absl::Status s = Data(e.payload.data(), e.payload.size()); !s.ok()) return s;
      if (absl::Status s = EndSection(); !s.ok()) return s;
    }
    IndexFileInfo info;
    info.object_type = object_type;
    info.wide_ids = sizeof(DocId) == 8;
    info.signer = signer;
    info.lsh = index_.options();
    info.sections = ExpectedSections(info.lsh, extra.size());
    info.documents = index_.size();
    info.file_bytes = sink_.offset();
    const auto header = EncodeHeader(info);
    return sink_.Patch(0, header.data(), header.size());
  }

 private:
  absl::Status BeginSection(uint32_t tag, uint32_t index, uint64_t elements, uint64_t payload_bytes) {
    section_start_ = sink_.offset();
    section_end_ = section_start_ + kIndexSectionHeaderBytes + payload_bytes;
    char h[kIndexSectionHeaderBytes] = {};
    StoreLe32(h, tag);
    StoreLe32(h + 4, index);
    StoreLe64(h + 8, payload_bytes);
    StoreLe64(h + 16, elements);
    XXH3_64bits_reset(hash_.get());
    XXH3_64bits_update(hash_.get(), h, 24);
    return sink_.Write(h, sizeof(h));
  }

  absl::Status Data(const char* p, size_t n) {
    XXH3_64bits_update(hash_.get(), p, n);
    return sink_.Write(p, n);
  }

  template <typename T>
  absl::Status Emit(const T* values, size_t n) {
    return EmitLe(values, n, [this](const char* p, size_t bytes) { return Data(p, bytes); });
  }

  absl::Status EndSection() {
    if (sink_.offset() != section_end_) {
      return absl::InternalError(absl::StrCat("index file section at ", section_start_, " ends at ", sink_.offset(),
                                              ", expected ", section_end_));
    }
    char sum[8];
    StoreLe64(sum, XXH3_64bits_digest(hash_.get()));
    return sink_.Patch(section_start_ + 24, sum, 8);
  }

  // The lists in the order the tables refer to them, tightly packed: the file never
  // holds free blocks, and the reader can check that every list is referred to once.
  absl::Status WritePool() {
    const auto& pool = A::PoolOf(index_);
    uint64_t words = 0;
    for (const auto& t : A::Tables(index_)) {
      for (const Slot& s : t.slots()) {
        if (s.val != A::kEmpty && (s.val & A::kTag)) words += A::BlockWords(pool.List(s.val & ~A::kTag).size());
      }
    }
    if (absl::Status s = BeginSection(kTagIdListPool, 0, words, words * sizeof(DocId)); !s.ok()) return s;
    std::vector<DocId> buf;
    buf.reserve(kWriteBufferBytes / sizeof(DocId));
    for (const auto& t : A::Tables(index_)) {
      for (const Slot& s : t.slots()) {
        if (s.val == A::kEmpty || !(s.val & A::kTag)) continue;
        const std::span<const DocId> list = pool.List(s.val & ~A::kTag);
        const size_t block = A::BlockWords(list.size());
        if (buf.size() + block > buf.capacity()) {
          if (absl::Status st = Emit(buf.data(), buf.size()); !st.ok()) return st;
          buf.clear();
        }
        buf.push_back(static_cast<DocId>(list.size()));
        buf.insert(buf.end(), list.begin(), list.end());
        buf.resize(buf.size() + block - 1 - list.size(), 0);
      }
    }
    if (absl::Status st = Emit(buf.data(), buf.size()); !st.ok()) return st;
    return EndSection();
  }

  absl::Status WriteTables() {
    const auto& pool = A::PoolOf(index_);
    DocId next_list = 0;  // offset of the next list in the written pool
    std::vector<Slot> buf;
    buf.reserve(kWriteBufferBytes / sizeof(Slot));
    uint32_t band = 0;
    for (const auto& t : A::Tables(index_)) {
      const auto& slots = t.slots();
      if (absl::Status s =
              BeginSection(kTagBandTable, band++, slots.size(), kTablePrefixBytes + slots.size() * sizeof(Slot));
          !s.ok()) {
        return s;
      }
      char prefix[kTablePrefixBytes] = {};
      StoreLe32(prefix, A::HomeCapacity(t));
      StoreLe64(prefix + 8, t.size());
      if (absl::Status s = Data(prefix, sizeof(prefix)); !s.ok()) return s;
      for (const Slot& s : slots) {
        if (buf.size() == buf.capacity()) {
          if (absl::Status st = EmitSlots(buf); !st.ok()) return st;
          buf.clear();
        }
        if (s.val == A::kEmpty) {
          buf.push_back(Slot{0, 0, A::kEmpty});  // removed keys leave no trace
        } else if (s.val & A::kTag) {
          buf.push_back(Slot{s.key_hi, s.key_lo, static_cast<DocId>(A::kTag | next_list)});
          next_list = static_cast<DocId>(next_list + A::BlockWords(pool.List(s.val & ~A::kTag).size()));
        } else {
          buf.push_back(s);
        }
      }
      if (absl::Status st = EmitSlots(buf); !st.ok()) return st;
      buf.clear();
      if (absl::Status st = EndSection(); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status EmitSlots(std::span<const Slot> slots) {
    if constexpr (std::endian::native == std::endian::little) {
      return Data(reinterpret_cast<const char*>(slots.data()), slots.size() * sizeof(Slot));
    } else {
      for (const Slot& s : slots) {
        if (absl::Status st = Emit(&s.key_hi, 1); !st.ok()) return st;
        if (absl::Status st = Emit(&s.key_lo, 1); !st.ok()) return st;
        if (absl::Status st = Emit(&s.val, 1); !st.ok()) return st;
      }
      return absl::OkStatus();
    }
  }

  Sink& sink_;
  const MinHashLsh<DocId>& index_;
  XxhState hash_;
  uint64_t section_start_ = 0;
  uint64_t section_end_ = 0;
};

// ---------------------------------------------------------------------------------
// Byte sources

class Source {
 public:
  virtual ~Source() = default;
  // Exactly n bytes at `offset` (the caller has checked they are inside the file).
  virtual absl::Status ReadAt(uint64_t offset, void* dst, size_t n) = 0;
  uint64_t size() const noexcept { return size_; }

 protected:
  uint64_t size_ = 0;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) { size_ = bytes.size(); }
  absl::Status ReadAt(uint64_t offset, void* dst, size_t n) override {
    if (n != 0) std::memcpy(dst, bytes_.data() + offset, n);
    return absl::OkStatus();
  }

 private:
  std::string_view bytes_;
};

class FileSource final : public Source {
 public:
  static absl::StatusOr<std::unique_ptr<FileSource>> Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(path, "cannot open", errno);
    auto src = std::unique_ptr<FileSource>(new FileSource(fd, path));
    struct stat st;
    if (::fstat(fd, &st) != 0) return ErrnoError(path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode)) return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
    src->size_ = static_cast<uint64_t>(st.st_size);
    // The whole file is read once, front to back.
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return src;
  }
  ~FileSource() override { ::close(fd_); }

  absl::Status ReadAt(uint64_t offset, void* dst, size_t n) override {
    char* p = static_cast<char*>(dst);
    while (n > 0) {
      const ssize_t r = ::pread(fd_, p, n, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(path_, "read failed", errno);
      }
      if (r == 0) {
        return absl::DataLossError(absl::StrCat(path_, ": the file ended at byte offset ", offset,
                                                " while being read (truncated meanwhile?)"));
      }
      p += r;
      n -= static_cast<size_t>(r);
      offset += static_cast<uint64_t>(r);
    }
    return absl::OkStatus();
  }

 private:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// ---------------------------------------------------------------------------------
// Reader

class HeaderReader {
 public:
  HeaderReader(Source& src, std::string name) : src_(src), name_(std::move(name)) {}

  absl::Status Error(absl::StatusCode code, std::string_view section, uint64_t at, std::string_view what) const {
    return absl::Status(
        code, absl::StrCat(name_, ": ", std::string(section), " at byte offset ", at, ": ", std::string(what)));
  }

  // Reads the header into h and checks what every index file shares: magic, object
  // type (0 accepts either MinHash index type), version, checksum and header size.
  absl::Status ReadPrefix(uint32_t object_type, char (&h)[kIndexHeaderBytes], IndexFileInfo& info) {
    const size_t got = static_cast<size_t>(std::min<uint64_t>(src_.size(), kIndexHeaderBytes));
    if (absl::Status s = src_.ReadAt(0, h, got); !s.ok()) return s;
    HeaderPrefix prefix;
    const uint32_t max_version =
        object_type == kObjectTypeSimHashIndex ? kSimHashIndexFormatVersion : kIndexFormatVersion;
    const std::string_view have(h, got);
    absl::Status checked =
        object_type == 0 ? CheckHeader(have, name_, {kObjectTypeMinHashLsh, kObjectTypeCrawlerIndex}, max_version,
                                       kIndexHeaderBytes, kHeaderChecksumOffset, &prefix)
                         : CheckHeader(have, name_, {object_type}, max_version, kIndexHeaderBytes,
                                       kHeaderChecksumOffset, &prefix);
    if (!checked.ok()) return checked;
    info.object_type = prefix.type;
    info.format_version = prefix.version;
    if (const uint32_t size = LoadLe32(h + 20); size != kIndexHeaderBytes) {
      return Error(absl::StatusCode::kDataLoss, "header", 20,
                   absl::StrCat("header size is ", size, ", expected ", kIndexHeaderBytes));
    }
    return absl::OkStatus();
  }

  // Reads and checks the header of a MinHash index; object_type 0 accepts either type.
  absl::StatusOr<IndexFileInfo> Read(uint32_t object_type) {
    char h[kIndexHeaderBytes] = {};
    IndexFileInfo info;
    if (absl::Status s = ReadPrefix(object_type, h, info); !s.ok()) return s;
    const uint32_t flags = LoadLe32(h + 16);
    if ((flags & ~kFlagWideIds) != 0) {
      return Error(absl::StatusCode::kFailedPrecondition, "header", 16, absl::StrFormat("unknown flags 0x%08x", flags));
    }
    info.wide_ids = (flags & kFlagWideIds) != 0;
    for (size_t i = 30; i < 32; ++i) {
      if (h[i] != 0) return Error(absl::StatusCode::kFailedPrecondition, "header", i, "reserved byte is not 0");
    }
    for (size_t i = 88; i < kHeaderChecksumOffset; ++i) {
      if (h[i] != 0) return Error(absl::StatusCode::kFailedPrecondition, "header", i, "reserved byte is not 0");
    }
    SignerOptions& o = info.signer;
    if (std::optional<HeaderFieldError> e = DecodeSignerFields(h, &o)) {
      return Error(e->code, "header", e->offset, e->what);
    }
    o.simhash_seed = 0;
    o.compute_simhash = false;
    info.lsh.minhash = o.minhash;
    info.lsh.banding = {LoadLe32(h + 56), LoadLe32(h + 60)};
    info.lsh.stored_bits = LoadLe32(h + 64);
    if (absl::Status s = o.Validate(); !s.ok()) {
      return Error(absl::StatusCode::kInvalidArgument, "header", 28, absl::StrCat("invalid parameters: ", s.message()));
    }
    if (absl::StatusOr<MinHashLsh<uint32_t>> probe = MinHashLsh<uint32_t>::Create(info.lsh); !probe.ok()) {
      return Error(absl::StatusCode::kInvalidArgument, "header", 56,
                   absl::StrCat("invalid parameters: ", probe.status().message()));
    }
    info.sections = LoadLe32(h + 68);
    info.documents = LoadLe64(h + 72);
    info.file_bytes = LoadLe64(h + 80);
    return info;
  }

 protected:
  Source& src_;
  std::string name_;
};

std::string DescribeDifferences(const IndexFileInfo& found, const SignerOptions& signer, const MinHashLshOptions& lsh,
                                bool wide_ids) {
  std::vector<std::string> diffs;
  if (found.signer.normalize.Bits() != signer.normalize.Bits()) {
    diffs.push_back(absl::StrCat("normalization expected ", DescribeNormalize(signer.normalize.Bits()), ", found ",
                                 DescribeNormalize(found.signer.normalize.Bits())));
  }
  if (!(found.signer.shingle == signer.shingle)) {
    diffs.push_back(absl::StrCat("shingles expected ", DescribeShingles(signer.shingle), ", found ",
                                 DescribeShingles(found.signer.shingle)));
  }
  if (!(found.lsh.minhash == lsh.minhash)) {
    diffs.push_back(absl::StrCat("MinHash expected ", DescribeMinHashParams(lsh.minhash), ", found ",
                                 DescribeMinHashParams(found.lsh.minhash)));
  }
  if (!(found.lsh.banding == lsh.banding)) {
    diffs.push_back(absl::StrCat("banding expected ", lsh.banding.bands, " x ", lsh.banding.rows, ", found ",
                                 found.lsh.banding.bands, " x ", found.lsh.banding.rows));
  }
  if (found.lsh.stored_bits != lsh.stored_bits) {
    diffs.push_back(absl::StrCat("stored_bits expected ", lsh.stored_bits, ", found ", found.lsh.stored_bits));
  }
  if (found.wide_ids != wide_ids) {
    diffs.push_back(
        absl::StrCat("document ids expected ", wide_ids ? 64 : 32, "-bit, found ", found.wide_ids ? 64 : 32, "-bit"));
  }
  return absl::StrJoin(diffs, "; ");
}

// Sections: [32-byte header][payload], each checksummed, read from offset_ on.
class SectionReader : public HeaderReader {
 public:
  using HeaderReader::HeaderReader;

 protected:
  struct SectionHeader {
    uint64_t start = 0;  // file offset of the section header
    uint64_t payload_bytes = 0;
    uint64_t elements = 0;
    uint64_t checksum = 0;
    uint64_t payload() const { return start + kIndexSectionHeaderBytes; }
  };

  // Reads the section header at offset_ and checks its tag, index and that its payload
  // is inside the file; starts the section checksum.
  absl::StatusOr<SectionHeader> BeginSection(uint32_t tag, uint32_t index, const std::string& section) {
    SectionHeader sh;
    sh.start = offset_;
    const uint64_t left = src_.size() - offset_;
    if (left < kIndexSectionHeaderBytes) {
      return Error(absl::StatusCode::kDataLoss, section, offset_,
                   absl::StrCat("truncated: the file ends ", left, " bytes into the ", kIndexSectionHeaderBytes,
                                "-byte section header"));
    }
    char h[kIndexSectionHeaderBytes];
    if (absl::Status s = src_.ReadAt(offset_, h, sizeof(h)); !s.ok()) return s;
    const uint32_t found_tag = LoadLe32(h);
    const uint32_t found_index = LoadLe32(h + 4);
    if (found_tag != tag || found_index != index) {
      return Error(absl::StatusCode::kDataLoss, section, offset_,
                   absl::StrCat("expected section tag ", tag, " index ", index, ", found tag ", found_tag, " index ",
                                found_index));
    }
    sh.payload_bytes = LoadLe64(h + 8);
    sh.elements = LoadLe64(h + 16);
    sh.checksum = LoadLe64(h + 24);
    if (sh.payload_bytes > left - kIndexSectionHeaderBytes) {
      return Error(absl::StatusCode::kDataLoss, section, offset_,
                   absl::StrCat("truncated: the section holds ", sh.payload_bytes, " bytes from byte offset ",
                                sh.payload(), ", the file ends at byte offset ", src_.size()));
    }
    XXH3_64bits_reset(hash_.get());
    XXH3_64bits_update(hash_.get(), h, 24);
    return sh;
  }

  // Reads n payload bytes at `at` into dst and adds them to the section checksum.
  absl::Status Payload(uint64_t at, void* dst, size_t n) {
    if (absl::Status s = src_.ReadAt(at, dst, n); !s.ok()) return s;
    XXH3_64bits_update(hash_.get(), dst, n);
    return absl::OkStatus();
  }

  absl::Status EndSection(const SectionHeader& sh, const std::string& section) {
    const uint64_t computed = XXH3_64bits_digest(hash_.get());
    if (computed != sh.checksum) {
      return Error(absl::StatusCode::kDataLoss, section, sh.start,
                   ChecksumMismatch(sh.start, sh.payload() + sh.payload_bytes, sh.checksum, computed));
    }
    offset_ = sh.payload() + sh.payload_bytes;
    return absl::OkStatus();
  }

  absl::Status SizeMismatch(const SectionHeader& sh, const std::string& section, std::string_view unit,
                            uint64_t unit_bytes, uint64_t fixed = 0) {
    return Error(absl::StatusCode::kDataLoss, section, sh.start + 8,
                 absl::StrCat("the section holds ", sh.payload_bytes, " bytes, but ", sh.elements, " ",
                              std::string(unit), " take ", fixed, " + ", sh.elements, " x ", unit_bytes));
  }

  absl::Status StartHashing() {
    hash_.reset(XXH3_createState());
    if (!hash_) return absl::ResourceExhaustedError("cannot allocate an XXH3 state");
    return absl::OkStatus();
  }

  XxhState hash_;
  uint64_t offset_ = kIndexHeaderBytes;
};

template <typename DocId>
class IndexReader : public SectionReader {
  using A = LshIndexAccess<DocId>;
  using Slot = typename A::Slot;
  using TableState = typename A::TableState;

 public:
  using SectionReader::SectionReader;

  absl::StatusOr<DecodedIndexFile<DocId>> Read(uint32_t object_type, const SignerOptions& expected_signer,
                                               const MinHashLshOptions& expected,
                                               std::span<const IndexFileSection> extra_specs) {
    if (!(expected_signer.minhash == expected.minhash)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the expected signer's MinHash parameters (", DescribeMinHashParams(expected_signer.minhash),
                       ") differ from the expected index's (", DescribeMinHashParams(expected.minhash), ")"));
    }
    absl::StatusOr<IndexFileInfo> info = HeaderReader::Read(object_type);
    if (!info.ok()) return info.status();
    if (std::string diffs = DescribeDifferences(*info, expected_signer, expected, sizeof(DocId) == 8); !diffs.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(name_, ": the index was built with other parameters than expected: ", diffs));
    }
    const MinHashLshOptions& o = info->lsh;
    if (const uint32_t want = ExpectedSections(o, extra_specs.size()); info->sections != want) {
      return Error(absl::StatusCode::kDataLoss, "header", 68,
                   absl::StrCat("the header lists ", info->sections, " sections, a file of this type with ",
                                o.banding.bands, " bands has ", want));
    }
    absl::StatusOr<MinHashLsh<DocId>> index = MinHashLsh<DocId>::Create(o);
    if (!index.ok()) return index.status();
    if (absl::Status s = StartHashing(); !s.ok()) return s;
    documents_ = info->documents;
    record_words_ = A::RecordWords(*index);
    last_word_mask_ = A::LastWordMask(*index);

    if (absl::Status s = ReadPool(); !s.ok()) return s;
    if (o.stored_bits != 0) {
      if (absl::Status s = ReadRecords(); !s.ok()) return s;
    }
    std::vector<TableState> tables(o.banding.bands);
    for (uint32_t band = 0; band < o.banding.bands; ++band) {
      if (absl::Status s = ReadTable(band, &tables[band]); !s.ok()) return s;
    }
    if (next_list_ != pool_.size()) {
      return Error(absl::StatusCode::kDataLoss, "id-list pool", pool_offset_ + next_list_ * sizeof(DocId),
                   absl::StrCat("the tables refer to ", next_list_, " of the pool's ", pool_.size(), " words"));
    }
    DecodedIndexFile<DocId> out;
    for (const IndexFileSection& spec : extra_specs) {
      IndexFileSection section = spec;
      if (absl::Status s = ReadExtra(&section); !s.ok()) return s;
      out.extra.push_back(std::move(section));
    }
    if (offset_ != src_.size()) {
      return Error(absl::StatusCode::kDataLoss, "end of file", offset_,
                   absl::StrCat(src_.size() - offset_, " unexpected bytes after the last section"));
    }
    if (info->file_bytes != src_.size()) {
      return Error(absl::StatusCode::kDataLoss, "header", 80,
                   absl::StrCat("the header says the file is ", info->file_bytes, " bytes, it is ", src_.size()));
    }
    A::Install(*index, tables, pool_, records_, record_of_, static_cast<size_t>(documents_));
    out.info = *info;
    out.index.emplace(*std::move(index));
    return out;
  }

 private:
  absl::Status ReadPool() {
    const std::string section = "id-list pool";
    absl::StatusOr<SectionHeader> sh = BeginSection(kTagIdListPool, 0, section);
    if (!sh.ok()) return sh.status();
    if (sh->payload_bytes % sizeof(DocId) != 0 || sh->elements != sh->payload_bytes / sizeof(DocId)) {
      return SizeMismatch(*sh, section, "words", sizeof(DocId));
    }
    SizeForRead(pool_, static_cast<size_t>(sh->elements));
    if (absl::Status s = Payload(sh->payload(), pool_.data(), pool_.size() * sizeof(DocId)); !s.ok()) return s;
    if (absl::Status s = EndSection(*sh, section); !s.ok()) return s;
    FixEndianness(pool_.data(), pool_.size());
    pool_offset_ = sh->payload();
    return absl::OkStatus();
  }

  absl::Status ReadRecords() {
    const std::string section = "stored records";
    absl::StatusOr<SectionHeader> sh = BeginSection(kTagStoredRecords, 0, section);
    if (!sh.ok()) return sh.status();
    const uint64_t record_bytes = 8 * record_words_;
    if (sh->payload_bytes % record_bytes != 0 || sh->elements != sh->payload_bytes / record_bytes) {
      return SizeMismatch(*sh, section, "records", record_bytes);
    }
    if (sh->elements != documents_) {
      return Error(
          absl::StatusCode::kDataLoss, section, sh->start + 16,
          absl::StrCat("the section holds ", sh->elements, " records, the header says ", documents_, " documents"));
    }
    SizeForRead(records_, static_cast<size_t>(sh->payload_bytes / 8));
    if (absl::Status s = Payload(sh->payload(), records_.data(), records_.size() * 8); !s.ok()) return s;
    if (absl::Status s = EndSection(*sh, section); !s.ok()) return s;
    FixEndianness(records_.data(), records_.size());
    const size_t n = static_cast<size_t>(sh->elements);
    record_of_.reserve(n);
    uint64_t max_id = 0;
    constexpr size_t kAhead = 16;  // the map is probed at random: overlap the misses
    for (size_t r = 0; r < n; ++r) {
      if (r + kAhead < n) {
        const uint64_t ahead = records_[(r + kAhead) * record_words_];
        if (ahead <= MinHashLsh<DocId>::kMaxDocId) record_of_.prefetch(static_cast<DocId>(ahead));
      }
      const uint64_t* rec = &records_[r * record_words_];
      const uint64_t at = sh->payload() + r * record_bytes;
      if (rec[0] > MinHashLsh<DocId>::kMaxDocId) {
        return Error(
            absl::StatusCode::kDataLoss, section, at,
            absl::StrCat("record ", r, " has id ", rec[0], ", above the largest id ", MinHashLsh<DocId>::kMaxDocId));
      }
      if (rec[record_words_ - 1] & ~last_word_mask_) {
        return Error(absl::StatusCode::kDataLoss, section, at + 8 * (record_words_ - 1),
                     absl::StrCat("record ", r, " has bits set past its last packed value"));
      }
      if (!record_of_.emplace(static_cast<DocId>(rec[0]), static_cast<uint32_t>(r)).second) {
        return Error(absl::StatusCode::kDataLoss, section, at, absl::StrCat("record ", r, " repeats id ", rec[0]));
      }
      max_id = std::max(max_id, rec[0]);
    }
    // Ids in the tables must all have records (QueryTopK looks them up). Dense ids, the
    // common case, are checked against a bitmap that stays in cache.
    if (n != 0 && max_id / 8 <= std::max<uint64_t>(src_.size(), 1u << 20)) {
      id_bits_.assign(static_cast<size_t>(max_id / 64 + 1), 0);
      for (size_t r = 0; r < n; ++r) {
        const uint64_t id = records_[r * record_words_];
        id_bits_[id / 64] |= uint64_t{1} << (id % 64);
      }
    }
    use_id_bits_ = !id_bits_.empty();
    return absl::OkStatus();
  }

  bool HasRecord(DocId id) const {
    if (use_id_bits_) [[likely]] {
      return id / 64 < id_bits_.size() && ((id_bits_[id / 64] >> (id % 64)) & 1);
    }
    return HasRecordInMap(id);
  }
  [[gnu::noinline]] bool HasRecordInMap(DocId id) const { return record_of_.contains(id); }

  // With stored signatures every document is in every band exactly once: Remove(id)
  // finds it under its stored keys, and a second copy under another key would outlive
  // the removal without a record. (The counts are checked too, so at most once is
  // enough.) Dense ids use a bitmap per band; others are sorted at the band's end.
  absl::Status MarkSeen(DocId id, uint64_t at, const std::string& section) {
    if (record_words_ == 0) return absl::OkStatus();
    if (use_id_bits_) {
      if (band_bits_.size() != id_bits_.size()) band_bits_.assign(id_bits_.size(), 0);
      uint64_t& word = band_bits_[id / 64];
      const uint64_t bit = uint64_t{1} << (id % 64);
      if (word & bit) {
        return Error(absl::StatusCode::kDataLoss, section, at,
                     absl::StrCat("id ", id, " is in this band more than once"));
      }
      word |= bit;
    } else {
      band_ids_.push_back(id);
    }
    return absl::OkStatus();
  }

  absl::Status EndBand(uint64_t at, const std::string& section) {
    std::fill(band_bits_.begin(), band_bits_.end(), 0);
    std::sort(band_ids_.begin(), band_ids_.end());
    const auto repeat = std::adjacent_find(band_ids_.begin(), band_ids_.end());
    if (repeat != band_ids_.end()) {
      return Error(absl::StatusCode::kDataLoss, section, at,
                   absl::StrCat("id ", *repeat, " is in this band more than once"));
    }
    band_ids_.clear();
    return absl::OkStatus();
  }

  absl::Status ReadTable(uint32_t band, TableState* t) {
    const std::string section = absl::StrCat("band ", band, " table");
    absl::StatusOr<SectionHeader> sh = BeginSection(kTagBandTable, band, section);
    if (!sh.ok()) return sh.status();
    if (sh->payload_bytes < kTablePrefixBytes || (sh->payload_bytes - kTablePrefixBytes) % sizeof(Slot) != 0 ||
        sh->elements != (sh->payload_bytes - kTablePrefixBytes) / sizeof(Slot)) {
      return SizeMismatch(*sh, section, "slots", sizeof(Slot), kTablePrefixBytes);
    }
    char prefix[kTablePrefixBytes];
    if (absl::Status s = Payload(sh->payload(), prefix, sizeof(prefix)); !s.ok()) return s;
    SizeForRead(t->slots, static_cast<size_t>(sh->elements));
    const uint64_t slots_at = sh->payload() + kTablePrefixBytes;
    if (absl::Status s = Payload(slots_at, t->slots.data(), t->slots.size() * sizeof(Slot)); !s.ok()) return s;
    if (absl::Status s = EndSection(*sh, section); !s.ok()) return s;
    if constexpr (std::endian::native != std::endian::little) {
      for (Slot& s : t->slots) {
        FixEndianness(&s.key_hi, 1);
        FixEndianness(&s.key_lo, 1);
        FixEndianness(&s.val, 1);
      }
    }
    t->home_capacity = LoadLe32(prefix);
    const uint64_t entries = LoadLe64(prefix + 8);
    auto bad = [&](uint64_t at, std::string_view what) {
      return Error(absl::StatusCode::kDataLoss, section, at, what);
    };
    if (LoadLe32(prefix + 4) != 0) return bad(sh->payload() + 4, "reserved field is not 0");
    const size_t n = t->slots.size();
    if (entries == 0 ? (t->home_capacity != 0 || n != 0) : (t->home_capacity == 0 || t->home_capacity > n)) {
      return bad(sh->payload(), absl::StrCat("home capacity ", t->home_capacity, " does not fit ", entries,
                                             " entries in ", n, " slots"));
    }
    // The invariants of minhash_lsh.hpp's ordered tables: keys ascending, each entry at
    // or after its home slot with no empty slot in between, so Find stops correctly.
    uint64_t occupied = 0;
    uint64_t ids = 0;
    uint64_t last_key = 0;
    bool previous_occupied = false;
    for (size_t p = 0; p < n; ++p) {
      const Slot& s = t->slots[p];
      const uint64_t at = slots_at + p * sizeof(Slot);
      if (s.val == A::kEmpty) {
        previous_occupied = false;
        continue;
      }
      const uint64_t key = s.key();
      if (occupied != 0 && key <= last_key) return bad(at, absl::StrCat("slot ", p, ": keys out of order"));
      const size_t home = MulHiRange(key, t->home_capacity);
      if (home > p || (home < p && !previous_occupied)) {
        return bad(at, absl::StrCat("slot ", p, " holds a key whose home is slot ", home,
                                    home > p ? "" : ", past an empty slot"));
      }
      last_key = key;
      previous_occupied = true;
      ++occupied;
      if (s.val & A::kTag) {
        const uint64_t o = s.val & ~A::kTag;
        if (o != next_list_) {
          return bad(at, absl::StrCat("slot ", p, " refers to list offset ", o, ", expected ", next_list_,
                                      " (lists are stored in table order)"));
        }
        absl::StatusOr<uint64_t> size = CheckList(o);
        if (!size.ok()) return size.status();
        ids += *size;
      } else {
        if (record_words_ != 0 && !HasRecord(s.val)) {
          return bad(at, absl::StrCat("slot ", p, ": id ", s.val, " has no stored record"));
        }
        if (absl::Status st = MarkSeen(s.val, at, section); !st.ok()) return st;
        ++ids;
      }
    }
    if (absl::Status st = EndBand(sh->start, section); !st.ok()) return st;
    if (occupied != entries) {
      return bad(sh->payload() + 8, absl::StrCat("the table says ", entries, " entries, its slots hold ", occupied));
    }
    if (ids != documents_) {
      return bad(sh->payload(),
                 absl::StrCat("the table holds ", ids, " document ids, the header says ", documents_, " documents"));
    }
    t->entries = static_cast<size_t>(entries);
    return absl::OkStatus();
  }

  // The list at pool offset o (== next_list_): its size, after checking it.
  absl::StatusOr<uint64_t> CheckList(uint64_t o) {
    const std::string section = "id-list pool";
    const uint64_t at = pool_offset_ + o * sizeof(DocId);
    if (o >= pool_.size()) {
      return Error(absl::StatusCode::kDataLoss, section, at,
                   absl::StrCat("list offset ", o, " is past the pool's end"));
    }
    const uint64_t size = pool_[o];
    const uint64_t left = pool_.size() - o - 1;
    if (size < 2 || size > left || A::BlockWords(static_cast<size_t>(size)) - 1 > left) {
      return Error(absl::StatusCode::kDataLoss, section, at,
                   absl::StrCat("list at word ", o, " claims ", size, " ids with ", left, " words left"));
    }
    const DocId* list = pool_.data() + o + 1;
    for (uint64_t i = 0; i < size; ++i) {
      const uint64_t id_at = at + (i + 1) * sizeof(DocId);
      if (list[i] > MinHashLsh<DocId>::kMaxDocId || (i > 0 && list[i] <= list[i - 1])) {
        return Error(absl::StatusCode::kDataLoss, section, id_at,
                     absl::StrCat("list at word ", o, ": id ", list[i], " is out of order or too large"));
      }
      if (record_words_ != 0 && !HasRecord(list[i])) {
        return Error(absl::StatusCode::kDataLoss, section, id_at,
                     absl::StrCat("list at word ", o, ": id ", list[i], " has no stored record"));
      }
      if (absl::Status s = MarkSeen(list[i], id_at, section); !s.ok()) return s;
    }
    next_list_ += A::BlockWords(static_cast<size_t>(size));
    return size;
  }

  absl::Status ReadExtra(IndexFileSection* section) {
    absl::StatusOr<SectionHeader> sh = BeginSection(section->tag, 0, section->name);
    if (!sh.ok()) return sh.status();
    section->payload.resize(static_cast<size_t>(sh->payload_bytes));
    if (absl::Status s = Payload(sh->payload(), section->payload.data(), section->payload.size()); !s.ok()) return s;
    if (absl::Status s = EndSection(*sh, section->name); !s.ok()) return s;
    section->elements = sh->elements;
    section->offset = sh->payload();
    return absl::OkStatus();
  }

  uint64_t documents_ = 0;
  size_t record_words_ = 0;
  uint64_t last_word_mask_ = 0;
  std::vector<DocId> pool_;
  uint64_t pool_offset_ = 0;
  uint64_t next_list_ = 0;
  std::vector<uint64_t> records_;
  absl::flat_hash_map<DocId, uint32_t> record_of_;
  std::vector<uint64_t> id_bits_;
  std::vector<uint64_t> band_bits_;  // ids seen in the current band (dense ids)
  std::vector<DocId> band_ids_;      // ids seen in the current band (other ids)
  bool use_id_bits_ = false;
};

// ---------------------------------------------------------------------------------
// SimHash index files (simhash_index_file.hpp)

std::array<char, kIndexHeaderBytes> EncodeSimHashHeader(const SimHashIndex& index, const SignerOptions& signer,
                                                        uint64_t file_bytes) {
  std::array<char, kIndexHeaderBytes> h{};
  EncodeHeaderPrefix(ObjectType::kSimHashIndex, kSimHashIndexFormatVersion, h.data());
  StoreLe32(&h[20], kIndexHeaderBytes);
  EncodeSignerFields(signer.normalize, signer.shingle,
                     MinHashParams{.algorithm = MinHashAlgorithm{0}, .num_perm = 0, .seed = 0}, h.data());
  StoreLe64(&h[56], signer.simhash_seed);
  StoreLe32(&h[64], 64);
  StoreLe32(&h[68], static_cast<uint32_t>(index.options().max_distance));
  StoreLe32(&h[72], static_cast<uint32_t>(index.options().num_blocks));
  StoreLe32(&h[76], 1);
  StoreLe64(&h[80], index.size());
  StoreLe64(&h[88], file_bytes);
  SealHeader(h.data(), kHeaderChecksumOffset);
  return h;
}

// Calls emit(bytes, n) on the entries' payload, in pieces of at most 1 MiB.
template <typename Emit>
absl::Status EncodeSimHashEntries(const SimHashIndex& index, Emit&& emit) {
  std::string buf;
  const std::span<const uint64_t> ids = index.ids(), fps = index.fingerprints();
  for (size_t i = 0; i < ids.size(); ++i) {
    AppendLe64(&buf, ids[i]);
    AppendLe64(&buf, fps[i]);
    if (buf.size() >= kWriteBufferBytes || i + 1 == ids.size()) {
      if (absl::Status s = emit(buf.data(), buf.size()); !s.ok()) return s;
      buf.clear();
    }
  }
  return absl::OkStatus();
}

absl::Status WriteSimHashIndex(Sink& sink, const SimHashIndex& index, const SignerOptions& signer) {
  if (absl::Status s = signer.shingle.Validate(); !s.ok()) return s;
  const uint64_t payload = kSimHashEntryBytes * index.size();
  const std::array<char, kIndexHeaderBytes> header =
      EncodeSimHashHeader(index, signer, kIndexHeaderBytes + kIndexSectionHeaderBytes + payload);
  char sh[kIndexSectionHeaderBytes] = {};
  StoreLe32(sh, kTagSimHashEntries);
  StoreLe64(sh + 8, payload);
  StoreLe64(sh + 16, index.size());
  XxhState hash(XXH3_createState());
  if (!hash) return absl::ResourceExhaustedError("cannot allocate an XXH3 state");
  XXH3_64bits_reset(hash.get());
  XXH3_64bits_update(hash.get(), sh, 24);
  (void)EncodeSimHashEntries(index, [&](const char* p, size_t n) {
    XXH3_64bits_update(hash.get(), p, n);
    return absl::OkStatus();
  });
  StoreLe64(sh + 24, XXH3_64bits_digest(hash.get()));
  if (absl::Status s = sink.Write(header.data(), header.size()); !s.ok()) return s;
  if (absl::Status s = sink.Write(sh, sizeof(sh)); !s.ok()) return s;
  return EncodeSimHashEntries(index, [&](const char* p, size_t n) { return sink.Write(p, n); });
}

class SimHashReader : public SectionReader {
 public:
  using SectionReader::SectionReader;

  absl::StatusOr<SimHashIndexFileInfo> ReadHeader() {
    char h[kIndexHeaderBytes] = {};
    IndexFileInfo common;
    if (absl::Status s = ReadPrefix(kObjectTypeSimHashIndex, h, common); !s.ok()) return s;
    SimHashIndexFileInfo info;
    info.format_version = common.format_version;
    if (const uint32_t flags = LoadLe32(h + 16); flags != 0) {
      return Error(absl::StatusCode::kFailedPrecondition, "header", 16, absl::StrFormat("unknown flags 0x%08x", flags));
    }
    for (const size_t i : {29, 30, 31, 36, 37, 38, 39, 48, 49, 50, 51, 52, 53, 54, 55}) {
      if (h[i] != 0) return Error(absl::StatusCode::kFailedPrecondition, "header", i, "reserved byte is not 0");
    }
    for (size_t i = 96; i < kHeaderChecksumOffset; ++i) {
      if (h[i] != 0) return Error(absl::StatusCode::kFailedPrecondition, "header", i, "reserved byte is not 0");
    }
    SignerOptions& o = info.signer;
    if (std::optional<HeaderFieldError> e = DecodeSignerFields(h, &o)) {
      return Error(e->code, "header", e->offset, e->what);
    }
    o.minhash = {};
    o.simhash_seed = LoadLe64(h + 56);
    o.compute_minhash = false;
    if (absl::Status s = o.shingle.Validate(); !s.ok()) {
      return Error(absl::StatusCode::kInvalidArgument, "header", 28, absl::StrCat("invalid parameters: ", s.message()));
    }
    if (const uint32_t bits = LoadLe32(h + 64); bits != 64) {
      return Error(absl::StatusCode::kFailedPrecondition, "header", 64,
                   absl::StrCat(bits, "-bit fingerprints; this build reads 64-bit SimHash indexes"));
    }
    info.index.max_distance = static_cast<int>(std::min<uint32_t>(LoadLe32(h + 68), 1u << 30));
    info.index.num_blocks = static_cast<int>(std::min<uint32_t>(LoadLe32(h + 72), 1u << 30));
    if (absl::StatusOr<SimHashIndex> probe = SimHashIndex::Create(info.index); !probe.ok()) {
      return Error(absl::StatusCode::kInvalidArgument, "header", 68,
                   absl::StrCat("invalid parameters: ", probe.status().message()));
    }
    if (const uint32_t sections = LoadLe32(h + 76); sections != 1) {
      return Error(absl::StatusCode::kDataLoss, "header", 76,
                   absl::StrCat("the header lists ", sections, " sections, a SimHash index file has 1"));
    }
    info.entries = LoadLe64(h + 80);
    info.file_bytes = LoadLe64(h + 88);
    return info;
  }

  absl::StatusOr<SimHashIndex> Read(const SignerOptions& expected_signer, const SimHashIndexOptions& expected) {
    absl::StatusOr<SimHashIndexFileInfo> info = ReadHeader();
    if (!info.ok()) return info.status();
    std::vector<std::string> diffs;
    const SignerOptions& found = info->signer;
    if (found.normalize.Bits() != expected_signer.normalize.Bits()) {
      diffs.push_back(absl::StrCat("normalization expected ", DescribeNormalize(expected_signer.normalize.Bits()),
                                   ", found ", DescribeNormalize(found.normalize.Bits())));
    }
    if (!(found.shingle == expected_signer.shingle)) {
      diffs.push_back(absl::StrCat("shingles expected ", DescribeShingles(expected_signer.shingle), ", found ",
                                   DescribeShingles(found.shingle)));
    }
    if (found.simhash_seed != expected_signer.simhash_seed) {
      diffs.push_back(absl::StrCat("SimHash seed expected ", expected_signer.simhash_seed, ", found ",
                                   found.simhash_seed));
    }
    if (info->index.max_distance != expected.max_distance) {
      diffs.push_back(absl::StrCat("max_distance expected ", expected.max_distance, ", found ",
                                   info->index.max_distance));
    }
    if (info->index.num_blocks != expected.num_blocks) {
      diffs.push_back(absl::StrCat("num_blocks expected ", expected.num_blocks, ", found ", info->index.num_blocks));
    }
    if (!diffs.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          name_, ": the index was built with other parameters than expected: ", absl::StrJoin(diffs, "; ")));
    }
    if (absl::Status s = StartHashing(); !s.ok()) return s;
    const std::string section = "SimHash entries";
    absl::StatusOr<SectionHeader> sh = BeginSection(kTagSimHashEntries, 0, section);
    if (!sh.ok()) return sh.status();
    if (sh->elements != info->entries) {
      return Error(absl::StatusCode::kDataLoss, section, sh->start + 16,
                   absl::StrCat("the section holds ", sh->elements, " entries, the header says ", info->entries));
    }
    if (sh->payload_bytes % kSimHashEntryBytes != 0 || sh->elements != sh->payload_bytes / kSimHashEntryBytes) {
      return SizeMismatch(*sh, section, "entries", kSimHashEntryBytes);
    }
    const size_t n = static_cast<size_t>(sh->elements);
    std::vector<uint64_t> ids(n), fps(n);
    std::vector<char> buf;
    constexpr size_t kChunkEntries = kWriteBufferBytes / kSimHashEntryBytes;
    for (size_t begin = 0; begin < n; begin += kChunkEntries) {
      const size_t m = std::min(kChunkEntries, n - begin);
      buf.resize(m * kSimHashEntryBytes);
      if (absl::Status s = Payload(sh->payload() + begin * kSimHashEntryBytes, buf.data(), buf.size()); !s.ok()) {
        return s;
      }
      for (size_t i = 0; i < m; ++i) {
        ids[begin + i] = LoadLe64(&buf[i * kSimHashEntryBytes]);
        fps[begin + i] = LoadLe64(&buf[i * kSimHashEntryBytes + 8]);
      }
    }
    if (absl::Status s = EndSection(*sh, section); !s.ok()) return s;
    if (offset_ != src_.size()) {
      return Error(absl::StatusCode::kDataLoss, "end of file", offset_,
                   absl::StrCat(src_.size() - offset_, " unexpected bytes after the last section"));
    }
    if (info->file_bytes != src_.size()) {
      return Error(absl::StatusCode::kDataLoss, "header", 88,
                   absl::StrCat("the header says the file is ", info->file_bytes, " bytes, it is ", src_.size()));
    }
    absl::StatusOr<SimHashIndex> index = SimHashIndex::Build(expected, ids, fps);
    if (index.ok()) return index;
    if (index.status().code() == absl::StatusCode::kInvalidArgument) {  // an id twice: say where
      absl::flat_hash_map<uint64_t, size_t> first;
      first.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        if (const auto [it, fresh] = first.try_emplace(ids[i], i); !fresh) {
          return Error(absl::StatusCode::kDataLoss, section, sh->payload() + i * kSimHashEntryBytes,
                       absl::StrCat("entry ", i, " repeats id ", ids[i], " of entry ", it->second));
        }
      }
    }
    return index.status();
  }
};

}  // namespace

template <typename DocId>
std::vector<DocId> StoredIds(const MinHashLsh<DocId>& index) {
  const std::vector<uint64_t>& records = LshIndexAccess<DocId>::Records(index);
  const size_t words = LshIndexAccess<DocId>::RecordWords(index);
  std::vector<DocId> ids;
  if (words == 0) return ids;
  ids.reserve(records.size() / words);
  for (size_t i = 0; i < records.size(); i += words) ids.push_back(static_cast<DocId>(records[i]));
  return ids;
}

template <typename DocId>
absl::Status WriteIndexFile(const std::string& path, const MinHashLsh<DocId>& index, const SignerOptions& signer,
                            uint32_t object_type, std::span<const IndexFileSection> extra) {
  return WriteFileAtomically(path,
                         [&](ByteSink& sink) { return IndexWriter<DocId>(sink, index).Write(signer, object_type, extra); });
}

template <typename DocId>
absl::StatusOr<std::string> EncodeIndexFile(const MinHashLsh<DocId>& index, const SignerOptions& signer,
                                            uint32_t object_type, std::span<const IndexFileSection> extra) {
  std::string out;
  StringSink sink(&out);
  if (absl::Status s = IndexWriter<DocId>(sink, index).Write(signer, object_type, extra); !s.ok()) return s;
  return out;
}

template <typename DocId>
absl::StatusOr<DecodedIndexFile<DocId>> ReadIndexFile(const std::string& path, uint32_t object_type,
                                                      const SignerOptions& expected_signer,
                                                      const MinHashLshOptions& expected,
                                                      std::span<const IndexFileSection> extra_sections) {
  absl::StatusOr<std::unique_ptr<FileSource>> src = FileSource::Open(path);
  if (!src.ok()) return src.status();
  return IndexReader<DocId>(**src, path).Read(object_type, expected_signer, expected, extra_sections);
}

template <typename DocId>
absl::StatusOr<DecodedIndexFile<DocId>> DecodeIndexFile(std::string_view bytes, const std::string& name,
                                                        uint32_t object_type, const SignerOptions& expected_signer,
                                                        const MinHashLshOptions& expected,
                                                        std::span<const IndexFileSection> extra_sections) {
  MemorySource src(bytes);
  return IndexReader<DocId>(src, name).Read(object_type, expected_signer, expected, extra_sections);
}

}  // namespace internal

template <typename DocId>
absl::Status SaveMinHashLsh(const MinHashLsh<DocId>& index, const SignerOptions& signer, const std::string& path) {
  return internal::WriteIndexFile(path, index, signer, kObjectTypeMinHashLsh, {});
}

template <typename DocId>
absl::StatusOr<std::string> SerializeMinHashLsh(const MinHashLsh<DocId>& index, const SignerOptions& signer) {
  return internal::EncodeIndexFile(index, signer, kObjectTypeMinHashLsh, {});
}

template <typename DocId>
absl::StatusOr<MinHashLsh<DocId>> LoadMinHashLsh(const std::string& path, const SignerOptions& expected_signer,
                                                 const MinHashLshOptions& expected) {
  absl::StatusOr<internal::DecodedIndexFile<DocId>> file =
      internal::ReadIndexFile<DocId>(path, kObjectTypeMinHashLsh, expected_signer, expected, {});
  if (!file.ok()) return file.status();
  return std::move(*file->index);
}

template <typename DocId>
absl::StatusOr<MinHashLsh<DocId>> ParseMinHashLsh(std::string_view bytes, const std::string& name,
                                                  const SignerOptions& expected_signer,
                                                  const MinHashLshOptions& expected) {
  absl::StatusOr<internal::DecodedIndexFile<DocId>> file =
      internal::DecodeIndexFile<DocId>(bytes, name, kObjectTypeMinHashLsh, expected_signer, expected, {});
  if (!file.ok()) return file.status();
  return std::move(*file->index);
}

absl::StatusOr<IndexFileInfo> ReadIndexFileInfo(const std::string& path) {
  absl::StatusOr<std::unique_ptr<internal::FileSource>> src = internal::FileSource::Open(path);
  if (!src.ok()) return src.status();
  return internal::HeaderReader(**src, path).Read(0);
}

absl::Status SaveSimHashIndex(const SimHashIndex& index, const SignerOptions& signer, const std::string& path) {
  return internal::WriteFileAtomically(path,
                                   [&](internal::ByteSink& sink) { return internal::WriteSimHashIndex(sink, index, signer); });
}

absl::StatusOr<std::string> SerializeSimHashIndex(const SimHashIndex& index, const SignerOptions& signer) {
  std::string out;
  internal::StringSink sink(&out);
  if (absl::Status s = internal::WriteSimHashIndex(sink, index, signer); !s.ok()) return s;
  return out;
}

absl::StatusOr<SimHashIndex> LoadSimHashIndex(const std::string& path, const SignerOptions& expected_signer,
                                              const SimHashIndexOptions& expected) {
  absl::StatusOr<std::unique_ptr<internal::FileSource>> src = internal::FileSource::Open(path);
  if (!src.ok()) return src.status();
  return internal::SimHashReader(**src, path).Read(expected_signer, expected);
}

absl::StatusOr<SimHashIndex> ParseSimHashIndex(std::string_view bytes, const std::string& name,
                                               const SignerOptions& expected_signer,
                                               const SimHashIndexOptions& expected) {
  internal::MemorySource src(bytes);
  return internal::SimHashReader(src, name).Read(expected_signer, expected);
}

absl::StatusOr<SimHashIndexFileInfo> ReadSimHashIndexFileInfo(const std::string& path) {
  absl::StatusOr<std::unique_ptr<internal::FileSource>> src = internal::FileSource::Open(path);
  if (!src.ok()) return src.status();
  return internal::SimHashReader(**src, path).ReadHeader();
}

#define NEARDUP_INSTANTIATE_INDEX_FILE(DocId)                                                                        \
  template absl::Status SaveMinHashLsh<DocId>(const MinHashLsh<DocId>&, const SignerOptions&, const std::string&);   \
  template absl::StatusOr<std::string> SerializeMinHashLsh<DocId>(const MinHashLsh<DocId>&, const SignerOptions&);   \
  template absl::StatusOr<MinHashLsh<DocId>> LoadMinHashLsh<DocId>(const std::string&, const SignerOptions&,         \
                                                                   const MinHashLshOptions&);                        \
  template absl::StatusOr<MinHashLsh<DocId>> ParseMinHashLsh<DocId>(std::string_view, const std::string&,            \
                                                                    const SignerOptions&, const MinHashLshOptions&); \
  template absl::Status internal::WriteIndexFile<DocId>(const std::string&, const MinHashLsh<DocId>&,                \
                                                        const SignerOptions&, uint32_t,                              \
                                                        std::span<const internal::IndexFileSection>);                \
  template absl::StatusOr<std::string> internal::EncodeIndexFile<DocId>(                                             \
      const MinHashLsh<DocId>&, const SignerOptions&, uint32_t, std::span<const internal::IndexFileSection>);        \
  template absl::StatusOr<internal::DecodedIndexFile<DocId>> internal::ReadIndexFile<DocId>(                         \
      const std::string&, uint32_t, const SignerOptions&, const MinHashLshOptions&,                                  \
      std::span<const internal::IndexFileSection>);                                                                  \
  template absl::StatusOr<internal::DecodedIndexFile<DocId>> internal::DecodeIndexFile<DocId>(                       \
      std::string_view, const std::string&, uint32_t, const SignerOptions&, const MinHashLshOptions&,                \
      std::span<const internal::IndexFileSection>);                                                                  \
  template std::vector<DocId> internal::StoredIds<DocId>(const MinHashLsh<DocId>&);

NEARDUP_INSTANTIATE_INDEX_FILE(uint32_t)
NEARDUP_INSTANTIATE_INDEX_FILE(uint64_t)

#undef NEARDUP_INSTANTIATE_INDEX_FILE

}  // namespace neardup
