// The method of index/lsh_batch.hpp: radix sort of band keys, the expansion and
// refinement of long runs, and the definitions of GenerateLshCandidates. Not API
// (namespace neardup::internal); index/lsh_batch.hpp is the interface and includes
// this file at its end.
#ifndef NEARDUP_INDEX_LSH_BATCH_IMPL_HPP_
#define NEARDUP_INDEX_LSH_BATCH_IMPL_HPP_

#include <xxhash.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/index/lsh_params.hpp"
#include "neardup/internal/mix.hpp"
#include "neardup/internal/parallel.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/index/lsh_batch.hpp"

namespace neardup {
namespace internal {

// Stable LSD radix sort of v on the 8-bit digits first_digit..7 (digit 0 = low byte),
// skipping digits equal in every element. The result is in *v; *scratch is clobbered.
inline void RadixSortU64(std::vector<uint64_t>* v, std::vector<uint64_t>* scratch, int first_digit) {
  const size_t n = v->size();
  if (n < 2) return;
  std::vector<std::array<size_t, 256>> counts(8);
  for (auto& c : counts) c.fill(0);
  for (const uint64_t x : *v) {
    for (int d = first_digit; d < 8; ++d) ++counts[d][(x >> (8 * d)) & 0xff];
  }
  scratch->resize(n);
  for (int d = first_digit; d < 8; ++d) {
    std::array<size_t, 256>& c = counts[d];
    if (std::find(c.begin(), c.end(), n) != c.end()) continue;  // one bucket holds all
    size_t sum = 0;
    for (size_t& x : c) {
      const size_t k = x;
      x = sum;
      sum += k;
    }
    for (const uint64_t x : *v) (*scratch)[c[(x >> (8 * d)) & 0xff]++] = x;
    v->swap(*scratch);
  }
}

template <typename... V>
size_t CapacityBytes(const V&... v) {
  return (size_t{0} + ... + (v.capacity() * sizeof(typename V::value_type)));
}

inline uint64_t PackPair(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

}  // namespace internal

// One run of documents sharing a band key -> its candidate pairs (lsh_batch.hpp, "Long
// runs"), packed first << 32 | second. Public so that a runner that gathers runs by key
// range on many machines (dedup/distributed.hpp) emits exactly the pairs of
// GenerateLshCandidates, which uses it too. Not thread-safe; reuse one per thread.
class LshRunExpander {
 public:
  LshRunExpander(const LshBatchOptions& options, uint32_t num_perm, LshBatchStats* stats)
      : options_(options), num_perm_(num_perm), stats_(stats) {
    if (options.verify_threshold > 0) {
      const auto min_matches = static_cast<uint32_t>(std::ceil(options.verify_threshold * num_perm - 1e-9));
      const uint32_t outside = num_perm - options.banding.rows;
      groups_ = num_perm - min_matches + 1;
      if (groups_ > outside) groups_ = 0;
    }
  }

  size_t scratch_bytes() const { return internal::CapacityBytes(group_words_, group_values_, member_docs_); }

  // The refinement's groups of outside positions (D + 1), or 0 when long runs are not
  // refined (no threshold, or D + 1 > k - r).
  uint32_t groups() const { return groups_; }

  // docs: one run, ascending; row(d) gives document d's values (32-bit, or 16-bit
  // compact values).
  template <typename RowFn>
  void Expand(std::span<const uint32_t> docs, uint32_t band, const RowFn& row, std::vector<uint64_t>* pairs) {
    ++stats_->runs;
    if (docs.size() <= options_.max_clique_run) {
      Clique(docs, pairs);
      return;
    }
    ++stats_->long_runs;
    StarAndChain(docs, pairs);
    if (options_.verify_threshold <= 0) return;
    if (groups_ == 0) {
      ++stats_->unrefined_runs;
      return;
    }
    seen_capped_.clear();
    const size_t m = docs.size();
    for (uint32_t g = 0; g < groups_; ++g) {
      group_words_.resize(m);
      for (size_t x = 0; x < m; ++x) group_words_[x] = (Fingerprint(row(docs[x]), band, g) << 32) | x;
      std::sort(group_words_.begin(), group_words_.end());
      for (size_t a = 0; a < m;) {
        size_t b = a + 1;
        while (b < m && (group_words_[b] >> 32) == (group_words_[a] >> 32)) ++b;
        if (b - a >= 2) {
          member_docs_.clear();
          for (size_t x = a; x < b; ++x) member_docs_.push_back(docs[group_words_[x] & 0xffffffffu]);
          SubRun(member_docs_, m, pairs);
        }
        a = b;
      }
    }
  }

