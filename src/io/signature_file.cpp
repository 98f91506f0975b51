// Signature file writer and readers. The layout is documented in signature_file.hpp.
#include "neardup/io/signature_file.hpp"

#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neardup/io/format.hpp"
#include "neardup/io/internal/header_fields.hpp"

namespace neardup {
namespace {

constexpr size_t kBlockHeaderBytes = 16;
constexpr size_t kBlockTargetBytes = 1u << 20;
constexpr size_t kHeaderChecksumOffset = 120;
constexpr uint32_t kFlagMinHash = 1u << 0;
constexpr uint32_t kFlagSimHash = 1u << 1;
constexpr uint8_t kRecordFlagEmpty = 1u << 0;
constexpr size_t kInputTableHeaderBytes = 24;
constexpr size_t kRecordLocationBytes = 28;  // v2: bytes, input, record, offset
constexpr size_t kMaxVarintBytes = 10;

using internal::AppendLe32;
using internal::ChecksumMismatch;
using internal::AppendLe64;
using internal::LoadLe32;
using internal::LoadLe64;
using internal::StoreLe32;
using internal::StoreLe64;
using internal::Hex;
using internal::HexBytes;

std::string ErrnoMessage(int e) { return std::generic_category().message(e); }

absl::Status ErrnoStatus(const std::string& path, std::string_view what, int e) {
  return absl::Status(absl::ErrnoToStatusCode(e),
                      absl::StrCat(path, ": ", std::string(what), ": ", ErrnoMessage(e)));
}

uint32_t FlagsOf(const SignerOptions& o) {
  return (o.compute_minhash ? kFlagMinHash : 0u) | (o.compute_simhash ? kFlagSimHash : 0u);
}

// Bytes of a record's MinHash values.
size_t MinHashBytes(const SignerOptions& o, uint32_t bits) {
  return o.compute_minhash ? bits / 8 * static_cast<size_t>(o.minhash.num_perm) : 0;
}

// The fewest bytes a record can take (its id empty, every varint one byte).
size_t MinRecordBytes(const SignerOptions& o, uint32_t version, uint32_t bits) {
  const size_t fields = version >= 3 ? 1 + 2 + 1 + 4 : 4 + 4 + 4 + 1 + (version >= 2 ? kRecordLocationBytes : 0);
  return fields + (o.compute_simhash ? 8 : 0) + MinHashBytes(o, bits);
}

// Unsigned LEB128, 7 bits a byte, low groups first.
void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint of at most `max` from [*p, end): false if it runs past the end, is
// longer than it needs to be (a last byte of 0) or exceeds `max`.
bool ReadVarint(const char** p, const char* end, uint64_t max, uint64_t* v) {
  uint64_t out = 0;
  for (size_t i = 0; i < kMaxVarintBytes && *p + i < end; ++i) {
    const auto byte = static_cast<uint8_t>((*p)[i]);
    const uint64_t group = byte & 0x7f;
    if (i == 9 && group > 1) return false;  // past 64 bits
    out |= group << (7 * i);
    if ((byte & 0x80) == 0) {
      if (i > 0 && byte == 0) return false;
      if (out > max) return false;
      *p += i + 1;
      *v = out;
      return true;
    }
  }
  return false;
}

std::array<char, kSignatureHeaderBytes> EncodeHeader(const SignatureFileInfo& info,
                                                     uint64_t payload_hash) {
  std::array<char, kSignatureHeaderBytes> h{};
  const SignerOptions& o = info.options;
  internal::EncodeHeaderPrefix(ObjectType::kSignatureSet, info.format_version, h.data());
  StoreLe32(&h[16], FlagsOf(o));
  StoreLe32(&h[20], kSignatureHeaderBytes);
  internal::EncodeSignerFields(o.normalize, o.shingle, o.minhash, h.data());
  if (info.format_version >= 3) h[30] = static_cast<char>(info.minhash_bits);
  StoreLe64(&h[56], o.simhash_seed);
  StoreLe64(&h[64], info.record_count);
  StoreLe64(&h[72], info.payload_bytes);
  StoreLe64(&h[80], payload_hash);
  internal::SealHeader(h.data(), kHeaderChecksumOffset);
  return h;
}

struct XxhStateDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using XxhState = std::unique_ptr<XXH3_state_t, XxhStateDeleter>;

XxhState NewXxhState() {
  XxhState s(XXH3_createState());
  if (s) XXH3_64bits_reset(s.get());
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------
// Writer

struct SignatureFileWriter::Impl {
  std::unique_ptr<internal::AtomicFile> file;  // "<path>.partial" until Finalize()
  SignerOptions options;
  XxhState payload_hash;
  std::string block;
  uint32_t block_records = 0;
  uint64_t records = 0;
  uint64_t payload_bytes = 0;  // flushed blocks
  bool finalized = false;
  absl::Status failed;  // sticky: after a failed write nothing more is written
  uint32_t inputs = 0;
  uint32_t minhash_bits = 32;

  absl::Status Write(const char* data, size_t n) {
    if (absl::Status s = file->Write(data, n); !s.ok()) failed = s;
    return failed;
  }

  absl::Status FlushBlock() {
    if (block_records == 0) return absl::OkStatus();
    char header[kBlockHeaderBytes];
    StoreLe32(header, static_cast<uint32_t>(block.size()));
    StoreLe32(header + 4, block_records);
    StoreLe64(header + 8, XXH3_64bits(block.data(), block.size()));
    XXH3_64bits_update(payload_hash.get(), header, kBlockHeaderBytes);
    XXH3_64bits_update(payload_hash.get(), block.data(), block.size());
    if (absl::Status s = Write(header, kBlockHeaderBytes); !s.ok()) return s;
    if (absl::Status s = Write(block.data(), block.size()); !s.ok()) return s;
    payload_bytes += kBlockHeaderBytes + block.size();
    block.clear();
    block_records = 0;
    return absl::OkStatus();
  }
};

SignatureFileWriter::SignatureFileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SignatureFileWriter::SignatureFileWriter(SignatureFileWriter&&) noexcept = default;
SignatureFileWriter& SignatureFileWriter::operator=(SignatureFileWriter&&) noexcept = default;
SignatureFileWriter::~SignatureFileWriter() = default;

absl::StatusOr<SignatureFileWriter> SignatureFileWriter::Create(std::string path,
                                                                const SignerOptions& options,
                                                                std::vector<InputIdentity> inputs,
                                                                uint32_t minhash_bits) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (minhash_bits != 16 && minhash_bits != 32) {
    return absl::InvalidArgumentError(absl::StrCat("MinHash value bits must be 16 or 32, got ", minhash_bits));
  }
  std::string table;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputIdentity& in = inputs[i];
    if (in.path.size() > kSignatureMaxPathBytes) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, ": path is ", in.path.size(),
                                                     " bytes, more than the limit of ",
                                                     kSignatureMaxPathBytes));
    }
    AppendLe32(&table, static_cast<uint32_t>(in.path.size()));
    table.append(in.path);
    AppendLe64(&table, in.size);
    AppendLe64(&table, static_cast<uint64_t>(in.mtime_ns));
  }
  if (inputs.size() > kSignatureMaxInputs) {
    return absl::InvalidArgumentError(absl::StrCat(inputs.size(), " inputs, more than the limit of ",
                                                   kSignatureMaxInputs));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->inputs = static_cast<uint32_t>(inputs.size());
  impl->minhash_bits = minhash_bits;
  impl->payload_hash = NewXxhState();
  if (!impl->payload_hash) return absl::ResourceExhaustedError("cannot allocate an XXH3 state");
  absl::StatusOr<std::unique_ptr<internal::AtomicFile>> file =
      internal::AtomicFile::Create(std::move(path), ".partial");
  if (!file.ok()) return file.status();
  impl->file = *std::move(file);
  // A zero header until Finalize(): an interrupted file has no magic and is refused.
  const char zeros[kSignatureHeaderBytes] = {};
  if (absl::Status s = impl->Write(zeros, sizeof(zeros)); !s.ok()) return s;
  char th[kInputTableHeaderBytes] = {};
  StoreLe32(th, impl->inputs);
  StoreLe64(th + 8, table.size());
  StoreLe64(th + 16, XXH3_64bits(table.data(), table.size()));
  XXH3_64bits_update(impl->payload_hash.get(), th, sizeof(th));
  XXH3_64bits_update(impl->payload_hash.get(), table.data(), table.size());
  if (absl::Status s = impl->Write(th, sizeof(th)); !s.ok()) return s;
  if (absl::Status s = impl->Write(table.data(), table.size()); !s.ok()) return s;
  impl->payload_bytes = sizeof(th) + table.size();
  return SignatureFileWriter(std::move(impl));
}

