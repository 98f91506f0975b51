#include "neardup/text/html.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "testing/site_pages.hpp"

namespace neardup {
namespace {

TEST(HtmlToTextTest, TitleFirstBlocksAreLinesEntitiesDecoded) {
  const std::string html =
      "<!DOCTYPE html><html><head><title>The  Title</title>"
      "<style>p { color: red }</style><script>var x = '<p>no</p>';</script></head>"
      "<body><h1>Head&amp;line</h1><p>One &eacute;t&eacute;\n  two<br>three &#8217;q&#x2019;</p>"
      "<!-- a comment --><noscript>enable js</noscript><template><p>tmpl</p></template>"
      "<ul><li>first item</li><li>second <b>bold</b> item</li></ul>"
      "<table><tr><td>a</td><td>b</td></tr></table><pre>x  y\n z</pre></body></html>";
  EXPECT_EQ(HtmlToText(html, HtmlMode::kAll),
            "The Title\nHead&line\nOne \xC3\xA9t\xC3\xA9 two\nthree \xE2\x80\x99q\xE2\x80\x99\n"
            "first item\nsecond bold item\na b\nx  y\n z");
}

TEST(HtmlToTextTest, MainDropsNavigationAndLinkDenseBlocks) {
  const std::string html =
      "<html><body><header><p>Site banner</p></header>"
      "<nav><a href=/>Home</a> <a href=/news>News</a></nav>"
      "<div class=menu><a href=/a>Sports</a> | <a href=/b>Weather</a> | <a href=/c>Travel</a></div>"
      "<article><p>The council voted on Tuesday to rebuild the <a href=/bridge>bridge</a>.</p></article>"
      "<aside>Related stories</aside><div role=contentinfo>Copyright</div>"
      "<footer>Contact us</footer></body></html>";
  EXPECT_EQ(HtmlToText(html, HtmlMode::kMain), "The council voted on Tuesday to rebuild the bridge.");
  EXPECT_EQ(HtmlToText(html, HtmlMode::kAll),
            "Site banner\nHome News\nSports | Weather | Travel\n"
            "The council voted on Tuesday to rebuild the bridge.\nRelated stories\nCopyright\nContact us");
}

TEST(HtmlToTextTest, MalformedMarkupGivesTextAndPrintsNothing) {
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  EXPECT_EQ(HtmlToText("<p>open <b>bold <i>both</p> after</b> <div>&bogus; &lt;x&gt;</span>"), "open bold both\nafter\n&bogus; <x>");
  EXPECT_EQ(HtmlToText(std::string("\0<p>\xff\xfe</p>", 10)).empty(), false);
  EXPECT_EQ(HtmlToText(""), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
}

TEST(HtmlToTextTest, SniffsMetaCharset) {
  EXPECT_EQ(SniffHtmlCharset("<html><head><meta charset=\"ISO-8859-2\">"), "iso-8859-2");
  EXPECT_EQ(SniffHtmlCharset("<meta http-equiv='Content-Type' content='text/html; charset=koi8-r'>"), "koi8-r");
  EXPECT_EQ(SniffHtmlCharset("<p>charset is not here</p>"), "");
}

// Two unrelated articles in one site template: the template's navigation, header,
// sidebar and footer make them look alike unless only the main content is kept.
TEST(HtmlToTextTest, MainContentSeparatesUnrelatedPagesOfOneSite) {
  const double all = neardup_test::TemplatePairJaccard(HtmlMode::kAll);
  const double main = neardup_test::TemplatePairJaccard(HtmlMode::kMain);
  RecordProperty("jaccard_all", std::to_string(all));
  RecordProperty("jaccard_main", std::to_string(main));
  EXPECT_GT(all, 0.2);
  EXPECT_LT(main, 0.05);
}

}  // namespace
}  // namespace neardup
