// The dedup stages over partitions (dedup/distributed.hpp) give what the single-machine
// pipeline gives: duplicate ids and exact repeated passages across partitions, and a
// damaged exchange file is an error naming it.
#include "neardup/dedup/distributed.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

// A run too long for the memory budget, split into parts by ordinal range and its
// refinement into fingerprint buckets, gives exactly the candidates of the whole run
// (CandidatesOfRuns: LshRunExpander, as on one machine).
TEST_F(DistributedTest, LongRunSplitOverTasksGivesThePairsOfTheWholeRun) {
  // 8 families of 40 variants of one page (a word replaced per family, 0-1 more per
  // variant), then 80 copies of one variant (whole parts of copies: one fingerprint
  // record per group).
  std::mt19937 rng(5);
  const auto word = [&](const char* prefix) { return absl::StrCat(prefix, rng() % 1000000); };
  std::vector<std::string> base;
  for (int i = 0; i < 120; ++i) base.push_back(word("w"));
  const std::string input = Path("long.jsonl");
  {
    std::ofstream f(input, std::ios::binary);
    std::vector<std::string> texts;
    for (int family = 0; family < 8; ++family) {
      std::vector<std::string> fw = base;
      fw[rng() % fw.size()] = word("f");
      for (int v = 0; v < 40; ++v) {
        std::vector<std::string> words = fw;
        if (rng() % 2) words[rng() % words.size()] = word("s");
        texts.push_back(absl::StrJoin(words, " "));
      }
    }
    std::shuffle(texts.begin(), texts.end(), rng);
    texts.insert(texts.end(), 80, texts[3]);
    for (size_t d = 0; d < texts.size(); ++d) f << "{\"id\":\"v" << d << "\",\"text\":\"" << texts[d] << "\"}\n";
  }
  DedupOptions options;
  absl::StatusOr<PartitionSignStats> signed_ = SignPartitionToShard({input}, 0, {}, options, {}, Path("shard"));
  ASSERT_TRUE(signed_.ok()) << signed_.status();
  const ShardRef shard{Path("shard"), 0, static_cast<uint32_t>(signed_->documents)};
  const std::vector<std::string> keys = {Path("keys_r0"), Path("keys_r1")};
  ASSERT_TRUE(WriteShardBandKeys(shard, {}, options, keys).ok());
  constexpr uint64_t kBudget = 66'000;  // 64 members per part
  absl::StatusOr<uint64_t> max_members = MaxRunMembers(options, kBudget);
  ASSERT_TRUE(max_members.ok()) << max_members.status();
  std::vector<LongRun> long_runs;
  for (int r = 0; r < 2; ++r) {
    absl::StatusOr<KeyRangeRuns> runs = GatherKeyRangeRuns({&keys[r], 1}, Path(absl::StrCat("runs", r)),
                                                           Path(absl::StrCat("long", r, "_")), *max_members);
    ASSERT_TRUE(runs.ok()) << runs.status();
    long_runs.insert(long_runs.end(), runs->long_runs.begin(), runs->long_runs.end());
  }
  ASSERT_GE(long_runs.size(), 3u);
  std::vector<uint32_t> all(shard.count);
  std::iota(all.begin(), all.end(), 0u);
  absl::StatusOr<SignedCorpus> slice = LoadCorpusSlice({&shard, 1}, all, options);
  ASSERT_TRUE(slice.ok()) << slice.status();
  uint32_t most_parts = 0;
  for (const LongRun& run : long_runs) {
    std::vector<uint32_t> docs, bands;
    std::vector<uint64_t> starts;
    ASSERT_TRUE(ReadRuns(run.path, &docs, &starts, &bands).ok());
    absl::StatusOr<std::vector<CandidatePair>> whole =
        CandidatesOfRuns(docs, starts, bands, *slice, all, options, nullptr);
    ASSERT_TRUE(whole.ok()) << whole.status();
    EXPECT_GT(whole->size(), 2 * docs.size()) << "refinement adds pairs to the star and chain";
    absl::StatusOr<LongRunSplit> split = SplitLongRun(run.members, options, kBudget);
    ASSERT_TRUE(split.ok()) << split.status();
    most_parts = std::max(most_parts, split->parts);
    EXPECT_GE(split->buckets, 2u);
    const auto bucket_path = [&](uint32_t p, uint32_t b) { return Path(absl::StrCat("fp_", run.band, "_", p, "_", b)); };
    std::vector<CandidatePair> got;
    for (uint32_t p = 0; p < split->parts; ++p) {
      absl::StatusOr<std::vector<uint32_t>> need = LongRunPartDocs(run, *split, p);
      ASSERT_TRUE(need.ok()) << need.status();
      EXPECT_LE(need->size(), split->part_members + 2);
      std::vector<std::string> out;
      for (uint32_t b = 0; b < split->buckets; ++b) out.push_back(bucket_path(p, b));
      // The part's task has only its own documents' signatures.
      absl::StatusOr<SignedCorpus> part_slice = LoadCorpusSlice({&shard, 1}, *need, options);
      ASSERT_TRUE(part_slice.ok()) << part_slice.status();
      absl::StatusOr<std::vector<CandidatePair>> pairs =
          ExpandLongRunPart({&run, 1}, *split, p, *part_slice, *need, {&out, 1}, options, nullptr);
      ASSERT_TRUE(pairs.ok()) << pairs.status();
      got.insert(got.end(), pairs->begin(), pairs->end());
    }
    // The parts give the whole run's star and chain, each pair once.
    std::vector<uint64_t> star;
    LshBatchStats unused;
    const LshBatchOptions plain;
    LshRunExpander(plain, 128, &unused).StarAndChain(docs, &star);
    std::sort(star.begin(), star.end());
    std::vector<uint64_t> parts;
    for (const CandidatePair& p : got) parts.push_back(uint64_t{p.first} << 32 | p.second);
    std::sort(parts.begin(), parts.end());
    EXPECT_EQ(parts, star);
    for (uint32_t b = 0; b < split->buckets; ++b) {
      std::vector<std::string> in;
      for (uint32_t p = 0; p < split->parts; ++p) in.push_back(bucket_path(p, b));
      absl::StatusOr<std::vector<CandidatePair>> pairs = LongRunSubRunPairs(run, in, *split, options, nullptr);
      ASSERT_TRUE(pairs.ok()) << pairs.status();
      got.insert(got.end(), pairs->begin(), pairs->end());
    }
    std::sort(got.begin(), got.end());
    got.erase(std::unique(got.begin(), got.end()), got.end());
    EXPECT_EQ(got, *whole) << "band " << run.band << ", " << run.members << " members";
  }
  EXPECT_GE(most_parts, 3u);
}

