#include "neardup/index/minhash_lsh.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "neardup/internal/mix.hpp"
#include "neardup/signature/bbit.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr MinHashParams kParams{.algorithm = MinHashAlgorithm::kOnePermutation, .num_perm = 128, .seed = 1};
constexpr LshParams kBanding{9, 13};  // ChooseLshParams(0.8, 128)

MinHashLshOptions Options(uint32_t stored_bits = 0) {
  return {.minhash = kParams, .banding = kBanding, .stored_bits = stored_bits};
}

template <typename DocId = uint32_t>
MinHashLsh<DocId> MakeIndex(uint32_t stored_bits = 0) {
  absl::StatusOr<MinHashLsh<DocId>> index = MinHashLsh<DocId>::Create(Options(stored_bits));
  EXPECT_TRUE(index.ok()) << index.status();
  return *std::move(index);
}

// A signature of uniformly random values (what MinHash values of unrelated sets look like).
MinHashSignature RandomSignature(internal::SplitMix64& rng) {
  MinHashSignature s{.params = kParams, .values = std::vector<uint32_t>(kParams.num_perm), .empty = false};
  for (uint32_t& v : s.values) v = static_cast<uint32_t>(rng.Next());
  return s;
}

// Two shingle sets of n hashes each sharing c of them: Jaccard c / (2n - c).
std::pair<std::vector<uint64_t>, std::vector<uint64_t>> PlantedSets(internal::SplitMix64& rng, size_t n,
                                                                    size_t c) {
  std::vector<uint64_t> a, b;
  for (size_t i = 0; i < c; ++i) {
    const uint64_t x = rng.Next();
    a.push_back(x);
    b.push_back(x);
  }
  for (size_t i = c; i < n; ++i) {
    a.push_back(rng.Next());
    b.push_back(rng.Next());
  }
  return {a, b};
}

// How many of `pairs` planted pairs at Jaccard c / (2n - c) the index finds.
int FoundPlantedPairs(uint64_t seed, int pairs, size_t n, size_t c) {
  internal::SplitMix64 rng(seed);
  MinHasher hasher(kParams);
  MinHashLsh<> index = MakeIndex();
  std::vector<MinHashSignature> queries;
  for (int i = 0; i < pairs; ++i) {
    auto [a, b] = PlantedSets(rng, n, c);
    EXPECT_TRUE(index.Insert(static_cast<uint32_t>(i), hasher.Sign(a)).ok());
    queries.push_back(hasher.Sign(b));
  }
  int found = 0;
  for (int i = 0; i < pairs; ++i) {
    const std::vector<uint32_t> ids = *index.Query(queries[i]);
    found += std::binary_search(ids.begin(), ids.end(), static_cast<uint32_t>(i));
  }
  return found;
}

TEST(MinHashLsh, InsertQueryRemove) {
  internal::SplitMix64 rng(1);
  MinHashLsh<> index = MakeIndex();
  const MinHashSignature a = RandomSignature(rng), b = RandomSignature(rng);
  MinHashSignature a2 = a;  // shares bands 0..3 with a
  for (size_t i = 4 * kBanding.rows; i < a2.values.size(); ++i)
    a2.values[i] = static_cast<uint32_t>(rng.Next());

  ASSERT_TRUE(index.Insert(10, a).ok());
  ASSERT_TRUE(index.Insert(20, b).ok());
  ASSERT_TRUE(index.Insert(5, a2).ok());
  EXPECT_EQ(index.size(), 3u);
  EXPECT_THAT(*index.Query(a), ElementsAre(5, 10));
  EXPECT_THAT(*index.Query(b), ElementsAre(20));
  EXPECT_THAT(*index.Query(RandomSignature(rng)), IsEmpty());

  MinHashLshStats s = index.Stats();
  EXPECT_EQ(s.documents, 3u);
  EXPECT_EQ(s.band_entries, 3u * 9 - 4);  // a and a2 share four keys
  EXPECT_EQ(s.shared_entries, 4u);

  ASSERT_TRUE(index.Remove(10, a).ok());
  EXPECT_THAT(*index.Query(a), ElementsAre(5));
  s = index.Stats();
  EXPECT_EQ(s.band_entries, 2u * 9);
  EXPECT_EQ(s.shared_entries, 0u);
  EXPECT_EQ(s.list_bytes, 0u);  // the pool is released once no list is left
  ASSERT_TRUE(index.Remove(5, a2).ok());
  ASSERT_TRUE(index.Remove(20, b).ok());
  EXPECT_EQ(index.size(), 0u);
  EXPECT_THAT(*index.Query(b), IsEmpty());
}

