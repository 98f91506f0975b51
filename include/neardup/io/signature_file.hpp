// Signature files: the signatures of a corpus, stored with the parameters that made
// them, so that later steps (dedup, index) can refuse to mix incompatible signatures.
//
// Input: (id, DocumentSignature) records from a Signer. Output: a versioned,
// little-endian, checksummed file; reading it back gives the same records, or an error
// naming the section and byte offset of the first problem.
//
//   auto writer = neardup::SignatureFileWriter::Create("corpus.ndsig", signer_options);
//   (*writer).Append("doc-1", signature);           // streaming, any number of records
//   absl::Status s = (*writer).Finalize();           // header, checksums, rename
//   absl::StatusOr<neardup::SignatureSet> set = neardup::ReadSignatureFile("corpus.ndsig");
//
// Layout (format version 3, written; versions 1 and 2 stay readable, byte for byte:
// what they differ in is marked "v2:" and "v3:" below). All integers little-endian; the
// header prefix, checksums and atomic write are io/format.hpp's.
//
// Size: v3 stores MinHash values as 16 bits when asked (b-bit MinHash,
// signature/bbit.hpp; what `neardup sign` and dedup use) and the per-record fields as
// varints, so a record of MinHash-128 with a short id takes about 280 bytes, against
// 553 in v2 with its SimHash.
//
//   Header, 128 bytes
//   offset size  field
//   0      8     magic 89 4E 44 55 50 0D 0A 1A ("\x89NDUP\r\n\x1a", shared by all
//                neardup files; the PNG-style bytes catch text-mode and 7-bit mangling)
//   8      4     object type: 1 = signature set (io/format.hpp)
//   12     4     format version: 3 (or 1, 2; a reader refuses a newer version)
//   16     4     flags: bit 0 MinHash present, bit 1 SimHash present; other bits 0
//   20     4     header size in bytes (128)
//   24     4     NormalizeOptions::Bits()
//   28     1     shingle kind (1 word, 2 char)
//   29     1     MinHash algorithm (1 classic, 2 one-permutation)
//   30     1     v3: MinHash value bits, 16 or 32 (reserved, 0, before v3: 32 bits)
//   31     1     reserved, 0
//   32     4     shingle n
//   36     4     MinHash num_perm (k)
//   40     8     shingle seed
//   48     8     MinHash seed
//   56     8     SimHash seed
//   64     8     record count
//   72     8     payload bytes (everything after the header)
//   80     8     XXH3-64 (seed 0) of the payload
//   88     32    reserved, 0
//   120    8     XXH3-64 (seed 0) of header bytes [0, 120)
//
//   v2: Input table, at byte 128 (the inputs the records were read from, and their
//   identity, so a later stage can check an input is unchanged and re-read a text):
//   0      4     input count N (<= 2^24)
//   4      4     reserved, 0
//   8      8     table bytes T
//   16     8     XXH3-64 (seed 0) of the T bytes that follow
//   24     T     N entries: 4 path length P (<= 64 KiB), P bytes of the path as given,
//                8 size in bytes, 8 modification time (ns since the epoch, signed)
//
//   Payload: (v2: after the input table) blocks until the end of the file. A block holds whole records, about
//   1 MiB of them, so a flipped bit is found (and located) before a record is parsed.
//   0      4     block size B (bytes after this 16-byte block header), <= 64 MiB
//   4      4     records in the block
//   8      8     XXH3-64 (seed 0) of the B bytes that follow
//   16     B     records, each (v3: the fields marked V are unsigned LEB128 varints,
//                7 bits a byte, low first, no longer than needed; v1, v2: fixed sizes):
//                  4 V   id length L (<= 1 MiB)
//                  L     id bytes
//                  4 V   num_tokens
//                  4 V   num_shingles
//                  1     flags: bit 0 = empty (no shingles; MinHash compares as 0)
//                  8 V   v2: text bytes of the document
//                  4 V   v2: input index (into the input table; 0 when it is empty)
//                  8 V   v2: record number within the input, 1-based (JSONL line, or
//                        position of a .txt file in its directory's listing; 0 = unknown)
//                  8 V   v2: byte offset of the record in the (decompressed) input
//                  8     SimHash-64                        (if header flag bit 1)
//                  4*k   MinHash values                    (if header flag bit 0; v3:
//                        2*k with 16-bit values, each the low 16 bits of the value)
//
// Guarantees: the bytes of a file depend only on the records and options appended
// (no timestamps, no padding garbage). The writer writes "<path>.partial", and Finalize()
// fsyncs it, renames it to <path> and fsyncs the directory (io/format.hpp AtomicFile),
// so a failed run never leaves a file that looks complete.
// A reader never allocates more than the file's size implies: counts and lengths are
// checked against the bytes actually present before any allocation.
// Errors: DataLoss (truncated, checksum mismatch, inconsistent counts),
// FailedPrecondition (newer format version, other object type, unknown flags),
// InvalidArgument (not a neardup file, bad parameters), and the errno's code for I/O.
// Thread safety: one writer or reader per thread.
#ifndef NEARDUP_IO_SIGNATURE_FILE_HPP_
#define NEARDUP_IO_SIGNATURE_FILE_HPP_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/io/format.hpp"
#include "neardup/io/input_identity.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

