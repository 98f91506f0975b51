// Dedup quality measured against brute force: the library pipeline `neardup dedup`
// runs by default (word 5-grams, OPH-128 MinHash, LSH banding chosen for the
// threshold, precise verification) on a labelled corpus of edited news
// copies, scored pair by pair against the exact shingle Jaccard of every pair; then
// the CLI end to end on the same kind of corpus.
//
// What counts as correct. A 128-value estimate has a standard error near t = 0.8 of
// sqrt(t(1-t)/128) ~ 0.035; the precise default decides pairs whose estimate is near
// the threshold on exact Jaccard, but a pair whose estimate lands far from its true
// value can still be decided by the estimate. We score outside a band around the
// threshold:
//   precision = reported pairs with exact Jaccard >= t - kPrecisionTolerance
//               / reported pairs, kPrecisionTolerance = 0.07;
//   recall    = pairs with exact Jaccard >= t + kRecallMargin (0.05) that were reported
//               / all such pairs.
// Pairs inside the band may go either way. Precision and recall with no band (and
// with a 0.05 precision band) are printed by DISABLED_PrintPrecisionRecallTable.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neardup/cluster/clusters.hpp"
#include "neardup/dedup/dedup.hpp"
#include "neardup/shingle/similarity.hpp"
#include "neardup/signature/signer.hpp"
#include "simdjson.h"
#include "testing/labelled_corpus.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using neardup_test::LabelledCorpus;
using neardup_test::LabelledDoc;
using neardup_test::MakeLabelledCorpus;

constexpr double kPrecisionTolerance = 0.07;
constexpr double kRecallMargin = 0.05;

std::vector<std::vector<uint64_t>> ExactShingleSets(const std::vector<LabelledDoc>& docs) {
  Signer signer;  // the same normalization and shingling defaults as the CLI
  std::vector<std::vector<uint64_t>> sets;
  sets.reserve(docs.size());
  for (const LabelledDoc& d : docs) {
    signer.Sign(d.text);
    const std::span<const uint64_t> sh = signer.last_shingles();
    sets.push_back(MakeShingleSet(std::vector<uint64_t>(sh.begin(), sh.end())));
  }
  return sets;
}

// Exact Jaccard of every pair (i < j), row-major in a flat triangle.
struct AllPairs {
  size_t n = 0;
  std::vector<float> jaccard;
  float At(uint32_t a, uint32_t b) const {
    if (a > b) std::swap(a, b);
    return jaccard[static_cast<size_t>(a) * n - static_cast<size_t>(a) * (a + 1) / 2 + (b - a - 1)];
  }
};

AllPairs BruteForce(const std::vector<std::vector<uint64_t>>& sets) {
  AllPairs all;
  all.n = sets.size();
  all.jaccard.reserve(all.n * (all.n - 1) / 2);
  for (size_t a = 0; a < all.n; ++a) {
    for (size_t b = a + 1; b < all.n; ++b) all.jaccard.push_back(static_cast<float>(ExactJaccard(sets[a], sets[b])));
  }
  return all;
}

// The verified pairs of the library's dedup pipeline (dedup/dedup.hpp, what
// `neardup dedup` runs) with default settings at threshold t.
std::vector<ScoredPair> DedupPairs(const std::vector<LabelledDoc>& docs, double t) {
  std::vector<std::string> ids, texts;
  for (const LabelledDoc& d : docs) {
    ids.push_back(d.id);
    texts.push_back(d.text);
  }
  const absl::StatusOr<DedupResult> r = Deduplicate(DocumentSource::Texts(std::move(ids), std::move(texts)),
                                                    {.threshold = t, .pairs = PairsMode::kVerified, .threads = 2});
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->pairs : std::vector<ScoredPair>{};
}

struct Score {
  size_t reported = 0;
  size_t reported_true = 0;  // exact >= t - below
  size_t relevant = 0;       // exact >= t + above
  size_t relevant_found = 0;
  double Precision() const { return reported ? static_cast<double>(reported_true) / reported : 1.0; }
  double Recall() const { return relevant ? static_cast<double>(relevant_found) / relevant : 1.0; }
};

Score Evaluate(const AllPairs& truth, const std::vector<ScoredPair>& reported, double t, double below,
               double above) {
  Score s;
  std::set<std::pair<uint32_t, uint32_t>> found;
  for (const ScoredPair& p : reported) {
    ++s.reported;
    s.reported_true += truth.At(p.a, p.b) >= t - below;
    found.insert({p.a, p.b});
  }
  for (uint32_t a = 0; a < truth.n; ++a) {
    for (uint32_t b = a + 1; b < truth.n; ++b) {
      if (truth.At(a, b) < t + above) continue;
      ++s.relevant;
      s.relevant_found += found.count({a, b});
    }
  }
  return s;
}