TEST(MinHashLsh, FindsPlantedNearDuplicatesWithFixedSeed) {
  // At b x r = 9 x 13: P(0.95) = 0.998, P(0.9) = 0.929, P(0.5) = 0.0011.
  // 200 pairs each; bounds are more than four binomial standard deviations out.
  EXPECT_GE(FoundPlantedPairs(11, 200, 195, 190), 196);  // J = 190 / 200 = 0.95
  EXPECT_GE(FoundPlantedPairs(12, 200, 190, 180), 172);  // J = 180 / 200 = 0.90
  EXPECT_LE(FoundPlantedPairs(13, 200, 150, 100), 3);    // J = 100 / 200 = 0.50
  EXPECT_EQ(FoundPlantedPairs(14, 200, 150, 0), 0);      // J = 0
}

TEST(MinHashLsh, UnrelatedDocumentsAreRarelyCandidates) {
  internal::SplitMix64 rng(2);
  MinHasher hasher(kParams);
  MinHashLsh<> index = MakeIndex();
  for (uint32_t i = 0; i < 500; ++i) {
    std::vector<uint64_t> set(100);
    for (uint64_t& x : set) x = rng.Next();
    ASSERT_TRUE(index.Insert(i, hasher.Sign(set)).ok());
  }
  size_t candidates = 0;
  for (int q = 0; q < 500; ++q) {
    std::vector<uint64_t> set(100);
    for (uint64_t& x : set) x = rng.Next();
    candidates += index.Query(hasher.Sign(set))->size();
  }
  EXPECT_EQ(candidates, 0u);
}

TEST(MinHashLsh, RefusesOtherParametersWithExactMessages) {
  internal::SplitMix64 rng(3);
  MinHashLsh<> index = MakeIndex();
  MinHashSignature s = RandomSignature(rng);
  s.params.algorithm = MinHashAlgorithm::kClassic;
  absl::Status st = index.Insert(1, s);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      st.message(),
      "MinHash parameters differ from the index's: expected oph k=128 seed=1, got classic k=128 seed=1");
  s.params = kParams;
  s.params.seed = 7;
  EXPECT_EQ(index.Query(s).status().message(),
            "MinHash parameters differ from the index's: expected oph k=128 seed=1, got oph k=128 seed=7");
  s.params = kParams;
  s.values.resize(64);
  EXPECT_EQ(index.Insert(1, s).message(), "MinHash signature has 64 values, expected 128");
  EXPECT_EQ(index.size(), 0u);
}

TEST(MinHashLsh, CreateValidatesOptions) {
  MinHashLshOptions o = Options();
  o.banding = {10, 13};
  EXPECT_EQ(MinHashLsh<>::Create(o).status().message(),
            "LSH banding b x r = 10 x 13 = 130 needs more than the k = 128 MinHash values");
  o = Options(3);
  EXPECT_EQ(MinHashLsh<>::Create(o).status().message(),
            "stored_bits must be 0 (keep no signatures) or a b-bit width 1, 2, 4, 8, 16 or 32, got 3");
  o = Options();
  o.minhash.num_perm = 0;
  EXPECT_EQ(MinHashLsh<>::Create(o).status().message(), "num_perm must be in [1, 8192], got 0");
}

TEST(MinHashLsh, EmptySignaturesAreNotIndexed) {
  MinHasher hasher(kParams);
  MinHashLsh<> index = MakeIndex();
  const MinHashSignature empty = hasher.Sign(std::vector<uint64_t>{});
  ASSERT_TRUE(empty.empty);
  absl::Status s = index.Insert(4, empty);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "document 4 has an empty MinHash signature (no shingles); empty documents are not indexed");
  EXPECT_EQ(index.size(), 0u);
  // Another empty document has all-zero values too, but an empty document is no one's
  // near-duplicate: querying finds nothing.
  internal::SplitMix64 rng(4);
  ASSERT_TRUE(index.Insert(5, RandomSignature(rng)).ok());
  EXPECT_THAT(*index.Query(empty), IsEmpty());
}

