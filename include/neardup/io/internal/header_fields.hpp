// The signer fields every neardup file header holds at the same place (signature files,
// MinHash and SimHash index files, crawler snapshots), encoded and decoded once. Not API.
//
//   offset size  field
//   24     4     NormalizeOptions::Bits()
//   28     1     shingle kind (1 word, 2 char)
//   29     1     MinHash algorithm (1 classic, 2 one-permutation; 0 in SimHash files)
//   32     4     shingle n
//   36     4     MinHash num_perm (k)
//   40     8     shingle seed
//   48     8     MinHash seed
#ifndef NEARDUP_IO_INTERNAL_HEADER_FIELDS_HPP_
#define NEARDUP_IO_INTERNAL_HEADER_FIELDS_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "neardup/io/format.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::internal {

inline void EncodeSignerFields(const NormalizeOptions& normalize, const ShingleOptions& shingle,
                               const MinHashParams& minhash, char* header) {
  StoreLe32(header + 24, normalize.Bits());
  header[28] = static_cast<char>(shingle.kind);
  header[29] = static_cast<char>(minhash.algorithm);
  StoreLe32(header + 32, shingle.n);
  StoreLe32(header + 36, minhash.num_perm);
  StoreLe64(header + 40, shingle.seed);
  StoreLe64(header + 48, minhash.seed);
}

// A header field that cannot be decoded: the status code, its byte offset, and why.
struct HeaderFieldError {
  absl::StatusCode code;
  uint64_t offset;
  std::string what;
};

// Sets o's normalization, shingle and MinHash parameters from the header. Checks only
// that the normalization bits are known; callers validate the parameters they use.
inline std::optional<HeaderFieldError> DecodeSignerFields(const char* header, SignerOptions* o) {
  const uint32_t normalize_bits = LoadLe32(header + 24);
  o->normalize = NormalizeOptions::FromBits(normalize_bits);
  if (o->normalize.Bits() != normalize_bits) {
    return HeaderFieldError{absl::StatusCode::kFailedPrecondition, 24,
                            absl::StrFormat("unknown normalization bits 0x%08x", normalize_bits)};
  }
  o->shingle.kind = static_cast<ShingleKind>(static_cast<uint8_t>(header[28]));
  o->minhash.algorithm = static_cast<MinHashAlgorithm>(static_cast<uint8_t>(header[29]));
  o->shingle.n = LoadLe32(header + 32);
  o->minhash.num_perm = LoadLe32(header + 36);
  o->shingle.seed = LoadLe64(header + 40);
  o->minhash.seed = LoadLe64(header + 48);
  return std::nullopt;
}

}  // namespace neardup::internal

#endif  // NEARDUP_IO_INTERNAL_HEADER_FIELDS_HPP_
