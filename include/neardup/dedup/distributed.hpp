// Stage 8c: the dedup pipeline cut into tasks over shards, for runners that spread it
// over many processes or machines (the Dask runner, python -m neardup.dask).
//
// Documents have global numbers: partitions are ordered by (input index, byte range),
// and a document's number is its partition's first number plus its position in the
// partition's shard. Every function below only compares these numbers, so its output
// equals the single-machine stage's on the same documents, however the work is split.
// Before the first numbers are known, a document is PartitionDoc(partition, position),
// which orders the same way.
//
//   1. SignPartitionToShard: one input (or a byte range of an uncompressed JSONL file)
//      -> one signature shard (io/signature_file.hpp, version 2) with global input
//      indexes, and exchange files routed by hash range: every record's id and
//      location, and with exact-only passages, every passage's key.
//   1b. FindDuplicateIds (per id range): records whose id an earlier one (by ordinal)
//      has, with the report single-machine dedup gives; the runner leaves them out of
//      every later stage, as SignDocuments does.
//   1c. FindExactPassageRepeats (per passage-key range): the exact repeated passages
//      (PassageRepeatFinder with near = false): a passage whose key an earlier one has.
//   2. DedupBandKeys: a shard's band keys, for exchanging by key range. The runner
//      groups (band, key, document) by key range and calls CandidatesOfRuns on each
//      run, which expands it exactly as GenerateLshCandidates does (LshRunExpander).
//   3. VerifyCandidatesInSlice: the candidates of a key range, verified with the
//      signatures of the documents involved (pulled from their shards once per stage:
//      WriteRequestedSignatures, LoadRequestedSignatures; or LoadCorpusSlice) and, for
//      precise and exact checks, their texts read again by their recorded offsets
//      (ReadRecords: only those records).
//   4. ClusterSlice: the clusters of whole connected components (the runner finds them)
//      by the keep rule and policy of ClusterDocuments, as clusters.jsonl lines, and
//      their pairs (options.pairs) as pairs TSV lines.
//   5. WritePartitionOutputs: a partition's records minus removed duplicates, and with
//      repeated passages removed, read again by offset.
//
// Exchange files (object type kExchange, io/format.hpp): a 64-byte header (the common
// 16-byte prefix; 4 kind: 1 ids, 2 passage keys; 4 partition; 8 record count; 8
// payload bytes; 8 XXH3-64 of the payload; 8 reserved; 8 XXH3-64 of bytes [0, 56)),
// then the records, little-endian:
//   ids:        4 position, 4 input, 8 line (0: a whole file), 4 + F file (F = 0: the
//               input's path), 4 + L id
//   passages:   4 position, 4 start, 4 end, 8 key, 4 + L id
//   signatures: see WriteRequestedSignatures
// Written atomically; a reader checks both checksums.
//
// Guarantees: deterministic; nothing depends on which task ran where or when. Memory
// of each call: its inputs and outputs, the slice's signatures (4 k bytes per document
// plus its id) and, for exact checks, the shingle sets of the documents read again;
// SignPartitionToShard holds three batches of texts (32 MiB each) and their signatures; the
// exchange readers hold the records of their range.
#ifndef NEARDUP_DEDUP_DISTRIBUTED_HPP_
#define NEARDUP_DEDUP_DISTRIBUTED_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "neardup/dedup/dedup.hpp"
#include "neardup/dedup/options.hpp"
#include "neardup/dedup/stages.hpp"
#include "neardup/io/input.hpp"

