// Runs the built `neardup` executable end to end in a temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "neardup/io/signature_file.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = NEARDUP_CLI_PATH;
    if (cli_.empty() || !fs::exists(cli_)) {
      GTEST_SKIP() << "neardup executable not built (NEARDUP_CLI_PATH='" << cli_ << "')";
    }
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_cli_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(Path(name), std::ios::binary) << bytes;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  struct Run {
    int exit_code;
    std::string out;
    std::string err;
  };

  // Runs `neardup ARGS` with the temp dir as working directory.
  Run Neardup(const std::string& args, const std::string& stdin_file = "/dev/null") {
    const std::string cmd = "cd '" + dir_ + "' && '" + cli_ + "' " + args + " < " + stdin_file +
                            " > cli.stdout 2> cli.stderr";
    const int status = std::system(cmd.c_str());
    Run r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(Path("cli.stdout"));
    r.err = Slurp(Path("cli.stderr"));
    return r;
  }

  std::string cli_;
  std::string dir_;
};

constexpr char kOneBadLine[] =
    "{\"id\":\"a\",\"text\":\"the quick brown fox jumps over the lazy dog\"}\n"
    "{\"id\":\"b\",\"text\": oops}\n"
    "{\"id\":\"c\",\"text\":\"\"}\n";

TEST_F(CliTest, SignSkipsABadLineAndSummarizes) {
  Write("in.jsonl", kOneBadLine);
  const Run r = Neardup("sign in.jsonl -o out.ndsig");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("in.jsonl:2: malformed JSON: "));
  EXPECT_THAT(r.err, HasSubstr("read 3 documents: 2 signed, 1 skipped (malformed_json: 1), 1 empty"));
  EXPECT_THAT(r.err, HasSubstr("wrote out.ndsig: 2 records"));
  EXPECT_EQ(r.out, "");
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(Path("out.ndsig"));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 2u);
  EXPECT_EQ(set->ids[0], "a");
  EXPECT_EQ(set->ids[1], "c");
  EXPECT_TRUE(set->empty(1));
  EXPECT_EQ(set->info.options.minhash.algorithm, MinHashAlgorithm::kOnePermutation);
  EXPECT_EQ(set->info.options.minhash.num_perm, 128u);
  // Compact by default: 16-bit MinHash values and no SimHash, since none was asked for.
  EXPECT_EQ(set->info.minhash_bits, 16u);
  EXPECT_TRUE(set->info.options.compute_minhash);
  EXPECT_FALSE(set->info.options.compute_simhash);
}