// A component too large for one task's budget, clustered by passes over chunks of its
// members in keep order (ClusterLargeComponent), gives ClusterSlice's output.
class LargeComponentTest : public DistributedTest {
 protected:
  // Writes `texts` as two inputs (ids[d] for document d), signs them into two shards and
  // pulls every document's signature; slice_ and docs_ hold them all.
  void Sign(const std::vector<std::string>& texts, const std::vector<std::string>& ids) {
    options_.passages.reset();
    const size_t half = texts.size() / 2;
    shards_.clear();
    pulled_.clear();
    uint32_t first = 0;
    for (uint32_t p = 0; p < 2; ++p) {
      std::ofstream f(inputs_[p], std::ios::binary | std::ios::trunc);
      for (size_t d = p == 0 ? 0 : half; d < (p == 0 ? half : texts.size()); ++d) {
        f << "{\"id\":\"" << ids[d] << "\",\"text\":\"" << texts[d] << "\"}\n";
      }
    }
    for (uint32_t p = 0; p < 2; ++p) {
      absl::StatusOr<PartitionSignStats> st =
          SignPartitionToShard(inputs_, p, {}, options_, {}, Path(absl::StrCat("shard", p)));
      ASSERT_TRUE(st.ok()) << st.status();
      shards_.push_back({Path(absl::StrCat("shard", p)), first, static_cast<uint32_t>(st->documents)});
      first += static_cast<uint32_t>(st->documents);
    }
    ASSERT_EQ(first, texts.size());
    for (const ShardRef& shard : shards_) {
      std::vector<std::vector<uint32_t>> want(1);
      for (uint32_t d = shard.first_doc; d < shard.first_doc + shard.count; ++d) want[0].push_back(d);
      pulled_.push_back(Path(absl::StrCat("pulled", pulled_.size())));
      ASSERT_TRUE(WriteRequestedSignatures(shard, want, {&pulled_.back(), 1}).ok());
    }
    absl::StatusOr<SignedCorpus> slice = LoadRequestedSignatures(pulled_, shards_[0].path, options_, &docs_);
    ASSERT_TRUE(slice.ok()) << slice.status();
    slice_ = *std::move(slice);
  }
  std::vector<ScoredPair> Verify(const std::vector<CandidatePair>& candidates) {
    absl::StatusOr<std::vector<ScoredPair>> v =
        VerifyCandidatesInSlice(candidates, slice_, docs_, options_, {}, nullptr);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : std::vector<ScoredPair>{};
  }
  // Both ways, for every keep rule and policy; the passes of the large one.
  void ExpectSameAsClusterSlice(const std::vector<ScoredPair>& verified, uint64_t budget, size_t min_clusters) {
    options_.pairs = PairsMode::kVerified;
    for (const ClusterPolicy policy : {ClusterPolicy::kStar, ClusterPolicy::kConnected}) {
      for (const KeepRule keep : {KeepRule::kFirst, KeepRule::kLongest, KeepRule::kEarliestId}) {
        SCOPED_TRACE(absl::StrCat("keep ", KeepRuleName(keep), ", policy ", static_cast<int>(policy)));
        options_.policy = policy;
        options_.keep = keep;
        absl::StatusOr<SliceClusters> want = ClusterSlice(verified, slice_, docs_, options_, {});
        ASSERT_TRUE(want.ok()) << want.status();
        LargeComponentStats st;
        absl::StatusOr<SliceClusters> got =
            ClusterLargeComponent(verified, pulled_, shards_[0].path, options_, {}, budget, &st);
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(got->keep, want->keep);
        EXPECT_EQ(got->lines, want->lines);
        EXPECT_EQ(got->removed, want->removed);
        EXPECT_EQ(got->pairs, want->pairs);
        EXPECT_EQ(got->pair_lines, want->pair_lines);
        EXPECT_EQ(st.members, docs_.size());
        const uint64_t per_pass = budget / ClusterBytesPerDocument(options_);
        EXPECT_GE(st.chunks, docs_.size() / per_pass);
        EXPECT_EQ(st.passes == 0, docs_.size() <= per_pass);
        if (policy == ClusterPolicy::kStar) {
          EXPECT_GE(want->lines.size(), min_clusters);
          center_blocks_ = std::max(center_blocks_, st.passes - st.chunks);
        }
      }
    }
  }

