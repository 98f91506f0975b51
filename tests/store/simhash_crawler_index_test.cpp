#include "neardup/store/simhash_crawler_index.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/internal/mix.hpp"
#include "neardup/io/format.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string Article(uint64_t seed, int words = 400) {
  internal::SplitMix64 rng(seed);
  std::string text;
  for (int i = 0; i < words; ++i) absl::StrAppend(&text, "w", rng.Next() % 5000, i % 17 == 16 ? ".\n" : " ");
  return text;
}

// fp with `bits` distinct random bits flipped.
uint64_t Flip(uint64_t fp, int bits, internal::SplitMix64& rng) {
  uint64_t mask = 0;
  while (std::popcount(mask) < bits) mask |= uint64_t{1} << (rng.Next() % 64);
  return fp ^ mask;
}

class SimHashCrawlerIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_simcrawler_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name = "pages.ndsci") const { return (fs::path(dir_) / name).string(); }

  static SimHashCrawlerIndexOptions Options(SyncPolicy sync = SyncPolicy::kNever) {
    SimHashCrawlerIndexOptions o;
    o.sync = sync;
    return o;
  }
  std::unique_ptr<SimHashCrawlerIndex> OpenOk(const SimHashCrawlerIndexOptions& o = Options(),
                                              const std::string& name = "pages.ndsci") {
    absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = SimHashCrawlerIndex::Open(Path(name), o);
    EXPECT_TRUE(index.ok()) << index.status();
    return index.ok() ? *std::move(index) : nullptr;
  }

  std::string dir_;
};

TEST_F(SimHashCrawlerIndexTest, QueryOrInsertReturnsNearCopiesWithTheirDistance) {
  auto index = OpenOk();
  ASSERT_TRUE(index->InsertFingerprint("a", 0xF0F0F0F0F0F0F0F0u).ok());
  ASSERT_TRUE(index->InsertFingerprint("b", 0xF0F0F0F0F0F0F0F0u ^ 0x7).ok());    // distance 3 from a
  ASSERT_TRUE(index->InsertFingerprint("far", 0xF0F0F0F0F0F0F0F0u ^ 0xF).ok());  // distance 4
  absl::StatusOr<SimHashQueryOrInsertResult> r = index->QueryOrInsert("new", 0xF0F0F0F0F0F0F0F0u ^ 0x1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->inserted);
  EXPECT_THAT(r->duplicates, ElementsAre(SimHashCrawlerMatch{"a", 1}, SimHashCrawlerMatch{"b", 2},
                                         SimHashCrawlerMatch{"far", 3}));
  EXPECT_FALSE(index->Contains("new"));
  r = index->QueryOrInsert("new", 0x0123456789ABCDEFu);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->inserted);
  EXPECT_THAT(r->duplicates, IsEmpty());
  r = index->QueryOrInsert("new", 0x0123456789ABCDEFu);
  EXPECT_TRUE(r->already_present);
  EXPECT_FALSE(r->inserted);
  EXPECT_THAT(r->duplicates, ElementsAre(SimHashCrawlerMatch{"new", 0}));
  EXPECT_EQ(index->InsertFingerprint("a", 1).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(index->Remove("missing").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(index->InsertFingerprint("", 1).code(), absl::StatusCode::kInvalidArgument);

  // Texts: a copy with a few words changed keeps most SimHash bits.
  const std::string text = Article(7);
  ASSERT_TRUE(index->Insert("page", text).ok());
  absl::StatusOr<std::vector<SimHashCrawlerMatch>> same = index->Query(text);
  ASSERT_TRUE(same.ok());
  EXPECT_THAT(*same, ElementsAre(SimHashCrawlerMatch{"page", 0}));
  EXPECT_EQ(index->Insert("empty", " ").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SimHashCrawlerIndexTest, DistancesMatchBruteForce) {
  auto index = OpenOk();
  internal::SplitMix64 rng(42);
  std::vector<uint64_t> fps;
  for (int i = 0; i < 3000; ++i) {
    // Clusters of near-copies at every distance up to 5 among random fingerprints.
    fps.push_back(i % 10 == 0 || fps.empty() ? rng.Next() : Flip(fps[fps.size() - 1 - rng.Next() % std::min<size_t>(fps.size(), 5)], static_cast<int>(rng.Next() % 6), rng));
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < fps.size(); ++i) {
    ids.push_back(absl::StrCat("id", i));
    ASSERT_TRUE(index->InsertFingerprint(ids.back(), fps[i]).ok());
  }
  // Remove some: the tables must forget them.
  for (size_t i = 0; i < fps.size(); i += 7) ASSERT_TRUE(index->Remove(ids[i]).ok());
  for (int q = 0; q < 2000; ++q) {
    const uint64_t query = q % 2 ? rng.Next() : Flip(fps[rng.Next() % fps.size()], static_cast<int>(rng.Next() % 5), rng);
    std::vector<SimHashCrawlerMatch> want;
    for (size_t i = 0; i < fps.size(); ++i) {
      const int d = std::popcount(fps[i] ^ query);
      if (i % 7 != 0 && d <= 3) want.push_back({ids[i], d});
    }
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
      return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
    });
    if (want.size() > 64) want.resize(64);
    ASSERT_EQ(index->Query(query), want) << q;
  }
}

