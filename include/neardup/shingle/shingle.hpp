// Stage 3: shingles. Word n-grams or character n-grams, each hashed to 64 bits.
//
// Input: normalized text (see text/normalize.hpp). Output: the hash of every shingle
// in document order, repeats included (MinHash reads them as a set, SimHash weights
// each by its count).
//   - word n-grams (default n = 5): each token is hashed once with XXH3-64 (seeded);
//     a shingle is XXH3-64 of its n token hashes as little-endian 64-bit words, so a
//     window is never re-hashed from text;
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

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY  // for XXH3_generateSecret_fromSeed
#endif
#include <xxhash.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/internal/kernels.hpp"
#include "neardup/internal/mix.hpp"
#include "neardup/text/normalize.hpp"
#include "neardup/text/normalized_tokens.hpp"
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

namespace internal {

// XXH3-64 with a fixed seed, inlined for the short inputs shingling hashes by the
// million: tokens (mostly 1-16 bytes) and windows of n unit hashes (17-128 bytes for
// word n <= 16, char n <= 32). At these sizes a call into libxxhash costs more than
// the hash itself, so the seed is folded into the secret words once, at construction.
// The values are XXH3_64bits_withSeed's (the algorithm is frozen since xxHash 0.8.0);
// the constructor checks a few lengths against the library and, should they ever
// differ, every call goes to the library instead. Longer inputs always do.
class Xxh3Seeded {
 public:
  explicit Xxh3Seeded(uint64_t seed) noexcept : seed_(seed) {
    const unsigned char* s = DefaultSecret();
    empty_ = Avalanche64(seed ^ Read64(s + 56) ^ Read64(s + 64));
    flip_1to3_ = (Read32(s) ^ Read32(s + 4)) + seed;
    const uint64_t seed_4to8 =
        seed ^ (uint64_t{__builtin_bswap32(static_cast<uint32_t>(seed))} << 32);
    flip_4to8_ = (Read64(s + 8) ^ Read64(s + 16)) - seed_4to8;
    flip_9to16_lo_ = (Read64(s + 24) ^ Read64(s + 32)) + seed;
    flip_9to16_hi_ = (Read64(s + 40) ^ Read64(s + 48)) - seed;
    for (size_t i = 0; i < 8; ++i) {
      mid_[2 * i] = Read64(s + 16 * i) + seed;
      mid_[2 * i + 1] = Read64(s + 16 * i + 8) - seed;
    }
    inline_ok_ = true;
    unsigned char probe[128];
    for (size_t i = 0; i < sizeof(probe); ++i) {
      probe[i] = static_cast<unsigned char>(i * 167 + 13);
    }
    for (size_t len : {0, 1, 3, 4, 8, 9, 16, 17, 40, 64, 65, 97, 128}) {
      inline_ok_ = inline_ok_ && (*this)(probe, len) == XXH3_64bits_withSeed(probe, len, seed);
    }
  }

  uint64_t operator()(const void* data, size_t len) const noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    if (len <= 16 && inline_ok_) return Short<0>(p, len);
    if (len <= 128 && inline_ok_) return Medium<0>(p, len);
    return XXH3_64bits_withSeed(data, len, seed_);
  }

  // The hash of the ASCII letters and digits at p in lower case (each byte | 0x20, which
  // leaves digits alone), read from the text as it is: no lower-case copy is written.
  // `scratch` holds that copy for tokens the inlined forms do not take.
  uint64_t LowerAlnum(const unsigned char* p, size_t len, std::string* scratch) const {
    if (len <= 16 && inline_ok_) return Short<0x2020202020202020ULL>(p, len);
    if (len <= 128 && inline_ok_) return Medium<0x2020202020202020ULL>(p, len);
    scratch->resize(len);
    for (size_t i = 0; i < len; ++i) (*scratch)[i] = static_cast<char>(p[i] | 0x20);
    return XXH3_64bits_withSeed(scratch->data(), len, seed_);
  }

