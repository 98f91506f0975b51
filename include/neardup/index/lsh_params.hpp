// Stage 5a: LSH banding parameters and band keys for MinHash signatures.
//
// Banding (Indyk and Motwani 1998; Leskovec, Rajaraman, Ullman, "Mining of Massive
// Datasets", ch. 3) cuts a k-value signature into b bands of r rows (b * r <= k). Two
// documents become a candidate pair when all r values of at least one band agree, which
// happens with probability P(s) = 1 - (1 - s^r)^b for Jaccard similarity s: an S-curve
// whose steep part sits near (1/b)^(1/r).
//
// ChooseLshParams picks b and r for a Jaccard threshold t by minimizing
//   fp_weight * FP + fn_weight * FN,  FP = integral_0^t P(s) ds,
//                                     FN = integral_t^1 (1 - P(s)) ds,
// over every b, r with b * r <= k. The integrals use composite 8-point Gauss-Legendre
// quadrature on fixed panels (P is a polynomial of degree b * r, so the error is far
// below the gaps between choices); ties keep the smaller b, then the smaller r.
//
//   absl::StatusOr<neardup::LshChoice> c = neardup::ChooseLshParams(0.8, 128);
//   // c->params == {.bands = 9, .rows = 13}
//   std::string text = neardup::FormatLshReport(*neardup::MakeLshReport(0.8, 128));
//
// Band keys: band i of a signature hashes to XXH3-64 of its r values as little-endian
// 32-bit words, seeded with LshBandSeed(minhash seed, i). Keys are data (the streaming
// index and the batch generator must agree, and indexes are saved): never a salted
// in-memory hash.
//
// Guarantees: every function is deterministic and thread-safe. ChooseLshParams tries
// about k ln k (b, r) pairs on max(512, 4k) quadrature nodes: 0.5 ms at k = 128, 40 ms
// at k = 1024, 3.4 s at k = 8192 (bench/index_bench.cpp).
#ifndef NEARDUP_INDEX_LSH_PARAMS_HPP_
#define NEARDUP_INDEX_LSH_PARAMS_HPP_

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neardup/internal/mix.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {

struct LshParams {
  uint32_t bands = 0;  // b
  uint32_t rows = 0;   // r
  friend bool operator==(const LshParams&, const LshParams&) = default;
};

// OK when b >= 1, r >= 1 and b * r <= num_perm.
inline absl::Status ValidateLshParams(const LshParams& p, uint32_t num_perm) {
  if (p.bands < 1 || p.rows < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("LSH bands and rows must be at least 1, got b = ", p.bands, ", r = ", p.rows));
  }
  const uint64_t used = static_cast<uint64_t>(p.bands) * p.rows;
  if (used > num_perm) {
    return absl::InvalidArgumentError(absl::StrCat("LSH banding b x r = ", p.bands, " x ", p.rows, " = ",
                                                   used, " needs more than the k = ", num_perm,
                                                   " MinHash values"));
  }
  return absl::OkStatus();
}

// P(s) = 1 - (1 - s^r)^b: probability that two signatures of Jaccard similarity s share
// at least one band.
inline double LshCandidateProbability(double similarity, const LshParams& p) {
  return 1.0 -
         std::pow(1.0 - std::pow(similarity, static_cast<double>(p.rows)), static_cast<double>(p.bands));
}

struct LshChoice {
  LshParams params;
  double false_positive_area = 0;  // integral_0^t P(s) ds
  double false_negative_area = 0;  // integral_t^1 (1 - P(s)) ds
};

namespace internal {

inline absl::Status ValidateLshThreshold(double threshold) {
  if (!(threshold > 0.0 && threshold < 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("LSH threshold must be in (0, 1), got ", threshold));
  }
  return absl::OkStatus();
}

inline absl::Status ValidateLshNumPerm(uint32_t num_perm) {
  if (num_perm < 1 || num_perm > kMaxNumPerm) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_perm must be in [1, ", kMaxNumPerm, "], got ", num_perm));
  }
  return absl::OkStatus();
}

// Quadrature nodes and weights for integral_lo^hi f(s) ds: `panels` equal panels,
// 8-point Gauss-Legendre in each (exact for polynomials of degree 15 per panel).
struct Quadrature {
  std::vector<double> nodes;
  std::vector<double> weights;
};