TEST_F(CliTest, SignOptionsReachTheFile) {
  Write("in.jsonl", "{\"key\":7,\"body\":\"some words to sign here\"}\n");
  const Run r = Neardup(
      "sign in.jsonl -o out.ndsig --algo classic --num-perm 64 --char-ngram 4 --seed 9 "
      "--id-field key --text-field body --simhash --minhash-bits 32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(Path("out.ndsig"));
  ASSERT_TRUE(set.ok()) << set.status();
  const SignerOptions& o = set->info.options;
  EXPECT_EQ(o.minhash.algorithm, MinHashAlgorithm::kClassic);
  EXPECT_EQ(o.minhash.num_perm, 64u);
  EXPECT_EQ(o.minhash.seed, 9u);
  EXPECT_EQ(o.shingle.kind, ShingleKind::kChar);
  EXPECT_EQ(o.shingle.n, 4u);
  EXPECT_TRUE(o.compute_simhash);
  EXPECT_EQ(set->info.minhash_bits, 32u);
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ(set->ids[0], "7");
  // Same signature as the library gives for the same text and options.
  const DocumentSignature expected = Signer(o).Sign("some words to sign here");
  EXPECT_EQ(set->Signature(0).minhash.values, expected.minhash.values);
  EXPECT_EQ(set->Signature(0).simhash, expected.simhash);
}

TEST_F(CliTest, StrictStopsWithExitOneAndNoOutput) {
  Write("in.jsonl", kOneBadLine);
  const Run r = Neardup("sign in.jsonl -o out.ndsig --strict");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: in.jsonl:2: malformed JSON: "));
  EXPECT_FALSE(fs::exists(Path("out.ndsig")));
  EXPECT_FALSE(fs::exists(Path("out.ndsig.partial")));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  Write("in.jsonl", kOneBadLine);
  EXPECT_EQ(Neardup("sign in.jsonl").exit_code, 2);  // no -o
  EXPECT_EQ(Neardup("sign in.jsonl -o x --algo minwise").exit_code, 2);
  EXPECT_EQ(Neardup("sign in.jsonl -o x --num-perm 0").exit_code, 2);
  EXPECT_EQ(Neardup("sign in.jsonl -o x --ngram 3 --char-ngram 3").exit_code, 2);
  EXPECT_EQ(Neardup("frobnicate").exit_code, 2);
  EXPECT_EQ(Neardup("").exit_code, 2);
  EXPECT_EQ(Neardup("--help").exit_code, 0);
  EXPECT_FALSE(fs::exists(Path("x")));
}

TEST_F(CliTest, SignReadsStdinAndReportsMissingInputs) {
  Write("in.jsonl", kOneBadLine);
  const Run r = Neardup("sign - missing.jsonl -o out.ndsig", Path("in.jsonl"));
  EXPECT_EQ(r.exit_code, 3) << r.err;  // finished, but an input could not be read
  EXPECT_THAT(r.err, HasSubstr("<stdin>:2: malformed JSON"));
  EXPECT_THAT(r.err, HasSubstr("missing.jsonl: cannot open: No such file or directory"));
  EXPECT_THAT(r.err, HasSubstr("2 skipped (malformed_json: 1, unreadable: 1)"));
}

TEST_F(CliTest, OutputIsIdenticalForAnyThreadCount) {
  // More than two batches of 4096 documents, with empty and bad records mixed in.
  std::string jsonl;
  for (int i = 0; i < 9000; ++i) {
    if (i % 1000 == 999) {
      jsonl += "not json\n";
      continue;
    }
    absl::StrAppend(&jsonl, "{\"id\":", i, ",\"text\":\"");
    if (i % 97 != 0) {
      for (int w = 0; w < 8 + i % 11; ++w) absl::StrAppend(&jsonl, "t", (i + w * w) % 53, " ");
    }
    jsonl += "\"}\n";
  }
  Write("in.jsonl", jsonl);
  const Run one = Neardup("sign in.jsonl -o t1.ndsig --threads 1");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const Run four = Neardup("sign in.jsonl -o t4.ndsig --threads 4");
  ASSERT_EQ(four.exit_code, 0) << four.err;
  EXPECT_THAT(four.err, HasSubstr("read 9000 documents: 8991 signed, 9 skipped"));
  const std::string a = Slurp(Path("t1.ndsig"));
  EXPECT_GT(a.size(), 8991u * 256);  // 128 16-bit values a record, at least
  EXPECT_TRUE(a == Slurp(Path("t4.ndsig"))) << "outputs differ";
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(Path("t4.ndsig"));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 8991u);
  EXPECT_EQ(set->ids[0], "0");
  EXPECT_EQ(set->ids[8990], "8998");
}

TEST_F(CliTest, CompareJsonHasEveryKeyAndIgnoresCaseAndQuotes) {
  Write("a.txt", "\u201cThe Quick Brown Fox\u201d didn\u2019t jump over the lazy dog today.\n");
  Write("b.txt", "\"the quick brown fox\" DIDN'T jump over the lazy dog today.");
  const Run r = Neardup("compare a.txt b.txt --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"jaccard", "containment_ab", "containment_ba", "minhash_jaccard",
                          "minhash_jaccard_classic", "minhash_jaccard_oph", "simhash_hamming",
                          "shingles_a", "shingles_b"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("\"") + key + "\":")) << key;
  }
  EXPECT_THAT(r.out, HasSubstr("\"jaccard\":1,"));
  EXPECT_THAT(r.out, HasSubstr("\"minhash_jaccard_classic\":1,"));
  EXPECT_THAT(r.out, HasSubstr("\"minhash_jaccard_oph\":1,"));
  EXPECT_THAT(r.out, HasSubstr("\"simhash_hamming\":0}"));
  EXPECT_THAT(r.out, HasSubstr("\"shingles_a\":8,\"shingles_b\":8,"));
  EXPECT_EQ(r.out.back(), '\n');
}