  std::vector<ShardRef> shards_;
  std::vector<std::string> pulled_;
  std::vector<uint32_t> docs_;
  SignedCorpus slice_;
  uint64_t center_blocks_ = 0;
};

std::string Words(std::mt19937& rng, size_t n) {
  std::vector<std::string> w;
  for (size_t i = 0; i < n; ++i) w.push_back(absl::StrCat("w", rng() % 100000));
  return absl::StrJoin(w, " ");
}

// Ids in an order of their own, for the earliest-id rule.
std::vector<std::string> ShuffledIds(std::mt19937& rng, size_t n) {
  std::vector<std::string> ids;
  for (size_t d = 0; d < n; ++d) ids.push_back(absl::StrCat("id", 1000 + d));
  std::shuffle(ids.begin(), ids.end(), rng);
  return ids;
}

TEST_F(LargeComponentTest, CopiesGiveOneClusterAsClusterSliceDoes) {
  std::mt19937 rng(11);
  const std::string text = Words(rng, 60);
  const std::vector<std::string> texts(150, text);
  Sign(texts, ShuffledIds(rng, texts.size()));
  std::vector<CandidatePair> candidates;
  for (uint32_t d = 1; d < texts.size(); ++d) candidates.push_back({0, d});
  for (uint32_t d = 1; d + 1 < texts.size(); ++d) candidates.push_back({d, d + 1});
  const std::vector<ScoredPair> verified = Verify(candidates);
  ASSERT_EQ(verified.size(), candidates.size());
  ExpectSameAsClusterSlice(verified, 7 * ClusterBytesPerDocument(options_), 1);
}