TEST(MinHashLsh, RefusesRepeatedIdsAndUnknownRemovals) {
  internal::SplitMix64 rng(5);
  MinHashLsh<> index = MakeIndex();
  const MinHashSignature a = RandomSignature(rng), b = RandomSignature(rng);
  ASSERT_TRUE(index.Insert(1, a).ok());
  ASSERT_TRUE(index.Insert(2, a).ok());  // a copy under another id is fine
  absl::Status s = index.Insert(1, a);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "document 1 is already in the index");
  EXPECT_EQ(index.Insert(2, a).code(), absl::StatusCode::kAlreadyExists);

  s = index.Remove(1, b);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "document 1 is not in the index under this signature (band 0)");
  // A signature sharing some bands only: refused, and nothing removed.
  MinHashSignature half = a;
  half.values.back() ^= 1;
  half.values[8 * 13] ^= 1;
  EXPECT_EQ(index.Remove(1, half).message(), "document 1 is not in the index under this signature (band 8)");
  EXPECT_THAT(*index.Query(a), ElementsAre(1, 2));
  EXPECT_EQ(index.Remove(3, a).code(), absl::StatusCode::kNotFound);

  EXPECT_EQ(index.Remove(1).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index.Remove(1).message(),
            "Remove(id) needs stored signatures (MinHashLshOptions::stored_bits); pass the signature");
  EXPECT_EQ(index.QueryTopK(a, 3).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(MinHashLsh, IdRange) {
  internal::SplitMix64 rng(6);
  MinHashLsh<> index = MakeIndex();
  const MinHashSignature a = RandomSignature(rng);
  EXPECT_TRUE(index.Insert(MinHashLsh<>::kMaxDocId, a).ok());
  absl::Status s = index.Insert(0x80000000u, a);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(s.message(), "document id 2147483648 exceeds the largest id this index stores (2147483647)");

  MinHashLsh<uint64_t> wide = MakeIndex<uint64_t>();
  ASSERT_TRUE(wide.Insert(uint64_t{1} << 40, a).ok());
  ASSERT_TRUE(wide.Insert(7, a).ok());
  EXPECT_THAT(*wide.Query(a), ElementsAre(7, uint64_t{1} << 40));
}

// Reference: ids of live documents sharing any band key with the probe.
std::vector<uint32_t> BruteForce(const std::map<uint32_t, MinHashSignature>& live,
                                 const MinHashSignature& probe) {
  const std::vector<uint64_t> seeds = LshBandSeeds(kParams.seed, kBanding.bands);
  std::vector<uint64_t> pk(kBanding.bands), dk(kBanding.bands);
  ComputeLshBandKeys(probe.values, kBanding.rows, seeds, pk);
  std::vector<uint32_t> out;
  for (const auto& [id, sig] : live) {
    ComputeLshBandKeys(sig.values, kBanding.rows, seeds, dk);
    for (uint32_t b = 0; b < kBanding.bands; ++b) {
      if (pk[b] == dk[b]) {
        out.push_back(id);
        break;
      }
    }
  }
  return out;
}

TEST(MinHashLsh, RandomInsertsAndRemovalsMatchBruteForce) {
  // Signatures are variants of a few bases (each band kept or redrawn), so keys are
  // shared by lists of every length and lists grow, shrink and move between blocks.
  internal::SplitMix64 rng(7);
  std::vector<MinHashSignature> bases;
  for (int i = 0; i < 6; ++i) bases.push_back(RandomSignature(rng));
  const auto variant = [&]() {
    MinHashSignature s = bases[rng.Next() % bases.size()];
    for (uint32_t b = 0; b < kBanding.bands; ++b) {
      if (rng.Next() % 3 == 0) {
        for (uint32_t i = 0; i < kBanding.rows; ++i)
          s.values[b * kBanding.rows + i] = static_cast<uint32_t>(rng.Next());
      }
    }
    return s;
  };
  MinHashLsh<> index = MakeIndex();
  std::map<uint32_t, MinHashSignature> live;
  uint32_t next_id = 0;
  for (int op = 0; op < 4000; ++op) {
    const bool remove = !live.empty() && (rng.Next() % 100) < (op < 2000 ? 35 : 65);
    if (remove) {
      auto it = live.begin();
      std::advance(it, static_cast<ptrdiff_t>(rng.Next() % live.size()));
      ASSERT_TRUE(index.Remove(it->first, it->second).ok()) << op;
      live.erase(it);
    } else {
      const uint32_t id = (next_id++ * 2654435761u) & 0x7fffffffu;  // ids in no particular order
      MinHashSignature s = variant();
      ASSERT_TRUE(index.Insert(id, s).ok()) << op;
      live.emplace(id, std::move(s));
    }
    if (op % 100 == 99) {
      ASSERT_EQ(index.size(), live.size());
      for (int p = 0; p < 8; ++p) {
        const MinHashSignature probe = variant();
        ASSERT_EQ(*index.Query(probe), BruteForce(live, probe)) << op;
      }
    }
  }
  while (!live.empty()) {
    ASSERT_TRUE(index.Remove(live.begin()->first, live.begin()->second).ok());
    live.erase(live.begin());
  }
  const MinHashLshStats s = index.Stats();
  EXPECT_EQ(s.documents, 0u);
  EXPECT_EQ(s.band_entries, 0u);
  EXPECT_EQ(s.list_bytes, 0u);
}

TEST(MinHashLsh, RemovalFreesMemory) {
  internal::SplitMix64 rng(8);
  MinHashLsh<> index = MakeIndex();
  std::vector<MinHashSignature> sigs;
  for (uint32_t i = 0; i < 20000; ++i) {
    // Every fifth document repeats an earlier one, so lists hold a good share of ids.
    sigs.push_back(i % 5 == 4 ? sigs[rng.Next() % i] : RandomSignature(rng));
    ASSERT_TRUE(index.Insert(i, sigs.back()).ok());
  }
  const MinHashLshStats full = index.Stats();
  EXPECT_EQ(full.documents, 20000u);
  EXPECT_GT(full.shared_entries, 0u);
  EXPECT_GT(full.list_bytes, 0u);
  for (uint32_t i = 0; i < 15000; ++i) ASSERT_TRUE(index.Remove(i, sigs[i]).ok());
  const MinHashLshStats quarter = index.Stats();
  EXPECT_EQ(quarter.documents, 5000u);
  EXPECT_LT(quarter.band_entries, full.band_entries / 3);
  EXPECT_LT(quarter.table_bytes, full.table_bytes / 2);  // tables shrank
  EXPECT_LT(quarter.list_bytes, full.list_bytes);        // the pool was compacted
  // What is left is still found, and nothing removed comes back.
  for (uint32_t i = 15000; i < 20000; i += 7) {
    const std::vector<uint32_t> ids = *index.Query(sigs[i]);
    EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), i)) << i;
    EXPECT_GE(ids.front(), 15000u) << i;
  }
  for (uint32_t i = 15000; i < 20000; ++i) ASSERT_TRUE(index.Remove(i, sigs[i]).ok());
  const MinHashLshStats none = index.Stats();
  EXPECT_EQ(none.documents, 0u);
  EXPECT_EQ(none.band_entries, 0u);
  EXPECT_EQ(none.list_bytes, 0u);
  EXPECT_LT(none.table_bytes, 1024u);  // only the per-band headers are left
}