TEST_F(CliTest, CompareKnownAnswer) {
  // 6 words, 2-grams: A = {ab, bc, cd, de, ef}, B = {ab, bc, cd, dx, xy}: J = 3/7.
  Write("a.txt", "a b c d e f");
  Write("b.txt", "a b c d x y");
  Run r = Neardup("compare a.txt b.txt --ngram 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"jaccard\":0.42857142857142855,"));
  EXPECT_THAT(r.out, HasSubstr("\"containment_ab\":0.6,\"containment_ba\":0.6,"));
  r = Neardup("compare a.txt b.txt --ngram 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("exact Jaccard                      0.4286"));
  EXPECT_THAT(r.out, Not(HasSubstr("{")));
  EXPECT_EQ(Neardup("compare a.txt nope.txt").exit_code, 1);
}


// Two copies of one article (case, curly quotes, an entity), one unrelated article
// whose second paragraph is printed twice.
constexpr char kDedupCorpus[] =
    "{\"id\":\"a\",\"text\":\"The harbor council voted on Tuesday to add three evening ferry crossings to the island route.\\n\\\"Commuters have waited years for a late boat,\\\" said the council chair on the pier.\"}\n"
    "{\"id\":\"b\",\"text\":\"THE HARBOR COUNCIL voted on Tuesday to add three evening ferry crossings to the island route.\\n\\u201cCommuters have waited years for a late boat,\\u201d said the council chair on the pier.\"}\n"
    "{\"id\":\"c\",\"text\":\"Storm cuts power.\\nCrews worked through the night to clear fallen trees from the highway.\\nCrews worked through the night to clear fallen trees from the highway.\"}\n";

TEST_F(CliTest, DedupWritesClustersPairsPassagesAndDeduplicatedRecords) {
  Write("in.jsonl", kDedupCorpus);
  const Run r = Neardup(
      "dedup in.jsonl -o clusters.jsonl --pairs pairs.tsv --passages --passages-out repeats.jsonl "
      "--write-deduped deduped.jsonl --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(Path("clusters.jsonl")),
            "{\"cluster\":0,\"keep\":\"a\",\"keep_rule\":\"first\",\"members\":[{\"id\":\"a\",\"similarity\":1},"
            "{\"id\":\"b\",\"similarity\":1}]}\n");
  EXPECT_EQ(Slurp(Path("pairs.tsv")), "a\tb\t1\n");
  // c's third paragraph repeats its second, at bytes [18, 88) (70 bytes after the
  // 17-byte headline and its line break). b's paragraphs repeat a's once normalized.
  const std::string repeats = Slurp(Path("repeats.jsonl"));
  EXPECT_THAT(repeats, HasSubstr("{\"id\":\"c\",\"start\":89,\"end\":159,\"dup_of\":{\"id\":\"c\",\"start\":18,\"end\":88},"
                                 "\"similarity\":1}\n"));
  EXPECT_THAT(repeats, HasSubstr("{\"id\":\"b\",\"start\":0,"));
  const std::string corpus = kDedupCorpus;
  const size_t second = corpus.find('\n') + 1;
  const size_t third = corpus.find('\n', second) + 1;
  EXPECT_EQ(Slurp(Path("deduped.jsonl")), corpus.substr(0, second) + corpus.substr(third));
  EXPECT_THAT(r.err, HasSubstr("1 clusters (policy star, keep first), 1 duplicates removed"));
}

