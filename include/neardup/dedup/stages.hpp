// Stage 8b: the dedup pipeline's stages, each a function over plain data, so that a
// runner can execute them on shards and on many machines. dedup/dedup.hpp composes
// them into one call.
//
//   1. SignDocuments: a DocumentSource -> SignedCorpus (per document: id, byte length,
//      global ordinal = (input index, record number), byte offset, signature). Records
//      that cannot be used are reported and skipped; duplicate ids too. A SignedCorpus
//      is what a signature file (io/signature_file.hpp) stores, shard by shard.
//   2. FindCandidates: MinHash LSH by sorting band keys (index/lsh_batch.hpp), or every
//      SimHash pair within the distance (index/simhash_index.hpp).
//   3. VerifyCandidates: each candidate is decided by the PairSimilarity of the options
//      (estimate, exact, or precise: the estimate unless it is near the threshold).
//   4. ClusterDocuments: union-find, then the star policy and keep rule
//      (cluster/clusters.hpp).
//   5. ApplyDedup (dedup/dedup.hpp): the input records minus the removed documents.
//
//   neardup::SignedCorpus corpus = *neardup::SignDocuments(source, options, &log);
//   auto candidates = *neardup::FindCandidates(corpus, options, &log.stats);
//   neardup::PairSimilarity sim(corpus, options, &texts);
//   auto verified = *neardup::VerifyCandidates(candidates, options, &sim);
//   auto clusters = *neardup::ClusterDocuments(corpus, verified, options, &sim);
//
// Guarantees: every stage's output depends only on its inputs and the options, never
// on the thread count. Documents are numbered 0..n-1 in ordinal order.
#ifndef NEARDUP_DEDUP_STAGES_HPP_
#define NEARDUP_DEDUP_STAGES_HPP_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/cluster/clusters.hpp"
#include "neardup/dedup/columns.hpp"
#include "neardup/dedup/options.hpp"
#include "neardup/dedup/source.hpp"
#include "neardup/index/lsh_batch.hpp"
#include "neardup/io/input.hpp"
#include "neardup/io/input_identity.hpp"
#include "neardup/io/warc.hpp"

namespace neardup {

// Stage 1's output: the columns the later stages need, one entry per document. The
// columns are compact (dedup/columns.hpp): about 310 bytes per document with
// MinHash-128 and short ids, most of it the 16-bit MinHash values.
struct SignedCorpus {
  SignerOptions signer;                // what was computed (compute_minhash / compute_simhash)
  std::vector<std::string> inputs;     // input paths by global input index
  std::vector<InputIdentity> identities;  // each input's size and time when it was read
  IdColumn ids;
  std::vector<uint64_t> bytes;         // text length in bytes
  std::vector<uint32_t> input;         // global ordinal: input index ...
  std::vector<uint64_t> record;        // ... and 1-based record number within it
  std::vector<uint64_t> offset;        // byte offset of the record in its input
  std::vector<uint32_t> file;          // index into `files` (messages: the .txt of a directory)
  std::vector<uint64_t> line;          // 1-based JSONL line, 0 for whole files
  std::vector<std::string> files;
  MinHashColumn minhash;               // num_perm compact values per document, if compute_minhash
  std::vector<uint64_t> simhash;       // one per document, if compute_simhash
  std::vector<uint8_t> empty;          // no shingles
  // Standard input cannot be read twice: its documents' texts and records stay here
  // (held[d] = 1; empty strings for other documents).
  std::vector<uint8_t> held;
  std::vector<std::string> held_texts;
  std::vector<std::string> held_raw;

