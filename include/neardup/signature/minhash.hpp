// Stage 4a: MinHash signatures (Broder 1997) estimating Jaccard similarity.
//
// Input: shingle hashes (read as a set: repeats do not matter). Output: k 32-bit
// values; the fraction of positions where two signatures agree estimates the Jaccard
// similarity of the two shingle sets, with standard error sqrt(J(1-J)/k).
// Two algorithms behind one interface, k chosen at run time:
//   - kClassic: k independent hash functions, each applied to every shingle and the
//     minimum kept. Hash i multiply-adds each 32-bit half of x with lane constants
//     and multiplies the two results to 64 bits (internal/kernels.hpp has the exact
//     formula): 32-bit multiplies only, on every SIMD width. O(n k), vectorized
//     (AVX2 / AVX-512 kernels, bit-identical to scalar).
//   - kOnePermutation: one hash per shingle splits it into one of k bins, the minimum
//     per bin is kept, and empty bins are filled by optimal densification
//     (Shrivastava 2017): bin i borrows from the first non-empty bin of its own
//     seeded probe sequence. O(n + k).
// Each kept 64-bit minimum is reported as the low 32 bits of a fixed bijective mix of
// it, so the values are uniform and b-bit compression (bbit.hpp) can take low bits.
//
//   neardup::MinHasher mh({.algorithm = neardup::MinHashAlgorithm::kOnePermutation,
//                          .num_perm = 128, .seed = 1});
//   neardup::MinHashSignature a = mh.Sign(shingles_a), b = mh.Sign(shingles_b);
//   absl::StatusOr<double> j = neardup::EstimateJaccard(a, b);
//
// Guarantees: deterministic for the same shingles and parameters on every run, thread
// count and CPU. Signatures of a different algorithm, k or seed refuse to compare.
// Thread safety: a MinHasher keeps scratch space; use one per thread.
#ifndef NEARDUP_SIGNATURE_MINHASH_HPP_
#define NEARDUP_SIGNATURE_MINHASH_HPP_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/internal/kernels.hpp"
#include "neardup/internal/mix.hpp"

namespace neardup {

enum class MinHashAlgorithm : uint8_t { kClassic = 1, kOnePermutation = 2 };

inline const char* MinHashAlgorithmName(MinHashAlgorithm a) {
  switch (a) {
    case MinHashAlgorithm::kClassic:
      return "classic";
    case MinHashAlgorithm::kOnePermutation:
      return "oph";
  }
  return "unknown";
}

inline absl::StatusOr<MinHashAlgorithm> ParseMinHashAlgorithm(std::string_view name) {
  if (name == "classic") return MinHashAlgorithm::kClassic;
  if (name == "oph" || name == "one-permutation") return MinHashAlgorithm::kOnePermutation;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown MinHash algorithm '", std::string(name), "': expected 'classic' or 'oph'"));
}

inline constexpr uint64_t kDefaultMinHashSeed = 1;
inline constexpr uint32_t kMaxNumPerm = 8192;

struct MinHashParams {
  MinHashAlgorithm algorithm = MinHashAlgorithm::kOnePermutation;
  uint32_t num_perm = 128;
  uint64_t seed = kDefaultMinHashSeed;

  absl::Status Validate() const {
    if (algorithm != MinHashAlgorithm::kClassic &&
        algorithm != MinHashAlgorithm::kOnePermutation) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown MinHash algorithm code ", static_cast<int>(algorithm)));
    }
    if (num_perm < 1 || num_perm > kMaxNumPerm) {
      return absl::InvalidArgumentError(
          absl::StrCat("num_perm must be in [1, ", kMaxNumPerm, "], got ", num_perm));
    }
    return absl::OkStatus();
  }
  friend bool operator==(const MinHashParams&, const MinHashParams&) = default;
};

struct MinHashSignature {
  MinHashParams params;
  std::vector<uint32_t> values;  // params.num_perm values
  bool empty = true;             // signed from zero shingles: compares as 0 to anything
};