  // The pieces of Expand, for a runner that splits one long run over several tasks
  // (dedup/distributed.hpp) and must emit the same pairs.
  //
  // Group g's 32-bit fingerprint of one member's values v (a row; 32-bit or 16-bit
  // compact values) in a run of band `band`. The outside positions are [0, band * r)
  // then [(band + 1) * r, k); group g takes outside indices [g L / G, (g + 1) L / G).
  template <typename T>
  uint64_t Fingerprint(const T* v, uint32_t band, uint32_t g) {
    const uint32_t r = options_.banding.rows;
    const uint32_t outside = num_perm_ - r;
    const auto lo = static_cast<uint32_t>(static_cast<uint64_t>(g) * outside / groups_);
    const auto hi = static_cast<uint32_t>(static_cast<uint64_t>(g + 1) * outside / groups_);
    group_values_.resize(hi - lo);
    for (uint32_t u = lo; u < hi; ++u) group_values_[u - lo] = v[u < band * r ? u : u + r];
    // A 32-bit fingerprint suffices: a collision only adds a pair of this run.
    return XXH3_64bits_withSeed(group_values_.data(), group_values_.size() * 4, g) >> 32;
  }

  // The pairs of one refinement sub-run (members of a run of run_size members with
  // equal fingerprints in one group; ascending): all of them up to max_clique_run
  // members; above, the star and chain once per member set since ForgetSubRuns (the
  // same long sub-run tends to come back in every group: copies agree everywhere), and
  // none when it is the whole run (which has its star already).
  void SubRun(std::span<const uint32_t> members, size_t run_size, std::vector<uint64_t>* pairs) {
    if (members.size() <= options_.max_clique_run) {
      Clique(members, pairs);
    } else if (seen_capped_.insert(XXH3_64bits(members.data(), members.size() * 4)).second) {
      ++stats_->capped_subruns;
      if (members.size() < run_size) StarAndChain(members, pairs);
    }
  }
  void ForgetSubRuns() { seen_capped_.clear(); }

  // The star and chain of a run (ascending): every member with the first and with its
  // successor.
  void StarAndChain(std::span<const uint32_t> docs, std::vector<uint64_t>* pairs) {
    for (size_t x = 1; x < docs.size(); ++x) pairs->push_back(internal::PackPair(docs[0], docs[x]));
    for (size_t x = 1; x + 1 < docs.size(); ++x) pairs->push_back(internal::PackPair(docs[x], docs[x + 1]));
    stats_->pairs_emitted += 2 * docs.size() - 3;
  }

 private:
  void Clique(std::span<const uint32_t> docs, std::vector<uint64_t>* pairs) {
    for (size_t a = 0; a < docs.size(); ++a) {
      for (size_t b = a + 1; b < docs.size(); ++b) pairs->push_back(internal::PackPair(docs[a], docs[b]));
    }
    stats_->pairs_emitted += docs.size() * (docs.size() - 1) / 2;
  }