absl::Status SignatureFileWriter::Append(std::string_view id, const DocumentSignature& sig,
                                         const RecordLocation& where_from) {
  Impl& w = *impl_;
  if (w.finalized) return absl::FailedPreconditionError("Append() after Finalize()");
  if (!w.failed.ok()) return w.failed;
  auto where = [&] {
    const std::string shown(id.substr(0, 64));
    return absl::StrCat("record ", w.records, " (id \"", shown, id.size() > 64 ? "...\"" : "\"",
                        ")");
  };
  if (id.size() > kSignatureMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(where(), ": id is ", id.size(),
                                                   " bytes, more than the limit of ",
                                                   kSignatureMaxIdBytes));
  }
  if (w.options.compute_minhash) {
    if (absl::Status s = CheckComparable(sig.minhash.params, w.options.minhash); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": ", s.message()));
    }
    if (sig.minhash.values.size() != w.options.minhash.num_perm) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": ", sig.minhash.values.size(),
                                                     " MinHash values, expected ",
                                                     w.options.minhash.num_perm));
    }
  }
  if (where_from.input != 0 && where_from.input >= w.inputs) {
    return absl::InvalidArgumentError(absl::StrCat(where(), ": input ", where_from.input,
                                                   " is not in the input table of ", w.inputs,
                                                   " inputs"));
  }
  std::string& b = w.block;
  AppendVarint(&b, id.size());
  b.append(id);
  AppendVarint(&b, sig.num_tokens);
  AppendVarint(&b, sig.num_shingles);
  b.push_back(static_cast<char>(sig.empty() ? kRecordFlagEmpty : 0));
  AppendVarint(&b, where_from.bytes);
  AppendVarint(&b, where_from.input);
  AppendVarint(&b, where_from.record);
  AppendVarint(&b, where_from.offset);
  if (w.options.compute_simhash) AppendLe64(&b, sig.simhash);
  if (w.options.compute_minhash) {
    // The values little-endian, 2 or 4 bytes each, written into one resize: a byte-wise
    // append per value cost as much as the rest of the record.
    const size_t width = w.minhash_bits == 16 ? 2 : 4;
    const size_t at = b.size();
    b.resize(at + width * sig.minhash.values.size());
    auto* o = reinterpret_cast<unsigned char*>(b.data() + at);
    for (const uint32_t v : sig.minhash.values) {
      for (size_t i = 0; i < width; ++i) *o++ = static_cast<unsigned char>(v >> (8 * i));
    }
  }
  ++w.block_records;
  ++w.records;
  if (b.size() >= kBlockTargetBytes) return w.FlushBlock();
  return absl::OkStatus();
}

