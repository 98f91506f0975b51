// Crawl input, stage by stage: an uncompressed WARC of news pages (a site template
// around each article, HTTP headers, request and warcinfo records as crawlers write
// them) -> records -> text -> signature. Throughput is in WARC bytes, so the stages'
// figures add up: time(end to end) ~ time(records) + time(text) + time(sign).
//
//   build/bench/bench/warc_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../tests/testing/site_pages.hpp"
#include "../tests/testing/warc_writer.hpp"
#include "neardup/io/warc.hpp"
#include "neardup/signature/signer.hpp"
#include "neardup/text/html.hpp"
#include "news_corpus.hpp"

namespace {

constexpr size_t kPages = 200;

struct Crawl {
  std::string warc;
  std::vector<std::string> html;  // the payloads
  std::vector<std::string> text;  // their main-content text
};

const Crawl& TheCrawl() {
  static const Crawl* crawl = [] {
    auto* c = new Crawl;
    std::vector<neardup_test::WarcRecord> records = {neardup_test::WarcInfo()};
    const std::vector<std::string> articles = neardup::bench::NewsArticles(kPages, 7);
    for (size_t i = 0; i < articles.size(); ++i) {
      std::string body;
      size_t at = 0;
      while (at < articles[i].size()) {
        size_t end = articles[i].find('\n', at);
        if (end == std::string::npos) end = articles[i].size();
        body += "<p>" + articles[i].substr(at, end - at) + "</p>\n";
        at = end + 1;
      }
      const std::string uri = "https://news.example/" + std::to_string(i);
      neardup_test::WarcRecord request;
      request.type = "request";
      request.uri = uri;
      request.block = "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: news.example\r\nUser-Agent: bench\r\n\r\n";
      records.push_back(request);
      c->html.push_back(neardup_test::SitePage("Article " + std::to_string(i), body));
      records.push_back(neardup_test::Page(uri, c->html.back()));
      c->text.push_back(neardup::HtmlToText(c->html.back()));
    }
    c->warc = neardup_test::WarcFile(records);
    return c;
  }();
  return *crawl;
}

void ReadAll(const std::string& warc, bool want_text, benchmark::State& state, neardup::Signer* signer) {
  size_t at = 0;
  neardup::WarcReader reader(
      [&]() -> std::string_view {
        const std::string_view c = std::string_view(warc).substr(at, 1 << 20);
        at += c.size();
        return c;
      },
      {});
  if (!want_text) reader.set_want_text([](uint64_t) { return false; });
  neardup::WarcDocument doc;
  neardup::WarcProblem problem;
  while (reader.Next(&doc, &problem) != neardup::WarcReader::Result::kEnd) {
    if (signer != nullptr) benchmark::DoNotOptimize(signer->Sign(doc.text));
    benchmark::DoNotOptimize(doc.text.data());
  }
  (void)state;
}

// Stage 1: WARC records and HTTP headers (no text decoded).
void BM_Warc_Records(benchmark::State& state) {
  const Crawl& c = TheCrawl();
  for (auto _ : state) ReadAll(c.warc, false, state, nullptr);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.warc.size()));
}
BENCHMARK(BM_Warc_Records);

// Stage 2: charset check + HTML -> text of the payloads (bytes: the whole WARC's).
void BM_Warc_HtmlToText(benchmark::State& state) {
  const Crawl& c = TheCrawl();
  std::string out;
  for (auto _ : state) {
    for (const std::string& h : c.html) {
      neardup::HtmlToText(h, neardup::HtmlMode::kMain, &out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.warc.size()));
}
BENCHMARK(BM_Warc_HtmlToText);

// Stage 3: signatures of the texts (normalize, shingle, MinHash + SimHash).
void BM_Warc_Sign(benchmark::State& state) {
  const Crawl& c = TheCrawl();
  neardup::Signer signer;
  for (auto _ : state) {
    for (const std::string& t : c.text) benchmark::DoNotOptimize(signer.Sign(t));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.warc.size()));
}
BENCHMARK(BM_Warc_Sign);

// All three: WARC -> text -> signature, one core.
void BM_Warc_EndToEnd(benchmark::State& state) {
  const Crawl& c = TheCrawl();
  neardup::Signer signer;
  for (auto _ : state) ReadAll(c.warc, true, state, &signer);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.warc.size()));
  state.counters["pages"] = benchmark::Counter(static_cast<double>(state.iterations() * kPages),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Warc_EndToEnd);

}  // namespace

BENCHMARK_MAIN();