inline Quadrature MakeQuadrature(double lo, double hi, uint32_t panels) {
  static constexpr std::array<double, 4> kX = {0.18343464249564980, 0.52553240991632899, 0.79666647741362674,
                                               0.96028985649753623};
  static constexpr std::array<double, 4> kW = {0.36268378337836198, 0.31370664587788729, 0.22238103445337447,
                                               0.10122853629037626};
  Quadrature q;
  q.nodes.reserve(panels * 8);
  q.weights.reserve(panels * 8);
  const double h = (hi - lo) / panels;
  for (uint32_t p = 0; p < panels; ++p) {
    const double mid = lo + (p + 0.5) * h;
    for (size_t i = 0; i < kX.size(); ++i) {
      for (const double sign : {-1.0, 1.0}) {
        q.nodes.push_back(mid + sign * kX[i] * h / 2);
        q.weights.push_back(kW[i] * h / 2);
      }
    }
  }
  return q;
}

// Panels per interval: enough for the steepest S-curve a k-value signature allows
// (its width near s = 1 is about 1/r >= 1/k).
inline uint32_t QuadraturePanels(uint32_t num_perm) { return std::max<uint32_t>(32, (num_perm + 3) / 4); }

// Sums four interleaved partial sums so the reduction order is fixed (and fast).
inline double FixedOrderSum(const std::vector<double>& w, const std::vector<double>& f) {
  std::array<double, 4> acc = {0, 0, 0, 0};
  for (size_t i = 0; i < w.size(); ++i) acc[i & 3] += w[i] * f[i];
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// (FP, FN) areas for one b, r on prepared quadratures.
inline LshChoice IntegrateAreas(const LshParams& p, const Quadrature& below, const Quadrature& above) {
  std::vector<double> f(below.nodes.size());
  for (size_t i = 0; i < f.size(); ++i) f[i] = LshCandidateProbability(below.nodes[i], p);
  LshChoice c{.params = p};
  c.false_positive_area = FixedOrderSum(below.weights, f);
  f.resize(above.nodes.size());
  for (size_t i = 0; i < f.size(); ++i) f[i] = 1.0 - LshCandidateProbability(above.nodes[i], p);
  c.false_negative_area = FixedOrderSum(above.weights, f);
  return c;
}

}  // namespace internal

// The FP and FN areas of explicit b, r at a threshold (validates all inputs).
inline absl::StatusOr<LshChoice> EvaluateLshParams(double threshold, uint32_t num_perm,
                                                   const LshParams& params) {
  if (absl::Status s = internal::ValidateLshThreshold(threshold); !s.ok()) return s;
  if (absl::Status s = internal::ValidateLshNumPerm(num_perm); !s.ok()) return s;
  if (absl::Status s = ValidateLshParams(params, num_perm); !s.ok()) return s;
  const uint32_t panels = internal::QuadraturePanels(num_perm);
  return internal::IntegrateAreas(params, internal::MakeQuadrature(0.0, threshold, panels),
                                  internal::MakeQuadrature(threshold, 1.0, panels));
}

