#include "neardup/store/crawler_index.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/io/index_file.hpp"
#include "neardup/internal/mix.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// 400 words from a 5000-word vocabulary: two articles share almost no 5-grams.
std::string Article(uint64_t seed, int words = 400) {
  internal::SplitMix64 rng(seed);
  std::string text;
  for (int i = 0; i < words; ++i) absl::StrAppend(&text, "w", rng.Next() % 5000, i % 17 == 16 ? ".\n" : " ");
  return text;
}

// The article with `changes` words replaced: each kills 5 of its ~400 shingles, so 4
// changes leave Jaccard about 0.9.
std::string Edited(const std::string& text, int changes, uint64_t seed) {
  internal::SplitMix64 rng(seed);
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ' || text[i] == '\n') {
      if (i > start) words.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  for (int c = 0; c < changes; ++c) words[rng.Next() % words.size()] = absl::StrCat("edit", rng.Next() % 100000);
  std::string out;
  for (const std::string& w : words) absl::StrAppend(&out, w, " ");
  return out;
}

MinHashSignature RandomSignature(internal::SplitMix64& rng, const MinHashParams& p = {}) {
  MinHashSignature s{.params = p, .values = std::vector<uint32_t>(p.num_perm), .empty = false};
  for (uint32_t& v : s.values) v = static_cast<uint32_t>(rng.Next());
  return s;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Where each log record starts, and the end of the last one.
std::vector<size_t> RecordStarts(const std::string& log) {
  std::vector<size_t> starts;
  size_t at = 64;
  while (at + 16 <= log.size()) {
    starts.push_back(at);
    at += 16 + internal::LoadLe32(&log[at]) + 8;
  }
  starts.push_back(at);
  return starts;
}

class CrawlerIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_crawler_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name = "pages.ndidx") const { return (fs::path(dir_) / name).string(); }

  static CrawlerIndexOptions Options(SyncPolicy sync = SyncPolicy::kNever) {
    CrawlerIndexOptions o;
    o.sync = sync;
    return o;
  }
  std::unique_ptr<CrawlerIndex> OpenOk(const CrawlerIndexOptions& o = Options(),
                                       const std::string& name = "pages.ndidx") {
    absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = CrawlerIndex::Open(Path(name), o);
    EXPECT_TRUE(index.ok()) << index.status();
    return index.ok() ? *std::move(index) : nullptr;
  }

  std::string dir_;
};

TEST_F(CrawlerIndexTest, FindsNearCopiesAndDecidesAtomicallyWhatIsNew) {
  auto index = OpenOk();
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->recovery().created);
  const std::string a = Article(1), b = Article(2);
  ASSERT_TRUE(index->Insert("https://a.example/1", a).ok());
  ASSERT_TRUE(index->Insert("https://b.example/2", b).ok());
  EXPECT_EQ(index->Insert("https://a.example/1", b).code(), absl::StatusCode::kAlreadyExists);

  absl::StatusOr<std::vector<CrawlerMatch>> m = index->Query(Edited(a, 4, 9));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].id, "https://a.example/1");
  EXPECT_GE((*m)[0].similarity, 0.8);
  EXPECT_LT((*m)[0].similarity, 1.0);
  EXPECT_THAT(*index->Query(Article(3)), IsEmpty());
  EXPECT_THAT(*index->Query(a), ElementsAre(CrawlerMatch{"https://a.example/1", 1.0}));

  // A mirror of a: not inserted, a reported. A new page: inserted.
  absl::StatusOr<QueryOrInsertResult> r = index->QueryOrInsert("https://mirror.example/a", Edited(a, 2, 4));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->inserted);
  EXPECT_FALSE(r->already_present);
  ASSERT_EQ(r->duplicates.size(), 1u);
  EXPECT_EQ(r->duplicates[0].id, "https://a.example/1");
  EXPECT_FALSE(index->Contains("https://mirror.example/a"));
  r = index->QueryOrInsert("https://c.example/3", Article(3));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->inserted);
  EXPECT_THAT(r->duplicates, IsEmpty());
  // The same URL again: already there, its own copy reported.
  r = index->QueryOrInsert("https://c.example/3", Article(3));
  EXPECT_TRUE(r->already_present);
  EXPECT_FALSE(r->inserted);
  EXPECT_THAT(r->duplicates, ElementsAre(CrawlerMatch{"https://c.example/3", 1.0}));
  EXPECT_EQ(index->size(), 3u);

  // Bad input is refused by name.
  EXPECT_EQ(Msg(index->Insert("", a)), "document ids must not be empty");
  EXPECT_EQ(Msg(index->Insert("e", " \n ")),
            "document \"e\" has no shingles (empty after normalization); empty documents are not indexed");
  EXPECT_EQ(index->Insert(std::string(kCrawlerMaxIdBytes + 1, 'x'), a).code(), absl::StatusCode::kInvalidArgument);
  internal::SplitMix64 rng(1);
  EXPECT_EQ(index->InsertSignature("k", RandomSignature(rng, {.num_perm = 64})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Remove("nope").code(), absl::StatusCode::kNotFound);
}