  size_t size() const noexcept { return ids.size(); }
  std::span<const uint16_t> MinHashOf(uint32_t d) const { return minhash.Row(d); }
  // "file:line", or "file" for whole-file documents.
  std::string Where(uint32_t d) const;
};

// Counts, timings and what the run decided, for summaries and tests.
struct DedupStats {
  uint64_t records = 0;          // records the inputs held (documents + skipped)
  uint64_t documents = 0;        // kept for dedup
  uint64_t skipped = 0;          // bad records + duplicate ids
  uint64_t duplicate_ids = 0;
  uint64_t empty = 0;            // documents without shingles (in no pair)
  uint64_t replaced_bytes = 0;   // ill-formed UTF-8 replaced while normalizing
  uint64_t bytes_read = 0;
  uint64_t failed_inputs = 0;    // inputs that could not be read, or ended truncated
  std::array<uint64_t, kNumProblemKinds> problems_by_kind{};
  // WARC input: records read, records that are no document (by kind: request,
  // metadata, revisit, redirect, non-text, ...), bytes replaced while decoding charsets.
  uint64_t warc_records = 0;
  std::array<uint64_t, kNumWarcSkipKinds> warc_skipped{};
  uint64_t warc_replaced_bytes = 0;
  LshParams banding;             // MinHash
  LshBatchStats lsh;
  uint64_t candidates = 0;
  uint64_t verified = 0;
  uint64_t decided_by_estimate = 0;
  uint64_t decided_exactly = 0;
  uint64_t texts_read_again = 0;  // documents whose text was read again for exact checks
  uint64_t clusters = 0;
  uint64_t removed = 0;
  Verification verification = Verification::kPrecise;  // what was used
  std::string verification_note;  // why it differs from what was asked, if it does
  unsigned threads = 1;
  struct Seconds {
    double sign = 0, candidates = 0, verify = 0, cluster = 0, apply = 0, total = 0;
  } seconds;
};

// Where a run's reports go while it runs; everything is also kept in the result.
struct DedupLog {
  std::vector<InputProblem> skipped;  // every skipped record: where and why
  DedupStats stats;
  std::function<void(const InputProblem&)> on_problem;  // as each is found (may be empty)
  std::function<void(const DedupStats&)> on_progress;   // after each batch (may be empty)
  void Report(InputProblem p);
};

// Called for every accepted document in ordinal order while it is read (passages).
using DocumentHook = std::function<void(uint32_t doc, const Document& document)>;

// Stage 1. Reads and signs every document of `source` on options.threads threads.
// Errors: invalid options, --strict problems, max_documents exceeded (ResourceExhausted,
// naming where), unreadable signature files.
absl::StatusOr<SignedCorpus> SignDocuments(const DocumentSource& source, const DedupOptions& options,
                                           DedupLog* log, const DocumentHook& hook = {});

// The options stage 2 runs MinHash LSH with (banding, and the refinement threshold of
// long runs for options.verify); every runner of stage 2 must use these.
LshBatchOptions DedupLshOptions(const DedupOptions& options, const LshParams& banding, uint32_t num_perm);

// Stage 2. Candidate pairs (first < second), ascending.
absl::StatusOr<std::vector<CandidatePair>> FindCandidates(const SignedCorpus& corpus, const DedupOptions& options,
                                                          DedupStats* stats = nullptr);

// Reads documents' texts again and turns them into shingle sets, for exact checks.
class ShingleSetSource {
 public:
  virtual ~ShingleSetSource() = default;
  // Sets (*sets)[i] to the sorted, unique shingle hashes of docs[i]; `docs` ascending
  // and without repeats.
  virtual absl::Status Load(std::span<const uint32_t> docs, std::vector<std::vector<uint64_t>>* sets) = 0;
};

// The texts of `corpus` from where they are: held in memory, or read again from the
// source's files (only the records asked for). Null if the texts cannot be had (a
// signature source whose inputs are not available); *why says why.
std::unique_ptr<ShingleSetSource> MakeShingleSetSource(const DocumentSource& source, const SignedCorpus& corpus,
                                                       const DedupOptions& options, std::string* why);

// OK if input `input` of the corpus can be read again: recorded, not standard input,
// and its size and modification time as when it was read (FailedPrecondition or the
// errno's status otherwise, naming the input).
absl::Status CheckInputUnchanged(const SignedCorpus& corpus, uint32_t input);

// The similarity the pipeline decides with. Estimate: the b-bit estimate from matching
// compact MinHash values (CompactJaccard, dedup/columns.hpp), or 1 - Hamming/64 for
// SimHash. Exact: the shingle sets' Jaccard. Precise: exact when the
// estimate lies within options.PreciseMargin() of the threshold.
// A pair that needs shingle sets not loaded yet is scored by its estimate and its
// documents recorded as missing: EnsureExact loads them, and the caller runs again.
class PairSimilarity {
 public:
  PairSimilarity(const SignedCorpus& corpus, const DedupOptions& options, Verification verification,
                 ShingleSetSource* texts);

