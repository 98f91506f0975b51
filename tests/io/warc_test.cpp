// WARC / WET input through the DocumentReader, on files the tests write
// (testing/warc_writer.hpp): record kinds, compression, every real-world quirk the
// reader handles, re-crawled URIs, and re-reading records by offset.
#include "neardup/io/warc.hpp"

#include <brotli/encode.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/io/input.hpp"
#include "testing/input_files.hpp"
#include "testing/warc_writer.hpp"

namespace neardup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using neardup_test::Chunked;
using neardup_test::Deflate;
using neardup_test::HttpResponse;
using neardup_test::Page;
using neardup_test::WarcCompression;
using neardup_test::WarcFile;
using neardup_test::WarcInfo;
using neardup_test::WarcRecord;

using WarcTest = neardup_test::InputFilesTest;

size_t Skipped(const InputStats& s, WarcSkipKind k) { return s.warc_skipped_by_kind[static_cast<size_t>(k)]; }

std::vector<WarcRecord> MixedCrawl() {
  std::vector<WarcRecord> r;
  r.push_back(WarcInfo());
  WarcRecord request;
  request.type = "request";
  request.uri = "http://example.com/a";
  request.content_type = "application/http; msgtype=request";
  request.block = "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n";
  r.push_back(request);
  r.push_back(Page("http://example.com/a", "<title>A</title><p>Alpha page text.</p>"));
  WarcRecord meta;
  meta.type = "metadata";
  meta.uri = "http://example.com/a";
  meta.content_type = "application/warc-fields";
  meta.block = "fetchTimeMs: 12\r\n";
  r.push_back(meta);
  WarcRecord missing = Page("http://example.com/missing", "");
  missing.block = HttpResponse(404, "text/html", "<p>Not found</p>");
  r.push_back(missing);
  WarcRecord moved = Page("http://example.com/old", "");
  moved.block = HttpResponse(301, "text/html", "", {{"Location", "http://example.com/a"}});
  r.push_back(moved);
  WarcRecord image = Page("http://example.com/logo.png", "");
  image.block = HttpResponse(200, "image/png", std::string("\x89PNG\r\n\x1a\n\0\0", 10));
  r.push_back(image);
  WarcRecord revisit;
  revisit.type = "revisit";
  revisit.uri = "http://example.com/a";
  revisit.block = "HTTP/1.1 304 Not Modified\r\n\r\n";
  r.push_back(revisit);
  WarcRecord resource;
  resource.type = "resource";
  resource.uri = "file:///notes.txt";
  resource.content_type = "text/plain";
  resource.block = "Plain resource text.";
  r.push_back(resource);
  WarcRecord conversion;
  conversion.type = "conversion";
  conversion.uri = "http://example.com/b";
  conversion.content_type = "text/plain";
  conversion.version = "WARC/1.1";
  conversion.block = "Extracted text of page b.\nSecond line.";
  r.push_back(conversion);
  r.push_back(Page("http://example.com/c", "Plain text page.", "2024-05-02T00:00:00Z", "text/plain"));
  return r;
}

TEST_F(WarcTest, DocumentsAndSkippedRecordsByKind) {
  const std::string path = Write("crawl.warc", WarcFile(MixedCrawl()));
  const Result r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.problems.empty()) << r.problems[0].ToString();
  EXPECT_THAT(Ids(r), ElementsAre("http://example.com/a", "file:///notes.txt", "http://example.com/b",
                                  "http://example.com/c"));
  EXPECT_EQ(r.docs[0].text, "A\nAlpha page text.");
  EXPECT_EQ(r.docs[1].text, "Plain resource text.");
  EXPECT_EQ(r.docs[2].text, "Extracted text of page b.\nSecond line.");
  EXPECT_EQ(r.docs[3].text, "Plain text page.");
  EXPECT_EQ(r.docs[0].warc_date, "2024-05-01T12:00:00Z");
  EXPECT_EQ(r.docs[0].warc_record_id, "<urn:uuid:rec-3>");
  EXPECT_EQ(r.docs[0].record, 3u);
  EXPECT_EQ(r.docs[3].record, 11u);
  const std::string bytes = Slurp(path);
  for (const Document& d : r.docs) EXPECT_EQ(bytes.substr(d.offset, 8), "WARC/1." + std::string(d.record == 10 ? "1" : "0"));
  EXPECT_EQ(r.stats.warc_records, 11u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kWarcinfo), 1u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kRequest), 1u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kMetadata), 1u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kRevisit), 1u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kRedirect), 1u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kHttpStatus), 1u);
  EXPECT_EQ(Skipped(r.stats, WarcSkipKind::kNonText), 1u);
  EXPECT_EQ(r.stats.problems, 0u);
  EXPECT_EQ(r.stats.bytes, bytes.size());
}