TEST_F(CrawlerIndexTest, QueryBatchAnswersLikeSingleQueries) {
  auto index = OpenOk();
  ASSERT_NE(index, nullptr);
  Signer signer(CrawlerIndexOptions{}.signer);
  std::vector<MinHashSignature> queries;
  for (uint64_t i = 0; i < 40; ++i) {
    ASSERT_TRUE(index->Insert(absl::StrCat("https://site.example/", i), Article(i)).ok());
    DocumentSignature sig;
    signer.Sign(i % 2 == 0 ? Edited(Article(i), 3, i) : Article(1000 + i), &sig);
    queries.push_back(sig.minhash);
  }
  DocumentSignature empty;
  signer.Sign("", &empty);
  queries.push_back(empty.minhash);

  absl::StatusOr<std::vector<std::vector<CrawlerMatch>>> batch = index->QueryBatch(queries);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), queries.size());
  size_t found = 0;
  for (size_t j = 0; j < queries.size(); ++j) {
    EXPECT_EQ((*batch)[j], *index->Query(queries[j])) << j;
    found += (*batch)[j].size();
  }
  EXPECT_EQ(found, 20u);  // every edited copy, nothing else
  EXPECT_EQ((*batch)[2][0].id, "https://site.example/2");

  internal::SplitMix64 rng(3);
  queries[5] = RandomSignature(rng, {.num_perm = 64});
  EXPECT_EQ(Msg(index->QueryBatch(queries).status()),
            "signature 5 of the batch: MinHash parameters differ from the index's: expected oph k=128 seed=1, "
            "got oph k=64 seed=1");
}

TEST_F(CrawlerIndexTest, InsertDuplicatesOptionIndexesCopiesToo) {
  CrawlerIndexOptions o = Options();
  o.insert_duplicates = true;
  auto index = OpenOk(o);
  ASSERT_TRUE(index->Insert("a", Article(1)).ok());
  absl::StatusOr<QueryOrInsertResult> r = index->QueryOrInsert("a2", Article(1));
  EXPECT_TRUE(r->inserted);
  EXPECT_THAT(r->duplicates, ElementsAre(CrawlerMatch{"a", 1.0}));
  EXPECT_THAT(*index->Query(Article(1)), ElementsAre(CrawlerMatch{"a", 1.0}, CrawlerMatch{"a2", 1.0}));
}

