#include "neardup/io/input.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/io/jsonl.hpp"
#include "testing/input_files.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using InputTest = neardup_test::InputFilesTest;

TEST_F(InputTest, ReadsGoodLinesWithStringAndIntegerIds) {
  const std::string path = Write("good.jsonl",
                                 "{\"id\":\"a\",\"text\":\"first\"}\n"
                                 "{\"text\":\"second\",\"id\":42,\"extra\":[1,{\"x\":null}]}\n"
                                 "{\"id\":18446744073709551615,\"text\":\"third\"}\n"
                                 "{\"id\":-7,\"text\":\"caf\\u00e9 \\\"q\\\"\"}\n");
  const Result r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(Ids(r), ElementsAre("a", "42", "18446744073709551615", "-7"));
  EXPECT_EQ(r.docs[1].text, "second");
  EXPECT_EQ(r.docs[3].text, "caf\xC3\xA9 \"q\"");
  EXPECT_EQ(r.docs[2].file, path);
  EXPECT_EQ(r.docs[2].line, 3u);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.stats.documents, 4u);
  EXPECT_EQ(r.stats.bytes, Slurp(path).size());
  EXPECT_EQ(r.stats.files, 1u);
}

TEST_F(InputTest, ReportsEveryBadLineWithFileLineAndReasonAndGoesOn) {
  Write("data.jsonl",
        "{\"id\":1,\"text\":\"ok one\"}\n"                  // 1
        "{\"id\":2,\"text\":\"unterminated}\n"              // 2
        "{\"id\":3,\"body\":\"no text field\"}\n"           // 3
        "{\"id\":4,\"text\":17}\n"                          // 4
        "{\"text\":\"no id\"}\n"                            // 5
        "{\"id\":1.5,\"text\":\"float id\"}\n"              // 6
        "[1,2,3]\n"                                         // 7
        "{\"id\":\"\",\"text\":\"empty id\"}\n"             // 8
        "{\"id\":true,\"text\":\"bool id\"}\n"              // 9
        "{\"id\":10,\"text\":null}\n"                       // 10
        "{\"id\":11,\"text\":\"ok\"} trailing\n"            // 11
        "{\"id\":12,\"text\":\"bad utf8 \xFF\"}\n"          // 12
        "{\"id\":13,\"text\":\"ok two\"}\n");               // 13
  // Relative path: messages show the path as given.
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  const Result r = ReadAll({"data.jsonl"});
  fs::current_path(old);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(Ids(r), ElementsAre("1", "13"));
  EXPECT_EQ(r.docs[1].line, 13u);
  const std::vector<std::string> m = Messages(r);
  ASSERT_EQ(m.size(), 11u);
  EXPECT_THAT(m[0], StartsWith("data.jsonl:2: malformed JSON: "));
  EXPECT_EQ(m[1], "data.jsonl:3: missing string field \"text\"");
  EXPECT_EQ(m[2], "data.jsonl:4: field \"text\" is an integer, expected a string");
  EXPECT_EQ(m[3], "data.jsonl:5: missing string or integer field \"id\"");
  EXPECT_EQ(m[4],
            "data.jsonl:6: field \"id\" is a floating-point number, expected a string or an "
            "integer");
  EXPECT_EQ(m[5], "data.jsonl:7: expected a JSON object, found an array");
  EXPECT_EQ(m[6], "data.jsonl:8: field \"id\" is an empty string");
  EXPECT_EQ(m[7], "data.jsonl:9: field \"id\" is a boolean, expected a string or an integer");
  EXPECT_EQ(m[8], "data.jsonl:10: field \"text\" is null, expected a string");
  EXPECT_THAT(m[9], StartsWith("data.jsonl:11: malformed JSON: "));
  EXPECT_THAT(m[10], StartsWith("data.jsonl:12: malformed JSON: "));
  EXPECT_THAT(m[10], HasSubstr("UTF-8"));

  EXPECT_EQ(r.problems[1].kind, ProblemKind::kBadText);
  EXPECT_EQ(r.problems[1].line, 3u);
  EXPECT_EQ(r.problems[1].file, "data.jsonl");
  EXPECT_EQ(r.stats.documents, 2u);
  EXPECT_EQ(r.stats.problems, 11u);
  const auto& by = r.stats.problems_by_kind;
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kMalformedJson)], 3u);
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kNotAnObject)], 1u);
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kBadText)], 3u);
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kBadId)], 4u);
}

