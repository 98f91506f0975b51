// `neardup index ...` on SimHash crawler indexes, end to end through the built executable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <bit>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "neardup/signature/signer.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SimHashIndexCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = NEARDUP_CLI_PATH;
    if (cli_.empty() || !fs::exists(cli_)) {
      GTEST_SKIP() << "neardup executable not built (NEARDUP_CLI_PATH='" << cli_ << "')";
    }
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_simcli_XXXXXX").string();
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
  Run Neardup(const std::string& args) {
    const std::string cmd =
        "cd '" + dir_ + "' && '" + cli_ + "' " + args + " < /dev/null > cli.stdout 2> cli.stderr";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(Path("cli.stdout")), Slurp(Path("cli.stderr"))};
  }

  std::string cli_;
  std::string dir_;
};

constexpr char kHarbor[] =
    "the harbor council voted on tuesday to add three evening ferry crossings to the island route. commuters have "
    "waited years for a late boat, said the council chair on the pier, and the first sailing leaves at nine.";
constexpr char kOther[] =
    "a late frost damaged most of the apple blossoms in the valley this spring, and growers expect a smaller crop "
    "than in any year since the orchards were planted along the river terraces.";

uint64_t Fingerprint(const std::string& text) {
  SignerOptions o;
  o.compute_minhash = false;
  Signer signer(o);
  DocumentSignature sig;
  signer.Sign(text, &sig);
  return sig.simhash;
}

std::string Doc(const std::string& id, const std::string& text) {
  return absl::StrCat("{\"id\":\"", id, "\",\"text\":\"", text, "\"}\n");
}

TEST_F(SimHashIndexCliTest, CreateAddQueryRemoveStatsCheckMerge) {
  Write("in.jsonl", Doc("a", kHarbor) + Doc("b", kHarbor) + Doc("c", kOther));
  Run r = Neardup("index create pages.ndsci --algo simhash --simhash-distance 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("pages.ndsci: SimHash-64 over word 5-grams, Hamming distance <= 3"));
  EXPECT_EQ(Neardup("index create pages.ndsci --algo simhash").exit_code, 1);  // already exists
  r = Neardup("index add pages.ndsci in.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("3 added, 0 skipped"));

  // A copy (distance 0) and a copy with one word changed (its exact distance).
  const std::string edited = std::string(kHarbor).replace(4, 6, "marina");
  const int d = std::popcount(Fingerprint(kHarbor) ^ Fingerprint(edited));
  Write("q.jsonl", Doc("copy", kHarbor) + Doc("edit", edited));
  r = Neardup("index query pages.ndsci q.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string edit_line =
      d <= 3 ? absl::StrCat("{\"id\":\"edit\",\"duplicates\":[{\"id\":\"a\",\"distance\":", d,
                            "},{\"id\":\"b\",\"distance\":", d, "}]}\n")
             : "{\"id\":\"edit\",\"duplicates\":[]}\n";
  EXPECT_EQ(r.out, "{\"id\":\"copy\",\"duplicates\":[{\"id\":\"a\",\"distance\":0},{\"id\":\"b\",\"distance\":0}]}\n" +
                       edit_line);

  r = Neardup("index remove pages.ndsci a");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("1 removed, 0 not found; 2 documents indexed"));
  Write("q1.jsonl", Doc("copy", kHarbor));
  r = Neardup("index query pages.ndsci q1.jsonl");
  EXPECT_EQ(r.out, "{\"id\":\"copy\",\"duplicates\":[{\"id\":\"b\",\"distance\":0}]}\n");

  r = Neardup("index stats pages.ndsci");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("documents        2\n"));
  EXPECT_THAT(r.out, HasSubstr("simhash          64 bits seed=0, Hamming distance <= 3\n"));

  r = Neardup("index check pages.ndsci");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pages.ndsci: ok: SimHash crawler index snapshot, format version 1"));
  r = Neardup("index check pages.ndsci.log");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("pages.ndsci.log is a SimHash crawler log, format version 1, not a crawler index "
                               "snapshot; check the index it belongs to"));

  // Merge another SimHash index; a MinHash index is refused.
  Write("more.jsonl", Doc("a", kHarbor) + Doc("d", kOther));
  ASSERT_EQ(Neardup("index create more.ndsci --algo simhash").exit_code, 0);
  ASSERT_EQ(Neardup("index add more.ndsci more.jsonl").exit_code, 0);
  r = Neardup("index merge pages.ndsci more.ndsci");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("2 inserted, 0 already present; 4 documents indexed"));
  ASSERT_EQ(Neardup("index create minhash.ndidx --algo minhash --minhash-algo classic").exit_code, 0);
  r = Neardup("index merge pages.ndsci minhash.ndidx");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("object type is 3 (crawler index snapshot), expected 6 (SimHash crawler index snapshot)"));

  // Damage is refused with the section and byte offset.
  std::string bytes = Slurp(Path("pages.ndsci"));
  bytes[128 + 40] ^= 1;
  Write("pages.ndsci", bytes);
  r = Neardup("index check pages.ndsci");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("SimHash fingerprints section at byte offset 152: checksum mismatch"));
}

