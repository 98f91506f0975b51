// What the `neardup index` commands do alike for MinHash (index.cpp) and SimHash
// (simhash_index.cpp) crawler indexes: errors, reading inputs, the query output, the
// removal loop and the recovery report of `check`.
#ifndef NEARDUP_SRC_CLI_INDEX_SHARED_HPP_
#define NEARDUP_SRC_CLI_INDEX_SHARED_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.hpp"
#include "console.hpp"
#include "neardup/io/input.hpp"
#include "neardup/store/crawler_index.hpp"

namespace neardup::cli {

// Prints "neardup index <command>: error: <message>" and returns kExitError.
int IndexError(Console& console, std::string_view command, const absl::Status& s);

// A reader of the inputs whose bad records are reported on the console.
DocumentReader IndexInputReader(const std::vector<std::string>& inputs, const InputFlags& flags, Console& console);

// `query`: prints one JSON line per input document, {"id":...,"duplicates":[...]}, the
// duplicates being the JSON objects `matches` appends (comma-separated) to the line,
// which returns how many it appended; then the summary. Returns the exit code.
int PrintQueryLines(DocumentReader& reader, Console& console,
                    absl::FunctionRef<absl::StatusOr<size_t>(const Document& doc, std::string* line)> matches);

// `remove`: removes each id, reports those not found, checkpoints. Returns the exit code.
template <typename Index>
int RemoveIds(Index& index, const std::vector<std::string>& ids, Console& console) {
  uint64_t removed = 0, missing = 0;
  for (const std::string& id : ids) {
    if (absl::Status s = index.Remove(id); !s.ok()) {
      console.Line(absl::StrCat("neardup index remove: ", s.message()));
      ++missing;
    } else {
      ++removed;
    }
  }
  if (absl::Status s = index.Checkpoint(); !s.ok()) return IndexError(console, "remove", s);
  console.Line(absl::StrFormat("neardup index remove: %d removed, %d not found; %d documents indexed", removed,
                               missing, index.size()));
  return missing == 0 ? kExitOk : kExitError;
}

// `merge`: opens the index (`open`) and the one other index of `args` with its options,
// merges, checkpoints. Returns the exit code.
template <typename Index, typename OpenIndex>
int MergeOther(const std::vector<std::string>& args, OpenIndex open, Console& console) {
  if (args.size() != 1) {
    return IndexError(console, "merge", absl::InvalidArgumentError("merge takes exactly one other index"));
  }
  absl::StatusOr<std::unique_ptr<Index>> index = open();
  if (!index.ok()) return IndexError(console, "merge", index.status());
  absl::StatusOr<std::unique_ptr<Index>> other = Index::Open(args[0], (*index)->options());
  if (!other.ok()) return IndexError(console, "merge", other.status());
  absl::StatusOr<CrawlerMergeResult> r = (*index)->Merge(**other);
  if (!r.ok()) return IndexError(console, "merge", r.status());
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return IndexError(console, "merge", s);
  console.Line(absl::StrFormat("neardup index merge: %d inserted, %d already present; %d documents indexed",
                               r->inserted, r->already_present, (*index)->size()));
  return kExitOk;
}

// `check`'s line on the log: records replayed and the torn tail cut off.
void PrintRecovery(const CrawlerRecovery& r);

}  // namespace neardup::cli

#endif  // NEARDUP_SRC_CLI_INDEX_SHARED_HPP_
