// The crawler index snapshot (store/crawler_index.hpp: an index file of object type 3
// whose last two sections hold the ids and the log position), written and read in one
// place for CrawlerIndex and KeyedMinHashLsh (store/keyed_index.hpp). Not API.
#ifndef NEARDUP_SRC_STORE_SNAPSHOT_HPP_
#define NEARDUP_SRC_STORE_SNAPSHOT_HPP_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "id_table.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::internal {

inline constexpr uint32_t kTagCrawlerIds = 16;
inline constexpr uint32_t kTagCrawlerState = 17;

// The signer options a MinHash crawler store keeps: SimHash would cost a tenth of the
// signing time and is never used.
inline SignerOptions MinHashOnly(SignerOptions o) {
  o.compute_minhash = true;
  o.compute_simhash = false;
  o.simhash_seed = 0;
  return o;
}

// Writes the snapshot of `lsh` and `ids` to `path` atomically; start_seq is the first
// log sequence number the snapshot does not hold.
absl::Status WriteCrawlerSnapshot(const std::string& path, const MinHashLsh<uint32_t>& lsh, const SignerOptions& signer,
                                  const IdTable& ids, uint64_t start_seq);

// Reads a snapshot made with exactly these options into *lsh and *ids (DataLoss when its
// ids and documents do not match one to one); returns its start_seq.
absl::StatusOr<uint64_t> ReadCrawlerSnapshot(const std::string& path, const SignerOptions& signer,
                                             const MinHashLshOptions& lsh_options,
                                             std::optional<MinHashLsh<uint32_t>>* lsh, IdTable* ids);

}  // namespace neardup::internal

#endif  // NEARDUP_SRC_STORE_SNAPSHOT_HPP_
