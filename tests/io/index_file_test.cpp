#include "neardup/io/index_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/io/simhash_index_file.hpp"
#include "neardup/internal/mix.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

constexpr MinHashParams kParams{.algorithm = MinHashAlgorithm::kOnePermutation, .num_perm = 128, .seed = 1};
constexpr MinHashParams kSmallParams{.algorithm = MinHashAlgorithm::kClassic, .num_perm = 16, .seed = 9};

SignerOptions Signer(const MinHashParams& p) {
  SignerOptions o;
  o.minhash = p;
  o.shingle = {.kind = ShingleKind::kWord, .n = 3, .seed = 5};
  return o;
}

MinHashLshOptions Options(const MinHashParams& p, LshParams banding, uint32_t stored_bits) {
  return {.minhash = p, .banding = banding, .stored_bits = stored_bits};
}

MinHashSignature RandomSignature(const MinHashParams& p, internal::SplitMix64& rng) {
  MinHashSignature s{.params = p, .values = std::vector<uint32_t>(p.num_perm), .empty = false};
  for (uint32_t& v : s.values) v = static_cast<uint32_t>(rng.Next());
  return s;
}

// A copy with each value redrawn with probability 1/8: shares most bands with the
// original, so the index holds shared lists.
MinHashSignature NearCopy(const MinHashSignature& s, internal::SplitMix64& rng) {
  MinHashSignature c = s;
  for (uint32_t& v : c.values) {
    if (rng.Next() % 8 == 0) v = static_cast<uint32_t>(rng.Next());
  }
  return c;
}

struct Corpus {
  std::vector<MinHashSignature> sigs;  // document i has id ids[i]
  std::vector<uint64_t> ids;
};

Corpus MakeCorpus(const MinHashParams& p, size_t n, uint64_t seed, uint64_t id_stride = 1) {
  internal::SplitMix64 rng(seed);
  Corpus c;
  for (size_t i = 0; i < n; ++i) {
    c.sigs.push_back(i % 3 == 2 ? NearCopy(c.sigs[rng.Next() % i], rng) : RandomSignature(p, rng));
    c.ids.push_back(i * id_stride + 1);
  }
  return c;
}

template <typename DocId>
MinHashLsh<DocId> Build(const MinHashLshOptions& o, const Corpus& c) {
  absl::StatusOr<MinHashLsh<DocId>> index = MinHashLsh<DocId>::Create(o);
  EXPECT_TRUE(index.ok()) << index.status();
  for (size_t i = 0; i < c.sigs.size(); ++i) {
    EXPECT_TRUE(index->Insert(static_cast<DocId>(c.ids[i]), c.sigs[i]).ok());
  }
  return *std::move(index);
}

// Every query answer of two indexes over the corpus and fresh signatures.
template <typename DocId>
void ExpectSameAnswers(const MinHashLsh<DocId>& a, const MinHashLsh<DocId>& b, const Corpus& c) {
  ASSERT_EQ(a.size(), b.size());
  const MinHashLshStats sa = a.Stats(), sb = b.Stats();
  EXPECT_EQ(sa.band_entries, sb.band_entries);
  EXPECT_EQ(sa.shared_entries, sb.shared_entries);
  internal::SplitMix64 rng(77);
  std::vector<MinHashSignature> queries = c.sigs;
  for (int i = 0; i < 20; ++i) queries.push_back(RandomSignature(a.options().minhash, rng));
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(*a.Query(queries[i]), *b.Query(queries[i])) << "query " << i;
    if (a.stores_signatures()) {
      EXPECT_EQ(*a.QueryTopK(queries[i], 1000), *b.QueryTopK(queries[i], 1000)) << "query " << i;
    }
  }
  for (size_t i = 0; i < c.ids.size(); ++i) {
    EXPECT_EQ(a.Contains(static_cast<DocId>(c.ids[i])), b.Contains(static_cast<DocId>(c.ids[i])));
  }
}