TEST_F(InputTest, ConfigurableFieldsJsonPointerAndNoIdField) {
  const std::string path = Write("f.jsonl",
                                 "{\"url\":\"u1\",\"body\":\"b1\",\"text\":\"ignored\"}\n"
                                 "{\"meta\":{\"key\":5},\"content\":{\"main\":\"nested\"}}\n");
  InputOptions o;
  o.fields = {.id_field = "url", .text_field = "body"};
  Result r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("u1"));
  EXPECT_EQ(r.docs[0].text, "b1");
  EXPECT_THAT(Messages(r), ElementsAre(path + ":2: missing string field \"body\""));

  o.fields = {.id_field = "/meta/key", .text_field = "/content/main"};
  r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("5"));
  EXPECT_EQ(r.docs[0].text, "nested");
  EXPECT_THAT(Messages(r), ElementsAre(path + ":1: missing string field \"/content/main\""));

  o.fields = {.id_field = "", .text_field = "text"};
  r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre(path + ":1"));
}

TEST_F(InputTest, CrlfBomBlankLinesAndMissingFinalNewline) {
  const std::string path = Write("w.jsonl",
                                 "\xEF\xBB\xBF{\"id\":1,\"text\":\"a\"}\r\n"
                                 "\r\n"
                                 "   \t \n"
                                 "\n"
                                 "{\"id\":2,\"text\":\"b\\r\"}\r\n"
                                 "{\"id\":3,\"text\":\"c\"}");
  const Result r = ReadAll({path});
  EXPECT_TRUE(r.problems.empty()) << Messages(r)[0];
  EXPECT_THAT(Ids(r), ElementsAre("1", "2", "3"));
  EXPECT_EQ(r.docs[1].text, "b\r");
  EXPECT_EQ(r.docs[1].line, 5u);
  EXPECT_EQ(r.docs[2].line, 6u);
}

TEST_F(InputTest, KeepRawKeepsTheLineAsRead) {
  const std::string path = Write("r.jsonl",
                                 "\xEF\xBB\xBF{\"id\":1, \"text\":\"a\\u0041\"}\r\n"
                                 "{\"id\":2,\"text\":\"b\"}");
  Write("dir/t.txt", "whole");
  InputOptions o;
  Result r = ReadAll({path, dir_ + "/dir"}, o);
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].raw, "");
  o.keep_raw = true;
  r = ReadAll({path, dir_ + "/dir"}, o);
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].text, "aA");
  EXPECT_EQ(r.docs[0].raw, "{\"id\":1, \"text\":\"a\\u0041\"}");
  EXPECT_EQ(r.docs[1].raw, "{\"id\":2,\"text\":\"b\"}");
  EXPECT_EQ(r.docs[2].raw, "");
}

TEST_F(InputTest, BomOnlyAcceptedOnTheFirstLine) {
  const std::string path = Write("b.jsonl",
                                 "{\"id\":1,\"text\":\"a\"}\n"
                                 "\xEF\xBB\xBF{\"id\":2,\"text\":\"b\"}\n");
  const Result r = ReadAll({path});
  EXPECT_THAT(Ids(r), ElementsAre("1"));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kMalformedJson);
}

TEST_F(InputTest, MaxDocumentBytes) {
  const std::string path = Write("m.jsonl",
                                 "{\"id\":1,\"text\":\"0123456789\"}\n"
                                 "{\"id\":2,\"text\":\"0123456789A\"}\n"
                                 "{\"id\":3,\"text\":\"short\"}\n");
  InputOptions o;
  o.max_document_bytes = 10;
  const Result r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("1", "3"));
  EXPECT_THAT(Messages(r), ElementsAre(path + ":2: text is 11 bytes, over the limit of 10 bytes "
                                              "(max_document_bytes)"));
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kTooLarge);
  EXPECT_EQ(r.problems[0].code, absl::StatusCode::kOutOfRange);
}

TEST_F(InputTest, MaxLineBytesSkipsLongLinesWithoutLosingCount) {
  // The long line spans several read buffers; the final one has no newline.
  const std::string big(3 << 20, 'x');
  const std::string path = Write("l.jsonl", "{\"id\":1,\"text\":\"a\"}\n" + big + "\n" +
                                                "{\"id\":3,\"text\":\"c\"}\n" + big);
  InputOptions o;
  o.max_line_bytes = 1000;
  const Result r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("1", "3"));
  EXPECT_EQ(r.docs[1].line, 3u);
  EXPECT_THAT(Messages(r),
              ElementsAre(path + ":2: line is 3145728 bytes, over the limit of 1000 bytes "
                                 "(max_line_bytes)",
                          path + ":4: line is 3145728 bytes, over the limit of 1000 bytes "
                                 "(max_line_bytes)"));
}