TEST(MinHashLsh, MemoryPerDocumentPerBand) {
  // The budget is 16 bytes per document per band at k = 128, t = 0.8 (9 x 13).
  internal::SplitMix64 rng(9);
  MinHashLsh<> index = MakeIndex();
  for (uint32_t i = 0; i < 30000; ++i) {
    ASSERT_TRUE(index.Insert(i, RandomSignature(rng)).ok());
    if (i % 2500 == 2499) {
      EXPECT_LE(index.Stats().BytesPerDocumentBand(), 16.0) << i + 1;
    }
  }
}

TEST(MinHashLsh, TablesDoNotDependOnInsertionOrder) {
  // Ordered linear probing stores a set of keys the same way whatever the order.
  internal::SplitMix64 rng(10);
  std::vector<MinHashSignature> sigs;
  for (int i = 0; i < 3000; ++i) sigs.push_back(RandomSignature(rng));
  MinHashLsh<> forward = MakeIndex(), backward = MakeIndex();
  for (uint32_t i = 0; i < sigs.size(); ++i) ASSERT_TRUE(forward.Insert(i, sigs[i]).ok());
  for (uint32_t i = sigs.size(); i-- > 0;) ASSERT_TRUE(backward.Insert(i, sigs[i]).ok());
  // The same key set at the same capacity has one layout; only the length of the spare
  // tail past the last home slot depends on when the table last grew.
  using Table = internal::LshBandTable<uint32_t>;
  for (uint32_t b = 0; b < kBanding.bands; ++b) {
    const Table& f = forward.tables()[b];
    const Table& g = backward.tables()[b];
    ASSERT_EQ(f.home_capacity(), g.home_capacity());
    for (size_t p = 0; p < std::max(f.slots().size(), g.slots().size()); ++p) {
      const uint32_t fv = p < f.slots().size() ? f.slots()[p].val : Table::kEmpty;
      const uint32_t gv = p < g.slots().size() ? g.slots()[p].val : Table::kEmpty;
      ASSERT_EQ(fv, gv) << b << " " << p;
      if (fv != Table::kEmpty) {
        ASSERT_EQ(f.slots()[p].key(), g.slots()[p].key());
      }
    }
  }
  for (int q = 0; q < 100; ++q) EXPECT_EQ(*forward.Query(sigs[q * 7]), *backward.Query(sigs[q * 7]));
}