  double Estimate(uint32_t a, uint32_t b) const;
  // Asks for a's and b's signatures to be brought into the cache (a loop over many
  // pairs calls it a few pairs ahead of the one it scores).
  void Prefetch(uint32_t a, uint32_t b) const;
  bool NeedsExact(double estimate) const;
  double operator()(uint32_t a, uint32_t b) const;
  // The shingle sets' Jaccard, whatever the estimate (sets not loaded: as above).
  double Exact(uint32_t a, uint32_t b) const;

  // Loads the shingle sets of `docs` (those not loaded yet).
  absl::Status EnsureExact(std::span<const uint32_t> docs);
  // Drops every loaded set (they are loaded again when needed).
  void Release();
  // Documents a call needed but whose sets were not loaded; clears the list.
  std::vector<uint32_t> TakeMissing() const;
  // Shingle sets loaded so far (a document loaded again after Release counts again).
  uint64_t loaded() const noexcept { return loads_; }
  Verification verification() const noexcept { return verification_; }
  const SignedCorpus& corpus() const noexcept { return corpus_; }

 private:
  const SignedCorpus& corpus_;
  Verification verification_;
  bool simhash_;
  double threshold_;
  double margin_;
  ShingleSetSource* texts_;
  absl::flat_hash_map<uint32_t, std::vector<uint64_t>> sets_;
  uint64_t loads_ = 0;
  mutable std::vector<uint32_t> missing_;
};

// Stage 3. The candidates whose similarity reaches options.VerifyThreshold(), sorted by
// (a, b). The pairs an estimate cannot decide are checked exactly in rounds: each round
// loads the shingle sets of the next pairs, up to kExactRoundTextBytes of their texts
// (a set takes about 1.5 times its text), scores them and releases the sets, so memory
// stays bounded however many pairs need exact checks (a document in the pairs of two
// rounds is read twice). Pairs are normalized first (first < second, repeats dropped).
inline constexpr uint64_t kExactRoundTextBytes = 16u << 20;
absl::StatusOr<std::vector<ScoredPair>> VerifyCandidates(std::span<const CandidatePair> candidates,
                                                         const DedupOptions& options, PairSimilarity* sim,
                                                         DedupStats* stats = nullptr);

// Stage 4. Clusters of two or more documents (cluster/clusters.hpp), ordered by their
// kept document; the similarity is `sim`'s (loading more shingle sets if the star
// policy compares members that were never a candidate pair).
absl::StatusOr<std::vector<Cluster>> ClusterDocuments(const SignedCorpus& corpus,
                                                      std::span<const ScoredPair> verified,
                                                      const DedupOptions& options, PairSimilarity* sim);

// PairsMode::kAll: every pair inside a connected group of `verified` whose similarity
// reaches the threshold, sorted by (a, b).
absl::StatusOr<std::vector<ScoredPair>> ExpandPairs(uint32_t n, std::span<const ScoredPair> verified,
                                                    const DedupOptions& options, PairSimilarity* sim);

}  // namespace neardup

#endif  // NEARDUP_DEDUP_STAGES_HPP_
