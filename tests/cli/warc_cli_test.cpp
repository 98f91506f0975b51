// The CLI on crawl files: `neardup dedup crawl.warc.gz`, `sign`, and the crawler
// index fed with WARC.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "testing/site_pages.hpp"
#include "testing/warc_writer.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using namespace neardup_test;

class WarcCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = NEARDUP_CLI_PATH;
    if (cli_.empty() || !fs::exists(cli_)) GTEST_SKIP() << "neardup executable not built";
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_warc_cli_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    std::vector<WarcRecord> r = {WarcInfo()};
    r.push_back(Page("https://news.example/bridge", SitePage("Council votes to rebuild the bridge", ArticleA()),
                     "2024-05-01T10:00:00Z"));
    r.push_back(Page("https://news.example/bakery", SitePage("Elm Street bakery named the best", ArticleB()),
                     "2024-05-01T10:01:00Z"));
    r.push_back(Page("https://news.example/bridge",
                     SitePage("Council votes to rebuild the bridge", ArticleA() + "<p>Updated at noon.</p>"),
                     "2024-05-03T10:00:00Z"));
    std::ofstream(dir_ + "/crawl.warc.gz", std::ios::binary) << WarcFile(r, WarcCompression::kGzipPerRecord);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string Slurp(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int Neardup(const std::string& args) {
    const std::string cmd = "cd '" + dir_ + "' && '" + cli_ + "' " + args + " > cli.stdout 2> cli.stderr";
    const int status = std::system(cmd.c_str());
    out_ = Slurp("cli.stdout");
    err_ = Slurp("cli.stderr");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string cli_, dir_, out_, err_;
};

TEST_F(WarcCliTest, DedupKeepsTheFirstCaptureAndSaysWhichRecordEachLineIsFrom) {
  ASSERT_EQ(Neardup("dedup crawl.warc.gz -o clusters.jsonl --write-deduped kept.jsonl --threshold 0.7"), 0) << err_;
  EXPECT_THAT(err_, HasSubstr("read 3 records"));
  EXPECT_THAT(Slurp("clusters.jsonl"),
              HasSubstr("\"keep\":\"https://news.example/bridge\",\"keep_rule\":\"first\",\"members\":[{\"id\":"
                        "\"https://news.example/bridge\",\"similarity\":1},{\"id\":\"https://news.example/"
                        "bridge#2024-05-03T10:00:00Z\""));
  const std::string kept = Slurp("kept.jsonl");
  EXPECT_THAT(kept, HasSubstr("{\"id\":\"https://news.example/bridge\",\"text\":\"Council votes to rebuild the bridge - "
                              "The Daily Example\\nCouncil votes to rebuild the bridge\\nThe city council"));
  EXPECT_THAT(kept, HasSubstr("\",\"warc_record_id\":\"<urn:uuid:rec-2>\",\"warc_date\":\"2024-05-01T10:00:00Z\"}\n"));
  EXPECT_THAT(kept, HasSubstr("\"warc_record_id\":\"<urn:uuid:rec-3>\""));
  EXPECT_THAT(kept, ::testing::Not(HasSubstr("rec-4")));

  EXPECT_THAT(err_, HasSubstr("WARC: 4 records, 1 not documents (warcinfo: 1)"));

  ASSERT_EQ(Neardup("sign crawl.warc.gz -o crawl.ndsig"), 0) << err_;
  EXPECT_THAT(err_, HasSubstr("read 3 documents: 3 signed"));
  // The signatures give the same clusters, and the texts are found again in the WARC.
  ASSERT_EQ(Neardup("dedup crawl.ndsig -o from_sigs.jsonl --write-deduped kept_sigs.jsonl --threshold 0.7"), 0)
      << err_;
  EXPECT_THAT(err_, HasSubstr("verify precise"));
  EXPECT_EQ(Slurp("from_sigs.jsonl"), Slurp("clusters.jsonl"));
  EXPECT_EQ(Slurp("kept_sigs.jsonl"), kept);
}

TEST_F(WarcCliTest, HtmlAllKeepsTheTemplate) {
  ASSERT_EQ(Neardup("dedup crawl.warc.gz -o c.jsonl --write-deduped all.jsonl --html all"), 0) << err_;
  EXPECT_THAT(Slurp("all.jsonl"), HasSubstr("Most read"));
  ASSERT_EQ(Neardup("dedup crawl.warc.gz -o c.jsonl --write-deduped main.jsonl --html main"), 0) << err_;
  EXPECT_THAT(Slurp("main.jsonl"), ::testing::Not(HasSubstr("Most read")));
  EXPECT_NE(Neardup("dedup crawl.warc.gz -o c.jsonl --html none"), 0);
}

TEST_F(WarcCliTest, IndexAddReplacesARecrawledUri) {
  ASSERT_EQ(Neardup("index create pages.ndidx --threshold 0.7"), 0) << err_;
  ASSERT_EQ(Neardup("index add pages.ndidx crawl.warc.gz"), 0) << err_;
  EXPECT_THAT(err_, HasSubstr("3 added, 0 skipped (0 unreadable records); 0 replaced an indexed capture"));
  ASSERT_EQ(Neardup("index add pages.ndidx crawl.warc.gz"), 0) << err_;
  EXPECT_THAT(err_, HasSubstr("3 added, 0 skipped (0 unreadable records); 3 replaced an indexed capture"));
  EXPECT_THAT(err_, HasSubstr("3 documents indexed"));
  ASSERT_EQ(Neardup("index query pages.ndidx crawl.warc.gz"), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("{\"id\":\"https://news.example/bakery\",\"duplicates\":[{\"id\":\"https://news.example/bakery\""));
}

}  // namespace
