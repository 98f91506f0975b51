// A durable, concurrent near-duplicate index for crawlers: pages keyed by URL (any
// string id), signed with a Signer, kept in a MinHashLsh with b-bit signatures for the
// similarity estimate, and persisted as a snapshot (io/index_file.hpp) plus an append-only
// log of the inserts and removals since.
//
// Input: (id, text) or (id, MinHash signature) from many threads at once. Output: the
// indexed documents whose estimated Jaccard similarity to a text is at least the
// threshold, and, with QueryOrInsert, the decision "new page: indexed" or "near-copy of
// these pages: not indexed" made atomically.
//
//   auto index = neardup::CrawlerIndex::Open("pages.ndidx", {.threshold = 0.8});
//   absl::StatusOr<neardup::QueryOrInsertResult> r = (*index)->QueryOrInsert(url, html_text);
//   if (r.ok() && !r->inserted) skip(url, r->duplicates);   // near-copies already known
//   (*index)->Checkpoint();                                  // snapshot, empty log
//
// Files: <path> the snapshot, <path>.log the log, <path>.lock held (flock) while open,
// <path>.tmp and <path>.log.tmp only while a snapshot or log is being replaced.
//
// Snapshot: an index file (io/index_file.hpp) of object type 3 whose last two sections are
//   tag 16 crawler ids: n = handle count; n x 4-byte id lengths (0 = unused handle),
//          then the id bytes of every used handle in handle order. A handle is the
//          document's id inside the MinHashLsh.
//   tag 17 crawler state: 8 first log sequence number not in the snapshot, 8 documents.
//
// Log (format version 1, little-endian; header codec in io/format.hpp):
//   Header, 64 bytes: 0 magic (8, as every neardup file), 8 object type 5 = crawler log
//   (logs written before the type registry say 4, the SimHash index's code; their
//   64-byte header, sealed at 56, tells them apart and they are read as before),
//   12 format version 1, 16 sequence number of the first record, 24 parameter
//   fingerprint (XXH3-64 of the encoded options; a log from other options is refused),
//   32..55 reserved 0, 56 XXH3-64 of bytes [0, 56).
//   Records, one after another:
//     0  4  payload length L (<= 1 MiB)
//     4  1  type: 1 insert, 2 remove;  5 3 reserved 0
//     8  8  sequence number (each record's is the previous one's + 1)
//     16 L  insert: 4 id length, id, b band keys (8 each), the packed signature
//              (8 each, stored_bits wide); remove: the id
//     16+L 8 XXH3-64 of bytes [0, 16 + L) of the record
//   Replay applies the records after the snapshot's sequence number. The first record
//   that is incomplete, fails its checksum or breaks the sequence ends the replay: it and
//   everything after it are cut off, and Open reports how many bytes (a write torn by a
//   crash can only be the last one). A record that is intact but cannot apply (an insert
//   of an id already present) means the files do not belong together: Open fails.
//
// Durability (SyncPolicy): every acknowledged change (the call returned OK) is in the log
// file before the call returns, so it survives the process being killed (kill -9) under
// every policy. What survives power loss: kEveryOp fdatasyncs before returning, so every
// acknowledged change; kEveryN has a sync thread fdatasync the log each time N more
// records were written, while callers go on appending, and holds back a call whose
// record would leave more than 2 N acknowledged records unsynced until that sync ends,
// so all but at most the last 2 N acknowledged changes (a failed background sync is
// the error of every later change and Sync until a Checkpoint succeeds, as below);
// kNever leaves it to the OS (and Sync, Checkpoint, closing). Concurrent
// callers share one write and one fdatasync (group commit). A call also waits for the
// changes it observed: a QueryOrInsert that saw a page indexed by another thread returns
// only once that page is as durable as its own insert would be (plain queries do not
// wait, and may see a change whose caller is still waiting for its write). When a log
// write or sync fails, that change's caller gets the error, the change stays in memory,
// and every later change is refused with the same error until a Checkpoint succeeds.
// Checkpoint() writes a new snapshot (temp file, fsync, rename, fsync of the directory)
// and then replaces the log with an empty one the same way; a crash at any point leaves
// files that open to the same documents (after a crash between the two, Open skips the
// old log's records, which the snapshot holds, and starts a new log).
//
// Concurrency: all methods may be called from any number of threads. Signing happens
// before any lock is taken. Queries hold a reader-writer lock shared; it prefers
// writers, so a flood of queries never starves a change.
// Changes (Insert, Remove, QueryOrInsert, Merge) are serialized by a second mutex, which
// they hold while they read the tables and append to the in-memory log; they take the
// reader-writer lock exclusively only for the table update itself, and write and fsync
// the log after releasing both. So QueryOrInsert's query and insert are one critical
// section (of two threads racing with copies of one page exactly one inserts it), and
// queries never wait behind a queued change. Checkpoint holds the change mutex while
// the snapshot is written: queries go on, changes wait.
//
// Memory: the MinHashLsh (about 14 bytes per document and band, plus b band keys and the
// packed signature per document) and the ids (their bytes, 8 bytes per handle, and a
// hash set of handles). Removal frees table slots, list blocks and stored signatures at
// once, and id bytes when removed ids outweigh live ones; handles are reused.
#ifndef NEARDUP_STORE_CRAWLER_INDEX_HPP_
#define NEARDUP_STORE_CRAWLER_INDEX_HPP_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/index/lsh_params.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/io/format.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

