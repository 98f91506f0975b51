// A labelled corpus of short texts, the hard case for MinHash estimates: package-style
// descriptions of 100-600 bytes in template families.
//
// A family starts from a template (15-90 words drawn from a shared vocabulary, with
// the family's name in a few places); its members are the template with a few words
// substituted (0-4 substitutions, occasionally a sentence appended or dropped), so a
// family holds identical copies, near-duplicates and members whose exact Jaccard falls
// on either side of any threshold. Family sizes are 2-50, skewed small (most are 2-5,
// some 20-50). Unrelated texts share the vocabulary and the template phrases ("This
// package provides ...") but not the content.
//
//   neardup_test::ShortTextCorpus c = neardup_test::MakeShortTextCorpus({.families = 150, .seed = 3});
//   for (const auto& d : c.docs) { d.id; d.text; d.family; }
//
// Deterministic (SplitMix64 from the bench corpus). Tests only.
#ifndef NEARDUP_TESTS_TESTING_SHORT_TEXT_CORPUS_HPP_
#define NEARDUP_TESTS_TESTING_SHORT_TEXT_CORPUS_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "../../bench/news_corpus.hpp"

namespace neardup_test {

struct ShortTextOptions {
  size_t families = 150;
  size_t unrelated = 300;
  uint64_t seed = 1;
};

struct ShortTextDoc {
  std::string id;
  std::string text;
  uint32_t family = 0;  // unrelated texts get a family of their own
};

struct ShortTextCorpus {
  std::vector<ShortTextDoc> docs;  // shuffled
};

namespace short_text_internal {

// Pronounceable made-up words: the vocabulary is shared by every text.
inline std::string MakeWord(neardup::bench::CorpusRng& rng) {
  static constexpr const char* kOnsets[] = {"b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "st", "tr", "pl"};
  static constexpr const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "io"};
  std::string w;
  const size_t syllables = 1 + rng.Below(3);
  for (size_t s = 0; s < syllables; ++s) {
    w += rng.Pick(kOnsets);
    w += rng.Pick(kVowels);
  }
  if (rng.Chance(40)) w += rng.Pick(kOnsets);
  return w;
}

inline const std::vector<std::string>& Vocabulary() {
  static const std::vector<std::string> vocab = [] {
    neardup::bench::CorpusRng rng(0x5eed);
    std::vector<std::string> v = {"the", "a", "of", "for", "and", "with", "to", "in", "is", "this", "package",
                                  "provides", "library", "files", "support", "tools", "data", "version", "module",
                                  "contains", "used", "by", "development", "headers", "documentation", "plugin"};
    while (v.size() < 700) v.push_back(MakeWord(rng));
    return v;
  }();
  return vocab;
}

inline std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += (i % 13 == 12) ? ". " : " ";
    out += words[i];
  }
  out += '.';
  return out;
}

inline std::vector<std::string> RandomWords(neardup::bench::CorpusRng& rng, size_t n) {
  const std::vector<std::string>& vocab = Vocabulary();
  std::vector<std::string> words;
  for (size_t i = 0; i < n; ++i) {
    // Function words are common, as in real descriptions.
    words.push_back(rng.Chance(30) ? vocab[rng.Below(26)] : vocab[rng.Below(vocab.size())]);
  }
  return words;
}

}  // namespace short_text_internal

inline ShortTextCorpus MakeShortTextCorpus(const ShortTextOptions& options) {
  using short_text_internal::Join;
  using short_text_internal::RandomWords;
  neardup::bench::CorpusRng rng(options.seed);
  const std::vector<std::string>& vocab = short_text_internal::Vocabulary();
  ShortTextCorpus corpus;
  uint32_t family = 0;
  for (size_t f = 0; f < options.families; ++f, ++family) {
    const std::string name = short_text_internal::MakeWord(rng) + "-" + short_text_internal::MakeWord(rng);
    std::vector<std::string> base = {"this", "package", "provides", name};
    const std::vector<std::string> body = RandomWords(rng, 12 + rng.Below(75));
    base.insert(base.end(), body.begin(), body.end());
    if (rng.Chance(50)) base.insert(base.begin() + static_cast<ptrdiff_t>(base.size() / 2), name);
    const size_t size = rng.Chance(15) ? 20 + rng.Below(31) : 2 + rng.Below(4);
    for (size_t m = 0; m < size; ++m) {
      std::vector<std::string> words = base;
      const size_t subs = rng.Chance(20) ? 0 : 1 + rng.Below(4);
      for (size_t s = 0; s < subs; ++s) words[rng.Below(words.size())] = vocab[rng.Below(vocab.size())];
      if (rng.Chance(10)) {
        const std::vector<std::string> extra = RandomWords(rng, 5 + rng.Below(8));
        words.insert(words.end(), extra.begin(), extra.end());
      }
      if (rng.Chance(10) && words.size() > 20) words.resize(words.size() - 5 - rng.Below(5));
      corpus.docs.push_back({"f" + std::to_string(f) + "-" + std::to_string(m), Join(words), family});
    }
  }
  for (size_t u = 0; u < options.unrelated; ++u, ++family) {
    std::vector<std::string> words = {"this", "package", "provides", "the"};
    const std::vector<std::string> body = RandomWords(rng, 12 + rng.Below(75));
    words.insert(words.end(), body.begin(), body.end());
    corpus.docs.push_back({"u" + std::to_string(u), Join(words), family});
  }
  for (size_t i = corpus.docs.size(); i > 1; --i) std::swap(corpus.docs[i - 1], corpus.docs[rng.Below(i)]);
  return corpus;
}

}  // namespace neardup_test

#endif  // NEARDUP_TESTS_TESTING_SHORT_TEXT_CORPUS_HPP_