TEST_F(SimHashCrawlerIndexTest, RoundTripThroughLogReplayAndCheckpoint) {
  internal::SplitMix64 rng(5);
  std::vector<uint64_t> fps;
  for (int i = 0; i < 500; ++i) fps.push_back(rng.Next());
  auto answers = [&](SimHashCrawlerIndex& index) {
    std::vector<std::vector<SimHashCrawlerMatch>> out;
    for (const uint64_t fp : fps) out.push_back(index.Query(fp ^ 3));
    return out;
  };
  std::vector<std::vector<SimHashCrawlerMatch>> before;
  {
    auto index = OpenOk();
    EXPECT_TRUE(index->recovery().created);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(index->InsertFingerprint(absl::StrCat("u", i), fps[i]).ok());
    for (int i = 0; i < 300; i += 3) ASSERT_TRUE(index->Remove(absl::StrCat("u", i)).ok());
    before = answers(*index);
  }
  {
    auto index = OpenOk();  // log replay only
    EXPECT_FALSE(index->recovery().created);
    EXPECT_EQ(index->recovery().log_records_replayed, 400u);
    EXPECT_EQ(index->size(), 200u);
    EXPECT_EQ(answers(*index), before);
    ASSERT_TRUE(index->Checkpoint().ok());
    EXPECT_EQ(index->Stats().log_records, 0u);
    for (int i = 300; i < 500; ++i) ASSERT_TRUE(index->InsertFingerprint(absl::StrCat("u", i), fps[i]).ok());
    ASSERT_TRUE(index->Remove("u1").ok());
    before = answers(*index);
  }
  auto index = OpenOk();  // snapshot + log
  EXPECT_EQ(index->recovery().snapshot_documents, 200u);
  EXPECT_EQ(index->recovery().log_records_replayed, 201u);
  EXPECT_EQ(index->size(), 399u);
  EXPECT_EQ(answers(*index), before);
  EXPECT_FALSE(index->Contains("u1"));
  EXPECT_TRUE(index->Contains("u499"));
  // A checkpoint of the reopened index, reopened again: the same.
  ASSERT_TRUE(index->Checkpoint().ok());
  index.reset();
  index = OpenOk();
  EXPECT_EQ(index->recovery().log_records_replayed, 0u);
  EXPECT_EQ(answers(*index), before);
}

