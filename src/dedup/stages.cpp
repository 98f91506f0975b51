// Stages 2-4 of the dedup pipeline: candidates, verification, clusters.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "neardup/cluster/union_find.hpp"
#include "neardup/dedup/dedup.hpp"
#include "neardup/dedup/stages.hpp"
#include "neardup/index/simhash_index.hpp"
#include "neardup/shingle/similarity.hpp"

namespace neardup {
namespace {

unsigned Threads(unsigned requested) {
  return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// Runs fn(sim) until it needed no shingle set that was not loaded: the star policy and
// the pair expansion compare documents that were never a candidate pair.
template <class Fn>
absl::Status RunWithExactSets(PairSimilarity* sim, Fn&& fn) {
  for (;;) {
    if (absl::Status s = fn(); !s.ok()) return s;
    const std::vector<uint32_t> missing = sim->TakeMissing();
    if (missing.empty()) return absl::OkStatus();
    if (absl::Status s = sim->EnsureExact(missing); !s.ok()) return s;
  }
}

// Shingle sets from texts: held in memory, or read again from the source.
class SourceShingleSets : public ShingleSetSource {
 public:
  SourceShingleSets(const DocumentSource& source, const SignedCorpus& corpus, unsigned threads)
      : source_(source),
        corpus_(corpus),
        threads_(threads),
        normalizers_(threads, Normalizer(corpus.signer.normalize)),
        shinglers_(threads, Shingler(corpus.signer.shingle)) {}

  // Each thread reads a share of the documents again and shingles them.
  absl::Status Load(std::span<const uint32_t> docs, std::vector<std::vector<uint64_t>>* sets) override {
    sets->assign(docs.size(), {});
    return ReadTextsAgainInParallel(source_, corpus_, docs, threads_,
                                    [&](unsigned w, size_t i, const Document& doc) -> absl::Status {
                                      std::vector<uint64_t> shingles;
                                      NormalizeStats unused;
                                      shinglers_[w].ShingleText(doc.text, normalizers_[w], &shingles, &unused);
                                      (*sets)[i] = MakeShingleSet(std::move(shingles));
                                      return absl::OkStatus();
                                    });
  }

 private:
  const DocumentSource& source_;
  const SignedCorpus& corpus_;
  unsigned threads_;
  std::vector<Normalizer> normalizers_;
  std::vector<Shingler> shinglers_;
};

}  // namespace

std::unique_ptr<ShingleSetSource> MakeShingleSetSource(const DocumentSource& source, const SignedCorpus& corpus,
                                                       const DedupOptions& options, std::string* why) {
  if (source.kind() == DocumentSource::Kind::kSignatures) {
    // The texts are in the inputs the signature files recorded: all must be there.
    for (uint32_t i = 0; i < corpus.inputs.size(); ++i) {
      if (absl::Status s = CheckInputUnchanged(corpus, i); !s.ok()) {
        if (why) *why = std::string(s.message());
        return nullptr;
      }
    }
  }
  return std::make_unique<SourceShingleSets>(source, corpus, Threads(options.threads));
}

LshBatchOptions DedupLshOptions(const DedupOptions& options, const LshParams& banding, uint32_t num_perm) {
  // Long LSH runs are refined down to the lowest similarity verification can accept:
  // the threshold for estimates; below it by the precise margin, or by four standard
  // errors for exact checks, since exact Jaccard is not bound by the signature.
  const double t = options.threshold;
  const double k = num_perm;
  double refine = t;
  if (options.verify == Verification::kPrecise) refine = std::max(0.0, t - options.PreciseMargin());
  if (options.verify == Verification::kExact) refine = std::max(0.0, t - 4 * std::sqrt(t * (1 - t) / k));
  return {.banding = banding, .verify_threshold = refine};
}

absl::StatusOr<std::vector<CandidatePair>> FindCandidates(const SignedCorpus& corpus, const DedupOptions& options,
                                                          DedupStats* stats) {
  std::vector<CandidatePair> out;
  const auto n = static_cast<uint32_t>(corpus.size());
  if (options.algorithm == DedupAlgorithm::kSimHash) {
    // Empty documents all have fingerprint 0: leave them out rather than pair them all.
    std::vector<uint64_t> fps;
    std::vector<uint32_t> doc_of;
    for (uint32_t d = 0; d < n; ++d) {
      if (corpus.empty[d]) continue;
      fps.push_back(corpus.simhash[d]);
      doc_of.push_back(d);
    }
    absl::StatusOr<std::vector<SimHashPair>> pairs = FindSimHashPairs(
        fps, {.max_distance = options.simhash_distance, .num_threads = Threads(options.threads)});
    if (!pairs.ok()) return pairs.status();
    out.reserve(pairs->size());
    for (const SimHashPair& p : *pairs) out.push_back({doc_of[p.i], doc_of[p.j]});
    std::sort(out.begin(), out.end());
  } else {
    absl::StatusOr<LshParams> banding = DedupBanding(options);
    if (!banding.ok()) return banding.status();
    if (corpus.minhash.rows() != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("corpus has ", n, " documents but ", corpus.minhash.rows(), " MinHash rows"));
    }
    const MinHashColumn& values = corpus.minhash;
    LshBatchOptions lsh_options = DedupLshOptions(options, *banding, corpus.signer.minhash.num_perm);
    lsh_options.threads = Threads(options.threads);
    absl::StatusOr<LshBatchResult> lsh = GenerateLshCandidatesOfRows(
        n, corpus.signer.minhash, lsh_options,
        [&values](size_t d) { return values.RowData(d); }, [&corpus](size_t d) { return corpus.empty[d] != 0; });
    if (!lsh.ok()) return lsh.status();
    out = std::move(lsh->pairs);
    if (stats) {
      stats->banding = *banding;
      stats->lsh = lsh->stats;
    }
  }
  if (stats) stats->candidates = out.size();
  return out;
}

PairSimilarity::PairSimilarity(const SignedCorpus& corpus, const DedupOptions& options, Verification verification,
                               ShingleSetSource* texts)
    : corpus_(corpus),
      verification_(verification),
      simhash_(options.algorithm == DedupAlgorithm::kSimHash),
      threshold_(options.VerifyThreshold()),
      margin_(options.PreciseMargin()),
      texts_(texts) {}

double PairSimilarity::Estimate(uint32_t a, uint32_t b) const {
  if (simhash_) return 1.0 - HammingDistance(corpus_.simhash[a], corpus_.simhash[b]) / 64.0;
  return CompactJaccard(corpus_.MinHashOf(a), corpus_.MinHashOf(b));
}

void PairSimilarity::Prefetch(uint32_t a, uint32_t b) const {
  if (simhash_) {
    __builtin_prefetch(&corpus_.simhash[a]);
    __builtin_prefetch(&corpus_.simhash[b]);
    return;
  }
  const size_t bytes = corpus_.minhash.k() * sizeof(uint16_t);
  for (const uint32_t d : {a, b}) {
    const char* row = reinterpret_cast<const char*>(corpus_.minhash.RowData(d));
    for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(row + at);
    __builtin_prefetch(row + bytes - 1);  // rows need not start on a cache line
  }
}

bool PairSimilarity::NeedsExact(double estimate) const {
  if (simhash_ || texts_ == nullptr) return false;
  if (verification_ == Verification::kExact) return true;
  return verification_ == Verification::kPrecise && std::abs(estimate - threshold_) <= margin_;
}

double PairSimilarity::operator()(uint32_t a, uint32_t b) const {
  const double estimate = Estimate(a, b);
  return NeedsExact(estimate) ? Exact(a, b) : estimate;
}

double PairSimilarity::Exact(uint32_t a, uint32_t b) const {
  const auto ia = sets_.find(a);
  const auto ib = sets_.find(b);
  if (ia == sets_.end() || ib == sets_.end()) {
    // Only the single-threaded stages get here (VerifyCandidates loads first).
    if (ia == sets_.end()) missing_.push_back(a);
    if (ib == sets_.end()) missing_.push_back(b);
    return Estimate(a, b);
  }
  return ExactJaccard(ia->second, ib->second);
}

absl::Status PairSimilarity::EnsureExact(std::span<const uint32_t> docs) {
  if (texts_ == nullptr) return absl::OkStatus();
  std::vector<uint32_t> need;
  for (const uint32_t d : docs) {
    if (!sets_.contains(d)) need.push_back(d);
  }
  std::sort(need.begin(), need.end());
  need.erase(std::unique(need.begin(), need.end()), need.end());
  if (need.empty()) return absl::OkStatus();
  std::vector<std::vector<uint64_t>> sets;
  if (absl::Status s = texts_->Load(need, &sets); !s.ok()) return s;
  for (size_t i = 0; i < need.size(); ++i) sets_[need[i]] = std::move(sets[i]);
  loads_ += need.size();
  return absl::OkStatus();
}

void PairSimilarity::Release() { absl::flat_hash_map<uint32_t, std::vector<uint64_t>>().swap(sets_); }

std::vector<uint32_t> PairSimilarity::TakeMissing() const {
  std::vector<uint32_t> out;
  out.swap(missing_);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<std::vector<ScoredPair>> VerifyCandidates(std::span<const CandidatePair> candidates,
                                                         const DedupOptions& options, PairSimilarity* sim,
                                                         DedupStats* stats) {
  // Pairs first < second, ascending and unique (FindCandidates' already are).
  std::span<const CandidatePair> pairs = candidates;
  std::vector<CandidatePair> normalized;
  const bool ordered = std::all_of(candidates.begin(), candidates.end(),
                                   [](const CandidatePair& p) { return p.first < p.second; }) &&
                       std::adjacent_find(candidates.begin(), candidates.end(), [](const auto& x, const auto& y) {
                         return !(x < y);
                       }) == candidates.end();
  if (!ordered) {
    for (CandidatePair p : candidates) {
      if (p.second < p.first) std::swap(p.first, p.second);
      if (p.first != p.second) normalized.push_back(p);
    }
    std::sort(normalized.begin(), normalized.end());
    normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
    pairs = normalized;
  }
  const unsigned threads = Threads(options.threads);
  // Every pair's estimate, and the pairs it cannot decide.
  // The pairs' second documents lie all over the corpus: the loop would wait on memory
  // for nearly every pair, so the signatures of the pair kPrefetchAhead further on are
  // asked for while this one is scored.
  std::vector<float> scores(pairs.size());
  std::vector<uint8_t> exact(pairs.size());
  constexpr size_t kBlock = 4096;
  constexpr size_t kPrefetchAhead = 12;
  (void)internal::ParallelForChunks((pairs.size() + kBlock - 1) / kBlock, threads, 1, [&](unsigned, size_t block) {
    const size_t begin = block * kBlock;
    const size_t end = std::min(pairs.size(), begin + kBlock);
    for (size_t i = begin; i < std::min(end, begin + kPrefetchAhead); ++i) {
      sim->Prefetch(pairs[i].first, pairs[i].second);
    }
    for (size_t i = begin; i < end; ++i) {
      if (i + kPrefetchAhead < end) sim->Prefetch(pairs[i + kPrefetchAhead].first, pairs[i + kPrefetchAhead].second);
      const double estimate = sim->Estimate(pairs[i].first, pairs[i].second);
      scores[i] = static_cast<float>(estimate);
      exact[i] = sim->NeedsExact(estimate) ? 1 : 0;
    }
  });
  std::vector<uint32_t> uncertain;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (exact[i]) uncertain.push_back(static_cast<uint32_t>(i));
  }
  std::vector<uint8_t>().swap(exact);
  // Exact checks in rounds of at most kExactRoundTextBytes of texts. The uncertain
  // pairs are taken group by group (connected through uncertain pairs, in the order of
  // each group's first document), so that a document's pairs fall in one round and its
  // text is read once, not once per round that needs it.
  const SignedCorpus& corpus = sim->corpus();
  if (!uncertain.empty()) {
    UnionFind groups(static_cast<uint32_t>(corpus.size()));
    for (const uint32_t i : uncertain) groups.Union(pairs[i].first, pairs[i].second);
    std::vector<std::pair<uint32_t, uint32_t>> keyed;  // (the group's first document, pair)
    keyed.reserve(uncertain.size());
    for (const uint32_t i : uncertain) keyed.emplace_back(groups.Find(pairs[i].first), i);
    std::sort(keyed.begin(), keyed.end());
    for (size_t x = 0; x < keyed.size(); ++x) uncertain[x] = keyed[x].second;
  }
  absl::flat_hash_set<uint32_t> round;
  std::vector<uint32_t> docs;
  for (size_t begin = 0; begin < uncertain.size();) {
    round.clear();
    uint64_t bytes = 0;
    size_t end = begin;
    for (; end < uncertain.size() && (end == begin || bytes < kExactRoundTextBytes); ++end) {
      for (const uint32_t d : {pairs[uncertain[end]].first, pairs[uncertain[end]].second}) {
        if (round.insert(d).second) bytes += corpus.bytes[d];
      }
    }
    docs.assign(round.begin(), round.end());
    if (absl::Status s = sim->EnsureExact(docs); !s.ok()) return s;
    (void)ParallelFor(end - begin, threads, [&](unsigned, size_t x) {
      const CandidatePair& p = pairs[uncertain[begin + x]];
      // The estimate said this pair needs its shingle sets: go to them directly.
      scores[uncertain[begin + x]] = static_cast<float>(sim->Exact(p.first, p.second));
    });
    sim->Release();
    begin = end;
  }
  const double threshold = options.VerifyThreshold();
  std::vector<ScoredPair> verified;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (scores[i] >= threshold) verified.push_back({pairs[i].first, pairs[i].second, scores[i]});
  }
  if (stats) {
    stats->verified = verified.size();
    stats->decided_exactly += uncertain.size();
    stats->decided_by_estimate += candidates.size() - uncertain.size();
  }
  return verified;
}

