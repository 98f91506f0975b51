// Labelled near-duplicate corpora for measuring dedup quality.
//
// Source articles (bench/news_corpus.hpp prose) plus copies edited the way syndication
// and scraping edit news: words substituted (1-20% of them), sentences inserted and
// deleted, paragraphs swapped or dropped, site headers and footers added, quotes
// straightened, case changed, characters written as HTML entities; and unrelated
// articles on the same topic (same headline, dateline and vocabulary, different
// sentences), which share template phrases with the source but are not copies.
//
//   neardup_test::LabelledCorpus c = neardup_test::MakeLabelledCorpus({.sources = 100, .seed = 3});
//   for (const auto& d : c.docs) { d.id; d.text; d.group; d.edits; }
//
// Guarantees: the corpus depends only on the options (SplitMix64 from the bench
// header, no <random> distributions). The label (`group`) says which source a copy
// was made from; whether two documents are near-duplicates at a threshold is decided
// by their exact shingle Jaccard, which the caller computes, since heavy edits make
// some copies genuinely dissimilar. Not part of the library: tests and bench only.
#ifndef NEARDUP_TESTS_TESTING_LABELLED_CORPUS_HPP_
#define NEARDUP_TESTS_TESTING_LABELLED_CORPUS_HPP_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../bench/news_corpus.hpp"

namespace neardup_test {

using neardup::bench::CorpusRng;

struct LabelledCorpusOptions {
  size_t sources = 100;           // original articles
  size_t max_copies = 4;          // each source gets 0..max_copies edited copies
  unsigned same_topic_percent = 30;  // chance a source also gets an unrelated same-topic article
  size_t article_bytes = 1500;    // approximate source length (plus up to 50%)
  uint64_t seed = 1;
};

struct LabelledDoc {
  std::string id;
  std::string text;
  uint32_t group = 0;  // source index; same-topic articles get a group of their own
  std::string edits;   // what was done to make this copy ("source" for originals)
};

struct LabelledCorpus {
  std::vector<LabelledDoc> docs;  // shuffled: copies do not follow their source
};

namespace labelled_internal {

inline std::vector<std::string> Split(std::string_view text, std::string_view sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t stop = text.find(sep, start);
    if (stop == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      return out;
    }
    out.emplace_back(text.substr(start, stop - start));
    start = stop + sep.size();
  }
}

inline std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

inline void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t at = s->find(from, start);
    if (at == std::string::npos) break;
    out.append(*s, start, at - start);
    out.append(to);
    start = at + from.size();
  }
  out.append(*s, start, std::string::npos);
  *s = std::move(out);
}

// Words a rewrite desk or a spinner swaps in (own list).
inline constexpr std::string_view kSubstitutes[] = {
    "reportedly", "officials", "Thursday",  "roughly", "nearly",   "sources", "analysts",
    "the firm",   "the city",  "lawmakers", "earlier", "recently", "growth",  "residents",
    "authorities", "critics",  "the agency", "later",  "overall",  "figures"};

// Site names for the header and footer chrome scrapers keep (own wording).
inline constexpr std::string_view kSites[] = {"The Daily Ledger", "Metro Wire", "Coastal Courier",
                                              "Valley Times Online", "Newsroom 24", "The Morning Post"};

// Replaces about per_mille / 10 percent of the space-separated words with a substitute.
inline std::string SubstituteWords(std::string_view text, unsigned per_mille, CorpusRng& rng) {
  std::string out;
  out.reserve(text.size() + 64);
  size_t start = 0;
  while (start <= text.size()) {
    size_t stop = text.find(' ', start);
    if (stop == std::string_view::npos) stop = text.size();
    std::string_view w = text.substr(start, stop - start);
    // Keep paragraph breaks inside a "word" intact by substituting only plain words.
    if (!w.empty() && w.find('\n') == std::string_view::npos && rng.Below(1000) < per_mille) {
      w = rng.Pick(kSubstitutes);
    }
    out.append(w);
    if (stop < text.size()) out.push_back(' ');
    start = stop + 1;
  }
  return out;
}