TEST_F(SimHashCrawlerIndexTest, TornLogTailIsCutOffAndReported) {
  {
    auto index = OpenOk();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(index->InsertFingerprint(absl::StrCat("t", i), 1000 + i * 0x10001).ok());
  }
  const std::string log = Slurp(Path() + ".log");
  const size_t record = 16 + 4 + 2 + 8 + 8;  // header, id length, id, fingerprint, checksum
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
    index.reset();
    EXPECT_EQ(fs::file_size(Path() + ".log"), 64 + 9 * record);  // cut at the last good record
  }
  std::string bad = log;
  bad[64 + 3 * record + 22] ^= 1;  // a fingerprint byte
  Spit(Path() + ".log", bad);
  {
    auto index = OpenOk();
    EXPECT_EQ(index->size(), 3u);
    EXPECT_EQ(index->recovery().log_bytes_dropped, 7 * record);
    EXPECT_EQ(index->recovery().log_tail_problem,
              absl::StrCat("byte offset ", 64 + 3 * record, ": record checksum mismatch"));
    ASSERT_TRUE(index->InsertFingerprint("after", 77).ok());
  }
  auto index = OpenOk();
  EXPECT_EQ(index->size(), 4u);
  EXPECT_EQ(index->recovery().log_bytes_dropped, 0u);
  EXPECT_TRUE(index->Contains("after"));
}

TEST_F(SimHashCrawlerIndexTest, RefusesDamagedTruncatedAndMismatchedFiles) {
  {
    auto index = OpenOk();
    ASSERT_TRUE(index->InsertFingerprint("x", 12345).ok());
    ASSERT_TRUE(index->InsertFingerprint("yy", 67890).ok());
    ASSERT_TRUE(index->Checkpoint().ok());
  }
  const std::string snapshot = Slurp(Path());
  // handles 2: fingerprints section 32 + 16, ids section 32 + 8 + 3.
  ASSERT_EQ(snapshot.size(), 128u + 48 + 43);
  // Other options: named, expected and found.
  SimHashCrawlerIndexOptions other = Options();
  other.max_distance = 4;
  other.signer.simhash_seed = 9;
  absl::Status s = SimHashCrawlerIndex::Open(Path(), other).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s), absl::StrCat(Path(),
                                 ": the index was built with other parameters than expected: simhash seed expected 9, "
                                 "found 0; max_distance expected 4, found 3"));
  // A damaged fingerprint.
  std::string bad = snapshot;
  bad[128 + 32 + 3] ^= 4;
  Spit(Path(), bad);
  s = SimHashCrawlerIndex::Open(Path(), Options()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(s), StartsWith(absl::StrCat(Path(), ": SimHash fingerprints section at byte offset 152: checksum "
                                              "mismatch over bytes [128, 176): stored 0x")));
  // A damaged id.
  bad = snapshot;
  bad[snapshot.size() - 1] ^= 1;
  Spit(Path(), bad);
  EXPECT_THAT(Msg(SimHashCrawlerIndex::Open(Path(), Options()).status()),
              StartsWith(absl::StrCat(Path(), ": crawler ids section at byte offset 200: checksum mismatch over bytes "
                                              "[176, 219)")));
  // A damaged header.
  bad = snapshot;
  bad[70] ^= 1;
  Spit(Path(), bad);
  EXPECT_THAT(Msg(SimHashCrawlerIndex::Open(Path(), Options()).status()),
              StartsWith(absl::StrCat(Path(), ": header at byte offset 120: header checksum mismatch over bytes [0, 120)")));
  // Truncated, in the header and after it.
  Spit(Path(), snapshot.substr(0, 100));
  EXPECT_EQ(Msg(SimHashCrawlerIndex::Open(Path(), Options()).status()),
            absl::StrCat(Path(), ": header at byte offset 100: truncated: the file ends after 100 bytes, before the end "
                                 "of the header (the header is 128 bytes)"));
  Spit(Path(), snapshot.substr(0, 200));
  s = SimHashCrawlerIndex::Open(Path(), Options()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Msg(s), absl::StrCat(Path(), ": header at byte offset 88: the header says the file is 219 bytes, it is "
                                         "200 (truncated)"));
  // Not a neardup file; another kind of neardup file.
  Spit(Path(), std::string(300, 'x'));
  EXPECT_EQ(SimHashCrawlerIndex::Open(Path(), Options()).status().code(), absl::StatusCode::kInvalidArgument);
  Spit(Path(), snapshot);
  const std::string own_log = Slurp(Path() + ".log");
  {
    CrawlerIndexOptions minhash;
    minhash.sync = SyncPolicy::kNever;
    ASSERT_TRUE(CrawlerIndex::Open(Path("minhash.ndidx"), minhash).ok());
  }
  s = SimHashCrawlerIndex::Open(Path("minhash.ndidx"), Options()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s), absl::StrCat(Path("minhash.ndidx"),
                                 ": header at byte offset 8: object type is 3 (crawler index snapshot), expected 6 "
                                 "(SimHash crawler index snapshot)"));
  // A MinHash crawler log beside a SimHash snapshot.
  Spit(Path() + ".log", Slurp(Path("minhash.ndidx.log")));
  EXPECT_EQ(Msg(SimHashCrawlerIndex::Open(Path(), Options()).status()),
            absl::StrCat(Path(), ".log: log header at byte offset 8: object type is 5 (crawler log), expected 7 "
                                 "(SimHash crawler log)"));
  // A log from a SimHash index with other options.
  { auto o = OpenOk(other, "other.ndsci"); }
  Spit(Path() + ".log", Slurp(Path("other.ndsci.log")));
  EXPECT_EQ(Msg(SimHashCrawlerIndex::Open(Path(), Options()).status()),
            absl::StrCat(Path(), ".log: log header at byte offset 24: the log was written by an index with other "
                                 "options than its snapshot"));
  // The files name their kind.
  EXPECT_EQ(IdentifyFile(Path())->Name(), "SimHash crawler index snapshot, format version 1");
  EXPECT_EQ(IdentifyFile(Path("other.ndsci.log"))->Name(), "SimHash crawler log, format version 1");
  // Restored, it opens.
  Spit(Path() + ".log", own_log);
  auto index = OpenOk();
  EXPECT_EQ(index->size(), 2u);
}

