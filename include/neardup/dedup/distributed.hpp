// Stage 8c: the dedup pipeline cut into tasks over shards, for runners that spread it
// over many processes or machines (the Dask runner, python -m neardup.dask).
//
// Documents have global numbers: partitions are ordered by (input index, byte range),
// and a document's number is its partition's first number plus its position in the
// partition's shard. Every function below only compares these numbers, so its output
// equals the single-machine stage's on the same documents, however the work is split.
//
//   1. SignPartitionToShard: one input (or a byte range of an uncompressed JSONL file)
//      -> one signature shard (io/signature_file.hpp, version 2) with global input
//      indexes. Records with a duplicate id are written too; the runner leaves out
//      every one after the first (by global number) from the later stages.
//   2. DedupBandKeys: a shard's band keys, for exchanging by key range. The runner
//      groups (band, key, document) by key range and calls CandidatesOfRuns on each
//      run, which expands it exactly as GenerateLshCandidates does (LshRunExpander).
//   3. VerifyCandidatesInSlice: the candidates of a key range, verified with the
//      signatures of the documents involved (LoadCorpusSlice) and, for precise and
//      exact checks, their texts read again by their recorded offsets.
//   4. ClusterSlice: the clusters of whole connected components (the runner finds them)
//      by the keep rule and policy of ClusterDocuments, as clusters.jsonl lines.
//
// Guarantees: deterministic; nothing depends on which task ran where or when. Memory
// of each call: its inputs, the slice's signatures (4 k bytes per document plus its id)
// and, for exact checks, the shingle sets of the documents read again.
#ifndef NEARDUP_DEDUP_DISTRIBUTED_HPP_
#define NEARDUP_DEDUP_DISTRIBUTED_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

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
absl::StatusOr<PartitionSignStats> SignPartitionToShard(const std::vector<std::string>& inputs, uint32_t input,
                                                        ByteRange range, const DedupOptions& options,
                                                        const InputOptions& input_options,
                                                        const std::string& shard_path);

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
// document i is docs[i]: ids, lengths, ordinals, offsets, signatures. Reads only the
// shards that hold one of them, one at a time.
absl::StatusOr<SignedCorpus> LoadCorpusSlice(std::span<const ShardRef> shards, std::span<const uint32_t> docs,
                                             const DedupOptions& options);

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
// cluster number 0 (the runner renumbers them in order of `keep`).
struct SliceClusters {
  std::vector<uint32_t> keep;
  std::vector<std::string> lines;
};
absl::StatusOr<SliceClusters> ClusterSlice(std::span<const ScoredPair> verified, const SignedCorpus& slice,
                                           std::span<const uint32_t> slice_docs, const DedupOptions& options,
                                           const InputOptions& input_options);

}  // namespace neardup

#endif  // NEARDUP_DEDUP_DISTRIBUTED_HPP_
