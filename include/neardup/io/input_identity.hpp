// Input identity: what a later stage checks before it trusts offsets into an input.
//
// Stages that run on shards remember documents as (input, record, offset) and re-read
// them later (io/input.hpp, ReadRecords). Those offsets are only meaningful for the
// same bytes, so a stage records each input's identity when it reads it and compares
// it before re-reading:
//
//   absl::StatusOr<neardup::InputIdentity> now = neardup::IdentifyInput("data.jsonl.gz");
//   if (now.ok() && (now->size != then.size || now->mtime_ns != then.mtime_ns)) { ... }
//
// The identity is one stat(2): the path as given, the size in bytes and the
// modification time in nanoseconds since the epoch. It does not read the file, so it
// is cheap and cannot prove the bytes are equal; a file rewritten with the same size
// within the file system's timestamp resolution goes unnoticed. For a directory the
// size is the directory entry's own (file-system dependent) and the mtime changes when
// entries are added or removed, not when a file inside is edited.
#ifndef NEARDUP_IO_INPUT_IDENTITY_HPP_
#define NEARDUP_IO_INPUT_IDENTITY_HPP_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace neardup {

struct InputIdentity {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const InputIdentity&, const InputIdentity&) = default;
};

// Errors: FailedPrecondition for "-" (standard input has no identity); otherwise the
// errno's code (NotFound, PermissionDenied, ...) with "path: cannot stat: <message>".
absl::StatusOr<InputIdentity> IdentifyInput(const std::string& path);

}  // namespace neardup

#endif  // NEARDUP_IO_INPUT_IDENTITY_HPP_