// Recomputes every section checksum and the header checksum, so a test can plant an
// inconsistency the checksums would otherwise catch first (what a hostile file does).
std::string Reseal(std::string bytes) {
  size_t at = kIndexHeaderBytes;
  while (at + kIndexSectionHeaderBytes <= bytes.size()) {
    const uint64_t payload = internal::LoadLe64(&bytes[at + 8]);
    if (payload > bytes.size() - at - kIndexSectionHeaderBytes) break;
    XXH3_state_t* st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, &bytes[at], 24);
    XXH3_64bits_update(st, &bytes[at + kIndexSectionHeaderBytes], payload);
    internal::StoreLe64(&bytes[at + 24], XXH3_64bits_digest(st));
    XXH3_freeState(st);
    at += kIndexSectionHeaderBytes + payload;
  }
  internal::StoreLe64(&bytes[120], XXH3_64bits(bytes.data(), 120));
  return bytes;
}

// File offset of the payload of the section with this tag (and index).
size_t SectionPayload(const std::string& bytes, uint32_t tag, uint32_t index = 0) {
  size_t at = kIndexHeaderBytes;
  while (at + kIndexSectionHeaderBytes <= bytes.size()) {
    if (internal::LoadLe32(&bytes[at]) == tag && internal::LoadLe32(&bytes[at + 4]) == index) {
      return at + kIndexSectionHeaderBytes;
    }
    at += kIndexSectionHeaderBytes + internal::LoadLe64(&bytes[at + 8]);
  }
  ADD_FAILURE() << "no section " << tag << "/" << index;
  return 0;
}

class IndexFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_idxfile_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  // A small index with shared lists and stored signatures: small enough to flip every
  // byte of its file.
  static const MinHashLshOptions& SmallOptions() {
    static const MinHashLshOptions o = Options(kSmallParams, {4, 4}, 4);
    return o;
  }
  static std::string SmallFile() {
    const Corpus c = MakeCorpus(kSmallParams, 24, 3);
    MinHashLsh<uint32_t> index = Build<uint32_t>(SmallOptions(), c);
    EXPECT_TRUE(index.Remove(4).ok());
    absl::StatusOr<std::string> bytes = SerializeMinHashLsh(index, Signer(kSmallParams));
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return *bytes;
  }
  static absl::Status ParseSmall(const std::string& bytes) {
    return ParseMinHashLsh<uint32_t>(bytes, "f", Signer(kSmallParams), SmallOptions()).status();
  }

  std::string dir_;
};

TEST_F(IndexFileTest, RoundTripAnswersEveryQueryIdentically) {
  for (const uint32_t stored_bits : {0u, 1u, 8u, 32u}) {
    SCOPED_TRACE(stored_bits);
    const MinHashLshOptions o = Options(kParams, {9, 13}, stored_bits);
    const Corpus c = MakeCorpus(kParams, 600, 11);
    MinHashLsh<uint32_t> index = Build<uint32_t>(o, c);
    for (size_t i = 0; i < c.ids.size(); i += 7)
      ASSERT_TRUE(index.Remove(static_cast<uint32_t>(c.ids[i]), c.sigs[i]).ok());
    const std::string path = Path(absl::StrCat("r", stored_bits, ".ndidx"));
    ASSERT_TRUE(SaveMinHashLsh(index, Signer(kParams), path).ok());
    EXPECT_FALSE(fs::exists(path + ".tmp"));
    absl::StatusOr<MinHashLsh<uint32_t>> back = LoadMinHashLsh<uint32_t>(path, Signer(kParams), o);
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSameAnswers(index, *back, c);
    // Written again, the loaded index gives the same bytes.
    EXPECT_EQ(*SerializeMinHashLsh(*back, Signer(kParams)), *SerializeMinHashLsh(index, Signer(kParams)));
  }
}

TEST_F(IndexFileTest, SixtyFourBitIdsRoundTrip) {
  const MinHashLshOptions o = Options(kParams, {16, 8}, 2);
  const Corpus c = MakeCorpus(kParams, 300, 5, /*id_stride=*/uint64_t{1} << 40);
  MinHashLsh<uint64_t> index = Build<uint64_t>(o, c);
  absl::StatusOr<std::string> bytes = SerializeMinHashLsh(index, Signer(kParams));
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<MinHashLsh<uint64_t>> back = ParseMinHashLsh<uint64_t>(*bytes, "w", Signer(kParams), o);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameAnswers(index, *back, c);
  // A 32-bit reader refuses the file, naming the difference.
  EXPECT_EQ(Msg(ParseMinHashLsh<uint32_t>(*bytes, "w", Signer(kParams), o).status()),
            "w: the index was built with other parameters than expected: document ids expected 32-bit, found "
            "64-bit");
}