inline constexpr uint32_t kSignatureFormatVersion = 3;  // written; 1, 2 and 3 are read
inline constexpr size_t kSignatureHeaderBytes = 128;
inline constexpr uint32_t kSignatureMaxIdBytes = 1u << 20;
inline constexpr uint32_t kSignatureMaxBlockBytes = 64u << 20;
inline constexpr uint32_t kSignatureMaxPathBytes = 64u << 10;
inline constexpr uint32_t kSignatureMaxInputs = 1u << 24;

// An input's identity when it was read (io/input_identity.hpp): a later stage checks
// that it is unchanged before it re-reads a text.

// Where a record's text is: its length, its input and its place in that input.
struct RecordLocation {
  uint64_t bytes = 0;   // text bytes
  uint32_t input = 0;   // index into the input table
  uint64_t record = 0;  // 1-based record number within the input (0 = unknown)
  uint64_t offset = 0;  // byte offset within the (decompressed) input
};

// What a signature file's header says.
struct SignatureFileInfo {
  uint32_t format_version = kSignatureFormatVersion;
  SignerOptions options;       // compute_minhash / compute_simhash = what is stored
  // Bits stored of each MinHash value: 32, or 16 (the values read are the low 16 bits
  // of the signer's: compare them with the b-bit estimator, signature/bbit.hpp).
  uint32_t minhash_bits = 32;
  uint64_t record_count = 0;
  uint64_t payload_bytes = 0;
};

struct SignatureRecord {
  std::string id;
  DocumentSignature signature;  // replaced_bytes is not stored (always 0)
  // RecordLocation's fields; 0 in format version 1 files.
  uint64_t bytes = 0;
  uint32_t input = 0;
  uint64_t record = 0;
  uint64_t offset = 0;
};

class SignatureFileWriter {
 public:
  // Opens "<path>.partial" for writing a format version 3 file whose input table is
  // `inputs`, storing minhash_bits (16 or 32) of each MinHash value. InvalidArgument for
  // invalid options, other bits or a path over 64 KiB.
  static absl::StatusOr<SignatureFileWriter> Create(std::string path,
                                                    const SignerOptions& options,
                                                    std::vector<InputIdentity> inputs = {},
                                                    uint32_t minhash_bits = 32);
  SignatureFileWriter(SignatureFileWriter&&) noexcept;
  SignatureFileWriter& operator=(SignatureFileWriter&&) noexcept;
  ~SignatureFileWriter();  // removes the partial file unless Finalize() succeeded

  // Appends one record. The signature must come from a Signer with this writer's
  // options (InvalidArgument otherwise, naming the record); ids up to 1 MiB; where.input
  // must index the input table (or be 0).
  absl::Status Append(std::string_view id, const DocumentSignature& signature,
                      const RecordLocation& where = {});

  // Writes the last block and the header, and puts the file in place (fsync, rename,
  // fsync of the directory).
  absl::Status Finalize();

  uint64_t record_count() const noexcept;
  uint64_t bytes_written() const noexcept;  // header + payload so far

 private:
  struct Impl;
  explicit SignatureFileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Streaming reader: one record at a time, memory bounded by one block.
class SignatureFileReader {
 public:
  // Reads and checks the header (magic, type, version, header checksum, parameters,
  // payload size against the file size).
  static absl::StatusOr<SignatureFileReader> Open(const std::string& path);
  // The same over bytes in memory (tests, fuzzing); `name` is used in messages.
  static absl::StatusOr<SignatureFileReader> FromBytes(std::string bytes, std::string name);
  SignatureFileReader(SignatureFileReader&&) noexcept;
  SignatureFileReader& operator=(SignatureFileReader&&) noexcept;
  ~SignatureFileReader();

  const SignatureFileInfo& info() const noexcept;
  // The inputs of a format version 2 file (empty for version 1).
  const std::vector<InputIdentity>& input_table() const noexcept;

  // Stores the next record and returns true; false after the last one, once the
  // record count and the payload checksum have been verified.
  absl::StatusOr<bool> Next(SignatureRecord* record);

 private:
  struct Impl;
  explicit SignatureFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A whole signature file in memory, column by column.
struct SignatureSet {
  SignatureFileInfo info;
  std::vector<std::string> ids;
  std::vector<uint32_t> num_tokens;
  std::vector<uint32_t> num_shingles;
  // Where each record's text is (RecordLocation); zeros for format version 1 files.
  std::vector<uint64_t> bytes;
  std::vector<uint32_t> inputs;
  std::vector<uint64_t> records;
  std::vector<uint64_t> offsets;
  std::vector<InputIdentity> input_table;
  std::vector<uint64_t> simhashes;       // one per record, if info.options.compute_simhash
  std::vector<uint32_t> minhash_values;  // num_perm per record, if compute_minhash (info.minhash_bits each)

  size_t size() const noexcept { return ids.size(); }
  bool empty(size_t i) const noexcept { return num_shingles[i] == 0; }
  std::span<const uint32_t> minhash(size_t i) const noexcept {
    const size_t k = info.options.minhash.num_perm;
    return std::span<const uint32_t>(minhash_values).subspan(i * k, k);
  }
  // Record i as a DocumentSignature (copies its MinHash values).
  DocumentSignature Signature(size_t i) const;
};

absl::StatusOr<SignatureSet> ReadSignatureFile(const std::string& path);
// The same over bytes in memory; `name` is used in messages.
absl::StatusOr<SignatureSet> ReadSignatureBytes(std::string bytes, std::string name);

}  // namespace neardup

#endif  // NEARDUP_IO_SIGNATURE_FILE_HPP_