enum class SyncPolicy : uint8_t {
  kEveryOp = 1,  // fdatasync before every change is acknowledged
  kEveryN = 2,   // a sync thread fdatasyncs every sync_every records; at most 2 x sync_every unsynced
  kNever = 3,    // written before acknowledging, synced by the OS (and on Sync / close)
};

struct CrawlerIndexOptions {
  SignerOptions signer;            // SimHash is never computed
  LshParams banding = {9, 13};     // ChooseLshParams(0.8, 128)
  uint32_t stored_bits = 8;        // b-bit signature width for the estimate: 1..32
  double threshold = 0.8;          // near-duplicate: estimated Jaccard >= threshold
  size_t max_results = 64;         // most similar near-duplicates returned per query
  bool insert_duplicates = false;  // QueryOrInsert also inserts pages that have near-copies
  SyncPolicy sync = SyncPolicy::kEveryOp;
  uint32_t sync_every = 256;  // for kEveryN
  // The most documents the index holds in memory (0 = no limit): an insert (Insert,
  // QueryOrInsert, Merge) beyond it fails with ResourceExhausted and changes nothing.
  // Opening replays the log whatever the limit (those changes are already durable). A
  // document costs about 14 bytes per band plus 8 per band key, its packed signature
  // and its id: ~330 bytes at the defaults with 50-byte URLs.
  uint64_t max_documents = 0;

  absl::Status Validate() const;
};

inline constexpr size_t kCrawlerMaxIdBytes = 64 * 1024;

struct CrawlerDocument {
  std::string_view id;
  std::string_view text;
};

struct CrawlerMatch {
  std::string id;
  double similarity = 0;  // estimated Jaccard from the stored b-bit signatures
  friend bool operator==(const CrawlerMatch&, const CrawlerMatch&) = default;
};

struct QueryOrInsertResult {
  bool inserted = false;
  bool already_present = false;          // the id was indexed before (nothing inserted)
  std::vector<CrawlerMatch> duplicates;  // most similar first, then by id
};

struct CrawlerRecovery {
  bool created = false;  // no snapshot existed: a new empty index
  uint64_t snapshot_documents = 0;
  uint64_t log_records_replayed = 0;
  uint64_t log_records_skipped = 0;  // already in the snapshot (crash during Checkpoint)
  uint64_t log_bytes_dropped = 0;    // torn or corrupt tail, cut off
  std::string log_tail_problem;      // why it was cut off; empty when nothing was
};

struct CrawlerIndexStats {
  uint64_t documents = 0;
  uint64_t id_bytes = 0;         // bytes of the live ids
  uint64_t id_memory_bytes = 0;  // id storage, handle table and id hash set, as allocated
  uint64_t free_handles = 0;
  MinHashLshStats lsh;
  uint64_t log_bytes = 0;    // size of the log file (header included)
  uint64_t log_records = 0;  // records in the log file
  uint64_t next_sequence = 0;
  uint64_t checkpoints = 0;  // since Open
  uint64_t MemoryBytes() const noexcept {
    return lsh.table_bytes + lsh.list_bytes + lsh.stored_bytes + id_memory_bytes;
  }
};

