// Stage 5c: MinHash LSH candidate pairs for a whole corpus at once, by sorting.
//
// Input: n MinHash signatures (a vector of MinHashSignature or one row-major matrix).
// Output: every pair (i, j), i < j, of input positions whose signatures share a band key
// (the same keys as the streaming index, lsh_params.hpp), sorted and unique, with the
// cap on long runs described below.
//
//   auto result = neardup::GenerateLshCandidates(signatures,
//       {.banding = {9, 13}, .verify_threshold = 0.8});
//   for (const neardup::CandidatePair& p : result->pairs) Verify(p.first, p.second);
//
// Method: one band at a time, each document contributes one 8-byte word
// (key's high 32 bits << 32 | document index); an LSD radix sort on the high half
// (stable, so documents stay ascending inside a run) brings equal keys together. A run of
// equal high halves is split by the full 64-bit key (recomputed for the run's members,
// only when it has two or more), so the result is exactly "equal 64-bit band key". The
// band's pairs are sorted, made unique and merged into the output, then the band's
// buffers are freed. No hash table, and no entry per band per document outlives its
// band: working memory is 16 bytes per document (the words and the sort's scratch)
// per band worked on at once, plus the pairs.
//
// Long runs. A run of m documents sharing a key yields m(m-1)/2 pairs; runs longer than
// max_clique_run (mirrors of one page, or pages sharing only boilerplate) are not
// expanded. Instead:
//   1. star and chain: every member is paired with the run's first member and with its
//      successor (2m - 3 pairs). Copies of one page all verify against the first, so the
//      star alone keeps such a cluster connected.
//   2. refinement, when verify_threshold t > 0: a pair that verification on signatures
//      accepts agrees on at least ceil(t k) of the k positions, so it disagrees on at
//      most D = k - ceil(t k) of them, all outside this band (the r band positions agree
//      in a run). Cut the k - r outside positions into D + 1 groups: by pigeonhole one
//      group holds no disagreement, and the pair has equal values on all of it. So the
//      run is re-sorted by each group's values and every sub-run of equal values is
//      expanded into all its pairs (all of them are pairs of the run, so nothing outside
//      plain LSH is added). Every pair of the run whose signatures agree on at least
//      ceil(t k) positions is emitted, provided its sub-run has at most max_clique_run
//      members. A longer sub-run (members agreeing on r + (k - r)/(D + 1) positions:
//      in practice copies of one document) gets the star and chain again, and is counted
//      in stats.capped_subruns; only there can an accepted pair be missed, when neither
//      document is the sub-run's first member nor next to the other. If D + 1 > k - r
//      the groups would be empty and refinement is skipped (stats.unrefined_runs).
//   Verification by exact shingle Jaccard is not bound by the signature: pass a t a few
//   standard errors (sqrt(t(1-t)/k)) below the verification threshold for the same
//   guarantee with high probability.
//
// Guarantees: output and stats are deterministic for every thread count (bands run on
// LshBatchOptions::threads threads and are merged in band order; no salted hashing),
// except stats.peak_bytes, which counts the bands held at once.
// Empty signatures take part in no pair. Cost: O(n b) hashes and sort passes, plus
// O(m (k - r)) work per long run and band.
#ifndef NEARDUP_INDEX_LSH_BATCH_HPP_
#define NEARDUP_INDEX_LSH_BATCH_HPP_

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/index/lsh_params.hpp"
#include "neardup/internal/mix.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {

struct CandidatePair {
  uint32_t first = 0;  // input position, first < second
  uint32_t second = 0;
  friend auto operator<=>(const CandidatePair&, const CandidatePair&) = default;
};

// n signatures as one row-major matrix of n * params.num_perm values.
struct MinHashMatrixView {
  MinHashParams params;
  std::span<const uint32_t> values;
  std::span<const uint8_t> empty;  // n flags (nonzero: empty signature), or none at all
};

struct LshBatchOptions {
  LshParams banding;
  // Runs of equal band keys up to this long are expanded into all their pairs.
  uint32_t max_clique_run = 64;
  // The similarity verification accepts, for refining long runs (see above); 0 turns
  // refinement off (star and chain only).
  double verify_threshold = 0.0;
  // Bands worked on at once, one per thread (0: all hardware threads); the result does
  // not depend on it.
  unsigned threads = 1;
};

struct LshBatchStats {
  uint64_t documents = 0;
  uint64_t empty_documents = 0;  // in no pair
  uint64_t runs = 0;             // (band, key) groups of two or more documents
  uint64_t long_runs = 0;        // of which longer than max_clique_run
  uint64_t unrefined_runs = 0;   // long runs refinement could not split (D + 1 > k - r)
  uint64_t capped_subruns = 0;   // refinement sub-runs longer than max_clique_run
  uint64_t pairs_emitted = 0;    // over all bands, before removing repeats
  uint64_t pairs = 0;            // in the result
  uint64_t peak_bytes = 0;       // working memory at its peak, output included, input not
};

struct LshBatchResult {
  std::vector<CandidatePair> pairs;  // ascending
  LshBatchStats stats;
};

// n signatures as one row-major matrix (k = m.params.num_perm values per row).
// InvalidArgument if the matrix is not n * k values or the empty flags are not n.
inline absl::StatusOr<LshBatchResult> GenerateLshCandidates(const MinHashMatrixView& m,
                                                            const LshBatchOptions& options);
// n rows given by row(i) -> const uint32_t* (k = params.num_perm values) or const
// uint16_t* (compact 16-bit values, b-bit MinHash: band keys are LshBandKey's of
// 16-bit values), and is_empty(i) -> bool. The pointers must stay valid during the call.
template <typename RowFn, typename EmptyFn>
absl::StatusOr<LshBatchResult> GenerateLshCandidatesOfRows(size_t n, const MinHashParams& params,
                                                           const LshBatchOptions& options, const RowFn& row,
                                                           const EmptyFn& is_empty);
// All signatures must have signature 0's parameters and k values.
inline absl::StatusOr<LshBatchResult> GenerateLshCandidates(std::span<const MinHashSignature> sigs,
                                                            const LshBatchOptions& options);

}  // namespace neardup

// The method above: radix sort, run expansion and refinement (not API).
#include "neardup/index/lsh_batch_impl.hpp"


#endif  // NEARDUP_INDEX_LSH_BATCH_HPP_
