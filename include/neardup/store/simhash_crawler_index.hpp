// The durable crawler index in SimHash form: pages keyed by URL (any string id), each
// kept as its 64-bit SimHash (Charikar 2002), found again within a Hamming distance by
// permuted tables (index/simhash_index.hpp; Manku, Jain, Das Sarma 2007, whose crawler
// used 64 bits at distance 3), and persisted as a snapshot plus an append-only log with
// the promises of the MinHash store (store/crawler_index.hpp).
//
// Input: (id, text) or (id, fingerprint) from many threads at once. Output: the indexed
// documents within max_distance of a page, each with its Hamming distance, and, with
// QueryOrInsert, the decision "new page: indexed" or "near-copy of these: not indexed"
// made atomically.
//
//   auto index = neardup::SimHashCrawlerIndex::Open("pages.ndsci", {.max_distance = 3});
//   auto r = (*index)->QueryOrInsert(url, fingerprint);     // or (url, text)
//   if (r.ok() && !r->inserted) skip(url, r->duplicates);    // {id, distance} each
//
// Files: <path> the snapshot, <path>.log the log, <path>.lock held (flock) while open,
// <path>.tmp and <path>.log.tmp only while one of them is being replaced.
//
// Snapshot (object type 6, format version 1, little-endian; io/format.hpp's codec):
//   Header, 128 bytes: 0 magic, 8 object type 6, 12 format version 1, 16 flags 0,
//   20 header size 128, 24..55 the signer fields of io/internal/header_fields.hpp
//   (MinHash fields 0), 56 SimHash seed, 64 fingerprint bits 64, 68 max_distance,
//   72 num_blocks (0 = chosen as the index grows), 76 section count 2, 80 documents,
//   88 file size, 96 first log sequence number not in the snapshot, 104..119 reserved 0,
//   120 XXH3-64 of bytes [0, 120).
//   Two sections, each a 32-byte section header as in io/index_file.hpp (tag, index 0,
//   payload bytes, element count, XXH3-64 of the section header's first 24 bytes and the
//   payload) and its payload:
//     tag 18 SimHash fingerprints: n = handle count; n x 8-byte fingerprints, in handle
//            order (0 for an unused handle);
//     tag 16 crawler ids: as in the MinHash snapshot (n x 4-byte id lengths, 0 = unused
//            handle, then the id bytes of every used handle in handle order).
//   The permuted tables are rebuilt on load (about 0.1-0.2 s per million documents).
//
// Log: the MinHash store's layout (64-byte header, checksummed records with sequence
// numbers) with object type 7, and an insert record's payload is 4 id length, id,
// 8 fingerprint. Its parameter fingerprint covers normalization, shingles, SimHash
// seed, max_distance and num_blocks. Replay, torn tails and checkpoints work as there.
//
// Durability (SyncPolicy, as in store/crawler_index.hpp): every acknowledged change is
// in the log file before the call returns, so it survives kill -9 under every policy;
// kEveryOp also fdatasyncs before returning (power loss); kEveryN has a sync thread
// fdatasync every sync_every records while appends go on, and at most the last
// 2 x sync_every acknowledged changes are unsynced at any time; kNever leaves it to the
// OS. Concurrent callers share one write and one fdatasync (group commit), so kEveryOp
// under many threads costs one sync per group, not per call. Measured on one core, 10M
// fingerprints: see bench/simhash_crawler_index_bench.cpp and the README.
//
// Concurrency: any number of threads. Signing happens before any lock. Queries hold the
// writer-preferring reader-writer lock shared; changes are serialized by a mutex and
// take the lock exclusively only for the table update, so QueryOrInsert's query and
// insert are one critical section: of threads racing with near-copies of one page,
// exactly one inserts it.
//
// Cost: a query probes C(B, d) tables (10 at d = 3 past ~200k documents), one bucket
// list each; an insert links the fingerprint into each. Memory per document, at d = 3
// and 10M documents: 16 bytes of handle and fingerprint, 4 per table in the lists
// (40), 4 per table and bucket with up to two buckets per document (~67), the slot
// map (~28) and the id table (~16 plus the id's bytes): about 170 bytes plus the id.
#ifndef NEARDUP_STORE_SIMHASH_CRAWLER_INDEX_HPP_
#define NEARDUP_STORE_SIMHASH_CRAWLER_INDEX_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/index/simhash_index.hpp"
#include "neardup/signature/signer.hpp"
#include "neardup/store/crawler_index.hpp"

namespace neardup {

struct SimHashCrawlerIndexOptions {
  SignerOptions signer;  // normalization, shingles and simhash_seed; MinHash is never computed
  int max_distance = 3;  // near-duplicate: Hamming distance at most this, in [0, 7]
  int num_blocks = 0;    // permuted-table blocks B; 0 = chosen as the index grows
  size_t max_results = 64;         // nearest near-duplicates returned per query
  bool insert_duplicates = false;  // QueryOrInsert also inserts pages that have near-copies
  SyncPolicy sync = SyncPolicy::kEveryOp;
  uint32_t sync_every = 256;  // for kEveryN
  // The most documents held (0 = no limit): inserts beyond it fail with
  // ResourceExhausted and change nothing. Opening replays the log whatever the limit.
  uint64_t max_documents = 0;