TEST_F(IndexFileTest, LoadedIndexKeepsChangingLikeTheOriginal) {
  const MinHashLshOptions o = Options(kParams, {9, 13}, 8);
  const Corpus c = MakeCorpus(kParams, 900, 21);
  Corpus first, second;
  for (size_t i = 0; i < c.sigs.size(); ++i) {
    Corpus& part = i < 500 ? first : second;
    part.sigs.push_back(c.sigs[i]);
    part.ids.push_back(c.ids[i]);
  }
  MinHashLsh<uint32_t> index = Build<uint32_t>(o, first);
  absl::StatusOr<MinHashLsh<uint32_t>> back =
      ParseMinHashLsh<uint32_t>(*SerializeMinHashLsh(index, Signer(kParams)), "x", Signer(kParams), o);
  ASSERT_TRUE(back.ok()) << back.status();
  // The same inserts and removals on both, then written back: identical files.
  for (MinHashLsh<uint32_t>* lsh : {&index, &*back}) {
    for (size_t i = 0; i < second.sigs.size(); ++i) {
      ASSERT_TRUE(lsh->Insert(static_cast<uint32_t>(second.ids[i]), second.sigs[i]).ok());
    }
    for (size_t i = 0; i < c.ids.size(); i += 3) ASSERT_TRUE(lsh->Remove(static_cast<uint32_t>(c.ids[i])).ok());
  }
  ExpectSameAnswers(index, *back, c);
  EXPECT_EQ(*SerializeMinHashLsh(*back, Signer(kParams)), *SerializeMinHashLsh(index, Signer(kParams)));
}

TEST_F(IndexFileTest, EmptyIndexRoundTrips) {
  const MinHashLshOptions o = Options(kParams, {9, 13}, 4);
  MinHashLsh<uint32_t> index = *MinHashLsh<uint32_t>::Create(o);
  absl::StatusOr<MinHashLsh<uint32_t>> back =
      ParseMinHashLsh<uint32_t>(*SerializeMinHashLsh(index, Signer(kParams)), "e", Signer(kParams), o);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size(), 0u);
  internal::SplitMix64 rng(1);
  EXPECT_TRUE(back->Insert(3, RandomSignature(kParams, rng)).ok());
}

TEST_F(IndexFileTest, HeaderInfoNamesEveryParameter) {
  const std::string path = Path("i.ndidx");
  const Corpus c = MakeCorpus(kSmallParams, 10, 1);
  ASSERT_TRUE(SaveMinHashLsh(Build<uint32_t>(SmallOptions(), c), Signer(kSmallParams), path).ok());
  absl::StatusOr<IndexFileInfo> info = ReadIndexFileInfo(path);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->object_type, kObjectTypeMinHashLsh);
  EXPECT_EQ(info->format_version, 1u);
  EXPECT_FALSE(info->wide_ids);
  EXPECT_EQ(info->signer.normalize.Bits(), Signer(kSmallParams).normalize.Bits());
  EXPECT_EQ(info->signer.shingle, Signer(kSmallParams).shingle);
  EXPECT_EQ(info->lsh.minhash, kSmallParams);
  EXPECT_EQ(info->lsh.banding, (LshParams{4, 4}));
  EXPECT_EQ(info->lsh.stored_bits, 4u);
  EXPECT_EQ(info->documents, 10u);
  EXPECT_EQ(info->sections, 1u + 1u + 4u);
  EXPECT_EQ(info->file_bytes, fs::file_size(path));
}