TEST(DedupQualityTest, DefaultPipelineAtPointEightMeetsPrecisionAndRecall) {
  const LabelledCorpus corpus = MakeLabelledCorpus({.sources = 160, .seed = 11});
  ASSERT_GE(corpus.docs.size(), 300u);
  ASSERT_LE(corpus.docs.size(), 600u);
  const AllPairs truth = BruteForce(ExactShingleSets(corpus.docs));
  const std::vector<ScoredPair> reported = DedupPairs(corpus.docs, 0.8);
  const Score s = Evaluate(truth, reported, 0.8, kPrecisionTolerance, kRecallMargin);
  // The corpus must exercise the question: plenty of true pairs, and plenty of
  // copies edited below the threshold that must not be reported.
  size_t near_misses = 0;
  for (const float j : truth.jaccard) near_misses += j >= 0.3f && j < 0.75f;
  EXPECT_GE(s.relevant, 100u);
  EXPECT_GE(near_misses, 50u);
  EXPECT_GE(s.Precision(), 0.99) << s.reported_true << " of " << s.reported << " reported pairs";
  EXPECT_GE(s.Recall(), 0.97) << s.relevant_found << " of " << s.relevant << " pairs at exact Jaccard >= 0.85";
}

TEST(DedupQualityTest, SameTopicArticlesAreNeverReported) {
  const LabelledCorpus corpus = MakeLabelledCorpus({.sources = 80, .same_topic_percent = 100, .seed = 5});
  const std::vector<ScoredPair> reported = DedupPairs(corpus.docs, 0.8);
  for (const ScoredPair& p : reported) {
    const bool a_topic = corpus.docs[p.a].edits == "same-topic";
    const bool b_topic = corpus.docs[p.b].edits == "same-topic";
    EXPECT_FALSE(a_topic || b_topic) << corpus.docs[p.a].id << " ~ " << corpus.docs[p.b].id;
    EXPECT_EQ(corpus.docs[p.a].group, corpus.docs[p.b].group);
  }
}

// Prints precision and recall at several thresholds on a larger corpus, strict and
// with the tolerance bands. Run with --gtest_also_run_disabled_tests.
TEST(DedupQualityTest, DISABLED_PrintPrecisionRecallTable) {
  const LabelledCorpus corpus = MakeLabelledCorpus({.sources = 700, .seed = 2026});
  const AllPairs truth = BruteForce(ExactShingleSets(corpus.docs));
  std::printf("%zu documents, %zu pairs\n", corpus.docs.size(), truth.jaccard.size());
  std::printf("| t | reported | precision (exact >= t) | (>= t-0.05) | (>= t-0.07) | recall (exact >= t) | (>= t+0.05) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const double t : {0.5, 0.7, 0.8, 0.9}) {
    const std::vector<ScoredPair> reported = DedupPairs(corpus.docs, t);
    const Score strict = Evaluate(truth, reported, t, 0.0, 0.0);
    const Score near = Evaluate(truth, reported, t, 0.05, kRecallMargin);
    const Score band = Evaluate(truth, reported, t, kPrecisionTolerance, kRecallMargin);
    std::printf("| %.1f | %zu | %.4f | %.4f | %.4f | %.4f (%zu/%zu) | %.4f (%zu/%zu) |\n", t, strict.reported,
                strict.Precision(), near.Precision(), band.Precision(), strict.Recall(), strict.relevant_found,
                strict.relevant, band.Recall(), band.relevant_found, band.relevant);
  }
}

class DedupCliQualityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = NEARDUP_CLI_PATH;
    if (cli_.empty() || !fs::exists(cli_)) {
      GTEST_SKIP() << "neardup executable not built (NEARDUP_CLI_PATH='" << cli_ << "')";
    }
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_quality_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  int Neardup(const std::string& args) {
    const std::string cmd = "cd '" + dir_ + "' && '" + cli_ + "' " + args + " > /dev/null 2> cli.stderr";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string cli_;
  std::string dir_;
};