namespace neardup {

struct PartitionSignStats {
  uint64_t documents = 0;  // records written to the shard
  uint64_t records = 0;    // records read (documents + problems)
  uint64_t skipped = 0;    // bad records
  uint64_t bytes_read = 0;
  uint64_t failed_inputs = 0;
  std::vector<InputProblem> problems;
};

// Signs the records of inputs[input] whose lines start in `range` and writes them to
// `shard_path` (atomically: a partial file renamed when complete). The shard's input
// table is every input, so its records carry global input indexes.
// A document of partition `partition` at `position` in its shard, before the global
// numbers are known; ordered as the global numbers.
inline uint64_t PartitionDoc(uint32_t partition, uint32_t position) {
  return (uint64_t{partition} << 32) | position;
}

// Where a partition sends its exchange records: one file per range of the id's hash
// (XXH3-64 of the id; range = hash * ranges / 2^64), and, when options.passages is set
// (exact only), one per range of the passage key.
struct PartitionExchange {
  uint32_t partition = 0;
  std::vector<std::string> id_paths;
  std::vector<std::string> passage_paths;
};

// The range of `ranges` a 64-bit hash falls in.
inline uint32_t ExchangeRange(uint64_t hash, uint32_t ranges) {
  return static_cast<uint32_t>(absl::Uint128High64(absl::uint128(hash) * ranges));
}

// Signs the records of inputs[input] whose lines start in `range` and writes them to
// `shard_path` (atomically: a partial file renamed when complete), and its exchange
// files. The shard's input table is every input, so its records carry global input
// indexes. InvalidArgument for near-repeat passages (options.passages->near).
absl::StatusOr<PartitionSignStats> SignPartitionToShard(const std::vector<std::string>& inputs, uint32_t input,
                                                        ByteRange range, const DedupOptions& options,
                                                        const InputOptions& input_options,
                                                        const std::string& shard_path,
                                                        const PartitionExchange& exchange = {});

// Stage 1b over the id exchange files of one range (from every partition): every
// record whose id a record with a smaller ordinal has, ascending (PartitionDoc), with
// its report "file:line: duplicate id "a" (first at file:line); record skipped".
// `inputs`: the run's input paths.
struct DuplicateIds {
  std::vector<uint64_t> docs;
  std::vector<InputProblem> problems;
};
absl::StatusOr<DuplicateIds> FindDuplicateIds(std::span<const std::string> paths,
                                              const std::vector<std::string>& inputs);

// Stage 1c over the passage exchange files of one range: each passage whose key an
// earlier passage (by document, then position in it; within its own document for
// PassageScope::kWithinDocument) has, pointing at the first one, ordered by (document,
// start). `skipped`: PartitionDoc of the documents left out (FindDuplicateIds),
// ascending.
struct ExactPassageRepeats {
  std::vector<uint64_t> docs;
  std::vector<Span> spans;
  std::vector<std::string> lines;  // repeats.jsonl lines (PassageRepeatJson)
};
absl::StatusOr<ExactPassageRepeats> FindExactPassageRepeats(std::span<const std::string> paths,
                                                            std::span<const uint64_t> skipped,
                                                            const DedupOptions& options);

// Band keys of a shard: keys[b * n + i] is document i's key in band b; empty[i] marks
// documents without shingles (in no band).
struct ShardBandKeys {
  uint32_t bands = 0;
  uint64_t n = 0;
  std::vector<uint64_t> keys;
  std::vector<uint8_t> empty;
  std::vector<std::string> ids;
};
absl::StatusOr<ShardBandKeys> DedupBandKeys(const std::string& shard_path, const DedupOptions& options);

// A shard and the global number of its first document.
struct ShardRef {
  std::string path;
  uint32_t first_doc = 0;
  uint32_t count = 0;
};

// The documents `docs` (global numbers, ascending, unique) as a SignedCorpus whose
// document i is docs[i]: ids, lengths, ordinals, offsets and (with `signatures`) their
// signatures. Reads only the shards that hold one of them, one at a time, record by
// record up to the last one needed, and keeps only those: memory is the slice's.
absl::StatusOr<SignedCorpus> LoadCorpusSlice(std::span<const ShardRef> shards, std::span<const uint32_t> docs,
                                             const DedupOptions& options, bool signatures = true);

// Signature pull: the stages that need some documents' signatures (the key ranges'
// run members, the components' members) ask each shard for them, and one task per
// shard answers every request in one pass over it, so a shard is read once per stage
// instead of once per asking task. requests[c] (global numbers, ascending, in this
// shard) go to out_paths[c], an exchange file (kind 3) of records: 4 document, 8 text
// bytes, 4 input, 8 record, 8 offset, 1 empty, k x 4 MinHash values, 4 + L id. Memory:
// the requested records. Reads the shard up to the last document asked for.
absl::Status WriteRequestedSignatures(const ShardRef& shard, std::span<const std::vector<uint32_t>> requests,
                                      std::span<const std::string> out_paths);

// The documents of the pulled files `paths` (one per shard, in shard order) as a
// SignedCorpus whose document i is (*docs)[i] (ascending); the signer and input table
// are those of `any_shard`, one of the run's shards (its header is read, not its
// records).
absl::StatusOr<SignedCorpus> LoadRequestedSignatures(std::span<const std::string> paths, const std::string& any_shard,
                                                     const DedupOptions& options, std::vector<uint32_t>* docs);

// Stage 2 for runs gathered by key: run r is docs[starts[r], starts[r + 1]) (global
// numbers, ascending) sharing a key in band bands[r]. `slice` holds the documents of the
// runs longer than LshBatchOptions::max_clique_run (slice_docs: their numbers). The
// pairs (global, first < second), ascending and unique.
absl::StatusOr<std::vector<CandidatePair>> CandidatesOfRuns(std::span<const uint32_t> docs,
                                                            std::span<const uint64_t> starts,
                                                            std::span<const uint32_t> bands,
                                                            const SignedCorpus& slice,
                                                            std::span<const uint32_t> slice_docs,
                                                            const DedupOptions& options, LshBatchStats* stats);

// Stage 3: the candidates (global numbers) that verify, as VerifyCandidates decides
// them; `slice` holds every document of a candidate. Precise / exact checks read texts
// again from the slice's inputs (input_options: the fields they were read with).
absl::StatusOr<std::vector<ScoredPair>> VerifyCandidatesInSlice(std::span<const CandidatePair> candidates,
                                                                const SignedCorpus& slice,
                                                                std::span<const uint32_t> slice_docs,
                                                                const DedupOptions& options,
                                                                const InputOptions& input_options,
                                                                DedupStats* stats);

// Stage 4: the clusters of the components that `verified` (global numbers) connects;
// every edge of each of them must be given. Ordered by kept document; `keep` holds the
// kept document's global number and `lines` each cluster's clusters.jsonl line with
// cluster number 0 (the runner renumbers them in order of `keep`). With options.pairs,
// the components' pairs as Deduplicate gives them (kVerified: the verified pairs; kAll:
// ExpandPairs), by (a, b), and their pairs TSV lines.
struct SliceClusters {
  std::vector<uint32_t> keep;
  std::vector<std::string> lines;
  std::vector<uint32_t> removed;  // every member but the kept one, ascending
  std::vector<ScoredPair> pairs;
  std::vector<std::string> pair_lines;
};
absl::StatusOr<SliceClusters> ClusterSlice(std::span<const ScoredPair> verified, const SignedCorpus& slice,
                                           std::span<const uint32_t> slice_docs, const DedupOptions& options,
                                           const InputOptions& input_options);

// Stage 5 for one partition (its shard): its records, read again by offset, written
// as Deduplicate's outputs write them (DedupRecord) in ordinal order: to
// paths.deduped those not removed, to paths.passage_deduped every one without its
// repeated passages. `skipped`, `removed`: global numbers, ascending; drop_docs[i]
// (global, ascending) loses drop_spans[i]. Each output is written atomically; "" =
// not wanted. Returns the records written to paths.deduped.
struct PartitionOutputPaths {
  std::string deduped;
  std::string passage_deduped;
};
absl::StatusOr<uint64_t> WritePartitionOutputs(const ShardRef& shard, std::span<const uint32_t> skipped,
                                               std::span<const uint32_t> removed,
                                               std::span<const uint32_t> drop_docs, std::span<const Span> drop_spans,
                                               const DedupOptions& options, const InputOptions& input_options,
                                               const PartitionOutputPaths& paths);

}  // namespace neardup

#endif  // NEARDUP_DEDUP_DISTRIBUTED_HPP_
