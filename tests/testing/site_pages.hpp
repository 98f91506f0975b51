// Pages of one made-up news site: every page shares the site template (header,
// navigation menu, sidebar of links, footer) around its own article. For measuring
// what the template does to similarity (README, tests/text/html_test.cpp).
#ifndef NEARDUP_TESTS_TESTING_SITE_PAGES_HPP_
#define NEARDUP_TESTS_TESTING_SITE_PAGES_HPP_

#include <string>

#include "neardup/shingle/shingle.hpp"
#include "neardup/shingle/similarity.hpp"
#include "neardup/text/html.hpp"
#include "neardup/text/normalize.hpp"

namespace neardup_test {

inline std::string SitePage(const std::string& title, const std::string& article) {
  std::string nav;
  for (const char* section : {"Home", "World", "Business", "Technology", "Science", "Health", "Sports",
                              "Arts", "Books", "Style", "Food", "Travel", "Opinion", "Weather"}) {
    nav += std::string("<li><a href=\"/") + section + "\">" + section + "</a></li>";
  }
  std::string sidebar;
  for (const char* story : {"Mayor opens the new library wing downtown",
                            "Five recipes for a quick weeknight dinner",
                            "Local team wins the regional championship",
                            "What the rate decision means for your mortgage",
                            "Photos: the harbour festival in pictures"}) {
    sidebar += std::string("<li><a href=\"/s\">") + story + "</a></li>";
  }
  return "<!DOCTYPE html><html><head><title>" + title + " - The Daily Example</title></head><body>"
         "<header><p>The Daily Example: news from the valley since 1921. Subscribe today.</p></header>"
         "<nav><ul>" + nav + "</ul></nav>"
         "<main><article><h1>" + title + "</h1>" + article + "</article></main>"
         "<aside><h2>Most read</h2><ul>" + sidebar + "</ul></aside>"
         "<footer><p>Copyright The Daily Example. All rights reserved. Contact the newsroom, "
         "advertise with us, privacy policy, terms of service.</p></footer></body></html>";
}

inline std::string ArticleA() {
  return "<p>The city council approved a plan on Tuesday to rebuild the old stone bridge over the river, "
         "closing it to traffic for eighteen months from next spring.</p>"
         "<p>Engineers said the arches had weakened after decades of floods.</p>";
}
inline std::string ArticleB() {
  return "<p>A small bakery on Elm Street has been named the best in the region by a panel of judges, "
         "who praised its sourdough and its cardamom buns.</p>"
         "<p>The owners opened the shop six years ago after moving from Sweden.</p>";
}

// Jaccard of word 5-gram shingles of the two articles' pages after HTML -> text.
inline double TemplatePairJaccard(neardup::HtmlMode mode) {
  const std::string a = neardup::HtmlToText(SitePage("Council votes to rebuild the bridge", ArticleA()), mode);
  const std::string b = neardup::HtmlToText(SitePage("Elm Street bakery named the best", ArticleB()), mode);
  neardup::Normalizer normalizer;
  auto shingler = neardup::Shingler::Create({});
  const auto sa = neardup::MakeShingleSet(shingler->Shingle(normalizer.Normalize(a)));
  const auto sb = neardup::MakeShingleSet(shingler->Shingle(normalizer.Normalize(b)));
  return neardup::ExactJaccard(sa, sb);
}

}  // namespace neardup_test

#endif  // NEARDUP_TESTS_TESTING_SITE_PAGES_HPP_
