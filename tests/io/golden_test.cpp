// The golden files of tests/golden (format version 1, written by the code before the
// format layer was unified): today's readers must return exactly their contents, and
// writing the same content again must give the same bytes wherever a format is still
// written as version 1. A new format version cannot silently drop old readers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <xxhash.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "neardup/io/format.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/io/signature_file.hpp"
#include "neardup/io/simhash_index_file.hpp"
#include "neardup/store/crawler_index.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;

const std::string kGolden = std::string(NEARDUP_SOURCE_DIR) + "/tests/golden/";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Doc {
  std::string id, text;
};

// The texts of tests/golden/docs.jsonl, as make_golden_v1.cpp.txt signed them.
std::vector<Doc> Docs() {
  return {
      {"g-1", "The lighthouse keeper counted forty-two ships passing the northern cape during the autumn storm, and "
              "wrote each name in the logbook by lamplight."},
      {"g-2", "The lighthouse keeper counted forty-two ships passing the northern cape during the autumn storm, and "
              "wrote every name in the logbook by lamplight."},
      {"g-3", "A bakery on Orchard Lane sells rye loaves shaped like sleeping cats; the owner says the recipe came "
              "from her grandmother's notebook."},
      {"g-4", "Volunteers planted three hundred oak saplings along the river path on Saturday, despite a cold "
              "drizzle that lasted all morning."},
      {"g-5", "Volunteers planted three hundred oak saplings along the river path on Saturday, despite the cold "
              "drizzle that lasted the whole morning."},
      {"g-6", "..."},
  };
}

SignerOptions Options() {
  SignerOptions o;
  o.shingle.n = 3;
  o.shingle.seed = 7;
  o.minhash.num_perm = 16;
  o.minhash.seed = 11;
  o.simhash_seed = 13;
  return o;
}

MinHashLshOptions LshOptions() { return {.minhash = Options().minhash, .banding = {4, 4}, .stored_bits = 8}; }

CrawlerIndexOptions CrawlerOptions() {
  CrawlerIndexOptions c;
  c.signer = Options();
  c.banding = {4, 4};
  c.stored_bits = 8;
  c.sync = SyncPolicy::kNever;
  return c;
}

class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_golden_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string dir_;
};

TEST_F(GoldenTest, SignatureFileV1ReadsWithExactContents) {
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(kGolden + "signatures_v1.ndsig");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->info.format_version, 1u);
  const SignerOptions& o = set->info.options;
  EXPECT_EQ(o.shingle, Options().shingle);
  EXPECT_EQ(o.minhash, Options().minhash);
  EXPECT_EQ(o.simhash_seed, 13u);
  EXPECT_TRUE(o.compute_minhash);
  EXPECT_TRUE(o.compute_simhash);
  EXPECT_EQ(set->ids, (std::vector<std::string>{"g-1", "g-2", "g-3", "g-4", "g-5", "g-6"}));
  EXPECT_EQ(set->num_tokens, (std::vector<uint32_t>{24, 24, 23, 20, 21, 0}));
  EXPECT_EQ(set->num_shingles, (std::vector<uint32_t>{22, 22, 21, 18, 19, 0}));
  EXPECT_EQ(set->simhashes, (std::vector<uint64_t>{0x41242d43c920505fULL, 0x41240503cf201209ULL,
                                                   0x528a5fa1ac02fa9cULL, 0x448e858824359320ULL,
                                                   0x6cdedc222e764566ULL, 0}));
  ASSERT_EQ(set->minhash_values.size(), 6u * 16);
  EXPECT_EQ(XXH3_64bits(set->minhash_values.data(), set->minhash_values.size() * 4), 0x04f8925b313e6035ULL);
  EXPECT_EQ(set->minhash(0)[0], 3750820599u);
  EXPECT_TRUE(set->empty(5));
  // Today's signer still computes the same signatures.
  Signer signer(Options());
  const std::vector<Doc> docs = Docs();
  for (size_t i = 0; i < docs.size(); ++i) {
    const DocumentSignature sig = signer.Sign(docs[i].text);
    EXPECT_EQ(sig.simhash, set->simhashes[i]) << i;
    EXPECT_EQ(sig.minhash.values, set->Signature(i).minhash.values) << i;
  }
}