// A copy of s with `changed` values redrawn, all in bands 0..6 (bands 7 and 8 stay
// shared, so the copy is always a candidate).
MinHashSignature Perturbed(const MinHashSignature& s, int changed, internal::SplitMix64& rng) {
  MinHashSignature out = s;
  for (int i = 0; i < changed; ++i)
    out.values[static_cast<size_t>(i) * 3 % (7 * 13)] = static_cast<uint32_t>(rng.Next());
  return out;
}

TEST(MinHashLsh, StoredSignaturesGiveTopKAndRemoveById) {
  internal::SplitMix64 rng(11);
  MinHashLsh<> index = MakeIndex(8);
  const MinHashSignature base = RandomSignature(rng);
  std::vector<MinHashSignature> sigs;
  for (const int changed : {0, 40, 8, 24}) sigs.push_back(Perturbed(base, changed, rng));
  for (uint32_t i = 0; i < sigs.size(); ++i) ASSERT_TRUE(index.Insert(100 + i, sigs[i]).ok());
  EXPECT_TRUE(index.Contains(102));
  EXPECT_EQ(index.Insert(102, sigs[0]).message(), "document 102 is already in the index");

  absl::StatusOr<std::vector<ScoredCandidate<uint32_t>>> top = index.QueryTopK(sigs[0], 3);
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_EQ(top->size(), 3u);
  std::vector<uint32_t> order;
  for (const auto& c : *top) order.push_back(c.id);
  EXPECT_THAT(order, ElementsAre(100, 102, 103));  // most similar first
  for (const auto& c : *top) {
    const double expect = *EstimateJaccard(*CompressBBit(sigs[0], 8), *CompressBBit(sigs[c.id - 100], 8));
    EXPECT_EQ(c.jaccard, expect) << c.id;
  }
  EXPECT_EQ((*top)[0].jaccard, 1.0);
  // A high floor keeps only the copy itself.
  EXPECT_EQ(index.QueryTopK(sigs[0], 10, 0.99)->size(), 1u);

  ASSERT_TRUE(index.Remove(100).ok());
  EXPECT_FALSE(index.Contains(100));
  EXPECT_EQ(index.Remove(100).message(), "document 100 is not in the index");
  const std::vector<uint32_t> left = *index.Query(sigs[0]);
  EXPECT_TRUE(std::find(left.begin(), left.end(), 100u) == left.end());
  // Remove(id, sig) uses the stored keys: any signature with the right parameters works.
  ASSERT_TRUE(index.Remove(102, sigs[1]).ok());
  ASSERT_TRUE(index.Remove(101).ok());
  ASSERT_TRUE(index.Remove(103).ok());
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.Stats().stored_bytes, 0u);
}

