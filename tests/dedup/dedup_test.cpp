// The dedup pipeline as a library: options, sources, stages, the one call, outputs.
#include "neardup/dedup/dedup.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/internal/json_text.hpp"
#include "neardup/io/signature_file.hpp"
#include "testing/labelled_corpus.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kArticle[] =
    "The harbor council voted on Tuesday to add three evening ferry crossings to the island route, "
    "after commuters said the last boat left too early for anyone working a late shift in town.";
constexpr char kOther[] =
    "Crews worked through the night to clear fallen trees from the coastal highway after the storm "
    "cut power to four villages and closed the only bridge to the mainland until morning.";

class DedupFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_dedup_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name), std::ios::binary) << text;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string dir_;
};

TEST(DedupOptionsTest, InvalidOptionsAreErrorsNotClamped) {
  EXPECT_EQ(DedupOptions{.threshold = 0}.Validate().message(), "threshold must be in (0, 1], got 0");
  EXPECT_EQ(DedupOptions{.threshold = 1.5}.Validate().message(), "threshold must be in (0, 1], got 1.5");
  EXPECT_TRUE(DedupOptions{.threshold = 1.0}.Validate().ok());
  EXPECT_EQ((DedupOptions{.algorithm = DedupAlgorithm::kSimHash, .simhash_distance = 9}.Validate().message()),
            "simhash distance must be in [0, 7], got 9");
  DedupOptions banded;
  banded.banding = LshParams{20, 8};
  EXPECT_EQ(banded.Validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseVerification("fast").status().message(),
            "unknown verification 'fast': expected precise, estimate or exact");
  absl::StatusOr<DedupResult> r = Deduplicate(DocumentSource::Texts({"a"}, {"x"}), {.threshold = -1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DedupTest, OneCallGivesClustersRemovedFlagsAndStats) {
  const std::string copy = std::string("THE ") + (kArticle + 4);  // case changes only
  absl::StatusOr<DedupResult> r =
      Deduplicate(DocumentSource::Texts({"a", "b", "c", "d"}, {kArticle, kOther, copy, "" /* empty */}),
                  {.pairs = PairsMode::kVerified});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->clusters.size(), 1u);
  EXPECT_EQ(r->clusters[0].representative, 0u);
  ASSERT_EQ(r->clusters[0].members.size(), 2u);
  EXPECT_EQ(r->clusters[0].members[1].doc, 2u);
  EXPECT_THAT(r->removed, ElementsAre(0, 0, 1, 0));
  ASSERT_EQ(r->pairs.size(), 1u);
  EXPECT_EQ(ClusterJson(*r, r->clusters[0], 0),
            "{\"cluster\":0,\"keep\":\"a\",\"keep_rule\":\"first\",\"members\":[{\"id\":\"a\",\"similarity\":1},"
            "{\"id\":\"c\",\"similarity\":1}]}");
  EXPECT_EQ(r->stats.documents, 4u);
  EXPECT_EQ(r->stats.empty, 1u);
  EXPECT_EQ(r->stats.removed, 1u);
  EXPECT_EQ(r->stats.banding.bands, 16u);
  EXPECT_EQ(r->stats.banding.rows, 8u);
  EXPECT_EQ(r->stats.verification, Verification::kPrecise);
}

TEST(DedupTest, KeepRulesChooseTheKeptCopy) {
  const std::string longer = std::string(kArticle) + " More at eleven.";
  for (const auto& [rule, kept] : {std::pair{KeepRule::kFirst, "z"}, {KeepRule::kLongest, "m"},
                                   {KeepRule::kEarliestId, "a"}}) {
    absl::StatusOr<DedupResult> r =
        Deduplicate(DocumentSource::Texts({"z", "m", "a"}, {kArticle, longer, kArticle}), {.threshold = 0.7, .keep = rule});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->clusters.size(), 1u) << KeepRuleName(rule);
    EXPECT_EQ(r->corpus.ids[r->clusters[0].representative], kept) << KeepRuleName(rule);
  }
}

TEST(DedupTest, ThresholdOneMeansTheSameShingleSet) {
  const std::string near = std::string(kArticle) + " Extra.";
  const std::string same = std::string("  ") + kArticle;  // whitespace is normalized away
  absl::StatusOr<DedupResult> r =
      Deduplicate(DocumentSource::Texts({"a", "near", "same"}, {kArticle, near, same}), {.threshold = 1.0});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->clusters.size(), 1u);
  EXPECT_THAT(r->removed, ElementsAre(0, 0, 1));
  EXPECT_EQ(r->stats.banding.bands, 1u);
  EXPECT_EQ(r->stats.banding.rows, 128u);
}

