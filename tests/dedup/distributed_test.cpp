// The dedup stages over partitions (dedup/distributed.hpp) give what the single-machine
// pipeline gives: duplicate ids and exact repeated passages across partitions, and a
// damaged exchange file is an error naming it.
#include "neardup/dedup/distributed.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/dedup/dedup.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kFirst[] =
    "{\"id\":\"a\",\"text\":\"Harbor council adds evening ferries to the island route.\\nRead more stories "
    "from the harbor desk here.\"}\n"
    "{\"id\":\"b\",\"text\":\"Storm cuts power across the valley overnight.\"}\n"
    "{\"id\":\"c\",\"text\":\"Read more stories from the harbor desk here.\\nRead more stories from the "
    "harbor desk here.\"}\n";
constexpr char kSecond[] =
    "{\"id\":\"c\",\"text\":\"A record whose id the first input has.\"}\n"
    "{\"id\":\"d\",\"text\":\"Storm cuts power across the valley overnight.\\nRead more stories from the "
    "harbor desk here.\"}\n"
    "{\"id\":\"a\",\"text\":\"Another record whose id the first input has.\"}\n";

class DistributedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_distributed_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    inputs_ = {Path("first.jsonl"), Path("second.jsonl")};
    std::ofstream(inputs_[0], std::ios::binary) << kFirst;
    std::ofstream(inputs_[1], std::ios::binary) << kSecond;
    options_.passages = PassageOptions{.near = false};
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  // Each input is one partition; two ranges of each exchange.
  void SignBoth() {
    for (uint32_t p = 0; p < 2; ++p) {
      PartitionExchange ex{.partition = p};
      for (int r = 0; r < 2; ++r) {
        ex.id_paths.push_back(Path(absl::StrCat("ids_p", p, "_r", r)));
        ex.passage_paths.push_back(Path(absl::StrCat("passages_p", p, "_r", r)));
      }
      absl::StatusOr<PartitionSignStats> st =
          SignPartitionToShard(inputs_, p, {}, options_, {}, Path(absl::StrCat("shard", p)), ex);
      ASSERT_TRUE(st.ok()) << st.status();
      EXPECT_EQ(st->documents, 3u);
    }
  }
  std::vector<std::string> Range(const std::string& kind, int r) const {
    return {Path(absl::StrCat(kind, "_p0_r", r)), Path(absl::StrCat(kind, "_p1_r", r))};
  }

  std::string dir_;
  std::vector<std::string> inputs_;
  DedupOptions options_;
};

TEST_F(DistributedTest, DuplicateIdsAcrossPartitionsAreReportedAsOnOneMachine) {
  SignBoth();
  std::vector<uint64_t> docs;
  std::vector<std::string> reports;
  for (int r = 0; r < 2; ++r) {
    absl::StatusOr<DuplicateIds> dups = FindDuplicateIds(Range("ids", r), inputs_);
    ASSERT_TRUE(dups.ok()) << dups.status();
    docs.insert(docs.end(), dups->docs.begin(), dups->docs.end());
    for (const InputProblem& p : dups->problems) reports.push_back(p.ToString());
  }
  std::sort(docs.begin(), docs.end());
  std::sort(reports.begin(), reports.end());
  EXPECT_THAT(docs, ElementsAre(PartitionDoc(1, 0), PartitionDoc(1, 2)));
  EXPECT_THAT(reports, ElementsAre(absl::StrCat(inputs_[1], ":1: duplicate id \"c\" (first at ", inputs_[0],
                                                ":3); record skipped"),
                                   absl::StrCat(inputs_[1], ":3: duplicate id \"a\" (first at ", inputs_[0],
                                                ":1); record skipped")));
}

TEST_F(DistributedTest, ExactPassageRepeatsAreThoseOfOneMachine) {
  SignBoth();
  // One machine: the same inputs, exact repeats only.
  absl::StatusOr<DedupResult> one = Deduplicate(DocumentSource::Files(inputs_), options_);
  ASSERT_TRUE(one.ok()) << one.status();
  std::vector<std::string> want;
  for (const PassageRepeat& r : one->repeats) want.push_back(PassageRepeatJson(*one, r));
  // c repeats a's second line twice; d repeats b's text and a's second line.
  ASSERT_EQ(want.size(), 4u);
  std::vector<std::pair<uint64_t, std::string>> got;
  const std::vector<uint64_t> skipped = {PartitionDoc(1, 0), PartitionDoc(1, 2)};
  for (int r = 0; r < 2; ++r) {
    absl::StatusOr<ExactPassageRepeats> rep = FindExactPassageRepeats(Range("passages", r), skipped, options_);
    ASSERT_TRUE(rep.ok()) << rep.status();
    for (size_t i = 0; i < rep->lines.size(); ++i) {
      got.push_back({(rep->docs[i] << 20) | rep->spans[i].start, rep->lines[i]});
    }
  }
  std::sort(got.begin(), got.end());
  std::vector<std::string> lines;
  for (const auto& [order, line] : got) lines.push_back(line);
  EXPECT_EQ(lines, want);
}

TEST_F(DistributedTest, DamagedExchangeFileIsDataLossNamingIt) {
  SignBoth();
  std::vector<std::string> files = Range("ids", 0);
  const std::string path = fs::file_size(files[0]) > 64 ? files[0] : files[1];
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-1, std::ios::end);
    char c = 0;
    f.get(c);
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(c ^ 1));
  }
  absl::StatusOr<DuplicateIds> dups = FindDuplicateIds(files, inputs_);
  ASSERT_FALSE(dups.ok());
  EXPECT_EQ(dups.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(dups.status().message(), HasSubstr(path));
  EXPECT_THAT(dups.status().message(), HasSubstr("checksum mismatch"));
  // A passage file is not an id file.
  dups = FindDuplicateIds(Range("passages", 0), inputs_);
  ASSERT_FALSE(dups.ok());
  EXPECT_THAT(dups.status().message(), HasSubstr("exchange kind 2, expected 1"));
}

TEST_F(DistributedTest, NearPassagesAreRefused) {
  options_.passages->near = true;
  absl::StatusOr<PartitionSignStats> st =
      SignPartitionToShard(inputs_, 0, {}, options_, {}, Path("shard"), {.passage_paths = {Path("x")}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.status().message(), HasSubstr("near-repeat passages cannot be found across partitions"));
}

}  // namespace
}  // namespace neardup