  // The same hash for 40-byte inputs only (a word 5-gram), holding its eight key words
  // by value so that a loop keeps them in registers.
  class Fixed40 {
   public:
    uint64_t operator()(const unsigned char* p) const noexcept {
      const uint64_t w[5] = {Read64(p), Read64(p + 8), Read64(p + 16), Read64(p + 24), Read64(p + 32)};
      return Xxh3Words40(w, k_.data());
    }
    // The key words, as internal::KernelSet::xxh3_windows40 takes them.
    const uint64_t* keys() const noexcept { return k_.data(); }

   private:
    friend class Xxh3Seeded;
    std::array<uint64_t, 8> k_;
  };
  // Only when inline_ok(): the library is the reference otherwise.
  Fixed40 For40Bytes() const noexcept {
    Fixed40 f;
    for (size_t i = 0; i < 8; ++i) f.k_[i] = mid_[i];
    return f;
  }
  bool inline_ok() const noexcept { return inline_ok_; }

  // For 4 to 8 bytes, and only when inline_ok(): the keyed input word, which
  // internal::Xxh3Finish4to8(word, len) turns into the hash (of the bytes in lower case,
  // as LowerAlnum, when kLowerAlnum). The two halves let a caller finish many at once.
  template <bool kLowerAlnum>
  uint64_t Keyed4to8(const unsigned char* p, size_t len) const noexcept {
    return Keyed4to8Or<kLowerAlnum ? 0x20202020u : 0u>(p, len);
  }

 private:
  static constexpr uint64_t kPrime64_1 = 0x9E3779B185EBCA87ULL;
  static constexpr uint64_t kPrime64_2 = 0xC2B2AE3D27D4EB4FULL;
  static constexpr uint64_t kPrime64_3 = 0x165667B19E3779F9ULL;

  // The library's default secret: XXH3_generateSecret_fromSeed(0) returns it as is.
  static const unsigned char* DefaultSecret() {
    static const auto* secret = [] {
      auto* s = new std::array<unsigned char, XXH3_SECRET_DEFAULT_SIZE>;
      XXH3_generateSecret_fromSeed(s->data(), 0);
      return s;
    }();
    return secret->data();
  }

  static uint64_t Read64(const unsigned char* p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
  }
  static uint32_t Read32(const unsigned char* p) noexcept {
    uint32_t v;
    std::memcpy(&v, p, 4);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
    return v;
  }
  static uint64_t Avalanche64(uint64_t h) noexcept {
    h ^= h >> 33;
    h *= kPrime64_2;
    h ^= h >> 29;
    h *= kPrime64_3;
    return h ^ (h >> 32);
  }

  // 0-16 bytes: three shapes by length, each keyed by its precomputed flip word. Every
  // byte read is or-ed with kOr's bytes (0: the bytes as they are).
  template <uint64_t kOr>
  uint64_t Short(const unsigned char* p, size_t len) const noexcept {
    if (len > 8) {
      const uint64_t lo = (Read64(p) | kOr) ^ flip_9to16_lo_;
      const uint64_t hi = (Read64(p + len - 8) | kOr) ^ flip_9to16_hi_;
      return Xxh3Avalanche(len + __builtin_bswap64(lo) + hi + MulFold64(lo, hi));
    }
    constexpr auto kOr32 = static_cast<uint32_t>(kOr);
    if (len >= 4) return Xxh3Finish4to8(Keyed4to8Or<kOr32>(p, len), len);
    if (len > 0) {
      constexpr auto kOr8 = static_cast<uint8_t>(kOr);
      const uint32_t combined = (uint32_t{uint8_t(p[0] | kOr8)} << 16) |
                                (uint32_t{uint8_t(p[len >> 1] | kOr8)} << 24) |
                                uint32_t{uint8_t(p[len - 1] | kOr8)} | (static_cast<uint32_t>(len) << 8);
      return Avalanche64(combined ^ flip_1to3_);
    }
    return empty_;
  }

  template <uint32_t kOr32>
  uint64_t Keyed4to8Or(const unsigned char* p, size_t len) const noexcept {
    return ((uint64_t{Read32(p) | kOr32} << 32) + (Read32(p + len - 4) | kOr32)) ^ flip_4to8_;
  }