// The b, r with b * r <= num_perm minimizing fp_weight * FP + fn_weight * FN. A larger
// fp_weight favours fewer, longer bands (fewer candidates, more misses).
inline absl::StatusOr<LshChoice> ChooseLshParams(double threshold, uint32_t num_perm, double fp_weight = 0.5,
                                                 double fn_weight = 0.5) {
  if (absl::Status s = internal::ValidateLshThreshold(threshold); !s.ok()) return s;
  if (absl::Status s = internal::ValidateLshNumPerm(num_perm); !s.ok()) return s;
  if (!(std::isfinite(fp_weight) && std::isfinite(fn_weight) && fp_weight >= 0 && fn_weight >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LSH error weights must be finite and >= 0, got fp_weight = ", fp_weight,
                     ", fn_weight = ", fn_weight));
  }
  if (fp_weight == 0 && fn_weight == 0) {
    return absl::InvalidArgumentError("LSH error weights must not both be 0");
  }
  const uint32_t panels = internal::QuadraturePanels(num_perm);
  const internal::Quadrature below = internal::MakeQuadrature(0.0, threshold, panels);
  const internal::Quadrature above = internal::MakeQuadrature(threshold, 1.0, panels);
  // For each r, s^r at every node is built by repeated multiplication and (1 - s^r)^b
  // likewise for b = 1, 2, ...: the whole search costs one multiply-add per node per
  // (b, r) instead of two pow() calls. The winner's areas are then recomputed with
  // EvaluateLshParams' formula so both functions report identical numbers.
  std::vector<double> pow_below(below.nodes.size(), 1.0), pow_above(above.nodes.size(), 1.0);
  std::vector<double> miss_below(below.nodes.size()), miss_above(above.nodes.size());
  std::vector<double> hit_below(below.nodes.size());
  LshParams best{};
  double best_error = 0;
  for (uint32_t r = 1; r <= num_perm; ++r) {
    for (size_t i = 0; i < below.nodes.size(); ++i) pow_below[i] *= below.nodes[i];
    for (size_t i = 0; i < above.nodes.size(); ++i) pow_above[i] *= above.nodes[i];
    std::fill(miss_below.begin(), miss_below.end(), 1.0);
    std::fill(miss_above.begin(), miss_above.end(), 1.0);
    for (uint32_t b = 1; b <= num_perm / r; ++b) {
      for (size_t i = 0; i < miss_below.size(); ++i) {
        miss_below[i] *= 1.0 - pow_below[i];
        hit_below[i] = 1.0 - miss_below[i];
      }
      for (size_t i = 0; i < miss_above.size(); ++i) miss_above[i] *= 1.0 - pow_above[i];
      const double fp = internal::FixedOrderSum(below.weights, hit_below);
      const double fn = internal::FixedOrderSum(above.weights, miss_above);
      const double error = fp_weight * fp + fn_weight * fn;
      const LshParams candidate{.bands = b, .rows = r};
      const bool better = best.bands == 0 || error < best_error ||
                          (error == best_error && (b < best.bands || (b == best.bands && r < best.rows)));
      if (better) {
        best = candidate;
        best_error = error;
      }
    }
  }
  return internal::IntegrateAreas(best, below, above);
}

// (1/b)^(1/r): roughly where the S-curve is steepest (P there is about 1 - 1/e).
inline double LshCurveMidpoint(const LshParams& p) { return std::pow(1.0 / p.bands, 1.0 / p.rows); }

struct LshCurvePoint {
  double similarity = 0;
  double probability = 0;  // P(candidate)
};

// P(s) at each similarity, in the given order.
inline std::vector<LshCurvePoint> LshSCurve(const LshParams& p, std::span<const double> similarities) {
  std::vector<LshCurvePoint> out;
  out.reserve(similarities.size());
  for (const double s : similarities) out.push_back({s, LshCandidateProbability(s, p)});
  return out;
}

inline constexpr std::array<double, 10> kDefaultSCurveSimilarities = {0.1, 0.2, 0.3, 0.4, 0.5,
                                                                      0.6, 0.7, 0.8, 0.9, 0.95};

// Everything `neardup params` prints.
struct LshReport {
  double threshold = 0;
  uint32_t num_perm = 0;
  bool chosen = false;  // true: picked by ChooseLshParams; false: given explicitly
  double fp_weight = 0;
  double fn_weight = 0;
  LshChoice choice;
  double midpoint = 0;             // (1/b)^(1/r)
  double false_positive_rate = 0;  // FP / t: mean P(candidate) over s in [0, t)
  double false_negative_rate = 0;  // FN / (1 - t): mean P(missed) over s in [t, 1]
  std::vector<LshCurvePoint> s_curve;
};

// Chooses b, r (or evaluates `explicit_params` when given) and tabulates the S-curve at
// `similarities` (kDefaultSCurveSimilarities when empty; each must be in [0, 1]).
inline absl::StatusOr<LshReport> MakeLshReport(double threshold, uint32_t num_perm,
                                               std::optional<LshParams> explicit_params = std::nullopt,
                                               double fp_weight = 0.5, double fn_weight = 0.5,
                                               std::span<const double> similarities = {}) {
  if (similarities.empty()) similarities = kDefaultSCurveSimilarities;
  for (const double s : similarities) {
    if (!(s >= 0.0 && s <= 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat("S-curve similarity must be in [0, 1], got ", s));
    }
  }
  LshReport report;
  report.threshold = threshold;
  report.num_perm = num_perm;
  report.chosen = !explicit_params.has_value();
  report.fp_weight = fp_weight;
  report.fn_weight = fn_weight;
  absl::StatusOr<LshChoice> choice = explicit_params
                                         ? EvaluateLshParams(threshold, num_perm, *explicit_params)
                                         : ChooseLshParams(threshold, num_perm, fp_weight, fn_weight);
  if (!choice.ok()) return choice.status();
  report.choice = *choice;
  report.midpoint = LshCurveMidpoint(choice->params);
  report.false_positive_rate = choice->false_positive_area / threshold;
  report.false_negative_rate = choice->false_negative_area / (1.0 - threshold);
  report.s_curve = LshSCurve(choice->params, similarities);
  return report;
}