TEST_F(WarcTest, CompressedFormsAndContentSniffingReadTheSame) {
  const std::vector<WarcRecord> records = MixedCrawl();
  const Result plain = ReadAll({Write("crawl.warc", WarcFile(records))});
  const Result member = ReadAll({Write("crawl.warc.gz", WarcFile(records, WarcCompression::kGzipPerRecord))});
  const Result whole = ReadAll({Write("whole.warc.gz", WarcFile(records, WarcCompression::kGzipWhole))});
  const Result sniffed = ReadAll({Write("crawl.data", WarcFile(records, WarcCompression::kGzipPerRecord))});
  std::vector<const Result*> all = {&member, &whole, &sniffed};
  Result zstd;
  if (HaveTool("zstd")) {
    zstd = ReadAll({Compress("zstd", Write("z.warc", WarcFile(records)))});
    all.push_back(&zstd);
  }
  for (const Result* r : all) {
    ASSERT_TRUE(r->status.ok()) << r->status;
    EXPECT_TRUE(r->problems.empty());
    ASSERT_EQ(Ids(*r), Ids(plain));
    for (size_t i = 0; i < plain.docs.size(); ++i) {
      EXPECT_EQ(r->docs[i].text, plain.docs[i].text);
      EXPECT_EQ(r->docs[i].offset, plain.docs[i].offset);
      EXPECT_EQ(r->docs[i].record, plain.docs[i].record);
    }
  }
}

TEST_F(WarcTest, QuirksCrawlersWrite) {
  std::vector<WarcRecord> r;
  WarcRecord wayback;  // no HTTP header block; the type is in the WARC header
  wayback.uri = "http://example.com/wayback";
  wayback.content_type = "text/html";
  wayback.block = "<p>Wayback body</p>";
  r.push_back(wayback);
  WarcRecord wget = Page("<http://example.com/wget>", "<p>wget page</p>");
  wget.date = "null";
  r.push_back(wget);
  WarcRecord chunked = Page("http://example.com/chunked", "");
  chunked.block = HttpResponse(200, "text/html", Chunked("<p>chunked body in pieces</p>", 7),
                               {{"Transfer-Encoding", "chunked"}});
  r.push_back(chunked);
  WarcRecord gz = Page("http://example.com/gzip", "");
  gz.block = HttpResponse(200, "text/html", Deflate("<p>gzip body</p>", 31), {{"Content-Encoding", "gzip"}});
  r.push_back(gz);
  WarcRecord deflate = Page("http://example.com/deflate", "");
  deflate.block = HttpResponse(200, "text/html", Deflate("<p>deflate body</p>", 15), {{"Content-Encoding", "deflate"}});
  r.push_back(deflate);
  WarcRecord raw = Page("http://example.com/raw-deflate", "");
  raw.block = HttpResponse(200, "text/html", Deflate("<p>raw deflate body</p>", -15), {{"Content-Encoding", "deflate"}});
  r.push_back(raw);
  WarcRecord both = Page("http://example.com/chunked-gzip", "");
  both.block = HttpResponse(200, "text/html", Chunked(Deflate("<p>chunked gzip</p>", 31), 5),
                            {{"Transfer-Encoding", "chunked"}, {"Content-Encoding", "gzip"}});
  r.push_back(both);
  WarcRecord lf = Page("http://example.com/lf", "<p>bare LF headers</p>");
  r.push_back(lf);
  std::string bytes = WarcFile(r);
  // The last record written with LF line ends only, as some tools do.
  const size_t last = bytes.rfind("WARC/1.0");
  std::string tail = bytes.substr(last);
  std::string lf_only;
  for (char c : tail) {
    if (c != '\r') lf_only += c;
  }
  const std::string body = "HTTP/1.1 200 OK\nContent-Type: text/html\n\n<p>bare LF headers</p>";
  lf_only = "WARC/1.0\nWARC-Type: response\nWARC-Target-URI: http://example.com/lf\nContent-Length: " +
            std::to_string(body.size()) + "\n\n" + body + "\n\n";
  bytes = bytes.substr(0, last) + lf_only;
  const Result res = ReadAll({Write("quirks.warc", bytes)});
  ASSERT_TRUE(res.status.ok()) << res.status;
  EXPECT_TRUE(res.problems.empty()) << res.problems[0].ToString();
  EXPECT_THAT(Ids(res), ElementsAre("http://example.com/wayback", "http://example.com/wget",
                                    "http://example.com/chunked", "http://example.com/gzip",
                                    "http://example.com/deflate", "http://example.com/raw-deflate",
                                    "http://example.com/chunked-gzip", "http://example.com/lf"));
  EXPECT_EQ(res.docs[0].text, "Wayback body");
  EXPECT_EQ(res.docs[1].warc_date, "");
  EXPECT_EQ(res.docs[2].text, "chunked body in pieces");
  EXPECT_EQ(res.docs[3].text, "gzip body");
  EXPECT_EQ(res.docs[4].text, "deflate body");
  EXPECT_EQ(res.docs[5].text, "raw deflate body");
  EXPECT_EQ(res.docs[6].text, "chunked gzip");
  EXPECT_EQ(res.docs[7].text, "bare LF headers");
}