absl::Status SignatureFileWriter::Finalize() {
  Impl& w = *impl_;
  if (w.finalized) return absl::FailedPreconditionError("Finalize() called twice");
  if (!w.failed.ok()) return w.failed;
  if (absl::Status s = w.FlushBlock(); !s.ok()) return s;
  SignatureFileInfo info;
  info.format_version = kSignatureFormatVersion;
  info.options = w.options;
  info.minhash_bits = w.minhash_bits;
  info.record_count = w.records;
  info.payload_bytes = w.payload_bytes;
  const auto header = EncodeHeader(info, XXH3_64bits_digest(w.payload_hash.get()));
  if (absl::Status s = w.file->Patch(0, header.data(), header.size()); !s.ok()) return w.failed = s;
  if (absl::Status s = w.file->Commit(); !s.ok()) return w.failed = s;
  w.finalized = true;
  return absl::OkStatus();
}

uint64_t SignatureFileWriter::record_count() const noexcept { return impl_->records; }
uint64_t SignatureFileWriter::bytes_written() const noexcept {
  const Impl& w = *impl_;
  return kSignatureHeaderBytes + w.payload_bytes +
         (w.block_records != 0 ? kBlockHeaderBytes + w.block.size() : 0);
}

// ---------------------------------------------------------------------------------
// Reader

