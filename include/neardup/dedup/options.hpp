// Stage 8a: what a dedup run is asked to do, validated once.
//
// DedupOptions gathers every choice of the dedup pipeline (dedup/dedup.hpp): the
// threshold, the signature (MinHash or SimHash) and its shingles, the LSH banding, how
// candidates are verified, how clusters are formed and which copy is kept, passages,
// and resource limits. Validate() refuses any invalid value with a message naming the
// option; nothing is clamped.
//
//   neardup::DedupOptions options;            // t = 0.8, word 5-grams, OPH-128, precise
//   options.threshold = 0.9;
//   options.keep = neardup::KeepRule::kLongest;
//   if (absl::Status s = options.Validate(); !s.ok()) { ... }
//
// Verification (MinHash):
//   kPrecise (default): a candidate's Jaccard is estimated from the signatures; when the
//     estimate lies within `precise_margin` of the threshold, where a 128-value estimate
//     cannot decide (its standard error is sqrt(J(1-J)/k), 0.035-0.045 near common
//     thresholds), the pair is decided on the exact Jaccard of its shingle sets, read
//     again for only the documents involved.
//   kEstimate: the estimate alone (no text is read again; what signature files allow).
//   kExact: the exact Jaccard of every candidate (every document's shingle set is kept).
// SimHash verifies by Hamming distance (simhash_distance) and has no exact step.
#ifndef NEARDUP_DEDUP_OPTIONS_HPP_
#define NEARDUP_DEDUP_OPTIONS_HPP_

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/cluster/clusters.hpp"
#include "neardup/index/lsh_params.hpp"
#include "neardup/passage/repeats.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

enum class DedupAlgorithm : uint8_t { kMinHash, kSimHash };
enum class Verification : uint8_t { kPrecise, kEstimate, kExact };
// Which pairs DedupResult::pairs holds.
//   kNone: none.
//   kVerified: the candidate pairs that passed verification. Inside a large group of
//     identical documents most pairs are never candidates (LSH links long runs by a star
//     and a chain), so this is not every near-duplicate pair.
//   kAll: every pair of documents in one connected group of verified pairs whose
//     similarity passes the threshold: all near-duplicate pairs the candidates reach.
//     Costs one similarity per pair of a group (sum of m(m-1)/2 over groups of m).
enum class PairsMode : uint8_t { kNone, kVerified, kAll };

inline const char* DedupAlgorithmName(DedupAlgorithm a) { return a == DedupAlgorithm::kSimHash ? "simhash" : "minhash"; }
inline const char* VerificationName(Verification v) {
  switch (v) {
    case Verification::kPrecise:
      return "precise";
    case Verification::kEstimate:
      return "estimate";
    case Verification::kExact:
      return "exact";
  }
  return "unknown";
}
inline const char* PairsModeName(PairsMode m) {
  return m == PairsMode::kAll ? "all" : m == PairsMode::kVerified ? "verified" : "none";
}
inline const char* ClusterPolicyName(ClusterPolicy p) { return p == ClusterPolicy::kConnected ? "connected" : "star"; }

inline absl::StatusOr<DedupAlgorithm> ParseDedupAlgorithm(std::string_view s) {
  if (s == "minhash") return DedupAlgorithm::kMinHash;
  if (s == "simhash") return DedupAlgorithm::kSimHash;
  return absl::InvalidArgumentError(absl::StrCat("unknown algorithm '", std::string(s), "': expected minhash or simhash"));
}
inline absl::StatusOr<Verification> ParseVerification(std::string_view s) {
  if (s == "precise") return Verification::kPrecise;
  if (s == "estimate") return Verification::kEstimate;
  if (s == "exact") return Verification::kExact;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown verification '", std::string(s), "': expected precise, estimate or exact"));
}
inline absl::StatusOr<ClusterPolicy> ParseClusterPolicy(std::string_view s) {
  if (s == "star") return ClusterPolicy::kStar;
  if (s == "connected") return ClusterPolicy::kConnected;
  return absl::InvalidArgumentError(absl::StrCat("unknown cluster policy '", std::string(s), "': expected star or connected"));
}
inline absl::StatusOr<PairsMode> ParsePairsMode(std::string_view s) {
  if (s == "none") return PairsMode::kNone;
  if (s == "verified") return PairsMode::kVerified;
  if (s == "all") return PairsMode::kAll;
  return absl::InvalidArgumentError(absl::StrCat("unknown pairs mode '", std::string(s), "': expected none, verified or all"));
}

inline constexpr int kMaxDedupSimHashDistance = 7;

