// b-bit MinHash (Li and Koenig 2010): keep only the lowest b bits of each value.
//
// MinHash values here are already uniform 32-bit words (see minhash.hpp), so two
// values from different minima agree on their low b bits with probability r = 2^-b,
// and P[match] = J + (1 - J) r. The estimator inverts that:
//   J_hat = (m/k - r) / (1 - r),  Var(J_hat) = P (1 - P) / (k (1 - r)^2).
// b is 1, 2, 4, 8, 16 or 32; values are packed 64/b to a 64-bit word, so a
// 128-value signature takes 16 bytes at b = 1 and 128 bytes at b = 8.
//
//   auto packed = neardup::CompressBBit(sig, 8);          // StatusOr<BBitSignature>
//   auto j = neardup::EstimateJaccard(*packed_a, *packed_b);
#ifndef NEARDUP_SIGNATURE_BBIT_HPP_
#define NEARDUP_SIGNATURE_BBIT_HPP_

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/signature/minhash.hpp"

namespace neardup {

struct BBitSignature {
  MinHashParams params;
  uint32_t bits = 0;            // b
  std::vector<uint64_t> words;  // ceil(num_perm * b / 64) words, value i at bits [i*b, i*b+b)
  bool empty = true;

  uint32_t Value(size_t i) const noexcept {
    const size_t per_word = 64 / bits;
    const uint64_t mask = bits == 64 ? ~0ULL : ((1ULL << bits) - 1);
    return static_cast<uint32_t>((words[i / per_word] >> ((i % per_word) * bits)) & mask);
  }
};

inline bool IsValidBBitWidth(uint32_t b) noexcept {
  return b == 1 || b == 2 || b == 4 || b == 8 || b == 16 || b == 32;
}

inline absl::StatusOr<BBitSignature> CompressBBit(const MinHashSignature& sig, uint32_t b) {
  if (!IsValidBBitWidth(b)) {
    return absl::InvalidArgumentError(
        absl::StrCat("b-bit width must be 1, 2, 4, 8, 16 or 32, got ", b));
  }
  BBitSignature out;
  out.params = sig.params;
  out.bits = b;
  out.empty = sig.empty;
  const size_t per_word = 64 / b;
  out.words.assign((sig.values.size() + per_word - 1) / per_word, 0);
  const uint64_t mask = (b == 32) ? 0xffffffffULL : ((1ULL << b) - 1);
  for (size_t i = 0; i < sig.values.size(); ++i) {
    out.words[i / per_word] |= (sig.values[i] & mask) << ((i % per_word) * b);
  }
  return out;
}

namespace internal {
// Number of all-zero b-bit groups in x.
inline uint32_t ZeroGroups(uint64_t x, uint32_t b) noexcept {
  for (uint32_t s = 1; s < b; s <<= 1) x |= x >> s;  // fold each group onto its low bit
  uint64_t low = 0;  // the low bit of every group
  for (uint32_t i = 0; i < 64; i += b) low |= 1ULL << i;
  return static_cast<uint32_t>(64 / b) - static_cast<uint32_t>(std::popcount(x & low));
}
}  // namespace internal

// Matches among the b-bit values of comparable signatures.
inline size_t CountBBitMatches(const BBitSignature& a, const BBitSignature& b) {
  size_t zeros = 0;
  for (size_t w = 0; w < a.words.size(); ++w) zeros += internal::ZeroGroups(a.words[w] ^ b.words[w], a.bits);
  const size_t per_word = 64 / a.bits;
  const size_t padding = a.words.size() * per_word - a.params.num_perm;  // always equal
  return zeros - padding;
}

inline absl::StatusOr<double> EstimateJaccard(const BBitSignature& a, const BBitSignature& b) {
  if (absl::Status s = CheckComparable(a.params, b.params); !s.ok()) return s;
  if (a.bits != b.bits) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot compare b-bit signatures: b differs (", a.bits, " vs ", b.bits, ")"));
  }
  const size_t per_word = 64 / a.bits;
  const size_t expect_words = (a.params.num_perm + per_word - 1) / per_word;
  if (a.words.size() != expect_words || b.words.size() != expect_words) {
    return absl::InvalidArgumentError(absl::StrCat("b-bit signature has ", a.words.size(), " and ",
                                                   b.words.size(), " words, expected ", expect_words));
  }
  if (a.empty || b.empty) return 0.0;
  const double m = static_cast<double>(CountBBitMatches(a, b)) / a.params.num_perm;
  const double r = std::ldexp(1.0, -static_cast<int>(a.bits));
  const double j = (m - r) / (1.0 - r);
  return j < 0.0 ? 0.0 : (j > 1.0 ? 1.0 : j);
}

}  // namespace neardup

#endif  // NEARDUP_SIGNATURE_BBIT_HPP_