  const LshBatchOptions& options_;
  uint32_t num_perm_;
  LshBatchStats* stats_;
  uint32_t groups_ = 0;  // D + 1, or 0 when refinement is off or impossible
  std::vector<uint64_t> group_words_;
  std::vector<uint32_t> group_values_;
  std::vector<uint32_t> member_docs_;
  absl::flat_hash_set<uint64_t> seen_capped_;  // membership only: order never leaks
};

namespace internal {


// row(i) -> values of document i (const uint32_t* or const uint16_t*); is_empty(i) ->
// whether it is empty.
template <typename RowFn, typename EmptyFn>
absl::StatusOr<LshBatchResult> GenerateLshCandidatesImpl(size_t n, const MinHashParams& params,
                                                         const LshBatchOptions& options, const RowFn& row,
                                                         const EmptyFn& is_empty) {
  if (absl::Status s = params.Validate(); !s.ok()) return s;
  if (absl::Status s = ValidateLshParams(options.banding, params.num_perm); !s.ok()) return s;
  if (options.max_clique_run < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_clique_run must be at least 2, got ", options.max_clique_run));
  }
  if (!(options.verify_threshold >= 0.0 && options.verify_threshold < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("verify_threshold must be in [0, 1), got ", options.verify_threshold));
  }
  if (n > 0xffffffffULL) {
    return absl::OutOfRangeError(absl::StrCat("at most 2^32 - 1 signatures per batch, got ", n));
  }
  LshBatchResult result;
  LshBatchStats& stats = result.stats;
  stats.documents = n;
  for (size_t i = 0; i < n; ++i) stats.empty_documents += is_empty(i);
  const size_t live = n - stats.empty_documents;

  const uint32_t rows = options.banding.rows;
  const std::vector<uint64_t> seeds = LshBandSeeds(params.seed, options.banding.bands);
  // What one thread needs for one band at a time; its stats are added up at the end.
  struct Worker {
    LshBatchStats stats;
    LshRunExpander expander;
    std::vector<uint64_t> words, scratch, band_pairs;
    std::vector<uint32_t> run_docs;
    size_t peak = 0;  // this worker's buffers at their largest
    Worker(const LshBatchOptions& o, uint32_t k) : expander(o, k, &stats) {}
  };
  const unsigned requested = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads = std::max(1u, std::min(requested, options.banding.bands));
  std::vector<std::unique_ptr<Worker>> workers;  // the expander points at its worker's stats
  for (unsigned t = 0; t < threads; ++t) workers.push_back(std::make_unique<Worker>(options, params.num_perm));
  std::vector<CandidatePair>& out = result.pairs;
  std::vector<CandidatePair> merged;
  size_t peak = 0;

  // One band's pairs, sorted and unique, into w->band_pairs.
  const auto band_pairs_of = [&](uint32_t band, Worker* w) {
    const auto key = [&](uint32_t d) {
      const auto* v = row(d) + static_cast<size_t>(band) * rows;
      return LshBandKey(std::span<const std::remove_cv_t<std::remove_pointer_t<decltype(v)>>>(v, rows), seeds[band]);
    };
    std::vector<uint64_t>& words = w->words;
    std::vector<uint64_t>& scratch = w->scratch;
    std::vector<uint64_t>& band_pairs = w->band_pairs;
    std::vector<uint32_t>& run_docs = w->run_docs;
    words.clear();
    words.reserve(live);
    for (size_t i = 0; i < n; ++i) {
      if (!is_empty(i)) words.push_back((key(static_cast<uint32_t>(i)) & 0xffffffff00000000ULL) | i);
    }
    RadixSortU64(&words, &scratch, 4);
    w->peak = std::max(w->peak, CapacityBytes(words, scratch));
    std::vector<uint64_t>().swap(scratch);

    band_pairs.clear();
    size_t run_peak = 0;
    for (size_t a = 0; a < words.size();) {
      size_t b = a + 1;
      while (b < words.size() && (words[b] >> 32) == (words[a] >> 32)) ++b;
      if (b - a >= 2) {
        run_docs.clear();
        bool one_key = true;
        const uint64_t first_key = key(static_cast<uint32_t>(words[a]));
        for (size_t x = a; x < b; ++x) {
          const auto d = static_cast<uint32_t>(words[x]);
          run_docs.push_back(d);
          if (x > a) one_key = one_key && key(d) == first_key;
        }
        if (one_key) {
          w->expander.Expand(run_docs, band, row, &band_pairs);
        } else {
          // Different keys with equal high halves (rare): split by the full key.
          std::vector<std::pair<uint64_t, uint32_t>> keyed;
          keyed.reserve(run_docs.size());
          for (const uint32_t d : run_docs) keyed.emplace_back(key(d), d);
          std::sort(keyed.begin(), keyed.end());
          for (size_t c = 0; c < keyed.size();) {
            size_t e = c + 1;
            while (e < keyed.size() && keyed[e].first == keyed[c].first) ++e;
            if (e - c >= 2) {
              std::vector<uint32_t> docs;
              for (size_t x = c; x < e; ++x) docs.push_back(keyed[x].second);
              w->expander.Expand(docs, band, row, &band_pairs);
            }
            c = e;
          }
        }
        run_peak = std::max(run_peak, CapacityBytes(run_docs) + w->expander.scratch_bytes());
      }
      a = b;
    }
    w->peak = std::max(w->peak, CapacityBytes(words, band_pairs) + run_peak);
    std::vector<uint64_t>().swap(words);

    RadixSortU64(&band_pairs, &scratch, 0);
    w->peak = std::max(w->peak, CapacityBytes(band_pairs, scratch));
    std::vector<uint64_t>().swap(scratch);
    band_pairs.erase(std::unique(band_pairs.begin(), band_pairs.end()), band_pairs.end());
  };

  // Merges one band's pairs into the output, dropping pairs found by an earlier band.
  // Counting the repeats first sizes the result exactly, so it never needs shrinking.
  // `held`: the bytes of the bands waiting to be merged, this one included.
  const auto merge = [&](std::vector<uint64_t>* pairs_of_band, size_t held) {
    const std::vector<uint64_t>& band_pairs = *pairs_of_band;
    const auto unpack = [](uint64_t p) {
      return CandidatePair{static_cast<uint32_t>(p >> 32), static_cast<uint32_t>(p)};
    };
    size_t repeats = 0;
    for (size_t i = 0, j = 0; i < out.size() && j < band_pairs.size();) {
      const CandidatePair bp = unpack(band_pairs[j]);
      if (out[i] < bp) {
        ++i;
      } else {
        repeats += out[i] == bp;
        i += out[i] == bp;
        ++j;
      }
    }
    merged.clear();
    merged.reserve(out.size() + band_pairs.size() - repeats);
    size_t i = 0, j = 0;
    while (i < out.size() || j < band_pairs.size()) {
      const CandidatePair bp = j < band_pairs.size() ? unpack(band_pairs[j]) : CandidatePair{};
      if (j == band_pairs.size() || (i < out.size() && out[i] < bp)) {
        merged.push_back(out[i++]);
      } else {
        if (i < out.size() && out[i] == bp) ++i;
        merged.push_back(bp);
        ++j;
      }
    }
    peak = std::max(peak, held + CapacityBytes(out, merged, seeds));
    out.swap(merged);
    std::vector<CandidatePair>().swap(merged);
    std::vector<uint64_t>().swap(*pairs_of_band);
  };

  // Bands `threads` at a time, one per thread; their pairs are merged in band order.
  // The output is the union of the bands' pairs and the stats are sums, so neither
  // depends on the thread count; peak_bytes counts the bands worked on at once.
  for (uint32_t first = 0; first < options.banding.bands; first += threads) {
    const uint32_t count = std::min(threads, options.banding.bands - first);
    for (auto& w : workers) w->peak = 0;
    (void)ParallelForChunks(count, count, 1, [&](unsigned, size_t x) {
      band_pairs_of(first + static_cast<uint32_t>(x), workers[x].get());
    });
    size_t group_peak = 0;
    for (uint32_t x = 0; x < count; ++x) group_peak += workers[x]->peak;
    peak = std::max(peak, group_peak + CapacityBytes(out, seeds));
    for (uint32_t x = 0; x < count; ++x) {
      size_t held = 0;
      for (uint32_t y = x; y < count; ++y) held += CapacityBytes(workers[y]->band_pairs);
      merge(&workers[x]->band_pairs, held);
    }
  }
  for (const auto& w : workers) {
    stats.runs += w->stats.runs;
    stats.long_runs += w->stats.long_runs;
    stats.unrefined_runs += w->stats.unrefined_runs;
    stats.capped_subruns += w->stats.capped_subruns;
    stats.pairs_emitted += w->stats.pairs_emitted;
  }
  stats.pairs = out.size();
  stats.peak_bytes = peak;
  return result;
}

}  // namespace internal

template <typename RowFn, typename EmptyFn>
absl::StatusOr<LshBatchResult> GenerateLshCandidatesOfRows(size_t n, const MinHashParams& params,
                                                           const LshBatchOptions& options, const RowFn& row,
                                                           const EmptyFn& is_empty) {
  return internal::GenerateLshCandidatesImpl(n, params, options, row, is_empty);
}

inline absl::StatusOr<LshBatchResult> GenerateLshCandidates(const MinHashMatrixView& m,
                                                            const LshBatchOptions& options) {
  if (absl::Status s = m.params.Validate(); !s.ok()) return s;
  const uint32_t k = m.params.num_perm;
  if (m.values.size() % k != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("matrix has ", m.values.size(), " values, not a multiple of k = ", k));
  }
  const size_t n = m.values.size() / k;
  if (!m.empty.empty() && m.empty.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("matrix has ", n, " rows but ", m.empty.size(), " empty flags"));
  }
  const uint32_t* values = m.values.data();
  return internal::GenerateLshCandidatesImpl(
      n, m.params, options, [values, k](size_t i) { return values + i * k; },
      [&m](size_t i) { return !m.empty.empty() && m.empty[i] != 0; });
}