TEST_F(SimHashIndexCliTest, MinHashAlgorithmFlagsKeepWorking) {
  Run r = Neardup("index create a.ndidx --algo classic");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("MinHash classic"));
  r = Neardup("index create b.ndidx --algo minhash --minhash-algo oph");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("MinHash oph"));
  r = Neardup("index stats a.ndidx");
  EXPECT_THAT(r.out, HasSubstr("minhash          classic"));
  EXPECT_EQ(Neardup("index create c.ndsci --algo simhash --simhash-distance 8").exit_code, 2);
}

// A flag the chosen kind of index does not use is refused (exit 2), naming it and why,
// and nothing is created.
TEST_F(SimHashIndexCliTest, FlagsOfTheOtherKindOfIndexAreRefused) {
  for (const char* flag : {"--minhash-algo classic", "--num-perm 64", "--seed 7", "--bands 8", "--rows 4",
                           "--stored-bits 4", "--threshold 0.5"}) {
    SCOPED_TRACE(flag);
    const Run r = Neardup(absl::StrCat("index create pages.ndsci --algo simhash ", flag));
    EXPECT_EQ(r.exit_code, 2);
    const std::string name = std::string(flag).substr(0, std::string(flag).find(' '));
    EXPECT_EQ(r.err, absl::StrCat("neardup index create: usage error: ", name,
                                  " is a MinHash option; an index made with --algo simhash does not use it (its "
                                  "near-duplicates are within --simhash-distance)\n"));
    EXPECT_FALSE(fs::exists(Path("pages.ndsci")));
  }
  for (const char* algo : {"minhash", "oph", "classic"}) {
    const Run r = Neardup(absl::StrCat("index create pages.ndidx --algo ", algo, " --simhash-distance 2"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, absl::StrCat("neardup index create: usage error: --simhash-distance is a SimHash option; an "
                                  "index made with --algo ",
                                  algo, " does not use it (its near-duplicates are at --threshold)\n"));
    EXPECT_FALSE(fs::exists(Path("pages.ndidx")));
  }
  Run r = Neardup("index create pages.ndidx --algo oph --minhash-algo classic");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "neardup index create: usage error: --minhash-algo goes with --algo minhash; --algo oph already names the "
            "MinHash algorithm\n");

  // A SimHash index's distance is fixed: a query --threshold would be ignored.
  ASSERT_EQ(Neardup("index create pages.ndsci --algo simhash --simhash-distance 2").exit_code, 0);
  Write("q.jsonl", Doc("q", kHarbor));
  r = Neardup("index query pages.ndsci q.jsonl --threshold 0.5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "neardup index query: usage error: --threshold is a MinHash option; pages.ndsci is a SimHash index, whose "
            "Hamming distance was set when it was created\n");
  // The flags each kind does use are accepted.
  EXPECT_EQ(Neardup("index create m.ndidx --algo minhash --minhash-algo classic --num-perm 64 --threshold 0.7 "
                    "--stored-bits 4 --seed 3")
                .exit_code,
            0);
  EXPECT_EQ(Neardup("index query pages.ndsci q.jsonl").exit_code, 0);
}

}  // namespace
}  // namespace neardup
