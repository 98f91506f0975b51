// SimHash index files: a SimHashIndex (simhash_index.hpp) saved to one file with every
// parameter that produced its fingerprints, and loaded back as an index that answers
// every query exactly as the saved one.
//
//   absl::Status s = neardup::SaveSimHashIndex(index, signer_options, "pages.ndsim");
//   absl::StatusOr<neardup::SimHashIndex> back =
//       neardup::LoadSimHashIndex("pages.ndsim", signer_options, index.options());
//
// Layout (format version 1). All integers little-endian. The conventions (magic, header
// checksum, 32-byte section headers with an XXH3-64 each) are index_file.hpp's.
//
//   Header, 128 bytes
//   offset size  field
//   0      8     magic 89 4E 44 55 50 0D 0A 1A
//   8      4     object type: 4 = SimHash index (io/format.hpp; format version 1 crawler
//                logs also say 4, told apart by their 64-byte header)
//   12     4     format version: 1 (a reader refuses a newer version)
//   16     4     flags: 0
//   20     4     header size in bytes (128)
//   24     4     NormalizeOptions::Bits()
//   28     1     shingle kind (1 word, 2 char)
//   29     3     reserved, 0 (the MinHash algorithm byte of other neardup files)
//   32     4     shingle n
//   36     4     reserved, 0 (MinHash k elsewhere)
//   40     8     shingle seed
//   48     8     reserved, 0 (MinHash seed elsewhere)
//   56     8     SimHash seed
//   64     4     fingerprint bits: 64
//   68     4     max_distance (SimHashIndexOptions)
//   72     4     num_blocks (SimHashIndexOptions; 0 = chosen as the index grows)
//   76     4     section count: 1
//   80     8     entry count n
//   88     8     file size in bytes (128 + 32 + 16 n)
//   96     24    reserved, 0
//   120    8     XXH3-64 (seed 0) of header bytes [0, 120)
//
//   Section at byte 128, tag 5 "SimHash entries", index 0, n elements, 16 n payload
//   bytes: per entry the id (8) and the fingerprint (8), in the index's slot order
//   (ids(), fingerprints()); the tables are rebuilt from them on load.
//
// Loading refuses, before building anything: other parameters than the caller expects
// (FailedPrecondition naming each one, expected and found), newer format versions and
// other object types (FailedPrecondition), and truncated, corrupted or inconsistent
// files, including an id stored twice (DataLoss naming the section and byte offset).
// Counts are checked against the file's size before anything is allocated. Saving
// writes "<path>.tmp", fsyncs and renames it over <path>. Cost: a load reads 16 bytes
// per entry and rebuilds the tables (about 0.1 s per million entries at d = 3).
#ifndef NEARDUP_IO_SIMHASH_INDEX_FILE_HPP_
#define NEARDUP_IO_SIMHASH_INDEX_FILE_HPP_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/index/simhash_index.hpp"
#include "neardup/io/format.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

inline constexpr uint32_t kSimHashIndexFormatVersion = 1;

// What a SimHash index file's header says.
struct SimHashIndexFileInfo {
  uint32_t format_version = 0;
  SignerOptions signer;  // normalize, shingle and simhash_seed (no MinHash: not stored)
  SimHashIndexOptions index;
  uint64_t entries = 0;
  uint64_t file_bytes = 0;
};

// Writes the index atomically to `path`. Only signer's normalization, shingle and
// SimHash parameters are recorded.
absl::Status SaveSimHashIndex(const SimHashIndex& index, const SignerOptions& signer, const std::string& path);

// The file's bytes, in memory.
absl::StatusOr<std::string> SerializeSimHashIndex(const SimHashIndex& index, const SignerOptions& signer);

// Loads an index saved with the normalization, shingles and SimHash seed of
// expected_signer and with the options `expected`.
absl::StatusOr<SimHashIndex> LoadSimHashIndex(const std::string& path, const SignerOptions& expected_signer,
                                              const SimHashIndexOptions& expected);

// The same over bytes in memory; `name` is used in messages.
absl::StatusOr<SimHashIndex> ParseSimHashIndex(std::string_view bytes, const std::string& name,
                                               const SignerOptions& expected_signer,
                                               const SimHashIndexOptions& expected);

// Reads and checks only the header.
absl::StatusOr<SimHashIndexFileInfo> ReadSimHashIndexFileInfo(const std::string& path);

}  // namespace neardup

#endif  // NEARDUP_IO_SIMHASH_INDEX_FILE_HPP_
