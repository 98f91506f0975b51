// Union-find (disjoint sets) over dense document indexes, deterministic by design:
// the root of every set is its smallest index, whatever the order of the unions, so
// components, representatives and their order are the same on every run and for any
// thread count that produced the edges. Path halving; 4 bytes per element.
//
//   neardup::UnionFind uf(n);
//   uf.Union(3, 7);
//   uf.Find(7) == 3;
#ifndef NEARDUP_CLUSTER_UNION_FIND_HPP_
#define NEARDUP_CLUSTER_UNION_FIND_HPP_

#include <cstdint>
#include <numeric>
#include <vector>

namespace neardup {

class UnionFind {
 public:
  explicit UnionFind(uint32_t n = 0) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0u); }

  uint32_t size() const noexcept { return static_cast<uint32_t>(parent_.size()); }

  uint32_t Find(uint32_t x) noexcept {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }

  // Joins the sets of a and b; the smaller root becomes the root. Returns false if they
  // were already joined.
  bool Union(uint32_t a, uint32_t b) noexcept {
    a = Find(a);
    b = Find(b);
    if (a == b) return false;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return true;
  }

 private:
  std::vector<uint32_t> parent_;
};

}  // namespace neardup

#endif  // NEARDUP_CLUSTER_UNION_FIND_HPP_