TEST_F(IndexFileTest, ParameterMismatchNamesExpectedAndFound) {
  const std::string bytes = SmallFile();
  SignerOptions signer = Signer(kSmallParams);
  signer.shingle.n = 4;
  signer.normalize.case_fold = false;
  MinHashLshOptions o = Options(kSmallParams, {8, 2}, 8);
  absl::Status s = ParseMinHashLsh<uint32_t>(bytes, "p", signer, o).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s),
            "p: the index was built with other parameters than expected: normalization expected bits 0x3b, found "
            "bits 0x3f; shingles expected word 4-grams seed 5, found word 3-grams seed 5; banding expected 8 x 2, "
            "found 4 x 4; stored_bits expected 8, found 4");

  MinHashParams other = kSmallParams;
  other.seed = 10;
  s = ParseMinHashLsh<uint32_t>(bytes, "p", Signer(other), Options(other, {4, 4}, 4)).status();
  EXPECT_EQ(Msg(s),
            "p: the index was built with other parameters than expected: MinHash expected classic k=16 seed=10, "
            "found classic k=16 seed=9");

  // The caller's own two MinHash settings must agree.
  s = ParseMinHashLsh<uint32_t>(bytes, "p", Signer(kParams), SmallOptions()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(IndexFileTest, RefusesOtherFilesAndNewerVersions) {
  const std::string bytes = SmallFile();
  std::string bad = bytes;
  bad[1] = 'X';
  absl::Status s = ParseSmall(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(s),
            "f: header at byte offset 0: bad magic: expected 89 4E 44 55 50 0D 0A 1A, found 89 58 44 55 50 0D 0A "
            "1A; not a neardup file");

  bad = bytes;
  internal::StoreLe32(&bad[12], 2);
  s = ParseSmall(Reseal(bad));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s),
            "f: header at byte offset 12: format version 2 is newer than this build of neardup reads (up to 1)");
  // Refused even when the rest of the header is in a layout this build cannot check.
  bad[120] ^= 1;
  EXPECT_THAT(Msg(ParseSmall(bad)), HasSubstr("format version 2 is newer"));

  bad = bytes;
  internal::StoreLe32(&bad[8], kObjectTypeSignatureSet);
  s = ParseSmall(Reseal(bad));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s), "f: header at byte offset 8: object type is 1 (signature set), expected 2 (MinHash LSH index)");

  bad = bytes;
  internal::StoreLe32(&bad[16], 4);
  EXPECT_EQ(Msg(ParseSmall(Reseal(bad))), "f: header at byte offset 16: unknown flags 0x00000004");

  EXPECT_THAT(Msg(LoadMinHashLsh<uint32_t>(Path("missing"), Signer(kSmallParams), SmallOptions()).status()),
              StartsWith(Path("missing") + ": cannot open: "));
}

TEST_F(IndexFileTest, TruncationAtEveryOffsetNamesTheSection) {
  const std::string bytes = SmallFile();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const absl::Status s = ParseSmall(bytes.substr(0, n));
    ASSERT_FALSE(s.ok()) << n;
    if (n >= 8) {
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << n << ": " << s;
      EXPECT_THAT(Msg(s), HasSubstr("truncated")) << n;
    }
  }
  // Exactly: a cut inside band 2's table.
  const size_t band2 = SectionPayload(bytes, 1, 2) - kIndexSectionHeaderBytes;
  EXPECT_EQ(Msg(ParseSmall(bytes.substr(0, band2 + 40))),
            absl::StrCat("f: band 2 table at byte offset ", band2, ": truncated: the section holds ",
                         internal::LoadLe64(&bytes[band2 + 8]), " bytes from byte offset ", band2 + 32,
                         ", the file ends at byte offset ", band2 + 40));
  EXPECT_EQ(Msg(ParseSmall(bytes.substr(0, band2 + 5))),
            absl::StrCat("f: band 2 table at byte offset ", band2,
                         ": truncated: the file ends 5 bytes into the 32-byte section header"));
  EXPECT_EQ(Msg(ParseSmall(bytes + "xyz")), absl::StrCat("f: end of file at byte offset ", bytes.size(),
                                                         ": 3 unexpected bytes after the last section"));
}

TEST_F(IndexFileTest, EveryFlippedByteIsRefusedWithItsOffset) {
  const std::string bytes = SmallFile();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (const int mask : {0x01, 0x80}) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      const absl::Status s = ParseSmall(flipped);
      ASSERT_FALSE(s.ok()) << "byte " << i;
      EXPECT_THAT(Msg(s), HasSubstr("byte offset")) << s;
    }
  }
  // A flip inside a payload is a checksum error naming the section.
  const size_t pool = SectionPayload(bytes, 2);
  std::string flipped = bytes;
  flipped[pool + 1] ^= 4;
  EXPECT_THAT(Msg(ParseSmall(flipped)), StartsWith(absl::StrCat("f: id-list pool at byte offset ", pool - 32,
                                                                ": checksum mismatch over bytes [", pool - 32, ", ")));
}