TEST_F(SimHashCrawlerIndexTest, OnlyOneOpenerAtATimeAndOptionsValidated) {
  auto index = OpenOk();
  EXPECT_EQ(Msg(SimHashCrawlerIndex::Open(Path(), Options()).status()),
            absl::StrCat(Path(), ": the index is already open (", Path(), ".lock is locked)"));
  SimHashCrawlerIndexOptions bad = Options();
  bad.max_distance = 8;
  EXPECT_EQ(Msg(SimHashCrawlerIndex::Open(Path("b"), bad).status()), "max_distance must be in [0, 7], got 8");
  bad = Options();
  bad.num_blocks = 2;
  EXPECT_EQ(SimHashCrawlerIndex::Open(Path("b"), bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SimHashCrawlerIndexTest, DocumentLimitAndMerge) {
  SimHashCrawlerIndexOptions o = Options();
  o.max_documents = 3;
  auto index = OpenOk(o);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(index->InsertFingerprint(absl::StrCat("d", i), uint64_t{0xFF} << (8 * i)).ok());
  absl::Status s = index->InsertFingerprint("d3", ~uint64_t{0});
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(index->size(), 3u);
  EXPECT_EQ(index->QueryOrInsert("d3", ~uint64_t{0}).status().code(), absl::StatusCode::kResourceExhausted);
  index.reset();

  auto mine = OpenOk();
  auto theirs = OpenOk(Options(), "theirs.ndsci");
  ASSERT_TRUE(theirs->InsertFingerprint("d0", 5).ok());   // shared: kept as it was here
  ASSERT_TRUE(theirs->InsertFingerprint("e1", 77).ok());
  ASSERT_TRUE(theirs->InsertFingerprint("e2", 78).ok());
  absl::StatusOr<CrawlerMergeResult> r = mine->Merge(*theirs);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->inserted, 2u);
  EXPECT_EQ(r->already_present, 1u);
  EXPECT_THAT(mine->Query(76), ElementsAre(SimHashCrawlerMatch{"e1", 1}, SimHashCrawlerMatch{"e2", 1}));
  mine.reset();
  mine = OpenOk();  // the merge was logged
  EXPECT_EQ(mine->size(), 5u);
  EXPECT_THAT(mine->Query(0xFF), ElementsAre(SimHashCrawlerMatch{"d0", 0}));

  SimHashCrawlerIndexOptions far = Options();
  far.max_distance = 5;
  auto other = OpenOk(far, "far.ndsci");
  s = mine->Merge(*other).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(s), HasSubstr("max_distance expected 3, found 5"));
}

