// The compact columns of a dedup run: 16-bit MinHash values, their b-bit estimate and
// band keys, and the id arena.
#include "neardup/dedup/columns.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/index/lsh_batch.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {
namespace {

std::vector<uint64_t> Set(uint64_t begin, uint64_t end) {
  std::vector<uint64_t> s;
  for (uint64_t x = begin; x < end; ++x) s.push_back(x * 0x9E3779B97F4A7C15ULL);
  return s;
}

TEST(CompactJaccardTest, KnownAnswers) {
  const double r = 1.0 / 65536;
  EXPECT_EQ(CompactJaccardFromMatches(128, 128), 1.0);
  EXPECT_EQ(CompactJaccardFromMatches(0, 128), 0.0);  // clamped: -r / (1 - r)
  EXPECT_DOUBLE_EQ(CompactJaccardFromMatches(96, 128), (0.75 - r) / (1 - r));
  const std::vector<uint16_t> a = {1, 2, 3, 4}, b = {1, 2, 9, 4};
  EXPECT_EQ(CountCompactMatches(a, b), 3u);
  EXPECT_DOUBLE_EQ(CompactJaccard(a, b), (0.75 - r) / (1 - r));
  EXPECT_EQ(CompactJaccard(a, a), 1.0);
}

// The 16-bit estimate tracks the 32-bit one: a chance 16-bit match adds at most a
// value or two per pair, and the mean over pairs stays on the true Jaccard.
TEST(CompactJaccardTest, AgreesWithFullValues) {
  MinHashParams params;  // OPH, k = 128
  MinHasher hasher(params);
  double sum = 0;
  const int pairs = 300;
  for (int p = 0; p < pairs; ++p) {
    const uint64_t base = 1000 * static_cast<uint64_t>(p);
    // |A| = |B| = 300, overlap 200: J = 200 / 400 = 0.5.
    const MinHashSignature a = hasher.Sign(Set(base, base + 300));
    const MinHashSignature b = hasher.Sign(Set(base + 100, base + 400));
    MinHashColumn column;
    column.Append(std::span<const uint32_t>(a.values));
    column.Append(std::span<const uint32_t>(b.values));
    const double compact = CompactJaccard(column.Row(0), column.Row(1));
    const double full = *EstimateJaccard(a, b);
    EXPECT_LE(std::abs(compact - full), 2.0 / 128) << p;
    sum += compact;
  }
  EXPECT_NEAR(sum / pairs, 0.5, 0.01);
}

TEST(MinHashColumnTest, KeepsTheLow16BitsAcrossChunks) {
  MinHashColumn column;
  const size_t rows = 2 * MinHashColumn::kChunkRows + 5;
  for (size_t d = 0; d < rows; ++d) {
    const std::vector<uint32_t> v = {static_cast<uint32_t>(d) * 65536u + 7u, 0xffffffffu, static_cast<uint32_t>(d)};
    column.Append(std::span<const uint32_t>(v));
  }
  ASSERT_EQ(column.rows(), rows);
  EXPECT_EQ(column.k(), 3u);
  const MinHashColumn copy = column;
  for (size_t d = 0; d < rows; d += 997) {
    EXPECT_EQ(column.Row(d)[0], 7u) << d;
    EXPECT_EQ(column.Row(d)[1], 0xffffu) << d;
    EXPECT_EQ(column.Row(d)[2], static_cast<uint16_t>(d)) << d;
    EXPECT_TRUE(std::equal(copy.Row(d).begin(), copy.Row(d).end(), column.Row(d).begin())) << d;
  }
}

TEST(IdColumnTest, ViewsIntoOneArena) {
  IdColumn ids = {"a", "", "dokumen-ß", "z"};
  ids.push_back(std::string(300, 'x'));
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[0], "a");
  EXPECT_EQ(ids[1], "");
  EXPECT_EQ(ids[2], "dokumen-ß");
  EXPECT_EQ(ids[4], std::string(300, 'x'));
  EXPECT_EQ(ids.ToStrings(), (std::vector<std::string>{"a", "", "dokumen-ß", "z", std::string(300, 'x')}));
}

// Band keys of 16-bit rows are those of the same values as 32-bit rows, so LSH over a
// compact column finds what LSH over full values of the same low bits finds.
TEST(CompactBandKeyTest, SameCandidatesAsWidenedValues) {
  const std::vector<uint32_t> full = {0x12345678u, 0xabcd0001u, 7u};
  const std::vector<uint16_t> low = {0x5678u, 0x0001u, 7u};
  const std::vector<uint32_t> widened = {0x5678u, 0x0001u, 7u};
  EXPECT_EQ(CompactBandKey(full, 42), LshBandKey(std::span<const uint16_t>(low), 42));
  EXPECT_EQ(LshBandKey(std::span<const uint16_t>(low), 42), LshBandKey(std::span<const uint32_t>(widened), 42));

  MinHashParams params;
  params.num_perm = 32;
  MinHasher hasher(params);
  MinHashColumn column;
  std::vector<uint32_t> matrix;  // the same rows, low 16 bits in 32-bit values
  for (uint64_t family = 0; family < 40; ++family) {
    for (uint64_t member = 0; member < 3; ++member) {
      const uint64_t base = family * 10000 + member * 3;
      const MinHashSignature s = hasher.Sign(Set(base, base + 60));
      column.Append(std::span<const uint32_t>(s.values));
      for (const uint32_t v : s.values) matrix.push_back(v & 0xffffu);
    }
  }
  const LshBatchOptions options{.banding = {8, 4}};
  const std::vector<uint8_t> empty(column.rows(), 0);
  absl::StatusOr<LshBatchResult> compact = GenerateLshCandidatesOfRows(
      column.rows(), params, options, [&](size_t d) { return column.RowData(d); }, [](size_t) { return false; });
  absl::StatusOr<LshBatchResult> wide = GenerateLshCandidates(MinHashMatrixView{params, matrix, empty}, options);
  ASSERT_TRUE(compact.ok()) << compact.status();
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_GE(compact->pairs.size(), 40u);  // the members of a family find each other
  EXPECT_EQ(compact->pairs, wide->pairs);
}

}  // namespace
}  // namespace neardup