// HTTP Content-Encoding br, written with libbrotlienc (the tests' own encoder).
std::string Brotli(std::string_view in) {
  size_t size = BrotliEncoderMaxCompressedSize(in.size());
  std::string out(size, '\0');
  const bool ok = BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, in.size(),
                                        reinterpret_cast<const uint8_t*>(in.data()), &size,
                                        reinterpret_cast<uint8_t*>(out.data())) == BROTLI_TRUE;
  EXPECT_TRUE(ok);
  out.resize(ok ? size : 0);
  return out;
}

TEST_F(WarcTest, BrotliBodiesDecodeAndACorruptOneIsReportedAndSkipped) {
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "the ferry leaves the harbor at nine and returns at ten. ";
  const std::string page = "<title>Ferries</title><p>" + long_text + "</p>";
  std::vector<WarcRecord> r;
  WarcRecord br = Page("http://e.com/br", "");
  br.block = HttpResponse(200, "text/html; charset=utf-8", Brotli(page), {{"Content-Encoding", "br"}});
  r.push_back(br);
  WarcRecord chunked = Page("http://e.com/chunked-br", "");
  chunked.block = HttpResponse(200, "text/plain", Chunked(Brotli("plain text, brotli, chunked"), 7),
                               {{"Transfer-Encoding", "chunked"}, {"Content-Encoding", "BR"}});
  r.push_back(chunked);
  const size_t corrupt_at = WarcFile(r).size();
  WarcRecord corrupt = Page("http://e.com/corrupt", "");
  std::string damaged = Brotli(page);
  for (size_t i = 0; i < 8; ++i) damaged[i] = '\xff';  // no valid stream header
  corrupt.block = HttpResponse(200, "text/html", damaged, {{"Content-Encoding", "br"}});
  r.push_back(corrupt);
  r.push_back(Page("http://e.com/after", "<p>after the damage</p>"));
  const Result res = ReadAll({Write("br.warc", WarcFile(r))});
  ASSERT_TRUE(res.status.ok()) << res.status;
  EXPECT_THAT(Ids(res), ElementsAre("http://e.com/br", "http://e.com/chunked-br", "http://e.com/after"));
  EXPECT_EQ(res.docs[0].text, "Ferries\n" + long_text.substr(0, long_text.size() - 1));
  EXPECT_EQ(res.docs[1].text, "plain text, brotli, chunked");
  EXPECT_EQ(res.docs[2].text, "after the damage");
  ASSERT_EQ(res.problems.size(), 1u);
  EXPECT_EQ(res.problems[0].kind, ProblemKind::kMalformedRecord);
  EXPECT_THAT(res.problems[0].ToString(),
              HasSubstr(absl::StrCat("record 3 at byte ", corrupt_at,
                                     " (http://e.com/corrupt): its HTTP body does not decode as Content-Encoding br "
                                     "(corrupt or not what the header says); record skipped")));
  EXPECT_EQ(Skipped(res.stats, WarcSkipKind::kBadEncoding), 0u);
  EXPECT_EQ(res.stats.failed_inputs, 0u);
}