TEST_F(DedupCliQualityTest, ClustersAreWithinThresholdAndDeterministic) {
  const LabelledCorpus corpus = MakeLabelledCorpus({.sources = 60, .seed = 7});
  {
    std::ofstream out(Path("in.jsonl"), std::ios::binary);
    for (const LabelledDoc& d : corpus.docs) {
      out << "{\"id\":" << neardup_test::JsonQuote(d.id) << ",\"text\":" << neardup_test::JsonQuote(d.text) << "}\n";
    }
  }
  for (const std::string threads : {"1", "2"}) {
    ASSERT_EQ(Neardup("dedup in.jsonl -o clusters" + threads + ".jsonl --pairs pairs" + threads +
                      ".tsv --write-deduped deduped" + threads + ".jsonl --threads " + threads),
              0)
        << Slurp(Path("cli.stderr"));
  }
  const std::string clusters = Slurp(Path("clusters1.jsonl"));
  const std::string pairs = Slurp(Path("pairs1.tsv"));
  const std::string deduped = Slurp(Path("deduped1.jsonl"));
  EXPECT_EQ(clusters, Slurp(Path("clusters2.jsonl")));
  EXPECT_EQ(pairs, Slurp(Path("pairs2.tsv")));
  EXPECT_EQ(deduped, Slurp(Path("deduped2.jsonl")));

  std::map<std::string, uint32_t> index;
  for (uint32_t i = 0; i < corpus.docs.size(); ++i) index[corpus.docs[i].id] = i;
  const std::vector<std::vector<uint64_t>> sets = ExactShingleSets(corpus.docs);

  simdjson::ondemand::parser parser;
  std::set<std::string> removed;
  size_t members_total = 0;
  for (const std::string& line : Lines(clusters)) {
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    ASSERT_EQ(parser.iterate(padded).get(doc), simdjson::SUCCESS) << line;
    std::string_view keep_view;
    ASSERT_EQ(doc["keep"].get_string().get(keep_view), simdjson::SUCCESS) << line;
    const std::string keep(keep_view);
    ASSERT_TRUE(index.count(keep)) << keep;
    simdjson::ondemand::array members;
    ASSERT_EQ(doc["members"].get_array().get(members), simdjson::SUCCESS) << line;
    bool keep_listed = false;
    size_t count = 0;
    for (auto member : members) {
      std::string_view id_view;
      double similarity = 0;
      ASSERT_EQ(member["id"].get_string().get(id_view), simdjson::SUCCESS) << line;
      ASSERT_EQ(member["similarity"].get_double().get(similarity), simdjson::SUCCESS) << line;
      const std::string id(id_view);
      ASSERT_TRUE(index.count(id)) << id;
      ++count;
      if (id == keep) {
        keep_listed = true;
        continue;
      }
      EXPECT_GE(similarity, 0.8) << line;
      EXPECT_GE(ExactJaccard(sets[index[keep]], sets[index[id]]), 0.8 - kPrecisionTolerance) << keep << " ~ " << id;
      EXPECT_TRUE(removed.insert(id).second) << id << " is in two clusters";
    }
    EXPECT_TRUE(keep_listed) << line;
    EXPECT_GE(count, 2u) << line;
    members_total += count;
  }
  EXPECT_GE(removed.size(), 20u) << "the corpus should have many duplicates at 0.8";
  EXPECT_EQ(members_total, removed.size() + Lines(clusters).size());

  // --write-deduped: the input records in input order, minus exactly the removed ones.
  std::vector<std::string> expected;
  for (const std::string& line : Lines(Slurp(Path("in.jsonl")))) {
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    ASSERT_EQ(parser.iterate(padded).get(doc), simdjson::SUCCESS);
    std::string_view id;
    ASSERT_EQ(doc["id"].get_string().get(id), simdjson::SUCCESS);
    if (!removed.count(std::string(id))) expected.push_back(line);
  }
  EXPECT_EQ(Lines(deduped), expected);

  // --pairs: id TAB id TAB similarity, every pair at the threshold.
  const std::vector<std::string> pair_lines = Lines(pairs);
  EXPECT_GE(pair_lines.size(), removed.size());
  for (const std::string& line : pair_lines) {
    const size_t tab1 = line.find('\t');
    const size_t tab2 = line.find('\t', tab1 + 1);
    ASSERT_NE(tab2, std::string::npos) << line;
    EXPECT_TRUE(index.count(line.substr(0, tab1))) << line;
    EXPECT_TRUE(index.count(line.substr(tab1 + 1, tab2 - tab1 - 1))) << line;
    EXPECT_GE(std::stod(line.substr(tab2 + 1)), 0.8) << line;
  }
}

}  // namespace
}  // namespace neardup
