// Stage 8: where a dedup run's documents come from.
//
//   - Files: JSONL (plain, .gz, .zst, "-" for stdin) and directories of .txt files,
//     through the readers of io/input.hpp;
//   - Texts: ids and texts in memory (bindings, tests, programs that have the text);
//   - Signatures: signature files (.ndsig) written by `neardup sign`, one or several
//     shards, in order; their inputs are read again only when an exact check needs a
//     text and the recorded inputs are still there, unchanged.
//
//   auto source = neardup::DocumentSource::FromPaths({"a.jsonl.gz", "b.ndsig"}, input);  // error: mixed
//   auto source = neardup::DocumentSource::Texts({"a", "b"}, {"text a", "text b"});
//
// Documents are numbered by their global ordinal (input index, record number): the
// order of the inputs, then of the records in each.
#ifndef NEARDUP_DEDUP_SOURCE_HPP_
#define NEARDUP_DEDUP_SOURCE_HPP_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "neardup/io/input.hpp"

namespace neardup {

class DocumentSource {
 public:
  enum class Kind { kFiles, kTexts, kSignatures };

  // JSONL files, directories of .txt files, "-".
  static DocumentSource Files(std::vector<std::string> paths, InputOptions input = {});
  // texts[i] has id ids[i]. ids and texts must have the same size (checked when read).
  static DocumentSource Texts(std::vector<std::string> ids, std::vector<std::string> texts);
  // Signature files, in order.
  static DocumentSource Signatures(std::vector<std::string> paths, InputOptions input = {});
  // Signature files when every path is one (by its magic bytes), else files; a mix of
  // the two is refused (InvalidArgument naming the first of each).
  static absl::StatusOr<DocumentSource> FromPaths(std::vector<std::string> paths, InputOptions input = {});

  Kind kind() const noexcept { return kind_; }
  const std::vector<std::string>& paths() const noexcept { return paths_; }
  const std::vector<std::string>& ids() const noexcept { return ids_; }
  const std::vector<std::string>& texts() const noexcept { return texts_; }
  const InputOptions& input() const noexcept { return input_; }
  InputOptions& mutable_input() noexcept { return input_; }

 private:
  Kind kind_ = Kind::kFiles;
  std::vector<std::string> paths_;
  std::vector<std::string> ids_;
  std::vector<std::string> texts_;
  InputOptions input_;
};

// True if the file at `path` starts with the neardup file magic.
bool IsNeardupFile(const std::string& path);

}  // namespace neardup

#endif  // NEARDUP_DEDUP_SOURCE_HPP_
