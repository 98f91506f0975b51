// Repeated passages: paragraphs (or sentences) repeated inside one document and shared
// across documents, exact or near.
//
// Input: documents in corpus order. Output: one PassageRepeat per passage whose text
// (after normalization) already appeared earlier, pointing at the first occurrence.
// Covers a scraper that doubled an article's paragraphs, a headline repeated three
// times, a wire paragraph or quote reused by several outlets, and site boilerplate
// ("read also" lines, comment prompts, author tags) shared by many pages.
//   - Exact repeats: equal normalized text (XXH3-64 of it), similarity 1.
//   - Near repeats (on by default): MinHash (one-permutation, k = 128) over character
//     5-grams of the normalized passage, candidates from a streaming LSH index, and
//     verified by the estimated similarity:
//       kJaccard      J(P, Q) >= threshold: the same passage lightly edited;
//       kContainment  |P n Q| / |P| >= threshold, estimated from J and the two set
//                     sizes: the later passage P is (mostly) inside the earlier Q, e.g.
//                     a quote cut out of a longer paragraph. Candidates then come from
//                     an LSH tuned for a lower Jaccard (threshold / 3), as a short P
//                     inside a long Q has a low Jaccard.
//     The earliest verified candidate is the first occurrence; a repeat is never itself
//     a first occurrence, so every dup_of points at text that is kept.
// Passages shorter than min_chars normalized bytes (a lone "A", "Advertisement") are
// ignored. Offsets are bytes into each document's original UTF-8 text.
//
//   auto finder = neardup::PassageRepeatFinder::Create({});
//   std::vector<neardup::PassageRepeat> repeats;
//   for (uint32_t d = 0; d < docs.size(); ++d) finder->AddDocument(d, docs[d], &repeats);
//   std::string cleaned = neardup::RemoveRepeatedPassages(docs[1], repeats_of_doc_1);
//
// Guarantees: output depends only on the documents and their order. Memory: per
// distinct passage kept, its location, exact key and signature (about 560 bytes at
// k = 128) plus the LSH tables. Thread safety: one finder per thread.
#ifndef NEARDUP_PASSAGE_REPEATS_HPP_
#define NEARDUP_PASSAGE_REPEATS_HPP_

#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/index/lsh_params.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/passage/split.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/text/normalize.hpp"

namespace neardup {

enum class PassageMeasure : uint8_t { kJaccard, kContainment };
enum class PassageScope : uint8_t { kAll, kWithinDocument };

inline const char* PassageMeasureName(PassageMeasure m) {
  return m == PassageMeasure::kContainment ? "containment" : "jaccard";
}
inline const char* PassageScopeName(PassageScope s) { return s == PassageScope::kWithinDocument ? "within" : "all"; }

inline absl::StatusOr<PassageMeasure> ParsePassageMeasure(std::string_view s) {
  if (s == "jaccard") return PassageMeasure::kJaccard;
  if (s == "containment") return PassageMeasure::kContainment;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown passage measure '", std::string(s), "': expected jaccard or containment"));
}

inline absl::StatusOr<PassageScope> ParsePassageScope(std::string_view s) {
  if (s == "all") return PassageScope::kAll;
  if (s == "within") return PassageScope::kWithinDocument;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown passage scope '", std::string(s), "': expected all or within"));
}

struct PassageOptions {
  PassageSplit split = PassageSplit::kLine;
  PassageScope scope = PassageScope::kAll;  // kWithinDocument: repeats inside one document only
  bool near = true;  // false: exact repeats only (equal normalized text)
  PassageMeasure measure = PassageMeasure::kJaccard;
  double threshold = 0.8;
  uint32_t min_chars = 20;
  NormalizeOptions normalize;
  ShingleOptions shingle{ShingleKind::kChar, 5, 0};
  MinHashParams minhash{MinHashAlgorithm::kOnePermutation, 128, kDefaultMinHashSeed};

  absl::Status Validate() const {
    if (!(threshold > 0.0 && threshold <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("passage threshold must be in (0, 1], got ", threshold));
    }
    if (absl::Status s = shingle.Validate(); !s.ok()) return s;
    return minhash.Validate();
  }
};

struct PassageLocation {
  uint32_t doc = 0;
  Span span;
  friend bool operator==(const PassageLocation&, const PassageLocation&) = default;
};

struct PassageRepeat {
  PassageLocation passage;  // the repeat
  PassageLocation dup_of;   // its first occurrence
  float similarity = 1;     // 1 for exact repeats
  bool exact = true;
};

// The passages of `text` that a finder with `options` considers (its split; at least
// min_chars normalized bytes), in document order: fn(span, exact key), the key being
// XXH3-64 (seed 0) of the normalized passage, left in *normalized. Exact repeats are
// passages with equal keys, wherever they are found (one finder, or an exchange of keys
// between machines: dedup/distributed.hpp).
template <typename Fn>
void ForEachCountedPassage(std::string_view text, const PassageOptions& options, Normalizer* normalizer,
                           std::string* normalized, Fn&& fn) {
  for (const Span span : SplitPassages(text, options.split)) {
    normalizer->Normalize(text.substr(span.start, span.end - span.start), normalized);
    if (normalized->size() < options.min_chars) continue;
    fn(span, XXH3_64bits_withSeed(normalized->data(), normalized->size(), 0));
  }
}

class PassageRepeatFinder {
 public:
  static absl::StatusOr<PassageRepeatFinder> Create(const PassageOptions& options) {
    if (absl::Status s = options.Validate(); !s.ok()) return s;
    const double lsh_threshold = options.measure == PassageMeasure::kContainment
                                     ? std::max(0.05, options.threshold / 3)
                                     : std::min(options.threshold, 0.95);
    // Every candidate is verified, so weigh a missed repeat far above a wasted check.
    absl::StatusOr<LshChoice> choice =
        ChooseLshParams(lsh_threshold, options.minhash.num_perm, /*fp_weight=*/0.05, /*fn_weight=*/0.95);
    if (!choice.ok()) return choice.status();
    absl::StatusOr<MinHashLsh<uint32_t>> index =
        MinHashLsh<uint32_t>::Create({.minhash = options.minhash, .banding = choice->params});
    if (!index.ok()) return index.status();
    return PassageRepeatFinder(options, *std::move(index));
  }

