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
//   2. WriteShardBandKeys (per shard): its band keys, grouped by key range and combined
//      (each (band, key) once with its documents); GatherKeyRangeRuns (per key range):
//      the runs of equal (band, key) over every shard, by global number. A run is
//      expanded exactly as GenerateLshCandidates does (LshRunExpander) by
//      CandidatesOfRuns; a run too long for one task's memory budget is split by
//      ordinal ranges (SplitLongRun, ExpandLongRunPart, LongRunSubRunPairs), with the
//      same pairs.
//   3. VerifyCandidatesInSlice: the candidates of a key range, verified with the
//      signatures of the documents involved (pulled from their shards once per stage:
//      WriteRequestedSignatures, LoadRequestedSignatures; or LoadCorpusSlice) and, for
//      precise and exact checks, their texts read again by their recorded offsets
//      (ReadRecords: only those records).
//   4. ClusterSlice: the clusters of whole connected components (the runner finds them)
//      by the keep rule and policy of ClusterDocuments, as clusters.jsonl lines, and
//      their pairs (options.pairs) as pairs TSV lines. A component too large for one
//      task's memory budget: ClusterLargeComponent, the same output by passes over
//      chunks of its members in keep order.
//   5. WritePartitionOutputs: a partition's records minus removed duplicates, and with
//      repeated passages removed, read again by offset.
//
// Exchange files (object type kExchange, io/format.hpp): a 64-byte header (the common
// 16-byte prefix; 4 kind (below); 4 partition; 8 record count; 8
// payload bytes; 8 XXH3-64 of the payload; 8 reserved; 8 XXH3-64 of bytes [0, 56)),
// then the records, little-endian:
//   1 ids:          4 position, 4 input, 8 line (0: a whole file), 4 + F file (F = 0:
//                   the input's path), 4 + L id
//   2 passages:     4 position, 4 start, 4 end, 8 key, 4 + L id
//   3 signatures:   see WriteRequestedSignatures
//   4 band keys:    see WriteShardBandKeys
//   5 runs:         see GatherKeyRangeRuns
//   6 fingerprints: see ExpandLongRunPart
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

// Stage 2 for one shard: the band keys of its documents but the empty ones and those
// in `skipped` (global numbers, ascending), grouped by key range (ExchangeRange of the
// key; range_paths[r] gets range r) and combined: each (band, key) of the shard once,
// with its documents. Exchange kind 4 records, by (band, key) ascending: 4 band, 8 key,
// 4 count, count x 4 document (global, ascending). Returns the bytes written. Memory:
// 8 bytes per band per document, plus 16 per document for one band's sort, plus the
// exchange records (16 bytes per distinct (band, key) + 4 per band entry).
absl::StatusOr<uint64_t> WriteShardBandKeys(const ShardRef& shard, std::span<const uint32_t> skipped,
                                            const DedupOptions& options, std::span<const std::string> range_paths);

// A run too long for one task (GatherKeyRangeRuns), in a file of its own.
struct LongRun {
  std::string path;
  uint32_t band = 0;
  uint64_t members = 0;
  uint64_t hash = 0;  // XXH3-64 of the members (native 32-bit words): runs of copies in
                      // several bands have the same members, and share their part tasks
};
struct KeyRangeRuns {
  uint64_t runs = 0;             // runs of two or more documents, long ones included
  std::vector<uint32_t> docs;    // the members of the runs in runs_path, ascending, unique
  std::vector<LongRun> long_runs;
};

// Stage 2 for one key range: the band-key files of that range from every shard (kind 4,
// in shard order, so a run's documents come ascending) merged into runs of equal
// (band, key). Runs of 2 to max_run_members documents go to runs_path (exchange kind
// 5: 4 band, 4 count, count x 4 document), each longer one to its own file
// long_prefix + i + ".nx" (same layout; i = 0, 1, ... by (band, key)). Memory: the
// range's key files, plus 4 bytes per run member.
absl::StatusOr<KeyRangeRuns> GatherKeyRangeRuns(std::span<const std::string> key_paths, const std::string& runs_path,
                                                const std::string& long_prefix, uint64_t max_run_members);

// The runs of a runs file: run r is (*docs)[(*starts)[r], (*starts)[r + 1]) in band
// (*bands)[r].
absl::Status ReadRuns(const std::string& path, std::vector<uint32_t>* docs, std::vector<uint64_t>* starts,
                      std::vector<uint32_t>* bands);

// A long run's split. Its members, by position in the run (ascending global number),
// go to `parts` parts of part_members consecutive members (the last one shorter); each
// part's task holds the signatures of its members and emits their star and chain pairs
// and their refinement fingerprints (one per group of LshRunExpander, `groups` of them;
// 0: no refinement), routed to `buckets` buckets by (group, fingerprint); each bucket's
// task finds the sub-runs of equal (group, fingerprint), and so emits the pairs
// LshRunExpander::Expand gives for the whole run, each by exactly one task.
//
// Memory budget of each task (budget_bytes): a part task holds part_members members'
// signatures (2 k bytes of values, ~200 of id, location and pairs, and 12 per group of
// fingerprint records each); a bucket task holds its fingerprint records (~32 bytes
// each, sorting included) and the pairs of its sub-runs; a sub-run of one group is in
// one bucket whole (8 bytes per member). MaxRunMembers(options, budget) is the longest
// run handled whole by a key-range task (at least max_clique_run: shorter runs are
// cliques, never split).
struct LongRunSplit {
  uint64_t members = 0;
  uint64_t part_members = 0;
  uint32_t parts = 0;
  uint32_t groups = 0;
  uint32_t buckets = 0;
};
absl::StatusOr<uint64_t> MaxRunMembers(const DedupOptions& options, uint64_t budget_bytes);
absl::StatusOr<LongRunSplit> SplitLongRun(uint64_t members, const DedupOptions& options, uint64_t budget_bytes);