TEST_F(CliTest, DedupPassageMatchExactFindsOnlyExactRepeats) {
  // d's line is c's second line with one word added: a near repeat, not an exact one.
  Write("in.jsonl", std::string(kDedupCorpus) +
                        "{\"id\":\"d\",\"text\":\"Crews worked through the whole night to clear fallen trees from the "
                        "highway.\"}\n");
  Run r = Neardup("dedup in.jsonl -o c.jsonl --passages --passage-threshold 0.5 --passages-out near.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Neardup("dedup in.jsonl -o c.jsonl --passages --passage-match exact --passages-out exact.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string near = Slurp(Path("near.jsonl"));
  EXPECT_THAT(near, HasSubstr("{\"id\":\"d\",\"start\":0,\"end\":76,\"dup_of\":{\"id\":\"c\",\"start\":18,"));
  std::string exact_lines;
  for (const absl::string_view line : absl::StrSplit(near, '\n', absl::SkipEmpty())) {
    if (absl::EndsWith(line, "\"similarity\":1}")) absl::StrAppend(&exact_lines, line, "\n");
  }
  EXPECT_NE(exact_lines, near);
  EXPECT_EQ(Slurp(Path("exact.jsonl")), exact_lines);
  EXPECT_EQ(Neardup("dedup in.jsonl -o c.jsonl --passages --passage-match fuzzy").exit_code, 2);
}

TEST_F(CliTest, DedupReportsDuplicateIdsWithBothLines) {
  Write("in.jsonl", std::string(kDedupCorpus) + "{\"id\":\"a\",\"text\":\"another text with the same id\"}\n");
  Run r = Neardup("dedup in.jsonl -o clusters.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("in.jsonl:4: duplicate id \"a\" (first at in.jsonl:1); record skipped"));
  EXPECT_THAT(r.err, HasSubstr("3 kept for dedup, 1 skipped (duplicate id: 1)"));
  r = Neardup("dedup in.jsonl -o clusters.jsonl --strict");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: in.jsonl:4: duplicate id"));
}

TEST_F(CliTest, DocumentLimitsStopWithWhereAndWhy) {
  Write("in.jsonl", kDedupCorpus);  // three documents
  Run r = Neardup("dedup in.jsonl -o clusters.jsonl --max-documents 2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("neardup dedup: error: in.jsonl:3: more than --max-documents 2 documents to hold in "
                               "memory; nothing was written (split the input, or raise the limit: a document takes "
                               "about 256 bytes of signature plus its id and 60 bytes)"));
  EXPECT_FALSE(fs::exists(Path("clusters.jsonl")));
  ASSERT_EQ(Neardup("dedup in.jsonl -o clusters.jsonl --max-documents 3").exit_code, 0);

  ASSERT_EQ(Neardup("index create pages.ndidx").exit_code, 0);
  r = Neardup("index add pages.ndidx in.jsonl --max-documents 2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("neardup index add: error: in.jsonl:3: the index holds its limit of 2 documents "
                               "(CrawlerIndexOptions::max_documents); remove documents or open it with a higher "
                               "limit (2 added before it)"));
  r = Neardup("index stats pages.ndidx");
  EXPECT_THAT(r.out, HasSubstr("documents        2\n"));
}

TEST_F(CliTest, ParamsPrintsTheBandingDedupUses) {
  const Run r = Neardup("params --threshold 0.8 --num-perm 128");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("bands b = 16, rows r = 8 (uses 128 of 128 values)"));
  EXPECT_EQ(Neardup("params --threshold 1.5").exit_code, 1);
}