  // 17-128 bytes: 16-byte pieces from both ends, each multiplied with its key pair.
  template <uint64_t kOr>
  uint64_t Mix16(const unsigned char* p, size_t key) const noexcept {
    return MulFold64((Read64(p) | kOr) ^ mid_[key], (Read64(p + 8) | kOr) ^ mid_[key + 1]);
  }
  template <uint64_t kOr>
  uint64_t Medium(const unsigned char* p, size_t len) const noexcept {
    uint64_t acc = len * kPrime64_1;
    if (len > 32) {
      if (len > 64) {
        if (len > 96) acc += Mix16<kOr>(p + 48, 12) + Mix16<kOr>(p + len - 64, 14);
        acc += Mix16<kOr>(p + 32, 8) + Mix16<kOr>(p + len - 48, 10);
      }
      acc += Mix16<kOr>(p + 16, 4) + Mix16<kOr>(p + len - 32, 6);
    }
    acc += Mix16<kOr>(p, 0) + Mix16<kOr>(p + len - 16, 2);
    return Xxh3Avalanche(acc);
  }

  uint64_t seed_;
  uint64_t empty_;
  uint64_t flip_1to3_;
  uint64_t flip_4to8_;
  uint64_t flip_9to16_lo_;
  uint64_t flip_9to16_hi_;
  std::array<uint64_t, 16> mid_;
  bool inline_ok_;
};

}  // namespace internal

class Shingler {
 public:
  // `options` must be valid (see ShingleOptions::Validate); Create checks them. Nothing is
  // adjusted: an invalid n is the caller's error, not a silent change.
  explicit Shingler(ShingleOptions options = {})
      : options_(options), word_hash_(options.seed), char_hash_(options.seed ^ kCharSalt) {}

  static absl::StatusOr<Shingler> Create(const ShingleOptions& options) {
    if (absl::Status s = options.Validate(); !s.ok()) return s;
    return Shingler(options);
  }

  const ShingleOptions& options() const noexcept { return options_; }

  // Replaces *out with the shingle hashes of `text`; returns the number of units
  // (tokens or code points) seen.
  size_t Shingle(std::string_view text, std::vector<uint64_t>* out) {
    return options_.kind == ShingleKind::kWord ? WordShingles(text, out) : CharShingles(text, out);
  }

  std::vector<uint64_t> Shingle(std::string_view text) {
    std::vector<uint64_t> out;
    Shingle(text, &out);
    return out;
  }

  // Shingle(normalizer.Normalize(text)), bit for bit, with the normalizer's stats in
  // *stats. Word shingles skip the normalized copy of the text where it is plain ASCII
  // (text/normalized_tokens.hpp): its tokens are hashed straight from `text`.
  size_t ShingleText(std::string_view text, Normalizer& normalizer, std::vector<uint64_t>* out,
                     NormalizeStats* stats) {
    if (options_.kind == ShingleKind::kWord) return WordShinglesOfText(text, normalizer, out, stats);
    *stats = normalizer.Normalize(text, &normalized_);
    return CharShingles(normalized_, out);
  }

 private:
  // Distinct salts keep a word shingle and a char shingle of the same bytes apart.
  static constexpr uint64_t kCharSalt = 0x63686172'6e677261ULL;

  size_t WordShingles(std::string_view text, std::vector<uint64_t>* out) {
    // A text of b bytes has at most b tokens. The buffer only grows (no clearing or
    // zero-filling per document), and the token loop writes through locals: the
    // hash's key words stay in registers, which stores into a member vector would
    // force to be reloaded after every token.
    if (tokens_.size() < text.size()) Grow(text.size());
    uint64_t* tokens = tokens_.data();
    size_t count = 0;
    const internal::Xxh3Seeded hash = word_hash_;
    ForEachToken(text, [&](std::string_view t) { tokens[count++] = ToLittleEndian(hash(t.data(), t.size())); });
    EmitWindows(tokens, count, sizeof(uint64_t), word_hash_, out);
    return count;
  }