namespace {

// Sequential bytes from a file or from memory.
class ByteInput {
 public:
  virtual ~ByteInput() = default;
  // Reads up to n bytes; fewer only at the end (or on an error, see status()).
  virtual size_t Read(char* dst, size_t n) = 0;
  virtual absl::Status status() const { return absl::OkStatus(); }
};

class FileInput final : public ByteInput {
 public:
  FileInput(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  ~FileInput() override { std::fclose(file_); }
  size_t Read(char* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, file_);
    if (got < n && std::ferror(file_)) status_ = ErrnoStatus(path_, "read error", errno != 0 ? errno : EIO);
    return got;
  }
  absl::Status status() const override { return status_; }

 private:
  std::FILE* file_;
  std::string path_;
  absl::Status status_;
};

class MemoryInput final : public ByteInput {
 public:
  explicit MemoryInput(std::string bytes) : bytes_(std::move(bytes)) {}
  size_t Read(char* dst, size_t n) override {
    const size_t got = std::min(n, bytes_.size() - pos_);
    std::memcpy(dst, bytes_.data() + pos_, got);
    pos_ += got;
    return got;
  }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

}  // namespace

struct SignatureFileReader::Impl {
  std::string name;
  std::unique_ptr<ByteInput> input;
  uint64_t file_size = 0;
  SignatureFileInfo info;
  uint64_t stored_payload_hash = 0;
  size_t min_record_bytes = 0;
  XxhState payload_hash;

  uint64_t offset = kSignatureHeaderBytes;  // file offset of the next unread byte
  uint64_t block_index = 0;
  uint64_t block_offset = 0;  // file offset of the current block's records
  std::string block;
  size_t cursor = 0;
  uint32_t block_records_left = 0;
  uint64_t records_read = 0;
  std::vector<InputIdentity> input_table;
  bool done = false;
  absl::Status sticky;

  absl::Status Error(absl::StatusCode code, std::string_view section, uint64_t at,
                     std::string_view what) const {
    return absl::Status(code, absl::StrCat(name, ": ", std::string(section), " at byte offset ",
                                           at, ": ", std::string(what)));
  }

  absl::Status ReadHeader() {
    char h[kSignatureHeaderBytes];
    const size_t got = input->Read(h, sizeof(h));
    if (absl::Status s = input->status(); !s.ok()) return s;
    internal::HeaderPrefix prefix;
    if (absl::Status s = internal::CheckHeader(
            std::string_view(h, static_cast<size_t>(std::min<uint64_t>(got, file_size))), name,
            {kObjectTypeSignatureSet}, kSignatureFormatVersion, kSignatureHeaderBytes,
            kHeaderChecksumOffset, &prefix);
        !s.ok()) {
      return s;
    }
    info.format_version = prefix.version;
    if (const uint32_t size = LoadLe32(h + 20); size != kSignatureHeaderBytes) {
      return Error(absl::StatusCode::kDataLoss, "header", 20,
                   absl::StrCat("header size is ", size, ", expected ", kSignatureHeaderBytes));
    }
    const uint32_t flags = LoadLe32(h + 16);
    if ((flags & ~(kFlagMinHash | kFlagSimHash)) != 0) {
      return Error(absl::StatusCode::kFailedPrecondition, "header", 16,
                   absl::StrFormat("unknown flags 0x%08x", flags));
    }
    info.minhash_bits = 32;
    if (info.format_version >= 3) {
      info.minhash_bits = static_cast<uint8_t>(h[30]);
      if (info.minhash_bits != 16 && info.minhash_bits != 32) {
        return Error(absl::StatusCode::kInvalidArgument, "header", 30,
                     absl::StrCat("MinHash value bits are ", info.minhash_bits, ", expected 16 or 32"));
      }
    }
    for (size_t i : {30, 31}) {
      if (h[i] != 0 && !(i == 30 && info.format_version >= 3)) {
        return Error(absl::StatusCode::kFailedPrecondition, "header", i, "reserved byte is not 0");
      }
    }
    for (size_t i = 88; i < kHeaderChecksumOffset; ++i) {
      if (h[i] != 0) {
        return Error(absl::StatusCode::kFailedPrecondition, "header", i, "reserved byte is not 0");
      }
    }
    SignerOptions& o = info.options;
    o.compute_minhash = (flags & kFlagMinHash) != 0;
    o.compute_simhash = (flags & kFlagSimHash) != 0;
    if (std::optional<internal::HeaderFieldError> e = internal::DecodeSignerFields(h, &o)) {
      return Error(e->code, "header", e->offset, e->what);
    }
    o.simhash_seed = LoadLe64(h + 56);
    if (absl::Status s = o.Validate(); !s.ok()) {
      return Error(absl::StatusCode::kInvalidArgument, "header", 28,
                   absl::StrCat("invalid parameters: ", s.message()));
    }
    info.record_count = LoadLe64(h + 64);
    info.payload_bytes = LoadLe64(h + 72);
    stored_payload_hash = LoadLe64(h + 80);
    min_record_bytes = MinRecordBytes(o, info.format_version, info.minhash_bits);

    const uint64_t have_payload = file_size - kSignatureHeaderBytes;
    if (have_payload < info.payload_bytes) {
      return Error(absl::StatusCode::kDataLoss, "payload", file_size,
                   absl::StrCat("truncated: the header says ", info.payload_bytes,
                                " payload bytes from byte offset ", kSignatureHeaderBytes,
                                ", the file ends after ", have_payload));
    }
    if (have_payload > info.payload_bytes) {
      return Error(absl::StatusCode::kDataLoss, "payload",
                   kSignatureHeaderBytes + info.payload_bytes,
                   absl::StrCat(have_payload - info.payload_bytes,
                                " unexpected bytes after the end of the payload"));
    }
    // Every record takes at least min_record_bytes: a count that cannot fit is refused
    // before anyone reserves memory for it.
    if (info.record_count > info.payload_bytes / min_record_bytes) {
      return Error(absl::StatusCode::kDataLoss, "header", 64,
                   absl::StrCat("record count ", info.record_count, " cannot fit in ",
                                info.payload_bytes, " payload bytes"));
    }
    payload_hash = NewXxhState();
    if (!payload_hash) return absl::ResourceExhaustedError("cannot allocate an XXH3 state");
    if (info.format_version >= 2) return ReadInputTable();
    return absl::OkStatus();
  }

