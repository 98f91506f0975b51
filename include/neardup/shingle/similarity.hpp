// Exact set similarity of shingle sets, used to verify candidate pairs.
//
// A shingle set is a sorted vector of distinct hashes (MakeShingleSet). Jaccard
// |A n B| / |A u B| and containment |A n B| / |A| are computed by one merge pass,
// O(|A| + |B|). Two empty sets have Jaccard 0: empty documents are reported as empty,
// never as duplicates of each other.
//
//   auto a = neardup::MakeShingleSet(shingler.Shingle(text_a));
//   auto b = neardup::MakeShingleSet(shingler.Shingle(text_b));
//   double j = neardup::ExactJaccard(a, b);
#ifndef NEARDUP_SHINGLE_SIMILARITY_HPP_
#define NEARDUP_SHINGLE_SIMILARITY_HPP_

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace neardup {

// Sorts and removes repeats: the set view of a shingle sequence.
inline std::vector<uint64_t> MakeShingleSet(std::vector<uint64_t> hashes) {
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

// |A n B| for sorted sets.
inline size_t IntersectionSize(std::span<const uint64_t> a, std::span<const uint64_t> b) {
  size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

inline double ExactJaccard(std::span<const uint64_t> a, std::span<const uint64_t> b) {
  if (a.empty() || b.empty()) return 0.0;
  const size_t inter = IntersectionSize(a, b);
  return static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter);
}

// Fraction of A's shingles that are also in B.
inline double Containment(std::span<const uint64_t> a, std::span<const uint64_t> b) {
  if (a.empty()) return 0.0;
  return static_cast<double>(IntersectionSize(a, b)) / static_cast<double>(a.size());
}

}  // namespace neardup

#endif  // NEARDUP_SHINGLE_SIMILARITY_HPP_
