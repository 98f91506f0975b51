// The dedup pipeline in one call: stages 1-4 of dedup/stages.hpp, and passages.
#include "neardup/dedup/dedup.hpp"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace neardup {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Between stages: memory a stage freed on its worker threads (the reader's batches, the
// LSH bands' buffers) stays with the C library's per-thread arenas unless handed back,
// and would count against the next stage's peak.
void ReturnFreedMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace

absl::StatusOr<DedupResult> Deduplicate(const DocumentSource& source, const DedupOptions& options,
                                        const DedupCallbacks& callbacks) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  const auto start = Clock::now();
  DedupResult r;
  r.options = options;
  DedupLog log;
  log.on_problem = callbacks.on_problem;
  log.on_progress = callbacks.on_progress;
  log.stats.threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());

  std::optional<PassageRepeatFinder> finder;
  if (options.passages) {
    PassageOptions passage_options = *options.passages;
    passage_options.normalize = options.signer.normalize;
    absl::StatusOr<PassageRepeatFinder> made = PassageRepeatFinder::Create(passage_options);
    if (!made.ok()) return made.status();
    finder.emplace(*std::move(made));
  }
  DocumentHook hook;
  if (finder) {
    hook = [&](uint32_t doc, const Document& document) { finder->AddDocument(doc, document.text, &r.repeats); };
  }

  // Stage 1: read and sign.
  absl::StatusOr<SignedCorpus> corpus = SignDocuments(source, options, &log, hook);
  if (!corpus.ok()) return corpus.status();
  r.corpus = *std::move(corpus);
  ReturnFreedMemory();
  DedupStats& stats = log.stats;
  stats.seconds.sign = Since(start);
  const auto n = static_cast<uint32_t>(r.corpus.size());

  // What verification can be had: the exact checks need the texts.
  const bool minhash = options.algorithm == DedupAlgorithm::kMinHash;
  Verification verification = minhash ? options.verify : Verification::kEstimate;
  std::unique_ptr<ShingleSetSource> texts;
  if (verification != Verification::kEstimate) {
    std::string why;
    texts = MakeShingleSetSource(source, r.corpus, options, &why);
    if (texts == nullptr && verification == Verification::kExact) {
      return absl::FailedPreconditionError(
          absl::StrCat("exact verification needs the documents' texts: ", why));
    }
    if (texts == nullptr) {
      verification = Verification::kEstimate;
      stats.verification_note = absl::StrCat("precise verification needs the texts (", why, ")");
    }
  }
  stats.verification = verification;

  // Stage 2: candidates. Stage 3: verification.
  auto t0 = Clock::now();
  absl::StatusOr<std::vector<CandidatePair>> candidates = FindCandidates(r.corpus, options, &stats);
  if (!candidates.ok()) return candidates.status();
  ReturnFreedMemory();
  stats.seconds.candidates = Since(t0);
  t0 = Clock::now();
  PairSimilarity sim(r.corpus, options, verification, texts.get());
  absl::StatusOr<std::vector<ScoredPair>> verified = VerifyCandidates(*candidates, options, &sim, &stats);
  if (!verified.ok()) return verified.status();
  candidates->clear();
  candidates->shrink_to_fit();
  stats.seconds.verify = Since(t0);

  // Stage 4: clusters.
  t0 = Clock::now();
  absl::StatusOr<std::vector<Cluster>> clusters = ClusterDocuments(r.corpus, *verified, options, &sim);
  if (!clusters.ok()) return clusters.status();
  r.clusters = *std::move(clusters);
  r.removed.assign(n, 0);
  for (const Cluster& c : r.clusters) {
    for (const ClusterMember& m : c.members) {
      if (m.doc != c.representative) r.removed[m.doc] = 1;
    }
  }
  stats.clusters = r.clusters.size();
  stats.removed = static_cast<uint64_t>(std::count(r.removed.begin(), r.removed.end(), 1));
  if (options.pairs == PairsMode::kVerified) {
    r.pairs = *std::move(verified);
  } else if (options.pairs == PairsMode::kAll) {
    absl::StatusOr<std::vector<ScoredPair>> all = ExpandPairs(n, *verified, options, &sim);
    if (!all.ok()) return all.status();
    r.pairs = *std::move(all);
  }
  stats.texts_read_again = sim.loaded();
  stats.seconds.cluster = Since(t0);
  stats.seconds.total = Since(start);
  r.stats = std::move(log.stats);
  r.skipped = std::move(log.skipped);
  if (options.banding) r.stats.banding = *options.banding;
  r.options.banding = minhash ? std::optional<LshParams>(r.stats.banding) : std::nullopt;
  return r;
}

}  // namespace neardup
