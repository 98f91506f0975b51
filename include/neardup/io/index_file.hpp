// Index files: a MinHashLsh (minhash_lsh.hpp) saved to one file with every parameter
// that produced it, and loaded back in one bulk read per table, so a crawler restarts
// in a fraction of a second instead of re-signing its corpus.
//
// Input: an index and the SignerOptions its signatures came from. Output: a versioned,
// little-endian file with an XXH3-64 checksum per section; loading it gives an index
// whose every query answers exactly as the saved one did, or an error naming the
// section and byte offset of the first problem.
//
//   absl::Status s = neardup::SaveMinHashLsh(index, signer_options, "pages.ndidx");
//   absl::StatusOr<neardup::MinHashLsh<>> back =
//       neardup::LoadMinHashLsh<>("pages.ndidx", signer_options, index.options());
//
// Layout (format version 1). All integers little-endian.
//
//   Header, 128 bytes (the signature file's conventions, io/signature_file.hpp)
//   offset size  field
//   0      8     magic 89 4E 44 55 50 0D 0A 1A (shared by all neardup files)
//   8      4     object type (io/format.hpp): 2 = MinHash LSH index, 3 = crawler index
//                snapshot (store/crawler_index.hpp: the same sections plus two of its own)
//   12     4     format version: 1 (a reader refuses a newer version)
//   16     4     flags: bit 0 = 64-bit document ids (else 32-bit); other bits 0
//   20     4     header size in bytes (128)
//   24     4     NormalizeOptions::Bits()
//   28     1     shingle kind (1 word, 2 char)
//   29     1     MinHash algorithm (1 classic, 2 one-permutation)
//   30     2     reserved, 0
//   32     4     shingle n
//   36     4     MinHash num_perm (k)
//   40     8     shingle seed
//   48     8     MinHash seed
//   56     4     LSH bands b
//   60     4     LSH rows r
//   64     4     stored_bits (0 = no stored signatures)
//   68     4     section count
//   72     8     document count
//   80     8     file size in bytes
//   88     32    reserved, 0
//   120    8     XXH3-64 (seed 0) of header bytes [0, 120)
//
//   Sections, one after another from byte 128, each a 32-byte header and a payload:
//   0      4     section tag (below)
//   4      4     section index (the band number for band tables, else 0)
//   8      8     payload bytes P
//   16     8     element count n
//   24     8     XXH3-64 (seed 0) of section header bytes [0, 24) followed by the payload
//   32     P     payload
//
//   tag  section          payload (W = 4 bytes for 32-bit ids, 8 for 64-bit)
//   2    id-list pool     n words of W bytes: the shared sorted id lists, each
//                         [size][ids...][0 padding to a power of two >= 2], in the order
//                         the band tables below refer to them; no free blocks
//   3    stored records   only when stored_bits != 0; n records of 8 * (1 + b + w) bytes:
//                         id, the b band keys, the signature packed stored_bits wide
//                         in w = ceil(k * stored_bits / 64) words (bbit.hpp)
//   1    band table i     for i = 0 .. b-1: 4 home capacity, 4 reserved (0), 8 entries,
//                         then n slots of 8 + W bytes: key bits 63..32 (4 bytes), key
//                         bits 31..0 (4), value (W); value all ones = empty slot (key 0),
//                         top bit set = pool offset of a list, else the document id
//   (a crawler snapshot adds its id and state sections after the last band table)
//
// The payloads are the index's own vectors (minhash_lsh.hpp), so on a little-endian
// machine a load is one read per section into the final vector plus one validating
// pass: for 1M documents at k = 128, 9 x 13 bands, about 0.08 s of CPU without stored
// signatures (119 MB) and 0.3 s with 8-bit ones (327 MB) (bench/crawler_index_bench.cpp).
//
// Guarantees: a loaded index answers Query / QueryTopK / Contains exactly as the saved
// one, and the file's bytes depend only on the index's state and the options. Saving
// writes atomically (io/format.hpp: "<path>.tmp", fsync, rename over <path>, fsync of the
// directory), so a crash leaves either the old file or the new one.
// Loading refuses, before building anything: other parameters than the caller expects
// (FailedPrecondition naming each differing parameter, expected and found), newer
// format versions or other object types (FailedPrecondition), and truncated, corrupted
// or inconsistent files (DataLoss naming the section and byte offset). Every count is
// checked against the bytes left in the file before anything is allocated, and the
// tables, lists and records are checked for the invariants the index relies on (key
// order, list tiling, ids of lists and tables present in the records), so no file,
// however crafted, can make a later query crash.
// Thread safety: loading and saving are safe from any thread; saving reads the index,
// so it must not change meanwhile.
#ifndef NEARDUP_IO_INDEX_FILE_HPP_
#define NEARDUP_IO_INDEX_FILE_HPP_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/signature_file.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

