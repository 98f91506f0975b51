// Compact per-document columns of a SignedCorpus (dedup/stages.hpp).
//
// A dedup run holds one row per document for the whole run, so the row is kept small:
//   - MinHash values are kept as their low 16 bits (b-bit MinHash, signature/bbit.hpp):
//     128 values take 256 bytes instead of 512. Two values from different minima agree
//     on 16 bits with probability r = 2^-16, so the estimate is corrected,
//     J = (m/k - r) / (1 - r), and its standard error is that of 32-bit values within
//     0.01%. LSH band keys are the keys of the 16-bit values (widened to 32 bits), so a
//     run over texts, over 32-bit or 16-bit signature files and on Dask gives the same
//     candidates.
//   - Values are stored in chunks of 4096 rows, so the column never holds two copies
//     while it grows (a doubling vector would, at the moment it moves).
//   - Ids are one character arena with an end offset per document, rather than a
//     std::string (32 bytes and perhaps a heap block) each.
//
//   neardup::MinHashColumn values;
//   values.Append(signature.minhash.values);      // keeps the low 16 bits
//   std::span<const uint16_t> row = values.Row(0);
//   double j = neardup::CompactJaccard(values.Row(0), values.Row(1));
#ifndef NEARDUP_DEDUP_COLUMNS_HPP_
#define NEARDUP_DEDUP_COLUMNS_HPP_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/index/lsh_params.hpp"

namespace neardup {

// Bits of each MinHash value a dedup run keeps (in memory and in the signature files
// `neardup sign` writes).
inline constexpr uint32_t kDedupMinHashBits = 16;

// The compact form of one MinHash value.
inline uint16_t CompactMinHashValue(uint32_t v) noexcept { return static_cast<uint16_t>(v); }

// Matching positions of two rows of compact values.
inline uint32_t CountCompactMatches(std::span<const uint16_t> a, std::span<const uint16_t> b) noexcept {
  uint32_t m = 0;
  for (size_t i = 0; i < a.size(); ++i) m += a[i] == b[i];
  return m;
}

// The b-bit estimate of Jaccard similarity from m matches among k 16-bit values,
// clamped to [0, 1]; exactly 1 when every value matches.
inline double CompactJaccardFromMatches(uint32_t m, uint32_t k) noexcept {
  if (m == k) return 1.0;
  const double r = std::ldexp(1.0, -static_cast<int>(kDedupMinHashBits));
  const double j = (static_cast<double>(m) / k - r) / (1.0 - r);
  return j < 0.0 ? 0.0 : j;
}

inline double CompactJaccard(std::span<const uint16_t> a, std::span<const uint16_t> b) noexcept {
  return a.empty() ? 0.0 : CompactJaccardFromMatches(CountCompactMatches(a, b), static_cast<uint32_t>(a.size()));
}

// The LSH band key dedup uses for full 32-bit values (e.g. read from a signature
// file): the key of their compact form (LshBandKey of 16-bit values, lsh_params.hpp).
inline uint64_t CompactBandKey(std::span<const uint32_t> values, uint64_t band_seed) {
  std::vector<uint16_t> low(values.size());
  for (size_t i = 0; i < values.size(); ++i) low[i] = CompactMinHashValue(values[i]);
  return LshBandKey(std::span<const uint16_t>(low), band_seed);
}

// Rows of k compact MinHash values, in chunks of kChunkRows rows. k is the length of
// the first row appended; every row has it.
class MinHashColumn {
 public:
  static constexpr size_t kChunkRows = 4096;

  size_t rows() const noexcept { return rows_; }
  uint32_t k() const noexcept { return k_; }
  bool empty() const noexcept { return rows_ == 0; }

  // Appends one row (its low 16 bits); values.size() must equal earlier rows'.
  void Append(std::span<const uint32_t> values) {
    uint16_t* out = NewRow(values.size());
    for (size_t i = 0; i < values.size(); ++i) out[i] = CompactMinHashValue(values[i]);
  }
  void Append(std::span<const uint16_t> values) {
    uint16_t* out = NewRow(values.size());
    std::copy(values.begin(), values.end(), out);
  }

  const uint16_t* RowData(size_t d) const noexcept {
    return chunks_[d / kChunkRows].get() + (d % kChunkRows) * k_;
  }
  std::span<const uint16_t> Row(size_t d) const noexcept { return {RowData(d), k_}; }

  MinHashColumn() = default;
  MinHashColumn(MinHashColumn&&) noexcept = default;
  MinHashColumn& operator=(MinHashColumn&&) noexcept = default;
  MinHashColumn(const MinHashColumn& other) { *this = other; }
  MinHashColumn& operator=(const MinHashColumn& other) {
    if (this == &other) return *this;
    chunks_.clear();
    rows_ = 0;
    k_ = other.k_;
    for (size_t d = 0; d < other.rows_; ++d) Append(other.Row(d));
    return *this;
  }

 private:
  uint16_t* NewRow(size_t k) {
    if (rows_ == 0) k_ = static_cast<uint32_t>(k);
    if (rows_ % kChunkRows == 0) chunks_.push_back(std::make_unique<uint16_t[]>(kChunkRows * k_));
    uint16_t* out = chunks_.back().get() + (rows_ % kChunkRows) * k_;
    ++rows_;
    return out;
  }

  std::vector<std::unique_ptr<uint16_t[]>> chunks_;
  size_t rows_ = 0;
  uint32_t k_ = 0;
};

// Strings (document ids) in one arena: ids[d] is a view into it, valid until the
// column changes.
class IdColumn {
 public:
  IdColumn() = default;
  IdColumn(std::initializer_list<std::string_view> ids) {
    for (const std::string_view id : ids) push_back(id);
  }

  size_t size() const noexcept { return ends_.size(); }
  bool empty() const noexcept { return ends_.empty(); }
  void push_back(std::string_view id) {
    chars_.append(id);
    ends_.push_back(chars_.size());
  }
  std::string_view operator[](size_t d) const noexcept {
    const uint64_t begin = d == 0 ? 0 : ends_[d - 1];
    return std::string_view(chars_).substr(begin, ends_[d] - begin);
  }
  // Every id, as strings (for front ends that hand out lists).
  std::vector<std::string> ToStrings() const {
    std::vector<std::string> out;
    out.reserve(size());
    for (size_t d = 0; d < size(); ++d) out.emplace_back((*this)[d]);
    return out;
  }

 private:
  std::string chars_;
  std::vector<uint64_t> ends_;
};

}  // namespace neardup

#endif  // NEARDUP_DEDUP_COLUMNS_HPP_