  absl::Status Validate() const;
};

struct SimHashCrawlerMatch {
  std::string id;
  int distance = 0;  // Hamming distance of the fingerprints
  friend bool operator==(const SimHashCrawlerMatch&, const SimHashCrawlerMatch&) = default;
};

struct SimHashQueryOrInsertResult {
  bool inserted = false;
  bool already_present = false;                 // the id was indexed before (nothing inserted)
  std::vector<SimHashCrawlerMatch> duplicates;  // nearest first, then by id
};

struct SimHashCrawlerIndexStats {
  uint64_t documents = 0;
  uint64_t id_bytes = 0;         // bytes of the live ids
  uint64_t id_memory_bytes = 0;  // id storage, handle table and id hash set, as allocated
  uint64_t free_handles = 0;
  int num_blocks = 0;  // B now in use
  int tables = 0;      // C(B, d)
  uint64_t log_bytes = 0;
  uint64_t log_records = 0;
  uint64_t next_sequence = 0;
  uint64_t checkpoints = 0;  // since Open
};

// What a snapshot's header says (no sections read): for tools that open an index
// without knowing its parameters.
struct SimHashCrawlerIndexInfo {
  uint32_t format_version = 0;
  SimHashCrawlerIndexOptions options;  // signer, max_distance, num_blocks; the rest default
  uint64_t documents = 0;
  uint64_t file_bytes = 0;
  uint64_t first_log_sequence = 0;
};
absl::StatusOr<SimHashCrawlerIndexInfo> ReadSimHashCrawlerIndexInfo(const std::string& path);

class SimHashCrawlerIndex {
 public:
  // Opens the index at `path`, creating it when no snapshot exists; loads the snapshot
  // and replays the log. FailedPrecondition when the files were made with other
  // options (naming them) or another process has the index open; DataLoss when the
  // snapshot is damaged or the log does not belong to it (naming section and offset).
  static absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> Open(const std::string& path,
                                                                   const SimHashCrawlerIndexOptions& options);
  SimHashCrawlerIndex(const SimHashCrawlerIndex&) = delete;
  SimHashCrawlerIndex& operator=(const SimHashCrawlerIndex&) = delete;
  // Writes and syncs what the log still holds in memory; releases the lock file.
  ~SimHashCrawlerIndex();

  const SimHashCrawlerIndexOptions& options() const noexcept;
  const CrawlerRecovery& recovery() const noexcept;

  // The fingerprint the index uses for a text; FailedPrecondition for a text without
  // shingles (an empty page is no one's near-duplicate).
  absl::StatusOr<uint64_t> Fingerprint(std::string_view text) const;

  // Adds a document. AlreadyExists if the id is indexed, InvalidArgument for an id that
  // is empty or over kCrawlerMaxIdBytes, ResourceExhausted at max_documents.
  absl::Status Insert(std::string_view id, std::string_view text);
  absl::Status InsertFingerprint(std::string_view id, uint64_t fingerprint);

  // Removes a document; NotFound if the id is not indexed.
  absl::Status Remove(std::string_view id);

  // Indexed documents within max_distance, nearest first, then by id (max_results).
  absl::StatusOr<std::vector<SimHashCrawlerMatch>> Query(std::string_view text) const;
  std::vector<SimHashCrawlerMatch> Query(uint64_t fingerprint) const;

  // Queries, and inserts the document when it has no near-duplicate (or always, with
  // insert_duplicates), in one critical section. An id already indexed is not inserted
  // again: already_present is set and duplicates holds the query's answer.
  absl::StatusOr<SimHashQueryOrInsertResult> QueryOrInsert(std::string_view id, std::string_view text);
  absl::StatusOr<SimHashQueryOrInsertResult> QueryOrInsert(std::string_view id, uint64_t fingerprint);

  bool Contains(std::string_view id) const;
  size_t size() const;

  // Adds every document of `other` (same options; FailedPrecondition otherwise) whose id
  // is not indexed here. Logged like inserts.
  absl::StatusOr<CrawlerMergeResult> Merge(const SimHashCrawlerIndex& other);

  // Writes a snapshot of the current state and starts an empty log.
  absl::Status Checkpoint();

  // fdatasyncs the log: every change acknowledged so far survives power loss.
  absl::Status Sync();

  SimHashCrawlerIndexStats Stats() const;

 private:
  struct Impl;
  explicit SimHashCrawlerIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup

#endif  // NEARDUP_STORE_SIMHASH_CRAWLER_INDEX_HPP_