  // Format version 2: the input table at the start of the payload.
  absl::Status ReadInputTable() {
    const std::string section = "input table";
    char th[kInputTableHeaderBytes];
    if (info.payload_bytes < kInputTableHeaderBytes) {
      return Error(absl::StatusCode::kDataLoss, section, offset,
                   absl::StrCat("truncated: the payload is ", info.payload_bytes,
                                " bytes, the input table header ", kInputTableHeaderBytes));
    }
    if (input->Read(th, sizeof(th)) != sizeof(th)) return ShortRead(section);
    XXH3_64bits_update(payload_hash.get(), th, sizeof(th));
    const uint32_t count = LoadLe32(th);
    const uint64_t bytes = LoadLe64(th + 8);
    const uint64_t stored = LoadLe64(th + 16);
    const uint64_t left = info.payload_bytes - kInputTableHeaderBytes;
    if (LoadLe32(th + 4) != 0) {
      return Error(absl::StatusCode::kFailedPrecondition, section, offset + 4, "reserved bytes are not 0");
    }
    if (bytes > left || count > kSignatureMaxInputs || count > bytes / 20) {
      return Error(absl::StatusCode::kDataLoss, section, offset,
                   absl::StrCat(count, " inputs in ", bytes, " bytes do not fit the ", left,
                                " payload bytes left"));
    }
    std::string table(static_cast<size_t>(bytes), '\0');
    if (input->Read(table.data(), table.size()) != table.size()) return ShortRead(section);
    XXH3_64bits_update(payload_hash.get(), table.data(), table.size());
    const uint64_t start = offset + kInputTableHeaderBytes;
    if (const uint64_t computed = XXH3_64bits(table.data(), table.size()); computed != stored) {
      return Error(absl::StatusCode::kDataLoss, section, offset,
                   ChecksumMismatch(start, start + bytes, stored, computed));
    }
    size_t at = 0;
    input_table.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
      const uint32_t len = table.size() - at >= 4 ? LoadLe32(&table[at]) : 0;
      if (table.size() - at < 4 || len > kSignatureMaxPathBytes || table.size() - at - 4 < uint64_t{len} + 16) {
        return Error(absl::StatusCode::kDataLoss, section, start + at,
                     absl::StrCat("input ", i, " runs past the end of the table"));
      }
      InputIdentity& in = input_table[i];
      in.path.assign(&table[at + 4], len);
      in.size = LoadLe64(&table[at + 4 + len]);
      in.mtime_ns = static_cast<int64_t>(LoadLe64(&table[at + 12 + len]));
      at += 20 + len;
    }
    if (at != table.size()) {
      return Error(absl::StatusCode::kDataLoss, section, start + at,
                   absl::StrCat(table.size() - at, " bytes after the last input"));
    }
    offset = start + bytes;
    return absl::OkStatus();
  }

