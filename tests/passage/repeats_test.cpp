#include "neardup/passage/repeats.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "neardup/passage/split.hpp"
#include "testing/test_data.hpp"

namespace neardup {
namespace {

std::string_view Text(std::string_view doc, Span s) { return doc.substr(s.start, s.end - s.start); }

TEST(SplitPassagesTest, LinesTrimmedAndNonEmpty) {
  const std::string text = "  First line.\r\n\n   \nSecond line  \rThird";
  const auto spans = SplitPassages(text, PassageSplit::kLine);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(Text(text, spans[0]), "First line.");
  EXPECT_EQ(Text(text, spans[1]), "Second line");
  EXPECT_EQ(Text(text, spans[2]), "Third");
}

TEST(SplitPassagesTest, BlankLineBlocks) {
  const std::string text = "a b\nc d\n\n  \ne f\n\ng";
  const auto spans = SplitPassages(text, PassageSplit::kBlankLine);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(Text(text, spans[0]), "a b\nc d");
  EXPECT_EQ(Text(text, spans[1]), "e f");
  EXPECT_EQ(Text(text, spans[2]), "g");
}

TEST(SplitPassagesTest, Sentences) {
  const std::string text = "He said \"no.\" Then he left! Did he? 3.5 percent rose.\n新しい。次の文";
  const auto spans = SplitPassages(text, PassageSplit::kSentence);
  ASSERT_EQ(spans.size(), 6u);
  EXPECT_EQ(Text(text, spans[0]), "He said \"no.\"");
  EXPECT_EQ(Text(text, spans[1]), "Then he left!");
  EXPECT_EQ(Text(text, spans[2]), "Did he?");
  EXPECT_EQ(Text(text, spans[3]), "3.5 percent rose.");
  EXPECT_EQ(Text(text, spans[4]), "新しい。");
  EXPECT_EQ(Text(text, spans[5]), "次の文");
}

TEST(SplitPassagesTest, Quotes) {
  const std::string text = "He said \"we will build it\" and \u201cnot before May\u201d, then \u00abc'est fini\u00bb.\n\"unclosed";
  const auto spans = SplitPassages(text, PassageSplit::kQuote);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(Text(text, spans[0]), "we will build it");
  EXPECT_EQ(Text(text, spans[1]), "not before May");
  EXPECT_EQ(Text(text, spans[2]), "c'est fini");
}

TEST(PassageRepeatFinderTest, ExactAndNearRepeatsWithinAndAcross) {
  const std::vector<std::string> docs = {
      "Harbor council approves new ferry schedule\n"
      "The council voted on Tuesday to add three evening ferry crossings to the island route.\n"
      "Harbor council approves new ferry schedule\n"
      "Read also: ten tips for saving energy this winter\n",
      "Read also: ten tips for saving energy this winter\n"
      "The council voted on Tuesday to add three evening ferry crossings to the island route!!\n"
      "An unrelated paragraph about the weather turning cold over the weekend.\n"};
  auto finder = PassageRepeatFinder::Create({});
  ASSERT_TRUE(finder.ok()) << finder.status();
  std::vector<PassageRepeat> repeats;
  for (uint32_t d = 0; d < docs.size(); ++d) finder->AddDocument(d, docs[d], &repeats);
  ASSERT_EQ(repeats.size(), 3u);
  // Headline repeated inside document 0.
  EXPECT_EQ(repeats[0].passage.doc, 0u);
  EXPECT_EQ(repeats[0].dup_of.doc, 0u);
  EXPECT_EQ(Text(docs[0], repeats[0].passage.span), "Harbor council approves new ferry schedule");
  EXPECT_EQ(repeats[0].dup_of.span.start, 0u);
  EXPECT_TRUE(repeats[0].exact);
  // Boilerplate shared across documents.
  EXPECT_EQ(repeats[1].passage.doc, 1u);
  EXPECT_EQ(repeats[1].dup_of.doc, 0u);
  EXPECT_EQ(Text(docs[0], repeats[1].dup_of.span), "Read also: ten tips for saving energy this winter");
  // Near repeat: same paragraph with different final punctuation normalizes equal? No:
  // "!!" is punctuation kept by the normalizer, so it is a near repeat.
  EXPECT_EQ(repeats[2].passage.doc, 1u);
  EXPECT_FALSE(repeats[2].exact);
  EXPECT_GE(repeats[2].similarity, 0.8f);
  EXPECT_EQ(Text(docs[0], repeats[2].dup_of.span).substr(0, 16), "The council vote");
}

TEST(PassageRepeatFinderTest, WithinDocumentScopeIgnoresOtherDocuments) {
  PassageOptions options;
  options.scope = PassageScope::kWithinDocument;
  auto finder = PassageRepeatFinder::Create(options);
  ASSERT_TRUE(finder.ok());
  std::vector<PassageRepeat> repeats;
  finder->AddDocument(0, "Shared boilerplate line that appears on every page\n", &repeats);
  finder->AddDocument(1, "Shared boilerplate line that appears on every page\nSome other text here in it\n"
                         "Some other text here in it\n", &repeats);
  ASSERT_EQ(repeats.size(), 1u);
  EXPECT_EQ(repeats[0].passage.doc, 1u);
  EXPECT_EQ(repeats[0].dup_of.doc, 1u);
}

TEST(PassageRepeatFinderTest, RejectsBadThreshold) {
  PassageOptions options;
  options.threshold = 1.5;
  EXPECT_EQ(PassageRepeatFinder::Create(options).status().message(),
            "passage threshold must be in (0, 1], got 1.5");
}

TEST(RemoveSpansTest, RemovesLinesKeepsEverythingElse) {
  const std::string text = "keep one\r\nDROP\r\nkeep two\nDROP  \nlast";
  const auto spans = SplitPassages(text, PassageSplit::kLine);
  EXPECT_EQ(RemoveSpans(text, {spans[1], spans[3]}), "keep one\r\nkeep two\nlast");
}

// The seed articles: 002 repeats its own paragraphs, 003 repeats its headline, and
// 000 / 001 report the same meeting with a shared quote.
class SeedPassagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto files = neardup_test::SeedFiles();
    if (files.size() < 5) GTEST_SKIP() << "seed articles not found beside the checkout";
    for (const auto& f : files) docs_.push_back(neardup_test::ReadFile(f));
  }
  std::vector<std::string> docs_;
};

