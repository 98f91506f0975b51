#include "neardup/signature/signer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/signature/minhash.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

using ::testing::ElementsAre;

void ExpectSameSignature(const DocumentSignature& a, const DocumentSignature& b) {
  EXPECT_EQ(a.minhash.params, b.minhash.params);
  EXPECT_EQ(a.minhash.values, b.minhash.values);
  EXPECT_EQ(a.minhash.empty, b.minhash.empty);
  EXPECT_EQ(a.simhash, b.simhash);
  EXPECT_EQ(a.num_tokens, b.num_tokens);
  EXPECT_EQ(a.num_shingles, b.num_shingles);
  EXPECT_EQ(a.replaced_bytes, b.replaced_bytes);
}

TEST(Signer, DefaultOptions) {
  const SignerOptions o;
  EXPECT_EQ(o.shingle.kind, ShingleKind::kWord);
  EXPECT_EQ(o.shingle.n, 5u);
  EXPECT_EQ(o.minhash.algorithm, MinHashAlgorithm::kOnePermutation);
  EXPECT_EQ(o.minhash.num_perm, 128u);
  EXPECT_TRUE(o.Validate().ok());
  SignerOptions bad;
  bad.shingle.n = 0;
  EXPECT_EQ(bad.Validate().message(), "shingle size n must be in [1, 64], got 0");
  bad = {};
  bad.minhash.num_perm = 0;
  EXPECT_EQ(bad.Validate().message(), "num_perm must be in [1, 8192], got 0");
}

TEST(Signer, PresentationVariantsAreDuplicates) {
  Signer s;
  const auto a = s.Sign("Hello World, this is a test of the emergency broadcast system!");
  const auto b = s.Sign("hello world this is a test of the EMERGENCY broadcast system");
  EXPECT_EQ(*EstimateJaccard(a.minhash, b.minhash), 1.0);
  EXPECT_EQ(a.simhash, b.simhash);
}

TEST(Signer, EqualsTheStagesRunByHand) {
  for (const MinHashAlgorithm alg : {MinHashAlgorithm::kClassic, MinHashAlgorithm::kOnePermutation}) {
    for (const ShingleKind kind : {ShingleKind::kWord, ShingleKind::kChar}) {
      SignerOptions o;
      o.minhash.algorithm = alg;
      o.shingle.kind = kind;
      o.shingle.seed = 3;
      o.simhash_seed = 17;
      const std::string text = "Don\u2019t &amp; won\u2019t \xff STOP the  presses\u2026 now, please.";
      Signer signer(o);
      const DocumentSignature sig = signer.Sign(text);

      Normalizer norm(o.normalize);
      std::string normalized;
      const NormalizeStats stats = norm.Normalize(text, &normalized);
      Shingler shingler(o.shingle);
      std::vector<uint64_t> shingles;
      const size_t units = shingler.Shingle(normalized, &shingles);
      MinHasher mh(o.minhash);
      SimHasher sh(o.simhash_seed);

      EXPECT_EQ(normalized, "don't & won't stop the presses... now, please.");
      EXPECT_EQ(std::vector<uint64_t>(signer.last_shingles().begin(), signer.last_shingles().end()), shingles);
      EXPECT_EQ(sig.num_tokens, units);
      EXPECT_EQ(sig.num_shingles, shingles.size());
      EXPECT_EQ(sig.replaced_bytes, stats.replaced_bytes);
      EXPECT_EQ(sig.replaced_bytes, 1u);
      EXPECT_EQ(sig.minhash.values, mh.Sign(shingles).values);
      EXPECT_EQ(sig.simhash, sh.Sign64(shingles));
      EXPECT_FALSE(sig.empty());
    }
  }
}

TEST(Signer, CountsAndEmptyDocuments) {
  Signer s;
  const auto words = s.Sign("one two three four five six seven");
  EXPECT_EQ(words.num_tokens, 7u);
  EXPECT_EQ(words.num_shingles, 3u);
  const auto empty = s.Sign(" \t\u00a0\u200b ,. ");
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.num_tokens, 0u);
  EXPECT_TRUE(empty.minhash.empty);
  EXPECT_EQ(empty.simhash, 0u);
  EXPECT_EQ(*EstimateJaccard(empty.minhash, s.Sign("").minhash), 0.0);
}

TEST(Signer, ComputeFlags) {
  SignerOptions o;
  o.compute_minhash = false;
  Signer no_minhash(o);
  const auto a = no_minhash.Sign("some words to sign here and there");
  EXPECT_TRUE(a.minhash.values.empty());
  EXPECT_NE(a.simhash, 0u);
  o = {};
  o.compute_simhash = false;
  Signer no_simhash(o);
  const auto b = no_simhash.Sign("some words to sign here and there");
  EXPECT_EQ(b.simhash, 0u);
  EXPECT_EQ(b.minhash.values.size(), 128u);
}

TEST(Signer, ReusedSignerGivesSameResultAsFresh) {
  Signer reused;
  const std::string a = "first document with a handful of words in it, enough for shingles";
  const std::string b = "\u4e2d\u6587\u6587\u672c\u4e5f\u53ef\u4ee5\u88ab\u7b7e\u540d";
  const auto first = reused.Sign(a);
  reused.Sign(b);
  reused.Sign("");
  ExpectSameSignature(reused.Sign(a), first);
  Signer fresh;
  ExpectSameSignature(fresh.Sign(b), reused.Sign(b));
}

