// The signing pipeline on the seed articles beside the checkout (../shared/seeds):
// real news text in Indonesian, several reports of the same events.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "neardup/shingle/shingle.hpp"
#include "neardup/shingle/similarity.hpp"
#include "neardup/signature/signer.hpp"
#include "neardup/text/normalize.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

// The seed file whose name starts with `prefix` (e.g. "000_"), or "" if none.
std::string SeedText(const std::vector<std::filesystem::path>& files, const std::string& prefix) {
  for (const auto& f : files) {
    if (f.filename().string().rfind(prefix, 0) == 0) return neardup_test::ReadFile(f);
  }
  return "";
}

std::vector<uint64_t> WordShingleSet(std::string_view text) {
  Normalizer norm;
  Shingler sh;  // word 5-grams
  return MakeShingleSet(sh.Shingle(norm.Normalize(text)));
}

class SeedsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = neardup_test::SeedFiles();
    if (files_.empty()) GTEST_SKIP() << "no seed articles at " << neardup_test::SeedDir();
  }
  std::vector<std::filesystem::path> files_;
};

TEST_F(SeedsTest, EveryArticleSigns) {
  ASSERT_GE(files_.size(), 5u);
  for (const MinHashAlgorithm alg : {MinHashAlgorithm::kClassic, MinHashAlgorithm::kOnePermutation}) {
    SignerOptions o;
    o.minhash.algorithm = alg;
    Signer signer(o);
    for (const auto& f : files_) {
      SCOPED_TRACE(f.filename().string());
      const std::string text = neardup_test::ReadFile(f);
      ASSERT_FALSE(text.empty());
      const DocumentSignature sig = signer.Sign(text);
      EXPECT_FALSE(sig.empty());
      EXPECT_FALSE(sig.minhash.empty);
      EXPECT_GT(sig.num_tokens, 100u);
      EXPECT_EQ(sig.num_shingles, sig.num_tokens - 4);
      EXPECT_EQ(sig.minhash.values.size(), 128u);
      EXPECT_NE(sig.simhash, 0u);
      EXPECT_TRUE(neardup_test::IsValidUtf8(Normalizer(o.normalize).Normalize(text)));
      // Signs as a duplicate of itself.
      EXPECT_EQ(*EstimateJaccard(sig.minhash, signer.Sign(text).minhash), 1.0);
    }
  }
}

TEST_F(SeedsTest, RelatedReportsAreCloserThanDistantOnes) {
  const std::string a = SeedText(files_, "000_");
  const std::string b = SeedText(files_, "001_");
  const std::string e = SeedText(files_, "004_");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  ASSERT_FALSE(e.empty());
  const double j01 = ExactJaccard(WordShingleSet(a), WordShingleSet(b));
  const double j04 = ExactJaccard(WordShingleSet(a), WordShingleSet(e));
  RecordProperty("jaccard_000_001", std::to_string(j01));
  RecordProperty("jaccard_000_004", std::to_string(j04));
  EXPECT_GT(j01, j04);
  EXPECT_LT(j01, 1.0);  // different reports, not copies
}

TEST_F(SeedsTest, QuoteAndCaseVariantIsAnExactDuplicate) {
  for (const auto& f : files_) {
    SCOPED_TRACE(f.filename().string());
    const std::string original = neardup_test::ReadFile(f);
    std::string variant = original;
    neardup_test::ReplaceAll(&variant, "\u201c", "\"");
    neardup_test::ReplaceAll(&variant, "\u201d", "\"");
    neardup_test::ReplaceAll(&variant, "\u2018", "'");
    neardup_test::ReplaceAll(&variant, "\u2019", "'");
    for (char& c : variant) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_NE(variant, original);
    EXPECT_EQ(ExactJaccard(WordShingleSet(original), WordShingleSet(variant)), 1.0);
    for (const MinHashAlgorithm alg : {MinHashAlgorithm::kClassic, MinHashAlgorithm::kOnePermutation}) {
      SignerOptions o;
      o.minhash.algorithm = alg;
      Signer signer(o);
      const DocumentSignature s1 = signer.Sign(original);
      const DocumentSignature s2 = signer.Sign(variant);
      EXPECT_EQ(*EstimateJaccard(s1.minhash, s2.minhash), 1.0) << MinHashAlgorithmName(alg);
      EXPECT_EQ(s1.simhash, s2.simhash);
    }
  }
}

TEST_F(SeedsTest, FileWithCurlyQuotesIsCovered) {
  // The variant test above only means something if some article has curly quotes.
  bool any = false;
  for (const auto& f : files_) {
    const std::string t = neardup_test::ReadFile(f);
    any = any || t.find("\u201c") != std::string::npos || t.find("\u2019") != std::string::npos;
  }
  EXPECT_TRUE(any);
}

}  // namespace
}  // namespace neardup