// The documents part `part`'s task needs: its members, the run's first member and the
// member after its last (the chain's next), ascending and unique.
absl::StatusOr<std::vector<uint32_t>> LongRunPartDocs(const LongRun& run, const LongRunSplit& split, uint32_t part);

// A part of long runs with the same members (runs of copies: one per band; the runner
// groups them by members and hash; InvalidArgument if their members differ): the star
// and chain candidates of its members (each member with the run's first and with its
// successor), once for all the runs, returned; and with refinement, each run's
// fingerprints of the part's members written to bucket_paths[run][b] (split.buckets
// files per run; exchange kind 6: 4 group, 4 fingerprint, 4 document; document
// 2^32 - 1 and the header's partition = this part: every member of the part, written
// when they all have one fingerprint in a group, as copies do). `slice` holds
// LongRunPartDocs. stats->runs and long_runs count the runs once (part 0).
absl::StatusOr<std::vector<CandidatePair>> ExpandLongRunPart(std::span<const LongRun> runs, const LongRunSplit& split,
                                                             uint32_t part, const SignedCorpus& slice,
                                                             std::span<const uint32_t> slice_docs,
                                                             std::span<const std::vector<std::string>> bucket_paths,
                                                             const DedupOptions& options, LshBatchStats* stats);

// A long run's bucket: the fingerprint files of that bucket from every part -> the
// candidate pairs of its refinement sub-runs (global numbers, ascending, unique). The
// run's file is read only when a sub-run holds a part whole and is not the whole run.
absl::StatusOr<std::vector<CandidatePair>> LongRunSubRunPairs(const LongRun& run,
                                                              std::span<const std::string> part_paths,
                                                              const LongRunSplit& split, const DedupOptions& options,
                                                              LshBatchStats* stats);

// The candidates of runs (ReadRuns): run r is docs[starts[r], starts[r + 1]) (global
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

// Stage 4 for one component too large for one task's memory budget (`budget_bytes`):
// exactly ClusterSlice's output for it (keep, lines, removed; pairs for
// PairsMode::kVerified), without holding every member's signature. `verified`: every
// edge of the component (global numbers; InvalidArgument if they do not connect all
// its members); `pulled`: the members' pulled signature files (WriteRequestedSignatures,
// one per shard in shard order), read again once per pass; `any_shard` as for
// LoadRequestedSignatures.
//
// How: the star policy visits centers in keep order (KeepRanks), and each takes the
// unplaced members within the threshold; so walking the members in keep order, a member
// joins the first center before it (in keep order) whose similarity to it reaches the
// threshold, or becomes a center. The members are walked in chunks; each pass holds a
// chunk's signatures and those of the centers so far. While the centers fill at most
// half a pass they are all in it; beyond, a chunk is compared with them a block of half
// a pass at a time (one pass each: passes grow as chunks x center blocks, memory stays
// within the budget). kConnected: every member takes the first member in keep order as
// its center. The similarity is ClusterDocuments': the verified edge's score, else
// PairSimilarity (precise and exact checks read the pass's texts again by offset).
//
// Memory: a pass holds at most budget_bytes / ClusterBytesPerDocument(options)
// documents' signatures (at least 2), plus one 1 MiB read block and, for exact checks,
// the shingle sets of the pass's documents compared exactly; on top of the budget, per
// member 60 bytes plus its id (number, length, keep order, center, similarity, union-find,
// its cluster entry) and 12 bytes per edge (`verified` is taken, not copied), and the
// outputs (the clusters.jsonl lines and pairs). PairsMode::kAll is refused (InvalidArgument naming
// the component by its first member's id, with its size and the budget): every pair of
// the component would be compared. A component that fits one pass (members x
// ClusterBytesPerDocument within the budget) is clustered whole by ClusterSlice, kAll
// included. `stats`, if given: members, centers, chunks, passes (0 when whole).
struct LargeComponentStats {
  uint64_t members = 0;
  uint64_t centers = 0;
  uint64_t chunks = 0;
  uint64_t passes = 0;
};
// The memory a document takes in a clustering task, for budgets: its signature (4 k
// bytes, k = num_perm, as held with its index) and kClusterDocumentOverhead for its
// columns and an id of up to 64 bytes. A runner sends a component of m members to
// ClusterLargeComponent when m times this exceeds the budget.
inline constexpr uint64_t kClusterDocumentOverhead = 128;
uint64_t ClusterBytesPerDocument(const DedupOptions& options);
absl::StatusOr<SliceClusters> ClusterLargeComponent(std::vector<ScoredPair> verified,
                                                    std::span<const std::string> pulled,
                                                    const std::string& any_shard, const DedupOptions& options,
                                                    const InputOptions& input_options, uint64_t budget_bytes,
                                                    LargeComponentStats* stats = nullptr);

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