TEST(SignerKnownAnswers, DefaultOptions) {
  Signer s;
  const auto sig = s.Sign("The quick brown fox jumps over the lazy dog near the river bank");
  EXPECT_EQ(sig.num_tokens, 13u);
  EXPECT_EQ(sig.num_shingles, 9u);
  EXPECT_EQ(sig.simhash, 0x475d998af3f6d4ceULL);
  EXPECT_THAT(std::vector<uint32_t>(sig.minhash.values.begin(), sig.minhash.values.begin() + 8),
              ElementsAre(0x6a20e199u, 0xa5abc0acu, 0xf7c82e14u, 0xa5abc0acu, 0x23a20339u,
                          0x4ea521b1u, 0x23a20339u, 0x4ea521b1u));
}

// ---------------------------------------------------------------------------
// Batch signing.

std::vector<std::string> BatchTexts() {
  std::vector<std::string> texts;
  std::mt19937_64 rng(2024);
  const std::vector<std::string> words = {"harbor", "council", "ferry", "\u00e9t\u00e9", "\u4e2d",
                                          "\u6587", "MOSKOW", "Jakarta", "\u201cquote\u201d", "&amp;",
                                          "\u0e44\u0e17\u0e22", "\xff", "data", "news", "\u043c\u0438\u0440"};
  for (int i = 0; i < 100; ++i) {
    std::string t;
    const size_t len = rng() % 60;  // includes empty documents
    for (size_t w = 0; w < len; ++w) absl::StrAppend(&t, words[rng() % words.size()], " ");
    texts.push_back(std::move(t));
  }
  return texts;
}

TEST(SignBatch, AnyThreadCountEqualsSequentialInInputOrder) {
  const std::vector<std::string> texts = BatchTexts();
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  for (const MinHashAlgorithm alg : {MinHashAlgorithm::kClassic, MinHashAlgorithm::kOnePermutation}) {
    SignerOptions o;
    o.minhash.algorithm = alg;
    Signer sequential(o);
    std::vector<DocumentSignature> expect;
    for (const auto& t : texts) expect.push_back(sequential.Sign(t));
    for (const unsigned threads : {1u, 2u, 8u, 0u}) {
      SCOPED_TRACE("threads=" + std::to_string(threads));
      const auto got = SignBatch(views, o, threads);
      ASSERT_EQ(got.size(), texts.size());
      for (size_t i = 0; i < texts.size(); ++i) {
        SCOPED_TRACE(i);
        ExpectSameSignature(got[i], expect[i]);
      }
    }
  }
}

TEST(SignBatch, EmptyAndTinyBatches) {
  EXPECT_TRUE(SignBatch({}, SignerOptions{}, 4).empty());
  const std::vector<std::string_view> one = {"just one document here to sign"};
  const auto got = SignBatch(one, SignerOptions{}, 8);
  ASSERT_EQ(got.size(), 1u);
  Signer s;
  ExpectSameSignature(got[0], s.Sign(one[0]));
}

TEST(ParallelFor, VisitsEveryIndexOnce) {
  for (const unsigned threads : {1u, 2u, 8u}) {
    std::vector<std::atomic<int>> seen(1000);
    EXPECT_TRUE(ParallelFor(seen.size(), threads, [&](unsigned worker, size_t i) {
                  EXPECT_LT(worker, threads);
                  seen[i].fetch_add(1);
                }).ok());
    for (const auto& s : seen) ASSERT_EQ(s.load(), 1);
  }
}

// ---------------------------------------------------------------------------
// A 100 MB single-line document normalizes and signs. Each ~60-byte chunk has 7 words
// (one of them unique to the chunk), curly quotes, an accented letter and one
// ill-formed byte; there is no line break anywhere.

TEST(Signer, HundredMegabyteSingleLineDocument) {
  constexpr size_t kTarget = 100'000'000;
  std::string doc;
  doc.reserve(kTarget + 64);
  size_t chunks = 0;
  while (doc.size() < kTarget) {
    absl::StrAppend(&doc, "Lorem", chunks, " ipsum DOLOR sit amet,\xff caf\u00e9 \u201cquoted\u201d ");
    ++chunks;
  }
  ASSERT_EQ(doc.find('\n'), std::string::npos);
  Signer signer;
  const DocumentSignature sig = signer.Sign(doc);
  EXPECT_EQ(sig.num_tokens, 7 * chunks);
  EXPECT_EQ(sig.num_shingles, 7 * chunks - 4);
  EXPECT_EQ(sig.replaced_bytes, chunks);
  EXPECT_FALSE(sig.empty());
  EXPECT_EQ(sig.minhash.values.size(), 128u);
  // The normalized text: lower case, straight quotes, one space where the bad byte was.
  const std::string norm = Normalizer().Normalize(doc);
  const std::string head = "lorem0 ipsum dolor sit amet, caf\u00e9 \"quoted\" lorem1 ipsum dolor";
  EXPECT_EQ(norm.substr(0, head.size()), head);
  EXPECT_EQ(norm.back(), '"');
  EXPECT_EQ(norm.find("\xe2\x80\x9c"), std::string::npos);
  // Signing the same text again, with the buffers now warm, gives the same signature.
  const DocumentSignature again = signer.Sign(doc);
  EXPECT_EQ(again.minhash.values, sig.minhash.values);
  EXPECT_EQ(again.simhash, sig.simhash);
}

}  // namespace
}  // namespace neardup