struct DedupOptions {
  // Jaccard similarity (MinHash) at which two documents are near-duplicates, in (0, 1];
  // 1 means the same shingle set (exact duplicates after normalization).
  double threshold = 0.8;
  DedupAlgorithm algorithm = DedupAlgorithm::kMinHash;
  // Normalization, shingles and MinHash parameters. compute_minhash / compute_simhash
  // are set by the pipeline from `algorithm`.
  SignerOptions signer = {};
  // LSH bands x rows; default: chosen for the threshold, weighting a missed duplicate
  // 19 times a wasted candidate check (every candidate is verified).
  std::optional<LshParams> banding = std::nullopt;
  // SimHash: the largest Hamming distance between near-duplicates, 0..7.
  int simhash_distance = 3;
  Verification verify = Verification::kPrecise;
  // kPrecise: estimates within this many standard errors (sqrt(t(1-t)/k)) of the
  // threshold, plus precise_margin_floor, are decided exactly.
  double precise_margin_se = 4.0;
  double precise_margin_floor = 0.02;
  ClusterPolicy policy = ClusterPolicy::kStar;
  KeepRule keep = KeepRule::kFirst;
  PairsMode pairs = PairsMode::kNone;
  // Repeated passages within and across documents (passage/repeats.hpp), if set.
  std::optional<PassageOptions> passages = std::nullopt;
  // Stop before anything is decided if the inputs hold more documents (0 = no limit).
  uint64_t max_documents = 0;
  // Worker threads (0 = all cores). The result is the same for every value.
  unsigned threads = 0;

  // The options the signer runs with (compute_minhash / compute_simhash set).
  SignerOptions SignerForRun() const {
    SignerOptions s = signer;
    s.compute_minhash = algorithm == DedupAlgorithm::kMinHash;
    s.compute_simhash = algorithm == DedupAlgorithm::kSimHash;
    return s;
  }

  // Half-width of the band around the threshold that kPrecise decides exactly.
  double PreciseMargin() const {
    const double k = signer.minhash.num_perm;
    return precise_margin_se * std::sqrt(threshold * (1 - threshold) / k) + precise_margin_floor;
  }

  // The similarity a pair must reach: the threshold (MinHash), or 1 - d/64 (SimHash).
  double VerifyThreshold() const {
    return algorithm == DedupAlgorithm::kSimHash ? 1.0 - simhash_distance / 64.0 : threshold;
  }

  absl::Status Validate() const {
    if (!(threshold > 0 && threshold <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("threshold must be in (0, 1], got ", threshold));
    }
    if (absl::Status s = signer.Validate(); !s.ok()) return s;
    if (algorithm == DedupAlgorithm::kSimHash) {
      if (simhash_distance < 0 || simhash_distance > kMaxDedupSimHashDistance) {
        return absl::InvalidArgumentError(
            absl::StrCat("simhash distance must be in [0, ", kMaxDedupSimHashDistance, "], got ", simhash_distance));
      }
      if (banding) return absl::InvalidArgumentError("LSH banding applies to MinHash, not to --algo simhash");
    } else if (banding) {
      if (absl::Status s = ValidateLshParams(*banding, signer.minhash.num_perm); !s.ok()) return s;
    }
    if (!(precise_margin_se >= 0 && std::isfinite(precise_margin_se))) {
      return absl::InvalidArgumentError(absl::StrCat("precise margin must be >= 0 standard errors, got ",
                                                     precise_margin_se));
    }
    if (!(precise_margin_floor >= 0 && precise_margin_floor < 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("precise margin floor must be in [0, 1), got ", precise_margin_floor));
    }
    if (passages) {
      if (absl::Status s = passages->Validate(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
};

// The banding neardup uses for a Jaccard threshold when none is given: for threshold
// 1, one band of every value (only identical signatures are candidates); otherwise
// ChooseLshParams weighted 19:1 towards recall, since every candidate is verified. At
// t = 0.8, k = 128 this is 16 x 8 (candidate probability 0.95 at 0.8, 0.994 at 0.85)
// rather than the balanced 9 x 13 (0.40 and 0.69).
inline absl::StatusOr<LshParams> RecallWeightedBanding(double threshold, uint32_t num_perm) {
  if (threshold >= 1.0) return LshParams{1, num_perm};
  absl::StatusOr<LshChoice> choice = ChooseLshParams(threshold, num_perm, /*fp_weight=*/0.05, /*fn_weight=*/0.95);
  if (!choice.ok()) return choice.status();
  return choice->params;
}

// The banding the pipeline uses for `options` (MinHash only): options.banding if set,
// else RecallWeightedBanding.
inline absl::StatusOr<LshParams> DedupBanding(const DedupOptions& options) {
  if (options.banding) return *options.banding;
  return RecallWeightedBanding(options.threshold, options.signer.minhash.num_perm);
}

}  // namespace neardup

#endif  // NEARDUP_DEDUP_OPTIONS_HPP_