  size_t WordShinglesOfText(std::string_view text, Normalizer& normalizer, std::vector<uint64_t>* out,
                            NormalizeStats* stats) {
    // As in WordShingles(); the normalizer's pieces may hold more tokens than their raw
    // bytes (NFKC expands some characters), so the buffer is checked before each.
    // Plain ASCII tokens of 4 to 8 bytes (most words) are hashed in two halves: the loop
    // over the text only keys their input word and notes its length in lens[], and the
    // kernel set finishes them all at once (eight at a time with AVX-512), out of the
    // loop's unpredictable branches. Every other token is hashed in full (length 0).
    if (tokens_.size() < text.size()) Grow(text.size());
    uint64_t* tokens = tokens_.data();
    uint8_t* lens = lens_.data();
    size_t count = 0;
    const internal::Xxh3Seeded hash = word_hash_;
    const bool lower = normalizer.options().case_fold;
    const bool split = hash.inline_ok();
    *stats = ForEachNormalizedToken(
        normalizer, text, &normalized_,
        [&](const unsigned char* first, const unsigned char* last) {
          const auto len = static_cast<size_t>(last - first);
          if (len - 4 <= 4 && split) {
            tokens[count] = lower ? hash.Keyed4to8<true>(first, len) : hash.Keyed4to8<false>(first, len);
            lens[count++] = static_cast<uint8_t>(len);
            return;
          }
          tokens[count] = ToLittleEndian(lower ? hash.LowerAlnum(first, len, &long_token_) : hash(first, len));
          lens[count++] = 0;
        },
        [&](std::string_view piece, size_t raw_after) {
          if (tokens_.size() < count + piece.size() + raw_after) {
            Grow(count + piece.size() + raw_after);
            tokens = tokens_.data();
            lens = lens_.data();
          }
          ForEachToken(piece, [&](std::string_view t) {
            tokens[count] = ToLittleEndian(hash(t.data(), t.size()));
            lens[count++] = 0;
          });
        });
    internal::ActiveKernels().xxh3_finish4to8(tokens, lens, count);
    EmitWindows(tokens, count, sizeof(uint64_t), word_hash_, out);
    return count;
  }

  // The only place the token buffers grow: lens_ is always as long as tokens_.
  void Grow(size_t tokens) {
    tokens_.resize(tokens);
    lens_.resize(tokens);
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
    EmitWindows(code_points_.data(), code_points_.size(), sizeof(uint32_t), char_hash_, out);
    return code_points_.size();
  }

  template <class T>
  void EmitWindows(const T* units, size_t count, size_t unit_bytes,
                   const internal::Xxh3Seeded& hash, std::vector<uint64_t>* out) const {
    const size_t n = options_.n;
    // Resized, not cleared first: only growth past the largest earlier size fills.
    if (count < n) {
      out->resize(count == 0 ? 0 : 1);
      if (count != 0) (*out)[0] = hash(units, count * unit_bytes);
      return;
    }
    out->resize(count - n + 1);
    uint64_t* o = out->data();
    const size_t bytes = n * unit_bytes;
    // The default sizes (word and char 5-grams) get loops with the length known at
    // compile time, so the hash inlines without its length tests, and with the key
    // words in local copies, which stay in registers (stores to `o` cannot alias
    // them).
    if (bytes == 40 && hash.inline_ok()) {
      // Word 5-grams: the kernel set's (eight windows at a time with AVX-512).
      internal::ActiveKernels().xxh3_windows40(reinterpret_cast<const uint64_t*>(units), count,
                                               hash.For40Bytes().keys(), o);
    } else if (bytes == 20) {
      const internal::Xxh3Seeded local = hash;
      for (size_t i = 0; i + n <= count; ++i) o[i] = local(units + i, 20);
    } else {
      for (size_t i = 0; i + n <= count; ++i) o[i] = hash(units + i, bytes);
    }
  }

  static uint32_t ToLittleEndian(uint32_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) return __builtin_bswap32(v);
    return v;
  }
  static uint64_t ToLittleEndian(uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(v);
    return v;
  }

  ShingleOptions options_;
  internal::Xxh3Seeded word_hash_;
  internal::Xxh3Seeded char_hash_;
  std::vector<uint64_t> tokens_;
  std::vector<uint8_t> lens_;  // WordShinglesOfText: 4..8 where tokens_ holds a keyed word
  std::vector<uint32_t> code_points_;
  std::string normalized_;   // ShingleText's normalized text (pieces of it for words)
  std::string long_token_;   // a lower-case copy of a token longer than 128 bytes
};

}  // namespace neardup

#endif  // NEARDUP_SHINGLE_SHINGLE_HPP_
