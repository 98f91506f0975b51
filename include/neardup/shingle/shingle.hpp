// Stage 3: shingles. Word n-grams or character n-grams, each hashed to 64 bits.
//
// Input: normalized text (see text/normalize.hpp). Output: the hash of every shingle
// in document order, repeats included (MinHash reads them as a set, SimHash weights
// each by its count).
//   - word n-grams (default n = 5): each token is hashed once with XXH3-64 (seeded);
//     a shingle is XXH3-64 of its n token hashes, so a window is never re-hashed from
//     text;
//   - character n-grams over code points (default n = 5, spaces included): a shingle
//     is XXH3-64 of its n code points as little-endian 32-bit words.
// A document with fewer than n units yields exactly one shingle of all its units (its
// length is part of the hashed bytes, so short documents differ from each other); an
// empty document yields none.
//
//   neardup::Shingler sh({.kind = neardup::ShingleKind::kWord, .n = 5, .seed = 0});
//   std::vector<uint64_t> hashes;
//   size_t tokens = sh.Shingle(normalized_text, &hashes);
//
// Deterministic across runs and platforms (XXH3 with an explicit seed). A Shingler
// keeps scratch buffers: one per thread.
#ifndef NEARDUP_SHINGLE_SHINGLE_HPP_
#define NEARDUP_SHINGLE_SHINGLE_HPP_

#include <xxhash.h>

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "neardup/text/tokenize.hpp"

namespace neardup {

enum class ShingleKind : uint8_t { kWord = 1, kChar = 2 };

inline const char* ShingleKindName(ShingleKind k) {
  return k == ShingleKind::kWord ? "word" : "char";
}

struct ShingleOptions {
  ShingleKind kind = ShingleKind::kWord;
  uint32_t n = 5;
  uint64_t seed = 0;

  absl::Status Validate() const {
    if (kind != ShingleKind::kWord && kind != ShingleKind::kChar) {
      return absl::InvalidArgumentError(
          absl::StrCat("shingle kind must be word (1) or char (2), got ", static_cast<int>(kind)));
    }
    if (n < 1 || n > 64) {
      return absl::InvalidArgumentError(
          absl::StrCat("shingle size n must be in [1, 64], got ", n));
    }
    return absl::OkStatus();
  }
  friend bool operator==(const ShingleOptions&, const ShingleOptions&) = default;
};

class Shingler {
 public:
  // `options` must be valid (see ShingleOptions::Validate); n is clamped to [1, 64].
  explicit Shingler(ShingleOptions options = {}) : options_(options) {
    if (options_.n < 1) options_.n = 1;
    if (options_.n > 64) options_.n = 64;
  }

  const ShingleOptions& options() const noexcept { return options_; }

  // Replaces *out with the shingle hashes of `text`; returns the number of units
  // (tokens or code points) seen.
  size_t Shingle(std::string_view text, std::vector<uint64_t>* out) {
    out->clear();
    return options_.kind == ShingleKind::kWord ? WordShingles(text, out) : CharShingles(text, out);
  }

  std::vector<uint64_t> Shingle(std::string_view text) {
    std::vector<uint64_t> out;
    Shingle(text, &out);
    return out;
  }

 private:
  // Distinct salts keep a word shingle and a char shingle of the same bytes apart.
  static constexpr uint64_t kCharSalt = 0x63686172'6e677261ULL;

  size_t WordShingles(std::string_view text, std::vector<uint64_t>* out) {
    tokens_.clear();
    const uint64_t seed = options_.seed;
    ForEachToken(text, [&](std::string_view t) {
      tokens_.push_back(XXH3_64bits_withSeed(t.data(), t.size(), seed));
    });
    EmitWindows(tokens_.data(), tokens_.size(), sizeof(uint64_t), seed, out);
    return tokens_.size();
  }

  size_t CharShingles(std::string_view text, std::vector<uint64_t>* out) {
    code_points_.clear();
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
      const Utf8Decoded d = DecodeUtf8(p, end);
      // Ill-formed bytes (only possible when normalization is off) count as U+FFFD.
      const uint32_t cp = d.ok ? static_cast<uint32_t>(d.code_point) : 0xFFFDu;
      code_points_.push_back(ToLittleEndian(cp));
      p += d.length;
    }
    EmitWindows(code_points_.data(), code_points_.size(), sizeof(uint32_t),
                options_.seed ^ kCharSalt, out);
    return code_points_.size();
  }

  template <class T>
  void EmitWindows(const T* units, size_t count, size_t unit_bytes, uint64_t seed,
                   std::vector<uint64_t>* out) const {
    if (count == 0) return;
    const size_t n = options_.n;
    if (count < n) {
      out->push_back(XXH3_64bits_withSeed(units, count * unit_bytes, seed));
      return;
    }
    out->resize(count - n + 1);
    uint64_t* o = out->data();
    const size_t bytes = n * unit_bytes;
    for (size_t i = 0; i + n <= count; ++i) o[i] = XXH3_64bits_withSeed(units + i, bytes, seed);
  }

  static uint32_t ToLittleEndian(uint32_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) return __builtin_bswap32(v);
    return v;
  }

  ShingleOptions options_;
  std::vector<uint64_t> tokens_;
  std::vector<uint32_t> code_points_;
};

}  // namespace neardup

#endif  // NEARDUP_SHINGLE_SHINGLE_HPP_