TEST_F(InputTest, LinesLongerThanTheReadBuffersWork) {
  std::string text;
  for (int i = 0; text.size() < (5u << 20); ++i) absl::StrAppend(&text, "word", i, " ");
  const std::string path = Write("long.jsonl", "{\"id\":\"short\",\"text\":\"s\"}\n"
                                               "{\"id\":\"long\",\"text\":\"" + text + "\"}\n"
                                               "{\"id\":\"after\",\"text\":\"t\"}\n");
  const Result r = ReadAll({path});
  ASSERT_THAT(Ids(r), ElementsAre("short", "long", "after"));
  EXPECT_EQ(r.docs[1].text, text);
  EXPECT_EQ(r.docs[2].line, 3u);
}

TEST_F(InputTest, GzipAndZstdReadLikePlainFiles) {
  std::string content;
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&content, "{\"id\":", i, ",\"text\":\"document number ", i * 7919,
                    " with some words\"}\n");
  }
  const std::string plain = Write("c.jsonl", content);
  const Result expected = ReadAll({plain});
  ASSERT_EQ(expected.docs.size(), 5000u);
  for (const char* tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found; cannot write the fixture";
      continue;
    }
    const std::string compressed = Compress(tool, plain);
    // By extension, and sniffed from the magic bytes under another name.
    const std::string renamed = compressed + ".data";
    fs::copy_file(compressed, renamed);
    for (const std::string& path : {compressed, renamed}) {
      const Result r = ReadAll({path});
      EXPECT_TRUE(r.problems.empty()) << tool << ": " << Messages(r)[0];
      ASSERT_EQ(Ids(r), Ids(expected)) << tool;
      EXPECT_EQ(r.docs[4999].text, expected.docs[4999].text);
      EXPECT_EQ(r.docs[4999].line, 5000u);
      EXPECT_EQ(r.stats.bytes, content.size());
    }
  }
}

TEST_F(InputTest, ConcatenatedGzipMembersAndZstdFrames) {
  const std::string a = Write("a.jsonl", "{\"id\":1,\"text\":\"a\"}\n");
  const std::string b = Write("b.jsonl", "{\"id\":2,\"text\":\"b\"}\n");
  for (const char* tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string both = Write(std::string("both.jsonl.") + (tool[0] == 'g' ? "gz" : "zst"),
                                   Slurp(Compress(tool, a)) + Slurp(Compress(tool, b)));
    const Result r = ReadAll({both});
    EXPECT_TRUE(r.problems.empty()) << tool;
    EXPECT_THAT(Ids(r), ElementsAre("1", "2")) << tool;
  }
}

TEST_F(InputTest, TruncatedAndCorruptCompressedStreamsAreReported) {
  std::string content;
  for (int i = 0; i < 30000; ++i) {
    absl::StrAppend(&content, "{\"id\":", i, ",\"text\":\"x", i * 2654435761u, "\"}\n");
  }
  const std::string plain = Write("t.jsonl", content);
  for (const std::string tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool.c_str())) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string full = Slurp(Compress(tool, plain));
    const std::string ext = tool == "gzip" ? ".gz" : ".zst";
    const std::string cut = Write("cut.jsonl" + ext, full.substr(0, full.size() / 2));
    Result r = ReadAll({cut, plain});
    ASSERT_EQ(r.problems.size(), 1u) << tool;
    const InputProblem& p = r.problems[0];
    EXPECT_EQ(p.kind, ProblemKind::kCorruptStream);
    EXPECT_EQ(p.code, absl::StatusCode::kDataLoss);
    EXPECT_THAT(p.reason, StartsWith("truncated " + tool + " stream (ended after " +
                                     std::to_string(full.size() / 2) + " compressed bytes)"));
    // Every complete line before the cut is delivered, the cut line is not, and the
    // next input is read in full.
    ASSERT_GT(r.docs.size(), 30000u);
    const size_t before = r.docs.size() - 30000;
    EXPECT_GT(before, 1000u) << tool;
    EXPECT_EQ(p.line, before + 1);
    for (size_t i = 0; i < before; ++i) ASSERT_EQ(r.docs[i].id, std::to_string(i));
    EXPECT_EQ(r.docs[before].file, plain);

    std::string flipped = full;
    flipped[full.size() / 2] ^= 0x55;
    flipped[full.size() / 2 + 1] ^= 0x55;
    const std::string bad = Write("bad.jsonl" + ext, flipped);
    r = ReadAll({bad});
    ASSERT_FALSE(r.problems.empty()) << tool;
    EXPECT_EQ(r.problems.back().kind, ProblemKind::kCorruptStream) << r.problems.back().ToString();
    EXPECT_THAT(r.problems.back().reason, StartsWith("corrupt " + tool + " stream at compressed byte "));

    const std::string empty = Write("empty.jsonl" + ext, "");
    r = ReadAll({empty});
    EXPECT_THAT(Messages(r), ElementsAre(empty + ":1: truncated " + tool +
                                         " stream (ended after 0 compressed bytes)"));
  }
}