TEST_F(CrawlerIndexTest, OptionsAreValidated) {
  CrawlerIndexOptions o = Options();
  o.stored_bits = 0;
  EXPECT_EQ(CrawlerIndex::Open(Path(), o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.banding = {20, 20};
  EXPECT_EQ(CrawlerIndex::Open(Path(), o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.threshold = 0;
  EXPECT_EQ(Msg(CrawlerIndex::Open(Path(), o).status()), "threshold must be in (0, 1], got 0");
  EXPECT_FALSE(fs::exists(Path()));
}

// InsertBatch gives each document Insert's answer, logs the batch as one run of
// records (replayed on reopen), and with stop_at_first_error inserts nothing after the
// first failure.
TEST_F(CrawlerIndexTest, InsertBatchAnswersLikeInsertAndIsReplayed) {
  std::vector<std::string> texts;
  for (int i = 0; i < 6; ++i) texts.push_back(Article(500 + i));
  {
    auto index = OpenOk(Options(SyncPolicy::kEveryOp));
    ASSERT_TRUE(index->Insert("a0", texts[0]).ok());
    const std::vector<CrawlerDocument> docs = {
        {"a1", texts[1]}, {"a0", texts[2]}, {"a2", "  ,  "}, {"", texts[3]}, {"a3", texts[3]}, {"a1", texts[4]}};
    absl::StatusOr<std::vector<absl::Status>> r = index->InsertBatch(docs);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->size(), docs.size());
    EXPECT_TRUE((*r)[0].ok());
    EXPECT_EQ((*r)[1].code(), absl::StatusCode::kAlreadyExists);
    EXPECT_EQ((*r)[2].code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ((*r)[3].code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE((*r)[4].ok());
    EXPECT_EQ((*r)[5].code(), absl::StatusCode::kAlreadyExists);  // inserted earlier in the batch
    EXPECT_EQ(index->size(), 3u);

    const std::vector<CrawlerDocument> strict = {{"a4", texts[4]}, {"a0", texts[5]}, {"a5", texts[5]}};
    r = index->InsertBatch(strict, /*stop_at_first_error=*/true);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE((*r)[0].ok());
    EXPECT_EQ((*r)[1].code(), absl::StatusCode::kAlreadyExists);
    EXPECT_EQ((*r)[2].code(), absl::StatusCode::kAborted);
    EXPECT_FALSE(index->Contains("a5"));
    EXPECT_TRUE(index->InsertBatch({}).ok());
  }
  auto index = OpenOk();
  EXPECT_EQ(index->recovery().log_records_replayed, 4u);
  EXPECT_EQ(index->size(), 4u);
  for (const char* id : {"a0", "a1", "a3", "a4"}) EXPECT_TRUE(index->Contains(id)) << id;
  EXPECT_THAT(*index->Query(texts[3]), ElementsAre(CrawlerMatch{"a3", 1.0}));
}

TEST_F(CrawlerIndexTest, ReopenReplaysTheLogWithoutCheckpoint) {
  std::vector<std::string> texts;
  {
    auto index = OpenOk();
    for (int i = 0; i < 50; ++i) {
      texts.push_back(Article(100 + i));
      ASSERT_TRUE(index->Insert(absl::StrCat("u", i), texts.back()).ok());
    }
    for (int i = 0; i < 50; i += 5) ASSERT_TRUE(index->Remove(absl::StrCat("u", i)).ok());
    ASSERT_TRUE(index->Insert("u0", texts[1]).ok());  // an id removed and reused
  }
  auto index = OpenOk();
  EXPECT_FALSE(index->recovery().created);
  EXPECT_EQ(index->recovery().snapshot_documents, 0u);
  EXPECT_EQ(index->recovery().log_records_replayed, 50u + 10u + 1u);
  EXPECT_EQ(index->recovery().log_bytes_dropped, 0u);
  EXPECT_EQ(index->size(), 41u);
  for (int i = 1; i < 50; ++i) {
    const std::string id = absl::StrCat("u", i);
    EXPECT_EQ(index->Contains(id), i % 5 != 0) << id;
  }
  EXPECT_THAT(*index->Query(texts[1]), ElementsAre(CrawlerMatch{"u0", 1.0}, CrawlerMatch{"u1", 1.0}));
  EXPECT_THAT(*index->Query(texts[5]), IsEmpty());
  EXPECT_EQ(index->Stats().log_records, 61u);
}

TEST_F(CrawlerIndexTest, CheckpointWritesASnapshotAndEmptiesTheLog) {
  std::vector<std::string> texts;
  {
    auto index = OpenOk();
    for (int i = 0; i < 30; ++i) {
      texts.push_back(Article(200 + i));
      ASSERT_TRUE(index->Insert(absl::StrCat("p", i), texts.back()).ok());
    }
    ASSERT_TRUE(index->Remove("p3").ok());
    ASSERT_TRUE(index->Checkpoint().ok());
    EXPECT_EQ(fs::file_size(Path() + ".log"), 64u);
    EXPECT_FALSE(fs::exists(Path() + ".tmp"));
    EXPECT_FALSE(fs::exists(Path() + ".log.tmp"));
    ASSERT_TRUE(index->Insert("late", Article(999)).ok());
    const CrawlerIndexStats s = index->Stats();
    EXPECT_EQ(s.documents, 30u);
    EXPECT_EQ(s.log_records, 1u);
    EXPECT_EQ(s.checkpoints, 1u);
    EXPECT_EQ(s.next_sequence, 33u);
  }
  auto index = OpenOk();
  EXPECT_EQ(index->recovery().snapshot_documents, 29u);
  EXPECT_EQ(index->recovery().log_records_replayed, 1u);
  EXPECT_EQ(index->size(), 30u);
  EXPECT_FALSE(index->Contains("p3"));
  EXPECT_THAT(*index->Query(texts[7]), ElementsAre(CrawlerMatch{"p7", 1.0}));
  EXPECT_THAT(*index->Query(Article(999)), ElementsAre(CrawlerMatch{"late", 1.0}));
  absl::StatusOr<IndexFileInfo> info = ReadIndexFileInfo(Path());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->object_type, kObjectTypeCrawlerIndex);
  EXPECT_EQ(info->documents, 29u);
}

// A crash between the new snapshot and the new log leaves the old log beside the new
// snapshot: its records are already in the snapshot and are skipped. The old log may
// even lack its last records (written to the snapshot while still in memory).
TEST_F(CrawlerIndexTest, CheckpointInterruptedBeforeTheLogIsReplacedLosesNothing) {
  std::string old_log;
  {
    auto index = OpenOk();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(index->Insert(absl::StrCat("d", i), Article(300 + i)).ok());
    ASSERT_TRUE(index->Remove("d4").ok());
    old_log = Slurp(Path() + ".log");
    ASSERT_TRUE(index->Checkpoint().ok());
  }
  const std::string snapshot = Slurp(Path());
  for (const size_t lost : {0, 1, 3}) {
    SCOPED_TRACE(lost);
    Spit(Path(), snapshot);
    const std::vector<size_t> starts = RecordStarts(old_log);
    ASSERT_EQ(starts.size(), 22u);
    Spit(Path() + ".log", old_log.substr(0, starts[21 - lost]));
    Spit(Path() + ".tmp", "half a snapshot");  // and a crash while writing the next one
    {
      auto index = OpenOk();
      EXPECT_EQ(index->recovery().log_records_skipped, 21u - lost);
      EXPECT_EQ(index->recovery().log_records_replayed, 0u);
      EXPECT_EQ(index->size(), 19u);
      EXPECT_EQ(fs::file_size(Path() + ".log"), 64u);  // started afresh at the snapshot
      ASSERT_TRUE(index->Insert("d4", Article(304)).ok());
    }
    auto index = OpenOk();
    EXPECT_EQ(index->recovery().log_records_skipped, 0u);
    EXPECT_EQ(index->recovery().log_records_replayed, 1u);
    EXPECT_EQ(index->recovery().log_bytes_dropped, 0u);
    EXPECT_EQ(index->size(), 20u);
    EXPECT_TRUE(index->Contains("d4"));
  }
}

TEST_F(CrawlerIndexTest, TornLogTailIsCutOffAndReported) {
  {
    auto index = OpenOk();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(index->Insert(absl::StrCat("t", i), Article(400 + i)).ok());
  }
  const std::string log = Slurp(Path() + ".log");
  const size_t record = (log.size() - 64) / 10;  // ids of one length: records of one size
  ASSERT_EQ(64 + 10 * record, log.size());
  for (const size_t cut : {size_t{1}, size_t{15}, size_t{16}, record / 2, record - 1}) {
    SCOPED_TRACE(cut);
    Spit(Path() + ".log", log.substr(0, log.size() - cut));
    auto index = OpenOk();
    EXPECT_EQ(index->size(), 9u);
    EXPECT_EQ(index->recovery().log_bytes_dropped, record - cut);
    EXPECT_THAT(index->recovery().log_tail_problem,
                StartsWith(absl::StrCat("byte offset ", 64 + 9 * record, ": incomplete record")));
    EXPECT_FALSE(index->Contains("t9"));
    EXPECT_EQ(fs::file_size(Path() + ".log"), 64 + 9 * record);  // cut at the last good record
  }
  // A damaged record in the middle ends the replay there; what follows is dropped.
  std::string bad = log;
  bad[64 + 3 * record + 40] ^= 1;
  Spit(Path() + ".log", bad);
  {
    auto index = OpenOk();
    EXPECT_EQ(index->size(), 3u);
    EXPECT_EQ(index->recovery().log_bytes_dropped, 7 * record);
    EXPECT_EQ(index->recovery().log_tail_problem,
              absl::StrCat("byte offset ", 64 + 3 * record, ": record checksum mismatch"));
    // Appends go after the last good record, and survive the next reopen.
    ASSERT_TRUE(index->Insert("after", Article(500)).ok());
  }
  auto index = OpenOk();
  EXPECT_EQ(index->size(), 4u);
  EXPECT_EQ(index->recovery().log_bytes_dropped, 0u);
  EXPECT_TRUE(index->Contains("after"));
}

TEST_F(CrawlerIndexTest, RefusesFilesThatDoNotBelongTogether) {
  {
    auto index = OpenOk();
    ASSERT_TRUE(index->Insert("x", Article(1)).ok());
  }
  // Other options: the snapshot names the differences.
  CrawlerIndexOptions other = Options();
  other.banding = {16, 8};
  other.stored_bits = 4;
  absl::Status s = CrawlerIndex::Open(Path(), other).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s), absl::StrCat(Path(),
                                 ": the index was built with other parameters than expected: banding "
                                 "expected 16 x 8, found 9 x 13; stored_bits expected 4, found 8"));
  // A log from an index with other options.
  { auto o = OpenOk(other, "other.ndidx"); }
  const std::string own_log = Slurp(Path() + ".log");
  Spit(Path() + ".log", Slurp(Path("other.ndidx.log")));
  EXPECT_EQ(Msg(CrawlerIndex::Open(Path(), Options()).status()),
            absl::StrCat(Path(),
                         ".log: log header at byte offset 24: the log was written by an index with other "
                         "options than its snapshot"));
  // A log whose records do not apply to the snapshot (here: replayed twice).
  std::string twice = own_log + own_log.substr(64);
  internal::StoreLe64(&twice[own_log.size() + 8], 2);
  const size_t len = own_log.size() - 64 - 8;
  internal::StoreLe64(&twice[own_log.size() + len], XXH3_64bits(&twice[own_log.size()], len));
  Spit(Path() + ".log", twice);
  s = CrawlerIndex::Open(Path(), Options()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(s), HasSubstr("record 2 at byte offset "));
  EXPECT_THAT(Msg(s), HasSubstr("is already in the index"));
  // A log without its snapshot.
  Spit(Path() + ".log", own_log);
  fs::remove(Path());
  EXPECT_EQ(CrawlerIndex::Open(Path(), Options()).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CrawlerIndexTest, OnlyOneOpenerAtATime) {
  auto index = OpenOk();
  absl::Status s = CrawlerIndex::Open(Path(), Options()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s), absl::StrCat(Path(), ": the index is already open (", Path(), ".lock is locked)"));
  index.reset();
  EXPECT_NE(OpenOk(), nullptr);
}

TEST_F(CrawlerIndexTest, RemovalFreesMemory) {
  auto index = OpenOk();
  internal::SplitMix64 rng(5);
  for (int i = 0; i < 4000; ++i) {
    ASSERT_TRUE(index->InsertSignature(absl::StrCat("https://example.com/page/", i), RandomSignature(rng)).ok());
  }
  const CrawlerIndexStats full = index->Stats();
  for (int i = 0; i < 3900; ++i) ASSERT_TRUE(index->Remove(absl::StrCat("https://example.com/page/", i)).ok());
  const CrawlerIndexStats after = index->Stats();
  EXPECT_EQ(after.documents, 100u);
  EXPECT_EQ(after.free_handles, 3900u);
  EXPECT_LT(after.lsh.table_bytes * 10, full.lsh.table_bytes);
  EXPECT_LT(after.lsh.stored_bytes * 3, full.lsh.stored_bytes);
  // Id bytes are compacted and the hash set shrinks; 12 bytes per handle stay (handle
  // table and free list), as handles are reused rather than renumbered.
  EXPECT_EQ(after.id_bytes, 100u * 29);  // "https://example.com/page/3900" and on
  EXPECT_LT(after.id_memory_bytes * 10, full.id_memory_bytes * 6);
  EXPECT_LT(after.MemoryBytes() * 3, full.MemoryBytes());
  // Freed handles are reused: the handle table does not grow.
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(index->InsertSignature(absl::StrCat("n", i), RandomSignature(rng)).ok());
  EXPECT_EQ(index->Stats().free_handles, 900u);
  // A checkpoint drops the removals from disk too.
  ASSERT_TRUE(index->Checkpoint().ok());
  EXPECT_EQ(index->Stats().log_bytes, 64u);
}

TEST_F(CrawlerIndexTest, DocumentLimitRefusesInsertsBeyondIt) {
  CrawlerIndexOptions o = Options();
  o.max_documents = 3;
  auto index = OpenOk(o);
  internal::SplitMix64 rng(8);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(index->InsertSignature(absl::StrCat("p", i), RandomSignature(rng)).ok());
  const std::string limit =
      "the index holds its limit of 3 documents (CrawlerIndexOptions::max_documents); remove documents or open it "
      "with a higher limit";
  absl::Status s = index->InsertSignature("p3", RandomSignature(rng));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Msg(s), limit);
  EXPECT_EQ(Msg(index->QueryOrInsert("p3", Article(3)).status()), limit);
  EXPECT_FALSE(index->Contains("p3"));
  // Queries, removals and near-copies that are not inserted go on.
  EXPECT_TRUE(index->Query(Article(3)).ok());
  ASSERT_TRUE(index->Remove("p0").ok());
  ASSERT_TRUE(index->Insert("p3", Article(3)).ok());
  absl::StatusOr<QueryOrInsertResult> copy = index->QueryOrInsert("p4", Article(3));
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_FALSE(copy->inserted);
  EXPECT_EQ(index->size(), 3u);

  // Merge stops at the limit; what it inserted stays, and the log replays past a lower
  // limit (those inserts were acknowledged).
  auto other = OpenOk(Options(), "other.ndidx");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(other->InsertSignature(absl::StrCat("o", i), RandomSignature(rng)).ok());
  ASSERT_TRUE(index->Remove("p1").ok());
  ASSERT_TRUE(index->Remove("p2").ok());
  EXPECT_EQ(Msg(index->Merge(*other).status()), "merge stopped after inserting 2 of 4 documents: " + limit);
  EXPECT_EQ(index->size(), 3u);
  index.reset();
  o.max_documents = 1;
  index = OpenOk(o);
  EXPECT_EQ(index->size(), 3u);
  EXPECT_EQ(index->InsertSignature("x", RandomSignature(rng)).code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(CrawlerIndexTest, MergeAddsTheOtherIndexsDocuments) {
  auto a = OpenOk(Options(), "a.ndidx");
  auto b = OpenOk(Options(), "b.ndidx");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a->Insert(absl::StrCat("a", i), Article(600 + i)).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b->Insert(absl::StrCat("b", i), Article(700 + i)).ok());
  ASSERT_TRUE(b->Insert("a3", Article(603)).ok());
  absl::StatusOr<CrawlerMergeResult> r = a->Merge(*b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->inserted, 10u);
  EXPECT_EQ(r->already_present, 1u);
  EXPECT_EQ(a->size(), 20u);
  EXPECT_THAT(*a->Query(Article(705)), ElementsAre(CrawlerMatch{"b5", 1.0}));
  EXPECT_EQ(a->Merge(*a).status().code(), absl::StatusCode::kInvalidArgument);
  CrawlerIndexOptions other = Options();
  other.signer.shingle.n = 4;
  auto c = OpenOk(other, "c.ndidx");
  EXPECT_EQ(a->Merge(*c).status().code(), absl::StatusCode::kFailedPrecondition);
  a.reset();
  a = OpenOk(Options(), "a.ndidx");  // the merge was logged
  EXPECT_EQ(a->size(), 20u);
  EXPECT_THAT(*a->Query(Article(705)), ElementsAre(CrawlerMatch{"b5", 1.0}));
}

// The child inserts documents and reports each acknowledged id on a pipe; the parent
// kills it with SIGKILL at a random moment, reopens the index and checks that every
// acknowledged insert is there. The child also checkpoints now and then, so some kills
// land inside a checkpoint.
TEST_F(CrawlerIndexTest, AcknowledgedInsertsSurviveKillNine) {
  internal::SplitMix64 rng(20240601);
  std::set<uint32_t> acknowledged;
  size_t in_flight = 0;  // inserts a kill interrupted after they were logged
  uint32_t next = 0;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(round);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const uint32_t first = next;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      // kEveryN with a small N in odd rounds, so its sync thread runs during the inserts
      // and the checkpoints.
      CrawlerIndexOptions o = Options(round % 2 ? SyncPolicy::kEveryN : SyncPolicy::kEveryOp);
      o.sync_every = 3;
      absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = CrawlerIndex::Open(Path(), o);
      if (!index.ok()) ::_exit(2);
      internal::SplitMix64 child_rng(first);
      for (uint32_t i = first;; ++i) {
        if (!(*index)->InsertSignature(absl::StrCat("doc", i), RandomSignature(child_rng)).ok()) ::_exit(3);
        if (::write(fds[1], &i, sizeof(i)) != sizeof(i)) ::_exit(4);
        if (i % 16 == 15 && !(*index)->Checkpoint().ok()) ::_exit(5);
      }
    }
    ::close(fds[1]);
    const uint64_t target = 5 + rng.Next() % 40;
    uint32_t id;
    for (uint64_t n = 0; n < target && ::read(fds[0], &id, sizeof(id)) == sizeof(id); ++n) {
      acknowledged.insert(id);
      next = std::max(next, id + 1);
    }
    ::usleep(static_cast<useconds_t>(rng.Next() % 3000));
    ::kill(pid, SIGKILL);
    while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) {  // acknowledged before the kill
      acknowledged.insert(id);
      next = std::max(next, id + 1);
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    auto index = OpenOk(Options(SyncPolicy::kEveryOp));
    ASSERT_NE(index, nullptr);
    for (const uint32_t a : acknowledged) ASSERT_TRUE(index->Contains(absl::StrCat("doc", a))) << a;
    // At most the one insert in flight at each kill is there without an acknowledgement.
    EXPECT_LE(index->size(), acknowledged.size() + in_flight + 1);
    // The next child starts after anything the killed one may have written.
    while (index->Contains(absl::StrCat("doc", next))) {
      ++in_flight;
      ++next;
    }
    EXPECT_EQ(index->size(), acknowledged.size() + in_flight);
  }
}