TEST_F(WarcTest, CharsetsFromHeaderMetaOrBytes) {
  std::vector<WarcRecord> r;
  r.push_back(Page("http://e.com/header", "<p>caf\xE9 \x93quoted\x94</p>", "d1", "text/html; charset=windows-1252"));
  r.push_back(Page("http://e.com/meta", "<meta charset=\"iso-8859-2\"><p>\xB1\xE6</p>", "d2", "text/html"));
  r.push_back(Page("http://e.com/utf8", "<p>caf\xC3\xA9</p>", "d3", "text/html"));
  r.push_back(Page("http://e.com/guess", "<p>caf\xE9</p>", "d4", "text/html"));
  r.push_back(Page("http://e.com/bad", "<p>ok \xFF\xFE end</p>", "d5", "text/html; charset=utf-8"));
  r.push_back(Page("http://e.com/koi8", "\xF0\xD2\xC9\xD7\xC5\xD4", "d6", "text/plain; charset=KOI8-R"));
  const Result res = ReadAll({Write("charsets.warc", WarcFile(r))});
  ASSERT_TRUE(res.status.ok()) << res.status;
  ASSERT_EQ(res.docs.size(), 6u);
  EXPECT_EQ(res.docs[0].text, "caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D");
  EXPECT_EQ(res.docs[1].text, "\xC4\x85\xC4\x87");  // ą ć
  EXPECT_EQ(res.docs[2].text, "caf\xC3\xA9");
  EXPECT_EQ(res.docs[3].text, "caf\xC3\xA9");  // not UTF-8, no label: windows-1252
  EXPECT_EQ(res.docs[4].text, "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(res.docs[5].text, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
  EXPECT_EQ(res.stats.warc_replaced_bytes, 2u);
}

TEST_F(WarcTest, WrongContentLengthIsReportedAndReadingResynchronises) {
  std::vector<WarcRecord> r;
  r.push_back(Page("http://e.com/1", "<p>one</p>"));
  WarcRecord too_short = Page("http://e.com/2", "<p>two two two</p>");
  too_short.length = 20;
  r.push_back(too_short);
  r.push_back(Page("http://e.com/3", "<p>three</p>"));
  WarcRecord too_long = Page("http://e.com/4", "<p>four</p>");
  too_long.length = static_cast<long long>(too_long.block.size()) + 40;
  r.push_back(too_long);
  r.push_back(Page("http://e.com/5", "<p>five five five five five five five five five five five</p>"));
  const Result res = ReadAll({Write("lengths.warc", WarcFile(r) + "garbage after the last record\r\n")});
  ASSERT_TRUE(res.status.ok()) << res.status;
  EXPECT_THAT(Ids(res), ElementsAre("http://e.com/1", "http://e.com/3", "http://e.com/5"));
  ASSERT_EQ(res.problems.size(), 3u);
  EXPECT_EQ(res.problems[0].kind, ProblemKind::kMalformedRecord);
  EXPECT_THAT(res.problems[0].ToString(), HasSubstr("record 2 at byte"));
  EXPECT_THAT(res.problems[0].ToString(), HasSubstr("Content-Length 20 does not end at a record boundary"));
  EXPECT_THAT(res.problems[1].ToString(), HasSubstr("record 4 at byte"));
  EXPECT_THAT(res.problems[2].ToString(), HasSubstr("expected a \"WARC/1.x\" line, found \"garbage"));
  EXPECT_EQ(res.stats.failed_inputs, 0u);
}

TEST_F(WarcTest, TruncatedGzipMemberIsAnInputFailureAndTheNextInputIsRead) {
  const std::vector<WarcRecord> records = {Page("http://e.com/1", "<p>one</p>"), Page("http://e.com/2", "<p>two</p>"),
                                           Page("http://e.com/3", "<p>three three three three</p>")};
  const std::string full = WarcFile(records, WarcCompression::kGzipPerRecord);
  const size_t two = WarcFile({records[0], records[1]}, WarcCompression::kGzipPerRecord).size();
  const std::string cut = Write("cut.warc.gz", full.substr(0, two + (full.size() - two) / 2));
  const std::string next = Write("next.warc", WarcFile({Page("http://e.com/next", "<p>next</p>")}));
  const Result res = ReadAll({cut, next});
  ASSERT_TRUE(res.status.ok()) << res.status;
  EXPECT_THAT(Ids(res), ElementsAre("http://e.com/1", "http://e.com/2", "http://e.com/next"));
  ASSERT_EQ(res.problems.size(), 1u);
  EXPECT_EQ(res.problems[0].kind, ProblemKind::kCorruptStream);
  EXPECT_THAT(res.problems[0].ToString(), HasSubstr("cut.warc.gz: truncated gzip stream (ended after"));
  EXPECT_THAT(res.problems[0].ToString(), HasSubstr("record 3 at decompressed byte"));
  EXPECT_EQ(res.stats.failed_inputs, 1u);
}

TEST_F(WarcTest, RecrawledUrisGetUniqueIdsAcrossInputs) {
  WarcRecord same_date = Page("http://e.com/p", "<p>third capture</p>", "2024-05-02T00:00:00Z");
  same_date.record_id = "<urn:uuid:third>";
  const std::string a = Write("a.warc", WarcFile({Page("http://e.com/p", "<p>first</p>", "2024-05-01T00:00:00Z"),
                                                  Page("http://e.com/p", "<p>second</p>", "2024-05-02T00:00:00Z")}));
  const std::string b = Write("b.warc", WarcFile({same_date}));
  const Result res = ReadAll({a, b});
  ASSERT_TRUE(res.status.ok()) << res.status;
  EXPECT_THAT(Ids(res), ElementsAre("http://e.com/p", "http://e.com/p#2024-05-02T00:00:00Z",
                                    "http://e.com/p#urn:uuid:third"));
  EXPECT_TRUE(res.problems.empty());
}

TEST_F(WarcTest, ReadRecordsRereadsWarcRecordsWithTheSameIds) {
  const std::string a = Write("a.warc.gz", WarcFile({Page("http://e.com/p", "<p>first</p>", "d1"),
                                                     Page("http://e.com/q", "<p>q</p>", "d1")},
                                                    WarcCompression::kGzipPerRecord));
  const std::string j = Write("x.jsonl", "{\"id\":\"j\",\"text\":\"json\"}\n");
  const std::string b = Write("b.warc", WarcFile({WarcInfo(), Page("http://e.com/p", "<p>again</p>", "d2")}));
  const Result all = ReadAll({a, j, b});
  ASSERT_EQ(all.docs.size(), 4u);
  std::vector<RecordRef> refs = {{2, all.docs[3].record, all.docs[3].offset},
                                 {0, all.docs[1].record, all.docs[1].offset}};
  std::vector<Document> got(2);
  ASSERT_TRUE(ReadRecords({a, j, b}, refs, {}, [&](size_t i, Document& d) {
                got[i] = d;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(got[0].id, "http://e.com/p#d2");
  EXPECT_EQ(got[0].text, "again");
  EXPECT_EQ(got[0].warc_date, "d2");
  EXPECT_EQ(got[1].id, "http://e.com/q");
  EXPECT_EQ(got[1].text, "q");
  std::vector<RecordRef> bad = {{2, 2, all.docs[3].offset - 1}};
  const absl::Status s = ReadRecords({a, j, b}, bad, {}, [](size_t, Document&) { return absl::OkStatus(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(WarcTest, ByteRangesAreRefusedOnWarc) {
  InputOptions options;
  options.byte_ranges = {{0, 10}};
  const Result res = ReadAll({Write("c.warc", WarcFile({Page("http://e.com/1", "<p>x</p>")}))}, options);
  EXPECT_EQ(res.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(res.status.message(), HasSubstr("a WARC file"));
}

}  // namespace
}  // namespace neardup