absl::StatusOr<std::vector<Cluster>> ClusterDocuments(const SignedCorpus& corpus,
                                                      std::span<const ScoredPair> verified,
                                                      const DedupOptions& options, PairSimilarity* sim) {
  const auto n = static_cast<uint32_t>(corpus.size());
  const std::vector<uint32_t> rank = KeepRanks(options.keep, corpus.ids, corpus.bytes, n);
  // A verified pair's similarity is its score: only pairs never verified (members of
  // one group the star policy compares) are computed, and their sets loaded, again.
  const auto by_pair = [](const ScoredPair& x, const ScoredPair& y) { return std::pair(x.a, x.b) < std::pair(y.a, y.b); };
  std::vector<ScoredPair> sorted;
  std::span<const ScoredPair> scored = verified;
  if (!std::is_sorted(verified.begin(), verified.end(), by_pair)) {
    sorted.assign(verified.begin(), verified.end());
    std::sort(sorted.begin(), sorted.end(), by_pair);
    scored = sorted;
  }
  const auto similarity = [&](uint32_t a, uint32_t b) -> double {
    const ScoredPair key{std::min(a, b), std::max(a, b), 0};
    const auto it = std::lower_bound(scored.begin(), scored.end(), key, by_pair);
    if (it != scored.end() && it->a == key.a && it->b == key.b) return it->similarity;
    return (*sim)(a, b);
  };
  std::vector<Cluster> clusters;
  absl::Status s = RunWithExactSets(sim, [&] {
    clusters = BuildClusters(n, verified, rank, {.threshold = options.VerifyThreshold(), .policy = options.policy},
                             similarity);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return clusters;
}

absl::StatusOr<std::vector<ScoredPair>> ExpandPairs(uint32_t n, std::span<const ScoredPair> verified,
                                                    const DedupOptions& options, PairSimilarity* sim) {
  UnionFind uf(n);
  std::vector<uint32_t> docs;
  for (const ScoredPair& p : verified) {
    uf.Union(p.a, p.b);
    docs.push_back(p.a);
    docs.push_back(p.b);
  }
  std::sort(docs.begin(), docs.end());
  docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
  std::stable_sort(docs.begin(), docs.end(), [&](uint32_t x, uint32_t y) { return uf.Find(x) < uf.Find(y); });
  std::vector<CandidatePair> pairs;
  for (size_t start = 0; start < docs.size();) {
    size_t stop = start;
    while (stop < docs.size() && uf.Find(docs[stop]) == uf.Find(docs[start])) ++stop;
    for (size_t i = start; i < stop; ++i) {
      for (size_t j = i + 1; j < stop; ++j) pairs.push_back({docs[i], docs[j]});
    }
    start = stop;
  }
  return VerifyCandidates(pairs, options, sim);
}

}  // namespace neardup
