#include "neardup/store/keyed_index.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/internal/mix.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/store/crawler_index.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// 300 words from a 5000-word vocabulary; `edits` words replaced (each kills 5 shingles).
std::string Article(uint64_t seed, int edits = 0) {
  internal::SplitMix64 rng(seed), edit_rng(seed + 1000);
  std::vector<std::string> words;
  for (int i = 0; i < 300; ++i) words.push_back(absl::StrCat("w", rng.Next() % 5000));
  for (int e = 0; e < edits; ++e) words[edit_rng.Next() % words.size()] = absl::StrCat("edit", e);
  std::string text;
  for (const std::string& w : words) absl::StrAppend(&text, w, " ");
  return text;
}

class KeyedMinHashLshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_keyed_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    signer_options_.compute_simhash = false;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name = "pages.ndidx") const { return (fs::path(dir_) / name).string(); }
  MinHashSignature Sign(const std::string& text) { return Signer(signer_options_).Sign(text).minhash; }
  MinHashLshOptions LshOptions() const {
    return {.minhash = signer_options_.minhash, .banding = {9, 13}, .stored_bits = 8};
  }
  CrawlerIndexOptions CrawlerOptions() const {
    CrawlerIndexOptions o;
    o.signer = signer_options_;
    o.banding = {9, 13};
    o.stored_bits = 8;
    o.sync = SyncPolicy::kNever;
    return o;
  }
  KeyedMinHashLsh Made() {
    absl::StatusOr<KeyedMinHashLsh> index = KeyedMinHashLsh::Create(signer_options_, LshOptions());
    EXPECT_TRUE(index.ok()) << index.status();
    EXPECT_TRUE(index->Insert("https://a/", Sign(Article(1))).ok());
    EXPECT_TRUE(index->Insert("https://b/", Sign(Article(2))).ok());
    EXPECT_TRUE(index->Insert("https://c/", Sign(Article(3))).ok());
    return *std::move(index);
  }

  SignerOptions signer_options_;
  std::string dir_;
};

TEST_F(KeyedMinHashLshTest, InsertQueryRemoveByKey) {
  KeyedMinHashLsh index = Made();
  std::vector<std::string_view> keys;
  ASSERT_TRUE(index.Query(Sign(Article(2, 4)), &keys).ok());
  EXPECT_THAT(keys, ElementsAre("https://b/"));
  absl::StatusOr<std::vector<KeyedMatch>> top = index.QueryTopK(Sign(Article(2)), 2, 0.0);
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_EQ(top->size(), 1u);
  EXPECT_EQ((*top)[0].key, "https://b/");
  EXPECT_EQ((*top)[0].jaccard, 1.0);

  EXPECT_EQ(Msg(index.Insert("https://b/", Sign(Article(9)))), "key \"https://b/\" is already indexed");
  EXPECT_EQ(Msg(index.Insert("", Sign(Article(9)))), "document ids must not be empty");
  EXPECT_EQ(Msg(index.Insert("empty", Sign(""))),
            "key \"empty\" has an empty MinHash signature (no shingles); empty documents are not indexed");
  ASSERT_TRUE(index.Remove("https://b/").ok());
  EXPECT_EQ(Msg(index.Remove("https://b/")), "key \"https://b/\" is not indexed");
  EXPECT_FALSE(index.Contains("https://b/"));
  ASSERT_TRUE(index.Query(Sign(Article(2, 4)), &keys).ok());
  EXPECT_THAT(keys, IsEmpty());
  // The freed handle is reused under the new key.
  ASSERT_TRUE(index.Insert("https://d/", Sign(Article(2))).ok());
  ASSERT_TRUE(index.Query(Sign(Article(2, 4)), &keys).ok());
  EXPECT_THAT(keys, ElementsAre("https://d/"));
  EXPECT_EQ(index.size(), 3u);
}

TEST_F(KeyedMinHashLshTest, OptionsAreValidated) {
  MinHashLshOptions o = LshOptions();
  o.stored_bits = 0;
  EXPECT_FALSE(KeyedMinHashLsh::Create(signer_options_, o).ok());
  o = LshOptions();
  o.minhash.seed = 99;
  EXPECT_EQ(Msg(KeyedMinHashLsh::Create(signer_options_, o).status()),
            "the index's MinHash parameters differ from the signer's");
}

// Saved, it is a crawler index: CrawlerIndex opens it, and loads what a crawler saved.
TEST_F(KeyedMinHashLshTest, SavesAndLoadsCrawlerSnapshots) {
  KeyedMinHashLsh index = Made();
  ASSERT_TRUE(index.Remove("https://c/").ok());
  ASSERT_TRUE(index.Save(Path()).ok());
  {
    absl::StatusOr<std::unique_ptr<CrawlerIndex>> crawler = CrawlerIndex::Open(Path(), CrawlerOptions());
    ASSERT_TRUE(crawler.ok()) << crawler.status();
    EXPECT_EQ((*crawler)->size(), 2u);
    absl::StatusOr<std::vector<CrawlerMatch>> m = (*crawler)->Query(Article(1, 3));
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 1u);
    EXPECT_EQ((*m)[0].id, "https://a/");
    // Saving over an index a crawler has open is refused.
    EXPECT_EQ(Msg(index.Save(Path())),
              absl::StrCat(Path(), ": a crawler index is open there (", Path(), ".lock is locked)"));
    ASSERT_TRUE((*crawler)->Insert("https://e/", Article(5)).ok());
    ASSERT_TRUE((*crawler)->Remove("https://a/").ok());
    // Changes still in the log: a load would miss them.
    EXPECT_EQ(Msg(KeyedMinHashLsh::Load(Path()).status()).rfind(absl::StrCat(Path(), ": its log ", Path(), ".log holds "), 0),
              0u);
    EXPECT_EQ(KeyedMinHashLsh::Load(Path()).status().code(), absl::StatusCode::kFailedPrecondition);
    ASSERT_TRUE((*crawler)->Checkpoint().ok());
  }
  absl::StatusOr<KeyedMinHashLsh> back = KeyedMinHashLsh::Load(Path());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size(), 2u);
  EXPECT_TRUE(back->Contains("https://b/") && back->Contains("https://e/") && !back->Contains("https://a/"));
  EXPECT_EQ(back->signer().shingle.n, signer_options_.shingle.n);
  EXPECT_EQ(back->options().banding.bands, 9u);
  std::vector<std::string_view> keys;
  ASSERT_TRUE(back->Query(Sign(Article(5, 4)), &keys).ok());
  EXPECT_THAT(keys, ElementsAre("https://e/"));
  // Saving again gives the same snapshot bytes a load read.
  ASSERT_TRUE(back->Save(Path("again.ndidx")).ok());
  absl::StatusOr<KeyedMinHashLsh> again = KeyedMinHashLsh::Load(Path("again.ndidx"));
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(again->Query(Sign(Article(2, 4)), &keys).ok());
  EXPECT_THAT(keys, UnorderedElementsAre("https://b/"));
}

TEST_F(KeyedMinHashLshTest, LoadRefusesOtherFiles) {
  EXPECT_EQ(KeyedMinHashLsh::Load(Path("missing")).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<MinHashLsh<uint32_t>> plain = MinHashLsh<uint32_t>::Create(LshOptions());
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(SaveMinHashLsh(*plain, signer_options_, Path("plain.ndidx")).ok());
  EXPECT_EQ(Msg(KeyedMinHashLsh::Load(Path("plain.ndidx")).status()),
            absl::StrCat(Path("plain.ndidx"), " is a MinHash LSH index file, not a crawler index snapshot (no keys)"));
}

}  // namespace
}  // namespace neardup