TEST(DedupTest, DuplicateIdsAreReportedWithBothPlacesAndSkipped) {
  std::vector<InputProblem> seen;
  absl::StatusOr<DedupResult> r =
      Deduplicate(DocumentSource::Texts({"a", "b", "a"}, {kArticle, kOther, kOther}), {},
                  {.on_problem = [&](const InputProblem& p) { seen.push_back(p); }});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_EQ(r->skipped[0].ToString(), "<texts>:3: duplicate id \"a\" (first at <texts>:1); record skipped");
  EXPECT_EQ(r->skipped[0].kind, ProblemKind::kDuplicateId);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(r->corpus.size(), 2u);
  EXPECT_TRUE(r->clusters.empty());  // the skipped copy takes part in nothing
  EXPECT_EQ(r->stats.duplicate_ids, 1u);
}

TEST_F(DedupFilesTest, ResultDoesNotDependOnThreadsOrSource) {
  const neardup_test::LabelledCorpus corpus = neardup_test::MakeLabelledCorpus({.sources = 60, .seed = 4});
  std::vector<std::string> ids, texts;
  for (const auto& d : corpus.docs) {
    ids.push_back(d.id);
    texts.push_back(d.text);
  }
  std::string jsonl;
  std::vector<uint64_t> offsets;
  for (size_t i = 0; i < ids.size(); ++i) {
    offsets.push_back(jsonl.size());
    jsonl += "{\"id\":" + internal::JsonString(ids[i]) + ",\"text\":" + internal::JsonString(texts[i]) + "}\n";
  }
  Write("in.jsonl", jsonl);
  // The same documents as signature files of 16-bit and of 32-bit MinHash values: both
  // give the clusters of the texts (dedup keeps 16 bits of each value).
  const SignerOptions signer = DedupOptions{}.SignerForRun();
  absl::StatusOr<InputIdentity> identity = IdentifyInput(Path("in.jsonl"));
  ASSERT_TRUE(identity.ok()) << identity.status();
  for (const uint32_t bits : {16u, 32u}) {
    absl::StatusOr<SignatureFileWriter> w =
        SignatureFileWriter::Create(Path(absl::StrCat("in", bits, ".ndsig")), signer, {*identity}, bits);
    ASSERT_TRUE(w.ok()) << w.status();
    Signer sign(signer);
    for (size_t i = 0; i < ids.size(); ++i) {
      const RecordLocation where{.bytes = texts[i].size(), .input = 0, .record = i + 1, .offset = offsets[i]};
      ASSERT_TRUE(w->Append(ids[i], sign.Sign(texts[i]), where).ok());
    }
    ASSERT_TRUE(w->Finalize().ok());
  }
  const auto render = [](const DedupResult& r) {
    std::string out;
    for (size_t c = 0; c < r.clusters.size(); ++c) out += ClusterJson(r, r.clusters[c], c) + "\n";
    for (const ScoredPair& p : r.pairs) out += PairTsv(r, p) + "\n";
    return out;
  };
  std::string first;
  const std::vector<std::string> kinds = {"texts", "files", "16-bit signatures", "32-bit signatures"};
  for (const unsigned threads : {1u, 2u, 5u}) {
    for (const std::string& kind : kinds) {
      const DocumentSource source =
          kind == "texts"   ? DocumentSource::Texts(ids, texts)
          : kind == "files" ? DocumentSource::Files({Path("in.jsonl")})
                            : DocumentSource::Signatures({Path(kind[0] == '1' ? "in16.ndsig" : "in32.ndsig")});
      absl::StatusOr<DedupResult> r = Deduplicate(source, {.pairs = PairsMode::kAll, .threads = threads});
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_GT(r->stats.decided_exactly, 0u);
      EXPECT_GT(r->stats.texts_read_again, 0u);
      const std::string out = render(*r);
      if (first.empty()) {
        first = out;
        EXPECT_GE(r->clusters.size(), 10u);
      }
      EXPECT_EQ(out, first) << "threads " << threads << " " << kind;
    }
  }
}