inline constexpr uint32_t kIndexFormatVersion = 1;
inline constexpr size_t kIndexHeaderBytes = 128;
inline constexpr size_t kIndexSectionHeaderBytes = 32;

// What an index file's header says.
struct IndexFileInfo {
  uint32_t object_type = 0;
  uint32_t format_version = 0;
  bool wide_ids = false;  // 64-bit document ids
  SignerOptions signer;   // normalize, shingle, minhash (no SimHash: not stored)
  MinHashLshOptions lsh;  // lsh.minhash == signer.minhash
  uint32_t sections = 0;
  uint64_t documents = 0;
  uint64_t file_bytes = 0;
};

// Writes the index atomically to `path`. signer.minhash must be the index's MinHash
// parameters (InvalidArgument otherwise).
template <typename DocId>
absl::Status SaveMinHashLsh(const MinHashLsh<DocId>& index, const SignerOptions& signer, const std::string& path);

// The file's bytes, in memory.
template <typename DocId>
absl::StatusOr<std::string> SerializeMinHashLsh(const MinHashLsh<DocId>& index, const SignerOptions& signer);

// Loads an index saved with exactly these parameters: the normalization and shingles of
// expected_signer, and expected's MinHash parameters, banding and stored_bits (which must
// agree with expected_signer.minhash).
template <typename DocId = uint32_t>
absl::StatusOr<MinHashLsh<DocId>> LoadMinHashLsh(const std::string& path, const SignerOptions& expected_signer,
                                                 const MinHashLshOptions& expected);

// The same over bytes in memory; `name` is used in messages.
template <typename DocId = uint32_t>
absl::StatusOr<MinHashLsh<DocId>> ParseMinHashLsh(std::string_view bytes, const std::string& name,
                                                  const SignerOptions& expected_signer,
                                                  const MinHashLshOptions& expected);

// Reads and checks only the header (magic, type, version, checksum, parameters).
absl::StatusOr<IndexFileInfo> ReadIndexFileInfo(const std::string& path);

namespace internal {

// A section a container format (the crawler snapshot) adds after the index's own.
struct IndexFileSection {
  uint32_t tag = 0;
  std::string name;       // for messages, e.g. "crawler ids"
  uint64_t elements = 0;  // the section header's element count
  std::string payload;
  uint64_t offset = 0;  // when read: file offset of the payload
};

// Saves (atomically) or encodes an index file of `object_type` with `extra` sections.
template <typename DocId>
absl::Status WriteIndexFile(const std::string& path, const MinHashLsh<DocId>& index, const SignerOptions& signer,
                            uint32_t object_type, std::span<const IndexFileSection> extra);
template <typename DocId>
absl::StatusOr<std::string> EncodeIndexFile(const MinHashLsh<DocId>& index, const SignerOptions& signer,
                                            uint32_t object_type, std::span<const IndexFileSection> extra);

template <typename DocId>
struct DecodedIndexFile {
  IndexFileInfo info;
  std::optional<MinHashLsh<DocId>> index;
  std::vector<IndexFileSection> extra;  // in the order of extra_sections
};

// Reads a file of `object_type` whose sections after the index's are `extra_sections`
// (tag and name given; payloads are filled in). Path or bytes in memory.
template <typename DocId>
absl::StatusOr<DecodedIndexFile<DocId>> ReadIndexFile(const std::string& path, uint32_t object_type,
                                                      const SignerOptions& expected_signer,
                                                      const MinHashLshOptions& expected,
                                                      std::span<const IndexFileSection> extra_sections);
template <typename DocId>
absl::StatusOr<DecodedIndexFile<DocId>> DecodeIndexFile(std::string_view bytes, const std::string& name,
                                                        uint32_t object_type, const SignerOptions& expected_signer,
                                                        const MinHashLshOptions& expected,
                                                        std::span<const IndexFileSection> extra_sections);

// The ids of the documents of an index with stored signatures, in storage order
// (empty without stored signatures).
template <typename DocId>
std::vector<DocId> StoredIds(const MinHashLsh<DocId>& index);

}  // namespace internal
}  // namespace neardup

#endif  // NEARDUP_IO_INDEX_FILE_HPP_