TEST_F(IndexFileTest, ConsistentChecksumsDoNotHideBrokenInvariants) {
  const std::string bytes = SmallFile();
  ASSERT_TRUE(ParseSmall(Reseal(bytes)).ok());
  const size_t pool = SectionPayload(bytes, 2);
  const size_t records = SectionPayload(bytes, 3);
  const size_t band0 = SectionPayload(bytes, 1, 0);
  const size_t slots = band0 + 16;
  const uint32_t slot_count = internal::LoadLe32(&bytes[band0 - 16]);
  ASSERT_GT(internal::LoadLe32(&bytes[pool]), 1u) << "the small file has a shared list";

  // Two occupied slots swapped: keys out of order (or off their home).
  std::string bad = bytes;
  size_t first = slot_count, second = slot_count;
  for (size_t p = 0; p < slot_count; ++p) {
    if (internal::LoadLe32(&bytes[slots + 12 * p + 8]) == 0xffffffffu) continue;
    if (first == slot_count) {
      first = p;
    } else {
      second = p;
      break;
    }
  }
  ASSERT_LT(second, slot_count);
  for (int k = 0; k < 12; ++k) std::swap(bad[slots + 12 * first + k], bad[slots + 12 * second + k]);
  EXPECT_THAT(Msg(ParseSmall(Reseal(bad))), StartsWith("f: band 0 table at byte offset "));

  // A list that claims more ids than the pool holds.
  bad = bytes;
  internal::StoreLe32(&bad[pool], 1000000);
  EXPECT_EQ(Msg(ParseSmall(Reseal(bad))),
            absl::StrCat("f: id-list pool at byte offset ", pool, ": list at word 0 claims 1000000 ids with ",
                         internal::LoadLe64(&bytes[pool - 16]) - 1, " words left"));

  // A stored record whose id no table holds, replacing one the tables do hold.
  bad = bytes;
  internal::StoreLe64(&bad[records], 999);
  EXPECT_THAT(Msg(ParseSmall(Reseal(bad))), HasSubstr("has no stored record"));

  // One id filed twice in a band (and another not at all): the counts still add up, but
  // removing the first would leave the second without a record.
  bad = bytes;
  std::vector<size_t> singles;
  for (size_t p = 0; p < slot_count; ++p) {
    const uint32_t v = internal::LoadLe32(&bytes[slots + 12 * p + 8]);
    if (v != 0xffffffffu && (v >> 31) == 0) singles.push_back(p);
  }
  ASSERT_GE(singles.size(), 2u);
  const uint32_t twice = internal::LoadLe32(&bytes[slots + 12 * singles[0] + 8]);
  internal::StoreLe32(&bad[slots + 12 * singles[1] + 8], twice);
  EXPECT_EQ(Msg(ParseSmall(Reseal(bad))), absl::StrCat("f: band 0 table at byte offset ", slots + 12 * singles[1],
                                                       ": id ", twice, " is in this band more than once"));

  // Section lengths that do not fit the file are refused before any allocation.
  bad = bytes;
  internal::StoreLe64(&bad[records - 24], uint64_t{1} << 60);
  EXPECT_THAT(Msg(ParseSmall(Reseal(bad))),
              StartsWith(absl::StrCat("f: stored records at byte offset ", records - 32,
                                      ": truncated: the section holds 1152921504606846976 bytes")));
  bad = bytes;
  internal::StoreLe64(&bad[records - 16], uint64_t{1} << 60);
  EXPECT_THAT(Msg(ParseSmall(Reseal(bad))),
              StartsWith(absl::StrCat("f: stored records at byte offset ", records - 24, ": the section holds ")));

  // The document count must agree everywhere.
  bad = bytes;
  internal::StoreLe64(&bad[72], internal::LoadLe64(&bytes[72]) + 1);
  EXPECT_THAT(Msg(ParseSmall(Reseal(bad))), HasSubstr("the header says"));
}