inline absl::StatusOr<LshBatchResult> GenerateLshCandidates(std::span<const MinHashSignature> sigs,
                                                            const LshBatchOptions& options) {
  if (sigs.empty()) return LshBatchResult{};
  const MinHashParams& params = sigs[0].params;
  for (size_t i = 0; i < sigs.size(); ++i) {
    if (!(sigs[i].params == params)) {
      return absl::InvalidArgumentError(
          absl::StrCat("signature ", i, ": MinHash parameters differ from signature 0's: expected ",
                       MinHashAlgorithmName(params.algorithm), " k=", params.num_perm, " seed=", params.seed,
                       ", got ", MinHashAlgorithmName(sigs[i].params.algorithm),
                       " k=", sigs[i].params.num_perm, " seed=", sigs[i].params.seed));
    }
    if (sigs[i].values.size() != params.num_perm) {
      return absl::InvalidArgumentError(absl::StrCat("signature ", i, " has ", sigs[i].values.size(),
                                                     " values, expected ", params.num_perm));
    }
  }
  return internal::GenerateLshCandidatesImpl(
      sigs.size(), params, options, [sigs](size_t i) { return sigs[i].values.data(); },
      [sigs](size_t i) { return sigs[i].empty; });
}

}  // namespace neardup

#endif  // NEARDUP_INDEX_LSH_BATCH_IMPL_HPP_