// Threads racing on copies, and a mix of changes and queries on private ids, checked
// against what each thread knows it did.
void Stress(CrawlerIndex& index, int threads, int ops_per_thread, int race_groups) {
  std::vector<MinHashSignature> pages;
  internal::SplitMix64 page_rng(99);
  for (int g = 0; g < race_groups; ++g) pages.push_back(RandomSignature(page_rng));
  std::vector<std::set<std::string>> present(threads);
  std::vector<std::vector<int>> won(threads);
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      internal::SplitMix64 rng(1000 + t);
      std::vector<std::pair<std::string, MinHashSignature>> mine;
      int group = 0;
      for (int op = 0; op < ops_per_thread; ++op) {
        const uint64_t kind = rng.Next() % 16;
        if (kind == 0 && group < race_groups) {
          // Every thread offers its copy of page `group` under its own URL, all in the
          // same order, so copies of one page meet.
          const int g = group++;
          absl::StatusOr<QueryOrInsertResult> r = index.QueryOrInsert(absl::StrCat("race", g, "/", t), pages[g]);
          if (!r.ok()) {
            ++failures;
          } else if (r->inserted) {
            won[t].push_back(g);
          } else if (r->duplicates.size() != 1 || r->duplicates[0].similarity != 1.0) {
            ++failures;
          }
        } else if (kind < 6) {
          std::string id = absl::StrCat("t", t, "/", op);
          MinHashSignature sig = RandomSignature(rng);
          if (!index.InsertSignature(id, sig).ok()) ++failures;
          present[t].insert(id);
          mine.emplace_back(std::move(id), std::move(sig));
        } else if (kind < 8) {
          std::string id = absl::StrCat("q", t, "/", op);
          MinHashSignature sig = RandomSignature(rng);
          absl::StatusOr<QueryOrInsertResult> r = index.QueryOrInsert(id, sig);
          if (!r.ok() || !r->inserted || !r->duplicates.empty()) ++failures;
          present[t].insert(id);
          mine.emplace_back(std::move(id), std::move(sig));
        } else if (kind < 10 && !mine.empty()) {
          const size_t i = rng.Next() % mine.size();
          if (!index.Remove(mine[i].first).ok()) ++failures;
          present[t].erase(mine[i].first);
          mine[i] = std::move(mine.back());
          mine.pop_back();
        } else if (!mine.empty()) {
          // My own documents are found, as they are, whatever the others do.
          const auto& [id, sig] = mine[rng.Next() % mine.size()];
          absl::StatusOr<std::vector<CrawlerMatch>> m = index.Query(sig);
          if (!m.ok() || m->size() != 1 || (*m)[0].id != id || (*m)[0].similarity != 1.0) ++failures;
        }
      }
    });
  }
  for (std::thread& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Each raced page was inserted by exactly one thread.
  std::vector<int> winners(race_groups, 0);
  size_t expected = 0;
  for (int t = 0; t < threads; ++t) {
    for (const int g : won[t]) ++winners[g];
    expected += present[t].size() + won[t].size();
    for (const std::string& id : present[t]) ASSERT_TRUE(index.Contains(id)) << id;
  }
  // (With about ops_per_thread / 16 offers per thread, every thread reaches every page.)
  for (int g = 0; g < race_groups; ++g) {
    EXPECT_EQ(winners[g], 1) << "page " << g;
    EXPECT_EQ(index.Query(pages[g])->size(), 1u) << "page " << g;
  }
  EXPECT_EQ(index.size(), expected);
}