// Random damage behind valid checksums: refused, or (when the damage happens to keep
// every invariant) an index that still answers and changes without crashing.
TEST_F(IndexFileTest, ResealedRandomDamageNeverCrashes) {
  const std::string bytes = SmallFile();
  internal::SplitMix64 rng(2024);
  const Corpus c = MakeCorpus(kSmallParams, 24, 3);
  int loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = bytes;
    const int edits = 1 + static_cast<int>(rng.Next() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = kIndexHeaderBytes + rng.Next() % (bytes.size() - kIndexHeaderBytes);
      bad[at] = static_cast<char>(rng.Next());
    }
    absl::StatusOr<MinHashLsh<uint32_t>> index =
        ParseMinHashLsh<uint32_t>(Reseal(bad), "r", Signer(kSmallParams), SmallOptions());
    if (!index.ok()) {
      EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
      continue;
    }
    ++loaded;
    for (size_t i = 0; i < c.sigs.size(); ++i) {
      const uint32_t id = static_cast<uint32_t>(c.ids[i]);
      const std::vector<ScoredCandidate<uint32_t>> before = *index->QueryTopK(c.sigs[i], 100);
      for (const ScoredCandidate<uint32_t>& hit : before) EXPECT_TRUE(index->Contains(hit.id)) << trial;
      if (index->Remove(id).ok()) {
        // Gone from every band, so no query finds it any more.
        EXPECT_FALSE(index->Contains(id));
        const std::vector<ScoredCandidate<uint32_t>> after = *index->QueryTopK(c.sigs[i], 100);
        for (const ScoredCandidate<uint32_t>& hit : after) EXPECT_NE(hit.id, id) << trial;
      }
      (void)index->Insert(id + 100, c.sigs[i]);
    }
  }
  EXPECT_LT(loaded, 3000);
  RecordProperty("loaded", loaded);
}

// ---------------------------------------------------------------------------------
// SimHash index files

SignerOptions SimHashSigner() {
  SignerOptions o;
  o.simhash_seed = 77;
  return o;
}

// 2000 random fingerprints, a quarter of them near copies (1-3 bits) of earlier ones,
// then 100 removed: slots no longer in insertion order.
SimHashIndex SimHashCorpus(const SimHashIndexOptions& options, size_t n = 2000) {
  SimHashIndex index = *SimHashIndex::Create(options);
  internal::SplitMix64 rng(5);
  std::vector<uint64_t> fps;
  for (size_t i = 0; i < n; ++i) {
    uint64_t fp = rng.Next();
    if (i % 4 == 3) {
      fp = fps[rng.Next() % fps.size()];
      for (uint64_t b = 0, flips = 1 + rng.Next() % 3; b < flips; ++b) fp ^= uint64_t{1} << (rng.Next() % 64);
    }
    fps.push_back(fp);
    EXPECT_TRUE(index.Insert(1000 + 7 * i, fp).ok());
  }
  for (size_t i = 0; i < n / 20; ++i) EXPECT_TRUE(index.Remove(1000 + 7 * (i * 19 % n)).ok());
  return index;
}

TEST_F(IndexFileTest, SimHashIndexRoundTrip) {
  const SimHashIndexOptions options{.max_distance = 3};
  const SimHashIndex index = SimHashCorpus(options);
  const std::string path = Path("fps.ndsim");
  ASSERT_TRUE(SaveSimHashIndex(index, SimHashSigner(), path).ok());
  absl::StatusOr<SimHashIndex> back = LoadSimHashIndex(path, SimHashSigner(), options);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size(), index.size());
  EXPECT_TRUE(std::equal(index.ids().begin(), index.ids().end(), back->ids().begin(), back->ids().end()));
  EXPECT_TRUE(std::equal(index.fingerprints().begin(), index.fingerprints().end(), back->fingerprints().begin(),
                         back->fingerprints().end()));
  internal::SplitMix64 rng(6);
  size_t matches = 0;
  for (size_t q = 0; q < 400; ++q) {
    const uint64_t fp = q % 2 == 0 ? index.fingerprints()[rng.Next() % index.size()] ^ (uint64_t{1} << (q % 64))
                                   : rng.Next();
    const std::vector<SimHashMatch> a = *index.Query(fp, 3);
    EXPECT_EQ(a, *back->Query(fp, 3)) << q;
    matches += a.size();
  }
  EXPECT_GT(matches, 200u);
  // The bytes depend only on the index: file, memory and a re-save agree.
  const std::string bytes = *SerializeSimHashIndex(index, SimHashSigner());
  std::ifstream f(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(f), {}), bytes);
  EXPECT_EQ(*SerializeSimHashIndex(*back, SimHashSigner()), bytes);
  EXPECT_EQ(bytes.size(), 128u + 32u + 16u * index.size());
  // A loaded index goes on changing like any other.
  ASSERT_TRUE(back->Insert(1, index.fingerprints()[0]).ok());
  EXPECT_EQ(back->Query(index.fingerprints()[0], 0)->size(), 2u);

  const absl::StatusOr<SimHashIndexFileInfo> info = ReadSimHashIndexFileInfo(path);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->entries, index.size());
  EXPECT_EQ(info->index.max_distance, 3);
  EXPECT_EQ(info->signer.simhash_seed, 77u);

  const SimHashIndex empty = *SimHashIndex::Create(options);
  absl::StatusOr<SimHashIndex> none = ParseSimHashIndex(*SerializeSimHashIndex(empty, SimHashSigner()), "e",
                                                        SimHashSigner(), options);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