TEST_F(LargeComponentTest, ChainsSplitByTheStarPolicyAsClusterSliceSplitsThem) {
  // Each document replaces a word of the one before (every third also adds a word, so
  // lengths differ): neighbours verify, documents a few steps apart do not, and the
  // star policy cuts the chain into many clusters (many centers: center blocks). Only
  // the chain's links are edges, so the star compares non-edges through signatures and
  // texts read again.
  std::mt19937 rng(12);
  std::vector<std::string> words;
  for (int i = 0; i < 90; ++i) words.push_back(absl::StrCat("w", rng() % 100000));
  std::vector<std::string> texts;
  for (int d = 0; d < 70; ++d) {
    words[rng() % words.size()] = absl::StrCat("x", rng() % 100000);
    if (d % 3 == 0) words.insert(words.begin() + static_cast<ptrdiff_t>(rng() % words.size()), "extra");
    texts.push_back(absl::StrJoin(words, " "));
    if (d % 10 == 4) texts.push_back(texts.back());  // a copy now and then
  }
  Sign(texts, ShuffledIds(rng, texts.size()));
  std::vector<CandidatePair> candidates;
  for (uint32_t d = 0; d + 1 < texts.size(); ++d) candidates.push_back({d, d + 1});
  const std::vector<ScoredPair> verified = Verify(candidates);
  ASSERT_EQ(verified.size(), candidates.size()) << "every link of the chain verifies";
  ExpectSameAsClusterSlice(verified, 6 * ClusterBytesPerDocument(options_), 10);
  EXPECT_GE(center_blocks_, 3u) << "the centers outgrew half a pass";
  // A budget that holds everything: clustered whole, pairs all included.
  ExpectSameAsClusterSlice(verified, 1000 * ClusterBytesPerDocument(options_), 10);
  options_.pairs = PairsMode::kAll;
  absl::StatusOr<SliceClusters> all = ClusterSlice(verified, slice_, docs_, options_, {});
  ASSERT_TRUE(all.ok()) << all.status();
  absl::StatusOr<SliceClusters> whole =
      ClusterLargeComponent(verified, pulled_, shards_[0].path, options_, {}, 1000 * ClusterBytesPerDocument(options_));
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_GT(all->pairs.size(), verified.size());
  EXPECT_EQ(whole->pair_lines, all->pair_lines);
  EXPECT_EQ(whole->lines, all->lines);
}

TEST_F(LargeComponentTest, AllPairsAndSplitComponentsAreRefused) {
  std::mt19937 rng(13);
  const std::string text = Words(rng, 40);
  Sign(std::vector<std::string>(8, text), {"h", "b", "c", "d", "e", "f", "g", "a"});
  std::vector<CandidatePair> candidates;
  for (uint32_t d = 1; d < 8; ++d) candidates.push_back({0, d});
  std::vector<ScoredPair> verified = Verify(candidates);
  ASSERT_EQ(verified.size(), 7u);
  const uint64_t budget = 4 * ClusterBytesPerDocument(options_);
  options_.pairs = PairsMode::kAll;
  absl::StatusOr<SliceClusters> got = ClusterLargeComponent(verified, pulled_, shards_[0].path, options_, {}, budget);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status().message(),
            absl::StrCat("pairs all: the component of document \"h\" has 8 members, more than one task's memory "
                         "budget of ", budget, " bytes holds (4), and every pair of it would be compared: ask for "
                         "verified pairs, or a larger budget"));
  options_.pairs = PairsMode::kVerified;
  verified.erase(verified.begin() + 3);  // document 4 is on its own
  got = ClusterLargeComponent(verified, pulled_, shards_[0].path, options_, {}, budget);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "a large component: document \"e\" is not connected to \"h\"");
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