// Human-readable report, one fact per line, ending in a newline.
inline std::string FormatLshReport(const LshReport& r) {
  const LshParams& p = r.choice.params;
  std::string out =
      absl::StrFormat("MinHash LSH for Jaccard threshold %g with k = %u\n", r.threshold, r.num_perm);
  if (r.chosen) {
    absl::StrAppendFormat(&out, "  chosen to minimize %g * false-positive area + %g * false-negative area\n",
                          r.fp_weight, r.fn_weight);
  } else {
    absl::StrAppend(&out, "  bands and rows given explicitly\n");
  }
  absl::StrAppendFormat(&out, "  bands b = %u, rows r = %u (uses %u of %u values)\n", p.bands, p.rows,
                        p.bands * p.rows, r.num_perm);
  absl::StrAppendFormat(&out, "  S-curve steepest near s = (1/b)^(1/r) = %.3f\n", r.midpoint);
  absl::StrAppendFormat(&out,
                        "  false-positive area %.6f: a pair with s < %g is a candidate with mean "
                        "probability %.2f%%\n",
                        r.choice.false_positive_area, r.threshold, 100.0 * r.false_positive_rate);
  absl::StrAppendFormat(&out,
                        "  false-negative area %.6f: a pair with s >= %g is missed with mean "
                        "probability %.2f%%\n",
                        r.choice.false_negative_area, r.threshold, 100.0 * r.false_negative_rate);
  absl::StrAppend(&out, "  similarity  P(candidate)\n");
  for (const LshCurvePoint& pt : r.s_curve) {
    absl::StrAppendFormat(&out, "  %10.2f  %12.6f\n", pt.similarity, pt.probability);
  }
  return out;
}

// Seed of band `band`'s key hash. Depends only on the MinHash seed and the band index.
inline uint64_t LshBandSeed(uint64_t minhash_seed, uint32_t band) noexcept {
  constexpr uint64_t kBandSalt = 0x6c73682d62616e64ULL;  // "lsh-band"
  return internal::Mix64(internal::Mix64(minhash_seed ^ kBandSalt) + band);
}

// XXH3-64 of `values` as little-endian 32-bit words, seeded.
inline uint64_t LshBandKey(std::span<const uint32_t> values, uint64_t band_seed) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    return XXH3_64bits_withSeed(values.data(), values.size() * sizeof(uint32_t), band_seed);
  } else {
    std::vector<unsigned char> bytes(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
      for (size_t j = 0; j < 4; ++j) bytes[4 * i + j] = static_cast<unsigned char>(values[i] >> (8 * j));
    }
    return XXH3_64bits_withSeed(bytes.data(), bytes.size(), band_seed);
  }
}

// The key of 16-bit values (b-bit MinHash, signature/bbit.hpp): that of the same
// values widened to 32 bits, so compact and full rows with equal values share keys.
inline uint64_t LshBandKey(std::span<const uint16_t> values, uint64_t band_seed) {
  std::array<uint32_t, 64> wide;
  if (values.size() <= wide.size()) {
    for (size_t i = 0; i < values.size(); ++i) wide[i] = values[i];
    return LshBandKey(std::span<const uint32_t>(wide.data(), values.size()), band_seed);
  }
  const std::vector<uint32_t> big(values.begin(), values.end());
  return LshBandKey(std::span<const uint32_t>(big), band_seed);
}

// Band seeds 0..b-1 for a MinHash seed.
inline std::vector<uint64_t> LshBandSeeds(uint64_t minhash_seed, uint32_t bands) {
  std::vector<uint64_t> seeds(bands);
  for (uint32_t i = 0; i < bands; ++i) seeds[i] = LshBandSeed(minhash_seed, i);
  return seeds;
}

// The b band keys of a signature's values (values.size() >= b * r; seeds from
// LshBandSeeds). out must hold b keys.
inline void ComputeLshBandKeys(std::span<const uint32_t> values, uint32_t rows,
                               std::span<const uint64_t> band_seeds, std::span<uint64_t> out) noexcept {
  for (size_t i = 0; i < band_seeds.size(); ++i) {
    out[i] = LshBandKey(values.subspan(i * rows, rows), band_seeds[i]);
  }
}

}  // namespace neardup

#endif  // NEARDUP_INDEX_LSH_PARAMS_HPP_
