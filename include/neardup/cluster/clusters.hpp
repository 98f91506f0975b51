// Stage 6: verified clusters of near-duplicate documents.
//
// Input: candidate pairs (from an LSH index), a similarity function, and for every
// document a keep priority. Output: clusters of two or more documents, each with one
// kept representative and every member's similarity to it.
//   1. Verification: every candidate pair is scored (estimated Jaccard from full
//      signatures, or exact Jaccard of shingle sets: the caller's function) and kept
//      only if its similarity is at least the threshold.
//   2. Components: union-find over verified pairs (roots are smallest indexes).
//   3. Chain protection (ClusterPolicy::kStar, the default): candidates chain,
//      A ~ B ~ C with A far from C. Within each component the highest-priority document
//      not yet placed becomes a representative and takes every unplaced member whose
//      similarity to it is at least the threshold; repeat until the component is
//      placed. So every member of every cluster is within the threshold of its
//      representative, and a chain splits into several clusters instead of one.
//      ClusterPolicy::kConnected keeps plain connected components (no protection).
// Which copy is kept: KeepRule::kFirst (input order), kLongest (most bytes, then input
// order) or kEarliestId (smallest id in byte order, then input order).
//
// Guarantees: output depends only on the documents, pairs and options: clusters are
// ordered by their representative's input index, members by input index.
// Cost: O(P log P) for P candidate pairs plus, per component of size m, O(m * c)
// similarity calls for c clusters made from it.
#ifndef NEARDUP_CLUSTER_CLUSTERS_HPP_
#define NEARDUP_CLUSTER_CLUSTERS_HPP_

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/cluster/union_find.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

enum class KeepRule : uint8_t { kFirst, kLongest, kEarliestId };
enum class ClusterPolicy : uint8_t { kStar, kConnected };

inline const char* KeepRuleName(KeepRule r) {
  switch (r) {
    case KeepRule::kFirst:
      return "first";
    case KeepRule::kLongest:
      return "longest";
    case KeepRule::kEarliestId:
      return "earliest-id";
  }
  return "unknown";
}

inline absl::StatusOr<KeepRule> ParseKeepRule(std::string_view s) {
  if (s == "first") return KeepRule::kFirst;
  if (s == "longest") return KeepRule::kLongest;
  if (s == "earliest-id" || s == "id") return KeepRule::kEarliestId;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown keep rule '", std::string(s), "': expected first, longest or earliest-id"));
}

struct ScoredPair {
  uint32_t a = 0;  // a < b
  uint32_t b = 0;
  float similarity = 0;
  friend bool operator==(const ScoredPair&, const ScoredPair&) = default;
};

struct ClusterMember {
  uint32_t doc = 0;
  float similarity = 0;  // to the representative (1 for the representative itself)
};

struct Cluster {
  uint32_t representative = 0;
  std::vector<ClusterMember> members;  // input order, representative included
};

struct ClusterOptions {
  double threshold = 0.8;
  ClusterPolicy policy = ClusterPolicy::kStar;
};

// rank[i] = position of document i in keep order (0 = kept first). `ids` (anything
// whose ids[i] compares as a string) and `bytes` are needed only by the rules that
// read them.
template <class Ids>
std::vector<uint32_t> KeepRanks(KeepRule rule, const Ids& ids, std::span<const uint64_t> bytes, size_t n) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  if (rule == KeepRule::kLongest) {
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t x, uint32_t y) { return bytes[x] > bytes[y]; });
  } else if (rule == KeepRule::kEarliestId) {
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t x, uint32_t y) { return ids[x] < ids[y]; });
  }
  std::vector<uint32_t> rank(n);
  for (uint32_t r = 0; r < n; ++r) rank[order[r]] = r;
  return rank;
}