TEST_F(DedupFilesTest, TextsAreReadAgainInParallelOncePerDocument) {
  // 300 documents in two inputs; every third is asked for again, on 1 to 4 threads:
  // each comes once, with its own id and text, on a worker below the thread count.
  std::string a, b;
  std::vector<std::string> ids, texts;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(absl::StrCat("doc-", i));
    texts.push_back(absl::StrCat("text number ", i, " of the corpus, ", std::string(i % 17, 'x')));
    (i < 150 ? a : b) += "{\"id\":" + internal::JsonString(ids.back()) + ",\"text\":" + internal::JsonString(texts.back()) + "}\n";
  }
  Write("a.jsonl", a);
  Write("b.jsonl", b);
  // The second input compressed too: it is read in one pass, by one thread.
  ASSERT_EQ(std::system(("gzip -c " + Path("b.jsonl") + " > " + Path("b.jsonl.gz")).c_str()), 0);
  EXPECT_TRUE(CanReadRecordsInPlace(Path("a.jsonl")));
  EXPECT_FALSE(CanReadRecordsInPlace(Path("b.jsonl.gz")));
  EXPECT_FALSE(CanReadRecordsInPlace(dir_));
  EXPECT_FALSE(CanReadRecordsInPlace("-"));
  EXPECT_FALSE(CanReadRecordsInPlace(Path("missing.jsonl")));
  std::vector<uint32_t> wanted;
  for (uint32_t d = 0; d < 300; d += 3) wanted.push_back(d);
  for (const std::string kind : {"plain", "compressed", "texts"}) {
    const DocumentSource source =
        kind == "plain"        ? DocumentSource::Files({Path("a.jsonl"), Path("b.jsonl")})
        : kind == "compressed" ? DocumentSource::Files({Path("a.jsonl"), Path("b.jsonl.gz")})
                               : DocumentSource::Texts(ids, texts);
    DedupLog log;
    absl::StatusOr<SignedCorpus> corpus = SignDocuments(source, {}, &log);
    ASSERT_TRUE(corpus.ok()) << corpus.status();
    for (const unsigned threads : {1u, 2u, 4u}) {
      std::vector<std::string> got(wanted.size());
      std::vector<int> calls(wanted.size());
      std::mutex mu;
      absl::Status s = ReadTextsAgainInParallel(
          source, *corpus, wanted, threads, [&](unsigned worker, size_t i, const Document& doc) -> absl::Status {
            std::lock_guard<std::mutex> lock(mu);
            EXPECT_LT(worker, threads);
            EXPECT_EQ(doc.id, ids[wanted[i]]);
            got[i] = doc.text;
            ++calls[i];
            return absl::OkStatus();
          });
      ASSERT_TRUE(s.ok()) << s;
      for (size_t i = 0; i < wanted.size(); ++i) {
        EXPECT_EQ(calls[i], 1) << i;
        EXPECT_EQ(got[i], texts[wanted[i]]) << i;
      }
    }
    if (kind != "plain") continue;
    // An input that changed since it was read is refused before anything is read.
    Write("b.jsonl", b + "{\"id\":\"late\",\"text\":\"added later\"}\n");
    absl::Status s = ReadTextsAgainInParallel(source, *corpus, wanted, 2,
                                              [](unsigned, size_t, const Document&) { return absl::OkStatus(); });
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(s.message()), HasSubstr("b.jsonl has changed since it was read"));
  }
}

TEST(DedupTest, AllPairsReachEveryPairOfALargeGroupOfCopies) {
  // 100 copies: LSH links a run this long by a star and a chain, so the verified pairs
  // are far fewer than the 4950 near-duplicate pairs; kAll expands and checks them.
  std::vector<std::string> ids, texts;
  for (int i = 0; i < 100; ++i) {
    ids.push_back("copy-" + std::to_string(i));
    texts.push_back(kArticle);
  }
  absl::StatusOr<DedupResult> verified =
      Deduplicate(DocumentSource::Texts(ids, texts), {.pairs = PairsMode::kVerified});
  absl::StatusOr<DedupResult> all = Deduplicate(DocumentSource::Texts(ids, texts), {.pairs = PairsMode::kAll});
  ASSERT_TRUE(verified.ok() && all.ok());
  EXPECT_LT(verified->pairs.size(), 4950u);
  EXPECT_EQ(all->pairs.size(), 4950u);
  EXPECT_EQ(all->clusters.size(), 1u);
  EXPECT_EQ(all->stats.removed, 99u);
}

TEST(DedupTest, PairTsvEscapesIdsAndReadsBack) {
  absl::StatusOr<DedupResult> r = Deduplicate(DocumentSource::Texts({"tab\there", "new\nline\\x"}, {kArticle, kArticle}),
                                              {.pairs = PairsMode::kVerified});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->pairs.size(), 1u);
  const std::string line = PairTsv(*r, r->pairs[0]);
  EXPECT_EQ(line, "tab\\there\tnew\\nline\\\\x\t1");
  const size_t tab = line.find('\t');
  EXPECT_EQ(*UnescapeTsvField(line.substr(0, tab)), "tab\there");
  EXPECT_EQ(*UnescapeTsvField("new\\nline\\\\x"), "new\nline\\x");
  EXPECT_EQ(UnescapeTsvField("bad\\q").status().message(), "bad escape at byte 3 of a TSV field");
}

