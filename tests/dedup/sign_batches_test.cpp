// Reading and signing in batches: the caller sees every document once, in input order,
// one batch at a time, whatever the thread count; its error stops the run.
#include "neardup/dedup/sign_batches.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;

class SignBatchesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_sign_batches_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // 10,000 documents: batches of 4096, 4096 and 1808.
    std::ofstream out(Path());
    for (int i = 0; i < kDocs; ++i) {
      out << "{\"id\":\"d" << i << "\",\"text\":\"" << Text(i) << "\"}\n";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path() const { return (fs::path(dir_) / "in.jsonl").string(); }
  static std::string Text(int i) {
    return absl::StrCat("story ", i, " about the harbor ferry and the council vote number ", i % 97,
                        " on a late evening crossing");
  }
  static constexpr int kDocs = 10000;
  std::string dir_;
};

TEST_F(SignBatchesTest, EveryDocumentOnceInInputOrderForEveryThreadCount) {
  const SignerOptions options;
  Signer reference(options);
  for (const unsigned threads : {1u, 2u, 3u}) {
    DocumentReader reader({Path()}, {});
    std::vector<std::string> ids;
    std::vector<size_t> sizes;
    size_t wrong_signatures = 0;
    absl::Status s = SignInBatches(&reader, options, threads,
                                   [&](std::span<Document> docs, std::span<const DocumentSignature> sigs, const InputStats&) {
                                     sizes.push_back(docs.size());
                                     for (size_t i = 0; i < docs.size(); ++i) {
                                       ids.push_back(docs[i].id);
                                       const DocumentSignature want = reference.Sign(docs[i].text);
                                       wrong_signatures += sigs[i].minhash.values != want.minhash.values;
                                     }
                                     return absl::OkStatus();
                                   });
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_EQ(ids.size(), static_cast<size_t>(kDocs)) << threads;
    for (int i = 0; i < kDocs; ++i) ASSERT_EQ(ids[i], absl::StrCat("d", i)) << threads;
    EXPECT_EQ(sizes, (std::vector<size_t>{4096, 4096, 1808})) << threads;
    EXPECT_EQ(wrong_signatures, 0u) << threads;
  }
}

TEST_F(SignBatchesTest, TheCallersErrorStopsTheRun) {
  for (const unsigned threads : {1u, 2u}) {
    DocumentReader reader({Path()}, {});
    int calls = 0;
    absl::Status s = SignInBatches(&reader, SignerOptions{}, threads,
                                   [&](std::span<Document> docs, std::span<const DocumentSignature>, const InputStats&) {
                                     ++calls;
                                     if (calls == 2) return absl::ResourceExhaustedError(absl::StrCat("at ", docs[0].id));
                                     return absl::OkStatus();
                                   });
    EXPECT_EQ(s, absl::ResourceExhaustedError("at d4096")) << threads;
    EXPECT_EQ(calls, 2) << threads;  // no batch is handed over after the error
  }
}

// Bad records are reported with the batch whose reading met them, on the caller's
// side: never while on_batch runs, and in the same place among the batches on every
// run and thread count.
TEST_F(SignBatchesTest, ReadersProblemsComeBeforeTheirBatchNeverDuringOne) {
  // Lines 2, 5000 and 9000 (of 10,003) are not JSON, one in each batch of 4096 documents.
  {
    std::ifstream in(Path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    lines.insert(lines.begin() + 1, "{bad");
    lines.insert(lines.begin() + 4999, "{bad");
    lines.insert(lines.begin() + 8999, "{bad");
    std::ofstream out(Path(), std::ios::trunc);
    for (const std::string& line : lines) out << line << "\n";
  }
  for (const unsigned threads : {1u, 2u, 3u}) {
    std::vector<std::string> events;
    std::atomic<bool> in_batch{false};
    bool overlapped = false;
    InputOptions options;
    options.on_problem = [&](const InputProblem& p) {
      overlapped = overlapped || in_batch.load();
      events.push_back(absl::StrCat("problem at line ", p.line));
    };
    DocumentReader reader({Path()}, options);
    uint64_t last_problems = 0;
    absl::Status s = SignInBatches(&reader, SignerOptions{}, threads,
                                   [&](std::span<Document> docs, std::span<const DocumentSignature>,
                                       const InputStats& read) {
                                     in_batch = true;
                                     events.push_back(absl::StrCat("batch from ", docs[0].id));
                                     EXPECT_GE(read.problems, last_problems);
                                     last_problems = read.problems;
                                     in_batch = false;
                                     return absl::OkStatus();
                                   });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_FALSE(overlapped) << threads;
    EXPECT_EQ(events, (std::vector<std::string>{"problem at line 2", "batch from d0", "problem at line 5000",
                                                "batch from d4096", "problem at line 9000", "batch from d8192"}))
        << threads;
    EXPECT_EQ(last_problems, 3u);
    EXPECT_TRUE(static_cast<bool>(reader.ExchangeOnProblem(nullptr))) << "the caller's handler is put back";
  }
}

}  // namespace
}  // namespace neardup