// Scores candidate pairs with sim(a, b) on `threads` threads and keeps those at or
// above the threshold, sorted by (a, b). Pairs are normalized to a < b and repeats
// and self-pairs dropped first.
template <class SimFn>
std::vector<ScoredPair> VerifyPairs(std::vector<std::pair<uint32_t, uint32_t>> candidates,
                                    double threshold, SimFn&& sim, unsigned threads = 1) {
  for (auto& [a, b] : candidates) {
    if (b < a) std::swap(a, b);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::erase_if(candidates, [](const auto& p) { return p.first == p.second; });
  std::vector<float> scores(candidates.size());
  // A thread that cannot start leaves its share to the others: the scores are the same.
  (void)ParallelFor(candidates.size(), threads, [&](unsigned, size_t i) {
    scores[i] = static_cast<float>(sim(candidates[i].first, candidates[i].second));
  });
  std::vector<ScoredPair> out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (scores[i] >= threshold) out.push_back({candidates[i].first, candidates[i].second, scores[i]});
  }
  return out;
}

// Clusters documents [0, n) from verified pairs. `rank` is from KeepRanks; sim(a, b)
// is the same similarity the pairs were verified with (used by kStar to compare each
// member with its representative).
template <class SimFn>
std::vector<Cluster> BuildClusters(uint32_t n, std::span<const ScoredPair> verified,
                                   std::span<const uint32_t> rank, const ClusterOptions& options,
                                   SimFn&& sim) {
  UnionFind uf(n);
  for (const ScoredPair& p : verified) uf.Union(p.a, p.b);
  // Members of each component, in input order, grouped by root (smallest index).
  std::vector<uint32_t> docs;
  for (const ScoredPair& p : verified) {
    docs.push_back(p.a);
    docs.push_back(p.b);
  }
  std::sort(docs.begin(), docs.end());
  docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
  std::stable_sort(docs.begin(), docs.end(),
                   [&](uint32_t x, uint32_t y) { return uf.Find(x) < uf.Find(y); });

  std::vector<Cluster> clusters;
  std::vector<uint32_t> component, by_rank;
  std::vector<char> placed;
  for (size_t start = 0; start < docs.size();) {
    const uint32_t root = uf.Find(docs[start]);
    size_t stop = start;
    while (stop < docs.size() && uf.Find(docs[stop]) == root) ++stop;
    component.assign(docs.begin() + static_cast<ptrdiff_t>(start), docs.begin() + static_cast<ptrdiff_t>(stop));
    start = stop;
    by_rank = component;
    std::sort(by_rank.begin(), by_rank.end(), [&](uint32_t x, uint32_t y) { return rank[x] < rank[y]; });
    if (options.policy == ClusterPolicy::kConnected) {
      Cluster c;
      c.representative = by_rank.front();
      for (const uint32_t d : component) {
        c.members.push_back({d, d == c.representative ? 1.0f : static_cast<float>(sim(c.representative, d))});
      }
      clusters.push_back(std::move(c));
      continue;
    }
    placed.assign(component.size(), 0);
    auto position = [&](uint32_t d) {
      return static_cast<size_t>(std::lower_bound(component.begin(), component.end(), d) - component.begin());
    };
    for (const uint32_t center : by_rank) {
      if (placed[position(center)]) continue;
      placed[position(center)] = 1;
      Cluster c;
      c.representative = center;
      for (size_t i = 0; i < component.size(); ++i) {
        const uint32_t d = component[i];
        if (d == center) {
          c.members.push_back({d, 1.0f});
          continue;
        }
        if (placed[i]) continue;
        const double s = sim(center, d);
        if (s >= options.threshold) {
          placed[i] = 1;
          c.members.push_back({d, static_cast<float>(s)});
        }
      }
      if (c.members.size() >= 2) clusters.push_back(std::move(c));
    }
  }
  std::sort(clusters.begin(), clusters.end(),
            [](const Cluster& x, const Cluster& y) { return x.representative < y.representative; });
  return clusters;
}

}  // namespace neardup

#endif  // NEARDUP_CLUSTER_CLUSTERS_HPP_