struct CrawlerMergeResult {
  uint64_t inserted = 0;
  uint64_t already_present = 0;  // ids the other index shares with this one: kept as they were
};

class CrawlerIndex {
 public:
  // Opens the index at `path`, creating it when no snapshot exists; loads the snapshot
  // and replays the log. FailedPrecondition when the files were made with other
  // options (naming them) or another process has the index open; DataLoss when the
  // snapshot is damaged or the log does not belong to it.
  static absl::StatusOr<std::unique_ptr<CrawlerIndex>> Open(const std::string& path,
                                                            const CrawlerIndexOptions& options);
  CrawlerIndex(const CrawlerIndex&) = delete;
  CrawlerIndex& operator=(const CrawlerIndex&) = delete;
  // Writes and syncs what the log still holds in memory; releases the lock file.
  ~CrawlerIndex();

  const CrawlerIndexOptions& options() const noexcept;
  const CrawlerRecovery& recovery() const noexcept;

  // Adds a document. AlreadyExists if the id is indexed, FailedPrecondition for a text
  // without shingles (an empty page is no one's near-duplicate), InvalidArgument for an
  // id that is empty or over kCrawlerMaxIdBytes or a signature with other parameters.
  absl::Status Insert(std::string_view id, std::string_view text);
  absl::Status InsertSignature(std::string_view id, const MinHashSignature& signature);

  // Adds many documents in order, as Insert would one by one, but with one log write and
  // (under kEveryOp) one fdatasync for the whole batch: a bulk load of 43,000 articles
  // takes seconds instead of one disk sync per document. Signing happens first, outside
  // any lock and on every core; the change mutex is then held for the whole batch. The result has one
  // status per document (those of Insert). With stop_at_first_error, the documents after
  // the first failure are not inserted and get Aborted. An error instead of the vector
  // is a log write or sync failure: the documents inserted in memory are then not
  // acknowledged (as with Insert). A kill -9 during the call leaves a log that replays
  // a prefix of the batch.
  absl::StatusOr<std::vector<absl::Status>> InsertBatch(std::span<const CrawlerDocument> documents,
                                                        bool stop_at_first_error = false);

  // Removes a document; NotFound if the id is not indexed.
  absl::Status Remove(std::string_view id);

  // Indexed documents with estimated similarity >= threshold, most similar first.
  absl::StatusOr<std::vector<CrawlerMatch>> Query(std::string_view text) const;
  absl::StatusOr<std::vector<CrawlerMatch>> Query(const MinHashSignature& signature) const;

  // Query for many documents at once, under one reader lock: result[j] is exactly what
  // Query(signatures[j]) gives. The table probes of the whole batch overlap their cache
  // misses (MinHashLsh::QueryBatch): on a 1M-document index, 1.2-1.7M queries/s on one
  // core for batches of 16 to 256, against 0.75-1.0M/s one at a time. A signature with
  // other parameters refuses the whole batch, and the message names its position.
  absl::StatusOr<std::vector<std::vector<CrawlerMatch>>> QueryBatch(
      std::span<const MinHashSignature> signatures) const;

  // Queries, and inserts the document when it has no near-duplicate (or always, with
  // insert_duplicates), in one critical section. An id already indexed is not inserted
  // again: already_present is set and duplicates holds the query's answer.
  absl::StatusOr<QueryOrInsertResult> QueryOrInsert(std::string_view id, std::string_view text);
  absl::StatusOr<QueryOrInsertResult> QueryOrInsert(std::string_view id, const MinHashSignature& signature);

  bool Contains(std::string_view id) const;
  size_t size() const;

  // Adds every document of `other` (same options; FailedPrecondition otherwise) whose id
  // is not indexed here. Logged like inserts.
  absl::StatusOr<CrawlerMergeResult> Merge(const CrawlerIndex& other);

  // Writes a snapshot of the current state and starts an empty log.
  absl::Status Checkpoint();

  // fdatasyncs the log: every change acknowledged so far survives power loss.
  absl::Status Sync();

  // Walks the tables: O(index size).
  CrawlerIndexStats Stats() const;

 private:
  struct Impl;
  explicit CrawlerIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup

#endif  // NEARDUP_STORE_CRAWLER_INDEX_HPP_