// The batch paths answer exactly what one query at a time answers, for batches longer
// and shorter than the internal chunk and prefetch distance, with empty signatures and
// unindexed queries mixed in.
TEST(MinHashLsh, BatchQueriesEqualSingleQueries) {
  internal::SplitMix64 rng(21);
  MinHashLsh<> index = MakeIndex(8);
  std::vector<MinHashSignature> indexed;
  for (uint32_t i = 0; i < 3000; ++i) {
    indexed.push_back(i % 3 == 2 ? Perturbed(indexed[rng.Next() % indexed.size()], 10, rng) : RandomSignature(rng));
    ASSERT_TRUE(index.Insert(i, indexed.back()).ok());
  }
  std::vector<MinHashSignature> queries;
  for (size_t q = 0; q < 300; ++q) {
    if (q % 7 == 3) {
      queries.push_back({.params = kParams, .values = std::vector<uint32_t>(kParams.num_perm), .empty = true});
    } else if (q % 2 == 0) {
      queries.push_back(Perturbed(indexed[rng.Next() % indexed.size()], static_cast<int>(rng.Next() % 40), rng));
    } else {
      queries.push_back(RandomSignature(rng));
    }
  }
  size_t with_candidates = 0;
  for (const size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{63}, size_t{64}, size_t{65}, size_t{300}}) {
    const std::span<const MinHashSignature> batch(queries.data(), n);
    std::vector<std::vector<uint32_t>> ids;
    std::vector<std::vector<ScoredCandidate<uint32_t>>> top;
    ASSERT_TRUE(index.QueryBatch(batch, &ids).ok());
    ASSERT_TRUE(index.QueryTopKBatch(batch, 4, 0.3, &top).ok());
    ASSERT_EQ(ids.size(), n);
    ASSERT_EQ(top.size(), n);
    for (size_t j = 0; j < n; ++j) {
      EXPECT_EQ(ids[j], *index.Query(queries[j])) << "batch of " << n << ", query " << j;
      const std::vector<ScoredCandidate<uint32_t>> one = *index.QueryTopK(queries[j], 4, 0.3);
      ASSERT_EQ(top[j].size(), one.size()) << j;
      for (size_t c = 0; c < one.size(); ++c) {
        EXPECT_EQ(top[j][c].id, one[c].id);
        EXPECT_EQ(top[j][c].jaccard, one[c].jaccard);
      }
      if (n == 300 && !ids[j].empty()) ++with_candidates;
    }
  }
  EXPECT_GT(with_candidates, 100u);  // the comparison covered real answers

  std::vector<MinHashSignature> bad(queries.begin(), queries.begin() + 10);
  bad[6].params.seed = 2;
  std::vector<std::vector<uint32_t>> ids;
  EXPECT_EQ(index.QueryBatch(bad, &ids).message(),
            "signature 6 of the batch: MinHash parameters differ from the index's: expected "
            "oph k=128 seed=1, got oph k=128 seed=2");
  std::vector<std::vector<ScoredCandidate<uint32_t>>> top;
  EXPECT_EQ(MakeIndex().QueryTopKBatch(queries, 4, 0.0, &top).message(),
            "QueryTopKBatch needs stored signatures (MinHashLshOptions::stored_bits)");
}

TEST(MinHashLsh, FullWidthStorageEstimatesLikeBBit32) {
  internal::SplitMix64 rng(12);
  MinHashLsh<> index = MakeIndex(32);
  const MinHashSignature sa = RandomSignature(rng), sb = Perturbed(sa, 15, rng);
  ASSERT_TRUE(index.Insert(1, sb).ok());
  const auto top = *index.QueryTopK(sa, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].jaccard, *EstimateJaccard(*CompressBBit(sa, 32), *CompressBBit(sb, 32)));
  EXPECT_NEAR(top[0].jaccard, *EstimateJaccard(sa, sb), 1e-9);
}

}  // namespace
}  // namespace neardup