TEST_F(CrawlerIndexTest, ConcurrentQueryOrInsertMatchesTheModel) {
  auto index = OpenOk();
  Stress(*index, 8, 25000, 400);
  const size_t size = index->size();
  // The log replays to the same state.
  ASSERT_TRUE(index->Insert("last", Article(5)).ok());
  index.reset();
  index = OpenOk();
  EXPECT_EQ(index->size(), size + 1);
}

TEST_F(CrawlerIndexTest, ConcurrentStressOneMillionOps) {
  if (const char* e = std::getenv("NEARDUP_STRESS"); e == nullptr || std::string(e) != "1") {
    GTEST_SKIP() << "set NEARDUP_STRESS=1 to run the 1M-operation stress test";
  }
  auto index = OpenOk(Options(SyncPolicy::kEveryN));
  Stress(*index, 8, 125000, 2000);
}

// Six threads query back to back while one inserts. With a reader-preferring lock
// (glibc's std::shared_mutex) an insert never got the exclusive lock; with the
// writer-preferring one they all go through. The readers give up at a deadline, so a
// starved run fails instead of hanging.
TEST_F(CrawlerIndexTest, ChangesAreNotStarvedByAFloodOfQueries) {
  auto index = OpenOk();
  internal::SplitMix64 rng(12);
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(index->InsertSignature(absl::StrCat("d", i), RandomSignature(rng)).ok());
  std::vector<MinHashSignature> queries;
  for (int i = 0; i < 64; ++i) queries.push_back(RandomSignature(rng));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::atomic<bool> inserts_done{false};
  std::atomic<bool> deadline_passed{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 6; ++t) {
    readers.emplace_back([&, t] {
      for (size_t i = t; !inserts_done.load(std::memory_order_relaxed); ++i) {
        if (std::chrono::steady_clock::now() > deadline) {
          deadline_passed.store(true);
          return;
        }
        (void)index->Query(queries[i % queries.size()]);
      }
    });
  }
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(index->InsertSignature(absl::StrCat("n", i), RandomSignature(rng)).ok());
  }
  inserts_done.store(true);
  for (std::thread& th : readers) th.join();
  EXPECT_FALSE(deadline_passed.load()) << "500 inserts did not get through the queries within 60 s";
  EXPECT_EQ(index->size(), 2500u);
}

TEST_F(CrawlerIndexTest, CheckpointsWhileOthersChangeTheIndex) {
  auto index = OpenOk();
  std::atomic<bool> done{false};
  int checkpoints = 0;
  // A pause between checkpoints, as a crawler would take: std::mutex is not fair, and a
  // thread checkpointing in a tight loop can take the change lock back before the
  // waiting changes wake (under TSan that made this test take minutes).
  std::thread checkpointer([&] {
    while (!done.load()) {
      ASSERT_TRUE(index->Checkpoint().ok());
      ++checkpoints;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  Stress(*index, 4, 3000, 50);
  done.store(true);
  checkpointer.join();
  EXPECT_GE(checkpoints, 2);
  const size_t size = index->size();
  index.reset();
  index = OpenOk();
  EXPECT_EQ(index->size(), size);
}

}  // namespace
}  // namespace neardup