// OK when a and b were made with the same algorithm, k and seed; otherwise an
// InvalidArgument error naming the first difference.
inline absl::Status CheckComparable(const MinHashParams& a, const MinHashParams& b) {
  if (a.algorithm != b.algorithm) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot compare MinHash signatures: algorithm differs (",
                     MinHashAlgorithmName(a.algorithm), " vs ", MinHashAlgorithmName(b.algorithm), ")"));
  }
  if (a.num_perm != b.num_perm) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot compare MinHash signatures: num_perm differs (", a.num_perm, " vs ", b.num_perm, ")"));
  }
  if (a.seed != b.seed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot compare MinHash signatures: seed differs (", a.seed, " vs ", b.seed, ")"));
  }
  return absl::OkStatus();
}

// Number of positions where the values agree (signatures must be comparable).
inline size_t CountMatches(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) m += a[i] == b[i];
  return m;
}

inline absl::StatusOr<double> EstimateJaccard(const MinHashSignature& a, const MinHashSignature& b) {
  if (absl::Status s = CheckComparable(a.params, b.params); !s.ok()) return s;
  if (a.values.size() != a.params.num_perm || b.values.size() != b.params.num_perm) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MinHash signature has ", a.values.size(), " and ", b.values.size(),
        " values, expected ", a.params.num_perm));
  }
  if (a.empty || b.empty) return 0.0;
  return static_cast<double>(CountMatches(a.values, b.values)) / a.params.num_perm;
}

namespace internal {
inline constexpr uint64_t kOphSalt = 0x6f70682d62696e73ULL;
inline constexpr uint64_t kDensifySalt = 0x64656e7369667921ULL;
}  // namespace internal

class MinHasher {
 public:
  // Parameters must pass MinHashParams::Validate(); use Create() to check them (nothing
  // is adjusted here: an invalid num_perm is the caller's error, not a silent change).
  explicit MinHasher(MinHashParams params = {}) : params_(params) {
    // Lanes are made for both algorithms so SignClassicWith is defined on any hasher.
    internal::SplitMix64 rng(params_.seed);
    lanes_.resize(params_.num_perm);
    for (auto& c : lanes_) c = rng.Next();
    state_.resize(params_.num_perm);
    // The first probes of every bin's densification sequence depend only on the seed
    // and k, not on the document: computed once here.
    probes_.resize(size_t{params_.num_perm} * kFirstProbes);
    for (uint32_t i = 0; i < params_.num_perm; ++i) {
      for (uint32_t attempt = 0; attempt < kFirstProbes; ++attempt) {
        probes_[size_t{i} * kFirstProbes + attempt] = Probe(i, attempt);
      }
    }
    empty_bits_.resize((params_.num_perm + 63) / 64);
  }

  static absl::StatusOr<MinHasher> Create(MinHashParams params) {
    if (absl::Status s = params.Validate(); !s.ok()) return s;
    return MinHasher(params);
  }

  const MinHashParams& params() const noexcept { return params_; }

  void Sign(std::span<const uint64_t> shingles, MinHashSignature* out) {
    out->params = params_;
    out->values.resize(params_.num_perm);
    out->empty = shingles.empty();
    if (shingles.empty()) {
      std::fill(out->values.begin(), out->values.end(), 0u);
      return;
    }
    if (params_.algorithm == MinHashAlgorithm::kClassic) {
      SignClassic(shingles, out->values.data());
    } else {
      SignOnePermutation(shingles, out->values.data());
    }
  }

  MinHashSignature Sign(std::span<const uint64_t> shingles) {
    MinHashSignature sig;
    Sign(shingles, &sig);
    return sig;
  }