TEST_F(GoldenTest, MinHashLshIndexV1ReadsAndRewritesByteForByte) {
  const std::string golden = Slurp(kGolden + "minhash_lsh_v1.ndidx");
  absl::StatusOr<MinHashLsh<uint32_t>> lsh =
      LoadMinHashLsh<uint32_t>(kGolden + "minhash_lsh_v1.ndidx", Options(), LshOptions());
  ASSERT_TRUE(lsh.ok()) << lsh.status();
  EXPECT_EQ(lsh->size(), 5u);
  Signer signer(Options());
  const std::vector<Doc> docs = Docs();
  const std::vector<std::vector<uint32_t>> expected = {{10, 20}, {10, 20}, {30}, {40}, {50}};
  for (size_t i = 0; i < expected.size(); ++i) {
    absl::StatusOr<std::vector<uint32_t>> q = lsh->Query(signer.Sign(docs[i].text).minhash);
    ASSERT_TRUE(q.ok());
    std::vector<uint32_t> got = *q;
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, expected[i]) << i;
  }
  absl::StatusOr<std::string> again = SerializeMinHashLsh(*lsh, Options());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == golden) << "re-serializing the loaded index changed its bytes";
  // Built afresh, the same way as the golden file.
  absl::StatusOr<MinHashLsh<uint32_t>> fresh = MinHashLsh<uint32_t>::Create(LshOptions());
  ASSERT_TRUE(fresh.ok());
  for (size_t i = 0; i + 1 < docs.size(); ++i) {
    ASSERT_TRUE(fresh->Insert(static_cast<uint32_t>(10 * (i + 1)), signer.Sign(docs[i].text).minhash).ok());
  }
  ASSERT_TRUE(SaveMinHashLsh(*fresh, Options(), Path("m.ndidx")).ok());
  EXPECT_TRUE(Slurp(Path("m.ndidx")) == golden);
}

TEST_F(GoldenTest, SimHashIndexV1ReadsAndRewritesByteForByte) {
  const std::string golden = Slurp(kGolden + "simhash_index_v1.ndsim");
  absl::StatusOr<SimHashIndex> idx = LoadSimHashIndex(kGolden + "simhash_index_v1.ndsim", Options(), {.max_distance = 3});
  ASSERT_TRUE(idx.ok()) << idx.status();
  EXPECT_EQ(std::vector<uint64_t>(idx->ids().begin(), idx->ids().end()),
            (std::vector<uint64_t>{100, 101, 102, 103, 104, 105}));
  EXPECT_EQ(std::vector<uint64_t>(idx->fingerprints().begin(), idx->fingerprints().end()),
            (std::vector<uint64_t>{0x41242d43c920505fULL, 0x41240503cf201209ULL, 0x528a5fa1ac02fa9cULL,
                                   0x448e858824359320ULL, 0x6cdedc222e764566ULL, 0}));
  absl::StatusOr<std::string> again = SerializeSimHashIndex(*idx, Options());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == golden);
  absl::StatusOr<FileKind> kind = IdentifyFile(kGolden + "simhash_index_v1.ndsim");
  ASSERT_TRUE(kind.ok()) << kind.status();
  EXPECT_EQ(kind->type, ObjectType::kSimHashIndex);
}