TEST_F(SeedPassagesTest, SelfRepeatingArticleLosesEveryRepeatExactlyOnce) {
  PassageOptions options;
  options.scope = PassageScope::kWithinDocument;
  auto finder = PassageRepeatFinder::Create(options);
  ASSERT_TRUE(finder.ok());
  const std::string& doc = docs_[2];
  std::vector<PassageRepeat> repeats;
  finder->AddDocument(2, doc, &repeats);
  // Every long paragraph that occurs twice is reported once, pointing at its first copy.
  std::vector<std::string> lines;
  for (const Span s : SplitPassages(doc, PassageSplit::kLine)) lines.emplace_back(Text(doc, s));
  size_t expected = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].size() < 20) continue;
    for (size_t j = 0; j < i; ++j) {
      if (lines[j] == lines[i]) {
        ++expected;
        break;
      }
    }
  }
  ASSERT_GE(expected, 5u);
  ASSERT_EQ(repeats.size(), expected);
  std::vector<Span> drop;
  for (const auto& r : repeats) {
    EXPECT_EQ(Text(doc, r.passage.span), Text(doc, r.dup_of.span));
    EXPECT_LT(r.dup_of.span.start, r.passage.span.start);
    drop.push_back(r.passage.span);
  }
  const std::string cleaned = RemoveSpans(doc, drop);
  for (const auto& r : repeats) {
    const std::string_view para = Text(doc, r.passage.span);
    size_t count = 0;
    for (size_t p = cleaned.find(para); p != std::string::npos; p = cleaned.find(para, p + 1)) ++count;
    EXPECT_EQ(count, 1u) << para.substr(0, 60);
  }
}

TEST_F(SeedPassagesTest, HeadlineRepeatedThreeTimesIsFound) {
  auto finder = PassageRepeatFinder::Create({});
  ASSERT_TRUE(finder.ok());
  const std::string& doc = docs_[3];
  std::vector<PassageRepeat> repeats;
  finder->AddDocument(3, doc, &repeats);
  // The headline is the first line that is not a date: it comes back twice more.
  const Span headline = SplitPassages(doc, PassageSplit::kLine)[1];
  EXPECT_EQ(Text(doc, headline).substr(0, 8), "Lavrov -");
  size_t copies = 0;
  for (const auto& r : repeats) {
    if (r.dup_of.span == headline) {
      ++copies;
      EXPECT_EQ(Text(doc, r.passage.span), Text(doc, headline));
    }
  }
  EXPECT_EQ(copies, 2u);
}

TEST_F(SeedPassagesTest, QuoteSharedByTwoReportsOfTheSameMeetingIsFound) {
  PassageOptions options;
  options.split = PassageSplit::kQuote;
  options.measure = PassageMeasure::kContainment;
  auto finder = PassageRepeatFinder::Create(options);
  ASSERT_TRUE(finder.ok());
  std::vector<PassageRepeat> repeats;
  finder->AddDocument(0, docs_[0], &repeats);
  finder->AddDocument(1, docs_[1], &repeats);
  // The quote about an unhealthy situation, cut shorter by the second outlet.
  bool found = false;
  for (const auto& r : repeats) {
    if (r.passage.doc != 1 || r.dup_of.doc != 0) continue;
    found |= Text(docs_[1], r.passage.span).find("Ada pemahaman tentang perlunya") != std::string_view::npos &&
             Text(docs_[0], r.dup_of.span).find("Ada pemahaman tentang perlunya") != std::string_view::npos;
  }
  EXPECT_TRUE(found);
}

TEST_F(SeedPassagesTest, DifferentEventSharesNoParagraph) {
  auto finder = PassageRepeatFinder::Create({});
  ASSERT_TRUE(finder.ok());
  std::vector<PassageRepeat> repeats;
  finder->AddDocument(0, docs_[0], &repeats);
  finder->AddDocument(4, docs_[4], &repeats);
  for (const auto& r : repeats) EXPECT_FALSE(r.passage.doc == 4 && r.dup_of.doc == 0) << Text(docs_[4], r.passage.span);
}

}  // namespace
}  // namespace neardup