TEST_F(IndexFileTest, SimHashIndexRefusesOtherParametersAndTypes) {
  const SimHashIndexOptions options{.max_distance = 3};
  const std::string bytes = *SerializeSimHashIndex(SimHashCorpus(options, 40), SimHashSigner());
  SignerOptions other = SimHashSigner();
  other.simhash_seed = 78;
  other.shingle.n = 4;
  EXPECT_EQ(Msg(ParseSimHashIndex(bytes, "f", other, {.max_distance = 4}).status()),
            "f: the index was built with other parameters than expected: shingles expected word 4-grams seed 0, "
            "found word 5-grams seed 0; SimHash seed expected 78, found 77; max_distance expected 4, found 3");
  absl::Status s = ParseSimHashIndex(SmallFile(), "f", SimHashSigner(), options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(s), "f: header at byte offset 8: object type is 2 (MinHash LSH index), expected 4 (SimHash index)");
  std::string newer = bytes;
  internal::StoreLe32(&newer[12], 2);
  EXPECT_EQ(Msg(ParseSimHashIndex(Reseal(newer), "f", SimHashSigner(), options).status()),
            "f: header at byte offset 12: format version 2 is newer than this build of neardup reads (up to 1)");
}

TEST_F(IndexFileTest, SimHashIndexRefusesDamage) {
  const SimHashIndexOptions options{.max_distance = 3};
  const std::string bytes = *SerializeSimHashIndex(SimHashCorpus(options, 24), SimHashSigner());
  ASSERT_TRUE(ParseSimHashIndex(Reseal(bytes), "f", SimHashSigner(), options).ok());
  // Every truncation and every flipped byte is an error, never a crash.
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(ParseSimHashIndex(bytes.substr(0, len), "f", SimHashSigner(), options).ok()) << len;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_FALSE(ParseSimHashIndex(bad, "f", SimHashSigner(), options).ok()) << i;
  }
  std::string bad = bytes;
  bad[200] ^= 1;
  EXPECT_THAT(Msg(ParseSimHashIndex(bad, "f", SimHashSigner(), options).status()),
              StartsWith("f: SimHash entries at byte offset 128: checksum mismatch over bytes [128, "));
  // An id twice, checksums resealed: refused with its place.
  bad = bytes;
  std::memcpy(&bad[160 + 16 * 3], &bad[160 + 16 * 1], 8);
  EXPECT_EQ(Msg(ParseSimHashIndex(Reseal(bad), "f", SimHashSigner(), options).status()),
            absl::StrCat("f: SimHash entries at byte offset 208: entry 3 repeats id ",
                         internal::LoadLe64(&bytes[160 + 16]), " of entry 1"));
  // A count larger than the file is refused before anything is allocated.
  bad = bytes;
  internal::StoreLe64(&bad[80], uint64_t{1} << 60);
  internal::StoreLe64(&bad[128 + 16], uint64_t{1} << 60);
  internal::StoreLe64(&bad[128 + 8], uint64_t{1} << 62);
  EXPECT_EQ(ParseSimHashIndex(Reseal(bad), "f", SimHashSigner(), options).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace neardup