// Similarities are floats: the outputs print the shortest text that reads back as the
// same float, not the digits of its widening to double (0.7051281929016113).
TEST(DedupTest, SimilaritiesPrintAsTheirShortestFloatText) {
  EXPECT_EQ(internal::JsonNumber(0.7051282f), "0.7051282");
  EXPECT_EQ(internal::JsonNumber(1.0f), "1");
  EXPECT_EQ(internal::JsonNumber(0.8f), "0.8");
  EXPECT_EQ(internal::JsonNumber(std::numeric_limits<float>::quiet_NaN()), "null");
  EXPECT_EQ(internal::JsonNumber(0.8), "0.8");  // doubles keep their own shortest form
  EXPECT_EQ(internal::ShortestAsDouble(0.7051282f), 0.7051282);
  DedupResult r;
  r.corpus.ids = {"a", "b"};
  EXPECT_EQ(PairTsv(r, {0, 1, 0.7051282f}), "a\tb\t0.7051282");
}

TEST_F(DedupFilesTest, OutputsAreRefusedBeforeAnythingIsRead) {
  Write("a.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n");
  const DocumentSource source = DocumentSource::Files({Path("a.jsonl")});
  absl::StatusOr<DedupOutputFiles> out = DedupOutputFiles::Open({.clusters = Path("a.jsonl")}, source);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("would overwrite the input"));
  out = DedupOutputFiles::Open({.clusters = Path("c.jsonl"), .deduped = Path("./c.jsonl")}, source);
  EXPECT_THAT(out.status().message(), HasSubstr("are the same file"));
  out = DedupOutputFiles::Open({.clusters = Path("no/such/dir/c.jsonl")}, source);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(out.status().message(), HasSubstr("cannot write the clusters output"));
  EXPECT_EQ(Slurp(Path("a.jsonl")), "{\"id\":\"a\",\"text\":\"x\"}\n");
  EXPECT_THAT(Listing(), ElementsAre("a.jsonl"));  // no temporary file left behind
}

TEST_F(DedupFilesTest, OutputsAppearOnlyWhenCommitted) {
  Write("in.jsonl", std::string("{\"id\":\"a\",\"text\":\"") + kArticle + "\"}\n{\"id\":\"b\",\"text\":\"" + kArticle +
                        "\"}\n{\"id\":\"c\",\"text\":\"" + kOther + "\"}\n");
  const DocumentSource source = DocumentSource::Files({Path("in.jsonl")});
  {
    absl::StatusOr<DedupOutputFiles> out = DedupOutputFiles::Open({.clusters = Path("c.jsonl")}, source);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_FALSE(fs::exists(Path("c.jsonl")));
  }  // abandoned: the temporary file goes too
  EXPECT_THAT(Listing(), ElementsAre("in.jsonl"));
  absl::StatusOr<DedupOutputFiles> out =
      DedupOutputFiles::Open({.clusters = Path("c.jsonl"), .deduped = Path("d.jsonl")}, source);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<DedupResult> r = Deduplicate(source, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(out->Commit(*r, source).ok());
  EXPECT_THAT(Listing(), ElementsAre("c.jsonl", "d.jsonl", "in.jsonl"));
  EXPECT_EQ(Slurp(Path("d.jsonl")), std::string("{\"id\":\"a\",\"text\":\"") + kArticle + "\"}\n{\"id\":\"c\",\"text\":\"" +
                                        kOther + "\"}\n");
}

TEST_F(DedupFilesTest, UnreadableInputsAreCountedAndTheRestGoesOn) {
  Write("in.jsonl", std::string("{\"id\":\"a\",\"text\":\"") + kArticle + "\"}\n");
  absl::StatusOr<DedupResult> r = Deduplicate(DocumentSource::Files({Path("missing.jsonl"), Path("in.jsonl")}), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stats.failed_inputs, 1u);
  EXPECT_EQ(r->stats.documents, 1u);
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_THAT(r->skipped[0].ToString(), HasSubstr("missing.jsonl: cannot open: No such file or directory"));
}

TEST_F(DedupFilesTest, MixingSignatureFilesAndTextsIsRefused) {
  Write("in.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n");
  Write("sigs.ndsig", std::string(kNeardupFileMagic, sizeof(kNeardupFileMagic)) + "rest");
  absl::StatusOr<DocumentSource> s = DocumentSource::FromPaths({Path("in.jsonl"), Path("sigs.ndsig")});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("cannot mix signature files and text inputs in one run"));
}

}  // namespace
}  // namespace neardup