TEST_F(GoldenTest, CrawlerSnapshotAndV1LogOpenWithExactContents) {
  fs::copy_file(kGolden + "crawler_v1.ndidx", Path("c.ndidx"));
  fs::copy_file(kGolden + "crawler_v1.ndidx.log", Path("c.ndidx.log"));
  // The v1 log says type 4 like a SimHash index; its header layout tells them apart.
  absl::StatusOr<FileKind> kind = IdentifyFile(Path("c.ndidx.log"));
  ASSERT_TRUE(kind.ok()) << kind.status();
  EXPECT_EQ(kind->type, ObjectType::kCrawlerLog);
  EXPECT_EQ(kind->stored_type, 4u);
  EXPECT_EQ(kind->Name(), "crawler log, format version 1");
  absl::StatusOr<SimHashIndex> as_simhash = LoadSimHashIndex(Path("c.ndidx.log"), Options(), {.max_distance = 3});
  EXPECT_EQ(as_simhash.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(as_simhash.status().message()),
              ::testing::HasSubstr("header at byte offset 8: object type is 4 (crawler log, format version 1), "
                                   "expected 4 (SimHash index)"));
  {
    absl::StatusOr<std::unique_ptr<CrawlerIndex>> idx = CrawlerIndex::Open(Path("c.ndidx"), CrawlerOptions());
    ASSERT_TRUE(idx.ok()) << idx.status();
    const CrawlerRecovery& r = (*idx)->recovery();
    EXPECT_EQ(r.snapshot_documents, 3u);
    EXPECT_EQ(r.log_records_replayed, 3u);
    EXPECT_EQ(r.log_bytes_dropped, 0u);
    EXPECT_EQ((*idx)->size(), 4u);
    for (const char* id : {"g-1", "g-2", "g-4", "g-5"}) EXPECT_TRUE((*idx)->Contains(id)) << id;
    EXPECT_FALSE((*idx)->Contains("g-3"));
    absl::StatusOr<std::vector<CrawlerMatch>> m = (*idx)->Query(Docs()[0].text);
    ASSERT_TRUE(m.ok());
    ASSERT_FALSE(m->empty());
    EXPECT_EQ((*m)[0].id, "g-1");
    EXPECT_EQ((*m)[0].similarity, 1.0);
  }
  // The log was replayed, not rewritten.
  EXPECT_TRUE(Slurp(Path("c.ndidx.log")) == Slurp(kGolden + "crawler_v1.ndidx.log"));
}

TEST_F(GoldenTest, CrawlerSnapshotRewritesByteForByte) {
  // The same changes as make_golden_v1: the snapshot (still written as version 1) is
  // byte-identical; the log now carries object type 5 and differs only in its header.
  const std::vector<Doc> docs = Docs();
  {
    absl::StatusOr<std::unique_ptr<CrawlerIndex>> idx = CrawlerIndex::Open(Path("c.ndidx"), CrawlerOptions());
    ASSERT_TRUE(idx.ok()) << idx.status();
    for (int i : {0, 2, 3}) ASSERT_TRUE((*idx)->Insert(docs[i].id, docs[i].text).ok());
    ASSERT_TRUE((*idx)->Checkpoint().ok());
    ASSERT_TRUE((*idx)->Insert(docs[1].id, docs[1].text).ok());
    ASSERT_TRUE((*idx)->Remove(docs[2].id).ok());
    ASSERT_TRUE((*idx)->Insert(docs[4].id, docs[4].text).ok());
  }
  EXPECT_TRUE(Slurp(Path("c.ndidx")) == Slurp(kGolden + "crawler_v1.ndidx"));
  const std::string log = Slurp(Path("c.ndidx.log"));
  const std::string golden_log = Slurp(kGolden + "crawler_v1.ndidx.log");
  ASSERT_EQ(log.size(), golden_log.size());
  EXPECT_EQ(internal::LoadLe32(&log[8]), kObjectTypeCrawlerLog);
  EXPECT_EQ(internal::LoadLe32(&golden_log[8]), kObjectTypeCrawlerLogV1);
  EXPECT_EQ(log.substr(12, 44), golden_log.substr(12, 44));  // version, sequence, fingerprint
  EXPECT_TRUE(log.substr(64) == golden_log.substr(64)) << "log records changed";
}

}  // namespace
}  // namespace neardup