TEST_F(InputTest, DirectoryOfTextFilesInSortedOrder) {
  Write("corpus/b.txt", "bee");
  Write("corpus/a/c.txt", "sea");
  Write("corpus/a.txt", "ay");
  Write("corpus/z/y/x.txt", "deep");
  Write("corpus/notes.md", "not a text file");
  Write("corpus/a/data.jsonl", "{\"id\":1,\"text\":\"not read\"}\n");
  const Result r = ReadAll({dir_ + "/corpus"});
  EXPECT_TRUE(r.problems.empty());
  EXPECT_THAT(Ids(r), ElementsAre("a.txt", "a/c.txt", "b.txt", "z/y/x.txt"));
  EXPECT_EQ(r.docs[1].text, "sea");
  EXPECT_EQ(r.docs[1].file, dir_ + "/corpus/a/c.txt");
  EXPECT_EQ(r.docs[1].line, 0u);
  EXPECT_EQ(r.stats.bytes, 2u + 3u + 3u + 4u);
}

TEST_F(InputTest, SingleTextFileAndLimits) {
  const std::string small = Write("small.txt", "hello\nworld\n");
  const std::string big = Write("big.txt", std::string(100, 'x'));
  InputOptions o;
  o.max_document_bytes = 50;
  const Result r = ReadAll({small, big}, o);
  EXPECT_THAT(Ids(r), ElementsAre(small));
  EXPECT_EQ(r.docs[0].text, "hello\nworld\n");
  EXPECT_THAT(Messages(r), ElementsAre(big + ": file is 100 bytes, over the limit of 50 bytes "
                                             "(max_document_bytes)"));
}

TEST_F(InputTest, MissingInputIsReportedAndTheNextInputIsRead) {
  const std::string good = Write("g.jsonl", "{\"id\":1,\"text\":\"a\"}\n");
  const std::string missing = dir_ + "/missing.jsonl";
  const Result r = ReadAll({missing, dir_ + "/nodir/", good});
  EXPECT_THAT(Ids(r), ElementsAre("1"));
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].ToString(), missing + ": cannot open: No such file or directory");
  EXPECT_EQ(r.problems[0].code, absl::StatusCode::kNotFound);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kUnreadable);
  EXPECT_EQ(r.stats.problems_by_kind[static_cast<size_t>(ProblemKind::kUnreadable)], 2u);
}

TEST_F(InputTest, StrictModeReturnsTheFirstProblemAndStops) {
  const std::string path = Write("s.jsonl",
                                 "{\"id\":1,\"text\":\"a\"}\n"
                                 "{\"id\":2}\n"
                                 "{\"id\":3,\"text\":\"c\"}\n");
  InputOptions o;
  o.strict = true;
  int callbacks = 0;
  o.on_problem = [&](const InputProblem&) { ++callbacks; };
  DocumentReader reader({path}, o);
  Document doc;
  absl::StatusOr<bool> more = reader.Next(&doc);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(doc.id, "1");
  more = reader.Next(&doc);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(more.status().message()), path + ":2: missing string field \"text\"");
  // Sticky: the reader does not go on past the problem.
  EXPECT_EQ(reader.Next(&doc).status(), more.status());
  EXPECT_EQ(callbacks, 0);
  EXPECT_EQ(reader.stats().problems, 1u);

  DocumentReader missing({dir_ + "/none.jsonl"}, o);
  EXPECT_EQ(missing.Next(&doc).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(InputTest, EmptyTextFieldIsAnError) {
  InputOptions o;
  o.fields.text_field = "";
  DocumentReader reader({Write("x.jsonl", "{}\n")}, o);
  Document doc;
  EXPECT_EQ(reader.Next(&doc).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonlRecordParserTest, ParsesUnpaddedViews) {
  JsonlRecordParser parser;
  std::string id, text, reason;
  const std::string line = "{\"id\":\"k\",\"text\":\"v\"}trailing-bytes-outside-the-view";
  EXPECT_EQ(parser.Parse(std::string_view(line).substr(0, line.find('}') + 1), &id, &text, &reason),
            ProblemKind::kNone)
      << reason;
  EXPECT_EQ(id, "k");
  EXPECT_EQ(text, "v");
  EXPECT_EQ(parser.Parse("\"just a string\"", &id, &text, &reason), ProblemKind::kNotAnObject);
  EXPECT_EQ(reason, "expected a JSON object, found a string");
  EXPECT_EQ(parser.Parse("", &id, &text, &reason), ProblemKind::kMalformedJson);
}

}  // namespace
}  // namespace neardup