  // Classic path with an explicit kernel set (tests compare every kernel to scalar).
  void SignClassicWith(const internal::KernelSet& kernels, std::span<const uint64_t> shingles,
                       uint32_t* values) {
    std::fill(state_.begin(), state_.end(), std::numeric_limits<uint64_t>::max());
    kernels.minhash_classic(shingles.data(), shingles.size(), lanes_.data(), state_.data(),
                            params_.num_perm);
    for (uint32_t i = 0; i < params_.num_perm; ++i) values[i] = internal::FoldMinimum(state_[i]);
  }

  // One-permutation path with an explicit kernel set (tests compare every kernel to
  // scalar). `shingles` must not be empty.
  void SignOnePermutationWith(const internal::KernelSet& kernels, std::span<const uint64_t> shingles,
                              uint32_t* values) {
    const uint32_t k = params_.num_perm;
    constexpr uint64_t kEmpty = std::numeric_limits<uint64_t>::max();
    uint64_t* state = state_.data();
    std::fill(state, state + k, kEmpty);
    kernels.oph_update(shingles.data(), shingles.size(), params_.seed ^ internal::kOphSalt, state, k);
    // Every bin is folded, and the empty ones noted in a bit set; an empty bin's value
    // is replaced below.
    uint64_t* empty_bits = empty_bits_.data();
    if (!kernels.oph_fold(state, k, values, empty_bits)) return;
    // Optimal densification: an empty bin probes bins in its own seeded random order
    // and copies the first one that was filled by a shingle. The first kFirstProbes
    // probes come from the table, the first filled one among them picked without
    // branches; the rare bin whose table probes are all empty goes on probing.
    for (uint32_t w = 0; w < empty_bits_.size(); ++w) {
      for (uint64_t bits = empty_bits[w]; bits != 0; bits &= bits - 1) {
        const uint32_t i = 64 * w + static_cast<uint32_t>(std::countr_zero(bits));
        const uint16_t* probe = &probes_[size_t{i} * kFirstProbes];
        uint32_t j = kNoBin;
        for (uint32_t a = kFirstProbes; a-- > 0;) {
          const uint32_t b = probe[a];
          // All ones when bin b is filled (arithmetic, so that no branch is made of it).
          const uint32_t filled = static_cast<uint32_t>((empty_bits[b >> 6] >> (b & 63)) & 1) - 1;
          j = (b & filled) | (j & ~filled);
        }
        for (uint64_t attempt = kFirstProbes; j == kNoBin; ++attempt) {
          const uint32_t b = Probe(i, attempt);
          if (state[b] != kEmpty) j = b;
        }
        values[i] = values[j];
      }
    }
  }

 private:
  void SignClassic(std::span<const uint64_t> shingles, uint32_t* values) {
    SignClassicWith(internal::ActiveKernels(), shingles, values);
  }

  // Bin `i`'s densification probe number `attempt`: a bin in [0, k).
  uint32_t Probe(uint32_t i, uint64_t attempt) const noexcept {
    const uint64_t dseed = params_.seed ^ internal::kDensifySalt;
    return internal::MulHiRange(internal::Mix64(dseed ^ (static_cast<uint64_t>(i) << 32) ^ attempt),
                                params_.num_perm);
  }

  void SignOnePermutation(std::span<const uint64_t> shingles, uint32_t* values) {
    SignOnePermutationWith(internal::ActiveKernels(), shingles, values);
  }

  static constexpr uint32_t kFirstProbes = 4;
  static constexpr uint32_t kNoBin = ~uint32_t{0};
  static_assert(kMaxNumPerm <= 65536, "probes_ holds bins in 16 bits");

  MinHashParams params_;
  std::vector<uint64_t> lanes_;
  std::vector<uint64_t> state_;
  std::vector<uint16_t> probes_;       // kFirstProbes densification probes per bin
  std::vector<uint64_t> empty_bits_;  // bit i: bin i is empty (SignOnePermutation)
};

}  // namespace neardup

#endif  // NEARDUP_SIGNATURE_MINHASH_HPP_