// The child inserts fingerprints and reports each acknowledged id on a pipe; the parent
// kills it with SIGKILL at a random moment and checks that the reopened index holds
// every acknowledged insert and, beyond them, at most the one in flight (a prefix).
TEST_F(SimHashCrawlerIndexTest, AcknowledgedInsertsSurviveKillNine) {
  internal::SplitMix64 rng(20240602);
  std::set<uint32_t> acknowledged;
  size_t in_flight = 0;
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
      // Every policy in turn; kEveryN with a small N, so its sync thread runs during
      // the inserts and the checkpoints.
      SimHashCrawlerIndexOptions o =
          Options(round % 3 == 0 ? SyncPolicy::kNever : round % 3 == 1 ? SyncPolicy::kEveryOp : SyncPolicy::kEveryN);
      o.sync_every = 3;
      absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = SimHashCrawlerIndex::Open(Path(), o);
      if (!index.ok()) ::_exit(2);
      internal::SplitMix64 child_rng(first);
      for (uint32_t i = first;; ++i) {
        if (!(*index)->InsertFingerprint(absl::StrCat("doc", i), child_rng.Next()).ok()) ::_exit(3);
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
    while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) {
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
    while (index->Contains(absl::StrCat("doc", next))) {
      ++in_flight;
      ++next;
    }
    EXPECT_LE(in_flight, static_cast<size_t>(round + 1));
    EXPECT_EQ(index->size(), acknowledged.size() + in_flight);  // a prefix: nothing after a gap
  }
}

// Threads race with near-copies of the same pages (each its own variant, all within
// distance 2 of one another): exactly one wins each group, the others see it.
TEST_F(SimHashCrawlerIndexTest, QueryOrInsertRaceHasOneWinnerPerGroup) {
  auto index = OpenOk(Options(SyncPolicy::kEveryN));
  constexpr int kThreads = 6, kGroups = 400;
  internal::SplitMix64 rng(77);
  std::vector<uint64_t> base(kGroups);
  for (uint64_t& b : base) b = rng.Next();
  std::vector<std::vector<int>> wins(kGroups, std::vector<int>(kThreads, 0));
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      for (int g = 0; g < kGroups; ++g) {
        const uint64_t fp = base[g] ^ (uint64_t{1} << (t * 7 % 64));
        absl::StatusOr<SimHashQueryOrInsertResult> r = index->QueryOrInsert(absl::StrCat("g", g, "-t", t), fp);
        if (!r.ok()) {
          failures.fetch_add(1);
          continue;
        }
        if (r->inserted) {
          wins[g][t] = 1;
          if (!r->duplicates.empty()) failures.fetch_add(1);
        } else if (r->duplicates.size() != 1 || r->duplicates[0].distance != 2) {
          failures.fetch_add(1);
        }
        (void)index->Query(fp);
      }
    });
  }
  for (std::thread& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int g = 0; g < kGroups; ++g) {
    int total = 0;
    for (const int w : wins[g]) total += w;
    ASSERT_EQ(total, 1) << g;
  }
  EXPECT_EQ(index->size(), static_cast<size_t>(kGroups));
}

}  // namespace
}  // namespace neardup
