// Reading and signing in batches: the caller sees every document once, in input order,
// one batch at a time, whatever the thread count; its error stops the run.
#include "neardup/dedup/sign_batches.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

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
                                   [&](std::span<Document> docs, std::span<const DocumentSignature> sigs) {
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
                                   [&](std::span<Document> docs, std::span<const DocumentSignature>) {
                                     ++calls;
                                     if (calls == 2) return absl::ResourceExhaustedError(absl::StrCat("at ", docs[0].id));
                                     return absl::OkStatus();
                                   });
    EXPECT_EQ(s, absl::ResourceExhaustedError("at d4096")) << threads;
    EXPECT_EQ(calls, 2) << threads;  // no batch is handed over after the error
  }
}

}  // namespace
}  // namespace neardup