TEST_F(CliTest, IndexCreateAddQueryRemoveCheck) {
  Write("in.jsonl", kDedupCorpus);
  ASSERT_EQ(Neardup("index create pages.ndidx --threshold 0.8").exit_code, 0);
  EXPECT_EQ(Neardup("index create pages.ndidx").exit_code, 1);  // already exists
  Run r = Neardup("index add pages.ndidx in.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("3 added, 0 skipped"));
  Write("q.jsonl", "{\"id\":\"new\",\"text\":\"the harbor council voted on tuesday to add three evening ferry crossings "
                   "to the island route. commuters have waited years for a late boat, said the council chair on the "
                   "pier.\"}\n");
  r = Neardup("index query pages.ndidx q.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"id\":\"new\",\"duplicates\":[{\"id\":\"a\",\"similarity\":1},{\"id\":\"b\",\"similarity\":1}]}\n");
  r = Neardup("index remove pages.ndidx a");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Neardup("index query pages.ndidx q.jsonl");
  EXPECT_EQ(r.out, "{\"id\":\"new\",\"duplicates\":[{\"id\":\"b\",\"similarity\":1}]}\n");
  r = Neardup("index check pages.ndidx");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pages.ndidx: ok:"));
  Write("broken.ndidx", "not an index");
  EXPECT_EQ(Neardup("index check broken.ndidx").exit_code, 1);
}


// The seed articles beside the checkout, read as a directory of text files: no two
// are near-duplicate articles at t = 0.5, and the self-repeating one has repeats.
TEST_F(CliTest, SeedArticlesHaveRepeatedPassagesButNoDuplicateArticles) {
  const std::string seeds = std::string(NEARDUP_SHARED_DIR) + "/seeds";
  if (!fs::is_directory(seeds)) GTEST_SKIP() << "no seed articles at " << seeds;
  const Run r = Neardup("dedup '" + seeds + "' -o clusters.jsonl --threshold 0.5 --passages --passages-out repeats.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(Path("clusters.jsonl")), "");
  EXPECT_THAT(r.err, HasSubstr("0 verified, 0 clusters"));
  const std::string repeats = Slurp(Path("repeats.jsonl"));
  EXPECT_THAT(repeats, HasSubstr("{\"id\":\"002_"));
  EXPECT_THAT(repeats, HasSubstr("{\"id\":\"003_"));
}


// Exit codes: 0 clean (skipped records are reported and still 0), 1 error, 2 usage,
// 3 finished but an input could not be read or was truncated.
TEST_F(CliTest, AnInputThatCannotBeReadDoesNotLookLikeSuccess) {
  Write("in.jsonl", kDedupCorpus);
  Run r = Neardup("dedup /no/such/file.jsonl in.jsonl -o out.jsonl");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("/no/such/file.jsonl: cannot open: No such file or directory"));
  EXPECT_THAT(r.err, HasSubstr("1 input(s) could not be read or ended early"));
  EXPECT_THAT(Slurp(Path("out.jsonl")), HasSubstr("\"keep\":\"a\""));  // the rest was deduplicated
  // A truncated gzip stream is an input that could not be read to its end.
  ASSERT_EQ(std::system(("cd '" + dir_ + "' && gzip -c in.jsonl | head -c 60 > cut.jsonl.gz").c_str()), 0);
  EXPECT_EQ(Neardup("dedup cut.jsonl.gz -o out.jsonl").exit_code, 3);
  EXPECT_EQ(Neardup("sign /no/such/file.jsonl in.jsonl -o s.ndsig").exit_code, 3);
  ASSERT_EQ(Neardup("index create pages.ndidx").exit_code, 0);
  EXPECT_EQ(Neardup("index add pages.ndidx /no/such/file.jsonl in.jsonl").exit_code, 3);
  EXPECT_EQ(Neardup("index query pages.ndidx /no/such/file.jsonl").exit_code, 3);
  // A bad record alone is reported and skipped: still 0.
  Write("bad.jsonl", std::string(kDedupCorpus) + "not json\n");
  r = Neardup("dedup bad.jsonl -o out.jsonl");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bad.jsonl:4: "));
  EXPECT_EQ(Neardup("dedup in.jsonl -o out.jsonl --threshold 0").exit_code, 1);
  EXPECT_EQ(Neardup("dedup in.jsonl -o out.jsonl --no-such-flag").exit_code, 2);
}

TEST_F(CliTest, OutputsThatWouldDestroyInputsAreRefusedBeforeAnythingRuns) {
  Write("a.jsonl", kDedupCorpus);
  Run r = Neardup("dedup a.jsonl -o a.jsonl --write-deduped d.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: the clusters output a.jsonl would overwrite the input a.jsonl; nothing was read"));
  EXPECT_EQ(Slurp(Path("a.jsonl")), kDedupCorpus);
  EXPECT_FALSE(fs::exists(Path("d.jsonl")));
  r = Neardup("dedup a.jsonl -o c.jsonl --pairs ./c.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("are the same file"));
  r = Neardup("dedup a.jsonl -o no/such/dir/c.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: cannot write the clusters output no/such/dir/c.jsonl"));
  EXPECT_THAT(r.err, Not(HasSubstr("read 3 records")));  // failed before reading
  r = Neardup("sign a.jsonl -o a.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Slurp(Path("a.jsonl")), kDedupCorpus);
}

TEST_F(CliTest, PairsEscapeIdsAndAllPairsReachEveryPairOfAGroup) {
  std::string corpus;
  for (int i = 0; i < 70; ++i) {
    corpus += "{\"id\":\"copy\\t" + std::to_string(i) +
              "\",\"text\":\"The harbor council voted on Tuesday to add three evening ferry crossings.\"}\n";
  }
  Write("in.jsonl", corpus);
  ASSERT_EQ(Neardup("dedup in.jsonl -o c.jsonl --pairs verified.tsv").exit_code, 0);
  const Run r = Neardup("dedup in.jsonl -o c.jsonl --pairs all.tsv --pairs-mode all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string all = Slurp(Path("all.tsv"));
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 70 * 69 / 2);
  EXPECT_THAT(all, HasSubstr("copy\\t0\tcopy\\t1\t1\n"));
  const std::string verified = Slurp(Path("verified.tsv"));
  EXPECT_LT(std::count(verified.begin(), verified.end(), '\n'), 70 * 69 / 2);
}

TEST_F(CliTest, ThresholdOneMeansExactDuplicatesAfterNormalization) {
  Write("in.jsonl",
        "{\"id\":\"a\",\"text\":\"Storm cuts power to four villages on the coast tonight.\"}\n"
        "{\"id\":\"b\",\"text\":\"STORM cuts power to four villages on the coast   tonight.\"}\n"
        "{\"id\":\"c\",\"text\":\"Storm cuts power to four villages on the coast tonight again.\"}\n");
  const Run r = Neardup("dedup in.jsonl -o c.jsonl --threshold 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(Path("c.jsonl")),
            "{\"cluster\":0,\"keep\":\"a\",\"keep_rule\":\"first\",\"members\":[{\"id\":\"a\",\"similarity\":1},"
            "{\"id\":\"b\",\"similarity\":1}]}\n");
  EXPECT_THAT(r.err, HasSubstr("LSH 1 bands x 128 rows, threshold 1,"));
}

// Signatures are a shardable artifact: dedup over the shards gives the clusters of
// dedup over the texts, with precise verification while the texts are unchanged.
TEST_F(CliTest, SignatureShardsGiveTheClustersOfTheTexts) {
  const std::string corpus = kDedupCorpus;
  const size_t second = corpus.find('\n') + 1;
  Write("a.jsonl", corpus.substr(0, second));
  Write("b.jsonl", corpus.substr(second));
  ASSERT_EQ(Neardup("sign a.jsonl -o a.ndsig").exit_code, 0);
  ASSERT_EQ(Neardup("sign b.jsonl -o b.ndsig").exit_code, 0);
  for (const std::string verify : {"estimate", "precise"}) {
    Run s = Neardup("dedup a.ndsig b.ndsig -o s.jsonl --keep longest --write-deduped sd.jsonl --verify " + verify);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    Run t = Neardup("dedup a.jsonl b.jsonl -o t.jsonl --keep longest --write-deduped td.jsonl --verify " + verify);
    ASSERT_EQ(t.exit_code, 0) << t.err;
    EXPECT_EQ(Slurp(Path("s.jsonl")), Slurp(Path("t.jsonl"))) << verify;
    EXPECT_EQ(Slurp(Path("sd.jsonl")), Slurp(Path("td.jsonl"))) << verify;
    EXPECT_THAT(Slurp(Path("s.jsonl")), HasSubstr("\"keep\":\"b\""));  // the longer copy
  }
  Run m = Neardup("dedup a.ndsig b.jsonl -o m.jsonl");
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_THAT(m.err, HasSubstr("cannot mix signature files and text inputs in one run"));
  // Once an input changes, its texts cannot be read again: precise falls back to the
  // estimate and says so; exact is refused.
  Write("a.jsonl", corpus.substr(0, second) + "\n");
  Run p = Neardup("dedup a.ndsig b.ndsig -o p.jsonl");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.err, HasSubstr("verify estimated Jaccard; precise verification needs the texts (a.jsonl has changed "
                               "since it was read"));
  Run e = Neardup("dedup a.ndsig b.ndsig -o e.jsonl --verify exact");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_THAT(e.err, HasSubstr("error: exact verification needs the documents' texts: a.jsonl has changed"));
}

}  // namespace
}  // namespace neardup
