// The crawler index snapshot's id and state sections (snapshot.hpp).
#include "snapshot.hpp"

#include <span>
#include <utility>

#include "absl/strings/str_cat.h"
#include "neardup/io/format.hpp"
#include "neardup/io/index_file.hpp"

namespace neardup::internal {

absl::Status WriteCrawlerSnapshot(const std::string& path, const MinHashLsh<uint32_t>& lsh, const SignerOptions& signer,
                                  const IdTable& ids, uint64_t start_seq) {
  std::string state;
  AppendLe64(&state, start_seq);
  AppendLe64(&state, lsh.size());
  const IndexFileSection sections[] = {
      {.tag = kTagCrawlerIds, .name = "crawler ids", .elements = ids.handles(), .payload = ids.Encode()},
      {.tag = kTagCrawlerState, .name = "crawler state", .elements = 2, .payload = std::move(state)}};
  return WriteIndexFile<uint32_t>(path, lsh, signer, kObjectTypeCrawlerIndex, sections);
}

absl::StatusOr<uint64_t> ReadCrawlerSnapshot(const std::string& path, const SignerOptions& signer,
                                             const MinHashLshOptions& lsh_options,
                                             std::optional<MinHashLsh<uint32_t>>* lsh, IdTable* ids) {
  IndexFileSection specs[2];
  specs[0].tag = kTagCrawlerIds;
  specs[0].name = "crawler ids";
  specs[1].tag = kTagCrawlerState;
  specs[1].name = "crawler state";
  absl::StatusOr<DecodedIndexFile<uint32_t>> file =
      ReadIndexFile<uint32_t>(path, kObjectTypeCrawlerIndex, signer, lsh_options, specs);
  if (!file.ok()) return file.status();
  lsh->emplace(std::move(*file->index));
  const IndexFileSection& state = file->extra[1];
  if (state.payload.size() != 16) {
    return absl::DataLossError(absl::StrCat(path, ": crawler state at byte offset ", state.offset, ": ",
                                            state.payload.size(), " bytes, expected 16"));
  }
  const uint64_t start_seq = LoadLe64(&state.payload[0]);
  const uint64_t documents = LoadLe64(&state.payload[8]);
  if (start_seq == 0 || start_seq == ~uint64_t{0} || documents != (*lsh)->size()) {
    return absl::DataLossError(absl::StrCat(path, ": crawler state at byte offset ", state.offset, ": log sequence ",
                                            start_seq, " and ", documents, " documents do not fit an index of ",
                                            (*lsh)->size()));
  }
  const IndexFileSection& id_section = file->extra[0];
  if (absl::Status s = ids->Decode(id_section.payload, id_section.elements, id_section.offset, path); !s.ok()) {
    return s;
  }
  // Every stored document needs an id and every id a document (queries map one to the
  // other): equal counts and documents -> ids is enough, both being distinct.
  if (ids->size() != (*lsh)->size()) {
    return absl::DataLossError(absl::StrCat(path, ": crawler ids at byte offset ", id_section.offset, ": ",
                                            ids->size(), " ids for ", (*lsh)->size(), " documents"));
  }
  for (const uint32_t h : StoredIds(**lsh)) {
    if (!ids->Used(h)) {
      return absl::DataLossError(absl::StrCat(path, ": crawler ids at byte offset ", id_section.offset, ": document ",
                                              h, " of the index has no id"));
    }
  }
  return start_seq;
}

}  // namespace neardup::internal