  const PassageOptions& options() const noexcept { return options_; }

  // Passages kept as first occurrences so far.
  size_t distinct_passages() const noexcept { return kept_.size(); }

  // Finds the repeats among document `doc`'s passages and appends them to *out in
  // document order. Documents must come in corpus order (doc increasing).
  void AddDocument(uint32_t doc, std::string_view text, std::vector<PassageRepeat>* out) {
    if (options_.scope == PassageScope::kWithinDocument) Reset();
    ForEachCountedPassage(text, options_, &normalizer_, &normalized_, [&](Span span, uint64_t key) {
      const PassageLocation here{doc, span};
      if (const auto it = exact_.find(key); it != exact_.end()) {
        out->push_back({here, kept_[it->second].location, 1.0f, true});
        return;
      }
      shingler_.Shingle(normalized_, &shingles_);
      const uint32_t distinct = CountDistinct();
      minhasher_.Sign(shingles_, &signature_);
      if (options_.near && !signature_.empty) {
        if (const auto match = BestEarlier(distinct)) {
          out->push_back({here, kept_[match->first].location, match->second, false});
          return;
        }
      }
      const auto record = static_cast<uint32_t>(kept_.size());
      kept_.push_back({here, distinct});
      exact_.emplace(key, record);
      if (options_.near && !signature_.empty) {
        signatures_.insert(signatures_.end(), signature_.values.begin(), signature_.values.end());
        // Cannot fail: parameters match by construction and the record id is new.
        (void)index_.Insert(record, signature_);
      } else {
        signatures_.resize(signatures_.size() + options_.minhash.num_perm, 0);
      }
    });
  }

 private:
  struct Kept {
    PassageLocation location;
    uint32_t distinct_shingles;
  };

  PassageRepeatFinder(const PassageOptions& options, MinHashLsh<uint32_t> index)
      : options_(options),
        normalizer_(options.normalize),
        shingler_(options.shingle),
        minhasher_(options.minhash),
        index_(std::move(index)) {}

  void Reset() {
    kept_.clear();
    exact_.clear();
    signatures_.clear();
    if (!index_.size()) return;
    index_ = *MinHashLsh<uint32_t>::Create(index_.options());
  }

  uint32_t CountDistinct() {
    scratch_ = shingles_;
    std::sort(scratch_.begin(), scratch_.end());
    return static_cast<uint32_t>(std::unique(scratch_.begin(), scratch_.end()) - scratch_.begin());
  }

  // The earliest kept passage within the threshold, with its similarity.
  std::optional<std::pair<uint32_t, float>> BestEarlier(uint32_t distinct) {
    if (!index_.Query(signature_, &candidates_).ok()) return std::nullopt;
    const uint32_t k = options_.minhash.num_perm;
    for (const uint32_t c : candidates_) {  // ascending record = corpus order
      const std::span<const uint32_t> other(signatures_.data() + static_cast<size_t>(c) * k, k);
      const double j = static_cast<double>(CountMatches(signature_.values, other)) / k;
      double s = j;
      if (options_.measure == PassageMeasure::kContainment) {
        // |P n Q| = J (|P| + |Q|) / (1 + J); containment of this passage P in Q.
        const double inter = j * (distinct + kept_[c].distinct_shingles) / (1.0 + j);
        s = std::min(1.0, inter / distinct);
      }
      if (s >= options_.threshold) return std::make_pair(c, static_cast<float>(s));
    }
    return std::nullopt;
  }

  PassageOptions options_;
  Normalizer normalizer_;
  Shingler shingler_;
  MinHasher minhasher_;
  MinHashLsh<uint32_t> index_;
  std::vector<Kept> kept_;
  absl::flat_hash_map<uint64_t, uint32_t> exact_;
  std::vector<uint32_t> signatures_;  // num_perm values per kept passage
  std::string normalized_;
  std::vector<uint64_t> shingles_, scratch_;
  MinHashSignature signature_;
  std::vector<uint32_t> candidates_;
};

// `text` without the given passages (spans into it, any order), each removed together
// with the line break that ends it; everything else is kept byte for byte.
inline std::string RemoveSpans(std::string_view text, std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](Span a, Span b) { return a.start < b.start; });
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const Span s : spans) {
    if (s.start < pos || s.end > text.size()) continue;  // overlapping or foreign span
    out.append(text.substr(pos, s.start - pos));
    size_t end = s.end;
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
    if (end < text.size() && text[end] == '\r') ++end;
    if (end < text.size() && text[end] == '\n') ++end;
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace neardup

#endif  // NEARDUP_PASSAGE_REPEATS_HPP_