  absl::Status ReadBlock() {
    const uint64_t end = kSignatureHeaderBytes + info.payload_bytes;
    const uint64_t left = end - offset;
    const std::string section = absl::StrCat("block ", block_index);
    if (left < kBlockHeaderBytes) {
      return Error(absl::StatusCode::kDataLoss, section, offset,
                   absl::StrCat("truncated block header: ", left, " bytes left in the payload"));
    }
    char bh[kBlockHeaderBytes];
    if (input->Read(bh, kBlockHeaderBytes) != kBlockHeaderBytes) return ShortRead(section);
    XXH3_64bits_update(payload_hash.get(), bh, kBlockHeaderBytes);
    const uint32_t size = LoadLe32(bh);
    const uint32_t count = LoadLe32(bh + 4);
    const uint64_t stored = LoadLe64(bh + 8);
    if (size > left - kBlockHeaderBytes || size > kSignatureMaxBlockBytes) {
      return Error(absl::StatusCode::kDataLoss, section, offset,
                   absl::StrCat("block size ", size, " runs past the end of the payload (",
                                left - kBlockHeaderBytes, " bytes left) or over the limit of ",
                                kSignatureMaxBlockBytes));
    }
    if (count == 0 || count > size / min_record_bytes ||
        count > info.record_count - records_read) {
      return Error(absl::StatusCode::kDataLoss, section, offset + 4,
                   absl::StrCat("block claims ", count, " records in ", size, " bytes, with ",
                                info.record_count - records_read,
                                " records left of the header's ", info.record_count));
    }
    block.resize(size);
    if (input->Read(block.data(), size) != size) return ShortRead(section);
    XXH3_64bits_update(payload_hash.get(), block.data(), size);
    const uint64_t computed = XXH3_64bits(block.data(), size);
    if (computed != stored) {
      return Error(absl::StatusCode::kDataLoss, section, offset,
                   ChecksumMismatch(offset + kBlockHeaderBytes, offset + kBlockHeaderBytes + size, stored, computed));
    }
    block_offset = offset + kBlockHeaderBytes;
    offset = block_offset + size;
    cursor = 0;
    block_records_left = count;
    ++block_index;
    return absl::OkStatus();
  }

  absl::Status ShortRead(std::string_view section) {
    if (absl::Status s = input->status(); !s.ok()) return s;
    return Error(absl::StatusCode::kDataLoss, section, offset,
                 "the file ended early (was it truncated while being read?)");
  }