// Applies a random mix of edits to an article; `edits` receives their names.
inline std::string EditCopy(const std::string& source, CorpusRng& rng, std::string* edits) {
  using namespace neardup::bench::corpus_internal;
  // Paragraph 0 is the headline, the rest is the body ("\n\n"-separated).
  std::string body = source;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  std::vector<std::string> paras = Split(body, "\n\n");
  auto note = [edits](std::string_view what) {
    if (!edits->empty()) edits->push_back(',');
    edits->append(what);
  };
  // Sentence edits: delete or insert whole sentences inside body paragraphs.
  if (paras.size() > 2 && rng.Chance(40)) {
    const size_t n = 1 + rng.Below(2);
    for (size_t i = 0; i < n; ++i) {
      const size_t p = 1 + rng.Below(paras.size() - 1);
      std::vector<std::string> sentences = Split(paras[p], ". ");
      if (sentences.size() < 2) continue;
      sentences.erase(sentences.begin() + static_cast<std::ptrdiff_t>(rng.Below(sentences.size() - 1)));
      paras[p] = Join(sentences, ". ");
    }
    note("delete-sentence");
  }
  if (paras.size() > 2 && rng.Chance(40)) {
    const size_t n = 1 + rng.Below(2);
    for (size_t i = 0; i < n; ++i) {
      const size_t p = 1 + rng.Below(paras.size() - 1);
      std::string sentence;
      AppendSentence(rng, &sentence);
      paras[p] = rng.Chance(50) ? sentence + " " + paras[p] : paras[p] + " " + sentence;
    }
    note("insert-sentence");
  }
  if (paras.size() > 3 && rng.Chance(25)) {
    const size_t p = 1 + rng.Below(paras.size() - 2);
    std::swap(paras[p], paras[p + 1]);
    note("swap-paragraphs");
  }
  if (paras.size() > 3 && rng.Chance(20)) {
    // Scrapers lose the last paragraph (truncation) more often than a middle one.
    const size_t p = rng.Chance(70) ? paras.size() - 1 : 1 + rng.Below(paras.size() - 1);
    paras.erase(paras.begin() + static_cast<std::ptrdiff_t>(p));
    note("drop-paragraph");
  }
  std::string text = Join(paras, "\n\n");
  if (rng.Chance(50)) {
    // Light copy-editing (1-5%) is common; spinner-grade rewrites (up to 20%) less so.
    const unsigned per_mille = rng.Chance(70) ? 10 + static_cast<unsigned>(rng.Below(41))
                                              : 50 + static_cast<unsigned>(rng.Below(151));
    text = SubstituteWords(text, per_mille, rng);
    note("substitute-" + std::to_string(per_mille / 10) + "%");
  }
  if (rng.Chance(30)) {
    ReplaceAll(&text, kLeftQuote, "\"");
    ReplaceAll(&text, kRightQuote, "\"");
    ReplaceAll(&text, kApostrophe, "'");
    ReplaceAll(&text, kEmDash, "--");
    note("straight-quotes");
  }
  if (rng.Chance(20)) {
    ReplaceAll(&text, kApostrophe, "&rsquo;");
    ReplaceAll(&text, kEmDash, "&mdash;");
    ReplaceAll(&text, "$", "&#36;");
    note("html-entities");
  }
  if (rng.Chance(15)) {
    const size_t eol = text.find('\n');
    for (size_t i = 0; i < std::min(eol, text.size()); ++i) {
      if (text[i] >= 'a' && text[i] <= 'z') text[i] = static_cast<char>(text[i] - 'a' + 'A');
    }
    note("upper-headline");
  }
  if (rng.Chance(40)) {
    const std::string_view site = rng.Pick(kSites);
    std::string header = "Home | World | Business | Sport | ";
    header.append(site);
    header.append("\n\nAdvertisement\n\n");
    std::string footer = "\n\nShare this article. Sign up for the ";
    footer.append(site);
    footer.append(" newsletter to get the day's top stories in your inbox. All rights reserved.\n");
    text = header + text + footer;
    note("site-chrome");
  }
  if (edits->empty()) note("verbatim");
  return text;
}

// A different article on the same story: the source's headline and dateline, new body.
inline std::string SameTopic(const std::string& source, CorpusRng& rng) {
  const size_t first_break = source.find("\n\n");
  const size_t dateline_end = source.find(' ', first_break + 2);
  std::string out = source.substr(0, dateline_end == std::string::npos ? first_break : dateline_end);
  std::string fresh = neardup::bench::NewsArticle(rng, source.size());
  const size_t body = fresh.find("\n\n");
  const size_t after_dateline = fresh.find(' ', body + 2);
  if (after_dateline != std::string::npos) out.append(fresh, after_dateline, std::string::npos);
  return out;
}

}  // namespace labelled_internal

inline LabelledCorpus MakeLabelledCorpus(const LabelledCorpusOptions& options) {
  CorpusRng rng(options.seed);
  LabelledCorpus corpus;
  uint32_t next_group = static_cast<uint32_t>(options.sources);
  for (size_t s = 0; s < options.sources; ++s) {
    const auto group = static_cast<uint32_t>(s);
    const size_t bytes = options.article_bytes + rng.Below(options.article_bytes / 2 + 1);
    std::string source = neardup::bench::NewsArticle(rng, bytes);
    const size_t copies = rng.Below(options.max_copies + 1);
    for (size_t c = 0; c < copies; ++c) {
      std::string edits;
      // Some copies are copies of an earlier copy (syndication chains).
      const bool chained = c > 0 && rng.Chance(25);
      const std::string& from = chained ? corpus.docs.back().text : source;
      std::string text = labelled_internal::EditCopy(from, rng, &edits);
      if (chained) edits = "chained:" + edits;
      corpus.docs.push_back({"", std::move(text), group, std::move(edits)});
    }
    if (rng.Chance(options.same_topic_percent)) {
      corpus.docs.push_back({"", labelled_internal::SameTopic(source, rng), next_group++, "same-topic"});
    }
    corpus.docs.push_back({"", std::move(source), group, "source"});
  }
  // Fisher-Yates with the corpus generator, then ids in final order.
  for (size_t i = corpus.docs.size(); i > 1; --i) std::swap(corpus.docs[i - 1], corpus.docs[rng.Below(i)]);
  for (size_t i = 0; i < corpus.docs.size(); ++i) corpus.docs[i].id = "doc-" + std::to_string(i);
  return corpus;
}

// `text` as a JSON string literal (quotes, backslashes and control characters escaped;
// UTF-8 passes through).
inline std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace neardup_test

#endif  // NEARDUP_TESTS_TESTING_LABELLED_CORPUS_HPP_
