// What users of `neardup dedup` rely on, measured against brute force on labelled
// corpora: few documents removed wrongly, few duplicate pairs left with both copies.
//
//   wrongly removed = removed documents whose kept copy has exact Jaccard < t - 0.05
//                     / removed documents;
//   residual        = pairs with exact Jaccard >= t + 0.05 whose two documents are both
//                     kept / all such pairs.
// Targets with default options (precise verification): at most 1% wrongly removed and
// 0.1% residual on short texts (100-600 bytes, template families) at t = 0.5, 0.8 and
// 0.9; at most 0.5% and 0.2% on news-length texts. The table for the README and the
// issue is printed by DISABLED_PrintShortTextTable (--gtest_also_run_disabled_tests).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "neardup/dedup/dedup.hpp"
#include "neardup/shingle/similarity.hpp"
#include "testing/labelled_corpus.hpp"
#include "testing/short_text_corpus.hpp"

namespace neardup {
namespace {

constexpr double kBand = 0.05;

struct Texts {
  std::vector<std::string> ids;
  std::vector<std::string> texts;
};

std::vector<std::vector<uint64_t>> ShingleSets(const std::vector<std::string>& texts) {
  Signer signer;  // the pipeline's normalization and shingles
  std::vector<std::vector<uint64_t>> sets;
  for (const std::string& t : texts) {
    signer.Sign(t);
    const std::span<const uint64_t> sh = signer.last_shingles();
    sets.push_back(MakeShingleSet(std::vector<uint64_t>(sh.begin(), sh.end())));
  }
  return sets;
}

struct Outcome {
  size_t removed = 0;
  size_t wrongly_removed = 0;
  size_t duplicate_pairs = 0;  // exact >= t + band
  size_t residual = 0;         // of those, both kept
  double WrongRate() const { return removed ? static_cast<double>(wrongly_removed) / removed : 0; }
  double ResidualRate() const { return duplicate_pairs ? static_cast<double>(residual) / duplicate_pairs : 0; }
};

// Pairs worth checking: those sharing at least one shingle (an inverted index), so the
// brute force stays fast; a pair sharing none has Jaccard 0.
Outcome Score(const Texts& corpus, const DedupResult& r, double t) {
  const std::vector<std::vector<uint64_t>> sets = ShingleSets(corpus.texts);
  std::map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < corpus.ids.size(); ++i) index[corpus.ids[i]] = i;
  std::vector<uint8_t> removed(corpus.ids.size(), 0);
  Outcome o;
  for (const Cluster& c : r.clusters) {
    const uint32_t keep = index.at(std::string(r.corpus.ids[c.representative]));
    for (const ClusterMember& m : c.members) {
      if (m.doc == c.representative) continue;
      const uint32_t d = index.at(std::string(r.corpus.ids[m.doc]));
      removed[d] = 1;
      ++o.removed;
      o.wrongly_removed += ExactJaccard(sets[keep], sets[d]) < t - kBand;
    }
  }
  std::map<uint64_t, std::vector<uint32_t>> postings;
  for (uint32_t d = 0; d < sets.size(); ++d) {
    for (const uint64_t s : sets[d]) postings[s].push_back(d);
  }
  std::vector<uint32_t> seen(sets.size(), UINT32_MAX);
  for (uint32_t a = 0; a < sets.size(); ++a) {
    for (const uint64_t s : sets[a]) {
      for (const uint32_t b : postings[s]) {
        if (b <= a || seen[b] == a) continue;
        seen[b] = a;
        if (ExactJaccard(sets[a], sets[b]) < t + kBand) continue;
        ++o.duplicate_pairs;
        o.residual += !removed[a] && !removed[b];
      }
    }
  }
  return o;
}

Texts ShortTexts(uint64_t seed, size_t families) {
  Texts t;
  for (auto& d : neardup_test::MakeShortTextCorpus({.families = families, .unrelated = 2 * families, .seed = seed}).docs) {
    t.ids.push_back(d.id);
    t.texts.push_back(d.text);
  }
  return t;
}

Texts News(uint64_t seed, size_t sources) {
  Texts t;
  for (auto& d : neardup_test::MakeLabelledCorpus({.sources = sources, .seed = seed}).docs) {
    t.ids.push_back(d.id);
    t.texts.push_back(d.text);
  }
  return t;
}

DedupResult DedupRun(const Texts& corpus, DedupOptions options) {
  absl::StatusOr<DedupResult> r = Deduplicate(DocumentSource::Texts(corpus.ids, corpus.texts), options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : DedupResult{};
}

TEST(DedupTargetsTest, ShortTextsMeetTheTargetsWithDefaultOptions) {
  const Texts corpus = ShortTexts(/*seed=*/17, /*families=*/400);
  ASSERT_GE(corpus.ids.size(), 1000u);
  for (const double t : {0.5, 0.8, 0.9}) {
    const DedupResult r = DedupRun(corpus, {.threshold = t, .threads = 2});
    const Outcome o = Score(corpus, r, t);
    // The corpus must exercise the question at every threshold.
    EXPECT_GE(o.removed, 300u) << "t=" << t;
    EXPECT_GE(o.duplicate_pairs, 1000u) << "t=" << t;
    EXPECT_LE(o.WrongRate(), 0.01) << "t=" << t << ": " << o.wrongly_removed << " of " << o.removed;
    EXPECT_LE(o.ResidualRate(), 0.001) << "t=" << t << ": " << o.residual << " of " << o.duplicate_pairs;
    EXPECT_EQ(r.stats.verification, Verification::kPrecise);
  }
}

TEST(DedupTargetsTest, EstimateAloneIsWorseOnShortTexts) {
  // The reason precise is the default: with estimates alone, short texts near the
  // threshold are decided by a coin with standard error ~0.04.
  const Texts corpus = ShortTexts(/*seed=*/17, /*families=*/400);
  const double t = 0.8;
  const Outcome estimate = Score(corpus, DedupRun(corpus, {.threshold = t, .verify = Verification::kEstimate}), t);
  const Outcome precise = Score(corpus, DedupRun(corpus, {.threshold = t}), t);
  EXPECT_GT(estimate.wrongly_removed, precise.wrongly_removed);
}

TEST(DedupTargetsTest, NewsMeetsTheTargetsWithDefaultOptions) {
  const Texts corpus = News(/*seed=*/11, /*sources=*/160);
  for (const double t : {0.5, 0.8, 0.9}) {
    const Outcome o = Score(corpus, DedupRun(corpus, {.threshold = t, .threads = 2}), t);
    EXPECT_GE(o.removed, 50u) << "t=" << t;
    EXPECT_LE(o.WrongRate(), 0.005) << "t=" << t << ": " << o.wrongly_removed << " of " << o.removed;
    EXPECT_LE(o.ResidualRate(), 0.002) << "t=" << t << ": " << o.residual << " of " << o.duplicate_pairs;
  }
}

TEST(DedupTargetsTest, DISABLED_PrintShortTextTable) {
  const Texts shorts = ShortTexts(/*seed=*/2026, /*families=*/600);
  const Texts news = News(/*seed=*/2026, /*sources=*/500);
  std::printf("| corpus | t | verify | removed | wrongly removed | duplicate pairs | both kept | texts read again |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto& [name, corpus] : {std::pair<const char*, const Texts*>{"short", &shorts}, {"news", &news}}) {
    for (const double t : {0.5, 0.8, 0.9}) {
      for (const Verification v : {Verification::kPrecise, Verification::kEstimate}) {
        const DedupResult r = DedupRun(*corpus, {.threshold = t, .verify = v});
        const Outcome o = Score(*corpus, r, t);
        std::printf("| %s (%zu docs) | %.1f | %s | %zu | %zu (%.2f%%) | %zu | %zu (%.3f%%) | %llu |\n", name,
                    corpus->ids.size(), t, VerificationName(v), o.removed, o.wrongly_removed, 100 * o.WrongRate(),
                    o.duplicate_pairs, o.residual, 100 * o.ResidualRate(),
                    static_cast<unsigned long long>(r.stats.texts_read_again));
      }
    }
  }
}

}  // namespace
}  // namespace neardup