  absl::Status ParseRecord(SignatureRecord* r) {
    const uint64_t at = block_offset + cursor;
    const std::string section = absl::StrCat("record ", records_read);
    const size_t left = block.size() - cursor;
    const char* p = block.data() + cursor;
    const char* const end = block.data() + block.size();
    const auto overrun = [&](uint64_t id_len) {
      return Error(absl::StatusCode::kDataLoss, section, at,
                   absl::StrCat("record runs past the end of block ", block_index - 1, " (", left,
                                " bytes left, id length ", id_len, ")"));
    };
    DocumentSignature& sig = r->signature;
    uint8_t flags = 0;
    uint64_t flags_at = 0;
    r->bytes = 0;
    r->input = 0;
    r->record = 0;
    r->offset = 0;
    if (info.format_version >= 3) {
      // Varints; a bad one is reported at the record's start.
      uint64_t id_len = 0;
      if (!ReadVarint(&p, end, kSignatureMaxIdBytes, &id_len)) {
        return Error(absl::StatusCode::kDataLoss, section, at, "bad id length");
      }
      if (static_cast<size_t>(end - p) < id_len) return overrun(id_len);
      r->id.assign(p, id_len);
      p += id_len;
      uint64_t tokens = 0, shingles = 0;
      if (!ReadVarint(&p, end, UINT32_MAX, &tokens) || !ReadVarint(&p, end, UINT32_MAX, &shingles) || p == end) {
        return Error(absl::StatusCode::kDataLoss, section, at, "bad token or shingle count");
      }
      sig.num_tokens = static_cast<uint32_t>(tokens);
      sig.num_shingles = static_cast<uint32_t>(shingles);
      flags_at = at + static_cast<uint64_t>(p - (block.data() + cursor));
      flags = static_cast<uint8_t>(*p++);
      uint64_t input = 0;
      if (!ReadVarint(&p, end, UINT64_MAX, &r->bytes) || !ReadVarint(&p, end, UINT32_MAX, &input) ||
          !ReadVarint(&p, end, UINT64_MAX, &r->record) || !ReadVarint(&p, end, UINT64_MAX, &r->offset)) {
        return Error(absl::StatusCode::kDataLoss, section, at, "bad text location");
      }
      r->input = static_cast<uint32_t>(input);
      const size_t rest = (info.options.compute_simhash ? 8 : 0) + MinHashBytes(info.options, info.minhash_bits);
      if (static_cast<size_t>(end - p) < rest) return overrun(id_len);
    } else {
      const uint32_t id_len = left >= 4 ? LoadLe32(p) : 0;
      if (left < 4 || id_len > kSignatureMaxIdBytes || left - 4 < id_len ||
          left - 4 - id_len < min_record_bytes - 4) {
        return overrun(id_len);
      }
      p += 4;
      r->id.assign(p, id_len);
      p += id_len;
      sig.num_tokens = LoadLe32(p);
      sig.num_shingles = LoadLe32(p + 4);
      flags = static_cast<uint8_t>(p[8]);
      flags_at = at + 4 + id_len + 8;
      p += 9;
      if (info.format_version >= 2) {
        r->bytes = LoadLe64(p);
        r->input = LoadLe32(p + 8);
        r->record = LoadLe64(p + 12);
        r->offset = LoadLe64(p + 20);
        p += kRecordLocationBytes;
      }
    }
    if ((flags & ~kRecordFlagEmpty) != 0 ||
        ((flags & kRecordFlagEmpty) != 0) != (sig.num_shingles == 0)) {
      return Error(absl::StatusCode::kDataLoss, section, flags_at,
                   absl::StrCat("record flags ", flags, " do not match num_shingles ",
                                sig.num_shingles));
    }
    if (info.format_version >= 2 && r->input >= std::max<size_t>(input_table.size(), 1)) {
      return Error(absl::StatusCode::kDataLoss, section, flags_at + (info.format_version >= 3 ? 1 : 9),
                   absl::StrCat("input ", r->input, " is not in the input table of ",
                                input_table.size(), " inputs"));
    }
    sig.replaced_bytes = 0;
    sig.simhash = 0;
    if (info.options.compute_simhash) {
      sig.simhash = LoadLe64(p);
      p += 8;
    }
    sig.minhash.params = info.options.minhash;
    sig.minhash.empty = sig.num_shingles == 0;
    if (info.options.compute_minhash) {
      sig.minhash.values.resize(info.options.minhash.num_perm);
      for (uint32_t& v : sig.minhash.values) {
        if (info.minhash_bits == 16) {
          v = static_cast<uint32_t>(static_cast<uint8_t>(p[0])) | static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8;
          p += 2;
        } else {
          v = LoadLe32(p);
          p += 4;
        }
      }
    } else {
      sig.minhash.values.clear();
    }
    cursor = static_cast<size_t>(p - block.data());
    --block_records_left;
    ++records_read;
    if (block_records_left == 0 && cursor != block.size()) {
      return Error(absl::StatusCode::kDataLoss, absl::StrCat("block ", block_index - 1),
                   block_offset + cursor,
                   absl::StrCat(block.size() - cursor, " bytes after the block's last record"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Next(SignatureRecord* record) {
    if (!sticky.ok()) return sticky;
    if (done) return false;
    if (block_records_left == 0) {
      if (offset == kSignatureHeaderBytes + info.payload_bytes) {
        if (records_read != info.record_count) {
          return sticky = Error(absl::StatusCode::kDataLoss, "payload", offset,
                                absl::StrCat("the payload ends after ", records_read,
                                             " records, the header says ", info.record_count));
        }
        const uint64_t computed = XXH3_64bits_digest(payload_hash.get());
        if (computed != stored_payload_hash) {
          return sticky = Error(absl::StatusCode::kDataLoss, "payload", kSignatureHeaderBytes,
                                absl::StrCat("payload ", ChecksumMismatch(kSignatureHeaderBytes, offset,
                                                                          stored_payload_hash, computed)));
        }
        done = true;
        return false;
      }
      if (absl::Status s = ReadBlock(); !s.ok()) return sticky = s;
    }
    if (absl::Status s = ParseRecord(record); !s.ok()) return sticky = s;
    return true;
  }
};

SignatureFileReader::SignatureFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SignatureFileReader::SignatureFileReader(SignatureFileReader&&) noexcept = default;
SignatureFileReader& SignatureFileReader::operator=(SignatureFileReader&&) noexcept = default;
SignatureFileReader::~SignatureFileReader() = default;

absl::StatusOr<SignatureFileReader> SignatureFileReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoStatus(path, "cannot open", errno);
  auto impl = std::make_unique<Impl>();
  impl->name = path;
  impl->input = std::make_unique<FileInput>(f, path);
  struct stat st;
  if (::fstat(fileno(f), &st) != 0) return ErrnoStatus(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  impl->file_size = static_cast<uint64_t>(st.st_size);
  if (absl::Status s = impl->ReadHeader(); !s.ok()) return s;
  return SignatureFileReader(std::move(impl));
}

absl::StatusOr<SignatureFileReader> SignatureFileReader::FromBytes(std::string bytes,
                                                                   std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->file_size = bytes.size();
  impl->input = std::make_unique<MemoryInput>(std::move(bytes));
  if (absl::Status s = impl->ReadHeader(); !s.ok()) return s;
  return SignatureFileReader(std::move(impl));
}

const SignatureFileInfo& SignatureFileReader::info() const noexcept { return impl_->info; }
const std::vector<InputIdentity>& SignatureFileReader::input_table() const noexcept {
  return impl_->input_table;
}

absl::StatusOr<bool> SignatureFileReader::Next(SignatureRecord* record) {
  return impl_->Next(record);
}

DocumentSignature SignatureSet::Signature(size_t i) const {
  DocumentSignature sig;
  sig.num_tokens = num_tokens[i];
  sig.num_shingles = num_shingles[i];
  sig.simhash = info.options.compute_simhash ? simhashes[i] : 0;
  sig.minhash.params = info.options.minhash;
  sig.minhash.empty = num_shingles[i] == 0;
  if (info.options.compute_minhash) {
    const auto values = minhash(i);
    sig.minhash.values.assign(values.begin(), values.end());
  }
  return sig;
}

namespace {

absl::StatusOr<SignatureSet> ReadAll(SignatureFileReader reader) {
  SignatureSet set;
  set.info = reader.info();
  const SignerOptions& o = set.info.options;
  // record_count was checked against the payload size when the header was read.
  const size_t n = static_cast<size_t>(set.info.record_count);
  set.input_table = reader.input_table();
  set.ids.reserve(n);
  set.bytes.reserve(n);
  set.inputs.reserve(n);
  set.records.reserve(n);
  set.offsets.reserve(n);
  set.num_tokens.reserve(n);
  set.num_shingles.reserve(n);
  if (o.compute_simhash) set.simhashes.reserve(n);
  if (o.compute_minhash) set.minhash_values.reserve(n * o.minhash.num_perm);
  SignatureRecord r;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&r);
    if (!more.ok()) return more.status();
    if (!*more) break;
    set.ids.push_back(std::move(r.id));
    set.num_tokens.push_back(r.signature.num_tokens);
    set.num_shingles.push_back(r.signature.num_shingles);
    set.bytes.push_back(r.bytes);
    set.inputs.push_back(r.input);
    set.records.push_back(r.record);
    set.offsets.push_back(r.offset);
    if (o.compute_simhash) set.simhashes.push_back(r.signature.simhash);
    if (o.compute_minhash) {
      set.minhash_values.insert(set.minhash_values.end(), r.signature.minhash.values.begin(),
                                r.signature.minhash.values.end());
    }
  }
  return set;
}

}  // namespace

absl::StatusOr<SignatureSet> ReadSignatureFile(const std::string& path) {
  absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(path);
  if (!reader.ok()) return reader.status();
  return ReadAll(std::move(*reader));
}

absl::StatusOr<SignatureSet> ReadSignatureBytes(std::string bytes, std::string name) {
  absl::StatusOr<SignatureFileReader> reader =
      SignatureFileReader::FromBytes(std::move(bytes), std::move(name));
  if (!reader.ok()) return reader.status();
  return ReadAll(std::move(*reader));
}

}  // namespace neardup
